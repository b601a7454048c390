"""Saving and loading fitted BTYD models: ``model.save(path)``, ``Model.load(path)``.

So that a scheduled report can score this quarter's customers with last quarter's fit.

File format (``cvm_lib.clv model``, format version 1)
------------------------------------------------------
A UTF-8 JSON document with these keys:

``format``
    Always ``"cvm_lib.clv model"``.
``format_version``
    Integer, :data:`FORMAT_VERSION`. Bumped whenever the layout changes; a file of another
    format version is refused with a message naming both versions.
``package_version``
    ``cvm_lib.__version__`` of the writer. A file written by another package version
    loads (the format is the same) with a :class:`ModelVersionWarning` naming both
    versions, since the model's code may have changed since.
``model``
    The class name (``"BetaGeo"``, ``"ModifiedBetaGeo"``, ``"ParetoNBD"``,
    ``"BetaGeoBetaBinom"``, ``"ShiftedBetaGeo"``, ``"GammaGamma"``).
``saved_at``
    UTC time stamp (ISO 8601), for information.
``hyperparameters``
    The constructor arguments (``get_params()``).
``fitted``
    Every fitted attribute (the public ones ending in ``_`` and the stored covariance
    ``_cov_log``; with covariates also ``_cov_full`` and the covariate designs), each
    encoded as ``{"type": ..., ...}``: ``"float"`` / ``"int"`` / ``"bool"`` / ``"str"`` /
    ``"null"`` scalars (non-finite floats as the strings ``"nan"``, ``"inf"``,
    ``"-inf"``), ``"array"`` (``values`` nested lists, ``dtype``), ``"series"``
    (``values``, ``index``, ``name``; a MultiIndex as a list of tuples with
    ``index_names``) and ``"design"`` (covariate columns, kind, levels; the reference
    level first).

Floats are written with 17 significant digits (``repr``), so a round trip reproduces the
parameters bit for bit and the predictions exactly.

Examples
--------
>>> import os, tempfile
>>> from cvm_lib.clv import BetaGeo
>>> from cvm_lib.datasets import cdnow
>>> from cvm_lib.summary import calibration_holdout
>>> cal = calibration_holdout(cdnow(sample=True), calibration_end="1997-09-30",
...                           observation_end="1998-06-30", time_unit="W")
>>> model = BetaGeo().fit(cal)
>>> path = os.path.join(tempfile.mkdtemp(), "bgnbd.json")
>>> model.save(path)
>>> again = BetaGeo.load(path)
>>> bool((again.prob_alive(cal) == model.prob_alive(cal)).all())
True
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import warnings
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["FORMAT", "FORMAT_VERSION", "ModelVersionWarning", "save_model", "load_model"]

FORMAT = "cvm_lib.clv model"
FORMAT_VERSION = 1


class ModelVersionWarning(UserWarning):
    """A saved model was written by another version of cvm_lib."""


def _package_version() -> str:
    from cvm_lib import __version__

    return __version__


def _float(v: float) -> Any:
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def _unfloat(v: Any) -> float:
    return float(v)  # float("nan"), float("inf") parse the strings


def _plain(v: Any) -> Any:
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float):
        return _float(v)
    if isinstance(v, tuple):
        return [_plain(e) for e in v]
    return v


def _encode(value: Any) -> dict:
    from cvm_lib.clv.covariates import CovariateDesign

    if value is None:
        return {"type": "null"}
    if isinstance(value, (bool, np.bool_)):
        return {"type": "bool", "value": bool(value)}
    if isinstance(value, (int, np.integer)):
        return {"type": "int", "value": int(value)}
    if isinstance(value, (float, np.floating)):
        return {"type": "float", "value": _float(value)}
    if isinstance(value, str):
        return {"type": "str", "value": value}
    if isinstance(value, CovariateDesign):
        return {"type": "design", "columns": value.to_dict()}
    if isinstance(value, np.ndarray):
        flat = [_float(v) for v in value.astype(np.float64).reshape(-1)]
        return {"type": "array", "shape": list(value.shape), "values": flat}
    if isinstance(value, pd.Series):
        idx = value.index
        out = {"type": "series", "name": _plain(value.name), "values": [_float(v) for v in value.to_numpy(np.float64)],
               "dtype": str(value.dtype)}
        if isinstance(idx, pd.MultiIndex):
            out["index"] = [[_plain(e) for e in t] for t in idx]
            out["index_names"] = list(idx.names)
            out["multi"] = True
        else:
            out["index"] = [_plain(e) for e in idx]
            out["index_names"] = [idx.name]
            out["multi"] = False
        return out
    raise TypeError(f"cannot save a fitted attribute of type {type(value).__name__}")


def _decode(item: dict) -> Any:
    from cvm_lib.clv.covariates import CovariateDesign

    kind = item["type"]
    if kind == "null":
        return None
    if kind == "bool":
        return bool(item["value"])
    if kind == "int":
        return int(item["value"])
    if kind == "float":
        return _unfloat(item["value"])
    if kind == "str":
        return str(item["value"])
    if kind == "design":
        return CovariateDesign.from_dict(item["columns"])
    if kind == "array":
        return np.array([_unfloat(v) for v in item["values"]], dtype=np.float64).reshape(item["shape"])
    if kind == "series":
        if item.get("multi"):
            index = pd.MultiIndex.from_tuples([tuple(t) for t in item["index"]], names=item["index_names"])
        else:
            index = pd.Index(item["index"], name=item["index_names"][0])
        return pd.Series([_unfloat(v) for v in item["values"]], index=index, name=item["name"], dtype="float64")
    raise ValueError(f"unknown attribute type {kind!r} in a saved model")


def _fitted_names(model: Any) -> list[str]:
    return [k for k in model.__dict__
            if (k.endswith("_") and not k.startswith("_")) or k in ("_cov_log", "_cov_full", "_design_p", "_design_d")]


def save_model(model: Any, path: str | os.PathLike) -> None:
    """Write a fitted model to ``path`` (JSON, see the module docstring)."""
    model._check_fitted()
    hyper = {}
    for name, value in model.get_params().items():
        if isinstance(value, (list, tuple)):
            hyper[name] = {"type": "list", "value": [_plain(v) for v in value]}
        elif isinstance(value, (pd.Series, dict)):
            hyper[name] = {"type": "dict", "value": {str(k): _plain(v) for k, v in dict(value).items()}}
        else:
            hyper[name] = _encode(value)
    doc = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "package_version": _package_version(),
        "model": type(model).__name__,
        "saved_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "hyperparameters": hyper,
        "fitted": {name: _encode(getattr(model, name)) for name in _fitted_names(model)},
    }
    text = json.dumps(doc, indent=1, ensure_ascii=False, allow_nan=False)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)


def load_model(cls: type, path: str | os.PathLike) -> Any:
    """Read a model saved by :func:`save_model`; ``cls`` is the class it must be (or
    :class:`~cvm_lib.clv.base.BaseModel` for any)."""
    path = os.fspath(path)
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not a saved cvm_lib model (invalid JSON: {exc})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ValueError(f"{path}: not a saved cvm_lib model (format {doc.get('format') if isinstance(doc, dict) else None!r}, "
                         f"expected {FORMAT!r})")
    version = doc.get("format_version")
    if version != FORMAT_VERSION:
        raise ValueError(f"{path}: saved in model-file format version {version!r} by cvm_lib "
                         f"{doc.get('package_version')!r}; this cvm_lib ({_package_version()}) reads format version "
                         f"{FORMAT_VERSION}. Refit the model, or load it with the cvm_lib version that wrote it.")
    written_by = doc.get("package_version")
    if written_by != _package_version():
        warnings.warn(f"{path}: saved by cvm_lib {written_by}, loaded by cvm_lib {_package_version()} (same file "
                      f"format {FORMAT_VERSION}); predictions may differ if the model code changed", ModelVersionWarning,
                      stacklevel=3)
    from cvm_lib import clv

    name = doc.get("model")
    target = getattr(clv, str(name), None)
    if not (isinstance(target, type) and issubclass(target, cls)):
        raise ValueError(f"{path}: holds a {name} model, not a {cls.__name__}; load it with "
                         f"cvm_lib.clv.{name}.load(path)")
    hyper = {}
    for key, item in doc["hyperparameters"].items():
        if item["type"] in ("list", "dict"):
            hyper[key] = item["value"]
        else:
            hyper[key] = _decode(item)
    model = target(**hyper)
    for key, item in doc["fitted"].items():
        setattr(model, key, _decode(item))
    if "params_" in model.__dict__:
        model.params_.index = pd.Index(list(model.params_.index))
    return model
