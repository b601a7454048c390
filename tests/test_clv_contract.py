"""The estimator contract shared by every model of cvm_lib.clv: scikit-learn conventions,
lifelines-style summaries, convergence reporting and unfitted-model errors."""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pandas as pd
import pytest

from cvm_lib import clv
from cvm_lib.clv import (BetaGeo, BetaGeoBetaBinom, ConvergenceWarning, GammaGamma, ModifiedBetaGeo, NotFittedError,
                         ParetoNBD, ShiftedBetaGeo)
from cvm_lib.datasets import cdnow, donations
from cvm_lib.summary import calibration_holdout

NAMES = {
    BetaGeo: ["r", "alpha", "a", "b"],
    ModifiedBetaGeo: ["r", "alpha", "a", "b"],
    ParetoNBD: ["r", "alpha", "s", "beta"],
    BetaGeoBetaBinom: ["alpha", "beta", "gamma", "delta"],
    ShiftedBetaGeo: ["alpha", "beta"],  # DESIGN.md; Fader & Hardie write gamma, delta
    GammaGamma: ["p", "q", "gamma"],
}


@pytest.fixture(scope="module")
def inputs():
    cal = calibration_holdout(cdnow(sample=True), calibration_end="1997-09-30", observation_end="1998-06-30",
                              time_unit="W")
    return {
        BetaGeo: cal, ModifiedBetaGeo: cal, ParetoNBD: cal, GammaGamma: cal[cal["frequency"] > 0],
        BetaGeoBetaBinom: donations(), ShiftedBetaGeo: [1000, 631, 468, 382, 326, 289, 262, 241],
    }


@pytest.fixture(scope="module")
def fitted(inputs):
    return {cls: cls().fit(data) for cls, data in inputs.items()}


def test_public_api():
    for name in ("BetaGeo", "ModifiedBetaGeo", "ParetoNBD", "BetaGeoBetaBinom", "ShiftedBetaGeo", "GammaGamma",
                 "customer_lifetime_value", "customer_equity", "teaching_clv", "ConvergenceWarning",
                 "NotFittedError"):
        assert name in clv.__all__ and hasattr(clv, name)
    assert issubclass(ConvergenceWarning, UserWarning)
    assert issubclass(NotFittedError, ValueError) and issubclass(NotFittedError, AttributeError)


@pytest.mark.parametrize("cls", list(NAMES))
def test_constructor_only_stores_parameters(cls):
    model = cls(penalizer=0.5, tol=1e-6, max_iter=50, initial_params=None)
    covariates = {"purchase_covariates": None, "dropout_covariates": None} if cls in (BetaGeo, ModifiedBetaGeo,
                                                                                      ParetoNBD) else {}
    assert model.get_params() == {"penalizer": 0.5, "tol": 1e-6, "max_iter": 50, "initial_params": None,
                                  **covariates}
    assert not [k for k in vars(model) if k.endswith("_")]
    assert not model.is_fitted
    assert model.set_params(max_iter=10) is model and model.max_iter == 10
    with pytest.raises(ValueError, match="invalid parameter"):
        model.set_params(learning_rate=1)
    assert set(inspect.signature(cls.__init__).parameters) == {"self", "penalizer", "tol", "max_iter",
                                                               "initial_params", *covariates}


@pytest.mark.parametrize("cls", list(NAMES))
def test_sklearn_clone(cls):
    base = pytest.importorskip("sklearn.base")
    model = cls(penalizer=0.1)
    copy = base.clone(model)
    assert copy is not model and copy.get_params() == model.get_params()


@pytest.mark.parametrize("cls", list(NAMES))
def test_fit_returns_self_with_fitted_attributes(cls, inputs):
    model = cls()
    assert model.fit(inputs[cls]) is model
    assert list(model.params_.index) == NAMES[cls]
    assert model.converged_ is True and np.isfinite(model.log_likelihood_)
    assert model.n_customers_ > 0 and model.n_iter_ > 0
    assert list(model.standard_errors_.index) == NAMES[cls]
    assert model.covariance_.shape == (len(NAMES[cls]),) * 2
    np.testing.assert_allclose(model.covariance_, model.covariance_.T, rtol=1e-10, atol=1e-14)
    assert model.log_likelihood(inputs[cls]) == pytest.approx(model.log_likelihood_, rel=1e-12)
    assert "fitted" in repr(model)


