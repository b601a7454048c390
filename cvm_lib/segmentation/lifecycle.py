"""Customer lifecycle stages (客户生命周期): cultivation 培育期, confirmation 确认期,
trust 信任期, decline 弱化期, lapse 消失期, by explicit rules on a transaction log."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from cvm_lib.segmentation._common import STAGES, as_numeric_series, sorted_unique

__all__ = ["STAGES", "lifecycle_stages"]


def _positive(value: Any, what: str, *, allow_zero: bool = False) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what}={value!r}; expected a number") from None
    if not np.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        raise ValueError(f"{what}={value!r}; expected a {'non-negative' if allow_zero else 'positive'} number")
    return v


def lifecycle_stages(tx: pd.DataFrame, *, observation_end: Any = None, p_alive: pd.Series | None = None,
                     new_days: float = 90, min_purchases: int = 2,
                     trust_days: float = 365, trust_purchases: int = 4, trend_window: float = 180,
                     decline_trend: float = 0.5, decline_gaps: float = 2.0, lapse_gaps: float = 4.0,
                     min_gap_days: float = 7.0, default_gap_days: float | None = None,
                     p_decline: float = 0.5, p_lapse: float = 0.2) -> pd.DataFrame:
    """Assign each customer one of five lifecycle stages by documented rules.

    Per customer, on distinct purchase DAYS up to ``observation_end`` (inclusive):

    * ``tenure`` = days from the first purchase to ``observation_end``;
    * ``purchase_days`` = number of distinct purchase days;
    * ``recency`` = days since the last purchase;
    * ``typical_gap`` = the customer's own median gap between consecutive purchase days,
      at least ``min_gap_days``; customers with one purchase day get ``default_gap_days``
      (default: the median ``typical_gap`` of the repeat buyers, 30 days if there are
      none). ``gap_ratio = recency / typical_gap`` says how overdue the next purchase is;
    * ``trend`` = purchase rate in the last ``trend_window`` days divided by the rate of
      repeat purchases before it (the first purchase day excluded, so a steady buyer
      scores about 1). Defined only when the earlier part is at least ``trend_window``
      long (``tenure >= 2 × trend_window``) and had a repeat purchase; NaN otherwise.

    Rules, the first that matches wins:

    1. **lapse 消失期**: ``gap_ratio > lapse_gaps``, or P(alive) < ``p_lapse``.
    2. **cultivation 培育期**: ``tenure < new_days`` or ``purchase_days < min_purchases``
       (new, or not yet a repeat buyer).
    3. **decline 弱化期**: ``gap_ratio > decline_gaps``, or ``trend < decline_trend``, or
       P(alive) < ``p_decline``.
    4. **trust 信任期**: ``tenure >= trust_days`` and ``purchase_days >= trust_purchases``.
    5. **confirmation 确认期**: everyone else (an established repeat buyer, not yet trusted).

    P(alive) enters only when ``p_alive`` is given (e.g. ``BetaGeo.prob_alive`` of a model
    fitted with :mod:`cvm_lib.clv`); customers missing from it are judged without it.

    Parameters
    ----------
    tx : DataFrame
        Tidy transaction log (``customer_id``, ``date``, ``amount``).
    observation_end : date-like, optional
        Default: the last purchase date.
    p_alive : Series, optional
        P(alive) in [0, 1], indexed by customer id.
    new_days, min_purchases, trust_days, trust_purchases, trend_window, decline_trend, \
