"""The segmentation study in single calls: the tables, result objects and key figures
behind ``notebooks/01_segmentation.ipynb``.

Each function here wraps the building blocks of :mod:`cvm_lib.segmentation` so that a
notebook cell is one call followed by one table or figure. Tables come labelled in
``lang`` (column names, segment, stage, tier and strategy names), ready to show and to
record with :func:`cvm_lib.results.record_table`; :func:`segmentation_figures` gives the
key figures for :func:`cvm_lib.results.record_many`.

=============================  ===========================================================
function                       what it gives
=============================  ===========================================================
:func:`rfm_study_scores`       RFM values and 1..bins scores per customer, in one call
:func:`score_levels_table`     range and mean of recency / frequency / spend per score
:func:`rf_heatmap_table`       customers and mean spend in every R×F cell (long form)
:func:`segment_table`          size, value share and mean RFM per rf10 / cn8 segment
:func:`value_concentration`    Gini, Lorenz curve, Pareto points and ABC classes
:func:`cluster_study`          clustering with the k-selection scores, profiles and ARI
:func:`window_spend`           spend per customer in the current and the previous window
:func:`value_grid`             the value nine-grid on current value × growth (or future value)
:func:`lifecycle_study`        lifecycle stages with size and value share per stage
:func:`migration_study`        tiers per period, migration between the last two complete
                               periods, flows and hidden churn over time
:func:`segmentation_figures`   the study's key figures (records for ``record_many``)
=============================  ===========================================================
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cvm_lib.labels import check_lang
from cvm_lib.labels import label as _unit_label
from cvm_lib.segmentation._common import CN8_LABELS, RF10_LABELS, STAGE_LABELS, as_numeric_series, name
from cvm_lib.segmentation.clustering import (CLUSTER_SAMPLE, ClusterResult, StabilityResult, cluster_customers,
                                             cluster_stability)
from cvm_lib.segmentation.grid import NineGridResult, nine_grid
from cvm_lib.segmentation.lifecycle import STAGES, lifecycle_stages
from cvm_lib.segmentation.migration import MigrationResult, tier_migration, tiers_by_period
from cvm_lib.segmentation.pareto import ParetoPoint, abc_classes, gini, lorenz_curve, pareto_point
from cvm_lib.segmentation.rfm import CN8_MAP, RF10_MAP, rfm_scores, rfm_segments, rfm_table, segment_summary

__all__ = ["study_label", "rfm_study_scores", "score_levels_table", "rf_heatmap_table", "segment_table",
           "ConcentrationResult", "value_concentration", "ClusterStudy", "cluster_study", "window_spend",
           "ValueGridStudy", "value_grid", "LifecycleStudy", "lifecycle_study", "MigrationStudy",
           "migration_study", "segmentation_figures"]

_RFM = ("recency", "frequency", "monetary")

# --------------------------------------------------------------------------- labels
# key: (English, 中文). ``{unit}`` is filled with the time unit of recency.
_TEXT: dict[str, tuple[str, str]] = {
    # RFM
    "customer_id": ("Customer", "客户"),
    "dimension": ("Dimension", "维度"),
    "score": ("Score", "评分"),
    "min": ("Minimum", "最小值"),
    "mean": ("Mean", "均值"),
    "max": ("Maximum", "最大值"),
    "R": ("R score (5 = most recent)", "R 评分（5 = 最近）"),
    "F": ("F score (5 = most frequent)", "F 评分（5 = 最频繁）"),
    "M": ("M score (5 = highest spend)", "M 评分（5 = 消费最高）"),
    "dim_R": ("R · recency ({unit} since the last purchase)", "R · 最近购买（距末次购买{unit}数）"),
    "dim_F": ("F · frequency (purchase days)", "F · 频次（购买天数）"),
    "dim_M": ("M · monetary (total spend)", "M · 金额（累计消费）"),
    "segment": ("Segment", "客户群"),
    "definition": ("Cells", "划分规则"),
    "customers": ("Customers", "客户数"),
    "customer_share": ("Share of customers", "客户占比"),
    "value": ("Value (spend)", "价值（消费金额）"),
    "value_share": ("Share of value", "价值占比"),
    "recency_mean": ("Mean recency ({unit})", "平均最近购买间隔（{unit}）"),
    "frequency_mean": ("Mean purchase days", "平均购买天数"),
    "monetary_mean": ("Mean spend", "平均消费金额"),
    "monetary_median": ("Median spend", "消费金额中位数"),
    "high": ("high", "高"),
    "low": ("low", "低"),
    # ABC
    "class": ("Class", "类别"),
    "rule": ("Rule", "规则"),
    "rule_first": ("top customers up to {hi:.0%} of value", "累计价值前 {hi:.0%} 的客户"),
    "rule_middle": ("next, from {lo:.0%} to {hi:.0%} of value", "累计价值 {lo:.0%} 至 {hi:.0%} 的客户"),
    "rule_last": ("the rest, last {rest:.0%} of value", "其余客户（最后 {rest:.0%} 的价值）"),
    # clustering
    "cluster": ("Cluster", "聚类"),
    "pattern": ("R / F / M vs average", "R / F / M 相对均值"),
    "k": ("k (clusters)", "k（聚类数）"),
    "silhouette": ("Silhouette", "轮廓系数"),
    "inertia": ("Inertia (within-cluster sum of squares)", "簇内平方和"),
    "bic": ("BIC", "BIC"),
    "aic": ("AIC", "AIC"),
    "chosen": ("Chosen", "选定"),
    "feature_recency": ("Recency", "最近购买间隔"),
    "feature_frequency": ("Frequency", "购买频次"),
    "feature_monetary": ("Monetary", "消费金额"),
    "statistic": ("Statistic", "统计量"),
    "stat_value": ("Value", "数值"),
    "stat_k": ("Clusters k", "聚类数 k"),
    "stat_n_boot": ("Bootstrap samples", "自助抽样次数"),
    "stat_customers": ("Customers resampled (seeded subsample above the cluster_sample)",
                       "参与抽样的客户数（超过 cluster_sample 时为固定种子的子样本）"),
    "stat_ari_mean": ("Mean ARI", "ARI 均值"),
    "stat_ari_std": ("Standard deviation of the ARI", "ARI 标准差"),
    "stat_ari_min": ("Minimum ARI", "ARI 最小值"),
    "stat_ari_q05": ("5% quantile of the ARI", "ARI 5% 分位数"),
    "stat_ari_median": ("Median ARI", "ARI 中位数"),
    "stat_ari_q95": ("95% quantile of the ARI", "ARI 95% 分位数"),
    # nine-grid
    "x_level": ("Current value", "当前价值"),
    "y_level_growth": ("Growth", "增长"),
    "y_level_future": ("Future value", "未来价值"),
    "strategy": ("Strategy", "策略"),
    "x_mean": ("Mean current value", "平均当前价值"),
    "y_mean_growth": ("Mean growth", "平均增长"),
    "y_mean_future": ("Mean future value", "平均未来价值"),
    "x_axis": ("Current value: spend in the last {window}", "当前价值：最近 {window}消费金额"),
    "y_axis_growth": ("Growth: change against the previous {window}", "增长：较前 {window}的变化"),
    "y_axis_future": ("Predicted future value", "预测未来价值"),
    "D": ("{n} days", "{n} 天"),
    "W": ("{n} weeks", "{n} 周"),
    "M_window": ("{n} months", "{n} 个月"),
    "Y": ("{n} years", "{n} 年"),
    # lifecycle
    "stage": ("Stage", "阶段"),
    "tenure_mean": ("Mean tenure (days)", "平均客户年龄（天）"),
    "purchase_days_mean": ("Mean purchase days", "平均购买天数"),
    "recency_days_mean": ("Mean days since the last purchase", "平均距末次购买天数"),
    "typical_gap_mean": ("Mean typical gap (days)", "平均购买间隔（天）"),
    # migration
    "tier": ("Tier", "层级"),
    "period": ("Period", "期间"),
    "from": ("Tier in {period}", "{period} 层级"),
    "to": ("Tier in {period}", "{period} 层级"),
    "size_before": ("Size before", "期初人数"),
    "size_after": ("Size after", "期末人数"),
    "net_change": ("Net change", "净变化"),
    "stayed": ("Stayed", "留在本层"),
    "entered": ("Entered", "进入"),
    "from_new": ("Entered from no tier", "由无层级进入"),
    "upgraded_in": ("Upgraded in", "升级进入"),
    "downgraded_in": ("Downgraded in", "降级进入"),
    "exited": ("Exited", "离开"),
    "lapsed": ("Lapsed (no purchase)", "流失（未购买）"),
    "upgraded_out": ("Upgraded out", "升级离开"),
    "downgraded_out": ("Downgraded out", "降级离开"),
    "retention": ("Retention in tier", "本层留存率"),
    "hidden_churn": ("Hidden churn", "隐性流失"),
}


def study_label(key: str, lang: str = "en", **fields: Any) -> str:
    """Label of a study table column or axis in ``lang``; unknown keys come back unchanged.

    Examples
    --------
    >>> study_label("value_share", "zh"), study_label("recency_mean", unit="weeks")
    ('价值占比', 'Mean recency (weeks)')
    """
    pair = _TEXT.get(key)
    if pair is None:
        return key
    text = pair[1] if check_lang(lang) == "zh" else pair[0]
    return text.format(**fields) if fields else text


def _unit_text(time_unit: Any, lang: str) -> str:
    if isinstance(time_unit, str):
        return _unit_label(time_unit, lang)
    return f"{time_unit:g} 天" if lang == "zh" else f"{time_unit:g}-day units"


def _rename(frame: pd.DataFrame, lang: str, **fields: Any) -> pd.DataFrame:
    """Columns (and the index name) of a study table in ``lang``."""
    out = frame.rename(columns={c: study_label(c, lang, **fields) for c in frame.columns})
    if out.index.name is not None:
        out.index.name = study_label(out.index.name, lang, **fields)
    return out


# --------------------------------------------------------------------------- RFM

def rfm_study_scores(tx: pd.DataFrame, *, observation_end: Any = None, time_unit: str | float = "W",
                     bins: int = 5) -> pd.DataFrame:
    """Marketing RFM values and scores per customer (:func:`rfm_table` then :func:`rfm_scores`).

    Recency is time since the last purchase in ``time_unit``, frequency the number of
    purchase days, monetary the total spend up to ``observation_end``; scores run 1..bins
    (quantile groups, ties split deterministically), RECENT = HIGH R.

    Examples
    --------
    >>> from cvm_lib.datasets import cdnow
    >>> scores = rfm_study_scores(cdnow(sample=True), observation_end="1998-06-30")
    >>> scores.columns.tolist(), len(scores)
    (['recency', 'frequency', 'monetary', 'R', 'F', 'M', 'RFM', 'score'], 2357)
    """
    return rfm_scores(rfm_table(tx, observation_end=observation_end, time_unit=time_unit), bins=bins)


def _check_scores(scores: pd.DataFrame, what: str) -> None:
    if not isinstance(scores, pd.DataFrame):
        raise ValueError(f"{what}: expected the scores table of rfm_study_scores(), got {type(scores).__name__}")
    missing = [c for c in (*_RFM, "R", "F", "M") if c not in scores.columns]
    if missing:
        raise ValueError(f"{what}: expected the scores table of rfm_study_scores() with columns recency, "
                         f"frequency, monetary, R, F, M; missing {missing}")


def score_levels_table(scores: pd.DataFrame, *, lang: str = "en") -> pd.DataFrame:
    """Customers and the range of the underlying value per score level of R, F and M.

    One row per (dimension, score): ``customers``, ``min``, ``mean``, ``max`` of
    recency (for R), purchase days (F) or total spend (M). Shows where the quantile
    boundaries fall and how ties shaped them.

    Examples
    --------
    >>> rfm = pd.DataFrame({"recency": [1.0, 5, 9, 20], "frequency": [4, 2, 1, 1],
    ...                     "monetary": [90.0, 40, 10, 5]}, index=list("abcd"))
    >>> t = score_levels_table(rfm_scores(rfm, bins=2))
    >>> t[["Score", "Customers", "Minimum", "Maximum"]].iloc[:2]
       Score  Customers  Minimum  Maximum
    0      2          2      1.0      5.0
    1      1          2      9.0     20.0
    """
    check_lang(lang)
    _check_scores(scores, "score_levels_table")
    unit = _unit_text(scores.attrs.get("time_unit", "D"), lang)
    rows = []
    for letter, column in zip("RFM", _RFM):
        grouped = scores[column].astype("float64").groupby(scores[letter].to_numpy(), sort=True)
        stats = pd.DataFrame({"customers": grouped.size(), "min": grouped.min(), "mean": grouped.mean(),
                              "max": grouped.max()}).sort_index(ascending=False)
        stats.insert(0, "score", stats.index.to_numpy(dtype=np.int64))
        stats.insert(0, "dimension", study_label(f"dim_{letter}", lang, unit=unit))
        rows.append(stats)
    out = pd.concat(rows, ignore_index=True)
    out["customers"] = out["customers"].astype("int64")
    return _rename(out, lang)


def _levels(scores: pd.DataFrame, letter: str) -> int:
    levels = scores.attrs.get("levels", {})
    column = dict(zip("RFM", _RFM))[letter]
    return int(levels.get(column, scores[letter].max()))


def rf_heatmap_table(scores: pd.DataFrame, value: pd.Series | None = None, *, lang: str = "en") -> pd.DataFrame:
    """Customers and mean value in every R×F cell, in long form (for the R×F heatmap).

    One row per cell, R from high to low, F from low to high, every cell present (an
    empty one with 0 customers and a missing mean). With 5×5 levels, the cell's
    segment in the 10-segment map is added.

    Parameters
    ----------
    scores : DataFrame
        :func:`rfm_study_scores` (or :func:`rfm_scores`) output.
    value : Series, optional
        Value averaged per cell, aligned to ``scores``; default its ``monetary`` column.
    lang : {"en", "zh"}

    Returns
    -------
    DataFrame
        Columns ``R``, ``F``, ``customers``, ``monetary_mean`` (and ``segment``),
        labelled in ``lang``.

    Examples
    --------
    >>> s = pd.DataFrame({"recency": [1.0, 2, 3], "frequency": [3, 1, 1], "monetary": [30.0, 10, 20],
    ...                   "R": [2, 2, 1], "F": [2, 1, 1], "M": [2, 1, 2]}, index=list("abc"))
    >>> t = rf_heatmap_table(s)
    >>> t.columns.tolist()
    ['R score (5 = most recent)', 'F score (5 = most frequent)', 'Customers', 'Mean spend']
    >>> t.to_numpy().tolist()
    [[2.0, 1.0, 1.0, 10.0], [2.0, 2.0, 1.0, 30.0], [1.0, 1.0, 1.0, 20.0], [1.0, 2.0, 0.0, nan]]
    """
    check_lang(lang)
    _check_scores(scores, "rf_heatmap_table")
    v = as_numeric_series(scores["monetary"] if value is None else value, "rf_heatmap_table value")
    if value is not None and not v.index.equals(scores.index):
        if set(v.index) != set(scores.index) or len(v) != len(scores):
            raise ValueError("rf_heatmap_table: value must be indexed by the same customers as scores")
        v = v.reindex(scores.index)
    n_r, n_f = _levels(scores, "R"), _levels(scores, "F")
    r = scores["R"].to_numpy(dtype=np.int64)
    f = scores["F"].to_numpy(dtype=np.int64)
    count = np.zeros((n_r + 1, n_f + 1), dtype=np.int64)
    total = np.zeros((n_r + 1, n_f + 1))
    np.add.at(count, (r, f), 1)
    np.add.at(total, (r, f), v.to_numpy())
    rr, ff = np.meshgrid(np.arange(n_r, 0, -1), np.arange(1, n_f + 1), indexing="ij")
    rr, ff = rr.ravel(), ff.ravel()
    n = count[rr, ff]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, total[rr, ff] / np.where(n > 0, n, 1), np.nan)
    out = pd.DataFrame({"R": rr, "F": ff, "customers": n, "monetary_mean": mean})
    if n_r == 5 and n_f == 5:
        out["segment"] = pd.array([name(RF10_MAP[(int(a), int(b))], lang, RF10_LABELS) for a, b in zip(rr, ff)],
                                  dtype="str")
    return _rename(out, lang)


def _span(values: Sequence[int]) -> str:
    lo, hi = min(values), max(values)
    return f"{lo}" if lo == hi else f"{lo}–{hi}"


def _definitions(scheme: str, lang: str, split: str) -> dict[str, str]:
    """Segment key → the cells that define it."""
    if scheme == "rf10":
        cells: dict[str, list[tuple[int, int]]] = {}
        for (r, f), key in RF10_MAP.items():
            cells.setdefault(key, []).append((r, f))
        return {key: f"R {_span([c[0] for c in cs])} · F {_span([c[1] for c in cs])}" for key, cs in cells.items()}
    centre = {"mean": ("mean", "均值"), "median": ("median", "中位数")}[split][1 if lang == "zh" else 0]
    hl = {True: study_label("high", lang), False: study_label("low", lang)}
    tail = f"（相对{centre}）" if lang == "zh" else f" (vs {centre})"
    return {key: f"R {hl[rh]} · F {hl[fh]} · M {hl[mh]}{tail}" for (rh, fh, mh), key in CN8_MAP.items()}


def segment_table(scores: pd.DataFrame, scheme: str = "rf10", *, split: str = "mean",
                  lang: str = "en") -> pd.DataFrame:
    """Size, value share and mean R/F/M per segment of the 10-segment R×F map or the cn8 model.

    ``"rf10"`` needs R and F scored 1..5; when ``scores`` has other levels, R and F are
    re-scored into quintiles for this map (the values are the same, only the grouping
    differs). ``"cn8"`` splits the R, F and M scores at their ``split`` (mean or median).
    Value = total spend (the ``monetary`` column of :func:`rfm_study_scores`).

    Returns
    -------
    DataFrame
        Index = segment (canonical order, empty segments included); ``definition`` (the
        cells of the segment), ``customers``, ``customer_share``, ``value``,
        ``value_share``, ``recency_mean``, ``frequency_mean``, ``monetary_mean``; all
        labelled in ``lang``.

    Examples
    --------
    >>> from cvm_lib.datasets import cdnow
    >>> scores = rfm_study_scores(cdnow(sample=True))
    >>> t = segment_table(scores, "cn8", lang="zh")
    >>> t.index[0], t.columns[:3].tolist(), int(t["客户数"].sum())
    ('重要价值客户', ['划分规则', '客户数', '客户占比'], 2357)
    """
    check_lang(lang)
    _check_scores(scores, "segment_table")
    if scheme not in ("rf10", "cn8"):
        raise ValueError(f"scheme={scheme!r}; use 'rf10' (10-segment R×F map) or 'cn8' (Chinese 8-class model)")
    if split not in ("mean", "median"):
        raise ValueError(f"split={split!r}; use 'mean' or 'median'")
    basis = scores
    if scheme == "rf10" and (_levels(scores, "R") != 5 or _levels(scores, "F") != 5):
        basis = rfm_scores(scores[list(_RFM)], bins=5)
    segments = rfm_segments(basis, scheme, lang=lang, split=split)
    summary = segment_summary(scores, segments, value="monetary")
    table = RF10_LABELS if scheme == "rf10" else CN8_LABELS
    definitions = _definitions(scheme, lang, split)
    summary.insert(0, "definition", pd.array([definitions[k] for k in table], dtype="str"))
    summary.index.name = "segment"
    unit = _unit_text(scores.attrs.get("time_unit", "D"), lang)
    return _rename(summary, lang, unit=unit)


# --------------------------------------------------------------------------- concentration

@dataclass(frozen=True, eq=False)
class ConcentrationResult:
    """Output of :func:`value_concentration`.

    Attributes
    ----------
    gini : float
        Population Gini coefficient of customer value.
    curve : DataFrame
        Lorenz curve (customers from the least to the most valuable).
    top : ParetoPoint
        The top ``top_share`` of customers (default 20%) and the value they bring.
    core : ParetoPoint
        The smallest top group that brings ``core_share`` of value (default 80%).
    classes : Series
        ABC class per customer.
    abc : DataFrame
        Customers and value per class with the rule, labelled in ``lang``.
    thresholds : tuple of float
    statement : str
        "x% of customers bring y% of value" for :attr:`top`, in ``lang``.
    core_target : float
        The value share asked for in :attr:`core` (``core_share``).
    a_customer_share, a_value_share : float
        Shares of customers in class A and of the value they bring.
    """

    gini: float
    curve: pd.DataFrame
    top: ParetoPoint
    core: ParetoPoint
    classes: pd.Series
    abc: pd.DataFrame
    thresholds: tuple[float, ...]
    statement: str
    core_target: float
    a_customer_share: float
    a_value_share: float

    def __repr__(self) -> str:
        return f"ConcentrationResult(gini={self.gini:.3f}, statement={self.statement!r})"


def value_concentration(values: pd.Series | pd.DataFrame, *, thresholds: Sequence[float] = (0.7, 0.9),
                        top_share: float = 0.2, core_share: float = 0.8, lang: str = "en") -> ConcentrationResult:
    """How concentrated customer value is: Gini, Lorenz curve, Pareto points and ABC classes.

    Parameters
    ----------
    values : Series or DataFrame
        Customer value (≥ 0), or the scores table (its ``monetary`` column, total spend).
    thresholds : sequence of float, default (0.7, 0.9)
        Cumulative value shares of the ABC classes (see :func:`abc_classes`; the
        customer who crosses a threshold joins the higher class).
    top_share : float, default 0.2
        Customer share of the Pareto statement ("the top 20% bring y%").
    core_share : float, default 0.8
        Value share whose smallest top group is reported ("x% bring 80%").
    lang : {"en", "zh"}

    Examples
    --------
    >>> c = value_concentration(pd.Series([50.0, 5, 20, 10, 15], index=list("abcde")))
    >>> c.statement, round(c.gini, 3), c.a_customer_share, c.a_value_share
    ('20.0% of customers bring 50.0% of value', 0.4, 0.4, 0.7)
    >>> c.abc.iloc[:, :3]
                                       Rule  Customers  Share of customers
    Class
    A      top customers up to 70% of value          2                 0.4
    B     next, from 70% to 90% of value          2                 0.4
    C      the rest, last 10% of value          1                 0.2
    """
    check_lang(lang)
    if isinstance(values, pd.DataFrame):
        if "monetary" not in values.columns:
            raise ValueError("value_concentration: a DataFrame needs a 'monetary' column (the scores table); "
                             "or pass the customer values as a Series")
        values = values["monetary"]
    series = as_numeric_series(values, "value_concentration values")
    ts = tuple(float(t) for t in thresholds)
    classes = abc_classes(series, ts)
    letters = [chr(ord("A") + i) for i in range(len(ts) + 1)]
    bounds = (0.0, *ts, 1.0)
    rules = []
    for i in range(len(letters)):
        lo, hi = bounds[i], bounds[i + 1]
        if i == 0:
            rules.append(study_label("rule_first", lang, hi=hi))
        elif i == len(letters) - 1:
            rules.append(study_label("rule_last", lang, rest=1 - lo))
        else:
            rules.append(study_label("rule_middle", lang, lo=lo, hi=hi))
    counts = classes.value_counts().reindex(letters, fill_value=0).to_numpy().astype(np.int64)
    value = series.groupby(classes.to_numpy()).sum().reindex(letters, fill_value=0.0).to_numpy()
    abc = pd.DataFrame({"rule": pd.array(rules, dtype="str"), "customers": counts,
                        "customer_share": counts / len(series), "value": value,
                        "value_share": value / series.sum()}, index=pd.Index(letters, name="class"))
    top = pareto_point(series, customer_share=top_share)
    return ConcentrationResult(gini=gini(series), curve=lorenz_curve(series), top=top,
                               core=pareto_point(series, value_share=core_share), classes=classes,
                               abc=_rename(abc, lang), thresholds=ts, statement=top.statement(lang),
                               core_target=float(core_share), a_customer_share=float(counts[0] / len(series)),
                               a_value_share=float(value[0] / series.sum()))


# --------------------------------------------------------------------------- clustering

@dataclass(frozen=True, eq=False)
class ClusterStudy:
    """Output of :func:`cluster_study`.

    Attributes
    ----------
    result : ClusterResult
        The clustering (labels, chosen k, scores per k, profiles, model).
    stability : StabilityResult
        Bootstrap adjusted Rand index of the chosen k.
    k_table : DataFrame
        The k-selection scores per k tried (silhouette; inertia or BIC/AIC; chosen).
    profile : DataFrame
        Per cluster: pattern, customers, shares of customers and value, mean RFM,
        median spend.
    z : DataFrame
        Mean of each feature per cluster on the model's scale (log1p, standardised):
        0 = the average customer, ±1 = one standard deviation.
    stability_table : DataFrame
        The ARI summary (mean, sd, quantiles).
    features : list of str
    """

    result: ClusterResult
    stability: StabilityResult
    k_table: pd.DataFrame
    profile: pd.DataFrame
    z: pd.DataFrame
    stability_table: pd.DataFrame
    features: list[str]

    def __repr__(self) -> str:
        return (f"ClusterStudy(method={self.result.method!r}, k={self.result.k_}, "
                f"ari_mean={self.stability.mean_:.3f})")


def _pattern(z: np.ndarray) -> str:
    """``R↑ F↓ M↑``: better (↑) or worse (↓) than the average customer; recent = better R."""
    arrows = []
    for letter, value, sign in zip("RFM", z, (-1, 1, 1)):
        arrows.append(f"{letter}{'↑' if sign * value > 0 else '↓'}")
    return " ".join(arrows)


def cluster_study(scores: pd.DataFrame, *, method: str = "kmeans", k: int | None = None,
                  k_range: Sequence[int] = range(2, 9), n_boot: int = 20, seed: int = 0,
                  lang: str = "en", sample: int | None = CLUSTER_SAMPLE) -> ClusterStudy:
    """Cluster customers on recency, frequency and spend, with the k-selection scores,
    cluster profiles and bootstrap stability.

    The features (``recency``, ``frequency``, ``monetary`` of the scores table) are
    log1p-transformed and standardised (see :func:`cluster_customers`); k is chosen by
    the silhouette (k-means) or the BIC (Gaussian mixture) unless given. Stability:
    ``n_boot`` bootstrap refits of the chosen k, compared with the full-data clustering
    by the adjusted Rand index (:func:`cluster_stability`). ``seed`` makes everything
    reproducible. Above ``sample`` customers (default 50,000) the k-selection and the
    bootstrap run on a seeded subsample of that many customers; the chosen k is refitted
    on everyone, so profiles and labels cover all customers (``fit_sample`` of
    :func:`cluster_customers`, ``sample`` of :func:`cluster_stability`). The stability
    table states how many customers were resampled.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> s = pd.DataFrame({"recency": np.r_[rng.uniform(0, 2, 40), rng.uniform(40, 50, 80)],
    ...                   "frequency": np.r_[rng.integers(8, 12, 40), rng.integers(1, 2, 80)],
    ...                   "monetary": np.r_[rng.uniform(400, 600, 40), rng.uniform(10, 20, 80)],
    ...                   "R": 1, "F": 1, "M": 1})
    >>> c = cluster_study(s, k_range=range(2, 5), n_boot=3)
    >>> c.result.k_, round(c.stability.mean_, 2), c.profile.iloc[:, 0].tolist()
    (2, 1.0, ['R↓ F↓ M↓', 'R↑ F↑ M↑'])
    """
    check_lang(lang)
    _check_scores(scores, "cluster_study")
    features = list(_RFM)
    result = cluster_customers(scores, method=method, k=k, k_range=k_range, columns=features, random_state=seed,
                               fit_sample=sample)
    stability = cluster_stability(scores, result.k_, method=method, n_boot=n_boot, random_state=seed,
                                  columns=features, sample=sample)
    k_table = result.scores_.copy()
    k_table["chosen"] = k_table["chosen"].astype(bool)
    k_table.index.name = "k"

    x = result.transform(scores)
    labels = result.labels_.to_numpy()
    kk = result.k_
    counts = np.bincount(labels, minlength=kk)
    z = np.vstack([x[labels == c].mean(axis=0) if counts[c] else np.full(x.shape[1], np.nan) for c in range(kk)])
    z_frame = pd.DataFrame(z, index=pd.Index(range(kk), name="cluster"),
                           columns=[study_label(f"feature_{c}", lang) for c in features])
    z_frame.index.name = study_label("cluster", lang)

    summary = segment_summary(scores, pd.Series(pd.Categorical(labels, categories=range(kk)), index=scores.index),
                              value="monetary")
    profile = pd.DataFrame({"pattern": pd.array([_pattern(row) for row in z], dtype="str")},
                           index=pd.Index(range(kk), name="cluster"))
    for column in ("customers", "customer_share", "value", "value_share", "recency_mean", "frequency_mean",
                   "monetary_mean"):
        profile[column] = summary[column].to_numpy()
    profile["monetary_median"] = result.profile_["monetary_median"].to_numpy()
    unit = _unit_text(scores.attrs.get("time_unit", "D"), lang)

    stats = stability.summary()
    stats = pd.concat([stats.iloc[:2], pd.Series({"customers": float(stability.n_customers_)}), stats.iloc[2:]])
    stability_table = pd.DataFrame({"statistic": [study_label(f"stat_{s}", lang) for s in stats.index],
                                    "stat_value": stats.to_numpy(dtype=np.float64)})
    return ClusterStudy(result=result, stability=stability, k_table=_rename(k_table, lang), z=z_frame,
                        profile=_rename(profile, lang, unit=unit), stability_table=_rename(stability_table, lang),
                        features=features)


# --------------------------------------------------------------------------- value nine-grid

_WINDOW = re.compile(r"^\s*(\d+)\s*([DWMY])\s*$")


def _window_offset(window: str) -> tuple[pd.DateOffset, int, str]:
    match = _WINDOW.match(str(window)) if isinstance(window, str) else None
    if match is None or int(match.group(1)) < 1:
        raise ValueError(f"window={window!r}; expected a length such as '6M' (months), '26W' (weeks), "
                         "'182D' (days) or '1Y' (years)")
    n, unit = int(match.group(1)), match.group(2)
    offset = {"D": pd.DateOffset(days=n), "W": pd.DateOffset(weeks=n), "M": pd.DateOffset(months=n),
              "Y": pd.DateOffset(years=n)}[unit]
    return offset, n, unit


def _window_text(window: str, lang: str) -> str:
    _, n, unit = _window_offset(window)
    return study_label("M_window" if unit == "M" else unit, lang, n=n)


def _day_number(stamp: pd.Timestamp) -> int:
    return int(np.datetime64(stamp.date(), "D").astype(np.int64))


def window_spend(tx: pd.DataFrame, *, window: str = "6M", observation_end: Any = None) -> pd.DataFrame:
    """Spend per customer in the current window and the one before it.

    The current window is the ``window`` ending on ``observation_end`` (inclusive), the
    previous window the same length just before it. Windows are calendar lengths counted
    back from the day after the end: ``"6M"`` ending on 30 June is 1 January to 30 June,
    the previous window 1 July to 31 December.

    Returns
    -------
    DataFrame
        Index ``customer_id`` (every customer with a purchase up to the end, sorted);
        ``current``, ``previous`` and ``growth`` = current − previous. ``attrs`` hold the
        window bounds (first and last day of each, as ISO dates).

    Raises
    ------
    ValueError
        When the log starts after the previous window begins (less history than two
        windows): growth would compare a full window with a partial one.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b", "c"],
    ...                    "date": pd.to_datetime(["2024-01-05", "2024-03-01", "2024-02-10", "2024-03-31"]),
    ...                    "amount": [10.0, 30.0, 20.0, 5.0]})
    >>> window_spend(tx, window="1M", observation_end="2024-03-31")
                 current  previous  growth
    customer_id
    a               30.0       0.0    30.0
    b                0.0      20.0   -20.0
    c                5.0       0.0     5.0
    """
    from cvm_lib.summary import encode_log

    offset, _, _ = _window_offset(window)
    log = encode_log(tx, observation_end=observation_end)
    end = pd.Timestamp(np.datetime64(log.end_day, "D"))
    day = pd.Timedelta(days=1)
    current_start = end + day - offset  # first day of the current window
    previous_start = current_start - offset
    s1, s0 = _day_number(current_start), _day_number(previous_start)
    first = int(log.days.min())
    if first > s0:
        raise ValueError(f"window={window!r} needs history from {previous_start.date()} (two windows up to "
                         f"{end.date()}), but the log starts on {pd.Timestamp(np.datetime64(first, 'D')).date()}; "
                         "use a shorter window")
    k = log.n_customers
    in_current = log.days >= s1
    in_previous = (log.days >= s0) & ~in_current
    current = np.bincount(log.codes, weights=np.where(in_current, log.amount, 0.0), minlength=k)
    previous = np.bincount(log.codes, weights=np.where(in_previous, log.amount, 0.0), minlength=k)
    out = pd.DataFrame({"current": current, "previous": previous, "growth": current - previous}, index=log.ids)
    out.attrs.update(current=(str(current_start.date()), str(end.date())),
                     previous=(str(previous_start.date()), str((current_start - day).date())), window=window)
    return out


@dataclass(frozen=True, eq=False)
class ValueGridStudy:
    """Output of :func:`value_grid`.

    Attributes
    ----------
    grid : NineGridResult
        The nine-grid (per-customer cells, 3×3 counts, value shares and strategies).
    table : DataFrame
        The nine cells in long form labelled in ``lang``: levels, strategy, customers,
        shares of customers and value, mean of each axis.
    spend : DataFrame
        :func:`window_spend` of every customer.
    x_label, y_label : str
        Axis descriptions in ``lang``.
    y_kind : {"growth", "future"}
    off_grid : int
        Customers left off the grid (no spend in either window; growth grid only).
    lang : str
    """

    grid: NineGridResult
    table: pd.DataFrame
    spend: pd.DataFrame
    x_label: str
    y_label: str
    y_kind: str
    off_grid: int
    lang: str

    def __repr__(self) -> str:
        return (f"ValueGridStudy(y={self.y_kind!r}, customers={len(self.grid.cells)}, off_grid={self.off_grid}, "
                f"cuts={self.grid.cuts})")

    def strategy_share(self, strategy: str) -> tuple[float, float]:
        """(customer share, value share) of the cells with ``strategy`` (a key such as
        ``"invest"`` or the shown name)."""
        shown = name(strategy, self.lang)
        rows = self.grid.table[self.grid.table["strategy"] == shown]
        return float(rows["customer_share"].sum()), float(rows["value_share"].sum())


def value_grid(tx: pd.DataFrame, *, window: str = "6M", observation_end: Any = None,
               future_value: pd.Series | None = None, cuts: Any = "tertile", lang: str = "en") -> ValueGridStudy:
    """The value nine-grid on default value dimensions computed from the log.

    * x = **current value**: spend in the last ``window`` up to ``observation_end``;
    * y = **growth**: that spend minus the spend in the window before (see
      :func:`window_spend`), or, when ``future_value`` is given, the predicted future
      value (e.g. CLV).

    With growth, customers who spent nothing in either window are left off the grid
    (they have neither current value nor growth; counted in ``off_grid``), so the
    tertile cuts describe the customers still in play. With a future value, the grid
    holds the customers of ``future_value``. Each axis is cut into low / medium / high
    (``cuts``, tertiles by default; see :func:`nine_grid`, which also gives the strategy
    per cell: 持续投入 invest, 深度挖潜 develop, 稳定维持 maintain, 调整优化 optimise,
    策略退出 exit). Value shares are shares of current value.

    Examples
    --------
    >>> days = pd.to_datetime(["2024-01-01", "2024-05-01"])
    >>> rows = [(f"c{i}", d, float(a)) for i in range(9) for d, a in zip(days, [(i % 3 + 1) * 10, (i + 1) * 10])]
    >>> tx = pd.DataFrame(rows, columns=["customer_id", "date", "amount"])
    >>> g = value_grid(tx, window="3M", observation_end="2024-06-30")
    >>> int(g.grid.counts.to_numpy().sum()), g.off_grid, g.x_label
    (9, 0, 'Current value: spend in the last 3 months')
    """
    check_lang(lang)
    spend = window_spend(tx, window=window, observation_end=observation_end)
    text = _window_text(window, lang)
    if future_value is None:
        on = (spend["current"] > 0) | (spend["previous"] > 0)
        if not on.any():
            raise ValueError(f"value_grid: no customer spent anything in the last two windows of {window!r}")
        x, y = spend.loc[on, "current"], spend.loc[on, "growth"]
        kind, off = "growth", int((~on).sum())
        y_label = study_label("y_axis_growth", lang, window=text)
    else:
        fv = as_numeric_series(future_value, "future_value")
        if not isinstance(future_value, pd.Series) or not fv.index.is_unique:
            raise ValueError("future_value: expected a Series with one value per customer, indexed by customer_id")
        fv.index = fv.index.astype("str")
        unknown = fv.index.difference(spend.index)
        if len(unknown):
            raise ValueError(f"future_value: {len(unknown)} customers are not in the log, e.g. "
                             f"{unknown[:3].tolist()}")
        x, y = spend.loc[fv.index, "current"], fv
        kind, off = "future", 0
        y_label = study_label("y_axis_future", lang)
    grid = nine_grid(x, y, cuts=cuts, lang=lang)
    table = grid.table.copy()
    cells = grid.cells
    means = cells.groupby(["x_level", "y_level"], observed=False, sort=True)[["x", "y"]].mean()
    key = pd.MultiIndex.from_arrays([table["x_level"], table["y_level"]])
    table["x_mean"] = means.reindex(key)["x"].to_numpy()
    table[f"y_mean_{kind}"] = means.reindex(key)["y"].to_numpy()
    table = table.rename(columns={"y_level": f"y_level_{kind}"})
    table = table[["x_level", f"y_level_{kind}", "strategy", "customers", "customer_share", "value", "value_share",
                   "x_mean", f"y_mean_{kind}"]]
    return ValueGridStudy(grid=grid, table=_rename(table, lang), spend=spend,
                          x_label=study_label("x_axis", lang, window=text), y_label=y_label, y_kind=kind,
                          off_grid=off, lang=lang)


# --------------------------------------------------------------------------- lifecycle

@dataclass(frozen=True, eq=False)
class LifecycleStudy:
    """Output of :func:`lifecycle_study`.

    Attributes
    ----------
    stages : DataFrame
        :func:`lifecycle_stages` per customer (with the rule inputs).
    table : DataFrame
        Per stage (lifecycle order): customers, shares of customers and value, mean
        tenure, purchase days, days since the last purchase and typical gap.
    """

    stages: pd.DataFrame
    table: pd.DataFrame

    def __repr__(self) -> str:
        return f"LifecycleStudy(customers={len(self.stages)})"

    def shares(self) -> pd.Series:
        """Share of customers per stage, indexed by the stage KEYS (cultivation … lapse)."""
        counts = self.stages["stage"].cat.codes.value_counts().reindex(range(len(STAGES)), fill_value=0)
        return pd.Series(counts.to_numpy() / len(self.stages), index=pd.Index(STAGES, name="stage"), name="share")


def lifecycle_study(tx: pd.DataFrame, *, observation_end: Any = None, p_alive: pd.Series | None = None,
                    lang: str = "en", **rules: Any) -> LifecycleStudy:
    """Lifecycle stages (培育期 / 确认期 / 信任期 / 弱化期 / 消失期) with size and value per stage.

    ``rules`` are passed to :func:`lifecycle_stages` (``new_days``, ``lapse_gaps``, ...).
    Value = total spend up to ``observation_end``.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"],
    ...                    "date": pd.to_datetime(["2024-01-01", "2024-06-01", "2024-06-20"]),
    ...                    "amount": [10.0, 20.0, 5.0]})
    >>> t = lifecycle_study(tx, observation_end="2024-06-30").table
    >>> t.iloc[:, :2]
                  Customers  Share of customers
    Stage
    Cultivation           1                 0.5
    Confirmation          1                 0.5
    Trust                 0                 0.0
    Decline               0                 0.0
    Lapse                 0                 0.0
    """
    check_lang(lang)
    stages = lifecycle_stages(tx, observation_end=observation_end, p_alive=p_alive, lang=lang, **rules)
    spend = rfm_table(tx, observation_end=observation_end)["monetary"]
    summary = segment_summary(stages, stages["stage"], value=spend.reindex(stages.index),
                              columns=["tenure", "purchase_days", "recency", "typical_gap"])
    table = summary[["customers", "customer_share", "value", "value_share"]].copy()
    table["tenure_mean"] = summary["tenure_mean"]
    table["purchase_days_mean"] = summary["purchase_days_mean"]
    table["recency_days_mean"] = summary["recency_mean"]
    table["typical_gap_mean"] = summary["typical_gap_mean"]
    table.index.name = "stage"
    return LifecycleStudy(stages=stages, table=_rename(table, lang))


# --------------------------------------------------------------------------- migration

@dataclass(frozen=True, eq=False)
class MigrationStudy:
    """Output of :func:`migration_study`.

    Attributes
    ----------
    tiers : DataFrame
        Tier per customer and period (:func:`tiers_by_period`), complete periods only.
    period_a, period_b : pandas.Period
        The last two complete periods, compared by :attr:`result`.
    result : MigrationResult
        Transition counts and shares, flows per tier, hidden churn (A → B).
    counts, shares : DataFrame
        The transition matrix (counts; row shares), axes labelled with the periods.
    flows : DataFrame
        Entries, exits and hidden churn per tier (A → B), labelled in ``lang``.
    over_time : DataFrame
        The flows of every tier for every pair of consecutive complete periods (long
        form; ``period`` = the later period), labelled in ``lang``.
    top_tier : str
        The best tier's name.
    dropped : list of str
        Incomplete periods left out (the period holding ``observation_end`` when it does
        not end on that day).
    """

    tiers: pd.DataFrame
    period_a: pd.Period
    period_b: pd.Period
    result: MigrationResult
    counts: pd.DataFrame
    shares: pd.DataFrame
    flows: pd.DataFrame
    over_time: pd.DataFrame
    top_tier: str
    dropped: list[str]

    def __repr__(self) -> str:
        return (f"MigrationStudy({self.period_a} → {self.period_b}, top_tier={self.top_tier!r}, "
                f"hidden_churn={self.result.hidden_churn})")

    def top_flows(self) -> pd.Series:
        """The flows of the best tier, A → B, with the library's column names."""
        return self.result.flows.loc[self.top_tier]


