"""Model checking for the BTYD purchase models: is the fitted model believable?

Four checks, the ones of Fader, Hardie & Lee (2005, "Counting your customers the easy way")
and of the BTYD literature since:

=============================  ==========================================================
:func:`holdout_comparison`     conditional expectation of holdout repeat purchases vs the
                               actual count, by calibration frequency (0, 1, ..., 7+), with
                               customer-level error metrics (MAE, RMSE, correlation) and
                               the total-purchase error
:func:`period_histogram`       actual vs expected number of customers making 0, 1, ...,
                               7+ repeat purchases in the calibration period (each
                               customer at its own age ``T``), with a chi-square distance
:func:`frequency_recency_grid` expected purchases and P(alive) over a frequency x recency
                               grid (for heatmaps)
:func:`tracking`               cumulative (and per-period) repeat transactions of the
                               calibration cohort, actual vs expected, across the
                               calibration and holdout periods
=============================  ==========================================================

Conventions: a *repeat purchase* is a purchase day after the customer's first one (as in
:func:`cvm_lib.summary.rfm_summary`); time is measured in the model's time unit (the
``time_unit`` of the summary it was fitted on); a customer's age at the end of day ``D`` is
``(D - first day) / unit length``.

The expected histogram needs ``P(X(t) = x)`` of the model: closed form for BG/NBD (FHL 2005,
eq. 8) and MBG/NBD (same derivation with dropout possible after the first purchase); for
Pareto/NBD the count is mixed over the (Pareto II distributed) lifetime,
``P(X(t)=x) = (beta/(beta+t))^s NBD(x; t) + int_0^t s beta^s/(beta+u)^(s+1) NBD(x; u) du``,
integrated by Gauss-Legendre quadrature (``NBD(x; u)`` is the negative binomial count of
an active customer over a duration ``u``). Other models raise ``TypeError``.

This module is imported explicitly (``from cvm_lib.clv import checks``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from cvm_lib.summary import _customer_days, _day_numbers, _labels, _to_day, check_log, unit_days

__all__ = ["HoldoutComparison", "PeriodHistogram", "FrequencyRecencyGrid", "Tracking", "holdout_comparison",
           "period_histogram", "count_probabilities", "frequency_recency_grid", "tracking", "frequency_bins"]


def frequency_bins(frequency: Any, max_x: int = 7) -> np.ndarray:
    """Calibration frequency classes ``0 .. max_x`` (``max_x`` stands for ``max_x+``).

    Examples
    --------
    >>> frequency_bins([0, 3, 7, 12]).tolist()
    [0, 3, 7, 7]
    """
    if not (isinstance(max_x, (int, np.integer)) and max_x >= 1):
        raise ValueError(f"max_x must be a positive integer, got {max_x!r}")
    values = np.asarray(frequency, dtype=np.float64)
    return np.minimum(values, max_x).astype(np.int64)


def _bin_labels(max_x: int) -> list[str]:
    return [str(i) for i in range(max_x)] + [f"{max_x}+"]


def _columns(data: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"{what} must be a DataFrame (from cvm_lib.summary), got {type(data).__name__}")
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise ValueError(f"{what} lacks column(s) {missing}; use cvm_lib.summary.calibration_holdout / rfm_summary")


# --------------------------------------------------------------------------- holdout comparison

@dataclass(frozen=True, eq=False)
class HoldoutComparison:
    """Result of :func:`holdout_comparison`.

    Attributes
    ----------
    table : DataFrame
        Index ``frequency_class`` ("0", ..., "7+"): ``customers``, ``actual_mean``,
        ``predicted_mean`` (holdout repeat purchases per customer), ``actual_total``,
        ``predicted_total``.
    per_customer : DataFrame
        ``frequency_class``, ``actual``, ``predicted`` per customer.
    metrics : dict
        ``mae`` and ``rmse`` (customer level), ``correlation`` (Pearson, customer level),
        ``actual_total``, ``predicted_total``, ``total_error_pct`` (100 (predicted −
        actual) / actual), ``holdout_length`` (model time units), ``customers``.
    """

    table: pd.DataFrame
    per_customer: pd.DataFrame
    metrics: dict = field(default_factory=dict)


def holdout_comparison(model: Any, cal_holdout: pd.DataFrame, *, max_x: int = 7) -> HoldoutComparison:
    """Predicted vs actual holdout repeat purchases, by calibration frequency.

    Each customer's prediction is the model's conditional expectation of purchases in
    ``(T, T + duration_holdout]`` given the calibration history (``expected_purchases``).

    Parameters
    ----------
    model : fitted purchase model
        Fitted on ``cal_holdout`` (or any calibration summary in the same time unit).
    cal_holdout : DataFrame
        From :func:`cvm_lib.summary.calibration_holdout`: ``frequency``, ``recency``, ``T``,
        ``frequency_holdout``, ``duration_holdout``.
    max_x : int, default 7
        Last frequency class (``max_x+``).

    Returns
    -------
    HoldoutComparison

    Examples
    --------
    >>> class Steady:  # toy model: one purchase per period for everybody
    ...     def expected_purchases(self, data, t):
    ...         return pd.Series(1.0 * np.asarray(t), index=data.index)
    >>> cal = pd.DataFrame({"frequency": [0.0, 2.0], "recency": [0.0, 3.0], "T": [4.0, 4.0],
    ...                     "frequency_holdout": [0.0, 3.0], "duration_holdout": [2.0, 2.0]})
    >>> hc = holdout_comparison(Steady(), cal)
    >>> hc.metrics["mae"], hc.metrics["total_error_pct"]
    (1.5, 33.33333333333333)
    """
    _columns(cal_holdout, ("frequency", "recency", "T", "frequency_holdout", "duration_holdout"), "cal_holdout")
    duration = cal_holdout["duration_holdout"].to_numpy(dtype=np.float64)
    predicted = np.asarray(model.expected_purchases(cal_holdout, duration), dtype=np.float64)
    actual = cal_holdout["frequency_holdout"].to_numpy(dtype=np.float64)
    classes = frequency_bins(cal_holdout["frequency"], max_x)
    labels = _bin_labels(max_x)
    per_customer = pd.DataFrame({"frequency_class": pd.Categorical.from_codes(classes, labels),
                                 "actual": actual, "predicted": predicted}, index=cal_holdout.index)
    grouped = per_customer.groupby("frequency_class", observed=False, sort=True)
    table = pd.DataFrame({"customers": grouped.size().astype("int64"),
                          "actual_mean": grouped["actual"].mean(), "predicted_mean": grouped["predicted"].mean(),
                          "actual_total": grouped["actual"].sum(), "predicted_total": grouped["predicted"].sum()})
    table.index = pd.Index([str(i) for i in table.index], name="frequency_class", dtype="str")
    error = predicted - actual
    total_actual, total_pred = float(actual.sum()), float(predicted.sum())
    if len(actual) > 1 and np.std(actual) > 0 and np.std(predicted) > 0:
        corr = float(np.corrcoef(actual, predicted)[0, 1])
    else:
        corr = float("nan")
    metrics = {"customers": int(len(actual)), "mae": float(np.abs(error).mean()),
               "rmse": float(np.sqrt((error ** 2).mean())), "correlation": corr,
               "actual_total": total_actual, "predicted_total": total_pred,
               "total_error_pct": 100.0 * (total_pred - total_actual) / total_actual if total_actual > 0
               else float("nan"),
               "holdout_length": float(duration.max()) if len(duration) else 0.0}
    return HoldoutComparison(table=table, per_customer=per_customer, metrics=metrics)


# --------------------------------------------------------------------------- P(X(t) = x)

def _nbd_pmf(r: float, alpha: float, t: np.ndarray, xs: np.ndarray) -> np.ndarray:
    """NBD probabilities of x purchases of an active customer over durations t: shape (len(t), len(xs))."""
    t = np.asarray(t, dtype=np.float64)[:, None]
    xs = np.asarray(xs, dtype=np.float64)[None, :]
    with np.errstate(divide="ignore"):
        log_p = (special.gammaln(r + xs) - special.gammaln(r) - special.gammaln(xs + 1.0)
                 + r * (np.log(alpha) - np.log(alpha + t)) + xs * (np.log(t) - np.log(alpha + t)))
    log_p = np.where((t == 0) & (xs == 0), 0.0, log_p)
    return np.exp(log_p)


def _bgnbd_probabilities(theta: np.ndarray, t: np.ndarray, xs: np.ndarray, shift: int) -> np.ndarray:
    r, alpha, a, b = theta
    nb = _nbd_pmf(r, alpha, t, xs)
    below = np.concatenate([np.zeros((nb.shape[0], 1)), np.cumsum(nb, axis=1)[:, :-1]], axis=1)  # sum_{j<x}
    log_b = special.betaln(a, b)
    alive = np.exp(special.betaln(a, b + xs + shift) - log_b)[None, :]
    with np.errstate(invalid="ignore"):
        dead = np.exp(special.betaln(a + 1.0, np.maximum(b + xs - 1.0 + shift, 1e-300)) - log_b)[None, :]
    if not shift:
        dead = np.where(xs[None, :] > 0, dead, 0.0)
    return alive * nb + dead * np.clip(1.0 - below, 0.0, 1.0)


def _pnbd_probabilities(theta: np.ndarray, t: np.ndarray, xs: np.ndarray, nodes: int = 64) -> np.ndarray:
    r, alpha, s, beta = theta
    t = np.asarray(t, dtype=np.float64)
    survive = (beta / (beta + t)) ** s
    out = survive[:, None] * _nbd_pmf(r, alpha, t, xs)
    z, w = np.polynomial.legendre.leggauss(nodes)
    for i, length in enumerate(t):
        if length <= 0:
            continue
        # substitute v = log(1 + u / beta): smooth integrand for heavy-tailed lifetimes
        top = np.log1p(length / beta)
        v = 0.5 * top * (z + 1.0)
        u = beta * np.expm1(v)
        density = s * np.exp(-s * v)  # s beta^s/(beta+u)^(s+1) du = s exp(-s v) dv
        out[i] += 0.5 * top * (w * density) @ _nbd_pmf(r, alpha, u, xs)
    return out


def count_probabilities(model: Any, t: Any, max_x: int) -> pd.DataFrame:
    """``P(X(t) = x)`` for ``x = 0 .. max_x - 1`` and ``P(X(t) >= max_x)``, per value of ``t``.

    ``t`` is the time since the first purchase, in the model's time unit. Supported:
    BetaGeo, ModifiedBetaGeo, ParetoNBD (see the module docstring).

    Returns
    -------
    DataFrame
        Index ``t``; columns "0", ..., f"{max_x}+"; rows sum to 1.

    Examples
    --------
    >>> from cvm_lib.clv import BetaGeo
    >>> bg = BetaGeo()
    >>> bg.params_ = pd.Series({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
    >>> p = count_probabilities(bg, [39.0], 7)
    >>> round(float(p.iloc[0].sum()), 12), round(float(p.iloc[0, 0]), 3)
    (1.0, 0.574)
    """
    from cvm_lib.clv.bgnbd import BetaGeo, ModifiedBetaGeo
    from cvm_lib.clv.paretonbd import ParetoNBD

    times = np.atleast_1d(np.asarray(t, dtype=np.float64))
    if not (np.isfinite(times).all() and (times >= 0).all()):
        raise ValueError("t must be non-negative and finite")
    if not isinstance(model, (BetaGeo, ModifiedBetaGeo, ParetoNBD)):
        raise TypeError(f"P(X(t)=x) is not available for {type(model).__name__}; supported: BetaGeo, "
                        "ModifiedBetaGeo, ParetoNBD")
    theta = np.asarray(model.params_, dtype=np.float64)
    xs = np.arange(max_x, dtype=np.float64)
    if isinstance(model, (BetaGeo, ModifiedBetaGeo)):
        probs = _bgnbd_probabilities(theta, times, xs, 1 if isinstance(model, ModifiedBetaGeo) else 0)
    else:
        probs = _pnbd_probabilities(theta, times, xs)
    tail = np.clip(1.0 - probs.sum(axis=1), 0.0, 1.0)
    return pd.DataFrame(np.column_stack([probs, tail]), index=pd.Index(times, name="t"), columns=_bin_labels(max_x))


# --------------------------------------------------------------------------- period histogram

@dataclass(frozen=True, eq=False)
class PeriodHistogram:
    """Result of :func:`period_histogram`.

    Attributes
    ----------
    table : DataFrame
        Index ``repeat_purchases`` ("0", ..., "7+"): ``actual``, ``expected`` (customers),
        ``difference`` (expected − actual) and ``chi2_term``.
    chi2 : float
        Pearson chi-square distance over the bins, ``sum (actual − expected)^2 / expected``.
    df : int
        Bins − 1 − number of model parameters (the usual degrees of freedom).
    """

    table: pd.DataFrame
    chi2: float
    df: int


def period_histogram(model: Any, summary: pd.DataFrame, max_x: int = 7) -> PeriodHistogram:
    """Actual vs expected number of customers with 0, 1, ..., ``max_x``+ repeat purchases.

    The expected count of class ``x`` is ``sum_i P(X(T_i) = x)``: each customer at its own
    age ``T_i`` in the calibration period (customers acquired at different times are
    observed for different lengths of time).

    Examples
    --------
    >>> from cvm_lib.clv import BetaGeo
    >>> bg = BetaGeo()
    >>> bg.params_ = pd.Series({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
    >>> cal = pd.DataFrame({"frequency": [0.0, 1.0, 9.0], "recency": [0.0, 2.0, 30.0], "T": [39.0, 39.0, 39.0]})
    >>> h = period_histogram(bg, cal)
    >>> h.table["actual"].tolist(), round(float(h.table["expected"].sum()), 9)
    ([1, 1, 0, 0, 0, 0, 0, 1], 3.0)
    """
    _columns(summary, ("frequency", "T"), "summary")
    classes = frequency_bins(summary["frequency"], max_x)
    labels = _bin_labels(max_x)
    actual = np.bincount(classes, minlength=max_x + 1)
    T = summary["T"].to_numpy(dtype=np.float64)
    uT, inverse = np.unique(T, return_inverse=True)
    probs = count_probabilities(model, uT, max_x).to_numpy()
    expected = np.bincount(inverse.reshape(-1), minlength=len(uT)) @ probs
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(expected > 0, (actual - expected) ** 2 / expected, 0.0)
    table = pd.DataFrame({"actual": actual.astype(np.int64), "expected": expected, "difference": expected - actual,
                          "chi2_term": terms}, index=pd.Index(labels, name="repeat_purchases", dtype="str"))
    n_params = len(getattr(model, "params_", ()))
    return PeriodHistogram(table=table, chi2=float(terms.sum()), df=int(max(len(labels) - 1 - n_params, 1)))


# --------------------------------------------------------------------------- frequency x recency

@dataclass(frozen=True, eq=False)
class FrequencyRecencyGrid:
    """Result of :func:`frequency_recency_grid`: two frequency x recency matrices.

    ``expected`` holds the expected purchases in the next ``t`` periods, ``p_alive`` the
    probability of being alive, both for a customer of age ``T``. Rows: frequency, highest
    first (so the heatmap has heavy buyers at the top); columns: recency. Cells that cannot
    occur (frequency 0 with recency > 0) are NaN.
    """

    expected: pd.DataFrame
    p_alive: pd.DataFrame
    t: float
    T: float


def frequency_recency_grid(model: Any, *, t: float, max_frequency: int, max_recency: float, T: float,
                           n_recency: int | None = None) -> FrequencyRecencyGrid:
    """Expected purchases in the next ``t`` periods and P(alive) over a frequency x recency grid.

    Parameters
    ----------
    model : fitted purchase model
    t : float
        Future window, in the model's time unit.
    max_frequency : int
        Frequencies 0 .. max_frequency.
    max_recency : float
        Largest recency shown (capped at ``T``).
    T : float
        Customer age (time since the first purchase) of every cell.
    n_recency : int, optional
        Number of recency columns, evenly spaced from 0 to ``max_recency`` (default: one
        per whole period, 0, 1, ..., floor(max_recency)).

    Examples
    --------
    >>> from cvm_lib.clv import BetaGeo
    >>> bg = BetaGeo()
    >>> bg.params_ = pd.Series({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
    >>> g = frequency_recency_grid(bg, t=39, max_frequency=2, max_recency=30.43, T=38.86, n_recency=2)
    >>> round(float(g.expected.loc[2, 30.43]), 3), round(float(g.p_alive.loc[2, 30.43]), 3)
    (1.226, 0.727)
    """
    if not (isinstance(max_frequency, (int, np.integer)) and max_frequency >= 0):
        raise ValueError(f"max_frequency must be a non-negative integer, got {max_frequency!r}")
    if not (np.isfinite(T) and T > 0):
        raise ValueError(f"T must be positive, got {T!r}")
    top = float(min(max_recency, T))
    if n_recency is None:
        recencies = np.arange(0.0, np.floor(top) + 1.0)
    else:
        if n_recency < 2:
            raise ValueError("n_recency must be at least 2")
        recencies = np.linspace(0.0, top, int(n_recency))
    recencies = np.round(recencies, 2)
    freq = np.arange(max_frequency, -1, -1, dtype=np.float64)
    xx, tt = np.meshgrid(freq, recencies, indexing="ij")
    valid = ~((xx == 0) & (tt > 0))
    cells = pd.DataFrame({"frequency": xx[valid], "recency": np.minimum(tt[valid], T), "T": float(T)})
    expected = np.full(xx.shape, np.nan)
    alive = np.full(xx.shape, np.nan)
    expected[valid] = np.asarray(model.expected_purchases(cells, float(t)), dtype=np.float64)
    alive[valid] = np.asarray(model.prob_alive(cells), dtype=np.float64)
    index = pd.Index(freq.astype(np.int64), name="frequency")
    columns = pd.Index(recencies, name="recency")
    return FrequencyRecencyGrid(expected=pd.DataFrame(expected, index=index, columns=columns),
                                p_alive=pd.DataFrame(alive, index=index, columns=columns), t=float(t), T=float(T))


# --------------------------------------------------------------------------- tracking

@dataclass(frozen=True, eq=False)
class Tracking:
    """Result of :func:`tracking`.

    Attributes
    ----------
    table : DataFrame
        One row per period: ``period`` (1, 2, ...), ``end`` (last day of the period),
        ``actual`` and ``expected`` repeat transactions in the period, ``actual_cumulative``,
        ``expected_cumulative``, ``holdout`` (the period ends after the calibration end).
    totals : dict
        Exact totals at the calibration end and the observation end: ``actual_calibration``,
        ``expected_calibration``, ``actual_holdout``, ``expected_holdout``,
        ``actual_cumulative``, ``expected_cumulative``, ``cumulative_error_pct``,
        ``holdout_error_pct``, and ``customers`` (size of the cohort).
    calibration_end, observation_end : Timestamp
    time_unit : str or float
    """

    table: pd.DataFrame
    totals: dict
    calibration_end: pd.Timestamp
    observation_end: pd.Timestamp
    time_unit: Any


def tracking(model: Any, tx: pd.DataFrame, calibration_end: Any, observation_end: Any = None,
             time_unit: str | float = "W") -> Tracking:
    """Cumulative actual vs expected repeat transactions of the calibration cohort.

    The cohort is every customer whose first purchase is on or before ``calibration_end``.
    Repeat transactions are purchase days after each customer's first (as in the summary
    the model was fitted on). The expected cumulative count at the end of day ``D`` is
    ``sum_i E[X(age_i(D))]`` with ``age_i(D) = (D − first day_i) / unit``: the model's
    unconditional expectation (``expected_purchases_new``) at each customer's own age, so
    the curve tests the model out of sample after the calibration end.

    Periods run from the cohort's first purchase day in steps of ``time_unit``; the last
    one ends on ``observation_end``.

    Examples
    --------
    >>> class Steady:  # one repeat purchase per week, forever
    ...     def expected_purchases_new(self, t):
    ...         return pd.Series(np.asarray(t, dtype=float), index=np.asarray(t, dtype=float))
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a"],
    ...                    "date": pd.to_datetime(["2024-01-01", "2024-01-08", "2024-01-20"]),
    ...                    "amount": [1.0, 1.0, 1.0]})
    >>> tr = tracking(Steady(), tx, "2024-01-08", "2024-01-22", "W")
    >>> tr.table[["period", "actual", "expected"]].to_numpy().tolist()
    [[1.0, 1.0, 1.0], [2.0, 0.0, 1.0], [3.0, 1.0, 1.0]]
    >>> tr.totals["actual_holdout"], tr.totals["expected_holdout"]
    (1.0, 2.0)
    """
    check_log(tx)
    unit = unit_days(time_unit)
    cal_day = _to_day(calibration_end, "calibration_end")
    days = _day_numbers(tx["date"])
    end_day = int(days.max()) if observation_end is None else _to_day(observation_end, "observation_end")
    if end_day <= cal_day:
        raise ValueError("observation_end must be after calibration_end")
    keep = days <= end_day
    ids = tx["customer_id"] if keep.all() else tx["customer_id"][keep]
    days = days[keep]
    # Distinct purchase days per customer on integer labels (no string grouping: at 10M
    # rows this is a sort of int keys, not a groupby of the ids per call).
    codes, _, uniques = _labels(ids)
    customer, day = _customer_days(codes, len(uniques), days)
    starts = np.flatnonzero(np.concatenate(([True], customer[1:] != customer[:-1])))
    first_per = day[starts]  # each customer's first purchase day
    first = np.repeat(first_per, np.diff(np.append(starts, len(day))))
    cohort = first <= cal_day
    first_cohort = first_per[first_per <= cal_day]
    if first_cohort.size == 0:
        raise ValueError("no customer made a first purchase on or before calibration_end")
    repeat_days = np.sort(day[cohort & (day > first)])
    start = int(first_cohort.min())
    ends = start + unit * np.arange(1, int(np.floor((end_day - start) / unit)) + 1)
    ends = ends[ends < end_day]
    ends = np.append(ends, float(end_day))
    uf, counts = np.unique(first_cohort, return_counts=True)

    def expected_at(day_points: np.ndarray) -> np.ndarray:
        ages = np.clip((np.asarray(day_points, dtype=np.float64)[:, None] - uf[None, :]) / unit, 0.0, None)
        flat = np.asarray(model.expected_purchases_new(ages.reshape(-1)), dtype=np.float64).reshape(ages.shape)
        return flat @ counts

    def actual_at(day_points: np.ndarray) -> np.ndarray:
        return np.searchsorted(repeat_days, np.floor(np.asarray(day_points, dtype=np.float64)), side="right") \
            .astype(np.float64)

    exp_cum, act_cum = expected_at(ends), actual_at(ends)
    table = pd.DataFrame({
        "period": np.arange(1, len(ends) + 1, dtype=np.int64),
        "end": pd.to_datetime(np.floor(ends).astype("int64"), unit="D"),
        "actual": np.diff(np.concatenate(([0.0], act_cum))),
        "expected": np.diff(np.concatenate(([0.0], exp_cum))),
        "actual_cumulative": act_cum, "expected_cumulative": exp_cum,
        "holdout": ends > cal_day})
    at = np.array([cal_day, end_day], dtype=np.float64)
    e_cal, e_end = expected_at(at)
    a_cal, a_end = actual_at(at)
    totals = {"customers": int(first_cohort.size), "actual_calibration": float(a_cal),
              "expected_calibration": float(e_cal), "actual_holdout": float(a_end - a_cal),
              "expected_holdout": float(e_end - e_cal), "actual_cumulative": float(a_end),
              "expected_cumulative": float(e_end),
              "cumulative_error_pct": 100.0 * (e_end - a_end) / a_end if a_end > 0 else float("nan"),
              "holdout_error_pct": 100.0 * ((e_end - e_cal) - (a_end - a_cal)) / (a_end - a_cal)
              if a_end > a_cal else float("nan")}
    return Tracking(table=table, totals=totals, calibration_end=pd.Timestamp(np.datetime64(cal_day, "D")),
                    observation_end=pd.Timestamp(np.datetime64(end_day, "D")), time_unit=time_unit)
