"""Kaplan-Meier, log-rank and Cox regression against the published Freireich/Gehan leukaemia
results (docs/literature_values.md, section 5), brute-force concordance, the
proportional-hazards check and input validation."""

import time
import warnings

import numpy as np
import pandas as pd
import pytest

from cvm_lib.data import CvmDataError
from cvm_lib.datasets import simulate_retail
from cvm_lib.retention import concordance_index, fit_cox, kaplan_meier, logrank

# Remission times in weeks; "+" (event 0) = censored. 6-MP: 21 patients, 9 relapses;
# placebo: 21 patients, 21 relapses.
SIX_MP = [(6, 1), (6, 1), (6, 1), (6, 0), (7, 1), (9, 0), (10, 1), (10, 0), (11, 0), (13, 1), (16, 1), (17, 0),
          (19, 0), (20, 0), (22, 1), (23, 1), (25, 0), (32, 0), (32, 0), (34, 0), (35, 0)]
PLACEBO = [(t, 1) for t in (1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23)]


@pytest.fixture(scope="module")
def leukemia():
    frame = pd.DataFrame(SIX_MP + PLACEBO, columns=["weeks", "relapse"])
    frame["group"] = ["6-MP"] * 21 + ["placebo"] * 21
    frame["placebo"] = (frame["group"] == "placebo").astype(int)
    return frame


# ------------------------------------------------------------------ Kaplan-Meier
def test_km_medians_match_published(leukemia):
    km = kaplan_meier(leukemia, "weeks", "relapse", "group")
    assert km.median_["6-MP"] == 23
    assert km.median_["placebo"] == 8
    assert list(km.survival_function_.columns) == ["6-MP", "placebo"]


def test_km_survival_values_match_published(leukemia):
    km = kaplan_meier(leukemia, "weeks", "relapse", "group")
    published = {6: 0.8571, 7: 0.8067, 10: 0.7529, 13: 0.6902, 16: 0.6275, 22: 0.5378, 23: 0.4482}
    at = km.at(list(published))["6-MP"]
    np.testing.assert_allclose(at.to_numpy(), list(published.values()), atol=5e-5)
    # the step function holds between event times and starts at 1
    assert km.at([0, 5.9, 8.5])["6-MP"].tolist() == pytest.approx([1.0, 1.0, 0.8067227], abs=1e-6)
    # placebo: 21 events, S(8) = 8/21 after 13 relapses
    assert km.at([8])["placebo"].iloc[0] == pytest.approx(8 / 21)


def test_km_loglog_band_hand_computed(leukemia):
    """At t = 6 (6-MP) S = 18/21; Greenwood var = S^2 * 3/(21*18); log-log band by hand."""
    km = kaplan_meier(leukemia, "weeks", "relapse", "group")
    s = 18 / 21
    se = s * np.sqrt(3 / (21 * 18))
    sigma = se / (s * abs(np.log(s)))
    lower, upper = s ** np.exp(1.959964 * sigma), s ** np.exp(-1.959964 * sigma)
    row = km.survival_at([6]).set_index("group").loc["6-MP"]
    assert row["se"] == pytest.approx(se, rel=1e-6)
    assert (row["lower"], row["upper"]) == pytest.approx((lower, upper), abs=1e-5)
    assert (round(lower, 3), round(upper, 3)) == (0.620, 0.952)  # R survfit(conf.type = "log-log")
    band = km.confidence_interval_
    assert (band[("6-MP", "lower")] <= km.survival_function_["6-MP"] + 1e-12).all()
    assert (band[("6-MP", "upper")] >= km.survival_function_["6-MP"] - 1e-12).all()


def test_km_long_form_and_summary(leukemia):
    km = kaplan_meier(leukemia, "weeks", "relapse", "group")
    curves = km.curves_
    assert set(curves.columns) >= {"group", "time", "at_risk", "events", "censored", "survival", "lower", "upper"}
    six = curves[curves["group"] == "6-MP"]
    assert six["events"].sum() == 9 and six["censored"].sum() == 12
    assert six["time"].iloc[0] == 0 and six["time"].max() == 35  # ends where the group's data end
    assert six.set_index("time").loc[6.0, "at_risk"] == 21
    summary = km.summary()
    assert summary.loc["placebo", "events"] == 21 and summary.loc["6-MP", "n"] == 21
    assert summary.loc["6-MP", "median_upper_95"] == np.inf  # not bounded: S stays above the band