_FLOW_COLUMNS = ("size_before", "size_after", "net_change", "stayed", "entered", "from_new", "upgraded_in",
                 "downgraded_in", "exited", "lapsed", "upgraded_out", "downgraded_out", "retention", "hidden_churn")


def migration_study(tx: pd.DataFrame, *, period: str = "Q", method: str = "value-tiers",
                    abc_thresholds: Sequence[float] = (0.7, 0.9), shares: Mapping[str, float] | None = None,
                    observation_end: Any = None, lang: str = "en") -> MigrationStudy:
    """Value tiers per calendar period and how customers move between them.

    Tiers come from :func:`tiers_by_period` (gold 20% / silver 30% / bronze 50% of each
    period's buyers by spend, or ABC classes with ``method="abc"``). A period that is
    not complete at ``observation_end`` is left out (fewer buyers in a partial period
    would look like churn). The migration compares the last two complete periods; the
    flows over time repeat it for every pair of consecutive complete periods, which
    shows the **hidden churn**: a tier whose size looks steady while many of its
    members leave and are replaced (see :func:`tier_migration`).

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": list("abcdeabcde") + ["a"],
    ...                    "date": pd.to_datetime(["2024-01-10"] * 5 + ["2024-04-10"] * 5 + ["2024-07-01"]),
    ...                    "amount": [100.0, 50, 40, 10, 5, 5, 50, 40, 10, 100, 1]})
    >>> m = migration_study(tx, shares={"gold": 0.2, "silver": 0.4, "bronze": 0.4})
    >>> str(m.period_a), str(m.period_b), m.dropped, m.top_tier
    ('2024Q1', '2024Q2', ['2024Q3'], 'gold')
    >>> m.counts.iloc[:, :3]
    Tier in 2024Q2  gold  silver  bronze
    Tier in 2024Q1
    gold               0       0       1
    silver             0       2       0
    bronze             1       0       1
    new                0       0       0
    """
    from cvm_lib.summary import encode_log

    check_lang(lang)
    tiers = tiers_by_period(tx, period=period, method=method, shares=shares, abc_thresholds=abc_thresholds,
                            observation_end=observation_end, lang=lang)
    end = pd.Timestamp(np.datetime64(encode_log(tx, observation_end=observation_end).end_day, "D"))
    complete = [p for p in tiers.columns if p.end_time.normalize() <= end]
    dropped = [str(p) for p in tiers.columns if p not in complete]
    if len(complete) < 2:
        raise ValueError(f"migration_study: need at least two complete periods of {period!r} up to {end.date()}, "
                         f"found {len(complete)}; use a shorter period (e.g. period='M')")
    tiers = tiers[complete]
    order = list(tiers.attrs.get("tiers") or tiers[complete[0]].cat.categories)
    a, b = complete[-2], complete[-1]
    result = tier_migration(tiers[a], tiers[b], order=order, lang=lang)

    rows = []
    for before, after in zip(complete[:-1], complete[1:]):
        flows = tier_migration(tiers[before], tiers[after], order=order, lang=lang).flows
        part = flows[list(_FLOW_COLUMNS)].copy()
        part.insert(0, "tier", pd.array(list(flows.index), dtype="str"))
        part.insert(0, "period", str(after))
        rows.append(part.reset_index(drop=True))
    over_time = pd.concat(rows, ignore_index=True)

    def axes(frame: pd.DataFrame) -> pd.DataFrame:
        out = frame.copy()
        out.index.name = study_label("from", lang, period=a)
        out.columns.name = study_label("to", lang, period=b)
        return out

    flows = result.flows[list(_FLOW_COLUMNS)].copy()
    return MigrationStudy(tiers=tiers, period_a=a, period_b=b, result=result, counts=axes(result.counts),
                          shares=axes(result.shares), flows=_rename(flows, lang), over_time=_rename(over_time, lang),
                          top_tier=order[0], dropped=dropped)


