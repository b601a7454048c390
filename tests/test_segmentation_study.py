"""Tests of cvm_lib.segmentation.study (the single-call glue of the segmentation notebook)
and of its figures in cvm_lib.plots.segmentation. Expected values are recomputed
independently (masks, sorting, sets), not through the functions under test."""

from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from sklearn.metrics import adjusted_rand_score  # noqa: E402

from cvm_lib.datasets import cdnow  # noqa: E402
from cvm_lib.results import _plain  # noqa: E402
from cvm_lib.segmentation import (  # noqa: E402
    RF10_LABELS, RF10_MAP, STAGES, abc_classes, cluster_study, lifecycle_stages, lifecycle_study, migration_study,
    rf_heatmap_table, rfm_scores, rfm_segments, rfm_study_scores, rfm_table, score_levels_table, segment_table,
    segmentation_figures, study_label, tier_migration, tiers_by_period, value_concentration, value_grid,
    window_spend,
)


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
def sample():
    tx = cdnow(sample=True)
    return tx, rfm_study_scores(tx, observation_end="1998-06-30", time_unit="W")


# ================================================================== RFM tables

def test_rfm_study_scores_is_the_table_then_the_scores(sample):
    tx, scores = sample
    expected = rfm_scores(rfm_table(tx, observation_end="1998-06-30", time_unit="W"))
    pd.testing.assert_frame_equal(scores, expected)
    assert scores.attrs["observation_end"] == "1998-06-30" and scores.attrs["time_unit"] == "W"
    assert rfm_study_scores(tx, bins=3)[["R", "F", "M"]].max().tolist() == [3, 3, 3]


def test_score_levels_table_counts_and_ranges(sample):
    _, scores = sample
    table = score_levels_table(scores)
    assert len(table) == 15
    assert table["Score"].tolist()[:5] == [5, 4, 3, 2, 1]  # best score first
    for letter, column, block in zip("RFM", ("recency", "frequency", "monetary"), range(3)):
        part = table.iloc[5 * block: 5 * block + 5]
        assert part["Dimension"].str.startswith(letter).all()
        for _, row in part.iterrows():
            members = scores.loc[scores[letter] == row["Score"], column]
            assert row["Customers"] == len(members)
            assert row["Minimum"] == members.min() and row["Maximum"] == members.max()
            assert row["Mean"] == pytest.approx(members.mean())
    assert "weeks" in table["Dimension"].iloc[0]
    zh = score_levels_table(scores, lang="zh")
    assert zh.columns.tolist() == ["维度", "评分", "客户数", "最小值", "均值", "最大值"]
    assert "周" in zh["维度"].iloc[0]


def test_rf_heatmap_table_mean_spend_per_cell(sample):
    _, scores = sample
    table = rf_heatmap_table(scores)
    r, f, n, m, seg = table.columns
    assert len(table) == 25 and table[n].sum() == len(scores)
    assert table[r].tolist() == sorted(table[r].tolist(), reverse=True)  # high R (recent) first
    for _, row in table.iterrows():
        mask = (scores["R"] == row[r]) & (scores["F"] == row[f])
        assert row[n] == mask.sum()
        if mask.any():
            assert row[m] == pytest.approx(scores.loc[mask, "monetary"].mean())
        else:
            assert np.isnan(row[m])
        assert row[seg] == RF10_LABELS[RF10_MAP[(row[r], row[f])]][0]
    # In this one-quarter acquisition cohort nobody is recent with a single purchase day.
    assert table.loc[(table[r] == 5) & (table[f] == 1), n].item() == 0
    # A custom value and other bin counts.
    doubled = rf_heatmap_table(scores, scores["monetary"] * 2)
    np.testing.assert_allclose(doubled.iloc[:, 3], table[m] * 2)
    three = rf_heatmap_table(rfm_scores(scores[["recency", "frequency", "monetary"]], bins=3), lang="zh")
    assert len(three) == 9 and "客户群" not in three.columns and "客户数" in three.columns
    with pytest.raises(ValueError, match="same customers"):
        rf_heatmap_table(scores, scores["monetary"].iloc[:-1])


