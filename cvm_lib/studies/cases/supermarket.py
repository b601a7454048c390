"""Case 1 · 超市会员管理 Supermarket member management: tables, figure and sentences of the notebook."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from cvm_lib import plots, segmentation
from cvm_lib.cases import supermarket as case_data
from cvm_lib.studies._base import Sentence, q, say, show
from cvm_lib.studies._table import Table
from cvm_lib.studies.cases._common import text

__all__ = ["CONTEXT", "load", "members", "abc_table", "pareto_sentence", "lorenz_figure", "tier_table",
           "reliability_sentence", "nps_table", "crm_goals"]

CONTEXT = "cases.supermarket"
load = case_data.load


def members(case: case_data.SupermarketCase, n: int = 5) -> Table:
    """The first ``n`` members (the data as given)."""
    return show("members", case.members.head(n), context=CONTEXT, record=False)


def abc_table(case: case_data.SupermarketCase, thresholds=(0.7, 0.9)) -> Table:
    """ABC classes of the active members by 2024 spend (A = the members bringing the first 70 %)."""
    return show("abc", segmentation.abc_summary(case.spend, thresholds), context=CONTEXT)


def pareto_sentence(case: case_data.SupermarketCase) -> Sentence:
    """What share of the spend the top 20 % of members bring, and the Gini coefficient."""
    point = segmentation.pareto_point(case.spend, customer_share=0.2)
    return say("say_pareto", context=CONTEXT, top=q(0.2, "share"), share=q(point.value_share, "share"),
               gini=q(segmentation.gini(case.spend), "ratio"))


def lorenz_figure(case: case_data.SupermarketCase, *, ax: plt.Axes | None = None) -> plt.Axes:
    """Lorenz curve of the 2024 spend with its Gini coefficient in the title."""
    gini = segmentation.gini(case.spend)
    return plots.plot_lorenz(segmentation.lorenz_curve(case.spend), ax=ax,
                             title=text("lorenz_title", CONTEXT, gini=f"{gini:.3f}"),
                             xlabel=text("cumulative share of customers", CONTEXT),
                             ylabel=text("cumulative share of value", CONTEXT))


def tier_table(case: case_data.SupermarketCase) -> Table:
    """Members, spend and visits by card tier (2024, active members)."""
    return show("tiers", case_data.tier_summary(case), context=CONTEXT)


def reliability_sentence(case: case_data.SupermarketCase) -> Sentence:
    """Cronbach's α of the survey items with its interval."""
    result = case_data.survey_reliability(case)
    low, high = result.ci_low, result.ci_high
    return say("say_alpha", context=CONTEXT, items=q(result.n_items, "count"), alpha=q(result.alpha, "ratio"),
               low=q(low, "ratio"), high=q(high, "ratio"), n=q(result.n_obs, "count"))


def nps_table(case: case_data.SupermarketCase) -> Table:
    """NPS and its parts by card tier and for all respondents."""
    return show("nps", case_data.nps_table(case), context=CONTEXT)


def crm_goals(case: case_data.SupermarketCase) -> Table:
    """The six CRM goals of the case, each measured by one indicator, with its unit."""
    values = case_data.goal_values(case)
    table = pd.DataFrame({"goal": list(values), "value_measured": list(values.values()),
                          "unit": [case_data.GOALS[k] for k in values]})
    return show("crm_goals", table, context=CONTEXT)
