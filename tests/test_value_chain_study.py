"""The value-chain study glue (cvm_lib.valuechain.study), values recomputed independently."""

import numpy as np
import pandas as pd
import pytest

from cvm_lib.clv import BetaGeo, GammaGamma, customer_lifetime_value
from cvm_lib.summary import rfm_summary
from cvm_lib.valuechain import study as vc
from cvm_lib.valuechain import whale_curve


@pytest.fixture(scope="module")
def case():
    return vc.load_case("cdnow_sample")


@pytest.fixture(scope="module")
def fits(case):
    return vc.fit_models(case.cal_holdout, ["BetaGeo", "ParetoNBD"])


@pytest.fixture(scope="module")
def clv(case):
    return vc.clv_study(case, "BetaGeo", horizon=52, margin=0.3, discount_rate=0.1, cross_sell_rate=0.05,
                        upsell_rate=0.1, referral_rate=0.02)


@pytest.fixture(scope="module")
def retail():
    return vc.load_case("retail_demo", n_customers=3000, seed=7)


def test_case_defaults(case):
    assert case.calibration_end == pd.Timestamp("1997-09-30")
    assert case.observation_end == pd.Timestamp("1998-06-30")
    assert not case.has_costs and not case.has_channels
    assert float(case.cal_holdout["duration_holdout"].iloc[0]) == pytest.approx(39.0)


def test_retail_case_midpoint_and_costs(retail):
    start, end = retail.transactions["date"].min().normalize(), retail.observation_end
    assert retail.calibration_end == (start + (end - start) / 2).normalize()
    assert retail.has_costs and retail.has_channels
    assert set(retail.customers.columns) >= {"acquisition_channel", "acquisition_cost", "cost_to_serve_rate"}


def test_bad_calibration_end(case):
    with pytest.raises(ValueError, match="calibration_end"):
        vc.load_case("cdnow_sample", calibration_end="1999-01-01")


def test_fit_table_published(fits):
    ll = fits.fit_table["log_likelihood"]
    assert ll["BetaGeo"] == pytest.approx(-9582.4, abs=0.1)
    assert ll["ParetoNBD"] == pytest.approx(-9595.0, abs=0.1)
    assert fits.fit_table["aic"]["BetaGeo"] == pytest.approx(8 - 2 * ll["BetaGeo"])
    est = fits.table.set_index(["model", "parameter"])["estimate"]
    assert est[("BetaGeo", "alpha")] == pytest.approx(4.414, abs=1e-3)
    assert est[("ParetoNBD", "beta")] == pytest.approx(11.669, abs=2e-2)
    assert fits.chosen == "BetaGeo"


def test_unknown_model():
    with pytest.raises(ValueError, match="not a purchase model"):
        vc.fit_models(pd.DataFrame({"frequency": [1.0], "recency": [1.0], "T": [2.0]}), ["ShiftedBetaGeo"])


def test_annual_rate_conversion():
    weekly = vc.annual_to_period_rate(0.1, "W")
    assert (1 + weekly) ** (365.25 / 7) == pytest.approx(1.1)
    assert vc.annual_to_period_rate(0.1, "Y") == pytest.approx(0.1)


def test_clv_recomputed(case, clv):
    summary = rfm_summary(case.transactions, observation_end="1998-06-30", time_unit="W")
    bg = BetaGeo().fit(summary)
    gg = GammaGamma().fit(summary[summary["frequency"] > 0])
    rate = 1.1 ** (7 / 365.25) - 1
    expected = customer_lifetime_value(bg, gg, summary, horizon=52, margin=0.3, discount_rate=rate, time_unit="W")
    got = clv.per_customer["current_value"]
    assert got.to_numpy() == pytest.approx(expected.to_numpy(), rel=1e-6)


def test_teaching_clv_recomputed(case, clv):
    tx = case.transactions
    cid = str(tx["customer_id"].iloc[0])
    mine = tx[tx["customer_id"] == cid]
    days = mine["date"].dt.normalize().nunique()
    mean_spend = mine["amount"].sum() / days
    T = (pd.Timestamp("1998-06-30") - mine["date"].min().normalize()).days / 7
    expected = mean_spend * (days - 1) / T * 52 * 0.3
    assert clv.per_customer.loc[cid, "teaching_clv"] == pytest.approx(expected)
    one_timers = clv.per_customer.loc[clv.per_customer["purchase_rate"] == 0, "teaching_clv"]
    assert (one_timers == 0).all() and len(one_timers) > 0


