"""Case 4 · 啤酒企业的经销商关系 A brewer's distributor relationships (B2B).

400 distributors of a brewer, 2015-2024 (simulated from a Weibull proportional-hazards
model with planted drivers, see :func:`cvm_lib.cases.simulate.simulate_brewer` and
``TRUTH["brewer"]``). Relationship age in years; orders in 10,000 yuan a month; margin in
10,000 yuan a year.

Methods: lifecycle stages :func:`cvm_lib.segmentation.lifecycle_stages` (培育/确认/信任/
弱化/消失), Kaplan-Meier and Cox :mod:`cvm_lib.retention`, the value of retention
:func:`cvm_lib.retention.retention_value`. Case-specific here: the yearly retention rate
by relationship age read off the Kaplan-Meier curve, r(k) = S(k) / S(k − 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from cvm_lib import retention, segmentation
from cvm_lib.cases._core import Exercise, register
from cvm_lib.cases._data import read_case_csv, t
from cvm_lib.cases.simulate import TRUTH

__all__ = ["BrewerCase", "load", "stage_table", "survival", "retention_by_age", "drivers", "keeping_value",
           "COVARIATES", "MARGIN_RATE", "DISCOUNT"]

OBSERVATION_END = pd.Timestamp(TRUTH["brewer"]["observation_end"])
COVARIATES = ["exclusive", "on_time_10pts", "marketing_support", "log_volume"]
_COV_TEXT = {"exclusive": ("独家经销协议", "exclusive contract"),
             "on_time_10pts": ("准时交货率（每 10 个百分点）", "on-time delivery (per 10 points)"),
             "marketing_support": ("获得市场支持", "marketing support"),
             "log_volume": ("年销量（对数）", "annual volume (log)")}
MARGIN_RATE = 0.25  # the brewer's margin on a distributor's orders
DISCOUNT = 0.08     # a year


@dataclass
class BrewerCase:
    distributors: pd.DataFrame  # one row per distributor, with ``years`` (relationship age) and covariates
    orders: pd.DataFrame        # tidy order log: customer_id, date, amount

    @cached_property
    def km(self) -> retention.KaplanMeier:
        return retention.kaplan_meier(self.distributors, "years", "ended")

    @cached_property
    def cox(self) -> retention.CoxResult:
        return retention.fit_cox(self.distributors, "years", "ended", COVARIATES)


def load() -> BrewerCase:
    d = read_case_csv("brewer_distributors.csv", ["distributor_id", "region", "start_date", "end_date", "ended",
                                                  "exclusive", "on_time_delivery", "marketing_support",
                                                  "annual_volume_kl"])
    start = pd.to_datetime(d["start_date"])
    stop = pd.to_datetime(d["end_date"]).fillna(OBSERVATION_END)
    d["years"] = (stop - start).dt.days / 365.25
    d["on_time_10pts"] = (d["on_time_delivery"] - 0.8) * 10  # centred at 80 %
    d["log_volume"] = np.log(d["annual_volume_kl"])
    o = read_case_csv("brewer_orders.csv", ["distributor_id", "date", "amount"])
    orders = pd.DataFrame({"customer_id": o["distributor_id"].astype(str), "date": pd.to_datetime(o["date"]),
                           "amount": o["amount"].astype(float)})
    return BrewerCase(d.set_index("distributor_id"), orders)


def stages(case: BrewerCase, lang: str = "zh") -> pd.DataFrame:
    """Lifecycle stage of every distributor at the end of 2024, from its orders (monthly buyers)."""
    return segmentation.lifecycle_stages(case.orders, observation_end=OBSERVATION_END, lang=lang,
                                         new_days=180, min_purchases=3, trust_days=730, trust_purchases=18)


def stage_table(case: BrewerCase, lang: str = "zh") -> pd.DataFrame:
    """Distributors and their monthly order value by lifecycle stage."""
    st = stages(case, lang)
    last_year = case.orders[case.orders["date"] > OBSERVATION_END - pd.Timedelta(days=365)]
    value = last_year.groupby("customer_id")["amount"].sum().reindex(st.index, fill_value=0.0)
    g = pd.DataFrame({"stage": st["stage"], "value": value}).groupby("stage", observed=False)
    return pd.DataFrame({t(lang, "经销商数", "distributors"): g.size(),
                         t(lang, "近 12 个月订货额（万元）", "orders, last 12 months (10k yuan)"): g["value"].sum()}
                        ).rename_axis(t(lang, "生命周期阶段", "stage"))


def survival(case: BrewerCase, years) -> pd.Series:
    """Kaplan-Meier probability that a relationship lasts at least ``years``."""
    return case.km.at(years)["all"]


def retention_by_age(case: BrewerCase, max_age: int = 8, lang: str = "zh") -> pd.DataFrame:
    """Yearly retention by relationship age: r(k) = S(k)/S(k−1), k = 1..max_age."""
    s = survival(case, np.arange(0, max_age + 1)).to_numpy()
    return pd.DataFrame({t(lang, "存续概率 S(k)", "survival S(k)"): s[1:],
                         t(lang, "当年保持率 S(k)/S(k−1)", "retention in year k"): s[1:] / s[:-1]},
                        index=pd.Index(np.arange(1, max_age + 1), name=t(lang, "关系年限 k（年）", "relationship year k")))


def drivers(case: BrewerCase, lang: str = "zh") -> pd.DataFrame:
    """Cox hazard ratios with 95 % intervals (HR < 1: the distributor stays longer)."""
    cox = case.cox
    ci = np.exp(cox.confidence_intervals_)
    out = pd.DataFrame({"estimate": cox.hazard_ratios_, "lower": ci.iloc[:, 0], "upper": ci.iloc[:, 1],
                        "p": cox.p_values_, "truth": np.exp(pd.Series(TRUTH["brewer"]["log_hazard_ratios"]).rename(
                            {"on_time_10pts": "on_time_10pts"}))[COVARIATES].to_numpy()})
    out.index = [_COV_TEXT[c][0 if lang == "zh" else 1] for c in out.index]
    return out.rename_axis(t(lang, "因素", "driver")).rename(columns={
        "estimate": t(lang, "风险比 HR", "hazard ratio"), "lower": t(lang, "下限", "lower"),
        "upper": t(lang, "上限", "upper"), "p": "p", "truth": t(lang, "模拟真值", "planted truth")})


def _annual_margin(case: BrewerCase) -> float:
    last_year = case.orders[case.orders["date"] > OBSERVATION_END - pd.Timedelta(days=365)]
    active = last_year.groupby("customer_id")["amount"].sum()
    return float(active.mean() * MARGIN_RATE)


def _base_retention(case: BrewerCase) -> float:
    return float(survival(case, [5.0]).iloc[0] ** (1 / 5))


def keeping_value(case: BrewerCase, uplift: float = 0.05, lang: str = "zh") -> pd.DataFrame:
    """CLV of a distributor at today's average yearly retention and at ``uplift`` more (10k yuan)."""
    r = _base_retention(case)
    table = retention.retention_value([r, min(r + uplift, 0.99)], margin=_annual_margin(case), discount_rate=DISCOUNT)
    out = table[["expected_lifetime", "clv"]].copy()
    out.index = [t(lang, f"现状 r = {r:.3f}", f"today r = {r:.3f}"),
                 t(lang, f"提高 {uplift:.0%}", f"{uplift:.0%} higher")]
    return out.rename(columns={"expected_lifetime": t(lang, "预期关系年数", "expected years"),
                               "clv": t(lang, "CLV（万元）", "CLV (10k yuan)")})


