"""Case 2 · 银行对公客户价值九宫格 A bank's corporate-client value nine-grid.

300 corporate clients of a branch (simulated, see :func:`cvm_lib.cases.simulate.simulate_bank`).
Money in 10,000 yuan (万元) a year; rates and shares are fractions. The nine-grid itself is
:func:`cvm_lib.segmentation.nine_grid` (tertile cuts); this module adds what is specific to
the case: RAROC, the bank's strategy per cell and the gap analysis against the high-value
clients.

RAROC (risk-adjusted return on capital) = (revenue − operating cost − expected loss) /
economic capital.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cvm_lib import segmentation
from cvm_lib.cases._core import Exercise, register
from cvm_lib.cases._data import read_case_csv

__all__ = ["load", "raroc", "value_grid", "growth_grid", "gap_analysis", "BANK_STRATEGIES", "GROWTH_STRATEGIES",
           "GAP_INDICATORS", "EXAMPLE_CLIENT"]

#: Strategy per (revenue level, RAROC level) cell: stable ids, worded in the label catalogue.
BANK_STRATEGIES = {
    ("high", "high"): "protect_and_deepen", ("medium", "high"): "grow_wallet_share",
    ("low", "high"): "cultivate_cross_sell", ("high", "medium"): "maintain_improve_pricing",
    ("medium", "medium"): "hold", ("low", "medium"): "serve_at_low_cost",
    ("high", "low"): "reprice_or_cut_risk_capital", ("medium", "low"): "reprice_or_cut_cost",
    ("low", "low"): "reduce_or_exit",
}
#: Strategy per (revenue growth with the bank, client's own growth) cell.
GROWTH_STRATEGIES = {
    ("high", "high"): "invest_together", ("medium", "high"): "win_client_growth",
    ("low", "high"): "catch_up", ("high", "medium"): "keep_momentum",
    ("medium", "medium"): "hold", ("low", "medium"): "review_relationship",
    ("high", "low"): "watch_risk", ("medium", "low"): "monitor",
    ("low", "low"): "reduce_exposure",
}

#: Business indicators of the gap analysis: column and direction (+1: higher is better).
GAP_INDICATORS = {"cross_sell_rate": 1, "monthly_transactions": 1, "fee_share": 1, "wallet_share": 1,
                  "cost_income": -1}


def raroc(revenue, operating_cost, expected_loss, economic_capital):
    """RAROC = (revenue − operating cost − expected loss) / economic capital.

    >>> round(float(raroc(100.0, 40.0, 5.0, 200.0)), 4)
    0.275
    """
    return (np.asarray(revenue) - np.asarray(operating_cost) - np.asarray(expected_loss)) / np.asarray(economic_capital)


def load() -> pd.DataFrame:
    """The clients, with RAROC and the gap-analysis ratios added (index ``client_id``)."""
    c = read_case_csv("bank_clients.csv", ["client_id", "industry", "revenue", "fee_income", "operating_cost",
                                           "expected_loss", "economic_capital", "products_held", "products_offered",
                                           "monthly_transactions", "wallet_share", "revenue_growth",
                                           "client_growth"]).set_index("client_id")
    c["raroc"] = raroc(c["revenue"], c["operating_cost"], c["expected_loss"], c["economic_capital"])
    c["cross_sell_rate"] = c["products_held"] / c["products_offered"]
    c["fee_share"] = c["fee_income"] / c["revenue"]
    c["cost_income"] = c["operating_cost"] / c["revenue"]
    return c


def value_grid(clients: pd.DataFrame) -> segmentation.NineGridResult:
    """Value nine-grid: total revenue (x) × RAROC (y), tertile cuts, revenue as the value; strategy ids per cell."""
    return segmentation.nine_grid(clients["revenue"], clients["raroc"], value=clients["revenue"],
                                  strategies=BANK_STRATEGIES)


def growth_grid(clients: pd.DataFrame) -> segmentation.NineGridResult:
    """Growth nine-grid: revenue growth with the bank (x) × the client's own growth (y)."""
    return segmentation.nine_grid(clients["revenue_growth"], clients["client_growth"], value=clients["revenue"],
                                  strategies=GROWTH_STRATEGIES)


def _level(values: pd.Series) -> pd.Series:
    return values.astype(str).str.lower()


def _high_value(clients: pd.DataFrame) -> pd.Series:
    grid = value_grid(clients).cells
    return (_level(grid["x_level"]) == "high") & (_level(grid["y_level"]) == "high")


def gap_analysis(clients: pd.DataFrame) -> pd.DataFrame:
    """What a high-value client (high revenue × high RAROC) looks like, and the others' gap to it.

    Index ``indicator`` (a column of :func:`load`); ``high_value_mean``, ``others_mean``,
    ``gap`` = others' mean − benchmark, ``relative_gap`` = gap / benchmark, and
    ``shortfall`` = the relative gap signed so that positive means *worse* than the
    benchmark (for the cost-income ratio, higher is worse).
    """
    high = _high_value(clients)
    rows = []
    for col, direction in GAP_INDICATORS.items():
        bench, rest = clients.loc[high, col].mean(), clients.loc[~high, col].mean()
        rows.append({"indicator": col, "high_value_mean": bench, "others_mean": rest, "gap": rest - bench,
                     "relative_gap": (rest - bench) / bench, "shortfall": -direction * (rest - bench) / bench})
    return pd.DataFrame(rows).set_index("indicator")


def _cell_of(clients: pd.DataFrame, client_id: str) -> tuple[str, str]:
    cell = value_grid(clients).cells.loc[client_id]
    return str(cell["x_level"]).lower(), str(cell["y_level"]).lower()


EXAMPLE_CLIENT = "C042"

EXERCISES = [
    Exercise("bank_nine_grid", "e1", "compute", lambda c: float(raroc(c["revenue"].sum(), c["operating_cost"].sum(), c["expected_loss"].sum(),
                                   c["economic_capital"].sum())), abs_tol=0.002),
    Exercise("bank_nine_grid", "e2", "compute", lambda c: int(_high_value(c).sum())),
    Exercise("bank_nine_grid", "e3", "compute", lambda c: float(c.loc[_high_value(c), "revenue"].sum() / c["revenue"].sum()), abs_tol=0.01),
    Exercise("bank_nine_grid", "e4", "decide", lambda c: _cell_of(c, EXAMPLE_CLIENT), answer="option", options=(('high', 'high'), ('high', 'low'), ('low', 'high'), ('medium', 'medium'), ('low', 'low'), ('medium', 'high'), ('high', 'medium'), ('medium', 'low'), ('low', 'medium'))),
    Exercise("bank_nine_grid", "e5", "interpret", lambda c: str(gap_analysis(c)["shortfall"].idxmax()), answer="option", options=tuple(GAP_INDICATORS)),
    Exercise("bank_nine_grid", "e6", "compute", lambda c: int(((_level((g := growth_grid(c).cells)["x_level"]) == "low")
                                                    & (_level(g["y_level"]) == "high")).sum())),
]

register("bank_nine_grid", load, EXERCISES)
