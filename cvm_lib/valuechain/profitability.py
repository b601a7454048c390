"""Customer profitability, profitability deciles, the whale curve and historical value.

Conventions
-----------
* ``revenue`` = sum of ``amount`` over the customer's transaction lines.
* ``cogs`` (cost of goods) = sum of the ``cost`` column, or ``revenue * (1 - default_margin)``
  when there is no cost column (gaps in the cost column are filled the same way when
  ``default_margin`` is given, refused otherwise).
* ``cost_to_serve`` = ``rate * revenue`` (+ ``cost_per_order`` per distinct order). The rate is
  a number, a column of the customers table, or by default the customers' column
  ``cost_to_serve_rate`` when present and 0 otherwise (``attrs`` says which was used).
* ``profit`` = revenue - cogs - cost_to_serve; ``margin_pct`` = 100 * profit / revenue.
All money is in the currency of ``amount``; acquisition cost is *not* part of customer
profit (see :func:`cvm_lib.valuechain.acquisition_payback` and :func:`clv_waterfall`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cvm_lib.summary import check_log
from cvm_lib.valuechain._common import as_series, line_costs, summary_html

__all__ = ["customer_profitability", "profitability_deciles", "whale_curve", "WhaleCurve", "historical_value"]


def customer_profitability(tx: pd.DataFrame, customers: pd.DataFrame | None = None, *,
                           cost_to_serve_rate: float | str | None = None, cogs_col: str = "cost",
                           default_margin: float | None = None, cost_per_order: float = 0.0) -> pd.DataFrame:
    """Profit of every customer: revenue − cost of goods − cost to serve.

    Parameters
    ----------
    tx : DataFrame
        Tidy transaction log (``customer_id``, ``date``, ``amount``, optionally ``cost``).
    customers : DataFrame, optional
        One row per customer (``customer_id`` column or index); needed only when the
        cost-to-serve rate is a column of it.
    cost_to_serve_rate : float, str or None
        Cost to serve as a share of revenue: a number (e.g. ``0.08``), the name of a
        column of ``customers``, or None: the column ``cost_to_serve_rate`` of
        ``customers`` when present, else 0.
    cogs_col : str, default "cost"
        Column of ``tx`` holding the cost of goods of each line (currency).
    default_margin : float, optional
        Gross margin as a share of revenue, used when ``cogs_col`` is absent (or for its
        gaps). Without both a cost column and a default margin a ``CvmDataError`` is raised.
    cost_per_order : float, default 0
        Fixed service cost per order (per distinct ``order_id``, else per line).

    Returns
    -------
    DataFrame
        Index ``customer_id`` (customers of the log, sorted); columns ``revenue``,
        ``cogs``, ``cost_to_serve``, ``profit``, ``margin_pct`` (NaN only when revenue is 0),
        ``transactions``. ``attrs`` records the source of each cost.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"],
    ...                    "date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-01-05"]),
    ...                    "amount": [100.0, 50.0, 80.0], "cost": [60.0, 30.0, 70.0]})
    >>> customer_profitability(tx, cost_to_serve_rate=0.1)
                 revenue  cogs  cost_to_serve  profit  margin_pct  transactions
    customer_id
    a              150.0  90.0           15.0    45.0        30.0             2
    b               80.0  70.0            8.0     2.0         2.5             1
    """
    lines = line_costs(tx, customers, cogs_col=cogs_col, default_margin=default_margin,
                       cost_to_serve_rate=cost_to_serve_rate, cost_per_order=cost_per_order)
    grouped = lines.groupby("customer_id", sort=True)
    table = grouped[["revenue", "cogs", "cost_to_serve"]].sum()
    table["profit"] = table["revenue"] - table["cogs"] - table["cost_to_serve"]
    revenue = table["revenue"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        table["margin_pct"] = np.where(revenue > 0, 100.0 * table["profit"].to_numpy() / revenue, np.nan)
    table["transactions"] = grouped.size().astype("int64")
    table.index = table.index.astype("str")
    table.index.name = "customer_id"
    table.attrs.update(lines.attrs)
    return table


def _profit_series(profit: Any) -> pd.Series:
    return as_series(profit, "profit")


def profitability_deciles(profit: pd.Series | pd.DataFrame, *, n_groups: int = 10) -> pd.DataFrame:
    """Customers ranked by profit and cut into ``n_groups`` equal-sized groups.

    Group 1 holds the most profitable customers. Customers are ranked by profit
    descending (ties keep the order of the input); the customer at rank position
    ``j = 0..n-1`` goes to group ``floor(j * n_groups / n) + 1``, so group sizes differ by at
    most one.

    Parameters
    ----------
    profit : Series or DataFrame
        Profit per customer, or the table of :func:`customer_profitability` (then revenue is
        summarised too).
    n_groups : int, default 10

    Returns
    -------
    DataFrame
        Index ``decile`` (1..n_groups); columns ``customers``, ``revenue`` (when given),
        ``profit`` (sum), ``mean_profit``, ``min_profit``, ``max_profit``, ``share_of_profit``
        (profit / total profit) and ``cumulative_share_of_profit``. Shares are of the
        signed total, so they exceed 1 before the loss-making groups when some customers
        lose money.

    Examples
    --------
    >>> profit = pd.Series([50.0, 30.0, -10.0, 20.0, 10.0], index=list("abcde"))
    >>> profitability_deciles(profit, n_groups=5)[["customers", "profit", "share_of_profit"]]
            customers  profit  share_of_profit
    decile
    1               1    50.0             0.50
    2               1    30.0             0.30
    3               1    20.0             0.20
    4               1    10.0             0.10
    5               1   -10.0            -0.10
    """
    if not (isinstance(n_groups, (int, np.integer)) and n_groups >= 1):
        raise ValueError(f"n_groups must be a positive integer, got {n_groups!r}")
    revenue = None
    if isinstance(profit, pd.DataFrame) and "revenue" in profit.columns:
        revenue = as_series(profit["revenue"], "revenue")
    values = _profit_series(profit)
    if values.empty:
        raise ValueError("profit is empty: no customers to rank")
    order = np.argsort(-values.to_numpy(), kind="stable")
    n = len(values)
    group = np.empty(n, dtype=np.int64)
    group[order] = np.arange(n) * n_groups // n + 1
    frame = pd.DataFrame({"decile": group, "profit": values.to_numpy()}, index=values.index)
    if revenue is not None:
        frame["revenue"] = revenue.reindex(values.index).to_numpy()
    grouped = frame.groupby("decile", sort=True)
    table = pd.DataFrame({"customers": grouped.size().astype("int64")})
    if revenue is not None:
        table["revenue"] = grouped["revenue"].sum()
    table["profit"] = grouped["profit"].sum()
    table["mean_profit"] = grouped["profit"].mean()
    table["min_profit"] = grouped["profit"].min()
    table["max_profit"] = grouped["profit"].max()
    total = float(values.sum())
    table["share_of_profit"] = table["profit"] / total if total != 0 else np.nan
    table["cumulative_share_of_profit"] = table["share_of_profit"].cumsum()
    table.attrs["total_profit"] = total
    return table


@dataclass(frozen=True, eq=False)
class WhaleCurve:
    """Result of :func:`whale_curve`.

    Attributes
    ----------
    curve : DataFrame
        One row per customer, most profitable first: ``rank`` (1..n), ``customer_id``,
        ``profit``, ``cumulative_profit``, ``share_of_customers`` (rank / n) and
        ``cumulative_profit_pct`` (cumulative profit as % of total profit). A row ``rank 0``
        (0 customers, 0 %) starts the curve at the origin.
    total_profit : float
    peak_pct : float
        Highest cumulative profit as % of total (100 when no customer loses money).
    peak_rank : int
        Number of customers at the peak (the last customer with positive profit).
    peak_share : float
        ``peak_rank / n``.
    n_customers, n_unprofitable : int
        Customers, and customers with negative profit.
    """

    curve: pd.DataFrame
    total_profit: float
    peak_pct: float
    peak_rank: int
    peak_share: float
    n_customers: int
    n_unprofitable: int
    attrs: dict = field(default_factory=dict)

    @property
    def summary(self) -> pd.DataFrame:
        """The curve's key numbers as a one-column table (index: stable names)."""
        return pd.DataFrame({"value": {"total_profit": self.total_profit, "peak_pct": self.peak_pct,
                                       "peak_rank": self.peak_rank, "peak_share": self.peak_share,
                                       "n_customers": self.n_customers, "n_unprofitable": self.n_unprofitable}})

    def _repr_html_(self) -> str:
        return summary_html(self.summary, "Whale curve")


