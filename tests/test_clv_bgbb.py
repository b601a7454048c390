"""BG/BB: Fader, Hardie & Shang (2010) on the donations data, lifetimes cross-check,
gradient, extremes and validation."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from cvm_lib.clv import BetaGeoBetaBinom, ConvergenceWarning
from cvm_lib.data import CvmDataError
from cvm_lib.datasets import donations


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return donations()


@pytest.fixture(scope="module")
def model(data) -> BetaGeoBetaBinom:
    return BetaGeoBetaBinom().fit(data)


def cell(data, x, t):
    return data[(data["frequency"] == x) & (data["recency"] == t)]


def test_published_estimates_and_log_likelihood(model):
    assert model.converged_ and model.n_customers_ == 11104
    assert model.params_.round(3).to_dict() == {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}
    assert round(model.log_likelihood_, 1) == -33225.6
    # pymc-marketing's reference values: 1.2035, 0.7497, 0.6567, 2.7834.
    np.testing.assert_allclose(model.params_, [1.2035, 0.7497, 0.6567, 2.7834], atol=6e-5)


def test_p_alive_table_6(model, data):
    # P(alive in 2002) for (x, t_x) = (0, 0), (2, 4), (6, 6).
    for (x, t), expected in {(0, 0): 0.11, (2, 4): 0.59, (6, 6): 0.93}.items():
        assert round(float(model.prob_alive(cell(data, x, t)).iloc[0]), 2) == expected
    later = model.prob_alive(data, n_future=5)
    assert (later < model.prob_alive(data)).all()


def test_in_sample_fit_and_conditional_expectations(model, data):
    # Expected numbers of donors with 0 and 6 repeat donations ("In-Sample Fit" C18, C24).
    np.testing.assert_allclose(11104 * model.prob_purchases([0, 6], 6), [3454.9, 1253.1], atol=0.05)
    assert model.prob_purchases(np.arange(7), 6).sum() == pytest.approx(1.0, rel=1e-12)
    assert model.prob_purchases(7, 6) == 0.0
    # Sum of the 5-period conditional expectations ("Conditional Expectations (II)", column F).
    total = float((model.expected_purchases(data, 5) * data["weights"]).sum())
    assert total == pytest.approx(12884.2, abs=0.05)
    assert (model.expected_purchases(data, 0) == 0).all()


def test_new_customer_tracking_plot(model):
    expected = [0.4985, 0.9233, 1.2969, 1.6323, 1.9381, 2.2202, 2.4826, 2.7285, 2.9603, 3.1798, 3.3887]
    got = model.expected_purchases_new(list(range(1, 12)))
    np.testing.assert_allclose(got.to_numpy(), expected, atol=5e-5)
    assert model.expected_purchases_new(0) == 0.0


def test_equals_lifetimes(model, data, lifetimes_module):
    x, t, n = (data[c].to_numpy() for c in ("frequency", "recency", "n_periods"))
    fitter = lifetimes_module.BetaGeoBetaBinomFitter
    for params in ([1.204, 0.750, 0.657, 2.783], [0.3, 3.0, 2.0, 0.5]):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = fitter._loglikelihood(params, x, t, n)
        prep = model._prepare(data.drop(columns="weights"))
        # Row by row (lifetimes adds 1e-15 to the second term, far below this tolerance).
        ours = BetaGeoBetaBinom()._loglik(np.array(params), prep, grad=False)[0]
        lookup = pd.Series(ours, index=pd.MultiIndex.from_arrays([prep.arrays["x"], prep.arrays["t"]]))
        np.testing.assert_allclose(lookup.loc[list(zip(x, t))].to_numpy(), theirs, rtol=1e-9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        peer = fitter().fit(data["frequency"], data["recency"], data["n_periods"], weights=data["weights"])
        np.testing.assert_allclose(peer.params_[["alpha", "beta", "gamma", "delta"]].to_numpy(), model.params_,
                                   rtol=1e-4)
        peer.params_ = pd.Series(model.params_.to_numpy(), index=["alpha", "beta", "gamma", "delta"])
        cond = peer.conditional_expected_number_of_purchases_up_to_time(5, data["frequency"], data["recency"],
                                                                         data["n_periods"])
        alive = peer.conditional_probability_alive(1, data["frequency"].to_numpy(), data["recency"].to_numpy(),
                                                   data["n_periods"].to_numpy())
        new = peer.expected_number_of_transactions_in_first_n_periods(6)
    np.testing.assert_allclose(model.expected_purchases(data, 5).to_numpy(), np.asarray(cond), rtol=1e-8)
    np.testing.assert_allclose(model.prob_alive(data).to_numpy(), np.asarray(alive), rtol=1e-8)
    np.testing.assert_allclose(11104 * model.prob_purchases(np.arange(7), 6), new["model"].to_numpy(), rtol=1e-8)


def test_gradient_matches_finite_differences(data):
    model = BetaGeoBetaBinom()
    prep = model._prepare(data)
    theta = np.array([1.2, 0.75, 0.66, 2.78])
    _, grad = model._loglik(theta, prep, grad=True)
    for j in range(4):
        e = np.zeros(4)
        e[j] = 1e-6
        fd = (model._loglik(theta + e, prep, False)[0] - model._loglik(theta - e, prep, False)[0]) / 2e-6
        np.testing.assert_allclose(grad[:, j], fd, rtol=1e-5, atol=1e-7)


def test_weights_column_equals_expanded_rows(data, model):
    expanded = data.loc[data.index.repeat(data["weights"])].drop(columns="weights")
    plain = BetaGeoBetaBinom().fit(expanded)
    np.testing.assert_allclose(plain.params_, model.params_, rtol=1e-6)
    assert plain.log_likelihood_ == pytest.approx(model.log_likelihood_, rel=1e-10)


def test_long_histories_stay_finite(model):
    long = pd.DataFrame({"frequency": [0, 300, 300, 1], "recency": [0, 300, 301, 1], "n_periods": [1000] * 4})
    prep = model._prepare(long)
    for theta in ([1.2, 0.75, 0.66, 2.78], [1e-3, 1e3, 1e3, 1e-3]):
        ll, grad = model._loglik(np.array(theta), prep, grad=True)
        assert np.isfinite(ll).all() and np.isfinite(grad).all()
    for values in (model.prob_alive(long), model.expected_purchases(long, 100)):
        assert np.isfinite(values).all() and (values >= 0).all()


@pytest.mark.parametrize("change, message", [
    ({"frequency": 5, "recency": 3}, "frequency.*larger than recency"),
    ({"recency": 7}, "recency.*larger than n_periods"),
    ({"frequency": 0, "recency": 2}, "recency.*0 for customers with frequency 0"),
    ({"n_periods": 2.5}, "n_periods.*whole numbers"),
])
def test_validation(data, change, message):
    bad = data.copy().astype("float64")
    for column, value in change.items():
        bad.loc[4, column] = value
    with pytest.raises(CvmDataError, match=message) as info:
        BetaGeoBetaBinom().fit(bad)
    assert info.value.rows == [4]


def test_convergence_failure(data):
    with pytest.warns(ConvergenceWarning, match="BG/BB"):
        failed = BetaGeoBetaBinom(max_iter=1).fit(data)
    assert not failed.converged_
