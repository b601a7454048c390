"""Cohort retention on hand-built logs: counts, rates, missing (not zero) cells beyond the
end of observation, groups, pooled curves and partial periods."""

import numpy as np
import pandas as pd
import pytest

from cvm_lib.data import CvmDataError
from cvm_lib.datasets import simulate_retail
from cvm_lib.retention import cohort_retention

NAN = np.nan


@pytest.fixture
def tx():
    rows = [("a", "2024-01-05", "online"), ("a", "2024-02-03", "store"), ("a", "2024-03-10", "store"),
            ("b", "2024-01-20", "store"),
            ("c", "2024-02-10", "online"), ("c", "2024-03-01", "online"),
            ("d", "2024-02-11", "store"),
            ("e", "2024-03-15", "online"),
            ("a", "2024-04-02", "store")]  # after the end of observation: ignored
    frame = pd.DataFrame(rows, columns=["customer_id", "date", "channel"])
    frame["date"] = pd.to_datetime(frame["date"])
    frame["amount"] = 10.0
    return frame


@pytest.fixture
def people():
    return pd.DataFrame({"customer_id": ["a", "b", "c", "d", "e"], "member": [True, False, True, False, True]})


def test_counts_rates_and_missing_cells(tx):
    res = cohort_retention(tx, observation_end="2024-03-31")
    np.testing.assert_array_equal(res.counts_.to_numpy(), [[2, 1, 1], [2, 1, NAN], [1, NAN, NAN]])
    np.testing.assert_array_equal(res.rates_.to_numpy(), [[1, 0.5, 0.5], [1, 0.5, NAN], [1, NAN, NAN]])
    assert [str(p) for p in res.counts_.index] == ["2024-01", "2024-02", "2024-03"]
    assert res.sizes_.tolist() == [2, 2, 1]
    assert not res.partial_last_period


def test_pooled_curve_uses_only_observed_cohorts(tx):
    curve = cohort_retention(tx, observation_end="2024-03-31").curves_
    assert curve["cohorts"].tolist() == [3, 2, 1]
    assert curve["customers"].tolist() == [5, 4, 2]
    assert curve["active"].tolist() == [5, 2, 1]
    assert curve["rate"].tolist() == [1.0, 0.5, 0.5]


def test_by_group_from_customers_table(tx, people):
    res = cohort_retention(tx, people, by="member", observation_end="2024-03-31")
    members = res.counts_.loc[True]
    others = res.counts_.loc[False]
    np.testing.assert_array_equal(members.to_numpy(), [[1, 1, 1], [1, 1, NAN], [1, NAN, NAN]])
    # non-members: observed zeros stay 0, unobserved cells are NaN; no March cohort at all
    np.testing.assert_array_equal(others.to_numpy(), [[1, 0, 0], [1, 0, NAN]])
    assert res.groups_ == [False, True]
    assert res.curve(True).tolist() == [1.0, 1.0, 1.0]
    assert res.curve(False).tolist() == [1.0, 0.0, 0.0]
    summary = res.summary(periods=(1, 2))
    assert summary.loc[True, "customers"] == 3 and summary.loc[False, "rate_1"] == 0.0


def test_by_group_from_first_purchase_in_log(tx):
    res = cohort_retention(tx, by="channel", observation_end="2024-03-31")
    # a's first purchase was online, so a counts as online although later purchases were in store
    online = res.counts_.loc["online"]
    np.testing.assert_array_equal(online.to_numpy(), [[1, 1, 1], [1, 1, NAN], [1, NAN, NAN]])
    assert res.sizes_.loc["store"].tolist() == [1, 1]


def test_long_form(tx, people):
    long = cohort_retention(tx, people, by="member", observation_end="2024-03-31").to_long()
    assert list(long.columns) == ["group", "cohort", "period", "size", "active", "rate", "partial"]
    assert len(long) == (3 + 2 + 1) + (3 + 2)  # observed cells only: members, non-members
    row = long[(long["group"] == False) & (long["period"] == 2)]  # noqa: E712
    assert row["active"].tolist() == [0.0] and row["rate"].tolist() == [0.0]
    assert not long["partial"].any()


