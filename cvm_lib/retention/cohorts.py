"""Acquisition-cohort retention: active customers and rates by periods since acquisition."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cvm_lib.data import CvmDataError
from cvm_lib.retention._common import Result, check_frame, require_log, day_stamp, require_columns
from cvm_lib.summary import PERIOD_DAYS, cohort_table

__all__ = ["CohortRetention", "cohort_retention", "contract_survival", "customer_attribute"]


def customer_attribute(tx: pd.DataFrame, customers: pd.DataFrame | None, column: str) -> pd.Series:
    """One value of ``column`` per customer of ``tx``, indexed by ``customer_id``.

    Taken from ``customers`` (a ``customer_id`` column or index) when given; otherwise from
    the transaction log, as the value on the customer's first purchase (e.g. the channel
    the customer was acquired through).
    """
    ids = pd.Index(pd.unique(tx["customer_id"]), name="customer_id")
    if customers is not None:
        check_frame(customers, "customers")
        if "customer_id" in customers.columns:
            table = customers.set_index("customer_id")
        else:
            table = customers
        require_columns(table, [column], what="the customers table")
        if table.index.has_duplicates:
            dup = table.index[table.index.duplicated()][:3].tolist()
            raise CvmDataError(f"the customers table has duplicate customer ids, e.g. {dup}", source="<DataFrame>",
                               column="customer_id")
        values = table[column].reindex(ids)
        absent = values.index[~values.index.isin(table.index)]
        if len(absent):
            raise CvmDataError(f"{len(absent)} customer(s) of the transaction log are not in the customers table, "
                               f"e.g. {absent[:3].tolist()}", source="<DataFrame>", column="customer_id")
    else:
        if column not in tx.columns:
            raise CvmDataError(f"column {column!r} is neither in the transaction log nor, without a customers table, "
                               "anywhere else; pass customers= with a customer_id column", source="<DataFrame>",
                               column=column)
        first = tx.sort_values("date", kind="stable").drop_duplicates("customer_id")
        values = first.set_index("customer_id")[column].reindex(ids)
    if values.isna().any():
        missing = values.index[values.isna()][:3].tolist()
        raise CvmDataError(f"{int(values.isna().sum())} customer(s) have no {column!r} value, e.g. {missing}",
                           source="<DataFrame>", column=column)
    return values


@dataclass(repr=False)
class CohortRetention(Result):
    """Cohort × periods-since-acquisition retention (see :func:`cohort_retention`).

    Attributes
    ----------
    counts_ : DataFrame
        Active customers; index ``cohort`` (pandas Period), or ``(group, cohort)`` with
        ``by``; columns ``0, 1, 2, ...`` (periods since acquisition). Cells beyond the end
        of observation are NaN (unknown), never 0.
    rates_ : DataFrame
        ``counts_`` divided by the cohort size (the period-0 count).
    sizes_ : Series
        Customers per cohort (same index as ``counts_``).
    curves_ : DataFrame
        Pooled retention curve per group, long form: ``[group,] period, cohorts,
        customers, active, rate``. ``customers`` sums the sizes of the cohorts observed
        at that period, so each point uses every cohort old enough to contribute.
    period : str
    by : str or None
    observation_end : Timestamp
    """

    counts_: pd.DataFrame
    rates_: pd.DataFrame
    sizes_: pd.Series
    curves_: pd.DataFrame
    period: str
    by: str | None
    observation_end: pd.Timestamp
    partial_last_period: bool

    def to_long(self) -> pd.DataFrame:
        """Observed cells in long form: ``[group,] cohort, period, size, active, rate, partial``.

        ``partial`` marks the period that contains ``observation_end`` when that period was
        cut short. Cells beyond the end of observation are left out.
        """
        long = self.counts_.stack().dropna().rename("active").reset_index()
        long = long.rename(columns={"periods_since_acquisition": "period"})
        keys = ["group", "cohort"] if self.by else ["cohort"]
        sizes = self.sizes_.rename("size").reset_index()
        long = long.merge(sizes, on=keys, how="left")
        long["rate"] = long["active"] / long["size"]
        end_period = pd.Period(self.observation_end, freq=self.counts_.index.get_level_values("cohort").freq)
        cell_period = pd.PeriodIndex(long["cohort"]) + long["period"].to_numpy()
        long["partial"] = self.partial_last_period & (cell_period == end_period)
        long["period"] = long["period"].astype(np.int64)
        return long[[*keys, "period", "size", "active", "rate", "partial"]]

    def curve(self, group: Any = None) -> pd.Series:
        """Pooled retention rate by period since acquisition (of one group when ``by`` was used)."""
        curves = self.curves_
        if self.by:
            if group is None:
                raise ValueError(f"name the group: one of {self.groups_}")
            if group not in self.groups_:
                raise ValueError(f"group {group!r} not found; groups are {self.groups_}")
            curves = curves[curves["group"] == group]
        elif group is not None:
            raise ValueError("no groups: cohort_retention was called without by=")
        return curves.set_index("period")["rate"]

    @property
    def groups_(self) -> list[Any]:
        return list(self.curves_["group"].unique()) if self.by else []

    def summary(self, periods: tuple[int, ...] = (1, 3, 6, 12)) -> pd.DataFrame:
        """Per group: customers, cohorts and the pooled retention rate at ``periods``."""
        curves = self.curves_ if self.by else self.curves_.assign(group="all")
        rows = []
        for name, c in curves.groupby("group", sort=False):
            c = c.set_index("period")
            row = {"group": name, "customers": int(c.loc[0, "customers"]), "cohorts": int(c.loc[0, "cohorts"])}
            for k in periods:
                if k in c.index:
                    row[f"rate_{k}"] = float(c.loc[k, "rate"])
            rows.append(row)
        return pd.DataFrame(rows).set_index("group")


def _curve(counts: pd.DataFrame) -> pd.DataFrame:
    sizes = counts[0].to_numpy()
    values = counts.to_numpy()
    seen = ~np.isnan(values)
    customers = (seen * sizes[:, None]).sum(axis=0)
    active = np.where(seen, values, 0.0).sum(axis=0)
    observed = customers > 0  # periods no cohort has reached (or all masked) are left out
    return pd.DataFrame({"period": np.asarray(counts.columns, dtype=np.int64)[observed],
                         "cohorts": seen.sum(axis=0)[observed], "customers": customers[observed].astype(np.int64),
                         "active": active[observed].astype(np.int64),
                         "rate": active[observed] / customers[observed]})


def cohort_retention(tx: pd.DataFrame, customers: pd.DataFrame | None = None, *, by: str | None = None,
                     period: str = "M", observation_end: Any = None, drop_partial: bool = False
                     ) -> CohortRetention:
    """Active customers and retention rates by acquisition cohort and period since acquisition.

    A customer's cohort is the calendar period of the first purchase, period 0. A customer
    counts as *active* in a period when buying in it (the non-contractual reading of
    retention; see :func:`cvm_lib.summary.cohort_table`, which this builds on). Cells beyond
    ``observation_end`` are NaN, never 0: nothing is known about them yet.

    Parameters
    ----------
    tx : DataFrame
        Tidy transaction log (``customer_id``, ``date``, ``amount``).
    customers : DataFrame, optional
        Customer attributes (a ``customer_id`` column or index), where ``by`` is looked up.
    by : str, optional
        Grouping column, e.g. ``"acquisition_channel"``, ``"region"``, ``"member"``. Taken
        from ``customers`` if given, else from ``tx`` (value on the first purchase).
    period : {"D", "W", "M", "Q", "Y"}, default "M"
    observation_end : date-like, optional
        Last observed day (inclusive). Default: the last purchase date in ``tx`` (the
        same for every group, so the missing cells line up).
    drop_partial : bool, default False
        Treat the period containing ``observation_end`` as unobserved (NaN) when it is
        cut short, so that an incomplete last period does not depress the rates.

    Returns
    -------
    CohortRetention
        ``counts_``, ``rates_``, ``sizes_``, ``curves_`` (long form), ``to_long()``,
        ``curve(group)``, ``summary()``.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b", "c", "c", "d"],
    ...                    "date": pd.to_datetime(["2024-01-05", "2024-02-03", "2024-01-20", "2024-02-10",
    ...                                            "2024-03-01", "2024-02-11"]),
    ...                    "amount": 1.0})
    >>> res = cohort_retention(tx, observation_end="2024-03-31")
    >>> res.rates_
    periods_since_acquisition    0    1    2
    cohort
    2024-01                    1.0  0.5  0.0
    2024-02                    1.0  0.5  NaN
    >>> res.curves_
       period  cohorts  customers  active  rate
    0       0        2          4       4  1.0
    1       1        2          4       2  0.5
    2       2        1          2       0  0.0
    >>> people = pd.DataFrame({"customer_id": ["a", "b", "c", "d"], "member": [True, False, True, False]})
    >>> cohort_retention(tx, people, by="member", observation_end="2024-03-31").rates_
    periods_since_acquisition    0    1    2
    group cohort
    False 2024-01                1.0  0.0  0.0
          2024-02                1.0  0.0  NaN
    True  2024-01                1.0  1.0  0.0
          2024-02                1.0  1.0  NaN
    """
    require_log(tx)
    end = tx["date"].max().normalize() if observation_end is None else day_stamp(observation_end, "observation_end")
    if tx["date"].min().normalize() > end:
        raise ValueError(f"observation_end {end.date()} precedes every purchase in the log")
    if by is None:
        tables = {None: cohort_table(tx, period=period, observation_end=end)}
    else:
        attribute = customer_attribute(tx, customers, by)
        # One lookup per customer (not per line); only the columns the cohort table reads are copied.
        codes, uniq = pd.factorize(tx["customer_id"])
        member_of = pd.Series(attribute.reindex(uniq).to_numpy()[codes])
        core = tx[["customer_id", "date", "amount"]]
        tables = {}
        for level in sorted(pd.unique(attribute).tolist()):
            sub = core[(member_of == level).to_numpy()]
            if (sub["date"].dt.normalize() <= end).any():  # a group acquired only after the end has no cohorts
                tables[level] = cohort_table(sub, period=period, observation_end=end)
    freq = next(iter(tables.values())).index.freq
    end_period = pd.Period(end, freq=freq)
    partial = end_period.end_time.normalize() != end
    masks = {}
    if drop_partial and partial:
        for level, table in tables.items():
            last_age = end_period.ordinal - pd.PeriodIndex(table.index).asi8
            masks[level] = last_age
    return _assemble(tables, by=by, period=period, end=end, partial=bool(partial), drop_from_age=masks)


def _assemble(tables: dict, *, by: str | None, period: str, end: pd.Timestamp, partial: bool,
              drop_from_age: dict | None = None) -> CohortRetention:
    """Align per-group cohort tables on common periods and build the result."""
    ages = max(len(t.columns) for t in tables.values())
    columns = pd.Index(np.arange(ages), name="periods_since_acquisition")
    counts_parts, curves = {}, []
    for level, table in tables.items():
        table = table.reindex(columns=columns)
        if drop_from_age and level in drop_from_age:
            ages_grid = columns.to_numpy()[None, :]
            last_age = drop_from_age[level]
            table = table.mask((ages_grid >= last_age[:, None]) & (ages_grid > 0))  # period 0 holds the size
        counts_parts[level] = table
        curve = _curve(table)
        if by is not None:
            curve.insert(0, "group", level)
        curves.append(curve)
    if by is None:
        counts = counts_parts[None]
    else:
        counts = pd.concat(counts_parts, names=["group", "cohort"])
    counts.columns.name = "periods_since_acquisition"
    sizes = counts[0].rename("size")
    return CohortRetention(counts_=counts, rates_=counts.div(sizes, axis=0), sizes_=sizes,
                           curves_=pd.concat(curves, ignore_index=True), period=period, by=by,
                           observation_end=end, partial_last_period=partial)


_PERIOD_DAYS = PERIOD_DAYS


def contract_survival(customers: pd.DataFrame, *, start: str = "acquisition_date", end: str = "dropout_date",
                      period: str = "Y", by: str | None = None, observation_end: Any = None) -> CohortRetention:
    """Contractual cohort survival: customers still under contract after 0, 1, 2, ... periods.

    The contractual counterpart of :func:`cohort_retention`, and the input of the sBG
    (:func:`cvm_lib.retention.fit_sbg`): a customer who started on ``s`` and ended on
    ``e`` (missing = still a customer) counts as active at tenure ``t`` when
    ``e - s >= t`` period lengths (days: W = 7, M = 365.25/12, Q = 365.25/4,
    Y = 365.25). Cohorts are the calendar periods of the start dates. A cell is observed
    once every member of the cohort has reached tenure ``t`` by ``observation_end``
    (cohort period end + t periods); later cells are NaN.

    Parameters
    ----------
    customers : DataFrame
        One row per customer (contract).
    start, end : str
        Date columns; ``end`` missing (NaT) while the customer is still active.
    period : {"W", "M", "Q", "Y"}, default "Y"
    by : str, optional
        Grouping column of ``customers``.
    observation_end : date-like, optional
        Default: the latest start or end date.

    Returns
    -------
    CohortRetention
        ``counts_`` (customers still active), ``rates_`` (survival), ``curves_`` (pooled
        survival by tenure).

    Examples
    --------
    >>> people = pd.DataFrame({
    ...     "acquisition_date": pd.to_datetime(["2021-03-01", "2021-06-01", "2021-09-01", "2022-05-01"]),
    ...     "dropout_date": pd.to_datetime(["2021-12-01", None, "2023-10-01", None])})
    >>> res = contract_survival(people, observation_end="2024-02-29")
    >>> res.counts_
    periods_since_acquisition    0    1    2
    cohort
    2021                       3.0  2.0  2.0
    2022                       1.0  1.0  NaN

    The first customer left after 275 days (before tenure 1), the third after 760 days
    (after tenure 2); the 2022 cohort cannot be followed two full years by February 2024.
    """
    check_frame(customers, "customers")
    require_columns(customers, [start, end, by], what="the customers table")
    if period not in _PERIOD_DAYS or period == "D":
        raise ValueError(f"period={period!r}; use 'W', 'M', 'Q' or 'Y'")
    starts = pd.to_datetime(customers[start]).dt.normalize()
    ends = pd.to_datetime(customers[end]).dt.normalize()
    if starts.isna().any():
        rows = list(customers.index[starts.isna().to_numpy()][:5])
        raise CvmDataError(f"start column {start!r} has missing dates, first at rows {rows}", source="<DataFrame>",
                           column=start, rows=rows, n_rows=int(starts.isna().sum()))
    early = (ends < starts).to_numpy()
    if early.any():
        rows = list(customers.index[early][:5])
        raise CvmDataError(f"{int(early.sum())} contract(s) end before they start, first at rows {rows}",
                           source="<DataFrame>", column=end, rows=rows, n_rows=int(early.sum()))
    obs_end = (max(starts.max(), ends.max()) if ends.notna().any() else starts.max()) \
        if observation_end is None else day_stamp(observation_end, "observation_end")
    inside = (starts <= obs_end).to_numpy()
    if not inside.any():
        raise ValueError(f"observation_end {obs_end.date()} precedes every start date")
    ends = ends.where(ends <= obs_end)  # an end after the window is not known yet
    length = _PERIOD_DAYS[period]
    lifetime = np.where(ends.isna(), np.inf, (ends - starts).dt.days.to_numpy(dtype=np.float64, na_value=np.nan))
    cohort = starts.dt.to_period(period)
    labels = [None] if by is None else sorted(pd.unique(customers.loc[inside, by]).tolist())
    tables = {}
    for level in labels:
        keep = inside if by is None else inside & (customers[by] == level).to_numpy()
        if not keep.any():
            continue
        periods = pd.PeriodIndex(sorted(set(cohort[keep])), name="cohort")
        code = periods.get_indexer(cohort[keep])
        span = ((obs_end - periods.end_time.normalize()).days.to_numpy() / length)
        max_age = int(max(0, np.floor(span.max()))) if len(span) else 0
        table = np.full((len(periods), max_age + 1), np.nan)
        life = lifetime[keep]
        for t in range(max_age + 1):
            counts = np.bincount(code, weights=(life >= t * length).astype(np.float64), minlength=len(periods))
            observed = (span >= t) | (t == 0)
            table[:, t] = np.where(observed, counts, np.nan)
        tables[level] = pd.DataFrame(table, index=periods, columns=np.arange(max_age + 1))
    result = _assemble(tables, by=by, period=period, end=obs_end, partial=False)
    return result
