"""Shared machinery of the BTYD estimators: input checks, row grouping, maximum
likelihood on log-parameters, standard errors and the scikit-learn-style contract.

Every model in :mod:`cvm_lib.clv` is an estimator in the scikit-learn sense: the
constructor only stores its (hyper)parameters, :meth:`BaseModel.fit` does the work and
returns the model, and what was learnt is stored in attributes ending in ``_``.

Estimation
----------
The log-likelihood is maximised over the *logarithms* of the parameters (all BTYD
parameters are positive; the search is bounded to ``|log theta| <= 30``). Models with a
cheap analytic Hessian (BG/NBD, MBG/NBD, Gamma-Gamma) use Newton's method with a line
search, which converges in a handful of iterations; the others (Pareto/NBD, BG/BB, sBG)
use L-BFGS-B with analytic gradients, finished by Newton steps if it stalls. Near the
optimum the objective (a sum of N terms that partly cancel) is only known to its rounding
error, ~1e-11 relative, while the analytic gradient stays precise: once the decrease a
Newton step predicts is below that error, the step is accepted when it reduces the
gradient, and the iteration stops when it does neither (instead of halving the step to
nothing and repeating it until ``max_iter``). The Newton fits of more than 20,000
distinct rows start from the optimum of a random subsample of 10,000 of them (3 Newton
steps on the full data instead of 5-7). Pareto/NBD on more than 20,000 distinct
rows (continuous recency and T: nearly one row per customer) is started from the
optimum of a random subsample of 10,000 distinct rows (fitted by Newton's method to the
gradient tolerance 1e-5, L-BFGS-B if that stalls: it is only a start), takes one step
on the full data with the subsample's Hessian and is finished by Newton's method with
the analytic Hessian, where a step that is already small (at most 0.05 in every
log-parameter, but not small enough to end the iteration) is followed by gradient
passes only and steps with the same Hessian while the gradient is predicted to stay
above tol (typically one to three gradient and two or three Hessian passes over the
full data in all: 100,000 customers with continuous recency and T two and two, a
million three and two; the last Hessian, always evaluated at the result, gives the standard errors;
quasi-Newton steps with the subsample's Hessian throughout converged only linearly and
needed six gradients and a Hessian); if that stalls, L-BFGS-B takes over.
Identical
rows of the input are grouped first and each distinct row is evaluated once, weighted by
its count (a million customers usually collapse to a few hundred thousand distinct
(frequency, recency, T) rows), and the expensive special functions are evaluated once
per distinct frequency or (frequency, time) pair.

A fit that does not reach a maximum sets ``converged_ = False`` and emits a
:class:`ConvergenceWarning` naming the model and the reason (iteration limit, optimiser
failure, a non-finite likelihood, a parameter running to the edge of the search range, or
a Hessian that is not positive definite, i.e. parameters not identified by the data);
``params_`` then holds the last iterate, never NaN.

The objective is ``-LL / N + penalizer * sum(log(theta) ** 2)``: the mean negative
log-likelihood per customer plus an optional L2 penalty on the log-parameters (it pulls
the estimates towards 1 and keeps near-degenerate fits finite; ``penalizer=0``, the
default, is plain maximum likelihood).

Standard errors come from the inverse Hessian of ``N`` times that objective (the
observed information when ``penalizer=0``; analytic where available, otherwise central
differences of the analytic gradient) on the log scale, mapped to the parameters by
the delta method, ``se(theta) = theta * se(log theta)``. Confidence intervals are computed
on the log scale and exponentiated, ``exp(log theta -/+ z se(log theta))``, so they stay
positive and are not symmetric around the estimate.
"""

from __future__ import annotations

import contextlib
import inspect
import math
import warnings
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import optimize
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError as SklearnNotFittedError

from cvm_lib.data import CvmDataError
from cvm_lib.clv.results import summary_table

__all__ = ["BaseModel", "ConvergenceWarning", "NotFittedError", "group_rows", "factorize"]

#: Bounds of the log-parameters during optimisation (exp(30) ~ 1e13).
LOG_BOUND = 30.0
_SHOW = 5  # offending rows named in error messages


_BLAS_CONTROLLER: Any = None


# Distinct rows above which fits run with single-threaded BLAS: every fit. On a busy
# machine the idle OpenBLAS threads woken by L-BFGS-B's own BLAS calls cost ~6 ms per
# iteration (Pareto/NBD on the CDNOW sample: 0.31 s instead of 0.023 s with one thread,
# measured with 2 cores under load); the context costs ~20 ms once per process.
_BLAS_LIMIT_ROWS = 0

#: Relative rounding error assumed for the objective (a sum of N log-likelihood terms
#: that cancel to a few digits, e.g. Gamma-Gamma with large q: measured up to ~3e-12).
_NOISE = 1e-11
#: Newton steps below this (in every log-parameter) locate the optimum to ~1e-9 relative.
_STEP_TOL = 1e-9
#: Distinct rows of the subsample that starts the fits of expensive models (see _warm_start).
_WARM_ROWS = 10_000
#: Gradient tolerance of that subsample's fit (a start only: see BaseModel._warm_start).
_WARM_TOL = 1e-5
#: Newton steps of at most this size (in every log-parameter), but above
#: ``10 * sqrt(tol)``, are followed by gradient passes only where a model asks for it
#: (BaseModel._newton with ``lazy``): the next steps reuse the Hessian while within
#: this distance of where it was evaluated.
_LAZY_STEP = 0.05


def single_threaded_blas() -> Any:
    """Context limiting BLAS to one thread.

    The optimisation problems are tiny (2-4 parameters): OpenBLAS worker threads woken
    by BLAS calls on long vectors spin while L-BFGS-B makes its many small BLAS calls and
    slow it down several-fold on small machines (measured on 2 cores: Pareto/NBD on the
    CDNOW sample 120 ms instead of 15 ms when its sums went through ``np.dot``). The hot
    loops therefore avoid BLAS on small inputs, and fits of large inputs (where the scan
    of the loaded libraries by threadpoolctl, ~20 ms once per process, does not matter)
    run inside this context (all fits: see ``_BLAS_LIMIT_ROWS``).
    """
    global _BLAS_CONTROLLER
    try:
        if _BLAS_CONTROLLER is None:
            from threadpoolctl import ThreadpoolController

            _BLAS_CONTROLLER = ThreadpoolController()
        return _BLAS_CONTROLLER.limit(limits=1, user_api="blas")
    except Exception:  # threadpoolctl missing or unable to inspect the libraries
        return contextlib.nullcontext()


class ConvergenceWarning(UserWarning):
    """The optimiser did not reach a maximum of the likelihood (see the model's
    ``converged_`` and ``optimizer_message_``)."""


