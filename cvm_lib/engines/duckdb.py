"""DuckDB back-end: summaries of Parquet files and DuckDB tables, out of core.

A source is a Parquet file, a folder (every ``*.parquet`` below it, hive partitions
allowed), a glob pattern, ``"duckdb:DB_FILE:TABLE"`` or a DuckDB relation (read into
memory as Arrow first; pass a path or a table to stay out of core). DuckDB reads
only the three columns, aggregates with all cores and spills to ``temp_directory`` once
``memory_limit`` is reached, so the log never has to fit in memory; only per-customer
rows come back (about 60 bytes per customer for :func:`~cvm_lib.summary.rfm_summary`).

Measured (``benchmarks/bench_summary.py --parquet``): see ``benchmarks/README.md``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from cvm_lib.data import CvmDataError

_SETTINGS: dict[str, Any] = {}


def _total_memory() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 8 * 2**30


def configure(**settings: Any) -> dict[str, Any]:
    """See :func:`cvm_lib.engines.configure_duckdb`."""
    unknown = set(settings) - {"memory_limit", "temp_directory", "threads"}
    if unknown:
        raise ValueError(f"unknown DuckDB setting(s) {sorted(unknown)}; use memory_limit, temp_directory, threads")
    _SETTINGS.update({k: v for k, v in settings.items() if v is not None})
    return current_settings()


def current_settings() -> dict[str, Any]:
    memory = os.environ.get("CVM_DUCKDB_MEMORY_LIMIT") or f"{max(1, _total_memory() // 2 // 2**20)}MB"
    temp = os.environ.get("CVM_DUCKDB_TEMP_DIRECTORY") or str(Path(tempfile.gettempdir()) / "cvm_duckdb")
    threads = int(os.environ.get("CVM_DUCKDB_THREADS") or (os.cpu_count() or 1))
    return {"memory_limit": memory, "temp_directory": temp, "threads": threads} | _SETTINGS


def connect():
    import duckdb

    s = current_settings()
    Path(s["temp_directory"]).mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(config={"memory_limit": str(s["memory_limit"]), "temp_directory": str(s["temp_directory"]),
                                 "threads": int(s["threads"]), "preserve_insertion_order": False})
    return con


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _scan(source: Any, con) -> tuple[str, str]:
    """A FROM clause for ``source`` and its name as the user sees it."""
    if not isinstance(source, (str, Path)):  # a DuckDB relation of another connection: read as Arrow
        con.register("cvm_source", source.to_arrow_table())
        return "cvm_source", "<DuckDB relation>"
    text = str(source)
    if text.startswith("duckdb:"):
        db, _, table = text[len("duckdb:"):].rpartition(":")
        if not db or not table:
            raise CvmDataError(f"{text!r}: write a DuckDB table as 'duckdb:FILE.duckdb:TABLE'", source=text)
        if not Path(db).exists():
            raise CvmDataError(f"DuckDB database {db!r} not found", source=db)
        con.execute(f"ATTACH {_quote(db)} AS cvm_db (READ_ONLY)")
        return f'cvm_db."{table}"', f"{db} (table {table})"
    path = Path(text)
    if path.is_dir():
        pattern = str(path / "**" / "*.parquet")
        if not any(path.rglob("*.parquet")):
            raise CvmDataError(f"folder {text!r} holds no *.parquet files", source=text)
    elif any(ch in text for ch in "*?["):
        pattern = text
    elif path.exists():
        pattern = text
    else:
        raise CvmDataError(f"Parquet source {text!r} not found (a file, a folder or a glob pattern)", source=text)
    return f"read_parquet({_quote(pattern)}, union_by_name = true, hive_partitioning = true)", text


def prepare(source: Any, con) -> tuple[str, int | None, int]:
    """Create the view ``tx`` (cid, day, amount); check it; return its name, last day and rows."""
    scan, name = _scan(source, con)
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM {scan}").fetchdf()
    except Exception as exc:  # duckdb.Error: unreadable files, bad glob, ...
        raise CvmDataError(f"{name}: cannot be read as a table: {exc}", source=name) from None
    types = dict(zip(described["column_name"], described["column_type"]))
    missing = [c for c in ("customer_id", "date", "amount") if c not in types]
    if missing:
        raise CvmDataError(f"{name} lacks column(s) {missing} (has {sorted(types)}); write the tidy columns "
                           "customer_id, date, amount (cvm_lib.data.load_transactions makes them)", source=name,
                           column=missing[0])
    if not (types["date"].startswith("TIMESTAMP") or types["date"] == "DATE"):
        raise CvmDataError(f"{name}: column 'date' is {types['date']}, not a date or timestamp; convert it "
                           "when writing the file", source=name, column="date")
    day = "CAST(date AS DATE)"
    if types["date"] == "TIMESTAMP WITH TIME ZONE":  # the local calendar day, as the pandas path
        day = "CAST(CAST(date AS TIMESTAMP) AS DATE)"
    con.execute(f"CREATE TEMP VIEW tx AS SELECT CAST(customer_id AS VARCHAR) AS cid, {day} AS day, "
                f"CAST(amount AS DOUBLE) AS amount FROM {scan}")
    n, last, bad = con.execute("SELECT COUNT(*), MAX(day), COUNT(*) FILTER (WHERE cid IS NULL OR day IS NULL OR "
                           "amount IS NULL OR isnan(amount)) FROM tx").fetchall()[0]
    if bad:
        raise CvmDataError(f"{name} has {bad:,} row(s) with a missing customer_id, date or amount; clean them "
                           "with cvm_lib.data.load_transactions() (on_missing_* options) before writing",
                           source=name, n_rows=int(bad))
    last_day = None if last is None else int(np.datetime64(last, "D").astype(np.int64))
    return name, last_day, int(n)


def query(source: Any, build) -> tuple[Any, ...]:
    """Run ``build(last_day, n_rows)`` → list of SQL over ``tx`` on ``source``; pandas frames back."""
    con = connect()
    try:
        name, last_day, n = prepare(source, con)
        return tuple(con.execute(sql).fetchdf() for sql in build(name, last_day, n))
    finally:
        con.close()
