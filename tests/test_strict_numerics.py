"""Numeric edge cases: strict floating point (lifetimes' own test mode) and empty windows."""

import numpy as np
import pandas as pd
import pytest

from cvm_lib.clv import BetaGeo, ModifiedBetaGeo, ParetoNBD
from cvm_lib.data import CvmDataError
from cvm_lib.summary import calibration_holdout, rfm_summary

TX = pd.DataFrame({"customer_id": ["a", "a", "b"], "date": pd.to_datetime(["2024-01-05", "2024-02-01", "2024-01-08"]),
                   "amount": [1.0, 2.0, 3.0]})


@pytest.fixture(scope="module")
def cal():
    from cvm_lib.datasets import cdnow

    return rfm_summary(cdnow(sample=True), observation_end="1997-09-30", time_unit="W")


@pytest.mark.parametrize("model", [BetaGeo, ModifiedBetaGeo, ParetoNBD])
def test_prob_alive_of_heavy_silent_buyers_is_zero_under_seterr_raise(cal, model):
    fitted = model().fit(cal)
    heavy = pd.DataFrame({"frequency": [2000.0, 3.0], "recency": [0.5, 30.0], "T": [39.0, 39.0]})
    relaxed = fitted.prob_alive(heavy)
    with np.errstate(all="raise"):
        strict = fitted.prob_alive(heavy)
        expected = fitted.expected_purchases(heavy, 10)
    assert strict.iloc[0] == 0.0 and expected.iloc[0] == 0.0
    assert strict.tolist() == relaxed.tolist()  # same values, only the flag differs
    assert 0.0 < strict.iloc[1] < 1.0


def test_observation_end_before_first_purchase_is_a_clear_data_error():
    with pytest.raises(CvmDataError, match="observation_end 2023-12-01 is before the first purchase") as info:
        rfm_summary(TX, observation_end="2023-12-01")
    assert info.value.option == "observation_end"


def test_empty_calibration_window_is_a_clear_data_error():
    with pytest.raises(CvmDataError, match="calibration window is empty") as info:
        calibration_holdout(TX, calibration_end="2023-12-01", observation_end="2024-03-01")
    assert info.value.option == "calibration_end"
