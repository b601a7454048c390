"""Case 5 · 评价 CRM 项目 Evaluating a CRM programme: tables of the notebook."""

from __future__ import annotations

import pandas as pd

from cvm_lib.cases import crm_programme as case_data
from cvm_lib.studies._base import show
from cvm_lib.studies._table import Table

__all__ = ["CONTEXT", "load", "indicator_system", "branch_table", "judgement_matrix", "ahp_check", "weights_table",
           "ranking", "factor_table", "fuzzy_table"]

CONTEXT = "cases.crm_programme"
load = case_data.load


def indicator_system() -> Table:
    """The indicator system: indicator, goal, unit, direction."""
    table = pd.DataFrame({"indicator": list(case_data.CRITERIA), "goal": [g for g, _ in case_data.CRITERIA.values()],
                          "unit": [u for _, u in case_data.CRITERIA.values()],
                          "direction": "higher_is_better"})
    return show("indicator_system", table, context=CONTEXT)


def branch_table(case: case_data.CrmCase) -> Table:
    """The indicator values per branch."""
    return show("branches", case.branches.rename_axis("branch"), context=CONTEXT)


def judgement_matrix(case: case_data.CrmCase) -> Table:
    """The head office's pairwise judgements (row criterion against column criterion)."""
    return show("judgements", case.judgements.rename_axis("criterion"), context=CONTEXT,
                kinds={c: "ratio" for c in case.judgements.columns})


def ahp_check(case: case_data.CrmCase) -> Table:
    """λmax, the consistency index and the consistency ratio of the judgements."""
    a = case.ahp
    table = pd.DataFrame({"statistic": ["lambda_max", "consistency_index", "consistency_ratio"],
                          "value": [a.lambda_max, a.consistency_index, a.consistency_ratio]})
    return show("ahp_check", table, context=CONTEXT)


def weights_table(case: case_data.CrmCase) -> Table:
    """AHP and entropy weights side by side."""
    return show("weights", case_data.weights(case), context=CONTEXT)


def ranking(case: case_data.CrmCase) -> Table:
    """TOPSIS closeness and rank with AHP and with entropy weights."""
    return show("topsis", case_data.ranking(case), context=CONTEXT)


def factor_table(case: case_data.CrmCase) -> Table:
    """The weights of the survey's service factors."""
    return show("factor_weights", case.factor_weights.rename("weight").rename_axis("factor").to_frame(),
                context=CONTEXT)


def fuzzy_table(case: case_data.CrmCase) -> Table:
    """Fuzzy evaluation vector, score and grade of every branch."""
    return show("fuzzy", case_data.fuzzy_results(case), context=CONTEXT)
