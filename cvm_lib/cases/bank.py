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
from cvm_lib.cases._data import read_case_csv, t

__all__ = ["load", "raroc", "value_grid", "growth_grid", "gap_analysis", "cut_table", "grid_figure", "grid_table", "BANK_STRATEGIES", "GAP_INDICATORS"]

#: Strategy per (revenue level, RAROC level) cell, in the bank's words.
BANK_STRATEGIES = {
    ("high", "high"): "core: protect and deepen", ("medium", "high"): "grow share of wallet",
    ("low", "high"): "cultivate: cross-sell", ("high", "medium"): "maintain, improve pricing",
    ("medium", "medium"): "hold: serve as usual", ("low", "medium"): "serve at low cost",
    ("high", "low"): "reprice or cut risk capital", ("medium", "low"): "reprice or cut cost",
    ("low", "low"): "reduce or exit",
}
_STRATEGY_ZH = {
    "core: protect and deepen": "核心客户：重点维护、深度经营", "grow share of wallet": "提升钱包份额",
    "cultivate: cross-sell": "培育：交叉销售", "maintain, improve pricing": "维持并改善定价",
    "hold: serve as usual": "维持", "serve at low cost": "低成本服务", "reprice or cut risk capital": "重新定价或压降风险资本",
    "reprice or cut cost": "重新定价或降低成本", "reduce or exit": "压缩或退出",
}
GROWTH_STRATEGIES = {
    ("high", "high"): "invest together", ("medium", "high"): "win more of the client's growth",
    ("low", "high"): "catch up: the client grows, we do not", ("high", "medium"): "keep momentum",
    ("medium", "medium"): "hold: serve as usual", ("low", "medium"): "review the relationship",
    ("high", "low"): "watch risk: we grow with a slowing client", ("medium", "low"): "monitor",
    ("low", "low"): "reduce exposure",
}
_GROWTH_ZH = {
    "invest together": "共同成长：加大投入", "win more of the client's growth": "争取客户增长中的更大份额",
    "catch up: the client grows, we do not": "追赶：客户在增长而我行没有", "keep momentum": "保持势头",
    "hold: serve as usual": "维持", "review the relationship": "检视合作关系",
    "watch risk: we grow with a slowing client": "关注风险：客户放缓而我行业务在增长", "monitor": "监测",
    "reduce exposure": "压降敞口",
}

#: Business indicators of the gap analysis: column, zh, en, direction (+1 higher is better).
GAP_INDICATORS = [("cross_sell_rate", "交叉销售率", "cross-sell rate", 1),
                  ("monthly_transactions", "月均交易笔数", "monthly transactions", 1),
                  ("fee_share", "中间业务收入占比", "fee-income share", 1),
                  ("wallet_share", "钱包份额", "wallet share", 1),
                  ("cost_income", "成本收入比", "cost-income ratio", -1)]


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


def value_grid(clients: pd.DataFrame, lang: str = "zh") -> segmentation.NineGridResult:
    """Value nine-grid: total revenue (x) × RAROC (y), tertile cuts, revenue as the value."""
    strategies = BANK_STRATEGIES if lang == "en" else {k: _STRATEGY_ZH[v] for k, v in BANK_STRATEGIES.items()}
    return segmentation.nine_grid(clients["revenue"], clients["raroc"], value=clients["revenue"],
                                  strategies=strategies, lang=lang)


def growth_grid(clients: pd.DataFrame, lang: str = "zh") -> segmentation.NineGridResult:
    """Growth nine-grid: revenue growth with the bank (x) × the client's own growth (y)."""
    strategies = GROWTH_STRATEGIES if lang == "en" else {k: _GROWTH_ZH[v] for k, v in GROWTH_STRATEGIES.items()}
    return segmentation.nine_grid(clients["revenue_growth"], clients["client_growth"], value=clients["revenue"],
                                  strategies=strategies, lang=lang)


_AXES = {"value": (("收入（万元）", "revenue (10k yuan)"), ("RAROC", "RAROC")),
         "growth": (("我行收入增长", "revenue growth with the bank"), ("客户自身增长", "client's own growth"))}


def _axes(kind: str, lang: str) -> tuple[str, str]:
    x, y = _AXES[kind]
    return (x[0] if lang == "zh" else x[1]), (y[0] if lang == "zh" else y[1])


def cut_table(grid: segmentation.NineGridResult, kind: str = "value", lang: str = "zh") -> pd.DataFrame:
    """The tertile cuts of a grid's two axes (low < cut 1 ≤ medium < cut 2 ≤ high)."""
    x, y = _axes(kind, lang)
    return pd.DataFrame([grid.cuts["x"], grid.cuts["y"]], index=[x, y],
                        columns=[t(lang, "低/中 切点", "low/medium cut"), t(lang, "中/高 切点", "medium/high cut")])


