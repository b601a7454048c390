"""Case 4 · 啤酒企业的经销商关系 A brewer's distributor relationships: tables and figure of the notebook."""

from __future__ import annotations

import matplotlib.pyplot as plt

from cvm_lib import plots
from cvm_lib.cases import brewer as case_data
from cvm_lib.studies._base import show
from cvm_lib.studies._table import Table
from cvm_lib.studies.cases._common import text

__all__ = ["CONTEXT", "load", "distributors", "stage_table", "survival_figure", "retention_by_age", "drivers",
           "keeping_value"]

CONTEXT = "cases.brewer"
load = case_data.load


def distributors(case: case_data.BrewerCase, n: int = 5) -> Table:
    """The first ``n`` distributors (the data with the relationship age)."""
    columns = ["region", "years", "ended", "exclusive", "on_time_delivery", "marketing_support", "annual_volume_kl"]
    frame = case.distributors[columns].head(n).astype({"ended": bool, "exclusive": bool, "marketing_support": bool})
    return show("distributors", frame, context=CONTEXT, record=False)


def stage_table(case: case_data.BrewerCase) -> Table:
    """Distributors and their orders in the last 12 months by lifecycle stage."""
    return show("stages", case_data.stage_summary(case), context=CONTEXT)


def survival_figure(case: case_data.BrewerCase, *, ax: plt.Axes | None = None) -> plt.Axes:
    """Kaplan-Meier curve of the relationships with its 95 % band."""
    return plots.plot_survival(case.km.curves_, ax=ax, group=None, title=text("survival_title", CONTEXT),
                               xlabel=text("axis_years", CONTEXT), ylabel=text("axis_survival", CONTEXT))


def retention_by_age(case: case_data.BrewerCase, max_age: int = 8) -> Table:
    """Yearly retention by relationship age, r(k) = S(k)/S(k−1)."""
    return show("retention_by_age", case_data.retention_by_age(case, max_age), context=CONTEXT)


def drivers(case: case_data.BrewerCase) -> Table:
    """Cox hazard ratios with 95 % intervals and the planted truth."""
    return show("cox_drivers", case_data.drivers(case), context=CONTEXT)


def keeping_value(case: case_data.BrewerCase) -> Table:
    """CLV of a distributor today and with yearly retention 5 points higher (10k yuan)."""
    return show("keeping_value", case_data.keeping_value(case, 0.05), context=CONTEXT)
