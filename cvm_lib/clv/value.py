"""Customer lifetime value (CLV) from a purchase model and a spend model.

Units are explicit everywhere: ``horizon``, ``step`` and ``discount_rate`` are all in
``time_unit`` periods (``"D"``, ``"W"``, ``"M"`` = 365.25/12 days, ``"Y"`` = 365.25 days,
or a number of days). A monthly discount rate goes with ``time_unit="M"``, a weekly one
with ``time_unit="W"``; there is no hidden convention. The purchase model's own time unit
(the unit of ``recency`` and ``T`` it was fitted on) is converted to ``time_unit``
automatically when it is known.

For each customer

``CLV = margin * E[spend per transaction] * sum_{k=1}^{K} dE_k / (1 + d)^{t_k}``,

where ``t_k = min(k * step, horizon)`` and ``dE_k`` is the expected number of purchases
in ``(t_{k-1}, t_k]`` after the end of the data, conditional on the customer's history
(purchases of an interval are discounted at its end). The spend model is independent of
the purchase model, as the Gamma-Gamma model assumes (Fader, Hardie & Lee 2005, "RFM and
CLV").
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np
import pandas as pd

from cvm_lib.summary import unit_days

__all__ = ["customer_lifetime_value", "customer_equity", "teaching_clv", "parameter_draws"]


def _grid(horizon: float, step: float) -> np.ndarray:
    if not (isinstance(horizon, (int, float, np.integer, np.floating)) and math.isfinite(horizon) and horizon > 0):
        raise ValueError(f"horizon must be a positive number of time_unit periods, got {horizon!r}")
    if not (isinstance(step, (int, float, np.integer, np.floating)) and math.isfinite(step) and step > 0):
        raise ValueError(f"step must be a positive number of time_unit periods, got {step!r}")
    n = int(math.ceil(horizon / step - 1e-9))
    if n > 100_000:
        raise ValueError(f"horizon / step = {n} intervals; use a coarser step")
    return np.minimum(step * np.arange(1, n + 1, dtype=np.float64), float(horizon))


def _aligned(value: Any, index: pd.Index, name: str) -> np.ndarray:
    """A scalar or a per-customer Series/array as an array aligned with ``index``."""
    if isinstance(value, pd.Series):
        if not value.index.equals(index):
            missing = index.difference(value.index)
            if len(missing):
                raise ValueError(f"{name} lacks {len(missing)} customer(s) of data, e.g. {list(missing[:3])}")
            value = value.reindex(index)
        arr = value.to_numpy(dtype=np.float64)
    else:
        arr = np.asarray(value, dtype=np.float64)
        if arr.ndim == 0:
            arr = np.full(len(index), float(arr))
        elif arr.shape != (len(index),):
            raise ValueError(f"{name} must be a scalar or have one value per row of data ({len(index)})")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} has missing or infinite values")
    return arr


def _model_unit(purchase_model: Any, data: pd.DataFrame, model_time_unit: Any, time_unit: Any) -> Any:
    fitted = getattr(purchase_model, "time_unit_", None)
    given = data.attrs.get("time_unit") if isinstance(data, pd.DataFrame) else None
    if model_time_unit is not None:
        unit = model_time_unit
    elif fitted is not None:
        unit = fitted
    elif given is not None:
        unit = given
    else:
        unit = time_unit
    if given is not None and unit_days(given) != unit_days(unit):
        raise ValueError(f"data is in time unit {given!r} but the purchase model works in {unit!r}; build the "
                         "summary in the model's unit")
    return unit


def customer_lifetime_value(purchase_model: Any, spend_model: Any, data: pd.DataFrame, *, horizon: float,
                            margin: Any, discount_rate: float, time_unit: str | float, step: float = 1,
                            model_time_unit: str | float | None = None, interval: float | None = None,
                            n_draws: int = 200, seed: int = 0) -> Any:
    """Discounted expected margin of each customer over the next ``horizon`` periods.

    Parameters
    ----------
    purchase_model : fitted BetaGeo, ModifiedBetaGeo or ParetoNBD
        Any fitted model with ``expected_purchases(data, t)`` (conditional, per customer).
    spend_model : fitted GammaGamma, number or Series
        Expected value per transaction: a model with ``expected_spend(data)``, a constant,
        or one value per customer (aligned with ``data``).
    data : DataFrame
        One row per customer: ``frequency``, ``recency``, ``T`` (in the model's time unit),
        plus ``monetary_value`` for the Gamma-Gamma model.
    horizon : float
        Length of the future window, in ``time_unit`` periods (e.g. 12 with ``"M"``).
    margin : float or Series
        Profit margin as a share of spend (0.3 = 30%), scalar or per customer.
    discount_rate : float
        Discount rate PER ``time_unit`` PERIOD (e.g. 0.01 per month with ``"M"``;
        an annual 12% is ``1.12 ** (1 / 12) - 1`` per month). 0 for no discounting.
    time_unit : {"D", "W", "M", "Y"} or float
        Unit of ``horizon``, ``step`` and ``discount_rate`` (a number is a length in days).
    step : float, default 1
        Length of the discounting intervals, in ``time_unit`` periods.
    model_time_unit : str or float, optional
        Unit of the data the purchase model was fitted on. Default: recorded at fit time
        (``purchase_model.time_unit_``, from the summary's ``attrs``), else
        ``data.attrs["time_unit"]``, else assumed equal to ``time_unit``.
    interval : float in (0, 1), optional
        Also return bounds from parameter uncertainty at this level (e.g. 0.9; see the
        module docstring).
    n_draws : int, default 200
        Number of parameter draws for ``interval``.
    seed : int, default 0
        Seed of the draws (the same seed gives the same bounds).

    Returns
    -------
    Series or DataFrame
        CLV per customer (currency of the spend), aligned with ``data.index``; ``attrs``
        record the assumptions. With ``interval``: a DataFrame with columns ``clv``,
        ``lower``, ``upper``, whose ``attrs`` also hold the customer equity
        (``equity``, ``equity_lower``, ``equity_upper``), ``interval`` and ``n_draws``.

    Examples
    --------
    One year of CDNOW sample customers at a 30% margin and 10% a year, in weeks:

    >>> from cvm_lib.clv import BetaGeo, GammaGamma
    >>> from cvm_lib.datasets import cdnow
    >>> from cvm_lib.summary import calibration_holdout
    >>> cal = calibration_holdout(cdnow(sample=True), calibration_end="1997-09-30",
    ...                           observation_end="1998-06-30", time_unit="W")
    >>> bg = BetaGeo().fit(cal)
    >>> gg = GammaGamma().fit(cal[cal["frequency"] > 0])
    >>> clv = customer_lifetime_value(bg, gg, cal, horizon=52, margin=0.3,
    ...                               discount_rate=1.10 ** (1 / 52) - 1, time_unit="W")
    >>> clv.head(3).round(2).tolist()
    [11.02, 2.56, 1.41]
    >>> bounds = customer_lifetime_value(bg, gg, cal, horizon=52, margin=0.3,
    ...                                  discount_rate=1.10 ** (1 / 52) - 1, time_unit="W",
    ...                                  interval=0.9, n_draws=50)
    >>> list(bounds.columns)
    ['clv', 'lower', 'upper']
    >>> bool((bounds["lower"] <= bounds["clv"]).all() and (bounds["clv"] <= bounds["upper"]).all())
    True
    """
    point = _clv_point(purchase_model, spend_model, data, horizon=horizon, margin=margin,
                       discount_rate=discount_rate, time_unit=time_unit, step=step, model_time_unit=model_time_unit)
    if interval is None:
        return point
    if not (isinstance(interval, (float, int)) and 0 < interval < 1):
        raise ValueError(f"interval must be a level in (0, 1), e.g. 0.9, got {interval!r}")
    if isinstance(n_draws, bool) or not isinstance(n_draws, (int, np.integer)) or n_draws < 2:
        raise ValueError(f"n_draws must be an integer >= 2, got {n_draws!r}")
    rng = np.random.default_rng(seed)
    purchase_draws = parameter_draws(purchase_model, n_draws, rng)
    spend_draws = (parameter_draws(spend_model, n_draws, rng) if hasattr(spend_model, "expected_spend")
                   else [spend_model] * n_draws)
    values = np.empty((n_draws, len(data)))
    for i in range(n_draws):
        values[i] = _clv_point(purchase_draws[i], spend_draws[i], data, horizon=horizon, margin=margin,
                               discount_rate=discount_rate, time_unit=time_unit, step=step,
                               model_time_unit=model_time_unit).to_numpy()
    lo_q, hi_q = (1 - interval) / 2, (1 + interval) / 2
    out = pd.DataFrame({"clv": point.to_numpy(), "lower": _column_quantile(values, lo_q),
                        "upper": _column_quantile(values, hi_q)}, index=data.index)
    # A quantile of the draws can fall on the wrong side of the plug-in value when the
    # draws are skewed; the bounds always enclose the point estimate.
    out["lower"] = np.minimum(out["lower"], out["clv"])
    out["upper"] = np.maximum(out["upper"], out["clv"])
    equity = values.sum(axis=1)
    out.attrs.update(point.attrs)
    out.attrs.update(interval=float(interval), n_draws=int(n_draws), seed=seed,
                     method="draws from the asymptotic normal distribution of the fitted parameters",
                     equity=float(point.sum()),
                     equity_lower=float(min(np.quantile(equity, lo_q), point.sum())),
                     equity_upper=float(max(np.quantile(equity, hi_q), point.sum())))
    return out


def _column_quantile(values: np.ndarray, q: float, chunk: int = 1 << 16) -> np.ndarray:
    """``np.quantile(values, q, axis=0)`` a block of columns at a time.

    Each column's quantile is computed from that column alone, so the blocks give the same
    numbers; ``np.quantile`` copies its input to partition it, and the copy of
    ``n_draws × 1M`` customers would be another 800 MB, a block only ``n_draws × chunk``.
    """
    n = values.shape[1]
    if n <= chunk:
        return np.quantile(values, q, axis=0)
    out = np.empty(n, dtype=np.float64)
    for start in range(0, n, chunk):
        out[start:start + chunk] = np.quantile(values[:, start:start + chunk], q, axis=0)
    return out


def parameter_draws(model: Any, n_draws: int, rng: np.random.Generator) -> list:
    """``n_draws`` copies of a fitted model with parameters drawn from the asymptotic normal
    distribution of its estimates (log-parameters; covariate coefficients as they are).

    Examples
    --------
    >>> from cvm_lib.clv import BetaGeo
    >>> from cvm_lib.datasets import cdnow
    >>> from cvm_lib.summary import calibration_holdout
    >>> cal = calibration_holdout(cdnow(sample=True), calibration_end="1997-09-30",
    ...                           observation_end="1998-06-30", time_unit="W")
    >>> model = BetaGeo().fit(cal)
    >>> draws = parameter_draws(model, 3, np.random.default_rng(0))
    >>> len({d.params_["r"] for d in draws})  # three different draws ...
    3
    >>> all(abs(d.params_["r"] - 0.243) < 4 * model.standard_errors_["r"] for d in draws)  # ... near r = 0.243
    True
    """
    model._check_fitted()
    base = np.log(model.params_.to_numpy(dtype=np.float64))
    k = base.shape[0]
    coefs = getattr(model, "coefficients_", None) if model.__dict__.get("coefficients_") is not None else None
    if coefs is not None:
        mean = np.concatenate([base, coefs.to_numpy(dtype=np.float64)])
        cov = model._cov_full
    else:
        mean = base
        cov = model._cov_log
    if not np.isfinite(cov).all():
        raise ValueError(f"{type(model).__name__}: no standard errors (the fit did not converge: "
                         f"{getattr(model, 'optimizer_message_', '')}), so no intervals; refit or use interval=None")
    draws = rng.multivariate_normal(mean, cov, size=n_draws, method="cholesky")
    out = []
    for row in draws:
        m = copy.copy(model)
        m.params_ = pd.Series(np.exp(row[:k]), index=model.params_.index, name="estimate")
        if coefs is not None:
            m.coefficients_ = pd.Series(row[k:], index=coefs.index, name=coefs.name)
        out.append(m)
    return out


def _clv_point(purchase_model: Any, spend_model: Any, data: pd.DataFrame, *, horizon: float, margin: Any,
               discount_rate: float, time_unit: str | float, step: float, model_time_unit: Any) -> pd.Series:
    """CLV at the models' current parameters (see :func:`customer_lifetime_value`)."""
    if not (isinstance(discount_rate, (int, float, np.integer, np.floating)) and math.isfinite(discount_rate)
            and discount_rate > -1):
        raise ValueError(f"discount_rate must be a number > -1 per time_unit period, got {discount_rate!r}")
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a DataFrame of customers, got {type(data).__name__}")
    times = _grid(horizon, step)
    unit = _model_unit(purchase_model, data, model_time_unit, time_unit)
    factor = unit_days(time_unit) / unit_days(unit)  # model time per time_unit period
    discounts = (1.0 + float(discount_rate)) ** (-times)
    margin_arr = _aligned(margin, data.index, "margin")
    if (margin_arr < 0).any() or (margin_arr > 1).any():
        raise ValueError("margin is a share of spend and must lie in [0, 1]")
    if hasattr(spend_model, "expected_spend"):
        spend = spend_model.expected_spend(data).to_numpy(dtype=np.float64)
    else:
        spend = _aligned(spend_model, data.index, "spend_model")
    if hasattr(purchase_model, "_discounted_purchases"):
        purchases = purchase_model._discounted_purchases(data, times * factor, discounts).to_numpy()
    else:  # any model with expected_purchases(data, t)
        purchases = np.zeros(len(data))
        previous = np.zeros(len(data))
        for when, disc in zip(times, discounts):
            current = np.asarray(purchase_model.expected_purchases(data, when * factor), dtype=np.float64)
            purchases += (current - previous) * disc
            previous = current
    out = pd.Series(margin_arr * spend * purchases, index=data.index, name="clv")
    out.attrs.update(horizon=float(horizon), time_unit=time_unit, step=float(step),
                     discount_rate_per_period=float(discount_rate), model_time_unit=unit,
                     margin=float(margin_arr.mean()) if np.ptp(margin_arr) == 0 else "per customer")
    return out


def customer_equity(purchase_model: Any, spend_model: Any, data: pd.DataFrame, *, horizon: float, margin: Any,
                    discount_rate: float, time_unit: str | float, step: float = 1,
                    model_time_unit: str | float | None = None, interval: float | None = None,
                    n_draws: int = 200, seed: int = 0) -> Any:
    """Customer equity of the current base: the sum of the customers' CLVs.

    Same arguments and units as :func:`customer_lifetime_value`; future acquisitions are
    not included. Returns a float; with ``interval``, a Series ``equity``, ``lower``,
    ``upper`` (quantiles of the equity over the parameter draws).

    Examples
    --------
    >>> from cvm_lib.clv import ShiftedBetaGeo  # any purchase model works; a toy one here
    >>> class Steady:  # 2 purchases per period, forever
    ...     def expected_purchases(self, data, t):
    ...         return pd.Series(2.0 * t, index=data.index)
    >>> base = pd.DataFrame({"frequency": [1.0, 3.0]}, index=["a", "b"])
    >>> round(customer_equity(Steady(), 10.0, base, horizon=2, margin=0.5, discount_rate=0.0,
    ...                       time_unit="M"), 2)
    40.0
    """
    if interval is not None:
        table = customer_lifetime_value(purchase_model, spend_model, data, horizon=horizon, margin=margin,
                                        discount_rate=discount_rate, time_unit=time_unit, step=step,
                                        model_time_unit=model_time_unit, interval=interval, n_draws=n_draws,
                                        seed=seed)
        out = pd.Series({"equity": table.attrs["equity"], "lower": table.attrs["equity_lower"],
                         "upper": table.attrs["equity_upper"]}, name="customer_equity")
        out.attrs.update(interval=float(interval), n_draws=int(n_draws))
        return out
    return float(customer_lifetime_value(purchase_model, spend_model, data, horizon=horizon, margin=margin,
                                         discount_rate=discount_rate, time_unit=time_unit, step=step,
                                         model_time_unit=model_time_unit).sum())


def teaching_clv(amount: Any, frequency: Any, duration: Any, margin: Any = 1.0) -> Any:
    """The textbook baseline: purchase amount x purchase frequency x duration (x margin).

    No discounting and no heterogeneity: ``frequency`` is purchases per period and
    ``duration`` the expected number of periods as a customer (in the same period).

    Parameters
    ----------
    amount, frequency, duration, margin : float, array-like or Series
        Non-negative; broadcast against each other.

    Returns
    -------
    float, ndarray or Series

    Examples
    --------
    >>> teaching_clv(amount=50.0, frequency=4, duration=3)  # 50 per purchase, 4 a year, 3 years
    600.0
    >>> teaching_clv([50.0, 20.0], [4, 12], 3, margin=0.25).tolist()
    [150.0, 180.0]
    """
    values = []
    for name, value in (("amount", amount), ("frequency", frequency), ("duration", duration), ("margin", margin)):
        arr = value if isinstance(value, pd.Series) else np.asarray(value, dtype=np.float64)
        check = np.asarray(arr, dtype=np.float64)
        if not (np.isfinite(check).all() and (check >= 0).all()):
            raise ValueError(f"{name} must be non-negative and finite")
        values.append(arr)
    out = values[0] * values[1] * values[2] * values[3]
    if not isinstance(out, pd.Series) and np.ndim(out) == 0:
        return float(out)
    return out