def grid_table(table: pd.DataFrame, kind: str = "value", lang: str = "zh") -> pd.DataFrame:
    """A 3×3 grid table (counts, shares or strategies) with its axes named."""
    x, y = _axes(kind, lang)
    out = table.copy()
    out.columns.name, out.index.name = f"{x} →", f"{y} ↓"
    return out


def grid_figure(grid: segmentation.NineGridResult, kind: str = "value", what: str = "counts", lang: str = "zh"):
    """Heatmap of a grid's client counts (``what="counts"``) or revenue shares (``"value_share"``)."""
    from cvm_lib import plots

    x, y = _axes(kind, lang)
    table = grid.counts if what == "counts" else grid.value_share
    title = t(lang, "客户数", "clients") if what == "counts" else t(lang, "收入占比", "revenue share")
    return plots.plot_heatmap(table, title=title, xlabel=x, ylabel=y, fmt=".0f" if what == "counts" else ".0%",
                              lang=lang)


def _high_value(clients: pd.DataFrame) -> pd.Series:
    grid = value_grid(clients, lang="en").cells
    return (grid["x_level"].astype(str) == "high") & (grid["y_level"].astype(str) == "high")


def gap_analysis(clients: pd.DataFrame, lang: str = "zh", *, keys: bool = False) -> pd.DataFrame:
    """What a high-value client (high revenue × high RAROC) looks like, and the others' gap to it.

    ``gap`` = others' mean − benchmark, ``relative_gap`` = gap / benchmark, and
    ``shortfall`` = the relative gap signed so that positive means *worse* than the
    benchmark (for the cost-income ratio, higher is worse). Indexed by the indicator's
    name in ``lang``, or by its column key with ``keys=True``.
    """
    high = _high_value(clients)
    rows = []
    for col, zh, en, direction in GAP_INDICATORS:
        bench, rest = clients.loc[high, col].mean(), clients.loc[~high, col].mean()
        rows.append({t(lang, "指标", "indicator"): zh if lang == "zh" else en,
                     t(lang, "高价值客户均值", "high-value mean"): bench,
                     t(lang, "其他客户均值", "other clients' mean"): rest,
                     t(lang, "差距", "gap"): rest - bench,
                     t(lang, "相对差距", "relative gap"): (rest - bench) / bench,
                     t(lang, "短板程度", "shortfall"): -direction * (rest - bench) / bench})
    out = pd.DataFrame(rows, index=pd.Index([g[0] for g in GAP_INDICATORS], name="key"))
    return out if keys else out.set_index(t(lang, "指标", "indicator"))


def _cell_of(clients: pd.DataFrame, client_id: str) -> tuple[str, str]:
    cell = value_grid(clients, lang="en").cells.loc[client_id]
    return str(cell["x_level"]), str(cell["y_level"])


EXAMPLE_CLIENT = "C042"

EXERCISES = [
    Exercise("bank_nine_grid", "e1", "compute", lambda c: float(raroc(c["revenue"].sum(), c["operating_cost"].sum(), c["expected_loss"].sum(),
                                   c["economic_capital"].sum())), abs_tol=0.002),
    Exercise("bank_nine_grid", "e2", "compute", lambda c: int(_high_value(c).sum())),
    Exercise("bank_nine_grid", "e3", "compute", lambda c: float(c.loc[_high_value(c), "revenue"].sum() / c["revenue"].sum()), abs_tol=0.01),
    Exercise("bank_nine_grid", "e4", "decide", lambda c: _cell_of(c, EXAMPLE_CLIENT), answer="option", options=(('high', 'high'), ('high', 'low'), ('low', 'high'), ('medium', 'medium'), ('low', 'low'), ('medium', 'high'), ('high', 'medium'), ('medium', 'low'), ('low', 'medium'))),
    Exercise("bank_nine_grid", "e5", "interpret", lambda c: gap_analysis(c, "en", keys=True)["shortfall"].idxmax(), answer="option", options=('cross_sell_rate', 'monthly_transactions', 'fee_share', 'wallet_share', 'cost_income')),
    Exercise("bank_nine_grid", "e6", "compute", lambda c: int(((g := growth_grid(c, "en").cells)["x_level"].astype(str) == "low").mul(
                 g["y_level"].astype(str) == "high").sum())),
]

register("bank_nine_grid", load, EXERCISES)
