"""Customer clustering: k-means and Gaussian mixtures on log/standardised features,
k chosen by silhouette or BIC, cluster profiles and bootstrap stability."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from cvm_lib.segmentation._common import check_unique_index

__all__ = ["ClusterResult", "StabilityResult", "CustomerClusters", "cluster_customers", "cluster_stability",
           "CLUSTER_SAMPLE"]

_METHODS = ("kmeans", "gmm")

#: Customers the k-selection fits and the bootstrap stability use at most (a seeded
#: random subsample above; see :func:`cluster_customers` and :func:`cluster_stability`).
CLUSTER_SAMPLE = 50_000


def _sample_rows(n: int, size: int | None, random_state: int, what: str) -> np.ndarray | None:
    """Sorted rows of a seeded subsample of ``size`` out of ``n``, or None for all rows."""
    if size is None:
        return None
    if not isinstance(size, (int, np.integer)) or isinstance(size, bool) or size < 3:
        raise ValueError(f"{what}={size!r}; expected a whole number of customers >= 3 or None (everyone)")
    if n <= size:
        return None
    return np.sort(np.random.default_rng([random_state, 7]).choice(n, size=int(size), replace=False))


@dataclass(frozen=True)
class _Transform:
    columns: list[str]
    log_columns: list[str]
    center: np.ndarray
    scale: np.ndarray

    def apply(self, features: pd.DataFrame) -> np.ndarray:
        missing = [c for c in self.columns if c not in features.columns]
        if missing:
            raise ValueError(f"features lack column(s) {missing} the clustering was fitted on")
        frame = features[self.columns]
        values = frame.to_numpy(dtype=np.float64, copy=True)
        if not np.isfinite(values).all():
            raise ValueError("features: expected finite numbers, found missing or infinite values")
        for j, c in enumerate(self.columns):
            if c in self.log_columns:
                if (values[:, j] < 0).any():
                    raise ValueError(f"feature {c!r} has negative values, so log1p does not apply; "
                                     "pass log=False or list only non-negative columns in log=")
                values[:, j] = np.log1p(values[:, j])
        return (values - self.center) / self.scale


def _prepare(features: pd.DataFrame, columns: Sequence[str] | None, log: bool | Sequence[str],
             standardise: bool) -> tuple[_Transform, np.ndarray]:
    if not isinstance(features, pd.DataFrame):
        raise ValueError(f"features: expected a DataFrame with one row per customer, got {type(features).__name__}")
    check_unique_index(features.index, "features")
    if columns is None:
        columns = [c for c in features.columns if pd.api.types.is_numeric_dtype(features[c].dtype)
                   and not pd.api.types.is_bool_dtype(features[c].dtype)]
        if not columns:
            raise ValueError("features: no numeric columns to cluster on")
    else:
        columns = list(columns)
        missing = [c for c in columns if c not in features.columns]
        if missing:
            raise ValueError(f"features lack column(s) {missing}")
    if log is True:
        log_columns = list(columns)
    elif log is False or log is None:
        log_columns = []
    else:
        log_columns = list(log)
        unknown = [c for c in log_columns if c not in columns]
        if unknown:
            raise ValueError(f"log= lists column(s) {unknown} that are not clustered ({columns})")
    raw = _Transform(list(columns), log_columns, np.zeros(len(columns)), np.ones(len(columns)))
    x = raw.apply(features)
    if standardise:
        center, scale = x.mean(axis=0), x.std(axis=0)
        scale = np.where(scale > 0, scale, 1.0)  # a constant column stays constant (0)
    else:
        center, scale = np.zeros(len(columns)), np.ones(len(columns))
    transform = _Transform(list(columns), log_columns, center, scale)
    return transform, (x - center) / scale


def _model(method: str, k: int, random_state: int, n_init: int | None):
    if method == "kmeans":
        from sklearn.cluster import KMeans

        return KMeans(n_clusters=k, n_init=4 if n_init is None else n_init, random_state=random_state)
    from sklearn.mixture import GaussianMixture

    return GaussianMixture(n_components=k, covariance_type="full", n_init=1 if n_init is None else n_init,
                           random_state=random_state)


def _refit(model: Any, method: str, random_state: int) -> Any:
    """An unfitted model of the same k started from ``model``'s solution (one start)."""
    if method == "kmeans":
        from sklearn.cluster import KMeans

        return KMeans(n_clusters=model.n_clusters, init=model.cluster_centers_, n_init=1, random_state=random_state)
    from sklearn.mixture import GaussianMixture

    return GaussianMixture(n_components=model.n_components, covariance_type="full", n_init=1,
                           weights_init=model.weights_, means_init=model.means_,
                           precisions_init=model.precisions_, random_state=random_state)


