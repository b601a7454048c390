"""Spark back-end: summaries of a PySpark DataFrame, computed in Spark.

The DataFrame needs the tidy columns ``customer_id``, ``date`` (date or timestamp; the
calendar day in the session time zone counts, so set ``spark.sql.session.timeZone`` to
the zone the pandas path sees, e.g. ``"UTC"`` for naive timestamps written by pandas) and
``amount``. The queries of
:mod:`cvm_lib.engines.sql` run in Spark SQL over a temporary view; only their result
(one row per customer, or per distinct ``(frequency, recency, T)`` with
:func:`cvm_lib.summary.summary_counts`) is collected to the driver, through Arrow.

Example (a cluster, or ``local[*]``)::

    from pyspark.sql import SparkSession
    from cvm_lib.summary import summary_counts
    from cvm_lib.clv import BetaGeo

    spark = SparkSession.builder.getOrCreate()
    tx = spark.read.parquet("s3://bucket/transactions/")
    counts = summary_counts(tx, observation_end="2025-12-31", time_unit="W")
    model = BetaGeo().fit(counts, weights="weights")
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import numpy as np
import pandas as pd

from cvm_lib.data import CvmDataError


def query(source: Any, build) -> tuple[Any, ...]:
    """Run ``build(name, last_day, n_rows)`` → list of SQL over the view ``tx``; pandas frames back."""
    from pyspark.sql import functions as F

    spark = source.sparkSession
    name = "<Spark DataFrame>"
    types = dict(source.dtypes)
    missing = [c for c in ("customer_id", "date", "amount") if c not in types]
    if missing:
        raise CvmDataError(f"{name} lacks column(s) {missing} (has {sorted(types)}); select or rename the tidy "
                           "columns customer_id, date, amount", source=name, column=missing[0])
    if not (types["date"] == "date" or types["date"].startswith("timestamp")):
        raise CvmDataError(f"{name}: column 'date' is {types['date']}, not a date or timestamp; "
                           "convert it with F.to_date", source=name, column="date")
    view = f"cvm_tx_{uuid.uuid4().hex}"
    tidy = source.select(F.col("customer_id").cast("string").alias("cid"), F.to_date("date").alias("day"),
                         F.col("amount").cast("double").alias("amount"))
    tidy.createOrReplaceTempView(view)
    try:
        n, last, bad = spark.sql(
            f"SELECT COUNT(*), MAX(day), COUNT_IF(cid IS NULL OR day IS NULL OR amount IS NULL OR isnan(amount)) "
            f"FROM {view}").first()
        if bad:
            raise CvmDataError(f"{name} has {bad:,} row(s) with a missing customer_id, date or amount; filter "
                               "them before summarising", source=name, n_rows=int(bad))
        last_day = None if last is None else int(np.datetime64(last, "D").astype(np.int64))
        out = []
        for sql in build(name, last_day, int(n)):
            out.append(_to_pandas(spark.sql(re.sub(r"\btx\b", view, sql))))
        return tuple(out)
    finally:
        spark.catalog.dropTempView(view)


def _to_pandas(df) -> pd.DataFrame:
    import warnings

    with warnings.catch_warnings():  # pyspark 4 warns about pandas 3 on every collect; the result is checked
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        result = df.toPandas()
    for name, kind in df.dtypes:
        if kind == "date" and name in result:
            result[name] = pd.to_datetime(result[name])
    return result