def test_km_without_groups_and_beyond_data(leukemia):
    km = kaplan_meier(leukemia, "weeks", "relapse")
    assert list(km.survival_function_.columns) == ["all"]
    assert km.survival_function_["all"].is_monotonic_decreasing
    with pytest.raises(ValueError, match="beyond the last observation"):
        km.at([40])


def test_km_median_not_reached_is_inf():
    df = pd.DataFrame({"t": [1, 2, 3, 4, 5], "e": [1, 0, 0, 0, 0]})
    km = kaplan_meier(df, "t", "e")
    assert km.median_["all"] == np.inf


# ------------------------------------------------------------------ log-rank
def test_logrank_matches_published(leukemia):
    res = logrank(leukemia, "weeks", "relapse", "group")
    assert round(res.statistic, 2) == 16.79
    assert res.statistic == pytest.approx(16.7929, abs=5e-4)
    assert res.p_value == pytest.approx(4.17e-05, rel=0.01)
    assert res.df == 1
    assert res.observed.tolist() == [9, 21]
    assert res.expected.round(1).tolist() == [19.3, 10.7]
    assert res.expected.sum() == pytest.approx(30)


def test_logrank_three_groups_and_strata(leukemia):
    df = leukemia.copy()
    df["arm"] = np.where(df["group"] == "placebo", "placebo", np.where(df.index % 2 == 0, "6-MP a", "6-MP b"))
    res = logrank(df, "weeks", "relapse", "arm")
    assert res.df == 2 and res.observed.sum() == 30 and res.expected.sum() == pytest.approx(30)
    df["stratum"] = np.where(df.index % 3 == 0, "x", "y")
    strat = logrank(df, "weeks", "relapse", "group", strata="stratum")
    assert strat.statistic > 10 and strat.statistic != pytest.approx(16.7929, abs=1e-3)
    assert strat.observed.tolist() == [9, 21]


# ------------------------------------------------------------------ Cox
def test_cox_efron_matches_published(leukemia):
    cox = fit_cox(leukemia, "weeks", "relapse", ["group"])
    coef = cox.params_["group[placebo]"]
    assert coef == pytest.approx(1.5721, abs=5e-4)
    assert cox.standard_errors_["group[placebo]"] == pytest.approx(0.4124, abs=5e-4)
    assert cox.hazard_ratios_["group[placebo]"] == pytest.approx(4.817, abs=5e-3)
    assert cox.z_["group[placebo]"] == pytest.approx(3.812, abs=2e-3)
    assert cox.p_values_["group[placebo]"] == pytest.approx(0.000138, abs=2e-6)
    # R: 95% CI of the HR of 6-MP vs placebo 0.09251-0.4659, i.e. 1/upper and 1/lower here
    ci = np.exp(cox.confidence_intervals_.loc["group[placebo]"])
    assert (1 / ci["upper"], 1 / ci["lower"]) == pytest.approx((0.09251, 0.4659), abs=5e-5)
    assert cox.log_likelihood_ == pytest.approx(-85.0084, abs=1e-3)
    assert cox.likelihood_ratio_test_["statistic"] == pytest.approx(16.35, abs=5e-3)
    assert cox.wald_test_["statistic"] == pytest.approx(14.53, abs=5e-3)
    assert cox.score_test_["statistic"] == pytest.approx(17.25, abs=5e-3)
    assert round(cox.concordance_, 2) == 0.69
    assert cox.converged_ and cox.n_ == 42 and cox.n_events_ == 30


def test_cox_breslow_matches_published(leukemia):
    cox = fit_cox(leukemia, "weeks", "relapse", ["group"], ties="breslow")
    assert cox.params_["group[placebo]"] == pytest.approx(1.5092, abs=5e-4)
    assert cox.log_likelihood_ == pytest.approx(-86.379622, abs=1e-4)  # Stata stcox
    assert cox.likelihood_ratio_test_["statistic"] == pytest.approx(15.21, abs=5e-3)
    # Stata: HR (treated) .2210887, std. err. .0905501, 95% CI .0990706-.4933877
    treated = fit_cox(leukemia, "weeks", "relapse", ["group"], ties="breslow", reference={"group": "placebo"})
    hr = treated.hazard_ratios_["group[6-MP]"]
    assert hr == pytest.approx(0.2210887, abs=1e-5)
    assert hr * treated.standard_errors_["group[6-MP]"] == pytest.approx(0.0905501, abs=1e-5)  # delta method
    ci = np.exp(treated.confidence_intervals_.loc["group[6-MP]"])
    assert (ci["lower"], ci["upper"]) == pytest.approx((0.0990706, 0.4933877), abs=1e-5)