def _threads(n_threads: int | None):
    """Limit BLAS/OpenMP threads: with a handful of features, threads cost more than they
    save, and on a busy machine spinning workers slow k-means down tenfold."""
    from contextlib import nullcontext

    if n_threads is None:
        return nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=n_threads)


def _silhouette(x: np.ndarray, labels: np.ndarray, sample_size: int | None, random_state: int) -> float:
    from sklearn.metrics import silhouette_score

    if not 2 <= len(np.unique(labels)) <= len(x) - 1:
        return float("nan")
    size = None if sample_size is None or sample_size >= len(x) else sample_size
    return float(silhouette_score(x, labels, sample_size=size, random_state=random_state))


@dataclass(frozen=True, eq=False)
class ClusterResult:
    """Output of :func:`cluster_customers`.

    Attributes
    ----------
    labels_ : Series
        Cluster of each customer (0 = largest cluster, then by decreasing size), name
        ``"cluster"``, indexed like the features.
    k_ : int
        Number of clusters chosen.
    scores_ : DataFrame
        One row per k tried: ``silhouette`` (both methods), ``inertia`` (k-means) or
        ``bic`` and ``aic`` (Gaussian mixtures); ``chosen`` marks the selected k.
    profile_ : DataFrame
        Per cluster: ``customers``, ``share`` and the mean of every feature in its
        ORIGINAL units (plus ``<feature>_median``). For value shares per cluster use
        ``segment_summary(features, result.labels_)``.
    model_ : estimator
        The fitted scikit-learn model (KMeans or GaussianMixture) for the chosen k; its
        own labels are renumbered in ``labels_``.
    method, criterion : str
    """

    labels_: pd.Series
    k_: int
    scores_: pd.DataFrame
    profile_: pd.DataFrame
    model_: Any
    method: str
    criterion: str
    _transform: _Transform = field(repr=False)
    _relabel: np.ndarray = field(repr=False)

    def __repr__(self) -> str:
        sizes = self.profile_["customers"].tolist()
        return (f"ClusterResult(method={self.method!r}, k_={self.k_}, criterion={self.criterion!r}, "
                f"sizes={sizes})")

    @property
    def summary(self) -> pd.DataFrame:
        """The cluster profiles (:attr:`profile_`)."""
        return self.profile_

    def _repr_html_(self) -> str:
        return self.summary.to_html()

    def transform(self, features: pd.DataFrame) -> np.ndarray:
        """The features as the model sees them (log1p, then standardised with the fit's mean and sd)."""
        return self._transform.apply(features)

    def predict(self, features: pd.DataFrame) -> pd.Series:
        """Cluster of new customers, with the same numbering as ``labels_``."""
        raw = self.model_.predict(self.transform(features))
        return pd.Series(self._relabel[raw], index=features.index, name="cluster")


def _profile(features: pd.DataFrame, columns: list[str], labels: np.ndarray, k: int) -> pd.DataFrame:
    frame = features[columns].astype("float64").assign(cluster=labels)
    grouped = frame.groupby("cluster", sort=True)
    out = pd.DataFrame({"customers": grouped.size()}).reindex(range(k), fill_value=0)
    out["share"] = out["customers"] / len(frame)
    means = grouped[columns].mean().reindex(range(k))
    medians = grouped[columns].median().reindex(range(k))
    for c in columns:
        out[c] = means[c]
    for c in columns:
        out[f"{c}_median"] = medians[c]
    out.index.name = "cluster"
    return out


def _check_k(k: Any, n: int, what: str = "k") -> int:
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or not 2 <= k < n:
        raise ValueError(f"{what}={k!r}; expected a whole number of clusters from 2 to n_customers - 1 = {n - 1}")
    return int(k)


