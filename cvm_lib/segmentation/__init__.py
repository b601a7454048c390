"""Customer segmentation: RFM, ABC/Pareto, Lorenz/Gini, clustering, the value nine-grid,
lifecycle stages and tier migration.

Every function takes tidy pandas input (the transaction log of :mod:`cvm_lib.data`, or
one row per customer indexed by ``customer_id``) and returns a DataFrame, a Series or a
small result object; nothing is drawn here (see :mod:`cvm_lib.plots`) and nothing knows a
language: segment, stage, strategy and tier names are stable ids (``"champions"``,
``"important_value"``, ``"cultivation"``, ``"invest"``, ``"gold"``) whose English and
Chinese names are in the label catalogue (:mod:`cvm_lib.labels`), applied when a report
shows them.

=============================  ===========================================================
function                       what it gives
=============================  ===========================================================
:func:`rfm_table`              marketing RFM per customer (recency = time SINCE last purchase)
:func:`rfm_log_scores`         the RFM table and its scores from a log, in one call
:func:`rfm_scores`             1–5 scores (recent = high), quintiles with deterministic ties,
                               or custom bin edges
:func:`rfm_segments`           10-segment R×F map (``"rf10"``) or the Chinese 8-class model
                               (``"cn8"``: important_value 重要价值客户 … general_winback)
:func:`segment_summary`        size, share, value share and mean R/F/M per segment
:func:`gini`                   population Gini coefficient
:func:`lorenz_curve`           Lorenz (or Pareto) curve as a DataFrame
:func:`abc_classes`            A/B/C by cumulative value share
:func:`pareto_statement`       "20.0% of customers bring 80.3% of value" (plain English text)
:func:`cluster_customers`      k-means / Gaussian mixture, k by silhouette or BIC, profiles
:class:`CustomerClusters`      the same as a scikit-learn estimator
:func:`cluster_stability`      bootstrap adjusted Rand index
:func:`nine_grid`              value nine-grid (九宫格) with a strategy per cell
:func:`window_spend`           spend per customer in the current and the previous window
:func:`lifecycle_stages`       cultivation / confirmation / trust / decline / lapse
                               (培育期 … 消失期) by explicit rules
:func:`tiers_by_period`        value tiers or ABC classes per calendar period
:func:`tier_migration`         transition matrix, entries/exits, hidden churn
=============================  ===========================================================

The segmentation notebook's tables, key figures and sentences are built on these in
:mod:`cvm_lib.studies.segmentation`.

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

from cvm_lib.segmentation._common import CN8_SEGMENTS, ENTRY_STATE, EXIT_STATE, RF10_SEGMENTS, STAGES, STRATEGIES, \
    TIERS
from cvm_lib.segmentation.clustering import CLUSTER_SAMPLE, ClusterResult, CustomerClusters, StabilityResult, \
    cluster_customers, cluster_stability
from cvm_lib.segmentation.grid import DEFAULT_STRATEGIES, LEVELS, NineGridResult, nine_grid, window_length, window_spend
from cvm_lib.segmentation.lifecycle import lifecycle_stages
from cvm_lib.segmentation.migration import DEFAULT_TIER_SHARES, MigrationResult, tier_migration, tiers_by_period
from cvm_lib.segmentation.pareto import ParetoPoint, abc_classes, abc_summary, gini, lorenz_curve, pareto_point, \
    pareto_statement
from cvm_lib.segmentation.rfm import CN8_MAP, RF10_MAP, rfm_log_scores, rfm_scores, rfm_segments, rfm_table, \
    segment_map, segment_summary

__all__ = [
    # RFM
    "rfm_table", "rfm_scores", "rfm_log_scores", "rfm_segments", "segment_map", "segment_summary", "RF10_MAP",
    "CN8_MAP", "RF10_SEGMENTS", "CN8_SEGMENTS",
    # ABC / Pareto
    "gini", "lorenz_curve", "abc_classes", "abc_summary", "pareto_point", "pareto_statement", "ParetoPoint",
    # clustering
    "cluster_customers", "cluster_stability", "CustomerClusters", "ClusterResult", "StabilityResult",
    "CLUSTER_SAMPLE",
    # nine-grid
    "nine_grid", "NineGridResult", "window_spend", "window_length", "DEFAULT_STRATEGIES", "LEVELS", "STRATEGIES",
    # lifecycle
    "lifecycle_stages", "STAGES",
    # migration
    "tiers_by_period", "tier_migration", "MigrationResult", "DEFAULT_TIER_SHARES", "TIERS", "ENTRY_STATE",
    "EXIT_STATE",
]
