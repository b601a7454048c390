"""Benchmark :func:`cvm_lib.summary.rfm_summary` against its peers on large synthetic logs.

Run from the repository root with the project environment::

    python benchmarks/bench_summary.py                          # 1M and 10M rows, sorted and shuffled
    python benchmarks/bench_summary.py --sizes 1e6 1e7          # the same, sizes spelled out
    python benchmarks/bench_summary.py --sizes 5e7 --sorted     # 50M rows, sorted log only
    python benchmarks/bench_summary.py --json reports/bench_summary.json

(``make bench`` runs the default.) Four contenders compute the same BTYD/RFM summary
(``frequency``, ``recency``, ``T``, ``monetary_value`` per customer, daily unit,
inclusive ``observation_end``):

``ours``
    ``rfm_summary(tx, observation_end=END, time_unit="D")``.
``lifetimes``
    ``lifetimes.utils.summary_data_from_transaction_data(..., freq="D")``, the reference
    implementation of the BTYD summary. It is slow, so by default it runs only on logs of
    at most ``--lifetimes-max`` rows (1M); larger sizes print an estimate extrapolated
    linearly from the largest size it ran on. Its pandas deprecation warnings are silenced.
``pandas``
    An idiomatic plain-pandas groupby (dates normalised to days, sum per customer and day,
    then min/max/count/sum/first per customer).
``duckdb``
    One SQL query over the pandas DataFrame registered with DuckDB (default threads).

Synthetic logs have ``n/10`` customers with ids ``C0000001, ...`` (pandas ``str`` dtype),
heterogeneous purchase counts (Poisson–gamma), first purchases spread over two years
(2024-01-01 .. 2025-12-31) with repeat purchases after them, about 5 % extra purchases
on a customer's first purchase day (same-day merges), random times of day and
gamma-distributed amounts in cents. Each log is built once per size, in two row orders:
sorted by customer and date (as logs are usually loaded) and shuffled (worst case).
Generation is not timed.

Method
------
Every contender runs in a fresh worker process (this script with the hidden ``--worker``
flag) that loads the pickled log from a temporary directory, so one contender's memory
does not leak into another's figures. ``seconds`` is the best wall-clock time of
``--repeat`` calls (default 3 for logs up to 10M rows, 2 above). ``peak MB`` is the extra
resident memory the call needed on top of the loaded log: on Linux the kernel's peak-RSS
counter (``VmHWM``) is reset through ``/proc/self/clear_refs`` just before the call, and
the figure is ``VmHWM`` after the call minus ``VmRSS`` before it (largest over repeats;
MB = 10**6 bytes). Elsewhere ``ru_maxrss`` after the call minus the RSS after loading is
used, which under-reports when loading itself peaked higher.

Every contender's frame must equal ours: the same customer index (lifetimes' output is
sorted first, as it does not promise an order) and ``np.allclose(..., rtol=1e-9)`` on all
four columns. A mismatch, or a failure of ours, pandas or DuckDB, makes the script exit
with status 1 after printing the tables; a lifetimes failure is reported and skipped.

Ratios are *their time / our time*: above 1 means ours is faster. Targets: at least 1.0x
against DuckDB and at least 6x against lifetimes.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import pickle
import platform
import sys
import tempfile
import time
import traceback
import warnings
from datetime import date
from pathlib import Path
from typing import Any, Callable

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # benchmark the checkout this script lives in

#: Observation window of the synthetic logs (inclusive); all purchases fall inside it.
START = "2024-01-01"
END = "2025-12-31"
N_DAYS = 731

COLUMNS = ["frequency", "recency", "T", "monetary_value"]
CONTENDERS = ("ours", "lifetimes", "pandas", "duckdb")
#: Ratio targets (their time / our time) reported in the verdict.
TARGETS = {"duckdb": 1.0, "lifetimes": 6.0}
TARGET_TEXT = {"duckdb": "1.0", "lifetimes": "6"}
#: Rough peak memory per row of log of the hungriest worker (the loaded log plus the
#: pandas groupby on a shuffled log: ~150 B/row measured at 10M), with headroom; sizes
#: needing more than the available memory are skipped.
BYTES_PER_ROW = 200

MB = 1e6


# --------------------------------------------------------------------------- contenders

def run_ours(tx):
    from cvm_lib.summary import rfm_summary

    return rfm_summary(tx, observation_end=END, time_unit="D")


def run_lifetimes(tx):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas deprecation warnings lifetimes triggers under pandas 3
        from lifetimes.utils import summary_data_from_transaction_data

        return summary_data_from_transaction_data(tx, "customer_id", "date", monetary_value_col="amount",
                                                  observation_period_end=END, freq="D")


def run_pandas(tx):
    """Idiomatic plain pandas: normalise to days, sum per customer-day, aggregate per customer."""
    import pandas as pd

    end = pd.Timestamp(END)
    day = tx["date"].dt.normalize()
    inside = day <= end
    if not inside.all():
        tx, day = tx[inside], day[inside]
    daily = (tx.assign(day=day)
             .groupby(["customer_id", "day"], sort=True)["amount"].sum()
             .reset_index())  # sorted by customer, then day
    per = daily.groupby("customer_id", sort=True).agg(
        first=("day", "min"), last=("day", "max"), n=("day", "size"),
        total=("amount", "sum"), first_spend=("amount", "first"))
    one_day = pd.Timedelta(days=1)
    frequency = (per["n"] - 1).astype("float64")
    return pd.DataFrame({
        "frequency": frequency,
        "recency": (per["last"] - per["first"]) / one_day,
        "T": (end - per["first"]) / one_day,
        "monetary_value": ((per["total"] - per["first_spend"]) / frequency).where(frequency > 0, 0.0),
    })


DUCKDB_SQL = f"""
WITH daily AS (      -- one row per customer and purchase day
    SELECT customer_id, CAST(date AS DATE) AS day, SUM(amount) AS spend
    FROM tx
    WHERE CAST(date AS DATE) <= DATE '{END}'
    GROUP BY customer_id, day
), per AS (
    SELECT customer_id, COUNT(*) AS n, MIN(day) AS first_day, MAX(day) AS last_day,
           SUM(spend) AS total, arg_min(spend, day) AS first_spend
    FROM daily
    GROUP BY customer_id
)
SELECT CAST(customer_id AS VARCHAR) AS customer_id,   -- ids as text, as rfm_summary
       CAST(n - 1 AS DOUBLE) AS frequency,
       CAST(last_day - first_day AS DOUBLE) AS recency,
       CAST(DATE '{END}' - first_day AS DOUBLE) AS "T",
       CASE WHEN n > 1 THEN (total - first_spend) / (n - 1) ELSE 0.0 END AS monetary_value