def test_segment_tables_match_the_segment_maps(sample):
    _, scores = sample
    rf10 = segment_table(scores, "rf10")
    counts = rfm_segments(scores, "rf10").value_counts()
    assert rf10["Customers"].to_dict() == {k: int(counts.get(k, 0)) for k in rf10.index}
    assert rf10.loc["Champions", "Cells"] == "R 5 · F 4–5"
    assert rf10.loc["New", "Cells"] == "R 5 · F 1"
    total = scores["monetary"].sum()
    for name in ("Champions", "Hibernating"):
        members = rfm_segments(scores, "rf10") == name
        assert rf10.loc[name, "Share of value"] == pytest.approx(scores.loc[members.to_numpy(), "monetary"].sum()
                                                                 / total)
    assert rf10["Share of value"].sum() == pytest.approx(1.0)

    # cn8 by hand: each score high when strictly above its mean (or median).
    for split, centre in (("mean", np.mean), ("median", np.median)):
        cn8 = segment_table(scores, "cn8", split=split, lang="zh")
        high = {c: scores[c].to_numpy() > centre(scores[c].to_numpy()) for c in "RFM"}
        important_value = high["R"] & high["F"] & high["M"]
        general_winback = ~high["R"] & ~high["F"] & ~high["M"]
        assert cn8.loc["重要价值客户", "客户数"] == important_value.sum()
        assert cn8.loc["一般挽留客户", "客户数"] == general_winback.sum()
        assert cn8.loc["重要价值客户", "价值占比"] == pytest.approx(
            scores["monetary"].to_numpy()[important_value].sum() / total)
        assert cn8["客户数"].sum() == len(scores) and len(cn8) == 8
        assert cn8.loc["重要价值客户", "划分规则"].startswith("R 高 · F 高 · M 高")
    mean_cn8 = segment_table(scores, "cn8")
    assert mean_cn8.index[0] == "Important value" and "(vs mean)" in mean_cn8.iloc[0, 0]


def test_rf10_table_rescores_other_bin_counts_into_quintiles(sample):
    _, scores = sample
    three = rfm_scores(scores[["recency", "frequency", "monetary"]], bins=3)
    table = segment_table(three, "rf10")
    quintiles = rfm_segments(rfm_scores(scores[["recency", "frequency", "monetary"]], bins=5), "rf10")
    assert table["Customers"].to_dict() == quintiles.value_counts().reindex(table.index).to_dict()
    with pytest.raises(ValueError, match="scheme"):
        segment_table(scores, "rfm27")
    with pytest.raises(ValueError, match="split"):
        segment_table(scores, "cn8", split="mode")


# ================================================================== concentration

def test_value_concentration_hand_case():
    c = value_concentration(pd.Series([50.0, 5, 20, 10, 15], index=list("abcde")))
    assert c.classes.to_dict() == {"a": "A", "b": "C", "c": "A", "d": "B", "e": "B"}
    assert c.gini == pytest.approx(0.4)
    assert (c.top.customers, c.top.value_share) == (1, 0.5)
    assert (c.core.customers, c.core.value_share) == (3, 0.85)  # 50 + 20 + 15 reach 80%
    assert c.a_customer_share == 0.4 and c.a_value_share == pytest.approx(0.7)
    assert c.abc["Customers"].tolist() == [2, 2, 1]
    assert c.abc["Rule"].iloc[0] == "top customers up to 70% of value"
    assert value_concentration(pd.Series([50.0, 5, 20, 10, 15]), lang="zh").statement == "20.0% 的客户贡献了 50.0% 的价值"


def test_value_concentration_matches_an_independent_computation():
    rng = np.random.default_rng(7)
    v = pd.Series(np.round(rng.lognormal(3, 1.3, 997), 2), index=[f"k{i:04d}" for i in range(997)])
    c = value_concentration(v, thresholds=(0.6, 0.85))
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
    assert c.abc["Share of value"].sum() == pytest.approx(1.0) and c.abc["Customers"].sum() == len(v)
    assert c.curve.iloc[0].tolist() == [0.0, 0.0] and c.curve.iloc[-1].tolist() == pytest.approx([1.0, 1.0])
    assert (np.diff(c.curve["value_share"]) >= -1e-15).all()


