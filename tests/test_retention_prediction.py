"""Churn models: AUC well above 0.5 with a known signal, near 0.5 on pure noise; lift,
gain, calibration and importance tables; reproducibility; time-based features."""

import numpy as np
import pandas as pd
import pytest

from cvm_lib.data import CvmDataError
from cvm_lib.datasets import simulate_retail
from cvm_lib.retention import churn_features, churn_model


def _signal_frame(n=4000, seed=0, strength=1.5):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    p = 1 / (1 + np.exp(-(strength * x[:, 0] - 0.5)))
    frame = pd.DataFrame(x, columns=["signal", "noise_1", "noise_2"])
    frame["churned"] = (rng.random(n) < p).astype(int)
    return frame


def _noise_frame(n=4000, seed=1):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.normal(size=(n, 4)), columns=list("abcd"))
    frame["churned"] = (rng.random(n) < 0.3).astype(int)
    return frame


@pytest.fixture(scope="module")
def signal_model():
    return churn_model(_signal_frame(), n_repeats=3)


def test_known_signal_gives_high_auc_and_ranks_the_signal_first(signal_model):
    auc = signal_model.auc_
    assert (auc > 0.75).all()
    # logistic regression is the true model: it ranks the test customers almost exactly as the
    # true probabilities do, whose AUC is the best attainable
    from sklearn.metrics import roc_auc_score

    frame = _signal_frame()
    rows = signal_model.test_predictions_.index
    oracle = roc_auc_score(frame.loc[rows, "churned"], frame.loc[rows, "signal"])
    assert auc["logistic"] == pytest.approx(oracle, abs=0.005)
    assert auc["gradient_boosting"] <= oracle + 0.005
    importance = signal_model.permutation_importance_
    for name in ("logistic", "gradient_boosting"):
        ranked = importance[importance["model"] == name]
        assert ranked["feature"].iloc[0] == "signal"
        assert ranked["importance_mean"].iloc[0] > 0.2
    assert (signal_model.top_decile_lift_ > 1.5).all()


def test_pure_noise_gives_auc_near_half():
    res = churn_model(_noise_frame(), n_repeats=2)
    assert (res.auc_ - 0.5).abs().max() < 0.05
    assert (res.top_decile_lift_ - 1).abs().max() < 0.35


def test_lift_gain_and_calibration_tables(signal_model):
    lift = signal_model.lift_
    for _, table in lift.groupby("model"):
        assert table["decile"].tolist() == list(range(1, 11))
        assert table["gain"].is_monotonic_increasing and table["gain"].iloc[-1] == pytest.approx(1.0)
        assert table["customers"].sum() == signal_model.metrics_["n_test"].iloc[0]
        assert table["cumulative_lift"].iloc[-1] == pytest.approx(1.0)
        assert table["churn_rate"].iloc[0] > table["churn_rate"].iloc[-1]
    calibration = signal_model.calibration_
    logistic = calibration[calibration["model"] == "logistic"]
    assert len(logistic) == 10 and logistic["mean_predicted"].is_monotonic_increasing
    # a correctly specified logistic model is calibrated within sampling error (bins of 120)
    assert (logistic["mean_predicted"] - logistic["observed_rate"]).abs().max() < 0.12
    roc = signal_model.roc_
    assert {"model", "fpr", "tpr", "threshold"} <= set(roc.columns)
    assert signal_model.test_predictions_.shape == (1200, 3)


def test_reproducible_and_predict(signal_model):
    again = churn_model(_signal_frame(), n_repeats=3)
    pd.testing.assert_frame_equal(again.metrics_, signal_model.metrics_)
    pd.testing.assert_frame_equal(again.permutation_importance_, signal_model.permutation_importance_)
    new = _signal_frame(n=50, seed=9)
    p = signal_model.predict_proba(new, model="logistic")
    assert p.between(0, 1).all() and np.corrcoef(p, new["signal"])[0, 1] > 0.9


def test_time_based_features_on_simulated_data():
    data = simulate_retail(6000, seed=8)
    train = churn_features(data.transactions, calibration_end="2024-03-31", observation_end="2024-09-30",
                           customers=data.customers, attributes=["acquisition_channel", "member"])
    test = churn_features(data.transactions, calibration_end="2024-06-30", observation_end="2024-12-31",
                          customers=data.customers, attributes=["acquisition_channel", "member"])
    assert "acquisition_channel[price_promotion]" in train.attrs["features"]
    assert "frequency_holdout" not in train.columns  # the holdout never leaks into features
    res = churn_model(train, test=test, n_repeats=2)
    assert (res.auc_ > 0.75).all()
    assert res.metrics_["n_test"].iloc[0] == len(test)
    importance = res.permutation_importance_
    top = importance[importance["model"] == "logistic"]["feature"].iloc[:3].tolist()
    assert {"inactivity", "recency", "frequency", "T"} & set(top)


def test_bad_input():
    frame = _signal_frame(n=200)
    with pytest.raises(ValueError, match="one class"):
        churn_model(frame.assign(churned=1))
    with pytest.raises(CvmDataError, match="missing or infinite"):
        churn_model(frame.assign(signal=frame["signal"].where(frame.index != 5)))
    with pytest.raises(CvmDataError, match="not numeric"):
        churn_model(frame.assign(segment="x"), features=["signal", "segment"])
    with pytest.raises(CvmDataError, match="only 0 and 1"):
        churn_model(frame.assign(churned=frame["churned"] * 3))
    with pytest.raises(ValueError, match="unknown model"):
        churn_model(frame, models=("random_forest",))
    with pytest.raises(CvmDataError, match="lacks column"):
        churn_model(frame, target="left")


def test_importance_sample_subsamples_only_the_permutation_importance():
    frame = _signal_frame(n=4000, seed=5)
    full = churn_model(frame, n_repeats=2, random_state=3, importance_sample=None)
    same = churn_model(frame, n_repeats=2, random_state=3, importance_sample=len(frame))  # above the test size
    sub = churn_model(frame, n_repeats=2, random_state=3, importance_sample=300)
    pd.testing.assert_frame_equal(full.permutation_importance_, same.permutation_importance_)
    pd.testing.assert_frame_equal(full.metrics_, sub.metrics_)  # AUC, lift, ... on the whole test set
    assert not full.permutation_importance_.equals(sub.permutation_importance_)
    for model in ("logistic", "gradient_boosting"):  # the signal still ranks first on 300 customers
        top = sub.permutation_importance_.query("model == @model").iloc[0]
        assert top["feature"] == "signal" and top["importance_mean"] > 0.1
    again = churn_model(frame, n_repeats=2, random_state=3, importance_sample=300)
    pd.testing.assert_frame_equal(sub.permutation_importance_, again.permutation_importance_)
    with pytest.raises(ValueError, match="importance_sample"):
        churn_model(frame, importance_sample=0)
