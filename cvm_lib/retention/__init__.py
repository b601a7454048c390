"""Retention analysis: cohorts, churn definitions, survival models, contractual projection,
the value of retention, churn prediction and retention-programme effects.

========================  ===============================================================
cohorts                   :func:`cohort_retention` (cohort × period active counts and rates,
                          by group, pooled curves), :func:`contract_survival` (contractual)
churn definitions         :func:`churn_labels` (inactivity, P(alive), contract end dates;
                          ``describe()`` states the definition), :func:`customer_lifetimes`
survival                  :func:`kaplan_meier`, :func:`logrank`, :func:`fit_cox` (and the
                          estimator :class:`CoxPH`)
                          (with ``check_proportional_hazards()``), :func:`concordance_index`
contractual projection    :func:`fit_sbg`, :func:`project_retention`,
                          :func:`retention_by_tenure`, :func:`derl` (any fitted sBG-like model)
value of retention        :func:`retention_value`, :func:`reichheld_table`,
                          :func:`retention_economics`
churn prediction          :func:`churn_features`, :func:`churn_model`
programme effects         :func:`programme_effect`, :func:`difference_in_proportions`
the retention study       :mod:`cvm_lib.studies.retention` (``notebooks/03_retention.ipynb``)
========================  ===============================================================

Results are objects with fitted attributes ending in ``_`` and a ``summary()`` table;
tables meant for figures are tidy (long-form) DataFrames. Bad input raises
:class:`cvm_lib.data.CvmDataError` (a ``ValueError``) naming the column and rows.
"""

from cvm_lib.retention.churn import ChurnDefinition, ChurnLabels, churn_labels, customer_lifetimes
from cvm_lib.retention.cohorts import CohortRetention, cohort_retention, contract_survival
from cvm_lib.retention.prediction import ChurnModel, churn_features, churn_model
from cvm_lib.retention.programme import ProgrammeEffect, difference_in_proportions, programme_effect
from cvm_lib.retention.projection import derl, fit_sbg, project_retention, retention_by_tenure
from cvm_lib.retention.survival import (CoxPH, CoxResult, KaplanMeier, LogrankResult, ProportionalHazardsTest,
                                        concordance_index, fit_cox, kaplan_meier, logrank)
from cvm_lib.retention.value import RetentionEconomics, reichheld_table, retention_economics, retention_value

__all__ = [
    "cohort_retention", "contract_survival", "CohortRetention",
    "churn_labels", "ChurnLabels", "ChurnDefinition", "customer_lifetimes",
    "kaplan_meier", "KaplanMeier", "logrank", "LogrankResult", "fit_cox", "CoxResult", "CoxPH",
    "ProportionalHazardsTest", "concordance_index",
    "fit_sbg", "project_retention", "retention_by_tenure", "derl",
    "retention_value", "reichheld_table", "retention_economics", "RetentionEconomics",
    "churn_features", "churn_model", "ChurnModel",
    "programme_effect", "ProgrammeEffect", "difference_in_proportions",
]
