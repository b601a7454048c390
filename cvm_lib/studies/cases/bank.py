"""Case 2 · 银行对公客户价值九宫格 A bank's corporate-client nine-grid: tables and figures of the notebook."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from cvm_lib import plots
from cvm_lib.cases import bank as case_data
from cvm_lib.studies._base import show
from cvm_lib.studies._table import Table
from cvm_lib.studies.cases._common import text, translated

__all__ = ["CONTEXT", "load", "clients", "value_grid", "growth_grid", "cut_table", "grid_figure",
           "strategy_table", "gap_table"]

CONTEXT = "cases.bank_nine_grid"
load = case_data.load
value_grid = case_data.value_grid
growth_grid = case_data.growth_grid

#: The columns on the two axes of each grid.
AXES = {"value": ("revenue", "raroc"), "growth": ("revenue_growth", "client_growth")}
LEVELS = ("low", "medium", "high")


def clients(data: pd.DataFrame, n: int = 5) -> Table:
    """The first ``n`` clients with the inputs of RAROC."""
    columns = ["industry", "revenue", "operating_cost", "expected_loss", "economic_capital", "raroc"]
    return show("clients", data[columns].head(n), context=CONTEXT, record=False)


def cut_table(grid, kind: str = "value") -> Table:
    """The tertile cuts of a grid's two axes (low < cut 1 ≤ medium < cut 2 ≤ high)."""
    x, y = AXES[kind]
    table = pd.DataFrame({"axis": [x, y], "low_medium_cut": [grid.cuts["x"][0], grid.cuts["y"][0]],
                          "medium_high_cut": [grid.cuts["x"][1], grid.cuts["y"][1]]})
    return show(f"{kind}_grid_cuts", table, context=CONTEXT)


def _levels(table: pd.DataFrame) -> pd.DataFrame:
    out = table.copy()
    out.index = [str(i).lower() for i in out.index]
    out.columns = [str(c).lower() for c in out.columns]
    return out.reindex(index=list(reversed(LEVELS)), columns=list(LEVELS))


def grid_figure(grid, kind: str = "value", what: str = "counts", *, ax: plt.Axes | None = None) -> plt.Axes:
    """Heatmap of a grid's client counts (``what="counts"``) or revenue shares (``"value_share"``)."""
    x, y = AXES[kind]
    table = _levels(grid.counts if what == "counts" else grid.value_share)
    table.index = translated(table.index, CONTEXT)
    table.columns = translated(table.columns, CONTEXT)
    title = text("clients_title" if what == "counts" else "revenue_share_title", CONTEXT)
    return plots.plot_heatmap(table, ax=ax, title=title, xlabel=text(x, CONTEXT), ylabel=text(y, CONTEXT),
                              fmt=".0f" if what == "counts" else ".0%")


def strategy_table(grid, kind: str = "value") -> Table:
    """The strategy of each cell: rows the vertical axis's level (high first), columns the horizontal one's."""
    table = _levels(grid.strategies).rename_axis(f"{kind}_level").reset_index()
    return show(f"{kind}_grid_strategies", table, context=CONTEXT)


def gap_table(data: pd.DataFrame) -> Table:
    """What a high-value client looks like, and the other clients' gap to it."""
    return show("gap_analysis", case_data.gap_analysis(data), context=CONTEXT)
