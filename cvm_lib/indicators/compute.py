"""CRM indicators per unit (store, branch, region or period) from transactions, surveys and complaints.

Definitions (unit = a store, region, ... or a calendar period)
---------------------------------------------------------------
Transactions (tidy log: ``customer_id``, ``date``, ``amount``, optional ``cost``, plus
the unit column, or a ``customers`` table mapping each customer to a unit):

* Evaluation period ``[period_start, period_end]`` (both inclusive; default: the
  year that ends on the last day of the log) and the *previous period* of the same
  length just before it. With ``freq`` (``"M"``, ``"Q"``, ``"Y"``) every calendar
  period is evaluated instead and its previous period is the one before.
* ``active_customers``: distinct customers who bought (at the unit) in the period.
* ``new_customers``: customers whose first purchase at the unit (over the whole log)
  falls in the period.
* ``retained_customers``: customers active at the unit in the previous period and
  again in this one; ``retention_rate`` = retained / active in the previous period
  (NaN when nobody was active then); ``churn_rate`` = 1 − retention_rate.
* ``revenue`` = Σ amount; ``transactions`` = rows; ``revenue_per_customer`` and
  ``purchases_per_customer`` divide by ``active_customers``.
* With a ``cost`` column: ``gross_margin`` = Σ (amount − cost), ``gross_margin_rate`` =
  gross_margin / revenue, ``customer_profitability`` = gross_margin per active customer.

Survey (one row per respondent, Likert items such as ``sat_1..sat_5`` and ``nps`` 0–10):

* ``respondents``; ``csat`` = share of all item answers in the top two boxes
  (4–5 on a 1–5 scale; ``top_box`` and ``scale`` configurable), pooled over the
  items; ``mean_satisfaction`` = mean item answer; ``nps`` = % promoters (9–10) −
  % detractors (0–6) in points; ``promoter_share``, ``detractor_share``.

Complaints (one row per customer with a complaint count and the mean resolution
time of their complaints, as in ``simulate_retail().survey``; or one row per complaint):

* ``complaints`` = Σ counts; ``complaint_rate`` = complaints per customer in the table
  (or per customer of ``customers_per_unit``); ``complainant_share`` = share of
  customers with at least one complaint; ``resolution_days`` = complaint-weighted
  mean resolution time, Σ count × days / Σ count (NaN without complaints).

Market share, share of wallet, employee satisfaction and any other indicator are
*supplied* (``values=``), not computed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from cvm_lib.data import as_day
from cvm_lib.summary import check_log

from cvm_lib.indicators.system import IndicatorSystem, load_indicator_system

__all__ = ["transaction_indicators", "survey_indicators", "complaint_indicators", "unit_indicators"]


def _unit_column(tx: pd.DataFrame, unit: str | None, customers: pd.DataFrame | pd.Series | None) -> pd.Series:
    """The unit of every transaction row."""
    if unit is None:
        return pd.Series("all", index=tx.index, dtype="str")
    if unit in tx.columns:
        return tx[unit]
    if customers is None:
        raise ValueError(f"the transaction log has no {unit!r} column; pass customers= (a table with "
                         f"customer_id and {unit!r}, or a Series customer_id -> unit)")
    if isinstance(customers, pd.DataFrame):
        if "customer_id" not in customers.columns or unit not in customers.columns:
            raise ValueError(f"customers= must have columns 'customer_id' and {unit!r}")
        if customers["customer_id"].duplicated().any():
            raise ValueError("customers= lists a customer more than once; give one unit per customer")
        mapping = customers.set_index("customer_id")[unit]
    else:
        mapping = customers
    units = tx["customer_id"].map(mapping)
    if units.isna().any():
        lost = tx.loc[units.isna(), "customer_id"].unique()[:5].tolist()
        raise ValueError(f"{int(units.isna().sum())} transaction(s) belong to customers without a {unit!r} in "
                         f"customers=, e.g. {lost}")
    return units


def _check_log(tx: pd.DataFrame) -> None:
    check_log(tx)
    if len(tx) == 0:
        raise ValueError("the transaction log is empty")


def transaction_indicators(transactions: pd.DataFrame, unit: str | None = "store", *,
                           customers: pd.DataFrame | pd.Series | None = None, period_start: Any = None,
                           period_end: Any = None, freq: str | None = None) -> pd.DataFrame:
    """Customer-base indicators per unit from a transaction log (see the module notes).

    Parameters
    ----------
    transactions : DataFrame
        Tidy log with ``customer_id``, ``date`` (datetime), ``amount``; optional ``cost``.
    unit : str or None, default "store"
        Unit column (in the log, or in ``customers``); None evaluates the whole log
        as one unit (``"all"``), e.g. per period with ``freq``.
    customers : DataFrame or Series, optional
        Customer -> unit mapping (``customer_id`` and ``unit`` columns, or a Series
        indexed by customer id) when the log has no unit column; each customer's
        purchases are then attributed to their home unit.
    period_start, period_end : date-like, optional
        Evaluation period (inclusive). Default: ``period_end`` = last date in the log,
        ``period_start`` = one year earlier plus one day. Ignored with ``freq``.
    freq : {"M", "Q", "Y"} or a pandas period alias, optional
        Evaluate every calendar period instead of one window; the result is then
        indexed by (unit, period), or by period when ``unit`` is None.

    Returns
    -------
    pandas.DataFrame
        One row per unit (or unit and period): ``active_customers``,
        ``new_customers``, ``retained_customers``, ``retention_rate``, ``churn_rate``,
        ``revenue``, ``transactions``, ``revenue_per_customer``,
        ``purchases_per_customer`` and, with costs, ``gross_margin``,
        ``gross_margin_rate``, ``customer_profitability``.

    Examples
    --------
    >>> tx = pd.DataFrame({
    ...     "customer_id": ["a", "a", "b", "b", "c", "d", "e"],
    ...     "date": pd.to_datetime(["2023-03-01", "2024-02-01", "2023-05-01", "2023-06-01", "2024-03-01",
    ...                             "2023-07-01", "2024-04-01"]),
    ...     "amount": [10.0, 20.0, 5.0, 5.0, 30.0, 8.0, 12.0],
    ...     "store": ["S1", "S1", "S1", "S1", "S1", "S2", "S2"]})
    >>> out = transaction_indicators(tx, period_start="2024-01-01", period_end="2024-12-31")
    >>> print(out[["active_customers", "new_customers", "retained_customers", "retention_rate", "revenue"]].to_string())
           active_customers  new_customers  retained_customers  retention_rate  revenue
    store
    S1                    2              1                   1             0.5     50.0
    S2                    1              1                   0             0.0     12.0
    """
    _check_log(transactions)
    units = _unit_column(transactions, unit, customers)
    if units.isna().any():
        raise ValueError(f"{int(units.isna().sum())} transaction(s) have no {unit!r}; fill or drop them first")
    name = unit if unit is not None else "unit"
    dates = transactions["date"].dt.normalize()
    if getattr(dates.dt, "tz", None) is not None:
        dates = dates.dt.tz_localize(None)
    frame = pd.DataFrame({"unit": units.to_numpy(), "customer_id": transactions["customer_id"].to_numpy(),
                          "date": dates.to_numpy(), "amount": transactions["amount"].to_numpy(dtype=float)})
    has_cost = "cost" in transactions.columns
    if has_cost:
        frame["cost"] = transactions["cost"].to_numpy(dtype=float)
    if frame["amount"].isna().any() or frame["customer_id"].isna().any():
        raise ValueError("transaction log has missing customer ids or amounts")

    if freq is not None:
        periods = frame["date"].dt.to_period(freq)
        first_period, last_period = periods.min(), periods.max()
        frame["slot"] = periods.array.asi8 - first_period.ordinal
        slot_labels = pd.period_range(first_period, last_period, freq=first_period.freq)
        slots = np.arange(len(slot_labels))
    else:
        end = as_day(period_end, "period_end") if period_end is not None else frame["date"].max()
        start = as_day(period_start, "period_start") if period_start is not None else \
            end - pd.DateOffset(years=1) + pd.Timedelta(days=1)
        if start > end:
            raise ValueError(f"period_start {start.date()} is after period_end {end.date()}")
        length = end - start + pd.Timedelta(days=1)
        frame = frame[frame["date"] <= end]
        frame["slot"] = np.select([frame["date"] >= start, frame["date"] >= start - length], [1, 0], -1)
        slots = np.array([1])

    # first purchase of each (unit, customer) over the whole log, mapped to its slot
    first_slot = frame.loc[frame.groupby(["unit", "customer_id"], sort=False, observed=True)["date"].idxmin(),
                           ["unit", "slot"]] if len(frame) else frame[["unit", "slot"]]
    active_pairs = frame.loc[frame["slot"] >= 0, ["unit", "customer_id", "slot"]].drop_duplicates()
    previous = active_pairs.assign(slot=active_pairs["slot"] + 1)
    retained_pairs = active_pairs.merge(previous, on=["unit", "customer_id", "slot"], how="inner")

    all_units = pd.Index(pd.unique(frame["unit"]), name=name).sort_values()
    grid = pd.MultiIndex.from_product([all_units, slots], names=[name, "slot"])

    def count(table: pd.DataFrame) -> pd.Series:
        return table.groupby(["unit", "slot"], observed=True).size().rename_axis([name, "slot"]) \
            .reindex(grid, fill_value=0)

    in_window = frame[frame["slot"] >= 0]
    sums = in_window.groupby(["unit", "slot"], observed=True).agg(
        revenue=("amount", "sum"), transactions=("amount", "size"),
        **({"cost": ("cost", "sum")} if has_cost else {})).rename_axis([name, "slot"]).reindex(grid, fill_value=0)
    active = count(active_pairs)
    prev_active = active_pairs.assign(slot=active_pairs["slot"] + 1)
    prev_active = count(prev_active)
    out = pd.DataFrame({"active_customers": active.astype(np.int64),
                        "new_customers": count(first_slot[first_slot["slot"] >= 0]).astype(np.int64),
                        "retained_customers": count(retained_pairs).astype(np.int64)}, index=grid)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["retention_rate"] = np.where(prev_active > 0, out["retained_customers"] / prev_active.where(
            prev_active > 0, 1), np.nan)
        if freq is not None:
            first = out.index.get_level_values("slot") == 0
            out.loc[first, "retention_rate"] = np.nan
        out["churn_rate"] = 1.0 - out["retention_rate"]
        out["revenue"] = sums["revenue"].astype(float)
        out["transactions"] = sums["transactions"].astype(np.int64)
        n = out["active_customers"].where(out["active_customers"] > 0)
        out["revenue_per_customer"] = out["revenue"] / n
        out["purchases_per_customer"] = out["transactions"] / n
        if has_cost:
            out["gross_margin"] = out["revenue"] - sums["cost"].astype(float)
            out["gross_margin_rate"] = out["gross_margin"] / out["revenue"].where(out["revenue"] > 0)
            out["customer_profitability"] = out["gross_margin"] / n
    if freq is None:
        return out.xs(1, level="slot")
    out.index = pd.MultiIndex.from_arrays([out.index.get_level_values(name),
                                           slot_labels[out.index.get_level_values("slot")]], names=[name, "period"])
    return out.droplevel(name) if unit is None else out


def survey_indicators(survey: pd.DataFrame, unit: str | None = "store", *, items: Sequence[str] | None = None,
                      nps_column: str | None = "nps", scale: tuple[int, int] = (1, 5), top_box: int = 2
                      ) -> pd.DataFrame:
    """Satisfaction and NPS per unit from a survey table (see the module notes).

    Parameters
    ----------
    survey : DataFrame
        One row per respondent, with the unit column, Likert items and an NPS column.
    unit : str or None, default "store"
        Unit column; None for one overall row (``"all"``).
    items : sequence of str, optional
        Satisfaction items for CSAT; default every column named ``sat_*``.
    nps_column : str or None, default "nps"
        0–10 recommendation answers; None to skip NPS.
    scale, top_box
        Rating scale and number of top boxes counted as satisfied (default 4–5 of 1–5).

    Returns
    -------
    pandas.DataFrame
        ``respondents``, ``csat``, ``mean_satisfaction``, ``nps``, ``promoter_share``,
        ``detractor_share`` per unit.

    Examples
    --------
    >>> survey = pd.DataFrame({"store": ["S1", "S1", "S2", "S2"], "sat_1": [5, 4, 2, 4], "sat_2": [4, 3, 1, 5],
    ...                        "nps": [10, 9, 3, 8]})
    >>> print(survey_indicators(survey).to_string())
           respondents   csat  mean_satisfaction    nps  promoter_share  detractor_share
    store
    S1               2  0.75               4.0  100.0             1.0              0.0
    S2               2  0.50               3.0  -50.0             0.0              0.5
    """
    if not isinstance(survey, pd.DataFrame):
        raise TypeError(f"expected a survey DataFrame, got {type(survey).__name__}")
    if items is None:
        items = [c for c in survey.columns if str(c).startswith("sat_")]
    missing = [c for c in list(items) + ([nps_column] if nps_column else []) if c not in survey.columns]
    if unit is not None and unit not in survey.columns:
        missing.append(unit)
    if missing:
        raise ValueError(f"survey lacks column(s) {missing}")
    low, high = scale
    if not 1 <= top_box <= high - low:
        raise ValueError(f"top_box must be between 1 and {high - low} for scale {scale}, got {top_box}")
    name = unit if unit is not None else "unit"
    keys = survey[unit] if unit is not None else pd.Series("all", index=survey.index, dtype="str")
    keys = pd.Series(keys.to_numpy(), index=survey.index, name=name)
    out = pd.DataFrame({"respondents": survey.groupby(keys).size().astype(np.int64)})
    if items:
        answers = survey[list(items)].apply(pd.to_numeric, errors="raise").astype(float)
        values = answers.to_numpy()
        valid = ~np.isnan(values)
        if ((values[valid] < low) | (values[valid] > high)).any():
            raise ValueError(f"satisfaction answers outside the scale {scale}")
        top = pd.DataFrame(np.where(valid, values >= high - top_box + 1, 0.0), index=survey.index)
        grouped_valid = pd.DataFrame(valid.astype(float), index=survey.index).groupby(keys).sum().sum(axis=1)
        out["csat"] = top.groupby(keys).sum().sum(axis=1) / grouped_valid
        out["mean_satisfaction"] = answers.fillna(0).groupby(keys).sum().sum(axis=1) / grouped_valid
    if nps_column:
        scores = pd.to_numeric(survey[nps_column], errors="raise").astype(float)
        present = scores.dropna()
        if ((present < 0) | (present > 10) | (present != present.round())).any():
            raise ValueError(f"column {nps_column!r} must hold whole numbers 0..10")
        k = scores.notna().groupby(keys).sum()
        promoters = (scores >= 9).groupby(keys).sum() / k
        detractors = (scores <= 6).groupby(keys).sum() / k
        out["nps"] = 100.0 * (promoters - detractors)
        out["promoter_share"] = promoters
        out["detractor_share"] = detractors
    return out.sort_index()


def complaint_indicators(complaints: pd.DataFrame, unit: str | None = "store", *,
                         count_column: str | None = "complaints",
                         resolution_column: str | None = "complaint_resolution_days",
                         customers_per_unit: pd.Series | None = None) -> pd.DataFrame:
    """Complaint rate and resolution time per unit (see the module notes).

    Parameters
    ----------
    complaints : DataFrame
        One row per customer with ``count_column`` complaints and the mean
        resolution time of them in ``resolution_column`` (NaN without complaints);
        or, with ``count_column=None``, one row per complaint.
    unit : str or None, default "store"
        Unit column; None for one overall row.
    count_column, resolution_column : str or None
        Column names; ``resolution_column=None`` skips resolution times.
    customers_per_unit : Series, optional
        Customers per unit to divide by (e.g. ``active_customers``); default the
        number of rows (customers) in the table, required with ``count_column=None``.

    Returns
    -------
    pandas.DataFrame
        ``complaints``, ``complaint_rate``, ``complainant_share`` (per-customer
        tables only) and ``resolution_days`` per unit.

    Examples
    --------
    >>> table = pd.DataFrame({"store": ["S1", "S1", "S1", "S2"], "complaints": [0, 2, 1, 0],
    ...                       "complaint_resolution_days": [None, 3.0, 6.0, None]})
    >>> complaint_indicators(table)
           complaints  complaint_rate  complainant_share  resolution_days
    store
    S1              3             1.0           0.666667              4.0
    S2              0             0.0           0.000000              NaN
    """
    if not isinstance(complaints, pd.DataFrame):
        raise TypeError(f"expected a complaints DataFrame, got {type(complaints).__name__}")
    needed = [c for c in (unit, count_column, resolution_column) if c is not None]
    missing = [c for c in needed if c not in complaints.columns]
    if missing:
        raise ValueError(f"complaints table lacks column(s) {missing}")
    name = unit if unit is not None else "unit"
    keys = complaints[unit] if unit is not None else pd.Series("all", index=complaints.index, dtype="str")
    keys = pd.Series(keys.to_numpy(), index=complaints.index, name=name)
    if count_column is None:
        counts = pd.Series(1.0, index=complaints.index)
        if customers_per_unit is None:
            raise ValueError("with one row per complaint (count_column=None) give customers_per_unit= to get a rate")
    else:
        counts = pd.to_numeric(complaints[count_column], errors="raise").astype(float)
        if counts.isna().any() or (counts < 0).any():
            raise ValueError(f"column {count_column!r} must hold non-negative complaint counts without gaps")
    total = counts.groupby(keys).sum()
    out = pd.DataFrame({"complaints": total.astype(np.int64)})
    base = counts.groupby(keys).size().astype(float) if customers_per_unit is None else \
        customers_per_unit.reindex(out.index).astype(float)
    if base.isna().any():
        raise ValueError(f"customers_per_unit lacks units {base.index[base.isna()].tolist()}")
    out["complaint_rate"] = total / base.where(base > 0)
    if count_column is not None:
        out["complainant_share"] = (counts > 0).groupby(keys).mean()
    if resolution_column is not None:
        days = pd.to_numeric(complaints[resolution_column], errors="raise").astype(float)
        with_days = (counts > 0) & days.notna()
        if (days[with_days] < 0).any():
            raise ValueError(f"column {resolution_column!r} has negative resolution times")
        weight = counts.where(with_days, 0.0)
        weighted = (weight * days.fillna(0.0)).groupby(keys).sum()
        denominator = weight.groupby(keys).sum()
        out["resolution_days"] = weighted / denominator.where(denominator > 0)
    return out.sort_index()


def unit_indicators(transactions: pd.DataFrame | None = None, *, unit: str = "store",
                    customers: pd.DataFrame | pd.Series | None = None, survey: pd.DataFrame | None = None,
                    complaints: pd.DataFrame | None = None, values: pd.DataFrame | None = None,
                    system: IndicatorSystem | dict | str | None = None, period_start: Any = None,
                    period_end: Any = None, survey_options: dict | None = None) -> pd.DataFrame:
    """Every indicator per unit in one table: computed, surveyed and supplied.

    Parameters
    ----------
    transactions : DataFrame, optional
        Transaction log (see :func:`transaction_indicators`).
    unit : str, default "store"
        The unit column (in the log or ``customers``, in the survey and complaints).
    customers : DataFrame or Series, optional
        Customer -> unit mapping for a log without the unit column
        (e.g. ``simulate_retail().customers``).
    survey : DataFrame, optional
        Survey answers (see :func:`survey_indicators`). When ``complaints`` is not
        given and the survey has a ``complaints`` column, complaints are taken from it.
    complaints : DataFrame, optional
        Complaint counts and resolution days (see :func:`complaint_indicators`).
    values : DataFrame, optional
        Supplied indicators (market share, employee satisfaction...), indexed by
        unit or with a ``unit`` column.
    system : IndicatorSystem, mapping, path or None
        When given, the result is restricted to (and checked against) the system's
        indicators, in its order; missing or incomplete indicators raise
        :class:`~cvm_lib.indicators.system.IndicatorSystemError`.
    period_start, period_end
        Evaluation period of the transaction indicators.
    survey_options : dict, optional
        Keyword arguments for :func:`survey_indicators` (``items``, ``top_box``, ...).

    Returns
    -------
    pandas.DataFrame
        Units × indicators.
    """
    parts = []
    if transactions is not None:
        parts.append(transaction_indicators(transactions, unit, customers=customers, period_start=period_start,
                                            period_end=period_end))
    if survey is not None:
        parts.append(survey_indicators(survey, unit, **(survey_options or {})))
        if complaints is None and "complaints" in survey.columns:
            complaints = survey
    if complaints is not None:
        parts.append(complaint_indicators(complaints, unit,
                                          resolution_column="complaint_resolution_days"
                                          if "complaint_resolution_days" in complaints.columns else None))
    if values is not None:
        supplied = values.set_index(unit) if unit in values.columns else values
        parts.append(supplied.rename_axis(unit))
    if not parts:
        raise ValueError("give at least one of transactions, survey, complaints or values")
    table = parts[0]
    for part in parts[1:]:
        clash = [c for c in part.columns if c in table.columns]
        if clash:
            raise ValueError(f"indicator(s) {clash} come from two sources; drop them from values=")
        table = table.join(part, how="outer")
    table = table.rename_axis(unit).sort_index()
    if system is None:
        return table
    system = load_indicator_system(system)
    return system.check_data(table)