@pytest.mark.parametrize("cls", list(NAMES))
def test_refit_resets_results(cls, inputs):
    model = cls().fit(inputs[cls])
    first = model.params_.copy()
    with pytest.warns(ConvergenceWarning):
        model.set_params(max_iter=1).fit(inputs[cls])
    assert not model.converged_ and not np.allclose(model.params_, first)
    model.set_params(max_iter=1000).fit(inputs[cls])
    assert model.converged_
    np.testing.assert_allclose(model.params_, first, rtol=1e-6)


@pytest.mark.parametrize("cls", list(NAMES))
def test_summary_table(cls, fitted):
    model = fitted[cls]
    table = model.summary()
    assert list(table.index) == NAMES[cls]
    assert list(table.columns) == ["estimate", "std error", "lower 95%", "upper 95%"]
    assert (table["std error"] > 0).all()
    assert (table["lower 95%"] > 0).all()  # log-scale intervals stay positive
    assert ((table["lower 95%"] < table["estimate"]) & (table["estimate"] < table["upper 95%"])).all()
    # The interval is exp(log(theta) -/+ 1.96 se(log theta)), se(log theta) = se / theta.
    se_log = table["std error"] / table["estimate"]
    np.testing.assert_allclose(np.log(table["upper 95%"] / table["estimate"]), 1.959964 * se_log, rtol=1e-6)
    np.testing.assert_allclose(np.log(table["estimate"] / table["lower 95%"]), 1.959964 * se_log, rtol=1e-6)
    assert table.attrs["converged"] is True
    assert table.attrs["log_likelihood"] == pytest.approx(model.log_likelihood_)
    assert table.attrs["n_customers"] == model.n_customers_
    assert "log-likelihood" in table.attrs["caption"]
    assert list(model.summary(alpha=0.1).columns) == ["estimate", "std error", "lower 90%", "upper 90%"]


def test_standard_errors_match_a_direct_hessian(fitted):
    # Standard errors from the log-scale information and the delta method equal those of
    # a direct finite-difference Hessian of the total log-likelihood on the natural scale.
    bg = fitted[BetaGeo]
    theta = bg.params_.to_numpy()
    data = calibration_holdout(cdnow(sample=True), calibration_end="1997-09-30", observation_end="1998-06-30",
                               time_unit="W")
    h = 1e-4 * theta
    hess = np.empty((4, 4))
    for i in range(4):
        for j in range(4):
            def f(di, dj):
                p = theta.copy()
                p[i] += di
                p[j] += dj
                return bg.log_likelihood(data, params=p)
            hess[i, j] = (f(h[i], h[j]) - f(h[i], -h[j]) - f(-h[i], h[j]) + f(-h[i], -h[j])) / (4 * h[i] * h[j])
    se = np.sqrt(np.diag(np.linalg.inv(-hess)))
    np.testing.assert_allclose(bg.standard_errors_.to_numpy(), se, rtol=1e-3)


@pytest.mark.parametrize("cls", list(NAMES))
def test_unfitted_model_raises(cls, inputs):
    model = cls()
    with pytest.raises(NotFittedError, match="not fitted yet"):
        model.summary()
    with pytest.raises(NotFittedError):
        model.log_likelihood(inputs[cls])
    methods = {BetaGeo: ["prob_alive", "expected_purchases", "expected_purchases_new"],
               BetaGeoBetaBinom: ["prob_alive", "expected_purchases", "expected_purchases_new"],
               ShiftedBetaGeo: ["survival", "retention_rate", "expected_lifetime"],
               GammaGamma: ["expected_spend"]}.get(cls, ["prob_alive", "expected_purchases_new"])
    args = {"prob_alive": (inputs[cls],), "expected_purchases": (inputs[cls], 1), "expected_purchases_new": (1,),
            "survival": (1,), "retention_rate": (1,), "expected_lifetime": (), "expected_spend": (inputs[cls],)}
    for name in methods:
        with pytest.raises(NotFittedError, match=f"this {cls.__name__} is not fitted"):
            getattr(model, name)(*args[name])
    with pytest.raises(AttributeError):
        model.params_


