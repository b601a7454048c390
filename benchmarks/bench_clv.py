"""Fit times of the BTYD models against lifetimes (and pymc-marketing's MAP fit when available).

Compares, in one run, BG/NBD, Pareto/NBD and Gamma-Gamma fits on

* the CDNOW 1/10 sample (2,357 customers, 39-week calibration, weekly units), and
* ``--customers`` simulated customers (default 1,000,000; ``simulate_retail`` with a single
  acquisition channel so one population is fitted), weekly units.

For every model and data set it prints seconds (best of 3 below 50,000 customers, a single
fit above), the ratio *their time / our time* (above 1:
ours is faster), the log-likelihood each optimum reaches **under our likelihood** (so the
optima are compared on one scale) and the largest relative difference between the
parameter estimates. lifetimes is slow on large data: above ``--lifetimes-max`` customers it
is skipped with a linear-time estimate (its fit is linear in customers per iteration).
pymc-marketing runs only when ``--pymc-python`` names an interpreter that has it (it
needs its own environment: it pins other versions of the scientific stack); its
``fit(method="map")`` is used.

Run:  python benchmarks/bench_clv.py --customers 1e6
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

MODELS = ("BetaGeo", "ParetoNBD", "GammaGamma")
LIFETIMES = {"BetaGeo": "BetaGeoFitter", "ParetoNBD": "ParetoNBDFitter", "GammaGamma": "GammaGammaFitter"}
PARAMS = {"BetaGeo": ("r", "alpha", "a", "b"), "ParetoNBD": ("r", "alpha", "s", "beta"),
          "GammaGamma": ("p", "q", "gamma")}
LIFETIMES_NAMES = {"BetaGeo": ("r", "alpha", "a", "b"), "ParetoNBD": ("r", "alpha", "s", "beta"),
                   "GammaGamma": ("p", "q", "v")}


def cdnow_summary() -> pd.DataFrame:
    from cvm_lib.datasets import cdnow
    from cvm_lib.summary import calibration_holdout

    return calibration_holdout(cdnow(sample=True), calibration_end="1997-09-30", observation_end="1998-06-30",
                               time_unit="W")


def simulated_summary(n: int, seed: int = 7) -> pd.DataFrame:
    from cvm_lib.datasets import simulate_retail
    from cvm_lib.summary import rfm_summary

    data = simulate_retail(n, seed=seed, channel_shares={"organic": 1.0}, survey_share=0.0)
    return rfm_summary(data.transactions, observation_end=data.truth["end"], time_unit="W")


def model_input(name: str, summary: pd.DataFrame) -> pd.DataFrame:
    if name == "GammaGamma":
        return summary.loc[summary["frequency"] > 0, ["frequency", "monetary_value"]]
    return summary[["frequency", "recency", "T"]]


SMALL = 50_000  # below this many customers, fits are timed best of 3 (first calls pay one-off costs)


def _best_of(fit, data: pd.DataFrame) -> float:
    times = []
    for _ in range(3 if len(data) < SMALL else 1):
        start = time.perf_counter()
        fit()
        times.append(time.perf_counter() - start)
    return min(times)


def fit_ours(name: str, data: pd.DataFrame) -> tuple[float, dict]:
    from cvm_lib import clv

    model = getattr(clv, name)()
    seconds = _best_of(lambda: model.fit(data), data)
    return seconds, {k: float(model.params_[k]) for k in PARAMS[name]}


def fit_lifetimes(name: str, data: pd.DataFrame) -> tuple[float, dict]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import lifetimes

        fitter = getattr(lifetimes, LIFETIMES[name])()
        if name == "GammaGamma":
            seconds = _best_of(lambda: fitter.fit(data["frequency"], data["monetary_value"]), data)
        else:
            seconds = _best_of(lambda: fitter.fit(data["frequency"], data["recency"], data["T"]), data)
    values = fitter.params_
    return seconds, {ours: float(values[theirs]) for ours, theirs in zip(PARAMS[name], LIFETIMES_NAMES[name],
                                                                         strict=True)}


PYMC_SCRIPT = """
import json, sys, time, warnings
import pandas as pd
warnings.simplefilter("ignore")
from pymc_marketing import clv
name, path = sys.argv[1], sys.argv[2]
data = pd.read_csv(path)
data["customer_id"] = range(len(data))
cls = {"BetaGeo": clv.BetaGeoModel, "ParetoNBD": clv.ParetoNBDModel, "GammaGamma": clv.GammaGammaModel}[name]
model = cls(data=data)
start = time.perf_counter()
model.fit(method="map", progressbar=False)
seconds = time.perf_counter() - start
post = getattr(model.fit_result, "posterior", model.fit_result)  # versions differ
print(json.dumps({"seconds": seconds, "params": {k: float(post[k].values.ravel()[0]) for k in post.data_vars
                                                 if post[k].values.size == 1}}))
