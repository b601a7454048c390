"""The segmentation study (``notebooks/01_segmentation.ipynb``): sections, tables, key
figures, sentences and figures over a :class:`~cvm_lib.studies.Case`.

Every section computes with :mod:`cvm_lib.segmentation` and returns tidy tables with
stable snake_case columns and stable category values (segment ids such as
``"champions"``, stage ids such as ``"cultivation"``); :func:`table` records one and
returns it for display in the report language (headers and values from
:mod:`cvm_lib.labels`, context ``"segmentation"``). Sentences (:func:`concentration_sentences`
and the other ``*_sentences``) are generated from the results of the data at hand.

=================================  =====================================================
function                           what it gives
=================================  =====================================================
:func:`case_scores`                RFM values and 1..bins scores per customer of a case
:func:`score_levels`               customers and value range behind every score
:func:`rf_cells`                   customers and mean spend per R×F cell (long form)
:func:`segment_table`              size, value share and mean RFM per rf10 / cn8 segment
:func:`value_concentration`        Gini, Lorenz curve, Pareto points and ABC classes
:func:`cluster_study`              clustering with k-selection scores, profiles, stability
:func:`value_grid`                 the value nine-grid on current value × growth
:func:`lifecycle_study`            lifecycle stages with size and value share per stage
:func:`migration_study`            value tiers per period, migration and hidden churn
:func:`segmentation_figures`       the study's key figures (for :func:`record_figures`)
:func:`table`                      record a section table and show it translated
``figure_*``                       the study's figures, labelled in the display language
=================================  =====================================================

Examples
--------
>>> from cvm_lib.studies import load_case
>>> case = load_case("cdnow_sample")
>>> scores = case_scores(case)
>>> t = segment_table(scores, "cn8")
>>> t.index[0], int(t["customers"].sum()), table("cn8_segments", t, record=False).headers("zh")[:2]
('important_value', 2357, ['客户群', 'R 相对均值'])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from cvm_lib import plots
from cvm_lib.data import as_day
from cvm_lib.labels import label, unit_label
from cvm_lib.plots import segmentation as seg_plots
from cvm_lib.segmentation import (CLUSTER_SAMPLE, CN8_MAP, CN8_SEGMENTS, ENTRY_STATE, EXIT_STATE, RF10_MAP,
                                  RF10_SEGMENTS, STAGES, ClusterResult, MigrationResult, NineGridResult, ParetoPoint,
                                  StabilityResult, abc_classes, cluster_customers,
                                  cluster_stability, gini, lifecycle_stages, lorenz_curve, nine_grid, pareto_point,
                                  rfm_log_scores, rfm_scores, rfm_segments, rfm_table, segment_summary,
                                  tier_migration, tiers_by_period, window_length, window_spend)
from cvm_lib.segmentation._common import as_numeric_series
from cvm_lib.studies._base import Case, Narrative, Skipped, key_figure, q, say, show
from cvm_lib.studies._table import Table, display_settings

__all__ = ["CONTEXT", "case_scores", "score_levels", "rf_cells", "segment_table", "ConcentrationResult",
           "value_concentration", "ClusterStudy", "cluster_study", "ValueGridStudy", "value_grid", "LifecycleStudy",
           "lifecycle_study", "MigrationStudy", "migration_study", "segmentation_figures", "table", "part", "header_fields",
           "concentration_sentences", "segment_sentences", "cluster_sentences", "grid_sentences",
           "lifecycle_sentences", "migration_sentences", "figure_rf_heatmap", "figure_segments",
           "figure_concentration", "figure_k_selection", "figure_profiles", "figure_nine_grid", "figure_lifecycle",
           "figure_migration", "figure_hidden_churn"]

#: The label context of the study.
CONTEXT = "segmentation"

_RFM = ("recency", "frequency", "monetary")
_UNIT_IDS = {"D": "days", "W": "weeks", "M": "months", "Y": "years"}


def _lang() -> str:
    return display_settings()["lang"]


def _t(key: str, **fields: Any) -> str:
    """Text of a catalogue key in the display language."""
    return label(key, _lang(), context=CONTEXT, **fields)


def _both(name: str, key: str, **fields: Any) -> dict[str, str]:
    """``{name_en: ..., name_zh: ...}``: a header field each language's template fills with its own text."""
    return {f"{name}_{lang}": label(key, lang, context=CONTEXT, default=key, **fields) for lang in ("en", "zh")}


def _log(data: Case | pd.DataFrame, observation_end: Any) -> tuple[pd.DataFrame, Any]:
    if isinstance(data, Case):
        return data.transactions, data.observation_end if observation_end is None else observation_end
    return data, observation_end


def header_fields(time_unit: Any = "W", *, split: str = "mean", period_a: Any = "", period_b: Any = "") -> dict[str, str]:
    """The header fields of the study's tables: time unit, cn8 centre, the migration periods.

    >>> header_fields("W")["unit_zh"], header_fields(split="median")["split_en"]
    ('周', 'median')
    """
    fields = {f"unit_{lang}": unit_label(time_unit, lang) for lang in ("en", "zh")}
    fields.update(_both("split", f"split_{split}"))
    fields.update(period_a=str(period_a), period_b=str(period_b))
    return fields


def part(result: Any, attribute: str) -> Any:
    """``result.<attribute>``, or the :class:`Skipped` itself when the section was skipped.

    >>> part(Skipped("migration", "skipped_migration", CONTEXT, {"period": "Y"}), "flows").section
    'migration'
    """
    return result if isinstance(result, Skipped) else getattr(result, attribute)


def table(name: str, frame: pd.DataFrame | Skipped, *, time_unit: Any = "W", split: str = "mean",
          period_a: Any = "", period_b: Any = "", record: bool = True) -> Table | Skipped:
    """Record a section table under ``name`` (stable columns) and return it shown in the display language."""
    return show(name, frame, context=CONTEXT, record=record,
                fields=header_fields(time_unit, split=split, period_a=period_a, period_b=period_b))


# --------------------------------------------------------------------------- RFM

