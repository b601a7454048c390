"""Tests of cvm_lib.segmentation on hand-computed cases and planted structure:
RFM tables, scores and segment maps, ABC/Pareto/Lorenz/Gini, clustering, the value
nine-grid, lifecycle stages and tier migration."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from cvm_lib.labels import value_label
from cvm_lib.segmentation import (
    CN8_SEGMENTS, DEFAULT_STRATEGIES, RF10_MAP, RF10_SEGMENTS, abc_classes, abc_summary, cluster_customers,
    cluster_stability, gini, lifecycle_stages, lorenz_curve, nine_grid, pareto_point, pareto_statement, rfm_scores,
    rfm_segments, rfm_table, segment_map, segment_summary, tier_migration, tiers_by_period,
)


def log(rows):
    """A tidy transaction log from (customer, date, amount) tuples."""
    frame = pd.DataFrame(rows, columns=["customer_id", "date", "amount"])
    frame["date"] = pd.to_datetime(frame["date"])
    frame["amount"] = frame["amount"].astype("float64")
    return frame


def random_rfm(n=1003, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "recency": rng.integers(0, 60, n).astype(float),     # many ties
        "frequency": rng.geometric(0.5, n),                  # heavy ties at 1
        "monetary": np.round(rng.lognormal(3, 1, n), 0),
    }, index=pd.Index([f"c{i:05d}" for i in range(n)], name="customer_id"))


# ================================================================== Gini / Lorenz

def test_gini_hand_cases():
    assert gini([7, 7, 7, 7, 7]) == 0.0
    assert gini([0, 0, 0, 10]) == pytest.approx(0.75)  # population form, not n/(n-1)-corrected
    assert gini([0, 10]) == pytest.approx(0.5)
    assert gini([1, 2, 3, 4]) == pytest.approx(0.25)
    assert gini([0, 0, 0]) == 0.0
    assert gini(pd.Series([10.0])) == 0.0


def test_gini_matches_mean_absolute_difference_and_ignores_order():
    rng = np.random.default_rng(3)
    x = rng.lognormal(2, 1.2, 400)
    pairwise = np.abs(x[:, None] - x[None, :]).sum() / (2 * len(x) ** 2 * x.mean())
    assert gini(x) == pytest.approx(pairwise, rel=1e-12)
    assert gini(rng.permutation(x)) == pytest.approx(gini(x), rel=1e-12)
    assert gini(x * 17.5) == pytest.approx(gini(x), rel=1e-12)  # scale invariant


@pytest.mark.parametrize("bad", [[1, -1, 3], [1.0, np.nan], [], ["a", "b"]])
def test_gini_rejects_bad_input(bad):
    with pytest.raises(ValueError):
        gini(bad)


def test_lorenz_curve_shape_and_area_gives_gini():
    x = np.array([3.0, 0, 9, 1, 1, 6])
    curve = lorenz_curve(x)
    assert list(curve.columns) == ["customer_share", "value_share"]
    assert len(curve) == len(x) + 1
    assert curve.iloc[0].tolist() == [0.0, 0.0] and curve.iloc[-1].tolist() == [1.0, 1.0]
    assert (np.diff(curve["value_share"]) >= 0).all()
    assert (curve["value_share"] <= curve["customer_share"] + 1e-12).all()  # below the diagonal
    L = curve["value_share"].to_numpy()
    assert 1 - (L[:-1] + L[1:]).sum() / len(x) == pytest.approx(gini(x))
    top = lorenz_curve(x, descending=True)
    assert top["value_share"].iloc[1] == pytest.approx(9 / 20)
    with pytest.raises(ValueError, match="sum to 0"):
        lorenz_curve([0, 0])


# ================================================================== ABC / Pareto

def test_abc_hand_case_and_crossing_rules():
    v = pd.Series([50.0, 5, 20, 10, 15], index=list("abcde"))
    # sorted: a 50 (cum 50%), c 20 (70%), e 15 (85%), d 10 (95%), b 5 (100%)
    upper = abc_classes(v)
    assert upper.index.tolist() == list("abcde")  # aligned to the input
    assert upper.to_dict() == {"a": "A", "b": "C", "c": "A", "d": "B", "e": "B"}
    lower = abc_classes(v, crossing="lower")
    assert lower.to_dict() == {"a": "A", "b": "C", "c": "A", "d": "C", "e": "B"}
    summary = abc_summary(v)
    assert summary["customers"].tolist() == [2, 2, 1]
    assert summary["value_share"].tolist() == pytest.approx([0.70, 0.25, 0.05])


def test_abc_crossing_customer_goes_to_the_upper_class_by_default():
    v = pd.Series([60.0, 30, 10], index=["x", "y", "z"])
    # y takes the cumulative share from 60% to 90%, across 70%: A under "upper", B under "lower".
    assert abc_classes(v).tolist() == ["A", "A", "C"]
    assert abc_classes(v, crossing="lower").tolist() == ["A", "B", "C"]  # y lands on 90% exactly


def test_abc_edge_cases():
    one = pd.Series([0.0, 10.0, 0.0], index=["p", "q", "r"])
    assert abc_classes(one).tolist() == ["C", "A", "C"]  # one customer holds everything
    assert abc_classes(pd.Series([5.0])).tolist() == ["A"]
    # threshold 1.0: every customer with value is A, zero-value ones after the total is reached B
    assert abc_classes(pd.Series([3.0, 0.0, 1.0]), thresholds=(1.0,)).tolist() == ["A", "B", "A"]
    # equal values: split deterministically by index label, smaller label first
    eq = pd.Series([1.0] * 10, index=[f"k{i}" for i in range(9, -1, -1)])
    classes = abc_classes(eq)
    assert classes.sort_index().tolist() == ["A"] * 7 + ["B"] * 2 + ["C"]
    # four classes with custom labels
    four = abc_classes(pd.Series([40.0, 30, 20, 10]), thresholds=(0.4, 0.7, 0.9), labels=("a", "b", "c", "d"))
    assert four.tolist() == ["a", "b", "c", "d"]
    for bad in [(0.9, 0.7), (0.0, 0.5), (0.7, 1.2), (), "ab"]:
        with pytest.raises(ValueError, match="thresholds"):
            abc_classes(pd.Series([1.0, 2.0]), thresholds=bad)
    with pytest.raises(ValueError, match="negative"):
        abc_classes(pd.Series([1.0, -2.0]))
    with pytest.raises(ValueError, match="sum to 0"):
        abc_classes(pd.Series([0.0, 0.0]))
    with pytest.raises(ValueError, match="crossing"):
        abc_classes(pd.Series([1.0]), crossing="middle")


def test_abc_class_a_is_the_smallest_top_group_reaching_the_threshold():
    rng = np.random.default_rng(7)
    v = pd.Series(rng.pareto(1.5, 2000) + 0.01, index=[f"c{i}" for i in range(2000)])
    classes = abc_classes(v)
    top = v.sort_values(ascending=False)
    a = top[classes[top.index] == "A"]
    assert a.sum() / v.sum() >= 0.7
    assert (a.sum() - a.iloc[-1]) / v.sum() < 0.7
    assert (classes[top.index].to_numpy() == np.sort(classes.to_numpy())).all()  # classes follow rank
    shuffled = v.sample(frac=1, random_state=1)
    assert abc_classes(shuffled).reindex(v.index).equals(classes)


def test_pareto_statement_and_point():
    v = [100.0, 50, 20, 10, 5, 5, 4, 3, 2, 1]
    assert pareto_statement(v) == "20.0% of customers bring 75.0% of value"
    assert pareto_statement(v, value_share=0.8) == "30.0% of customers bring 85.0% of value"
    assert pareto_statement(v, customer_share=0.5, decimals=0) == "50% of customers bring 92% of value"
    p = pareto_point(v, value_share=0.75)  # exactly reached by the top 2
    assert (p.customers, p.value_share) == (2, pytest.approx(0.75))
    with pytest.raises(ValueError):
        pareto_point(v, customer_share=0.2, value_share=0.8)
    with pytest.raises(TypeError):
        pareto_statement(v, lang="en")  # methods know no language


# ================================================================== RFM table and scores

def test_rfm_table_hand_case():
    tx = log([("a", "2024-01-01", 10), ("a", "2024-01-01", 5), ("a", "2024-01-20", 30),
              ("b", "2024-01-08", 20), ("c", "2024-02-10", 99)])
    rfm = rfm_table(tx, observation_end="2024-01-31")
    assert rfm.index.tolist() == ["a", "b"]  # c is after the window
    assert rfm["recency"].tolist() == [11.0, 23.0]  # days since the last purchase
    assert rfm["frequency"].tolist() == [2, 1]  # same-day purchases merged
    assert rfm["monetary"].tolist() == [45.0, 20.0]
    assert rfm_table(tx, observation_end="2024-01-31", monetary="mean")["monetary"].tolist() == [22.5, 20.0]
    lines = rfm_table(tx, observation_end="2024-01-31", frequency="transactions", monetary="mean")
    assert lines["frequency"].tolist() == [3, 1] and lines["monetary"].tolist() == [15.0, 20.0]
    assert rfm_table(tx)["recency"].tolist() == [21.0, 33.0, 0.0]  # default end: last purchase date
    assert rfm_table(tx, observation_end="2024-01-31", time_unit="W")["recency"].tolist() == [11 / 7, 23 / 7]
    with pytest.raises(ValueError, match="monetary"):
        rfm_table(tx, monetary="median")
    with pytest.raises(ValueError, match="no purchases|before the first purchase"):
        rfm_table(tx, observation_end="2023-01-01")


def test_quintile_scores_are_balanced_and_recent_is_high():
    rfm = random_rfm(1003)
    s = rfm_scores(rfm)
    for col in "RFM":
        sizes = s[col].value_counts().sort_index()
        assert sizes.index.tolist() == [1, 2, 3, 4, 5]
        assert sizes.max() - sizes.min() <= 1
    assert (s.loc[rfm["recency"] == rfm["recency"].min(), "R"] >= 4).all()
    assert s.loc[rfm["recency"].idxmax(), "R"] == 1
    assert (s.groupby("R")["recency"].max().diff().dropna() <= 0).all()  # higher R, more recent
    assert (s.groupby("F")["frequency"].min().diff().dropna() >= 0).all()
    assert s["RFM"].str.len().eq(3).all() and (s["score"] == s["R"] + s["F"] + s["M"]).all()


def test_scores_are_independent_of_row_order():
    rfm = random_rfm(500, seed=2)
    base = rfm_scores(rfm)
    for seed in range(3):
        shuffled = rfm.sample(frac=1, random_state=seed)
        again = rfm_scores(shuffled).loc[rfm.index]
        pd.testing.assert_frame_equal(again[["R", "F", "M"]], base[["R", "F", "M"]])
        for ties in ("split-id", "keep"):
            other = rfm_scores(shuffled, ties=ties).loc[rfm.index]
            pd.testing.assert_frame_equal(other[["R", "F", "M"]], rfm_scores(rfm, ties=ties)[["R", "F", "M"]])


def test_tie_rules_documented():
    # All share recency 10; frequency breaks the R tie, then monetary, then the customer id.
    rfm = pd.DataFrame({"recency": [10.0] * 5, "frequency": [1, 3, 3, 2, 1],
                        "monetary": [5.0, 10, 20, 7, 5]}, index=["e", "d", "c", "b", "a"])
    s = rfm_scores(rfm)
    assert s["R"].to_dict() == {"c": 5, "d": 4, "b": 3, "e": 2, "a": 1}
    # "split-id": the customer id alone breaks ties
    assert rfm_scores(rfm, ties="split-id")["R"].to_dict() == {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5}
    # "keep": tied values share one score (the group of their mid rank)
    k = rfm_scores(rfm, ties="keep")
    assert k["R"].nunique() == 1 and k["R"].iloc[0] == 3
    assert k.loc["d", "F"] == k.loc["c", "F"] and k.loc["a", "F"] == k.loc["e", "F"]


def test_custom_bins_and_errors():
    rfm = pd.DataFrame({"recency": [0.0, 30, 31, 400], "frequency": [1, 2, 5, 9],
                        "monetary": [10.0, 50, 51, 999]}, index=list("abcd"))
    s = rfm_scores(rfm, bins={"recency": [0, 30, 90, 365, 1000], "frequency": [0, 1, 4, 10],
                              "monetary": 2})
    assert s["R"].tolist() == [4, 4, 3, 1]  # right-closed: 30 days is still in the first bin
    assert s["F"].tolist() == [1, 2, 3, 3]
    assert s["M"].tolist() == [1, 1, 2, 2]
    assert s.attrs["levels"] == {"recency": 4, "frequency": 3, "monetary": 2}
    with pytest.raises(ValueError, match="outside the bin edges"):
        rfm_scores(rfm, bins={"recency": [0, 30, 90]})
    with pytest.raises(ValueError, match="increasing"):
        rfm_scores(rfm, bins={"recency": [0, 90, 30, 1000]})
    with pytest.raises(ValueError, match="at least 2"):
        rfm_scores(rfm, bins=1)
    with pytest.raises(ValueError, match="unknown key"):
        rfm_scores(rfm, bins={"R": 5})
    with pytest.raises(ValueError, match="missing"):
        rfm_scores(rfm.drop(columns="monetary"))
    with pytest.raises(ValueError, match="unique"):
        rfm_scores(pd.concat([rfm, rfm]))
    with pytest.raises(ValueError, match="ties"):
        rfm_scores(rfm, ties="random")


# ================================================================== segment maps

def test_rf10_map_covers_every_cell_exactly_once():
    assert sorted(RF10_MAP) == list(itertools.product(range(1, 6), range(1, 6)))
    assert set(RF10_MAP.values()) == set(RF10_SEGMENTS)
    grid = segment_map("rf10")
    assert len(grid) == 25 and not grid.duplicated(["R", "F"]).any()
    cells = pd.DataFrame(list(itertools.product(range(1, 6), range(1, 6))), columns=["R", "F"])
    cells["M"] = 3
    seg = rfm_segments(cells)
    assert seg.notna().all() and set(seg) == set(RF10_SEGMENTS)
    named = dict(zip(zip(cells["R"], cells["F"]), seg))
    assert named[(5, 5)] == "champions" and named[(5, 1)] == "new" and named[(4, 1)] == "promising"
    assert named[(1, 5)] == "cant_lose" and named[(1, 1)] == "hibernating" and named[(3, 3)] == "need_attention"
    assert named[(2, 3)] == "at_risk" and named[(3, 1)] == "about_to_sleep" and named[(4, 4)] == "loyal"
    assert named[(4, 2)] == "potential_loyalists"
    assert list(seg.cat.categories) == list(RF10_SEGMENTS)
    # every id has its names in the catalogue (shown translated by the studies)
    assert [value_label(k, "zh") for k in RF10_SEGMENTS][:2] == ["冠军客户", "忠诚客户"]


def test_rf10_needs_scores_from_1_to_5():
    with pytest.raises(ValueError, match="1..5"):
        rfm_segments(pd.DataFrame({"R": [6], "F": [1], "M": [1]}))
    with pytest.raises(ValueError, match="R and F"):
        rfm_segments(pd.DataFrame({"F": [1]}))
    with pytest.raises(ValueError, match="scheme"):
        rfm_segments(pd.DataFrame({"R": [1], "F": [1], "M": [1]}), scheme="rf11")


def test_cn8_all_classes_reachable_and_split_rule():
    combos = list(itertools.product([1, 5], repeat=3))  # each of R, F, M low (1) or high (5)
    scores = pd.DataFrame(combos, columns=["R", "F", "M"])
    seg = rfm_segments(scores, "cn8")
    assert set(seg) == set(CN8_SEGMENTS)
    expected = {(5, 5, 5): "重要价值客户", (5, 1, 5): "重要发展客户", (1, 5, 5): "重要保持客户",
                (1, 1, 5): "重要挽留客户", (5, 5, 1): "一般价值客户", (5, 1, 1): "一般发展客户",
                (1, 5, 1): "一般保持客户", (1, 1, 1): "一般挽留客户"}
    assert {c: value_label(s, "zh") for c, s in zip(combos, seg)} == expected
    # A score exactly at the centre counts as low; mean and median can differ.
    s = pd.DataFrame({"R": [1, 2, 3, 4, 5, 5], "F": [3] * 6, "M": [3] * 6})
    by_mean = rfm_segments(s, "cn8", split="mean")  # mean R 3.33: R 4, 5 high
    by_median = rfm_segments(s, "cn8", split="median")  # median R 3.5: R 4, 5 high
    assert (by_mean == "general_development").sum() == 3 and (by_median == "general_development").sum() == 3
    s2 = pd.DataFrame({"R": [1, 1, 1, 1, 5], "F": [1] * 5, "M": [1] * 5})  # mean 1.8, median 1
    # median R = 1: the four customers at the median are low, the one above high
    assert rfm_segments(s2, "cn8", split="median").tolist() == ["general_winback"] * 4 + ["general_development"]
    assert rfm_segments(s2, "cn8", split="mean").tolist() == ["general_winback"] * 4 + ["general_development"]


def test_cn8_on_values_uses_low_recency_as_high_r():
    data = pd.DataFrame({"recency": [1.0, 100], "frequency": [5, 1], "monetary": [500.0, 5],
                         "R": [3, 3], "F": [3, 3], "M": [3, 3]}, index=["fresh", "stale"])
    seg = rfm_segments(data, "cn8", basis="value")
    assert seg.tolist() == ["important_value", "general_winback"]
    assert rfm_segments(data, "cn8").tolist() == ["general_winback"] * 2  # equal scores: all low


def test_segment_summary_adds_up():
    rfm = random_rfm(300, seed=5)
    seg = rfm_segments(rfm_scores(rfm))
    table = segment_summary(rfm, seg)
    assert len(table) == 10  # empty segments are shown too
    assert table["customers"].sum() == 300
    assert table["customer_share"].sum() == pytest.approx(1.0)
    assert table["value_share"].sum() == pytest.approx(1.0)
    champions = seg == "champions"
    assert table.loc["champions", "monetary_mean"] == pytest.approx(rfm.loc[champions, "monetary"].mean())
    with pytest.raises(ValueError, match="same customers"):
        segment_summary(rfm, seg.iloc[:10])


# ================================================================== clustering

def planted_blobs(n_per=150, seed=0):
    """Three well-separated groups in log space (light, regular, heavy buyers)."""
    rng = np.random.default_rng(seed)
    centres = np.log([[300.0, 1, 20], [30.0, 6, 150], [5.0, 25, 1500]])
    x = np.repeat(centres, n_per, axis=0) + rng.normal(0, 0.25, (3 * n_per, 3))
    truth = np.repeat([0, 1, 2], n_per)
    order = rng.permutation(3 * n_per)
    frame = pd.DataFrame(np.exp(x[order]), columns=["recency", "frequency", "monetary"],
                         index=[f"c{i:04d}" for i in range(3 * n_per)])
    return frame, truth[order]


@pytest.mark.parametrize("method", ["kmeans", "gmm"])
def test_planted_clusters_are_recovered(method):
    features, truth = planted_blobs()
    res = cluster_customers(features, method=method, k_range=range(2, 7))
    assert res.k_ == 3
    assert adjusted_rand_score(truth, res.labels_) > 0.9
    assert res.scores_.index.tolist() == [2, 3, 4, 5, 6]
    assert res.scores_["chosen"].sum() == 1 and res.scores_.loc[3, "chosen"]
    if method == "gmm":
        assert res.scores_["bic"].idxmin() == 3
    else:
        assert res.scores_["silhouette"].idxmax() == 3
    assert res.profile_["customers"].tolist() == [150, 150, 150]
    heavy = res.profile_["monetary"].idxmax()
    assert res.profile_.loc[heavy, "monetary_median"] == pytest.approx(1500, rel=0.1)
    assert (res.predict(features) == res.labels_).all()


@pytest.mark.parametrize("method", ["kmeans", "gmm"])
def test_fit_sample_selects_k_on_a_subsample_and_labels_everyone(method):
    features, truth = planted_blobs(n_per=400, seed=3)
    full = cluster_customers(features, method=method, k_range=range(2, 6), fit_sample=None)
    above = cluster_customers(features, method=method, k_range=range(2, 6), fit_sample=len(features))
    pd.testing.assert_frame_equal(full.scores_, above.scores_)  # at or above the data size: unchanged
    pd.testing.assert_series_equal(full.labels_, above.labels_)
    sub = cluster_customers(features, method=method, k_range=range(2, 6), fit_sample=200)
    assert sub.scores_.attrs["fit_customers"] == 200 and full.scores_.attrs["fit_customers"] == 1200
    assert not np.allclose(sub.scores_["silhouette"], full.scores_["silhouette"])  # scored on the subsample
    assert sub.k_ == 3 and len(sub.labels_) == 1200  # the chosen k refitted on everyone
    assert adjusted_rand_score(truth, sub.labels_) > 0.9
    assert sub.profile_["customers"].sum() == 1200
    again = cluster_customers(features, method=method, k_range=range(2, 6), fit_sample=200)
    pd.testing.assert_series_equal(sub.labels_, again.labels_)
    with pytest.raises(ValueError, match="fit_sample"):
        cluster_customers(features, fit_sample=1)


def test_stability_sample():
    features, _ = planted_blobs(n_per=400, seed=4)
    full = cluster_stability(features, 3, n_boot=4, sample=None)
    above = cluster_stability(features, 3, n_boot=4, sample=5000)
    pd.testing.assert_series_equal(full.ari_, above.ari_)
    assert full.n_customers_ == 1200
    sub = cluster_stability(features, 3, n_boot=4, sample=300)
    assert sub.n_customers_ == 300 and sub.mean_ > 0.95  # planted groups are stable on 300 customers too
    with pytest.raises(ValueError, match="sample"):
        cluster_stability(features, 3, sample=2)


def test_clustering_is_deterministic_and_labels_ordered_by_size():
    features, _ = planted_blobs(seed=1)
    features = pd.concat([features, features.iloc[:60].mul(1.01)
                          .set_axis([f"x{i}" for i in range(60)])])
    a = cluster_customers(features, k=3)
    b = cluster_customers(features, k=3)
    assert a.labels_.equals(b.labels_)
    assert a.profile_["customers"].is_monotonic_decreasing
    assert len(a.scores_) == 1


def test_clustering_input_errors():
    features, _ = planted_blobs(n_per=10)
    with pytest.raises(ValueError, match="method"):
        cluster_customers(features, method="dbscan")
    with pytest.raises(ValueError, match="gmm"):
        cluster_customers(features, criterion="bic")
    with pytest.raises(ValueError, match="negative"):
        cluster_customers(features.assign(monetary=-features["monetary"]))
    with pytest.raises(ValueError, match="k="):
        cluster_customers(features, k=1)
    with pytest.raises(ValueError, match="finite"):
        cluster_customers(features.assign(recency=np.nan))


def test_bootstrap_stability_separates_structure_from_noise():
    features, _ = planted_blobs(n_per=100)
    stable = cluster_stability(features, 3, n_boot=8)
    assert len(stable.ari_) == 8 and stable.mean_ > 0.95
    rng = np.random.default_rng(0)
    noise = pd.DataFrame(rng.uniform(size=(300, 3)), columns=list("abc"))
    unstable = cluster_stability(noise, 6, log=False, n_boot=8)
    assert unstable.mean_ < stable.mean_ - 0.1
    again = cluster_stability(features, 3, n_boot=8)
    assert again.ari_.equals(stable.ari_)
    assert set(stable.summary().index) >= {"ari_mean", "ari_std", "ari_q05", "ari_q95"}


# ================================================================== nine-grid

def test_nine_grid_counts_and_shares():
    rng = np.random.default_rng(4)
    n = 900
    x = pd.Series(rng.lognormal(4, 1, n), index=[f"c{i}" for i in range(n)])
    y = pd.Series(rng.normal(0, 1, n), index=x.index).sample(frac=1, random_state=0)  # other order
    g = nine_grid(x, y)
    assert g.counts.shape == (3, 3) and g.value_share.shape == (3, 3)
    assert int(g.counts.to_numpy().sum()) == n
    assert g.value_share.to_numpy().sum() == pytest.approx(1.0)
    assert g.counts.sum(axis=0).tolist() == [300, 300, 300]  # tertiles of distinct values
    assert g.counts.sum(axis=1).tolist() == [300, 300, 300]
    assert g.table["customers"].sum() == n and g.table["value_share"].sum() == pytest.approx(1.0)
    top = g.cells["x_level"] == "high"
    assert g.value_share.loc[:, "high"].sum() == pytest.approx(x[top].sum() / x.sum())
    assert g.cells.loc["c0", "y"] == y["c0"]  # y aligned by customer, not by position
    assert list(g.counts.index) == ["high", "medium", "low"] and list(g.counts.columns) == ["low", "medium", "high"]


def test_nine_grid_thresholds_strategies_and_errors():
    x = pd.Series([10.0, 20, 30, 40], index=list("abcd"))
    y = pd.Series([-1.0, 0.0, 0.5, 2.0], index=list("abcd"))
    g = nine_grid(x, y, cuts={"x": (20, 30), "y": (0, 1)}, value=pd.Series([1.0, 1, 1, 1], index=list("abcd")))
    # right-closed: 20 is low, 30 medium; y 0 is low, 0.5 medium
    assert g.cells["x_level"].tolist() == ["low", "low", "medium", "high"]
    assert g.cells["y_level"].tolist() == ["low", "low", "medium", "high"]
    assert g.cells["strategy"].tolist() == ["exit", "exit", "maintain", "invest"]
    assert g.value_share.loc["low", "low"] == 0.5
    assert g.cuts == {"x": (20.0, 30.0), "y": (0.0, 1.0)}
    custom = {cell: "watch" for cell in DEFAULT_STRATEGIES} | {("high", "high"): "invest"}
    own = nine_grid(x, y, cuts=((20, 30), (0, 1)), strategies=custom)
    assert own.cells["strategy"].tolist() == ["watch", "watch", "watch", "invest"]
    assert [value_label(s, "zh") for s in own.cells["strategy"]] == ["watch", "watch", "watch", "持续投入"]
    assert set(DEFAULT_STRATEGIES.values()) == {"invest", "develop", "maintain", "optimise", "exit"}
    with pytest.raises(ValueError, match="9 cells"):
        nine_grid(x, y, strategies={("low", "low"): "exit"})
    with pytest.raises(ValueError, match="t1 <= t2"):
        nine_grid(x, y, cuts={"x": (30, 20)})
    with pytest.raises(ValueError, match="same"):
        nine_grid(x, y.rename(index={"a": "z"}))
    with pytest.raises(ValueError, match="tertile"):
        nine_grid(x, y, cuts="quartile")


# ================================================================== lifecycle

def lifecycle_log():
    monthly = [f"2023-{m:02d}-15" for m in range(1, 13)] + [f"2024-{m:02d}-15" for m in range(1, 13)]
    fortnightly = pd.date_range("2023-06-01", "2024-05-31", freq="14D").strftime("%Y-%m-%d").tolist()
    days = {
        "new": ["2024-12-10"],                                                  # cultivation
        "regular": ["2024-09-01", "2024-10-01", "2024-11-01", "2024-12-01"],    # confirmation
        "loyal": monthly,                                                        # trust
        "overdue": ["2023-01-10", "2023-02-10", "2023-03-10", "2023-04-10", "2023-05-10",
                    "2023-06-10", "2024-10-20"],                                 # decline (overdue)
        "slowing": fortnightly + ["2024-12-20"],                                 # decline (trend)
        "gone": ["2023-03-01", "2023-04-01", "2023-05-01"],                      # lapse
    }
    return log([(c, d, 10.0) for c, ds in days.items() for d in ds])


def test_lifecycle_one_customer_per_stage():
    st = lifecycle_stages(lifecycle_log(), observation_end="2024-12-31")
    assert st["stage"].to_dict() == {"new": "cultivation", "regular": "confirmation", "loyal": "trust",
                                     "overdue": "decline", "slowing": "decline", "gone": "lapse"}
    assert list(st["stage"].cat.categories) == ["cultivation", "confirmation", "trust", "decline", "lapse"]
    assert st.loc["slowing", "gap_ratio"] < 2 and st.loc["slowing", "trend"] < 0.5  # declines by trend only
    assert st.loc["overdue", "gap_ratio"] > 2 and 2 < st.loc["overdue", "gap_ratio"] <= 4
    assert st.loc["loyal", "trend"] == pytest.approx(1.0, abs=0.15)
    assert st.loc["gone", "recency"] == (pd.Timestamp("2024-12-31") - pd.Timestamp("2023-05-01")).days
    assert st.loc["regular", "typical_gap"] == 30.0 and np.isnan(st.loc["regular", "trend"])
    assert [value_label(s, "zh") for s in st.loc[["new", "regular", "loyal", "overdue", "gone"], "stage"]] == \
        ["培育期", "确认期", "信任期", "弱化期", "消失期"]


def test_lifecycle_parameters_and_p_alive():
    tx = lifecycle_log()
    end = "2024-12-31"
    # a stricter trust rule demotes the loyal customer to confirmation
    assert lifecycle_stages(tx, observation_end=end, trust_purchases=30).loc["loyal", "stage"] == "confirmation"
    # more tolerance for gaps moves the overdue customer back
    assert lifecycle_stages(tx, observation_end=end, decline_gaps=3.0).loc["overdue", "stage"] == "trust"
    # a new customer gets cultivation only while young
    assert lifecycle_stages(tx, observation_end=end, new_days=10).loc["new", "stage"] == "cultivation"
    p = pd.Series({"loyal": 0.1, "regular": 0.3})  # customers left out keep their stage
    st = lifecycle_stages(tx, observation_end=end, p_alive=p)
    assert st.loc["loyal", "stage"] == "lapse" and st.loc["regular", "stage"] == "decline"
    assert st.loc["new", "stage"] == "cultivation" and np.isnan(st.loc["new", "p_alive"])
    with pytest.raises(ValueError, match="lapse_gaps"):
        lifecycle_stages(tx, lapse_gaps=1.0)
    with pytest.raises(ValueError, match="probabilities"):
        lifecycle_stages(tx, p_alive=pd.Series({"loyal": 1.5}))
    with pytest.raises(ValueError, match="trend_window"):
        lifecycle_stages(tx, trend_window=0)


# ================================================================== tier migration

def migration_log():
    """Two quarters. Gold (spend >= 100) keeps 2 members, silver keeps 3, but both swap people."""
    return log([
        ("a", "2024-01-05", 200), ("b", "2024-01-06", 150), ("c", "2024-02-01", 50), ("d", "2024-02-02", 40),
        ("e", "2024-03-01", 30),
        ("a", "2024-04-05", 200), ("c", "2024-04-06", 70), ("c", "2024-05-06", 50),  # c: 120 -> gold
        ("b", "2024-05-01", 60), ("e", "2024-06-01", 20), ("f", "2024-06-02", 10),
    ])


def test_migration_counts_and_hidden_churn_on_hand_built_log():
    tiers = tiers_by_period(migration_log(), period="Q", spend_thresholds={"gold": 100, "silver": 0})
    assert [str(p) for p in tiers.columns] == ["2024Q1", "2024Q2"]
    q1, q2 = tiers.iloc[:, 0], tiers.iloc[:, 1]
    assert q1.iloc[:5].tolist() == ["gold", "gold", "silver", "silver", "silver"] and pd.isna(q1["f"])
    assert q2.drop("d").tolist() == ["gold", "silver", "gold", "silver", "silver"] and pd.isna(q2["d"])
    m = tier_migration(q1, q2)
    assert m.counts.index.tolist() == ["gold", "silver", "new"]
    assert m.counts.columns.tolist() == ["gold", "silver", "lapsed"]
    assert m.counts.to_numpy().tolist() == [[1, 1, 0],   # a stays, b down
                                            [1, 1, 1],   # c up, e stays, d lapses
                                            [0, 1, 0]]   # f new in silver
    f = m.flows
    assert f["size_before"].tolist() == [2, 3] and f["size_after"].tolist() == [2, 3]  # sizes flat
    assert f["net_change"].tolist() == [0, 0]
    assert f["exited"].tolist() == [1, 2] and f["entered"].tolist() == [1, 2]
    assert f.loc["gold", "upgraded_in"] == 1 and f.loc["gold", "downgraded_out"] == 1
    assert f.loc["silver", "downgraded_in"] == 1 and f.loc["silver", "from_new"] == 1
    assert f.loc["silver", "upgraded_out"] == 1 and f.loc["silver", "lapsed"] == 1
    assert f["hidden_churn"].tolist() == [1, 2]
    assert m.hidden_churn == 3 and m.hidden_churn_rate == pytest.approx(3 / 5)
    assert m.shares.loc["silver"].tolist() == pytest.approx([1 / 3, 1 / 3, 1 / 3])
    assert m.shares.sum(axis=1).to_numpy() == pytest.approx(np.ones(3))
    assert m.summary is m.flows and "<table" in m._repr_html_()


def test_hidden_churn_definition_on_growing_and_shrinking_tiers():
    a = pd.Series({"p": "A", "q": "A", "r": "A", "s": "B"})
    b = pd.Series({"p": "A", "s": "A", "t": "A", "u": "A", "q": "B"})
    m = tier_migration(a, b)  # A: 3 -> 4, two leave (q down, r lapses), three arrive
    assert m.flows.loc["A", ["exited", "entered", "hidden_churn"]].tolist() == [2, 3, 2]
    m2 = tier_migration(b, a)  # A: 4 -> 3, three leave, two arrive: net loss 1 is visible
    assert m2.flows.loc["A", ["exited", "entered", "hidden_churn"]].tolist() == [3, 2, 2]
    unchanged = tier_migration(a, a)
    assert unchanged.hidden_churn == 0 and np.diag(unchanged.counts.to_numpy()[:2, :2]).tolist() == [3, 1]
    with pytest.raises(ValueError, match="not in order"):
        tier_migration(a, b, order=["A"])


def test_tiers_by_period_share_tiers_and_abc():
    rng = np.random.default_rng(9)
    n = 200
    tx = log([(f"c{i:03d}", d, float(rng.integers(1, 50)))
              for i in range(n) for d in rng.choice(["2024-01-10", "2024-02-10", "2024-04-10"],
                                                    size=rng.integers(1, 4))])
    tiers = tiers_by_period(tx, period="Q")
    assert list(tiers.iloc[:, 0].cat.categories) == ["gold", "silver", "bronze"]
    for col in tiers.columns:
        counts = tiers[col].value_counts()
        active = int(tiers[col].notna().sum())
        assert counts["gold"] == round(0.2 * active) or abs(counts["gold"] - 0.2 * active) < 1
        assert counts.sum() == active
    shuffled = tiers_by_period(tx.sample(frac=1, random_state=3), period="Q")
    pd.testing.assert_frame_equal(tiers, shuffled)
    spend_q1 = tx[tx["date"] < "2024-04-01"].groupby("customer_id")["amount"].sum()
    abc = tiers_by_period(tx, period="Q", method="abc")
    expected = abc_classes(spend_q1)
    assert (abc.iloc[:, 0].reindex(expected.index).astype(str) == expected).all()
    assert [value_label(t, "zh") for t in tiers.iloc[:, 0].cat.categories] == ["金牌", "银牌", "铜牌"]
    with pytest.raises(ValueError, match="summing to 1"):
        tiers_by_period(tx, shares={"gold": 0.5, "silver": 0.3})
    with pytest.raises(ValueError, match="decreasing"):
        tiers_by_period(tx, spend_thresholds={"silver": 0, "gold": 100})
    with pytest.raises(ValueError, match="period"):
        tiers_by_period(tx, period="H")


def test_lifecycle_p_alive_must_be_indexed_by_customer():
    tx = lifecycle_log()
    with pytest.raises(ValueError, match="Series"):
        lifecycle_stages(tx, p_alive=np.full(6, 0.5))
    with pytest.raises(ValueError, match="none of its customer ids"):
        lifecycle_stages(tx, p_alive=pd.Series([0.5] * 6))


def test_customer_clusters_is_a_scikit_learn_estimator():
    from sklearn.base import clone
    from sklearn.exceptions import NotFittedError

    from cvm_lib.segmentation import CustomerClusters

    features, truth = planted_blobs(n_per=60)
    est = CustomerClusters(k_range=range(2, 5), random_state=3)
    with pytest.raises(NotFittedError):
        est.predict(features)
    assert est.get_params()["k_range"] == range(2, 5) and clone(est).get_params() == est.get_params()
    est.fit(features)
    direct = cluster_customers(features, k_range=range(2, 5), random_state=3)
    assert est.k_ == direct.k_ == 3 and est.labels_.equals(direct.labels_)
    assert adjusted_rand_score(truth, est.labels_) == pytest.approx(1.0)
    assert est.predict(features).equals(est.labels_) and est.summary is est.profile_
    assert est.set_params(k=2).fit(features).k_ == 2
    assert "<table" in direct._repr_html_() and "<table" in cluster_stability(features, 3, n_boot=2)._repr_html_()
