"""Survival analysis of customer lifetimes: Kaplan-Meier, log-rank, Cox regression.

The estimators are those of statsmodels (:class:`~statsmodels.duration.survfunc.SurvfuncRight`,
:func:`~statsmodels.duration.survfunc.survdiff`,
:class:`~statsmodels.duration.hazard_regression.PHReg`); this module validates the input,
adds what a retention study reports (confidence bands, medians, observed/expected counts,
hazard ratios with intervals, the three global tests, Harrell's concordance, a
proportional-hazards check) and returns tidy tables for plotting.

They reproduce the published results of the Freireich/Gehan leukaemia remission data
(see ``docs/literature_values.md`` section 5 and ``tests/test_retention_survival.py``):
Kaplan-Meier medians 23 and 8 weeks, log-rank chi-square 16.79, Cox (Efron) coefficient
1.5721 with standard error 0.4124, Breslow 1.5092, concordance 0.69.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.base import BaseEstimator

from cvm_lib.retention._common import (Encoder, Result, as_list, binary, check_alpha, check_design, check_frame,
                                       durations, groups, require_columns)

__all__ = ["KaplanMeier", "kaplan_meier", "LogrankResult", "logrank", "CoxResult", "fit_cox",
           "ProportionalHazardsTest", "concordance_index"]


# --------------------------------------------------------------------------- #
# Kaplan-Meier
# --------------------------------------------------------------------------- #
def _loglog_band(surv: np.ndarray, se: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise log-log (complementary log-log) interval from the Greenwood standard error.

    ``sigma = se / (S |log S|)`` is the standard error of ``log(-log S)``; the interval is
    ``S ** exp(+-z sigma)``. At ``S = 1`` (before the first event) and ``S = 0`` the interval
    collapses to the point.
    """
    lower, upper = surv.copy(), surv.copy()
    inside = (surv > 0) & (surv < 1)
    s = surv[inside]
    sigma = se[inside] / (s * np.abs(np.log(s)))
    lower[inside] = s ** np.exp(z * sigma)
    upper[inside] = s ** np.exp(-z * sigma)
    return lower, upper


@dataclass(repr=False)
class KaplanMeier(Result):
    """Kaplan-Meier estimates, one curve per group (see :func:`kaplan_meier`).

    Attributes
    ----------
    survival_function_ : DataFrame
        S(t), indexed by ``time`` (0 and every distinct observed duration), one column per
        group (``"all"`` without groups). After a group's last observed time its last value
        is carried forward.
    confidence_interval_ : DataFrame
        Pointwise log-log interval, same index, columns ``(group, "lower"|"upper")``.
    curves_ : DataFrame
        Long form for plotting: ``group, time, at_risk, events, censored, survival, se,
        lower, upper``; each group's own times only (starting at 0), so curves end where
        that group's data end.
    median_ : Series
        Median survival time per group: the smallest time with S(t) <= 0.5 (statsmodels'
        rule; R interpolates only when S(t) equals 0.5 exactly on an interval). ``inf``
        when the curve never falls to 0.5.
    median_ci_ : DataFrame
        ``lower``/``upper`` of the median (statsmodels ``quantile_ci``, cloglog method);
        ``inf`` when unbounded.
    counts_ : DataFrame
        Per group: ``n``, ``events``, ``censored``, ``last_time``.
    groups_ : list
        Group labels, in column order (sorted, or category order).
    alpha : float
    """

    survival_function_: pd.DataFrame
    confidence_interval_: pd.DataFrame
    curves_: pd.DataFrame
    median_: pd.Series
    median_ci_: pd.DataFrame
    counts_: pd.DataFrame
    alpha: float
    group: str | None
    _durations: dict = field(default_factory=dict)

    @property
    def groups_(self) -> list[Any]:
        return list(self.survival_function_.columns)

    def at(self, times: Any) -> pd.DataFrame:
        """S(t) at arbitrary ``times`` (right-continuous step function), a column per group.

        Times beyond a group's last observation raise ``ValueError`` (the curve is not
        estimated there).
        """
        t = np.atleast_1d(np.asarray(times, dtype=np.float64))
        long = self.survival_at(t)
        return pd.DataFrame({name: long.loc[long["group"] == name, "survival"].to_numpy() for name in self.groups_},
                            index=pd.Index(t, name="time"))

    def survival_at(self, times: Any) -> pd.DataFrame:
        """S(t) with its Greenwood standard error and interval at ``times``, long form.

        Columns ``group, time, survival, se, lower, upper, at_risk``; ``at_risk`` is the
        number still under observation just before ``t``.
        """
        t = np.atleast_1d(np.asarray(times, dtype=np.float64))
        if (t < 0).any() or not np.isfinite(t).all():
            raise ValueError(f"times must be finite and >= 0, got {t[(t < 0) | ~np.isfinite(t)][:3].tolist()}")
        rows = []
        for name, curve in self.curves_.groupby("group", sort=False):
            last = float(self.counts_.loc[name, "last_time"])
            if (t > last).any():
                raise ValueError(f"time {t.max():g} is beyond the last observation of group {name!r} "
                                 f"({last:g}); the Kaplan-Meier curve is not estimated there")
            times_g = curve["time"].to_numpy()
            pos = np.searchsorted(times_g, t, side="right") - 1
            picked = curve.iloc[pos]
            # at risk just before t: those with duration >= t
            at_risk = self._at_risk(name, t)
            rows.append(pd.DataFrame({"group": name, "time": t, "survival": picked["survival"].to_numpy(),
                                      "se": picked["se"].to_numpy(), "lower": picked["lower"].to_numpy(),
                                      "upper": picked["upper"].to_numpy(), "at_risk": at_risk}))
        return pd.concat(rows, ignore_index=True)

    def _at_risk(self, name: Any, t: np.ndarray) -> np.ndarray:
        sorted_durations = self._durations[name]
        return len(sorted_durations) - np.searchsorted(sorted_durations, t, side="left")

    def summary(self) -> pd.DataFrame:
        """Per group: customers, events, censored, median and its interval."""
        table = self.counts_[["n", "events", "censored"]].copy()
        table["median"] = self.median_
        level = round(100 * (1 - self.alpha))
        table[f"median_lower_{level}"] = self.median_ci_["lower"]
        table[f"median_upper_{level}"] = self.median_ci_["upper"]
        return table


