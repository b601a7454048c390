"""Bundled real data sets and synthetic data with known truth.

Real data live in the project's ``data/raw/`` (immutable; provenance and licence in
``data/README.md``). Set the environment variable ``CVM_DATA_DIR`` to read them from
another folder.

=================== ======================================================================
function            what it returns
=================== ======================================================================
``cdnow()``         the CDNOW transaction log (23,570 customers, Jan 1997 – Jun 1998)
``cdnow(sample=True)`` the 1/10 sample (2,357 customers) of Fader, Hardie & Lee (2005)
``donations()``     BG/BB repeat-donation cells (11,104 donors, 6 years), Fader et al. (2010)
``sbg_retention()`` share of a cohort still subscribed, years 0–12, Fader & Hardie (2007)
``simulate_retail()`` synthetic retail data from a BTYD process, with the true parameters
=================== ======================================================================
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd

from cvm_lib.data import load_transactions
from cvm_lib.paths import project_root

__all__ = ["data_dir", "raw_path", "load_dataset", "summary_source", "BUNDLED", "cdnow", "donations", "sbg_retention", "simulate_retail", "RetailData"]


def data_dir() -> Path:
    """The folder of bundled raw data (``$CVM_DATA_DIR`` or the project's ``data/raw``)."""
    env = os.environ.get("CVM_DATA_DIR")
    return Path(env) if env else project_root() / "data" / "raw"


def raw_path(name: str) -> Path:
    """Path of one bundled raw file, with a clear error when it is missing."""
    path = data_dir() / name
    if not path.exists():
        raise FileNotFoundError(f"bundled data file {path} is missing; run from a full clone of the project "
                                "or set CVM_DATA_DIR to the folder holding it")
    return path


def cdnow(sample: bool = False) -> pd.DataFrame:
    """The CDNOW purchase log as a tidy transaction log.

    Every purchase, January 1997 to June 1998, by the 23,570 customers who made their
    first purchase at the online CD store CDNOW in the first quarter of 1997. With
    ``sample=True``, the 1/10 systematic sample of 2,357 customers used by Fader,
    Hardie & Lee (2005) and the BTYD literature (customer ids are the master log's).

    Returns
    -------
    DataFrame
        ``customer_id`` (five-digit text id), ``date``, ``amount`` (US dollars) and
        ``quantity`` (number of CDs), in file order.

    Examples
    --------
    >>> tx = cdnow(sample=True)
    >>> tx["customer_id"].nunique(), len(tx)
    (2357, 6919)
    """
    if sample:
        return load_transactions(raw_path("CDNOW_sample.txt"), header=False,
                                 names=["customer_id", "sample_id", "date", "quantity", "amount"])
    return load_transactions(raw_path("CDNOW_master.txt"), customer_col="customer_id", date_col="date",
                             amount_col="dollar_value", quantity_col="number_of_cds")


def donations() -> pd.DataFrame:
    """Repeat donations of 11,104 first-time supporters of a non-profit, 1995 cohort.

    Each row is a cell of identical donors over 6 annual opportunities (1996–2001):
    ``frequency`` (repeat donations), ``recency`` (year of the last one, 0 = none),
    ``n_periods`` (6) and ``weights`` (number of donors), the input of the BG/BB model
    (Fader, Hardie & Shang 2010).

    Examples
    --------
    >>> d = donations()
    >>> int(d["weights"].sum()), int(d["n_periods"].max())
    (11104, 6)
    """
    frame = pd.read_csv(raw_path("donations.csv"))
    return frame.rename(columns={"periods": "n_periods"}).astype("int64")


def sbg_retention() -> pd.DataFrame:
    """Percent of an initial cohort still subscribed, years 0–12 (Fader & Hardie 2007).

    Columns ``year``, ``regular`` and ``high_end`` (percent alive). Years 0–7 are the
    paper's fitting window, 8–12 its holdout; the paper's cohorts had 1,000 customers,
    so ``pct × 10`` is the number still active.

    Examples
    --------
    >>> sbg_retention().loc[1, ["regular", "high_end"]].tolist()
    [63.1, 86.9]
    """
    frame = pd.read_csv(raw_path("sbg_retention_fader_hardie_2007.csv"))
    return frame.rename(columns={"regular_pct_alive": "regular", "high_end_pct_alive": "high_end"})


#: Names accepted by :func:`load_dataset` for the bundled transaction logs.
BUNDLED = ("cdnow", "cdnow_sample", "retail_demo")


def load_dataset(data: str | os.PathLike | pd.DataFrame, **options) -> pd.DataFrame:
    """A transaction log from a bundled name, a file path or a DataFrame.

    The single entry point the study notebooks use for their ``data`` parameter:
    ``"cdnow"``, ``"cdnow_sample"`` and ``"retail_demo"`` (20,000 simulated retail
    customers, seed 2024) are bundled; anything else goes to
    :func:`cvm_lib.data.load_transactions` with ``options`` (column mapping, policies;
    options given as ``None`` are left at their defaults). A run's validated snapshot
    (:mod:`cvm_lib.report.snapshot`) is read back as written.

    Examples
    --------
    >>> load_dataset("cdnow_sample")["customer_id"].nunique()
    2357
    """
    options = {name: value for name, value in options.items() if value is not None}
    if isinstance(data, str) and data in BUNDLED:
        if options:
            raise ValueError(f"options {sorted(options)} apply to files, not to the bundled data set {data!r}")
        if data == "retail_demo":
            from cvm_lib.datasets.simulate import simulate_retail

            return simulate_retail(20_000, seed=2024).transactions
        return cdnow(sample=data == "cdnow_sample")
    if isinstance(data, (str, os.PathLike)) and Path(data).suffix.lower() in (".parquet", ".pq"):
        from cvm_lib.report.snapshot import is_snapshot, read_snapshot

        if is_snapshot(data):  # a run's validated snapshot (cvm run): read as written, not parsed again
            if options:
                raise ValueError(f"options {sorted(options)} do not apply to a validated snapshot ({data})")
            return read_snapshot(data)
    if isinstance(data, str) and not Path(data).suffix and not Path(data).exists():
        raise ValueError(f"data={data!r} is neither a bundled data set ({', '.join(BUNDLED)}) nor an existing file")
    return load_transactions(data, **options)


def summary_source(data: Any, tx: pd.DataFrame) -> Any:
    """What to hand the summaries: the Parquet source ``data`` when it is large, else ``tx``.

    ``tx`` is the log :func:`load_dataset` read from ``data``. When ``data`` is a Parquet
    file, folder or glob (such as a run's validated snapshot) of at least
    :data:`cvm_lib.engines.DUCKDB_MIN_ROWS` rows (20M; ``$CVM_DUCKDB_MIN_ROWS``), the path is
    returned, so that :func:`~cvm_lib.summary.rfm_summary`,
    :func:`~cvm_lib.summary.calibration_holdout`, :func:`~cvm_lib.summary.summary_counts`
    and :func:`~cvm_lib.summary.cohort_table` aggregate it in DuckDB, out of core, with
    identical results. Otherwise (smaller sources, bundled names, CSV and Excel files,
    database sources, DataFrames) ``tx`` itself is returned and summarised in memory.
    ``tx`` must be the log as loaded: when its number of rows differs from the source's
    (it was filtered), ``tx`` is returned, as the file no longer describes it.

    Examples
    --------
    >>> tx = load_dataset("cdnow_sample")
    >>> summary_source("cdnow_sample", tx) is tx
    True
    """
    from cvm_lib.engines import duckdb_min_rows, parquet_rows

    if isinstance(data, pd.DataFrame) or not isinstance(data, (str, os.PathLike)) or \
            (isinstance(data, str) and data in BUNDLED):
        return tx
    rows = parquet_rows(data)
    if rows is None or rows < duckdb_min_rows() or rows != len(tx):
        return tx
    return os.fspath(data)


def __getattr__(name: str):
    # The simulator pulls in more code; import it only when asked for.
    if name in ("simulate_retail", "RetailData"):
        from cvm_lib.datasets import simulate

        return getattr(simulate, name)
    raise AttributeError(f"module 'cvm_lib.datasets' has no attribute {name!r}")
