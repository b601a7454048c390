"""Churn definitions on hand-built customers, their stated descriptions, and customer
lifetimes for survival analysis."""

import numpy as np
import pandas as pd
import pytest

from cvm_lib.data import CvmDataError
from cvm_lib.retention import churn_labels, customer_lifetimes, kaplan_meier


@pytest.fixture
def tx():
    rows = [("a", "2024-01-01"), ("a", "2024-06-20"),       # 10 days inactive
            ("b", "2024-02-01"),                            # 150 days
            ("c", "2024-01-10"), ("c", "2024-04-01"),       # exactly 90 days: not beyond the threshold
            ("d", "2024-03-31"),                            # 91 days
            ("e", "2024-07-15")]                            # after the end: not a customer yet
    frame = pd.DataFrame(rows, columns=["customer_id", "date"])
    frame["date"] = pd.to_datetime(frame["date"])
    frame["amount"] = 5.0
    return frame


def test_inactivity_definition(tx):
    res = churn_labels(tx, inactivity_days=90, observation_end="2024-06-30")
    labels = res.labels_
    assert labels.index.tolist() == ["a", "b", "c", "d"]
    assert labels["days_inactive"].tolist() == [10, 150, 90, 91]
    assert labels["churned"].tolist() == [False, True, False, True]
    assert res.churn_rate_ == 0.5
    assert res.summary().loc["inactivity", "churned"] == 2
    assert "more than 90 days before 2024-06-30" in res.describe()
    # the default end is the last purchase date, so e is included and a is 25 days inactive
    default = churn_labels(tx, inactivity_days=90)
    assert default.definition.observation_end == pd.Timestamp("2024-07-15")
    assert default.labels_.loc["a", "days_inactive"] == 25


class StubBTYD:
    """P(alive) falls with the time since the last purchase (T - recency)."""

    def prob_alive(self, data):
        return np.exp(-(data["T"] - data["recency"]).to_numpy() / 10.0)


def test_p_alive_definition_with_stub_model(tx):
    res = churn_labels(tx, definition="p_alive", model=StubBTYD(), observation_end="2024-06-30", time_unit="W",
                       threshold=0.3)
    weeks_inactive = np.array([10, 150, 90, 91]) / 7
    np.testing.assert_allclose(res.labels_["p_alive"], np.exp(-weeks_inactive / 10))
    assert res.labels_["churned"].tolist() == [False, True, True, True]  # exp(-1.29) = 0.28 < 0.3
    assert "P(alive) from the fitted StubBTYD model, is below 0.3" in res.describe()
    assert res.definition.observation_end == pd.Timestamp("2024-06-30")


def test_p_alive_definition_with_real_model_if_available(tx):
    clv = pytest.importorskip("cvm_lib.clv", reason="cvm_lib.clv (BTYD models) not available yet")
    if not hasattr(clv, "BetaGeo"):
        pytest.skip("cvm_lib.clv.BetaGeo not available yet")
    from cvm_lib.datasets import cdnow
    from cvm_lib.summary import rfm_summary

    summary = rfm_summary(cdnow(sample=True), observation_end="1998-06-30", time_unit="W")
    model = clv.BetaGeo().fit(summary)
    res = churn_labels(summary, definition="p_alive", model=model, threshold=0.5)
    assert len(res.labels_) == len(summary)
    assert res.labels_["churned"].equals(res.labels_["p_alive"] < 0.5)
    # two customers alike but for the time since the last purchase
    pair = pd.DataFrame({"frequency": [2.0, 2.0], "recency": [29.0, 5.0], "T": [30.0, 30.0],
                         "monetary_value": [20.0, 20.0]}, index=pd.Index(["recent", "lapsed"], name="customer_id"))
    p = churn_labels(pair, definition="p_alive", model=model).labels_["p_alive"]
    assert p["recent"] > p["lapsed"]


def test_contract_definition():
    contracts = pd.DataFrame({"customer_id": ["a", "b", "c", "d"],
                              "start": pd.to_datetime(["2023-01-01", "2023-05-01", "2024-01-01", "2024-09-01"]),
                              "end_date": pd.to_datetime(["2024-03-31", None, "2024-12-31", None])})
    res = churn_labels(contracts, definition="contract", observation_end="2024-06-30", start_col="start")
    assert res.labels_.index.tolist() == ["a", "b", "c"]  # d had not started
    assert res.labels_["churned"].tolist() == [True, False, False]  # c's contract ends after the end
    assert res.describe() == ("Contractual setting: a customer counts as churned when their contract end date "
                              "(column 'end_date') is on or before 2024-06-30.")
    anytime = churn_labels(contracts, definition="contract")
    assert anytime.labels_["churned"].tolist() == [True, False, True, False]


def test_definition_errors(tx):
    with pytest.raises(ValueError, match="inactivity_days"):
        churn_labels(tx)
    with pytest.raises(ValueError, match="definition"):
        churn_labels(tx, definition="silence")
    with pytest.raises(ValueError, match="prob_alive"):
        churn_labels(tx, definition="p_alive")
    with pytest.raises(ValueError, match="time_unit"):
        churn_labels(tx, definition="p_alive", model=StubBTYD())
    with pytest.raises(CvmDataError, match="end_date"):
        churn_labels(pd.DataFrame({"customer_id": ["a"]}), definition="contract")
    with pytest.raises(TypeError):  # the method states the definition; reports translate it (cvm_lib.studies)
        churn_labels(tx, inactivity_days=30).describe("zh")

    class Broken:
        def prob_alive(self, data):
            return np.full(len(data), 1.5)

    with pytest.raises(ValueError, match="outside"):
        churn_labels(tx, definition="p_alive", model=Broken(), time_unit="W")


def test_customer_lifetimes(tx):
    life = customer_lifetimes(tx, inactivity_days=90, observation_end="2024-06-30")
    assert life["event"].tolist() == [0, 1, 0, 1]
    # churned: first to last purchase; censored (default) at the last purchase as well
    assert life["duration"].tolist() == [171.0, 0.0, 82.0, 0.0]
    optimistic = customer_lifetimes(tx, inactivity_days=90, observation_end="2024-06-30",
                                    censor_at="observation_end")
    assert optimistic["duration"].tolist() == [181.0, 0.0, 172.0, 0.0]
    weeks = customer_lifetimes(tx, inactivity_days=90, observation_end="2024-06-30", time_unit="W")
    assert weeks.loc["a", "duration"] == pytest.approx(171 / 7)
    assert life.attrs["definition"].inactivity_days == 90
    km = kaplan_meier(life, "duration", "event")
    assert km.at([0])["all"].iloc[0] == pytest.approx(0.5)  # two of four customers never came back
