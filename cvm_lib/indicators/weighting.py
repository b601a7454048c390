"""Objective weights (entropy weight method, 熵权法) and subjective–objective combinations.

Conventions
-----------
* ``X`` has one row per alternative/unit (m ≥ 2) and one column per criterion.
* ``normalise="proportion"`` (default, the classical method): ``p_ij = x_ij / Σ_i x_ij``
  on the raw data, which must be non-negative. The direction of a criterion does not
  enter (entropy measures dispersion); ``benefit`` is accepted but not used. This is
  the convention of Xu (2004) and of Zavadskas & Podvezko (2016), whose published
  weights come from the raw matrix even though two criteria are costs.
* ``normalise="min-max"``: benefit ``z = (x − min)/(max − min)``, cost
  ``z = (max − x)/(max − min)``, then ``p_ij = z_ij / Σ_i z_ij``. Any real data is
  allowed. The worst alternative gets z = 0 in every criterion.
* Entropy ``e_j = −(1 / ln m) Σ_i p_ij ln p_ij`` with ``0 ln 0 = 0``;
  divergence ``d_j = 1 − e_j``; weight ``w_j = d_j / Σ_k d_k``.
* A criterion with no variation (constant, or all zero) has ``e_j = 1`` and weight 0.
  If no criterion varies, the weights are undefined and a ValueError is raised.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from cvm_lib.indicators._common import VectorResult, as_frame, check_weights, format_series, parse_benefit

__all__ = ["EntropyResult", "entropy_weights", "combine_weights"]

_NORMALISE = {"proportion": "proportion", "sum": "proportion", "min-max": "min-max", "minmax": "min-max",
              "range": "min-max"}


@dataclass(eq=False)
class EntropyResult(VectorResult):
    """Entropy weights and their ingredients (see :func:`entropy_weights`).

    Behaves like ``weights`` in NumPy (``np.asarray(result)``) and ``result[label]``.

    Attributes
    ----------
    weights : pandas.Series
        w_j, summing to 1.
    entropy : pandas.Series
        e_j in [0, 1].
    divergence : pandas.Series
        d_j = 1 − e_j (degree of diversification).
    proportions : pandas.DataFrame
        p_ij (columns sum to 1).
    normalise : str
        "proportion" or "min-max".
    benefit : pandas.Series
        Criterion directions (True = benefit); used only by "min-max".
    """

    weights: pd.Series
    entropy: pd.Series
    divergence: pd.Series
    proportions: pd.DataFrame
    normalise: str
    benefit: pd.Series
    _vector_field = "weights"

    def to_frame(self) -> pd.DataFrame:
        """Entropy, divergence and weight per criterion."""
        return pd.DataFrame({"entropy": self.entropy, "divergence": self.divergence, "weight": self.weights})

    @property
    def summary(self) -> pd.DataFrame:
        """Entropy, divergence and weight per criterion."""
        return self.to_frame()

    def _report(self) -> str:
        """Plain-text report."""
        return (f"Entropy weights ({self.normalise} normalisation, m = {self.proportions.shape[0]})\n"
                + format_series(self.weights))

    def __repr__(self) -> str:
        return f"EntropyResult(normalise={self.normalise!r}, weights={self.weights.round(4).to_dict()})"


def entropy_weights(X: Any, benefit: Any = None,
                    normalise: Literal["proportion", "min-max"] = "proportion") -> EntropyResult:
    """Objective criterion weights by the entropy weight method.

    Parameters
    ----------
    X : array-like or DataFrame
        Alternatives (rows, at least 2) × criteria (columns). DataFrame labels are kept.
    benefit : None, bool/str, or one per criterion
        Criterion directions (True/"benefit" or False/"cost"); default all benefit.
        Only ``normalise="min-max"`` uses them (see module notes).
    normalise : {"proportion", "min-max"}
        "proportion" (default): classical p = x / Σx on the raw, non-negative data;
        "min-max": direction-aware range scaling first.

    Returns
    -------
    EntropyResult

    Raises
    ------
    ValueError
        Fewer than two alternatives, missing values, negative values with
        "proportion", an unknown ``normalise``, or no criterion with any variation.

    Examples
    --------
    Xu (2004), EJOR 156: published weights 0.4630, 0.3992, 0.1378, 0.0000:

    >>> X = [[30, 30, 38, 29], [19, 54, 86, 29], [19, 15, 85, 28.9], [68, 70, 60, 29]]
    >>> result = entropy_weights(X)
    >>> result.weights.round(4).tolist()
    [0.463, 0.3992, 0.1378, 0.0]
    >>> result.entropy.round(4).tolist()
    [0.8872, 0.9027, 0.9664, 1.0]

    Zavadskas & Podvezko (2016): published 0.1146, 0.1981, 0.4185, 0.2689 come from
    the raw matrix (the cost directions do not change the classical weights):

    >>> Z = [[3.0, 100, 10, 7], [2.5, 80, 8, 5], [1.8, 50, 20, 11], [2.2, 70, 12, 9]]
    >>> entropy_weights(Z, benefit=["cost", "benefit", "cost", "benefit"]).weights.round(4).tolist()
    [0.1146, 0.1981, 0.4185, 0.2689]
    """
    key = _NORMALISE.get(str(normalise).strip().lower().replace("_", "-"))
    if key is None:
        raise ValueError(f"normalise={normalise!r}; use 'proportion' (classical) or 'min-max'")
    frame = as_frame(X, name="X")
    m = frame.shape[0]
    if m < 2:
        raise ValueError(f"entropy weights need at least 2 alternatives (rows), got {m}")
    directions = parse_benefit(benefit, frame.columns)
    values = frame.to_numpy()
    if key == "proportion":
        if (values < 0).any():
            bad = [c for c, neg in zip(frame.columns, (values < 0).any(axis=0)) if neg]
            raise ValueError(f"entropy weights with normalise='proportion' need non-negative data; column(s) "
                             f"{bad} have negative values. Shift the data or use normalise='min-max'")
        z = values
    else:
        low, high = values.min(axis=0), values.max(axis=0)
        span = np.where(high > low, high - low, 1.0)
        z = np.where(directions.to_numpy(), values - low, high - values) / span
    totals = z.sum(axis=0)
    # A column without mass (all zero) carries no information: uniform p, entropy 1.
    p = np.where(totals > 0, z / np.where(totals > 0, totals, 1.0), 1.0 / m)
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    entropy = np.clip(-plogp.sum(axis=0) / np.log(m), 0.0, 1.0)
    divergence = 1.0 - entropy
    if divergence.sum() <= 1e-15:
        raise ValueError("no criterion varies across the alternatives, so entropy weights are undefined "
                         "(every entropy is 1)")
    labels = frame.columns
    return EntropyResult(weights=pd.Series(divergence / divergence.sum(), index=labels.copy(), name="weight"),
                         entropy=pd.Series(entropy, index=labels.copy(), name="entropy"),
                         divergence=pd.Series(divergence, index=labels.copy(), name="divergence"),
                         proportions=pd.DataFrame(p, index=frame.index.copy(), columns=labels.copy()),
                         normalise=key, benefit=directions)


def combine_weights(subjective: Any, objective: Any, *, method: Literal["multiplicative", "linear"] =
                    "multiplicative", alpha: float = 0.5) -> pd.Series:
    """Combine subjective (e.g. AHP) and objective (e.g. entropy) weights (主客观组合赋权).

    Parameters
    ----------
    subjective, objective : Series, dict, array-like, or a result with ``weights``
        Weight vectors over the same criteria, each non-negative and summing to 1
        (within 0.001). Labels of Series/dicts must match; arrays are taken in order.
    method : {"multiplicative", "linear"}
        "multiplicative" (default): ``w_j = s_j o_j / Σ_k s_k o_k`` (multiplicative
        synthesis); "linear": ``w_j = α s_j + (1 − α) o_j``.
    alpha : float, default 0.5
        Share of the subjective weights in the linear combination (in [0, 1]).

    Returns
    -------
    pandas.Series
        Combined weights summing to 1, labelled like ``subjective``.

    Examples
    --------
    >>> s = pd.Series({"retention": 0.5, "csat": 0.3, "complaints": 0.2})
    >>> o = pd.Series({"retention": 0.2, "csat": 0.2, "complaints": 0.6})
    >>> combine_weights(s, o).round(4).to_dict()
    {'retention': 0.3571, 'csat': 0.2143, 'complaints': 0.4286}
    >>> combine_weights(s, o, method="linear", alpha=0.7).round(2).to_dict()
    {'retention': 0.41, 'csat': 0.27, 'complaints': 0.32}
    """
    if hasattr(subjective, "weights") and not isinstance(subjective, (pd.Series, dict, np.ndarray)):
        subjective = subjective.weights
    labels = subjective.index if isinstance(subjective, pd.Series) else (
        pd.Index(list(subjective)) if isinstance(subjective, dict) else pd.RangeIndex(len(np.ravel(subjective))))
    s = check_weights(subjective, labels, name="subjective weights")
    o = check_weights(objective, labels, name="objective weights")
    if method == "multiplicative":
        product = s * o
        if product.sum() <= 0:
            raise ValueError("subjective and objective weights have no criterion in common with a positive "
                             "weight; the multiplicative combination is undefined (use method='linear')")
        combined = product / product.sum()
    elif method == "linear":
        if not 0 <= alpha <= 1:
            raise ValueError(f"alpha must lie in [0, 1], got {alpha}")
        combined = alpha * s + (1 - alpha) * o
    else:
        raise ValueError(f"method={method!r}; use 'multiplicative' or 'linear'")
    return combined.rename("weight")
