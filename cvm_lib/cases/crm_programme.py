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
from cvm_lib.cases._data import read_case_csv, t

__all__ = ["CrmCase", "load", "indicator_system", "branch_table", "factor_table", "judgement_matrix", "ahp_check", "weights_table", "ranking", "fuzzy_table", "GRADES",
           "GRADE_SCORES", "CRITERIA"]

CRITERIA = {"retention_rate": ("客户保持率", "retention rate", "客户保持 retention", "share"),
            "new_customers": ("新增客户数", "new customers", "客户获取 acquisition", "customers a year"),
            "market_share": ("市场份额", "market share", "市场份额 market share", "share"),
            "satisfaction": ("客户满意度（CSAT）", "customer satisfaction (CSAT)", "客户满意 satisfaction", "share"),
            "profit_per_customer": ("客均利润（元）", "profit per customer (yuan)", "客户盈利 profitability", "yuan a year"),
            "employee_satisfaction": ("员工满意度（1–5）", "employee satisfaction (1-5)", "内部满意 internal satisfaction", "score 1-5")}
GRADES = ["very_satisfied", "satisfied", "neutral", "dissatisfied"]
GRADE_TEXT = {"very_satisfied": ("很满意", "very satisfied"), "satisfied": ("满意", "satisfied"),
              "neutral": ("一般", "neutral"), "dissatisfied": ("不满意", "dissatisfied")}
GRADE_SCORES = [95, 85, 70, 50]


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


def indicator_system(lang: str = "zh") -> pd.DataFrame:
    """The indicator system: goal, indicator, unit, direction."""
    return pd.DataFrame({t(lang, "目标", "goal"): [v[2] for v in CRITERIA.values()],
                         t(lang, "指标", "indicator"): [v[0] if lang == "zh" else v[1] for v in CRITERIA.values()],
                         t(lang, "单位", "unit"): [v[3] for v in CRITERIA.values()],
                         t(lang, "方向", "direction"): t(lang, "越大越好", "higher is better")},
                        index=pd.Index(list(CRITERIA), name="key"))


def _names(index, lang):
    return [CRITERIA[k][0 if lang == "zh" else 1] for k in index]


def branch_table(case: CrmCase, lang: str = "zh") -> pd.DataFrame:
    """The indicator values per branch, columns named in ``lang``."""
    out = case.branches.copy()
    out.columns = _names(out.columns, lang)
    return out.rename_axis(t(lang, "分行", "branch"))


def factor_table(case: CrmCase, lang: str = "zh") -> pd.DataFrame:
    """The weights of the survey's service factors."""
    return case.factor_weights.rename(t(lang, "权重", "weight")).to_frame().rename_axis(t(lang, "服务因素", "factor"))


def judgement_matrix(case: CrmCase, lang: str = "zh") -> pd.DataFrame:
    m = case.judgements.copy()
    m.index = m.columns = _names(m.index, lang)
    return m


def weights_table(case: CrmCase, lang: str = "zh") -> pd.DataFrame:
    """AHP and entropy weights side by side."""
    out = pd.DataFrame({t(lang, "AHP 权重", "AHP weight"): case.ahp.weights,
                        t(lang, "熵权", "entropy weight"): case.entropy.weights})
    out.index = _names(out.index, lang)
    return out.rename_axis(t(lang, "指标", "indicator"))


def ahp_check(case: CrmCase, lang: str = "zh") -> pd.DataFrame:
    a = case.ahp
    return pd.DataFrame({t(lang, "数值", "value"): [a.lambda_max, a.consistency_index, a.consistency_ratio]},
                        index=["λmax", "CI", "CR"])


def ranking(case: CrmCase, lang: str = "zh") -> pd.DataFrame:
    """TOPSIS closeness and rank with AHP and with entropy weights."""
    ta, te = case.topsis("ahp"), case.topsis("entropy")
    return pd.DataFrame({t(lang, "贴近度（AHP 权重）", "closeness (AHP)"): ta.closeness,
                         t(lang, "排名（AHP）", "rank (AHP)"): ta.rank,
                         t(lang, "贴近度（熵权）", "closeness (entropy)"): te.closeness,
                         t(lang, "排名（熵权）", "rank (entropy)"): te.rank}).rename_axis(t(lang, "分行", "branch"))


def fuzzy_table(case: CrmCase, lang: str = "zh") -> pd.DataFrame:
    """Fuzzy evaluation vector, score and grade of every branch."""
    rows = {}
    for b in case.branches.index:
        f = case.fuzzy(b)
        row = {GRADE_TEXT[g][0 if lang == "zh" else 1]: float(f.vector[g]) for g in GRADES}
        row[t(lang, "综合得分", "score")] = float(f.score)
        row[t(lang, "评价等级", "grade")] = GRADE_TEXT[f.grade][0 if lang == "zh" else 1]
        rows[b] = row
    return pd.DataFrame(rows).T.rename_axis(t(lang, "分行", "branch"))


_BRANCH_OPTIONS = {b: (b.split(" ", 1)[0], b.split(" ", 1)[1]) for b in
                   ["北京 Beijing", "上海 Shanghai", "广州 Guangzhou", "成都 Chengdu", "武汉 Wuhan", "西安 Xi'an"]}
FUZZY_BRANCH = "广州 Guangzhou"
TOPSIS_BRANCH = "上海 Shanghai"

EXERCISES = [
    Exercise("crm_programme", "e1", "compute", lambda c: c.ahp.consistency_ratio, abs_tol=0.002),
    Exercise("crm_programme", "e2", "decide", lambda c: "yes" if c.ahp.consistency_ratio <= 0.1 else "no", answer="option", options=('yes', 'no')),
    Exercise("crm_programme", "e3", "compute", lambda c: float(c.ahp.weights["retention_rate"]), abs_tol=0.005),
    Exercise("crm_programme", "e4", "interpret", lambda c: str(c.entropy.weights.idxmax()), answer="option", options=('retention_rate', 'new_customers', 'market_share', 'satisfaction', 'profit_per_customer', 'employee_satisfaction')),
    Exercise("crm_programme", "e5", "compute", lambda c: float(c.topsis("ahp").closeness[TOPSIS_BRANCH]), abs_tol=0.005),
    Exercise("crm_programme", "e6", "interpret", lambda c: str(c.topsis("ahp").closeness.idxmax()), answer="option", options=('北京 Beijing', '上海 Shanghai', '广州 Guangzhou', '成都 Chengdu', '武汉 Wuhan', "西安 Xi'an")),
    Exercise("crm_programme", "e7", "compute", lambda c: float(c.fuzzy(FUZZY_BRANCH).score), abs_tol=0.1),
    Exercise("crm_programme", "e8", "decide", lambda c: str(pd.Series({b: c.fuzzy(b).score for b in c.branches.index}).idxmin()), answer="option", options=('北京 Beijing', '上海 Shanghai', '广州 Guangzhou', '成都 Chengdu', '武汉 Wuhan', "西安 Xi'an")),
]

register("crm_programme", load, EXERCISES)
