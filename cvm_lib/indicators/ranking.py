"""Ranking alternatives/units: TOPSIS and a weighted composite index.

Conventions
-----------
* ``X``: alternatives (rows) × criteria (columns); ``weights`` non-negative, summing
  to 1 within 0.001 (then rescaled to exactly 1); ``benefit`` per criterion
  (True/"benefit": larger is better; False/"cost": smaller is better).
* TOPSIS (Hwang & Yoon 1981): normalise (``"vector"`` default,
  ``r_ij = x_ij / sqrt(Σ_i x_ij²)``; or ``"min-max"``, ``(x − min)/(max − min)``;
  or ``"none"``), weight ``v_ij = w_j r_ij``; ideal ``A+`` = column max for benefit
  and min for cost, anti-ideal ``A−`` the opposite; Euclidean distances ``D+``, ``D−``;
  closeness ``C = D− / (D+ + D−)`` in [0, 1]; rank 1 = largest C. A criterion with
  zero norm (all zeros) or no range normalises to 0 and does not discriminate.
  Vector normalisation makes C invariant to rescaling any criterion by c > 0.
* Composite index: direction-aware min-max scores in [0, 1] (benefit
  ``(x − min)/(max − min)``, cost ``(max − x)/(max − min)``; a constant criterion
  scores 1 for everyone), or ``"max"`` ratio scores (benefit ``x / max``, cost
  ``min / x``), weighted sum × ``scale`` (default 100).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from cvm_lib.indicators._common import VectorResult, as_frame, check_weights, parse_benefit

__all__ = ["TopsisResult", "CompositeResult", "topsis", "composite_index"]


@dataclass(eq=False)
class TopsisResult(VectorResult):
    """TOPSIS closeness coefficients and intermediate quantities (see :func:`topsis`).

    Behaves like ``closeness`` in NumPy (``np.asarray(result)``) and ``result[label]``.

    Attributes
    ----------
    closeness : pandas.Series
        Relative closeness C_i to the ideal solution (higher is better).
    rank : pandas.Series
        1 = best (ties share the smallest rank).
    distance_ideal, distance_anti_ideal : pandas.Series
        Euclidean distances D+ and D−.
    ideal, anti_ideal : pandas.Series
        A+ and A− in the weighted normalised space.
    normalised, weighted : pandas.DataFrame
        r_ij and v_ij.
    weights : pandas.Series
        Weights used (sum 1).
    benefit : pandas.Series
        Directions used.
    normalise : str
        Normalisation used.
    """

    closeness: pd.Series
    rank: pd.Series
    distance_ideal: pd.Series
    distance_anti_ideal: pd.Series
    ideal: pd.Series
    anti_ideal: pd.Series
    normalised: pd.DataFrame
    weighted: pd.DataFrame
    weights: pd.Series
    benefit: pd.Series
    normalise: str = "vector"
    _vector_field = "closeness"

    def to_frame(self) -> pd.DataFrame:
        """D+, D−, closeness and rank per alternative, best first."""
        frame = pd.DataFrame({"distance_ideal": self.distance_ideal, "distance_anti_ideal": self.distance_anti_ideal,
                              "closeness": self.closeness, "rank": self.rank})
        return frame.sort_values("rank", kind="stable")

    @property
    def summary(self) -> pd.DataFrame:
        """D+, D−, closeness and rank per alternative, best first."""
        return self.to_frame()

    def _report(self) -> str:
        """Plain-text ranking."""
        return f"TOPSIS ({self.normalise} normalisation)\n" + self.to_frame().round(4).to_string()

    def __repr__(self) -> str:
        return f"TopsisResult(closeness={self.closeness.round(4).to_dict()})"


def _normalise(values: np.ndarray, how: str, benefit: np.ndarray | None = None) -> np.ndarray:
    if how == "vector":
        norm = np.sqrt((values**2).sum(axis=0))
        return values / np.where(norm > 0, norm, 1.0)
    if how == "min-max":
        low, high = values.min(axis=0), values.max(axis=0)
        span = np.where(high > low, high - low, 1.0)
        return (values - low) / span
    if how == "none":
        return values.copy()
    raise ValueError(f"normalise={how!r}; use 'vector', 'min-max' or 'none'")


def topsis(X: Any, weights: Any, benefit: Any = None, *,
           normalise: Literal["vector", "min-max", "none"] = "vector") -> TopsisResult:
    """Rank alternatives by closeness to the ideal solution (TOPSIS, 逼近理想解排序法).

    Parameters
    ----------
    X : array-like or DataFrame
        Alternatives (rows) × criteria (columns). Labels are kept.
    weights : array-like, Series, dict or a weights result (e.g. :class:`AHPResult`)
        One non-negative weight per criterion, summing to 1 (within 0.001).
    benefit : None, bool/str, or one per criterion
        True/"benefit" (larger is better) or False/"cost"; default all benefit.
    normalise : {"vector", "min-max", "none"}
        Default "vector" (Hwang & Yoon).

    Returns
    -------
    TopsisResult

    Raises
    ------
    ValueError
        Missing values, weights that do not match or do not sum to 1, an unknown
        direction or normalisation, or criteria that are all constant.

    Examples
    --------
    Tzeng & Huang (2011): published closeness 0.5037, 0.6581, 0.7482, 0.3340 and
    ranks 3, 2, 1, 4:

    >>> result = topsis([[5, 8, 4], [7, 6, 8], [8, 8, 6], [7, 4, 6]], [0.3, 0.4, 0.3], ["benefit"] * 3)
    >>> result.closeness.round(4).tolist()
    [0.5037, 0.6581, 0.7482, 0.334]
    >>> result.rank.tolist()
    [3, 2, 1, 4]
    """
    how = str(normalise).strip().lower().replace("_", "-")
    frame = as_frame(X, name="X")
    w = check_weights(weights, frame.columns)
    directions = parse_benefit(benefit, frame.columns)
    r = _normalise(frame.to_numpy(), how)
    v = r * w.to_numpy()
    up = directions.to_numpy()
    ideal = np.where(up, v.max(axis=0), v.min(axis=0))
    anti = np.where(up, v.min(axis=0), v.max(axis=0))
    d_plus = np.sqrt(((v - ideal) ** 2).sum(axis=1))
    d_minus = np.sqrt(((v - anti) ** 2).sum(axis=1))
    total = d_plus + d_minus
    if (total <= 0).any():
        raise ValueError("every weighted criterion is constant across the alternatives, so TOPSIS cannot "
                         "separate them (D+ + D- = 0)")
    closeness = d_minus / total
    index, columns = frame.index, frame.columns
    c = pd.Series(closeness, index=index.copy(), name="closeness")
    return TopsisResult(closeness=c, rank=c.rank(ascending=False, method="min").astype(int).rename("rank"),
                        distance_ideal=pd.Series(d_plus, index=index.copy(), name="distance_ideal"),
                        distance_anti_ideal=pd.Series(d_minus, index=index.copy(), name="distance_anti_ideal"),
                        ideal=pd.Series(ideal, index=columns.copy(), name="ideal"),
                        anti_ideal=pd.Series(anti, index=columns.copy(), name="anti_ideal"),
                        normalised=pd.DataFrame(r, index=index.copy(), columns=columns.copy()),
                        weighted=pd.DataFrame(v, index=index.copy(), columns=columns.copy()),
                        weights=w.rename("weight"), benefit=directions, normalise=how)


@dataclass(eq=False)
class CompositeResult(VectorResult):
    """Weighted composite index (see :func:`composite_index`).

    Attributes
    ----------
    score : pandas.Series
        Composite index per alternative, in [0, scale].
    rank : pandas.Series
        1 = highest score.
    scores : pandas.DataFrame
        Direction-aware normalised scores in [0, 1] per criterion.
    contributions : pandas.DataFrame
        ``scores × weight × scale``; rows sum to ``score``.
    weights : pandas.Series
        Weights used.
    """

    score: pd.Series
    rank: pd.Series
    scores: pd.DataFrame
    contributions: pd.DataFrame
    weights: pd.Series
    _vector_field = "score"

    def to_frame(self) -> pd.DataFrame:
        """Contributions, score and rank, best first."""
        return self.contributions.assign(score=self.score, rank=self.rank).sort_values("rank", kind="stable")

    @property
    def summary(self) -> pd.DataFrame:
        """Contributions, score and rank, best first."""
        return self.to_frame()

    def _report(self) -> str:
        return "Composite index\n" + self.to_frame().round(4).to_string()


def composite_index(X: Any, weights: Any, benefit: Any = None, *, normalise: Literal["min-max", "max"] = "min-max",
                    scale: float = 100.0) -> CompositeResult:
    """Weighted-sum composite index of direction-aware normalised indicators (综合指数).

    Parameters
    ----------
    X : array-like or DataFrame
        Units (rows) × indicators (columns).
    weights : array-like, Series, dict or a weights result
        Non-negative, summing to 1 (within 0.001).
    benefit : None, bool/str, or one per indicator
        Directions; default all benefit.
    normalise : {"min-max", "max"}
        "min-max" (default): ``(x − min)/(max − min)`` for benefit, ``(max − x)/(max − min)``
        for cost (constant indicator → 1); "max": ``x / max`` for benefit, ``min / x``
        for cost (needs positive data).
    scale : float, default 100
        Score of a unit that is best on every indicator.

    Returns
    -------
    CompositeResult

    Examples
    --------
    >>> X = pd.DataFrame({"retention": [0.6, 0.7, 0.5], "complaints": [0.2, 0.1, 0.1]}, index=["S1", "S2", "S3"])
    >>> result = composite_index(X, {"retention": 0.6, "complaints": 0.4}, {"retention": "benefit", "complaints": "cost"})
    >>> result.score.round(1).to_dict()
    {'S1': 30.0, 'S2': 100.0, 'S3': 40.0}
    """
    frame = as_frame(X, name="X")
    w = check_weights(weights, frame.columns)
    up = parse_benefit(benefit, frame.columns).to_numpy()
    values = frame.to_numpy()
    how = str(normalise).strip().lower().replace("_", "-")
    if how == "min-max":
        low, high = values.min(axis=0), values.max(axis=0)
        span = high - low
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(up, values - low, high - values) / np.where(span > 0, span, 1.0)
        z = np.where(span > 0, z, 1.0)
    elif how == "max":
        if (values <= 0).any():
            raise ValueError("normalise='max' needs positive data; use 'min-max'")
        z = np.where(up, values / values.max(axis=0), values.min(axis=0) / values)
    else:
        raise ValueError(f"normalise={normalise!r}; use 'min-max' or 'max'")
    scores = pd.DataFrame(z, index=frame.index.copy(), columns=frame.columns.copy())
    contributions = scores * w * float(scale)
    score = contributions.sum(axis=1).rename("score")
    return CompositeResult(score=score, rank=score.rank(ascending=False, method="min").astype(int).rename("rank"),
                           scores=scores, contributions=contributions, weights=w.rename("weight"))
