"""Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005; Fader & Hardie 2013).

A customer's transaction values are ``z ~ Gamma(p, nu)`` around their own mean ``p / nu``;
across customers ``nu ~ Gamma(q, gamma)``. Spend is assumed independent of the purchase
process, so the model pairs with any purchase model for customer lifetime value.

Input: one row per *repeat* customer, ``frequency`` (``x`` > 0, the number of repeat
transactions) and ``monetary_value`` (``z-bar``, their mean value), as in
:func:`cvm_lib.summary.rfm_summary`.

References
----------
Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). RFM and CLV: using iso-value curves for
customer base analysis. *Journal of Marketing Research* 42(4), 415–430.

Fader, P. S. & Hardie, B. G. S. (2013). The Gamma-Gamma model of monetary value.
http://brucehardie.com/notes/025/
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from cvm_lib.clv.base import (BaseModel, OnePassTotals, Prepared, as_frame, check_integer, group_rows_coded,
                              numeric_columns, raise_rows, weights_array)

__all__ = ["GammaGamma"]


def _trigamma(x):
    """psi'(x) through the Hurwitz zeta ufunc (scipy's polygamma wrapper is slow)."""
    return special.zeta(2.0, x)


class GammaGamma(OnePassTotals, BaseModel):
    """Gamma-Gamma model of the average transaction value.

    Parameters
    ----------
    penalizer : float, default 0.0
        L2 penalty on the log-parameters (see :mod:`cvm_lib.clv.base`).
    tol : float, default 1e-8
        Gradient tolerance of the optimiser.
    max_iter : int, default 1000
        Maximum number of optimiser iterations.
    initial_params : mapping or sequence, optional
        Starting values of ``p, q, gamma``.

    Attributes
    ----------
    params_ : Series
        ``p`` (shape of the transaction values), ``q`` and ``gamma`` (shape and rate of
        ``nu`` across customers); the mean transaction value in the population is
        ``p * gamma / (q - 1)`` (finite when ``q > 1``).
    log_likelihood_, converged_, n_customers_, standard_errors_, covariance_
        As for the purchase models.

    Notes
    -----
    The likelihood is the density of the *observed mean* ``z-bar`` of ``x`` transactions
    (Fader & Hardie 2013), Jacobian included:

    ``f(z-bar | x) = Gamma(p x + q) / (Gamma(p x) Gamma(q)) gamma^q z-bar^(p x - 1) x^(p x)
    / (gamma + x z-bar)^(p x + q)``.

    Examples
    --------
    The 946 CDNOW sample customers with a repeat purchase in the 39-week calibration period:

    >>> from cvm_lib.datasets import cdnow
    >>> from cvm_lib.summary import calibration_holdout
    >>> cal = calibration_holdout(cdnow(sample=True), calibration_end="1997-09-30",
    ...                           observation_end="1998-06-30", time_unit="W")
    >>> spend = GammaGamma().fit(cal[cal["frequency"] > 0])
    >>> spend.params_.round(2)
    p         6.25
    q         3.74
    gamma    15.44
    Name: estimate, dtype: float64
    >>> spend.n_customers_, round(spend.log_likelihood_, 1)
    (946, -4055.9)
    >>> spend.expected_spend(cal.head(3)).round(2).tolist()
    [24.65, 35.17, 18.91]
    """

    _param_names = ("p", "q", "gamma")
    _model_name = "Gamma-Gamma"
    _data_columns = ("frequency", "monetary_value")

    # ---- input -------------------------------------------------------------------------
    def _xz(self, data: Any, *, fitting: bool) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
        model = type(self).__name__
        frame = as_frame(data)
        cols = numeric_columns(frame, self._data_columns, model)
        x, z = cols["frequency"], cols["monetary_value"]
        raise_rows(frame, x < 0, "frequency", "must be non-negative", model)
        check_integer(frame, x, "frequency", model)
        if fitting:
            raise_rows(frame, x == 0, "frequency", "is 0: the Gamma-Gamma model is fitted to customers with at "
                       "least one repeat purchase; pass data[data['frequency'] > 0]", model)
        raise_rows(frame, (x > 0) & ~(z > 0), "monetary_value", "must be positive for customers with "
                   "repeat purchases", model)
        return frame, x, z

    def _prepare(self, data: Any, weights: Any = None) -> Prepared:
        frame, x, z = self._xz(data, fitting=True)
        w = weights_array(frame, weights, type(self).__name__)
        if w is not None:
            keep = w > 0
            x, z, w = x[keep], z[keep], w[keep]
        (ux, uz), counts, _, ((x_inv, xs), _) = group_rows_coded([x, z], w)
        x_counts = np.bincount(x_inv, weights=counts, minlength=xs.shape[0])
        log_z = np.log(uz)
        # With w as in _totals, log f = log Gamma terms + p x log w + q log(1 - w) - log z.
        extra = {"x_values": xs, "x_inverse": x_inv, "x_counts": x_counts, "sum_c_logz": float(np.dot(counts, log_z))}
        return Prepared(arrays={"x": ux, "z": uz, "xz": ux * uz}, counts=counts, n=float(counts.sum()), extra=extra)

    def _subsample(self, prep: Prepared, size: int, seed: int = 0) -> Prepared | None:
        if set(prep.arrays) != {"x", "z", "xz"}:
            return None
        rows = np.sort(np.random.default_rng(seed).choice(prep.counts.shape[0], size=size, replace=False))
        frame = pd.DataFrame({"frequency": prep.arrays["x"][rows], "monetary_value": prep.arrays["z"][rows]})
        return self._prepare(frame, weights=prep.counts[rows])

    def _initial_guess(self, prep: Prepared) -> np.ndarray:
        mean = float(np.dot(prep.counts, prep.arrays["z"]) / prep.n)
        return np.array([1.0, 2.0, mean])

    # ---- likelihood ---------------------------------------------------------------------
    def _loglik(self, theta: np.ndarray, prep: Prepared, grad: bool):
        p, q, g = theta
        x, z, xz = prep.arrays["x"], prep.arrays["z"], prep.arrays["xz"]
        px = p * x
        log_gxz = np.log(g + xz)
        ll = (special.gammaln(px + q) - special.gammaln(px) - special.gammaln(q) + q * np.log(g)
              + (px - 1.0) * np.log(z) + px * np.log(x) - (px + q) * log_gxz)
        if not grad:
            return ll, None
        psi = special.digamma(px + q)
        d = np.empty((x.shape[0], 3))
        d[:, 0] = x * (psi - special.digamma(px) + np.log(z) + np.log(x) - log_gxz)
        d[:, 1] = psi - special.digamma(q) + np.log(g) - log_gxz
        d[:, 2] = q / g - (px + q) / (g + xz)
        return ll, d

    def _totals(self, theta: np.ndarray, prep: Prepared, grad: bool, hess: bool):
        """counts @ log-likelihood, gradient and Hessian; the Gamma functions of ``p x + q``
        are evaluated once per distinct frequency.

        The row terms are summed as ``p x log(w) + q log(1 - w)``, ``w = x z / (gamma + x z)``
        (both non-positive), not as ``p x log(x z) + q log(gamma) - (p x + q) log(gamma + x z)``,
        whose large terms cancel: with ``p x`` and ``q`` in the hundreds (little
        heterogeneity in spend) the cancellation cost so many digits that Newton's line
        search could no longer see a decrease."""
        p, q, g = theta
        a, e, c = prep.arrays, prep.extra, prep.counts
        x, xz = a["x"], a["xz"]
        n = prep.n
        xs, cx = e["x_values"], e["x_counts"]
        pxq_u = p * xs + q
        log_w = -np.log1p(g / xz)      # log(x z / (gamma + x z))
        log_1mw = -np.log1p(xz / g)    # log(gamma / (gamma + x z))
        sum_x_logw = float(np.dot(c * x, log_w))
        sum_logw1 = float(np.dot(c, log_1mw))
        value = (float(np.dot(cx, special.gammaln(pxq_u) - special.gammaln(p * xs))) - n * special.gammaln(q)
                 + p * sum_x_logw + q * sum_logw1 - e["sum_c_logz"])
        if not grad:
            return value, None, None
        psi_u = special.digamma(pxq_u)
        grad_v = np.empty(3)
        grad_v[0] = float(np.dot(cx * xs, psi_u - special.digamma(p * xs))) + sum_x_logw
        grad_v[1] = float(np.dot(cx, psi_u)) - n * special.digamma(q) + sum_logw1
        inv = 1.0 / (g + xz)
        c_inv = c * inv
        pxq = pxq_u[e["x_inverse"]]
        # d/dgamma: q / gamma - (p x + q) / (gamma + x z) = (q x z / gamma - p x) / (gamma + x z)
        grad_v[2] = float(np.dot(c_inv, q * xz / g - p * x))
        if not hess:
            return value, grad_v, None
        tri_u = _trigamma(pxq_u)
        cxs = cx * xs
        h = np.empty((3, 3))
        h[0, 0] = float(np.dot(cxs * xs, tri_u - _trigamma(p * xs)))
        h[0, 1] = h[1, 0] = float(np.dot(cxs, tri_u))
        h[0, 2] = h[2, 0] = -float(np.dot(c_inv, x))
        h[1, 1] = float(np.dot(cx, tri_u)) - n * _trigamma(q)
        h[1, 2] = h[2, 1] = float(np.dot(c_inv, xz)) / g  # 1/gamma - 1/(gamma + x z)
        h[2, 2] = -n * q / g**2 + float(np.dot(c_inv * inv, pxq))
        return value, grad_v, h

    # ---- predictions -----------------------------------------------------------------------
    def expected_spend_new(self) -> float:
        """Mean transaction value in the population, ``p gamma / (q - 1)`` (needs ``q > 1``)."""
        self._check_fitted()
        p, q, g = self.params_.to_numpy(dtype=np.float64)
        if not q > 1:
            raise ValueError(f"GammaGamma: q = {q:.4g} <= 1, so the mean transaction value of the population is "
                             "infinite; the fit is not usable for customers without repeat purchases")
        return float(p * g / (q - 1.0))

    def expected_spend(self, data: Any) -> pd.Series:
        """Conditional expected average transaction value of each customer.

        ``E[Z | x, z-bar] = p (gamma + x z-bar) / (p x + q - 1)``, a weighted average of
        the population mean ``p gamma / (q - 1)`` and the customer's own mean ``z-bar``.
        Customers with ``frequency`` 0 get the population mean (their ``monetary_value``
        is ignored).

        Parameters
        ----------
        data : DataFrame
            ``frequency`` and ``monetary_value`` per customer (all customers may be
            passed, including those with no repeat purchase).

        Returns
        -------
        Series
            Aligned with ``data.index``.
        """
        self._check_fitted()
        frame, x, z = self._xz(data, fitting=False)
        p, q, g = self.params_.to_numpy(dtype=np.float64)
        if not q > 1:
            raise ValueError(f"GammaGamma: q = {q:.4g} <= 1; the conditional expected spend is not finite for "
                             "every customer (p x + q - 1 must be positive)")
        zz = np.where(x > 0, z, 0.0)
        out = p * (g + x * zz) / (p * x + q - 1.0)
        return pd.Series(out, index=frame.index, name="expected_spend")
