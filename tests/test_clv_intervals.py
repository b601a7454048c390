"""CLV and customer-equity intervals from parameter uncertainty (cvm_lib.clv.value)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cvm_lib.clv import BetaGeo, GammaGamma, ParetoNBD, customer_equity, customer_lifetime_value
from cvm_lib.datasets import cdnow
from cvm_lib.summary import calibration_holdout

from _btyd_sim import simulate_bgnbd

TRUE = pd.Series({"r": 0.8, "alpha": 5.0, "a": 1.0, "b": 3.0})
KW = dict(horizon=20, margin=1.0, discount_rate=0.0, time_unit="W", step=4)


def _at(params):
    model = BetaGeo()
    model.params_ = params.copy()
    model.time_unit_ = None
    return model


@pytest.mark.slow
def test_intervals_cover_the_truth_at_the_nominal_rate():
    """40 data sets from a known BG/NBD; each fit's 90% intervals for 30 fixed customers'
    CLV and for their equity should contain the CLV at the true parameters ~90% of the time."""
    scoring = simulate_bgnbd(30, 0.8, 5.0, 1.0, 3.0, [0.0, 0.0], [0.0], seed=999)
    truth = customer_lifetime_value(_at(TRUE), 1.0, scoring, **KW).to_numpy()
    covered, equity_covered, reps = [], 0, 40
    for rep in range(reps):
        train = simulate_bgnbd(1500, 0.8, 5.0, 1.0, 3.0, [0.0, 0.0], [0.0], seed=rep)
        model = BetaGeo().fit(train)
        out = customer_lifetime_value(model, 1.0, scoring, interval=0.9, n_draws=200, seed=rep, **KW)
        covered.append(((out["lower"] <= truth) & (truth <= out["upper"])).to_numpy())
        equity_covered += out.attrs["equity_lower"] <= truth.sum() <= out.attrs["equity_upper"]
    rate = np.mean(covered)
    print(f"coverage of 90% intervals: customers {rate:.3f}, equity {equity_covered}/{reps}")
    assert 0.8 <= rate <= 0.97, rate
    # Binomial(40, 0.9): P(fewer than 30) ~ 0.1%.
    assert 30 <= equity_covered <= reps, equity_covered


def test_bounds_enclose_the_point_value_and_are_seeded(cal):
    bg = BetaGeo().fit(cal)
    gg = GammaGamma().fit(cal[cal["frequency"] > 0])
    kw = dict(horizon=26, margin=0.3, discount_rate=0.002, time_unit="W", step=2)
    point = customer_lifetime_value(bg, gg, cal, **kw)
    out = customer_lifetime_value(bg, gg, cal, interval=0.9, n_draws=60, seed=3, **kw)
    pd.testing.assert_series_equal(out["clv"], point.rename("clv"))
    assert (out["lower"] <= out["clv"]).all() and (out["clv"] <= out["upper"]).all()
    assert (out["upper"] > out["lower"]).mean() > 0.99
    again = customer_lifetime_value(bg, gg, cal, interval=0.9, n_draws=60, seed=3, **kw)
    pd.testing.assert_frame_equal(out, again)
    other = customer_lifetime_value(bg, gg, cal, interval=0.9, n_draws=60, seed=4, **kw)
    assert not out["upper"].equals(other["upper"])
    wider = customer_lifetime_value(bg, gg, cal, interval=0.99, n_draws=60, seed=3, **kw)
    assert ((wider["upper"] - wider["lower"]) >= (out["upper"] - out["lower"]) - 1e-12).all()
    # Spend-model uncertainty adds to the width.
    fixed = customer_lifetime_value(bg, float(gg.expected_spend(cal).mean()), cal, interval=0.9, n_draws=100,
                                    seed=3, **kw)
    rel = lambda t: ((t["upper"] - t["lower"]) / t["clv"]).median()  # noqa: E731
    assert rel(out) > rel(fixed)
    equity = customer_equity(bg, gg, cal, interval=0.9, n_draws=60, seed=3, **kw)
    assert equity["equity"] == pytest.approx(point.sum())
    assert equity["lower"] < equity["equity"] < equity["upper"]
    assert equity["lower"] == out.attrs["equity_lower"] and equity["upper"] == out.attrs["equity_upper"]


def test_more_data_gives_narrower_intervals():
    scoring = simulate_bgnbd(20, 0.8, 5.0, 1.0, 3.0, [0.0, 0.0], [0.0], seed=7)
    widths = []
    for n in (500, 8000):
        model = BetaGeo().fit(simulate_bgnbd(n, 0.8, 5.0, 1.0, 3.0, [0.0, 0.0], [0.0], seed=n))
        out = customer_lifetime_value(model, 1.0, scoring, interval=0.9, n_draws=200, **KW)
        widths.append(float(out.attrs["equity_upper"] - out.attrs["equity_lower"]))
    assert widths[1] < widths[0] / 2  # ~ 1 / sqrt(16) = 1/4 expected


def test_intervals_with_covariates():
    data = simulate_bgnbd(2000, 0.8, 5.0, 1.0, 3.0, [0.6, 0.0], [0.5], seed=5)
    model = BetaGeo(purchase_covariates=["group"], dropout_covariates=["group"]).fit(data)
    rows = data.iloc[:50]
    out = customer_lifetime_value(model, 1.0, rows, interval=0.8, n_draws=100, **KW)
    assert (out["lower"] <= out["clv"]).all() and (out["clv"] <= out["upper"]).all()
    pd.testing.assert_series_equal(out["clv"], customer_lifetime_value(model, 1.0, rows, **KW).rename("clv"))


def test_bad_interval_arguments(cal):
    bg = BetaGeo().fit(cal)
    with pytest.raises(ValueError, match="interval must be a level in"):
        customer_lifetime_value(bg, 1.0, cal, interval=90, **KW)
    with pytest.raises(ValueError, match="n_draws"):
        customer_lifetime_value(bg, 1.0, cal, interval=0.9, n_draws=1, **KW)
    broken = ParetoNBD().fit(cal)
    broken._cov_log = np.full((4, 4), np.nan)
    with pytest.raises(ValueError, match="no standard errors"):
        customer_lifetime_value(broken, 1.0, cal, interval=0.9, **KW)


def test_column_quantile_in_blocks_equals_numpy():
    """The CLV bounds' quantiles, a block of customers at a time, are np.quantile's numbers exactly."""
    from cvm_lib.clv.value import _column_quantile

    rng = np.random.default_rng(3)
    values = rng.lognormal(size=(50, 10_007))
    values[:, ::5] = 0.0
    for q in (0.05, 0.5, 0.95):
        assert np.array_equal(_column_quantile(values, q, chunk=1000), np.quantile(values, q, axis=0))
