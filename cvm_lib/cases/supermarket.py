"""Case 1 · 超市会员管理 Supermarket member management.

A supermarket chain's card members (2023-2024) and a member survey: ABC classes of the
members by 2024 spend and the 80/20 rule checked against the data, the card tiers, the
survey's reliability (Cronbach's α) and NPS, and six CRM goals measured as indicators.
Money in yuan; shares are fractions in [0, 1]. Methods come from
:mod:`cvm_lib.segmentation` and :mod:`cvm_lib.indicators`; this module prepares the case
data and the exercises; :mod:`cvm_lib.studies.cases.supermarket` shows them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from cvm_lib import indicators, segmentation
from cvm_lib.cases._core import Exercise, register
from cvm_lib.cases._data import read_case_csv

__all__ = ["SupermarketCase", "load", "tier_summary", "survey_reliability", "nps_table", "goal_values", "GOALS",
           "ITEMS", "TIERS"]

ITEMS = ["q1", "q2", "q3", "q4", "q5"]
#: Card tiers, best first (stable ids; their names are in the label catalogue).
TIERS = ("gold", "silver", "regular")


@dataclass(frozen=True)
class SupermarketCase:
    members: pd.DataFrame  # one row per member
    survey: pd.DataFrame   # one row per respondent

    @property
    def spend(self) -> pd.Series:
        """2024 spend of the members who bought in 2024 (yuan), by member id."""
        active = self.members[self.members["spend_2024"] > 0]
        return active.set_index("member_id")["spend_2024"]


def load() -> SupermarketCase:
    members = read_case_csv("supermarket_members.csv", ["member_id", "join_year", "tier", "spend_2023", "spend_2024",
                                                        "visits_2024", "gross_margin_2024"])
    survey = read_case_csv("supermarket_survey.csv", ["member_id", *ITEMS, "recommend"])
    return SupermarketCase(members, survey)


def tier_summary(case: SupermarketCase) -> pd.DataFrame:
    """Members, spend, spend share, spend and visits per member by card tier (2024, active members).

    Index ``tier`` (gold, silver, regular); columns ``members``, ``spend``, ``spend_share``,
    ``mean_spend``, ``mean_visits``.
    """
    m = case.members[case.members["spend_2024"] > 0]
    g = m.groupby("tier").agg(members=("member_id", "size"), spend=("spend_2024", "sum"),
                              mean_spend=("spend_2024", "mean"), mean_visits=("visits_2024", "mean"))
    g["spend_share"] = g["spend"] / g["spend"].sum()
    g = g.reindex([k for k in TIERS if k in g.index]).rename_axis("tier")
    return g[["members", "spend", "spend_share", "mean_spend", "mean_visits"]]


def survey_reliability(case: SupermarketCase) -> indicators.ReliabilityResult:
    """Cronbach's α of the five satisfaction items."""
    return indicators.cronbach_alpha(case.survey[ITEMS])


def nps_table(case: SupermarketCase) -> pd.DataFrame:
    """NPS (points, −100 to 100) and its parts by card tier and for all respondents.

    Index ``group`` (a tier id or ``all``); columns ``respondents``, ``promoters``,
    ``passives``, ``detractors`` (shares of the respondents) and ``nps``.
    """
    s = case.survey.merge(case.members[["member_id", "tier"]], on="member_id", how="left")
    rows = {}
    for key in TIERS:
        part = s.loc[s["tier"] == key, "recommend"]
        if len(part):
            rows[key] = indicators.nps(part)
    rows["all"] = indicators.nps(s["recommend"])
    return pd.DataFrame([{"group": name, "respondents": r.n, "promoters": r.promoters, "passives": r.passives,
                          "detractors": r.detractors, "nps": r.score} for name, r in rows.items()]).set_index("group")


def goal_values(case: SupermarketCase) -> dict[str, float]:
    """The six CRM goals of the case, each measured by one indicator (see :data:`GOALS` for the units)."""
    m = case.members
    before = m["spend_2023"] > 0
    active = m["spend_2024"] > 0
    kept = before & active
    return {
        "retention": float(kept.sum() / before.sum()),
        "acquisition": float((m["join_year"] == 2024).sum() / active.sum()),
        "development": float(m.loc[kept, "spend_2024"].sum() / m.loc[kept, "spend_2023"].sum() - 1),
        "satisfaction": float(indicators.csat(case.survey[ITEMS].to_numpy().ravel(), top_box=2)),
        "loyalty": float(indicators.nps(case.survey["recommend"]).score),
        "profitability": float(m.loc[active, "gross_margin_2024"].mean()),
    }


#: The unit of each goal's indicator.
GOALS = {"retention": "share", "acquisition": "share", "development": "share", "satisfaction": "share",
         "loyalty": "points", "profitability": "yuan"}


def _lowest_nps_tier(case: SupermarketCase) -> str:
    return str(nps_table(case).drop(index="all")["nps"].astype(float).idxmin())


def _pareto_verdict(case: SupermarketCase) -> str:
    share = segmentation.pareto_point(case.spend, customer_share=0.2).value_share
    return "holds" if share >= 0.75 else ("weaker" if share >= 0.5 else "none")


def _alpha_verdict(case: SupermarketCase) -> str:
    a = survey_reliability(case).alpha
    return "good" if a >= 0.8 else ("acceptable" if a >= 0.7 else "poor")


EXERCISES = [
    Exercise("supermarket", "e1", "compute", lambda c: segmentation.pareto_point(c.spend, customer_share=0.2).value_share, abs_tol=0.01),
    Exercise("supermarket", "e2", "compute", lambda c: int((segmentation.abc_classes(c.spend, (0.7, 0.9)) == "A").sum())),
    Exercise("supermarket", "e3", "interpret", _pareto_verdict, answer="option", options=('holds', 'weaker', 'none')),
    Exercise("supermarket", "e4", "compute", lambda c: survey_reliability(c).alpha, abs_tol=0.005),
    Exercise("supermarket", "e5", "interpret", _alpha_verdict, answer="option", options=('good', 'acceptable', 'poor')),
    Exercise("supermarket", "e6", "compute", lambda c: indicators.nps(c.survey["recommend"]).score, abs_tol=0.5),
    Exercise("supermarket", "e7", "decide", _lowest_nps_tier, answer="option", options=('gold', 'silver', 'regular')),
    Exercise("supermarket", "e8", "compute", lambda c: goal_values(c)["retention"], abs_tol=0.005),
]

register("supermarket", load, EXERCISES)