def kaplan_meier(df: pd.DataFrame, duration: str, event: str, group: str | None = None, *,
                 alpha: float = 0.05) -> KaplanMeier:
    """Kaplan-Meier survival curves with pointwise confidence bands and medians.

    Parameters
    ----------
    df : DataFrame
        One row per customer (subject).
    duration : str
        Column of observed durations (numbers >= 0, in any time unit).
    event : str
        Column with 1 (or True) when the duration ends in the event (churn) and 0 when
        it is censored (still a customer at the end of observation).
    group : str, optional
        Column whose values define separate curves (e.g. acquisition channel).
    alpha : float, default 0.05
        1 - confidence level of the bands and the median intervals.

    Returns
    -------
    KaplanMeier
        ``survival_function_``, ``confidence_interval_``, ``curves_`` (long form),
        ``median_``, ``median_ci_``, ``at(times)``, ``survival_at(times)``, ``summary()``.

    Notes
    -----
    The estimate and its Greenwood standard error come from statsmodels
    ``SurvfuncRight``. Bands are pointwise on the log(-log S) scale (R's
    ``conf.type="log-log"``), so they stay within [0, 1].

    Examples
    --------
    >>> df = pd.DataFrame({"weeks": [1, 2, 2, 4, 5, 7], "churned": [1, 1, 0, 1, 0, 1]})
    >>> km = kaplan_meier(df, "weeks", "churned")
    >>> km.survival_function_
            all
    time
    0.0  1.0000
    1.0  0.8333
    2.0  0.6667
    4.0  0.4444
    5.0  0.4444
    7.0  0.0000
    >>> float(km.median_["all"])
    4.0
    >>> km.at([3, 6])
         all
    time
    3.0  0.6667
    6.0  0.4444
    """
    from statsmodels.duration.survfunc import SurvfuncRight

    check_frame(df, "df")
    require_columns(df, [duration, event, group], what="the survival data")
    alpha = check_alpha(alpha)
    if len(df) == 0:
        raise ValueError("the survival data has no rows")
    time = durations(df, duration)
    status = binary(df, event)
    if group is None:
        codes, levels = np.zeros(len(df), dtype=np.int64), ["all"]
    else:
        codes, levels = groups(df, group, minimum=1)
    z = stats.norm.ppf(1 - alpha / 2)

    timeline = np.union1d([0.0], time)
    sf_cols, ci_cols, curves, medians, med_ci, counts, sorted_durations = {}, {}, [], {}, [], [], {}
    for code, name in enumerate(levels):
        in_group = codes == code
        t_g, e_g = time[in_group], status[in_group]
        fit = SurvfuncRight(t_g, e_g)
        # all distinct times of the group (events and censorings) with counts
        uniq, inverse = np.unique(t_g, return_inverse=True)
        n_events = np.bincount(inverse, weights=e_g, minlength=len(uniq))
        n_total = np.bincount(inverse, minlength=len(uniq))
        at_risk = len(t_g) - np.concatenate(([0], np.cumsum(n_total)[:-1]))
        # S and its se at each distinct time: value at the last event time <= t
        ev_times = np.asarray(fit.surv_times, dtype=np.float64)
        pos = np.searchsorted(ev_times, uniq, side="right") - 1
        surv_prob = np.asarray(fit.surv_prob, dtype=np.float64)
        surv_se = np.nan_to_num(np.asarray(fit.surv_prob_se, dtype=np.float64), nan=0.0)
        s = np.where(pos >= 0, surv_prob[np.maximum(pos, 0)], 1.0)
        se = np.where(pos >= 0, surv_se[np.maximum(pos, 0)], 0.0)
        lo, hi = _loglog_band(s, se, z)
        curve = pd.DataFrame({"group": name, "time": uniq, "at_risk": at_risk, "events": n_events.astype(np.int64),
                              "censored": (n_total - n_events).astype(np.int64), "survival": s, "se": se,
                              "lower": lo, "upper": hi})
        if uniq[0] > 0:
            start = pd.DataFrame({"group": [name], "time": [0.0], "at_risk": [len(t_g)], "events": [0],
                                  "censored": [0], "survival": [1.0], "se": [0.0], "lower": [1.0], "upper": [1.0]})
            curve = pd.concat([start, curve], ignore_index=True)
        curves.append(curve)
        idx = np.searchsorted(curve["time"].to_numpy(), timeline, side="right") - 1
        sf_cols[name] = curve["survival"].to_numpy()[idx]
        ci_cols[(name, "lower")] = curve["lower"].to_numpy()[idx]
        ci_cols[(name, "upper")] = curve["upper"].to_numpy()[idx]
        med = float(fit.quantile(0.5)) if len(ev_times) else np.nan
        medians[name] = np.inf if not np.isfinite(med) else med
        if len(ev_times):
            with np.errstate(divide="ignore", invalid="ignore"):  # log(0) at S = 1 or 0 inside statsmodels
                lower_m, upper_m = fit.quantile_ci(0.5, alpha=alpha)
        else:
            lower_m, upper_m = np.nan, np.nan
        med_ci.append({"group": name,
                       "lower": float(lower_m) if np.isfinite(lower_m) else (np.inf if np.isnan(med) else 0.0),
                       "upper": float(upper_m) if np.isfinite(upper_m) else np.inf})
        counts.append({"group": name, "n": int(in_group.sum()), "events": int(e_g.sum()),
                       "censored": int(in_group.sum() - e_g.sum()), "last_time": float(t_g.max())})
        sorted_durations[name] = np.sort(t_g)

    index = pd.Index(timeline, name="time")
    result = KaplanMeier(
        survival_function_=pd.DataFrame(sf_cols, index=index),
        confidence_interval_=pd.DataFrame(ci_cols, index=index),
        curves_=pd.concat(curves, ignore_index=True),
        median_=pd.Series(medians, name="median").rename_axis("group"),
        median_ci_=pd.DataFrame(med_ci).set_index("group"),
        counts_=pd.DataFrame(counts).set_index("group"),
        alpha=alpha, group=group, _durations=sorted_durations)
    return result


