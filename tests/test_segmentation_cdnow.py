"""cvm_lib.segmentation on the full CDNOW log (23,570 customers, 69,659 lines): totals
that must add up, and each function within a time budget."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from cvm_lib.segmentation import (
    abc_classes, cluster_customers, cluster_stability, gini, lifecycle_stages, lorenz_curve, nine_grid,
    pareto_point, pareto_statement, rfm_scores, rfm_segments, rfm_table, segment_summary, tier_migration,
    tiers_by_period,
)

N_CUSTOMERS = 23_570
BUDGET = 5.0  # seconds per call; the calls take well under 0.2 s on an idle laptop core


@pytest.fixture(scope="module")
def tx(cdnow_master):
    return cdnow_master


@pytest.fixture(scope="module")
def rfm(tx):
    return rfm_table(tx)


def timed(fn, *args, budget=BUDGET, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    elapsed = time.perf_counter() - start
    assert elapsed < budget, f"{fn.__name__} took {elapsed:.2f} s"
    return out


def test_rfm_on_cdnow(tx, rfm):
    assert len(rfm) == N_CUSTOMERS
    assert rfm["monetary"].sum() == pytest.approx(tx["amount"].sum())
    assert rfm["recency"].min() == 0 and rfm["recency"].max() <= 545  # 1997-01-01 .. 1998-06-30
    scores = timed(rfm_scores, rfm)
    for col in "RFM":  # 23,570 = 5 × 4,714
        assert scores[col].value_counts().tolist() == [4714] * 5
    seg = timed(rfm_segments, scores)
    table = timed(segment_summary, rfm, seg)
    assert table["customers"].sum() == N_CUSTOMERS and table["value_share"].sum() == pytest.approx(1.0)
    assert table.loc["champions", "monetary_mean"] > table.loc["hibernating", "monetary_mean"]
    cn8 = timed(rfm_segments, scores, "cn8")
    assert cn8.notna().all()


def test_concentration_on_cdnow(rfm):
    g = timed(gini, rfm["monetary"])
    assert 0.5 < g < 0.8  # CD buyers: heavily concentrated spend
    curve = timed(lorenz_curve, rfm["monetary"])
    assert len(curve) == N_CUSTOMERS + 1
    classes = timed(abc_classes, rfm["monetary"])
    a_share = rfm.loc[classes == "A", "monetary"].sum() / rfm["monetary"].sum()
    assert 0.7 <= a_share < 0.7 + rfm["monetary"].max() / rfm["monetary"].sum()
    point = pareto_point(rfm["monetary"])
    assert point.customers == 4714
    expected = f"20.0% of customers bring {100 * point.value_share:.1f}% of value"
    assert timed(pareto_statement, rfm["monetary"]) == expected


def test_clustering_on_cdnow(rfm):
    res = timed(cluster_customers, rfm, k_range=range(2, 6), budget=4 * BUDGET)
    assert res.k_ in range(2, 6) and res.labels_.index.equals(rfm.index)
    assert res.profile_["customers"].sum() == N_CUSTOMERS
    assert res.scores_["silhouette"].notna().all()
    stab = timed(cluster_stability, rfm, res.k_, n_boot=5, budget=4 * BUDGET)
    assert stab.mean_ > 0.8


def test_grid_lifecycle_migration_on_cdnow(tx, rfm):
    first = tx[tx["date"] < "1997-10-01"].groupby("customer_id")["amount"].sum()
    later = tx[tx["date"] >= "1997-10-01"].groupby("customer_id")["amount"].sum()
    current = first.reindex(rfm.index, fill_value=0.0)
    future = later.reindex(rfm.index, fill_value=0.0)
    grid = timed(nine_grid, current, future, value=rfm["monetary"])
    assert int(grid.counts.to_numpy().sum()) == N_CUSTOMERS
    assert grid.value_share.to_numpy().sum() == pytest.approx(1.0)

    stages = timed(lifecycle_stages, tx)
    assert len(stages) == N_CUSTOMERS and stages["stage"].notna().all()
    # All joined in Q1 1997 and most never came back: lapse dominates by mid-1998.
    assert stages["stage"].value_counts().idxmax() == "lapse"

    tiers = timed(tiers_by_period, tx, period="Q")
    assert tiers.shape == (N_CUSTOMERS, 6)
    assert tiers.iloc[:, 0].notna().all()  # everyone bought in their acquisition quarter
    m = timed(tier_migration, tiers.iloc[:, 1], tiers.iloc[:, 2])
    active_q2 = int(tiers.iloc[:, 1].notna().sum())
    assert int(m.counts.iloc[:-1].to_numpy().sum()) == active_q2
    assert (m.flows["size_after"] - m.flows["size_before"] == m.flows["net_change"]).all()
    assert np.all(m.flows["hidden_churn"] <= m.flows["exited"])
    abc = timed(tiers_by_period, tx, period="Y", method="abc")
    assert list(abc.iloc[:, 0].cat.categories) == ["A", "B", "C"]
    assert isinstance(abc.columns, pd.PeriodIndex)