# --------------------------------------------------------------------------- key figures

_FIGURES: dict[str, tuple[str, str]] = {
    "customers": ("Customers", "客户数"),
    "observation_end": ("Observation end", "观察期末"),
    "gini": ("Gini coefficient of customer value", "客户价值基尼系数"),
    "pareto_statement": ("Pareto statement", "帕累托结论"),
    "top_value_share": ("Share of value from the top {top:.0%} of customers", "前 {top:.0%} 客户贡献的价值占比"),
    "core_customer_share": ("Share of customers bringing {core:.0%} of value", "贡献 {core:.0%} 价值的客户占比"),
    "abc_a_customers": ("Class A customers", "A 类客户数"),
    "abc_a_customer_share": ("Share of customers in class A", "A 类客户占比"),
    "abc_a_value_share": ("Share of value from class A", "A 类客户价值占比"),
    "rf10_largest_segment": ("Largest R×F segment", "最大的 R×F 客户群"),
    "rf10_largest_segment_share": ("Share of customers in the largest R×F segment", "最大 R×F 客户群的客户占比"),
    "rf10_champions_value_share": ("Share of value from Champions", "冠军客户价值占比"),
    "cn8_largest_segment": ("Largest class of the 8-class model", "八类模型中最大的客户类"),
    "cn8_important_value_share": ("Share of customers who are important value customers", "重要价值客户占比"),
    "cn8_important_value_value_share": ("Share of value from important value customers", "重要价值客户价值占比"),
    "cluster_method": ("Clustering method", "聚类方法"),
    "cluster_k": ("Number of clusters chosen", "选定的聚类数"),
    "cluster_criterion": ("Criterion for k", "k 的选择准则"),
    "cluster_silhouette": ("Silhouette of the chosen clustering", "选定聚类的轮廓系数"),
    "cluster_ari_mean": ("Bootstrap stability: mean adjusted Rand index", "自助法稳定性：调整兰德指数均值"),
    "cluster_largest_share": ("Share of customers in the largest cluster", "最大聚类的客户占比"),
    "grid_customers": ("Customers on the value nine-grid", "九宫格中的客户数"),
    "grid_off": ("Customers without spend in either window (off the grid)", "两个窗口均无消费的客户（未入九宫格）"),
    "grid_invest_customer_share": ("Share of grid customers in the invest cells", "持续投入客户占比"),
    "grid_invest_value_share": ("Share of current value in the invest cells", "持续投入格的当前价值占比"),
    "grid_exit_customer_share": ("Share of grid customers in the exit cell", "策略退出客户占比"),
    "lifecycle_share": ("Share of customers in stage: {stage}", "处于{stage}的客户占比"),
    "migration_periods": ("Tier migration compared", "层级迁移比较期间"),
    "top_tier_size_before": ("Customers in the {tier} tier in {period}", "{period} {tier}客户数"),
    "top_tier_size_after": ("Customers in the {tier} tier in {period}", "{period} {tier}客户数"),
    "top_tier_exited": ("Customers who left the {tier} tier", "离开{tier}层级的客户数"),
    "top_tier_hidden_churn": ("Hidden churn of the {tier} tier", "{tier}层级的隐性流失"),
    "top_tier_hidden_churn_share": ("Hidden churn as a share of the {tier} tier", "{tier}层级隐性流失占比"),
    "hidden_churn_rate": ("Hidden churn rate over all tiers", "全部层级的隐性流失率"),
}


