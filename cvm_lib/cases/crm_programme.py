"""Case 5 · 评价 CRM 项目 Evaluating a CRM programme.

Six branches of a retail bank after a CRM programme (simulated, see
:func:`cvm_lib.cases.simulate.simulate_crm_programme`): an indicator system over six
goals (retention, acquisition, market share, satisfaction, profitability, internal, i.e.
employee, satisfaction), the head office's AHP judgements, and per-branch survey counts
over four grades for five service factors. Every indicator is a benefit indicator
(higher is better). Methods: :mod:`cvm_lib.indicators` (AHP with consistency ratio,
entropy weights with min-max (range) normalisation, TOPSIS with vector normalisation,
fuzzy comprehensive evaluation M(·,+) with grade scores 95/85/70/50).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from cvm_lib import indicators
from cvm_lib.cases._core import Exercise, register
from cvm_lib.cases._data import read_case_csv

__all__ = ["CrmCase", "load", "weights", "ranking", "fuzzy_results", "GRADES", "GRADE_SCORES", "CRITERIA", "BRANCHES"]

#: The indicators: id → (goal id, unit id); every one a benefit indicator (higher is better).
CRITERIA = {"retention_rate": ("retention", "share"), "new_customers": ("acquisition", "customers_per_year"),
            "market_share": ("market_share", "share"), "satisfaction": ("satisfaction", "share"),
            "profit_per_customer": ("profitability", "yuan_per_year"),
            "employee_satisfaction": ("internal_satisfaction", "score_1_5")}
GRADES = ["very_satisfied", "satisfied", "neutral", "dissatisfied"]
GRADE_SCORES = [95, 85, 70, 50]
BRANCHES = ("北京 Beijing", "上海 Shanghai", "广州 Guangzhou", "成都 Chengdu", "武汉 Wuhan", "西安 Xi'an")


@dataclass
class CrmCase:
    branches: pd.DataFrame   # branch × indicator
    judgements: pd.DataFrame  # AHP pairwise matrix over the indicators
    survey: pd.DataFrame      # branch, factor, counts per grade
    factor_weights: pd.Series

    @cached_property
    def ahp(self) -> indicators.AHPResult:
        return indicators.ahp(self.judgements)

    @cached_property
    def entropy(self) -> indicators.EntropyResult:
        return indicators.entropy_weights(self.branches, normalise="min-max")

    def topsis(self, weights: str = "ahp") -> indicators.TopsisResult:
        w = self.ahp.weights if weights == "ahp" else self.entropy.weights
        return indicators.topsis(self.branches, w)

    def fuzzy(self, branch: str) -> indicators.FuzzyResult:
        counts = self.survey[self.survey["branch"] == branch].set_index("factor")[GRADES]
        return indicators.fuzzy_evaluation(self.factor_weights, indicators.membership_from_frequencies(counts),
                                           grade_scores=GRADE_SCORES)


def load() -> CrmCase:
    b = read_case_csv("crm_branches.csv", ["branch", *CRITERIA]).set_index("branch")[list(CRITERIA)]
    j = read_case_csv("crm_ahp_judgements.csv", ["criterion", *CRITERIA]).set_index("criterion")
    s = read_case_csv("crm_survey_counts.csv", ["branch", "factor", *GRADES])
    w = read_case_csv("crm_factor_weights.csv", ["factor", "weight"]).set_index("factor")["weight"]
    return CrmCase(b, j.loc[list(CRITERIA), list(CRITERIA)], s, w)


def weights(case: CrmCase) -> pd.DataFrame:
    """AHP and entropy weights side by side (index ``indicator``; ``ahp_weight``, ``entropy_weight``)."""
    return pd.DataFrame({"ahp_weight": case.ahp.weights, "entropy_weight": case.entropy.weights}).rename_axis("indicator")


def ranking(case: CrmCase) -> pd.DataFrame:
    """TOPSIS closeness and rank with AHP and with entropy weights (index ``branch``)."""
    ta, te = case.topsis("ahp"), case.topsis("entropy")
    return pd.DataFrame({"closeness_ahp": ta.closeness, "rank_ahp": ta.rank, "closeness_entropy": te.closeness,
                         "rank_entropy": te.rank}).rename_axis("branch")


def fuzzy_results(case: CrmCase) -> pd.DataFrame:
    """Fuzzy evaluation vector over :data:`GRADES`, ``score`` and ``grade`` (a grade id) of every branch."""
    rows = []
    for b in case.branches.index:
        f = case.fuzzy(b)
        rows.append({"branch": b, **{g: float(f.vector[g]) for g in GRADES}, "score": float(f.score),
                     "grade": str(f.grade)})
    return pd.DataFrame(rows).set_index("branch")


FUZZY_BRANCH = "广州 Guangzhou"
TOPSIS_BRANCH = "上海 Shanghai"

EXERCISES = [
    Exercise("crm_programme", "e1", "compute", lambda c: c.ahp.consistency_ratio, abs_tol=0.002),
    Exercise("crm_programme", "e2", "decide", lambda c: "yes" if c.ahp.consistency_ratio <= 0.1 else "no", answer="option", options=('yes', 'no')),
    Exercise("crm_programme", "e3", "compute", lambda c: float(c.ahp.weights["retention_rate"]), abs_tol=0.005),
    Exercise("crm_programme", "e4", "interpret", lambda c: str(c.entropy.weights.idxmax()), answer="option", options=tuple(CRITERIA)),
    Exercise("crm_programme", "e5", "compute", lambda c: float(c.topsis("ahp").closeness[TOPSIS_BRANCH]), abs_tol=0.005),
    Exercise("crm_programme", "e6", "interpret", lambda c: str(c.topsis("ahp").closeness.idxmax()), answer="option", options=BRANCHES),
    Exercise("crm_programme", "e7", "compute", lambda c: float(c.fuzzy(FUZZY_BRANCH).score), abs_tol=0.1),
    Exercise("crm_programme", "e8", "decide", lambda c: str(pd.Series({b: c.fuzzy(b).score for b in c.branches.index}).idxmin()), answer="option", options=BRANCHES),
]

register("crm_programme", load, EXERCISES)