def test_cox_numeric_and_reference_encodings_agree(leukemia):
    numeric = fit_cox(leukemia, "weeks", "relapse", ["placebo"])
    flipped = fit_cox(leukemia, "weeks", "relapse", "group", reference={"group": "placebo"})
    assert numeric.params_["placebo"] == pytest.approx(1.5721, abs=5e-4)
    assert flipped.params_["group[6-MP]"] == pytest.approx(-1.5721, abs=5e-4)
    assert flipped.hazard_ratios_["group[6-MP]"] == pytest.approx(0.2076, abs=5e-4)
    assert flipped.encoding_.loc["group", "reference"] == "placebo"
    table = numeric.summary()
    assert {"coef", "exp(coef)", "se(coef)", "z", "p", "exp(coef) lower 95%"} <= set(table.columns)
    partial = numeric.predict_partial_hazard(pd.DataFrame({"placebo": [0, 1]}))
    assert partial.tolist() == pytest.approx([1.0, np.exp(numeric.params_["placebo"])])
    assert "Concordance" in repr(numeric)


def test_cox_default_covariates_are_the_other_columns(leukemia):
    cox = fit_cox(leukemia[["weeks", "relapse", "placebo"]], "weeks", "relapse")
    assert list(cox.params_.index) == ["placebo"]


def test_concordance_matches_brute_force():
    rng = np.random.default_rng(3)
    n = 300
    time_ = rng.integers(0, 30, n).astype(float)  # many tied times
    event = rng.integers(0, 2, n)
    risk = rng.integers(0, 6, n).astype(float)  # many tied risks
    concordant = tied = comparable = 0
    for i in range(n):
        if not event[i]:
            continue
        later = (time_ > time_[i]) | ((time_ == time_[i]) & (event == 0))
        comparable += later.sum()
        concordant += (later & (risk[i] > risk)).sum()
        tied += (later & (risk[i] == risk)).sum()
    expected = (concordant + 0.5 * tied) / comparable
    assert concordance_index(time_, risk, event) == pytest.approx(expected, abs=1e-12)
    # a perfect and a perfectly wrong ranking
    t = np.arange(1, 11, dtype=float)
    assert concordance_index(t, -t, np.ones(10)) == 1.0
    assert concordance_index(t, t, np.ones(10)) == 0.0


def test_concordance_is_fast_on_large_data():
    rng = np.random.default_rng(0)
    n = 50_000
    start = time.perf_counter()
    c = concordance_index(rng.integers(0, 700, n), rng.normal(size=n), rng.integers(0, 2, n))
    assert time.perf_counter() - start < 5.0
    assert c == pytest.approx(0.5, abs=0.01)


# ------------------------------------------------------------------ proportional hazards
@pytest.fixture(scope="module")
def dropouts():
    data = simulate_retail(12000, seed=11)
    c = data.customers
    end = pd.Timestamp("2024-12-31")
    stop = c["dropout_date"].fillna(end + pd.Timedelta(days=1))
    return pd.DataFrame({"weeks": (stop - c["acquisition_date"]).dt.days / 7,
                         "dropped": c["dropout_date"].notna().astype(int),
                         "programme": c["retention_programme"], "log_mu": np.log(c["true_mu"])})


def test_proportional_hazards_check_detects_frailty_drift(dropouts):
    """Individual hazards are mu * 0.7**programme (proportional); the population hazard
    ratio drifts to 1 as the frail leave. Unadjusted, the test must flag the programme;
    adjusted for log mu, it must not."""
    marginal = fit_cox(dropouts, "weeks", "dropped", ["programme"]).check_proportional_hazards()
    assert marginal.results_.loc["programme", "p_value"] < 0.01
    assert marginal.results_.loc["programme", "rho"] > 0  # log HR rises towards 0 over time
    assert marginal.violations_ == ["programme"]
    adjusted = fit_cox(dropouts, "weeks", "dropped", ["programme", "log_mu"]).check_proportional_hazards()
    assert adjusted.results_.loc["GLOBAL", "p_value"] > 0.05
    assert adjusted.violations_ == []
    for transform in ("rank", "identity", "log"):
        table = fit_cox(dropouts.assign(weeks=dropouts["weeks"] + 0.5), "weeks", "dropped",
                        ["programme"]).check_proportional_hazards(transform).results_
        assert table.loc["programme", "p_value"] < 0.05
    assert set(adjusted.residuals_.columns) == {"time", "transformed_time", "covariate", "scaled_residual"}