FROM per
ORDER BY 1
"""


def run_duckdb(tx):
    import duckdb

    con = duckdb.connect()  # default settings: as many threads as cores
    try:
        con.register("tx", tx)
        return con.sql(DUCKDB_SQL).df().set_index("customer_id")
    finally:
        con.close()


#: Calibration end of ``--call holdout``: 18 months of calibration, 6 of holdout.
CALIBRATION_END = "2025-06-30"
HOLDOUT_COLUMNS = COLUMNS + ["frequency_holdout", "monetary_value_holdout", "duration_holdout"]


def run_ours_holdout(tx):
    from cvm_lib.summary import calibration_holdout

    return calibration_holdout(tx, calibration_end=CALIBRATION_END, observation_end=END, time_unit="D")


DUCKDB_HOLDOUT_SQL = f"""
WITH daily AS (      -- one row per customer and purchase day, inside the observation window
    SELECT customer_id, CAST(date AS DATE) AS day, SUM(amount) AS spend
    FROM tx
    WHERE CAST(date AS DATE) <= DATE '{END}'
    GROUP BY customer_id, day
), cal AS (
    SELECT customer_id, COUNT(*) AS n, MIN(day) AS first_day, MAX(day) AS last_day,
           SUM(spend) AS total, arg_min(spend, day) AS first_spend
    FROM daily WHERE day <= DATE '{CALIBRATION_END}'
    GROUP BY customer_id
), hold AS (
    SELECT customer_id, COUNT(*) AS n_hold, SUM(spend) AS spend_hold
    FROM daily WHERE day > DATE '{CALIBRATION_END}'
    GROUP BY customer_id
)
SELECT CAST(cal.customer_id AS VARCHAR) AS customer_id,
       CAST(n - 1 AS DOUBLE) AS frequency,
       CAST(last_day - first_day AS DOUBLE) AS recency,
       CAST(DATE '{CALIBRATION_END}' - first_day AS DOUBLE) AS "T",
       CASE WHEN n > 1 THEN (total - first_spend) / (n - 1) ELSE 0.0 END AS monetary_value,
       CAST(COALESCE(n_hold, 0) AS DOUBLE) AS frequency_holdout,
       CASE WHEN n_hold > 0 THEN spend_hold / n_hold ELSE 0.0 END AS monetary_value_holdout,
       CAST(DATE '{END}' - DATE '{CALIBRATION_END}' AS DOUBLE) AS duration_holdout