def test_value_concentration_takes_the_scores_table(sample):
    _, scores = sample
    assert value_concentration(scores).gini == value_concentration(scores["monetary"]).gini
    with pytest.raises(ValueError, match="monetary"):
        value_concentration(scores[["R", "F"]])


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
    c = cluster_study(scores, k_range=range(2, 6), n_boot=5, seed=11)
    assert c.result.k_ == 3
    assert adjusted_rand_score(truth, c.result.labels_) == pytest.approx(1.0)
    assert c.stability.mean_ > 0.95 and len(c.stability.ari_) == 5
    k_table = c.k_table
    assert k_table.index.tolist() == [2, 3, 4, 5] and k_table["Chosen"].tolist() == [False, True, False, False]
    assert k_table["Silhouette"].idxmax() == 3
    # Profiles: sizes, value shares and the pattern of the planted best group.
    profile = c.profile
    assert profile["Customers"].tolist() == [120, 80, 50]  # largest cluster first
    assert profile["Share of value"].sum() == pytest.approx(1.0)
    assert profile["Mean spend"].iloc[0] == pytest.approx(scores["monetary"].iloc[:120].mean())
    assert profile["R / F / M vs average"].tolist()[0] == "R↑ F↑ M↑"
    assert profile["R / F / M vs average"].tolist()[2] == "R↓ F↓ M↓"
    # z: standardised means, so their size-weighted average is 0 and the order follows the means.
    weights = profile["Customers"].to_numpy()[:, None]
    np.testing.assert_allclose((c.z.to_numpy() * weights).sum(axis=0) / weights.sum(), 0, atol=1e-12)
    assert c.z["Recency"].idxmin() == 0 and c.z["Monetary"].idxmax() == 0
    assert c.stability_table["Value"].iloc[0] == 3
    again = cluster_study(scores, k_range=range(2, 6), n_boot=5, seed=11)
    pd.testing.assert_series_equal(again.result.labels_, c.result.labels_)
    assert again.stability.ari_.tolist() == c.stability.ari_.tolist()


def test_cluster_study_fixed_k_mixture_and_chinese_labels():
    scores, _ = planted()
    c = cluster_study(scores, method="gmm", k=3, n_boot=2, seed=1, lang="zh")
    assert c.k_table.index.tolist() == [3] and c.k_table["选定"].tolist() == [True]
    assert {"BIC", "AIC", "轮廓系数"} <= set(c.k_table.columns)
    assert c.z.columns.tolist() == ["最近购买间隔", "购买频次", "消费金额"]
    assert c.profile.index.name == "聚类" and c.result.criterion == "bic"


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
    g = value_grid(tx, window="6M")
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
    assert t["Customers"].sum() == len(both) and t["Share of value"].sum() == pytest.approx(1.0)
    top = t[(t["Current value"] == "high") & (t["Growth"] == "high")].iloc[0]
    t2 = g.grid.cuts["x"][1], g.grid.cuts["y"][1]
    mask = (both["cur"] > t2[0]) & (both["cur"] - both["prev"] > t2[1])
    assert top["Customers"] == mask.sum() and top["Strategy"] == "Invest"
    assert top["Mean current value"] == pytest.approx(both.loc[mask, "cur"].mean())
    assert g.x_label == "Current value: spend in the last 6 months"
    invest = t[t["Strategy"] == "Invest"]
    assert g.strategy_share("invest") == pytest.approx((invest["Share of customers"].sum(),
                                                        invest["Share of value"].sum()))


def test_value_grid_with_a_future_value_and_in_chinese():
    tx = random_log(200, seed=9)
    ids = sorted(tx["customer_id"].unique())
    future = pd.Series(np.arange(len(ids), dtype=float), index=ids)
    g = value_grid(tx, window="6M", future_value=future, lang="zh")
    assert g.y_kind == "future" and g.off_grid == 0 and len(g.grid.cells) == len(ids)
    np.testing.assert_allclose(g.grid.cells.loc[ids, "y"], future.to_numpy())
    assert g.y_label == "预测未来价值" and g.x_label == "当前价值：最近 6 个月消费金额"
    assert {"未来价值", "平均未来价值", "策略"} <= set(g.table.columns)
    assert set(g.table["策略"]) <= {"持续投入", "深度挖潜", "稳定维持", "调整优化", "策略退出"}
    with pytest.raises(ValueError, match="not in the log"):
        value_grid(tx, future_value=pd.Series([1.0], index=["nobody"]))


# ================================================================== lifecycle