@pytest.mark.parametrize("cls", list(NAMES))
def test_initial_params_and_bad_hyperparameters(cls, inputs, fitted):
    start = fitted[cls].params_ * 1.3
    model = cls(initial_params=start.to_dict()).fit(inputs[cls])
    np.testing.assert_allclose(model.params_, fitted[cls].params_, rtol=1e-5)
    with pytest.raises(ValueError, match="initial_params"):
        cls(initial_params=[-1.0] * len(NAMES[cls])).fit(inputs[cls])
    with pytest.raises(ValueError, match="penalizer"):
        cls(penalizer=-1).fit(inputs[cls])
    with pytest.raises(ValueError, match="max_iter"):
        cls(max_iter=0).fit(inputs[cls])


def test_no_warnings_on_a_clean_fit(inputs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for cls, data in inputs.items():
            cls().fit(data).summary()


def test_prob_alive_and_expectations_are_series_aligned(fitted, inputs):
    cal = inputs[BetaGeo].sample(50, random_state=0)
    for cls in (BetaGeo, ModifiedBetaGeo, ParetoNBD):
        model = fitted[cls]
        alive = model.prob_alive(cal)
        future = model.expected_purchases(cal, 10)
        for result in (alive, future):
            assert isinstance(result, pd.Series) and result.index.equals(cal.index)
        assert ((alive > 0) & (alive <= 1)).all() and (future >= 0).all()
        # Per-row horizons are accepted too.
        per_row = model.expected_purchases(cal, np.full(len(cal), 10.0))
        pd.testing.assert_series_equal(per_row, future)


# --------------------------------------------------------------------------- #
# scikit-learn: BaseEstimator, clone, check_is_fitted, NotFittedError
# --------------------------------------------------------------------------- #
def _covariate_variants():
    from _btyd_sim import simulate_bgnbd, simulate_pnbd

    gp, gd = np.array([0.5, -0.3]), np.array([0.7])
    bg = simulate_bgnbd(1500, 0.8, 5.0, 1.0, 3.0, gp, gd, seed=12)
    pn = simulate_pnbd(1000, 0.8, 5.0, 0.6, 20.0, gp, gd, seed=11)
    kw = {"purchase_covariates": ["group", "u"], "dropout_covariates": ["group"], "penalizer": 0.01, "max_iter": 500}
    return [(BetaGeo(**kw), bg), (ModifiedBetaGeo(**kw), bg), (ParetoNBD(**kw), pn)]


@pytest.fixture(scope="module")
def every_estimator(inputs):
    return [(cls(penalizer=0.01, max_iter=500), inputs[cls]) for cls in NAMES] + _covariate_variants()


def test_every_estimator_follows_the_sklearn_contract(every_estimator):
    from sklearn.base import BaseEstimator, clone
    from sklearn.exceptions import NotFittedError as SklearnNotFittedError
    from sklearn.utils.validation import check_is_fitted

    assert issubclass(NotFittedError, SklearnNotFittedError)
    for model, data in every_estimator:
        name = type(model).__name__
        assert isinstance(model, BaseEstimator), name
        params = model.get_params()
        assert params["penalizer"] == 0.01 and params["max_iter"] == 500
        # clone: a new unfitted estimator with equal constructor arguments
        copy = clone(model)
        assert type(copy) is type(model) and copy is not model and copy.get_params() == params
        assert copy.set_params(tol=1e-7) is copy and copy.tol == 1e-7 and model.tol == 1e-8
        with pytest.raises(SklearnNotFittedError):
            check_is_fitted(model)
        with pytest.raises(SklearnNotFittedError, match="not fitted yet"):
            model.summary()
        # the HTML representation of notebooks (sklearn's estimator diagram)
        html = model._repr_html_()
        assert name in html and "penalizer" in html
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            model.fit(data)
            check_is_fitted(model)
            refit = clone(model).fit(data)
        assert not [k for k in vars(clone(model)) if k.endswith("_") and not k.startswith("_")]
        # clone(model).fit(data) reaches identical estimates (deterministic optimiser)
        pd.testing.assert_series_equal(refit.params_, model.params_)
        assert refit.log_likelihood_ == model.log_likelihood_
        if hasattr(model, "coefficients_"):
            pd.testing.assert_series_equal(refit.coefficients_, model.coefficients_)
        # get_params / set_params round trip through the constructor
        rebuilt = type(model)(**model.get_params())
        assert rebuilt.get_params() == model.get_params()


def test_summary_tables_render_as_html(fitted):
    for cls, model in fitted.items():
        table = model.summary()
        html = table._repr_html_()
        assert "estimate" in html and "std error" in html, cls.__name__
