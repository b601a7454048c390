"""Customer segmentation: RFM, ABC/Pareto, Lorenz/Gini, clustering, the value nine-grid,
lifecycle stages and tier migration.

Every function takes tidy pandas input (the transaction log of :mod:`cvm_lib.data`, or
one row per customer indexed by ``customer_id``) and returns a DataFrame, a Series or a
small result object; nothing is drawn here (see :mod:`cvm_lib.plots`). Segment, stage,
strategy and tier names come in English or Chinese (``lang="en"`` / ``"zh"``).

=============================  ===========================================================
function                       what it gives
=============================  ===========================================================
:func:`rfm_table`              marketing RFM per customer (recency = time SINCE last purchase)
:func:`rfm_scores`             1–5 scores (recent = high), quintiles with deterministic ties,
                               or custom bin edges
:func:`rfm_segments`           10-segment R×F map (``"rf10"``) or the Chinese 8-class model
                               (``"cn8"``: 重要价值客户 … 一般挽留客户)
:func:`segment_summary`        size, share, value share and mean R/F/M per segment
:func:`gini`                   population Gini coefficient
:func:`lorenz_curve`           Lorenz (or Pareto) curve as a DataFrame
:func:`abc_classes`            A/B/C by cumulative value share
:func:`pareto_statement`       "20.0% of customers bring 80.3% of value"
:func:`cluster_customers`      k-means / Gaussian mixture, k by silhouette or BIC, profiles
:func:`cluster_stability`      bootstrap adjusted Rand index
:func:`nine_grid`              value nine-grid (九宫格) with a strategy per cell
:func:`lifecycle_stages`       培育期 / 确认期 / 信任期 / 弱化期 / 消失期 by explicit rules
:func:`tiers_by_period`        value tiers or ABC classes per calendar period
:func:`tier_migration`         transition matrix, entries/exits, hidden churn
=============================  ===========================================================

The study notebook's single-call helpers (labelled tables, result objects, key figures)
are in :mod:`cvm_lib.segmentation.study`.

Conventions
-----------
* **RFM**: recency = days (or ``time_unit``) since the last purchase day; frequency =
  distinct purchase days; monetary = total spend (or mean per purchase). Scores 1..5,
  5 best on every dimension, so RECENT = HIGH R.
* **Ties in quintile scores** (``ties="split"``): equal-count groups; equal values are
  ordered by the other two dimensions (better first), then by customer id (smaller id,
  lower score). The same customers in any row order get the same scores.
* **cn8 split**: R, F, M each high if strictly above the mean (or median) of all
  customers; a customer exactly at the centre is low.
* **ABC**: largest customers first; with ``crossing="upper"`` (default) the customer who
  crosses a threshold joins the higher class, so A is the smallest top group bringing
  at least 70% of value. Equal values are ordered by customer id.
* **Gini**: population form ``Σ|xi − xj| / (2 n² mean)``, no ``n/(n−1)`` correction:
  ``gini([0, 0, 0, 10]) == 0.75``.
* **Nine-grid**: levels low ``v <= t1`` < medium ``<= t2`` < high, ``t1, t2`` the
  tertiles by default.
* **Lifecycle**: rules in order lapse → cultivation → decline → trust → confirmation, on
  tenure, purchase days, recency / own typical gap and the recent-vs-earlier purchase
  rate (see :func:`lifecycle_stages`).
* **Hidden churn**: per tier, ``min(exited, entered)``: leavers masked by arrivals; all
  leavers when the tier's size is flat (see :func:`tier_migration`).

Examples
--------
>>> from cvm_lib.datasets import cdnow
>>> from cvm_lib.segmentation import rfm_table, rfm_scores, rfm_segments, segment_summary
>>> rfm = rfm_table(cdnow(sample=True))
>>> seg = rfm_segments(rfm_scores(rfm))
>>> summary = segment_summary(rfm, seg)
>>> int(summary["customers"].sum()), round(float(summary["value_share"].sum()), 6)
(2357, 1.0)
>>> pareto_statement(rfm["monetary"])
'20.0% of customers bring ...% of value'
"""

from cvm_lib.segmentation._common import CN8_LABELS, LEVEL_LABELS, RF10_LABELS, STAGE_LABELS, STRATEGY_LABELS, \
    TIER_LABELS
from cvm_lib.segmentation.clustering import ClusterResult, StabilityResult, cluster_customers, cluster_stability
from cvm_lib.segmentation.grid import DEFAULT_STRATEGIES, LEVELS, NineGridResult, nine_grid
from cvm_lib.segmentation.lifecycle import STAGES, lifecycle_stages
from cvm_lib.segmentation.migration import DEFAULT_TIER_SHARES, MigrationResult, tier_migration, tiers_by_period
from cvm_lib.segmentation.pareto import ParetoPoint, abc_classes, abc_summary, gini, lorenz_curve, pareto_point, \
    pareto_statement
from cvm_lib.segmentation.rfm import CN8_MAP, RF10_MAP, rfm_scores, rfm_segments, rfm_table, segment_map, \
    segment_summary
from cvm_lib.segmentation.study import ClusterStudy, ConcentrationResult, LifecycleStudy, MigrationStudy, \
    ValueGridStudy, cluster_study, lifecycle_study, migration_study, rf_heatmap_table, rfm_study_scores, \
    score_levels_table, segment_table, segmentation_figures, study_label, value_concentration, value_grid, \
    window_spend

__all__ = [
    # RFM
    "rfm_table", "rfm_scores", "rfm_segments", "segment_map", "segment_summary", "RF10_MAP", "CN8_MAP",
    "RF10_LABELS", "CN8_LABELS",
    # ABC / Pareto
    "gini", "lorenz_curve", "abc_classes", "abc_summary", "pareto_point", "pareto_statement", "ParetoPoint",
    # clustering
    "cluster_customers", "cluster_stability", "ClusterResult", "StabilityResult",
    # nine-grid
    "nine_grid", "NineGridResult", "DEFAULT_STRATEGIES", "LEVELS", "STRATEGY_LABELS", "LEVEL_LABELS",
    # lifecycle
    "lifecycle_stages", "STAGES", "STAGE_LABELS",
    # migration
    "tiers_by_period", "tier_migration", "MigrationResult", "DEFAULT_TIER_SHARES", "TIER_LABELS",
    # the segmentation study in single calls (cvm_lib.segmentation.study)
    "rfm_study_scores", "score_levels_table", "rf_heatmap_table", "segment_table", "value_concentration",
    "ConcentrationResult", "cluster_study", "ClusterStudy", "window_spend", "value_grid", "ValueGridStudy",
    "lifecycle_study", "LifecycleStudy", "migration_study", "MigrationStudy", "segmentation_figures", "study_label",
]