def _figure_label(key: str, lang: str, **fields: Any) -> str:
    text = _FIGURES[key][1 if lang == "zh" else 0]
    return text.format(**fields) if fields else text


def segmentation_figures(*, scores: pd.DataFrame, concentration: ConcentrationResult, clusters: ClusterStudy,
                         grid: ValueGridStudy, lifecycle: LifecycleStudy, migration: MigrationStudy,
                         cn8_split: str = "mean", lang: str = "en") -> list[dict[str, Any]]:
    """Key figures of the segmentation study, ready for :func:`cvm_lib.results.record_many`.

    Each figure is a dict with ``name`` (stable), ``value``, ``unit`` ("share",
    "customers", text or empty), ``label`` (in ``lang``) and ``headline``. The segment
    figures are recomputed from ``scores`` (10-segment map on quintile R and F; cn8
    split at ``cn8_split``).
    """
    check_lang(lang)
    _check_scores(scores, "segmentation_figures")
    figures: list[dict[str, Any]] = []

    def add(key: str, value: Any, unit: str = "", headline: bool = False, *, name_: str | None = None,
            **fields: Any) -> None:
        figures.append({"name": name_ or key, "value": value, "unit": unit,
                        "label": _figure_label(key, lang, **fields), "headline": headline})

    n = len(scores)
    add("customers", n, "customers")
    if "observation_end" in scores.attrs:
        add("observation_end", str(scores.attrs["observation_end"]), "date")
    # concentration
    add("gini", round(concentration.gini, 6), "", True)
    add("pareto_statement", concentration.statement, "text", True)
    add("top_value_share", concentration.top.value_share, "share", top=concentration.top.customer_share)
    add("core_customer_share", concentration.core.customer_share, "share", core=concentration.core_target)
    n_a = int((concentration.classes == "A").sum())
    add("abc_a_customers", n_a, "customers")
    add("abc_a_customer_share", concentration.a_customer_share, "share", True)
    add("abc_a_value_share", concentration.a_value_share, "share", True)
    # segment maps
    basis = scores if (_levels(scores, "R") == 5 and _levels(scores, "F") == 5) else \
        rfm_scores(scores[list(_RFM)], bins=5)
    rf10 = rfm_segments(basis, "rf10", lang=lang)
    codes10 = np.bincount(rf10.cat.codes.to_numpy(), minlength=len(RF10_LABELS))
    largest = int(np.argmax(codes10))
    add("rf10_largest_segment", str(rf10.cat.categories[largest]), "text")
    add("rf10_largest_segment_share", codes10[largest] / n, "share")
    spend = scores["monetary"].to_numpy(dtype=np.float64)
    total = spend.sum()
    champions = rf10.cat.codes.to_numpy() == list(RF10_LABELS).index("champions")
    add("rf10_champions_value_share", float(spend[champions].sum() / total) if total > 0 else 0.0, "share")
    cn8 = rfm_segments(scores, "cn8", lang=lang, split=cn8_split)
    codes8 = np.bincount(cn8.cat.codes.to_numpy(), minlength=len(CN8_LABELS))
    add("cn8_largest_segment", str(cn8.cat.categories[int(np.argmax(codes8))]), "text")
    important = cn8.cat.codes.to_numpy() == list(CN8_LABELS).index("important_value")
    add("cn8_important_value_share", float(important.mean()), "share")
    add("cn8_important_value_value_share", float(spend[important].sum() / total) if total > 0 else 0.0, "share")
    # clustering
    result = clusters.result
    add("cluster_method", result.method, "text")
    add("cluster_k", int(result.k_), "", True)
    add("cluster_criterion", result.criterion, "text")
    silhouette = float(result.scores_.loc[result.k_, "silhouette"])
    if np.isfinite(silhouette):
        add("cluster_silhouette", silhouette)
    add("cluster_ari_mean", clusters.stability.mean_, "", True)
    add("cluster_largest_share", float(result.profile_["share"].iloc[0]), "share")
    # nine-grid
    add("grid_customers", int(len(grid.grid.cells)), "customers")
    if grid.y_kind == "growth":
        add("grid_off", grid.off_grid, "customers")
    invest_customers, invest_value = grid.strategy_share("invest")
    add("grid_invest_customer_share", invest_customers, "share")
    add("grid_invest_value_share", invest_value, "share")
    add("grid_exit_customer_share", grid.strategy_share("exit")[0], "share")
    # lifecycle
    for key, share in lifecycle.shares().items():
        add("lifecycle_share", float(share), "share", name_=f"lifecycle_share_{key}",
            stage=name(key, lang, STAGE_LABELS))
    # migration
    a, b = str(migration.period_a), str(migration.period_b)
    top = migration.top_flows()
    tier = migration.top_tier
    add("migration_periods", f"{a} → {b}", "text")
    add("top_tier_size_before", int(top["size_before"]), "customers", tier=tier, period=a)
    add("top_tier_size_after", int(top["size_after"]), "customers", tier=tier, period=b)
    add("top_tier_exited", int(top["exited"]), "customers", tier=tier)
    add("top_tier_hidden_churn", int(top["hidden_churn"]), "customers", True, tier=tier)
    if top["size_before"] > 0:
        add("top_tier_hidden_churn_share", float(top["hidden_churn"] / top["size_before"]), "share", tier=tier)
    if np.isfinite(migration.result.hidden_churn_rate):
        add("hidden_churn_rate", float(migration.result.hidden_churn_rate), "share")
    return figures
