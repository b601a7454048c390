"""Case 6 · 网店客户终身价值 Customer lifetime value for an online store (CDNOW).

The public CDNOW sample (2,357 customers who first bought in Q1 1997, purchases to June
1998; :func:`cvm_lib.datasets.cdnow`). Calibration 1997-01-01 to 1997-09-30 (39 weeks),
holdout 1997-10-01 to 1998-06-30 (39 weeks), as in Fader, Hardie & Lee (2005).

The textbook CLV is amount × frequency × duration × margin
(:func:`cvm_lib.clv.teaching_clv`) with averages over all customers and an assumed
duration; the BTYD CLV is BG/NBD + Gamma-Gamma (:mod:`cvm_lib.clv`), per customer,
discounted. Money in US dollars; time in weeks unless named otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from cvm_lib import clv
from cvm_lib.cases._core import Exercise, register
from cvm_lib.datasets import cdnow
from cvm_lib.summary import calibration_holdout

__all__ = ["CdnowCase", "load", "simple_inputs", "simple_clv", "holdout_comparison", "btyd_clv", "clv_comparison",
           "CALIBRATION_END", "OBSERVATION_END", "DURATION_YEARS", "MARGIN", "ANNUAL_DISCOUNT", "HOLDOUT_WEEKS"]

CALIBRATION_END = "1997-09-30"
OBSERVATION_END = "1998-06-30"
HOLDOUT_WEEKS = 39.0
DURATION_YEARS = 3      # the textbook formula's assumed customer lifetime
MARGIN = 0.3            # gross margin on a CD order
ANNUAL_DISCOUNT = 0.10  # for the BTYD CLV


@dataclass
class CdnowCase:
    tx: pd.DataFrame  # tidy purchase log of the sample

    @cached_property
    def summary(self) -> pd.DataFrame:
        return calibration_holdout(self.tx, calibration_end=CALIBRATION_END, observation_end=OBSERVATION_END,
                                   time_unit="W")

    @cached_property
    def bgnbd(self) -> clv.BetaGeo:
        return clv.BetaGeo().fit(self.summary)

    @cached_property
    def gamma_gamma(self) -> clv.GammaGamma:
        return clv.GammaGamma().fit(self.summary[self.summary["frequency"] > 0])


def load() -> CdnowCase:
    return CdnowCase(cdnow(sample=True))


def simple_inputs(case: CdnowCase) -> dict[str, float]:
    """The textbook inputs from the calibration period, averaged over all customers.

    ``amount``: dollars per purchase record; ``frequency``: purchase records per customer
    per year (calibration records / customers / (39/52)); ``duration``: the assumed years.
    """
    cal = case.tx[case.tx["date"] <= pd.Timestamp(CALIBRATION_END)]
    weeks = (pd.Timestamp(CALIBRATION_END) - pd.Timestamp("1997-01-01")).days / 7 + 1 / 7
    return {"amount": float(cal["amount"].mean()),
            "frequency": float(len(cal) / cal["customer_id"].nunique() / (weeks / 52)),
            "duration": float(DURATION_YEARS), "margin": MARGIN}


def simple_clv(case: CdnowCase) -> float:
    """amount × frequency × duration × margin (dollars per customer)."""
    return float(clv.teaching_clv(**simple_inputs(case)))


def _simple_holdout(case: CdnowCase) -> float:
    s = case.summary
    return float((s["frequency"] / s["T"] * HOLDOUT_WEEKS).where(s["T"] > 0, 0).sum())


def holdout_comparison(case: CdnowCase) -> pd.DataFrame:
    """Total repeat purchases in the 39-week holdout: actual, the naive run rate and BG/NBD.

    Index ``forecast`` (``actual``, ``run_rate``, ``bgnbd``); columns ``repeat_purchases``
    and ``error`` (relative to the actual, a fraction).
    """
    s = case.summary
    actual = float(s["frequency_holdout"].sum())
    values = {"actual": actual, "run_rate": _simple_holdout(case),
              "bgnbd": float(case.bgnbd.expected_purchases(s, HOLDOUT_WEEKS).sum())}
    out = pd.DataFrame({"repeat_purchases": values}).rename_axis("forecast")
    out["error"] = out["repeat_purchases"] / actual - 1
    return out


def btyd_clv(case: CdnowCase) -> pd.Series:
    """Per-customer CLV (dollars) over DURATION_YEARS, BG/NBD × Gamma-Gamma, 10 % a year, margin 30 %."""
    return clv.customer_lifetime_value(case.bgnbd, case.gamma_gamma, case.summary, horizon=52 * DURATION_YEARS,
                                       margin=MARGIN, discount_rate=(1 + ANNUAL_DISCOUNT) ** (1 / 52) - 1,
                                       time_unit="W")


def clv_comparison(case: CdnowCase) -> pd.DataFrame:
    """Simple CLV next to the BTYD CLV: mean, median, share of value in the top 10 % (index ``method``)."""
    values = btyd_clv(case).sort_values(ascending=False)
    top = values.head(int(round(len(values) * 0.1))).sum() / values.sum()
    simple = simple_clv(case)
    return pd.DataFrame([{"method": "simple", "mean_clv": simple, "median_clv": simple, "top10_value_share": 0.10},
                         {"method": "btyd", "mean_clv": float(values.mean()), "median_clv": float(values.median()),
                          "top10_value_share": float(top)}]).set_index("method")


def _better(case) -> str:
    s = case.summary
    actual = s["frequency_holdout"].sum()
    naive = abs(_simple_holdout(case) - actual)
    model = abs(case.bgnbd.expected_purchases(s, HOLDOUT_WEEKS).sum() - actual)
    return "bgnbd" if model < naive else "simple"


def _budget(case) -> str:
    ratio = simple_clv(case) / float(btyd_clv(case).mean())
    return "overstates" if ratio > 1.2 else ("understates" if ratio < 1 / 1.2 else "agrees")


EXERCISES = [
    Exercise("cdnow_clv", "e1", "compute", lambda c: simple_inputs(c)["amount"], abs_tol=0.05),
    Exercise("cdnow_clv", "e2", "compute", lambda c: simple_inputs(c)["frequency"], rel_tol=0.01),
    Exercise("cdnow_clv", "e3", "compute", simple_clv, rel_tol=0.01),
    Exercise("cdnow_clv", "e4", "compute", lambda c: float(c.bgnbd.expected_purchases(c.summary, HOLDOUT_WEEKS).sum()), rel_tol=0.02),
    Exercise("cdnow_clv", "e5", "interpret", _better, answer="option", options=('simple', 'bgnbd')),
    Exercise("cdnow_clv", "e6", "decide", _budget, answer="option", options=('overstates', 'agrees', 'understates')),
]

register("cdnow_clv", load, EXERCISES)
