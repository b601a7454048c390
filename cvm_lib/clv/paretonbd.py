"""Pareto/NBD model (Schmittlein, Morrison & Colombo 1987).

While active, a customer buys as a Poisson process with rate ``lambda ~ Gamma(r, alpha)``;
the unobserved lifetime is exponential with rate ``mu ~ Gamma(s, beta)``, independent of
``lambda``. Rates are per time unit of the data.

Input: ``frequency``, ``recency`` and ``T`` per customer, as for :class:`~cvm_lib.clv.BetaGeo`.

References
----------
Schmittlein, D. C., Morrison, D. G. & Colombo, R. (1987). Counting your customers: who are
they and what will they do next? *Management Science* 33(1), 1–24.

Fader, P. S. & Hardie, B. G. S. (2005). A note on deriving the Pareto/NBD model and related
expressions. http://brucehardie.com/notes/009/
"""

from __future__ import annotations

from typing import Any

import numpy as np

from cvm_lib.clv._special import pnbd_loglik, pnbd_points, pnbd_total
from cvm_lib.clv.base import Prepared, PurchaseModel
from cvm_lib.clv.covariates import CovariateMixin

__all__ = ["ParetoNBD"]


def _expm1_ratio(k: float, length: np.ndarray) -> np.ndarray:
    """(1 - exp(-k L)) / k, continuous at k = 0 (where it equals L)."""
    if abs(k) < 1e-10:
        return length * (1.0 - 0.5 * k * length)
    return -np.expm1(-k * length) / k