class NotFittedError(SklearnNotFittedError):
    """A prediction or result was asked of a model that has not been fitted (a
    :class:`sklearn.exceptions.NotFittedError`, hence also ``ValueError`` and
    ``AttributeError``)."""


# --------------------------------------------------------------------------- #
# Input handling
# --------------------------------------------------------------------------- #
def as_frame(data: Any, what: str = "data") -> pd.DataFrame:
    """A DataFrame from a DataFrame or a mapping of equal-length columns."""
    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, Mapping):
        return pd.DataFrame(dict(data))
    raise TypeError(f"{what} must be a DataFrame (e.g. from cvm_lib.summary.rfm_summary) or a mapping of "
                    f"columns, got {type(data).__name__}")


def raise_rows(frame: pd.DataFrame, mask: np.ndarray, column: str, problem: str, model: str) -> None:
    """Raise :class:`CvmDataError` naming the column and the first offending rows."""
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return
    labels = list(frame.index[mask][:_SHOW])
    count = int(mask.sum())
    more = f" and {count - _SHOW} more" if count > _SHOW else ""
    shown = ", ".join(map(str, labels))
    raise CvmDataError(f"{model}: column {column!r} {problem} (row{'s' if count > 1 else ''} {shown}{more})",
                       source="<DataFrame>", column=column, rows=labels, n_rows=count)


def numeric_columns(frame: pd.DataFrame, columns: Sequence[str], model: str) -> dict[str, np.ndarray]:
    """Float64 arrays of ``columns``; missing, non-numeric, NaN or infinite values raise."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise CvmDataError(f"{model}: input lacks column(s) {missing}; expected {list(columns)} "
                           "(see cvm_lib.summary.rfm_summary / calibration_holdout)", source="<DataFrame>",
                           column=missing[0])
    if len(frame) == 0:
        raise CvmDataError(f"{model}: the input has no rows", source="<DataFrame>")
    out = {}
    for c in columns:
        col = frame[c]
        if not (pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype)):
            raise CvmDataError(f"{model}: column {c!r} must be numeric, got dtype {col.dtype}", source="<DataFrame>",
                               column=c)
        values = col.to_numpy(dtype=np.float64, na_value=np.nan)
        raise_rows(frame, ~np.isfinite(values), c, "has missing or infinite values", model)
        out[c] = values
    return out


def check_integer(frame: pd.DataFrame, values: np.ndarray, column: str, model: str) -> None:
    raise_rows(frame, values != np.round(values), column, "must hold whole numbers", model)


def factorize(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, uniques)`` with ``uniques[codes] == values``; order of ``uniques`` unspecified.

    Sorting (``np.unique``) for small arrays, hashing (``pd.factorize``) for large ones.
    """
    values = np.asarray(values)
    if values.shape[0] <= 50_000:
        uniques, codes = np.unique(values, return_inverse=True)
        return codes.reshape(-1).astype(np.intp, copy=False), uniques
    codes, uniques = pd.factorize(values, sort=False)
    return codes.astype(np.intp, copy=False), np.asarray(uniques)


