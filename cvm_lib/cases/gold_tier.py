"""Case 3 · 金卡层的隐性流失 Hidden churn in the gold tier ("Jill and Jim").

A retailer's quarterly spend per customer over 2023-2024 (simulated with planted
defection, see :func:`cvm_lib.cases.simulate.simulate_gold_tier`). Tiers follow the
programme's spend rules (gold ≥ 3,000 yuan a quarter, silver ≥ 1,000, bronze below) via
:func:`cvm_lib.segmentation.tiers_by_period`; transitions via
:func:`cvm_lib.segmentation.tier_migration`. Money in yuan.

"Value lost" is the spend, in the quarter before they left, of the gold customers who
have no spend in the next quarter (defected), summed over the seven quarter-to-quarter
transitions: what the retailer would have kept in one more quarter had they stayed.
"""

from __future__ import annotations

import pandas as pd

from cvm_lib import segmentation
from cvm_lib.cases._core import Exercise, register
from cvm_lib.cases._data import read_case_csv, t
from cvm_lib.cases.simulate import TRUTH

__all__ = ["load", "tiers", "tier_counts", "migration", "migration_figure", "flow_table", "gold_flows", "value_lost",
           "value_lost_text", "THRESHOLDS"]

THRESHOLDS = TRUTH["gold_tier"]["thresholds"]


def load() -> pd.DataFrame:
    """The spend log as a tidy transaction log (one row per customer and quarter, dated the quarter's first day)."""
    s = read_case_csv("gold_tier_spend.csv", ["customer_id", "quarter", "spend"])
    return pd.DataFrame({"customer_id": s["customer_id"].astype(str),
                         "date": pd.PeriodIndex(s["quarter"], freq="Q").to_timestamp(),
                         "amount": s["spend"].astype(float)})