def test_lifecycle_study_table_matches_the_stages(sample):
    tx, _ = sample
    study = lifecycle_study(tx, observation_end="1998-06-30")
    stages = lifecycle_stages(tx, observation_end="1998-06-30")
    pd.testing.assert_frame_equal(study.stages, stages)
    table = study.table
    assert table.index.tolist() == ["Cultivation", "Confirmation", "Trust", "Decline", "Lapse"]
    spend = tx.groupby("customer_id")["amount"].sum()
    for stage in table.index:
        members = stages.index[stages["stage"] == stage]
        assert table.loc[stage, "Customers"] == len(members)
        assert table.loc[stage, "Share of value"] == pytest.approx(spend[members].sum() / spend.sum())
        if len(members):
            assert table.loc[stage, "Mean tenure (days)"] == pytest.approx(stages.loc[members, "tenure"].mean())
    shares = study.shares()
    assert shares.index.tolist() == list(STAGES) and shares.sum() == pytest.approx(1.0)
    assert shares["lapse"] == pytest.approx((stages["stage"] == "Lapse").mean())
    zh = lifecycle_study(tx, lang="zh", lapse_gaps=6.0)
    assert zh.table.index.tolist() == ["培育期", "确认期", "信任期", "弱化期", "消失期"]
    assert zh.stages.attrs["rules"]["lapse_gaps"] == 6.0


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
    m = migration_study(tx, shares=shares, observation_end="2024-10-20")
    assert m.dropped == ["2024Q4"] and [str(p) for p in m.tiers.columns] == ["2024Q1", "2024Q2", "2024Q3"]
    assert (str(m.period_a), str(m.period_b)) == ("2024Q2", "2024Q3") and m.top_tier == "gold"
    tiers = tiers_by_period(tx, shares=shares, observation_end="2024-10-20")
    direct = tier_migration(tiers[m.period_a], tiers[m.period_b])
    assert m.counts.to_numpy().tolist() == direct.counts.to_numpy().tolist()
    assert m.counts.index.name == "Tier in 2024Q2" and m.counts.columns.name == "Tier in 2024Q3"
    # Flows over time by hand, with sets of members.
    over = m.over_time
    assert over["Period"].unique().tolist() == ["2024Q2", "2024Q3"]
    for before, after in (("2024Q1", "2024Q2"), ("2024Q2", "2024Q3")):
        for tier in ("gold", "silver", "bronze"):
            a = set(tiers.index[tiers[pd.Period(before)] == tier])
            b = set(tiers.index[tiers[pd.Period(after)] == tier])
            row = over[(over["Period"] == after) & (over["Tier"] == tier)].iloc[0]
            assert (row["Size before"], row["Size after"]) == (len(a), len(b))
            assert (row["Exited"], row["Entered"], row["Stayed"]) == (len(a - b), len(b - a), len(a & b))
            assert row["Hidden churn"] == min(len(a - b), len(b - a))
    assert m.top_flows()["hidden_churn"] == m.result.flows.loc["gold", "hidden_churn"]


def test_migration_study_keeps_a_period_that_ends_on_the_observation_end():
    tx = quarters_log()
    m = migration_study(tx, observation_end="2024-09-30")
    assert m.dropped == [] and str(m.period_b) == "2024Q3"
    abc = migration_study(tx, method="abc", observation_end="2024-09-30", lang="zh")
    assert abc.top_tier == "A" and abc.counts.index[-1] == "新进入" and abc.counts.columns[-1] == "流失"
    assert "隐性流失" in abc.flows.columns
    with pytest.raises(ValueError, match="two complete periods"):
        migration_study(tx, period="Y")


# ================================================================== key figures and labels

@pytest.fixture(scope="module")
def study(sample):
    tx, scores = sample
    parts = {}
    for lang in ("en", "zh"):
        parts[lang] = dict(
            scores=scores, concentration=value_concentration(scores, lang=lang),
            clusters=cluster_study(scores, n_boot=3, seed=2024, lang=lang),
            grid=value_grid(tx, observation_end="1998-06-30", lang=lang),
            lifecycle=lifecycle_study(tx, observation_end="1998-06-30", lang=lang),
            migration=migration_study(tx, observation_end="1998-06-30", lang=lang))
    return parts


