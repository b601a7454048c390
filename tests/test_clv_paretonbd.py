"""Pareto/NBD: published CDNOW values, accuracy of the likelihood against an independent
quadrature (including the regions where scipy's hyp2f1 fails), lifetimes cross-checks,
parameter recovery and numerical extremes."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import special
from scipy.integrate import IntegrationWarning, quad

from cvm_lib.clv import BetaGeo, ConvergenceWarning, ParetoNBD
from cvm_lib.clv._special import pnbd_loglik, pnbd_points, pnbd_total
from cvm_lib.datasets import cdnow, simulate_retail
from cvm_lib.summary import calibration_holdout

from test_clv_bgnbd import row_summary, wald_p_value

PUBLISHED = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}


@pytest.fixture(scope="module")
def model(cal) -> ParetoNBD:
    return ParetoNBD().fit(cal)


def with_params(cal, params) -> ParetoNBD:
    fitted = ParetoNBD().fit(cal)
    fitted.params_ = pd.Series(params, dtype="float64")
    return fitted


# --------------------------------------------------------------------------- #
# Published values
# --------------------------------------------------------------------------- #
def test_published_estimates_and_log_likelihood(model):
    assert model.converged_
    assert model.params_.round(3).to_dict() == PUBLISHED
    assert round(model.log_likelihood_, 1) == -9595.0
    assert model.log_likelihood_ == pytest.approx(-9594.976, abs=1e-3)  # CLVTools and BTYD: -9594.976


def test_log_likelihood_at_published_parameters(cal):
    assert ParetoNBD().log_likelihood(cal, params=PUBLISHED) == pytest.approx(-9594.976, abs=0.01)


def test_btyd_walkthrough_customer_1516(model):
    heavy = pd.DataFrame({"frequency": [26.0], "recency": [30.86], "T": [31.0]})
    assert float(model.expected_purchases(heavy, 52).iloc[0]) == pytest.approx(25.46, abs=0.01)


def test_unconditional_expectations_btyd_manual(model):
    expected = [0, 0.05077821, 0.09916088, 0.14542507, 0.18979930, 0.23247466, 0.27361274, 0.31335159,
                0.35181024, 0.38909211]
    np.testing.assert_allclose(model.expected_purchases_new(np.arange(10.0)).to_numpy(), expected, atol=0.01)
    assert model.expected_purchases_new(52.0) == pytest.approx(1.473, abs=1e-3)  # pnbd.Expectation(t=52)


def test_holdout_totals_and_zero_class(cal, model):
    # DER at the published parameters: model totals 2524.0 (calibration) and 1744.9 (holdout).
    published = with_params(cal, PUBLISHED)
    T = cal["T"].to_numpy()
    calibration = published.expected_purchases_new(T).to_numpy()
    holdout = published.expected_purchases_new(T + 39).to_numpy() - calibration
    assert calibration.sum() == pytest.approx(2524.0, abs=0.1)
    assert holdout.sum() == pytest.approx(1744.9, abs=0.1)
    # FHL (2005) comparison of the two models (secondary summary): the zero class's
    # conditional expectation is 0.23 under the BG/NBD and 0.14 under the Pareto/NBD
    # (actual 0.24); the two models' conditional expectations correlate at 0.996 and
    # correlate with the holdout purchases at 0.626 / 0.630.
    bg = BetaGeo().fit(cal)
    zero = cal["frequency"] == 0
    assert bg.expected_purchases(cal[zero], 39).mean() == pytest.approx(0.23, abs=0.005)
    assert model.expected_purchases(cal[zero], 39).mean() == pytest.approx(0.14, abs=0.005)
    e_bg, e_pnbd = bg.expected_purchases(cal, 39), model.expected_purchases(cal, 39)
    assert np.corrcoef(e_bg, e_pnbd)[0, 1] == pytest.approx(0.996, abs=1e-3)
    assert np.corrcoef(e_bg, cal["frequency_holdout"])[0, 1] == pytest.approx(0.626, abs=1e-3)
    assert np.corrcoef(e_pnbd, cal["frequency_holdout"])[0, 1] == pytest.approx(0.630, abs=1e-3)


# --------------------------------------------------------------------------- #
# The likelihood against an independent computation
# --------------------------------------------------------------------------- #
def reference_loglik(r, alpha, s, beta, x, t, T) -> float:
    """Direct adaptive quadrature of the defining integral, with no hypergeometric function.

    ``L = Gamma(r+x) alpha^r beta^s / Gamma(r) [(alpha+T)^-(r+x) (beta+T)^-s + s I]``,
    ``I = int_t^T (alpha+y)^-(r+x) (beta+y)^-(s+1) dy``, scaled by the integrand at ``t``.
    """
    rx = r + x

    def log_f(y):
        return -rx * np.log(alpha + y) - (s + 1) * np.log(beta + y)

    log_i = -np.inf
    if T > t:
        scale = 1.0 / (rx / (alpha + t) + (s + 1) / (beta + t))
        points = [t + scale * k for k in (1, 5, 20, 100, 1000, 1e4) if t + scale * k < T]
        with warnings.catch_warnings():  # quad's roundoff notices at 1e-13 relative
            warnings.simplefilter("ignore", IntegrationWarning)
            value, _ = quad(lambda y: np.exp(log_f(y) - log_f(t)), t, T, points=points or None, limit=1000,
                            epsabs=0, epsrel=1e-13)
        log_i = np.log(value) + log_f(t)
    const = special.gammaln(rx) - special.gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    return float(const + np.logaddexp(-rx * np.log(alpha + T) - s * np.log(beta + T), np.log(s) + log_i))


def random_cases(n: int, seed: int) -> list[tuple]:
    rng = np.random.default_rng(seed)
    cases = []
    for _ in range(n):
        r, s = 10 ** rng.uniform(-2, 1.5), 10 ** rng.uniform(-2, 1.5)
        alpha, beta = 10 ** rng.uniform(-3, 4), 10 ** rng.uniform(-3, 4)
        kind = rng.integers(6)
        if kind == 0:  # alpha = beta and nearly so
            beta = alpha * (1 + rng.choice([0.0, 1e-9, -1e-9, 1e-3]))
        elif kind == 1:  # s + 1 an integer: scipy's hyp2f1 is unreliable as its argument -> 1
            s = float(rng.integers(1, 4))
        elif kind == 2:
            r = float(rng.integers(1, 4))
        x = float(rng.choice([0, 1, 3, 20, 500, 5000]))
        T = 10 ** rng.uniform(-1, 4)
        t = 0.0 if x == 0 else T * float(rng.choice([1.0, rng.uniform(), 1 - 1e-9, 1e-6]))
        cases.append((r, alpha, s, beta, x, t, T))
    return cases


def test_log_likelihood_matches_direct_quadrature():
    worst = 0.0
    for r, alpha, s, beta, x, t, T in random_cases(150, seed=11):
        ours = pnbd_loglik(r, alpha, s, beta, np.array([x]), np.array([t]), np.array([T]))[0][0]
        ref = reference_loglik(r, alpha, s, beta, x, t, T)
        assert np.isfinite(ours)
        worst = max(worst, abs(ours - ref) / max(1.0, abs(ref)))
    assert worst < 1e-10


def test_accurate_where_the_hyp2f1_formula_breaks(lifetimes_module):
    # alpha >> beta with s + 1 = 2 (an integer): the 2F1 argument (alpha - beta) / alpha is
    # 0.9995 and the textbook evaluation (lifetimes, via scipy.special.hyp2f1) returns NaN.
    case = (2.370684716767981, 722.1504036250608, 1.0, 0.3622078866777455, 0.0, 0.0, 29.971855562499023)
    r, alpha, s, beta, x, t, T = case
    ours = pnbd_loglik(r, alpha, s, beta, np.array([x]), np.array([t]), np.array([T]))[0][0]
    assert ours == pytest.approx(reference_loglik(*case), rel=1e-10)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        theirs = lifetimes_module.ParetoNBDFitter._conditional_log_likelihood(
            (r, alpha, s, beta), np.array([x]), np.array([t]), np.array([T]))[0]
    assert not np.isfinite(theirs)


def test_gradient_matches_finite_differences():
    for r, alpha, s, beta, x, t, T in random_cases(40, seed=5):
        theta = np.array([r, alpha, s, beta])
        args = (np.array([x]), np.array([t]), np.array([T]))
        grad = pnbd_loglik(*theta, *args, grad=True)[2][0] * theta  # d / d log(theta)
        for j in range(4):
            up, down = theta.copy(), theta.copy()
            up[j] *= np.exp(1e-6)
            down[j] *= np.exp(-1e-6)
            fd = (pnbd_loglik(*up, *args)[0][0] - pnbd_loglik(*down, *args)[0][0]) / 2e-6
            assert grad[j] == pytest.approx(fd, rel=1e-4, abs=1e-5)


def test_grouped_total_equals_row_sum(cal):
    model = ParetoNBD()
    prep = model._prepare(cal)
    a = prep.arrays
    x_counts = np.bincount(prep.extra["x_inverse"], weights=prep.counts)
    for theta in ([0.55, 10.6, 0.6, 11.7], [2.0, 1.0, 0.3, 300.0], [0.1, 500.0, 4.0, 0.2]):
        ll, _, dll = pnbd_loglik(*theta, a["x"], a["t"], a["T"], grad=True)
        total, grad, hess = pnbd_total(*theta, a["x"], prep.counts, pnbd_points(a["x"], a["t"], a["T"]),
                                       prep.extra["x_values"], x_counts, grad=True, hess=True)
        assert total == pytest.approx(float(prep.counts @ ll), rel=1e-12)
        np.testing.assert_allclose(grad, prep.counts @ dll, rtol=1e-9)
        # The analytic Hessian against central differences of the analytic gradient.
        fd = np.empty((4, 4))
        for j in range(4):
            step = np.zeros(4)
            step[j] = 1e-6 * theta[j]
            up = pnbd_total(*(np.array(theta) + step), a["x"], prep.counts, pnbd_points(a["x"], a["t"], a["T"]),
                            prep.extra["x_values"], x_counts, grad=True)[1]
            down = pnbd_total(*(np.array(theta) - step), a["x"], prep.counts, pnbd_points(a["x"], a["t"], a["T"]),
                              prep.extra["x_values"], x_counts, grad=True)[1]
            fd[:, j] = (up - down) / (2 * step[j])
        np.testing.assert_allclose(hess, fd, rtol=1e-6, atol=1e-6 * np.abs(fd).max())


# --------------------------------------------------------------------------- #
# lifetimes
# --------------------------------------------------------------------------- #
def test_log_likelihood_equals_lifetimes(cal, lifetimes_module):
    x, t, T = (cal[c].to_numpy() for c in ("frequency", "recency", "T"))
    for params in ([0.553, 10.578, 0.606, 11.669], [1.2, 30.0, 0.4, 5.0], [0.3, 2.0, 2.5, 40.0]):
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            theirs = lifetimes_module.ParetoNBDFitter._conditional_log_likelihood(params, x, t, T)
        ours = pnbd_loglik(*params, x, t, T)[0]
        np.testing.assert_allclose(ours, theirs, rtol=1e-9)
        assert ParetoNBD().log_likelihood(cal, params=params) == pytest.approx(theirs.sum(), rel=1e-10)


def test_predictions_and_optimum_equal_lifetimes(cal, model, lifetimes_module):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        peer = lifetimes_module.ParetoNBDFitter().fit(cal["frequency"], cal["recency"], cal["T"])
    # lifetimes' Nelder-Mead stops early; its optimum is no better than ours.
    np.testing.assert_allclose(peer.params_[["r", "alpha", "s", "beta"]].to_numpy(), model.params_.to_numpy(),
                               rtol=5e-3)
    assert ParetoNBD().log_likelihood(cal, params=peer.params_[["r", "alpha", "s", "beta"]]) <= \
        model.log_likelihood_ + 1e-6
    peer.params_ = model.params_.copy()
    x, t, T = cal["frequency"], cal["recency"], cal["T"]
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        cond = peer.conditional_expected_number_of_purchases_up_to_time(39.0, x, t, T)
        alive = peer.conditional_probability_alive(x, t, T)
        new = peer.expected_number_of_purchases_up_to_time(np.array([1.0, 39.0, 78.0]))
    np.testing.assert_allclose(model.expected_purchases(cal, 39.0).to_numpy(), np.asarray(cond), rtol=1e-8)
    np.testing.assert_allclose(model.prob_alive(cal).to_numpy(), np.asarray(alive), rtol=1e-8)
    np.testing.assert_allclose(model.expected_purchases_new([1.0, 39.0, 78.0]).to_numpy(), np.asarray(new),
                               rtol=1e-10)


# --------------------------------------------------------------------------- #
# Recovery, extremes, units
# --------------------------------------------------------------------------- #
def test_recovers_simulated_pareto_nbd_parameters():
    data = simulate_retail(30_000, seed=2, process="pareto_nbd", channel_shares={"organic": 1.0},
                           programme_share=0.0, survey_share=0.0)
    truth = data.truth["purchase_params"]["organic"]
    fitted = ParetoNBD().fit(row_summary(data))
    assert fitted.converged_
    z = (fitted.params_ - pd.Series(truth)) / fitted.standard_errors_
    assert (z.abs() < 3.5).all(), z
    assert wald_p_value(fitted, truth) > 1e-3


EXTREMES = pd.DataFrame({
    "frequency": [5000.0, 5000.0, 0.0, 0.0, 1.0, 3000.0, 200.0],
    "recency": [60.0, 1e-6, 0.0, 0.0, 1e6, 1e6, 0.5],
    "T": [60.0, 60.0, 1e6, 1e-9, 1e6, 1e6, 1e4],
})


@pytest.mark.parametrize("params", [[0.553, 10.578, 0.606, 11.669], [50.0, 1e-3, 20.0, 1e-3],
                                    [1e-3, 1e4, 1e-3, 1e3], [1.0, 1.0, 1.0, 1.0], [0.5, 1e-3, 1.0, 1e5]])
def test_extreme_customers_stay_finite(params):
    model = ParetoNBD()
    prep = model._prepare(EXTREMES)
    theta = np.array(params)
    ll, grad = model._loglik(theta, prep, grad=True)
    assert np.isfinite(ll).all() and np.isfinite(grad).all()
    total, gsum = model._total_loglik(theta, prep, grad=True)
    assert np.isfinite(total) and np.isfinite(gsum).all()
    model.params_ = pd.Series(theta, index=["r", "alpha", "s", "beta"])
    alive = model.prob_alive(EXTREMES).to_numpy()
    assert np.isfinite(alive).all() and ((alive >= 0) & (alive <= 1)).all()
    future = model.expected_purchases(EXTREMES, 52.0).to_numpy()
    assert np.isfinite(future).all() and (future >= 0).all()


def test_heavy_buyer_with_recency_equal_to_t(model):
    heavy = EXTREMES.iloc[[0]]
    r, alpha, s, beta = model.params_
    # Alive with near certainty; P(alive) = 1 / (1 + s/(r+s+x) [((a+T)/(a+t))^(r+s+x) F(...) - F(...)])
    assert float(model.prob_alive(heavy).iloc[0]) == pytest.approx(1.0, abs=1e-3)
    assert float(model.expected_purchases(heavy, 1.0).iloc[0]) == pytest.approx((r + 5000) / (alpha + 60), rel=0.01)


def test_time_unit_changes_only_the_rates(cal, model):
    days = calibration_holdout(cdnow(sample=True), calibration_end="1997-09-30", observation_end="1998-06-30",
                               time_unit="D")
    daily = ParetoNBD().fit(days)
    np.testing.assert_allclose(daily.params_[["r", "s"]], model.params_[["r", "s"]], rtol=1e-4)
    np.testing.assert_allclose(daily.params_[["alpha", "beta"]], 7 * model.params_[["alpha", "beta"]], rtol=1e-4)
    assert daily.log_likelihood_ == pytest.approx(model.log_likelihood_ - cal["frequency"].sum() * np.log(7),
                                                  abs=1e-4)


def test_convergence_failure_is_reported(cal):
    with pytest.warns(ConvergenceWarning, match=r"ParetoNBD \(Pareto/NBD\) did not converge"):
        failed = ParetoNBD(max_iter=2).fit(cal)
    assert failed.converged_ is False
    assert failed.standard_errors_.isna().all()