def tiers(tx: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """Tier of every customer in every quarter (missing = no spend)."""
    return segmentation.tiers_by_period(tx, period="Q", spend_thresholds=THRESHOLDS, lang=lang)


def tier_counts(tx: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """Customers per tier and quarter: what the monthly report shows (stable)."""
    tt = tiers(tx, lang)
    counts = pd.DataFrame({str(q): tt[q].value_counts() for q in tt.columns})
    order = [c for c in tt[tt.columns[0]].cat.categories if c in counts.index]  # best tier first
    return counts.loc[order].rename_axis(t(lang, "卡级", "tier"))


def migration(tx: pd.DataFrame, first: str, second: str, lang: str = "zh") -> segmentation.MigrationResult:
    """Tier migration between two quarters (e.g. ``"2023Q1"``, ``"2023Q2"``)."""
    tt = tiers(tx, lang)
    return segmentation.tier_migration(tt[pd.Period(first, "Q")], tt[pd.Period(second, "Q")], lang=lang)


def migration_figure(result: segmentation.MigrationResult, first: str, second: str, lang: str = "zh"):
    """Heatmap of the transition counts, axes named by the two quarters."""
    from cvm_lib import plots

    return plots.plot_heatmap(result.counts, xlabel=t(lang, f"{second} 卡级", f"tier in {second}"),
                              ylabel=t(lang, f"{first} 卡级", f"tier in {first}"), lang=lang)


_FLOW_COLUMNS = {"size_before": ("期初人数", "size before"), "size_after": ("期末人数", "size after"),
                 "stayed": ("留在本层", "stayed"), "entered": ("进入", "entered"), "exited": ("离开", "exited"),
                 "lapsed": ("其中流失", "of which lapsed"), "net_change": ("净变化", "net change"),
                 "retention": ("留存率", "retention"), "hidden_churn": ("隐性流失", "hidden churn")}


def flow_table(result: segmentation.MigrationResult, lang: str = "zh") -> pd.DataFrame:
    """Entries and exits per tier (a readable selection of ``result.flows``)."""
    out = result.flows[list(_FLOW_COLUMNS)]
    return out.rename(columns={k: v[0 if lang == "zh" else 1] for k, v in _FLOW_COLUMNS.items()}).rename_axis(
        t(lang, "卡级", "tier"))


def value_lost_text(tx: pd.DataFrame, lang: str = "zh") -> str:
    """The value lost, in a sentence."""
    flows = gold_flows(tx, "en")
    n = int(flows["defected (no spend)"].sum())
    return t(lang, f"{n} 位流失的金卡客户在离开前一个季度共消费 {value_lost(tx):,.0f} 元。",
             f"{n} defecting gold customers spent {value_lost(tx):,.0f} yuan in their last quarter.")


def _pairs(tx: pd.DataFrame):
    tt = tiers(tx, "en")
    return tt, list(zip(tt.columns[:-1], tt.columns[1:]))


def gold_flows(tx: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """Per quarter-to-quarter transition: gold size before/after, stayed, defected, downgraded, entered."""
    tt, pairs = _pairs(tx)
    rows = []
    for a, b in pairs:
        was, now = tt[a] == "gold", tt[b] == "gold"
        rows.append({t(lang, "季度", "quarter"): f"{a}→{b}",
                     t(lang, "期初金卡", "gold before"): int(was.sum()),
                     t(lang, "期末金卡", "gold after"): int(now.sum()),
                     t(lang, "留在金卡", "stayed gold"): int((was & now).sum()),
                     t(lang, "流失（无消费）", "defected (no spend)"): int((was & tt[b].isna()).sum()),
                     t(lang, "降级", "downgraded"): int((was & tt[b].notna() & ~now).sum()),
                     t(lang, "新进入金卡", "entered gold"): int((~was & now).sum()),
                     t(lang, "其中由银卡升级", "of which upgraded from silver"): int(((tt[a] == "silver") & now).sum())})
    return pd.DataFrame(rows).set_index(t(lang, "季度", "quarter"))


def value_lost(tx: pd.DataFrame) -> float:
    """Spend (yuan) in their last quarter of the gold customers who defected, over all transitions."""
    tt, pairs = _pairs(tx)
    spend = tx.assign(q=tx["date"].dt.to_period("Q")).pivot_table(index="customer_id", columns="q",
                                                                   values="amount", aggfunc="sum")
    total = 0.0
    for a, b in pairs:
        gone = tt.index[(tt[a] == "gold") & tt[b].isna()]
        total += float(spend.loc[gone, a].sum())
    return total


def _gold_retention_q1(tx) -> float:
    tt = tiers(tx, "en")
    a, b = tt.columns[0], tt.columns[1]
    return float(((tt[a] == "gold") & (tt[b] == "gold")).sum() / (tt[a] == "gold").sum())


def _healthy(tx) -> str:
    flows = gold_flows(tx, "en")
    stable = abs(flows["gold after"].iloc[-1] - flows["gold before"].iloc[0]) <= 0.1 * flows["gold before"].iloc[0]
    churn = flows["defected (no spend)"].sum() / flows["gold before"].sum()
    if stable and churn >= 0.05:
        return "hidden"
    return "healthy" if stable else "shrinking"


def _main_source(tx) -> str:
    flows = gold_flows(tx, "en")
    upgraded = flows["of which upgraded from silver"].sum()
    other = flows["entered gold"].sum() - upgraded
    return "silver" if upgraded >= other else "new"


EXERCISES = [
    Exercise("gold_tier", "e1", "compute", lambda tx: (lambda tt: int((tt[tt.columns[-1]] == "gold").sum() - (tt[tt.columns[0]] == "gold").sum()))(
                 tiers(tx))),
    Exercise("gold_tier", "e2", "compute", _gold_retention_q1, abs_tol=0.01),
    Exercise("gold_tier", "e3", "compute", lambda tx: int(gold_flows(tx, "en")["defected (no spend)"].sum()), abs_tol=0),
    Exercise("gold_tier", "e4", "compute", value_lost, rel_tol=0.01),
    Exercise("gold_tier", "e5", "interpret", _healthy, answer="option", options=('healthy', 'hidden', 'shrinking')),
    Exercise("gold_tier", "e6", "decide", _main_source, answer="option", options=('silver', 'new')),
]

register("gold_tier", load, EXERCISES)