def _keeping_gain(case) -> float:
    v = keeping_value(case, lang="en").iloc[:, 1]
    return float(v.iloc[1] - v.iloc[0])


def _strongest(case) -> str:
    return str(case.cox.params_.idxmin())


def _age_pattern(case) -> str:
    r = retention_by_age(case, lang="en")["retention in year k"].to_numpy()
    return "rises" if r[-3:].mean() > r[:2].mean() + 0.02 else ("falls" if r[-3:].mean() < r[:2].mean() - 0.02 else "flat")


EXERCISES = [
    Exercise("brewer", "e1", "compute", lambda c: int((stages(c, "en")["stage"].astype(str) == "Trust").sum())),
    Exercise("brewer", "e2", "compute", lambda c: float(survival(c, [3.0]).iloc[0]), abs_tol=0.01),
    Exercise("brewer", "e3", "interpret", _age_pattern, answer="option", options=('rises', 'flat', 'falls')),
    Exercise("brewer", "e4", "compute", lambda c: float(c.cox.hazard_ratios_["exclusive"]), abs_tol=0.02),
    Exercise("brewer", "e5", "interpret", _strongest, answer="option", options=('exclusive', 'on_time_10pts', 'marketing_support', 'log_volume')),
    Exercise("brewer", "e6", "decide", _keeping_gain, rel_tol=0.02),
]

register("brewer", load, EXERCISES)
