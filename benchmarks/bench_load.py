"""Loading large transaction files: time and peak memory of ``load_transactions``.

Compares, in one run, on a synthetic CSV of N rows (default 10 million; written once to a
temporary folder, UTF-8 and GB18030 with Chinese headers):

* ours: ``cvm_lib.data.load_transactions`` (pyarrow reader, full validation and parsing);
* plain pandas: ``pd.read_csv(..., parse_dates=...)`` with no validation;
* DuckDB: ``read_csv`` into a DataFrame.

Each contender runs in a fresh subprocess so its peak resident memory (ru_maxrss) is its
own. Run:  python benchmarks/bench_load.py --rows 1e7
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
import pandas as pd


def write_csv(path: Path, rows: int, encoding: str, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    chunk = 2_000_000
    header = "客户编号,交易日期,金额\n" if encoding != "utf-8" else "customer_id,date,amount\n"
    with open(path, "w", encoding=encoding, newline="") as fh:
        fh.write(header)
        for start in range(0, rows, chunk):
            n = min(chunk, rows - start)
            ids = rng.integers(0, max(rows // 10, 1), n)
            days = np.datetime64("2023-01-01") + rng.integers(0, 730, n).astype("timedelta64[D]")
            amounts = np.round(rng.gamma(2.0, 15.0, n), 2)
            frame = pd.DataFrame({"c": np.char.add("C", ids.astype(str)), "d": days.astype(str), "a": amounts})
            frame.to_csv(fh, header=False, index=False)


def worker(kind: str, path: str) -> None:
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    if kind == "ours":
        from cvm_lib.data import load_transactions

        frame = load_transactions(path)
    elif kind == "pandas":
        frame = pd.read_csv(path, encoding="utf-8" if "utf8" in path else "gb18030")
        frame[frame.columns[1]] = pd.to_datetime(frame[frame.columns[1]], format="ISO8601")
    else:
        import duckdb

        if "utf8" not in path:
            print(json.dumps({"kind": kind, "skipped": "DuckDB's CSV reader does not read GB18030"}))
            return
        frame = duckdb.sql(f"select * from read_csv('{path}')").df()
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"kind": kind, "seconds": seconds, "peak_mb": peak / 1024, "baseline_mb": base / 1024,
                      "rows": len(frame)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=float, default=1e7)
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker)
        return
    rows = int(args.rows)
    print(f"machine: {os.cpu_count()} cores; pandas {pd.__version__}, numpy {np.__version__}")
    with tempfile.TemporaryDirectory() as tmp:
        for encoding, tag in (("utf-8", "utf8"), ("gb18030", "gb18030")):
            path = Path(tmp) / f"tx_{tag}.csv"
            write_csv(path, rows, encoding)
            size = path.stat().st_size / 2**20
            print(f"\n{rows:,} rows, {encoding}, {size:,.0f} MB on disk")
            print(f"{'contender':<10} {'seconds':>8} {'ratio':>7} {'peak MB':>9}")
            ours = None
            for kind in ("ours", "pandas", "duckdb"):
                out = subprocess.run([sys.executable, __file__, "--worker", kind, str(path)], capture_output=True,
                                     text=True, check=True)
                result = json.loads(out.stdout.strip().splitlines()[-1])
                if "skipped" in result:
                    print(f"{kind:<10} {result['skipped']}")
                    continue
                ours = ours or result["seconds"]
                print(f"{kind:<10} {result['seconds']:>8.2f} {result['seconds'] / ours:>6.2f}x "
                      f"{result['peak_mb']:>9,.0f}")
    print("\nratio = contender time / our time (>1: we are faster). Peak = max resident set of the process.")


if __name__ == "__main__":
    main()
