"""Case 1 · 超市会员管理 Supermarket member management.

A supermarket chain's card members (2023-2024) and a member survey: ABC classes of the
members by 2024 spend and the 80/20 rule checked against the data, the card tiers, the
survey's reliability (Cronbach's α) and NPS, and six CRM goals measured as indicators.
Money in yuan; shares are fractions in [0, 1]. Methods come from
:mod:`cvm_lib.segmentation` and :mod:`cvm_lib.indicators`; this module only prepares the
case data and the exercises.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from cvm_lib import indicators, segmentation
from cvm_lib.cases._core import Exercise, register
from cvm_lib.cases._data import read_case_csv, t

__all__ = ["SupermarketCase", "load", "abc_table", "pareto_check", "tier_table", "survey_reliability",
           "nps_by_tier", "crm_goals", "ITEMS", "TIERS"]

ITEMS = ["q1", "q2", "q3", "q4", "q5"]
TIERS = {"gold": ("金卡", "gold"), "silver": ("银卡", "silver"), "regular": ("普通卡", "regular")}


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


def abc_table(case: SupermarketCase, lang: str = "zh", thresholds=(0.7, 0.9)) -> pd.DataFrame:
    """ABC classes of the active members by 2024 spend (A = the members bringing the first 70 %)."""
    table = segmentation.abc_summary(case.spend, thresholds)
    return table.rename(columns={"customers": t(lang, "会员数", "members"),
                                 "customer_share": t(lang, "会员占比", "member share"),
                                 "value": t(lang, "消费额（元）", "spend (yuan)"),
                                 "value_share": t(lang, "消费占比", "spend share")}).rename_axis(t(lang, "类别", "class"))


def pareto_check(case: SupermarketCase, lang: str = "zh") -> str:
    """What share of spend the top 20 % of members bring, in words."""
    return segmentation.pareto_statement(case.spend, customer_share=0.2, lang=lang)


def tier_table(case: SupermarketCase, lang: str = "zh") -> pd.DataFrame:
    """Members, spend and visits by card tier (2024, active members)."""
    m = case.members[case.members["spend_2024"] > 0]
    g = m.groupby("tier").agg(members=("member_id", "size"), spend=("spend_2024", "sum"),
                              mean_spend=("spend_2024", "mean"), mean_visits=("visits_2024", "mean"))
    g["spend_share"] = g["spend"] / g["spend"].sum()
    g = g.reindex([k for k in TIERS if k in g.index])
    g.index = [TIERS[k][0 if lang == "zh" else 1] for k in g.index]
    return g[["members", "spend", "spend_share", "mean_spend", "mean_visits"]].rename(columns={
        "members": t(lang, "会员数", "members"), "spend": t(lang, "消费额（元）", "spend (yuan)"),
        "spend_share": t(lang, "消费占比", "spend share"), "mean_spend": t(lang, "人均消费（元）", "spend per member (yuan)"),
        "mean_visits": t(lang, "人均到店次数", "visits per member")}).rename_axis(t(lang, "卡级", "tier"))


def survey_reliability(case: SupermarketCase) -> indicators.ReliabilityResult:
    """Cronbach's α of the five satisfaction items."""
    return indicators.cronbach_alpha(case.survey[ITEMS])


def nps_by_tier(case: SupermarketCase, lang: str = "zh") -> pd.DataFrame:
    """NPS (points, −100 to 100) and its parts by card tier, and for all respondents."""
    s = case.survey.merge(case.members[["member_id", "tier"]], on="member_id", how="left")
    rows = {}
    for key in TIERS:
        part = s.loc[s["tier"] == key, "recommend"]
        if len(part):
            rows[TIERS[key][0 if lang == "zh" else 1]] = indicators.nps(part)
    rows[t(lang, "全部", "all")] = indicators.nps(s["recommend"])
    return pd.DataFrame({name: {t(lang, "受访人数", "respondents"): r.n, t(lang, "推荐者", "promoters"): r.promoters,
                                t(lang, "被动者", "passives"): r.passives, t(lang, "贬损者", "detractors"): r.detractors,
                                "NPS": r.score} for name, r in rows.items()}).T.rename_axis(t(lang, "卡级", "tier"))


def _goal_values(case: SupermarketCase) -> dict[str, float]:
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


_GOALS = {
    "retention": ("保持老会员：2023 年消费会员在 2024 年再次消费的比例", "keep members: share of 2023 buyers who buy again in 2024", "share"),
    "acquisition": ("获取新会员：2024 年新入会会员占活跃会员比例", "acquire members: 2024 joiners among active members", "share"),
    "development": ("提升客户价值：留存会员的消费增长率", "grow value: spend growth of the retained members", "share"),
    "satisfaction": ("提高满意度：五个题项中选 4 或 5 分的比例（CSAT）", "satisfaction: share of item answers 4 or 5 (CSAT)", "share"),
    "loyalty": ("培养忠诚：净推荐值 NPS（分）", "loyalty: net promoter score (points)", "points"),
    "profitability": ("提高盈利：活跃会员人均毛利（元）", "profitability: gross margin per active member (yuan)", "yuan"),
}


def crm_goals(case: SupermarketCase, lang: str = "zh") -> pd.DataFrame:
    """The six CRM goals of the case, each measured by one indicator."""
    values = _goal_values(case)
    return pd.DataFrame({t(lang, "目标与指标", "goal and indicator"): [v[0] if lang == "zh" else v[1] for v in _GOALS.values()],
                         t(lang, "数值", "value"): [values[k] for k in _GOALS],
                         t(lang, "单位", "unit"): [{"share": t(lang, "比例", "share"), "points": t(lang, "分", "points"),
                                                   "yuan": t(lang, "元", "yuan")}[v[2]] for v in _GOALS.values()]},
                        index=pd.Index(list(_GOALS), name="goal"))


def _lowest_nps_tier(case: SupermarketCase) -> str:
    table = nps_by_tier(case, lang="en").drop(index="all")
    best = table["NPS"].astype(float).idxmin()
    return {v[1]: k for k, v in TIERS.items()}[best]


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
    Exercise("supermarket", "e8", "compute", lambda c: _goal_values(c)["retention"], abs_tol=0.005),
]

register("supermarket", load, EXERCISES)
