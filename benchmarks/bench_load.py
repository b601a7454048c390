"""Loading large transaction logs: time and peak memory of ``load_transactions`` against bare readers.

One run, on a synthetic log of N rows (default 10 million: ids ``C<number>`` for N/10 customers,
two years of dates, gamma-distributed amounts with two decimals), written once to a temporary
folder as Parquet and as UTF-8 CSV. Contenders, each in a fresh subprocess so that its peak
resident memory (VmHWM) is its own:

* Parquet: ``pyarrow.parquet.read_table`` (bare read, no checks) vs ``load_transactions``
  (read, column mapping, every check of the contract, pandas result);
* CSV: DuckDB ``read_csv`` into a DataFrame (type inference, dates parsed) vs
  ``load_transactions``; plain ``pandas.read_csv`` for reference.

Targets (issue 10): ours <= 3x the bare Parquet read, <= 1.5x DuckDB on CSV, peak < 2.5 GB
at 10M rows. Run:  python benchmarks/bench_load.py --rows 1e7
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

TARGETS = {"parquet": 3.0, "csv": 1.5}
PEAK_TARGET_MB = 2.5 * 1024


def write_data(folder: Path, rows: int, seed: int = 0) -> tuple[Path, Path]:
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    ids = rng.integers(0, max(rows // 10, 1), rows)
    days = np.datetime64("2023-01-01") + rng.integers(0, 730, rows).astype("timedelta64[D]")
    table = pa.table({"customer_id": pa.array(np.char.add("C", ids.astype(str))),
                      "date": pa.array(days).cast(pa.timestamp("us")),
                      "amount": np.round(rng.gamma(2.0, 15.0, rows), 2)})
    parquet = folder / "tx.parquet"
    pq.write_table(table, parquet)
    csv = folder / "tx.csv"
    text = table.set_column(1, "date", table["date"].cast(pa.date32()).cast(pa.string()))
    pacsv.write_csv(text, csv, write_options=pacsv.WriteOptions(quoting_style="none"))
    return parquet, csv


def peak_mb() -> float:
    """Peak resident memory of this process (VmHWM; ru_maxrss would include the parent's at fork)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(kind: str, path: str) -> None:
    # Imports happen before the clock starts: the time is the load, not the start-up.
    import pandas as pd
    import pyarrow.csv  # noqa: F401
    import pyarrow.parquet as pq

    if kind == "ours":
        from cvm_lib.data import load_transactions
    elif kind == "duckdb":
        import duckdb
    base = peak_mb()
    start = time.perf_counter()
    if kind == "ours":
        n = len(load_transactions(path))
    elif kind == "arrow":
        n = pq.read_table(path).num_rows
    elif kind == "pandas":
        frame = pd.read_csv(path)
        frame["date"] = pd.to_datetime(frame["date"], format="ISO8601")
        n = len(frame)
    elif kind == "duckdb":
        n = len(duckdb.sql(f"select * from read_csv('{path}')").df())
    else:
        raise ValueError(kind)
    seconds = time.perf_counter() - start
    peak = peak_mb()
    print(json.dumps({"kind": kind, "seconds": seconds, "peak_mb": peak, "start_mb": base, "rows": n}))


def run(kind: str, path: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]) + os.pathsep
               + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run([sys.executable, __file__, "--worker", kind, str(path)], capture_output=True, text=True,
                         env=env)
    if out.returncode:
        return {"kind": kind, "error": out.stderr.strip().splitlines()[-1] if out.stderr else "failed"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=float, default=1e7)
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker)
        return
    import pandas as pd
    import pyarrow as pa

    rows = int(args.rows)
    print(f"machine: {os.cpu_count()} cores; pandas {pd.__version__}, pyarrow {pa.__version__}, "
          f"numpy {np.__version__}")
    with tempfile.TemporaryDirectory() as tmp:
        parquet, csv = write_data(Path(tmp), rows)
        plans = (("parquet", parquet, "arrow", ("ours",)), ("csv", csv, "duckdb", ("ours", "pandas")))
        for fmt, path, base_kind, others in plans:
            print(f"\n{rows:,} rows, {fmt}, {path.stat().st_size / 2**20:,.0f} MB on disk")
            print(f"{'contender':<10} {'seconds':>8} {'ratio':>7} {'peak MB':>9} {'after imports':>14}")
            base = run(base_kind, path)
            results = [base] + [run(k, path) for k in others]
            for r in results:
                if "error" in r:
                    print(f"{r['kind']:<10} failed: {r['error']}")
                    continue
                ratio = r["seconds"] / base["seconds"] if "seconds" in base else float("nan")
                print(f"{r['kind']:<10} {r['seconds']:>8.2f} {ratio:>6.2f}x {r['peak_mb']:>9,.0f} "
                      f"{r['start_mb']:>14,.0f}")
            ours = next(r for r in results if r["kind"] == "ours")
            if "seconds" in ours and "seconds" in base:
                ratio = ours["seconds"] / base["seconds"]
                print(f"ours / {base_kind}: {ratio:.2f}x (target <= {TARGETS[fmt]}x: "
                      f"{'met' if ratio <= TARGETS[fmt] else 'NOT met'}); peak {ours['peak_mb']:,.0f} MB "
                      f"(target < {PEAK_TARGET_MB:,.0f} MB: {'met' if ours['peak_mb'] < PEAK_TARGET_MB else 'NOT met'})")
    print("\nratio = contender time / baseline time (bare pyarrow read for Parquet, DuckDB read_csv for CSV). "
          "Peak = max resident set (VmHWM) of the worker process, imports included.")


if __name__ == "__main__":
    main()
