"""The summary queries, written once for DuckDB and Spark SQL.

Each function returns a SELECT over a view named ``tx`` with columns ``cid`` (the
customer id as text), ``day`` (DATE) and ``amount`` (DOUBLE); ``days(a, b)`` is the
number of days from ``b`` to ``a`` in the engine's dialect. Conventions are those of
:mod:`cvm_lib.summary`: purchases on one calendar day form one purchase day,
``frequency`` = purchase days − 1, durations in days divided by ``unit`` (days).
``monetary_value`` = (total spend − spend on the first day) / frequency, summed the way
the pandas path sums (all rows, then the first day's rows).
"""

from __future__ import annotations

from collections.abc import Callable

#: Days from b to a, per dialect.
DAYS: dict[str, Callable[[str, str], str]] = {
    "duckdb": lambda a, b: f"CAST(({a}) - ({b}) AS BIGINT)",
    "spark": lambda a, b: f"CAST(datediff({a}, {b}) AS BIGINT)",
}


def date_literal(day: str) -> str:
    return f"DATE '{day}'"


def per_customer(where: str) -> str:
    """First and last day, distinct days, total and first-day spend per customer of ``tx WHERE where``."""
    return f"""
    SELECT d.cid, d.first_day, d.last_day, d.n_days, d.total, f.first_spend
    FROM (SELECT cid, MIN(day) AS first_day, MAX(day) AS last_day, COUNT(DISTINCT day) AS n_days,
                 SUM(amount) AS total
          FROM tx WHERE {where} GROUP BY cid) d
    JOIN (SELECT t.cid, SUM(t.amount) AS first_spend
          FROM tx t JOIN (SELECT cid, MIN(day) AS first_day FROM tx WHERE {where} GROUP BY cid) m
            ON t.cid = m.cid AND t.day = m.first_day
          GROUP BY t.cid) f
      ON d.cid = f.cid"""


def rfm(end: str, unit: float, dialect: str) -> str:
    days = DAYS[dialect]
    e = date_literal(end)
    return f"""
    SELECT cid AS customer_id,
           CAST(n_days - 1 AS DOUBLE) AS frequency,
           {days('last_day', 'first_day')} / CAST({unit!r} AS DOUBLE) AS recency,
           {days(e, 'first_day')} / CAST({unit!r} AS DOUBLE) AS T,
           CASE WHEN n_days > 1 THEN (total - first_spend) / CAST(n_days - 1 AS DOUBLE) ELSE 0.0 END
               AS monetary_value
    FROM ({per_customer(f'day <= {e}')}) p"""


def calibration_holdout_query(cal: str, end: str, unit: float, dialect: str) -> str:
    days = DAYS[dialect]
    c, e = date_literal(cal), date_literal(end)
    return f"""
    SELECT r.*,
           CAST(COALESCE(h.n_hold, 0) AS DOUBLE) AS frequency_holdout,
           CASE WHEN h.n_hold > 0 THEN h.spend_hold / CAST(h.n_hold AS DOUBLE) ELSE 0.0 END AS monetary_value_holdout,
           {days(e, c)} / CAST({unit!r} AS DOUBLE) AS duration_holdout
    FROM ({rfm(cal, unit, dialect)}) r
    LEFT JOIN (SELECT cid, COUNT(DISTINCT day) AS n_hold, SUM(amount) AS spend_hold
               FROM tx WHERE day > {c} AND day <= {e} GROUP BY cid) h
      ON r.customer_id = h.cid"""


#: Calendar period of a day, and periods between two period starts, per ``cohort_table`` period.
_TRUNC = {"D": "day", "W": "week", "M": "month", "Q": "quarter", "Y": "year"}


def _age(period: str, a: str, b: str, dialect: str) -> str:
    days = DAYS[dialect]
    if period == "D":
        return days(a, b)
    if period == "W":
        return f"CAST({days(a, b)} / 7 AS BIGINT)"
    years = f"(year({a}) - year({b}))"
    if period == "M":
        return f"({years} * 12 + month({a}) - month({b}))"
    if period == "Q":
        return f"({years} * 4 + quarter({a}) - quarter({b}))"
    return years


def cohort_cells(period: str, measure: str, end: str, dialect: str) -> tuple[str, str]:
    """(cells, sizes) queries: ``cohort_start, age, value`` and ``cohort_start, size``.

    Weeks run Monday to Sunday, as pandas' ``W`` (``W-SUN``) periods.
    """
    unit = _TRUNC[period]
    e = date_literal(end)
    start = f"CAST(date_trunc('{unit}', day) AS DATE)"
    rows = f"""
    SELECT t.cid, t.amount, {start} AS p, c.cohort_start
    FROM tx t JOIN (SELECT cid, CAST(date_trunc('{unit}', MIN(day)) AS DATE) AS cohort_start
                    FROM tx WHERE day <= {e} GROUP BY cid) c ON t.cid = c.cid
    WHERE t.day <= {e}"""
    value = {"customers": "COUNT(DISTINCT cid)", "revenue": "SUM(amount)", "purchases": "COUNT(*)"}[measure]
    cells = f"""
    SELECT cohort_start, {_age(period, 'p', 'cohort_start', dialect)} AS age, CAST({value} AS DOUBLE) AS value
    FROM ({rows}) r GROUP BY 1, 2"""
    sizes = f"""
    SELECT CAST(date_trunc('{unit}', MIN(day)) AS DATE) AS cohort_start, 1 AS one
    FROM tx WHERE day <= {e} GROUP BY cid"""
    sizes = f"SELECT cohort_start, COUNT(*) AS size FROM ({sizes}) s GROUP BY 1"
    return cells, sizes


def distinct_rows(summary_sql: str, columns: list[str]) -> str:
    """Distinct rows of ``columns`` of a summary query with their number of customers."""
    cols = ", ".join(columns)
    return f"SELECT {cols}, CAST(COUNT(*) AS DOUBLE) AS weights FROM ({summary_sql}) s GROUP BY {cols}"
