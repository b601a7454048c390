"""Acquisition payback by channel, the CRM value chain as stages, and the CLV waterfall.

Conventions
-----------
* **Acquisition date**: the customers table's ``acquisition_date`` column when present,
  else the customer's first purchase day. Purchases before it are refused.
* **Margin** of a transaction line: revenue − cost of goods − cost to serve (exactly as in
  :func:`cvm_lib.valuechain.customer_profitability`).
* **Periods since acquisition** are counted in days and divided by the period length
  (:func:`cvm_lib.summary.unit_days`: ``"M"`` = 30.4375 days, ``"W"`` = 7, ...). Period 1
  covers days ``[0, L)`` after acquisition (the acquisition purchase is in period 1),
  period ``k`` covers ``[(k−1)L, kL)``. A customer acquired on day ``a`` is observed for
  ``end − a + 1`` days (the end day is inclusive), i.e. ``floor((end − a + 1) / L)``
  complete periods; the curve at period ``k`` averages only customers observed for at
  least ``k`` complete periods (no censoring bias from recent acquisitions).
* **Payback period**: the first period ``k`` at which the channel's mean cumulative margin
  reaches the mean acquisition cost of the same customers. When that never happens
  within the data, ``payback_period`` is ``inf`` (the documented sentinel), ``paid_back``
  is False and ``payback_note`` says "not within the data (N periods observed)".
* **Retention at 12 months**: share of customers, among those observed for at least
  12 + 3 months, with at least one purchase in months 13–15 after acquisition (days
  ``[12 M, 15 M)``, M = 30.4375 days). ``retention_months`` and ``retention_window_months``
  change the 12 and the 3.
* **Spend growth** (develop stage): among customers observed for two full years
  (2 × 365.25 days) who bought in both their first and second year, total second-year
  spend / total first-year spend − 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cvm_lib.data import CvmDataError
from cvm_lib.summary import _day_numbers, _to_day, check_log, customer_codes, unit_days
from cvm_lib.valuechain._common import (MONTH_DAYS, YEAR_DAYS, as_series, check_number, customer_frame,
                                        line_cost_arrays, nonnegative_column, summary_html)

__all__ = ["acquisition_payback", "AcquisitionPayback", "value_chain_stages", "ValueChainStages",
           "clv_waterfall", "NOT_PAID_BACK", "STAGE_NOTES"]

#: Sentinel of ``payback_period`` when the margin never reaches the acquisition cost within the data.
NOT_PAID_BACK = float("inf")

#: Values of the ``note`` column of :func:`value_chain_stages` (why a metric is missing).
STAGE_NOTES = {
    "no_category_column": "the log has no category column (cross-sell needs one)",
    "no_two_year_customers": "no customer observed for two full years with purchases in both",
    "no_positive_wallet": "no customer with a positive wallet",
    "too_short_for_retention": "no customer observed for retention_months + retention_window_months",
}


@dataclass(frozen=True)
class _Base:
    """Customers with acquisition day/cost/channel, and their margin lines with day offsets.

    ``lines`` holds one array per column, each with one value per transaction line kept
    (those up to ``end_day``; ``rows`` is the boolean mask of those lines in the log, None
    when all are kept): ``code`` (the customer's row in ``customers``) and ``offset`` (days
    since acquisition, >= 0), both int32 when they fit, and the float64 ``revenue``, ``cogs``,
    ``cost_to_serve`` and ``margin`` (revenue − cogs − cost to serve) asked for.
    """

    customers: pd.DataFrame   # index customer_id: channel, acq_day, acq_cost, observed_days, code
    lines: dict               # code, offset, and the money columns asked for (arrays of one value per line)
    end_day: int
    rows: np.ndarray | None = None
    attrs: dict = field(default_factory=dict)  # where each cost came from (line_costs attrs)


def _small_ints(values: np.ndarray) -> np.ndarray:
    """``values`` as int32 when they fit (half the memory of int64), else unchanged."""
    info = np.iinfo(np.int32)
    if len(values) == 0 or (int(values.min()) >= info.min and int(values.max()) <= info.max):
        return values.astype(np.int32, copy=False)
    return values


def distinct_per_code(code: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Number of distinct ``values`` (integer codes >= -1, -1 counting as one value) per ``code`` in 0..n-1.

    The same as ``pd.Series(values).groupby(code).nunique().reindex(range(n), fill_value=0)``
    (int64), from one presence table of ``n × categories`` bytes when it is not larger than
    the lines, else from the sorted distinct ``(code, value)`` keys; no groupby of the lines.

    Examples
    --------
    >>> distinct_per_code(np.array([0, 0, 2, 0, 2]), np.array([1, 1, 0, -1, 0]), 4).tolist()
    [2, 0, 1, 0]
    """
    code = np.asarray(code)
    values = np.asarray(values)
    if len(code) == 0:
        return np.zeros(n, dtype=np.int64)
    width = int(values.max()) + 2  # values + 1 in 0..width-1
    if n * width <= max(len(code), 1 << 20):
        present = np.zeros(n * width, dtype=bool)
        key = code.astype(np.intp)
        key *= width
        key += values
        key += 1
        present[key] = True
        del key
        return present.reshape(n, width).sum(axis=1, dtype=np.int64)
    key = code.astype(np.int64)
    key *= width
    key += values
    key += 1
    key.sort()
    new = np.empty(len(key), dtype=bool)
    new[0] = True
    np.not_equal(key[1:], key[:-1], out=new[1:])
    return np.bincount(key[new] // width, minlength=n).astype(np.int64)


def _base(tx: pd.DataFrame, customers: pd.DataFrame, *, channel_col: str | None, cost_col: str | None,
          acquisition_date_col: str, cogs_col: str, default_margin: float | None, cost_to_serve_rate: Any,
          cost_per_order: float, observation_end: Any,
          columns: tuple[str, ...] = ("revenue", "cogs", "cost_to_serve", "margin")) -> _Base:
    """The customers and the per-line arrays (only ``columns`` of the money ones) of the log.

    Memory: at 10M lines only the arrays asked for are kept (8 bytes a line each, 4 for the
    int32 codes and offsets); the log itself is not copied (only the columns the costs
    read are filtered when lines lie after ``end_day``).
    """
    check_log(tx)
    required = tuple(c for c in (channel_col, cost_col) if c is not None)
    cust = customer_frame(customers, required)
    days = _day_numbers(tx["date"])
    end_day = int(days.max()) if observation_end is None else _to_day(observation_end, "observation_end")
    rows = None
    if (days > end_day).any():
        rows = days <= end_day
        needed = ["customer_id", "date", "amount", cogs_col, "order_id"]
        tx = tx[[c for c in dict.fromkeys(needed) if c is not None and c in tx.columns]].loc[rows]
        days = days[rows]
    days = _small_ints(days)  # int32 day numbers (the offsets are computed in their place)
    ids, revenue, cogs, cost_to_serve, attrs = line_cost_arrays(
        tx, cust, cogs_col=cogs_col, default_margin=default_margin, cost_to_serve_rate=cost_to_serve_rate,
        cost_per_order=cost_per_order)
    money = {"revenue": revenue, "cogs": cogs, "cost_to_serve": cost_to_serve}
    if "margin" in columns:
        margin = revenue - cogs  # as line_costs: (revenue - cogs) - cost_to_serve
        margin -= cost_to_serve
        money["margin"] = margin
        del margin
    money = {name: money[name] for name in columns}
    del revenue, cogs, cost_to_serve
    # Integer codes once (string ids hashed once per customer, not per line and lookup).
    if pd.api.types.is_string_dtype(ids.dtype) and pd.api.types.is_string_dtype(cust.index.dtype):
        line_ids, uniq = customer_codes(ids)  # text ids (the log contract) without sorting Python strings
    else:
        line_ids, uniq = pd.factorize(ids, sort=True)
    del ids, tx
    uniq = pd.Index(uniq)
    position = cust.index.get_indexer(uniq)
    absent = uniq[position < 0]
    if len(absent):
        raise CvmDataError(f"{len(absent)} customer(s) of the log are not in the customers table, "
                           f"e.g. {list(absent[:3])}", source="<customers>", column="customer_id")
    first_days = np.full(len(uniq), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first_days, line_ids, days)  # first purchase day per customer of the log
    first = pd.Series(first_days, index=uniq)
    if acquisition_date_col in cust.columns:
        acq = cust[acquisition_date_col]
        if not pd.api.types.is_datetime64_any_dtype(acq.dtype) or acq.isna().any():
            raise CvmDataError(f"customers column {acquisition_date_col!r} must hold dates without gaps",
                               source="<customers>", column=acquisition_date_col)
        acq_day = pd.Series(_day_numbers(acq), index=cust.index)
    else:
        acq_day = first.reindex(cust.index)
        if acq_day.isna().any():
            raise CvmDataError(f"customers table has no {acquisition_date_col!r} column and "
                               f"{int(acq_day.isna().sum())} customer(s) never bought, so their acquisition "
                               "date is unknown", source="<customers>", column=acquisition_date_col)
        acq_day = acq_day.astype(np.int64)
    early = first < acq_day.reindex(first.index)
    if early.any():
        raise CvmDataError(f"{int(early.sum())} customer(s) bought before their acquisition date, e.g. "
                           f"{list(first.index[early.to_numpy()][:3])}", source="<customers>",
                           column=acquisition_date_col)
    keep = acq_day.to_numpy() <= end_day  # acquired within the window
    frame = pd.DataFrame(index=cust.index[keep])
    frame["channel"] = (cust.loc[keep, channel_col].astype("str").to_numpy() if channel_col is not None
                        else "all")
    frame["acq_day"] = acq_day.to_numpy()[keep]
    frame["acq_cost"] = (nonnegative_column(cust.loc[keep], cost_col, "<customers>") if cost_col is not None
                         else 0.0)
    frame["observed_days"] = end_day - frame["acq_day"] + 1
    frame["code"] = np.arange(len(frame))
    # Every customer with a line is kept: bought by end_day, not before acquisition (checked above).
    code_of_customer = np.full(len(cust), -1, dtype=np.int64)
    code_of_customer[keep] = frame["code"].to_numpy()
    code = _small_ints(code_of_customer[position])[line_ids]  # int32 per line when the customers fit
    del line_ids
    acq_days = frame["acq_day"].to_numpy()
    if days.dtype == np.int32 and len(days) and int(days.max()) - int(acq_days.min()) <= np.iinfo(np.int32).max:
        # days since acquisition (>= 0 and fitting: checked), in place of the day numbers (our own array)
        offset = days
        np.subtract(offset, _small_ints(acq_days)[code], out=offset, casting="unsafe")
    else:
        offset = _small_ints(days - acq_days[code])
    del days
    return _Base(frame, {"code": code, "offset": offset, **money}, end_day, rows, attrs)


def _retention(base: _Base, months: float, window: float) -> pd.DataFrame:
    """Per customer: eligible for retention at ``months`` and retained (bought in the window)."""
    start, stop = months * MONTH_DAYS, (months + window) * MONTH_DAYS
    eligible = base.customers["observed_days"].to_numpy() >= stop
    offset = base.lines["offset"]
    in_window = offset >= start
    in_window &= offset < stop
    bought = np.zeros(len(base.customers), dtype=bool)
    bought[base.lines["code"][in_window]] = True
    return pd.DataFrame({"eligible": eligible, "retained": bought & eligible}, index=base.customers.index)


@dataclass(frozen=True, eq=False)
class AcquisitionPayback:
    """Result of :func:`acquisition_payback`.

    Attributes
    ----------
    summary : DataFrame
        One row per channel: ``customers``, ``acquisition_cost_mean``, ``acquisition_cost_total``,
        ``payback_period`` (periods; ``inf`` = not within the data), ``paid_back`` (bool),
        ``payback_note`` (text), ``periods_observed`` (last curve period), ``retention_12m``
        and ``retention_base`` (customers it is computed over), ``mean_margin_to_date``
        (mean cumulative margin per customer up to the end of the data), ``value_period``,
        ``margin_at_value_period`` and ``net_value`` (mean cumulative margin − mean
        acquisition cost at the common period ``value_period``, the long-run value
        comparable across channels) and, when ``future_value`` was given,
        ``expected_long_run_value`` (mean of margin to date + future value − acquisition cost).
    curve : DataFrame
        Tidy: ``channel``, ``period`` (1, 2, ...), ``customers_observed``,
        ``cumulative_margin`` (mean per customer), ``acquisition_cost`` (mean over the same
        customers) and ``net`` (their difference).
    period : str or float
        Period length used (see :func:`cvm_lib.summary.unit_days`).
    """

    summary: pd.DataFrame
    curve: pd.DataFrame
    period: Any
    parameters: dict = field(default_factory=dict)

    def curve_wide(self, value: str = "net") -> pd.DataFrame:
        """The curve as a period × channel table of ``value`` (``"net"`` or ``"cumulative_margin"``)."""
        return self.curve.pivot(index="period", columns="channel", values=value)

    def _repr_html_(self) -> str:
        return summary_html(self.summary, f"Acquisition payback by channel (period {self.period})")


def acquisition_payback(tx: pd.DataFrame, customers: pd.DataFrame, *, channel_col: str | None = "acquisition_channel",
                        cost_col: str = "acquisition_cost", acquisition_date_col: str = "acquisition_date",
                        cogs_col: str = "cost", default_margin: float | None = None,
                        cost_to_serve_rate: float | str | None = None, cost_per_order: float = 0.0,
                        period: str | float = "M", horizon: int | None = None, min_customers: int = 1,
                        value_period: int | None = None, future_value: pd.Series | None = None,
                        retention_months: float = 12, retention_window_months: float = 3,
                        observation_end: Any = None) -> AcquisitionPayback:
    """Acquisition cost, payback period and long-run value by acquisition channel.

    Parameters
    ----------
    tx : DataFrame
        Tidy transaction log with the cost of goods (``cogs_col``) or pass ``default_margin``.
    customers : DataFrame
        One row per customer with ``channel_col``, ``cost_col`` (acquisition cost, currency,
        >= 0) and optionally ``acquisition_date_col``; customers without purchases count
        with zero margin.
    channel_col : str or None
        Grouping column; None pools all customers as channel ``"all"``.
    cogs_col, default_margin, cost_to_serve_rate, cost_per_order
        Margin definition, as in :func:`customer_profitability`.
    period : {"D", "W", "M", "Y"} or float, default "M"
        Period length (days / unit length; see the module conventions).
    horizon : int, optional
        Last period of the curve (default: the longest complete observation).
    min_customers : int, default 1
        Periods observed by fewer customers of a channel are left off its curve.
    value_period : int, optional
        Period at which ``net_value`` is compared across channels; default the last
        period at which every channel still has at least a quarter of its customers
        observed (so the long-run value is not an average over a handful of early
        customers).
    future_value : Series, optional
        Expected future value per customer (e.g. a model CLV) for ``expected_long_run_value``.
    retention_months, retention_window_months : float, default 12 and 3
        Retention at 12 months = bought in months 13–15 (see the module conventions).
    observation_end : date-like, optional
        Last observed day (inclusive); default the last purchase.

    Returns
    -------
    AcquisitionPayback

    Examples
    --------
    Channel ``x`` pays its 10 back in the second month, ``y`` never pays back its 50:

    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"],
    ...                    "date": pd.to_datetime(["2024-01-01", "2024-02-10", "2024-01-01"]),
    ...                    "amount": [10.0, 20.0, 10.0]})
    >>> cust = pd.DataFrame({"customer_id": ["a", "b"], "acquisition_channel": ["x", "y"],
    ...                      "acquisition_cost": [10.0, 50.0]})
    >>> pb = acquisition_payback(tx, cust, default_margin=0.5, observation_end="2024-04-30")
    >>> pb.summary[["payback_period", "paid_back", "payback_note"]]
             payback_period  paid_back                            payback_note
    channel
    x                   2.0       True                                period 2
    y                   inf      False  not within the data (3 periods observed)
    """
    L = unit_days(period)
    min_customers = int(min_customers)
    base = _base(tx, customers, channel_col=channel_col, cost_col=cost_col,
                 acquisition_date_col=acquisition_date_col, cogs_col=cogs_col, default_margin=default_margin,
                 cost_to_serve_rate=cost_to_serve_rate, cost_per_order=cost_per_order,
                 observation_end=observation_end, columns=("margin",))
    cust, lines = base.customers, base.lines
    code, margin = lines["code"], lines["margin"]
    n_obs = np.floor(cust["observed_days"].to_numpy() / L).astype(np.int64)
    H = int(n_obs.max()) if horizon is None else int(horizon)
    if H < 1:
        raise ValueError(f"no customer is observed for a complete period of {L} days; use a shorter period")
    k = (lines["offset"] // L).astype(np.int64)  # 0-based period
    inside = k < H
    per = np.zeros((len(cust), H))
    np.add.at(per, (code[inside], k[inside]), margin[inside])
    del k, inside
    cum = np.cumsum(per, axis=1)
    del per
    margin_to_date = np.bincount(code, weights=margin, minlength=len(cust))
    retention = _retention(base, retention_months, retention_window_months)
    if future_value is not None:
        future = as_series(future_value, "future_value")
        missing = cust.index.difference(future.index)
        if len(missing):
            raise ValueError(f"future_value lacks {len(missing)} customer(s), e.g. {list(missing[:3])}")
        future_arr = future.reindex(cust.index).to_numpy()
    curves, rows = [], {}
    channels = sorted(cust["channel"].unique())
    for channel in channels:
        members = np.flatnonzero(cust["channel"].to_numpy() == channel)
        costs = cust["acq_cost"].to_numpy()[members]
        observed = n_obs[members][:, None] >= np.arange(1, H + 1)[None, :]
        counts = observed.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_margin = (cum[members] * observed).sum(axis=0) / counts
            mean_cost = (costs[:, None] * observed).sum(axis=0) / counts
        ok = counts >= max(min_customers, 1)
        periods = np.arange(1, H + 1)[ok]
        curve = pd.DataFrame({"channel": channel, "period": periods, "customers_observed": counts[ok],
                              "cumulative_margin": mean_margin[ok], "acquisition_cost": mean_cost[ok]})
        curve["net"] = curve["cumulative_margin"] - curve["acquisition_cost"]
        curves.append(curve)
        reached = curve.loc[curve["net"] >= -1e-9, "period"]
        last = int(periods.max()) if len(periods) else 0
        ret = retention.iloc[members]
        row = {"customers": len(members), "acquisition_cost_mean": float(costs.mean()),
               "acquisition_cost_total": float(costs.sum()),
               "payback_period": float(reached.iloc[0]) if len(reached) else NOT_PAID_BACK,
               "paid_back": bool(len(reached)),
               "payback_note": f"period {int(reached.iloc[0])}" if len(reached)
               else f"not within the data ({last} periods observed)",
               "periods_observed": last,
               "retention_12m": float(ret["retained"].sum() / ret["eligible"].sum())
               if ret["eligible"].any() else np.nan,
               "retention_base": int(ret["eligible"].sum()),
               "mean_margin_to_date": float(margin_to_date[members].mean())}
        if future_value is not None:
            row["expected_long_run_value"] = float((margin_to_date[members] + future_arr[members] - costs).mean())
        rows[channel] = row
    summary = pd.DataFrame.from_dict(rows, orient="index")
    summary.index.name = "channel"
    curve = pd.concat(curves, ignore_index=True)
    if value_period is None:
        # last period at which every channel still has at least a quarter of its customers observed
        share = curve["customers_observed"] / curve["channel"].map(summary["customers"]).to_numpy()
        good = curve.loc[share.to_numpy() >= 0.25].groupby("channel")["period"].max()
        common = int(good.min()) if len(good) == len(summary) else 1
    else:
        common = int(value_period)
        if not 1 <= common <= H:
            raise ValueError(f"value_period={value_period!r} must lie in 1..{H}")
    at = curve.loc[curve["period"] == common].set_index("channel")
    summary.insert(summary.columns.get_loc("mean_margin_to_date") + 1, "value_period", common)
    summary.insert(summary.columns.get_loc("value_period") + 1, "margin_at_value_period",
                   at["cumulative_margin"].reindex(summary.index))
    summary.insert(summary.columns.get_loc("margin_at_value_period") + 1, "net_value",
                   at["net"].reindex(summary.index))
    params = {"period": period, "period_days": L, "horizon": H, "retention_months": retention_months,
              "retention_window_months": retention_window_months, "observation_end_day": base.end_day,
              "costs": dict(base.attrs)}
    return AcquisitionPayback(summary=summary, curve=curve, period=period, parameters=params)


@dataclass(frozen=True, eq=False)
class ValueChainStages:
    """Result of :func:`value_chain_stages`.

    Attributes
    ----------
    table : DataFrame
        Tidy metric table: ``stage`` (acquire / develop / retain), ``metric``, ``value``,
        ``unit`` (``customers``, ``currency``, ``share``, ``categories``), ``base``
        (customers the metric is computed over) and ``note``: empty, or the stable reason
        a metric could not be computed (:data:`STAGE_NOTES`).
    """

    table: pd.DataFrame

    @property
    def summary(self) -> pd.DataFrame:
        """The metric table (``table``)."""
        return self.table

    def _repr_html_(self) -> str:
        return summary_html(self.table, "CRM value chain: metrics by stage")

    def stage(self, name: str) -> pd.DataFrame:
        """The metrics of one stage (``"acquire"``, ``"develop"`` or ``"retain"``)."""
        return self.table.loc[self.table["stage"] == name]

    def value(self, metric: str) -> float:
        """The value of one metric."""
        hit = self.table.loc[self.table["metric"] == metric, "value"]
        if hit.empty:
            raise KeyError(f"metric {metric!r} not in the table; have {list(self.table['metric'])}")
        return float(hit.iloc[0])


def value_chain_stages(tx: pd.DataFrame, customers: pd.DataFrame, *, cost_col: str | None = "acquisition_cost",
                       prospects: int | None = None, category_col: str = "category", wallet_col: str | None = None,
                       clv: pd.Series | None = None, cogs_col: str = "cost", default_margin: float | None = None,
                       cost_to_serve_rate: float | str | None = None, retention_months: float = 12,
                       retention_window_months: float = 3, observation_end: Any = None) -> ValueChainStages:
    """The CRM value chain as stages, with a metric table per stage.

    * **acquire**: customers acquired, mean and total acquisition cost, conversion rate
      (customers / ``prospects``, only when ``prospects`` is given);
    * **develop**: cross-sell rate (share of customers buying in at least two categories of
      ``category_col``), categories per customer, spend growth (second-year vs first-year
      spend of customers observed two full years and buying in both), share of wallet
      (mean over customers with a positive wallet of revenue / ``wallet_col``, only when
      given; the wallet is the customer's total category spend over the same window);
    * **retain**: retention at 12 months (module conventions), mean margin to date, and
      mean CLV when ``clv`` (expected future value per customer) is given.

    A metric that cannot be computed from the data (e.g. no customer observed for two
    years) is kept with a NaN value and a ``note`` naming why (:data:`STAGE_NOTES`).

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"],
    ...                    "date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-01-05"]),
    ...                    "amount": [10.0, 20.0, 10.0], "category": ["food", "toys", "food"]})
    >>> cust = pd.DataFrame({"customer_id": ["a", "b"], "acquisition_cost": [4.0, 6.0]})
    >>> vc = value_chain_stages(tx, cust, default_margin=0.5, prospects=20)
    >>> vc.table[["stage", "metric", "value"]].head(4)
         stage                metric  value
    0  acquire    customers_acquired    2.0
    1  acquire  acquisition_cost_mean   5.0
    2  acquire      acquisition_spend  10.0
    3  acquire        conversion_rate   0.1
    >>> vc.value("cross_sell_rate")
    0.5
    """
    base = _base(tx, customers, channel_col=None, cost_col=cost_col, acquisition_date_col="acquisition_date",
                 cogs_col=cogs_col, default_margin=default_margin, cost_to_serve_rate=cost_to_serve_rate,
                 cost_per_order=0.0, observation_end=observation_end, columns=("revenue", "margin"))
    cust, lines = base.customers, base.lines
    code = lines["code"]
    n = len(cust)
    rows: list[tuple] = []

    def add(stage: str, metric: str, value: float, unit: str, n_base: int, note: str = "") -> None:
        rows.append((stage, metric, float(value), unit, int(n_base), note))

    add("acquire", "customers_acquired", n, "customers", n)
    if cost_col is not None:
        add("acquire", "acquisition_cost_mean", cust["acq_cost"].mean(), "currency", n)
        add("acquire", "acquisition_spend", cust["acq_cost"].sum(), "currency", n)
    if prospects is not None:
        prospects = check_number(prospects, "prospects", low=1.0)
        if prospects < n:
            raise ValueError(f"prospects={prospects:g} is smaller than the {n} customers acquired")
        add("acquire", "conversion_rate", n / prospects, "share", n)
    # develop
    if category_col in tx.columns:
        column = tx[category_col] if base.rows is None else tx[category_col][base.rows]  # one column, not the log
        cat_codes = pd.factorize(column.astype("str"))[0]
        del column
        cats = pd.Series(distinct_per_code(code, cat_codes, n), index=cust.index)
        del cat_codes
        add("develop", "cross_sell_rate", (cats >= 2).mean(), "share", n)
        add("develop", "categories_per_customer", cats.mean(), "categories", n)
    else:
        add("develop", "cross_sell_rate", np.nan, "share", 0, "no_category_column")
    two_years = cust["observed_days"].to_numpy() >= 2 * YEAR_DAYS
    # year since acquisition floor(offset / YEAR_DAYS) of the lines in the first two: for whole
    # days offset >= 0 that is offset < 2 * YEAR_DAYS, and year 1 is offset >= YEAR_DAYS
    offset = lines["offset"]
    first_two = offset < 2 * YEAR_DAYS
    key = code[first_two].astype(np.intp)
    key *= 2
    key += offset[first_two] >= YEAR_DAYS
    spend = np.bincount(key, weights=lines["revenue"][first_two], minlength=2 * n).reshape(n, 2)
    del key, first_two
    both = two_years & (spend[:, 0] > 0) & (spend[:, 1] > 0)
    if both.any():
        add("develop", "spend_growth", spend[both, 1].sum() / spend[both, 0].sum() - 1.0, "share", both.sum())
    else:
        add("develop", "spend_growth", np.nan, "share", 0,
            "no_two_year_customers")
    if wallet_col is not None:
        frame = customer_frame(customers, (wallet_col,))
        wallet = pd.Series(nonnegative_column(frame, wallet_col, "<customers>"), index=frame.index) \
            .reindex(cust.index)
        revenue = pd.Series(np.bincount(code, weights=lines["revenue"], minlength=n), index=cust.index)
        ok = wallet > 0
        add("develop", "share_of_wallet", (revenue[ok] / wallet[ok]).mean() if ok.any() else np.nan, "share",
            ok.sum(), "" if ok.any() else "no_positive_wallet")
    # retain
    ret = _retention(base, retention_months, retention_window_months)
    eligible = int(ret["eligible"].sum())
    add("retain", "retention_12m", ret["retained"].sum() / eligible if eligible else np.nan, "share", eligible,
        "" if eligible else "too_short_for_retention")
    margin = pd.Series(np.bincount(code, weights=lines["margin"], minlength=n), index=cust.index)
    add("retain", "margin_to_date", margin.mean(), "currency", n)
    if clv is not None:
        values = as_series(clv, "clv")
        # both indexes are unique: the customers found in ``clv`` (an indexer, not ``isin``, which
        # turns a million text ids into Python strings)
        found = values.index.get_indexer(cust.index) >= 0
        add("retain", "mean_clv", values.reindex(cust.index).mean(), "currency", int(found.sum()))
    table = pd.DataFrame(rows, columns=["stage", "metric", "value", "unit", "base", "note"])
    table.attrs.update(category_col=category_col, retention_months=retention_months,
                       retention_window_months=retention_window_months)
    return ValueChainStages(table=table)


def clv_waterfall(tx: pd.DataFrame, customers: pd.DataFrame, *, future_value: pd.Series | None = None,
                  cost_col: str = "acquisition_cost", cogs_col: str = "cost", default_margin: float | None = None,
                  cost_to_serve_rate: float | str | None = None, cost_per_order: float = 0.0,
                  aggregate: str = "mean", observation_end: Any = None) -> pd.Series:
    """Waterfall from acquisition cost to customer lifetime value, per customer (or in total).

    Steps, in order (mean per customer of the ``customers`` table, or sums with
    ``aggregate="sum"``):

    1. ``acquisition_cost`` (negative);
    2. ``first_purchase_margin``: revenue − cost of goods of purchases on the customer's
       first purchase day;
    3. ``repeat_purchase_margin``: revenue − cost of goods of later purchases;
    4. ``cost_to_serve`` (negative);
    5. ``future_value``: the supplied expected future value (only when given).

    The steps sum exactly to the net customer value ``historical margin + future value −
    acquisition cost``, stored in ``attrs["total"]``.

    Returns
    -------
    Series
        Indexed by step (the stable names above), named ``value``.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"],
    ...                    "date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-01-05"]),
    ...                    "amount": [100.0, 50.0, 80.0], "cost": [60.0, 30.0, 70.0]})
    >>> cust = pd.DataFrame({"customer_id": ["a", "b"], "acquisition_cost": [20.0, 10.0]})
    >>> steps = clv_waterfall(tx, cust, future_value=pd.Series({"a": 40.0, "b": 0.0}), cost_to_serve_rate=0.1)
    >>> steps
    acquisition_cost         -15.0
    first_purchase_margin     25.0
    repeat_purchase_margin    10.0
    cost_to_serve            -11.5
    future_value              20.0
    Name: value, dtype: float64
    >>> steps.attrs["total"]
    28.5
    """
    if aggregate not in ("mean", "sum"):
        raise ValueError(f"aggregate={aggregate!r}; use 'mean' or 'sum'")
    base = _base(tx, customers, channel_col=None, cost_col=cost_col, acquisition_date_col="acquisition_date",
                 cogs_col=cogs_col, default_margin=default_margin, cost_to_serve_rate=cost_to_serve_rate,
                 cost_per_order=cost_per_order, observation_end=observation_end,
                 columns=("revenue", "cogs", "cost_to_serve"))
    cust, lines = base.customers, base.lines
    n = len(cust)
    code, offset = lines["code"], lines["offset"]
    # first purchase day of each customer = its smallest offset (days since the same acquisition day)
    first_offset = np.full(n, np.iinfo(offset.dtype).max, dtype=offset.dtype)
    np.minimum.at(first_offset, code, offset)
    first = offset == first_offset[code]
    del first_offset
    gross = lines.pop("revenue") - lines.pop("cogs")
    steps = {"acquisition_cost": -float(cust["acq_cost"].sum()),
             "first_purchase_margin": float(gross[first].sum()),
             "repeat_purchase_margin": float(gross[~first].sum()),
             "cost_to_serve": -float(pd.Series(lines["cost_to_serve"]).sum())}
    del gross, first
    if future_value is not None:
        future = as_series(future_value, "future_value")
        missing = cust.index.difference(future.index)
        if len(missing):
            raise ValueError(f"future_value lacks {len(missing)} customer(s), e.g. {list(missing[:3])}")
        steps["future_value"] = float(future.reindex(cust.index).sum())
    out = pd.Series(steps, name="value", dtype="float64")
    if aggregate == "mean":
        out = out / n
    total = float(np.round(out.sum(), 10))
    out.attrs.update(total=total, aggregate=aggregate, customers=n, costs=dict(base.attrs))
    return out
