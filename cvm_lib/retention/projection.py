"""Contractual retention projection with a fitted shifted-beta-geometric (sBG) model.

The model itself lives in :mod:`cvm_lib.clv` (:class:`cvm_lib.clv.ShiftedBetaGeo`); the
functions here take any fitted object with the same interface (duck typing):

* ``survival(t)``: share of a cohort still active after ``t`` periods, ``S(0) = 1``;
* ``retention_rate(t)``: ``S(t) / S(t - 1)`` for ``t >= 1``;
* optionally ``params_`` with ``alpha`` and ``beta`` (as :class:`cvm_lib.clv.ShiftedBetaGeo`;
  Fader & Hardie write them gamma and delta; enables closed forms).

Under the sBG (Fader & Hardie 2007) each customer has a constant churn probability
theta per period, and theta ~ Beta(alpha, beta) across customers. The aggregate retention
rate ``r(t) = (beta + t - 1) / (alpha + beta + t - 1)`` *rises* with tenure even though
no individual's retention changes: the customers most likely to churn leave first.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import special

__all__ = ["fit_sbg", "project_retention", "retention_by_tenure", "derl", "sbg_parameters"]


def _evaluate(method: Any, t: np.ndarray, name: str) -> np.ndarray:
    """Call a model method on an array of periods; fall back to element-wise calls."""
    try:
        out = np.asarray(method(t), dtype=np.float64).reshape(-1)
        if len(out) != len(t):
            raise ValueError
    except (TypeError, ValueError):
        out = np.array([float(np.asarray(method(int(v))).reshape(-1)[0]) for v in t])
    if not np.isfinite(out).all():
        raise ValueError(f"model.{name} returned missing or infinite values for periods {t[~np.isfinite(out)][:3]}")
    return out


def _check_model(model: Any, *names: str) -> None:
    missing = [n for n in names if not callable(getattr(model, n, None))]
    if missing:
        raise TypeError(f"{type(model).__name__} lacks method(s) {missing}; pass a fitted sBG-like model such as "
                        "cvm_lib.clv.ShiftedBetaGeo().fit(active_counts)")


def _periods(periods: int) -> int:
    if isinstance(periods, bool) or not isinstance(periods, (int, np.integer)) or periods < 1:
        raise ValueError(f"periods={periods!r}; use a positive integer number of periods")
    return int(periods)


def sbg_parameters(model: Any) -> tuple[float, float] | None:
    """``(alpha, beta)`` (Fader & Hardie's gamma, delta) of a fitted sBG-like model, or ``None`` when it does not expose them."""
    params = getattr(model, "params_", None)
    try:
        alpha, beta = float(params["alpha"]), float(params["beta"])
    except (TypeError, KeyError, IndexError, ValueError):
        return None
    return (alpha, beta) if alpha > 0 and beta > 0 else None


def fit_sbg(active_counts: Any, *, model: Any = None) -> Any:
    """Fit an sBG model to a cohort's active counts (a thin wrapper over :mod:`cvm_lib.clv`).

    Parameters
    ----------
    active_counts : array-like
        Customers still active at the start of each period, starting with the cohort size
        (e.g. ``sbg_retention()["regular"] * 10`` for the 1,000-customer cohorts of Fader
        & Hardie 2007, years 0–7), as :meth:`cvm_lib.clv.ShiftedBetaGeo.fit` expects.
    model : unfitted model, optional
        Default ``cvm_lib.clv.ShiftedBetaGeo()``.

    Returns
    -------
    The fitted model.
    """
    counts = np.asarray(active_counts, dtype=np.float64)
    if counts.ndim != 1 or len(counts) < 2:
        raise ValueError("active_counts must be a 1-D sequence of at least two counts (cohort size first)")
    if not np.isfinite(counts).all() or (counts < 0).any() or (np.diff(counts) > 0).any():
        raise ValueError("active_counts must be finite, non-negative and non-increasing (customers who left "
                         "do not come back in a contractual setting)")
    if model is None:
        try:
            from cvm_lib.clv import ShiftedBetaGeo
        except ImportError as exc:
            raise ImportError("cvm_lib.clv.ShiftedBetaGeo is not available; pass model= a compatible object") \
                from exc
        model = ShiftedBetaGeo()
    fitted = model.fit(counts)
    return model if fitted is None else fitted


def project_retention(model: Any, periods: int, *, cohort_size: float | None = None,
                      observed: Any = None) -> pd.DataFrame:
    """Projected survival and retention of a cohort for ``periods`` periods.

    Parameters
    ----------
    model : fitted sBG-like model
        With ``survival(t)`` and ``retention_rate(t)``.
    periods : int
        Number of periods after acquisition to project.
    cohort_size : float, optional
        Adds ``expected_active = cohort_size * survival``.
    observed : array-like, optional
        Observed active counts from period 0 (cohort size first); adds
        ``observed_active`` and ``observed_survival`` where available (NaN after the data).

    Returns
    -------
    DataFrame
        Index ``period`` 0..periods; ``survival``, ``retention_rate`` (NaN in period 0,
        where it is undefined), ``churn_rate`` and the optional columns.

    Examples
    --------
    >>> class Geometric:  # a homogeneous model: 80% retention every period
    ...     def survival(self, t): return 0.8 ** np.asarray(t, dtype=float)
    ...     def retention_rate(self, t): return np.full(np.shape(t), 0.8)
    >>> project_retention(Geometric(), 3, cohort_size=1000)
            survival  retention_rate  churn_rate  expected_active
    period
    0          1.000             NaN         NaN           1000.0
    1          0.800             0.8         0.2            800.0
    2          0.640             0.8         0.2            640.0
    3          0.512             0.8         0.2            512.0
    """
    _check_model(model, "survival", "retention_rate")
    periods = _periods(periods)
    t = np.arange(periods + 1)
    surv = _evaluate(model.survival, t, "survival")
    rate = np.concatenate(([np.nan], _evaluate(model.retention_rate, t[1:], "retention_rate")))
    table = pd.DataFrame({"survival": surv, "retention_rate": rate, "churn_rate": 1 - rate},
                         index=pd.Index(t, name="period"))
    if cohort_size is not None:
        table["expected_active"] = float(cohort_size) * surv
    if observed is not None:
        obs = np.asarray(observed, dtype=np.float64)
        column = np.full(periods + 1, np.nan)
        column[: min(len(obs), periods + 1)] = obs[: periods + 1]
        table["observed_active"] = column
        table["observed_survival"] = column / obs[0]
    return table


def retention_by_tenure(model: Any, periods: int) -> pd.DataFrame:
    """Aggregate retention rate by tenure: the rising-retention effect of heterogeneity.

    Returns a table indexed by ``tenure`` 1..periods with ``retention_rate`` (share of the
    customers active at ``tenure - 1`` who renew), ``churn_rate`` and ``survival``; and,
    when the model exposes ``alpha`` and ``beta``, ``mean_churn_probability`` of the
    survivors, ``alpha / (alpha + beta + tenure - 1)``, which falls as the high-churn
    customers leave. ``attrs["rising"]`` says whether the retention rate never decreases.

    Examples
    --------
    >>> class SBG:  # Fader & Hardie (2007) "regular" segment: alpha 0.704, beta 1.182
    ...     params_ = {"alpha": 0.704, "beta": 1.182}
    ...     def survival(self, t):
    ...         t = np.asarray(t, dtype=float)
    ...         return np.exp(special.betaln(0.704, 1.182 + t) - special.betaln(0.704, 1.182))
    ...     def retention_rate(self, t):
    ...         t = np.asarray(t, dtype=float)
    ...         return (1.182 + t - 1) / (0.704 + 1.182 + t - 1)
    >>> table = retention_by_tenure(SBG(), 4)
    >>> table["retention_rate"].round(3).tolist(), table.attrs["rising"]
    ([0.627, 0.756, 0.819, 0.856], True)
    """
    _check_model(model, "survival", "retention_rate")
    periods = _periods(periods)
    t = np.arange(1, periods + 1)
    rate = _evaluate(model.retention_rate, t, "retention_rate")
    table = pd.DataFrame({"retention_rate": rate, "churn_rate": 1 - rate,
                          "survival": _evaluate(model.survival, t, "survival")},
                         index=pd.Index(t, name="tenure"))
    ab = sbg_parameters(model)
    if ab is not None:
        alpha, beta = ab
        table["mean_churn_probability"] = alpha / (alpha + beta + t - 1)
    table.attrs["rising"] = bool((np.diff(rate) >= -1e-12).all())
    return table


def derl(model: Any, discount_rate: float, *, renewals: Any = 0, tol: float = 1e-12,
         max_periods: int = 1_000_000) -> float | pd.Series:
    """Discounted expected residual lifetime (DERL) of a customer in a contractual setting.

    For a customer who has made ``renewals = n - 1`` renewals (is in period n of
    tenure), the expected discounted number of further payments, the next one due now
    (undiscounted) at the coming renewal decision (Fader & Hardie 2010):

    ``DERL = sum_{k>=0} S(n + k) / S(n - 1) / (1 + d)**k``.

    For the sBG this is ``(beta + n - 1) / (alpha + beta + n - 1) *
    2F1(1, beta + n; alpha + beta + n; 1 / (1 + d))``, used when the model exposes
    ``alpha`` and ``beta``; otherwise the series is summed from ``model.survival`` until
    the terms fall below ``tol``. Multiply by the margin per period for the residual
    value of the customer. The discounted expected lifetime of a customer just acquired,
    counting the first payment, is ``1 + DERL(renewals=0) / (1 + d)``.

    Parameters
    ----------
    model : fitted sBG-like model
    discount_rate : float
        Per period, > 0.
    renewals : int or array-like of int, default 0
    tol, max_periods
        Stopping rule of the numeric sum.

    Returns
    -------
    float, or Series indexed by ``renewals`` when several are given.

    Examples
    --------
    >>> class Geometric:  # homogeneous 80% retention: DERL = r (1 + d) / (1 + d - r)
    ...     def survival(self, t): return 0.8 ** np.asarray(t, dtype=float)
    >>> round(derl(Geometric(), 0.1), 6), round(0.8 * 1.1 / 0.3, 6)
    (2.933333, 2.933333)
    """
    if not (isinstance(discount_rate, (int, float)) and discount_rate > 0):
        raise ValueError(f"discount_rate={discount_rate!r}; use a positive rate per period (e.g. 0.1)")
    many = np.ndim(renewals) > 0
    n_prev = np.atleast_1d(np.asarray(renewals))
    if not np.issubdtype(n_prev.dtype, np.integer) or (n_prev < 0).any():
        raise ValueError(f"renewals={renewals!r}; use non-negative integers")
    x = 1.0 / (1.0 + discount_rate)
    ab = sbg_parameters(model)
    if ab is not None:
        alpha, beta = ab
        n = n_prev + 1.0
        values = (beta + n - 1) / (alpha + beta + n - 1) * special.hyp2f1(1.0, beta + n, alpha + beta + n, x)
    else:
        _check_model(model, "survival")
        k_max = int(min(max_periods, np.ceil(np.log(tol) / np.log(x)) + 1))
        values = []
        for prev in n_prev:
            t = np.arange(prev, prev + k_max + 1)
            surv = _evaluate(model.survival, t, "survival")
            if surv[0] <= 0:
                raise ValueError(f"S({prev}) = 0: nobody survives {prev} periods, DERL is undefined")
            values.append(float((surv[1:] / surv[0] * x ** np.arange(k_max)).sum()))
        values = np.asarray(values)
    if not np.isfinite(values).all():
        raise ValueError("DERL is not finite for these parameters")
    if many:
        return pd.Series(values, index=pd.Index(n_prev, name="renewals"), name="derl")
    return float(values[0])