# --------------------------------------------------------------------------- #
# Log-rank
# --------------------------------------------------------------------------- #
@dataclass(repr=False)
class LogrankResult(Result):
    """Outcome of :func:`logrank`.

    Attributes
    ----------
    statistic : float
        Chi-square statistic ``(O - E)' V^-1 (O - E)``.
    p_value : float
    df : int
        Degrees of freedom, number of groups - 1.
    observed, expected : Series
        Observed and expected (under equal hazards) number of events per group,
        unweighted, summed over strata.
    weight_type : str or None
    """

    statistic: float
    p_value: float
    df: int
    observed: pd.Series
    expected: pd.Series
    n: pd.Series
    weight_type: str | None
    group: str

    def summary(self) -> pd.DataFrame:
        """Per group: ``n``, ``observed``, ``expected``, ``O/E``; the test in ``attrs``."""
        table = pd.DataFrame({"n": self.n, "observed": self.observed, "expected": self.expected})
        table["O/E"] = table["observed"] / table["expected"]
        table.attrs.update(statistic=self.statistic, df=self.df, p_value=self.p_value)
        return table

    def __repr__(self) -> str:
        test = "log-rank" if self.weight_type is None else f"weighted log-rank ({self.weight_type})"
        return (f"<LogrankResult> {test}: chi2 = {self.statistic:.4f} on {self.df} df, p = {self.p_value:.4g}\n"
                f"{self.summary().to_string()}")


def _observed_expected(time: np.ndarray, status: np.ndarray, codes: np.ndarray, k: int
                       ) -> tuple[np.ndarray, np.ndarray]:
    event_times = np.unique(time[status == 1])
    observed = np.bincount(codes, weights=status, minlength=k)
    if len(event_times) == 0:
        return observed, np.zeros(k)
    d_all = np.zeros(len(event_times))
    n_all = np.zeros(len(event_times))
    per_group_risk = []
    for g in range(k):
        t_g = np.sort(time[codes == g])
        risk = len(t_g) - np.searchsorted(t_g, event_times, side="left")
        per_group_risk.append(risk)
        n_all += risk
        ev = np.sort(time[(codes == g) & (status == 1)])
        d_all += np.searchsorted(ev, event_times, side="right") - np.searchsorted(ev, event_times, side="left")
    expected = np.array([(d_all * r / n_all).sum() for r in per_group_risk])
    return observed, expected


