"""BG/BB model of discrete-time repeat buying (Fader, Hardie & Shang 2010).

At each of ``n`` discrete opportunities (e.g. yearly campaigns) an active customer
transacts with probability ``p ~ Beta(alpha, beta)``; before each opportunity an active
customer drops out for good with probability ``theta ~ Beta(gamma, delta)``.

Input: one row per customer or per cell of identical customers: ``frequency`` (``x``,
transactions after the first), ``recency`` (``t_x``, the opportunity of the last one, 0 if
none), ``n_periods`` (``n``) and, optionally, ``weights`` (customers in the cell), as
returned by :func:`cvm_lib.datasets.donations`.

Reference
---------
Fader, P. S., Hardie, B. G. S. & Shang, J. (2010). Customer-base analysis in a
discrete-time noncontractual setting. *Marketing Science* 29(6), 1086–1108.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from cvm_lib.clv.base import (BaseModel, Prepared, as_frame, check_integer, group_rows, numeric_columns, raise_rows,
                              weights_array)

__all__ = ["BetaGeoBetaBinom"]

_betaln = special.betaln


class BetaGeoBetaBinom(BaseModel):
    """BG/BB model (discrete-time, non-contractual).

    Parameters
    ----------
    penalizer, tol, max_iter, initial_params
        As for :class:`~cvm_lib.clv.BetaGeo` (``initial_params``: ``alpha, beta,
        gamma, delta``).

    Attributes
    ----------
    params_ : Series
        ``alpha``, ``beta`` (transaction probability ~ Beta(alpha, beta)), ``gamma``,
        ``delta`` (dropout probability ~ Beta(gamma, delta)).
    log_likelihood_, converged_, n_customers_, standard_errors_, covariance_
        As for the other models; ``n_customers_`` is the sum of the weights.

    Notes
    -----
    Likelihood of a customer (Fader, Hardie & Shang 2010), evaluated with log-sum-exp:

    ``L = B(a+x, b+n-x)/B(a, b) B(g, d+n)/B(g, d)
    + sum_{i=0}^{n-t_x-1} B(a+x, b+t_x-x+i)/B(a, b) B(g+1, d+t_x+i)/B(g, d)``

    with ``a, b, g, d = alpha, beta, gamma, delta``. When ``fit`` is given no
    ``weights`` but the data has a ``weights`` column, that column is used.

    Examples
    --------
    The donations data of the paper (11,104 first-time supporters, 6 opportunities):

    >>> from cvm_lib.datasets import donations
    >>> d = donations()
    >>> model = BetaGeoBetaBinom().fit(d)
    >>> model.params_.round(3)
    alpha    1.204
    beta     0.750
    gamma    0.657
    delta    2.783
    Name: estimate, dtype: float64
    >>> round(model.log_likelihood_, 1)
    -33225.6
    >>> model.expected_purchases_new([1, 2, 3]).round(4).tolist()
    [0.4985, 0.9233, 1.2969]
    """

    _param_names = ("alpha", "beta", "gamma", "delta")
    _model_name = "BG/BB"
    _data_columns = ("frequency", "recency", "n_periods")

    # ---- input -------------------------------------------------------------------------
    def _xtn(self, data: Any) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
        model = type(self).__name__
        frame = as_frame(data)
        cols = numeric_columns(frame, self._data_columns, model)
        x, t, n = cols["frequency"], cols["recency"], cols["n_periods"]
        for name, values in (("frequency", x), ("recency", t), ("n_periods", n)):
            check_integer(frame, values, name, model)
            raise_rows(frame, values < 0, name, "must be non-negative", model)
        raise_rows(frame, n < 1, "n_periods", "must be at least 1", model)
        raise_rows(frame, t > n, "recency", "is larger than n_periods", model)
        raise_rows(frame, x > t, "frequency", "is larger than recency (x transactions need at least x periods)",
                   model)
        raise_rows(frame, (x == 0) & (t > 0), "recency", "must be 0 for customers with frequency 0", model)
        raise_rows(frame, (x > 0) & (t == 0), "recency", "must be positive for customers with frequency > 0", model)
        return frame, x, t, n

    def _prepare(self, data: Any, weights: Any = None) -> Prepared:
        frame, x, t, n = self._xtn(data)
        if weights is None and "weights" in frame.columns:
            weights = "weights"
        w = weights_array(frame, weights, type(self).__name__)
        if w is not None:
            keep = w > 0
            x, t, n, w = x[keep], t[keep], n[keep], w[keep]
        (ux, ut, un), counts, _ = group_rows([x, t, n], w)
        return Prepared(arrays={"x": ux, "t": ut, "n": un}, counts=counts, n=float(counts.sum()))

    def _initial_guess(self, prep: Prepared) -> np.ndarray:
        return np.array([1.0, 1.0, 1.0, 1.0])

    # ---- likelihood ---------------------------------------------------------------------
    @staticmethod
    def _term_matrix(x, t, n):
        """Per row: the second-term indices i = 0..n-t_x-1 (padded) and their mask."""
        width = int(np.max(n - t)) if x.size else 0
        i = np.arange(max(width, 1), dtype=np.float64)[None, :]
        mask = i < (n - t)[:, None]
        return i, mask

    def _loglik(self, theta: np.ndarray, prep: Prepared, grad: bool):
        a, b, g, d = theta
        x, t, n = prep.arrays["x"], prep.arrays["t"], prep.arrays["n"]
        base = _betaln(a, b) + _betaln(g, d)
        first = _betaln(a + x, b + n - x) + _betaln(g, d + n) - base
        i, mask = self._term_matrix(x, t, n)
        xc, tc = x[:, None], t[:, None]
        rest = _betaln(a + xc, b + tc - xc + i) + _betaln(g + 1.0, d + tc + i) - base
        rest = np.where(mask, rest, -np.inf)
        top = np.maximum(first, rest.max(axis=1))
        w0 = np.exp(first - top)
        wi = np.exp(rest - top[:, None])
        tot = w0 + wi.sum(axis=1)
        ll = top + np.log(tot)
        if not grad:
            return ll, None
        psi = special.digamma
        w0 = w0 / tot
        wi = wi / tot[:, None]
        da_base = psi(a) - psi(a + b)
        db_base = psi(b) - psi(a + b)
        dg_base = psi(g) - psi(g + d)
        dd_base = psi(d) - psi(g + d)
        out = np.empty((x.shape[0], 4))
        # First term.
        f_a = psi(a + x) - psi(a + b + n) - da_base
        f_b = psi(b + n - x) - psi(a + b + n) - db_base
        f_g = psi(g) - psi(g + d + n) - dg_base
        f_d = psi(d + n) - psi(g + d + n) - dd_base
        # Remaining terms (masked entries carry zero weight).
        s_ab = a + b + tc + i
        r_a = psi(a + xc) - psi(s_ab) - da_base
        r_b = psi(np.where(mask, b + tc - xc + i, 1.0)) - psi(s_ab) - db_base
        s_gd = g + d + tc + i + 1.0
        r_g = psi(g + 1.0) - psi(s_gd) - dg_base
        r_d = psi(d + tc + i) - psi(s_gd) - dd_base
        out[:, 0] = w0 * f_a + (wi * r_a).sum(axis=1)
        out[:, 1] = w0 * f_b + (wi * r_b).sum(axis=1)
        out[:, 2] = w0 * f_g + (wi * r_g).sum(axis=1)
        out[:, 3] = w0 * f_d + (wi * r_d).sum(axis=1)
        return ll, out

    # ---- predictions -----------------------------------------------------------------------
    def _rows(self, data: Any):
        self._check_fitted()
        frame, x, t, n = self._xtn(data)
        theta = self.params_.to_numpy(dtype=np.float64)
        prep = Prepared(arrays={"x": x, "t": t, "n": n}, counts=np.ones(x.shape[0]), n=float(x.shape[0]))
        ll, _ = self._loglik(theta, prep, grad=False)
        return frame, x, t, n, theta, ll

    @staticmethod
    def _periods(value: Any, name: str) -> np.ndarray:
        arr = np.asarray(value, dtype=np.float64)
        if not (np.isfinite(arr).all() and (arr >= 0).all() and (arr == np.round(arr)).all()):
            raise ValueError(f"{name} must be a non-negative whole number of periods, got {value!r}")
        return arr

    def prob_alive(self, data: Any, n_future: int = 1) -> pd.Series:
        """Probability that each customer is alive at opportunity ``n + n_future``.

        The default ``n_future=1`` is the P(alive) of FHS (2010): alive in the next period
        (e.g. "P(alive in 2002)" of their Table 6 for the 1996–2001 data).

        Returns
        -------
        Series
            Aligned with ``data.index``.
        """
        frame, x, t, n, (a, b, g, d), ll = self._rows(data)
        m = self._periods(n_future, "n_future")
        log_num = _betaln(a + x, b + n - x) - _betaln(a, b) + _betaln(g, d + n + m) - _betaln(g, d)
        with np.errstate(under="ignore"):  # an underflow to 0.0 is the right value, also under seterr(all="raise")
            alive = np.exp(log_num - ll)
        return pd.Series(alive, index=frame.index, name="prob_alive")

    def expected_purchases(self, data: Any, n_future: int) -> pd.Series:
        """Conditional expected number of transactions in the next ``n_future`` opportunities.

        Fader, Hardie & Shang (2010), written as the sum
        ``B(a+x+1, b+n-x)/B(a, b) * sum_{j=1}^{n*} B(g, d+n+j)/B(g, d) / L``, which has no
        singularity at ``gamma = 1``.

        Returns
        -------
        Series
            Aligned with ``data.index``.
        """
        frame, x, t, n, (a, b, g, d), ll = self._rows(data)
        horizon = int(self._periods(n_future, "n_future"))
        if horizon == 0:
            return pd.Series(0.0, index=frame.index, name="expected_purchases")
        j = np.arange(1, horizon + 1, dtype=np.float64)[None, :]
        log_sum = special.logsumexp(_betaln(g, d + n[:, None] + j), axis=1) - _betaln(g, d)
        log_e = _betaln(a + x + 1.0, b + n - x) - _betaln(a, b) + log_sum - ll
        return pd.Series(np.exp(log_e), index=frame.index, name="expected_purchases")

    def expected_purchases_new(self, n: Any) -> Any:
        """Expected number of transactions of a new customer in the first ``n`` opportunities.

        ``E[X(n)] = alpha/(alpha+beta) * sum_{j=1}^{n} B(gamma, delta+j)/B(gamma, delta)``
        (Fader, Hardie & Shang 2010, written as a sum).

        Returns
        -------
        float or Series
            A float for a scalar ``n``; otherwise a Series indexed by ``n``.
        """
        self._check_fitted()
        a, b, g, d = self.params_.to_numpy(dtype=np.float64)
        periods = self._periods(n, "n")
        top = int(periods.max()) if periods.size else 0
        j = np.arange(1, top + 1, dtype=np.float64)
        cum = np.concatenate([[0.0], np.cumsum(np.exp(_betaln(g, d + j) - _betaln(g, d)))])
        out = a / (a + b) * cum[periods.astype(np.int64).reshape(-1)]
        if periods.ndim == 0:
            return float(out[0])
        return pd.Series(out, index=pd.Index(periods.reshape(-1), name="n"), name="expected_purchases")

    def prob_purchases(self, x: Any, n_periods: int) -> Any:
        """Probability that a new customer makes ``x`` transactions in ``n_periods``.

        ``P(X(n) = x) = C(n, x) B(a+x, b+n-x)/B(a, b) B(g, d+n)/B(g, d)
        + sum_{i=x}^{n-1} C(i, x) B(a+x, b+i-x)/B(a, b) B(g+1, d+i)/B(g, d)``
        (Fader, Hardie & Shang 2010). Multiplied by the number of customers it gives the expected
        histogram of the in-sample fit.

        Returns
        -------
        float or ndarray
        """
        self._check_fitted()
        a, b, g, d = self.params_.to_numpy(dtype=np.float64)
        xs = self._periods(x, "x")
        n = int(self._periods(n_periods, "n_periods"))
        flat = xs.reshape(-1)
        out = np.empty(flat.shape)
        base = _betaln(a, b) + _betaln(g, d)
        for k, xv in enumerate(flat):
            if xv > n:
                out[k] = 0.0
                continue
            terms = [special.gammaln(n + 1) - special.gammaln(xv + 1) - special.gammaln(n - xv + 1)
                     + _betaln(a + xv, b + n - xv) + _betaln(g, d + n) - base]
            i = np.arange(int(xv), n, dtype=np.float64)
            if i.size:
                terms.extend(special.gammaln(i + 1) - special.gammaln(xv + 1) - special.gammaln(i - xv + 1)
                             + _betaln(a + xv, b + i - xv) + _betaln(g + 1.0, d + i) - base)
            out[k] = np.exp(special.logsumexp(terms))
        return float(out[0]) if xs.ndim == 0 else out.reshape(xs.shape)
