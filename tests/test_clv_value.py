"""Customer lifetime value: definitions, units and discounting."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cvm_lib.clv import (BetaGeo, BetaGeoBetaBinom, GammaGamma, ParetoNBD, customer_equity, customer_lifetime_value,
                         teaching_clv)
from cvm_lib.datasets import cdnow, donations
from cvm_lib.summary import calibration_holdout


@pytest.fixture(scope="module")
def models(cal):
    return BetaGeo().fit(cal), GammaGamma().fit(cal[cal["frequency"] > 0])


def test_teaching_clv():
    assert teaching_clv(50.0, 4, 3) == 600.0
    assert teaching_clv(amount=50.0, frequency=4, duration=3, margin=0.25) == 150.0
    np.testing.assert_allclose(teaching_clv([50.0, 20.0], [4, 12], 3, margin=0.25), [150.0, 180.0])
    spend = pd.Series([10.0, 20.0], index=["a", "b"])
    out = teaching_clv(spend, 2, 5)
    assert isinstance(out, pd.Series) and out.to_dict() == {"a": 100.0, "b": 200.0}
    with pytest.raises(ValueError, match="duration"):
        teaching_clv(10.0, 1, -2)


def test_undiscounted_single_interval_is_margin_spend_purchases(cal, models):
    bg, gg = models
    clv = customer_lifetime_value(bg, gg, cal, horizon=39, step=39, margin=0.3, discount_rate=0.0, time_unit="W")
    expected = 0.3 * gg.expected_spend(cal) * bg.expected_purchases(cal, 39)
    pd.testing.assert_series_equal(clv, expected.rename("clv"), rtol=1e-12)
    assert clv.attrs["time_unit"] == "W" and clv.attrs["discount_rate_per_period"] == 0.0


def test_discounting_by_interval(cal, models):
    bg, gg = models
    d = 0.002
    clv = customer_lifetime_value(bg, gg, cal, horizon=10, margin=0.25, discount_rate=d, time_unit="W", step=2.5)
    cumulative = [bg.expected_purchases(cal, t) for t in (0.0, 2.5, 5.0, 7.5, 10.0)]
    manual = sum((cumulative[k] - cumulative[k - 1]) / (1 + d) ** (2.5 * k) for k in range(1, 5))
    np.testing.assert_allclose(clv, 0.25 * gg.expected_spend(cal) * manual, rtol=1e-10)
    # A horizon that is not a multiple of the step ends with a shorter interval.
    partial = customer_lifetime_value(bg, gg, cal, horizon=9, margin=0.25, discount_rate=d, time_unit="W", step=2.5)
    assert (partial <= clv + 1e-12).all() and (partial.sum() < clv.sum())


def test_units_are_converted_not_assumed(cal, models):
    bg, gg = models
    assert bg.time_unit_ == "W"
    # One year, one discounting interval, 10% a year: the same in every unit.
    yearly = customer_lifetime_value(bg, gg, cal, horizon=1, margin=0.3, discount_rate=0.10, time_unit="Y")
    for unit, per_year in (("D", 365.25), ("W", 365.25 / 7), ("M", 12.0), (14.0, 365.25 / 14)):
        other = customer_lifetime_value(bg, gg, cal, horizon=per_year, step=per_year, margin=0.3,
                                        discount_rate=1.10 ** (1 / per_year) - 1, time_unit=unit)
        np.testing.assert_allclose(other, yearly, rtol=1e-10)
    # Without a recorded unit, the model's unit is given explicitly (or assumed = time_unit).
    bare = cal.copy()
    bare.attrs = {}
    plain = BetaGeo().fit(bare)
    assert plain.time_unit_ is None
    explicit = customer_lifetime_value(plain, gg, bare, horizon=1, margin=0.3, discount_rate=0.10, time_unit="Y",
                                       model_time_unit="W")
    np.testing.assert_allclose(explicit, yearly, rtol=1e-6)
    assumed = customer_lifetime_value(plain, gg, bare, horizon=52, margin=0.3, discount_rate=0.0, time_unit="W")
    recorded = customer_lifetime_value(bg, gg, cal, horizon=52, margin=0.3, discount_rate=0.0, time_unit="W")
    np.testing.assert_allclose(assumed, recorded, rtol=1e-6)


def test_monotone_in_horizon_discount_and_margin(cal, models):
    bg, gg = models
    common = {"time_unit": "W", "step": 4}
    short = customer_lifetime_value(bg, gg, cal, horizon=26, margin=0.3, discount_rate=0.001, **common)
    long = customer_lifetime_value(bg, gg, cal, horizon=104, margin=0.3, discount_rate=0.001, **common)
    dear = customer_lifetime_value(bg, gg, cal, horizon=104, margin=0.3, discount_rate=0.01, **common)
    double = customer_lifetime_value(bg, gg, cal, horizon=104, margin=0.6, discount_rate=0.001, **common)
    assert (long > short).all() and (dear < long).all()
    np.testing.assert_allclose(double, 2 * long, rtol=1e-12)


def test_constant_or_per_customer_spend_and_margin(cal, models):
    bg, _ = models
    flat = customer_lifetime_value(bg, 40.0, cal, horizon=52, margin=0.5, discount_rate=0.0, time_unit="W", step=52)
    np.testing.assert_allclose(flat, 20.0 * bg.expected_purchases(cal, 52), rtol=1e-12)
    margin = pd.Series(0.5, index=cal.index[::-1])  # aligned by label, not position
    same = customer_lifetime_value(bg, 40.0, cal, horizon=52, margin=margin, discount_rate=0.0, time_unit="W",
                                   step=52)
    pd.testing.assert_series_equal(same, flat)
    with pytest.raises(ValueError, match="lacks"):
        customer_lifetime_value(bg, 40.0, cal, horizon=52, margin=margin.iloc[:10], discount_rate=0.0,
                                time_unit="W")


def test_pareto_and_bgbb_purchase_models(cal, models):
    _, gg = models
    pnbd = ParetoNBD().fit(cal)
    clv = customer_lifetime_value(pnbd, gg, cal, horizon=52, margin=0.3, discount_rate=0.002, time_unit="W")
    assert np.isfinite(clv).all() and (clv >= 0).all()
    # Discrete time: one donation opportunity per year, a constant gift of 50.
    d = donations()
    bgbb = BetaGeoBetaBinom().fit(d)
    value = customer_lifetime_value(bgbb, 50.0, d, horizon=5, margin=1.0, discount_rate=0.0, time_unit="Y")
    np.testing.assert_allclose(value, 50.0 * bgbb.expected_purchases(d, 5), rtol=1e-12)


def test_customer_equity_is_the_sum(cal, models):
    bg, gg = models
    args = {"horizon": 52, "margin": 0.3, "discount_rate": 0.002, "time_unit": "W"}
    assert customer_equity(bg, gg, cal, **args) == pytest.approx(customer_lifetime_value(bg, gg, cal, **args).sum())


def test_argument_errors(cal, models):
    bg, gg = models
    base = {"horizon": 52, "margin": 0.3, "discount_rate": 0.002, "time_unit": "W"}
    for change, message in [({"horizon": -1}, "horizon"), ({"margin": 1.5}, "margin"),
                            ({"discount_rate": -2}, "discount_rate"), ({"time_unit": "fortnight"}, "time_unit")]:
        with pytest.raises(ValueError, match=message):
            customer_lifetime_value(bg, gg, cal, **{**base, **change})
    daily = calibration_holdout(cdnow(sample=True), calibration_end="1997-09-30", observation_end="1998-06-30",
                                time_unit="D")
    with pytest.raises(ValueError, match="time unit 'D'"):
        customer_lifetime_value(bg, gg, daily, **base)
    with pytest.raises(TypeError):
        customer_lifetime_value(bg, gg, cal, 52, 0.3, 0.002, "W")  # units must be named