def logrank(df: pd.DataFrame, duration: str, event: str, group: str, *, weight_type: str | None = None,
            strata: str | None = None, **weight_options: Any) -> LogrankResult:
    """Log-rank test that two or more groups have the same survival (hazard) function.

    Parameters
    ----------
    df : DataFrame
    duration, event, group : str
        Columns: durations (>= 0), event indicator (1 = churned, 0 = censored), groups
        (at least two distinct values).
    weight_type : {None, "gb", "tw", "fh"}, optional
        None is the log-rank test; ``"gb"`` Gehan-Breslow, ``"tw"`` Tarone-Ware, ``"fh"``
        Fleming-Harrington (pass ``fh_p=``), as in statsmodels ``survdiff``.
    strata : str, optional
        Column of strata for a stratified test.

    Returns
    -------
    LogrankResult
        ``statistic``, ``p_value``, ``df``, ``observed``, ``expected``, ``summary()``.

    Examples
    --------
    >>> df = pd.DataFrame({"t": [1, 2, 3, 4, 5, 6, 7, 8], "e": [1, 1, 1, 0, 1, 1, 0, 0],
    ...                    "plan": ["basic", "premium", "basic", "basic", "premium", "basic", "premium", "premium"]})
    >>> res = logrank(df, "t", "e", "plan")
    >>> round(res.statistic, 3), res.df
    (0.846, 1)
    >>> res.summary()
             n  observed  expected       O/E
    plan
    basic    4       3.0  2.011905  1.491124
    premium  4       2.0  2.988095  0.669323
    """
    from statsmodels.duration.survfunc import survdiff

    check_frame(df, "df")
    require_columns(df, [duration, event, group, strata], what="the survival data")
    time = durations(df, duration)
    status = binary(df, event)
    codes, levels = groups(df, group, minimum=2)
    if status.sum() == 0:
        raise ValueError("there are no events (all durations are censored); the log-rank test needs events")
    k = len(levels)
    if strata is None:
        statistic, p_value = survdiff(time, status, codes, weight_type=weight_type, **weight_options)
        observed, expected = _observed_expected(time, status, codes, k)
    else:
        strata_codes, _ = groups(df, strata, minimum=1)
        statistic, p_value = survdiff(time, status, codes, weight_type=weight_type, strata=strata_codes,
                                      **weight_options)
        observed, expected = np.zeros(k), np.zeros(k)
        for s in np.unique(strata_codes):
            inside = strata_codes == s
            o, e = _observed_expected(time[inside], status[inside], codes[inside], k)
            observed, expected = observed + o, expected + e
    if not np.isfinite(statistic):
        raise ValueError("the log-rank statistic is not finite: a group may have nobody at risk at any event time")
    index = pd.Index(levels, name=group)
    return LogrankResult(statistic=float(statistic), p_value=float(p_value), df=k - 1,
                         observed=pd.Series(observed, index=index, name="observed"),
                         expected=pd.Series(expected, index=index, name="expected"),
                         n=pd.Series(np.bincount(codes, minlength=k), index=index, name="n"),
                         weight_type=weight_type, group=group)


# --------------------------------------------------------------------------- #
# Concordance
# --------------------------------------------------------------------------- #
def _concordance_counts(time: np.ndarray, status: np.ndarray, risk: np.ndarray) -> tuple[float, float, float]:
    """Concordant, tied-in-risk and comparable pair counts (Harrell), in O(n log^2 n).

    Pair (i, j) is comparable when i has the event and j is known to survive longer:
    ``t_j > t_i``, or ``t_j == t_i`` and j is censored (R's ``survival::concordance``
    convention; tied event times are not comparable). It is concordant when
    ``risk_i > risk_j`` and tied when the risks are equal.

    Subjects are ordered by decreasing time, censored before events at equal times; the
    comparable partners of event i are then a prefix of that order. Prefix counts of
    "risk below r_i" are answered with a merge-sort tree (one sorted array per level
    of power-of-two blocks), all queries of a level at once with ``np.searchsorted``.
    """
    n = len(time)
    if n < 2 or status.sum() == 0:
        return 0.0, 0.0, 0.0
    _, rank = np.unique(risk, return_inverse=True)
    rank = rank.astype(np.int64)
    m = int(rank.max()) + 1
    order = np.lexsort((status, -time))
    rank_sorted = rank[order]
    events = status == 1
    t_ev, r_ev = time[events], rank[events]
    all_sorted = np.sort(time)
    cens_sorted = np.sort(time[~events])
    prefix = (n - np.searchsorted(all_sorted, t_ev, side="right")
              + np.searchsorted(cens_sorted, t_ev, side="right") - np.searchsorted(cens_sorted, t_ev, side="left"))
    prefix = prefix.astype(np.int64)
    below = np.zeros(len(t_ev), dtype=np.int64)
    equal_or_below = np.zeros(len(t_ev), dtype=np.int64)
    positions = np.arange(n, dtype=np.int64)
    # `level_ranks` holds the ranks sorted within aligned blocks of 2**level positions; the
    # next level's blocks are pairs of sorted runs, which a stable (run-merging) sort joins fast.
    level_ranks = rank_sorted
    level = 0
    while (1 << level) <= n:
        if level:
            block_of = (positions >> level) * m
            level_ranks = np.sort(block_of + level_ranks, kind="stable") - block_of
        has_bit = np.flatnonzero((prefix >> level) & 1)
        if len(has_bit):
            keys = (positions >> level) * m + level_ranks
            block = (prefix[has_bit] >> level) - 1
            query = block * m + r_ev[has_bit]
            order_q = np.argsort(query, kind="stable")  # sorted needles search much faster
            sorted_q = query[order_q]
            start = (block << level)[order_q]
            idx = has_bit[order_q]
            below[idx] += np.searchsorted(keys, sorted_q, side="left") - start
            equal_or_below[idx] += np.searchsorted(keys, sorted_q, side="right") - start
        level += 1
    concordant = float(below.sum())
    tied = float((equal_or_below - below).sum())
    return concordant, tied, float(prefix.sum())


