"""Fuzzy comprehensive evaluation (模糊综合评价).

Conventions
-----------
* Weights ``A = (a_1..a_n)`` over factors (non-negative, summing to 1 within 0.001,
  then rescaled); membership matrix ``R`` (factors × grades), ``r_ij`` in [0, 1],
  the degree to which factor *i* is judged to be in grade *j*.
* Evaluation vector ``B = A ∘ R`` with the composition operator (``operator``):

  ================== ================ ==================================
  name               notation         b_j
  ================== ================ ==================================
  "weighted-average" M(·,+)  default  Σ_i a_i r_ij
  "min-max"          M(∧,∨)           max_i min(a_i, r_ij)  (principal factor decides)
  "product-max"      M(·,∨)           max_i a_i r_ij  (principal factor prominent)
  "min-bounded-sum"  M(∧,⊕)           min(1, Σ_i min(a_i, r_ij))
  ================== ================ ==================================

  The notations are accepted as names, also in ASCII: ``"M(.,+)"``, ``"M(^,v)"``,
  ``"M(.,v)"``, ``"M(^,(+))"``. With weights and membership rows summing to 1, the
  weighted average M(·,+) equals the bounded-sum form M(·,⊕).
* ``B`` is reported as computed (``vector``) and normalised to sum 1 (``normalised``).
  The grade is the one of maximum membership (maximum-membership principle; the
  first on ties); with ``grade_scores`` the score is ``Σ_j b̂_j s_j`` over the
  normalised vector.
* Membership matrices: from survey grade frequencies (:func:`membership_from_frequencies`,
  :func:`membership_from_responses`: row shares) or from indicator values via
  piecewise-linear (triangular, with shoulders) membership functions
  (:func:`membership_from_values`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cvm_lib.indicators._common import VectorResult, as_frame, as_vector, check_weights, to_number

__all__ = ["FUZZY_OPERATORS", "FuzzyResult", "MultilevelFuzzyResult", "fuzzy_evaluation",
           "multilevel_fuzzy_evaluation", "membership_from_frequencies", "membership_from_responses",
           "membership_from_values"]

#: Canonical operator names and their textbook notation.
FUZZY_OPERATORS: dict[str, str] = {"weighted-average": "M(·,+)", "min-max": "M(∧,∨)", "product-max": "M(·,∨)",
                                   "min-bounded-sum": "M(∧,⊕)"}

_ALIASES = {
    "weighted-average": "weighted-average", "weighted average": "weighted-average", "m(·,+)": "weighted-average",
    "m(.,+)": "weighted-average", "m(*,+)": "weighted-average", "m(·,⊕)": "weighted-average",
    "m(.,(+))": "weighted-average", "加权平均型": "weighted-average",
    "min-max": "min-max", "m(∧,∨)": "min-max", "m(^,v)": "min-max", "zadeh": "min-max", "主因素决定型": "min-max",
    "product-max": "product-max", "m(·,∨)": "product-max", "m(.,v)": "product-max", "m(*,v)": "product-max",
    "主因素突出型": "product-max",
    "min-bounded-sum": "min-bounded-sum", "m(∧,⊕)": "min-bounded-sum", "m(^,(+))": "min-bounded-sum",
    "m(^,+)": "min-bounded-sum",
}


def _operator(name: str) -> str:
    key = _ALIASES.get(str(name).strip().lower().replace(" ", "").replace("weightedaverage", "weighted-average"))
    if key is None:
        raise ValueError(f"operator={name!r}; use one of {', '.join(f'{k!r} {v}' for k, v in FUZZY_OPERATORS.items())}")
    return key


@dataclass(eq=False)
class FuzzyResult(VectorResult):
    """Result of a fuzzy comprehensive evaluation (see :func:`fuzzy_evaluation`).

    Behaves like ``vector`` (the evaluation vector B) in NumPy and ``result[grade]``.

    Attributes
    ----------
    vector : pandas.Series
        B = A ∘ R over the grades, as computed by the operator.
    normalised : pandas.Series
        B / Σ B.
    grade : object
        Grade of maximum membership.
    score : float or None
        Σ_j normalised_j × grade_scores_j, when ``grade_scores`` were given.
    operator : str
        Canonical operator name (see :data:`FUZZY_OPERATORS`).
    weights : pandas.Series
        Factor weights used.
    membership : pandas.DataFrame
        Membership matrix R used.
    """

    vector: pd.Series
    normalised: pd.Series
    grade: Any
    score: float | None
    operator: str
    weights: pd.Series
    membership: pd.DataFrame
    _vector_field = "vector"

    def to_frame(self) -> pd.DataFrame:
        """B and its normalised form, one row per grade."""
        return pd.DataFrame({"membership": self.vector, "normalised": self.normalised})

    @property
    def summary(self) -> pd.DataFrame:
        """B and its normalised form, one row per grade."""
        return self.to_frame()

    def _report(self) -> str:
        """Plain-text report."""
        text = ", ".join(f"{g}: {b:.4f}" for g, b in self.vector.items())
        line = f"Fuzzy evaluation {FUZZY_OPERATORS[self.operator]}: B = ({text}); grade = {self.grade}"
        return line + (f"; score = {self.score:.4f}" if self.score is not None else "")

    def __repr__(self) -> str:
        return f"FuzzyResult(operator={self.operator!r}, vector={self.vector.round(4).to_dict()}, grade={self.grade!r})"


def _compose(a: np.ndarray, r: np.ndarray, operator: str) -> np.ndarray:
    if operator == "weighted-average":
        return a @ r
    if operator == "min-max":
        return np.minimum(a[:, None], r).max(axis=0)
    if operator == "product-max":
        return (a[:, None] * r).max(axis=0)
    return np.minimum(1.0, np.minimum(a[:, None], r).sum(axis=0))


def _membership_frame(membership: Any, grades: Sequence | None) -> pd.DataFrame:
    frame = as_frame(membership, name="membership")
    if grades is not None:
        if len(grades) != frame.shape[1]:
            raise ValueError(f"{len(grades)} grades given for a membership matrix with {frame.shape[1]} columns")
        frame.columns = pd.Index(list(grades))
    values = frame.to_numpy()
    if (values < 0).any() or (values > 1 + 1e-9).any():
        raise ValueError("membership degrees must lie in [0, 1]; convert counts with membership_from_frequencies()")
    return frame


def fuzzy_evaluation(weights: Any, membership: Any, operator: str = "weighted-average", *,
                     grades: Sequence | None = None, grade_scores: Any = None) -> FuzzyResult:
    """Fuzzy comprehensive evaluation B = A ∘ R.

    Parameters
    ----------
    weights : array-like, Series, dict or a weights result
        Factor weights A (one per row of ``membership``), non-negative, summing to 1.
    membership : array-like or DataFrame
        Membership matrix R, factors × grades, values in [0, 1]. DataFrame labels are
        kept (rows = factors, columns = grades).
    operator : str, default "weighted-average"
        "weighted-average" M(·,+), "min-max" M(∧,∨), "product-max" M(·,∨) or
        "min-bounded-sum" M(∧,⊕) (see module notes).
    grades : sequence, optional
        Grade labels (e.g. ``["很满意", "满意", "一般", "不满意"]``), overriding the columns.
    grade_scores : array-like, Series or dict, optional
        A score per grade (e.g. 95, 85, 70, 50) for a scalar result.

    Returns
    -------
    FuzzyResult

    Raises
    ------
    ValueError
        Shapes that do not match, memberships outside [0, 1], bad weights or an
        unknown operator.

    Examples
    --------
    The clothing example (factors colour, style, durability, price), published for
    M(∧,∨): B1 = (0.2, 0.3, 0.4, 0.1) and B2 = (0.35, 0.4, 0.2, 0.1):

    >>> R = [[0.2, 0.5, 0.2, 0.1], [0.7, 0.2, 0.1, 0.0], [0.0, 0.4, 0.5, 0.1], [0.2, 0.3, 0.5, 0.0]]
    >>> grades = ["very welcome", "fairly welcome", "not very welcome", "unwelcome"]
    >>> b1 = fuzzy_evaluation([0.1, 0.2, 0.3, 0.4], R, "M(∧,∨)", grades=grades)
    >>> b1.vector.tolist(), b1.grade
    ([0.2, 0.3, 0.4, 0.1], 'not very welcome')
    >>> b2 = fuzzy_evaluation([0.4, 0.35, 0.15, 0.1], R, "min-max", grades=grades)
    >>> b2.vector.tolist(), b2.grade
    ([0.35, 0.4, 0.2, 0.1], 'fairly welcome')

    The default weighted average M(·,+) with Chinese grade labels and grade scores:

    >>> b = fuzzy_evaluation([0.1, 0.2, 0.3, 0.4], R, grades=["很受欢迎", "较受欢迎", "不太受欢迎", "不受欢迎"],
    ...                      grade_scores=[100, 80, 60, 40])
    >>> b.vector.round(4).tolist(), b.grade, round(b.score, 2)
    ([0.24, 0.33, 0.39, 0.04], '不太受欢迎', 75.4)
    """
    op = _operator(operator)
    frame = _membership_frame(membership, grades)
    w = check_weights(weights, frame.index, name="weights")
    b = _compose(w.to_numpy(), frame.to_numpy(), op)
    vector = pd.Series(b, index=frame.columns.copy(), name="membership")
    total = float(vector.sum())
    if total <= 0:
        raise ValueError("the evaluation vector is all zero (no factor has membership in any grade)")
    normalised = (vector / total).rename("normalised")
    score = None
    if grade_scores is not None:
        scores = as_vector(grade_scores, frame.columns, name="grade_scores")
        score = float((normalised * scores).sum())
    return FuzzyResult(vector=vector, normalised=normalised, grade=vector.idxmax(), score=score, operator=op,
                       weights=w.rename("weight"), membership=frame)


@dataclass(eq=False)
class MultilevelFuzzyResult(VectorResult):
    """Two-level fuzzy evaluation (see :func:`multilevel_fuzzy_evaluation`).

    Attributes
    ----------
    result : FuzzyResult
        The top-level evaluation (criteria weights ∘ matrix of criterion vectors).
    criteria : pandas.DataFrame
        The second-level membership matrix: one row per criterion, its evaluation vector.
    children : dict
        Criterion -> its :class:`FuzzyResult`.
    """

    result: FuzzyResult
    criteria: pd.DataFrame
    children: dict[Any, FuzzyResult] = field(default_factory=dict)
    _vector_field = "vector"

    @property
    def vector(self) -> pd.Series:
        """The top-level evaluation vector."""
        return self.result.vector

    @property
    def grade(self) -> Any:
        """Top-level grade of maximum membership."""
        return self.result.grade

    @property
    def score(self) -> float | None:
        """Top-level score (when grade scores were given)."""
        return self.result.score

    @property
    def summary(self) -> pd.DataFrame:
        """The evaluation vector of every criterion and, last, the overall one (row ``"overall"``)."""
        return pd.concat([self.criteria, self.result.vector.to_frame("overall").T])

    def _report(self) -> str:
        """Plain-text report of every criterion and the overall evaluation."""
        lines = [f"{name}: " + child._report() for name, child in self.children.items()]
        return "\n".join(["overall: " + self.result._report()] + lines)


def multilevel_fuzzy_evaluation(criteria_weights: Any, factors: Mapping[Any, tuple[Any, Any]],
                                operator: str = "weighted-average", *, grades: Sequence | None = None,
                                grade_scores: Any = None, normalise: bool = True) -> MultilevelFuzzyResult:
    """Two-level (multi-level) fuzzy comprehensive evaluation (多级模糊综合评价).

    Each criterion k is first evaluated from its factors, ``B_k = A_k ∘ R_k``; the
    vectors ``B_k`` (normalised to sum 1 when ``normalise``) form the second-level
    matrix, which is evaluated with the criteria weights: ``B = A ∘ [B_1; ...; B_K]``.

    Parameters
    ----------
    criteria_weights : array-like, Series or dict
        Weights of the criteria (in the order / with the labels of ``factors``).
    factors : dict
        Criterion -> ``(weights, membership)`` of its factors. A :class:`FuzzyResult`
        may be given instead of the pair (and a :class:`MultilevelFuzzyResult`, for
        deeper hierarchies).
    operator, grades, grade_scores
        As in :func:`fuzzy_evaluation` (one operator for all levels).
    normalise : bool, default True
        Normalise each B_k to sum 1 before the next level (no effect for the weighted
        average when membership rows sum to 1).

    Returns
    -------
    MultilevelFuzzyResult

    Examples
    --------
    >>> R = [[0.2, 0.5, 0.2, 0.1], [0.7, 0.2, 0.1, 0.0], [0.0, 0.4, 0.5, 0.1], [0.2, 0.3, 0.5, 0.0]]
    >>> result = multilevel_fuzzy_evaluation(
    ...     {"product": 0.6, "service": 0.4},
    ...     {"product": ([0.1, 0.2, 0.3, 0.4], R), "service": ([0.5, 0.5], [[0.3, 0.4, 0.2, 0.1], [0.1, 0.5, 0.3, 0.1]])},
    ...     grades=["A", "B", "C", "D"])
    >>> result.criteria.round(3).to_numpy().tolist()
    [[0.24, 0.33, 0.39, 0.04], [0.2, 0.45, 0.25, 0.1]]
    >>> result.vector.round(3).tolist(), result.grade
    ([0.224, 0.378, 0.334, 0.064], 'B')
    """
    children: dict[Any, FuzzyResult] = {}
    for name, spec in factors.items():
        if isinstance(spec, (FuzzyResult, MultilevelFuzzyResult)):
            child = spec.result if isinstance(spec, MultilevelFuzzyResult) else spec
        else:
            if not (isinstance(spec, tuple) and len(spec) == 2):
                raise ValueError(f"factors[{name!r}] must be a (weights, membership) pair or a FuzzyResult")
            child = fuzzy_evaluation(spec[0], spec[1], operator, grades=grades, grade_scores=grade_scores)
        children[name] = child
    if not children:
        raise ValueError("factors is empty; give at least one criterion")
    first = next(iter(children.values())).vector.index
    for name, child in children.items():
        if list(child.vector.index) != list(first):
            raise ValueError(f"criterion {name!r} is evaluated on grades {list(child.vector.index)}, others on "
                             f"{list(first)}; every criterion must use the same grades")
    matrix = pd.DataFrame([(c.normalised if normalise else c.vector).to_numpy() for c in children.values()],
                          index=pd.Index(list(children)), columns=first.copy())
    if hasattr(criteria_weights, "weights") and not isinstance(criteria_weights, (pd.Series, Mapping)):
        criteria_weights = criteria_weights.weights
    if not isinstance(criteria_weights, (pd.Series, Mapping)):
        flat = np.ravel(np.asarray(criteria_weights, dtype=object))
        if len(flat) != len(children):
            raise ValueError(f"{len(flat)} criteria weights for {len(children)} criteria {list(children)}")
        criteria_weights = pd.Series(list(flat), index=matrix.index.copy())
    top = fuzzy_evaluation(criteria_weights, matrix, operator, grade_scores=grade_scores)
    return MultilevelFuzzyResult(result=top, criteria=matrix, children=children)


def membership_from_frequencies(counts: Any, grades: Sequence | None = None) -> pd.DataFrame:
    """Membership matrix from grade frequencies: each row divided by its total.

    Parameters
    ----------
    counts : array-like or DataFrame
        Factors × grades: how many respondents (experts) put each factor in each grade.
    grades : sequence, optional
        Grade labels (overriding the columns).

    Returns
    -------
    pandas.DataFrame
        Row shares, each row summing to 1.

    Examples
    --------
    >>> membership_from_frequencies([[2, 5, 2, 1], [7, 2, 1, 0]], grades=["很满意", "满意", "一般", "不满意"])
       很满意   满意   一般  不满意
    0  0.2  0.5  0.2  0.1
    1  0.7  0.2  0.1  0.0
    """
    frame = as_frame(counts, name="counts")
    if grades is not None:
        if len(grades) != frame.shape[1]:
            raise ValueError(f"{len(grades)} grades given for {frame.shape[1]} count columns")
        frame.columns = pd.Index(list(grades))
    if (frame.to_numpy() < 0).any():
        raise ValueError("grade frequencies must be non-negative")
    totals = frame.sum(axis=1)
    if (totals <= 0).any():
        raise ValueError(f"factor(s) {list(totals.index[totals <= 0])} have no responses")
    return frame.div(totals, axis=0)


def membership_from_responses(responses: pd.DataFrame, levels: Sequence, grades: Sequence | None = None
                              ) -> pd.DataFrame:
    """Membership matrix from raw survey answers: per item (column), the share of each level.

    Parameters
    ----------
    responses : DataFrame
        One row per respondent, one column per item (factor); missing answers are ignored.
    levels : sequence
        The answer values in grade order, e.g. ``[5, 4, 3, 2, 1]`` (best grade first).
    grades : sequence, optional
        Labels of the levels (default: the levels themselves).

    Returns
    -------
    pandas.DataFrame
        Items × grades, rows summing to 1.

    Raises
    ------
    ValueError
        Answers that are not among ``levels``, or an item without answers.

    Examples
    --------
    >>> answers = pd.DataFrame({"q1": [5, 4, 4, 3], "q2": [2, 3, 3, None]})
    >>> membership_from_responses(answers, levels=[5, 4, 3, 2, 1], grades=["A", "B", "C", "D", "E"])
           A    B         C         D    E
    q1  0.25  0.5  0.250000  0.000000  0.0
    q2  0.00  0.0  0.666667  0.333333  0.0
    """
    if not isinstance(responses, pd.DataFrame):
        responses = pd.DataFrame(responses)
    labels = list(grades) if grades is not None else list(levels)
    if len(labels) != len(levels):
        raise ValueError(f"{len(labels)} grades for {len(levels)} levels")
    rows = {}
    for column in responses.columns:
        answers = responses[column].dropna()
        unknown = sorted(set(answers.tolist()) - set(levels), key=str)
        if unknown:
            raise ValueError(f"item {column!r} has answers {unknown[:5]} that are not among the levels {list(levels)}")
        counts = answers.value_counts().reindex(list(levels), fill_value=0).to_numpy(dtype=float)
        rows[column] = counts
    return membership_from_frequencies(pd.DataFrame.from_dict(rows, orient="index"), labels)


def membership_from_values(values: Any, centres: Sequence, grades: Sequence | None = None) -> pd.DataFrame:
    """Membership of indicator values in grades from piecewise-linear membership functions.

    Grade j has membership 1 at its centre ``c_j`` and falls linearly to 0 at the
    neighbouring centres (triangular functions); the first and last grades are
    shoulders (membership 1 beyond their centre). Memberships of a value sum to 1.
    Centres may be increasing (first grade = lowest values) or decreasing (first
    grade = highest values, e.g. "excellent" first for a benefit indicator).

    Parameters
    ----------
    values : scalar, array-like, Series or dict
        Indicator values (one row of the result each).
    centres : sequence
        Strictly monotone grade centres, one per grade.
    grades : sequence, optional
        Grade labels (default: the centres).

    Returns
    -------
    pandas.DataFrame
        Values × grades.

    Examples
    --------
    Retention rate 0.72 against grade centres excellent 0.9, good 0.75, fair 0.6, poor 0.45:

    >>> membership_from_values({"retention": 0.72, "csat": 0.95}, [0.9, 0.75, 0.6, 0.45],
    ...                        ["excellent", "good", "fair", "poor"]).round(3)
               excellent  good  fair  poor
    retention        0.0   0.8   0.2   0.0
    csat             1.0   0.0   0.0   0.0
    """
    c = np.array([to_number(v, "centre") for v in centres], dtype=float)
    if len(c) < 2:
        raise ValueError("give at least two grade centres")
    steps = np.diff(c)
    if not ((steps > 0).all() or (steps < 0).all()):
        raise ValueError(f"grade centres must be strictly increasing or strictly decreasing, got {list(centres)}")
    labels = list(grades) if grades is not None else list(centres)
    if len(labels) != len(c):
        raise ValueError(f"{len(labels)} grades for {len(c)} centres")
    if isinstance(values, (pd.Series, Mapping)):
        series = pd.Series(dict(values)) if isinstance(values, Mapping) else values
        index, x = series.index, series.to_numpy(dtype=float)
    else:
        x = np.atleast_1d(np.asarray(values, dtype=float))
        index = pd.RangeIndex(len(x))
    if not np.isfinite(x).all():
        raise ValueError("values must be finite")
    order = np.argsort(c)
    eye = np.eye(len(c))
    columns = {}
    for j, label in enumerate(labels):
        columns[label] = np.interp(x, c[order], eye[j][order])
    return pd.DataFrame(columns, index=index)
