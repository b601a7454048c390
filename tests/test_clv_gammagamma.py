"""Gamma-Gamma spend model: Fader & Hardie (2013) on CDNOW, lifetimes cross-check,
recovery on simulated spend, extremes and validation."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from cvm_lib.clv import GammaGamma
from cvm_lib.data import CvmDataError
from cvm_lib.datasets import cdnow, simulate_retail
from cvm_lib.summary import calibration_holdout

from test_clv_bgnbd import row_summary, sample_order, wald_p_value


@pytest.fixture(scope="module")
def repeaters(cal) -> pd.DataFrame:
    return cal[cal["frequency"] > 0]


@pytest.fixture(scope="module")
def model(repeaters) -> GammaGamma:
    return GammaGamma().fit(repeaters)


def test_data_match_the_note(repeaters):
    assert len(repeaters) == 946
    assert repeaters["monetary_value"].mean() == pytest.approx(35.078, abs=0.01)  # "Average profit: 35.0786"
    assert repeaters["monetary_value"].corr(repeaters["frequency"]) == pytest.approx(0.1139, abs=1e-3)


def test_published_estimates_and_log_likelihood(model):
    assert model.converged_ and model.n_customers_ == 946
    assert model.params_.round(2).to_dict() == {"p": 6.25, "q": 3.74, "gamma": 15.44}
    assert model.log_likelihood_ == pytest.approx(-4055.9177, abs=1e-3)  # CLVTools' reference value
    p, q, g = model.params_
    assert model.expected_spend_new() == pytest.approx(p * g / (q - 1))
    assert model.expected_spend_new() == pytest.approx(35.2, abs=0.05)


def test_conditional_expected_spend_of_first_ten_customers(model, cal):
    published = [24.65, 18.91, 35.17, 35.17, 35.17, 71.46, 18.91, 35.17, 27.28, 35.17]
    got = model.expected_spend(sample_order(cal).head(10))
    np.testing.assert_allclose(got.to_numpy(), published, atol=0.01)
    # The mean over all 2,357 customers, those without repeat purchase at the population
    # mean (btyd / lifetimes README: 35.2529588256).
    assert model.expected_spend(cal).mean() == pytest.approx(35.2530, abs=2e-3)


def test_expected_spend_is_a_credibility_weighted_mean(model):
    p, q, g = model.params_
    data = pd.DataFrame({"frequency": [1.0, 10.0, 1000.0], "monetary_value": [100.0, 100.0, 100.0]})
    spend = model.expected_spend(data)
    population = p * g / (q - 1)
    weights = p * data["frequency"] / (p * data["frequency"] + q - 1)
    np.testing.assert_allclose(spend, weights * 100 + (1 - weights) * population, rtol=1e-12)
    assert spend.is_monotonic_increasing and spend.iloc[-1] == pytest.approx(100, abs=0.05)


def test_equals_lifetimes(repeaters, model, lifetimes_module):
    x, m = repeaters["frequency"].to_numpy(), repeaters["monetary_value"].to_numpy()
    for params in ([6.25, 3.74, 15.44], [1.0, 2.0, 30.0], [20.0, 0.5, 3.0]):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mean_nll = lifetimes_module.GammaGammaFitter._negative_log_likelihood(np.log(params), x, m,
                                                                                  np.ones(len(x)), 0.0)
        assert GammaGamma().log_likelihood(repeaters, params=params) == pytest.approx(-mean_nll * len(x), rel=1e-10)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        peer = lifetimes_module.GammaGammaFitter().fit(repeaters["frequency"], repeaters["monetary_value"])
        np.testing.assert_allclose(peer.params_[["p", "q", "v"]].to_numpy(), model.params_.to_numpy(), rtol=1e-3)
        peer.params_ = pd.Series(model.params_.to_numpy(), index=["p", "q", "v"])
        theirs = peer.conditional_expected_average_profit(repeaters["frequency"], repeaters["monetary_value"])
    np.testing.assert_allclose(model.expected_spend(repeaters).to_numpy(), np.asarray(theirs), rtol=1e-12)


def test_recovers_simulated_spend_parameters():
    data = simulate_retail(20_000, seed=4, channel_shares={"organic": 1.0}, programme_share=0.0, survey_share=0.0)
    summary = row_summary(data)
    fitted = GammaGamma().fit(summary[summary["frequency"] > 0])
    truth = data.truth["spend_params"]
    z = (fitted.params_ - pd.Series(truth)) / fitted.standard_errors_
    assert (z.abs() < 3.5).all(), z
    assert wald_p_value(fitted, truth) > 1e-3


def test_extremes_are_finite(model):
    prep = GammaGamma()._prepare(pd.DataFrame({"frequency": [5000.0, 1.0, 3.0], "monetary_value": [1e6, 1e-6, 35.0]}))
    for theta in ([6.25, 3.74, 15.44], [1e-3, 1e3, 1e-3], [1e3, 1e-3, 1e4]):
        ll, grad = model._loglik(np.array(theta), prep, grad=True)
        assert np.isfinite(ll).all() and np.isfinite(grad).all()
        total, gsum = model._total_loglik(np.array(theta), prep, grad=True)
        assert total == pytest.approx(float(prep.counts @ ll), rel=1e-10)
        np.testing.assert_allclose(gsum, prep.counts @ grad, rtol=1e-8)


def test_validation(repeaters, cal):
    with pytest.raises(CvmDataError, match=r"frequency.*is 0.*data\[data\['frequency'\] > 0\]"):
        GammaGamma().fit(cal)
    bad = repeaters.copy()
    bad.iloc[2, bad.columns.get_loc("monetary_value")] = -5.0
    with pytest.raises(CvmDataError, match="monetary_value.*positive") as info:
        GammaGamma().fit(bad)
    assert info.value.rows == [bad.index[2]]
    with pytest.raises(CvmDataError, match="monetary_value"):
        GammaGamma().fit(repeaters[["frequency"]])


def test_infinite_mean_spend_is_refused(model, cal):
    heavy_tailed = GammaGamma().fit(cal[cal["frequency"] > 0])
    heavy_tailed.params_ = pd.Series({"p": 2.0, "q": 0.8, "gamma": 10.0})
    with pytest.raises(ValueError, match="q = 0.8"):
        heavy_tailed.expected_spend(cal.head())
    with pytest.raises(ValueError, match="infinite"):
        heavy_tailed.expected_spend_new()
