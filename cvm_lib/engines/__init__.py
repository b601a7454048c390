"""Where a per-customer summary is computed: pandas in memory, DuckDB out of core, or Spark.

:func:`cvm_lib.summary.rfm_summary`, :func:`~cvm_lib.summary.calibration_holdout` and
:func:`~cvm_lib.summary.cohort_table` accept, besides a pandas DataFrame:

* a **Parquet** file, folder (all ``*.parquet`` below it) or glob pattern, a DuckDB
  relation, or ``"duckdb:PATH.duckdb:TABLE"`` (a table in a DuckDB database file): the
  aggregation runs in **DuckDB** with a memory limit and a spill directory, so logs larger
  than memory are summarised (see :mod:`cvm_lib.engines.duckdb`);
* a **PySpark DataFrame**: the aggregation runs in **Spark**, where the data are; only the
  per-customer (or, with :func:`cvm_lib.summary.summary_counts`, the distinct-row) table
  reaches the driver (see :mod:`cvm_lib.engines.spark`).

Every engine follows the conventions of :mod:`cvm_lib.summary` exactly (same-day
purchases merged, durations in days divided by the unit length, inclusive
``observation_end``, customers sorted by their id as text); the tests compare the three
on the same data. The source must have the tidy columns ``customer_id``, ``date`` (a
date or timestamp; the calendar day counts) and ``amount``.

Both engines compute the same SQL (:mod:`cvm_lib.engines.sql`); results come back as
pandas objects identical to the in-memory path (floating-point sums may differ in the
last bits, as the order of addition differs).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["engine_for", "configure_duckdb", "DUCKDB_MIN_ROWS", "parquet_rows"]

#: Row count from which :func:`cvm_lib.datasets.summary_source` hands a Parquet source to
#: DuckDB instead of the in-memory log: below it the NumPy path is faster (measured at 10M
#: and 50M rows, ``benchmarks/bench_summary.py``) and the log is in memory anyway; from it
#: on, the summaries no longer add their intermediates (0.4-0.9 GB per 10M rows) to the log
#: held in memory, and DuckDB stays within its ``memory_limit``. ``CVM_DUCKDB_MIN_ROWS``
#: overrides it.
DUCKDB_MIN_ROWS = 20_000_000


def _is_spark(obj: Any) -> bool:
    return any(cls.__module__.startswith("pyspark.") and cls.__name__ == "DataFrame" for cls in type(obj).__mro__)


def _is_duckdb_relation(obj: Any) -> bool:
    return type(obj).__module__.startswith("duckdb") and type(obj).__name__ == "DuckDBPyRelation"


def engine_for(source: Any) -> str:
    """``"pandas"``, ``"duckdb"`` or ``"spark"``: the engine that summarises ``source``.

    Examples
    --------
    >>> import pandas as pd
    >>> engine_for(pd.DataFrame()), engine_for("data/tx/*.parquet")
    ('pandas', 'duckdb')
    """
    import pandas as pd

    if isinstance(source, pd.DataFrame):
        return "pandas"
    if isinstance(source, (str, Path)) or _is_duckdb_relation(source):
        return "duckdb"
    if _is_spark(source):
        return "spark"
    raise TypeError(f"cannot summarise a {type(source).__name__}: pass a pandas DataFrame, a Parquet path, "
                    "folder or glob, a DuckDB relation or a PySpark DataFrame")


def configure_duckdb(**settings: Any) -> dict[str, Any]:
    """Change the DuckDB settings used for out-of-core summaries; returns them all.

    Keys: ``memory_limit`` (e.g. ``"8GB"``; default half the machine's memory),
    ``temp_directory`` (where DuckDB spills; default a ``cvm_duckdb`` folder in the
    system temp dir) and ``threads`` (default: all cores). Environment variables
    ``CVM_DUCKDB_MEMORY_LIMIT``, ``CVM_DUCKDB_TEMP_DIRECTORY`` and ``CVM_DUCKDB_THREADS``
    set the defaults.
    """
    from cvm_lib.engines import duckdb as backend

    return backend.configure(**settings)


def duckdb_min_rows() -> int:
    """:data:`DUCKDB_MIN_ROWS`, or ``$CVM_DUCKDB_MIN_ROWS`` when set."""
    import os

    text = os.environ.get("CVM_DUCKDB_MIN_ROWS")
    if not text:
        return DUCKDB_MIN_ROWS
    try:
        return int(float(text))
    except ValueError:
        raise ValueError(f"CVM_DUCKDB_MIN_ROWS={text!r} is not a number of rows") from None


def parquet_rows(source: Any) -> int | None:
    """Rows of a Parquet file, folder (``**/*.parquet``) or glob, read from the file footers only;
    ``None`` when ``source`` is not a readable Parquet source.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> path = Path(tempfile.mkdtemp()) / "t.parquet"
    >>> pd.DataFrame({"x": [1, 2, 3]}).to_parquet(path)
    >>> parquet_rows(path), parquet_rows(path.parent / "missing.parquet")
    (3, None)
    """
    import glob

    import pyarrow.parquet as pq

    if not isinstance(source, (str, Path)) or str(source).startswith("duckdb:"):
        return None
    path = Path(source)
    if path.is_dir():
        files = sorted(path.rglob("*.parquet"))
    elif any(ch in str(source) for ch in "*?["):
        files = [Path(f) for f in sorted(glob.glob(str(source), recursive=True))]
    else:
        files = [path] if path.is_file() else []
    if not files:
        return None
    try:
        return sum(pq.read_metadata(f).num_rows for f in files)
    except (OSError, ValueError):  # not Parquet
        return None