def test_segmentation_figures_are_plain_consistent_and_bilingual(study):
    en = segmentation_figures(**study["en"])
    zh = segmentation_figures(**study["zh"], lang="zh")
    names = [f["name"] for f in en]
    assert len(set(names)) == len(names) and names == [f["name"] for f in zh]
    for f in en + zh:
        _plain(f["value"], f["name"])  # refuses NaN and non-plain types
        assert set(f) == {"name", "value", "unit", "label", "headline"}
    values = {f["name"]: f["value"] for f in en}
    scores = study["en"]["scores"]
    x = scores["monetary"].to_numpy()
    assert values["customers"] == 2357 and values["observation_end"] == "1998-06-30"
    assert values["gini"] == pytest.approx(np.abs(x[:, None] - x[None, :]).sum() / (2 * len(x) ** 2 * x.mean()),
                                           abs=1e-6)
    assert values["abc_a_customer_share"] == pytest.approx((abc_classes(scores["monetary"]) == "A").mean())
    assert values["pareto_statement"].endswith("of value")
    segments = rfm_segments(scores, "rf10")
    assert values["rf10_largest_segment"] == segments.value_counts().idxmax()
    assert values["rf10_largest_segment_share"] == pytest.approx(segments.value_counts().max() / 2357)
    assert sum(values[f"lifecycle_share_{s}"] for s in STAGES) == pytest.approx(1.0)
    flows = study["en"]["migration"].result.flows.loc["gold"]
    assert values["top_tier_hidden_churn"] == min(flows["exited"], flows["entered"])
    assert values["migration_periods"] == "1998Q1 → 1998Q2"
    assert values["cluster_k"] == study["en"]["clusters"].result.k_
    assert 0 < values["cluster_ari_mean"] <= 1
    zh_labels = {f["name"]: f["label"] for f in zh}
    assert zh_labels["gini"] == "客户价值基尼系数" and "金牌" in zh_labels["top_tier_hidden_churn"]
    assert {f["name"]: f["value"] for f in zh}["rf10_largest_segment"] == "沉睡客户"
    assert all(f["label"] != g["label"] for f, g in zip(en, zh))


def test_study_label_fills_fields_and_passes_unknown_keys():
    assert study_label("from", "zh", period="2024Q1") == "2024Q1 层级"
    assert study_label("no such key", "zh") == "no such key"
    with pytest.raises(ValueError, match="lang"):
        study_label("customers", "fr")


def test_study_figures_render_in_both_languages_without_missing_glyphs(study, tmp_path):
    from cvm_lib import plots
    from cvm_lib.plots import segmentation as sp

    for lang in ("en", "zh"):
        parts = study[lang]
        scores = parts["scores"]
        plots.set_theme(lang)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # "Glyph ... missing from font(s)" and deprecations fail
            figures = {
                "rf": sp.plot_rf_heatmap(rf_heatmap_table(scores, lang=lang), lang=lang),
                "rf10": sp.plot_segment_sizes(segment_table(scores, "rf10", lang=lang), scheme="rf10", lang=lang),
                "cn8": sp.plot_segment_sizes(segment_table(scores, "cn8", lang=lang), scheme="cn8", lang=lang),
                "lorenz": sp.plot_concentration(parts["concentration"], lang=lang),
                "k": sp.plot_k_selection(parts["clusters"].k_table, lang=lang),
                "profiles": sp.plot_cluster_profiles(parts["clusters"], lang=lang),
                "grid": sp.plot_nine_grid(parts["grid"], lang=lang),
                "lifecycle": sp.plot_lifecycle(parts["lifecycle"].table, lang=lang),
                "migration": sp.plot_migration(parts["migration"], lang=lang),
                "hidden": sp.plot_hidden_churn(parts["migration"], lang=lang),
            }
            for key, fig in figures.items():
                fig.savefig(tmp_path / f"{key}_{lang}.png")
                texts = [t.get_text() for ax in fig.axes for t in (ax.title, ax.xaxis.label, ax.yaxis.label)]
                texts += [t.get_text() for ax in fig.axes for t in ax.texts] + [fig._suptitle.get_text()
                                                                              if fig._suptitle else ""]
                joined = " ".join(texts)
                if lang == "zh":
                    assert any("\u4e00" <= ch <= "\u9fff" for ch in joined), key
                else:
                    assert not any("\u4e00" <= ch <= "\u9fff" for ch in joined), key
                plt.close(fig)
    # Nine-grid annotations carry the strategies; the migration heatmap the counts.
    plots.set_theme("zh")
    fig = sp.plot_nine_grid(study["zh"]["grid"], lang="zh")
    assert any("持续投入" in t.get_text() for t in fig.axes[0].texts)
    plt.close(fig)


def test_plots_refuse_a_table_in_another_language(study):
    from cvm_lib.plots import segmentation as sp

    with pytest.raises(ValueError, match="lang='zh'"):
        sp.plot_lifecycle(study["en"]["lifecycle"].table, lang="zh")