def group_rows(columns: Sequence[np.ndarray], weights: np.ndarray | None = None
               ) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Distinct rows of ``columns`` with their total weight and the row -> group map.

    Returns ``(unique_columns, counts, inverse)`` so that ``unique[j][inverse]``
    reproduces ``columns[j]``.
    """
    unique, counts, codes, _ = group_rows_coded(columns, weights)
    return unique, counts, codes


def group_rows_coded(columns: Sequence[np.ndarray], weights: np.ndarray | None = None):
    """:func:`group_rows` plus, per column, ``(codes, values)`` of the distinct rows:
    ``values[codes] == unique_columns[j]`` (the distinct values of each column, which the
    models need too, without hashing the columns a second time)."""
    n = len(columns[0])
    col_codes = None
    if n <= 1:
        codes = np.zeros(n, dtype=np.intp)
    elif len(columns) == 1:
        codes, uniques = factorize(columns[0])
        col_codes = [(codes, uniques)]
    elif n <= 20_000:
        # Small inputs: a lexicographic sort has less overhead than hashing (above 20,000
        # rows hashing is faster: 100,000 continuous rows 22 ms instead of 54 ms).
        order = np.lexsort(columns[::-1])
        new_group = np.zeros(n, dtype=bool)
        new_group[0] = True
        for c in columns:
            sc = c[order]
            new_group[1:] |= sc[1:] != sc[:-1]
        codes = np.empty(n, dtype=np.intp)
        codes[order] = np.cumsum(new_group) - 1
    else:
        # Large inputs: hash each column, combine the codes into one integer key, hash it.
        key = np.zeros(n, dtype=np.int64)
        size = 1
        col_codes = []
        for c in columns:
            cc, cu = factorize(c)
            col_codes.append((cc, cu))
            if size * len(cu) >= 2**62:  # keep the combined key within int64
                key = factorize(key)[0].astype(np.int64)
                size = int(key.max()) + 1
            key = key * np.int64(len(cu)) + cc
            size *= len(cu)
        codes = factorize(key)[0]
    k = int(codes.max()) + 1 if n else 0
    counts = np.bincount(codes, weights=weights, minlength=k).astype(np.float64)
    unique = []
    for c in columns:
        u = np.empty(k, dtype=np.float64)
        u[codes] = c
        unique.append(u)
    per_column = []
    for j, u in enumerate(unique):
        if col_codes is None:
            per_column.append(factorize(u))
        else:
            g = np.empty(k, dtype=np.intp)
            g[codes] = col_codes[j][0]
            per_column.append((g, col_codes[j][1]))
    return unique, counts, codes, per_column


@dataclass
class Prepared:
    """Grouped model input: distinct rows, their weights and the total count."""

    arrays: dict[str, np.ndarray]
    counts: np.ndarray
    n: float
    inverse: np.ndarray | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    #: The random subsample that starts the fit (see BaseModel._warm_rows), built once.
    sub: Any = None


# --------------------------------------------------------------------------- #
# The estimator base
# --------------------------------------------------------------------------- #
class BaseModel(BaseEstimator):
    """Base of the BTYD estimators (not used directly); a scikit-learn estimator.

    Parameters
    ----------
    penalizer : float, default 0.0
        L2 penalty on the log-parameters, added to the mean negative log-likelihood
        per customer (see the module docstring). 0 is plain maximum likelihood.
    tol : float, default 1e-8
        Convergence tolerance: the largest absolute gradient component of the
        per-customer objective (in log-parameters) accepted at the optimum. Where the
        rounding error of the likelihood hides any further progress before that, the
        optimiser stops there and the fit counts as converged if the gradient is below
        ``max(100 * tol, 1e-6)`` (``gradient_max_`` reports the value reached).
    max_iter : int, default 1000
        Maximum number of L-BFGS-B iterations.
    initial_params : mapping, Series or sequence, optional
        Starting values (on the natural scale, in the order of the model's parameter
        names); default: a data-based guess.
    """

    _model_name = "model"
    _param_names: tuple[str, ...] = ()
    _data_columns: tuple[str, ...] = ()

    def __init__(self, penalizer: float = 0.0, *, tol: float = 1e-8, max_iter: int = 1000,
                 initial_params: Any = None):
        self.penalizer = penalizer
        self.tol = tol
        self.max_iter = max_iter
        self.initial_params = initial_params

    # ---- scikit-learn contract ------------------------------------------------
    # get_params, clone and the HTML representation come from sklearn.base.BaseEstimator
    # (constructor arguments stored under their own names, nothing else in __init__).
    def set_params(self, **params: Any) -> "BaseModel":
        """Set constructor parameters (scikit-learn convention); returns the model."""
        valid = self._get_param_names()
        for name in params:
            if name not in valid:
                raise ValueError(f"invalid parameter {name!r} for {type(self).__name__}; valid: {valid}")
        return super().set_params(**params)

    def __sklearn_is_fitted__(self) -> bool:
        """For :func:`sklearn.utils.validation.check_is_fitted`."""
        return self.is_fitted

    def __repr__(self) -> str:
        defaults = {p.name: p.default for p in inspect.signature(type(self).__init__).parameters.values()}
        shown = []
        for name, value in self.get_params().items():
            default = defaults.get(name, inspect.Parameter.empty)
            if value is default or (isinstance(value, (int, float)) and not isinstance(value, bool)
                                    and isinstance(default, (int, float)) and value == default):
                continue
            shown.append(f"{name}={value!r}")
        text = f"{type(self).__name__}({', '.join(shown)})"
        if self.is_fitted:
            params = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
            text += f"  # fitted: {params}; LL={self.log_likelihood_:.2f}, n={self.n_customers_:g}"
        return text

    @property
    def is_fitted(self) -> bool:
        """Whether :meth:`fit` has been called."""
        return "params_" in self.__dict__

    def _check_fitted(self) -> None:
        if not self.is_fitted:
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet; call fit(data) before using "
                                 "its predictions or results")

    # ---- hooks for the subclasses --------------------------------------------
    def _prepare(self, data: Any, weights: Any = None) -> Prepared:  # pragma: no cover - abstract
        raise NotImplementedError

    def _loglik(self, theta: np.ndarray, prep: Prepared, grad: bool) -> tuple[np.ndarray, np.ndarray | None]:
        """Per-row log-likelihood at natural parameters ``theta`` (and its gradient
        rows x k in the natural parameters when ``grad``)."""
        raise NotImplementedError  # pragma: no cover - abstract

    def _initial_guess(self, prep: Prepared) -> np.ndarray:
        return np.ones(len(self._param_names))

    # ---- parameters -----------------------------------------------------------
    def _coerce_params(self, params: Any, what: str) -> np.ndarray:
        names = self._param_names
        if isinstance(params, (pd.Series, Mapping)):
            missing = [k for k in names if k not in params]
            if missing:
                raise ValueError(f"{what} lacks {missing}; {type(self).__name__} parameters are {list(names)}")
            values = np.array([float(params[k]) for k in names])
        else:
            values = np.asarray(params, dtype=np.float64).reshape(-1)
            if values.shape[0] != len(names):
                raise ValueError(f"{what} must have {len(names)} values ({', '.join(names)})")
        if not (np.isfinite(values).all() and (values > 0).all()):
            raise ValueError(f"{what} must be positive and finite: {dict(zip(names, values))}")
        return values

    def _params_array(self, params: Any = None) -> np.ndarray:
        if params is None:
            self._check_fitted()
            return self.params_.to_numpy(dtype=np.float64)
        return self._coerce_params(params, "params")

    # ---- likelihood -------------------------------------------------------------
    def _total_loglik(self, theta: np.ndarray, prep: Prepared, grad: bool = False):
        ll, dll = self._loglik(theta, prep, grad)
        total = float(np.dot(prep.counts, ll))
        if not grad:
            return total, None
        return total, np.einsum("i,ij->j", prep.counts, dll)  # no BLAS call (see single_threaded_blas)

    def log_likelihood(self, data: Any, params: Any = None, weights: Any = None) -> float:
        """Total log-likelihood of ``data`` at ``params`` (default: the fitted ones).

        Fader–Hardie convention: the full log-likelihood summed over customers (the
        value printed in the papers), with no penalty.
        """
        theta = self._params_array(params)
        prep = self._prepare(data, weights)
        return self._total_loglik(theta, prep)[0]

    # ---- fitting ----------------------------------------------------------------
    def fit(self, data: Any, weights: Any = None) -> "BaseModel":
        """Estimate the parameters by maximum likelihood; returns the model.

        Parameters
        ----------
        data : DataFrame
            One row per customer (or per group of identical customers, with
            ``weights``); the columns the model needs are listed in its docstring.
        weights : str, array-like or None
            Number of customers each row stands for: a column name or an array
            aligned with ``data``. Default: one customer per row.
        """
        self._validate_hyperparameters()
        for name in [k for k in self.__dict__ if (k.endswith("_") and not k.startswith("_")) or k == "_cov_log"]:
            delattr(self, name)
        prep = self._prepare(data, weights)
        # Large inputs make numpy's BLAS calls multi-threaded; its idle threads then slow
        # down the optimiser's many tiny BLAS calls, so BLAS is kept to one thread (also
        # for the data-based guess: its dot products woke them, ~9 ms at 100,000 rows).
        context = single_threaded_blas() if prep.counts.shape[0] > _BLAS_LIMIT_ROWS else contextlib.nullcontext()
        with context:
            if self.initial_params is not None:
                theta0 = self._coerce_params(self.initial_params, "initial_params")
            else:
                theta0 = self._initial_guess(prep)
            self._optimize(prep, theta0)
        attrs = getattr(data, "attrs", None) or {}
        self.time_unit_ = attrs.get("time_unit")
        return self

    def _validate_hyperparameters(self) -> None:
        name = type(self).__name__
        if not (isinstance(self.penalizer, (int, float)) and math.isfinite(self.penalizer) and self.penalizer >= 0):
            raise ValueError(f"{name}: penalizer must be a non-negative number, got {self.penalizer!r}")
        if not (isinstance(self.tol, (int, float)) and self.tol > 0):
            raise ValueError(f"{name}: tol must be positive, got {self.tol!r}")
        if isinstance(self.max_iter, bool) or not isinstance(self.max_iter, (int, np.integer)) or self.max_iter < 1:
            raise ValueError(f"{name}: max_iter must be a positive integer, got {self.max_iter!r}")

    def _objective(self, phi: np.ndarray, prep: Prepared) -> tuple[float, np.ndarray]:
        theta = np.exp(phi)
        with np.errstate(all="ignore"):
            total, grad = self._total_loglik(theta, prep, grad=True)
        value = -total / prep.n + self.penalizer * float(np.dot(phi, phi))
        gvec = -grad * theta / prep.n + 2.0 * self.penalizer * phi
        if not (math.isfinite(value) and np.isfinite(gvec).all()):
            return math.inf, np.zeros_like(phi)
        return value, gvec

    def _value(self, phi: np.ndarray, prep: Prepared) -> float:
        """The objective without its gradient (line searches)."""
        with np.errstate(all="ignore"):
            total = self._total_loglik(np.exp(phi), prep, grad=False)[0]
        value = -total / prep.n + self.penalizer * float(np.dot(phi, phi))
        return value if math.isfinite(value) else math.inf

    def _hessian(self, phi: np.ndarray, prep: Prepared, h: float = 1e-5) -> np.ndarray:
        k = len(phi)
        hess = np.empty((k, k))
        for j in range(k):
            e = np.zeros(k)
            e[j] = h
            hess[:, j] = (self._objective(phi + e, prep)[1] - self._objective(phi - e, prep)[1]) / (2 * h)
        return 0.5 * (hess + hess.T)

    def _optimize(self, prep: Prepared, theta0: np.ndarray) -> None:
        model = f"{type(self).__name__} ({self._model_name})"
        phi0 = np.clip(np.log(theta0), -LOG_BOUND + 1, LOG_BOUND - 1)
        # Large inputs are checked on the subsample that starts the fit (one pass over the
        # full data less); the full data are checked where that start is not used.
        sub = self._warm_rows(prep)
        fun0 = self._value(phi0, prep if sub is None else sub)
        if not math.isfinite(fun0):
            raise ValueError(f"{model}: the log-likelihood is not finite at the initial parameters "
                             f"{dict(zip(self._param_names, theta0))}; pass other initial_params")
        phi, fun, gmax, n_iter, message, hit_limit, hess = self._minimize(prep, phi0)
        at_bound = np.abs(phi) >= LOG_BOUND - 1e-3
        problems = []
        if not math.isfinite(fun):
            problems.append("the log-likelihood is not finite at the result")
        if hit_limit:
            problems.append(f"max_iter={self.max_iter} iterations reached")
        if at_bound.any():
            names = [n for n, b in zip(self._param_names, at_bound) if b]
            problems.append(f"parameter(s) {names} ran to the edge of the search range (exp(+/-{LOG_BOUND:g})); "
                            "the maximum likelihood estimate may not exist (degenerate model for these data)")
        if not problems and not gmax <= max(self.tol * 100, 1e-6):
            problems.append(f"the gradient at the result is not small (max |gradient| = {gmax:.2g})")
        cov_log = None
        if not problems:
            if hess is None and self._has_hessian():
                hess = self._objective_hessian(phi, prep)[2]
            cov_log = self._information_inverse(phi, prep, hess)
            if cov_log is None:
                problems.append("the Hessian of the negative log-likelihood is not positive definite at the result "
                                "(the likelihood is flat or curved the wrong way in some direction: the parameters "
                                "are not identified by these data); standard errors are not available")
        converged = not problems
        theta = np.exp(phi)
        self.params_ = pd.Series(theta, index=self._names_index(), name="estimate", dtype="float64", copy=False)
        # The objective is -LL/N + penalty: recover the log-likelihood without another pass.
        total_ll = -(fun - self.penalizer * float(np.dot(phi, phi))) * prep.n if math.isfinite(fun) else -math.inf
        self.log_likelihood_ = float(total_ll)
        self.converged_ = bool(converged)
        self.n_customers_ = float(prep.n) if not float(prep.n).is_integer() else int(prep.n)
        self.n_iter_ = n_iter
        self.optimizer_message_ = message if converged else f"{'; '.join(problems)} (optimizer: {message})"
        self.gradient_max_ = gmax
        if not converged:
            warnings.warn(f"{model} did not converge: {self.optimizer_message_}. The parameters in params_ are "
                          "the last iterate, not a maximum-likelihood estimate.", ConvergenceWarning, stacklevel=3)
        k = len(self._param_names)
        self._cov_log = np.full((k, k), np.nan) if cov_log is None else cov_log

    @classmethod
    def _names_index(cls) -> pd.Index:
        """The parameter names as an Index, built once per class (Index objects are immutable)."""
        cached = cls.__dict__.get("_names_index_cache")
        if cached is None:
            cached = pd.Index(list(cls._param_names))
            setattr(cls, "_names_index_cache", cached)
        return cached

    # Covariance results are built on access from the stored log-scale covariance.
    @property
    def covariance_log_(self) -> pd.DataFrame:
        """Covariance matrix of the log-parameters (inverse observed information)."""
        self._check_fitted()
        names = list(self._param_names)
        return pd.DataFrame(self._cov_log, index=names, columns=names)

    @property
    def covariance_(self) -> pd.DataFrame:
        """Covariance matrix of the parameters (delta method from the log scale)."""
        self._check_fitted()
        theta = self.params_.to_numpy(dtype=np.float64)
        names = list(self._param_names)
        return pd.DataFrame(self._cov_log * np.outer(theta, theta), index=names, columns=names)

    @property
    def standard_errors_(self) -> pd.Series:
        """Standard errors of the parameters, ``theta * se(log theta)``."""
        self._check_fitted()
        theta = self.params_.to_numpy(dtype=np.float64)
        return pd.Series(theta * np.sqrt(np.diag(self._cov_log)), index=list(self._param_names), name="std error")

    def _information_inverse(self, phi: np.ndarray, prep: Prepared, hess: np.ndarray | None = None
                             ) -> np.ndarray | None:
        """Inverse of the observed information on the log scale (None if not positive definite)."""
        info = (self._hessian(phi, prep) if hess is None else hess) * prep.n
        if not np.isfinite(info).all():
            return None
        try:
            chol = np.linalg.cholesky(info)
        except np.linalg.LinAlgError:
            return None
        inv_chol = np.linalg.inv(chol)
        return inv_chol.T @ inv_chol

    def _minimize(self, prep: Prepared, phi0: np.ndarray, tol: float | None = None):
        """Minimise the objective from ``phi0``.

        Models with an analytic Hessian use a safeguarded Newton method (quadratic
        convergence, a handful of iterations), the others L-BFGS-B with analytic
        gradients; either falls back on / is finished by the other when it stalls.
        ``tol`` (default ``self.tol``) is the gradient tolerance; a looser one serves the
        subsample fits that only start the fit of the full data (see :meth:`_warm_start`).
        Returns ``(phi, fun, max|grad|, iterations, message, hit_limit, hessian or None)``.
        """
        tol = self.tol if tol is None else tol
        max_iter = int(self.max_iter)
        n_iter = 0
        hess = None
        message = ""
        phi = phi0
        if self._has_hessian() and not self._prefer_newton and prep.counts.shape[0] > 2 * _WARM_ROWS:
            warm = self._warm_start(prep, phi0, max_iter)
            if warm is not None and warm[2] <= tol:
                return warm
            if warm is not None:  # the warm start stalled: L-BFGS-B takes over from its last point
                phi, n_iter, message = warm[0], warm[3], warm[4]
        if self._has_hessian() and self._prefer_newton:
            if prep.counts.shape[0] > 2 * _WARM_ROWS:
                # Start from a subsample's optimum: Newton on the full data then needs 2-3
                # steps instead of 5-7 from the data-based guess.
                sub = self._warm_rows(prep)
                if sub is not None:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        phi_s, fun_s, gmax_s, _, _, hit_s, _ = self._minimize(sub, phi0, tol=tol)
                    if math.isfinite(fun_s) and not hit_s and gmax_s <= max(100 * tol, 1e-6) \
                            and np.all(np.abs(phi_s) < LOG_BOUND - 1.0) and math.isfinite(self._value(phi_s, prep)):
                        phi0 = phi_s
            phi, fun, grad, hess, n_iter, message = self._newton(prep, phi0, max_iter, tol=tol)
            gmax = float(np.max(np.abs(grad))) if np.isfinite(grad).all() else math.inf
            if gmax <= tol or n_iter >= max_iter or not math.isfinite(fun):
                return phi, fun, gmax, n_iter, message, n_iter >= max_iter and not gmax <= tol, hess
            hess = None  # Newton stalled: L-BFGS-B takes over from its last point
        if phi is phi0 and isinstance(prep.sub, Prepared) and not math.isfinite(self._value(phi0, prep)):
            raise ValueError(f"{type(self).__name__} ({self._model_name}): the log-likelihood is not finite at the "
                             f"initial parameters {dict(zip(self._param_names, np.exp(phi0)))}; pass other "
                             "initial_params")
        bounds = [(-LOG_BOUND, LOG_BOUND)] * len(phi)
        res = optimize.minimize(self._objective, phi, args=(prep,), jac=True, method="L-BFGS-B", bounds=bounds,
                                options={"maxiter": max(max_iter - n_iter, 1), "ftol": 1e-15, "gtol": tol,
                                         "maxcor": 10})
        phi = np.asarray(res.x, dtype=np.float64)
        fun = float(res.fun)
        n_iter += int(res.nit)
        message = f"{message}; " if message else ""
        message += str(res.message)
        hit_limit = n_iter >= max_iter
        grad = self._objective(phi, prep)[1] if math.isfinite(fun) else np.full_like(phi, np.nan)
        gmax = float(np.max(np.abs(grad))) if np.isfinite(grad).all() else math.inf
        if math.isfinite(fun) and not hit_limit and not gmax <= 10 * tol:
            # L-BFGS-B stopped short (e.g. a line-search failure near the optimum): a few
            # Newton steps on the finite-difference Hessian finish the job.
            phi, fun, polished = self._newton_polish(phi, fun, prep)
            n_iter += polished
            grad = self._objective(phi, prep)[1] if math.isfinite(fun) else np.full_like(phi, np.nan)
            gmax = float(np.max(np.abs(grad))) if np.isfinite(grad).all() else math.inf
        return phi, fun, gmax, n_iter, message, hit_limit, None

    # ---- warm start from a subsample -------------------------------------------------
    def _subsample(self, prep: Prepared, size: int, seed: int = 0) -> Prepared | None:
        """``size`` distinct rows of ``prep`` drawn at random with their counts (None: not
        supported by the model)."""
        return None

    def _warm_rows(self, prep: Prepared) -> Prepared | None:
        """The subsample of ``_WARM_ROWS`` distinct rows that starts fits of more than
        ``2 * _WARM_ROWS`` distinct rows (None: smaller input or not supported); built
        once per input."""
        if prep.counts.shape[0] <= 2 * _WARM_ROWS or not self._has_hessian():
            return None
        if prep.sub is None:
            sub = self._subsample(prep, _WARM_ROWS)
            prep.sub = False if sub is None else sub
        return prep.sub or None

    def _warm_start(self, prep: Prepared, phi0: np.ndarray, max_iter: int):
        """Newton's method on the full data from the optimum of a subsample.

        For models whose likelihood is expensive per distinct row and whose Hessian costs
        a few gradients (Pareto/NBD with continuous recency and T, where nearly every
        customer is a distinct row): the model is first fitted by Newton's method
        (L-BFGS-B if that stalls; 4-6 Hessians of the subsample instead of ~16 L-BFGS-B
        gradients) to ``_WARM_ROWS`` random distinct rows, to the gradient tolerance
        ``_WARM_TOL`` (that optimum is only a start, within sampling error, ~0.01-0.5 in
        the log-parameters, of the full one; a tighter tolerance moves it by less than
        1e-3). The first step on the full data uses the
        subsample's Hessian (see :meth:`_first_step`); Newton's method (:meth:`_newton`)
        then converges in two or three steps, each evaluating the objective with its
        analytic Hessian, except that a step that is already small (quadratic regime,
        see ``_LAZY_STEP``) is followed by gradient passes and steps with the Hessian
        of the earlier point until the gradient is predicted below tol, where the
        Hessian is evaluated again (see :meth:`_newton`). The exact Hessian at the
        result gives the standard errors; the subsample's Hessian at its optimum, from
        its Newton fit, serves the first step. (Quasi-Newton steps with the
        subsample's Hessian throughout converge only linearly, at the rate of its ~3%
        error: six full gradients and then a Hessian; L-BFGS-B from the data-based guess
        15-20 gradients.) Returns the tuple of :meth:`_minimize` or None when the
        subsample fit fails (the caller then runs L-BFGS-B on the full data).
        """
        sub = self._warm_rows(prep)
        if sub is None:
            return None
        tol_s = max(float(self.tol), _WARM_TOL)
        phi, fun_s, grad_s, hess_s, n_iter, _ = self._newton(sub, phi0, max_iter, tol=tol_s, lazy=True)
        hit = n_iter >= max_iter
        gmax_s = float(np.max(np.abs(grad_s))) if np.isfinite(grad_s).all() else math.inf
        if not (math.isfinite(fun_s) and gmax_s <= tol_s) or hit:  # Newton stalled: L-BFGS-B on the subsample
            phi, fun_s, gmax_s, it_s, _, hit, hess_s = self._minimize(sub, phi0, tol=tol_s)
            n_iter = min(n_iter + it_s, max_iter)
            hit = hit or n_iter >= max_iter
        if not (math.isfinite(fun_s) and gmax_s <= 10 * tol_s) or hit or not np.all(np.abs(phi) < LOG_BOUND - 1.0):
            return None
        phi, start = self._first_step(prep, sub, phi, hess_s)
        n_iter += 1
        phi, fun, grad, hess, it, message = self._newton(prep, phi, max(max_iter - n_iter, 1), start=start,
                                                         lazy=True)
        if not math.isfinite(fun):
            return None
        n_iter += it
        gmax = float(np.max(np.abs(grad))) if np.isfinite(grad).all() else math.inf
        return (phi, fun, gmax, n_iter, f"warm start from a subsample, then {message}",
                n_iter >= max_iter and not gmax <= self.tol, hess)

    def _first_step(self, prep: Prepared, sub: Prepared, phi: np.ndarray, hess_sub: np.ndarray | None = None):
        """One Newton step on the full data from the subsample's optimum ``phi`` with the
        subsample's Hessian there (``hess_sub``, evaluated when None; a gradient pass
        instead of a Hessian pass: from that far, sampling error, the exact Hessian does
        not take a better first step).

        Returns ``(point, start)``: the new point with ``start = (objective, gradient,
        Hessian)`` there, evaluated in one pass that also decides whether the step is
        taken (it must decrease the objective), else ``(phi, None)``."""
        fun, grad = self._objective(phi, prep)
        h = self._objective_hessian(phi, sub)[2] if hess_sub is None else hess_sub
        if not (math.isfinite(fun) and np.isfinite(h).all()):
            return phi, None
        try:
            step = -np.linalg.solve(np.linalg.cholesky(h).T, np.linalg.solve(np.linalg.cholesky(h), grad))
        except np.linalg.LinAlgError:
            return phi, None
        big = float(np.max(np.abs(step)))
        if not (big < 1.0 and float(np.dot(grad, step)) < 0):  # not a small descent step: Newton decides
            return phi, None
        cand = np.clip(phi + step, -LOG_BOUND, LOG_BOUND)
        start = self._objective_hessian(cand, prep)
        if math.isfinite(start[0]) and start[0] < fun and np.isfinite(start[1]).all() and np.isfinite(start[2]).all():
            return cand, start
        return phi, None

    # ---- analytic-Hessian path -------------------------------------------------------
    #: Optimise with Newton's method when an analytic Hessian exists (False: L-BFGS-B,
    #: the Hessian then only serves the standard errors and the final polish).
    _prefer_newton = True

    def _has_hessian(self) -> bool:
        return type(self)._total_hessian is not BaseModel._total_hessian

    def _total_hessian(self, theta: np.ndarray, prep: Prepared):  # pragma: no cover - optional hook
        """``(counts @ ll, gradient, Hessian)`` in the natural parameters (optional)."""
        raise NotImplementedError

    def _objective_hessian(self, phi: np.ndarray, prep: Prepared):
        """Objective, gradient and Hessian in the log-parameters."""
        theta = np.exp(phi)
        with np.errstate(all="ignore"):
            total, grad, hess = self._total_hessian(theta, prep)
        n = prep.n
        k = len(phi)
        value = -total / n + self.penalizer * float(np.dot(phi, phi))
        gvec = -grad * theta / n + 2.0 * self.penalizer * phi
        hmat = -(hess * np.outer(theta, theta) + np.diag(grad * theta)) / n + 2.0 * self.penalizer * np.eye(k)
        return value, gvec, hmat

    def _newton(self, prep: Prepared, phi: np.ndarray, max_iter: int, tol: float | None = None,
                start: tuple | None = None, lazy: bool = False):
        """Newton's method on the log-parameters with a line search.

        Negative curvature is handled by using the absolute eigenvalues of the Hessian
        (so every step is a descent direction), steps are capped at 3 in log units, and
        the Armijo line search halves the step until the objective decreases.

        Near the optimum the decrease a Newton step can bring (``-g'step``, the Newton
        decrement) falls below the rounding error of the objective, a sum of ``N``
        terms that cancel to a few digits: the objective then no longer tells a better
        point from a worse one, while the analytic gradient still does. There, with a
        positive definite Hessian, the full step is accepted when it reduces the
        gradient; a step that does neither stops the iteration (it used to be halved
        down to a null step and repeated until ``max_iter``). The iteration also stops
        as converged when the decrement is below the objective's rounding error and the
        step below ``_STEP_TOL`` in every log-parameter: the optimum is then located as
        precisely as the likelihood can be evaluated.

        ``start``: ``(objective, gradient, Hessian)`` at ``phi`` when already known.
        ``lazy`` (for models whose Hessian pass costs about two gradient passes): after a
        step of at most ``_LAZY_STEP`` but above ``10 * sqrt(tol)`` (the quadratic
        regime, where another step will follow), only the objective and gradient are
        evaluated at the new point and the next step reuses the Hessian (a chord step,
        which shrinks the gradient about by the factor ``d``, the distance from where the
        Hessian was evaluated, in the log-parameters). Up to three such steps follow
        each other while ``d`` stays below ``_LAZY_STEP`` and the gradient at the next
        point is predicted above tol (``3 d max|gradient| > tol``); the point where it is
        predicted below gets the exact Hessian again, since the result needs it. The
        Hessian returned is always the one at the result, or None when only a reused one
        is at hand (the caller then evaluates it there).
        """
        tol = self.tol if tol is None else tol
        fun, grad, hess = self._objective_hessian(phi, prep) if start is None else start
        if not (math.isfinite(fun) and np.isfinite(grad).all() and np.isfinite(hess).all()):
            return phi, fun, grad, hess, 0, "Newton: non-finite objective at the start"
        it = 0
        stale = False  # hess was evaluated at an earlier point (lazy steps) ...
        stale_dist = 0.0  # ... this far away (max over the log-parameters)
        n_lazy = 0
        lazy_floor = 10.0 * math.sqrt(tol)
        message = "Newton: gradient below tol"
        while it < max_iter and not np.max(np.abs(grad)) <= tol:
            w, vec = np.linalg.eigh(hess)
            scale = max(float(np.max(np.abs(w))), 1e-300)
            positive = bool(w.min() > 1e-12 * scale)
            w_mod = np.maximum(np.abs(w), 1e-10 * scale)
            step = -vec @ ((vec.T @ grad) / w_mod)
            big = float(np.max(np.abs(step)))
            capped = big > 3.0
            if capped:
                step *= 3.0 / big
            slope = float(np.dot(grad, step))
            noise = _NOISE * max(1.0, abs(fun))
            # In the quadratic regime the decrease is in the rounding error: the gradient decides.
            in_noise = positive and not capped and -slope <= noise
            if in_noise and big <= _STEP_TOL:
                message = "Newton: step and predicted decrease below the precision of the likelihood"
                break
            # A small step from an exact Hessian: the next one can reuse it (see above). From a
            # reused one, again while the gradient at the candidate is predicted above tol
            # (chord steps shrink it about by the distance to where the Hessian was taken).
            if not stale:
                gradient_only = lazy and positive and lazy_floor < big <= _LAZY_STEP
            else:
                reach = stale_dist + big
                gradient_only = lazy and positive and n_lazy < 3 and reach <= _LAZY_STEP \
                    and 3.0 * reach * float(np.max(np.abs(grad))) > tol
            gmax = float(np.max(np.abs(grad)))
            t = 1.0
            accepted = False
            full = None
            for trial in range(40):
                cand = np.clip(phi + t * step, -LOG_BOUND, LOG_BOUND)
                if np.array_equal(cand, phi):
                    break
                if trial == 0:  # the full step is usually accepted: evaluate everything at once
                    full = self._objective(cand, prep) + (hess,) if gradient_only \
                        else self._objective_hessian(cand, prep)
                    f_c = full[0]
                    if in_noise and math.isfinite(f_c) and f_c <= fun + noise and np.isfinite(full[1]).all() \
                            and float(np.max(np.abs(full[1]))) < gmax:
                        accepted = True
                        break
                    if in_noise:  # neither the objective nor the gradient improves: stop here
                        break
                else:
                    full = None
                    f_c = self._value(cand, prep)
                if math.isfinite(f_c) and f_c <= fun + 1e-4 * t * slope:
                    accepted = True
                    break
                t *= 0.5
            if not accepted and stale:
                # The reused Hessian may be the reason: evaluate it here and try again.
                fun, grad, hess = self._objective_hessian(phi, prep)
                stale, stale_dist, n_lazy = False, 0.0, 0
                if not (math.isfinite(fun) and np.isfinite(grad).all() and np.isfinite(hess).all()):
                    message = "Newton: non-finite objective"
                    break
                continue
            it += 1
            if not accepted:
                message = "Newton: the line search found no decrease"
                break
            stale = full is not None and gradient_only
            stale_dist = stale_dist + float(np.max(np.abs(cand - phi))) if stale else 0.0
            n_lazy = n_lazy + 1 if stale else 0
            phi = cand
            fun, grad, hess = full if full is not None else self._objective_hessian(phi, prep)
            if not (math.isfinite(fun) and np.isfinite(grad).all() and np.isfinite(hess).all()):
                message = "Newton: non-finite objective"
                break
        else:
            if not np.max(np.abs(grad)) <= tol:
                message = "Newton: max_iter reached"
        return phi, fun, grad, (None if stale else hess), it, message

    def _newton_polish(self, phi: np.ndarray, fun: float, prep: Prepared, steps: int = 6):
        """A few damped Newton steps on the finite-difference Hessian (tightens the optimum)."""
        done = 0
        for _ in range(steps):
            if self._has_hessian():
                _, g, hess = self._objective_hessian(phi, prep)
            else:
                hess = self._hessian(phi, prep)
                g = self._objective(phi, prep)[1]
            try:
                chol = np.linalg.cholesky(hess)
            except np.linalg.LinAlgError:
                break
            step = -np.linalg.solve(chol.T, np.linalg.solve(chol, g))
            if not np.isfinite(step).all() or np.max(np.abs(step)) < 1e-12:
                break
            scale = 1.0
            improved = False
            for _ in range(20):
                cand = np.clip(phi + scale * step, -LOG_BOUND, LOG_BOUND)
                f_c = self._objective(cand, prep)[0]
                if f_c <= fun + 1e-14 * abs(fun):
                    phi, fun, improved = cand, f_c, True
                    break
                scale *= 0.5
            done += 1
            if not improved or np.max(np.abs(step)) < 1e-9:
                break
        return phi, fun, done

    # ---- saved models (format: cvm_lib.clv.persist) ---------------------------------
    def save(self, path: Any) -> None:
        """Save the fitted model to ``path`` (versioned JSON, see :mod:`cvm_lib.clv.persist`)."""
        from cvm_lib.clv.persist import save_model

        save_model(self, path)

    @classmethod
    def load(cls, path: Any) -> "BaseModel":
        """A model saved by :meth:`save` (refuses another file format version, warns when
        another cvm_lib version wrote it)."""
        from cvm_lib.clv.persist import load_model

        return load_model(cls, path)

    # ---- results ------------------------------------------------------------------
    def summary(self, alpha: float = 0.05) -> pd.DataFrame:
        """Estimates with standard errors and ``1 - alpha`` confidence intervals.

        Returns
        -------
        DataFrame
            Indexed by parameter, columns ``estimate``, ``std error``, ``lower 95%``,
            ``upper 95%`` (the percentage follows ``alpha``). Intervals are computed on
            the log scale and exponentiated, so they are positive and asymmetric.
            ``attrs`` hold ``model``, ``log_likelihood``, ``n_customers``,
            ``converged`` and a one-line ``caption``.
        """
        self._check_fitted()
        return summary_table(self.params_, self.covariance_log_, alpha=alpha, model=self._model_name,
                             log_likelihood=self.log_likelihood_, n=self.n_customers_, converged=self.converged_,
                             penalizer=self.penalizer, time_unit=getattr(self, "time_unit_", None))


# --------------------------------------------------------------------------- #
# Models of (frequency, recency, T) summaries
# --------------------------------------------------------------------------- #
def weights_array(frame: pd.DataFrame, weights: Any, model: str) -> np.ndarray | None:
    """Row weights from a column name or an aligned array (None: one customer per row)."""
    if weights is None:
        return None
    if isinstance(weights, str):
        if weights not in frame.columns:
            raise CvmDataError(f"{model}: weights column {weights!r} not found", source="<DataFrame>", column=weights)
        values = frame[weights].to_numpy(dtype=np.float64, na_value=np.nan)
        column = weights
    else:
        values = np.asarray(weights, dtype=np.float64).reshape(-1)
        column = "weights"
        if values.shape[0] != len(frame):
            raise ValueError(f"{model}: weights has {values.shape[0]} values for {len(frame)} rows")
    raise_rows(frame, ~(np.isfinite(values) & (values >= 0)), column, "must be non-negative and finite", model)
    if not values.sum() > 0:
        raise CvmDataError(f"{model}: the weights sum to zero", source="<DataFrame>", column=column)
    return values


class OnePassTotals:
    """For models whose ``_totals(theta, prep, grad, hess)`` returns the log-likelihood with
    its gradient and Hessian in one pass: the two hooks :class:`BaseModel` fits with."""

    def _total_loglik(self, theta: np.ndarray, prep: Prepared, grad: bool = False):
        out = self._totals(theta, prep, grad, False)
        return out[0], out[1]

    def _total_hessian(self, theta: np.ndarray, prep: Prepared):
        return self._totals(theta, prep, True, True)


class PurchaseModel(BaseModel):
    """Base of the continuous-time purchase models fitted to ``frequency``,
    ``recency`` and ``T`` (BG/NBD, MBG/NBD, Pareto/NBD)."""

    _data_columns = ("frequency", "recency", "T")

    def _rft(self, data: Any) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
        """Checked ``frequency``, ``recency``, ``T`` of ``data`` (one row per customer)."""
        model = type(self).__name__
        frame = as_frame(data)
        cols = numeric_columns(frame, self._data_columns, model)
        x, t, T = cols["frequency"], cols["recency"], cols["T"]
        raise_rows(frame, x < 0, "frequency", "must be non-negative (repeat purchases)", model)
        check_integer(frame, x, "frequency", model)
        raise_rows(frame, t < 0, "recency", "must be non-negative", model)
        raise_rows(frame, T < 0, "T", "must be non-negative (time since the first purchase)", model)
        raise_rows(frame, t > T * (1 + 1e-12) + 1e-12, "recency", "is larger than T (the last purchase cannot come "
                   "after the end of the observation window)", model)
        raise_rows(frame, (x == 0) & (t > 0), "recency", "must be 0 for customers with frequency 0", model)
        t = np.minimum(t, T)
        return frame, x, t, T

    def _prepare(self, data: Any, weights: Any = None) -> Prepared:
        frame, x, t, T = self._rft(data)
        w = weights_array(frame, weights, type(self).__name__)
        if w is not None:
            keep = w > 0
            x, t, T, w = x[keep], t[keep], T[keep], w[keep]
        (ux, ut, uT), counts, _, (cx, ct, cT) = group_rows_coded([x, t, T], w)
        # (codes, distinct values) of frequency, recency and T over the distinct rows
        return Prepared(arrays={"x": ux, "t": ut, "T": uT}, counts=counts, n=float(counts.sum()),
                        extra={"x_values": cx[1], "x_inverse": cx[0], "t_coded": ct, "T_coded": cT})

    #: Keys of Prepared.extra a subsample can rebuild from (frequency, recency, T) alone.
    _SUBSAMPLE_EXTRA = frozenset({"x_values", "x_inverse", "t_coded", "T_coded", "x_counts", "points", "uT", "ut", "T_counts", "T_x",
                                  "m_T", "m_t", "m_xi", "m_x", "m_c"})

    def _subsample(self, prep: Prepared, size: int, seed: int = 0) -> Prepared | None:
        # Only for inputs made of (frequency, recency, T) alone: a prep carrying anything
        # else (e.g. covariates) is not rebuilt from these columns, so no warm start.
        if set(prep.arrays) != {"x", "t", "T"} or not set(prep.extra) <= self._SUBSAMPLE_EXTRA:
            return None
        rows = np.sort(np.random.default_rng(seed).choice(prep.counts.shape[0], size=size, replace=False))
        a = prep.arrays
        frame = pd.DataFrame({"frequency": a["x"][rows], "recency": a["t"][rows], "T": a["T"][rows]})
        return self._prepare(frame, weights=prep.counts[rows])

    def _initial_guess(self, prep: Prepared) -> np.ndarray:
        a = prep.arrays
        total_x = float(np.dot(prep.counts, a["x"]))
        total_T = float(np.dot(prep.counts, a["T"]))
        rate = max(total_x, 1.0) / max(total_T, 1e-9)
        mean_T = max(total_T / prep.n, 1e-6)
        return self._initial_from(rate, mean_T)

    def _initial_from(self, rate: float, mean_T: float) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    # ---- predictions shared by the purchase models -----------------------------------
    def _time(self, t: Any, name: str = "t") -> np.ndarray:
        values = np.asarray(t, dtype=np.float64)
        if not (np.isfinite(values).all() and (values >= 0).all()):
            raise ValueError(f"{name} must be non-negative and finite, got {t!r}")
        return values

    def expected_purchases_new(self, t: Any) -> Any:
        """Expected number of repeat purchases of a new customer in ``(0, t]``.

        Parameters
        ----------
        t : float or array-like
            Length(s) of the period, in the time unit of the data the model was fitted on.

        Returns
        -------
        float or Series
            A float for a scalar ``t``; otherwise a Series indexed by ``t``.
        """
        self._check_fitted()
        values = self._time(t)
        out = self._new_customer(self.params_.to_numpy(dtype=np.float64), values.reshape(-1))
        if values.ndim == 0:
            return float(out[0])
        return pd.Series(out, index=pd.Index(values.reshape(-1), name="t"), name="expected_purchases")

    def expected_purchases(self, data: Any, t: Any) -> pd.Series:
        """Conditional expected number of purchases in ``(T, T + t]`` for each customer.

        Parameters
        ----------
        data : DataFrame
            ``frequency``, ``recency`` and ``T`` per customer (same time unit as the fit).
        t : float or array-like
            Length of the future period (a scalar, or one value per row of ``data``).

        Returns
        -------
        Series
            Aligned with ``data.index``.
        """
        self._check_fitted()
        frame, x, tx, T = self._rft(data)
        horizon = np.broadcast_to(self._time(t), x.shape)
        theta = self.params_.to_numpy(dtype=np.float64)
        out = self._p_alive(theta, x, tx, T) * self._alive_expectation(theta, x, T, horizon)
        return pd.Series(out, index=frame.index, name="expected_purchases")

    def _discounted_purchases(self, data: Any, times: np.ndarray, factors: np.ndarray) -> pd.Series:
        """sum_k (E[X(T, T+times[k])] - E[X(T, T+times[k-1])]) * factors[k] per customer.

        The part that depends on the horizon is computed once per distinct (frequency, T).
        """
        self._check_fitted()
        frame, x, tx, T = self._rft(data)
        theta = self.params_.to_numpy(dtype=np.float64)
        p_alive = self._p_alive(theta, x, tx, T)
        (ux, uT), _, inv = group_rows([x, T])
        total = np.zeros(ux.shape[0])
        previous = np.zeros(ux.shape[0])
        for when, factor in zip(times, factors):
            current = self._alive_expectation(theta, ux, uT, np.full(ux.shape[0], float(when)))
            total += (current - previous) * factor
            previous = current
        return pd.Series(p_alive * total[inv], index=frame.index)

    def _p_alive(self, theta, x, tx, T) -> np.ndarray:
        # P(alive) of a heavy buyer who has been silent for long underflows to 0.0, its
        # correct double value; an underflow is not an error even under np.seterr(all="raise").
        with np.errstate(under="ignore"):
            return np.exp(self._log_p_alive(theta, x, tx, T))

    def prob_alive(self, data: Any) -> pd.Series:
        """Probability that each customer is still active at ``T`` (the end of the data).

        Returns
        -------
        Series
            Aligned with ``data.index``, values in (0, 1].
        """
        self._check_fitted()
        frame, x, tx, T = self._rft(data)
        theta = self.params_.to_numpy(dtype=np.float64)
        return pd.Series(self._p_alive(theta, x, tx, T), index=frame.index, name="prob_alive")
