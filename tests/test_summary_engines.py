"""The summaries give the same results in pandas, DuckDB (Parquet, out of core) and Spark.

Same data written to Parquet / handed to Spark: CDNOW and hand-built edge cases
(one-purchase customers, same-day purchases, customers first seen after
``calibration_end``, string ids with leading zeros, integer ids). Spark tests use one
local session per module and are marked ``spark`` (``-m "not spark"`` skips them).
"""

import os
import shutil

import numpy as np
import pandas as pd
import pytest

from cvm_lib.clv import BetaGeo
from cvm_lib.data import CvmDataError
from cvm_lib.datasets import cdnow
from cvm_lib.summary import calibration_holdout, cohort_table, rfm_summary, summary_counts


def assert_same(a: pd.DataFrame, b: pd.DataFrame):
    assert list(a.index) == list(b.index)
    assert list(a.columns) == list(b.columns)
    assert a.attrs == b.attrs
    np.testing.assert_allclose(a.to_numpy(dtype=float), b.to_numpy(dtype=float), rtol=1e-12, atol=1e-12)


def edge_log() -> pd.DataFrame:
    rows = [
        ("007", "2024-01-01 09:00", 10.0), ("007", "2024-01-01 18:00", 5.0),  # same-day purchases
        ("007", "2024-01-20", 30.0), ("007", "2024-02-15", 8.0),  # a holdout purchase
        ("7", "2024-01-05", 20.0),  # one purchase; leading zeros make it another customer
        ("010", "2024-02-10", 4.0), ("010", "2024-02-10", 6.0),  # first seen after calibration_end
        ("b", "2024-01-31", 1.5), ("b", "2024-02-01", 2.5), ("b", "2024-03-31", 3.0),
        ("a", "2024-03-31", 9.0),  # on observation_end: counts
        ("a", "2024-04-02", 9.0),  # after observation_end: ignored
    ]
    return pd.DataFrame({"customer_id": pd.array([r[0] for r in rows], dtype="str"),
                         "date": pd.to_datetime([r[1] for r in rows], format="ISO8601"),
                         "amount": [r[2] for r in rows]})


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("engines")
    logs = {"edge": edge_log(), "cdnow": cdnow()}
    ints = edge_log().query("customer_id != '7' and customer_id != '010'").copy()
    ints["customer_id"] = ints["customer_id"].map({"007": 7, "b": 12, "a": 100}).astype("int64")
    logs["int"] = ints
    paths = {}
    for name, tx in logs.items():
        paths[name] = folder / f"{name}.parquet"
        tx.to_parquet(paths[name], index=False, coerce_timestamps="us")  # Spark reads no ns timestamps
    # a folder of two files and a glob over it
    parts = folder / "cdnow_parts"
    parts.mkdir()
    half = len(logs["cdnow"]) // 2
    logs["cdnow"].iloc[:half].to_parquet(parts / "part-0.parquet", index=False)
    logs["cdnow"].iloc[half:].to_parquet(parts / "part-1.parquet", index=False)
    return logs, paths, parts


CALLS = {
    "rfm": lambda tx: rfm_summary(tx, observation_end="2024-03-31", time_unit="W"),
    "rfm_default_end": lambda tx: rfm_summary(tx),
    "holdout": lambda tx: calibration_holdout(tx, calibration_end="2024-01-31", observation_end="2024-03-31"),
}


@pytest.mark.parametrize("call", sorted(CALLS))
@pytest.mark.parametrize("name", ["edge", "int"])
def test_duckdb_on_parquet_equals_pandas_on_edge_cases(data, name, call):
    logs, paths, _ = data
    assert_same(CALLS[call](paths[name]), CALLS[call](logs[name]))


def test_edge_cases_follow_the_conventions(data):
    logs, paths, _ = data
    ch = calibration_holdout(paths["edge"], calibration_end="2024-01-31", observation_end="2024-03-31")
    assert list(ch.index) == ["007", "7", "b"]  # '010' first bought after calibration_end; 'a' too
    assert ch.loc["007", "frequency"] == 1 and ch.loc["007", "monetary_value"] == 30  # same day merged
    assert ch.loc["007", "frequency_holdout"] == 1 and ch.loc["b", "frequency_holdout"] == 2
    assert ch.loc["7", "frequency"] == 0 and ch.loc["7", "monetary_value"] == 0
    summary = rfm_summary(paths["int"])
    assert list(summary.index) == ["100", "12", "7"]  # integer ids sort as text, as in pandas


