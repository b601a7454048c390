"""Contractual projection with sBG-like models: a stub model with the published Fader &
Hardie (2007) parameters (so the logic is tested while cvm_lib.clv is being written), and the
real cvm_lib.clv.ShiftedBetaGeo when it is available."""

import numpy as np
import pandas as pd
import pytest
from scipy import special

from cvm_lib.datasets import sbg_retention
from cvm_lib.retention import derl, fit_sbg, project_retention, retention_by_tenure

REGULAR = (0.704, 1.182)  # Fader & Hardie (2007), docs/literature_values.md section 4
HIGH_END = (0.668, 3.806)


class StubSBG:
    """Closed-form sBG with given parameters (what cvm_lib.clv.ShiftedBetaGeo provides)."""

    def __init__(self, alpha, beta, expose_params=True):
        self.alpha, self.beta = alpha, beta
        if expose_params:
            self.params_ = pd.Series({"alpha": alpha, "beta": beta})

    def fit(self, counts):
        self.counts = np.asarray(counts)
        return self

    def survival(self, t):
        t = np.asarray(t, dtype=float)
        return np.exp(special.betaln(self.alpha, self.beta + t) - special.betaln(self.alpha, self.beta))

    def retention_rate(self, t):
        t = np.asarray(t, dtype=float)
        return (self.beta + t - 1) / (self.alpha + self.beta + t - 1)


class ScalarOnly(StubSBG):
    """A model whose methods accept one period at a time."""

    def survival(self, t):
        if np.ndim(t):
            raise TypeError("scalar only")
        return float(super().survival(t))

    def retention_rate(self, t):
        if np.ndim(t):
            raise TypeError("scalar only")
        return float(super().retention_rate(t))


def test_projection_tracks_the_published_holdout():
    data = sbg_retention()
    for column, params in (("regular", REGULAR), ("high_end", HIGH_END)):
        table = project_retention(StubSBG(*params), 12, cohort_size=1000, observed=data[column] * 10)
        assert table.loc[0, "survival"] == 1.0 and np.isnan(table.loc[0, "retention_rate"])
        ratio = table["survival"].to_numpy()[1:] / table["survival"].to_numpy()[:-1]
        np.testing.assert_allclose(table["retention_rate"].to_numpy()[1:], ratio)
        holdout = table.loc[8:12]
        # Fader & Hardie: the two-parameter model projects years 8-12 within ~2 points
        assert (holdout["survival"] - holdout["observed_survival"]).abs().max() < 0.02
        assert table.loc[12, "expected_active"] == pytest.approx(1000 * table.loc[12, "survival"])


def test_retention_rises_with_tenure():
    table = retention_by_tenure(StubSBG(*REGULAR), 12)
    assert table.attrs["rising"]
    assert table["retention_rate"].is_monotonic_increasing
    assert table["retention_rate"].iloc[0] == pytest.approx(1.182 / (0.704 + 1.182))
    assert table["mean_churn_probability"].is_monotonic_decreasing
    # a homogeneous cohort has flat retention: the rise is the heterogeneity
    flat = retention_by_tenure(StubSBG(1e4, 1e4 * 4), 5)["retention_rate"]
    assert flat.max() - flat.min() < 1e-3


def test_derl_closed_form_equals_the_sum():
    for params in (REGULAR, HIGH_END):
        closed = derl(StubSBG(*params), 0.10, renewals=[0, 1, 4])
        summed = derl(StubSBG(*params, expose_params=False), 0.10, renewals=[0, 1, 4])
        np.testing.assert_allclose(closed.to_numpy(), summed.to_numpy(), rtol=1e-8)
        assert closed.is_monotonic_increasing  # survivors are the loyal ones
    # homogeneous 80%: r (1 + d) / (1 + d - r)
    geometric = StubSBG(1.0, 1.0, expose_params=False)
    geometric.survival = lambda t: 0.8 ** np.asarray(t, dtype=float)
    assert derl(geometric, 0.1) == pytest.approx(0.8 * 1.1 / 0.3)
    # the ignore-heterogeneity trap: a constant-retention model with the year-1 rate undervalues
    regular = StubSBG(*REGULAR)
    r1 = float(regular.retention_rate(1))
    assert derl(regular, 0.1) > r1 * 1.1 / (1.1 - r1)


def test_scalar_only_models_and_bad_input():
    table = project_retention(ScalarOnly(*REGULAR), 3)
    np.testing.assert_allclose(table["survival"], StubSBG(*REGULAR).survival(np.arange(4)))
    with pytest.raises(TypeError, match="lacks method"):
        project_retention(object(), 3)
    with pytest.raises(ValueError, match="periods"):
        retention_by_tenure(StubSBG(*REGULAR), 0)
    with pytest.raises(ValueError, match="discount_rate"):
        derl(StubSBG(*REGULAR), 0)
    with pytest.raises(ValueError, match="renewals"):
        derl(StubSBG(*REGULAR), 0.1, renewals=-1)
    with pytest.raises(ValueError, match="non-increasing"):
        fit_sbg([1000, 700, 800])
    stub = fit_sbg(sbg_retention()["regular"].to_numpy()[:8] * 10, model=StubSBG(*REGULAR))
    assert stub.counts[0] == 1000


def test_with_real_shifted_beta_geo():
    clv = pytest.importorskip("cvm_lib.clv", reason="cvm_lib.clv (BTYD models) not available yet")
    if not hasattr(clv, "ShiftedBetaGeo"):
        pytest.skip("cvm_lib.clv.ShiftedBetaGeo not available yet")
    counts = sbg_retention()["regular"].to_numpy()[:8] * 10
    model = fit_sbg(counts)
    assert model.params_["alpha"] == pytest.approx(0.704, abs=2e-3)
    assert model.params_["beta"] == pytest.approx(1.182, abs=2e-3)
    table = retention_by_tenure(model, 12)
    assert table.attrs["rising"]
    stub = StubSBG(float(model.params_["alpha"]), float(model.params_["beta"]), expose_params=False)
    assert derl(model, 0.1) == pytest.approx(derl(stub, 0.1), rel=1e-6)
