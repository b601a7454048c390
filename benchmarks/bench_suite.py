"""The study suite at scale: ``cvm run`` of 00-03 on a large simulated log.

Generates a transaction log with :func:`cvm_lib.datasets.simulate_retail`
(default 1M customers, about 10M transactions, daily dates over three years:
customers acquired during 2023, observed to 2025-12-31, purchase rates raised
so that a customer averages ~10 purchases) into a Parquet file outside git
(``--tmpdir``, default ``/work/tmp-scale`` or ``$TMPDIR``), then runs each study
with ``cvm run STUDY --data FILE`` in its own process and records

* **seconds**: wall time of the ``cvm run`` process (kernel start included);
* **peak MB**: the largest sum of resident memory over the ``cvm`` process and
  all its descendants (the notebook kernel), polled from ``/proc`` every
  0.1 s (MB = 10^6 bytes), and the largest single process;
* the **slowest cells** of each executed notebook (papermill's per-cell
  durations from the output notebook), so that a regression points at the
  call that caused it.

By default the studies run together, as a user runs them (``cvm run 00 01 02 03
--data FILE``: the log is loaded and validated once, in the ``cvm`` process, and
every study reads the validated snapshot); ``--separately`` runs one ``cvm run``
per study, so that each study's own time and memory show.

Usage::

    python benchmarks/bench_suite.py                       # 1M customers (~10M rows)
    python benchmarks/bench_suite.py --customers 1e5       # while iterating
    python benchmarks/bench_suite.py --separately           # one cvm run per study
    python benchmarks/bench_suite.py --studies 03_retention --cells 10
    python benchmarks/bench_suite.py --json reports/bench_suite.json

Targets (issue 11): the four studies together in <= 300 s and <= 4000 MB peak
on 2 cores at 1M customers / 10M transactions.  Not a timed test: it prints the
figures and a verdict line.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STUDIES = ("00_data_overview", "01_segmentation", "02_value_chain", "03_retention")
TARGET_SECONDS, TARGET_MB = 300.0, 4000.0
#: Calls that load the transaction log in the notebooks (their cell is the "load" time).
LOAD_CALLS = ("load_dataset(", "load_case(", "load_transactions(")
PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def make_log(n_customers: int, path: Path, seed: int) -> dict:
    """Simulate the log and write it to ``path`` (Parquet); return its size."""
    from cvm_lib.datasets import simulate_retail

    channels = ("organic", "price_promotion", "referral", "product_event")
    data = simulate_retail(n_customers, seed=seed, start="2023-01-01", acquisition_days=365,
                           end="2025-12-31", purchase_params={c: {"alpha": 3.7} for c in channels},
                           survey_share=0.0)
    tx = data.transactions
    tx.to_parquet(path, index=False)
    info = {"customers": int(tx["customer_id"].nunique()), "transactions": len(tx),
            "first": str(tx["date"].min().date()), "last": str(tx["date"].max().date()),
            "bytes": path.stat().st_size}
    return info


def _tree_rss(root_pid: int) -> tuple[int, int]:
    """(sum, max) resident bytes over ``root_pid`` and its descendants."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            ppid = int(fields[1])
            with open(f"/proc/{entry}/statm") as fh:
                pages = int(fh.read().split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
        rss[int(entry)] = pages * PAGE
    total, largest, todo = 0, 0, [root_pid]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        largest = max(largest, rss.get(pid, 0))
        todo.extend(children.get(pid, []))
    return total, largest


def run_study(study: str | list[str], data: Path, out: Path, extra: list[str]) -> dict:
    """One ``cvm run`` of ``study`` (a name, or several names run together in one process)."""
    names = [study] if isinstance(study, str) else list(study)
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    cvm = Path(sys.executable).with_name("cvm")
    cmd = [str(cvm) if cvm.exists() else sys.executable, *([] if cvm.exists() else ["-m", "cvm_lib.cli"]),
           "run", *names, "--data", str(data), "--out", str(out), "--quiet", *extra]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak = {"sum": 0, "max": 0}
    samples: list[tuple[float, int]] = []  # (epoch seconds, summed RSS) for the per-cell memory
    done = threading.Event()

    def poll() -> None:
        while not done.is_set():
            total, largest = _tree_rss(proc.pid)
            peak["sum"] = max(peak["sum"], total)
            peak["max"] = max(peak["max"], largest)
            samples.append((time.time(), total))
            time.sleep(0.1)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    output, _ = proc.communicate()
    seconds = time.perf_counter() - start
    done.set()
    poller.join()
    cells = sorted((c for name in names for c in _cell_times(out / "latest" / f"{name}.ipynb")), reverse=True)
    memory = sorted((c for name in names for c in _cell_memory(out / "latest" / f"{name}.ipynb", samples, name)),
                    reverse=True)
    return {"study": " + ".join(names), "seconds": seconds, "peak_mb": peak["sum"] / 1e6, "largest_process_mb": peak["max"] / 1e6,
            "returncode": proc.returncode, "cells": cells, "memory_cells": memory,
            "output": output[-3000:] if proc.returncode else ""}


def _epoch(stamp: str | None) -> float | None:
    """Papermill's ISO time stamps (UTC, possibly without a zone) as epoch seconds."""
    from datetime import datetime, timezone

    if not stamp:
        return None
    when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return (when if when.tzinfo else when.replace(tzinfo=timezone.utc)).timestamp()


def _cell_memory(path: Path, samples: list[tuple[float, int]], study: str) -> list[tuple[float, str]]:
    """Largest summed RSS (MB) polled while each code cell ran, from papermill's start/end times."""
    if not path.exists() or not samples:
        return []
    nb = json.loads(path.read_text(encoding="utf-8"))
    times = [t for t, _ in samples]
    import bisect

    rows = []
    for cell in nb["cells"]:
        meta = cell.get("metadata", {}).get("papermill") or {}
        start, end = _epoch(meta.get("start_time")), _epoch(meta.get("end_time"))
        if cell["cell_type"] != "code" or start is None or end is None:
            continue
        lo, hi = bisect.bisect_left(times, start), bisect.bisect_right(times, end + 0.1)
        if hi > lo:
            first = "".join(cell["source"]).strip().splitlines() or [""]
            rows.append((max(rss for _, rss in samples[lo:hi]) / 1e6, f"{study}: {first[0][:80]}"))
    return rows


def _cell_times(path: Path) -> list[tuple[float, str]]:
    if not path.exists():
        return []
    nb = json.loads(path.read_text(encoding="utf-8"))
    rows = []
    for cell in nb["cells"]:
        duration = (cell.get("metadata", {}).get("papermill") or {}).get("duration")
        if cell["cell_type"] == "code" and duration is not None:
            first = "".join(cell["source"]).strip().splitlines() or [""]
            loads = any(call in "".join(cell["source"]) for call in LOAD_CALLS)
            rows.append((float(duration), ("[load] " if loads else "") + first[0][:90]))
    return sorted(rows, reverse=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=float, default=1e6)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--studies", nargs="+", default=list(STUDIES))
    parser.add_argument("--tmpdir", default=os.environ.get("CVM_BENCH_TMP", "/work/tmp-scale"))
    parser.add_argument("--cells", type=int, default=5, help="slowest cells shown per study")
    parser.add_argument("--json", help="also write the figures as JSON")
    parser.add_argument("-p", "--parameter", action="append", default=[], help="passed to cvm run")
    parser.add_argument("--separately", action="store_true",
                        help="one cvm run per study (each loads and validates the log itself) instead of one "
                             "cvm run of all studies, which validates the log once and shares its snapshot")
    args = parser.parse_args(argv)

    tmp = Path(args.tmpdir)
    tmp.mkdir(parents=True, exist_ok=True)
    n = int(args.customers)
    data = tmp / f"retail_{n}_s{args.seed}.parquet"
    info_path = data.with_suffix(".json")
    if data.exists() and info_path.exists():
        info = json.loads(info_path.read_text())
        print(f"reusing {data}", file=sys.stderr)
    else:
        t0 = time.perf_counter()
        info = make_log(n, data, args.seed)
        info["simulate_seconds"] = time.perf_counter() - t0
        info_path.write_text(json.dumps(info))
    print(f"log: {info['customers']:,} customers, {info['transactions']:,} transactions, "
          f"{info['first']} .. {info['last']}, {info['bytes'] / 1e6:.0f} MB Parquet ({data})")

    extra = [x for p in args.parameter for x in ("-p", p)]
    results = []
    for study in (args.studies if args.separately else [args.studies]):
        print(f"running {study} ...", file=sys.stderr, flush=True)
        results.append(run_study(study, data, tmp / "reports", extra))
        r = results[-1]
        print(f"  {r['seconds']:.1f} s, {r['peak_mb']:.0f} MB, exit {r['returncode']}", file=sys.stderr, flush=True)

    for r in results:
        r["load_seconds"] = sum(sec for sec, text in r["cells"] if text.startswith("[load]"))
    print(f"\n{'study':<20}{'seconds':>10}{'of which load':>15}{'peak MB':>10}{'largest':>10}{'exit':>6}")
    for r in results:
        print(f"{r['study']:<20}{r['seconds']:>10.1f}{r['load_seconds']:>15.1f}{r['peak_mb']:>10.0f}"
              f"{r['largest_process_mb']:>10.0f}{r['returncode']:>6}")
    total = sum(r["seconds"] for r in results)
    load = sum(r["load_seconds"] for r in results)
    peak = max(r["peak_mb"] for r in results)
    print(f"{'total':<20}{total:>10.1f}{load:>15.1f}{peak:>10.0f}")
    for r in results:
        print(f"\nslowest cells of {r['study']}:")
        for seconds, text in r["cells"][: args.cells]:
            print(f"  {seconds:8.1f} s  {text}")
        if r["memory_cells"]:
            print(f"cells at the highest memory (MB, cvm + kernel while the cell ran) of {r['study']}:")
            for mb, text in r["memory_cells"][: args.cells]:
                print(f"  {mb:8.0f} MB  {text}")
        if r["returncode"]:
            print(r["output"])
    ok = total <= TARGET_SECONDS and peak <= TARGET_MB and all(r["returncode"] == 0 for r in results)
    print(f"\nverdict: {total:.0f} s (target <= {TARGET_SECONDS:.0f}), peak {peak:.0f} MB "
          f"(target <= {TARGET_MB:.0f}): {'met' if ok else 'NOT met'}; "
          f"without the log's loading and validation (load_transactions, issue 10): {total - load:.0f} s")
    if args.json:
        Path(args.json).write_text(json.dumps({"log": info, "studies": results}, indent=1))
    return 0 if all(r["returncode"] == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
