"""Churn prediction with a time-based split: features from a calibration window, churn
observed in the holdout window that follows (scikit-learn models)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cvm_lib.data import CvmDataError
from cvm_lib.retention._common import Encoder, Result, as_list, binary, check_frame, require_columns
from cvm_lib.summary import calibration_holdout

__all__ = ["churn_features", "ChurnModel", "churn_model", "IMPORTANCE_SAMPLE"]

_RFM_FEATURES = ["frequency", "recency", "T", "monetary_value", "inactivity"]

#: Test customers scored per permutation-importance repeat at most (see :func:`churn_model`).
IMPORTANCE_SAMPLE = 30_000


def churn_features(tx: pd.DataFrame, *, calibration_end: Any, observation_end: Any = None,
                   customers: pd.DataFrame | None = None, attributes: str | Sequence[str] = (),
                   time_unit: str | float = "W") -> pd.DataFrame:
    """Calibration-window features and holdout-window churn, one row per customer.

    Features (from :func:`cvm_lib.summary.calibration_holdout`, in ``time_unit``):
    ``frequency``, ``recency``, ``T``, ``monetary_value`` and ``inactivity = T - recency``
    (time since the last purchase), plus customer ``attributes`` (booleans as 0/1, text
    one-hot encoded against the first level). Target ``churned`` = 1 when the customer
    makes no purchase in the holdout window (the day after ``calibration_end`` through
    ``observation_end``), the usual non-contractual proxy. Only customers acquired by
    ``calibration_end`` are included. ``attrs["features"]`` lists the feature columns and
    ``attrs["definition"]`` states the target.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a", "b", "c"],
    ...                    "date": pd.to_datetime(["2024-01-01", "2024-01-15", "2024-02-05", "2024-01-08",
    ...                                            "2024-02-01"]),
    ...                    "amount": [10.0, 30.0, 8.0, 20.0, 5.0]})
    >>> churn_features(tx, calibration_end="2024-01-28", observation_end="2024-02-25")
                 frequency  recency         T  monetary_value  inactivity  churned
    customer_id
    a                  1.0      2.0  3.857143            30.0    1.857143        0
    b                  0.0      0.0  2.857143             0.0    2.857143        1
    """
    summary = calibration_holdout(tx, calibration_end=calibration_end, observation_end=observation_end,
                                  time_unit=time_unit)
    frame = summary[["frequency", "recency", "T", "monetary_value"]].copy()
    frame["inactivity"] = frame["T"] - frame["recency"]
    features = list(_RFM_FEATURES)
    attributes = as_list(attributes)
    if attributes:
        if customers is None:
            raise ValueError("attributes= needs customers= (a table with customer_id and the attribute columns)")
        check_frame(customers, "customers")
        table = customers.set_index("customer_id") if "customer_id" in customers.columns else customers
        require_columns(table, attributes, what="the customers table")
        attrs = table[attributes].reindex(frame.index)
        if attrs.isna().any().any():
            raise CvmDataError("some customers of the log lack attribute values in the customers table",
                               source="<DataFrame>")
        encoded = Encoder(attributes).fit(attrs).transform(attrs)
        frame = frame.join(encoded)
        features += list(encoded.columns)
    frame["churned"] = (summary["frequency_holdout"] == 0).astype(np.int64)
    frame.attrs.update(features=features, calibration_end=summary.attrs["calibration_end"],
                       observation_end=summary.attrs["observation_end"], time_unit=time_unit,
                       definition=f"churned = no purchase from the day after {summary.attrs['calibration_end']} "
                                  f"to {summary.attrs['observation_end']}")
    return frame


def _make_model(name: str, random_state: int) -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if name == "logistic":
        return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    if name == "gradient_boosting":
        return HistGradientBoostingClassifier(max_iter=150, learning_rate=0.08, max_leaf_nodes=15,
                                              min_samples_leaf=40, early_stopping=False, random_state=random_state)
    raise ValueError(f"unknown model {name!r}; use 'logistic', 'gradient_boosting' or a (name, estimator) pair")


def _lift_table(y: np.ndarray, score: np.ndarray, groups: int = 10) -> pd.DataFrame:
    """Deciles of the score (1 = highest) with churn rate, lift and cumulative gain."""
    n = len(y)
    order = np.argsort(-score, kind="stable")
    decile = np.empty(n, dtype=np.int64)
    decile[order] = np.arange(n) * groups // n + 1
    counts = np.bincount(decile, minlength=groups + 1)[1:]
    churners = np.bincount(decile, weights=y, minlength=groups + 1)[1:]
    base = y.mean()
    table = pd.DataFrame({"decile": np.arange(1, groups + 1), "customers": counts,
                          "churners": churners.astype(np.int64), "churn_rate": churners / counts})
    table["lift"] = table["churn_rate"] / base
    table["cumulative_customers_share"] = np.cumsum(counts) / n
    table["gain"] = np.cumsum(churners) / y.sum()  # cumulative share of all churners captured
    table["cumulative_lift"] = table["gain"] / table["cumulative_customers_share"]
    return table


def _calibration_table(y: np.ndarray, p: np.ndarray, bins: int) -> pd.DataFrame:
    """Observed churn rate against mean predicted probability in quantile bins of p."""
    order = np.argsort(p, kind="stable")
    bin_of = np.empty(len(p), dtype=np.int64)
    bin_of[order] = np.arange(len(p)) * bins // len(p)
    counts = np.bincount(bin_of, minlength=bins)
    return pd.DataFrame({"bin": np.arange(1, bins + 1), "customers": counts,
                         "mean_predicted": np.bincount(bin_of, weights=p, minlength=bins) / counts,
                         "observed_rate": np.bincount(bin_of, weights=y, minlength=bins) / counts})


@dataclass(repr=False)
class ChurnModel(Result):
    """Fitted churn classifiers and their test-set evaluation (see :func:`churn_model`).

    All tables are long form with a ``model`` column, ready for plotting.

    Attributes
    ----------
    models_ : dict
        Fitted scikit-learn estimators by name.
    auc_ : Series
        ROC AUC on the test set.
    top_decile_lift_ : Series
        Churn rate among the 10% highest scores / overall churn rate.
    metrics_ : DataFrame
        Per model: ``auc``, ``top_decile_lift``, ``brier``, ``log_loss``, ``base_rate``,
        ``n_train``, ``n_test``.
    roc_ : DataFrame
        ``model, fpr, tpr, threshold``.
    calibration_ : DataFrame
        ``model, bin, customers, mean_predicted, observed_rate`` (quantile bins).
    lift_ : DataFrame
        ``model, decile, customers, churners, churn_rate, lift,
        cumulative_customers_share, gain, cumulative_lift``.
    permutation_importance_ : DataFrame
        ``model, feature, importance_mean, importance_std``: drop in test ROC AUC when
        the feature is shuffled (``sklearn.inspection.permutation_importance``).
    features : list of str
    target : str
    """

    models_: dict
    metrics_: pd.DataFrame
    roc_: pd.DataFrame
    calibration_: pd.DataFrame
    lift_: pd.DataFrame
    permutation_importance_: pd.DataFrame
    features: list
    target: str
    test_predictions_: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def auc_(self) -> pd.Series:
        return self.metrics_["auc"]

    @property
    def top_decile_lift_(self) -> pd.Series:
        return self.metrics_["top_decile_lift"]

    def predict_proba(self, data: pd.DataFrame, model: str | None = None) -> pd.Series:
        """Churn probability for new rows (``model`` defaults to the best test AUC)."""
        name = model or str(self.auc_.idxmax())
        if name not in self.models_:
            raise ValueError(f"unknown model {name!r}; fitted: {list(self.models_)}")
        require_columns(data, self.features, what="the data")
        p = self.models_[name].predict_proba(data[self.features].to_numpy(dtype=np.float64))[:, 1]
        return pd.Series(p, index=data.index, name=f"p_churn_{name}")

    def summary(self) -> pd.DataFrame:
        return self.metrics_


def churn_model(data: pd.DataFrame, *, target: str = "churned", features: Sequence[str] | None = None,
                models: Sequence[Any] = ("logistic", "gradient_boosting"), test: pd.DataFrame | None = None,
                test_size: float = 0.3, random_state: int = 0, calibration_bins: int = 10,
                n_repeats: int = 5, n_threads: int | None = 1,
                importance_sample: int | None = IMPORTANCE_SAMPLE) -> ChurnModel:
    """Fit churn classifiers and evaluate them: ROC AUC, calibration, lift and gain, importance.

    The time-based split lives in the data: features describe the calibration window and
    the target is churn in the following holdout window (:func:`churn_features`). Models
    are evaluated on customers they were not fitted on: ``test`` if given (best: the
    same features built for a later pair of windows), else a stratified random
    ``test_size`` share of ``data``.

    Parameters
    ----------
    data : DataFrame
        Features and a 0/1 ``target`` column.
    target : str, default "churned"
    features : list of str, optional
        Default ``data.attrs["features"]`` if set, else every numeric or boolean column
        except the target and columns ending in ``_holdout`` (which would leak the target).
    models : sequence
        ``"logistic"`` (standardised logistic regression), ``"gradient_boosting"``
        (``HistGradientBoostingClassifier``) or ``(name, estimator)`` pairs with any
        scikit-learn classifier.
    test : DataFrame, optional
    test_size : float, default 0.3
    random_state : int, default 0
        Seeds the split, the models and the permutations: results are reproducible.
    calibration_bins : int, default 10
    n_repeats : int, default 5
        Permutations per feature.
    importance_sample : int or None, default 30,000
        Permutation importance costs ``n_features × n_repeats`` predictions of the test
        set; above this many test customers it is computed (baseline AUC and every
        permutation) on one simple random subsample of this size, drawn with
        ``numpy.random.default_rng([random_state, 11])``. AUC, lift, calibration and ROC
        always use the whole test set. None: everyone.
    n_threads : int or None, default 1
        OpenMP/BLAS threads while fitting and scoring. One thread is the fastest for
        customer tables of this size (thread start-up dominates each tree) and makes the
        results independent of the machine; None keeps the libraries' defaults.

    Returns
    -------
    ChurnModel
    """
    from sklearn.base import clone
    from sklearn.model_selection import train_test_split

    check_frame(data, "data")
    require_columns(data, [target], what="the churn data")
    if features is None:
        features = data.attrs.get("features") or [
            c for c in data.columns if c != target and not str(c).endswith("_holdout")
            and (pd.api.types.is_numeric_dtype(data[c].dtype) or pd.api.types.is_bool_dtype(data[c].dtype))]
    features = list(features)
    if not features:
        raise ValueError("no feature columns: pass features=[...]")
    if target in features:
        raise ValueError(f"the target {target!r} cannot be a feature")
    require_columns(data, features, what="the churn data")

    def matrix(frame: pd.DataFrame, what: str) -> tuple[np.ndarray, np.ndarray]:
        y = binary(frame, target, role="target")
        bad = [c for c in features if not (pd.api.types.is_numeric_dtype(frame[c].dtype)
                                           or pd.api.types.is_bool_dtype(frame[c].dtype))]
        if bad:
            raise CvmDataError(f"feature column(s) {bad} of the {what} are not numeric; encode them first "
                               "(churn_features(attributes=...) does)", source="<DataFrame>", column=bad[0])
        x = frame[features].to_numpy(dtype=np.float64, na_value=np.nan)
        if not np.isfinite(x).all():
            cols = [c for c, ok in zip(features, np.isfinite(x).all(axis=0)) if not ok]
            raise CvmDataError(f"feature column(s) {cols} of the {what} have missing or infinite values",
                               source="<DataFrame>", column=cols[0])
        if len(np.unique(y)) < 2:
            raise ValueError(f"the {what} has only one class of {target!r}; both churners and stayers are needed")
        return x, y

    x_all, y_all = matrix(data, "data")
    if min(calibration_bins, 10) < 2 or calibration_bins > 100:
        raise ValueError(f"calibration_bins={calibration_bins!r}; use 2 to 100")
    if test is None:
        if not 0 < test_size < 1:
            raise ValueError(f"test_size={test_size!r}; use a share in (0, 1)")
        x_train, x_test, y_train, y_test, _, idx_test = train_test_split(
            x_all, y_all, np.arange(len(data)), test_size=test_size, random_state=random_state, stratify=y_all)
        test_index = data.index[idx_test]
    else:
        check_frame(test, "test")
        require_columns(test, [target, *features], what="the test data")
        x_train, y_train = x_all, y_all
        x_test, y_test = matrix(test, "test data")
        test_index = test.index

    if len(y_test) < max(10, calibration_bins):
        raise ValueError(f"only {len(y_test)} test customers; deciles and calibration bins need at least "
                         f"{max(10, calibration_bins)}")
    specs = []
    for item in models:
        if isinstance(item, str):
            specs.append((item, _make_model(item, random_state)))
        elif isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
            specs.append((item[0], clone(item[1])))
        else:
            raise ValueError(f"models entries must be names or (name, estimator) pairs, got {item!r}")
    names = [n for n, _ in specs]
    if len(set(names)) != len(names):
        raise ValueError(f"model names must be unique, got {names}")

    from contextlib import nullcontext

    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=n_threads) if n_threads is not None else nullcontext():
        return _evaluate(specs, x_train, y_train, x_test, y_test, test_index, features, target, random_state,
                         calibration_bins, n_repeats, importance_sample)


def _evaluate(specs, x_train, y_train, x_test, y_test, test_index, features, target, random_state,
              calibration_bins, n_repeats, importance_sample=None) -> ChurnModel:
    from sklearn.inspection import permutation_importance
    from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score, roc_curve

    fitted, metrics, roc, calib, lift, importance, predictions = {}, [], [], [], [], [], {}
    base_rate = float(y_test.mean())
    if importance_sample is not None and (not isinstance(importance_sample, (int, np.integer))
                                          or isinstance(importance_sample, bool) or importance_sample < 10):
        raise ValueError(f"importance_sample={importance_sample!r}; expected a whole number >= 10 or None")
    if importance_sample is None or len(y_test) <= importance_sample:
        x_imp, y_imp = x_test, y_test
    else:  # one seeded subsample for the baseline and every permutation
        rows = np.sort(np.random.default_rng([random_state, 11]).choice(len(y_test), size=int(importance_sample),
                                                                        replace=False))
        x_imp, y_imp = x_test[rows], y_test[rows]
    for name, estimator in specs:
        estimator.fit(x_train, y_train)
        p = estimator.predict_proba(x_test)[:, 1]
        fitted[name] = estimator
        predictions[name] = p
        lift_table = _lift_table(y_test.astype(np.float64), p)
        metrics.append({"model": name, "auc": roc_auc_score(y_test, p),
                        "top_decile_lift": float(lift_table["lift"].iloc[0]),
                        "brier": brier_score_loss(y_test, p), "log_loss": log_loss(y_test, p, labels=[0, 1]),
                        "base_rate": base_rate, "n_train": len(y_train), "n_test": len(y_test)})
        fpr, tpr, thresholds = roc_curve(y_test, p)
        roc.append(pd.DataFrame({"model": name, "fpr": fpr, "tpr": tpr, "threshold": thresholds}))
        calib.append(_calibration_table(y_test.astype(np.float64), p, calibration_bins).assign(model=name))
        lift.append(lift_table.assign(model=name))
        imp = permutation_importance(estimator, x_imp, y_imp, scoring="roc_auc", n_repeats=n_repeats,
                                     random_state=random_state)
        importance.append(pd.DataFrame({"model": name, "feature": features, "importance_mean": imp.importances_mean,
                                        "importance_std": imp.importances_std}))

    def front(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[["model", *[c for c in frame.columns if c != "model"]]]

    importance_table = pd.concat(importance, ignore_index=True).sort_values(
        ["model", "importance_mean"], ascending=[True, False], kind="stable").reset_index(drop=True)
    return ChurnModel(
        models_=fitted, metrics_=pd.DataFrame(metrics).set_index("model"),
        roc_=pd.concat(roc, ignore_index=True), calibration_=front(pd.concat(calib, ignore_index=True)),
        lift_=front(pd.concat(lift, ignore_index=True)), permutation_importance_=importance_table,
        features=features, target=target,
        test_predictions_=pd.DataFrame({"actual": y_test, **{f"p_{k}": v for k, v in predictions.items()}},
                                       index=test_index))
