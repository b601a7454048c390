"""Fit times of the BTYD models against lifetimes (and pymc-marketing's MAP fit when available).

Compares, in one run, BG/NBD, Pareto/NBD and Gamma-Gamma fits on

* the CDNOW 1/10 sample (2,357 customers, 39-week calibration, weekly units), and
* ``--customers`` simulated customers (default 1,000,000) in three variants of the same
  draw: **float** (recency and T continuous, as from timestamps), **day** and **hour**
  (event times rounded down to that grid), weekly units. The simulation is the
  continuous-time generator of ``tests/test_clv_convergence.py`` (Pareto/NBD process,
  Gamma-Gamma spend; one fact in one place).

For every model and data set it prints seconds (best of 3 below 50,000 customers, a single
fit above), the ratio *their time / our time* (above 1: ours is faster), the
log-likelihood each optimum reaches **under our likelihood** (so the optima are compared
on one scale), the relative difference of the log-likelihoods and the largest relative
difference between the parameter estimates. lifetimes runs on the float variant (all
variants with ``--lifetimes-all``) up to ``--lifetimes-max`` customers, its Pareto/NBD up
to ``--lifetimes-max-pareto`` (default 100,000; it takes minutes there): above, both
fits are also timed on a random subsample of that size, where the ratio is taken.
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


def simulated_summaries(n: int, seed: int = 7) -> dict[str, pd.DataFrame]:
    """The float, day and hour variants of one continuous-time draw of ``n`` customers."""
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "tests" / "test_clv_convergence.py"
    spec = importlib.util.spec_from_file_location("_clv_convergence", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {res or "float": module.continuous_summary(n, seed=seed, resolution=res) for res in (None, "day", "hour")}


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


def fit_ours(name: str, data: pd.DataFrame) -> tuple[float, dict, dict]:
    from cvm_lib import clv

    model = getattr(clv, name)()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        seconds = _best_of(lambda: model.fit(data), data)
    info = {"converged": bool(model.converged_), "n_iter": int(model.n_iter_), "warnings": len(caught)}
    return seconds, {k: float(model.params_[k]) for k in PARAMS[name]}, info


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


def bench(label: str, summary: pd.DataFrame, args, tmp: Path, peers: bool = True) -> list[dict]:
    rows = []
    for name in MODELS:
        full = model_input(name, summary)
        limit = args.lifetimes_max_pareto if name == "ParetoNBD" else args.lifetimes_max
        sets = [(label, full, peers and len(full) <= limit)]
        if peers and len(full) > limit:
            sets.append((f"{label}, subsample", full.sample(n=int(limit), random_state=1), True))
        for set_label, data, with_peers in sets:
            ours_s, ours_p, info = fit_ours(name, data)
            ours_ll = our_log_likelihood(name, data, ours_p)
            entry = {"data": set_label, "model": name, "customers": len(data), "ours_seconds": ours_s,
                     "ours_params": ours_p, "ours_ll": ours_ll, **info}
            runs = []
            if with_peers:
                runs.append(("lifetimes", lambda n=name, d=data: fit_lifetimes(n, d)))
            if with_peers and args.pymc_python and len(data) <= args.pymc_max:
                runs.append(("pymc-marketing", lambda n=name, d=data: fit_pymc(args.pymc_python, n, d, tmp)))
            for peer, run in runs:
                try:
                    seconds, params = run()
                except Exception as exc:  # a peer's failure is reported, not fatal
                    entry[peer] = {"error": f"{type(exc).__name__}: {exc}"[:300]}
                    continue
                diff = max(abs(params[k] - ours_p[k]) / abs(ours_p[k]) for k in PARAMS[name] if k in params)
                their_ll = our_log_likelihood(name, data, params)
                entry[peer] = {"seconds": seconds, "ratio": seconds / ours_s, "params": params,
                               "ll_at_their_optimum": their_ll, "ll_rel_diff": (ours_ll - their_ll) / abs(their_ll),
                               "max_rel_param_diff": diff}
            rows.append(entry)
    return rows


def print_rows(rows: list[dict]) -> None:
    for entry in rows:
        print(f"\n== {entry['model']} on {entry['data']} ({entry['customers']:,} customers) ==")
        print(f"{'contender':<15} {'seconds':>9} {'ratio':>8} {'LL (ours)':>17} {'LL rel. diff':>13} "
              f"{'max rel. param diff':>20}")
        print(f"{'ours':<15} {entry['ours_seconds']:>9.3f} {'1.00x':>8} {entry['ours_ll']:>17,.3f} {'—':>13} "
              f"{'—':>20}  converged={entry['converged']}, {entry['n_iter']} iterations, "
              f"{entry['warnings']} warnings")
        for peer in ("lifetimes", "pymc-marketing"):
            info = entry.get(peer)
            if info is None:
                continue
            if "error" in info:
                print(f"{peer:<15} failed: {info['error']}")
            else:
                print(f"{peer:<15} {info['seconds']:>9.3f} {info['ratio']:>7.1f}x {info['ll_at_their_optimum']:>17,.3f} "
                      f"{info['ll_rel_diff']:>13.1e} {info['max_rel_param_diff']:>20.2e}")
        print("params (ours): " + ", ".join(f"{k}={v:.4g}" for k, v in entry["ours_params"].items()))


def print_ratios(rows: list[dict]) -> None:
    print("\n== summary: their time / our time ==")
    print(f"{'model':<11} {'data':<34} {'customers':>10} {'ours s':>8} {'lifetimes s':>12} {'ratio':>8} "
          f"{'LL rel. diff':>13}")
    for entry in rows:
        info = entry.get("lifetimes") or {}
        ratio = f"{info['ratio']:.1f}x" if "ratio" in info else "—"
        their = f"{info['seconds']:.2f}" if "seconds" in info else "—"
        rel = f"{info['ll_rel_diff']:.1e}" if "ll_rel_diff" in info else "—"
        print(f"{entry['model']:<11} {entry['data']:<34} {entry['customers']:>10,} {entry['ours_seconds']:>8.2f} "
              f"{their:>12} {ratio:>8} {rel:>13}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=float, default=1e6, help="simulated customers (default 1e6)")
    parser.add_argument("--lifetimes-max", type=float, default=1e6,
                        help="largest data lifetimes' BG/NBD and Gamma-Gamma run on (default 1e6)")
    parser.add_argument("--lifetimes-max-pareto", type=float, default=1e5,
                        help="largest data lifetimes' Pareto/NBD runs on (default 1e5; minutes there)")
    parser.add_argument("--lifetimes-all", action="store_true",
                        help="run lifetimes on the day and hour variants too (default: float only)")
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
        variants = simulated_summaries(n)
        print(f"simulated {n:,} customers in {time.perf_counter() - start:.1f}s (not timed below)")
        for variant, summary in variants.items():
            distinct = len(summary[["frequency", "recency", "T"]].drop_duplicates())
            label = f"{variant} ({distinct:,} distinct rows)"
            rows += bench(label, summary, args, Path(tmp), peers=variant == "float" or args.lifetimes_all)
    print_rows(rows)
    print_ratios(rows)
    print("\nratio = their time / our time (>1: ours is faster). LL columns: the log-likelihood each optimum "
          "reaches under our likelihood (higher is better; equal means the same optimum); LL rel. diff = "
          "(ours - theirs) / |theirs|.")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2, default=float), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