def case_scores(data: Case | pd.DataFrame, *, time_unit: str | float = "W", bins: int = 5,
                observation_end: Any = None) -> pd.DataFrame:
    """Marketing RFM values and scores per customer (:func:`~cvm_lib.segmentation.rfm_log_scores`)
    up to the case's observation end.

    >>> from cvm_lib.datasets import cdnow
    >>> case_scores(cdnow(sample=True), observation_end="1998-06-30").shape
    (2357, 8)
    """
    tx, end = _log(data, observation_end)
    return rfm_log_scores(tx, observation_end=end, time_unit=time_unit, bins=bins)


def _check_scores(scores: pd.DataFrame, what: str) -> None:
    if not isinstance(scores, pd.DataFrame):
        raise ValueError(f"{what}: expected the scores table of case_scores(), got {type(scores).__name__}")
    missing = [c for c in (*_RFM, "R", "F", "M") if c not in scores.columns]
    if missing:
        raise ValueError(f"{what}: expected the scores table of case_scores() with columns recency, "
                         f"frequency, monetary, R, F, M; missing {missing}")


def score_levels(scores: pd.DataFrame) -> pd.DataFrame:
    """Customers and the range of the underlying value per score level of R, F and M.

    One row per (dimension, score), best score first: ``dimension`` (recency, frequency,
    monetary), ``unit`` (the time unit, purchase days or money), ``score``,
    ``customers``, ``min``, ``mean``, ``max``.

    >>> rfm = pd.DataFrame({"recency": [1.0, 5, 9, 20], "frequency": [4, 2, 1, 1],
    ...                     "monetary": [90.0, 40, 10, 5]}, index=list("abcd"))
    >>> score_levels(rfm_scores(rfm, bins=2))[["dimension", "score", "customers", "min", "max"]].iloc[:2]
      dimension  score  customers  min  max
    0   recency      2          2  1.0  5.0
    1   recency      1          2  9.0  20.0
    """
    _check_scores(scores, "score_levels")
    time_unit = scores.attrs.get("time_unit", "D")
    units = {"recency": _UNIT_IDS.get(time_unit, f"{time_unit}"), "frequency": "purchase_days",
             "monetary": "money"}
    rows = []
    for letter, column in zip("RFM", _RFM, strict=True):
        grouped = scores[column].astype("float64").groupby(scores[letter].to_numpy(), sort=True)
        stats = pd.DataFrame({"customers": grouped.size(), "min": grouped.min(), "mean": grouped.mean(),
                              "max": grouped.max()}).sort_index(ascending=False)
        stats.insert(0, "score", stats.index.to_numpy(dtype=np.int64))
        stats.insert(0, "unit", units[column])
        stats.insert(0, "dimension", column)
        rows.append(stats)
    out = pd.concat(rows, ignore_index=True)
    out["customers"] = out["customers"].astype("int64")
    return out


def _levels(scores: pd.DataFrame, letter: str) -> int:
    levels = scores.attrs.get("levels", {})
    column = dict(zip("RFM", _RFM, strict=True))[letter]
    return int(levels.get(column, scores[letter].max()))


def rf_cells(scores: pd.DataFrame, value: pd.Series | None = None) -> pd.DataFrame:
    """Customers and mean value in every R×F cell, long form (R high to low, F low to high).

    Every cell is present (an empty one with 0 customers and a missing mean); with 5×5
    levels the cell's rf10 ``segment`` id is added.

    >>> s = pd.DataFrame({"recency": [1.0, 2, 3], "frequency": [3, 1, 1], "monetary": [30.0, 10, 20],
    ...                   "R": [2, 2, 1], "F": [2, 1, 1], "M": [2, 1, 2]}, index=list("abc"))
    >>> rf_cells(s).to_numpy().tolist()
    [[2.0, 1.0, 1.0, 10.0], [2.0, 2.0, 1.0, 30.0], [1.0, 1.0, 1.0, 20.0], [1.0, 2.0, 0.0, nan]]
    """
    _check_scores(scores, "rf_cells")
    v = as_numeric_series(scores["monetary"] if value is None else value, "rf_cells value")
    if value is not None and not v.index.equals(scores.index):
        if set(v.index) != set(scores.index) or len(v) != len(scores):
            raise ValueError("rf_cells: value must be indexed by the same customers as scores")
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
        out["segment"] = pd.array([RF10_MAP[(int(a), int(b))] for a, b in zip(rr, ff, strict=True)], dtype="str")
    return out


def _span(values: Sequence[int]) -> str:
    lo, hi = min(values), max(values)
    return f"{lo}" if lo == hi else f"{lo}–{hi}"


def _basis(scores: pd.DataFrame) -> pd.DataFrame:
    """Scores with R and F in quintiles (the rf10 map needs them)."""
    if _levels(scores, "R") == 5 and _levels(scores, "F") == 5:
        return scores
    return rfm_scores(scores[list(_RFM)], bins=5)