decline_gaps, lapse_gaps, min_gap_days, default_gap_days, p_decline, p_lapse :
        The rule parameters above (durations in days).

    Returns
    -------
    DataFrame
        Index ``customer_id``; ``tenure``, ``purchase_days``, ``recency``,
        ``typical_gap``, ``gap_ratio``, ``trend``, ``p_alive`` (NaN without a model) and
        ``stage`` (categorical of stable stage ids in lifecycle order). ``attrs["rules"]`` holds
        the parameters.

    Examples
    --------
    >>> days = {"new": ["2024-12-10"],
    ...         "regular": ["2024-09-01", "2024-10-01", "2024-11-01", "2024-12-01"],
    ...         "loyal": [f"2023-{m:02d}-15" for m in range(1, 13)] + [f"2024-{m:02d}-15" for m in range(1, 13)],
    ...         "fading": ["2023-01-10", "2023-02-10", "2023-03-10", "2023-04-10", "2023-05-10",
    ...                    "2023-06-10", "2024-10-20"],
    ...         "gone": ["2023-03-01", "2023-04-01", "2023-05-01"]}
    >>> tx = pd.DataFrame([(c, pd.Timestamp(d), 10.0) for c, ds in days.items() for d in ds],
    ...                   columns=["customer_id", "date", "amount"])
    >>> st = lifecycle_stages(tx, observation_end="2024-12-31")
    >>> st["stage"].to_dict()
    {'fading': 'decline', 'gone': 'lapse', 'loyal': 'trust', 'new': 'cultivation', 'regular': 'confirmation'}
    """
    from cvm_lib.summary import encode_log

    new_days = _positive(new_days, "new_days", allow_zero=True)
    trust_days = _positive(trust_days, "trust_days", allow_zero=True)
    trend_window = _positive(trend_window, "trend_window")
    decline_trend = _positive(decline_trend, "decline_trend", allow_zero=True)
    decline_gaps = _positive(decline_gaps, "decline_gaps")
    lapse_gaps = _positive(lapse_gaps, "lapse_gaps")
    min_gap_days = _positive(min_gap_days, "min_gap_days")
    for what, v in (("min_purchases", min_purchases), ("trust_purchases", trust_purchases)):
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 1:
            raise ValueError(f"{what}={v!r}; expected a whole number of purchase days >= 1")
    if lapse_gaps < decline_gaps:
        raise ValueError(f"lapse_gaps={lapse_gaps} is below decline_gaps={decline_gaps}; a customer must be "
                         "more overdue to lapse than to decline")
    for what, v in (("p_decline", p_decline), ("p_lapse", p_lapse)):
        if not 0 <= v <= 1:
            raise ValueError(f"{what}={v!r}; expected a probability in [0, 1]")

    log = encode_log(tx, observation_end=observation_end)
    tx, days, end_day, codes, ids = log.tx, log.days, log.end_day, log.codes, log.ids
    k = log.n_customers
    # Distinct (customer, day) pairs in order.
    span = int(days.max() - days.min()) + 1
    key = codes.astype(np.int64) * span + (days - days.min())
    key = sorted_unique(key)
    cust, day = key // span, key % span + days.min()
    first_row = np.concatenate(([True], cust[1:] != cust[:-1]))
    n_days = np.bincount(cust, minlength=k)
    first = day[first_row]
    last = day[np.concatenate((cust[1:] != cust[:-1], [True]))]
    tenure = (end_day - first).astype(np.float64)
    recency = (end_day - last).astype(np.float64)

    # Own median gap between consecutive purchase days.
    gaps = np.diff(day).astype(np.float64)
    gap_cust = cust[1:]
    is_gap = ~first_row[1:]
    med = pd.Series(gaps[is_gap]).groupby(gap_cust[is_gap]).median()
    own_gap = np.full(k, np.nan)
    own_gap[med.index.to_numpy()] = med.to_numpy()
    own_gap = np.maximum(own_gap, min_gap_days)
    if default_gap_days is None:
        repeat = own_gap[~np.isnan(own_gap)]
        default_gap = float(np.median(repeat)) if len(repeat) else 30.0
    else:
        default_gap = _positive(default_gap_days, "default_gap_days")
    typical_gap = np.where(np.isnan(own_gap), max(default_gap, min_gap_days), own_gap)
    gap_ratio = recency / typical_gap

    # Trend: recent purchase-day rate vs the earlier repeat-purchase rate.
    window_start = end_day - trend_window  # recent window = (window_start, end_day]
    recent = np.bincount(cust, weights=(day > window_start).astype(np.float64), minlength=k)
    earlier_repeat = np.bincount(cust, weights=((day <= window_start) & ~first_row).astype(np.float64),
                                 minlength=k)
    earlier_span = window_start - first
    with np.errstate(divide="ignore", invalid="ignore"):
        trend = (recent / trend_window) / (earlier_repeat / earlier_span)
    trend = np.where((earlier_span >= trend_window) & (earlier_repeat > 0), trend, np.nan)

    if p_alive is None:
        pa = np.full(k, np.nan)
    else:
        if not isinstance(p_alive, pd.Series):
            raise ValueError("p_alive: expected a Series of probabilities indexed by customer_id, got "
                             f"{type(p_alive).__name__}")
        pa_series = as_numeric_series(p_alive, "p_alive", allow_empty=True)
        if ((pa_series < 0) | (pa_series > 1)).any():
            raise ValueError("p_alive: expected probabilities in [0, 1]")
        if not pa_series.index.is_unique:
            raise ValueError("p_alive: expected one value per customer (a unique index)")
        pa_series.index = pa_series.index.astype("str")
        pa = pa_series.reindex(ids).to_numpy(dtype=np.float64)
        if len(pa_series) and np.isnan(pa).all():
            raise ValueError("p_alive: none of its customer ids occurs in the transaction log; index it by "
                             "customer_id (e.g. the index of rfm_summary)")
    with np.errstate(invalid="ignore"):
        pa_lapse = pa < p_lapse
        pa_decline = pa < p_decline
    lapse = (gap_ratio > lapse_gaps) | pa_lapse
    cultivation = (tenure < new_days) | (n_days < min_purchases)
    decline = (gap_ratio > decline_gaps) | (trend < decline_trend) | pa_decline
    trust = (tenure >= trust_days) & (n_days >= trust_purchases)
    stage = np.select([lapse, cultivation, decline, trust], [4, 0, 3, 2], default=1)

    out = pd.DataFrame({"tenure": tenure, "purchase_days": n_days.astype(np.int64), "recency": recency,
                        "typical_gap": typical_gap, "gap_ratio": gap_ratio, "trend": trend, "p_alive": pa},
                       index=ids)
    out["stage"] = pd.Categorical.from_codes(stage, categories=list(STAGES), ordered=True)
    out.attrs["observation_end"] = str(np.datetime64(end_day, "D"))
    out.attrs["rules"] = {"new_days": new_days, "min_purchases": int(min_purchases), "trust_days": trust_days,
                          "trust_purchases": int(trust_purchases), "trend_window": trend_window,
                          "decline_trend": decline_trend, "decline_gaps": decline_gaps, "lapse_gaps": lapse_gaps,
                          "min_gap_days": min_gap_days, "default_gap_days": default_gap,
                          "p_decline": p_decline, "p_lapse": p_lapse}
    return out
