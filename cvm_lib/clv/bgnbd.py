"""BG/NBD (Fader, Hardie & Lee 2005) and MBG/NBD (Batislam, Denizel & Filiztekin 2007).

Both describe non-contractual repeat buying in continuous time: while active, a customer
buys as a Poisson process with rate ``lambda ~ Gamma(r, alpha)`` (``alpha`` is a rate in
the time unit of the data); after each purchase (BG/NBD: each *repeat* purchase; MBG/NBD:
also right after the first one) the customer becomes inactive with probability
``p ~ Beta(a, b)``.

Input: one row per customer with ``frequency`` (repeat purchases, ``x``), ``recency``
(time of the last purchase since the first, ``t_x``) and ``T`` (time since the first
purchase), as produced by :func:`cvm_lib.summary.rfm_summary` and
:func:`cvm_lib.summary.calibration_holdout`.

References
----------
Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your customers" the easy way:
an alternative to the Pareto/NBD model. *Marketing Science* 24(2), 275–284.

Batislam, E. P., Denizel, M. & Filiztekin, A. (2007). Empirical validation and comparison
of models for customer base analysis. *International Journal of Research in Marketing*
24(3), 201–209.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import special

from cvm_lib.clv._special import bgnbd_phi
from cvm_lib.clv.base import OnePassTotals, Prepared, PurchaseModel
from cvm_lib.clv.covariates import CovariateMixin

__all__ = ["BetaGeo", "ModifiedBetaGeo"]


def _trigamma(x):
    """psi'(x) through the Hurwitz zeta ufunc (scipy's polygamma wrapper is slow)."""
    return special.zeta(2.0, x)


class _BetaGeoFamily(CovariateMixin, OnePassTotals, PurchaseModel):
    _param_names = ("r", "alpha", "a", "b")
    _model_name = "BG/NBD"
    #: 1 for MBG/NBD (dropout possible right after the first purchase), 0 for BG/NBD.
    _shift = 0

    def __init__(self, penalizer: float = 0.0, *, tol: float = 1e-8, max_iter: int = 1000,
                 initial_params: Any = None, purchase_covariates: Any = None, dropout_covariates: Any = None):
        super().__init__(penalizer, tol=tol, max_iter=max_iter, initial_params=initial_params)
        self.purchase_covariates = purchase_covariates
        self.dropout_covariates = dropout_covariates

    def _initial_from(self, rate: float, mean_T: float) -> np.ndarray:
        return np.array([0.5, 0.5 / rate, 0.5, 1.5])

    def _terms(self, theta, x, t, T):
        """The two log-terms of the likelihood bracket (u2 = -inf where it is absent)."""
        r, alpha, a, b = theta
        rx = r + x
        u1 = -rx * np.log(alpha + T)
        bx = b + x - 1.0 + self._shift  # b + x - 1 (BG/NBD), b + x (MBG/NBD)
        with np.errstate(divide="ignore", invalid="ignore"):
            u2 = np.log(a) - np.log(bx) - rx * np.log(alpha + t)
        if not self._shift:
            u2 = np.where(x > 0, u2, -np.inf)
        return u1, u2, bx

    def _prepare(self, data, weights=None) -> Prepared:
        prep = super()._prepare(data, weights)
        a, e, c = prep.arrays, prep.extra, prep.counts
        T_inv, uT = e["T_coded"]
        t_inv, ut = e["t_coded"]
        mixed = (a["x"] > 0) if not self._shift else np.ones(a["x"].shape, dtype=bool)
        e.update(
            uT=uT, ut=ut,
            x_counts=np.bincount(e["x_inverse"], weights=c, minlength=e["x_values"].shape[0]),
            T_counts=np.bincount(T_inv, weights=c, minlength=uT.shape[0]),
            T_x=np.bincount(T_inv, weights=c * a["x"], minlength=uT.shape[0]),
            # Rows whose likelihood has two terms (x > 0; every row for MBG/NBD).
            m_T=T_inv[mixed], m_t=t_inv[mixed], m_xi=e["x_inverse"][mixed], m_x=a["x"][mixed], m_c=c[mixed],
        )
        return prep

    def _totals(self, theta: np.ndarray, prep: Prepared, grad: bool, hess: bool):
        """counts @ log-likelihood, its gradient and Hessian, organised for large inputs:
        the single-term parts are summed per distinct T and frequency, only the
        log-sum-exp of the two-term rows is evaluated row by row."""
        r, alpha, a, b = theta
        e = prep.extra
        k = self._shift
        n = prep.n
        xs, cx = e["x_values"], e["x_counts"]
        log_aT = np.log(alpha + e["uT"])
        log_at = np.log(alpha + e["ut"])
        bx = b + xs - 1.0 + k
        with np.errstate(invalid="ignore", divide="ignore"):
            lab = np.where(bx > 0, np.log(a) - np.log(bx), -np.inf)
        m_x, m_c, m_T, m_t, m_xi = e["m_x"], e["m_c"], e["m_T"], e["m_t"], e["m_xi"]
        rx = r + m_x
        gap = log_aT[m_T] - log_at[m_t]
        d = lab[m_xi] + rx * gap
        e_neg = np.exp(-np.abs(d))  # softplus(d) = max(d, 0) + log1p(exp(-|d|))
        soft = np.maximum(d, 0.0) + np.log1p(e_neg)
        lgx = (special.gammaln(r + xs) - special.gammaln(r) + special.gammaln(b + xs + k)
               - special.gammaln(a + b + xs + k))
        rT = r * e["T_counts"] + e["T_x"]
        value = (float(np.dot(cx, lgx)) + n * (r * np.log(alpha) + special.gammaln(a + b) - special.gammaln(b))
                 - float(np.dot(log_aT, rT)) + float(np.dot(m_c, soft)))
        if not grad:
            return value, None, None
        sig = np.where(d >= 0, 1.0, e_neg) / (1.0 + e_neg)  # expit(d)
        cw = m_c * sig
        g = np.empty(4)
        psi_abx = special.digamma(a + b + xs + k)
        g[0] = (float(np.dot(cx, special.digamma(r + xs))) - n * special.digamma(r) + n * np.log(alpha)
                - float(np.dot(log_aT, e["T_counts"])) + float(np.dot(cw, gap)))
        inv_aT = 1.0 / (alpha + e["uT"])
        inv_at = 1.0 / (alpha + e["ut"])
        delta = inv_aT[m_T] - inv_at[m_t]
        rxd = rx * delta
        g[1] = n * r / alpha - float(np.dot(inv_aT, rT)) + float(np.dot(cw, rxd))
        g[2] = float(np.dot(cx, special.digamma(a + b) - psi_abx)) + float(cw.sum()) / a
        cw_x = np.bincount(m_xi, weights=cw, minlength=xs.shape[0])
        with np.errstate(divide="ignore", invalid="ignore"):
            inv_bx = np.where(bx > 0, 1.0 / bx, 0.0)
        g[3] = (float(np.dot(cx, special.digamma(b + xs + k) - psi_abx - special.digamma(b) + special.digamma(a + b)))
                - float(np.dot(cw_x, inv_bx)))
        if not hess:
            return value, g, None
        # Hessian: the single-term part, then s''(d) grad(d) grad(d)' + s'(d) hess(d) of the
        # softplus s of the two-term rows, grad(d) = (gap, (r+x) delta, 1/a, -1/(b+x-1)).
        c2 = cw * (1.0 - sig)  # counts * sigma'
        tri = _trigamma(a + b + xs + k)
        h = np.zeros((4, 4))
        h[0, 0] = float(np.dot(cx, _trigamma(r + xs))) - n * _trigamma(r)
        h[0, 1] = n / alpha - float(np.dot(inv_aT, e["T_counts"]))
        h[1, 1] = -n * r / alpha**2 + float(np.dot(inv_aT**2, rT))
        h_ab = n * _trigamma(a + b) - float(np.dot(cx, tri))
        h[2, 2] = h[2, 3] = h_ab
        h[3, 3] = (float(np.dot(cx, _trigamma(b + xs + k) - tri)) - n * _trigamma(b)
                   + n * _trigamma(a + b))
        c2_gap = c2 * gap
        c2_rxd = c2 * rxd
        w_x = np.bincount(m_xi, weights=c2, minlength=xs.shape[0])
        v_x = np.bincount(m_xi, weights=c2_gap, minlength=xs.shape[0])
        u_x = np.bincount(m_xi, weights=c2_rxd, minlength=xs.shape[0])
        sum_c2 = float(c2.sum())
        h[0, 0] += float(np.dot(c2_gap, gap))
        h[0, 1] += float(np.dot(c2_gap, rxd)) + float(np.dot(cw, delta))
        h[1, 1] += float(np.dot(c2_rxd, rxd)) + float(np.dot(cw * rx, inv_at[m_t] ** 2 - inv_aT[m_T] ** 2))
        h[0, 2] += float(v_x.sum()) / a
        h[0, 3] -= float(np.dot(v_x, inv_bx))
        h[1, 2] += float(u_x.sum()) / a
        h[1, 3] -= float(np.dot(u_x, inv_bx))
        h[2, 2] += sum_c2 / a**2 - float(cw.sum()) / a**2
        h[2, 3] -= float(np.dot(w_x, inv_bx)) / a
        h[3, 3] += float(np.dot(w_x, inv_bx**2)) + float(np.dot(cw_x, inv_bx**2))
        h = np.triu(h) + np.triu(h, 1).T
        return value, g, h

    def _loglik(self, theta: np.ndarray, prep: Prepared, grad: bool):
        r, alpha, a, b = theta
        x, t, T = prep.arrays["x"], prep.arrays["t"], prep.arrays["T"]
        xs, inv = prep.extra["x_values"], prep.extra["x_inverse"]
        k = self._shift
        # Gamma-function terms on the distinct frequencies only.
        lg = (special.gammaln(r + xs) - special.gammaln(r)
              + special.gammaln(b + xs + k) - special.gammaln(a + b + xs + k))[inv]
        const = r * np.log(alpha) + special.gammaln(a + b) - special.gammaln(b)
        u1, u2, bx = self._terms(theta, x, t, T)
        top = np.logaddexp(u1, u2)
        ll = lg + const + top
        if not grad:
            return ll, None
        w1 = np.exp(u1 - top)
        w2 = np.exp(u2 - top)
        rx = r + x
        psi_rx = special.digamma(r + xs)[inv]
        psi_abx = special.digamma(a + b + xs + k)[inv]
        psi_bx = special.digamma(b + xs + k)[inv]
        psi_ab = special.digamma(a + b)
        g = np.empty((x.shape[0], 4))
        g[:, 0] = psi_rx - special.digamma(r) + np.log(alpha) - w1 * np.log(alpha + T) - w2 * np.log(alpha + t)
        g[:, 1] = r / alpha - rx * (w1 / (alpha + T) + w2 / (alpha + t))
        g[:, 2] = psi_ab - psi_abx + w2 / a
        with np.errstate(divide="ignore", invalid="ignore"):
            g[:, 3] = psi_bx - psi_abx - special.digamma(b) + psi_ab - np.where(w2 > 0, w2 / bx, 0.0)
        return ll, g

    def _log_p_alive(self, theta, x, t, T):
        # P(alive) = 1 / (1 + a / (b + x - 1) ((alpha + T) / (alpha + t_x))^(r + x)), x > 0
        # (MBG/NBD: b + x, every x), from the difference of the two log-terms directly.
        r, alpha, a, b = theta
        bx = b + x - 1.0 + self._shift
        with np.errstate(divide="ignore", invalid="ignore"):
            d = np.log(a) - np.log(bx) + (r + x) * (np.log(alpha + T) - np.log(alpha + t))
        if not self._shift:
            d = np.where(x > 0, d, -np.inf)
        return -np.logaddexp(0.0, d)

    def _alive_expectation(self, theta, x, T, horizon):
        r, alpha, a, b = theta
        return bgnbd_phi(a, b + x + self._shift, r + x, alpha + T, horizon)

    def _new_customer(self, theta, t):
        r, alpha, a, b = theta
        phi = bgnbd_phi(a, np.full(t.shape, b + self._shift), np.full(t.shape, r), np.full(t.shape, alpha), t)
        return phi * (b / (a + b) if self._shift else 1.0)


class BetaGeo(_BetaGeoFamily):
    """BG/NBD model of Fader, Hardie & Lee (2005).

    Parameters
    ----------
    penalizer : float, default 0.0
        L2 penalty on the log-parameters (see :mod:`cvm_lib.clv.base`).
    tol : float, default 1e-8
        Gradient tolerance of the optimiser (per-customer objective, log-parameters).
    max_iter : int, default 1000
        Maximum number of optimiser iterations.
    initial_params : mapping or sequence, optional
        Starting values of ``r, alpha, a, b``.
    purchase_covariates, dropout_covariates : list of str, optional
        Time-invariant covariate columns of the data: ``alpha_i = alpha exp(-gamma_p z)``
        (as CLVTools) and ``a_i = a exp(gamma_d z)`` (CLVTools scales ``b`` too; see
        :mod:`cvm_lib.clv.covariates`). Fitted effects in ``coefficients_`` (Series by
        ``(process, covariate)``; positive = higher purchase rate / dropout probability).

    Attributes
    ----------
    params_ : Series
        ``r``, ``alpha`` (purchase rate ~ Gamma(r, alpha), alpha per time unit of the
        data), ``a``, ``b`` (dropout probability ~ Beta(a, b)).
    log_likelihood_ : float
        Maximised log-likelihood summed over customers (as printed in the papers).
    converged_ : bool
    n_customers_ : int
    standard_errors_, covariance_ : Series, DataFrame
        From the observed information (delta method on the log-parameters).
    time_unit_ : str or None
        Taken from ``data.attrs["time_unit"]`` when the summary records it.

    Notes
    -----
    Likelihood of a customer (Fader, Hardie & Lee 2005), evaluated in log space:

    ``L = B(a, b+x)/B(a, b) Gamma(r+x) alpha^r / (Gamma(r) (alpha+T)^(r+x))
    + [x > 0] B(a+1, b+x-1)/B(a, b) Gamma(r+x) alpha^r / (Gamma(r) (alpha+t_x)^(r+x))``.

    The conditional expectation (their eq. 10) uses Gauss's hypergeometric function; it
    is evaluated after Euler's transformation, which keeps it finite for heavy buyers,
    and where ``scipy.special.hyp2f1`` fails (NaN for some extreme parameters and long
    horizons) by Gauss quadrature of its defining integral over the dropout probability.
    It has a removable singularity at ``a = 1``, handled by interpolation. ``fit`` uses
    Newton's method with the analytic Hessian.

    Examples
    --------
    The CDNOW sample with the 39-week calibration period of the paper:

    >>> from cvm_lib.datasets import cdnow
    >>> from cvm_lib.summary import calibration_holdout
    >>> cal = calibration_holdout(cdnow(sample=True), calibration_end="1997-09-30",
    ...                           observation_end="1998-06-30", time_unit="W")
    >>> model = BetaGeo().fit(cal)
    >>> model.params_.round(3)
    r        0.243
    alpha    4.414
    a        0.793
    b        2.426
    Name: estimate, dtype: float64
    >>> round(model.log_likelihood_, 1)
    -9582.4
    >>> model.expected_purchases_new([1, 39, 78]).round(3).tolist()
    [0.053, 1.195, 1.858]
    >>> one = cal.iloc[[0]]  # x = 2, t_x = 30.43, T = 38.86
    >>> round(float(model.expected_purchases(one, 39).iloc[0]), 3)
    1.226
    """


class ModifiedBetaGeo(_BetaGeoFamily):
    """MBG/NBD model (Batislam, Denizel & Filiztekin 2007).

    As :class:`BetaGeo`, except that a customer may also become inactive right after the
    first purchase, so customers with no repeat purchase are not assumed alive:

    ``L = B(a, b+x+1)/B(a, b) Gamma(r+x) alpha^r / (Gamma(r) (alpha+T)^(r+x))
    + B(a+1, b+x)/B(a, b) Gamma(r+x) alpha^r / (Gamma(r) (alpha+t_x)^(r+x))``.

    Parameters and attributes are those of :class:`BetaGeo`.

    Examples
    --------
    >>> from cvm_lib.datasets import cdnow
    >>> from cvm_lib.summary import calibration_holdout
    >>> cal = calibration_holdout(cdnow(sample=True), calibration_end="1997-09-30",
    ...                           observation_end="1998-06-30", time_unit="W")
    >>> ModifiedBetaGeo().fit(cal).params_.round(3)
    r        0.525
    alpha    6.183
    a        0.891
    b        1.614
    Name: estimate, dtype: float64
    """

    _shift = 1
    _model_name = "MBG/NBD"