def concordance_index(time: Any, risk: Any, event: Any, strata: Any = None) -> float:
    """Harrell's concordance index (C) of risk scores against (censored) durations.

    C is the share of comparable pairs in which the customer with the higher ``risk``
    (e.g. the Cox linear predictor) churns first; pairs with equal risk count one half.
    A pair is comparable when the earlier duration ends in an event and the other
    customer is known to survive longer (a later time, or the same time but censored);
    tied event times are not comparable. This is the convention of R's
    ``survival::concordance`` and of lifelines. With ``strata`` only pairs within a
    stratum are compared. Exact; O(n log^2 n), vectorised (a million rows take seconds).

    Examples
    --------
    >>> concordance_index([1, 2, 3, 4], [4.0, 3.0, 1.0, 2.0], [1, 1, 1, 0])
    0.8
    """
    t = np.asarray(time, dtype=np.float64)
    r = np.asarray(risk, dtype=np.float64)
    e = np.asarray(event).astype(np.int64)
    if not (len(t) == len(r) == len(e)):
        raise ValueError(f"time, risk and event must have the same length, got {len(t)}, {len(r)}, {len(e)}")
    if not (np.isfinite(t).all() and np.isfinite(r).all()):
        raise ValueError("time and risk must be finite")
    if not np.isin(e, (0, 1)).all():
        raise ValueError("event must contain only 0 and 1")
    if strata is None:
        conc, tied, comparable = _concordance_counts(t, e, r)
    else:
        s = np.asarray(strata)
        conc = tied = comparable = 0.0
        for level in pd.unique(s):
            inside = s == level
            c, ti, co = _concordance_counts(t[inside], e[inside], r[inside])
            conc, tied, comparable = conc + c, tied + ti, comparable + co
    if comparable == 0:
        raise ValueError("no comparable pairs (no event is followed by a longer duration); "
                         "the concordance index is undefined")
    return (conc + 0.5 * tied) / comparable


# --------------------------------------------------------------------------- #
# Cox regression
# --------------------------------------------------------------------------- #
_TRANSFORMS = ("km", "rank", "identity", "log")


@dataclass(repr=False)
class ProportionalHazardsTest(Result):
    """Grambsch-Therneau test of proportional hazards (see :meth:`CoxResult.check_proportional_hazards`).

    Attributes
    ----------
    results_ : DataFrame
        Index: the design columns and ``"GLOBAL"``; columns ``rho`` (correlation of the
        scaled Schoenfeld residuals with g(time)), ``test_statistic``, ``df``, ``p_value``.
    residuals_ : DataFrame
        Long form for plots: ``time``, ``transformed_time``, ``covariate``,
        ``scaled_residual`` (beta + scaled residual, an estimate of beta(t)).
    transform : str
    """

    results_: pd.DataFrame
    residuals_: pd.DataFrame
    transform: str
    alpha: float

    @property
    def violations_(self) -> list[str]:
        """Covariates whose p-value is below ``alpha`` (the global test is left out)."""
        table = self.results_.drop(index="GLOBAL")
        return table.index[table["p_value"] < self.alpha].tolist()

    def summary(self) -> pd.DataFrame:
        return self.results_


