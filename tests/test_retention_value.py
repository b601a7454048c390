"""What retention is worth: hand-computed CLV and base profit, the Reichheld table, and the
figure implied by a hand-built log whose retention and margins are known."""

import numpy as np
import pandas as pd
import pytest

from cvm_lib.data import CvmDataError
from cvm_lib.datasets import simulate_retail
from cvm_lib.retention import reichheld_table, retention_economics, retention_value


def test_two_period_case_by_hand():
    # t = 0: margin 100 for sure; t = 1: margin 110 with probability 0.8, discounted by 1.1
    table = retention_value([0.8, 0.5], margin=100, margin_growth=0.1, acquisition_cost=50, discount_rate=0.1,
                            horizon=2)
    row = table.loc[0.8]
    assert row["expected_lifetime"] == pytest.approx(1.8)
    assert row["discounted_margin"] == pytest.approx(100 + 110 * 0.8 / 1.1)
    assert row["clv"] == pytest.approx(130.0)
    assert row["base_margin"] == pytest.approx(100 + 110 * 0.8)
    assert row["base_profit"] == pytest.approx(138.0)
    assert table.loc[0.5, "clv"] == pytest.approx(-50 + 100 + 110 * 0.5 / 1.1)
    assert table.attrs["horizon"] == 2 and table.attrs["acquisition_cost"] == 50


def test_infinite_horizon_closed_forms():
    table = retention_value([0.6, 0.9], margin=10, discount_rate=0.12, acquisitions=100)
    np.testing.assert_allclose(table["clv"], 10 * 1.12 / (1.12 - np.array([0.6, 0.9])))
    np.testing.assert_allclose(table["customers_in_base"], 100 / (1 - np.array([0.6, 0.9])))
    # retention 1 over a finite horizon: every period counts
    assert retention_value(1.0, margin=1, discount_rate=0.0, horizon=7)["base_margin"].iloc[0] == pytest.approx(7)
    with pytest.raises(ValueError, match="horizon"):
        retention_value(0.95, margin=1, margin_growth=0.1)
    with pytest.raises(ValueError, match="retention rates"):
        retention_value(1.2, margin=1)


def test_value_increases_with_retention():
    grid = np.linspace(0.05, 0.95, 19)
    for growth, cost, rate in ((0.0, 0.0, 0.1), (0.08, 3.0, 0.05), (0.0, 10.0, 0.2)):
        table = retention_value(grid, margin=1, margin_growth=growth, acquisition_cost=cost, discount_rate=rate,
                                horizon=30)
        assert table["clv"].is_monotonic_increasing and table["base_profit"].is_monotonic_increasing


def test_reichheld_table_known_values_and_flags():
    table = reichheld_table([0.8], margin_growth=[0.0], discount_rate=[0.1], acquisition_cost=[0.0],
                            horizon=[None])
    row = table.iloc[0]
    assert row["improved_retention"] == pytest.approx(0.85)
    assert row["clv_increase_pct"] == pytest.approx(100 * (0.3 / 0.25 - 1))     # 1.1/(1.1-r) ratio
    assert row["profit_increase_pct"] == pytest.approx(100 * (0.2 / 0.15 - 1))  # 1/(1-r) ratio
    assert row["profit_in_range"] and not row["clv_in_range"]


def test_reichheld_table_is_monotonic_in_retention():
    table = reichheld_table()
    assert len(table) == 5 * 3 * 3 * 3
    for _, block in table.groupby(["margin_growth", "discount_rate", "acquisition_cost", "horizon"]):
        block = block.sort_values("base_retention")
        assert block["profit_base"].is_monotonic_increasing
        assert block["profit_improved"].is_monotonic_increasing
        assert (block["profit_improved"] > block["profit_base"]).all()
    free = table[table["acquisition_cost"] == 0]
    for _, block in free.groupby(["margin_growth", "discount_rate", "horizon"]):
        block = block.sort_values("base_retention")
        assert block["profit_increase_pct"].is_monotonic_increasing
        assert block["clv_increase_pct"].is_monotonic_increasing
    # the claim holds somewhere on the grid, and fails somewhere
    assert table["profit_in_range"].any() and not table["profit_in_range"].all()
    # percentages of a loss are not reported
    loss = table[~table["base_profitable"]]
    assert loss["profit_increase_pct"].isna().all()


def _steady_log(retention=0.8, quarters=8, size=1000, price=10.0, cost=6.0):
    """One cohort acquired in 2023Q1; the first round(size * r**k) customers buy once in quarter k."""
    rows = []
    start = pd.Period("2023Q1", "Q")
    for k in range(quarters):
        active = int(round(size * retention**k))
        day = (start + k).start_time + pd.Timedelta(days=10)
        rows += [(f"C{i:04d}", day) for i in range(active)]
    tx = pd.DataFrame(rows, columns=["customer_id", "date"])
    tx["amount"], tx["cost"] = price, cost
    return tx


def test_retention_economics_recovers_a_known_log():
    tx = _steady_log()
    econ = retention_economics(tx, period="Q", acquisition_cost=12.0, discount_rate=0.10,
                               observation_end="2024-12-31", horizon_years=None)
    assert econ.retention_rate_ == pytest.approx(0.8, abs=2e-3)
    assert econ.annual_retention_ == pytest.approx(0.8**4, abs=5e-3)
    assert econ.margin_ == pytest.approx(4.0)
    assert econ.margin_growth_ == pytest.approx(0.0, abs=1e-9)
    assert econ.discount_rate_ == pytest.approx(1.1**0.25 - 1)
    improved = (econ.annual_retention_ + 0.05) ** 0.25
    direct = retention_value([econ.retention_rate_, improved], margin=4.0, acquisition_cost=12.0,
                             discount_rate=1.1**0.25 - 1)
    expected = 100 * (direct["base_profit"].iloc[1] / direct["base_profit"].iloc[0] - 1)
    assert econ.profit_increase_pct_ == pytest.approx(expected, rel=1e-3)
    assert econ.curve_["clv"].is_monotonic_increasing
    assert "points more retention" in econ.describe()


def test_retention_economics_on_simulated_data_and_errors():
    data = simulate_retail(3000, seed=4)
    econ = retention_economics(data.transactions, data.customers, period="Q")
    assert 0.5 < econ.retention_rate_ < 1
    assert econ.acquisition_cost_ == pytest.approx(data.customers["acquisition_cost"].mean())
    assert econ.margin_ > 0 and np.isfinite(econ.profit_increase_pct_)
    assert set(econ.summary().index) >= {"annual retention", "base profit increase (%)"}
    with pytest.raises(ValueError, match="acquisition_cost"):
        retention_economics(data.transactions, period="Q")
    with pytest.raises(CvmDataError, match="margin_rate"):
        retention_economics(data.transactions.drop(columns="cost"), data.customers, period="Q")
    with pytest.raises(ValueError, match="at least 3"):
        retention_economics(data.transactions, data.customers, period="Y")