def cluster_customers(features: pd.DataFrame, *, method: str = "kmeans", k: int | None = None,
                      k_range: Iterable[int] = range(2, 9), criterion: str | None = None,
                      columns: Sequence[str] | None = None, log: bool | Sequence[str] = True,
                      standardise: bool = True, random_state: int = 0, n_init: int | None = None,
                      silhouette_sample: int | None = 3000, n_threads: int | None = 1,
                      fit_sample: int | None = CLUSTER_SAMPLE) -> ClusterResult:
    """Cluster customers with k-means or a Gaussian mixture, choosing k from the data.

    Features are transformed before clustering: ``log1p`` on the columns in ``log``
    (RFM values are right-skewed), then standardised to mean 0 and sd 1, so every column
    weighs the same.

    Parameters
    ----------
    features : DataFrame
        One row per customer (unique index), e.g. :func:`rfm_table` plus any extra
        numeric features.
    method : {"kmeans", "gmm"}, default "kmeans"
        k-means (k-means++ starts, best of ``n_init=4``) or a full-covariance Gaussian
        mixture (EM from a k-means start, ``n_init=1``).
    k : int, optional
        Fixed number of clusters; default: chosen from ``k_range``.
    k_range : iterable of int, default range(2, 9)
    criterion : {"silhouette", "bic", "aic"}, optional
        Default: the largest silhouette for k-means, the smallest BIC for mixtures
        (BIC and AIC are for mixtures only).
    columns : list of str, optional
        Columns to use; default all numeric columns.
    log : bool or list of str, default True
        Columns to ``log1p`` (all with True, none with False). They must be ≥ 0.
    standardise : bool, default True
    random_state : int, default 0
        Seeds the models and the silhouette subsample: results are reproducible.
    n_init : int, optional
        Starts per model (see ``method``).
    silhouette_sample : int or None, default 3000
        The silhouette is computed on a random subsample of this many customers (its
        cost grows with n²; 3,000 pin it down to about ±0.01); None uses everyone.
    n_threads : int or None, default 1
        BLAS/OpenMP threads while fitting (None: the libraries' default, all cores).
    fit_sample : int or None, default 50,000
        With more customers than this and several k to try, the k-selection fits (and
        their ``scores_``) use a seeded random subsample of this many customers
        (``numpy.random.default_rng([random_state, 7])``); the chosen k is then refitted
        on everyone, started from the subsample's solution (one start), so ``labels_``,
        ``profile_`` and ``model_`` always cover all customers. None: every fit uses
        everyone.

    Returns
    -------
    ClusterResult

    Notes
    -----
    Read ``scores_`` rather than trusting the chosen k blindly. Discrete features such as
    a purchase count give a Gaussian mixture narrow components on single values, so the
    BIC can keep falling up to the largest k tried (on CDNOW's R, F, M it picks k = 8);
    a choice on the edge of ``k_range`` calls for a wider range or the silhouette.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> centres = np.array([[1.0, 1.0], [10.0, 10.0], [1.0, 10.0]])
    >>> X = pd.DataFrame(np.repeat(centres, 50, axis=0) + rng.normal(0, 0.5, (150, 2)), columns=["x", "y"])
    >>> res = cluster_customers(X, log=False, k_range=range(2, 6))
    >>> res.k_, res.scores_["silhouette"].idxmax()
    (3, 3)
    >>> res.profile_[["customers", "share"]]
             customers  share
    cluster
    0               50   0.33...
    1               50   0.33...
    2               50   0.33...
    """
    if method not in _METHODS:
        raise ValueError(f"method={method!r}; use 'kmeans' or 'gmm' (Gaussian mixture)")
    if criterion is None:
        criterion = "silhouette" if method == "kmeans" else "bic"
    if criterion not in ("silhouette", "bic", "aic"):
        raise ValueError(f"criterion={criterion!r}; use 'silhouette', 'bic' or 'aic'")
    if criterion != "silhouette" and method != "gmm":
        raise ValueError(f"criterion={criterion!r} needs a likelihood; use method='gmm' or criterion='silhouette'")
    transform, x = _prepare(features, columns, log, standardise)
    n = len(x)
    if n < 3:
        raise ValueError(f"cluster_customers: need at least 3 customers, got {n}")
    ks = [_check_k(k, n)] if k is not None else sorted({_check_k(kk, n, "k_range value") for kk in k_range})
    if not ks:
        raise ValueError("k_range is empty; give at least one number of clusters")
    sample_rows = _sample_rows(n, fit_sample, random_state, "fit_sample") if len(ks) > 1 else None
    xs = x if sample_rows is None else x[sample_rows]
    rows, models, labels_by_k = [], {}, {}
    with _threads(n_threads):
        for kk in ks:
            model = _model(method, kk, random_state, n_init).fit(xs)
            labels = model.labels_ if method == "kmeans" else model.predict(xs)
            row = {"k": kk, "silhouette": _silhouette(xs, labels, silhouette_sample, random_state)}
            if method == "kmeans":
                row["inertia"] = float(model.inertia_)
            else:
                row["bic"], row["aic"] = float(model.bic(xs)), float(model.aic(xs))
            rows.append(row)
            models[kk], labels_by_k[kk] = model, labels
        scores = pd.DataFrame(rows).set_index("k")
        crit = scores[criterion]
        if crit.isna().all():
            raise ValueError("no k gave a usable clustering (every fit collapsed to a single cluster)")
        best = int(crit.idxmax() if criterion == "silhouette" else crit.idxmin())
        if sample_rows is not None:  # the chosen k on everyone, started from the subsample's solution
            models[best] = _refit(models[best], method, random_state).fit(x)
            labels_by_k[best] = models[best].labels_ if method == "kmeans" else models[best].predict(x)
    scores["chosen"] = scores.index == best
    scores.attrs["fit_customers"] = len(xs)
    raw = np.asarray(labels_by_k[best])
    # Renumber: largest cluster first, ties by the model's own numbering.
    sizes = np.bincount(raw, minlength=best)
    order = np.lexsort((np.arange(best), -sizes))
    relabel = np.empty(best, dtype=np.int64)
    relabel[order] = np.arange(best)
    labels = pd.Series(relabel[raw], index=features.index, name="cluster")
    profile = _profile(features, transform.columns, labels.to_numpy(), best)
    return ClusterResult(labels_=labels, k_=best, scores_=scores, profile_=profile, model_=models[best],
                         method=method, criterion=criterion, _transform=transform, _relabel=relabel)