@dataclass(repr=False)
class CoxResult(Result):
    """A fitted Cox proportional-hazards model (see :func:`fit_cox`).

    Attributes
    ----------
    params_ : Series
        Log hazard ratios by design column.
    standard_errors_, z_, p_values_ : Series
    hazard_ratios_ : Series
        ``exp(params_)``.
    confidence_intervals_ : DataFrame
        ``lower``/``upper`` of the log hazard ratios (exponentiate for hazard ratios;
        :meth:`summary` shows both).
    log_likelihood_, log_likelihood_null_ : float
        Log partial likelihood at the estimate and at beta = 0.
    likelihood_ratio_test_, wald_test_, score_test_ : dict
        ``statistic``, ``df``, ``p_value`` of the three global tests (R's "Likelihood
        ratio test", "Wald test", "Score (logrank) test").
    concordance_ : float
        Harrell's C of the linear predictor (:func:`concordance_index`), within strata.
    n_, n_events_ : int
    converged_ : bool
    ties : str
    encoding_ : DataFrame
        How each covariate was encoded (kind, reference level, design columns).
    results_ : statsmodels PHRegResults
        The underlying statsmodels results, for anything not wrapped here.
    """

    params_: pd.Series
    standard_errors_: pd.Series
    z_: pd.Series
    p_values_: pd.Series
    confidence_intervals_: pd.DataFrame
    log_likelihood_: float
    log_likelihood_null_: float
    likelihood_ratio_test_: dict
    wald_test_: dict
    score_test_: dict
    concordance_: float
    n_: int
    n_events_: int
    converged_: bool
    ties: str
    alpha: float
    encoding_: pd.DataFrame
    results_: Any
    _encoder: Encoder
    _time: np.ndarray
    _status: np.ndarray

    @property
    def hazard_ratios_(self) -> pd.Series:
        return np.exp(self.params_).rename("exp(coef)")

    def summary(self) -> pd.DataFrame:
        """Coefficient table in R/lifelines layout (``coef``, ``exp(coef)``, ``se(coef)``,
        interval bounds on both scales, ``z``, ``p``)."""
        level = round(100 * (1 - self.alpha))
        ci = self.confidence_intervals_
        table = pd.DataFrame({
            "coef": self.params_, "exp(coef)": self.hazard_ratios_, "se(coef)": self.standard_errors_,
            f"coef lower {level}%": ci["lower"], f"coef upper {level}%": ci["upper"],
            f"exp(coef) lower {level}%": np.exp(ci["lower"]), f"exp(coef) upper {level}%": np.exp(ci["upper"]),
            "z": self.z_, "p": self.p_values_})
        table.index.name = "covariate"
        table.attrs.update(n=self.n_, events=self.n_events_, ties=self.ties, log_likelihood=self.log_likelihood_,
                           concordance=self.concordance_, likelihood_ratio_test=self.likelihood_ratio_test_,
                           wald_test=self.wald_test_, score_test=self.score_test_)
        return table

    def __repr__(self) -> str:
        lr, wald, score = self.likelihood_ratio_test_, self.wald_test_, self.score_test_
        return (f"<CoxResult> n = {self.n_}, events = {self.n_events_}, ties = {self.ties}\n"
                f"{self.summary().to_string()}\n"
                f"Concordance = {self.concordance_:.3f}; log partial likelihood = {self.log_likelihood_:.4f}\n"
                f"Likelihood ratio test = {lr['statistic']:.2f} on {lr['df']} df, p = {lr['p_value']:.3g}; "
                f"Wald test = {wald['statistic']:.2f}, p = {wald['p_value']:.3g}; "
                f"Score (log-rank) test = {score['statistic']:.2f}, p = {score['p_value']:.3g}")

    def predict_log_partial_hazard(self, df: pd.DataFrame) -> pd.Series:
        """Linear predictor ``x' beta`` (not centred) for new rows, encoded as in the fit."""
        design = self._encoder.transform(df)
        return pd.Series(design.to_numpy() @ self.params_.to_numpy(), index=df.index, name="log_partial_hazard")

    def predict_partial_hazard(self, df: pd.DataFrame) -> pd.Series:
        """``exp(x' beta)``: relative hazard of each row (1 = all covariates at 0 / reference)."""
        return np.exp(self.predict_log_partial_hazard(df)).rename("partial_hazard")

    def check_proportional_hazards(self, transform: Literal["km", "rank", "identity", "log"] = "km", *,
                                   alpha: float = 0.05) -> ProportionalHazardsTest:
        """Test proportional hazards with scaled Schoenfeld residuals against time.

        The test is the Grambsch & Therneau (1994) score-type approximation used by R's
        ``survival::cox.zph`` before version 3 and by lifelines'
        ``proportional_hazard_test``. With ``r_k`` the Schoenfeld residual vectors of
        the D events (statsmodels ``schoenfeld_residuals``: covariates minus the
        risk-set mean), ``V`` the estimated covariance of beta and ``g_k`` the
        transformed event times centred at their mean:

        * scaled residuals ``r*_k = beta + D V r_k`` (each estimates beta(t_k));
        * per covariate j: ``T_j = (sum_k g_k (D V r_k)_j)^2 / (D V_jj sum_k g_k^2)``,
          chi-square with 1 df;
        * global: ``T = D (sum_k g_k r_k)' V (sum_k g_k r_k) / sum_k g_k^2``, chi-square
          with p df.

        A small p-value says the log hazard ratio drifts with time.

        Parameters
        ----------
        transform : {"km", "rank", "identity", "log"}, default "km"
            g(t): ``"km"`` is 1 - the left-continuous pooled Kaplan-Meier estimate at
            the event time (R's default), ``"rank"`` the rank of the event time,
            ``"identity"`` t itself, ``"log"`` log t (times must be > 0).
        alpha : float, default 0.05
            Level used for :attr:`ProportionalHazardsTest.violations_`.
        """
        if transform not in _TRANSFORMS:
            raise ValueError(f"transform={transform!r}; use one of {', '.join(_TRANSFORMS)}")
        alpha = check_alpha(alpha)
        resid = np.asarray(self.results_.schoenfeld_residuals, dtype=np.float64)
        keep = (self._status == 1) & np.isfinite(resid).all(axis=1)
        resid, times = resid[keep], self._time[keep]
        order = np.argsort(times, kind="stable")
        resid, times = resid[order], times[order]
        d = len(times)
        if d < 3:
            raise ValueError(f"only {d} events with defined Schoenfeld residuals; the test needs at least 3")
        if transform == "km":
            from statsmodels.duration.survfunc import SurvfuncRight

            pooled = SurvfuncRight(self._time, self._status)
            ev_t = np.asarray(pooled.surv_times, dtype=np.float64)
            pos = np.searchsorted(ev_t, times, side="left") - 1  # last event time strictly before t
            g = 1.0 - np.where(pos >= 0, np.asarray(pooled.surv_prob)[np.maximum(pos, 0)], 1.0)
        elif transform == "rank":
            g = stats.rankdata(times)
        elif transform == "log":
            if (times <= 0).any():
                raise ValueError("transform='log' needs event times > 0")
            g = np.log(times)
        else:
            g = times.copy()
        g = g - g.mean()
        ssg = float(g @ g)
        if ssg == 0:
            raise ValueError("all event times are equal; proportional hazards cannot be tested against time")
        cov = np.asarray(self.results_.cov_params(), dtype=np.float64)
        scaled = d * resid @ cov
        names = list(self.params_.index)
        test = g @ scaled
        per = test**2 / (d * np.diag(cov) * ssg)
        with np.errstate(invalid="ignore", divide="ignore"):
            rho = np.array([np.corrcoef(g, scaled[:, j])[0, 1] if scaled[:, j].std() > 0 else 0.0
                            for j in range(len(names))])
        unscaled = g @ resid
        global_stat = float(d * unscaled @ cov @ unscaled / ssg)
        table = pd.DataFrame({"rho": rho, "test_statistic": per, "df": 1, "p_value": stats.chi2.sf(per, 1)},
                             index=pd.Index(names, name="covariate"))
        table.loc["GLOBAL"] = [np.nan, global_stat, len(names), stats.chi2.sf(global_stat, len(names))]
        table["df"] = table["df"].astype(np.int64)
        resid_long = pd.DataFrame({
            "time": np.repeat(times, len(names)), "transformed_time": np.repeat(g + 0.0, len(names)),
            "covariate": np.tile(names, d),
            "scaled_residual": (scaled + self.params_.to_numpy()).ravel()})
        return ProportionalHazardsTest(results_=table, residuals_=resid_long, transform=transform, alpha=alpha)


