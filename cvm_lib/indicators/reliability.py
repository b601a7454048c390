"""Survey measures: Cronbach's alpha (reliability), Net Promoter Score and CSAT.

Conventions
-----------
* Cronbach's alpha for k items with covariance matrix Σ (sample covariances,
  ddof = 1): ``α = k/(k − 1) · (1 − Σ_i σ_ii / Σ_ij σ_ij)``. Respondents with a
  missing answer are dropped (listwise deletion) before Σ is computed.
* Confidence interval (Feldt 1965; Feldt, Woodruff & Salih 1987), the F-based
  interval used by R ``psych`` and ``pingouin``: with n respondents,
  ``df1 = n − 1``, ``df2 = (n − 1)(k − 1)``,
  ``[1 − (1 − α) F_{1−γ/2}(df1, df2), 1 − (1 − α) F_{γ/2}(df1, df2)]``
  for confidence level ``1 − γ``.
* Item-total correlation is *corrected*: each item against the sum of the *other*
  items. Alpha-if-item-deleted is alpha of the remaining k − 1 items (needs k ≥ 3).
* NPS = % promoters (9–10) − % detractors (0–6) on the 0–10 recommendation
  scale, in points from −100 to 100; 7–8 are passives. Missing answers are dropped.
* CSAT = share of answers in the top two boxes of the scale (4 or 5 on 1–5),
  in [0, 1]; ``top_box`` and ``scale`` are configurable, ``method="mean"`` gives the
  mean answer instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from cvm_lib.indicators._common import SummaryResult, as_frame

__all__ = ["ReliabilityResult", "NPSResult", "cronbach_alpha", "cronbach_alpha_from_cov", "nps", "csat"]


@dataclass(eq=False)
class ReliabilityResult(SummaryResult):
    """Cronbach's alpha and item diagnostics (see :func:`cronbach_alpha`).

    Behaves like the number alpha in ``float(result)``, ``round(result, 3)`` and NumPy.

    Attributes
    ----------
    alpha : float
        Cronbach's alpha.
    ci_low, ci_high : float or None
        Feldt F-based confidence limits (None when the number of respondents is unknown).
    item_total_correlation : pandas.Series
        Corrected item-total correlation (item vs the sum of the other items).
    alpha_if_deleted : pandas.Series
        Alpha of the other items (NaN-free; needs at least 3 items, else empty).
    n_obs : int or None
        Respondents used (after listwise deletion).
    n_items : int
        Number of items k.
    confidence : float
        Confidence level of the interval.
    standardised_alpha : float
        Alpha of the standardised items, ``k r̄ / (1 + (k − 1) r̄)`` with r̄ the mean
        inter-item correlation.
    """

    alpha: float
    ci_low: float | None
    ci_high: float | None
    item_total_correlation: pd.Series
    alpha_if_deleted: pd.Series
    n_obs: int | None
    n_items: int
    confidence: float = 0.95
    standardised_alpha: float = float("nan")

    def __float__(self) -> float:
        return float(self.alpha)

    def __round__(self, ndigits: int | None = None) -> float:
        return round(float(self.alpha), ndigits)

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        return np.array(self.alpha, dtype=dtype)

    def to_frame(self) -> pd.DataFrame:
        """Item table: corrected item-total correlation and alpha if the item is deleted."""
        return pd.DataFrame({"item_total_correlation": self.item_total_correlation,
                             "alpha_if_deleted": self.alpha_if_deleted})

    @property
    def summary(self) -> pd.DataFrame:
        """One row: alpha, its confidence limits, standardised alpha, respondents and items."""
        return pd.DataFrame([{"alpha": self.alpha, "ci_low": self.ci_low, "ci_high": self.ci_high,
                              "standardised_alpha": self.standardised_alpha, "n_obs": self.n_obs,
                              "n_items": self.n_items}], index=pd.Index(["cronbach_alpha"]))

    def _report(self) -> str:
        """Plain-text report."""
        ci = "" if self.ci_low is None else \
            f", {self.confidence:.0%} CI [{self.ci_low:.3f}, {self.ci_high:.3f}] (Feldt)"
        head = f"Cronbach's alpha = {self.alpha:.3f}{ci}; k = {self.n_items}" + \
            (f", n = {self.n_obs}" if self.n_obs is not None else "")
        return head + "\n" + self.to_frame().round(4).to_string()

    def __repr__(self) -> str:
        ci = "" if self.ci_low is None else f", ci=({self.ci_low:.4f}, {self.ci_high:.4f})"
        return f"ReliabilityResult(alpha={self.alpha:.4f}{ci}, n_items={self.n_items}, n_obs={self.n_obs})"


def _alpha(cov: np.ndarray) -> float:
    k = cov.shape[0]
    total = cov.sum()
    if total <= 0:
        raise ValueError("the variance of the total score is zero; alpha is undefined")
    return k / (k - 1) * (1 - np.trace(cov) / total)


def cronbach_alpha_from_cov(cov: Any, n_obs: int | None = None, *, confidence: float = 0.95) -> ReliabilityResult:
    """Cronbach's alpha from an item covariance matrix.

    Parameters
    ----------
    cov : array-like or DataFrame
        k × k item covariance matrix (k ≥ 2); DataFrame labels name the items.
    n_obs : int, optional
        Number of respondents behind ``cov``; needed for the confidence interval.
    confidence : float, default 0.95
        Confidence level of the Feldt interval.

    Returns
    -------
    ReliabilityResult

    Examples
    --------
    StatsBase.jl's example: α = 0.8136; alpha if an item is dropped 0.7500, 0.7606,
    0.7714, 0.7826:

    >>> cov = [[10, 6, 6, 6], [6, 11, 6, 6], [6, 6, 12, 6], [6, 6, 6, 13]]
    >>> result = cronbach_alpha_from_cov(cov)
    >>> round(result.alpha, 4)
    0.8136
    >>> result.alpha_if_deleted.round(4).tolist()
    [0.75, 0.7606, 0.7714, 0.7826]
    """
    frame = as_frame(cov, name="cov")
    k = frame.shape[0]
    if frame.shape[1] != k:
        raise ValueError(f"cov must be square (k × k), got shape {frame.shape}")
    if k < 2:
        raise ValueError(f"Cronbach's alpha needs at least 2 items, got {k}")
    c = frame.to_numpy()
    if not np.allclose(c, c.T, rtol=1e-8, atol=1e-10):
        raise ValueError("cov must be symmetric")
    if (np.diag(c) <= 0).any():
        raise ValueError(f"item(s) {list(frame.index[np.diag(c) <= 0])} have zero variance")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie in (0, 1), got {confidence}")
    items = frame.index.copy()
    alpha = float(_alpha(c))
    rest_var = c.sum() - 2 * c.sum(axis=1) + np.diag(c)  # var(total − item_i)
    cov_rest = c.sum(axis=1) - np.diag(c)  # cov(item_i, total − item_i)
    item_total = pd.Series(cov_rest / np.sqrt(np.diag(c) * rest_var), index=items, name="item_total_correlation")
    if k >= 3:
        dropped = [_alpha(np.delete(np.delete(c, i, axis=0), i, axis=1)) for i in range(k)]
        alpha_if_deleted = pd.Series(dropped, index=items.copy(), name="alpha_if_deleted")
    else:
        alpha_if_deleted = pd.Series([], dtype=float, name="alpha_if_deleted")
    sd = np.sqrt(np.diag(c))
    corr = c / np.outer(sd, sd)
    mean_r = (corr.sum() - k) / (k * (k - 1))
    standardised = float(k * mean_r / (1 + (k - 1) * mean_r))
    low = high = None
    if n_obs is not None:
        n = int(n_obs)
        if n < 2:
            raise ValueError(f"n_obs must be at least 2, got {n_obs}")
        df1, df2 = n - 1, (n - 1) * (k - 1)
        gamma = 1 - confidence
        low = float(1 - (1 - alpha) * stats.f.ppf(1 - gamma / 2, df1, df2))
        high = float(1 - (1 - alpha) * stats.f.ppf(gamma / 2, df1, df2))
    return ReliabilityResult(alpha=alpha, ci_low=low, ci_high=high, item_total_correlation=item_total,
                             alpha_if_deleted=alpha_if_deleted, n_obs=n_obs if n_obs is None else int(n_obs),
                             n_items=k, confidence=confidence, standardised_alpha=standardised)


def cronbach_alpha(items: Any, *, confidence: float = 0.95) -> ReliabilityResult:
    """Cronbach's alpha of a set of survey items, with Feldt's confidence interval.

    Parameters
    ----------
    items : DataFrame or array-like
        One row per respondent, one column per item (k ≥ 2). Rows with a missing
        answer are dropped (listwise).
    confidence : float, default 0.95
        Confidence level of the interval.

    Returns
    -------
    ReliabilityResult
        ``float(result)`` is alpha; see the class for the item diagnostics.

    Raises
    ------
    ValueError
        Fewer than 2 items or 2 complete respondents, non-numeric answers, or an
        item without variance.

    Examples
    --------
    pingouin's ``cronbach_alpha`` data (checked there against R ``psych``):
    published α = 0.592, 95% CI [0.195, 0.840]:

    >>> data = pd.DataFrame({
    ...     "Q1": [3, 5, 7, 2, 6, 1, 4, 2, 6, 5, 4, 4, 5, 6, 4], "Q2": [2, 4, 3, 4, 5, 2, 3, 4, 5, 4, 3, 2, 5, 5, 3],
    ...     "Q3": [4, 6, 5, 3, 6, 3, 5, 4, 5, 6, 5, 3, 6, 5, 5], "Q4": [1, 3, 5, 3, 5, 4, 3, 3, 5, 4, 2, 2, 2, 4, 5],
    ...     "Q5": [4, 5, 6, 2, 4, 2, 5, 7, 1, 3, 5, 5, 3, 2, 3], "Q6": [5, 1, 4, 2, 4, 5, 2, 2, 6, 5, 3, 3, 3, 2, 1],
    ...     "Q7": [1, 2, 3, 2, 4, 2, 1, 2, 5, 3, 2, 4, 2, 1, 3], "Q8": [4, 5, 3, 6, 6, 3, 2, 4, 2, 1, 3, 2, 4, 4, 2],
    ...     "Q9": [3, 5, 6, 6, 7, 5, 4, 6, 3, 7, 4, 3, 4, 6, 3], "Q10": [2, 5, 5, 3, 5, 2, 3, 5, 2, 2, 1, 4, 5, 5, 4]})
    >>> result = cronbach_alpha(data)
    >>> round(result.alpha, 3), round(result.ci_low, 3), round(result.ci_high, 3)
    (0.592, 0.195, 0.84)
    """
    frame = items if isinstance(items, pd.DataFrame) else pd.DataFrame(np.asarray(items, dtype=float))
    complete = frame.dropna()
    if complete.shape[0] < 2:
        raise ValueError(f"Cronbach's alpha needs at least 2 respondents with complete answers, got {complete.shape[0]}")
    data = as_frame(complete, name="items")
    cov = data.cov(ddof=1)
    zero = cov.index[np.diag(cov.to_numpy()) <= 0].tolist()
    if zero:
        raise ValueError(f"item(s) {zero} have the same answer from everyone (zero variance); drop them")
    return cronbach_alpha_from_cov(cov, n_obs=data.shape[0], confidence=confidence)


@dataclass(eq=False)
class NPSResult(SummaryResult):
    """Net Promoter Score (see :func:`nps`); ``float(result)`` is the score.

    Attributes
    ----------
    score : float
        % promoters − % detractors, in [−100, 100].
    promoters, passives, detractors : float
        Shares in [0, 1] of answers 9–10, 7–8 and 0–6.
    n : int
        Number of (non-missing) answers.
    """

    score: float
    promoters: float
    passives: float
    detractors: float
    n: int

    def __float__(self) -> float:
        return float(self.score)

    @property
    def summary(self) -> pd.DataFrame:
        """One row: score, the three shares and the number of answers."""
        return pd.DataFrame([{"score": self.score, "promoters": self.promoters, "passives": self.passives,
                              "detractors": self.detractors, "n": self.n}], index=pd.Index(["nps"]))

    def _report(self) -> str:
        return (f"NPS = {self.score:+.1f} (promoters {self.promoters:.1%}, passives {self.passives:.1%}, "
                f"detractors {self.detractors:.1%}; n = {self.n})")

    def __repr__(self) -> str:
        return (f"NPSResult(score={self.score:.1f}, promoters={self.promoters:.3f}, passives={self.passives:.3f}, "
                f"detractors={self.detractors:.3f}, n={self.n})")


def _answers(values: Any, name: str) -> np.ndarray:
    series = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values, dtype=object).ravel())
    series = series.dropna()
    try:
        x = series.to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} answers must be numbers") from None
    if len(x) == 0:
        raise ValueError(f"no {name} answers (all missing)")
    return x


def nps(scores: Any) -> NPSResult:
    """Net Promoter Score of 0–10 "how likely are you to recommend" answers.

    Parameters
    ----------
    scores : array-like or Series
        Integer answers 0..10; missing answers are dropped.

    Returns
    -------
    NPSResult
        ``score`` = 100 × (share of 9–10 − share of 0–6).

    Raises
    ------
    ValueError
        Answers outside 0..10 or not whole numbers, or no answers.

    Examples
    --------
    >>> result = nps([10, 9, 9, 8, 7, 6, 3, 10, None])
    >>> result.score, result.promoters, result.detractors, result.n
    (25.0, 0.5, 0.25, 8)
    """
    x = _answers(scores, "NPS")
    if ((x < 0) | (x > 10) | (x != np.round(x))).any():
        bad = sorted(set(x[(x < 0) | (x > 10) | (x != np.round(x))].tolist()))[:5]
        raise ValueError(f"NPS answers must be whole numbers 0..10, got {bad}")
    promoters = float((x >= 9).mean())
    detractors = float((x <= 6).mean())
    passives = float(((x > 6) & (x < 9)).mean())
    return NPSResult(score=100.0 * (promoters - detractors), promoters=promoters, passives=passives,
                     detractors=detractors, n=len(x))


def csat(responses: Any, *, scale: tuple[int, int] = (1, 5), top_box: int = 2,
         method: Literal["top-box", "mean"] = "top-box") -> float | pd.Series:
    """Customer satisfaction (CSAT): share of answers in the top boxes of a rating scale.

    Parameters
    ----------
    responses : array-like, Series or DataFrame
        Ratings on ``scale``; a DataFrame gives one CSAT per column (item). Missing
        answers are dropped.
    scale : (int, int), default (1, 5)
        Lowest and highest possible rating.
    top_box : int, default 2
        Number of top boxes counted as satisfied (2: ratings 4 and 5 on a 1–5 scale).
    method : {"top-box", "mean"}
        "top-box" (default): share in [0, 1]; "mean": the mean rating.

    Returns
    -------
    float or pandas.Series

    Raises
    ------
    ValueError
        Ratings outside the scale, a bad ``top_box`` or an unknown method.

    Examples
    --------
    >>> csat([5, 4, 3, 5, 2, 1, 4, 4])
    0.625
    >>> csat(pd.DataFrame({"sat_1": [5, 4, 3, 1], "sat_2": [5, 5, 5, 2]}), top_box=1).to_dict()
    {'sat_1': 0.25, 'sat_2': 0.75}
    """
    if isinstance(responses, pd.DataFrame):
        return pd.Series({c: csat(responses[c], scale=scale, top_box=top_box, method=method)
                          for c in responses.columns}, name="csat", dtype=float)
    low, high = scale
    if not low < high:
        raise ValueError(f"scale must be (lowest, highest) with lowest < highest, got {scale}")
    if not 1 <= top_box <= high - low:
        raise ValueError(f"top_box must be between 1 and {high - low} for scale {scale}, got {top_box}")
    x = _answers(responses, "CSAT")
    if ((x < low) | (x > high)).any():
        raise ValueError(f"CSAT answers must lie on the scale {scale}; got {sorted(set(x[(x < low) | (x > high)]))[:5]}")
    if method == "top-box":
        return float((x >= high - top_box + 1).mean())
    if method == "mean":
        return float(x.mean())
    raise ValueError(f"method={method!r}; use 'top-box' or 'mean'")