@pytest.mark.parametrize("source", ["file", "folder", "glob", "relation", "duckdb_table"])
def test_duckdb_sources_on_cdnow_equal_pandas(data, source, tmp_path):
    import duckdb

    logs, paths, parts = data
    con = None
    if source == "file":
        src = paths["cdnow"]
    elif source == "folder":
        src = parts
    elif source == "glob":
        src = str(parts / "part-*.parquet")
    elif source == "relation":
        con = duckdb.connect()
        src = con.read_parquet(str(paths["cdnow"]))
    else:
        db = tmp_path / "tx.duckdb"
        with duckdb.connect(str(db)) as c:
            c.execute(f"CREATE TABLE purchases AS SELECT * FROM read_parquet('{paths['cdnow']}')")
        src = f"duckdb:{db}:purchases"
    kwargs = dict(calibration_end="1997-09-30", observation_end="1998-06-30", time_unit="W")
    assert_same(calibration_holdout(src, **kwargs), calibration_holdout(logs["cdnow"], **kwargs))
    if con is not None:
        con.close()


@pytest.mark.parametrize("period", ["D", "W", "M", "Q", "Y"])
@pytest.mark.parametrize("measure", ["customers", "revenue", "purchases"])
def test_duckdb_cohort_table_equals_pandas(data, period, measure):
    logs, paths, _ = data
    for name in ("edge", "cdnow"):
        end = "2024-03-31" if name == "edge" else None
        if name == "cdnow" and period == "D":
            continue  # 546 columns; the edge log covers daily periods
        ours = cohort_table(logs[name], period=period, measure=measure, observation_end=end, normalize=True)
        duck = cohort_table(paths[name], period=period, measure=measure, observation_end=end, normalize=True)
        pd.testing.assert_frame_equal(duck, ours, rtol=1e-12)
        assert duck.attrs == ours.attrs


def test_summary_counts_fit_equals_fit_on_customers(data):
    logs, paths, _ = data
    summary = rfm_summary(logs["cdnow"], observation_end="1998-06-30", time_unit="W")
    counts = summary_counts(paths["cdnow"], observation_end="1998-06-30", time_unit="W")
    assert counts["weights"].sum() == len(summary)
    assert len(counts) == len(summary.groupby(["frequency", "recency", "T"]).size())
    pd.testing.assert_frame_equal(counts, summary_counts(summary))
    pd.testing.assert_frame_equal(counts, summary_counts(logs["cdnow"], observation_end="1998-06-30",
                                                         time_unit="W"))
    full = BetaGeo().fit(summary)
    compressed = BetaGeo().fit(counts, weights="weights")
    np.testing.assert_allclose(compressed.params_.to_numpy(), full.params_.to_numpy(), rtol=1e-6)
    assert compressed.log_likelihood_ == pytest.approx(full.log_likelihood_, rel=1e-9)


def test_duckdb_errors_name_the_source_and_column(tmp_path):
    bad = tmp_path / "bad.parquet"
    pd.DataFrame({"customer": ["a"], "date": pd.to_datetime(["2024-01-01"]), "amount": [1.0]}).to_parquet(bad)
    with pytest.raises(CvmDataError, match=r"bad.parquet lacks column\(s\) \['customer_id'\]"):
        rfm_summary(bad)
    missing = tmp_path / "missing.parquet"
    pd.DataFrame({"customer_id": ["a", None], "date": pd.to_datetime(["2024-01-01"] * 2),
                  "amount": [1.0, 2.0]}).to_parquet(missing)
    with pytest.raises(CvmDataError, match="1 row"):
        rfm_summary(missing)
    text_dates = tmp_path / "text.parquet"
    pd.DataFrame({"customer_id": ["a"], "date": ["2024-01-01"], "amount": [1.0]}).to_parquet(text_dates)
    with pytest.raises(CvmDataError, match="'date' is VARCHAR"):
        rfm_summary(text_dates)
    with pytest.raises(CvmDataError, match="not found"):
        rfm_summary(tmp_path / "nowhere.parquet")
    with pytest.raises(ValueError, match="must be after calibration_end"):
        calibration_holdout(_one_row(tmp_path), calibration_end="2024-02-01")