def _global_test(statistic: float, df: int) -> dict:
    return {"statistic": float(statistic), "df": int(df), "p_value": float(stats.chi2.sf(statistic, df))}


def fit_cox(df: pd.DataFrame, duration: str, event: str, covariates: str | list[str] | None = None,
            ties: Literal["efron", "breslow"] = "efron", *, strata: str | None = None,
            reference: dict[str, Any] | None = None, alpha: float = 0.05) -> CoxResult:
    """Fit a Cox proportional-hazards model (statsmodels ``PHReg``).

    Parameters
    ----------
    df : DataFrame
        One row per customer.
    duration, event : str
        Columns of durations (>= 0) and event indicators (1 = churned, 0 = censored).
    covariates : str or list of str, optional
        Default: every column except ``duration``, ``event`` and ``strata``. Numeric
        columns enter as they are; boolean columns as 0/1; text or categorical columns
        are one-hot encoded into ``"column[level]"`` indicators against a reference
        level, by default the first level (category order, else sorted), e.g.
        ``"channel[referral]"`` compares referral with the reference channel.
    ties : {"efron", "breslow"}, default "efron"
        Handling of tied event times (R's ``coxph`` default is Efron, Stata's Breslow).
    strata : str, optional
        Column of strata with separate baseline hazards.
    reference : dict, optional
        Reference level per categorical covariate, e.g. ``{"channel": "organic"}``.
    alpha : float, default 0.05
        1 - confidence level of the intervals.

    Returns
    -------
    CoxResult
        ``params_``, ``hazard_ratios_``, ``standard_errors_``, ``confidence_intervals_``,
        ``p_values_``, ``log_likelihood_``, ``concordance_``, the global tests,
        ``summary()``, ``check_proportional_hazards()``.

    Warns
    -----
    statsmodels.tools.sm_exceptions.ConvergenceWarning
        When Newton-Raphson did not converge (the estimates are still returned, with
        ``converged_ = False``); e.g. a covariate that perfectly separates early and late
        churners, whose coefficient diverges.

    Examples
    --------
    >>> df = pd.DataFrame({"t": [1, 2, 3, 4, 5, 6, 7, 8], "e": [1, 1, 1, 0, 1, 1, 0, 0],
    ...                    "plan": ["basic", "premium", "basic", "basic", "premium", "basic", "premium", "premium"]})
    >>> cox = fit_cox(df, "t", "e")
    >>> cox.params_.round(3)
    covariate
    plan[premium]   -0.837
    Name: coef, dtype: float64
    >>> round(cox.concordance_, 3)
    0.609
    """
    from statsmodels.base.model import LikelihoodModel
    from statsmodels.duration.hazard_regression import PHReg, PHRegResults
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    check_frame(df, "df")
    if ties not in ("efron", "breslow"):
        raise ValueError(f"ties={ties!r}; use 'efron' (default) or 'breslow'")
    alpha = check_alpha(alpha)
    if covariates is None:
        covariates = [c for c in df.columns if c not in (duration, event, strata)]
    covariates = as_list(covariates)
    if not covariates:
        raise ValueError("no covariates: pass covariates=[...] or a frame with columns besides duration/event")
    for name in (duration, event, strata):
        if name is not None and name in covariates:
            raise ValueError(f"column {name!r} cannot be both a covariate and the duration/event/strata")
    require_columns(df, [duration, event, strata, *covariates], what="the survival data")
    time = durations(df, duration)
    status = binary(df, event)
    if status.sum() == 0:
        raise ValueError("there are no events (all durations are censored); a Cox model cannot be fitted")
    encoder = Encoder(covariates, dict(reference or {})).fit(df)
    design = encoder.transform(df)
    check_design(design)
    strata_codes = None if strata is None else groups(df, strata, minimum=1)[0]

    model = PHReg(time, design.to_numpy(), status=status, ties=ties, strata=strata_codes)
    raw = LikelihoodModel.fit(model, disp=False)  # as PHReg.fit, keeping the optimiser's report
    converged = bool(raw.mle_retvals.get("converged", True))
    params = np.asarray(raw.params, dtype=np.float64)
    cov = np.asarray(raw.cov_params(), dtype=np.float64)
    if not (np.isfinite(params).all() and np.isfinite(cov).all()):
        raise ValueError("the Cox model gave non-finite estimates; a covariate may separate the events "
                         "perfectly or be (nearly) collinear with others")
    if not converged:
        warnings.warn(f"Cox model ({', '.join(design.columns)}) did not converge after "
                      f"{raw.mle_retvals.get('iterations', '?')} Newton iterations; estimates may be "
                      "unreliable (look for a covariate that separates early and late churners)",
                      ConvergenceWarning, stacklevel=2)
    results = PHRegResults(model, params, cov)
    names = list(design.columns)
    se = np.sqrt(np.diag(cov))
    z = stats.norm.ppf(1 - alpha / 2)
    idx = pd.Index(names, name="covariate")
    llf = float(model.loglike(params))
    null = np.zeros(len(names))
    llf0 = float(model.loglike(null))
    score = np.asarray(model.score(null), dtype=np.float64)
    info0 = -np.asarray(model.hessian(null), dtype=np.float64)
    score_stat = float(score @ np.linalg.solve(info0, score))
    wald_stat = float(params @ np.linalg.solve(cov, params))
    linear = design.to_numpy() @ params
    concordance = concordance_index(time, linear, status, strata=strata_codes)
    return CoxResult(
        params_=pd.Series(params, index=idx, name="coef"),
        standard_errors_=pd.Series(se, index=idx, name="se(coef)"),
        z_=pd.Series(params / se, index=idx, name="z"),
        p_values_=pd.Series(2 * stats.norm.sf(np.abs(params / se)), index=idx, name="p"),
        confidence_intervals_=pd.DataFrame({"lower": params - z * se, "upper": params + z * se}, index=idx),
        log_likelihood_=llf, log_likelihood_null_=llf0,
        likelihood_ratio_test_=_global_test(2 * (llf - llf0), len(names)),
        wald_test_=_global_test(wald_stat, len(names)),
        score_test_=_global_test(score_stat, len(names)),
        concordance_=float(concordance), n_=len(df), n_events_=int(status.sum()), converged_=converged,
        ties=ties, alpha=alpha, encoding_=encoder.describe(), results_=results, _encoder=encoder,
        _time=time, _status=status)


