"""Recovery of the retention-programme effect planted in simulate_retail (hazard ratio 0.7),
contractual (true dropout times) and non-contractual (inactivity) views, and a null case."""

import warnings

import numpy as np
import pandas as pd
import pytest

from cvm_lib.data import CvmDataError
from cvm_lib.datasets import simulate_retail
from cvm_lib.retention import churn_labels, customer_lifetimes, difference_in_proportions, programme_effect

END = pd.Timestamp("2024-12-31")


def _customers(data):
    """Customers with their true lifetimes in weeks (contractual view) and the truth."""
    c = data.customers.copy()
    stop = c["dropout_date"].fillna(END + pd.Timedelta(days=1))  # the last day is observed in full
    c["weeks"] = (stop - c["acquisition_date"]).dt.days / 7
    c["dropped"] = c["dropout_date"].notna()
    c["log_mu"] = np.log(c["true_mu"])
    c["observed_weeks"] = ((END - c["acquisition_date"]).dt.days + 1) / 7
    return c


@pytest.fixture(scope="module")
def planted():
    data = simulate_retail(20000, seed=1)
    return data, _customers(data)


@pytest.fixture(scope="module")
def effect(planted):
    _, c = planted
    return programme_effect(c, outcome="alive_at_end", duration="weeks", event="dropped", covariates=["log_mu"],
                            horizon=52)


def test_cox_recovers_the_planted_hazard_ratio(planted, effect):
    data, _ = planted
    hr = effect.hazard_ratio_
    truth = data.truth["programme_hazard_ratio"]
    assert truth == 0.7
    assert hr["lower"] < truth < hr["upper"]
    assert hr["upper"] - hr["lower"] < 0.1  # and the interval is informative
    # the frailty proxy enters with its true coefficient: hazard = mu * 0.7**programme
    assert effect.cox_.params_["log_mu"] == pytest.approx(1.0, abs=0.05)


def test_retention_difference_covers_the_expected_difference(planted, effect):
    _, c = planted
    mu, t = c["true_mu"].to_numpy(), c["observed_weeks"].to_numpy()
    expected = np.mean(np.exp(-0.7 * mu * t) - np.exp(-mu * t))  # P(alive) difference, averaged
    d = effect.difference_
    assert d["wald_lower"] < expected < d["wald_upper"]
    assert d["newcombe_lower"] < expected < d["newcombe_upper"]
    assert d["estimate"] > 0 and d["p_value"] < 1e-6
    assert effect.odds_ratio_["lower"] > 1  # adjusted odds of staying are higher in the programme


def test_survival_difference_at_one_year_covers_the_truth(planted, effect):
    _, c = planted
    mu = c["true_mu"].to_numpy()
    expected = np.mean(np.exp(-0.7 * mu * 52) - np.exp(-mu * 52))
    s = effect.survival_difference_
    assert s["horizon"] == 52
    assert s["lower"] < expected < s["upper"]
    assert s["difference"] == pytest.approx(s["treated"] - s["control"])


def test_unadjusted_hazard_ratio_is_attenuated(planted):
    """Without the frailty the population hazard ratio lies between 0.7 and 1 (see Notes)."""
    _, c = planted
    hr = programme_effect(c, duration="weeks", event="dropped").hazard_ratio_
    assert 0.7 < hr["lower"] and hr["upper"] < 1


def test_non_contractual_view_has_the_right_direction(planted):
    data, _ = planted
    people = data.customers.set_index("customer_id")[["retention_programme", "acquisition_channel"]]
    lifetimes = customer_lifetimes(data.transactions, inactivity_days=180, time_unit="W").join(people)
    hr = programme_effect(lifetimes, duration="duration", event="event", covariates=["acquisition_channel"])
    assert hr.hazard_ratio_["upper"] < 1 and hr.hazard_ratio_["estimate"] > 0.7
    labels = churn_labels(data.transactions, inactivity_days=180).labels_.join(people)
    labels["retained"] = ~labels["churned"]
    diff = programme_effect(labels, outcome="retained", covariates=["acquisition_channel"])
    assert diff.difference_["newcombe_lower"] > 0
    assert diff.odds_ratio_["lower"] > 1
    assert "adjusted for acquisition_channel" in diff.summary().loc["odds ratio of retention", "method"]


def test_no_programme_effect_gives_intervals_around_the_null():
    c = _customers(simulate_retail(8000, seed=2, programme_hazard_ratio=1.0))
    eff = programme_effect(c, outcome="alive_at_end", duration="weeks", event="dropped", covariates=["log_mu"])
    assert eff.hazard_ratio_["lower"] < 1 < eff.hazard_ratio_["upper"]
    assert eff.difference_["newcombe_lower"] < 0 < eff.difference_["newcombe_upper"]
    assert eff.odds_ratio_["lower"] < 1 < eff.odds_ratio_["upper"]
    assert eff.survival_difference_["lower"] < 0 < eff.survival_difference_["upper"]


def test_summary_and_description(effect):
    table = effect.summary()
    assert list(table.columns) == ["estimate", "lower", "upper", "p_value", "method"]
    assert len(table) == 5
    assert (table["lower"] <= table["estimate"]).all() and (table["estimate"] <= table["upper"]).all()
    assert "hazard ratio of churn is 0.7" in effect.describe()
    assert "<table" in effect._repr_html_() and "hazard ratio of churn" in effect._repr_html_()


def test_newcombe_published_example():
    # Newcombe (1998), Table II, example (a): 56/70 - 48/80
    d = difference_in_proportions(56, 70, 48, 80)
    assert (round(d["newcombe_lower"], 4), round(d["newcombe_upper"], 4)) == (0.0524, 0.3339)
    assert (round(d["wald_lower"], 4), round(d["wald_upper"], 4)) == (0.0575, 0.3425)


def test_bad_input(planted):
    _, c = planted
    small = c.iloc[:200]
    with pytest.raises(ValueError, match="outcome"):
        programme_effect(small)
    with pytest.raises(ValueError, match="single value"):
        programme_effect(small.assign(retention_programme=True), outcome="alive_at_end")
    with pytest.raises(CvmDataError, match="only 0 and 1"):
        programme_effect(small.assign(retention_programme=2), outcome="alive_at_end")
    with pytest.raises(CvmDataError, match="lacks column"):
        programme_effect(small, outcome="retained")
    with pytest.raises(ValueError, match="go together"):
        programme_effect(small, duration="weeks")


def test_separation_in_the_logistic_model_is_surfaced():
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    df = pd.DataFrame({"programme": [0, 1] * 20, "x": np.arange(40.0), "retained": [0] * 20 + [1] * 20})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        eff = programme_effect(df, treatment="programme", outcome="retained", covariates=["x"])
    assert any(issubclass(w.category, ConvergenceWarning) and "logistic regression of 'retained'" in str(w.message)
               for w in caught)
    assert eff.odds_ratio_["upper"] == np.inf or eff.odds_ratio_["upper"] > 1e6