FROM cal LEFT JOIN hold ON cal.customer_id = hold.customer_id
ORDER BY 1
"""


def run_duckdb_holdout(tx):
    import duckdb

    con = duckdb.connect()
    try:
        con.register("tx", tx)
        return con.sql(DUCKDB_HOLDOUT_SQL).df().set_index("customer_id")
    finally:
        con.close()


RUNNERS: dict[str, Callable] = {"ours": run_ours, "parquet": run_ours, "lifetimes": run_lifetimes, "pandas": run_pandas,
                                "duckdb": run_duckdb}
#: ``--call holdout``: calibration_holdout against the same split in DuckDB (the other peers do not take part).
HOLDOUT_RUNNERS: dict[str, Callable] = {"ours": run_ours_holdout, "duckdb": run_duckdb_holdout}


def _preimport(contender: str) -> None:
    """Import what a contender needs before the baseline memory is taken."""
    import pandas  # noqa: F401

    import cvm_lib.summary  # noqa: F401
    if contender == "lifetimes":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import lifetimes.utils  # noqa: F401
    elif contender == "duckdb":
        import duckdb  # noqa: F401


# --------------------------------------------------------------------------- synthetic logs

def make_log(n: int, seed: int, id_kind: str = "code"):
    """A tidy log of ``n`` transactions by ``n // 10`` customers, sorted by customer and date."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    k = max(1, n // 10)
    # Purchases per customer: 1 + multinomial share of the rest, with gamma-distributed
    # propensities (a few heavy buyers, many one- or two-time buyers).
    propensity = rng.gamma(0.6, size=k)
    counts = 1 + rng.multinomial(n - k, propensity / propensity.sum())
    codes = np.repeat(np.arange(k, dtype=np.int64), counts)
    first = rng.integers(0, N_DAYS, size=k)
    first_of_row = first[codes]
    day = first_of_row + (rng.random(n) * (N_DAYS - first_of_row)).astype(np.int64)
    day[np.cumsum(counts) - counts] = first                   # each customer's first purchase
    same_day = rng.random(n) < 0.05
    day[same_day] = first_of_row[same_day]                    # extra purchases on the first day
    seconds = day * 86_400 + rng.integers(0, 86_400, size=n)  # random time of day
    span = N_DAYS * 86_400
    key = np.sort(codes * span + seconds)                     # sort by customer, then time
    seconds = key - codes * span
    del key, day, first_of_row, same_day
    ns = (np.datetime64(START, "s").astype(np.int64) + seconds) * 1_000_000_000
    amount = np.round(rng.gamma(2.0, 25.0, size=n), 2) + 0.01
    ids = make_ids(k, id_kind, rng)
    return pd.DataFrame({"customer_id": ids.take(codes) if id_kind != "int" else ids[codes],
                         "date": ns.view("datetime64[ns]"), "amount": amount})


#: Customer id kinds: fixed-width codes, integers, variable-width digit strings, UUIDs.
ID_KINDS = ("code", "int", "var", "uuid")


def make_ids(k: int, kind: str, rng):
    """``k`` distinct customer ids of one kind (integers as int64, the others as pandas ``str``)."""
    import uuid

    import pandas as pd

    if kind == "code":
        width = max(7, len(str(k)))
        return pd.array([f"C{i:0{width}d}" for i in range(1, k + 1)], dtype="str")
    numbers = rng.permutation(k).astype(np.int64) * 37 + 1  # 1 .. 37k: 1 to 9 digits, unsorted
    if kind == "int":
        return numbers
    if kind == "var":
        return pd.array(numbers.astype(str), dtype="str")
    raw = rng.integers(0, 256, size=(k, 16), dtype=np.uint8)
    return pd.array([str(uuid.UUID(bytes=row.tobytes())) for row in raw], dtype="str")


# --------------------------------------------------------------------------- memory

