"""BG/NBD and MBG/NBD: published CDNOW values, lifetimes cross-checks, parameter
recovery on simulated data, numerical extremes and input validation.

Published values (docs/literature_values.md, section 1): Fader, Hardie & Lee (2005) on the
CDNOW 1/10 sample with the 39-week calibration period, in weeks.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cvm_lib.clv import BetaGeo, ConvergenceWarning, ModifiedBetaGeo
from cvm_lib.data import CvmDataError
from cvm_lib.datasets import cdnow, simulate_retail
from cvm_lib.summary import calibration_holdout


@pytest.fixture(scope="module")
def bg(cal) -> BetaGeo:
    return BetaGeo().fit(cal)


def sample_order(cal: pd.DataFrame) -> pd.DataFrame:
    """The calibration summary in the sample's own customer order (ID 0001, 0002, ...)."""
    ids = cdnow(sample=True)["customer_id"].drop_duplicates()
    return cal.loc[ids[ids.isin(cal.index)]]


# --------------------------------------------------------------------------- #
# Published values
# --------------------------------------------------------------------------- #
def test_cdnow_summary_matches_the_paper(cal):
    # FHL (2005): 2,357 customers, 2,457 repeat transactions, 1,411 with none.
    assert len(cal) == 2357
    assert cal["frequency"].sum() == 2457
    assert (cal["frequency"] == 0).sum() == 1411