@dataclass(frozen=True)
class StabilityResult:
    """Output of :func:`cluster_stability`.

    Attributes
    ----------
    ari_ : Series
        Adjusted Rand index of each bootstrap clustering against the full-data one
        (1 = identical partitions, about 0 = chance agreement).
    k, method : int, str
    n_customers_ : int or None
        Customers the stability was measured on (fewer than the data above ``sample``).
    """

    ari_: pd.Series
    k: int
    method: str
    n_customers_: int | None = None

    def __repr__(self) -> str:
        return (f"StabilityResult(method={self.method!r}, k={self.k}, n_boot={len(self.ari_)}, "
                f"ari_mean={self.mean_:.3f}, ari_std={self.std_:.3f})")

    @property
    def mean_(self) -> float:
        return float(self.ari_.mean())

    @property
    def std_(self) -> float:
        return float(self.ari_.std(ddof=1)) if len(self.ari_) > 1 else 0.0

    def _repr_html_(self) -> str:
        return self.summary().to_frame().to_html()

    def summary(self) -> pd.Series:
        """Mean, sd, min, 5%, 50% and 95% quantiles of the ARI."""
        q = self.ari_.quantile([0.05, 0.5, 0.95]).to_numpy()
        return pd.Series({"k": self.k, "n_boot": len(self.ari_), "ari_mean": self.mean_, "ari_std": self.std_,
                          "ari_min": float(self.ari_.min()), "ari_q05": q[0], "ari_median": q[1],
                          "ari_q95": q[2]}, name="stability")


