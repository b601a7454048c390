"""Tests of cvm_lib.studies.segmentation (the segmentation notebook's sections, tables, key
figures and sentences) and of the segmentation catalogue. Expected values are recomputed
independently (masks, sorting, sets), not through the functions under test."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from cvm_lib.labels import entry, has_label, label
from cvm_lib.results import _plain
from cvm_lib.segmentation import (RF10_MAP, STAGES, STRATEGIES, abc_classes, lifecycle_stages, rfm_log_scores,
                                  rfm_scores, rfm_segments, rfm_table, tier_migration, tiers_by_period, window_spend)
from cvm_lib.studies import Skipped, load_case, set_display
from cvm_lib.studies import segmentation as seg


@pytest.fixture(autouse=True)
def english_display():
    set_display("en", "$")
    yield
    set_display("en", "$")


def log(rows):
    frame = pd.DataFrame(rows, columns=["customer_id", "date", "amount"])
    frame["date"] = pd.to_datetime(frame["date"])
    frame["amount"] = frame["amount"].astype("float64")
    return frame


def random_log(n_customers=300, seed=0, start="2023-01-01", end="2024-06-30"):
    """Customers buying on random days with random amounts; everyone buys at least once."""
    rng = np.random.default_rng(seed)
    days = pd.date_range(start, end, freq="D")
    rows = []
    for i in range(n_customers):
        for d in rng.choice(len(days), size=rng.integers(1, 12), replace=True):
            rows.append((f"c{i:04d}", days[d], float(np.round(rng.lognormal(3, 1), 2))))
    return log(rows)


@pytest.fixture(scope="module")
def sample(cdnow_sample):
    case = load_case(cdnow_sample, observation_end="1998-06-30", currency="$")
    return case, seg.case_scores(case, time_unit="W")


# ================================================================== RFM tables

def test_case_scores_is_the_table_then_the_scores(sample, cdnow_sample):
    case, scores = sample
    expected = rfm_scores(rfm_table(cdnow_sample, observation_end="1998-06-30", time_unit="W"))
    pd.testing.assert_frame_equal(scores, expected)
    pd.testing.assert_frame_equal(rfm_log_scores(cdnow_sample, observation_end="1998-06-30"), expected)
    assert scores.attrs["observation_end"] == "1998-06-30" and scores.attrs["time_unit"] == "W"
    assert seg.case_scores(case, bins=3)[["R", "F", "M"]].max().tolist() == [3, 3, 3]


def test_score_levels_counts_and_ranges(sample):
    _, scores = sample
    table = seg.score_levels(scores)
    assert table.columns.tolist() == ["dimension", "unit", "score", "customers", "min", "mean", "max"]
    assert len(table) == 15
    assert table["score"].tolist()[:5] == [5, 4, 3, 2, 1]  # best score first
    for letter, column, block in zip("RFM", ("recency", "frequency", "monetary"), range(3)):
        part = table.iloc[5 * block: 5 * block + 5]
        assert (part["dimension"] == column).all()
        for _, row in part.iterrows():
            members = scores.loc[scores[letter] == row["score"], column]
            assert row["customers"] == len(members)
            assert row["min"] == members.min() and row["max"] == members.max()
            assert row["mean"] == pytest.approx(members.mean())
    assert table["unit"].unique().tolist() == ["weeks", "purchase_days", "money"]
    shown = seg.table("score_levels", table, record=False).to_frame("zh")
    assert shown.columns.tolist() == ["维度", "单位", "评分", "客户数", "最小值", "均值", "最大值"]
    assert shown["单位"].iloc[0] == "周" and shown["维度"].iloc[0].startswith("R · 最近购买")


def test_rf_cells_mean_spend_per_cell(sample):
    _, scores = sample
    table = seg.rf_cells(scores)
    assert table.columns.tolist() == ["R", "F", "customers", "monetary_mean", "segment"]
    assert len(table) == 25 and table["customers"].sum() == len(scores)
    assert table["R"].tolist() == sorted(table["R"].tolist(), reverse=True)  # high R (recent) first
    for _, row in table.iterrows():
        mask = (scores["R"] == row["R"]) & (scores["F"] == row["F"])
        assert row["customers"] == mask.sum()
        if mask.any():
            assert row["monetary_mean"] == pytest.approx(scores.loc[mask, "monetary"].mean())
        else:
            assert np.isnan(row["monetary_mean"])
        assert row["segment"] == RF10_MAP[(row["R"], row["F"])]
    # In this one-quarter acquisition cohort nobody is recent with a single purchase day.
    assert table.loc[(table["R"] == 5) & (table["F"] == 1), "customers"].item() == 0
    doubled = seg.rf_cells(scores, scores["monetary"] * 2)
    np.testing.assert_allclose(doubled["monetary_mean"], table["monetary_mean"] * 2)
    three = seg.rf_cells(rfm_scores(scores[["recency", "frequency", "monetary"]], bins=3))
    assert len(three) == 9 and "segment" not in three.columns
    with pytest.raises(ValueError, match="same customers"):
        seg.rf_cells(scores, scores["monetary"].iloc[:-1])


def test_segment_tables_match_the_segment_maps(sample):
    _, scores = sample
    rf10 = seg.segment_table(scores, "rf10")
    counts = rfm_segments(scores, "rf10").value_counts()
    assert rf10["customers"].to_dict() == {k: int(counts.get(k, 0)) for k in rf10.index}
    assert rf10.loc["champions", ["r_scores", "f_scores"]].tolist() == ["5", "4–5"]
    assert rf10.loc["new", ["r_scores", "f_scores"]].tolist() == ["5", "1"]
    total = scores["monetary"].sum()
    for name in ("champions", "hibernating"):
        members = rfm_segments(scores, "rf10") == name
        assert rf10.loc[name, "value_share"] == pytest.approx(scores.loc[members.to_numpy(), "monetary"].sum() / total)
    assert rf10["value_share"].sum() == pytest.approx(1.0)

    # cn8 by hand: each score high when strictly above its mean (or median).
    for split, centre in (("mean", np.mean), ("median", np.median)):
        cn8 = seg.segment_table(scores, "cn8", split=split)
        high = {c: scores[c].to_numpy() > centre(scores[c].to_numpy()) for c in "RFM"}
        important_value = high["R"] & high["F"] & high["M"]
        general_winback = ~high["R"] & ~high["F"] & ~high["M"]
        assert cn8.loc["important_value", "customers"] == important_value.sum()
        assert cn8.loc["general_winback", "customers"] == general_winback.sum()
        assert cn8.loc["important_value", "value_share"] == pytest.approx(
            scores["monetary"].to_numpy()[important_value].sum() / total)
        assert cn8["customers"].sum() == len(scores) and len(cn8) == 8
        assert cn8.loc["important_value", ["r_level", "f_level", "m_level"]].tolist() == ["high"] * 3
        shown = seg.table("cn8", cn8, split=split, record=False)
        assert shown.headers("zh")[1] == ("R 相对均值" if split == "mean" else "R 相对中位数")
        assert shown.headers("en")[1] == f"R vs the {split} score"
        assert shown.to_frame("zh").iloc[0, :4].tolist() == ["重要价值客户", "高", "高", "高"]


def test_rf10_table_rescores_other_bin_counts_into_quintiles(sample):
    _, scores = sample
    three = rfm_scores(scores[["recency", "frequency", "monetary"]], bins=3)
    table = seg.segment_table(three, "rf10")
    quintiles = rfm_segments(rfm_scores(scores[["recency", "frequency", "monetary"]], bins=5), "rf10")
    assert table["customers"].to_dict() == quintiles.value_counts().reindex(table.index).to_dict()
    with pytest.raises(ValueError, match="scheme"):
        seg.segment_table(scores, "rfm27")
    with pytest.raises(ValueError, match="split"):
        seg.segment_table(scores, "cn8", split="mode")


def test_segment_sentences_say_what_the_tables_show(sample):
    _, scores = sample
    rf10, cn8 = seg.segment_table(scores, "rf10"), seg.segment_table(scores, "cn8")
    largest = rf10["customers"].idxmax()
    text = seg.segment_sentences(rf10, cn8).text("en")
    assert f"The largest R×F segment is {label(largest)} ({rf10.loc[largest, 'customer_share']:.1%}" in text
    assert f"Champions bring {rf10.loc['champions', 'value_share']:.1%}" in text
    assert f"{int((rf10['customers'] == 0).sum())} of the ten segments are empty" in text
    zh = seg.segment_sentences(rf10, cn8).text("zh")
    assert f"重要价值客户占客户的 {cn8.loc['important_value', 'customer_share']:.1%}" in zh
    assert label(largest, "zh") in zh


# ================================================================== concentration

def test_value_concentration_hand_case():
    c = seg.value_concentration(pd.Series([50.0, 5, 20, 10, 15], index=list("abcde")))
    assert c.classes.to_dict() == {"a": "A", "b": "C", "c": "A", "d": "B", "e": "B"}
    assert c.gini == pytest.approx(0.4)
    assert (c.top.customers, c.top.value_share) == (1, 0.5)
    assert (c.core.customers, c.core.value_share) == (3, 0.85)  # 50 + 20 + 15 reach 80%
    assert c.a_customer_share == 0.4 and c.a_value_share == pytest.approx(0.7)
    assert c.abc["customers"].tolist() == [2, 2, 1]
    assert c.abc["value_from"].tolist() == [0.0, 0.7, 0.9] and c.abc["value_to"].tolist() == [0.7, 0.9, 1.0]
    assert seg.concentration_sentences(c).text("en").startswith(
        "The top 20.0% of customers bring 50.0% of the value; the Gini coefficient is 0.400.")
    assert seg.concentration_sentences(c).text("zh").startswith("前 20.0% 的客户贡献了 50.0% 的价值，基尼系数为 0.400。")
    assert "60.0% of customers (3) bring 80.0% of the value" in seg.concentration_sentences(c).text("en")


def test_value_concentration_matches_an_independent_computation():
    rng = np.random.default_rng(7)
    v = pd.Series(np.round(rng.lognormal(3, 1.3, 997), 2), index=[f"k{i:04d}" for i in range(997)])
    c = seg.value_concentration(v, thresholds=(0.6, 0.85))
    x = v.to_numpy()
    assert c.gini == pytest.approx(np.abs(x[:, None] - x[None, :]).sum() / (2 * len(x) ** 2 * x.mean()))
    desc = np.sort(x)[::-1]
    m = round(0.2 * len(x))
    assert c.top.value_share == pytest.approx(desc[:m].sum() / x.sum())
    need = int(np.argmax(np.cumsum(desc) >= 0.8 * x.sum())) + 1
    assert c.core.customers == need
    # Class A by hand: largest first, in A while the value before the customer is below 60%.
    order = sorted(v.index, key=lambda i: (-v[i], i))
    before, in_a = 0.0, set()
    for i in order:
        if before < 0.6 * x.sum():
            in_a.add(i)
        before += v[i]
    assert set(c.classes[c.classes == "A"].index) == in_a
    assert c.a_value_share == pytest.approx(v[list(in_a)].sum() / x.sum())
    assert c.a_customer_share == len(in_a) / len(v)
    assert c.abc["value_share"].sum() == pytest.approx(1.0) and c.abc["customers"].sum() == len(v)
    assert c.curve.iloc[0].tolist() == [0.0, 0.0] and c.curve.iloc[-1].tolist() == pytest.approx([1.0, 1.0])
    assert (np.diff(c.curve["value_share"]) >= -1e-15).all()


def test_value_concentration_takes_the_scores_table(sample):
    _, scores = sample
    assert seg.value_concentration(scores).gini == seg.value_concentration(scores["monetary"]).gini
    with pytest.raises(ValueError, match="monetary"):
        seg.value_concentration(scores[["R", "F"]])


# ================================================================== clustering

def planted(n_per=(120, 80, 50), seed=3):
    rng = np.random.default_rng(seed)
    centres = [(2.0, 12, 900.0), (30.0, 4, 150.0), (70.0, 1, 20.0)]  # recency, frequency, spend
    rows, truth = [], []
    for g, (size, (r, f, m)) in enumerate(zip(n_per, centres)):
        rows.append(np.column_stack([rng.uniform(0.8, 1.2, size) * r, np.maximum(1, np.round(
            rng.uniform(0.8, 1.2, size) * f)), rng.uniform(0.8, 1.2, size) * m]))
        truth += [g] * size
    frame = pd.DataFrame(np.vstack(rows), columns=["recency", "frequency", "monetary"],
                         index=[f"p{i:03d}" for i in range(sum(n_per))])
    return rfm_scores(frame), np.array(truth)


def test_cluster_study_recovers_planted_groups_with_stable_labels():
    scores, truth = planted()
    c = seg.cluster_study(scores, k_range=range(2, 6), n_boot=5, seed=11)
    assert c.result.k_ == 3
    assert adjusted_rand_score(truth, c.result.labels_) == pytest.approx(1.0)
    assert c.stability.mean_ > 0.95 and len(c.stability.ari_) == 5
    k_table = c.k_table
    assert k_table["k"].tolist() == [2, 3, 4, 5] and k_table["chosen"].tolist() == [False, True, False, False]
    assert k_table.loc[k_table["silhouette"].idxmax(), "k"] == 3
    profile = c.profile
    assert profile["customers"].tolist() == [120, 80, 50]  # largest cluster first
    assert profile["value_share"].sum() == pytest.approx(1.0)
    assert profile["monetary_mean"].iloc[0] == pytest.approx(scores["monetary"].iloc[:120].mean())
    assert profile["pattern"].tolist()[0] == "R↑ F↑ M↑" and profile["pattern"].tolist()[2] == "R↓ F↓ M↓"
    weights = profile["customers"].to_numpy()[:, None]
    np.testing.assert_allclose((c.z.to_numpy() * weights).sum(axis=0) / weights.sum(), 0, atol=1e-12)
    assert c.z["recency"].idxmin() == 0 and c.z["monetary"].idxmax() == 0
    assert c.stability_table["k"].iloc[0] == 3 and c.stability_table["ari_mean"].iloc[0] == c.stability.mean_
    assert c.stability_table["customers_resampled"].iloc[0] == 250
    again = seg.cluster_study(scores, k_range=range(2, 6), n_boot=5, seed=11)
    pd.testing.assert_series_equal(again.result.labels_, c.result.labels_)
    assert again.stability.ari_.tolist() == c.stability.ari_.tolist()
    text = seg.cluster_sentences(c).text("en")
    assert text.startswith("k-means chose k = 3 by the Silhouette") and "stable" in text
    assert "k 均值按轮廓系数选定 k = 3" in seg.cluster_sentences(c).text("zh")


def test_cluster_study_fixed_k_mixture():
    scores, _ = planted()
    c = seg.cluster_study(scores, method="gmm", k=3, n_boot=2, seed=1)
    assert c.k_table["k"].tolist() == [3] and c.k_table["chosen"].tolist() == [True]
    assert {"bic", "aic", "silhouette"} <= set(c.k_table.columns)
    assert c.z.columns.tolist() == ["recency", "frequency", "monetary"]
    assert c.profile.index.name == "cluster" and c.result.criterion == "bic"
    assert seg.table("k", c.k_table, record=False).headers("zh") == ["k（聚类数）", "轮廓系数", "BIC", "AIC", "选定"]
    none = seg.cluster_study(scores, k=3, n_boot=0)
    assert none.stability is None and isinstance(none.stability_table, Skipped)
    assert "n_boot = 0" in none.stability_table.text("en") and none.result.k_ == 3
    assert seg.cluster_sentences(none).text("zh") == "k 均值按轮廓系数选定 k = 3；未评估稳定性（n_boot = 0）。"


# ================================================================== window spend and the nine-grid

def test_window_spend_hand_case_with_calendar_boundaries():
    tx = log([("a", "2023-12-31", 7.0),   # before both windows
              ("a", "2024-03-31", 10.0),  # last day of the previous window
              ("a", "2024-04-01", 30.0),  # first day of the current window
              ("b", "2024-01-01", 20.0),  # first day of the previous window
              ("c", "2024-06-30", 5.0),   # the end day
              ("c", "2024-07-01", 99.0)])  # after the end: ignored
    w = window_spend(tx, window="3M", observation_end="2024-06-30")
    assert w.to_dict("index") == {"a": {"current": 30.0, "previous": 10.0, "growth": 20.0},
                                  "b": {"current": 0.0, "previous": 20.0, "growth": -20.0},
                                  "c": {"current": 5.0, "previous": 0.0, "growth": 5.0}}
    assert w.attrs["current"] == ("2024-04-01", "2024-06-30")
    assert w.attrs["previous"] == ("2024-01-01", "2024-03-31")
    weeks = window_spend(tx, window="2W", observation_end="2024-04-13")
    assert weeks.attrs["current"] == ("2024-03-31", "2024-04-13")
    assert weeks.loc["a"].tolist() == [40.0, 0.0, 40.0]


@pytest.mark.parametrize("window", ["6", "M6", "0M", "6Q", 6, "six months"])
def test_window_spend_rejects_bad_windows(window):
    tx = log([("a", "2020-01-01", 1.0), ("a", "2024-06-30", 1.0)])
    with pytest.raises(ValueError, match="window="):
        window_spend(tx, window=window)


def test_window_spend_refuses_too_short_a_history():
    tx = log([("a", "2024-02-01", 1.0), ("b", "2024-06-30", 2.0)])
    with pytest.raises(ValueError, match="shorter window"):
        window_spend(tx, window="3M")
    assert window_spend(tx, window="2M").loc["a", "previous"] == 0.0  # 2M: history from 2024-03-01 is enough


def test_value_grid_on_growth_matches_an_independent_computation():
    tx = random_log(400, seed=5)
    g = seg.value_grid(tx, window="6M")
    cur = tx[tx["date"] >= "2024-01-01"].groupby("customer_id")["amount"].sum()
    prev = tx[(tx["date"] >= "2023-07-01") & (tx["date"] < "2024-01-01")].groupby("customer_id")["amount"].sum()
    both = pd.DataFrame({"cur": cur, "prev": prev}).fillna(0.0)
    assert set(g.grid.cells.index) == set(both.index)
    assert g.off_grid == tx["customer_id"].nunique() - len(both)
    cells = g.grid.cells.loc[both.index]
    np.testing.assert_allclose(cells["x"], both["cur"])
    np.testing.assert_allclose(cells["y"], both["cur"] - both["prev"])
    assert g.grid.cuts["x"] == pytest.approx(tuple(np.quantile(both["cur"], [1 / 3, 2 / 3])))
    assert g.grid.cuts["y"] == pytest.approx(tuple(np.quantile(both["cur"] - both["prev"], [1 / 3, 2 / 3])))
    t = g.table
    assert t.columns.tolist() == ["x_level", "y_level_growth", "strategy", "customers", "customer_share", "value",
                                  "value_share", "x_mean", "y_mean_growth"]
    assert t["customers"].sum() == len(both) and t["value_share"].sum() == pytest.approx(1.0)
    top = t[(t["x_level"] == "high") & (t["y_level_growth"] == "high")].iloc[0]
    t2 = g.grid.cuts["x"][1], g.grid.cuts["y"][1]
    mask = (both["cur"] > t2[0]) & (both["cur"] - both["prev"] > t2[1])
    assert top["customers"] == mask.sum() and top["strategy"] == "invest"
    assert top["x_mean"] == pytest.approx(both.loc[mask, "cur"].mean())
    invest = t[t["strategy"] == "invest"]
    assert g.strategy_share("invest") == pytest.approx((invest["customer_share"].sum(), invest["value_share"].sum()))
    text = seg.grid_sentences(g).text("en")
    assert text.startswith(f"{len(both):,} customers are on the grid ({g.off_grid:,} without spend")
    assert f"{invest['customer_share'].sum():.1%} of them" in text


def test_value_grid_with_a_future_value():
    tx = random_log(200, seed=9)
    ids = sorted(tx["customer_id"].unique())
    future = pd.Series(np.arange(len(ids), dtype=float), index=ids)
    g = seg.value_grid(tx, window="6M", future_value=future)
    assert g.y_kind == "future" and g.off_grid == 0 and len(g.grid.cells) == len(ids)
    np.testing.assert_allclose(g.grid.cells.loc[ids, "y"], future.to_numpy())
    assert {"y_level_future", "y_mean_future", "strategy"} <= set(g.table.columns)
    assert set(g.table["strategy"]) <= set(STRATEGIES)
    shown = seg.table("grid", g.table, record=False).to_frame("zh")
    assert set(shown["策略"]) <= {"持续投入", "深度挖潜", "稳定维持", "调整优化", "策略退出"}
    with pytest.raises(ValueError, match="not in the log"):
        seg.value_grid(tx, future_value=pd.Series([1.0], index=["nobody"]))


def test_value_grid_is_skipped_without_two_windows_of_history():
    tx = log([("a", "2024-02-01", 1.0), ("b", "2024-06-30", 2.0)])
    skipped = seg.value_grid(tx, window="3M")
    assert isinstance(skipped, Skipped) and not skipped
    assert "3M" in skipped.text("en") and "growth_window" in skipped.text("zh")
    assert seg.grid_sentences(skipped).text("en") == "" and seg.part(skipped, "table") is skipped
    assert not isinstance(seg.value_grid(tx, window="2M"), Skipped)


# ================================================================== lifecycle

def test_lifecycle_study_table_matches_the_stages(sample, cdnow_sample):
    case, _ = sample
    study = seg.lifecycle_study(case)
    stages = lifecycle_stages(cdnow_sample, observation_end="1998-06-30")
    pd.testing.assert_frame_equal(study.stages, stages)
    table = study.table
    assert table.index.tolist() == list(STAGES)
    spend = cdnow_sample.groupby("customer_id")["amount"].sum()
    for stage in table.index:
        members = stages.index[stages["stage"] == stage]
        assert table.loc[stage, "customers"] == len(members)
        assert table.loc[stage, "value_share"] == pytest.approx(spend[members].sum() / spend.sum())
        if len(members):
            assert table.loc[stage, "tenure_mean"] == pytest.approx(stages.loc[members, "tenure"].mean())
    shares = study.shares()
    assert shares.index.tolist() == list(STAGES) and shares.sum() == pytest.approx(1.0)
    assert shares["lapse"] == pytest.approx((stages["stage"] == "lapse").mean())
    assert seg.lifecycle_study(cdnow_sample, lapse_gaps=6.0).stages.attrs["rules"]["lapse_gaps"] == 6.0
    other = shares.drop("lapse").idxmax()
    assert shares.idxmax() == "lapse" and seg.lifecycle_sentences(study).text("en") == (
        f"Most customers are in lapse ({shares['lapse']:.1%}); of the others, the largest stage is "
        f"{label(other)} with {shares[other]:.1%} of all customers.")
    young = seg.lifecycle_study(log([("a", "2024-06-28", 1.0), ("b", "2024-06-20", 2.0), ("b", "2024-06-25", 1.0)]),
                                observation_end="2024-06-30")
    assert young.shares()["cultivation"] == 1.0
    assert seg.lifecycle_sentences(young).text("zh") == "人数最多的阶段是培育期，占客户的 100.0%；处于消失期的客户占 0.0%。"


# ================================================================== migration

def quarters_log():
    """Ten customers over Q1–Q3 2024 and a partial Q4."""
    rng = np.random.default_rng(4)
    rows = []
    for q, day in enumerate(["2024-02-10", "2024-05-10", "2024-08-10", "2024-10-05"]):
        for i in range(10):
            if rng.random() < 0.8:
                rows.append((f"u{i}", day, float(rng.integers(1, 100))))
    return log(rows)


def test_migration_study_drops_the_partial_period_and_counts_flows_by_hand():
    tx = quarters_log()
    shares = {"gold": 0.2, "silver": 0.3, "bronze": 0.5}
    m = seg.migration_study(tx, shares=shares, observation_end="2024-10-20")
    assert m.dropped == ["2024Q4"] and [str(p) for p in m.tiers.columns] == ["2024Q1", "2024Q2", "2024Q3"]
    assert (str(m.period_a), str(m.period_b)) == ("2024Q2", "2024Q3") and m.top_tier == "gold"
    tiers = tiers_by_period(tx, shares=shares, observation_end="2024-10-20")
    direct = tier_migration(tiers[m.period_a], tiers[m.period_b])
    assert m.result.counts.to_numpy().tolist() == direct.counts.to_numpy().tolist()
    over = m.over_time
    assert over["period"].unique().tolist() == ["2024Q2", "2024Q3"]
    for before, after in (("2024Q1", "2024Q2"), ("2024Q2", "2024Q3")):
        for tier in ("gold", "silver", "bronze"):
            a = set(tiers.index[tiers[pd.Period(before)] == tier])
            b = set(tiers.index[tiers[pd.Period(after)] == tier])
            row = over[(over["period"] == after) & (over["tier"] == tier)].iloc[0]
            assert (row["size_before"], row["size_after"]) == (len(a), len(b))
            assert (row["exited"], row["entered"], row["stayed"]) == (len(a - b), len(b - a), len(a & b))
            assert row["hidden_churn"] == min(len(a - b), len(b - a))
    top = m.top_flows().astype(int)
    assert top["hidden_churn"] == m.result.flows.loc["gold", "hidden_churn"]
    assert seg.migration_sentences(m).text("en") == (
        f"From 2024Q2 to 2024Q3 the Gold tier went from {top['size_before']} to {top['size_after']} members; "
        f"{top['exited']} left and {top['entered']} arrived, so {top['hidden_churn']} departures are hidden "
        "behind the size.")


def test_migration_study_keeps_a_period_that_ends_on_the_observation_end():
    tx = quarters_log()
    m = seg.migration_study(tx, observation_end="2024-09-30")
    assert m.dropped == [] and str(m.period_b) == "2024Q3"
    abc = seg.migration_study(tx, method="abc", observation_end="2024-09-30")
    assert abc.top_tier == "A" and abc.result.counts.index[-1] == "new" and abc.result.counts.columns[-1] == "lapsed"
    assert "hidden_churn" in abc.flows.columns
    skipped = seg.migration_study(tx, period="Y")
    assert isinstance(skipped, Skipped) and "tier_period" in skipped.text("en")
    assert seg.migration_sentences(skipped).text("zh") == ""


# ================================================================== key figures

@pytest.fixture(scope="module")
def study(sample):
    case, scores = sample
    return dict(scores=scores, concentration=seg.value_concentration(scores),
                clusters=seg.cluster_study(scores, n_boot=3, seed=2024), grid=seg.value_grid(case),
                lifecycle=seg.lifecycle_study(case), migration=seg.migration_study(case))


def test_segmentation_figures_are_plain_consistent_and_bilingual(study):
    figures = seg.segmentation_figures(**study)
    names = [f["name"] for f in figures]
    assert len(set(names)) == len(names)
    for f in figures:
        _plain(f["value"], f["name"])  # refuses NaN and non-plain types
        assert set(f) == {"name", "value", "unit", "label", "headline"}
        assert set(f["label"]) == {"en", "zh"} and f["label"]["en"] != f["label"]["zh"]
        assert re.search(r"[\u4e00-\u9fff]", f["label"]["zh"]), f["name"]
    values = {f["name"]: f["value"] for f in figures}
    scores = study["scores"]
    x = scores["monetary"].to_numpy()
    assert values["customers"] == 2357 and values["observation_end"] == "1998-06-30"
    assert values["gini"] == pytest.approx(np.abs(x[:, None] - x[None, :]).sum() / (2 * len(x) ** 2 * x.mean()),
                                           abs=1e-6)
    assert values["abc_a_customer_share"] == pytest.approx((abc_classes(scores["monetary"]) == "A").mean())
    segments = rfm_segments(scores, "rf10")
    assert values["rf10_largest_segment"] == segments.value_counts().idxmax() == "hibernating"
    assert values["rf10_largest_segment_share"] == pytest.approx(segments.value_counts().max() / 2357)
    assert sum(values[f"lifecycle_share_{s}"] for s in STAGES) == pytest.approx(1.0)
    flows = study["migration"].result.flows.loc["gold"]
    assert values["top_tier_hidden_churn"] == min(flows["exited"], flows["entered"])
    assert values["migration_periods"] == "1998Q1 → 1998Q2"
    assert values["cluster_k"] == study["clusters"].result.k_
    assert 0 < values["cluster_ari_mean"] <= 1
    labels = {f["name"]: f["label"] for f in figures}
    assert labels["gini"]["zh"] == "客户消费金额基尼系数" and "金牌" in labels["top_tier_hidden_churn"]["zh"]
    assert labels["top_tier_hidden_churn"]["en"] == "Hidden churn of the Gold tier"
    assert labels["lifecycle_share_lapse"]["zh"] == "处于消失期的客户占比"
    skipped = seg.segmentation_figures(**{**study, "grid": Skipped("nine_grid", "skipped_grid", "segmentation",
                                                                   {"window": "6M"})})
    assert not any(f["name"].startswith("grid_") for f in skipped)


# ================================================================== the recorded tables and the catalogue

def _study_tables(study):
    c, clusters, grid, life, m = (study[k] for k in ("concentration", "clusters", "grid", "lifecycle", "migration"))
    scores = study["scores"]
    return {"score_levels": seg.score_levels(scores), "rf_heatmap": seg.rf_cells(scores),
            "rf10_segments": seg.segment_table(scores, "rf10"), "cn8_segments": seg.segment_table(scores, "cn8"),
            "abc_classes": c.abc, "k_selection": clusters.k_table, "cluster_profiles": clusters.profile,
            "cluster_stability": clusters.stability_table, "nine_grid": grid.table, "lifecycle": life.table,
            "tier_flows": m.flows, "tier_flows_over_time": m.over_time}


def test_every_recorded_column_has_a_documented_bilingual_entry(study):
    for name, frame in _study_tables(study).items():
        shown = seg.table(name, frame, record=False)
        for column in shown.data.columns:
            assert has_label(column, seg.CONTEXT), (name, column)
            found = entry(column, seg.CONTEXT)
            assert found.en and found.zh and found.doc, (name, column)


def test_en_and_zh_record_identical_tables(study, tmp_path, monkeypatch):
    from cvm_lib import results

    files = {}
    for lang in ("en", "zh"):
        folder = tmp_path / lang
        monkeypatch.setenv(results.RESULTS_DIR_ENV, str(folder))
        monkeypatch.setenv(results.STUDY_ENV, "01_segmentation")
        set_display(lang, "$")
        for name, frame in _study_tables(study).items():
            seg.table(name, frame, split="mean")
        files[lang] = {p.name: p.read_bytes() for p in sorted(folder.glob("*.csv"))}
    assert len(files["en"]) == 12 and files["en"] == files["zh"]
    header = files["zh"]["01_segmentation__cn8_segments.csv"].decode("utf-8-sig").splitlines()[0]
    assert header == ("segment,r_level,f_level,m_level,customers,customer_share,value,value_share,recency_mean,"
                      "frequency_mean,monetary_mean")


def test_chinese_tables_read_cleanly(study):
    raw_float = re.compile(r"\d\.\d{4,}")
    latin_only = {"R", "F", "BIC", "AIC"}
    for name, frame in _study_tables(study).items():
        shown = seg.table(name, frame, record=False).to_frame("zh")
        for header in shown.columns:
            assert re.search(r"[\u4e00-\u9fff]", header) or header in latin_only, (name, header)
        cells = shown.astype(str).to_numpy().ravel().tolist()
        assert not [c for c in cells if raw_float.search(c)], name
        assert not [c for c in cells if c.lower() in ("nan", "none", "<na>")], name
        assert not [c for c in cells if c in ("champions", "cultivation", "gold", "invest", "high", "low")], name
