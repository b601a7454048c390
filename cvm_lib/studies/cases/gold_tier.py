"""Case 3 · 金卡层的隐性流失 Hidden churn in the gold tier: tables, figure and sentence of the notebook."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from cvm_lib import plots
from cvm_lib.cases import gold_tier as case_data
from cvm_lib.studies._base import Sentence, q, say, show
from cvm_lib.studies._table import Table
from cvm_lib.studies.cases._common import text, translated

__all__ = ["CONTEXT", "load", "tier_counts", "migration", "migration_figure", "flow_table", "gold_flows",
           "value_lost_sentence"]

CONTEXT = "cases.gold_tier"
load = case_data.load
migration = case_data.migration
FLOW_COLUMNS = ["size_before", "size_after", "stayed", "entered", "exited", "lapsed_out", "net_change", "retention",
                "hidden_churn"]


def tier_counts(tx: pd.DataFrame) -> Table:
    """Customers per tier and quarter: what the monthly report shows (stable)."""
    table = case_data.tier_counts(tx)
    return show("tier_counts", table, context=CONTEXT, raw_columns=[str(c) for c in table.columns],
                kinds={str(c): "count" for c in table.columns})


def migration_figure(result, first: str, second: str, *, ax: plt.Axes | None = None) -> plt.Axes:
    """Heatmap of the transition counts, axes named by the two quarters."""
    counts = result.counts.copy()
    counts.index = translated(counts.index, CONTEXT)
    counts.columns = translated(counts.columns, CONTEXT)
    return plots.plot_heatmap(counts, ax=ax, xlabel=text("tier_in", CONTEXT, quarter=second),
                              ylabel=text("tier_in", CONTEXT, quarter=first))


def flow_table(result, first: str, second: str) -> Table:
    """Entries and exits per tier between two quarters (a readable selection of ``result.flows``)."""
    flows = result.flows.rename(columns={"lapsed": "lapsed_out"})[FLOW_COLUMNS].rename_axis("tier")
    return show(f"flows_{first}_{second}", flows, context=CONTEXT)


def gold_flows(tx: pd.DataFrame) -> Table:
    """Per quarter-to-quarter transition: gold size before/after, stayed, defected, downgraded, entered."""
    return show("gold_flows", case_data.gold_flows(tx), context=CONTEXT)


def value_lost_sentence(tx: pd.DataFrame) -> Sentence:
    """The value lost to defection, in a sentence."""
    n = int(case_data.gold_flows(tx)["defected"].sum())
    return say("say_value_lost", context=CONTEXT, n=q(n, "count"), value=q(case_data.value_lost(tx), "money"))
