"""Tests of cvm_lib.valuechain: hand-built logs with hand-computed answers, and the
channel economics of simulate_retail."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from cvm_lib.data import CvmDataError
from cvm_lib.valuechain import (NOT_PAID_BACK, STAGE_NOTES, acquisition_payback, annual_to_period_rate,
                                clv_waterfall, customer_profitability, historical_value, potential_value,
                                profitability_deciles, projected_customer_equity, value_chain_stages,
                                value_decomposition, whale_curve)


def _tx(rows, **extra):
    frame = pd.DataFrame(rows, columns=["customer_id", "date", "amount", *extra.get("cols", [])])
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


# --------------------------------------------------------------------------- profitability
@pytest.fixture
def small():
    tx = _tx([("a", "2024-01-01", 100.0, 60.0), ("a", "2024-02-01", 50.0, 20.0),
              ("b", "2024-01-03", 80.0, 70.0), ("c", "2024-01-05", 10.0, 12.0)], cols=["cost"])
    customers = pd.DataFrame({"customer_id": ["a", "b", "c"], "cost_to_serve_rate": [0.1, 0.05, 0.0],
                              "acquisition_cost": [20.0, 10.0, 5.0]})
    return tx, customers


def test_profitability_hand_computed(small):
    tx, customers = small
    table = customer_profitability(tx, customers)  # rate column picked up by default
    assert table.index.tolist() == ["a", "b", "c"]
    assert table["revenue"].tolist() == [150.0, 80.0, 10.0]
    assert table["cogs"].tolist() == [80.0, 70.0, 12.0]
    assert table["cost_to_serve"].tolist() == pytest.approx([15.0, 4.0, 0.0])
    assert table["profit"].tolist() == pytest.approx([55.0, 6.0, -2.0])
    assert table["margin_pct"].tolist() == pytest.approx([100 * 55 / 150, 7.5, -20.0])
    assert table["transactions"].tolist() == [2, 1, 1]
    assert "cost_to_serve_rate" in table.attrs["cost_to_serve"]


def test_profitability_scalar_rate_default_margin_and_order_cost(small):
    tx, _ = small
    no_cost = tx.drop(columns="cost")
    table = customer_profitability(no_cost, default_margin=0.3, cost_to_serve_rate=0.0)
    assert table["profit"].tolist() == pytest.approx([45.0, 24.0, 3.0])
    with_orders = tx.assign(order_id=["o1", "o1", "o2", "o3"])
    t2 = customer_profitability(with_orders, cost_to_serve_rate=0.0, cost_per_order=5.0)
    assert t2["cost_to_serve"].tolist() == pytest.approx([5.0, 5.0, 5.0])  # a's two lines are one order
    t3 = customer_profitability(tx, cost_to_serve_rate=0.0, cost_per_order=5.0)
    assert t3["cost_to_serve"].tolist() == pytest.approx([10.0, 5.0, 5.0])  # no order id: per line


def test_profitability_errors(small):
    tx, customers = small
    with pytest.raises(CvmDataError, match="default_margin"):
        customer_profitability(tx.drop(columns="cost"))
    with pytest.raises(CvmDataError, match="negative cost"):
        customer_profitability(tx.assign(cost=[1.0, -1.0, 1.0, 1.0]))
    with pytest.raises(CvmDataError, match="missing cost"):
        customer_profitability(tx.assign(cost=[1.0, np.nan, 1.0, 1.0]))
    filled = customer_profitability(tx.assign(cost=[60.0, np.nan, 70.0, 12.0]), default_margin=0.5,
                                    cost_to_serve_rate=0)
    assert filled.loc["a", "cogs"] == 85.0
    with pytest.raises(CvmDataError, match="not in the customers table"):
        customer_profitability(tx, customers.iloc[:2])
    with pytest.raises(CvmDataError, match="missing or negative"):
        customer_profitability(tx, customers.assign(cost_to_serve_rate=[0.1, -0.2, 0.0]))
    with pytest.raises(ValueError, match="cost_to_serve_rate"):
        customer_profitability(tx, cost_to_serve_rate=-0.1)
    with pytest.raises(CvmDataError, match="lacks column"):
        customer_profitability(tx.drop(columns="amount"))


def test_historical_value_window(small):
    tx, customers = small
    hv = historical_value(tx, customers, observation_end="2024-01-31")
    assert hv.name == "historical_value"
    assert hv.to_dict() == pytest.approx({"a": 30.0, "b": 6.0, "c": -2.0})


# --------------------------------------------------------------------------- deciles, whale
def test_deciles_hand_computed():
    profit = pd.Series(np.arange(1.0, 21.0), index=[f"c{i:02d}" for i in range(20)])
    table = profitability_deciles(profit)
    assert table.index.tolist() == list(range(1, 11))
    assert table["customers"].tolist() == [2] * 10
    assert table.loc[1, "profit"] == 39.0 and table.loc[10, "profit"] == 3.0
    assert table.loc[1, "share_of_profit"] == pytest.approx(39 / 210)
    assert table["cumulative_share_of_profit"].iloc[-1] == pytest.approx(1.0)
    assert table.loc[1, "min_profit"] == 19.0
    # unequal sizes differ by at most one; revenue comes along from a profitability table
    frame = pd.DataFrame({"profit": np.arange(13.0), "revenue": np.full(13, 2.0)})
    t13 = profitability_deciles(frame)
    assert t13["customers"].sum() == 13 and t13["customers"].max() - t13["customers"].min() <= 1
    assert t13["revenue"].sum() == 26.0
    assert t13.loc[1, "max_profit"] == 12.0


def test_whale_curve_peak():
    profit = pd.Series([10.0, -20.0, 50.0, 20.0, -10.0, 30.0], index=list("abcdef"))
    wc = whale_curve(profit)
    assert wc.total_profit == 80.0
    # ranked 50, 30, 20, 10, -10, -20 -> cumulative 50, 80, 100, 110, 100, 80
    assert wc.peak_pct == pytest.approx(137.5)
    assert wc.peak_rank == 4 and wc.peak_share == pytest.approx(4 / 6)
    assert wc.n_unprofitable == 2
    assert wc.curve["cumulative_profit_pct"].tolist() == pytest.approx([0, 62.5, 100, 125, 137.5, 125, 100])
    assert wc.curve["customer_id"].tolist()[1:] == ["c", "f", "d", "a", "e", "b"]
    assert wc.summary.loc["peak_pct", "value"] == pytest.approx(137.5)
    assert wc.summary.loc["n_unprofitable", "value"] == 2 and "<table" in wc._repr_html_()
    no_losses = whale_curve(pd.Series([1.0, 2.0]))
    assert no_losses.peak_pct == 100.0 and no_losses.peak_rank == 2
    with pytest.raises(ValueError, match="positive total"):
        whale_curve(pd.Series([1.0, -2.0]))


# --------------------------------------------------------------------------- value decomposition
def test_potential_value_formula():
    cv = pd.Series([100.0, 0.0, 50.0], index=["a", "b", "c"])
    pv = potential_value(cv, cross_sell_rate=pd.Series({"a": 0.5, "b": 0.0, "c": 1.0}), cross_sell_margin=40.0,
                         upsell_rate=0.2, referral_rate=0.1, referral_value=30.0)
    assert pv["cross_sell"].tolist() == [20.0, 0.0, 40.0]
    assert pv["upsell"].tolist() == [20.0, 0.0, 10.0]
    assert pv["referral"].tolist() == pytest.approx([3.0, 3.0, 3.0])
    assert pv["potential_value"].tolist() == pytest.approx([43.0, 3.0, 53.0])
    with pytest.raises(TypeError):
        potential_value(cv, cross_sell_rate=0.1, cross_sell_margin=1.0, upsell_rate=0.1)  # explicit params
    with pytest.raises(ValueError, match="cross_sell_rate"):
        potential_value(cv, cross_sell_rate=1.5, cross_sell_margin=1.0, upsell_rate=0, referral_rate=0,
                        referral_value=0)


def test_value_decomposition_sums():
    hist = pd.Series([10.0, 20.0, 5.0, -1.0], index=["a", "b", "c", "d"])
    cur = pd.Series([30.0, 0.0, 15.0, 2.0], index=["a", "b", "c", "d"])
    pot = potential_value(cur, cross_sell_rate=0.0, cross_sell_margin=0.0, upsell_rate=0.1, referral_rate=0.0,
                          referral_value=0.0)
    seg = pd.Series(["x", "y", "x", "y"], index=["a", "b", "c", "d"])
    vd = value_decomposition(hist, cur, pot, segments=seg)
    pc = vd.per_customer
    assert (pc["total_value"] == pc["historical_value"] + pc["current_value"] + pc["potential_value"]).all()
    assert vd.per_segment.loc["x", "total_value"] == pytest.approx(10 + 30 + 3 + 5 + 15 + 1.5)
    assert vd.per_segment.loc["y", "mean_current_value"] == pytest.approx(1.0)
    assert vd.per_segment["total_value"].sum() == pytest.approx(vd.totals["total_value"])
    assert vd.per_segment["share_of_total_value"].sum() == pytest.approx(1.0)
    assert vd.totals["historical_value"] == 34.0
    assert list(vd.summary.columns) == ["customers", "historical_value", "current_value", "potential_value",
                                        "total_value"]
    assert "<table" in vd._repr_html_()
    assert value_decomposition(hist, cur, pot).per_segment.index.tolist() == ["all"]
    with pytest.raises(ValueError, match="current_value lacks 1"):
        value_decomposition(hist, cur.iloc[:3], pot)
    with pytest.raises(ValueError, match="segments lacks"):
        value_decomposition(hist, cur, pot, segments=seg.iloc[:2])


def test_projected_customer_equity():
    eq = projected_customer_equity(pd.Series([100.0, 50.0]), n_future=[10, 10], value_per_new=30.0, acquisition_cost=10.0,
                         discount_rate=0.1)
    weighted = 10 / 1.1 + 10 / 1.1 ** 2
    assert eq["current_base"] == 150.0
    assert eq["future_value"] == pytest.approx(30 * weighted)
    assert eq["customer_equity"] == pytest.approx(150 + 20 * weighted)
    assert projected_customer_equity([1.0, 2.0])["customer_equity"] == 3.0
    with pytest.raises(ValueError, match="n_future"):
        projected_customer_equity([1.0], n_future=-1)


def test_annual_rate_conversion():
    weekly = annual_to_period_rate(0.1, "W")
    assert (1 + weekly) ** (365.25 / 7) == pytest.approx(1.1)
    assert annual_to_period_rate(0.1, "Y") == pytest.approx(0.1)
    assert (1 + annual_to_period_rate(0.1, "M")) ** 12 == pytest.approx(1.1)
    with pytest.raises(ValueError, match="discount_rate"):
        annual_to_period_rate(-1.5, "W")


# --------------------------------------------------------------------------- payback
@pytest.fixture
def channels():
    # default_margin 0.5. Channel A: a1 (cost 30) earns 10 in periods 1, 2, 3 (days 0, 35, 65);
    # a2 (cost 60, acquired in April, 2 complete months observed) earns 20 on day 0.
    # Curve A: p1 (10+20)/2 - 45 = -30, p2 (20+20)/2 - 45 = -25, p3 a1 only: 30 - 30 = 0 -> period 3.
    # Channel B: b1 costs 100 and earns 5 a month: never pays back.
    tx = _tx([("a1", "2024-01-01", 20.0), ("a1", "2024-02-05", 20.0), ("a1", "2024-03-06", 20.0),
              ("a2", "2024-04-01", 40.0),
              ("b1", "2024-01-01", 10.0), ("b1", "2024-02-01", 10.0), ("b1", "2024-03-01", 10.0)])
    customers = pd.DataFrame({
        "customer_id": ["a1", "a2", "b1"], "acquisition_channel": ["A", "A", "B"],
        "acquisition_cost": [30.0, 60.0, 100.0],
        "acquisition_date": pd.to_datetime(["2024-01-01", "2024-04-01", "2024-01-01"])})
    return tx, customers


def test_payback_hand_computed(channels):
    tx, customers = channels
    pb = acquisition_payback(tx, customers, default_margin=0.5, observation_end="2024-06-30",
                             retention_months=1, retention_window_months=1)
    s = pb.summary
    assert s.loc["A", "payback_period"] == 3.0 and bool(s.loc["A", "paid_back"])
    assert s.loc["A", "payback_note"] == "period 3"
    assert s.loc["B", "payback_period"] == NOT_PAID_BACK and math.isinf(s.loc["B", "payback_period"])
    assert not s.loc["B", "paid_back"]
    assert s.loc["B", "payback_note"] == "not within the data (5 periods observed)"  # 182 days / 30.44
    curve_a = pb.curve.loc[pb.curve["channel"] == "A"].set_index("period")
    assert curve_a["net"].loc[[1, 2, 3]].tolist() == pytest.approx([-30.0, -25.0, 0.0])
    assert curve_a["customers_observed"].loc[[1, 2, 3]].tolist() == [2, 2, 1]
    assert pb.curve_wide().loc[5, "B"] == pytest.approx(15.0 - 100.0)
    assert s.loc["A", "acquisition_cost_mean"] == 45.0 and s.loc["B", "customers"] == 1
    assert s.loc["A", "mean_margin_to_date"] == pytest.approx(25.0)
    # retention at 1 month (window 1 month): a1 bought on day 35, a2 (91 days observed) did not
    assert s.loc["A", "retention_12m"] == 0.5 and s.loc["A", "retention_base"] == 2
    assert "<table" in pb._repr_html_()


def test_payback_future_value_and_horizon(channels):
    tx, customers = channels
    future = pd.Series({"a1": 10.0, "a2": 0.0, "b1": 200.0})
    pb = acquisition_payback(tx, customers, default_margin=0.5, observation_end="2024-06-30", horizon=2,
                             future_value=future)
    assert pb.curve["period"].max() == 2
    assert pb.summary.loc["A", "payback_period"] == NOT_PAID_BACK  # horizon cuts it off
    assert pb.summary.loc["A", "expected_long_run_value"] == pytest.approx(((30 + 10 - 30) + (20 - 60)) / 2)
    assert pb.summary.loc["B", "expected_long_run_value"] == pytest.approx(15 + 200 - 100)
    with pytest.raises(ValueError, match="future_value lacks"):
        acquisition_payback(tx, customers, default_margin=0.5, future_value=future.iloc[:2])


def test_payback_bad_input(channels):
    tx, customers = channels
    with pytest.raises(CvmDataError, match="acquisition_cost"):
        acquisition_payback(tx, customers.drop(columns="acquisition_cost"), default_margin=0.5)
    with pytest.raises(CvmDataError, match="missing or negative"):
        acquisition_payback(tx, customers.assign(acquisition_cost=[1.0, -1.0, 1.0]), default_margin=0.5)
    late = customers.assign(acquisition_date=pd.to_datetime(["2024-01-02", "2024-04-01", "2024-01-01"]))
    with pytest.raises(CvmDataError, match="before their acquisition date"):
        acquisition_payback(tx, late, default_margin=0.5)
    with pytest.raises(CvmDataError, match="not in the customers table"):
        acquisition_payback(tx, customers.iloc[:2], default_margin=0.5)
    with pytest.raises(CvmDataError, match="no cost of goods"):
        acquisition_payback(tx, customers)


# --------------------------------------------------------------------------- stages, waterfall
def test_value_chain_stages_hand_computed():
    tx = _tx([("a", "2022-01-01", 100.0, "food"), ("a", "2023-03-01", 150.0, "toys"),
              ("b", "2023-06-01", 40.0, "food"), ("b", "2023-06-20", 10.0, "food")], cols=["category"])
    customers = pd.DataFrame({"customer_id": ["a", "b"], "acquisition_cost": [10.0, 30.0],
                              "wallet": [500.0, 100.0]})
    vc = value_chain_stages(tx, customers, default_margin=0.5, prospects=8, wallet_col="wallet",
                            clv=pd.Series({"a": 100.0, "b": 20.0}), observation_end="2024-01-01")
    assert vc.value("customers_acquired") == 2
    assert vc.value("acquisition_cost_mean") == 20.0 and vc.value("conversion_rate") == 0.25
    assert vc.value("cross_sell_rate") == 0.5 and vc.value("categories_per_customer") == 1.5
    assert vc.value("spend_growth") == pytest.approx(0.5)  # a: 100 in year 1, 150 in year 2
    assert vc.stage("develop").set_index("metric").loc["spend_growth", "base"] == 1
    assert vc.value("share_of_wallet") == pytest.approx((250 / 500 + 50 / 100) / 2)
    assert vc.value("mean_clv") == 60.0
    assert vc.value("margin_to_date") == pytest.approx((125 + 25) / 2)
    # retention: a (observed 731 days) bought on day 424 (in [365.25, 456.6)); b observed 215 days
    assert vc.value("retention_12m") == 1.0
    assert vc.stage("retain").set_index("metric").loc["retention_12m", "base"] == 1
    assert list(vc.table["stage"].unique()) == ["acquire", "develop", "retain"]
    assert list(vc.table.columns) == ["stage", "metric", "value", "unit", "base", "note"]
    assert vc.summary is vc.table and "<table" in vc._repr_html_()
    no_cat = value_chain_stages(tx.drop(columns="category"), customers, default_margin=0.5,
                                observation_end="2023-12-31")
    assert math.isnan(no_cat.value("cross_sell_rate")) and math.isnan(no_cat.value("spend_growth"))
    notes = no_cat.table.set_index("metric")["note"]
    assert notes["spend_growth"] == "no_two_year_customers" and notes["cross_sell_rate"] == "no_category_column"
    assert set(notes[notes != ""]) <= set(STAGE_NOTES)
    with pytest.raises(ValueError, match="prospects"):
        value_chain_stages(tx, customers, default_margin=0.5, prospects=1)


def test_waterfall_sums_exactly(small):
    tx, customers = small
    future = pd.Series({"a": 40.0, "b": 5.0, "c": 0.0})
    steps = clv_waterfall(tx, customers, future_value=future)
    assert steps.index.tolist() == ["acquisition_cost", "first_purchase_margin", "repeat_purchase_margin",
                                    "cost_to_serve", "future_value"]
    assert steps["acquisition_cost"] == pytest.approx(-35 / 3)
    assert steps["first_purchase_margin"] == pytest.approx((40 + 10 - 2) / 3)
    assert steps["repeat_purchase_margin"] == pytest.approx(30 / 3)
    profit = customer_profitability(tx, customers)["profit"]
    expected = (profit.sum() + future.sum() - 35.0) / 3
    assert steps.sum() == pytest.approx(expected, abs=1e-12)
    assert steps.attrs["total"] == pytest.approx(expected)
    total = clv_waterfall(tx, customers, future_value=future, aggregate="sum")
    assert total.index[0] == "acquisition_cost" and total.sum() == pytest.approx(3 * expected)
    assert total.sum() == pytest.approx(profit.sum() + future.sum() - 35.0)


# --------------------------------------------------------------------------- simulated channels
@pytest.fixture(scope="module")
def retail():
    from cvm_lib.datasets.simulate import simulate_retail

    return simulate_retail(20000, seed=3)


def test_simulated_promotion_vs_referral(retail):
    pb = acquisition_payback(retail.transactions, retail.customers)
    s = pb.summary
    promo, referral = s.loc["price_promotion"], s.loc["referral"]
    assert bool(promo["paid_back"]) and bool(referral["paid_back"])
    # A cheap coupon is recovered by the first purchase; a referral bonus takes ~3 months.
    assert promo["payback_period"] == 1 and 2 <= referral["payback_period"] <= 5
    assert promo["payback_period"] < referral["payback_period"]
    # ...but deal-prone customers churn and buy at lower margin, so they are worth far less.
    assert promo["net_value"] < 0.5 * referral["net_value"]
    assert promo["mean_margin_to_date"] < 0.6 * referral["mean_margin_to_date"]
    assert promo["retention_12m"] < 0.5 * referral["retention_12m"]
    assert s["net_value"].idxmin() == "price_promotion"
    # the curve flattens for promotion customers: little margin after the first year
    wide = pb.curve_wide("cumulative_margin")
    late_promo = wide.loc[18, "price_promotion"] - wide.loc[12, "price_promotion"]
    late_referral = wide.loc[18, "referral"] - wide.loc[12, "referral"]
    assert late_promo < 0.5 * late_referral
    # the same ordering of expected long-run value with a (duck-typed) future value
    future = retail.customers.set_index("customer_id")["alive_at_end"].astype(float) * 10.0
    pb2 = acquisition_payback(retail.transactions, retail.customers, future_value=future)
    assert pb2.summary.loc["price_promotion", "expected_long_run_value"] < \
        pb2.summary.loc["referral", "expected_long_run_value"]


def test_simulated_profitability_and_waterfall(retail):
    tx, customers = retail.transactions, retail.customers
    prof = customer_profitability(tx, customers, cost_per_order=3.0)
    deciles = profitability_deciles(prof)
    assert deciles["customers"].tolist() == [2000] * 10
    assert deciles["profit"].is_monotonic_decreasing
    wc = whale_curve(prof)
    assert wc.n_unprofitable > 0 and wc.peak_pct > 100.0
    assert wc.peak_rank == (prof["profit"] > 0).sum()
    steps = clv_waterfall(tx, customers, cost_per_order=3.0)
    acq = customers["acquisition_cost"].mean()
    assert steps.sum() == pytest.approx(prof["profit"].mean() - acq, rel=1e-12)
    vc = value_chain_stages(tx, customers)
    assert 0.3 < vc.value("cross_sell_rate") < 0.8
    assert 0 < vc.value("retention_12m") < 0.5
    assert (vc.table["note"] == "").all()  # the simulation gives every metric


# --------------------------------------------------------------------------- per-line arrays
def test_distinct_per_code_matches_groupby_nunique():
    from cvm_lib.valuechain.acquisition import distinct_per_code

    rng = np.random.default_rng(5)
    for n, width, size in ((50, 6, 400), (5000, 900, 3000)):  # presence table; sorted keys (n x width > lines)
        code = rng.integers(0, n, size)
        values = rng.integers(-1, width - 1, size)  # -1 (a missing category) counts as one value
        expected = pd.Series(values).groupby(code).nunique().reindex(range(n), fill_value=0).to_numpy()
        got = distinct_per_code(code.astype(np.int32), values, n)
        assert got.dtype == np.int64 and got.tolist() == expected.tolist()
    assert distinct_per_code(np.empty(0, np.int32), np.empty(0, np.int64), 3).tolist() == [0, 0, 0]


def test_stages_and_waterfall_equal_a_per_line_frame(retail):
    """The int32 per-line arrays give exactly the numbers of the per-line frame grouped by customer."""
    from cvm_lib.valuechain._common import line_costs

    end = pd.Timestamp("2024-06-30")  # later lines are left out (the filtered path)
    tx, customers = retail.transactions, retail.customers
    assert (tx["date"] > end).any()
    cust = customers.set_index("customer_id")
    cust = cust[cust["acquisition_date"] <= end]
    kept = tx[(tx["date"] <= end).to_numpy()]
    lines = line_costs(kept, cust.reset_index())
    days = lines["date"].to_numpy().astype("datetime64[D]").astype(np.int64)
    acq_day = cust["acquisition_date"].to_numpy().astype("datetime64[D]").astype(np.int64)
    code = cust.index.get_indexer(lines["customer_id"])
    offset = days - acq_day[code]
    n = len(cust)
    vc = value_chain_stages(tx, customers, observation_end=end)
    cats = pd.Series(pd.factorize(kept["category"].astype("str"))[0]).groupby(code).nunique() \
        .reindex(range(n), fill_value=0)
    assert vc.value("cross_sell_rate") == (cats >= 2).mean()
    assert vc.value("categories_per_customer") == cats.mean()
    year = np.floor(offset / 365.25).astype(np.int64)
    two = year < 2
    spend = np.bincount(code[two] * 2 + year[two], weights=lines["revenue"].to_numpy()[two],
                        minlength=2 * n).reshape(n, 2)
    both = ((end.to_datetime64().astype("datetime64[D]").astype(np.int64) - acq_day + 1) >= 2 * 365.25) \
        & (spend[:, 0] > 0) & (spend[:, 1] > 0)
    if both.any():
        assert vc.value("spend_growth") == spend[both, 1].sum() / spend[both, 0].sum() - 1.0
    margin = np.bincount(code, weights=lines["margin"].to_numpy(), minlength=n)
    assert vc.value("margin_to_date") == pd.Series(margin).mean()
    steps = clv_waterfall(tx, customers, observation_end=end, aggregate="sum")
    first = days == pd.Series(days).groupby(code).transform("min").to_numpy()
    gross = (lines["revenue"] - lines["cogs"]).to_numpy()
    assert steps["first_purchase_margin"] == float(gross[first].sum())
    assert steps["repeat_purchase_margin"] == float(gross[~first].sum())
    assert steps["cost_to_serve"] == -float(lines["cost_to_serve"].sum())
    assert steps.attrs["costs"] == lines.attrs