def test_value_decomposition(case, clv):
    pc = clv.per_customer
    # historical value at margin 0.3 (no costs in CDNOW) = 0.3 x revenue
    revenue = case.transactions.groupby("customer_id")["amount"].sum()
    assert pc["historical_value"].to_numpy() == pytest.approx(0.3 * revenue.reindex(pc.index).to_numpy())
    # potential value = cross-sell + up-sell + referral with the documented values
    p = clv.parameters
    expected = (0.05 * pc["historical_value"].mean() + 0.1 * pc["current_value"]
                + 0.02 * pc["current_value"].mean())
    assert pc["potential_value"].to_numpy() == pytest.approx(expected.to_numpy())
    assert p["referral_value"] == pytest.approx(pc["current_value"].mean())
    seg = clv.decomposition.per_segment
    assert seg["customers"].sum() == len(pc)
    assert seg["total_value"].sum() == pytest.approx(pc["total_value"].sum())
    table = vc.clv_table(clv, "zh")
    assert "历史价值" in table.columns


def test_checks_metrics(case, fits):
    mc = vc.model_checks(case, fits)
    table = vc.check_metrics_table(mc)
    assert table.loc["BG/NBD", "Histogram chi-square"] == pytest.approx(4.82, abs=0.02)
    assert table.loc["Pareto/NBD", "Correlation, predicted vs actual (customers)"] == pytest.approx(0.630, abs=0.005)
    assert mc.grid.expected.shape == (11, 8)
    hist = vc.histogram_table(mc)
    assert hist["Actual"].tolist() == [1411, 439, 214, 100, 62, 38, 29, 64]


def test_payback_skipped_on_cdnow(case, clv):
    pb = vc.payback_study(case, clv)
    assert isinstance(pb, vc.Skipped)
    assert "no channel data" in vc.payback_table(pb).iloc[0, 1]


def test_retail_value_chain(retail):
    fits = vc.fit_models(retail.cal_holdout, ["BetaGeo"])
    clv = vc.clv_study(retail, "BetaGeo", horizon=52)
    pb = vc.payback_study(retail, clv)
    assert not isinstance(pb, vc.Skipped)
    assert set(pb.summary.index) == set(retail.customers["acquisition_channel"])
    wf = vc.waterfall_study(retail, clv)
    # acquisition cost step = minus the mean acquisition cost of the customers
    assert wf.iloc[0] == pytest.approx(-retail.customers["acquisition_cost"].mean())
    assert wf.iloc[-1] == pytest.approx(clv.per_customer["current_value"].reindex(retail.customers.index).mean())
    profit = vc.profitability_study(retail)
    assert profit["profit"].sum() == pytest.approx(
        (retail.transactions["amount"] - retail.transactions["cost"]).sum()
        - (retail.transactions["amount"] * retail.transactions["customer_id"].map(
            retail.customers["cost_to_serve_rate"])).sum())
    mc = vc.model_checks(retail, fits)
    figs = vc.value_chain_figures(retail, fits, mc, clv, profit=profit, whale=whale_curve(profit["profit"]),
                                  payback=pb, lang="zh")
    names = [f["name"] for f in figs]
    assert "payback_period_referral" in names and "gini_clv" in names
    assert all(not (isinstance(f["value"], float) and not np.isfinite(f["value"])) for f in figs)


def test_figures_values(case, fits, clv):
    mc = vc.model_checks(case, fits)
    figs = {f["name"]: f for f in vc.value_chain_figures(case, fits, mc, clv, lang="en")}
    assert figs["log_likelihood"]["value"] == pytest.approx(-9582.43, abs=0.01)
    assert figs["holdout_mae"]["value"] == pytest.approx(
        np.abs(fits.model.expected_purchases(case.cal_holdout, 39.0) - case.cal_holdout["frequency_holdout"]).mean())
    assert figs["mean_clv"]["value"] == pytest.approx(clv.per_customer["current_value"].mean())
    v = np.sort(clv.per_customer["current_value"].clip(lower=0).to_numpy())
    n = len(v)
    gini = (2 * np.sum(np.arange(1, n + 1) * v) / (n * v.sum())) - (n + 1) / n
    assert figs["gini_clv"]["value"] == pytest.approx(gini, rel=1e-9)
