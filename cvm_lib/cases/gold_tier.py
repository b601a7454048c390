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
from cvm_lib.cases._data import read_case_csv
from cvm_lib.cases.simulate import TRUTH

__all__ = ["load", "tiers", "tier_counts", "migration", "gold_flows", "value_lost", "THRESHOLDS"]

THRESHOLDS = TRUTH["gold_tier"]["thresholds"]


def load() -> pd.DataFrame:
    """The spend log as a tidy transaction log (one row per customer and quarter, dated the quarter's first day)."""
    s = read_case_csv("gold_tier_spend.csv", ["customer_id", "quarter", "spend"])
    return pd.DataFrame({"customer_id": s["customer_id"].astype(str),
                         "date": pd.PeriodIndex(s["quarter"], freq="Q").to_timestamp(),
                         "amount": s["spend"].astype(float)})


def tiers(tx: pd.DataFrame) -> pd.DataFrame:
    """Tier id (gold, silver, bronze) of every customer in every quarter (missing = no spend)."""
    return segmentation.tiers_by_period(tx, period="Q", spend_thresholds=THRESHOLDS)


def tier_counts(tx: pd.DataFrame) -> pd.DataFrame:
    """Customers per tier (rows, best first) and quarter (columns): what the monthly report shows."""
    tt = tiers(tx)
    counts = pd.DataFrame({str(q): tt[q].value_counts() for q in tt.columns})
    order = [c for c in tt[tt.columns[0]].cat.categories if c in counts.index]  # best tier first
    return counts.loc[order].rename_axis("tier")


def migration(tx: pd.DataFrame, first: str, second: str) -> segmentation.MigrationResult:
    """Tier migration between two quarters (e.g. ``"2023Q1"``, ``"2023Q2"``)."""
    tt = tiers(tx)
    return segmentation.tier_migration(tt[pd.Period(first, "Q")], tt[pd.Period(second, "Q")])


def _pairs(tx: pd.DataFrame):
    tt = tiers(tx)
    return tt, list(zip(tt.columns[:-1], tt.columns[1:]))


def gold_flows(tx: pd.DataFrame) -> pd.DataFrame:
    """Per quarter-to-quarter transition: gold size before/after, stayed, defected, downgraded, entered.

    Index ``transition`` (``"2023Q1→2023Q2"``); columns ``gold_before``, ``gold_after``,
    ``stayed``, ``defected`` (no spend in the next quarter), ``downgraded``, ``entered``,
    ``upgraded_from_silver``.
    """
    tt, pairs = _pairs(tx)
    rows = []
    for a, b in pairs:
        was, now = tt[a] == "gold", tt[b] == "gold"
        rows.append({"transition": f"{a}→{b}", "gold_before": int(was.sum()), "gold_after": int(now.sum()),
                     "stayed": int((was & now).sum()), "defected": int((was & tt[b].isna()).sum()),
                     "downgraded": int((was & tt[b].notna() & ~now).sum()), "entered": int((~was & now).sum()),
                     "upgraded_from_silver": int(((tt[a] == "silver") & now).sum())})
    return pd.DataFrame(rows).set_index("transition")


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
    tt = tiers(tx)
    a, b = tt.columns[0], tt.columns[1]
    return float(((tt[a] == "gold") & (tt[b] == "gold")).sum() / (tt[a] == "gold").sum())


def _healthy(tx) -> str:
    flows = gold_flows(tx)
    stable = abs(flows["gold_after"].iloc[-1] - flows["gold_before"].iloc[0]) <= 0.1 * flows["gold_before"].iloc[0]
    churn = flows["defected"].sum() / flows["gold_before"].sum()
    if stable and churn >= 0.05:
        return "hidden"
    return "healthy" if stable else "shrinking"


def _main_source(tx) -> str:
    flows = gold_flows(tx)
    upgraded = flows["upgraded_from_silver"].sum()
    other = flows["entered"].sum() - upgraded
    return "silver" if upgraded >= other else "new"


EXERCISES = [
    Exercise("gold_tier", "e1", "compute", lambda tx: (lambda tt: int((tt[tt.columns[-1]] == "gold").sum() - (tt[tt.columns[0]] == "gold").sum()))(
                 tiers(tx))),
    Exercise("gold_tier", "e2", "compute", _gold_retention_q1, abs_tol=0.01),
    Exercise("gold_tier", "e3", "compute", lambda tx: int(gold_flows(tx)["defected"].sum()), abs_tol=0),
    Exercise("gold_tier", "e4", "compute", value_lost, rel_tol=0.01),
    Exercise("gold_tier", "e5", "interpret", _healthy, answer="option", options=('healthy', 'hidden', 'shrinking')),
    Exercise("gold_tier", "e6", "decide", _main_source, answer="option", options=('silver', 'new')),
]

register("gold_tier", load, EXERCISES)