def cluster_stability(features: pd.DataFrame, k: int, *, method: str = "kmeans", n_boot: int = 20,
                      random_state: int = 0, columns: Sequence[str] | None = None,
                      log: bool | Sequence[str] = True, standardise: bool = True,
                      n_init: int | None = None, n_threads: int | None = 1,
                      sample: int | None = CLUSTER_SAMPLE) -> StabilityResult:
    """Bootstrap stability of a clustering, measured by the adjusted Rand index (ARI).

    The features are transformed as in :func:`cluster_customers` (on the full data) and
    clustered once (the reference). Each bootstrap draws ``n`` customers with
    replacement, fits the same model on them, assigns EVERY customer with the refitted
    model and compares that partition with the reference by the ARI. Cluster numbers do
    not matter to the ARI. Values near 1 mean the segmentation is reproducible; below
    about 0.75 it depends on the sample (a common rule of thumb).

    Parameters
    ----------
    features, method, columns, log, standardise, n_init, n_threads :
        As in :func:`cluster_customers`.
    k : int
        Number of clusters.
    n_boot : int, default 20
    random_state : int, default 0
        Seeds the resamples and the models.
    sample : int or None, default 50,000
        Each refit costs as much as the clustering itself, so with more customers than
        this the whole procedure (reference clustering, resamples, assignment, ARI) runs
        on a seeded random subsample of this many customers
        (``numpy.random.default_rng([random_state, 7])``, the same rows as the
        k-selection of :func:`cluster_customers`); ``n_customers_`` of the result says
        how many. None: everyone.

    Returns
    -------
    StabilityResult

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> X = pd.DataFrame(np.repeat([[0.0, 0.0], [8.0, 8.0]], 40, axis=0) + rng.normal(0, 1, (80, 2)))
    >>> st = cluster_stability(X, 2, log=False, n_boot=5)
    >>> round(st.mean_, 3), int(st.summary()["n_boot"])
    (1.0, 5)
    """
    from sklearn.metrics import adjusted_rand_score

    if method not in _METHODS:
        raise ValueError(f"method={method!r}; use 'kmeans' or 'gmm' (Gaussian mixture)")
    if not isinstance(n_boot, (int, np.integer)) or isinstance(n_boot, bool) or n_boot < 1:
        raise ValueError(f"n_boot={n_boot!r}; expected a positive whole number of bootstrap samples")
    _, x = _prepare(features, columns, log, standardise)
    k = _check_k(k, len(x))
    rows_used = _sample_rows(len(x), sample, random_state, "sample")
    if rows_used is not None:
        x = x[rows_used]
    n = len(x)
    seeds = np.random.SeedSequence(random_state).generate_state(n_boot)
    rng = np.random.default_rng(random_state)
    ari = np.empty(n_boot)
    with _threads(n_threads):
        reference = _model(method, k, random_state, n_init).fit(x).predict(x)
        for b in range(n_boot):
            rows = rng.integers(0, n, n)
            model = _model(method, k, int(seeds[b]), n_init).fit(x[rows])
            ari[b] = adjusted_rand_score(reference, model.predict(x))
    return StabilityResult(ari_=pd.Series(ari, index=pd.RangeIndex(n_boot, name="boot"), name="ari"), k=k,
                           method=method, n_customers_=n)


class CustomerClusters(BaseEstimator):
    """:func:`cluster_customers` as a scikit-learn estimator (``get_params``, ``clone``,
    ``check_is_fitted``); the parameters are those of :func:`cluster_customers`.

    After :meth:`fit`: ``result_`` (the :class:`ClusterResult`), ``labels_``, ``k_``,
    ``scores_``, ``profile_``, ``model_``, ``criterion_``.

    Examples
    --------
    >>> from sklearn.base import clone
    >>> rng = np.random.default_rng(0)
    >>> x = pd.DataFrame({"a": np.r_[rng.normal(0, 1, 30), rng.normal(9, 1, 30)],
    ...                   "b": np.r_[rng.normal(0, 1, 30), rng.normal(9, 1, 30)]})
    >>> est = CustomerClusters(k_range=range(2, 4), log=False).fit(x)
    >>> est.k_, est.predict(x).equals(est.labels_), clone(est).get_params()["k_range"]
    (2, True, range(2, 4))
    """

    def __init__(self, method: str = "kmeans", k: int | None = None, k_range: Iterable[int] = range(2, 9),
                 criterion: str | None = None, columns: Sequence[str] | None = None,
                 log: bool | Sequence[str] = True, standardise: bool = True, random_state: int = 0,
                 n_init: int | None = None, silhouette_sample: int | None = 3000, n_threads: int | None = 1,
                 fit_sample: int | None = CLUSTER_SAMPLE):
        self.method = method
        self.k = k
        self.k_range = k_range
        self.criterion = criterion
        self.columns = columns
        self.log = log
        self.standardise = standardise
        self.random_state = random_state
        self.n_init = n_init
        self.silhouette_sample = silhouette_sample
        self.n_threads = n_threads
        self.fit_sample = fit_sample

    def fit(self, X: pd.DataFrame, y: Any = None) -> CustomerClusters:
        """Cluster the customers of ``X`` (one row per customer); ``y`` is ignored."""
        result = cluster_customers(X, **self.get_params())
        self.result_ = result
        self.labels_, self.k_, self.scores_ = result.labels_, result.k_, result.scores_
        self.profile_, self.model_, self.criterion_ = result.profile_, result.model_, result.criterion
        return self

    def predict(self, X: pd.DataFrame) -> pd.Series:
        """Cluster of new customers (same columns as fitted)."""
        check_is_fitted(self, "result_")
        return self.result_.predict(X)

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        """Features on the model's scale (log1p and standardised as fitted)."""
        check_is_fitted(self, "result_")
        return self.result_.transform(X)

    def fit_predict(self, X: pd.DataFrame, y: Any = None) -> pd.Series:
        return self.fit(X).labels_

    @property
    def summary(self) -> pd.DataFrame:
        """The cluster profiles."""
        check_is_fitted(self, "result_")
        return self.profile_
