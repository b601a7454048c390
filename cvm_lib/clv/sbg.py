"""Shifted-beta-geometric (sBG) model of contractual retention (Fader & Hardie 2007).

Each customer renews at the end of every period with a constant probability ``1 - theta``;
across customers ``theta ~ Beta(gamma, delta)``. Although no individual's churn changes,
the cohort's retention rate rises with tenure as the customers most likely to leave go
first.

Input: the number of customers of one cohort still active at the start of each period,
cohort size first (``[1000, 631, 468, ...]``).

References
----------
Fader, P. S. & Hardie, B. G. S. (2007). How to project customer retention. *Journal of
Interactive Marketing* 21(1), 76–90.

Fader, P. S. & Hardie, B. G. S. (2010). Customer-base valuation in a contractual setting:
the perils of ignoring heterogeneity. *Marketing Science* 29(1), 85–93.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from cvm_lib.clv.base import BaseModel, Prepared

__all__ = ["ShiftedBetaGeo"]

_betaln = special.betaln


class ShiftedBetaGeo(BaseModel):
    """sBG model of a contractual cohort's survival and retention.

    Parameters
    ----------
    penalizer, tol, max_iter, initial_params
        As for :class:`~cvm_lib.clv.BetaGeo` (``initial_params``: ``alpha, beta``).

    Attributes
    ----------
    params_ : Series
        ``alpha``, ``beta`` (the project's API names; Fader & Hardie (2007) write them
        γ and δ, and the formulas below use gamma, delta): the churn probability per period
        is Beta(gamma, delta) across customers (mean ``gamma / (gamma + delta)``).
    log_likelihood_, converged_, standard_errors_, covariance_
        As for the other models.
    n_customers_ : float
        The cohort size (first count).
    n_periods_ : int
        Number of periods of data (counts minus one).

    Notes
    -----
    With ``n_t`` customers active at the start of period ``t`` (``n_0`` the cohort),
    ``LL = sum_{t=1}^{T} (n_{t-1} - n_t) log P(churn at t) + n_T log S(T)``,
    ``P(churn at t) = B(gamma+1, delta+t-1)/B(gamma, delta)`` and
    ``S(t) = B(gamma, delta+t)/B(gamma, delta)``.

    Examples
    --------
    The "regular" cohort of Fader & Hardie (2007), years 0–7, and its projection:

    >>> model = ShiftedBetaGeo().fit([1000, 631, 468, 382, 326, 289, 262, 241])
    >>> model.params_.round(3)
    alpha    0.704
    beta     1.182
    Name: estimate, dtype: float64
    >>> (100 * model.survival([8, 12])).round(1).tolist()  # observed: 22.3, 17.3
    [22.0, 17.0]
    >>> round(model.retention_rate(1), 3), round(model.retention_rate(10), 3)
    (0.627, 0.935)
    """

    _param_names = ("alpha", "beta")
    _model_name = "sBG"

    def fit(self, active: Any, weights: Any = None) -> "ShiftedBetaGeo":
        """Fit to the number of customers still active at the start of each period.

        Parameters
        ----------
        active : array-like
            Non-increasing counts, cohort size first (at least two values). Counts may
            be fractional (e.g. percentages times the cohort size).

        Returns
        -------
        ShiftedBetaGeo
        """
        if weights is not None:
            raise TypeError("ShiftedBetaGeo.fit takes the active counts only (no weights)")
        super().fit(active)
        self.n_periods_ = int(self._counts(active).shape[0] - 1)
        return self

    @staticmethod
    def _counts(active: Any) -> np.ndarray:
        if isinstance(active, pd.DataFrame):
            raise TypeError("ShiftedBetaGeo.fit takes one cohort's active counts (a 1-D sequence or Series), "
                            "not a DataFrame; pick a column")
        counts = np.asarray(active, dtype=np.float64)
        if counts.ndim != 1 or counts.shape[0] < 2:
            raise ValueError("active counts must be a 1-D sequence of at least two values (cohort size first)")
        if not np.isfinite(counts).all() or (counts < 0).any():
            raise ValueError("active counts must be finite and non-negative")
        if not counts[0] > 0:
            raise ValueError("the cohort size (first count) must be positive")
        if (np.diff(counts) > 1e-9 * counts[0]).any():
            bad = int(np.flatnonzero(np.diff(counts) > 1e-9 * counts[0])[0]) + 1
            raise ValueError(f"active counts must not increase (period {bad}: {counts[bad - 1]:g} -> "
                             f"{counts[bad]:g}); customers who left do not come back in a contractual setting")
        return np.minimum.accumulate(counts)

    def _prepare(self, data: Any, weights: Any = None) -> Prepared:
        counts = self._counts(data)
        periods = counts.shape[0] - 1
        t = np.arange(1, periods + 1, dtype=np.float64)
        lost = counts[:-1] - counts[1:]
        # Rows: churn in period t (weight = customers lost), and the survivors at the end.
        return Prepared(arrays={"t": np.concatenate([t, [float(periods)]]),
                                "survived": np.concatenate([np.zeros(periods), [1.0]])},
                        counts=np.concatenate([lost, [counts[-1]]]), n=float(counts[0]))

    def _initial_guess(self, prep: Prepared) -> np.ndarray:
        return np.array([1.0, 1.0])

    def _loglik(self, theta: np.ndarray, prep: Prepared, grad: bool):
        g, d = theta
        t, surv = prep.arrays["t"], prep.arrays["survived"] > 0
        base = _betaln(g, d)
        ll = np.where(surv, _betaln(g, d + t), _betaln(g + 1.0, d + t - 1.0)) - base
        if not grad:
            return ll, None
        psi = special.digamma
        out = np.empty((t.shape[0], 2))
        # d/dgamma, d/ddelta of log B(g+1, d+t-1) - log B(g, d) and of log B(g, d+t) - log B(g, d)
        out[:, 0] = np.where(surv, psi(g + d) - psi(g + d + t), psi(g + 1.0) - psi(g + d + t) - psi(g) + psi(g + d))
        out[:, 1] = np.where(surv, psi(d + t) - psi(g + d + t), psi(d + t - 1.0) - psi(g + d + t)) \
            - psi(d) + psi(g + d)
        return ll, out

    # ---- predictions -----------------------------------------------------------------------
    @staticmethod
    def _as_periods(t: Any, name: str, minimum: float) -> np.ndarray:
        arr = np.asarray(t, dtype=np.float64)
        if not (np.isfinite(arr).all() and (arr >= minimum).all()):
            raise ValueError(f"{name} must be finite and >= {minimum:g}, got {t!r}")
        return arr

    @staticmethod
    def _wrap(values: np.ndarray, t: np.ndarray, name: str) -> Any:
        if t.ndim == 0:
            return float(values.reshape(-1)[0])
        return pd.Series(values.reshape(-1), index=pd.Index(t.reshape(-1), name="period"), name=name)

    def survival(self, t: Any) -> Any:
        """Share of the cohort still active after ``t`` periods, ``S(t) = B(gamma, delta+t)/B(gamma, delta)``.

        Returns a float for a scalar ``t``, else a Series indexed by period.
        """
        self._check_fitted()
        g, d = self.params_.to_numpy(dtype=np.float64)
        periods = self._as_periods(t, "t", 0.0)
        return self._wrap(np.exp(_betaln(g, d + periods) - _betaln(g, d)), periods, "survival")

    def retention_rate(self, t: Any) -> Any:
        """Retention rate in period ``t`` >= 1, ``S(t)/S(t-1) = (delta+t-1)/(gamma+delta+t-1)``.

        Returns a float for a scalar ``t``, else a Series indexed by period.
        """
        self._check_fitted()
        g, d = self.params_.to_numpy(dtype=np.float64)
        periods = self._as_periods(t, "t", 1.0)
        return self._wrap((d + periods - 1.0) / (g + d + periods - 1.0), periods, "retention_rate")

    def churn_probability(self, t: Any) -> Any:
        """Probability that a new customer churns in period ``t`` >= 1,
        ``B(gamma+1, delta+t-1)/B(gamma, delta)``."""
        self._check_fitted()
        g, d = self.params_.to_numpy(dtype=np.float64)
        periods = self._as_periods(t, "t", 1.0)
        return self._wrap(np.exp(_betaln(g + 1.0, d + periods - 1.0) - _betaln(g, d)), periods, "churn_probability")

    def expected_lifetime(self, discount_rate: float = 0.0, renewals: int = 0) -> float:
        """Discounted expected residual lifetime (DERL) of an active customer.

        For a customer who has made ``renewals`` renewals (``n - 1`` in Fader & Hardie
        2010) and is about to decide on the next one:

        ``DERL = sum_{k>=0} S(n+k) / S(n-1) / (1+d)^k
        = (delta+n-1)/(gamma+delta+n-1) 2F1(1, delta+n; gamma+delta+n; 1/(1+d))``,

        the expected number of further periods (payments), each discounted at
        ``discount_rate`` per period, the first one undiscounted. With ``renewals=0`` it
        is the residual lifetime of a customer at the start, just after the first
        payment; the discounted expected lifetime of a customer about to make the first
        payment (DEL) is ``1 + DERL / (1 + d)``. With ``discount_rate=0`` the sum is
        ``(delta+n-1)/(gamma-1)``, infinite when ``gamma <= 1`` (``inf`` is returned).

        Parameters
        ----------
        discount_rate : float, default 0.0
            Per period (the period of the data), >= 0.
        renewals : int, default 0
            Renewals made so far.

        Returns
        -------
        float
            Number of periods.

        Examples
        --------
        >>> model = ShiftedBetaGeo().fit([1000, 631, 468, 382, 326, 289, 262, 241])
        >>> round(model.expected_lifetime(0.10), 3)
        2.964
        """
        self._check_fitted()
        g, d = self.params_.to_numpy(dtype=np.float64)
        if not (np.isfinite(discount_rate) and discount_rate >= 0):
            raise ValueError(f"discount_rate must be a non-negative number per period, got {discount_rate!r}")
        if isinstance(renewals, bool) or not float(renewals).is_integer() or renewals < 0:
            raise ValueError(f"renewals must be a non-negative whole number, got {renewals!r}")
        n = float(renewals) + 1.0
        if discount_rate == 0:
            return float((d + n - 1.0) / (g - 1.0)) if g > 1 else float("inf")
        z = 1.0 / (1.0 + discount_rate)
        # sum_k prod_{j<k} (d+n+j)/(g+d+n+j) z^k; terms fall faster than z^k.
        n_terms = int(np.ceil(np.log(1e-17) / np.log(z))) + 1
        if n_terms <= 5_000_000:
            k = np.arange(n_terms, dtype=np.float64)
            log_terms = (special.gammaln(d + n + k) - special.gammaln(d + n) - special.gammaln(g + d + n + k)
                         + special.gammaln(g + d + n) + k * np.log(z))
            series = float(np.exp(special.logsumexp(log_terms)))
        else:  # discount rates below ~1e-5 per period: Gauss's series is too long to sum
            series = float(special.hyp2f1(1.0, d + n, g + d + n, z))
        return float((d + n - 1.0) / (g + d + n - 1.0) * series)
