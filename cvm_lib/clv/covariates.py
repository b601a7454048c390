"""Time-invariant covariates in the Pareto/NBD, BG/NBD and MBG/NBD models.

Parameterisation (CLVTools, Bachmann, Meierer & Naef 2021; Fader & Hardie 2007, note 019)
-----------------------------------------------------------------------------------------
Each customer ``i`` has a purchase-covariate vector ``z_p`` and a dropout-covariate
vector ``z_d`` (columns of the data passed to ``fit`` and to every prediction). The
purchase-rate scale is divided by ``exp(gamma_p . z_p)``, so the mean purchase rate is
*multiplied* by it:

* Pareto/NBD (as CLVTools' ``pnbd`` with static covariates):
  ``lambda_i ~ Gamma(r, alpha exp(-gamma_p . z_p))``,
  ``mu_i ~ Gamma(s, beta exp(-gamma_d . z_d))``; ``E[lambda_i] = r / alpha * exp(gamma_p . z_p)``
  and ``E[mu_i] = s / beta * exp(gamma_d . z_d)``.
* BG/NBD and MBG/NBD: ``lambda_i ~ Gamma(r, alpha exp(-gamma_p . z_p))`` as above, and the
  dropout probability ``p_i ~ Beta(a exp(gamma_d . z_d), b)``, so that
  ``E[p_i] = a_i / (a_i + b)`` rises with ``gamma_d . z_d``. **This differs from
  CLVTools' ``bgnbd``**, which multiplies *both* ``a`` and ``b`` by ``exp(gamma_d . z_d)``:
  that leaves the mean dropout probability unchanged and changes only its dispersion, so
  its coefficients have no "higher dropout" reading. Here the sign convention is the same
  in every model: a positive coefficient means a higher purchase rate (``purchase``) or
  a higher dropout rate / probability (``dropout``).

With all coefficients zero every model reduces exactly to the model without covariates,
and ``r, alpha, s, beta`` (or ``r, alpha, a, b``) are the parameters of a customer whose
covariates are all zero (for categorical covariates: the reference level).

Covariate columns
-----------------
Numeric (and boolean) columns are used as they are (``True`` = 1). Text, object and
pandas ``Categorical`` columns are expanded into 0/1 indicator columns named
``"column[level]"``, one per level except the **reference level**, which is the first
level of a ``Categorical`` column (order its categories to choose it) and otherwise the
first level in sorted order. The design (columns, levels, reference) is fixed at ``fit``
and reused for every prediction; a level not seen at ``fit``, a missing value or a
non-numeric value in a numeric column raise :class:`~cvm_lib.data.CvmDataError` naming
the column and rows. A covariate constant over the fitted customers is not identified
and is refused.

Estimation
----------
The covariate models are fitted with the same optimiser as the models without
covariates (:class:`cvm_lib.clv.base.BaseModel`), over ``log r, log alpha, ...`` and the
coefficients themselves, started from the fit without covariates and zero coefficients. The optimiser sees
standardised covariates (centred, unit variance over the fitted customers); the results
are mapped back exactly to the covariates' own units and to ``z = 0``. ``penalizer`` adds
``penalizer * sum(gamma_std ** 2)`` (a ridge penalty on the coefficients of the
standardised covariates) to the per-customer objective. Standard errors come from the inverse observed information (finite
differences of the analytic gradient). Rows identical in ``(frequency, recency, T)`` and
covariates are evaluated once.

The Pareto/NBD likelihood with a per-customer ``alpha_i, beta_i`` is evaluated from its
integral form (Fader & Hardie 2005, note 009)::

    L = Gamma(r+x) alpha^r beta^s / Gamma(r) *
        [ (alpha+T)^-(r+x) (beta+T)^-s + s * int_{t_x}^{T} (alpha+y)^-(r+x) (beta+y)^-(s+1) dy ]

with the integral computed in ``v = log(min(alpha, beta) + y)``, where the integrand is
log-concave (so unimodal): two 32-point grid passes locate the part of the range holding
all but ``exp(-45)`` of the mass, and a 3 x 16-point Gauss-Legendre rule integrates it.
The tests compare it with the closed form of :mod:`cvm_lib.clv._special` (the model
without covariates) to 1e-9.

References
----------
Fader, P. S. & Hardie, B. G. S. (2007). Incorporating time-invariant covariates into the
Pareto/NBD and BG/NBD models. http://brucehardie.com/notes/019/

Bachmann, P., Meierer, M. & Naef, J. (2021). The role of time-varying contextual factors
in latent attrition models for customer base analysis. *Marketing Science* 40(4), 783-809
(CLVTools).
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd
from scipy import special, stats

from cvm_lib.clv._special import bgnbd_phi
from cvm_lib.clv.base import BaseModel, Prepared, as_frame, group_rows, weights_array
from cvm_lib.data import CvmDataError

__all__ = ["CovariateDesign", "CovariateMixin", "pnbd_cov_loglik", "bgnbd_cov_loglik", "PROCESSES"]

PROCESSES = ("purchase", "dropout")
_SHOW = 5


# --------------------------------------------------------------------------- #
# Design: columns of the data -> numeric covariate matrix
# --------------------------------------------------------------------------- #
@dataclass
class _Column:
    name: str
    kind: str  # "numeric" or "categorical"
    levels: list = field(default_factory=list)  # categorical: all levels, reference first

    def labels(self) -> list[str]:
        if self.kind == "numeric":
            return [self.name]
        return [f"{self.name}[{level}]" for level in self.levels[1:]]


def _rows_error(frame: pd.DataFrame, mask: np.ndarray, column: str, problem: str, option: str, model: str):
    labels = list(frame.index[mask][:_SHOW])
    count = int(mask.sum())
    more = f" and {count - _SHOW} more" if count > _SHOW else ""
    raise CvmDataError(f"{model}: covariate column {column!r} {problem} in {count} row(s): "
                       f"{', '.join(map(str, labels))}{more}; {option}",
                       source="<DataFrame>", column=column, rows=labels, n_rows=count, option=option)


def _is_categorical(series: pd.Series) -> bool:
    return (isinstance(series.dtype, pd.CategoricalDtype) or series.dtype == object
            or pd.api.types.is_string_dtype(series.dtype))


@dataclass
class CovariateDesign:
    """The covariate columns of one process and how they become numbers (fixed at ``fit``).

    Examples
    --------
    >>> frame = pd.DataFrame({"channel": ["web", "shop", "app", "web"], "age": [30, 41, 25, 52]})
    >>> design = CovariateDesign.from_data(frame, ["channel", "age"])
    >>> design.labels  # "app" (first in sorted order) is the reference level
    ['channel[shop]', 'channel[web]', 'age']
    >>> design.matrix(frame).tolist()
    [[0.0, 1.0, 30.0], [1.0, 0.0, 41.0], [0.0, 0.0, 25.0], [0.0, 1.0, 52.0]]
    """

    columns: list[_Column]

    @property
    def labels(self) -> list[str]:
        return [label for c in self.columns for label in c.labels()]

    @classmethod
    def from_data(cls, frame: pd.DataFrame, names: Sequence[str], model: str = "model") -> "CovariateDesign":
        if isinstance(names, str):
            names = [names]
        names = list(names)
        if len(set(names)) != len(names):
            raise ValueError(f"{model}: covariates listed twice: {names}")
        cols = []
        for name in names:
            if name not in frame.columns:
                raise CvmDataError(f"{model}: covariate column {name!r} not found in the data (columns: "
                                   f"{list(frame.columns)}); add it to the customer table or drop it from the "
                                   "purchase_covariates / dropout_covariates option",
                                   source="<DataFrame>", column=name, option="purchase_covariates/dropout_covariates")
            series = frame[name]
            missing = series.isna().to_numpy()
            if missing.any():
                _rows_error(frame, missing, name, "has missing values",
                            "fill them (e.g. with an 'unknown' level) or drop those customers", model)
            if _is_categorical(series):
                if isinstance(series.dtype, pd.CategoricalDtype):
                    present = set(series.unique())
                    levels = [c for c in series.cat.categories if c in present]
                else:
                    levels = sorted(series.unique(), key=str)
                if len(levels) < 2:
                    raise CvmDataError(f"{model}: covariate column {name!r} has a single level {levels!r}: its "
                                       "effect is not identified; drop it from the covariates",
                                       source="<DataFrame>", column=name, option="purchase_covariates/dropout_covariates")
                cols.append(_Column(name, "categorical", list(levels)))
            else:
                values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
                bad = ~np.isfinite(values)
                if bad.any():
                    _rows_error(frame, bad, name, "has non-numeric or infinite values",
                                "correct them, or make the column text to treat it as categorical", model)
                if np.ptp(values) == 0:
                    raise CvmDataError(f"{model}: covariate column {name!r} is constant ({values[0]:g}): its "
                                       "effect is not identified; drop it from the covariates",
                                       source="<DataFrame>", column=name, option="purchase_covariates/dropout_covariates")
                cols.append(_Column(name, "numeric"))
        return cls(cols)

    def matrix(self, frame: pd.DataFrame, model: str = "model") -> np.ndarray:
        """The covariate matrix (rows of ``frame`` x :attr:`labels`)."""
        blocks = []
        for col in self.columns:
            if col.name not in frame.columns:
                raise CvmDataError(f"{model}: the model was fitted with covariate {col.name!r}, which is not in "
                                   f"the data (columns: {list(frame.columns)}); add it to the customer table",
                                   source="<DataFrame>", column=col.name)
            series = frame[col.name]
            missing = series.isna().to_numpy()
            if missing.any():
                _rows_error(frame, missing, col.name, "has missing values",
                            "fill them with a level seen at fit or drop those customers", model)
            if col.kind == "numeric":
                values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
                bad = ~np.isfinite(values)
                if bad.any():
                    _rows_error(frame, bad, col.name, "has non-numeric or infinite values",
                                "correct them (it was numeric when the model was fitted)", model)
                blocks.append(values[:, None])
            else:
                raw = series.astype(object).to_numpy()
                keys = {str(level): j for j, level in enumerate(col.levels)}
                codes = np.array([keys.get(str(v), -1) for v in raw], dtype=np.intp)
                unknown = codes < 0
                if unknown.any():
                    _rows_error(frame, unknown, col.name, f"has levels not seen at fit (known: {col.levels})",
                                "map them to a known level or refit the model on data that includes them", model)
                block = np.zeros((len(frame), len(col.levels) - 1))
                has = codes > 0
                block[np.nonzero(has)[0], codes[has] - 1] = 1.0
                blocks.append(block)
        if not blocks:
            return np.zeros((len(frame), 0))
        return np.hstack(blocks)

    def to_dict(self) -> list[dict]:
        return [{"name": c.name, "kind": c.kind, "levels": [_plain(v) for v in c.levels]} for c in self.columns]

    @classmethod
    def from_dict(cls, items: list[dict]) -> "CovariateDesign":
        return cls([_Column(d["name"], d["kind"], list(d.get("levels", []))) for d in items])


def _plain(value: Any) -> Any:
    """A JSON-friendly scalar (numpy scalars to Python ones)."""
    if isinstance(value, np.generic):
        return value.item()
    return value


# --------------------------------------------------------------------------- #
# Likelihoods with per-customer parameters
# --------------------------------------------------------------------------- #
_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(16)
_GRID = 32
_DROP = 45.0  # log-units below the maximum that the integration window may neglect


def _log_g(v, m, alpha, beta, rx, s1):
    """log of the Pareto/NBD integrand in v = log(m + y), including the Jacobian e^v."""
    ev = np.exp(v)
    return -rx * np.log(alpha - m + ev) - s1 * np.log(beta - m + ev) + v


def _window(lo, hi, m, alpha, beta, rx, s1):
    """Sub-interval of [lo, hi] (rows) outside which the log-concave integrand is below max - _DROP."""
    u = np.linspace(0.0, 1.0, _GRID)
    width = (hi - lo)[:, None]
    v = lo[:, None] + width * u
    lg = _log_g(v, m[:, None], alpha[:, None], beta[:, None], rx[:, None], s1[:, None])
    keep = lg >= lg.max(axis=1, keepdims=True) - _DROP
    first = np.argmax(keep, axis=1)
    last = _GRID - 1 - np.argmax(keep[:, ::-1], axis=1)
    first = np.maximum(first - 1, 0)
    last = np.minimum(last + 1, _GRID - 1)
    return lo + (hi - lo) * u[first], lo + (hi - lo) * u[last]


def _log_integral(r, s, alpha, beta, x, t, T, grad):
    """log of int_t^T (alpha+y)^-(r+x) (beta+y)^-(s+1) dy per row (-inf where t = T) and,
    with ``grad``, the integrals of the partial derivatives of the log-integrand
    (weights-normalised: E[d log f / d theta] under the integrand) for r, alpha, s, beta."""
    rx = r + x
    s1 = np.full(x.shape, s + 1.0)
    m = np.minimum(alpha, beta)
    empty = ~(T > t)
    t_ = np.where(empty, 0.0, t)
    T_ = np.where(empty, 1.0, T)
    lo = np.log(m + t_)
    hi = np.log(m + T_)
    for _ in range(2):
        lo, hi = _window(lo, hi, m, alpha, beta, rx, s1)
    # 3 panels x 16 Gauss-Legendre nodes on [lo, hi]
    edges = np.linspace(0.0, 1.0, 4)
    nodes = np.concatenate([(edges[k] + edges[k + 1]) / 2 + (edges[k + 1] - edges[k]) / 2 * _GL_NODES
                            for k in range(3)])
    weights = np.concatenate([(edges[k + 1] - edges[k]) / 2 * _GL_WEIGHTS for k in range(3)])
    width = (hi - lo)[:, None]
    v = lo[:, None] + width * nodes
    ev = np.exp(v)
    y = ev - m[:, None]
    la = np.log(alpha[:, None] + y)
    lb = np.log(beta[:, None] + y)
    lg = -rx[:, None] * la - s1[:, None] * lb + v
    lw = lg + np.log(weights) + np.log(np.maximum(width, 1e-300))
    top = lw.max(axis=1, keepdims=True)
    w = np.exp(lw - top)
    total = w.sum(axis=1)
    log_i = top[:, 0] + np.log(total)
    log_i = np.where(empty, -np.inf, log_i)
    if not grad:
        return log_i, None
    w = w / total[:, None]
    ai = alpha[:, None] + y
    bi = beta[:, None] + y
    e_dr = -(w * la).sum(axis=1)
    e_da = -(rx * (w / ai).sum(axis=1))
    e_ds = -(w * lb).sum(axis=1)
    e_db = -(s1 * (w / bi).sum(axis=1))
    return log_i, (e_dr, e_da, e_ds, e_db)


def pnbd_cov_loglik(r: float, s: float, alpha: np.ndarray, beta: np.ndarray, x: np.ndarray, t: np.ndarray,
                    T: np.ndarray, grad: bool = False):
    """Pareto/NBD log-likelihood per row with per-row ``alpha`` and ``beta``.

    Returns ``(ll, log_p_alive, dll)``, ``dll`` (rows x 4: d/dr, d/dalpha_i, d/ds,
    d/dbeta_i) only with ``grad``.
    """
    alpha = np.broadcast_to(np.asarray(alpha, dtype=np.float64), x.shape)
    beta = np.broadcast_to(np.asarray(beta, dtype=np.float64), x.shape)
    rx = r + x
    la_T = np.log(alpha + T)
    lb_T = np.log(beta + T)
    log_e1 = -rx * la_T - s * lb_T
    log_i, parts = _log_integral(r, s, alpha, beta, x, t, T, grad)
    log_si = math.log(s) + log_i
    log_b = np.logaddexp(log_e1, log_si)
    ll = special.gammaln(rx) - special.gammaln(r) + r * np.log(alpha) + s * np.log(beta) + log_b
    log_p_alive = log_e1 - log_b
    if not grad:
        return ll, log_p_alive, None
    w1 = np.exp(log_p_alive)  # share of the first term in the bracket
    w2 = 1.0 - w1
    e_dr, e_da, e_ds, e_db = parts
    dll = np.empty((x.shape[0], 4))
    dll[:, 0] = special.digamma(rx) - special.digamma(r) + np.log(alpha) + w1 * (-la_T) + w2 * e_dr
    dll[:, 1] = r / alpha + w1 * (-rx / (alpha + T)) + w2 * e_da
    # d/ds of s * I = I + s dI/ds: in log terms, 1/s + E[-log(beta + y)]
    dll[:, 2] = np.log(beta) + w1 * (-lb_T) + w2 * (1.0 / s + e_ds)
    dll[:, 3] = s / beta + w1 * (-s / (beta + T)) + w2 * e_db
    return ll, log_p_alive, dll


def bgnbd_cov_loglik(r: float, b: float, alpha: np.ndarray, a: np.ndarray, x: np.ndarray, t: np.ndarray,
                     T: np.ndarray, shift: int = 0, grad: bool = False):
    """BG/NBD (``shift=0``) or MBG/NBD (``shift=1``) log-likelihood per row with per-row
    ``alpha`` and ``a``. Returns ``(ll, log_p_alive, dll)``; ``dll`` columns d/dr,
    d/dalpha_i, d/da_i, d/db."""
    alpha = np.broadcast_to(np.asarray(alpha, dtype=np.float64), x.shape)
    a = np.broadcast_to(np.asarray(a, dtype=np.float64), x.shape)
    k = shift
    rx = r + x
    l_aT = np.log(alpha + T)
    l_at = np.log(alpha + t)
    u1 = -rx * l_aT
    bx = b + x - 1.0 + k
    with np.errstate(divide="ignore", invalid="ignore"):
        u2 = np.log(a) - np.log(bx) - rx * l_at
    two = (x > 0) if not k else np.ones(x.shape, dtype=bool)
    u2 = np.where(two, u2, -np.inf)
    top = np.logaddexp(u1, u2)
    ll = (special.gammaln(rx) - special.gammaln(r) + special.gammaln(b + x + k) - special.gammaln(a + b + x + k)
          + r * np.log(alpha) + special.gammaln(a + b) - special.gammaln(b) + top)
    log_p_alive = u1 - top
    if not grad:
        return ll, log_p_alive, None
    w1 = np.exp(u1 - top)
    w2 = np.exp(u2 - top)
    psi_abx = special.digamma(a + b + x + k)
    psi_ab = special.digamma(a + b)
    dll = np.empty((x.shape[0], 4))
    dll[:, 0] = special.digamma(rx) - special.digamma(r) + np.log(alpha) - w1 * l_aT - w2 * l_at
    dll[:, 1] = r / alpha - rx * (w1 / (alpha + T) + w2 / (alpha + t))
    dll[:, 2] = psi_ab - psi_abx + w2 / a
    with np.errstate(divide="ignore", invalid="ignore"):
        dll[:, 3] = (special.digamma(b + x + k) - psi_abx - special.digamma(b) + psi_ab
                     - np.where(w2 > 0, w2 / bx, 0.0))
    return ll, log_p_alive, dll


# --------------------------------------------------------------------------- #
# Per-model glue: which base parameter each process scales, and how
# --------------------------------------------------------------------------- #
def _family(model: Any) -> str:
    return "pnbd" if model._param_names[2] == "s" else "bgnbd"


def _individual(family: str, theta: np.ndarray, eta_p: np.ndarray, eta_d: np.ndarray):
    """Per-row (scale of the purchase rate, dropout parameter): Pareto/NBD (alpha_i, beta_i),
    BG/NBD (alpha_i, a_i)."""
    if family == "pnbd":
        return theta[1] * np.exp(-eta_p), theta[3] * np.exp(-eta_d)
    return theta[1] * np.exp(-eta_p), theta[2] * np.exp(eta_d)


def _rows_loglik(model: Any, theta, alpha_i, drop_i, x, t, T, grad):
    if _family(model) == "pnbd":
        return pnbd_cov_loglik(theta[0], theta[2], alpha_i, drop_i, x, t, T, grad)
    return bgnbd_cov_loglik(theta[0], theta[3], alpha_i, drop_i, x, t, T, model._shift, grad)


class _Problem(BaseModel):
    """The covariate model as a BaseModel over (base parameters, exp(coefficients)), so the
    shared optimiser, its convergence checks and its standard errors apply unchanged:
    the optimiser works on log-parameters, and the log of ``exp(gamma)`` is ``gamma``."""

    def __init__(self, owner: Any, names: tuple[str, ...], penalizer: float, tol: float, max_iter: int):
        super().__init__(penalizer, tol=tol, max_iter=max_iter)
        self.owner = owner
        self._param_names = names
        self._model_name = f"{owner._model_name} with covariates"

    def _names_index(self) -> pd.Index:  # instance-specific names (the base caches per class)
        return pd.Index(list(self._param_names))

    def _total_loglik(self, theta: np.ndarray, prep: Prepared, grad: bool = False):
        a = prep.arrays
        base = theta[:4]
        gamma = np.log(theta[4:])
        n_p = a["zp"].shape[1]
        gp, gd = gamma[:n_p], gamma[n_p:]
        eta_p = a["zp"] @ gp if n_p else np.zeros(prep.counts.shape[0])
        eta_d = a["zd"] @ gd if gd.shape[0] else np.zeros(prep.counts.shape[0])
        family = _family(self.owner)
        alpha_i, drop_i = _individual(family, base, eta_p, eta_d)
        ll, _, dll = _rows_loglik(self.owner, base, alpha_i, drop_i, a["x"], a["t"], a["T"], grad)
        c = prep.counts
        total = float(c @ ll)
        if not grad:
            return total, None
        g = np.empty(theta.shape[0])
        cd = c[:, None] * dll
        g[0] = cd[:, 0].sum()
        g_alpha_i = cd[:, 1] * alpha_i  # d LL / d log alpha_i per row
        g[1] = g_alpha_i.sum() / base[1]
        g_p = -(g_alpha_i @ a["zp"]) if n_p else np.zeros(0)
        if family == "pnbd":
            g[2] = cd[:, 2].sum()
            g_drop = cd[:, 3] * drop_i
            g[3] = g_drop.sum() / base[3]
            g_d = -(g_drop @ a["zd"]) if gd.shape[0] else np.zeros(0)
        else:
            g_drop = cd[:, 2] * drop_i
            g[2] = g_drop.sum() / base[2]
            g[3] = cd[:, 3].sum()
            g_d = (g_drop @ a["zd"]) if gd.shape[0] else np.zeros(0)
        g_gamma = np.concatenate([g_p, g_d])
        g[4:] = g_gamma / theta[4:]  # d/d exp(gamma) = d/d gamma / exp(gamma)
        return total, g


# --------------------------------------------------------------------------- #
# The mixin the model classes inherit
# --------------------------------------------------------------------------- #
class CovariateMixin:
    """Adds ``purchase_covariates`` / ``dropout_covariates`` to BG/NBD, MBG/NBD and
    Pareto/NBD. Without covariates every method is the model's own (unchanged)."""

    def _uses_covariates(self) -> bool:
        return bool(getattr(self, "purchase_covariates", None) or getattr(self, "dropout_covariates", None))

    def _covariate_lists(self) -> tuple[list[str], list[str]]:
        def norm(v):
            if v is None:
                return []
            return [v] if isinstance(v, str) else list(v)
        return norm(self.purchase_covariates), norm(self.dropout_covariates)

    # ---- fit ---------------------------------------------------------------------
    def fit(self, data: Any, weights: Any = None):
        if not self._uses_covariates():
            return super().fit(data, weights)
        return _fit_covariates(self, data, weights)

    def _covariate_rows(self, data: Any):
        """Checked (frame, x, t, T, Z_p, Z_d) with the fitted designs."""
        self._check_fitted()
        frame, x, t, T = self._rft(data)
        model = type(self).__name__
        zp = self._design_p.matrix(frame, model)
        zd = self._design_d.matrix(frame, model)
        return frame, x, t, T, zp, zd

    def _individual_params(self, zp: np.ndarray, zd: np.ndarray, theta=None, coefs=None):
        theta = self.params_.to_numpy(dtype=np.float64) if theta is None else theta
        coefs = self.coefficients_.to_numpy(dtype=np.float64) if coefs is None else coefs
        n_p = zp.shape[1]
        eta_p = zp @ coefs[:n_p] if n_p else np.zeros(zp.shape[0])
        eta_d = zd @ coefs[n_p:] if zd.shape[1] else np.zeros(zd.shape[0])
        return _individual(_family(self), theta, eta_p, eta_d)

    # ---- predictions ------------------------------------------------------------------
    def _cov_log_p_alive(self, x, t, T, alpha_i, drop_i):
        theta = self.params_.to_numpy(dtype=np.float64)
        return _rows_loglik(self, theta, alpha_i, drop_i, x, t, T, False)[1]

    def _cov_alive_expectation(self, x, T, horizon, alpha_i, drop_i):
        theta = self.params_.to_numpy(dtype=np.float64)
        if _family(self) == "pnbd":
            return self._alive_expectation((theta[0], alpha_i, theta[2], drop_i), x, T, horizon)
        r, _, _, b = theta
        out = np.empty(x.shape[0])
        values, inverse = np.unique(drop_i, return_inverse=True)
        for j, a_j in enumerate(values):  # one call per distinct a_i
            rows = inverse == j
            out[rows] = bgnbd_phi(float(a_j), b + x[rows] + self._shift, r + x[rows], alpha_i[rows] + T[rows],
                                  horizon[rows])
        return out

    def expected_purchases(self, data: Any, t: Any) -> pd.Series:
        if not self._uses_covariates():
            return super().expected_purchases(data, t)
        frame, x, tx, T, zp, zd = self._covariate_rows(data)
        horizon = np.broadcast_to(self._time(t), x.shape).astype(np.float64)
        alpha_i, drop_i = self._individual_params(zp, zd)
        out = (np.exp(self._cov_log_p_alive(x, tx, T, alpha_i, drop_i))
               * self._cov_alive_expectation(x, T, horizon, alpha_i, drop_i))
        return pd.Series(out, index=frame.index, name="expected_purchases")

    def prob_alive(self, data: Any) -> pd.Series:
        if not self._uses_covariates():
            return super().prob_alive(data)
        frame, x, tx, T, zp, zd = self._covariate_rows(data)
        alpha_i, drop_i = self._individual_params(zp, zd)
        return pd.Series(np.exp(self._cov_log_p_alive(x, tx, T, alpha_i, drop_i)), index=frame.index,
                         name="prob_alive")

    def _discounted_purchases(self, data: Any, times: np.ndarray, factors: np.ndarray) -> pd.Series:
        if not self._uses_covariates():
            return super()._discounted_purchases(data, times, factors)
        frame, x, tx, T, zp, zd = self._covariate_rows(data)
        alpha_i, drop_i = self._individual_params(zp, zd)
        p_alive = np.exp(self._cov_log_p_alive(x, tx, T, alpha_i, drop_i))
        (ux, uT, ua, ud), _, inv = group_rows([x, T, alpha_i, drop_i])
        total = np.zeros(ux.shape[0])
        previous = np.zeros(ux.shape[0])
        for when, factor in zip(times, factors):
            current = self._cov_alive_expectation(ux, uT, np.full(ux.shape[0], float(when)), ua, ud)
            total += (current - previous) * factor
            previous = current
        return pd.Series(p_alive * total[inv], index=frame.index)

    def expected_purchases_new(self, t: Any, data: Any = None) -> Any:
        """Expected repeat purchases of a new customer in ``(0, t]``; with covariates, pass
        ``data`` (the new customers' covariate columns) to get one column per customer."""
        if not self._uses_covariates():
            return super().expected_purchases_new(t)
        if data is None:
            # A customer at the reference level / zero covariates.
            return super().expected_purchases_new(t)
        self._check_fitted()
        frame = as_frame(data)
        model = type(self).__name__
        zp = self._design_p.matrix(frame, model)
        zd = self._design_d.matrix(frame, model)
        alpha_i, drop_i = self._individual_params(zp, zd)
        theta = self.params_.to_numpy(dtype=np.float64)
        times = self._time(t).reshape(-1)
        out = {}
        for when in times:
            col = np.empty(len(frame))
            for i in range(len(frame)):
                th = theta.copy()
                if _family(self) == "pnbd":
                    th[1], th[3] = alpha_i[i], drop_i[i]
                else:
                    th[1], th[2] = alpha_i[i], drop_i[i]
                col[i] = self._new_customer(th, np.array([when]))[0]
            out[when] = col
        return pd.DataFrame(out, index=frame.index).rename_axis(columns="t")

    def log_likelihood(self, data: Any, params: Any = None, weights: Any = None) -> float:
        if not self._uses_covariates():
            return super().log_likelihood(data, params, weights)
        if params is not None:
            raise ValueError("log_likelihood(params=...) is not available with covariates; use the fitted model")
        frame, x, tx, T, zp, zd = self._covariate_rows(data)
        w = weights_array(frame, weights, type(self).__name__)
        alpha_i, drop_i = self._individual_params(zp, zd)
        theta = self.params_.to_numpy(dtype=np.float64)
        ll = _rows_loglik(self, theta, alpha_i, drop_i, x, tx, T, False)[0]
        return float(ll.sum() if w is None else w @ ll)

    # ---- results -------------------------------------------------------------------
    def summary(self, alpha: float = 0.05) -> pd.DataFrame:
        """Without covariates: the model's summary. With covariates: a table indexed by
        ``(process, parameter)`` — process ``"model"`` for the base parameters
        (log-scale intervals, as without covariates), ``"purchase"`` / ``"dropout"`` for
        the coefficients (Wald intervals ``gamma -/+ z se``, and the multiplicative
        effect ``exp(gamma)`` on the rate in column ``exp(coef)``)."""
        base = super().summary(alpha)
        if not self._uses_covariates():
            return base
        z = stats.norm.ppf(1 - alpha / 2)
        level = f"{100 * (1 - alpha):g}%"
        coefs = self.coefficients_
        se = self.coefficient_standard_errors_
        table = pd.DataFrame({
            "estimate": coefs.to_numpy(),
            "std error": se.to_numpy(),
            f"lower {level}": (coefs - z * se).to_numpy(),
            f"upper {level}": (coefs + z * se).to_numpy(),
        }, index=coefs.index)
        table["exp(coef)"] = np.exp(table["estimate"])
        table["p-value"] = 2 * stats.norm.sf(np.abs(table["estimate"] / table["std error"]))
        base.index = pd.MultiIndex.from_product([["model"], base.index], names=["process", "parameter"])
        table.index = table.index.set_names(["process", "parameter"])
        out = pd.concat([base, table])
        out.attrs.update(base.attrs)
        out.attrs["caption"] = base.attrs.get("caption", "") + (" Coefficients: positive = higher purchase / "
                                                                "dropout rate; Wald intervals.")
        return out

    @property
    def coefficient_standard_errors_(self) -> pd.Series:
        """Standard errors of :attr:`coefficients_` (inverse observed information)."""
        self._check_fitted()
        k = len(self._param_names)
        cov = self._cov_full[k:, k:]
        return pd.Series(np.sqrt(np.diag(cov)), index=self.coefficients_.index, name="std error")


