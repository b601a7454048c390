"""Convergence of the BTYD fits on continuous-time, day- and hour-rounded data.

The data are simulated in continuous time (weeks) with planted parameters
(``continuous_summary`` below, also used by ``benchmarks/bench_clv.py``); lifetimes is
the independent reference for the optimum on small data (log-likelihoods compared under
our likelihood, within 1e-6 relative as issue 11 asks).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from cvm_lib import clv
from cvm_lib.clv import base
from cvm_lib.clv.base import ConvergenceWarning


def continuous_summary(n: int, seed: int = 0, process: str = "pareto_nbd", resolution: str | None = None,
                       params: dict | None = None, spend: dict | None = None) -> pd.DataFrame:
    """``frequency``, ``recency``, ``T`` (weeks) and ``monetary_value`` of ``n`` customers
    acquired uniformly over 52 weeks and observed until week 104, simulated in continuous
    time; ``resolution`` "day" or "hour" rounds the event times down to that grid."""
    rng = np.random.default_rng(seed)
    birth = rng.uniform(0.0, 52.0, n)
    T = 104.0 - birth
    if process == "pareto_nbd":
        p = {"r": 0.6, "alpha": 7.0, "s": 0.7, "beta": 20.0, **(params or {})}
        lam = rng.gamma(p["r"], 1.0 / p["alpha"], n)
        life = rng.exponential(1.0, n) / rng.gamma(p["s"], 1.0 / p["beta"], n)
        span = np.minimum(life, T)
        x = rng.poisson(lam * span).astype(np.float64)
        t = np.where(x > 0, span * rng.uniform(size=n) ** (1.0 / np.maximum(x, 1.0)), 0.0)
    else:  # BG/NBD: dropout after the J-th repeat purchase, J ~ Geometric(p)
        p = {"r": 0.6, "alpha": 7.0, "a": 0.8, "b": 2.5, **(params or {})}
        lam = rng.gamma(p["r"], 1.0 / p["alpha"], n)
        drop = rng.geometric(np.clip(rng.beta(p["a"], p["b"], n), 1e-12, 1.0))
        count = rng.poisson(lam * T)
        x = np.minimum(count, drop).astype(np.float64)
        # the x-th of `count` uniform purchase times on (0, T)
        t = np.where(x > 0, T * rng.beta(np.maximum(x, 1.0), np.maximum(count - x + 1.0, 1.0)), 0.0)
    if resolution is not None:
        steps = {"day": 7.0, "hour": 168.0}[resolution]
        first = np.floor(birth * steps)
        t = np.where(x > 0, (np.floor((birth + t) * steps) - first) / steps, 0.0)
        T = (np.floor(104.0 * steps) - first) / steps
    g = {"p": 6.0, "q": 4.0, "gamma": 15.0, **(spend or {})}
    nu = rng.gamma(g["q"], 1.0 / g["gamma"], n)
    xm = np.maximum(x, 1.0)
    z = rng.gamma(g["p"] * xm) / nu / xm  # mean of x Gamma(p, nu) transaction values
    return pd.DataFrame({"frequency": x, "recency": t, "T": T, "monetary_value": np.where(x > 0, z, 0.0)})


def _fit(model, data):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        return model.fit(data)


PURCHASE = [clv.BetaGeo, clv.ModifiedBetaGeo, clv.ParetoNBD]


@pytest.mark.parametrize("resolution", [None, "day", "hour"])
@pytest.mark.parametrize("cls", PURCHASE, ids=lambda c: c.__name__)
def test_purchase_models_converge_on_float_and_rounded_times(cls, resolution):
    data = continuous_summary(4000, seed=1, resolution=resolution)
    model = _fit(cls(), data)
    assert model.converged_ and model.gradient_max_ <= 1e-6
    assert model.n_iter_ <= 60
    assert np.isfinite(model.standard_errors_).all()


@pytest.mark.parametrize("resolution", [None, "day", "hour"])
def test_gamma_gamma_converges_on_float_spend(resolution):
    data = continuous_summary(6000, seed=2, resolution=resolution)
    model = _fit(clv.GammaGamma(), data[data["frequency"] > 0])
    assert model.converged_ and model.n_iter_ <= 30
    p, q, g = model.params_
    assert abs(p / 6.0 - 1) < 0.2 and abs(q / 4.0 - 1) < 0.3 and abs(g / 15.0 - 1) < 0.4


@pytest.mark.parametrize("seed", [0, 1, 6])  # seeds on which the old line search looped to max_iter
def test_gamma_gamma_near_homogeneous_spend_converges_in_few_newton_steps(seed):
    """Spend nearly the same across customers (q ~ 400): the summed log-likelihood loses
    ~11 digits to cancellation, Newton's full step then looked like an increase and the
    line search halved it to a null step, repeated to max_iter=1000 (268 s on 444k
    repeaters in issue 11). Planted truth q = 400, gamma = 400 * 5 = 2000, p = 6."""
    rng = np.random.default_rng(seed)
    x = rng.poisson(3.0, 20_000).astype(np.float64) + 1.0
    z = rng.gamma(6.0 * x, 5.0 * rng.gamma(400.0, 1 / 400.0, x.shape[0])) / x
    data = pd.DataFrame({"frequency": x, "monetary_value": z})
    model = _fit(clv.GammaGamma(), data)
    assert model.converged_ and model.n_iter_ <= 30
    assert model.gradient_max_ <= 1e-8
    assert abs(model.params_["p"] / 6.0 - 1) < 0.05


def test_newton_accepts_steps_in_the_rounding_noise_by_the_gradient():
    """A likelihood with rounding noise larger than what Newton's last steps gain still
    converges (in few iterations) instead of looping on null steps."""
    data = continuous_summary(3000, seed=4)
    data = data[data["frequency"] > 0]
    clean = _fit(clv.GammaGamma(), data)

    class Noisy(clv.GammaGamma):
        def _totals(self, theta, prep, grad, hess):
            value, g, h = super()._totals(theta, prep, grad, hess)
            # deterministic noise of 1e-12 relative, as from cancellation
            jitter = 1e-12 * abs(value) * np.sin(1e9 * float(np.sum(theta)))
            return value + jitter, g, h

    noisy = _fit(Noisy(), data)
    assert noisy.converged_ and noisy.n_iter_ <= 20
    np.testing.assert_allclose(noisy.params_, clean.params_, rtol=1e-7)


def test_warm_start_matches_the_direct_fit():
    """Pareto/NBD above 2 * _WARM_ROWS distinct rows starts from a subsample's optimum:
    the same optimum as the L-BFGS-B fit of the full data."""
    data = continuous_summary(25_000, seed=5)
    warm = _fit(clv.ParetoNBD(), data)
    assert warm.optimizer_message_.startswith("warm start")
    old = base._WARM_ROWS
    try:
        base._WARM_ROWS = 10**9
        direct = _fit(clv.ParetoNBD(), data)
    finally:
        base._WARM_ROWS = old
    assert not direct.optimizer_message_.startswith("warm start")
    np.testing.assert_allclose(warm.params_, direct.params_, rtol=1e-5)
    assert abs(warm.log_likelihood_ - direct.log_likelihood_) <= 1e-9 * abs(direct.log_likelihood_)
    np.testing.assert_allclose(warm.standard_errors_, direct.standard_errors_, rtol=1e-4)


def test_degenerate_data_warn_instead_of_returning_silently():
    """Every customer with the same purchase rate: the gamma mixing distribution
    degenerates (r, alpha -> infinity) and no finite MLE of MBG/NBD exists; the fit warns
    and says why, and is bounded in time."""
    data = continuous_summary(5000, seed=0, process="bg_nbd", params={"r": 1e6, "alpha": 1e7, "a": 1e5, "b": 4e5})
    with pytest.warns(ConvergenceWarning):
        model = clv.ModifiedBetaGeo().fit(data)
    assert not model.converged_
    assert model.n_iter_ <= 1000


@pytest.fixture
def lifetimes():
    return pytest.importorskip("lifetimes")


def _our_ll(cls, data, params):
    return cls().log_likelihood(data, params=pd.Series(params))


@pytest.mark.parametrize("resolution", [None, "day", "hour"])
@pytest.mark.parametrize("ours, theirs", [(clv.BetaGeo, "BetaGeoFitter"), (clv.ParetoNBD, "ParetoNBDFitter")],
                         ids=["BG/NBD", "Pareto/NBD"])
def test_same_optimum_as_lifetimes(ours, theirs, resolution, lifetimes):
    data = continuous_summary(2000, seed=7, resolution=resolution)
    model = _fit(ours(), data)
    names = list(model.params_.index)
    # lifetimes starts from np.random.normal(1, 0.05) of numpy's global state and now and then
    # stops early (about 1 start in 20 on day/hour data): its best of three seeded starts
    state = np.random.get_state()
    lls = []
    try:
        for seed in (0, 1, 2):
            np.random.seed(seed)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fitter = getattr(lifetimes, theirs)().fit(data["frequency"], data["recency"], data["T"])
            lls.append(_our_ll(ours, data, dict(zip(names, [float(fitter.params_[k]) for k in names]))))
    finally:
        np.random.set_state(state)
    their_ll = max(lls)
    # ours is at least as high (lifetimes' optimisers may stop slightly early) and within 1e-6
    assert model.log_likelihood_ >= their_ll - 1e-9 * abs(their_ll)
    assert abs(model.log_likelihood_ - their_ll) <= 1e-6 * abs(their_ll)


@pytest.mark.parametrize("resolution", [None, "hour"])
def test_gamma_gamma_same_optimum_as_lifetimes(resolution, lifetimes):
    data = continuous_summary(3000, seed=8, resolution=resolution)
    data = data[data["frequency"] > 0]
    model = _fit(clv.GammaGamma(), data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitter = lifetimes.GammaGammaFitter().fit(data["frequency"], data["monetary_value"])
    their = {"p": float(fitter.params_["p"]), "q": float(fitter.params_["q"]), "gamma": float(fitter.params_["v"])}
    their_ll = _our_ll(clv.GammaGamma, data, their)
    assert model.log_likelihood_ >= their_ll - 1e-9 * abs(their_ll)
    assert abs(model.log_likelihood_ - their_ll) <= 1e-6 * abs(their_ll)


@pytest.mark.parametrize("cls", [clv.BetaGeo, clv.GammaGamma], ids=lambda c: c.__name__)
def test_newton_models_started_from_a_subsample_reach_the_direct_optimum(cls):
    """Above 2 * _WARM_ROWS distinct rows Newton starts from a subsample's optimum and
    needs fewer full-data iterations; the optimum is the one from the data-based guess."""
    data = continuous_summary(25_000, seed=6)
    if cls is clv.GammaGamma:
        data = pd.concat([data, continuous_summary(25_000, seed=9)])  # > 20,000 repeaters
        data = data[data["frequency"] > 0]
    warm = _fit(cls(), data)
    old = base._WARM_ROWS
    try:
        base._WARM_ROWS = 10**9
        direct = _fit(cls(), data)
    finally:
        base._WARM_ROWS = old
    assert warm.n_iter_ < direct.n_iter_
    np.testing.assert_allclose(warm.params_, direct.params_, rtol=1e-6)
    assert abs(warm.log_likelihood_ - direct.log_likelihood_) <= 1e-10 * abs(direct.log_likelihood_)
