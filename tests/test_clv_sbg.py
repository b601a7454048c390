"""sBG: Fader & Hardie (2007) cohorts, projection against the holdout years, closed forms."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import special

from cvm_lib.clv import ConvergenceWarning, ShiftedBetaGeo
from cvm_lib.datasets import sbg_retention

PUBLISHED = {"regular": (0.704, 1.182), "high_end": (0.668, 3.806)}
LOG_LIKELIHOOD = {"regular": -1680.27, "high_end": -1611.16}  # DER at the published parameters


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return sbg_retention()


def active(table, cohort) -> np.ndarray:
    return np.round(table[cohort].to_numpy()[:8] * 10)  # 1,000-customer cohorts, years 0-7


@pytest.mark.parametrize("cohort", ["regular", "high_end"])
def test_published_estimates(table, cohort):
    model = ShiftedBetaGeo().fit(active(table, cohort))
    assert model.converged_ and model.n_customers_ == 1000 and model.n_periods_ == 7
    assert tuple(model.params_.round(3)) == PUBLISHED[cohort]
    assert model.log_likelihood_ == pytest.approx(LOG_LIKELIHOOD[cohort], abs=0.01)
    at_published = model.log_likelihood(active(table, cohort), params=PUBLISHED[cohort])
    assert at_published == pytest.approx(LOG_LIKELIHOOD[cohort], abs=0.01)


@pytest.mark.parametrize("cohort, tolerance", [("regular", 0.5), ("high_end", 2.0)])
def test_projection_of_years_8_to_12(table, cohort, tolerance):
    model = ShiftedBetaGeo().fit(active(table, cohort))
    projected = 100 * model.survival(np.arange(8, 13)).to_numpy()
    observed = table[cohort].to_numpy()[8:]
    # The sBG slightly under-projects both cohorts (the paper's point: far closer than the
    # naive fits); survival stays below the observed values and within a few points.
    assert np.abs(projected - observed).max() < tolerance
    assert (projected < observed).all()
    np.testing.assert_allclose(projected, {"regular": [22.0, 20.4, 19.1, 18.0, 17.0],
                                           "high_end": [46.0, 43.6, 41.4, 39.5, 37.8]}[cohort], atol=0.05)


def test_percentages_and_counts_give_the_same_fit(table):
    counts = ShiftedBetaGeo().fit(active(table, "regular"))
    shares = ShiftedBetaGeo().fit(pd.Series(table["regular"].to_numpy()[:8] * 10))
    np.testing.assert_allclose(counts.params_, shares.params_, rtol=1e-6)


def test_survival_retention_and_churn_are_consistent(table):
    model = ShiftedBetaGeo().fit(active(table, "high_end"))
    g, d = model.params_
    t = np.arange(1, 30)
    surv = model.survival(np.arange(0, 30)).to_numpy()
    assert surv[0] == 1.0 and (np.diff(surv) < 0).all()
    np.testing.assert_allclose(model.retention_rate(t).to_numpy(), surv[1:] / surv[:-1], rtol=1e-12)
    np.testing.assert_allclose(model.churn_probability(t).to_numpy(), surv[:-1] - surv[1:], rtol=1e-10)
    assert (np.diff(model.retention_rate(t).to_numpy()) > 0).all()  # rises with tenure
    assert model.retention_rate(1) == pytest.approx(d / (g + d))
    assert isinstance(model.survival(3), float)


@pytest.mark.parametrize("renewals", [0, 1, 5])
@pytest.mark.parametrize("discount", [0.1, 0.01])
def test_derl_equals_its_series_and_closed_form(table, renewals, discount):
    model = ShiftedBetaGeo().fit(active(table, "regular"))
    g, d = model.params_
    n = renewals + 1
    k = np.arange(0, 20000)
    brute = (model.survival(n + k).to_numpy() / model.survival(n - 1) * (1 + discount) ** -k.astype(float)).sum()
    derl = model.expected_lifetime(discount, renewals=renewals)
    assert derl == pytest.approx(brute, rel=1e-9)
    closed = (d + n - 1) / (g + d + n - 1) * special.hyp2f1(1, d + n, g + d + n, 1 / (1 + discount))
    assert derl == pytest.approx(closed, rel=1e-9)


def test_undiscounted_lifetime(table):
    regular = ShiftedBetaGeo().fit(active(table, "regular"))
    assert regular.params_["alpha"] < 1 and regular.expected_lifetime(0.0) == np.inf  # heavy tail
    regular.params_ = pd.Series({"alpha": 3.0, "beta": 4.0})
    assert regular.expected_lifetime(0.0, renewals=2) == pytest.approx((4.0 + 2) / (3.0 - 1))
    assert regular.expected_lifetime(1e-7) == pytest.approx(regular.expected_lifetime(0.0), rel=1e-5)


def test_validation():
    with pytest.raises(ValueError, match="must not increase"):
        ShiftedBetaGeo().fit([1000, 600, 700])
    with pytest.raises(ValueError, match="at least two"):
        ShiftedBetaGeo().fit([1000])
    with pytest.raises(TypeError, match="DataFrame"):
        ShiftedBetaGeo().fit(pd.DataFrame({"a": [1000, 500]}))
    model = ShiftedBetaGeo().fit([1000, 631, 468, 382])
    with pytest.raises(ValueError, match=">= 1"):
        model.retention_rate(0)
    with pytest.raises(ValueError, match="discount_rate"):
        model.expected_lifetime(-0.1)


def test_convergence_failure():
    with pytest.warns(ConvergenceWarning, match="sBG"):
        failed = ShiftedBetaGeo(max_iter=1).fit([1000, 631, 468, 382, 326, 289, 262, 241])
    assert not failed.converged_