class CoxPH(BaseEstimator):
    """The Cox proportional-hazards model as a scikit-learn estimator (lifelines' ``CoxPHFitter`` style).

    ``CoxPH(ties, alpha, reference).fit(df, duration, event, covariates)`` fits with
    :func:`fit_cox` and returns the estimator, whose fitted attributes (ending in ``_``)
    are those of :class:`CoxResult`; ``result_`` is the result itself. Parameters are set
    only in ``__init__``, so ``get_params`` / ``set_params`` / ``sklearn.base.clone`` work,
    and :func:`sklearn.utils.validation.check_is_fitted` raises ``NotFittedError`` before
    :meth:`fit`.

    Examples
    --------
    >>> df = pd.DataFrame({"t": [1, 2, 3, 4, 5, 6, 7, 8], "e": [1, 1, 1, 0, 1, 1, 0, 0],
    ...                    "plan": ["basic", "premium", "basic", "basic", "premium", "basic", "premium", "premium"]})
    >>> model = CoxPH().fit(df, "t", "e")
    >>> model.hazard_ratios_.round(3).tolist(), round(model.concordance_, 3)
    ([0.433], 0.609)
    """

    _FITTED = ("params_", "standard_errors_", "z_", "p_values_", "confidence_intervals_", "log_likelihood_",
               "log_likelihood_null_", "likelihood_ratio_test_", "wald_test_", "score_test_", "concordance_",
               "n_", "n_events_", "converged_", "encoding_", "hazard_ratios_")

    def __init__(self, ties: Literal["efron", "breslow"] = "efron", alpha: float = 0.05,
                 reference: dict[str, Any] | None = None):
        self.ties = ties
        self.alpha = alpha
        self.reference = reference

    def fit(self, df: pd.DataFrame, duration: str, event: str, covariates: str | list[str] | None = None, *,
            strata: str | None = None) -> CoxPH:
        """Fit on ``df`` (see :func:`fit_cox` for the arguments); returns ``self``."""
        result = fit_cox(df, duration, event, covariates, self.ties, strata=strata, reference=self.reference,
                         alpha=self.alpha)
        self.result_ = result
        for name in self._FITTED:
            setattr(self, name, getattr(result, name))
        return self

    def _result(self) -> CoxResult:
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "result_")
        return self.result_

    def summary(self) -> pd.DataFrame:
        """The coefficient table (:meth:`CoxResult.summary`)."""
        return self._result().summary()

    def predict_partial_hazard(self, df: pd.DataFrame) -> pd.Series:
        """Relative hazard of each row (:meth:`CoxResult.predict_partial_hazard`)."""
        return self._result().predict_partial_hazard(df)

    def check_proportional_hazards(self, transform: Literal["km", "rank", "identity", "log"] = "km", *,
                                   alpha: float = 0.05) -> ProportionalHazardsTest:
        """The Grambsch-Therneau test (:meth:`CoxResult.check_proportional_hazards`)."""
        return self._result().check_proportional_hazards(transform, alpha=alpha)

    def _repr_html_(self) -> str:
        if not hasattr(self, "result_"):
            import html

            return f"<pre>{html.escape(repr(self))}</pre>"
        return self.result_._repr_html_()
