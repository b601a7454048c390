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
from cvm_lib.cases._data import read_case_csv
from cvm_lib.cases.simulate import TRUTH

__all__ = ["BrewerCase", "load", "stages", "stage_summary", "survival", "retention_by_age", "drivers",
           "keeping_value", "COVARIATES", "STAGES", "MARGIN_RATE", "DISCOUNT", "OBSERVATION_END"]

OBSERVATION_END = pd.Timestamp(TRUTH["brewer"]["observation_end"])
COVARIATES = ["exclusive", "on_time_10pts", "marketing_support", "log_volume"]
#: Lifecycle stages in order (stable ids; 培育/确认/信任/弱化/消失 in the catalogue).
STAGES = ("cultivation", "confirmation", "trust", "decline", "lapse")
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


def stages(case: BrewerCase) -> pd.Series:
    """Lifecycle stage id (:data:`STAGES`) of every distributor at the end of 2024, from its orders."""
    st = segmentation.lifecycle_stages(case.orders, observation_end=OBSERVATION_END, new_days=180, min_purchases=3,
                                       trust_days=730, trust_purchases=18)
    stage = st["stage"].astype(str).str.lower()
    unknown = sorted(set(stage) - set(STAGES))
    if unknown:
        raise ValueError(f"lifecycle_stages returned stage(s) {unknown}; the brewer case knows {', '.join(STAGES)}")
    return stage.rename("stage")


def stage_summary(case: BrewerCase) -> pd.DataFrame:
    """Distributors and their orders in the last 12 months (10k yuan) by lifecycle stage (index ``stage``)."""
    st = stages(case)
    last_year = case.orders[case.orders["date"] > OBSERVATION_END - pd.Timedelta(days=365)]
    value = last_year.groupby("customer_id")["amount"].sum().reindex(st.index, fill_value=0.0)
    g = pd.DataFrame({"stage": pd.Categorical(st, categories=STAGES), "value": value}).groupby("stage", observed=False)
    return pd.DataFrame({"distributors": g.size(), "orders_last_12m": g["value"].sum()}).rename_axis("stage")


def survival(case: BrewerCase, years) -> pd.Series:
    """Kaplan-Meier probability that a relationship lasts at least ``years``."""
    return case.km.at(years)["all"]


def retention_by_age(case: BrewerCase, max_age: int = 8) -> pd.DataFrame:
    """Yearly retention by relationship age: r(k) = S(k)/S(k−1), k = 1..max_age (index ``year``)."""
    s = survival(case, np.arange(0, max_age + 1)).to_numpy()
    return pd.DataFrame({"survival": s[1:], "retention": s[1:] / s[:-1]},
                        index=pd.Index(np.arange(1, max_age + 1), name="year"))


def drivers(case: BrewerCase) -> pd.DataFrame:
    """Cox hazard ratios with 95 % intervals and the planted truth (HR < 1: the distributor stays longer).

    Index ``driver`` (a covariate); columns ``hazard_ratio``, ``lower``, ``upper``, ``p_value``, ``truth``.
    """
    cox = case.cox
    ci = np.exp(cox.confidence_intervals_)
    truth = np.exp(pd.Series(TRUTH["brewer"]["log_hazard_ratios"]))[COVARIATES]
    return pd.DataFrame({"hazard_ratio": cox.hazard_ratios_[COVARIATES], "lower": ci.iloc[:, 0][COVARIATES],
                         "upper": ci.iloc[:, 1][COVARIATES], "p_value": cox.p_values_[COVARIATES],
                         "truth": truth}).rename_axis("driver")


def _annual_margin(case: BrewerCase) -> float:
    last_year = case.orders[case.orders["date"] > OBSERVATION_END - pd.Timedelta(days=365)]
    active = last_year.groupby("customer_id")["amount"].sum()
    return float(active.mean() * MARGIN_RATE)


def _base_retention(case: BrewerCase) -> float:
    return float(survival(case, [5.0]).iloc[0] ** (1 / 5))


def keeping_value(case: BrewerCase, uplift: float = 0.05) -> pd.DataFrame:
    """CLV of a distributor (10k yuan) at today's average yearly retention and at ``uplift`` more.

    Index ``scenario`` (``today``, ``higher``); columns ``retention_rate``, ``expected_lifetime`` (years), ``clv``.
    """
    r = _base_retention(case)
    rates = [r, min(r + uplift, 0.99)]
    table = retention.retention_value(rates, margin=_annual_margin(case), discount_rate=DISCOUNT)
    return pd.DataFrame({"retention_rate": rates, "expected_lifetime": table["expected_lifetime"].to_numpy(),
                         "clv": table["clv"].to_numpy()}, index=pd.Index(["today", "higher"], name="scenario"))


def _keeping_gain(case) -> float:
    v = keeping_value(case)["clv"]
    return float(v["higher"] - v["today"])


def _strongest(case) -> str:
    return str(case.cox.params_.idxmin())


def _age_pattern(case) -> str:
    r = retention_by_age(case)["retention"].to_numpy()
    return "rises" if r[-3:].mean() > r[:2].mean() + 0.02 else ("falls" if r[-3:].mean() < r[:2].mean() - 0.02 else "flat")


EXERCISES = [
    Exercise("brewer", "e1", "compute", lambda c: int((stages(c) == "trust").sum())),
    Exercise("brewer", "e2", "compute", lambda c: float(survival(c, [3.0]).iloc[0]), abs_tol=0.01),
    Exercise("brewer", "e3", "interpret", _age_pattern, answer="option", options=('rises', 'flat', 'falls')),
    Exercise("brewer", "e4", "compute", lambda c: float(c.cox.hazard_ratios_["exclusive"]), abs_tol=0.02),
    Exercise("brewer", "e5", "interpret", _strongest, answer="option", options=('exclusive', 'on_time_10pts', 'marketing_support', 'log_volume')),
    Exercise("brewer", "e6", "decide", _keeping_gain, rel_tol=0.02),
]

register("brewer", load, EXERCISES)