def _proc_status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS counter (VmHWM) to the current RSS (Linux >= 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _maxrss_bytes() -> int:
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


# --------------------------------------------------------------------------- worker

def worker(spec: dict) -> None:
    """Load the log, time the contender ``repeat`` times, write stats and the result frame."""
    out: dict[str, Any] = {"contender": spec["contender"]}
    try:
        _preimport(spec["contender"])
        fn = (HOLDOUT_RUNNERS if spec.get("call") == "holdout" else RUNNERS)[spec["contender"]]
        if spec["contender"] == "parquet":  # out of core: the call reads the files itself
            tx = spec["log"]
        else:
            with open(spec["log"], "rb") as fh:
                tx = pickle.load(fh)
        gc.collect()
        have_proc = _proc_status_kib("VmRSS") is not None
        base_after_load = (_proc_status_kib("VmRSS") or 0) * 1024
        times, peaks, result = [], [], None
        for _ in range(spec["repeat"]):
            result = None
            gc.collect()
            reset = have_proc and _reset_peak_rss()
            base = _proc_status_kib("VmRSS") * 1024 if reset else base_after_load
            t0 = time.perf_counter()
            result = fn(tx)
            times.append(time.perf_counter() - t0)
            peak = _proc_status_kib("VmHWM") * 1024 if reset else _maxrss_bytes()
            peaks.append(max(0, peak - base))
            out["memory_method"] = "VmHWM reset" if reset else "ru_maxrss"
        out.update(status="ok", times=times, seconds=min(times), peak_mb=max(peaks) / MB, rows=len(result))
        with open(spec["result"], "wb") as fh:
            pickle.dump(result, fh, protocol=5)
        if spec.get("profile"):
            import cProfile
            import pstats

            prof = cProfile.Profile()
            prof.enable()
            fn(tx)
            prof.disable()
            print(f"--- cProfile of {spec['contender']} ({spec['label']}) ---", file=sys.stderr)
            pstats.Stats(prof, stream=sys.stderr).sort_stats("tottime").print_stats(15)
    except Exception as exc:  # reported by the parent, which decides whether it is fatal
        out.update(status="error", error=f"{type(exc).__name__}: {exc}", traceback=traceback.format_exc())
    with open(spec["stats"], "w") as fh:
        json.dump(out, fh)


def spawn_worker(spec: dict) -> dict:
    import subprocess

    proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--worker", json.dumps(spec)],
                          stdout=subprocess.DEVNULL)
    try:
        with open(spec["stats"]) as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return {"contender": spec["contender"], "status": "error",
                "error": f"worker exited with status {proc.returncode} (killed for lack of memory?)"}


# --------------------------------------------------------------------------- checks and output

def same_frame(ours, theirs, *, sort: bool, columns: list[str] = COLUMNS) -> tuple[bool, str]:
    """Same customer index and the columns (default the four of the summary) equal within rtol 1e-9."""
    if not theirs.index.equals(ours.index):  # integer ids: peers keep integers, ours are text
        theirs = theirs.set_axis(theirs.index.astype("str"))
        if sort:
            theirs = theirs.sort_index()
    missing = [c for c in columns if c not in theirs.columns]
    if missing:
        return False, f"missing columns {missing}"
    if len(theirs) != len(ours):
        return False, f"{len(theirs)} rows, ours has {len(ours)}"
    if not ours.index.equals(theirs.index):
        return False, "customer index differs"
    a = ours[columns].to_numpy(dtype=np.float64)
    b = theirs[columns].to_numpy(dtype=np.float64)
    if not np.allclose(a, b, rtol=1e-9):
        bad = [c for i, c in enumerate(columns) if not np.allclose(a[:, i], b[:, i], rtol=1e-9)]
        return False, f"values differ in {bad}"
    return True, ""


