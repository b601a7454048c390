"""Simulators of (frequency, recency, T) with time-invariant covariates, for planted-truth tests.

Straight from the models' stories, independent of the likelihood code:

* Pareto/NBD: ``lambda_i ~ Gamma(r, rate alpha exp(-gp . zp))``, lifetime ~ Exp(mu_i) with
  ``mu_i ~ Gamma(s, rate beta exp(-gd . zd))``; purchases are Poisson(lambda_i) while alive.
* BG/NBD (MBG/NBD with ``shift=1``): ``lambda_i`` as above, ``p_i ~ Beta(a exp(gd . zd), b)``;
  after each repeat purchase (MBG: also at time 0) the customer drops out with probability p_i.

Covariates: ``group`` ("a"/"b", purchase and dropout) and ``u`` (standard normal, purchase only).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _design(rng, n):
    g = rng.integers(0, 2, n).astype(float)
    u = rng.normal(size=n)
    return g, u, np.column_stack([g, u]), g[:, None]


def simulate_pnbd(n, r, alpha, s, beta, gp, gd, seed=0, T_max=52.0):
    rng = np.random.default_rng(seed)
    g, u, zp, zd = _design(rng, n)
    lam = rng.gamma(r, 1.0 / (alpha * np.exp(-zp @ np.asarray(gp))))
    mu = rng.gamma(s, 1.0 / (beta * np.exp(-zd @ np.asarray(gd))))
    T = rng.uniform(0.5 * T_max, T_max, n)
    alive_for = np.minimum(rng.exponential(1.0 / mu), T)
    x = rng.poisson(lam * alive_for).astype(float)
    tx = np.where(x > 0, alive_for * rng.uniform(size=n) ** (1.0 / np.maximum(x, 1)), 0.0)
    return pd.DataFrame({"frequency": x, "recency": tx, "T": T, "group": np.where(g > 0, "b", "a"), "u": u})


def simulate_bgnbd(n, r, alpha, a, b, gp, gd, seed=0, T_max=52.0, shift=0):
    rng = np.random.default_rng(seed)
    g, u, zp, zd = _design(rng, n)
    lam = rng.gamma(r, 1.0 / (alpha * np.exp(-zp @ np.asarray(gp))))
    p = rng.beta(a * np.exp(zd @ np.asarray(gd)), b)
    T = rng.uniform(0.5 * T_max, T_max, n)
    K = rng.poisson(lam * T)  # purchases the customer would make in (0, T] if never dropping out
    N = rng.geometric(p) - shift  # repeat purchases until dropout (BG: >= 1; MBG: >= 0)
    x = np.minimum(N, K).astype(float)
    # The x-th of K uniform arrival times on (0, T): Beta(x, K - x + 1) * T.
    tx = np.where(x > 0, T * rng.beta(np.maximum(x, 1), np.maximum(K - x + 1, 1)), 0.0)
    return pd.DataFrame({"frequency": x, "recency": tx, "T": T, "group": np.where(g > 0, "b", "a"), "u": u})
