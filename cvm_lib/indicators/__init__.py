"""CRM evaluation indicators: indicator systems, AHP, entropy weights, TOPSIS, fuzzy
comprehensive evaluation, survey reliability, NPS and CSAT.

Modules
-------
:mod:`~cvm_lib.indicators.pairwise`
    :func:`ahp` (principal eigenvector, geometric mean, column normalisation; λmax, CI,
    CR with Saaty's 1980 random index) and :func:`hierarchical_ahp` (global weights).
:mod:`~cvm_lib.indicators.weighting`
    :func:`entropy_weights` (classical proportion form or min-max) and
    :func:`combine_weights` (subjective × objective).
:mod:`~cvm_lib.indicators.ranking`
    :func:`topsis` (vector normalisation by default) and :func:`composite_index`.
:mod:`~cvm_lib.indicators.fuzzy`
    :func:`fuzzy_evaluation` with M(·,+), M(∧,∨), M(·,∨), M(∧,⊕);
    :func:`multilevel_fuzzy_evaluation`; membership matrices from frequencies,
    survey answers or piecewise-linear membership functions.
:mod:`~cvm_lib.indicators.reliability`
    :func:`cronbach_alpha` (Feldt CI, item-total correlations, alpha if deleted),
    :func:`nps`, :func:`csat`.
:mod:`~cvm_lib.indicators.system`
    Indicator systems as data: :data:`DEFAULT_INDICATOR_SYSTEM` (balanced scorecard),
    :func:`load_indicator_system` (YAML or dict, validated),
    :meth:`IndicatorSystem.evaluate` (weights, composite index, TOPSIS ranking).
:mod:`~cvm_lib.indicators.compute`
    Indicators per store/region/period from transactions, surveys and complaints:
    :func:`unit_indicators` and its parts.

The CRM indicator study (``notebooks/04_crm_indicators.ipynb``) is
:mod:`cvm_lib.studies.indicators`; nothing here knows a notebook or a language.

Every method accepts NumPy arrays or pandas objects (labels are kept) and returns a
result object with named fields, ``summary`` (a DataFrame, shown as HTML in a notebook),
``to_frame()`` and a plain-text report as ``str(result)``; the weight and score results
also behave like their main vector (``np.asarray(result)``).

Examples
--------
>>> from cvm_lib.indicators import ahp, topsis
>>> weights = ahp([[1, 3], ["1/3", 1]], labels=["retention", "acquisition"]).weights
>>> weights.round(2).to_dict()
{'retention': 0.75, 'acquisition': 0.25}
>>> topsis([[0.6, 120], [0.8, 90]], weights, ["benefit", "benefit"]).rank.tolist()
[2, 1]
"""

from cvm_lib.indicators.compute import complaint_indicators, survey_indicators, transaction_indicators, \
    unit_indicators
from cvm_lib.indicators.fuzzy import FUZZY_OPERATORS, FuzzyResult, MultilevelFuzzyResult, fuzzy_evaluation, \
    membership_from_frequencies, membership_from_responses, membership_from_values, multilevel_fuzzy_evaluation
from cvm_lib.indicators.pairwise import SAATY_RANDOM_INDEX, SAATY_SCALE, AHPResult, HierarchyResult, ahp, \
    hierarchical_ahp, pairwise_matrix, random_index
from cvm_lib.indicators.ranking import CompositeResult, TopsisResult, composite_index, topsis
from cvm_lib.indicators.reliability import NPSResult, ReliabilityResult, cronbach_alpha, cronbach_alpha_from_cov, \
    csat, nps
from cvm_lib.indicators.system import COMPUTED_INDICATORS, DEFAULT_INDICATOR_SYSTEM, SOURCES, Dimension, \
    EvaluationResult, Indicator, IndicatorSystem, IndicatorSystemError, load_indicator_system
from cvm_lib.indicators.weighting import EntropyResult, combine_weights, entropy_weights

__all__ = [
    # AHP
    "ahp", "hierarchical_ahp", "pairwise_matrix", "random_index", "AHPResult", "HierarchyResult",
    "SAATY_RANDOM_INDEX", "SAATY_SCALE",
    # weights and ranking
    "entropy_weights", "combine_weights", "EntropyResult", "topsis", "composite_index", "TopsisResult",
    "CompositeResult",
    # fuzzy evaluation
    "fuzzy_evaluation", "multilevel_fuzzy_evaluation", "membership_from_frequencies", "membership_from_responses",
    "membership_from_values", "FuzzyResult", "MultilevelFuzzyResult", "FUZZY_OPERATORS",
    # surveys
    "cronbach_alpha", "cronbach_alpha_from_cov", "nps", "csat", "ReliabilityResult", "NPSResult",
    # indicator systems and per-unit indicators
    "load_indicator_system", "IndicatorSystem", "IndicatorSystemError", "Indicator", "Dimension",
    "EvaluationResult", "DEFAULT_INDICATOR_SYSTEM", "COMPUTED_INDICATORS", "SOURCES",
    "unit_indicators", "transaction_indicators", "survey_indicators", "complaint_indicators",
]