def human(n: int) -> str:
    for div, suffix in ((1_000_000_000, "G"), (1_000_000, "M"), (1_000, "k")):
        if n >= div and n % (div // 10) == 0:
            return f"{n / div:g}{suffix}"
    return f"{n:,}"


def _times_sign() -> str:
    try:
        "×≥".encode(sys.stdout.encoding or "ascii")
        return "×"
    except (UnicodeEncodeError, LookupError):
        return "x"


X = _times_sign()
GE = "≥" if X == "×" else ">="


def render_table(run: dict) -> list[str]:
    rows = [["contender", "seconds", "ratio vs ours", "peak MB", "identical"]]
    for name in CONTENDERS:
        c = run["contenders"].get(name)
        if c is None:
            continue
        if c["status"] == "ok":
            ratio = f"{c['ratio']:.2f}{X}" if "ratio" in c else "-"
            identical = {True: "yes", False: "NO", None: "-"}[c.get("identical")]
            rows.append([name, f"{c['seconds']:.3f}", ratio, f"{c['peak_mb']:,.0f}",
                         "(reference)" if name == "ours" else identical])
        elif c["status"] == "skipped":
            est = c.get("estimate_seconds")
            secs = f"skipped (est. {est:.1f}s)" if est is not None else f"skipped ({c['reason']})"
            ratio = f"~{c['estimate_ratio']:.1f}{X}" if est is not None else "-"
            rows.append([name, secs, ratio, "-", "-"])
        else:
            rows.append([name, "error", "-", "-", "-"])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for j, r in enumerate(rows):
        cells = [r[0].ljust(widths[0])] + [r[i].rjust(widths[i]) for i in range(1, len(r))]
        lines.append("  ".join(cells).rstrip())
        if j == 0:
            lines.append("  ".join("-" * w for w in widths))
    for name in CONTENDERS:
        c = run["contenders"].get(name)
        if c and c["status"] == "error":
            lines.append(f"  {name} failed: {c['error']}")
        elif c and c["status"] == "ok" and c.get("identical") is False:
            lines.append(f"  {name} differs from ours: {c['mismatch']}")
    return lines


def verdict_lines(run: dict) -> list[str]:
    lines = []
    for name, label, digits in (("duckdb", "DuckDB", 2), ("lifetimes", "lifetimes", 1)):
        c = run["contenders"].get(name)
        target = TARGETS[name]
        if c is None:
            continue
        if c["status"] == "ok" and "ratio" in c:
            ratio, note = c["ratio"], ""
        elif c["status"] == "skipped" and c.get("estimate_ratio") is not None:
            ratio, note = c["estimate_ratio"], ", estimated"
        else:
            lines.append(f"ours vs {label}: n/a ({c.get('reason') or 'failed'})")
            continue
        ok = "met" if ratio >= target else "MISSED"
        lines.append(f"ours vs {label}: {ratio:.{digits}f}{X} (target {GE} {TARGET_TEXT[name]}{X}{note}) {ok}")
    return lines


def machine_info() -> dict:
    import pandas as pd

    ram = None
    try:
        with open("/proc/meminfo") as fh:
            ram = int(fh.readline().split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    versions = {"python": platform.python_version(), "pandas": pd.__version__, "numpy": np.__version__}
    for mod in ("duckdb", "lifetimes", "pyarrow"):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                versions[mod] = __import__(mod).__version__
        except Exception:  # not installed or broken: reported, not fatal
            versions[mod] = "not available"
    return {"platform": platform.platform(), "cpu": platform.processor() or platform.machine(),
            "cores": os.cpu_count(), "ram_gib": None if ram is None else round(ram / 2**30, 1),
            "versions": versions}


def mem_available() -> int | None:
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


# --------------------------------------------------------------------------- driver

def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Benchmark rfm_summary against lifetimes, plain pandas and DuckDB.")
    p.add_argument("--sizes", nargs="+", type=float, default=[1e6, 1e7], metavar="N",
                   help="numbers of transactions (default: 1e6 1e7)")
    p.add_argument("--repeat", type=int, default=None,
                   help="best of N calls per contender (default: 3 for logs up to 1e7 rows, 2 above)")
    p.add_argument("--sorted", action="store_true", help="only the log sorted by customer and date (default: both orders)")
    p.add_argument("--shuffled", action="store_true", help="only the shuffled log (default: both orders)")
    p.add_argument("--ids", nargs="+", choices=ID_KINDS, default=list(ID_KINDS),
                   help="customer id kinds, one log each: code (C0000001), int, var (digit strings of "
                        "varying width), uuid (default: all four)")
    p.add_argument("--call", choices=("rfm", "holdout"), default="rfm",
                   help="rfm: rfm_summary against lifetimes, pandas and DuckDB (default); holdout: "
                        f"calibration_holdout(calibration_end={CALIBRATION_END}) against the same split in DuckDB")
    p.add_argument("--parquet-rows", type=float, default=None, metavar="N",
                   help="also the out-of-core run: N rows written as Parquet, summarised from the folder")
    p.add_argument("--contenders", nargs="+", choices=CONTENDERS, default=list(CONTENDERS),
                   help="which contenders run (default: all; ours always runs)")
    p.add_argument("--skip-lifetimes", action="store_true", help="do not run lifetimes at all")
    p.add_argument("--lifetimes-max", type=float, default=1e6,
                   help="largest log lifetimes runs on (default: 1e6); above it its time is extrapolated")
    p.add_argument("--seed", type=int, default=2026, help="random seed of the synthetic logs (default: 2026)")
    p.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    p.add_argument("--profile", action="store_true", help="print a cProfile of ours per run (to stderr)")
    p.add_argument("--tmpdir", help="where to keep the pickled logs (default: system temp dir)")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.repeat is not None and args.repeat < 1:
        p.error("--repeat must be at least 1")
    return args


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def bench_size(n: int, id_kind: str, orders: list[str], args, tmp: Path, lifetimes_seen: dict) -> list[dict]:
    """Build the log of ``n`` rows once, then run every contender on each row order."""
    repeat = args.repeat or (3 if n <= 10_000_000 else 2)
    t0 = time.perf_counter()
    tx = make_log(n, args.seed, id_kind)
    n_customers = max(1, n // 10)  # every customer buys at least once
    paths = {}
    for order in orders:
        frame = tx if order == "sorted" else \
            tx.take(np.random.default_rng(args.seed + 1).permutation(n)).reset_index(drop=True)
        paths[order] = tmp / f"log_{n}_{id_kind}_{order}.pkl"
        with open(paths[order], "wb") as fh:
            pickle.dump(frame, fh, protocol=5)
        del frame
    del tx
    gc.collect()
    log(f"[{human(n)} {id_kind} ids] built and saved the log in {time.perf_counter() - t0:.1f}s (not timed)")

    runs = []
    for order in orders:
        label = f"{human(n)} {id_kind} {order}"
        run: dict[str, Any] = {"call": args.call, "n_transactions": n, "n_customers": n_customers, "ids": id_kind,
                               "order": order,
                               "repeat": repeat, "contenders": {}}
        results = {}
        for name in CONTENDERS:
            if name != "ours" and name not in args.contenders:
                continue
            if args.call == "holdout" and name not in HOLDOUT_RUNNERS:
                continue
            if name == "lifetimes" and args.skip_lifetimes:
                run["contenders"][name] = {"status": "skipped", "reason": "--skip-lifetimes"}
                continue
            if name == "lifetimes" and n > args.lifetimes_max:
                entry = {"status": "skipped", "reason": f"--lifetimes-max {args.lifetimes_max:g}"}
                seen = lifetimes_seen.get((id_kind, order))
                if seen:
                    entry["estimate_seconds"] = seen[1] * n / seen[0]
                    entry["estimate_basis"] = f"linear from {human(seen[0])} rows"
                run["contenders"][name] = entry
                continue
            stem = tmp / f"{name}_{n}_{id_kind}_{order}"
            spec = {"contender": name, "log": str(paths[order]), "repeat": repeat, "label": label, "call": args.call,
                    "result": f"{stem}.pkl", "stats": f"{stem}.json",
                    "profile": bool(args.profile and name == "ours")}
            log(f"[{label}] running {name} ...")
            stats = spawn_worker(spec)
            stats.pop("contender", None)
            if stats["status"] == "ok":
                with open(spec["result"], "rb") as fh:
                    results[name] = pickle.load(fh)
                os.remove(spec["result"])
                log(f"[{label}] {name}: {stats['seconds']:.3f}s, peak +{stats['peak_mb']:,.0f} MB")
                if name == "lifetimes":
                    prev = lifetimes_seen.get((id_kind, order))
                    if prev is None or n >= prev[0]:
                        lifetimes_seen[(id_kind, order)] = (n, stats["seconds"])
            else:
                log(f"[{label}] {name} failed: {stats['error']}\n{stats.get('traceback', '')}".rstrip())
            run["contenders"][name] = stats
        ours = run["contenders"]["ours"]
        for name, c in run["contenders"].items():
            if ours["status"] == "ok" and c["status"] == "ok":
                c["ratio"] = c["seconds"] / ours["seconds"]
                if name != "ours":
                    c["identical"], why = same_frame(results["ours"], results[name], sort=True,
                                                     columns=HOLDOUT_COLUMNS if args.call == "holdout" else COLUMNS)
                    if why:
                        c["mismatch"] = why
            elif ours["status"] == "ok" and c.get("estimate_seconds") is not None:
                c["estimate_ratio"] = c["estimate_seconds"] / ours["seconds"]
        runs.append(run)
        print_run(run)
        del results
        gc.collect()
    for path in paths.values():
        path.unlink(missing_ok=True)
    return runs


PARQUET_CHUNK = 10_000_000


def bench_parquet(n: int, args, tmp: Path) -> dict:
    """Out of core: write ``n`` rows as Parquet files of 10M rows, summarise the folder with DuckDB.

    Customers of one file buy only in it (integer ids, distinct across files), so the
    summary of the first file computed in memory must equal its rows in the result.
    """
    import pandas as pd

    from cvm_lib.summary import rfm_summary

    folder = tmp / "parquet"
    folder.mkdir()
    t0 = time.perf_counter()
    for c, start in enumerate(range(0, n, PARQUET_CHUNK)):
        m = min(PARQUET_CHUNK, n - start)
        tx = make_log(m, args.seed + c, "int")
        tx["customer_id"] += c * 37 * (PARQUET_CHUNK // 10)  # distinct ids per file
        tx.to_parquet(folder / f"part-{c:04d}.parquet", index=False, coerce_timestamps="us")
        del tx
        gc.collect()
    size = sum(p.stat().st_size for p in folder.iterdir())
    log(f"[{human(n)} parquet] wrote {size / 2**30:.2f} GiB in {time.perf_counter() - t0:.0f}s (not timed)")
    stem = tmp / "parquet_result"
    spec = {"contender": "parquet", "log": str(folder), "repeat": 1, "label": f"{human(n)} parquet",
            "result": f"{stem}.pkl", "stats": f"{stem}.json"}
    log(f"[{human(n)} parquet] running rfm_summary(folder) ...")
    stats = spawn_worker(spec)
    entry = {"n_transactions": n, "files": len(list(folder.iterdir())), "parquet_gib": size / 2**30, **stats}
    if stats["status"] == "ok":
        with open(spec["result"], "rb") as fh:
            result = pickle.load(fh)
        os.remove(spec["result"])
        first = rfm_summary(make_log(min(PARQUET_CHUNK, n), args.seed, "int"), observation_end=END, time_unit="D")
        entry["identical"], why = same_frame(first, result.loc[first.index], sort=False)
        entry["customers"] = len(result)
        if why:
            entry["mismatch"] = why
    from cvm_lib.engines.duckdb import current_settings

    entry["duckdb"] = {k: str(v) for k, v in current_settings().items()}
    print(f"\n== out of core: {n:,} transactions in {entry['files']} Parquet files ({size / 2**30:.2f} GiB), "
          f"rfm_summary(folder) with DuckDB ==")
    if stats["status"] == "ok":
        print(f"seconds {stats['seconds']:.1f}, peak MB {stats['peak_mb']:,.0f} (whole process), "
              f"{entry['customers']:,} customers, first file identical to the pandas path: "
              f"{'yes' if entry['identical'] else 'NO: ' + entry['mismatch']}")
        print(f"DuckDB settings: {entry['duckdb']}")
    else:
        print(f"failed: {stats['error']}")
    sys.stdout.flush()
    return entry


def print_run(run: dict) -> None:
    n, k = run["n_transactions"], run["n_customers"]
    order = "sorted by customer/date" if run["order"] == "sorted" else "shuffled rows"
    ids = {"code": "fixed-width ids C0000001..", "int": "integer ids", "var": "variable-width digit-string ids",
           "uuid": "UUID ids"}[run.get("ids", "code")]
    call = "" if run.get("call", "rfm") == "rfm" else f"calibration_holdout (calibration_end {CALIBRATION_END}), "
    print(f"\n== {call}{n:,} transactions ({human(n)}), {k:,} customers, {ids}, {order}; best of {run['repeat']} ==")
    for line in render_table(run) + verdict_lines(run):
        print(line)
    sys.stdout.flush()


def overall_verdict(runs: list[dict]) -> list[str]:
    """Worst measured ratio per target over all runs."""
    lines = []
    for name, label, digits in (("duckdb", "DuckDB", 2), ("lifetimes", "lifetimes", 1)):
        measured = [(r["contenders"][name]["ratio"], f"{human(r['n_transactions'])} {r['ids']} {r['order']}")
                    for r in runs if r["contenders"].get(name, {}).get("status") == "ok"
                    and "ratio" in r["contenders"][name]]
        if not measured:
            lines.append(f"ours vs {label}: not measured")
            continue
        worst, where = min(measured)
        ok = "met" if worst >= TARGETS[name] else "MISSED"
        lines.append(f"ours vs {label}: {worst:.{digits}f}{X} (target {GE} {TARGET_TEXT[name]}{X}; "
                     f"worst of {len(measured)} measured run{'s' if len(measured) > 1 else ''}, at {where}) {ok}")
    return lines


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.worker:
        worker(json.loads(args.worker))
        return 0
    import pandas as pd  # noqa: F401  (fail early if the environment is wrong)

    sizes = sorted({int(s) for s in args.sizes})
    if not sizes or sizes[0] < 10:
        raise SystemExit("--sizes must be at least 10 transactions")
    orders = [o for o, flag in (("sorted", args.sorted), ("shuffled", args.shuffled)) if flag] or \
        ["sorted", "shuffled"]
    info = machine_info()
    v = info["versions"]
    print(f"{'calibration_holdout' if args.call == 'holdout' else 'rfm_summary'} benchmark (cvm_lib.summary) —",
          date.today().isoformat())
    ram = f"{info['ram_gib']} GiB RAM" if info["ram_gib"] else "RAM unknown"
    print(f"machine: {info['platform']}, {info['cores']} cores, {ram}")
    print("versions: " + ", ".join(f"{k} {v[k]}" for k in ("python", "pandas", "numpy", "duckdb", "lifetimes",
                                                            "pyarrow")))
    print(f"task: summary of a synthetic log, {N_DAYS} days {START}..{END}, observation_end={END}, "
          "time_unit='D', n/10 customers")
    print(f"seconds: best wall-clock of --repeat calls; ratio = their time / our time ({GE}1 means ours is faster)")
    print("peak MB: extra resident memory of the call on top of the loaded log, measured in a fresh worker "
          "process per contender (peak RSS counter VmHWM reset via /proc/self/clear_refs before the call; "
          "VmHWM after - VmRSS before; MB = 10^6 bytes)")
    print("identical: same customer index and np.allclose(rtol=1e-9) on " +
          ", ".join(HOLDOUT_COLUMNS if args.call == "holdout" else COLUMNS))
    sys.stdout.flush()

    runs: list[dict] = []
    skipped_sizes = []
    lifetimes_seen: dict[str, tuple[int, float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench_summary_", dir=args.tmpdir) as tmp:
        for n in sizes:
            need, avail = n * BYTES_PER_ROW, mem_available()
            if avail is not None and need > avail:
                msg = f"{human(n)}: skipped, needs ~{need / 2**30:.1f} GiB, {avail / 2**30:.1f} GiB available"
                print("\n" + msg)
                skipped_sizes.append({"n_transactions": n, "reason": msg})
                continue
            for id_kind in args.ids:
                runs.extend(bench_size(n, id_kind, orders, args, Path(tmp), lifetimes_seen))

    parquet = None
    if args.parquet_rows:
        with tempfile.TemporaryDirectory(prefix="bench_summary_pq_", dir=args.tmpdir) as tmp:
            parquet = bench_parquet(int(args.parquet_rows), args, Path(tmp))

    print("\nVerdict")
    for line in overall_verdict(runs):
        print(line)
    methods = {c.get("memory_method") for r in runs for c in r["contenders"].values() if c.get("memory_method")}
    if methods - {"VmHWM reset"}:
        print("note: /proc/self/clear_refs unavailable; peak MB from ru_maxrss minus RSS after loading the log")

    failures = []
    for r in runs:
        for name, c in r["contenders"].items():
            where = f"{human(r['n_transactions'])} {r['ids']} {r['order']}"
            if c["status"] == "error" and name != "lifetimes":
                failures.append(f"{name} failed at {where}: {c['error']}")
            elif c.get("identical") is False:
                failures.append(f"{name} differs from ours at {where}: {c['mismatch']}")
    if args.json:
        for r in runs:
            for c in r["contenders"].values():
                c.pop("traceback", None)
        payload = {"date": date.today().isoformat(), "machine": info, "observation_end": END,
                   "memory_method": sorted(methods), "targets": TARGETS, "runs": runs,
                   "skipped_sizes": skipped_sizes, "parquet": parquet, "verdict": overall_verdict(runs), "failures": failures}
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(payload, indent=2))
        print(f"results written to {args.json}")
    if parquet is not None and (parquet["status"] != "ok" or not parquet.get("identical")):
        failures.append(f"out-of-core run: {parquet.get('error') or parquet.get('mismatch')}")
    if failures:
        print("\nFAILED:\n  " + "\n  ".join(failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