def whale_curve(profit: pd.Series | pd.DataFrame) -> WhaleCurve:
    """The whale curve: cumulative profit (as % of total) by customers ranked from most to least profitable.

    The curve rises while customers make money and falls over the loss-makers, so it
    peaks above 100 % whenever some customers lose money (Kaplan & Narayanan 2001). The
    peak is at the last customer with positive profit (customers with zero profit
    leave it flat; the first rank of the plateau is reported).

    Parameters
    ----------
    profit : Series or DataFrame
        Profit per customer (or the table of :func:`customer_profitability`). The total
        profit must be positive, otherwise percentages of it are meaningless.

    Returns
    -------
    WhaleCurve

    Examples
    --------
    >>> profit = pd.Series([50.0, 30.0, -10.0, 20.0, 10.0], index=list("abcde"))
    >>> wc = whale_curve(profit)
    >>> wc.peak_pct, wc.peak_rank, wc.peak_share, wc.n_unprofitable
    (110.0, 4, 0.8, 1)
    >>> wc.curve["cumulative_profit_pct"].tolist()
    [0.0, 50.0, 80.0, 100.0, 110.0, 100.0]
    """
    values = _profit_series(profit)
    if values.empty:
        raise ValueError("profit is empty: no customers to rank")
    total = float(values.sum())
    if not total > 0:
        raise ValueError(f"total profit is {total:.2f}; the whale curve (cumulative profit as a % of the total) "
                         "needs a positive total")
    ranked = values.iloc[np.argsort(-values.to_numpy(), kind="stable")]
    n = len(ranked)
    cumulative = np.concatenate(([0.0], np.cumsum(ranked.to_numpy())))
    curve = pd.DataFrame({
        "rank": np.arange(n + 1, dtype=np.int64),
        "customer_id": pd.array([None] + list(ranked.index), dtype="str"),
        "profit": np.concatenate(([0.0], ranked.to_numpy())),
        "cumulative_profit": cumulative,
        "share_of_customers": np.arange(n + 1) / n,
        "cumulative_profit_pct": 100.0 * cumulative / total,
    })
    peak = int(np.argmax(cumulative))  # first maximum
    return WhaleCurve(curve=curve, total_profit=total, peak_pct=float(100.0 * cumulative[peak] / total),
                      peak_rank=peak, peak_share=peak / n, n_customers=n,
                      n_unprofitable=int((values < 0).sum()))