def _one_row(tmp_path):
    path = tmp_path / "one.parquet"
    pd.DataFrame({"customer_id": ["a"], "date": pd.to_datetime(["2024-01-01"]), "amount": [1.0]}).to_parquet(path)
    return path


# ----------------------------------------------------------------- Spark (local mode)

spark_available = shutil.which("java") is not None or bool(os.environ.get("JAVA_HOME"))


@pytest.fixture(scope="module")
def spark():
    pyspark = pytest.importorskip("pyspark")  # noqa: F841  (installed from requirements/lock.txt)
    if not spark_available:
        pytest.skip("no Java runtime (make setup installs openjdk-17-jre-headless)")
    from pyspark.sql import SparkSession

    session = (SparkSession.builder.master("local[2]").appName("cvm-tests")
               .config("spark.sql.shuffle.partitions", "4").config("spark.ui.enabled", "false")
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.sql.execution.arrow.pyspark.enabled", "true").getOrCreate())
    yield session
    session.stop()


@pytest.mark.spark
@pytest.mark.slow
def test_spark_equals_pandas_and_duckdb(spark, data):
    logs, paths, _ = data
    for name in ("edge", "int"):
        sdf = spark.read.parquet(str(paths[name]))
        for call in CALLS.values():
            ours = call(logs[name])
            assert_same(call(sdf), ours)
            assert_same(call(paths[name]), ours)
    sdf = spark.read.parquet(str(paths["edge"]))
    pd.testing.assert_frame_equal(cohort_table(sdf, period="W", observation_end="2024-03-31"),
                                  cohort_table(logs["edge"], period="W", observation_end="2024-03-31"))
    cd = spark.read.parquet(str(paths["cdnow"]))
    counts = summary_counts(cd, observation_end="1998-06-30", time_unit="W")
    pd.testing.assert_frame_equal(counts, summary_counts(logs["cdnow"], observation_end="1998-06-30", time_unit="W"))
    assert counts["weights"].sum() == logs["cdnow"]["customer_id"].nunique()


# ----------------------------------------------------------------- automatic engine choice for large sources

def test_summary_source_hands_large_parquet_sources_to_duckdb(data, monkeypatch, tmp_path):
    """summary_source(path, tx) is the path (DuckDB) from the row threshold on, tx below it,
    for filtered logs and for sources that are not Parquet; the summaries agree either way."""
    from cvm_lib.datasets import load_dataset, summary_source
    from cvm_lib.engines import DUCKDB_MIN_ROWS, duckdb_min_rows
    from cvm_lib.report.snapshot import write_snapshot

    assert duckdb_min_rows() == DUCKDB_MIN_ROWS
    snapshot = tmp_path / "run" / "data" / "transactions.parquet"
    write_snapshot(cdnow(), snapshot, source={"source": "cdnow"})
    tx = load_dataset(snapshot)
    assert summary_source(snapshot, tx) is tx  # 69,659 rows: far below 20M
    monkeypatch.setenv("CVM_DUCKDB_MIN_ROWS", str(len(tx)))
    source = summary_source(snapshot, tx)
    assert source == str(snapshot)
    assert_same(rfm_summary(source, time_unit="W"), rfm_summary(tx, time_unit="W"))
    assert_same(calibration_holdout(source, calibration_end="1997-09-30", time_unit="W"),
                calibration_holdout(tx, calibration_end="1997-09-30", time_unit="W"))
    assert isinstance(summary_source(snapshot, tx.iloc[1:]), pd.DataFrame)  # filtered: the file no longer says
    _, _, parts = data
    assert summary_source(parts, tx) == str(parts)  # a folder of files with as many rows
    assert summary_source("cdnow", tx) is tx and summary_source(tx, tx) is tx
    csv = tmp_path / "tx.csv"
    csv.write_text("customer_id,date,amount\na,2024-01-01,1\n")
    monkeypatch.setenv("CVM_DUCKDB_MIN_ROWS", "1")
    small = load_dataset(csv)
    assert summary_source(csv, small) is small
    monkeypatch.setenv("CVM_DUCKDB_MIN_ROWS", str(len(tx) + 1))
    assert summary_source(snapshot, tx) is tx