def test_partial_last_period(tx):
    res = cohort_retention(tx, observation_end="2024-03-15")
    assert res.partial_last_period
    assert res.counts_.loc[pd.Period("2024-01", "M"), 2] == 1  # a bought on 10 March
    assert res.to_long()["partial"].sum() == 3  # the March cells of the three cohorts
    dropped = cohort_retention(tx, observation_end="2024-03-15", drop_partial=True)
    np.testing.assert_array_equal(dropped.counts_.to_numpy(), [[2, 1, NAN], [2, NAN, NAN], [1, NAN, NAN]])
    assert dropped.curves_["period"].tolist() == [0, 1]  # no cohort has a complete period 2


def test_simulated_base_rates_by_channel_are_ordered():
    """Deal-acquired customers churn fastest, referred ones slowest (simulate_retail's truth)."""
    data = simulate_retail(4000, seed=5)
    res = cohort_retention(data.transactions, data.customers, by="acquisition_channel", period="Q")
    at_four = {g: res.curve(g).loc[4] for g in res.groups_}
    assert at_four["price_promotion"] < at_four["organic"] < at_four["referral"]
    rates = res.rates_.to_numpy()
    assert np.nanmax(rates) <= 1.0 and np.isnan(rates).any()


def test_bad_input(tx, people):
    with pytest.raises(CvmDataError, match="not in the customers table"):
        cohort_retention(tx, people.iloc[:3], by="member")
    with pytest.raises(CvmDataError, match="'tier'"):
        cohort_retention(tx, people, by="tier")
    with pytest.raises(CvmDataError, match="'tier'"):
        cohort_retention(tx, by="tier")
    with pytest.raises(CvmDataError, match="duplicate"):
        cohort_retention(tx, pd.concat([people, people.iloc[:1]]), by="member")
    with pytest.raises(CvmDataError, match="lacks column"):
        cohort_retention(tx.drop(columns="amount"))
    with pytest.raises(ValueError, match="period"):
        cohort_retention(tx, period="fortnight")
    with pytest.raises(ValueError, match="precedes"):
        cohort_retention(tx, observation_end="2023-01-01")
    res = cohort_retention(tx, people, by="member")
    with pytest.raises(ValueError, match="name the group"):
        res.curve()


# ------------------------------------------------------------------ contractual cohorts
def test_contract_survival_hand_built():
    from cvm_lib.retention import contract_survival

    people = pd.DataFrame({
        "acquisition_date": pd.to_datetime(["2021-03-01", "2021-06-01", "2021-09-01", "2022-05-01", "2022-07-01"]),
        "dropout_date": pd.to_datetime(["2021-12-01", None, "2023-10-01", "2023-06-01", "2024-06-01"]),
        "plan": ["basic", "premium", "basic", "premium", "basic"]})
    res = contract_survival(people, observation_end="2024-02-29")
    # 2022 cohort: 396 days (>= 1 year) and an end after the window (still active)
    np.testing.assert_array_equal(res.counts_.to_numpy(), [[3, 2, 2], [2, 2, NAN]])
    assert res.curves_["rate"].tolist() == pytest.approx([1.0, 0.8, 2 / 3])
    by_plan = contract_survival(people, by="plan", observation_end="2024-02-29")
    np.testing.assert_array_equal(by_plan.counts_.loc["basic"].to_numpy(), [[2, 1, 1], [1, 1, NAN]])
    with pytest.raises(CvmDataError, match="end before they start"):
        contract_survival(people.assign(dropout_date=pd.Timestamp("2020-01-01")))


def test_contract_survival_of_simulated_lifetimes_feeds_an_sbg_like_fit():
    """Quarterly survival of the true lifetimes is non-increasing and rises in retention."""
    from cvm_lib.retention import contract_survival

    data = simulate_retail(5000, seed=6, programme_share=0.0)
    res = contract_survival(data.customers, period="Q", observation_end="2024-12-31")
    first = res.counts_.iloc[0].dropna().to_numpy()
    assert (np.diff(first) <= 0).all() and len(first) >= 7
    pooled = res.curves_.set_index("period")["rate"]
    retention = (pooled / pooled.shift()).dropna()
    assert retention.iloc[-3:].mean() > retention.iloc[:2].mean()  # heterogeneity: rising retention
