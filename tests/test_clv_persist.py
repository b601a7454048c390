"""Saved models (cvm_lib.clv.persist): round trips give identical predictions; other
versions are named."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from cvm_lib.clv import (BetaGeo, BetaGeoBetaBinom, GammaGamma, ModifiedBetaGeo, NotFittedError, ParetoNBD,
                         ShiftedBetaGeo, customer_lifetime_value)
from cvm_lib.clv.base import BaseModel
from cvm_lib.clv.persist import FORMAT_VERSION, ModelVersionWarning
from cvm_lib.datasets import cdnow, donations
from cvm_lib.summary import calibration_holdout


@pytest.fixture(scope="module")
def cal():
    data = calibration_holdout(cdnow(sample=True), calibration_end="1997-09-30", observation_end="1998-06-30",
                               time_unit="W")
    rng = np.random.default_rng(0)
    return data.assign(channel=rng.choice(["web", "shop", "app"], len(data)), age=rng.normal(40, 10, len(data)))


def _round_trip(model, tmp_path, name="model.json"):
    path = tmp_path / name
    model.save(path)
    return type(model).load(path), path


@pytest.mark.parametrize("cls", [BetaGeo, ModifiedBetaGeo, ParetoNBD])
@pytest.mark.parametrize("covariates", [False, True])
def test_purchase_models_round_trip_exactly(cls, covariates, cal, tmp_path):
    kw = {"purchase_covariates": ["channel", "age"], "dropout_covariates": ["channel"]} if covariates else {}
    model = cls(**kw).fit(cal)
    again, _ = _round_trip(model, tmp_path)
    assert type(again) is cls and again.get_params() == model.get_params()
    pd.testing.assert_series_equal(again.params_, model.params_)
    assert again.log_likelihood_ == model.log_likelihood_ and again.converged_ == model.converged_
    assert again.time_unit_ == model.time_unit_ == "W"
    pd.testing.assert_series_equal(again.prob_alive(cal), model.prob_alive(cal), check_exact=True)
    pd.testing.assert_series_equal(again.expected_purchases(cal, 13), model.expected_purchases(cal, 13),
                                   check_exact=True)
    pd.testing.assert_frame_equal(again.summary(), model.summary(), check_exact=True)
    spend = GammaGamma().fit(cal[cal["frequency"] > 0])
    kwargs = dict(horizon=26, margin=0.3, discount_rate=0.002, time_unit="W")
    pd.testing.assert_series_equal(customer_lifetime_value(again, spend, cal, **kwargs),
                                   customer_lifetime_value(model, spend, cal, **kwargs), check_exact=True)
    if covariates:
        pd.testing.assert_series_equal(again.coefficients_, model.coefficients_, check_exact=True)
        # The saved design, not the new data, decides the reference level and the columns.
        reordered = cal.iloc[::-1]
        pd.testing.assert_series_equal(again.prob_alive(reordered), model.prob_alive(reordered), check_exact=True)


def test_other_models_round_trip(cal, tmp_path):
    gg = GammaGamma().fit(cal[cal["frequency"] > 0])
    again, _ = _round_trip(gg, tmp_path, "gg.json")
    pd.testing.assert_series_equal(again.expected_spend(cal), gg.expected_spend(cal), check_exact=True)
    bb = BetaGeoBetaBinom().fit(donations(), weights="weights")
    again, _ = _round_trip(bb, tmp_path, "bgbb.json")
    pd.testing.assert_series_equal(again.params_, bb.params_, check_exact=True)
    pd.testing.assert_frame_equal(again.summary(), bb.summary(), check_exact=True)
    sbg = ShiftedBetaGeo().fit([1000, 631, 468, 382, 326, 289, 262, 241])
    again, _ = _round_trip(sbg, tmp_path, "sbg.json")
    np.testing.assert_array_equal(np.asarray(again.survival([1, 5, 12])), np.asarray(sbg.survival([1, 5, 12])))
    assert again.n_periods_ == sbg.n_periods_


def test_format_is_documented_json(cal, tmp_path):
    model = BetaGeo().fit(cal)
    path = tmp_path / "m.json"
    model.save(path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["format"] == "cvm_lib.clv model" and doc["format_version"] == FORMAT_VERSION
    assert doc["model"] == "BetaGeo" and doc["package_version"]
    assert doc["fitted"]["params_"]["index"] == ["r", "alpha", "a", "b"]


def test_other_format_version_is_refused(cal, tmp_path):
    path = tmp_path / "m.json"
    BetaGeo().fit(cal).save(path)
    doc = json.loads(path.read_text())
    doc["format_version"] = FORMAT_VERSION + 1
    doc["package_version"] = "9.9.9"
    path.write_text(json.dumps(doc))
    with pytest.raises(ValueError, match=f"format version {FORMAT_VERSION + 1}.*9.9.9.*reads format version "
                                         f"{FORMAT_VERSION}"):
        BetaGeo.load(path)


def test_other_package_version_warns_and_loads(cal, tmp_path):
    path = tmp_path / "m.json"
    model = ParetoNBD().fit(cal)
    model.save(path)
    doc = json.loads(path.read_text())
    doc["package_version"] = "0.0.1"
    path.write_text(json.dumps(doc))
    with pytest.warns(ModelVersionWarning, match="saved by cvm_lib 0.0.1"):
        again = ParetoNBD.load(path)
    pd.testing.assert_series_equal(again.prob_alive(cal), model.prob_alive(cal), check_exact=True)


def test_wrong_class_unfitted_and_foreign_files(cal, tmp_path):
    path = tmp_path / "m.json"
    BetaGeo().fit(cal).save(path)
    with pytest.raises(ValueError, match="holds a BetaGeo model, not a ParetoNBD"):
        ParetoNBD.load(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert type(BaseModel.load(path)) is BetaGeo  # any model through the base class
    with pytest.raises(NotFittedError):
        BetaGeo().save(tmp_path / "x.json")
    other = tmp_path / "other.json"
    other.write_text('{"hello": 1}')
    with pytest.raises(ValueError, match="not a saved cvm_lib model"):
        BetaGeo.load(other)
    other.write_text("not json")
    with pytest.raises(ValueError, match="invalid JSON"):
        BetaGeo.load(other)