class ParetoNBD(CovariateMixin, PurchaseModel):
    """Pareto/NBD model of repeat buying and dropout.

    Parameters
    ----------
    penalizer : float, default 0.0
        L2 penalty on the log-parameters (see :mod:`cvm_lib.clv.base`).
    tol : float, default 1e-8
        Gradient tolerance of the optimiser (per-customer objective, log-parameters).
    max_iter : int, default 1000
        Maximum number of optimiser iterations.
    initial_params : mapping or sequence, optional
        Starting values of ``r, alpha, s, beta``.
    purchase_covariates, dropout_covariates : list of str, optional
        Time-invariant covariate columns of the data (CLVTools' parameterisation:
        ``alpha_i = alpha exp(-gamma_p z)``, ``beta_i = beta exp(-gamma_d z)``); see
        :mod:`cvm_lib.clv.covariates`. Fitted effects in ``coefficients_`` (Series by
        ``(process, covariate)``; positive = higher purchase / dropout rate).

    Attributes
    ----------
    params_ : Series
        ``r``, ``alpha`` (purchase rate ~ Gamma(r, alpha)), ``s``, ``beta`` (dropout
        rate ~ Gamma(s, beta)); ``alpha`` and ``beta`` are in the time unit of the data.
    log_likelihood_, converged_, n_customers_, standard_errors_, covariance_, time_unit_
        As for :class:`~cvm_lib.clv.BetaGeo`.

    Notes
    -----
    The likelihood is the 2F1 form of Fader & Hardie (2005, eqs. 18-20, with the cases
    ``alpha >= beta`` and ``alpha < beta``), evaluated in log space after Euler's
    transformation of the hypergeometric function and without calling
    ``scipy.special.hyp2f1``, which loses digits or returns ``inf`` as its argument
    ``|alpha - beta| / (max(alpha, beta) + t)`` approaches 1 when ``s + 1`` or
    ``r + x`` is close to an integer. Where that argument exceeds 1/2 the defining
    integral is computed directly by Gauss-Legendre quadrature on a log scale instead
    (details in :mod:`cvm_lib.clv._special`). Heavy buyers (frequency in the thousands,
    recency = T), very long ages and ``alpha = beta`` are all finite. The gradient and
    the Hessian are analytic (for the points handled by quadrature: weighted node moments
    of the integrand's log-derivatives); ``fit`` uses L-BFGS-B (on more than 20,000
    distinct rows: a subsample's optimum by Newton's method, then Newton steps on the
    full data, see :mod:`cvm_lib.clv.base`), the Hessian gives the standard errors. The
    series of the hypergeometric function and of its partials are polynomials in its
    argument with coefficients that depend on the frequency only: for frequencies with
    many points they are built once and applied to the powers of the argument by a
    matrix product (:func:`cvm_lib.clv._special._g_series`). The tests compare
    the likelihood with an adaptive quadrature of
    the defining integral on random extreme parameters (agreement to 1e-10 relative) and
    show a case where the textbook ``hyp2f1`` evaluation (as in lifetimes) returns NaN.

    The conditional expectation, P(alive) and ``E[X(t)]`` are the closed forms of the note,
    written with ``expm1`` so that ``s = 1`` is not a singularity.

    Examples
    --------
    >>> import pandas as pd
    >>> from cvm_lib.datasets import cdnow
    >>> from cvm_lib.summary import calibration_holdout
    >>> cal = calibration_holdout(cdnow(sample=True), calibration_end="1997-09-30",
    ...                           observation_end="1998-06-30", time_unit="W")
    >>> model = ParetoNBD().fit(cal)
    >>> model.params_.round(3)
    r         0.553
    alpha    10.578
    s         0.606
    beta     11.669
    Name: estimate, dtype: float64
    >>> round(model.log_likelihood_, 1)
    -9595.0
    >>> heavy = pd.DataFrame({"frequency": [26.0], "recency": [30.86], "T": [31.0]})
    >>> round(float(model.expected_purchases(heavy, 52).iloc[0]), 2)  # BTYD walkthrough: 25.46
    25.46
    """

    _param_names = ("r", "alpha", "s", "beta")
    _model_name = "Pareto/NBD"
    # An analytic Hessian costs about 1.5-2.5 gradients here: L-BFGS-B is used on small
    # inputs; large ones are fitted by Newton's method (BaseModel._warm_start).
    _prefer_newton = False

    def __init__(self, penalizer: float = 0.0, *, tol: float = 1e-8, max_iter: int = 1000,
                 initial_params: Any = None, purchase_covariates: Any = None, dropout_covariates: Any = None):
        super().__init__(penalizer, tol=tol, max_iter=max_iter, initial_params=initial_params)
        self.purchase_covariates = purchase_covariates
        self.dropout_covariates = dropout_covariates

    def _initial_from(self, rate: float, mean_T: float) -> np.ndarray:
        return np.array([0.5, 0.5 / rate, 0.5, 0.5 * mean_T])

    def _prepare(self, data, weights=None) -> Prepared:
        prep = super()._prepare(data, weights)
        a = prep.arrays
        e = prep.extra
        prep.extra["points"] = pnbd_points(a["x"], a["t"], a["T"], codes=(e["x_inverse"], e["t_coded"][0],
                                                                           e["T_coded"][0]))
        return prep

    def _total_loglik(self, theta: np.ndarray, prep: Prepared, grad: bool = False):
        r, alpha, s, beta = theta
        e = prep.extra
        if "x_counts" not in e:
            e["x_counts"] = np.bincount(e["x_inverse"], weights=prep.counts, minlength=e["x_values"].shape[0])
        value, g, _ = pnbd_total(r, alpha, s, beta, prep.arrays["x"], prep.counts, e["points"], e["x_values"],
                                 e["x_counts"], grad=grad)
        return value, g

    def _total_hessian(self, theta: np.ndarray, prep: Prepared):
        r, alpha, s, beta = theta
        e = prep.extra
        if "x_counts" not in e:
            e["x_counts"] = np.bincount(e["x_inverse"], weights=prep.counts, minlength=e["x_values"].shape[0])
        return pnbd_total(r, alpha, s, beta, prep.arrays["x"], prep.counts, e["points"], e["x_values"],
                          e["x_counts"], grad=True, hess=True)

    def _loglik(self, theta: np.ndarray, prep: Prepared, grad: bool):
        r, alpha, s, beta = theta
        a = prep.arrays
        ll, _, dll = pnbd_loglik(r, alpha, s, beta, a["x"], a["t"], a["T"], grad=grad, points=prep.extra["points"])
        return ll, dll

    def _log_p_alive(self, theta, x, t, T):
        r, alpha, s, beta = theta
        return pnbd_loglik(r, alpha, s, beta, x, t, T)[1]

    def _alive_expectation(self, theta, x, T, horizon):
        r, alpha, s, beta = theta
        # (r+x)/(alpha+T) * (beta+T)/(s-1) * [1 - ((beta+T)/(beta+T+t))^(s-1)]
        return (r + x) / (alpha + T) * (beta + T) * _expm1_ratio(s - 1.0, np.log1p(horizon / (beta + T)))

    def _new_customer(self, theta, t):
        r, alpha, s, beta = theta
        return r / alpha * beta * _expm1_ratio(s - 1.0, np.log1p(t / beta))
