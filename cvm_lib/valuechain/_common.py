"""Shared helpers of :mod:`cvm_lib.valuechain`: input checks, per-line costs."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from cvm_lib.data import CvmDataError
from cvm_lib.summary import PERIOD_DAYS, check_log

#: Length of a month in days (as in :data:`cvm_lib.summary.TIME_UNITS`).
MONTH_DAYS = PERIOD_DAYS["M"]
YEAR_DAYS = PERIOD_DAYS["Y"]

def summary_html(frame: pd.DataFrame, title: str) -> str:
    """HTML of a result's summary table (for ``_repr_html_``)."""
    return f"<p><strong>{title}</strong></p>" + frame.to_html()


def check_number(value: Any, name: str, *, low: float | None = None, high: float | None = None) -> float:
    """A finite float within [low, high], or a ValueError naming the argument."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not np.isfinite(number) or (low is not None and number < low) or (high is not None and number > high):
        bounds = f" in [{low}, {high}]" if high is not None else (f" >= {low}" if low is not None else "")
        raise ValueError(f"{name} must be a finite number{bounds}, got {value!r}")
    return number


def customer_frame(customers: pd.DataFrame, required: tuple[str, ...] = ()) -> pd.DataFrame:
    """The customer table indexed by ``customer_id`` (str), with ``required`` columns checked."""
    if not isinstance(customers, pd.DataFrame):
        raise TypeError(f"customers must be a DataFrame (one row per customer), got {type(customers).__name__}")
    if "customer_id" in customers.columns:
        frame = customers.set_index("customer_id")
    elif customers.index.name == "customer_id":
        frame = customers
    else:
        raise CvmDataError("customers table needs a 'customer_id' column or index", source="<customers>",
                           column="customer_id")
    frame = frame.set_axis(frame.index.astype("str"), axis=0)
    if frame.index.has_duplicates:
        dup = frame.index[frame.index.duplicated()].unique()
        raise CvmDataError(f"customers table has {len(dup)} duplicated customer_id(s), e.g. {list(dup[:3])}",
                           source="<customers>", column="customer_id")
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise CvmDataError(f"customers table lacks column(s) {missing}; it has {list(frame.columns)}",
                           source="<customers>", column=missing[0])
    return frame


def nonnegative_column(frame: pd.DataFrame, column: str, source: str) -> np.ndarray:
    """A numeric column as float64, refusing missing or negative values with a clear message."""
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        rows = list(frame.index[bad][:3])
        raise CvmDataError(f"{source} column {column!r}: {int(bad.sum())} value(s) are missing or negative "
                           f"(expected non-negative numbers), e.g. rows {rows}", source=source, column=column)
    return values


def line_costs(tx: pd.DataFrame, customers: pd.DataFrame | None, *, cogs_col: str = "cost",
               default_margin: float | None = None, cost_to_serve_rate: Any = None,
               cost_per_order: float = 0.0) -> pd.DataFrame:
    """Revenue, cost of goods and cost to serve of every transaction line.

    Returns a frame aligned with ``tx`` with columns ``customer_id`` (str), ``date``,
    ``revenue``, ``cogs``, ``cost_to_serve``, ``margin`` (= revenue - cogs - cost_to_serve);
    ``attrs`` describe where each cost came from.
    """
    ids, revenue, cogs, cost_to_serve, attrs = line_cost_arrays(
        tx, customers, cogs_col=cogs_col, default_margin=default_margin, cost_to_serve_rate=cost_to_serve_rate,
        cost_per_order=cost_per_order)
    out = pd.DataFrame({"customer_id": ids.array, "date": tx["date"].to_numpy(), "revenue": revenue,
                        "cogs": cogs, "cost_to_serve": cost_to_serve}, index=tx.index)
    out["margin"] = out["revenue"] - out["cogs"] - out["cost_to_serve"]
    out.attrs.update(attrs)
    return out


def line_cost_arrays(tx: pd.DataFrame, customers: pd.DataFrame | None, *, cogs_col: str = "cost",
                     default_margin: float | None = None, cost_to_serve_rate: Any = None,
                     cost_per_order: float = 0.0) -> tuple[pd.Series, np.ndarray, np.ndarray, np.ndarray, dict]:
    """The columns of :func:`line_costs` as arrays, without building the frame.

    Returns ``(ids, revenue, cogs, cost_to_serve, attrs)``: the customer ids as text (a
    Series aligned with ``tx``), three float64 arrays of ``len(tx)`` (``revenue`` and
    ``cogs`` may be read-only views of the log's columns) and the cost sources. The
    margin of a line is ``revenue - cogs - cost_to_serve`` (in that order).
    """
    check_log(tx)
    revenue = tx["amount"].to_numpy(dtype=np.float64)
    if (revenue < 0).any():
        raise CvmDataError(f"transaction log column 'amount': {int((revenue < 0).sum())} negative amount(s); "
                           "net returns first (load_transactions(..., on_negative='net'))", source="<DataFrame>",
                           column="amount")
    if default_margin is not None:
        default_margin = check_number(default_margin, "default_margin", high=1.0)
    ids = tx["customer_id"].astype("str")
    # cost of goods
    if cogs_col is not None and cogs_col in tx.columns:
        column = tx[cogs_col]
        if column.dtype != np.float64:  # a float64 column is read as it is (no copy of the log's column)
            column = pd.to_numeric(column, errors="coerce")
        cogs = column.to_numpy(dtype=np.float64)
        del column
        if (cogs < 0).any():
            bad = np.flatnonzero(cogs < 0)
            raise CvmDataError(f"transaction log column {cogs_col!r}: {len(bad)} negative cost(s) of goods "
                               f"(expected >= 0), e.g. rows {list(tx.index[bad[:3]])}", source="<DataFrame>",
                               column=cogs_col)
        gap = ~np.isfinite(cogs)
        if gap.any():
            if default_margin is None:
                raise CvmDataError(f"transaction log column {cogs_col!r}: {int(gap.sum())} missing cost(s) of goods "
                                   f"(e.g. rows {list(tx.index[np.flatnonzero(gap)[:3]])}); pass default_margin= "
                                   "to fill them", source="<DataFrame>", column=cogs_col)
            cogs = np.where(gap, revenue * (1.0 - default_margin), cogs)
        cogs_source = f"column {cogs_col!r}" + (f", gaps at margin {default_margin}" if gap.any() else "")
    elif default_margin is not None:
        cogs = revenue * (1.0 - default_margin)
        cogs_source = f"default_margin={default_margin}"
    else:
        raise CvmDataError(f"no cost of goods: the transaction log has no column {cogs_col!r} "
                           f"(columns: {list(tx.columns)}) and no default_margin was given; pass cogs_col= "
                           "naming the cost column or default_margin= (gross margin as a share of revenue)",
                           source="<DataFrame>", column=str(cogs_col))
    # cost to serve: a share of revenue
    if cost_to_serve_rate is None:
        if customers is not None and "cost_to_serve_rate" in customers.columns:
            cost_to_serve_rate = "cost_to_serve_rate"
        else:
            cost_to_serve_rate = 0.0
    if isinstance(cost_to_serve_rate, str):
        if customers is None:
            raise ValueError(f"cost_to_serve_rate={cost_to_serve_rate!r} names a column of customers, "
                             "but no customers table was given")
        frame = customer_frame(customers, (cost_to_serve_rate,))
        rates_by_customer = pd.Series(nonnegative_column(frame, cost_to_serve_rate, "<customers>"),
                                      index=frame.index)
        id_codes, id_values = pd.factorize(ids)  # one lookup per customer, not per line
        rate = rates_by_customer.reindex(id_values).to_numpy(dtype=np.float64)[id_codes]
        if np.isnan(rate).any():
            absent = ids[np.isnan(rate)].unique()
            raise CvmDataError(f"{len(absent)} customer(s) of the log are not in the customers table "
                               f"(needed for {cost_to_serve_rate!r}), e.g. {list(absent[:3])}",
                               source="<customers>", column=cost_to_serve_rate)
        cts_source = f"customers column {cost_to_serve_rate!r} x revenue"
    else:
        # a scalar times each revenue: the same products as a full array of the rate, without the array
        rate = check_number(cost_to_serve_rate, "cost_to_serve_rate", low=0.0)
        cts_source = f"{rate} x revenue"
    cost_to_serve = rate * revenue
    del rate
    cost_per_order = check_number(cost_per_order, "cost_per_order", low=0.0)
    if cost_per_order > 0:
        if "order_id" in tx.columns and tx["order_id"].notna().all():
            lines = tx.groupby([ids.to_numpy(), tx["order_id"].astype("str").to_numpy()])["amount"] \
                .transform("size").to_numpy(dtype=np.float64)
        else:
            lines = np.ones(len(tx))
        cost_to_serve = cost_to_serve + cost_per_order / lines
        cts_source += f" + {cost_per_order} per order"
    return ids, revenue, cogs, cost_to_serve, {"cogs": cogs_source, "cost_to_serve": cts_source}


def as_series(values: Any, name: str) -> pd.Series:
    """A per-customer Series (index = customer ids as str) of finite floats."""
    if isinstance(values, pd.DataFrame):
        if name in values.columns:
            values = values[name]
        elif values.shape[1] == 1:
            values = values.iloc[:, 0]
        else:
            raise ValueError(f"{name}: expected a Series per customer or a DataFrame with a {name!r} column, "
                             f"got columns {list(values.columns)}")
    if not isinstance(values, pd.Series):
        raise TypeError(f"{name} must be a pandas Series indexed by customer_id, got {type(values).__name__}")
    out = pd.to_numeric(values, errors="coerce").astype("float64")
    out.index = out.index.astype("str")
    out.index.name = "customer_id"
    if out.index.has_duplicates:
        raise ValueError(f"{name} has duplicated customer ids, e.g. {list(out.index[out.index.duplicated()][:3])}")
    bad = ~np.isfinite(out.to_numpy())
    if bad.any():
        raise ValueError(f"{name} has {int(bad.sum())} missing or infinite value(s), e.g. for {list(out.index[bad][:3])}")
    return out.rename(name)