def test_published_estimates_and_log_likelihood(bg):
    assert bg.converged_
    assert bg.n_customers_ == 2357
    assert bg.params_.round(3).to_dict() == {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    assert round(bg.log_likelihood_, 1) == -9582.4
    # CLVTools' full-precision fit: r = 0.2425945, alpha = 4.4136019, a = 0.7929199, b = 2.4258881.
    np.testing.assert_allclose(bg.params_.to_numpy(), [0.2425945, 4.4136019, 0.7929199, 2.4258881], rtol=2e-5)


def test_log_likelihood_at_published_parameters(cal):
    ll = BetaGeo().log_likelihood(cal, params={"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
    assert ll == pytest.approx(-9582.427, abs=0.01)  # DER value in docs/literature_values.md


def test_conditional_expectation_of_customer_0001(bg, cal):
    first = sample_order(cal).iloc[[0]]
    assert first[["frequency", "recency", "T"]].round(2).iloc[0].tolist() == [2.0, 30.43, 38.86]
    assert float(bg.expected_purchases(first, 39).iloc[0]) == pytest.approx(1.226, abs=1e-3)
    assert float(bg.prob_alive(first).iloc[0]) == pytest.approx(0.7266, abs=1e-3)


def test_unconditional_expectations_hardie_sheet(bg):
    t = [0.1429, 1, 3, 31.8571, 32, 78]
    expected = [0.0078, 0.0532, 0.1506, 1.0405, 1.0437, 1.8576]
    got = bg.expected_purchases_new(t)
    assert isinstance(got, pd.Series) and got.index.tolist() == t
    np.testing.assert_allclose(got.to_numpy(), expected, atol=3e-3)
    assert isinstance(bg.expected_purchases_new(39.0), float)


def test_holdout_forecast_totals(cal):
    # DER values at the published parameters: sum of the 39-week conditional expectations
    # 1653.9; model totals at each customer's own T: calibration 2497.6, holdout 1668.8
    # (E[X(T+39)] - E[X(T)]).
    model = BetaGeo().fit(cal)
    model.params_ = pd.Series({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
    assert model.expected_purchases(cal, 39).sum() == pytest.approx(1653.9, abs=0.1)
    T = cal["T"].to_numpy()
    calibration = model.expected_purchases_new(T).to_numpy()
    holdout = model.expected_purchases_new(T + 39).to_numpy() - calibration
    assert calibration.sum() == pytest.approx(2497.6, abs=0.1)
    assert holdout.sum() == pytest.approx(1668.8, abs=0.1)
    # Actual holdout purchases: 1,882; cumulative under-forecast of about 4% (FHL 2005).
    assert cal["frequency_holdout"].sum() == 1882
    actual = cal["frequency"].sum() + cal["frequency_holdout"].sum()
    assert (calibration.sum() + holdout.sum()) / actual - 1 == pytest.approx(-0.04, abs=0.005)


def test_mbg_nbd_matches_btydplus(cal):
    mbg = ModifiedBetaGeo().fit(cal)
    assert mbg.converged_
    assert mbg.params_.round(3).to_dict() == {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}


# --------------------------------------------------------------------------- #
# lifetimes as an independent implementation
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("ours, theirs", [(BetaGeo, "BetaGeoFitter"), (ModifiedBetaGeo, "ModifiedBetaGeoFitter")])
def test_log_likelihood_equals_lifetimes(cal, lifetimes_module, ours, theirs):
    fitter = getattr(lifetimes_module, theirs)
    x, t, T = (cal[c].to_numpy() for c in ("frequency", "recency", "T"))
    weights = np.ones(len(cal))
    for params in ([0.243, 4.414, 0.793, 2.426], [1.5, 20.0, 0.3, 5.0], [0.1, 0.5, 3.0, 0.4]):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mean_nll = fitter._negative_log_likelihood(np.log(params), x, t, T, weights, 0.0)
        ll = ours().log_likelihood(cal, params=params)
        assert ll == pytest.approx(-mean_nll * len(cal), rel=1e-9)


@pytest.mark.parametrize("ours, theirs", [(BetaGeo, "BetaGeoFitter"), (ModifiedBetaGeo, "ModifiedBetaGeoFitter")])
def test_predictions_and_optimum_equal_lifetimes(cal, lifetimes_module, ours, theirs):
    model = ours().fit(cal)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        peer = getattr(lifetimes_module, theirs)().fit(cal["frequency"], cal["recency"], cal["T"])
    # Same optimum (lifetimes stops at a looser tolerance).
    np.testing.assert_allclose(peer.params_[["r", "alpha", "a", "b"]].to_numpy(), model.params_.to_numpy(),
                               rtol=2e-3)
    peer.params_ = model.params_.copy()
    x, t, T = cal["frequency"], cal["recency"], cal["T"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cond = peer.conditional_expected_number_of_purchases_up_to_time(26.0, x, t, T)
        alive = peer.conditional_probability_alive(x, t, T)
        new = peer.expected_number_of_purchases_up_to_time(np.array([1.0, 10.0, 52.0, 104.0]))
    np.testing.assert_allclose(model.expected_purchases(cal, 26.0).to_numpy(), np.asarray(cond), rtol=1e-9)
    np.testing.assert_allclose(model.prob_alive(cal).to_numpy(), np.asarray(alive), rtol=1e-12)
    np.testing.assert_allclose(model.expected_purchases_new([1.0, 10.0, 52.0, 104.0]).to_numpy(), np.asarray(new),
                               rtol=1e-9)


# --------------------------------------------------------------------------- #
# Parameter recovery
# --------------------------------------------------------------------------- #
def row_summary(data) -> pd.DataFrame:
    """Summary counting transactions (rows), as the simulator generates them.

    ``rfm_summary`` merges purchases on the same day, which loses ~3% of the simulated
    repeat purchases of heavy buyers; the models count every purchase. Purchase times are
    floored to the day, so recency gets half a day back; T counts both end days.
    """
    tx = data.transactions
    end = pd.Timestamp(data.truth["end"])
    grouped = tx.groupby("customer_id", sort=True)
    first, last, n = grouped["date"].min(), grouped["date"].max(), grouped.size()
    first_amount = tx.loc[~tx["customer_id"].duplicated()].set_index("customer_id")["amount"]
    x = (n - 1).astype(float)
    recency = (((last - first).dt.days + 0.5) / 7.0).where(x > 0, 0.0)
    T = ((end - first).dt.days + 1) / 7.0
    monetary = ((grouped["amount"].sum() - first_amount) / x).where(x > 0, 0.0)
    return pd.DataFrame({"frequency": x, "recency": recency, "T": T, "monetary_value": monetary})


def wald_p_value(model, truth: dict) -> float:
    diff = np.log(model.params_.to_numpy()) - np.log(pd.Series(truth)[model.params_.index].to_numpy())
    stat = float(diff @ np.linalg.solve(model.covariance_log_.to_numpy(), diff))
    return float(stats.chi2.sf(stat, df=len(diff)))


def test_recovers_simulated_bg_nbd_parameters():
    data = simulate_retail(30_000, seed=3, process="bg_nbd", channel_shares={"organic": 1.0}, programme_share=0.0,
                           survey_share=0.0)
    truth = data.truth["purchase_params"]["organic"]
    model = BetaGeo().fit(row_summary(data))
    assert model.converged_
    z = (model.params_ - pd.Series(truth)) / model.standard_errors_
    assert (z.abs() < 3.5).all(), z
    assert wald_p_value(model, truth) > 1e-3


# --------------------------------------------------------------------------- #
# Numerical extremes
# --------------------------------------------------------------------------- #
EXTREMES = pd.DataFrame({
    "frequency": [5000.0, 5000.0, 0.0, 0.0, 1.0, 3000.0, 200.0],
    "recency": [60.0, 1e-6, 0.0, 0.0, 1e6, 1e6, 0.5],
    "T": [60.0, 60.0, 1e6, 1e-9, 1e6, 1e6, 1e4],
}, index=list("abcdefg"))


@pytest.mark.parametrize("model_cls", [BetaGeo, ModifiedBetaGeo])
@pytest.mark.parametrize("params", [[0.243, 4.414, 0.793, 2.426], [50.0, 1e-3, 20.0, 1e-3], [1e-3, 1e4, 1e-3, 1e3],
                                    [1.0, 1.0, 1.0, 1.0]])
def test_extreme_customers_stay_finite(model_cls, params):
    model = model_cls()
    prep = model._prepare(EXTREMES)
    theta = np.array(params)
    ll, grad = model._loglik(theta, prep, grad=True)
    assert np.isfinite(ll).all() and np.isfinite(grad).all()
    total, gsum = model._total_loglik(theta, prep, grad=True)
    assert total == pytest.approx(float(prep.counts @ ll), rel=1e-12)
    np.testing.assert_allclose(gsum, prep.counts @ grad, rtol=1e-9, atol=1e-9)
    model.params_ = pd.Series(theta, index=["r", "alpha", "a", "b"])
    for values in (model.expected_purchases(EXTREMES, 52.0), model.prob_alive(EXTREMES),
                   model.expected_purchases(EXTREMES, 1e6)):
        assert np.isfinite(values.to_numpy()).all() and (values.to_numpy() >= 0).all()
    assert (model.prob_alive(EXTREMES) <= 1).all()


def test_heavy_buyer_expectation_is_close_to_the_rate(bg):
    # 5000 purchases in 60 weeks, the last one at T: alive unless the customer dropped out
    # right after it (probability a / (b + x - 1)), and buying at ~ (r + x) / (alpha + T).
    heavy = EXTREMES.iloc[[0]]
    r, alpha, a, b = bg.params_
    assert float(bg.prob_alive(heavy).iloc[0]) == pytest.approx(1 / (1 + a / (b + 4999)), rel=1e-12)
    rate = (r + 5000) / (alpha + 60)
    assert float(bg.expected_purchases(heavy, 1.0).iloc[0]) == pytest.approx(rate, rel=0.01)


def test_conditional_expectation_closed_form_and_quadrature_agree():
    from cvm_lib.clv._special import _phi_closed, _phi_quadrature, bgnbd_phi

    rng = np.random.default_rng(0)
    for _ in range(150):
        a, b, r = 10 ** rng.uniform(-1.3, 1), 10 ** rng.uniform(-1, 1.5), 10 ** rng.uniform(-1.5, 1)
        x = float(rng.choice([0, 1, 2, 5, 30, 300, 5000]))
        c = 10 ** rng.uniform(0, 3)
        t = c * 10 ** rng.uniform(-2, 1.5)
        args = (np.array([b + x]), np.array([r + x]), np.array([c]), np.array([t]))
        assert _phi_closed(a, *args)[0] == pytest.approx(_phi_quadrature(a, *args)[0], rel=1e-7)
    # Where scipy's hyp2f1 returns NaN, the quadrature takes over.
    args = (np.array([0.001 + 5000]), np.array([50.0 + 5000]), np.array([60.001]), np.array([1e6]))
    assert np.isnan(_phi_closed(20.0, *args)[0])
    assert bgnbd_phi(20.0, *args)[0] == pytest.approx(_phi_quadrature(20.0, *args)[0], rel=1e-12)
    # a = 1 is a removable singularity.
    near = [bgnbd_phi(1.0 + d, np.array([3.0]), np.array([2.0]), np.array([10.0]), np.array([5.0]))[0]
            for d in (-1e-3, 0.0, 1e-3)]
    assert near[1] == pytest.approx(0.5 * (near[0] + near[2]), rel=1e-6)


def test_gradient_matches_finite_differences(cal):
    model = BetaGeo()
    prep = model._prepare(cal)
    phi = np.log([0.3, 5.0, 0.9, 2.0])
    value, grad = model._objective(phi, prep)
    for j in range(4):
        e = np.zeros(4)
        e[j] = 1e-6
        fd = (model._objective(phi + e, prep)[0] - model._objective(phi - e, prep)[0]) / 2e-6
        assert grad[j] == pytest.approx(fd, rel=1e-5, abs=1e-8)


# --------------------------------------------------------------------------- #
# Units, weights, penalty
# --------------------------------------------------------------------------- #
def test_time_unit_changes_only_alpha(cal, bg):
    days = calibration_holdout(cdnow(sample=True), calibration_end="1997-09-30", observation_end="1998-06-30",
                               time_unit="D")
    model = BetaGeo().fit(days)
    assert model.time_unit_ == "D" and bg.time_unit_ == "W"
    np.testing.assert_allclose(model.params_[["r", "a", "b"]], bg.params_[["r", "a", "b"]], rtol=1e-5)
    assert model.params_["alpha"] == pytest.approx(7 * bg.params_["alpha"], rel=1e-5)
    # The likelihood of event times scales with the unit: LL_days = LL_weeks - sum(x) log 7.
    assert model.log_likelihood_ == pytest.approx(bg.log_likelihood_ - cal["frequency"].sum() * np.log(7), abs=1e-4)


def test_weights_equal_repeated_rows(cal):
    cells = cal.groupby(["frequency", "recency", "T"]).size().rename("n").reset_index()
    grouped = BetaGeo().fit(cells, weights="n")
    plain = BetaGeo().fit(cal)
    np.testing.assert_allclose(grouped.params_, plain.params_, rtol=1e-6)
    assert grouped.log_likelihood_ == pytest.approx(plain.log_likelihood_, rel=1e-10)
    assert grouped.n_customers_ == 2357
    with pytest.raises(CvmDataError, match="weights"):
        BetaGeo().fit(cells, weights="missing")


def test_penalizer_shrinks_log_parameters(cal, bg):
    penalized = BetaGeo(penalizer=0.1).fit(cal)
    assert penalized.converged_
    assert (np.log(penalized.params_) ** 2).sum() < (np.log(bg.params_) ** 2).sum()
    assert penalized.log_likelihood_ < bg.log_likelihood_


# --------------------------------------------------------------------------- #
# Failure paths and validation
# --------------------------------------------------------------------------- #
def test_max_iter_reached_is_reported(cal):
    with pytest.warns(ConvergenceWarning, match=r"BetaGeo \(BG/NBD\) did not converge.*max_iter=1"):
        model = BetaGeo(max_iter=1).fit(cal)
    assert model.converged_ is False
    assert np.isfinite(model.params_).all() and np.isfinite(model.log_likelihood_)
    assert "optimizer" in model.optimizer_message_


def test_degenerate_data_is_reported():
    # Nobody ever comes back: the dropout/purchase parameters run off to the edges.
    data = pd.DataFrame({"frequency": 0.0, "recency": 0.0, "T": np.linspace(10, 40, 50)})
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        model = BetaGeo().fit(data)
    assert model.converged_ is False
    assert np.isfinite(model.params_).all()


@pytest.mark.parametrize("column, value, message", [
    ("frequency", -1.0, "frequency.*non-negative"),
    ("frequency", 1.5, "frequency.*whole numbers"),
    ("recency", 99.0, "recency.*larger than T"),
    ("T", np.nan, "T.*missing"),
])
def test_bad_input_raises_with_row_names(cal, column, value, message):
    bad = cal[["frequency", "recency", "T"]].head(20).copy()
    bad.iloc[3, bad.columns.get_loc(column)] = value
    with pytest.raises(CvmDataError, match=message) as info:
        BetaGeo().fit(bad)
    assert info.value.column == column
    assert info.value.rows == [bad.index[3]]


def test_missing_column_and_wrong_type():
    with pytest.raises(CvmDataError, match=r"lacks column\(s\) \['T'\]"):
        BetaGeo().fit(pd.DataFrame({"frequency": [1.0], "recency": [1.0]}))
    with pytest.raises(TypeError, match="DataFrame"):
        BetaGeo().fit([1, 2, 3])
    with pytest.raises(CvmDataError, match="recency.*0 for customers with frequency 0"):
        BetaGeo().fit(pd.DataFrame({"frequency": [0.0], "recency": [2.0], "T": [5.0]}))