def _fit_covariates(model: Any, data: Any, weights: Any):
    """Fit ``model`` (BG/NBD, MBG/NBD or Pareto/NBD with covariates): see the module docstring."""
    name = type(model).__name__
    pc, dc = model._covariate_lists()
    frame, x, t, T = model._rft(data)
    design_p = CovariateDesign.from_data(frame, pc, name)
    design_d = CovariateDesign.from_data(frame, dc, name)
    zp = design_p.matrix(frame, name)
    zd = design_d.matrix(frame, name)
    w = weights_array(frame, weights, name)
    # Start from the fit without covariates (the same estimator, covariates switched off).
    plain = copy.copy(model)
    plain.purchase_covariates = None
    plain.dropout_covariates = None
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain.fit(frame, w)
    if w is not None:
        keep = w > 0
        x, t, T, zp, zd, w = x[keep], t[keep], T[keep], zp[keep], zd[keep], w[keep]
    cols = [x, t, T] + [zp[:, j] for j in range(zp.shape[1])] + [zd[:, j] for j in range(zd.shape[1])]
    uniq, counts, _ = group_rows(cols, w)
    n_p, n_d = zp.shape[1], zd.shape[1]
    uzp = np.column_stack(uniq[3:3 + n_p]) if n_p else np.zeros((counts.shape[0], 0))
    uzd = np.column_stack(uniq[3 + n_p:]) if n_d else np.zeros((counts.shape[0], 0))
    # The optimiser works on standardised covariates (centred, unit variance over the
    # customers): a covariate like age in years otherwise makes the problem badly
    # conditioned. The estimates are mapped back to the user's units exactly (linear map A).
    center_p, scale_p = _moments(uzp, counts)
    center_d, scale_d = _moments(uzd, counts)
    prep = Prepared(arrays={"x": uniq[0], "t": uniq[1], "T": uniq[2], "zp": (uzp - center_p) / scale_p,
                            "zd": (uzd - center_d) / scale_d}, counts=counts, n=float(counts.sum()))
    labels_p, labels_d = design_p.labels, design_d.labels
    names = tuple(model._param_names) + tuple(f"purchase:{c}" for c in labels_p) + tuple(f"dropout:{c}"
                                                                                         for c in labels_d)
    problem = _Problem(model, names, model.penalizer, model.tol, model.max_iter)
    theta0 = np.concatenate([plain.params_.to_numpy(dtype=np.float64), np.ones(n_p + n_d)])
    for key in [k for k in model.__dict__ if (k.endswith("_") and not k.startswith("_")) or k in ("_cov_log", "_cov_full")]:
        delattr(model, key)
    problem._optimize(prep, theta0)
    k = len(model._param_names)
    family = _family(model)
    # v = A v' with v' = (log base, gamma) of the standardised problem.
    A = np.eye(k + n_p + n_d)
    A[k:k + n_p, k:k + n_p] = np.diag(1.0 / scale_p)
    A[k + n_p:, k + n_p:] = np.diag(1.0 / scale_d)
    # eta' = gamma' . (z - c) / s = gamma . z - gamma . c: the base parameters absorb gamma . c.
    A[1, k:k + n_p] = center_p / scale_p  # log alpha = log alpha' + gamma_p . c_p
    if family == "pnbd":
        A[3, k + n_p:] = center_d / scale_d  # log beta = log beta' + gamma_d . c_d
    else:
        A[2, k + n_p:] = -center_d / scale_d  # log a = log a' - gamma_d . c_d
    v_std = np.log(problem.params_.to_numpy(dtype=np.float64))
    v = A @ v_std
    model.params_ = pd.Series(np.exp(v[:k]), index=list(model._param_names), name="estimate", dtype="float64")
    index = pd.MultiIndex.from_tuples([("purchase", c) for c in labels_p] + [("dropout", c) for c in labels_d],
                                      names=["process", "covariate"])
    model.coefficients_ = pd.Series(v[k:], index=index, name="coefficient", dtype="float64")
    model.log_likelihood_ = problem.log_likelihood_
    model.converged_ = problem.converged_
    model.n_customers_ = problem.n_customers_
    model.n_iter_ = problem.n_iter_
    model.optimizer_message_ = problem.optimizer_message_
    model.gradient_max_ = problem.gradient_max_
    model.log_likelihood_no_covariates_ = plain.log_likelihood_
    cov = A @ problem._cov_log @ A.T
    model._cov_full = cov
    model._cov_log = cov[:k, :k].copy()
    model._design_p, model._design_d = design_p, design_d
    attrs = getattr(data, "attrs", None) or {}
    model.time_unit_ = attrs.get("time_unit")
    return model


def _moments(z: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted mean and standard deviation of the columns of ``z``."""
    if z.shape[1] == 0:
        return np.zeros(0), np.ones(0)
    w = counts / counts.sum()
    center = w @ z
    scale = np.sqrt(w @ (z - center) ** 2)
    return center, np.where(scale > 0, scale, 1.0)


def likelihood_ratio_test(model: Any) -> dict:
    """Likelihood-ratio test of all coefficients = 0 for a model fitted with covariates:
    ``{"statistic", "df", "p_value"}``."""
    stat = 2.0 * (model.log_likelihood_ - model.log_likelihood_no_covariates_)
    df = int(model.coefficients_.shape[0])
    return {"statistic": float(stat), "df": df, "p_value": float(stats.chi2.sf(max(stat, 0.0), df))}