def test_proportional_hazards_single_covariate_global_equals_individual(leukemia):
    test = fit_cox(leukemia, "weeks", "relapse", ["group"]).check_proportional_hazards()
    table = test.results_
    assert table.loc["GLOBAL", "test_statistic"] == pytest.approx(table.loc["group[placebo]", "test_statistic"])
    assert table.loc["GLOBAL", "p_value"] > 0.5  # no evidence against PH in the leukaemia trial
    with pytest.raises(ValueError, match="transform"):
        fit_cox(leukemia, "weeks", "relapse", ["group"]).check_proportional_hazards("sqrt")


# ------------------------------------------------------------------ input validation
def test_bad_input_messages(leukemia):
    with pytest.raises(CvmDataError, match=r"lacks column\(s\) \['weeks_x'\]"):
        kaplan_meier(leukemia, "weeks_x", "relapse")
    negative = leukemia.assign(weeks=leukemia["weeks"].where(leukemia.index != 3, -1))
    with pytest.raises(CvmDataError, match="negative") as info:
        fit_cox(negative, "weeks", "relapse", ["group"])
    assert info.value.rows == [3]
    with pytest.raises(CvmDataError, match="only 0 and 1"):
        logrank(leukemia.assign(relapse=leukemia["relapse"] * 2), "weeks", "relapse", "group")
    with pytest.raises(CvmDataError, match="at least 2 groups"):
        logrank(leukemia[leukemia["group"] == "placebo"], "weeks", "relapse", "group")
    with pytest.raises(CvmDataError, match="must be numeric"):
        kaplan_meier(leukemia.assign(weeks=leukemia["weeks"].astype(str)), "weeks", "relapse")
    with pytest.raises(CvmDataError, match="missing"):
        kaplan_meier(leukemia.assign(weeks=leukemia["weeks"].where(leukemia.index != 0)), "weeks", "relapse")
    with pytest.raises(ValueError, match="no events"):
        fit_cox(leukemia.assign(relapse=0), "weeks", "relapse", ["group"])
    with pytest.raises(CvmDataError, match="collinear"):
        fit_cox(leukemia.assign(twice=2 * leukemia["placebo"]), "weeks", "relapse", ["placebo", "twice"])
    with pytest.raises(CvmDataError, match="constant"):
        fit_cox(leukemia.assign(one=1.0), "weeks", "relapse", ["placebo", "one"])
    with pytest.raises(ValueError, match="ties"):
        fit_cox(leukemia, "weeks", "relapse", ["group"], ties="exact")
    with pytest.raises(ValueError, match="reference level"):
        fit_cox(leukemia, "weeks", "relapse", ["group"], reference={"group": "6MP"})


def test_separation_warns_instead_of_silent_nonsense():
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    df = pd.DataFrame({"t": [1, 2, 3, 4, 5, 6, 7, 8], "e": [1, 1, 1, 0, 1, 1, 0, 0],
                       "plan": ["basic"] * 4 + ["premium"] * 4})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cox = fit_cox(df, "t", "e")
    ours = [w for w in caught if issubclass(w.category, ConvergenceWarning) and "Cox model" in str(w.message)]
    assert ours and not cox.converged_


def test_cox_estimator_follows_the_sklearn_contract():
    from sklearn.base import clone
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    from cvm_lib.retention import CoxPH

    df = pd.DataFrame({"t": [1, 2, 3, 4, 5, 6, 7, 8], "e": [1, 1, 1, 0, 1, 1, 0, 0],
                       "plan": ["basic", "premium", "basic", "basic", "premium", "basic", "premium", "premium"]})
    model = CoxPH(ties="breslow")
    with pytest.raises(NotFittedError):
        check_is_fitted(model)
    with pytest.raises(NotFittedError):
        model.summary()
    assert model.get_params() == {"alpha": 0.05, "reference": None, "ties": "breslow"}
    assert model.fit(df, "t", "e") is model
    check_is_fitted(model)
    direct = fit_cox(df, "t", "e", ties="breslow")
    pd.testing.assert_series_equal(model.params_, direct.params_)
    pd.testing.assert_series_equal(model.hazard_ratios_, direct.hazard_ratios_)
    assert model.concordance_ == direct.concordance_
    assert clone(model).get_params() == model.get_params() and not hasattr(clone(model), "params_")
    assert "<table" in model._repr_html_() and "<table" in direct._repr_html_()
