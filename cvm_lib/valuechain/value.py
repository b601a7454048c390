"""Customer value the way the CVM literature decomposes it, and projected customer equity.

* **Historical value** — margin realised to date (:func:`historical_value`).
* **Current value** — expected future value if behaviour continues unchanged: the model
  CLV, e.g. from :func:`cvm_lib.clv.customer_lifetime_value`, passed in as a Series.
* **Potential value** — extra value if the customer is developed further
  (:func:`potential_value`: cross-sell, up-sell, referral, with explicit parameters).

The teaching baseline ``CLV = amount × frequency × duration`` is
:func:`cvm_lib.clv.teaching_clv`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cvm_lib.valuechain._common import YEAR_DAYS, as_series, check_number, summary_html

__all__ = ["potential_value", "value_decomposition", "ValueDecomposition", "projected_customer_equity",
           "annual_to_period_rate"]

_COMPONENTS = ("historical_value", "current_value", "potential_value")


def _param(value: Any, index: pd.Index, name: str, *, high: float | None = None) -> np.ndarray:
    """A scalar or per-customer Series parameter as an array aligned with ``index``."""
    if isinstance(value, pd.Series):
        series = as_series(value, name)
        missing = index.difference(series.index)
        if len(missing):
            raise ValueError(f"{name} lacks {len(missing)} customer(s), e.g. {list(missing[:3])}")
        arr = series.reindex(index).to_numpy(dtype=np.float64)
        if (arr < 0).any() or (high is not None and (arr > high).any()):
            raise ValueError(f"{name} must lie in [0, {high if high is not None else 'inf'}) for every customer")
        return arr
    return np.full(len(index), check_number(value, name, low=0.0, high=high))


def potential_value(current_value: pd.Series, *, cross_sell_rate: float | pd.Series,
                    cross_sell_margin: float | pd.Series, upsell_rate: float | pd.Series,
                    referral_rate: float | pd.Series, referral_value: float | pd.Series) -> pd.DataFrame:
    """Potential value: the extra value of developing each customer, under explicit scenario parameters.

    For customer ``i`` with current value ``CV_i`` (expected future value if behaviour
    continues):

    ``potential_i = cross_sell_rate × cross_sell_margin + upsell_rate × CV_i + referral_rate × referral_value``

    * cross-sell: probability that the customer adopts an additional product line
      (share, 0–1) × the margin such an adoption brings over the customer's lifetime
      (currency);
    * up-sell: proportional increase of the customer's spend (0.1 = 10 % more), applied to
      the current value (margin scales with spend);
    * referral: expected number of new customers the customer refers × value of a
      referred customer net of the referral reward and its acquisition cost (currency).

    All parameters are keyword-only and required (0 switches a lever off); each is a
    number or a per-customer Series (e.g. a cross-sell propensity score). Money is in
    the currency of ``current_value``; no discounting beyond what ``current_value`` has.

    Returns
    -------
    DataFrame
        Index ``customer_id``; columns ``cross_sell``, ``upsell``, ``referral`` and their
        sum ``potential_value``; ``attrs["parameters"]`` keeps the scalar parameters.

    Examples
    --------
    >>> cv = pd.Series([100.0, 40.0], index=["a", "b"])
    >>> potential_value(cv, cross_sell_rate=0.2, cross_sell_margin=50.0, upsell_rate=0.1,
    ...                 referral_rate=0.5, referral_value=20.0)
                 cross_sell  upsell  referral  potential_value
    customer_id
    a                  10.0    10.0      10.0             30.0
    b                  10.0     4.0      10.0             24.0
    """
    current = as_series(current_value, "current_value")
    index = current.index
    cross = _param(cross_sell_rate, index, "cross_sell_rate", high=1.0) * \
        _param(cross_sell_margin, index, "cross_sell_margin")
    upsell = _param(upsell_rate, index, "upsell_rate") * current.to_numpy()
    referral = _param(referral_rate, index, "referral_rate") * _param(referral_value, index, "referral_value")
    out = pd.DataFrame({"cross_sell": cross, "upsell": upsell, "referral": referral}, index=index)
    out["potential_value"] = out["cross_sell"] + out["upsell"] + out["referral"]
    out.attrs["parameters"] = {k: (float(v) if not isinstance(v, pd.Series) else "per customer") for k, v in (
        ("cross_sell_rate", cross_sell_rate), ("cross_sell_margin", cross_sell_margin),
        ("upsell_rate", upsell_rate), ("referral_rate", referral_rate), ("referral_value", referral_value))}
    return out


@dataclass(frozen=True, eq=False)
class ValueDecomposition:
    """Result of :func:`value_decomposition`.

    Attributes
    ----------
    per_customer : DataFrame
        Index ``customer_id``; ``historical_value``, ``current_value``, ``potential_value``,
        ``total_value`` (their sum) and ``segment`` (when segments were given).
    per_segment : DataFrame
        Index ``segment`` (one row ``"all"`` when no segments were given): ``customers``,
        sums of the three values and the total, their means per customer (``mean_*``) and
        ``share_of_total_value``.
    totals : Series
        Sums over all customers of the three values and the total.
    """

    per_customer: pd.DataFrame
    per_segment: pd.DataFrame
    totals: pd.Series

    @property
    def summary(self) -> pd.DataFrame:
        """The per-segment sums: ``customers``, the three values and ``total_value``."""
        return self.per_segment[["customers", *_COMPONENTS, "total_value"]]

    def _repr_html_(self) -> str:
        return summary_html(self.summary, "Historical, current and potential value by segment")


def value_decomposition(historical: pd.Series, current: pd.Series, potential: pd.Series | pd.DataFrame, *,
                        segments: pd.Series | None = None) -> ValueDecomposition:
    """Historical, current and potential value side by side, per customer and per segment.

    ``total_value = historical + current + potential``: value realised to date, plus the
    expected future value if behaviour continues, plus the extra value of developing the
    customer. All three must cover exactly the same customers (a clear error names the
    missing ones), in the same currency.

    Parameters
    ----------
    historical : Series
        From :func:`historical_value`.
    current : Series
        Expected future value per customer (the model CLV, supplied by the caller).
    potential : Series or DataFrame
        From :func:`potential_value` (its ``potential_value`` column is used).
    segments : Series, optional
        Segment label per customer (e.g. RFM segment or acquisition channel).

    Returns
    -------
    ValueDecomposition

    Examples
    --------
    >>> hist = pd.Series([10.0, 20.0, 5.0], index=["a", "b", "c"])
    >>> cur = pd.Series([30.0, 0.0, 15.0], index=["a", "b", "c"])
    >>> pot = pd.Series([6.0, 1.0, 3.0], index=["a", "b", "c"])
    >>> seg = pd.Series(["gold", "silver", "gold"], index=["a", "b", "c"])
    >>> vd = value_decomposition(hist, cur, pot, segments=seg)
    >>> vd.per_segment[["customers", "historical_value", "current_value", "total_value"]]
             customers  historical_value  current_value  total_value
    segment
    gold             2              15.0           45.0         69.0
    silver           1              20.0            0.0         21.0
    >>> float(vd.totals["total_value"])
    90.0
    """
    parts = {"historical_value": as_series(historical, "historical_value"),
             "current_value": as_series(current, "current_value"),
             "potential_value": as_series(potential, "potential_value")}
    index = parts["historical_value"].index.union(parts["current_value"].index).union(
        parts["potential_value"].index).sort_values()
    for name, series in parts.items():
        missing = index.difference(series.index)
        if len(missing):
            raise ValueError(f"{name} lacks {len(missing)} customer(s) present in the other values, "
                             f"e.g. {list(missing[:3])}; give all three for the same customers")
    per_customer = pd.DataFrame({name: s.reindex(index) for name, s in parts.items()}, index=index)
    per_customer["total_value"] = per_customer[list(_COMPONENTS)].sum(axis=1)
    if segments is not None:
        if not isinstance(segments, pd.Series):
            raise TypeError("segments must be a Series of segment labels indexed by customer_id")
        seg = segments.copy()
        seg.index = seg.index.astype("str")
        missing = index.difference(seg.index)
        if len(missing) or seg.reindex(index).isna().any():
            raise ValueError(f"segments lacks a label for some customers, e.g. "
                             f"{list(missing[:3]) or list(index[seg.reindex(index).isna()][:3])}")
        per_customer["segment"] = seg.reindex(index).to_numpy()
        key = per_customer["segment"]
    else:
        key = pd.Series("all", index=index, name="segment")
    columns = [*_COMPONENTS, "total_value"]
    grouped = per_customer[columns].groupby(key.rename("segment"), sort=True)
    per_segment = grouped.sum()
    per_segment.insert(0, "customers", grouped.size().astype("int64"))
    for c in columns:
        per_segment[f"mean_{c}"] = per_segment[c] / per_segment["customers"]
    totals = per_customer[columns].sum()
    grand = float(totals["total_value"])
    per_segment["share_of_total_value"] = per_segment["total_value"] / grand if grand != 0 else np.nan
    return ValueDecomposition(per_customer=per_customer, per_segment=per_segment, totals=totals)


def projected_customer_equity(value_per_customer: pd.Series | np.ndarray | float, *, n_future: Any = 0,
                    value_per_new: float = 0.0, acquisition_cost: float = 0.0,
                    discount_rate: float = 0.0) -> pd.Series:
    """Customer equity: value of the current base plus future cohorts net of their acquisition cost.

    ``equity = sum_i V_i + sum_{k=1}^{K} N_k (v_new − AC) / (1 + d)^k``

    where ``V_i`` is the (already discounted) expected value of current customer ``i``,
    ``N_k`` the number of customers acquired in future period ``k`` (``n_future``: a
    number for a single cohort at ``k = 1``, or a sequence, one per period), ``v_new``
    the expected value of a new customer at acquisition (``value_per_new``), ``AC`` the
    acquisition cost per new customer and ``d`` the discount rate per period (Gupta,
    Lehmann & Stuart 2004; Blattberg & Deighton 1996). With the defaults it is the value
    of the current base only. (:func:`cvm_lib.clv.customer_equity` is the model-based
    value of the current base alone, from a fitted purchase and spend model.)

    Returns
    -------
    Series
        ``current_base``, ``future_value``, ``future_acquisition_cost`` (negative) and
        ``customer_equity`` (their sum), in currency.

    Examples
    --------
    >>> projected_customer_equity(pd.Series([100.0, 50.0]), n_future=[10, 10], value_per_new=30.0,
    ...                 acquisition_cost=10.0)
    current_base               150.0
    future_value               600.0
    future_acquisition_cost   -200.0
    customer_equity            550.0
    dtype: float64
    """
    values = np.asarray(value_per_customer.to_numpy() if isinstance(value_per_customer, pd.Series)
                        else value_per_customer, dtype=np.float64).ravel()
    if not np.isfinite(values).all():
        raise ValueError("value_per_customer has missing or infinite values")
    cohorts = np.atleast_1d(np.asarray(n_future, dtype=np.float64))
    if cohorts.ndim != 1 or not np.isfinite(cohorts).all() or (cohorts < 0).any():
        raise ValueError(f"n_future must be a non-negative number or a sequence of them, got {n_future!r}")
    value_per_new = check_number(value_per_new, "value_per_new")
    acquisition_cost = check_number(acquisition_cost, "acquisition_cost", low=0.0)
    d = check_number(discount_rate, "discount_rate", low=0.0)
    factor = (1.0 + d) ** -np.arange(1, len(cohorts) + 1)
    weighted = float((cohorts * factor).sum())
    current = float(values.sum())
    out = pd.Series({"current_base": current, "future_value": weighted * value_per_new,
                     "future_acquisition_cost": -weighted * acquisition_cost})
    out["customer_equity"] = out.sum()
    return out


def annual_to_period_rate(rate: float, time_unit: str | float) -> float:
    """A discount rate per year as the equivalent rate per ``time_unit`` period.

    ``(1 + rate) ** (period days / 365.25) - 1`` (:func:`cvm_lib.summary.unit_days`: a week
    is 7 days, a month 30.4375).

    Examples
    --------
    >>> round(annual_to_period_rate(0.1, "Y"), 12), round(annual_to_period_rate(0.1, "W"), 6)
    (0.1, 0.001828)
    """
    from cvm_lib.summary import unit_days

    rate = float(rate)
    if not (np.isfinite(rate) and rate > -1):
        raise ValueError(f"discount_rate must be a number > -1 per year, got {rate!r}")
    return float((1.0 + rate) ** (unit_days(time_unit) / YEAR_DAYS) - 1.0)
