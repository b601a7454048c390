"""Effect of a retention programme (membership day, loyalty card, ...) on retention, with
intervals: raw difference in retention, covariate-adjusted logistic regression, Kaplan-Meier
survival difference at a horizon and a Cox hazard ratio."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from cvm_lib.retention._common import (Encoder, Result, as_list, binary, check_alpha, check_design, check_frame,
                                       require_columns)
from cvm_lib.retention.survival import CoxResult, KaplanMeier, fit_cox, kaplan_meier

__all__ = ["ProgrammeEffect", "programme_effect", "difference_in_proportions"]


def _wilson(successes: float, n: float, z: float) -> tuple[float, float]:
    p = successes / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z / (1 + z**2 / n) * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    return centre - half, centre + half


def difference_in_proportions(x1: int, n1: int, x0: int, n0: int, *, alpha: float = 0.05) -> pd.Series:
    """``p1 - p0`` with Wald and Newcombe (hybrid score, method 10) intervals.

    The Newcombe interval combines the Wilson score intervals ``(l_i, u_i)`` of the two
    proportions: ``d - sqrt((p1 - l1)**2 + (u0 - p0)**2)`` to
    ``d + sqrt((u1 - p1)**2 + (p0 - l0)**2)``. It stays inside [-1, 1] and keeps its
    coverage for small or extreme proportions, where the Wald interval does not. The
    p-value is the pooled two-proportion z-test (Pearson's chi-square without
    continuity correction).

    Examples
    --------
    Newcombe (1998, Statistics in Medicine 17, 873-890), example (a): 56/70 vs 48/80.

    >>> difference_in_proportions(56, 70, 48, 80)[["estimate", "wald_lower", "wald_upper",
    ...                                           "newcombe_lower", "newcombe_upper"]].round(4)
    estimate          0.2000
    wald_lower        0.0575
    wald_upper        0.3425
    newcombe_lower    0.0524
    newcombe_upper    0.3339
    dtype: float64
    """
    alpha = check_alpha(alpha)
    if min(n1, n0) <= 0 or not (0 <= x1 <= n1 and 0 <= x0 <= n0):
        raise ValueError(f"need 0 <= successes <= n and n > 0 in both groups, got {x1}/{n1} and {x0}/{n0}")
    z = stats.norm.ppf(1 - alpha / 2)
    p1, p0 = x1 / n1, x0 / n0
    d = p1 - p0
    se = np.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)
    l1, u1 = _wilson(x1, n1, z)
    l0, u0 = _wilson(x0, n0, z)
    pooled = (x1 + x0) / (n1 + n0)
    se0 = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
    p_value = float(2 * stats.norm.sf(abs(d) / se0)) if se0 > 0 else 1.0
    return pd.Series({"treated_rate": p1, "control_rate": p0, "estimate": d, "se": se,
                      "wald_lower": d - z * se, "wald_upper": d + z * se,
                      "newcombe_lower": d - np.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2),
                      "newcombe_upper": d + np.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2), "p_value": p_value})


@dataclass(repr=False)
class ProgrammeEffect(Result):
    """Estimated effect of a retention programme (see :func:`programme_effect`).

    Attributes
    ----------
    retention_ : DataFrame or None
        Index ``treated``/``control``: ``customers``, ``retained``, ``rate``.
    difference_ : Series or None
        Treated minus control retention rate with Wald and Newcombe intervals and p-value.
    odds_ratio_ : Series or None
        Covariate-adjusted odds ratio of being retained (statsmodels ``Logit``): ``estimate``,
        ``lower``, ``upper``, ``p_value``, ``log_odds``, ``se``.
    logit_results_ : statsmodels results or None
    survival_difference_ : Series or None
        Kaplan-Meier ``S_treated(h) - S_control(h)`` at ``horizon`` with a normal interval
        from the Greenwood variances of the two (independent) groups.
    km_ : KaplanMeier or None
    hazard_ratio_ : Series or None
        Cox hazard ratio of churn for the programme, adjusted for the covariates.
    cox_ : CoxResult or None
    """

    treatment: str
    alpha: float
    covariates: list
    retention_: pd.DataFrame | None = None
    difference_: pd.Series | None = None
    odds_ratio_: pd.Series | None = None
    logit_results_: Any = None
    survival_difference_: pd.Series | None = None
    km_: KaplanMeier | None = None
    hazard_ratio_: pd.Series | None = None
    cox_: CoxResult | None = None

    def summary(self) -> pd.DataFrame:
        """One row per measure: ``estimate``, ``lower``, ``upper``, ``p_value``, ``method``."""
        level = round(100 * (1 - self.alpha))
        rows = []
        if self.difference_ is not None:
            d = self.difference_
            rows.append({"measure": "retention difference (Wald)", "estimate": d["estimate"],
                         "lower": d["wald_lower"], "upper": d["wald_upper"], "p_value": d["p_value"],
                         "method": "treated - control share retained; Wald interval, pooled z-test"})
            rows.append({"measure": "retention difference (Newcombe)", "estimate": d["estimate"],
                         "lower": d["newcombe_lower"], "upper": d["newcombe_upper"], "p_value": d["p_value"],
                         "method": "hybrid Wilson score interval (Newcombe 1998, method 10)"})
        if self.odds_ratio_ is not None:
            o = self.odds_ratio_
            adj = f"adjusted for {', '.join(self.covariates)}" if self.covariates else "unadjusted"
            rows.append({"measure": "odds ratio of retention", "estimate": o["estimate"], "lower": o["lower"],
                         "upper": o["upper"], "p_value": o["p_value"], "method": f"logistic regression, {adj}"})
        if self.survival_difference_ is not None:
            s = self.survival_difference_
            rows.append({"measure": f"survival difference at t = {s['horizon']:g}", "estimate": s["difference"],
                         "lower": s["lower"], "upper": s["upper"], "p_value": s["p_value"],
                         "method": "Kaplan-Meier, Greenwood variances"})
        if self.hazard_ratio_ is not None:
            h = self.hazard_ratio_
            adj = f"adjusted for {', '.join(self.covariates)}" if self.covariates else "unadjusted"
            rows.append({"measure": "hazard ratio of churn", "estimate": h["estimate"], "lower": h["lower"],
                         "upper": h["upper"], "p_value": h["p_value"], "method": f"Cox regression, {adj}"})
        table = pd.DataFrame(rows).set_index("measure")
        table.attrs["confidence_level"] = level
        return table

    def describe(self) -> str:
        """English sentences stating the main estimates with their intervals."""
        level = round(100 * (1 - self.alpha))
        parts = []
        if self.difference_ is not None:
            d = self.difference_
            parts.append(f"Retention is {d['treated_rate']:.1%} in the programme and {d['control_rate']:.1%} "
                         f"outside it, a difference of {100 * d['estimate']:+.1f} points ({level}% CI "
                         f"{100 * d['newcombe_lower']:+.1f} to {100 * d['newcombe_upper']:+.1f}).")
        if self.hazard_ratio_ is not None:
            h = self.hazard_ratio_
            parts.append(f"The hazard ratio of churn is {h['estimate']:.2f} ({level}% CI {h['lower']:.2f}–"
                         f"{h['upper']:.2f}).")
        return " ".join(parts)


def programme_effect(data: pd.DataFrame, *, treatment: str = "retention_programme", outcome: str | None = None,
                     covariates: str | list[str] | None = None, duration: str | None = None,
                     event: str | None = None, horizon: float | None = None, alpha: float = 0.05,
                     reference: dict[str, Any] | None = None) -> ProgrammeEffect:
    """Effect of a retention programme on retention, four ways, each with an interval.

    Parameters
    ----------
    data : DataFrame
        One row per customer.
    treatment : str, default "retention_programme"
        0/1 or boolean column: 1 = in the programme.
    outcome : str, optional
        0/1 or boolean column, 1 = *retained* at the end of the window (e.g.
        ``alive_at_end``, or ``1 - churned``). Gives the difference in retention and the
        adjusted odds ratio.
    covariates : str or list of str, optional
        Adjustment variables for the logistic and Cox models (encoded as in
        :func:`fit_cox`). With a randomised programme they only sharpen the estimates;
        with an observational one they are what stands between the estimate and bias.
    duration, event : str, optional
        Survival columns (event 1 = churned). Give the Kaplan-Meier survival difference at
        ``horizon`` and the Cox hazard ratio.
    horizon : float, optional
        Time at which survival is compared. Default: the median duration.
    alpha : float, default 0.05
    reference : dict, optional
        Reference levels of categorical covariates.

    Returns
    -------
    ProgrammeEffect
        ``difference_``, ``odds_ratio_``, ``survival_difference_``, ``hazard_ratio_``,
        ``summary()``, ``describe()``.

    Notes
    -----
    Measures differ by design. The odds ratio and the Cox hazard ratio are conditional on
    the covariates. When customers differ in unobserved churn-proneness (frailty), the
    population hazard ratio drifts towards 1 over time as the frail leave both arms, so
    a Cox model without the frailty underestimates an individual-level effect; adjusting
    for a good proxy of it recovers that effect (see ``tests/test_retention_programme.py``).

    Examples
    --------
    >>> df = pd.DataFrame({"programme": [1] * 50 + [0] * 50,
    ...                    "retained": [1] * 40 + [0] * 10 + [1] * 30 + [0] * 20})
    >>> eff = programme_effect(df, treatment="programme", outcome="retained")
    >>> eff.difference_[["treated_rate", "control_rate", "estimate"]].tolist()
    [0.8, 0.6, 0.2...]
    >>> round(float(eff.odds_ratio_["estimate"]), 4)
    2.6667
    """
    from statsmodels.discrete.discrete_model import Logit
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    check_frame(data, "data")
    alpha = check_alpha(alpha)
    covariates = as_list(covariates)
    if outcome is None and duration is None:
        raise ValueError("give outcome= (a 0/1 retained flag) and/or duration= and event= (survival data)")
    if (duration is None) != (event is None):
        raise ValueError("duration= and event= go together")
    require_columns(data, [treatment, outcome, duration, event, *covariates], what="the programme data")
    if treatment in covariates:
        raise ValueError(f"the treatment {treatment!r} cannot also be a covariate")
    treated = binary(data, treatment, role="treatment")
    if treated.min() == treated.max():
        raise ValueError(f"treatment column {treatment!r} has a single value; both participants and "
                         "non-participants are needed")
    result = ProgrammeEffect(treatment=treatment, alpha=alpha, covariates=covariates)
    z = stats.norm.ppf(1 - alpha / 2)

    if outcome is not None:
        retained = binary(data, outcome, role="outcome")
        n1, n0 = int(treated.sum()), int((1 - treated).sum())
        x1, x0 = int(retained[treated == 1].sum()), int(retained[treated == 0].sum())
        result.retention_ = pd.DataFrame({"customers": [n1, n0], "retained": [x1, x0], "rate": [x1 / n1, x0 / n0]},
                                         index=pd.Index(["treated", "control"], name="group"))
        result.difference_ = difference_in_proportions(x1, n1, x0, n0, alpha=alpha)
        encoder = Encoder(covariates, dict(reference or {})).fit(data) if covariates else None
        design = pd.DataFrame({treatment: treated.astype(np.float64)}, index=data.index)
        if encoder is not None:
            design = design.join(encoder.transform(data))
        check_design(design)
        exog = np.column_stack([np.ones(len(design)), design.to_numpy()])
        model = Logit(retained.astype(np.float64), exog)
        fit = model.fit(disp=0)
        converged = bool(fit.mle_retvals.get("converged", True))
        if not converged:
            warnings.warn(f"logistic regression of {outcome!r} on {list(design.columns)} did not converge; "
                          "the odds ratio may be unreliable (look for perfect separation)",
                          ConvergenceWarning, stacklevel=2)
        coef, se = float(fit.params[1]), float(fit.bse[1])
        if not (np.isfinite(coef) and np.isfinite(se)):
            raise ValueError("the logistic regression gave a non-finite estimate for the programme; "
                             "check for perfect separation or collinear covariates")
        with np.errstate(over="ignore"):  # a diverging fit (already warned about) may give an infinite bound
            result.odds_ratio_ = pd.Series({"estimate": np.exp(coef), "lower": np.exp(coef - z * se),
                                            "upper": np.exp(coef + z * se), "p_value": float(fit.pvalues[1]),
                                            "log_odds": coef, "se": se})
        result.logit_results_ = fit

    if duration is not None:
        frame = data[[duration, event, *covariates]].copy()
        frame["_arm"] = np.where(treated == 1, "treated", "control")
        km = kaplan_meier(frame, duration, event, "_arm", alpha=alpha)
        if horizon is None:
            horizon = float(np.median(frame[duration].to_numpy(dtype=np.float64)))
        at = km.survival_at([horizon]).set_index("group")
        diff = at.loc["treated", "survival"] - at.loc["control", "survival"]
        se = float(np.hypot(at.loc["treated", "se"], at.loc["control", "se"]))
        if se > 0:
            p_value = float(2 * stats.norm.sf(abs(diff) / se))
        else:  # both curves at 0 or 1 at the horizon: no sampling variation left
            p_value = 1.0 if diff == 0 else 0.0
        result.survival_difference_ = pd.Series({
            "horizon": float(horizon), "treated": at.loc["treated", "survival"],
            "control": at.loc["control", "survival"], "difference": diff, "se": se, "lower": diff - z * se,
            "upper": diff + z * se, "p_value": p_value})
        result.km_ = km
        frame[treatment] = treated
        cox = fit_cox(frame, duration, event, [treatment, *covariates], alpha=alpha, reference=reference)
        summ = cox.summary()
        ci = cox.confidence_intervals_.loc[treatment]
        result.hazard_ratio_ = pd.Series({"estimate": float(cox.hazard_ratios_[treatment]),
                                          "lower": float(np.exp(ci["lower"])), "upper": float(np.exp(ci["upper"])),
                                          "p_value": float(summ.loc[treatment, "p"]),
                                          "log_hazard_ratio": float(cox.params_[treatment]),
                                          "se": float(cox.standard_errors_[treatment])})
        result.cox_ = cox
    return result