def segment_table(scores: pd.DataFrame, scheme: str = "rf10", *, split: str = "mean") -> pd.DataFrame:
    """Size, value share and mean R/F/M per segment of the 10-segment R×F map or the cn8 model.

    ``"rf10"`` needs R and F scored 1..5; other levels are re-scored into quintiles for
    this map. ``"cn8"`` splits the R, F and M scores at their ``split`` (mean or median).
    Value = total spend.

    Returns
    -------
    DataFrame
        Index ``segment`` (stable ids, canonical order, empty segments included); the
        cells of the segment (rf10: ``r_scores``, ``f_scores``; cn8: ``r_level``,
        ``f_level``, ``m_level`` = high / low), ``customers``, ``customer_share``,
        ``value``, ``value_share``, ``recency_mean``, ``frequency_mean``, ``monetary_mean``.
    """
    _check_scores(scores, "segment_table")
    if scheme not in ("rf10", "cn8"):
        raise ValueError(f"scheme={scheme!r}; use 'rf10' (10-segment R×F map) or 'cn8' (Chinese 8-class model)")
    if split not in ("mean", "median"):
        raise ValueError(f"split={split!r}; use 'mean' or 'median'")
    segments = rfm_segments(_basis(scores) if scheme == "rf10" else scores, scheme, split=split)
    summary = segment_summary(scores, segments, value="monetary")
    if scheme == "rf10":
        cells: dict[str, list[tuple[int, int]]] = {}
        for (r, f), key in RF10_MAP.items():
            cells.setdefault(key, []).append((r, f))
        summary.insert(0, "f_scores", pd.array([_span([c[1] for c in cells[k]]) for k in RF10_SEGMENTS], dtype="str"))
        summary.insert(0, "r_scores", pd.array([_span([c[0] for c in cells[k]]) for k in RF10_SEGMENTS], dtype="str"))
    else:
        levels = {key: combo for combo, key in CN8_MAP.items()}
        for i, column in reversed(list(enumerate(("r_level", "f_level", "m_level")))):
            summary.insert(0, column, pd.array(["high" if levels[k][i] else "low" for k in CN8_SEGMENTS], dtype="str"))
    summary.index.name = "segment"
    return summary


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
        The smallest top group that brings ``core_target`` of value (default 80%).
    classes : Series
        ABC class per customer.
    abc : DataFrame
        Per class (index ``class``): ``value_from``, ``value_to`` (the band of cumulative
        value share), ``customers``, ``customer_share``, ``value``, ``value_share``.
    thresholds : tuple of float
    core_target : float
    a_customer_share, a_value_share : float
    """

    gini: float
    curve: pd.DataFrame
    top: ParetoPoint
    core: ParetoPoint
    classes: pd.Series
    abc: pd.DataFrame
    thresholds: tuple[float, ...]
    core_target: float
    a_customer_share: float
    a_value_share: float

    def __repr__(self) -> str:
        return (f"ConcentrationResult(gini={self.gini:.3f}, top={self.top.customer_share:.1%} -> "
                f"{self.top.value_share:.1%})")

    @property
    def summary(self) -> pd.DataFrame:
        """The ABC classes (:attr:`abc`)."""
        return self.abc

    def _repr_html_(self) -> str:
        return self.abc.to_html()


def value_concentration(values: pd.Series | pd.DataFrame, *, thresholds: Sequence[float] = (0.7, 0.9),
                        top_share: float = 0.2, core_share: float = 0.8) -> ConcentrationResult:
    """How concentrated customer value is: Gini, Lorenz curve, Pareto points and ABC classes.

    ``values``: customer value (≥ 0), or the scores table (its ``monetary`` column).
    ``thresholds``: cumulative value shares closing the ABC classes (the customer who
    crosses a threshold joins the higher class).

    >>> c = value_concentration(pd.Series([50.0, 5, 20, 10, 15], index=list("abcde")))
    >>> round(c.gini, 3), c.top.value_share, c.a_customer_share, c.a_value_share
    (0.4, 0.5, 0.4, 0.7)
    >>> c.abc[["value_from", "value_to", "customers"]]
           value_from  value_to  customers
    class
    A             0.0       0.7          2
    B             0.7       0.9          2
    C             0.9       1.0          1
    """
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
    counts = classes.value_counts().reindex(letters, fill_value=0).to_numpy().astype(np.int64)
    value = series.groupby(classes.to_numpy()).sum().reindex(letters, fill_value=0.0).to_numpy()
    abc = pd.DataFrame({"value_from": bounds[:-1], "value_to": bounds[1:], "customers": counts,
                        "customer_share": counts / len(series), "value": value,
                        "value_share": value / series.sum()}, index=pd.Index(letters, name="class"))
    return ConcentrationResult(gini=gini(series), curve=lorenz_curve(series),
                               top=pareto_point(series, customer_share=top_share),
                               core=pareto_point(series, value_share=core_share), classes=classes, abc=abc,
                               thresholds=ts, core_target=float(core_share),
                               a_customer_share=float(counts[0] / len(series)),
                               a_value_share=float(value[0] / series.sum()))


def concentration_sentences(c: ConcentrationResult) -> Narrative:
    """What the concentration of THIS data says, in the display language."""
    return Narrative([
        say("say_pareto", context=CONTEXT, top=q(c.top.customer_share, "share"), value=q(c.top.value_share, "share"),
            gini=q(c.gini, "ratio")),
        say("say_core", context=CONTEXT, customers=q(c.core.customer_share, "share"), n=q(c.core.customers, "count"),
            target=q(c.core_target, "share")),
        say("say_abc", context=CONTEXT, customers=q(c.a_customer_share, "share"), value=q(c.a_value_share, "share")),
    ])


def segment_sentences(rf10: pd.DataFrame, cn8: pd.DataFrame) -> Narrative:
    """The largest segments and the value of the best ones, from the two segment tables."""
    largest = rf10["customers"].idxmax()
    parts = [say("say_rf10", context=CONTEXT, segment=("label", largest),
                 share=q(rf10.loc[largest, "customer_share"], "share"),
                 champions=q(rf10.loc["champions", "value_share"], "share"))]
    empty = int((rf10["customers"] == 0).sum())
    if empty:
        parts.append(say("say_rf10_empty", context=CONTEXT, k=q(empty, "count")))
    parts.append(say("say_cn8", context=CONTEXT, share=q(cn8.loc["important_value", "customer_share"], "share"),
                     value=q(cn8.loc["important_value", "value_share"], "share"),
                     segment=("label", cn8["customers"].idxmax())))
    return Narrative(parts)


# --------------------------------------------------------------------------- clustering

@dataclass(frozen=True, eq=False)
class ClusterStudy:
    """Output of :func:`cluster_study`.

    Attributes
    ----------
    result : ClusterResult
    stability : StabilityResult or None
        None with ``n_boot=0`` (not measured).
    k_table : DataFrame
        ``k``, ``silhouette``, ``inertia`` (k-means) or ``bic``/``aic`` (mixture), ``chosen``.
    profile : DataFrame
        Index ``cluster``: ``pattern``, ``customers``, shares of customers and value,
        mean RFM, median spend.
    z : DataFrame
        Mean of each feature per cluster on the model's scale (0 = the average customer).
    stability_table : DataFrame or Skipped
        One row: ``k``, ``n_boot``, ``customers_resampled`` and the ARI summary.
    time_unit : str or float
        Time unit of the recency columns (that of the scores).
    """

    result: ClusterResult
    stability: StabilityResult | None
    k_table: pd.DataFrame
    profile: pd.DataFrame
    z: pd.DataFrame
    stability_table: pd.DataFrame | Skipped
    time_unit: Any = "D"

    def __repr__(self) -> str:
        ari = f"{self.stability.mean_:.3f}" if self.stability is not None else "not measured"
        return f"ClusterStudy(method={self.result.method!r}, k={self.result.k_}, ari_mean={ari})"

    @property
    def summary(self) -> pd.DataFrame:
        """The cluster profiles."""
        return self.profile

    def _repr_html_(self) -> str:
        return self.profile.to_html()


def _pattern(z: np.ndarray) -> str:
    """``R↑ F↓ M↑``: better (↑) or worse (↓) than the average customer; recent = better R."""
    return " ".join(f"{letter}{'↑' if sign * value > 0 else '↓'}"
                    for letter, value, sign in zip("RFM", z, (-1, 1, 1), strict=True))


def cluster_study(scores: pd.DataFrame, *, method: str = "kmeans", k: int | None = None,
                  k_range: Sequence[int] = range(2, 9), n_boot: int = 20, seed: int = 0,
                  sample: int | None = CLUSTER_SAMPLE) -> ClusterStudy:
    """Cluster customers on recency, frequency and spend (log1p, standardised), with the
    k-selection scores, cluster profiles and bootstrap stability (adjusted Rand index).

    Above ``sample`` customers the k-selection and the bootstrap run on a seeded
    subsample; the chosen k is refitted on everyone. ``n_boot=0``: no stability (the
    stability table is :class:`Skipped`).

    >>> rng = np.random.default_rng(0)
    >>> s = pd.DataFrame({"recency": np.r_[rng.uniform(0, 2, 40), rng.uniform(40, 50, 80)],
    ...                   "frequency": np.r_[rng.integers(8, 12, 40), rng.integers(1, 2, 80)],
    ...                   "monetary": np.r_[rng.uniform(400, 600, 40), rng.uniform(10, 20, 80)],
    ...                   "R": 1, "F": 1, "M": 1})
    >>> c = cluster_study(s, k_range=range(2, 5), n_boot=3)
    >>> c.result.k_, round(c.stability.mean_, 2), c.profile["pattern"].tolist()
    (2, 1.0, ['R↓ F↓ M↓', 'R↑ F↑ M↑'])
    """
    _check_scores(scores, "cluster_study")
    features = list(_RFM)
    result = cluster_customers(scores, method=method, k=k, k_range=k_range, columns=features, random_state=seed,
                               fit_sample=sample)
    stability = None if n_boot == 0 else cluster_stability(scores, result.k_, method=method, n_boot=n_boot,
                                                           random_state=seed, columns=features, sample=sample)
    k_table = result.scores_.copy()
    k_table["chosen"] = k_table["chosen"].astype(bool)
    k_table.index.name = "k"
    k_table = k_table.reset_index()

    x = result.transform(scores)
    labels = result.labels_.to_numpy()
    kk = result.k_
    counts = np.bincount(labels, minlength=kk)
    z = np.vstack([x[labels == c].mean(axis=0) if counts[c] else np.full(x.shape[1], np.nan) for c in range(kk)])
    z_frame = pd.DataFrame(z, index=pd.Index(range(kk), name="cluster"), columns=features)

    summary = segment_summary(scores, pd.Series(pd.Categorical(labels, categories=range(kk)), index=scores.index),
                              value="monetary")
    profile = pd.DataFrame({"pattern": pd.array([_pattern(row) for row in z], dtype="str")},
                           index=pd.Index(range(kk), name="cluster"))
    for column in ("customers", "customer_share", "value", "value_share", "recency_mean", "frequency_mean",
                   "monetary_mean"):
        profile[column] = summary[column].to_numpy()
    profile["monetary_median"] = result.profile_["monetary_median"].to_numpy()

    if stability is None:
        return ClusterStudy(result=result, stability=None, k_table=k_table, profile=profile, z=z_frame,
                            stability_table=Skipped("cluster_stability", "skipped_stability", CONTEXT),
                            time_unit=scores.attrs.get("time_unit", "D"))
    stats = stability.summary()
    stability_table = pd.DataFrame([{"k": int(stats["k"]), "n_boot": int(stats["n_boot"]),
                                     "customers_resampled": int(stability.n_customers_ or len(scores)),
                                     **{c: float(stats[c]) for c in ("ari_mean", "ari_std", "ari_min", "ari_q05",
                                                                     "ari_median", "ari_q95")}}])
    return ClusterStudy(result=result, stability=stability, k_table=k_table, profile=profile, z=z_frame,
                        stability_table=stability_table, time_unit=scores.attrs.get("time_unit", "D"))


def cluster_sentences(c: ClusterStudy) -> Narrative:
    """Which k was chosen, by what, and how stable the partition is."""
    if c.stability is None:
        return Narrative([say("say_clusters_chosen", context=CONTEXT, method=("label", c.result.method),
                              k=c.result.k_, criterion=("label", c.result.criterion))])
    ari = c.stability.mean_
    return Narrative([say("say_clusters", context=CONTEXT, method=("label", c.result.method), k=c.result.k_,
                          criterion=("label", c.result.criterion), ari=q(ari, "ratio"),
                          verdict=("label", "stable" if ari >= 0.75 else "unstable"))])


# --------------------------------------------------------------------------- value nine-grid

@dataclass(frozen=True, eq=False)
class ValueGridStudy:
    """Output of :func:`value_grid`.

    Attributes
    ----------
    grid : NineGridResult
    table : DataFrame
        The nine cells: ``x_level``, ``y_level_<kind>``, ``strategy``, ``customers``,
        shares of customers and value, ``x_mean``, ``y_mean_<kind>``.
    spend : DataFrame
        :func:`~cvm_lib.segmentation.window_spend` of every customer.
    window : str
    y_kind : {"growth", "future"}
    off_grid : int
        Customers without spend in either window (growth grid only).
    """

    grid: NineGridResult
    table: pd.DataFrame
    spend: pd.DataFrame
    window: str
    y_kind: str
    off_grid: int

    def __repr__(self) -> str:
        return (f"ValueGridStudy(y={self.y_kind!r}, customers={len(self.grid.cells)}, off_grid={self.off_grid}, "
                f"cuts={self.grid.cuts})")

    @property
    def summary(self) -> pd.DataFrame:
        return self.table

    def _repr_html_(self) -> str:
        return self.table.to_html(index=False)

    def strategy_share(self, strategy: str) -> tuple[float, float]:
        """(customer share, value share) of the cells with ``strategy`` (an id such as ``"invest"``)."""
        rows = self.grid.table[self.grid.table["strategy"] == strategy]
        return float(rows["customer_share"].sum()), float(rows["value_share"].sum())


def value_grid(data: Case | pd.DataFrame, *, window: str = "6M", observation_end: Any = None,
               future_value: pd.Series | None = None, cuts: Any = "tertile") -> ValueGridStudy | Skipped:
    """The value nine-grid: x = spend in the last ``window``, y = its change against the
    window before (or ``future_value``, e.g. CLV), each cut low / medium / high.

    With growth, customers without spend in either window are left off (``off_grid``).
    When the data hold less than two windows of history the section is :class:`Skipped`.

    >>> days = pd.to_datetime(["2024-01-01", "2024-05-01"])
    >>> rows = [(f"c{i}", d, float(a)) for i in range(9) for d, a in zip(days, [(i % 3 + 1) * 10, (i + 1) * 10])]
    >>> tx = pd.DataFrame(rows, columns=["customer_id", "date", "amount"])
    >>> g = value_grid(tx, window="3M", observation_end="2024-06-30")
    >>> int(g.grid.counts.to_numpy().sum()), g.off_grid
    (9, 0)
    """
    tx, end = _log(data, observation_end)
    offset, _, _ = window_length(window)
    last = pd.Timestamp(tx["date"].max()).normalize() if end is None else as_day(end, "observation_end")
    if pd.Timestamp(tx["date"].min()).normalize() > last + pd.Timedelta(days=1) - offset - offset:
        return Skipped("nine_grid", "skipped_grid", CONTEXT, {"window": window})
    spend = window_spend(tx, window=window, observation_end=end)
    if future_value is None:
        on = (spend["current"] > 0) | (spend["previous"] > 0)
        if not on.any():
            raise ValueError(f"value_grid: no customer spent anything in the last two windows of {window!r}")
        x, y = spend.loc[on, "current"], spend.loc[on, "growth"]
        kind, off = "growth", int((~on).sum())
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
    grid = nine_grid(x, y, cuts=cuts)
    out = grid.table.copy()
    means = grid.cells.groupby(["x_level", "y_level"], observed=False, sort=True)[["x", "y"]].mean()
    key = pd.MultiIndex.from_arrays([out["x_level"], out["y_level"]])
    out["x_mean"] = means.reindex(key)["x"].to_numpy()
    out[f"y_mean_{kind}"] = means.reindex(key)["y"].to_numpy()
    out = out.rename(columns={"y_level": f"y_level_{kind}"})
    for column in ("x_level", f"y_level_{kind}"):
        out[column] = out[column].astype("str")
    out = out[["x_level", f"y_level_{kind}", "strategy", "customers", "customer_share", "value", "value_share",
               "x_mean", f"y_mean_{kind}"]]
    return ValueGridStudy(grid=grid, table=out, spend=spend, window=window, y_kind=kind, off_grid=off)


def grid_sentences(g: ValueGridStudy | Skipped) -> Narrative:
    """How many customers the grid holds and what the invest cells carry (nothing when the
    section was skipped: its table says why)."""
    if isinstance(g, Skipped):
        return Narrative([])
    invest, invest_value = g.strategy_share("invest")
    fields = dict(n=q(len(g.grid.cells), "count"), invest=q(invest, "share"), invest_value=q(invest_value, "share"))
    if g.y_kind == "growth":
        return Narrative([say("say_grid", context=CONTEXT, off=q(g.off_grid, "count"), **fields)])
    return Narrative([say("say_grid_future", context=CONTEXT, **fields)])


# --------------------------------------------------------------------------- lifecycle

@dataclass(frozen=True, eq=False)
class LifecycleStudy:
    """Output of :func:`lifecycle_study`: ``stages`` per customer and the per-stage ``table``."""

    stages: pd.DataFrame
    table: pd.DataFrame

    def __repr__(self) -> str:
        return f"LifecycleStudy(customers={len(self.stages)})"

    @property
    def summary(self) -> pd.DataFrame:
        return self.table

    def _repr_html_(self) -> str:
        return self.table.to_html()

    def shares(self) -> pd.Series:
        """Share of customers per stage, indexed by the stage ids (cultivation … lapse)."""
        counts = self.stages["stage"].cat.codes.value_counts().reindex(range(len(STAGES)), fill_value=0)
        return pd.Series(counts.to_numpy() / len(self.stages), index=pd.Index(STAGES, name="stage"), name="share")


def lifecycle_study(data: Case | pd.DataFrame, *, observation_end: Any = None, p_alive: pd.Series | None = None,
                    **rules: Any) -> LifecycleStudy:
    """Lifecycle stages (:func:`~cvm_lib.segmentation.lifecycle_stages`, ``rules`` passed on)
    with size and value (total spend) per stage.

    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"],
    ...                    "date": pd.to_datetime(["2024-01-01", "2024-06-01", "2024-06-20"]),
    ...                    "amount": [10.0, 20.0, 5.0]})
    >>> lifecycle_study(tx, observation_end="2024-06-30").table["customers"].tolist()
    [1, 1, 0, 0, 0]
    """
    tx, end = _log(data, observation_end)
    stages = lifecycle_stages(tx, observation_end=end, p_alive=p_alive, **rules)
    spend = rfm_table(tx, observation_end=end)["monetary"]
    summary = segment_summary(stages, stages["stage"], value=spend.reindex(stages.index),
                              columns=["tenure", "purchase_days", "recency", "typical_gap"])
    out = summary[["customers", "customer_share", "value", "value_share"]].copy()
    out["tenure_mean"] = summary["tenure_mean"]
    out["purchase_days_mean"] = summary["purchase_days_mean"]
    out["recency_days_mean"] = summary["recency_mean"]
    out["typical_gap_mean"] = summary["typical_gap_mean"]
    out.index.name = "stage"
    return LifecycleStudy(stages=stages, table=out)


def lifecycle_sentences(life: LifecycleStudy) -> Narrative:
    """The largest stage and the share in lapse."""
    shares = life.shares()
    largest = shares.idxmax()
    key = "say_lifecycle"
    if largest == "lapse":
        largest, key = shares.drop("lapse").idxmax(), "say_lifecycle_lapse"
    return Narrative([say(key, context=CONTEXT, stage=("label", largest), share=q(shares[largest], "share"),
                          lapse=q(shares["lapse"], "share"))])


# --------------------------------------------------------------------------- migration

_FLOW_COLUMNS = ("size_before", "size_after", "net_change", "stayed", "entered", "from_new", "upgraded_in",
                 "downgraded_in", "exited", "lapsed", "upgraded_out", "downgraded_out", "retention", "hidden_churn")


@dataclass(frozen=True, eq=False)
class MigrationStudy:
    """Output of :func:`migration_study`.

    Attributes
    ----------
    tiers : DataFrame
        Tier per customer and complete period.
    period_a, period_b : pandas.Period
        The last two complete periods.
    result : MigrationResult
        Transition counts and shares (rows: tiers + ``"new"``, columns: tiers +
        ``"lapsed"``), flows, hidden churn (A → B).
    flows : DataFrame
        Index ``tier``: entries, exits and hidden churn (A → B).
    over_time : DataFrame
        ``period`` (the later one), ``tier`` and the flows, for every pair of consecutive
        complete periods.
    top_tier : str
    dropped : list of str
        Incomplete periods left out.
    """

    tiers: pd.DataFrame
    period_a: pd.Period
    period_b: pd.Period
    result: MigrationResult
    flows: pd.DataFrame
    over_time: pd.DataFrame
    top_tier: str
    dropped: list[str]

    def __repr__(self) -> str:
        return (f"MigrationStudy({self.period_a} → {self.period_b}, top_tier={self.top_tier!r}, "
                f"hidden_churn={self.result.hidden_churn})")

    @property
    def summary(self) -> pd.DataFrame:
        return self.flows

    def _repr_html_(self) -> str:
        return self.flows.to_html()

    def top_flows(self) -> pd.Series:
        """The flows of the best tier, A → B."""
        return self.result.flows.loc[self.top_tier]


def migration_study(data: Case | pd.DataFrame, *, period: str = "Q", method: str = "value-tiers",
                    abc_thresholds: Sequence[float] = (0.7, 0.9), shares: Mapping[str, float] | None = None,
                    observation_end: Any = None) -> MigrationStudy | Skipped:
    """Value tiers per calendar period (:func:`~cvm_lib.segmentation.tiers_by_period`) and how
    customers move between the last two complete periods; the flows of every pair of
    consecutive complete periods show the hidden churn. A period not complete at the
    observation end is left out; fewer than two complete periods: :class:`Skipped`.

    >>> tx = pd.DataFrame({"customer_id": list("abcdeabcde") + ["a"],
    ...                    "date": pd.to_datetime(["2024-01-10"] * 5 + ["2024-04-10"] * 5 + ["2024-07-01"]),
    ...                    "amount": [100.0, 50, 40, 10, 5, 5, 50, 40, 10, 100, 1]})
    >>> m = migration_study(tx, shares={"gold": 0.2, "silver": 0.4, "bronze": 0.4})
    >>> str(m.period_a), str(m.period_b), m.dropped, m.top_tier
    ('2024Q1', '2024Q2', ['2024Q3'], 'gold')
    """
    from cvm_lib.summary import encode_log

    tx, end = _log(data, observation_end)
    tiers = tiers_by_period(tx, period=period, method=method, shares=shares, abc_thresholds=abc_thresholds,
                            observation_end=end)
    last = pd.Timestamp(np.datetime64(encode_log(tx, observation_end=end).end_day, "D"))
    complete = [p for p in tiers.columns if p.end_time.normalize() <= last]
    dropped = [str(p) for p in tiers.columns if p not in complete]
    if len(complete) < 2:
        return Skipped("migration", "skipped_migration", CONTEXT, {"period": period})
    tiers = tiers[complete]
    order = list(tiers.attrs.get("tiers") or tiers[complete[0]].cat.categories)
    a, b = complete[-2], complete[-1]
    result = tier_migration(tiers[a], tiers[b], order=order)
    rows = []
    for before, after in zip(complete[:-1], complete[1:], strict=True):
        flows = tier_migration(tiers[before], tiers[after], order=order).flows
        part = flows[list(_FLOW_COLUMNS)].copy()
        part.insert(0, "tier", pd.array(list(flows.index), dtype="str"))
        part.insert(0, "period", str(after))
        rows.append(part.reset_index(drop=True))
    return MigrationStudy(tiers=tiers, period_a=a, period_b=b, result=result,
                          flows=result.flows[list(_FLOW_COLUMNS)].copy(), over_time=pd.concat(rows, ignore_index=True),
                          top_tier=order[0], dropped=dropped)


def migration_sentences(m: MigrationStudy | Skipped) -> Narrative:
    """What happened to the best tier between the last two complete periods (nothing when the
    section was skipped: its table says why)."""
    if isinstance(m, Skipped):
        return Narrative([])
    top = m.top_flows()
    return Narrative([say("say_migration", context=CONTEXT, a=str(m.period_a), b=str(m.period_b),
                          tier=("label", m.top_tier), before=q(int(top["size_before"]), "count"),
                          after=q(int(top["size_after"]), "count"), exited=q(int(top["exited"]), "count"),
                          entered=q(int(top["entered"]), "count"), hidden=q(int(top["hidden_churn"]), "count"))])


# --------------------------------------------------------------------------- key figures

def segmentation_figures(*, scores: pd.DataFrame, concentration: ConcentrationResult, clusters: ClusterStudy,
                         grid: ValueGridStudy | Skipped, lifecycle: LifecycleStudy,
                         migration: MigrationStudy | Skipped, cn8_split: str = "mean") -> list[dict[str, Any]]:
    """Key figures of the study for :func:`~cvm_lib.studies.record_figures`: stable names,
    plain values (segment ids, not names), stable units, labels in both languages."""
    _check_scores(scores, "segmentation_figures")
    figures: list[dict[str, Any]] = []

    def add(key: str, value: Any, unit: str = "", headline: bool = False, *, name: str | None = None,
            **fields: Any) -> None:
        fig = key_figure(key, value, unit, context=CONTEXT, headline=headline, fields=fields)
        fig["name"] = name or key
        figures.append(fig)

    n = len(scores)
    add("kf_customers", n, "customers", name="customers")
    if "observation_end" in scores.attrs:
        add("observation_end", str(scores.attrs["observation_end"]), "date")
    c = concentration
    add("gini", round(c.gini, 6), "ratio", True)
    add("top_value_share", c.top.value_share, "share", True, top=c.top.customer_share)
    add("core_customer_share", c.core.customer_share, "share", core=c.core_target)
    add("abc_a_customers", int((c.classes == "A").sum()), "customers")
    add("abc_a_customer_share", c.a_customer_share, "share", True)
    add("abc_a_value_share", c.a_value_share, "share", True)
    rf10 = rfm_segments(_basis(scores), "rf10")
    codes10 = np.bincount(rf10.cat.codes.to_numpy(), minlength=len(RF10_SEGMENTS))
    largest = int(np.argmax(codes10))
    add("rf10_largest_segment", RF10_SEGMENTS[largest])
    add("rf10_largest_segment_share", codes10[largest] / n, "share")
    spend = scores["monetary"].to_numpy(dtype=np.float64)
    total = spend.sum()
    champions = (rf10 == "champions").to_numpy()
    add("rf10_champions_value_share", float(spend[champions].sum() / total) if total > 0 else 0.0, "share")
    cn8 = rfm_segments(scores, "cn8", split=cn8_split)
    codes8 = np.bincount(cn8.cat.codes.to_numpy(), minlength=len(CN8_SEGMENTS))
    add("cn8_largest_segment", CN8_SEGMENTS[int(np.argmax(codes8))])
    important = (cn8 == "important_value").to_numpy()
    add("cn8_important_value_share", float(important.mean()), "share")
    add("cn8_important_value_value_share", float(spend[important].sum() / total) if total > 0 else 0.0, "share")
    result = clusters.result
    add("cluster_method", result.method)
    add("cluster_k", int(result.k_), "", True)
    add("cluster_criterion", result.criterion)
    silhouette = float(result.scores_.loc[result.k_, "silhouette"])
    if np.isfinite(silhouette):
        add("cluster_silhouette", silhouette, "ratio")
    if clusters.stability is not None:
        add("cluster_ari_mean", clusters.stability.mean_, "ratio", True)
    add("cluster_largest_share", float(result.profile_["share"].iloc[0]), "share")
    if not isinstance(grid, Skipped):
        add("grid_customers", int(len(grid.grid.cells)), "customers")
        if grid.y_kind == "growth":
            add("grid_off", grid.off_grid, "customers")
        invest_customers, invest_value = grid.strategy_share("invest")
        add("grid_invest_customer_share", invest_customers, "share")
        add("grid_invest_value_share", invest_value, "share")
        add("grid_exit_customer_share", grid.strategy_share("exit")[0], "share")
    for key, share in lifecycle.shares().items():
        add("lifecycle_share", float(share), "share", name=f"lifecycle_share_{key}", **_both("stage", key))
    if not isinstance(migration, Skipped):
        a, b = str(migration.period_a), str(migration.period_b)
        top = migration.top_flows()
        tier = _both("tier", migration.top_tier)
        add("migration_periods", f"{a} → {b}")
        add("top_tier_size_before", int(top["size_before"]), "customers", period=a, **tier)
        add("top_tier_size_after", int(top["size_after"]), "customers", period=b, **tier)
        add("top_tier_exited", int(top["exited"]), "customers", **tier)
        add("top_tier_hidden_churn", int(top["hidden_churn"]), "customers", True, **tier)
        if top["size_before"] > 0:
            add("top_tier_hidden_churn_share", float(top["hidden_churn"] / top["size_before"]), "share", **tier)
        if np.isfinite(migration.result.hidden_churn_rate):
            add("hidden_churn_rate", float(migration.result.hidden_churn_rate), "share")
    return figures


# --------------------------------------------------------------------------- figures

def _name(value: Any) -> str:
    """A stable id (segment, stage, tier, level) in the display language; user values as given."""
    return label(value, _lang(), context=CONTEXT, default=value)


def _head(key: str, **fields: Any) -> str:
    """A column header in the display language (the study's header fields filled in)."""
    return label(key, _lang(), context=CONTEXT, **{**header_fields(), **fields})


def figure_rf_heatmap(cells: pd.DataFrame, *, ax: plt.Axes | None = None) -> plt.Axes:
    """Mean spend per R×F cell with the customers below (``cells`` from :func:`rf_cells`)."""
    return seg_plots.plot_rf_heatmap(cells, ax=ax, title=_t("fig_rf_heatmap"), xlabel=_head("F"), ylabel=_head("R"))


def figure_segments(segments: pd.DataFrame, scheme: str = "rf10", *, ax: plt.Axes | None = None) -> plt.Axes:
    """Customers per segment with each segment's value share (``segments`` from :func:`segment_table`)."""
    shown = segments.assign(segment_name=[_name(s) for s in segments.index])
    return plots.plot_share_bars(shown, count="customers", share="value_share", group="segment_name", ax=ax,
                                 title=_t("fig_rf10" if scheme == "rf10" else "fig_cn8"), xlabel=_head("customers"))


def figure_concentration(c: ConcentrationResult, *, ax: plt.Axes | None = None) -> plt.Axes:
    """Lorenz curve with the Gini coefficient, the Pareto point and the ABC boundaries."""
    lang, currency = _lang(), display_settings()["currency"]
    point = _t("fig_pareto_point", x=q(c.top.customer_share, "share").text(lang, currency),
               y=q(c.top.value_share, "share").text(lang, currency))
    return seg_plots.plot_concentration(
        c.curve, top_customer_share=c.top.customer_share, top_value_share=c.top.value_share,
        class_customer_shares=c.abc["customer_share"].tolist(), class_names=list(c.abc.index), ax=ax,
        title=_t("fig_lorenz", gini=q(c.gini, "ratio").text(lang, currency)),
        xlabel=label("cumulative share of customers", lang), ylabel=label("cumulative share of value", lang),
        point_label=point)


def figure_k_selection(clusters: ClusterStudy) -> plt.Figure:
    """Silhouette and inertia (or BIC/AIC) against k, the chosen k marked."""
    k_table = clusters.k_table
    right = [c for c in ("inertia", "bic", "aic") if c in k_table.columns]
    labels = {c: _head(c) for c in ("silhouette", *right)}
    chosen = k_table.loc[k_table["chosen"], "k"]
    return seg_plots.plot_k_selection(k_table, right=right, labels=labels, xlabel=_head("k"),
                                      title=_t("fig_k_selection", method=_name(clusters.result.method)),
                                      chosen_text=_t("fig_chosen", k=int(chosen.iloc[0])) if len(chosen) else "")


def figure_profiles(clusters: ClusterStudy, *, ax: plt.Axes | None = None) -> plt.Axes:
    """Cluster means of recency, frequency and spend, coloured by the standardised mean
    (green = better: more recent, more frequent, higher spend)."""
    profile = clusters.profile
    columns = ["recency_mean", "frequency_mean", "monetary_mean"]
    rows = [f"{c} · {p} ({s:.0%})" for c, p, s in zip(profile.index, profile["pattern"], profile["customer_share"],
                                                       strict=True)]
    fields = header_fields(clusters.time_unit)
    means = pd.DataFrame(profile[columns].to_numpy(), index=rows, columns=[_head(c, **fields) for c in columns])
    z = pd.DataFrame(clusters.z.to_numpy(), index=rows, columns=means.columns)
    return seg_plots.plot_profile_heatmap(means, z, better=[-1.0, 1.0, 1.0], ax=ax, title=_t("fig_profiles"),
                                          ylabel=_head("cluster"), colorbar_label=_t("fig_z"))


def _window_text(window: str, lang: str) -> str:
    _, n, unit = window_length(window)
    return label(f"window_{unit}", lang, context=CONTEXT, n=n)


def figure_nine_grid(g: ValueGridStudy | Skipped, *, ax: plt.Axes | None = None) -> plt.Axes | Skipped:
    """The value nine-grid: strategy, customers (share) and share of value per cell."""
    if isinstance(g, Skipped):
        return g
    grid = g.grid
    rename = {level: _name(level) for level in ("low", "medium", "high")}
    counts = grid.counts.rename(index=rename, columns=rename)
    value_share = grid.value_share.rename(index=rename, columns=rename)
    cell_text = grid.strategies.map(_name).rename(index=rename, columns=rename)
    window = {f"window_{lang}": _window_text(g.window, lang) for lang in ("en", "zh")}
    y_key = "fig_y_axis_growth" if g.y_kind == "growth" else "fig_y_axis_future"
    return seg_plots.plot_nine_grid(counts, value_share, cell_text, ax=ax, title=_t("fig_nine_grid"),
                                    xlabel=_t("fig_x_axis", **window), ylabel=_t(y_key, **window),
                                    value_word=_t("fig_value"), colorbar_label=_t("fig_customer_share"))


def figure_lifecycle(life: LifecycleStudy, *, ax: plt.Axes | None = None) -> plt.Axes:
    """Shares of customers and of value per lifecycle stage."""
    shown = life.table.assign(stage_name=[_name(s) for s in life.table.index])
    return seg_plots.plot_paired_shares(shown, group="stage_name", first="customer_share", second="value_share",
                                        count="customers", ax=ax, title=_t("fig_lifecycle"),
                                        labels={"customer_share": _head("customer_share"),
                                                "value_share": _head("value_share")},
                                        xlabel=_head("stage"), ylabel=_t("fig_share"))


def figure_migration(m: MigrationStudy | Skipped, *, ax: plt.Axes | None = None) -> plt.Axes | Skipped:
    """Tier transition matrix between the last two complete periods (row shares, counts)."""
    if isinstance(m, Skipped):
        return m
    rows = {t: _name(t) for t in m.result.counts.index}
    cols = {t: _name(t) for t in m.result.counts.columns}
    rows[ENTRY_STATE] = _t("tier_new")
    cols[EXIT_STATE] = _name(EXIT_STATE)
    shares = m.result.shares.rename(index=rows, columns=cols)
    counts = m.result.counts.rename(index=rows, columns=cols)
    periods = {"period_a": str(m.period_a), "period_b": str(m.period_b)}
    return seg_plots.plot_transition_matrix(shares, counts, ax=ax,
                                            title=_t("fig_migration", a=m.period_a, b=m.period_b),
                                            xlabel=_t("tier_to", **periods), ylabel=_t("tier_from", **periods))


def figure_hidden_churn(m: MigrationStudy | Skipped, *, tier: str | None = None,
                        ax: plt.Axes | None = None) -> plt.Axes | Skipped:
    """The top tier (or ``tier``) period by period: stayed, entered, exited, size, hidden churn."""
    if isinstance(m, Skipped):
        return m
    tier = m.top_tier if tier is None else tier
    part = m.over_time[m.over_time["tier"] == tier]
    if part.empty:
        raise ValueError(f"figure_hidden_churn: no tier {tier!r}; tiers: {sorted(set(m.over_time['tier']))}")
    labels = {c: _head(c) for c in ("stayed", "entered", "exited")}
    labels["size_after"] = _t("fig_tier_size")
    return seg_plots.plot_tier_turnover(part, labels=labels, ax=ax, note=_t("fig_hidden_note"),
                                        title=_t("fig_hidden_churn", **_both("tier", tier)),
                                        xlabel=_head("period"), ylabel=_head("customers"))