def historical_value(tx: pd.DataFrame, customers: pd.DataFrame | None = None, *,
                     cost_to_serve_rate: float | str | None = None, cogs_col: str = "cost",
                     default_margin: float | None = None, cost_per_order: float = 0.0,
                     observation_end: Any = None) -> pd.Series:
    """Historical value: the margin each customer has realised to date.

    ``historical value = revenue − cost of goods − cost to serve`` over purchases up to
    ``observation_end`` (inclusive; default all), i.e. the ``profit`` of
    :func:`customer_profitability` (same cost arguments). Acquisition cost is not subtracted.

    Returns
    -------
    Series
        Named ``historical_value``, index ``customer_id``.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"],
    ...                    "date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-01-05"]),
    ...                    "amount": [100.0, 50.0, 80.0]})
    >>> historical_value(tx, default_margin=0.4, observation_end="2024-01-31").tolist()
    [40.0, 32.0]
    """
    check_log(tx)
    if observation_end is not None:
        tx = tx.loc[tx["date"] <= pd.Timestamp(observation_end)]
    table = customer_profitability(tx, customers, cost_to_serve_rate=cost_to_serve_rate, cogs_col=cogs_col,
                                   default_margin=default_margin, cost_per_order=cost_per_order)
    out = table["profit"].rename("historical_value")
    out.attrs.update(table.attrs)
    return out