"""


def fit_pymc(python: str, name: str, data: pd.DataFrame, tmp: Path) -> tuple[float, dict]:
    path = tmp / f"{name}.csv"
    data.reset_index(drop=True).to_csv(path, index=False, float_format="%.17g")
    out = subprocess.run([python, "-c", PYMC_SCRIPT, name, str(path)], capture_output=True, text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    rename = {"v": "gamma"}
    return result["seconds"], {rename.get(k, k): v for k, v in result["params"].items() if rename.get(k, k)
                               in PARAMS[name]}


def our_log_likelihood(name: str, data: pd.DataFrame, params: dict) -> float:
    """Log-likelihood of ``params`` under our implementation (one scale for every optimum)."""
    from cvm_lib import clv

    model = getattr(clv, name)()
    return float(model.log_likelihood(data, params=pd.Series(params)))


def bench(label: str, summary: pd.DataFrame, args, tmp: Path) -> list[dict]:
    rows = []
    for name in MODELS:
        data = model_input(name, summary)
        ours_s, ours_p = fit_ours(name, data)
        entry = {"data": label, "model": name, "customers": len(data), "ours_seconds": ours_s, "ours_params": ours_p,
                 "ours_ll": our_log_likelihood(name, data, ours_p)}
        peers = []
        if len(data) <= args.lifetimes_max:
            peers.append(("lifetimes", lambda n=name, d=data: fit_lifetimes(n, d)))
        if args.pymc_python and len(data) <= args.pymc_max:
            peers.append(("pymc-marketing", lambda n=name, d=data: fit_pymc(args.pymc_python, n, d, tmp)))
        for peer, run in peers:
            try:
                seconds, params = run()
            except Exception as exc:  # a peer's failure is reported, not fatal
                entry[peer] = {"error": f"{type(exc).__name__}: {exc}"[:300]}
                continue
            diff = max(abs(params[k] - ours_p[k]) / abs(ours_p[k]) for k in PARAMS[name] if k in params)
            entry[peer] = {"seconds": seconds, "ratio": seconds / ours_s, "params": params,
                           "ll_at_their_optimum": our_log_likelihood(name, data, params), "max_rel_param_diff": diff}
        if len(data) > args.lifetimes_max and "lifetimes_per_customer" in args.__dict__:
            est = args.lifetimes_per_customer.get(name)
            if est:
                entry["lifetimes"] = {"estimated_seconds": est * len(data), "ratio": est * len(data) / ours_s}
        rows.append(entry)
    return rows


def print_rows(rows: list[dict]) -> None:
    for entry in rows:
        print(f"\n== {entry['model']} on {entry['data']} ({entry['customers']:,} customers) ==")
        print(f"{'contender':<15} {'seconds':>9} {'ratio':>8} {'LL (ours)':>15} {'max rel. param diff':>20}")
        print(f"{'ours':<15} {entry['ours_seconds']:>9.3f} {'1.00x':>8} {entry['ours_ll']:>15,.2f} {'—':>20}")
        for peer in ("lifetimes", "pymc-marketing"):
            info = entry.get(peer)
            if info is None:
                continue
            if "error" in info:
                print(f"{peer:<15} failed: {info['error']}")
            elif "estimated_seconds" in info:
                print(f"{peer:<15} {'~' + format(info['estimated_seconds'], '.1f'):>9} {info['ratio']:>7.1f}x "
                      f"{'(skipped, linear estimate)':>36}")
            else:
                print(f"{peer:<15} {info['seconds']:>9.3f} {info['ratio']:>7.1f}x {info['ll_at_their_optimum']:>15,.2f} "
                      f"{info['max_rel_param_diff']:>20.2e}")
        print("params (ours): " + ", ".join(f"{k}={v:.4g}" for k, v in entry["ours_params"].items()))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=float, default=1e6, help="simulated customers (default 1e6)")
    parser.add_argument("--lifetimes-max", type=float, default=1e6,
                        help="largest data lifetimes is run on; above, its time is estimated (default 1e6; "
                             "its Pareto/NBD takes about 3-4 minutes at 1M customers)")
    parser.add_argument("--pymc-python", help="python interpreter with pymc-marketing installed")
    parser.add_argument("--pymc-max", type=float, default=2.5e5,
                        help="largest data pymc-marketing is run on (default 2.5e5)")
    parser.add_argument("--json", help="write the results as JSON")
    args = parser.parse_args(argv)
    print(f"machine: {os.cpu_count()} cores; numpy {np.__version__}, pandas {pd.__version__}")
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        rows += bench("CDNOW sample", cdnow_summary(), args, Path(tmp))
        n = int(args.customers)
        start = time.perf_counter()
        summary = simulated_summary(n)
        print(f"simulated {n:,} customers in {time.perf_counter() - start:.1f}s (not timed below)")
        # lifetimes' time per customer, measured on a subsample, for the linear estimate.
        probe = summary.sample(n=min(len(summary), int(args.lifetimes_max)), random_state=1)
        if n > args.lifetimes_max:
            per = {}
            for name in MODELS:
                seconds, _ = fit_lifetimes(name, model_input(name, probe))
                per[name] = seconds / len(model_input(name, probe))
            args.lifetimes_per_customer = per
        rows += bench(f"simulated ({n:,})", summary, args, Path(tmp))
    print_rows(rows)
    print("\nratio = their time / our time (>1: ours is faster). LL columns: the log-likelihood each optimum "
          "reaches under our likelihood (higher is better; equal means the same optimum).")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2, default=float), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
