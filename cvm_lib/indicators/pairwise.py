"""Analytic Hierarchy Process (AHP, 层次分析法): weights from pairwise comparisons.

Conventions
-----------
* A pairwise matrix ``A`` has ``a_ij`` = importance of criterion *i* relative to
  criterion *j* on Saaty's 1–9 scale, ``a_ii = 1`` and ``a_ji = 1 / a_ij``.
  Reciprocity is checked with a relative tolerance (``|a_ij a_ji − 1| ≤ 0.02`` by
  default) so that judgements typed as ``0.33`` for 1/3 are accepted; fractions may
  be given as strings (``"1/3"``), as in YAML files.
* Weights (``method``):

  - ``"eigenvector"`` (default, Saaty): the principal right eigenvector of ``A``,
    normalised to sum to 1;
  - ``"geometric-mean"`` (row geometric means, normalised; 方根法, the logarithmic
    least-squares solution);
  - ``"column-normalisation"`` (normalise each column to sum 1, then average the
    rows; 和积法, Saaty's "additive normalisation" approximation).

* ``lambda_max`` is always the principal (Perron) eigenvalue of ``A``, whatever the
  weighting method: the consistency of the judgements is a property of the matrix.
  ``CI = (λmax − n) / (n − 1)`` (0 for n ≤ 2); ``CR = CI / RI(n)``.
* Random index ``RI(n)``: Saaty (1980) table :data:`SAATY_RANDOM_INDEX`,
  n = 1..11: 0, 0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51.
  Other tables exist (Saaty 2005; Donegan & Dodd 1991; Alonso & Lamata 2006); pass
  your own as a mapping ``{n: RI}`` or a number.  For n ≤ 2 every reciprocal matrix
  is consistent and CR = 0.
* ``CR > 0.1`` (``threshold``) marks the matrix as inconsistent; the judgements
  that deviate most from the weights, ``|ln(a_ij w_j / w_i)|``, are listed in
  ``worst_judgements`` with the nearest Saaty-scale value ``w_i / w_j`` would suggest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from cvm_lib.indicators._common import WEIGHT_SUM_TOL, VectorResult, as_frame, format_series, to_number

__all__ = ["SAATY_RANDOM_INDEX", "SAATY_SCALE", "AHPResult", "HierarchyResult", "ahp", "hierarchical_ahp",
           "pairwise_matrix", "random_index"]

#: Saaty (1980) random consistency index by matrix order n (average CI of random
#: reciprocal matrices), the table most textbooks print.
SAATY_RANDOM_INDEX: dict[int, float] = {1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41,
                                        9: 1.45, 10: 1.49, 11: 1.51}

#: Saaty's fundamental scale: 1/9 ... 1/2, 1, 2 ... 9.
SAATY_SCALE: tuple[float, ...] = tuple([1 / k for k in range(9, 1, -1)] + list(range(1, 10)))

_METHODS = {"eigenvector": "eigenvector", "eigen": "eigenvector", "principal-eigenvector": "eigenvector",
            "geometric-mean": "geometric-mean", "geometric": "geometric-mean", "row-geometric-mean": "geometric-mean",
            "column-normalisation": "column-normalisation", "column-normalization": "column-normalisation",
            "additive-normalisation": "column-normalisation", "additive-normalization": "column-normalisation"}
_METHOD_NAMES = {"eigenvector": "principal eigenvector", "geometric-mean": "row geometric mean",
                 "column-normalisation": "column normalisation"}

Method = Literal["eigenvector", "geometric-mean", "column-normalisation"]


def random_index(n: int, table: Mapping[int, float] | float | None = None) -> float:
    """Random consistency index RI(n), from Saaty's (1980) table unless another is given.

    Examples
    --------
    >>> random_index(7), random_index(3), random_index(2)
    (1.32, 0.58, 0.0)
    >>> random_index(5, {5: 1.11})
    1.11
    """
    if table is None:
        table = SAATY_RANDOM_INDEX
    if isinstance(table, Mapping):
        if n <= 2 and n not in table:
            return 0.0
        if n not in table:
            raise ValueError(f"no random index for n = {n} in the table (it covers n = {sorted(table)}); "
                             "pass random_index={n: value} from a larger table")
        return float(table[n])
    value = to_number(table, "random_index")
    if value < 0:
        raise ValueError(f"random_index must be non-negative, got {value}")
    return value


_random_index = random_index  # ahp() has a parameter of the same name


def pairwise_matrix(judgements: Any, labels: list | None = None, *, tol: float = 0.02) -> pd.DataFrame:
    """A validated reciprocal pairwise-comparison matrix as a labelled DataFrame.

    Parameters
    ----------
    judgements : array-like, DataFrame or dict
        A square matrix (nested lists, NumPy array or DataFrame with the same labels
        on rows and columns), or a dict ``{(i, j): a_ij}`` of judgements. In the dict
        form each unordered pair needs one judgement (the reciprocal is filled in; if
        both orders are given they must be reciprocal) and the diagonal is 1.
        Entries may be fraction strings such as ``"1/3"``.
    labels : list, optional
        Criterion labels: the order of the dict form (default: order of first
        appearance), or names for an unlabelled array.
    tol : float, default 0.02
        Relative tolerance of the checks ``a_ii = 1`` and ``a_ij a_ji = 1``.

    Returns
    -------
    pandas.DataFrame
        Square float matrix with the labels on both axes.

    Raises
    ------
    ValueError
        Non-square, non-positive, non-reciprocal or incomplete judgements.

    Examples
    --------
    >>> pairwise_matrix({("price", "quality"): "1/3", ("price", "service"): 2, ("quality", "service"): 5})
             price   quality  service
    price      1.0  0.333333      2.0
    quality    3.0  1.000000      5.0
    service    0.5  0.200000      1.0
    """
    if isinstance(judgements, Mapping):
        matrix = _from_pairs(judgements, labels, tol)
    else:
        matrix = as_frame(judgements, name="pairwise matrix")
        if labels is not None:
            if len(labels) != matrix.shape[0]:
                raise ValueError(f"{len(labels)} labels given for a {matrix.shape[0]}-row pairwise matrix")
            matrix.index = pd.Index(labels)
            matrix.columns = pd.Index(labels)
        elif isinstance(judgements, pd.DataFrame):
            if set(matrix.index) != set(matrix.columns) or len(matrix.index) != len(matrix.columns):
                raise ValueError("pairwise matrix must have the same labels on rows and columns; got rows "
                                 f"{list(matrix.index)} and columns {list(matrix.columns)}")
            matrix = matrix.loc[:, list(matrix.index)]
        if matrix.shape[0] != matrix.shape[1]:
            raise ValueError(f"pairwise matrix must be square (n × n), got shape {matrix.shape}")
    if matrix.index.has_duplicates:
        raise ValueError(f"pairwise matrix has duplicate labels: {list(matrix.index[matrix.index.duplicated()])}")
    _check_reciprocal(matrix, tol)
    return matrix


def _from_pairs(judgements: Mapping, labels: list | None, tol: float) -> pd.DataFrame:
    order: list = list(labels) if labels is not None else []
    for key in judgements:
        if not (isinstance(key, tuple) and len(key) == 2):
            raise ValueError(f"pairwise judgements must be keyed by (row, column) pairs, got key {key!r}")
        for label in key:
            if label not in order:
                if labels is not None:
                    raise ValueError(f"judgement {key!r} names {label!r}, which is not among the labels {labels}")
                order.append(label)
    n = len(order)
    position = {label: i for i, label in enumerate(order)}
    values = np.full((n, n), np.nan)
    np.fill_diagonal(values, 1.0)
    for (row, col), value in judgements.items():
        number = to_number(value, f"judgement {(row, col)!r}")
        i, j = position[row], position[col]
        if i == j:
            if abs(number - 1.0) > tol:
                raise ValueError(f"judgement {(row, col)!r} compares a criterion with itself and must be 1, "
                                 f"got {number:g}")
            continue
        if not np.isnan(values[i, j]) and abs(values[i, j] * (1 / number) - 1) > tol:
            raise ValueError(f"judgements {(row, col)!r} = {number:g} and {(col, row)!r} = "
                             f"{1 / values[j, i]:g} are not reciprocal (expected {(col, row)!r} = 1/{number:g})")
        values[i, j] = number
        if number > 0 and np.isnan(values[j, i]):
            values[j, i] = 1.0 / number
    missing = [(order[i], order[j]) for i in range(n) for j in range(i + 1, n) if np.isnan(values[i, j])]
    if missing:
        raise ValueError(f"{len(missing)} pairwise judgement(s) missing, e.g. {missing[:5]}; every pair of "
                         f"{order} needs one judgement (incomplete matrices are not supported)")
    return pd.DataFrame(values, index=pd.Index(order), columns=pd.Index(order))


def _check_reciprocal(matrix: pd.DataFrame, tol: float) -> None:
    a = matrix.to_numpy()
    labels = list(matrix.index)
    if (a <= 0).any():
        i, j = np.argwhere(a <= 0)[0]
        raise ValueError(f"pairwise judgements must be positive; a[{labels[i]!r}, {labels[j]!r}] = {a[i, j]:g}")
    diagonal = np.diag(a)
    if (np.abs(diagonal - 1) > tol).any():
        i = int(np.argmax(np.abs(diagonal - 1)))
        raise ValueError(f"pairwise matrix diagonal must be 1; a[{labels[i]!r}, {labels[i]!r}] = {diagonal[i]:g}")
    product = a * a.T
    bad = np.argwhere(np.triu(np.abs(product - 1) > tol, k=1))
    if len(bad):
        i, j = bad[0]
        raise ValueError(
            f"pairwise matrix is not reciprocal at {len(bad)} pair(s): a[{labels[i]!r}, {labels[j]!r}] = "
            f"{a[i, j]:g} but a[{labels[j]!r}, {labels[i]!r}] = {a[j, i]:g} (expected 1/{a[i, j]:g} = "
            f"{1 / a[i, j]:.4g}; a_ji must equal 1/a_ij)")


@dataclass(eq=False)
class AHPResult(VectorResult):
    """Weights and consistency of one pairwise-comparison matrix (see :func:`ahp`).

    Behaves like its ``weights`` in NumPy (``np.asarray(result)``) and ``result[label]``.

    Attributes
    ----------
    weights : pandas.Series
        Priority weights (sum 1), indexed by criterion.
    lambda_max : float
        Principal eigenvalue λmax of the matrix.
    consistency_index : float
        CI = (λmax − n) / (n − 1).
    consistency_ratio : float
        CR = CI / RI.
    random_index : float
        RI used.
    consistent : bool
        ``consistency_ratio <= threshold``.
    worst_judgements : pandas.DataFrame
        All pairs i < j sorted by ``deviation`` = |ln(a_ij w_j / w_i)|, most
        inconsistent first: ``row``, ``column``, ``judgement`` (a_ij), ``implied``
        (w_i / w_j), ``deviation``, ``suggested`` (nearest Saaty-scale value to w_i/w_j).
    matrix : pandas.DataFrame
        The validated pairwise matrix.
    method : str
        Weighting method.
    threshold : float
        CR threshold used for ``consistent``.
    """

    weights: pd.Series
    lambda_max: float
    consistency_index: float
    consistency_ratio: float
    random_index: float
    consistent: bool
    worst_judgements: pd.DataFrame
    matrix: pd.DataFrame
    method: str = "eigenvector"
    threshold: float = 0.1
    _vector_field = "weights"

    @property
    def n(self) -> int:
        """Number of criteria."""
        return len(self.weights)

    def to_frame(self) -> pd.DataFrame:
        """Weights with their rank (1 = most important)."""
        return pd.DataFrame({"weight": self.weights,
                             "rank": self.weights.rank(ascending=False, method="min").astype(int)})

    @property
    def summary(self) -> pd.DataFrame:
        """Weight and rank per criterion (λmax, CI and CR are in the caption and attributes)."""
        return self.to_frame()

    def _report(self, top: int = 3) -> str:
        """Plain-text report: weights, λmax, CI, RI, CR and, if inconsistent, the worst judgements."""
        verdict = "consistent" if self.consistent else "INCONSISTENT"
        lines = [f"AHP ({_METHOD_NAMES[self.method]}), n = {self.n}",
                 f"lambda_max = {self.lambda_max:.4f}, CI = {self.consistency_index:.4f}, "
                 f"RI = {self.random_index:.2f}, CR = {self.consistency_ratio:.4f} -> {verdict} "
                 f"(threshold {self.threshold:g})",
                 "weights:", format_series(self.weights)]
        if not self.consistent and len(self.worst_judgements):
            lines.append("most inconsistent judgements (revise these first):")
            for row in self.worst_judgements.head(top).itertuples():
                lines.append(f"  a[{row.row}, {row.column}] = {row.judgement:.4g}; the weights imply "
                             f"{row.implied:.4g} (nearest scale value {_fmt_scale(row.suggested)})")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"AHPResult(n={self.n}, method={self.method!r}, lambda_max={self.lambda_max:.4f}, "
                f"CI={self.consistency_index:.4f}, CR={self.consistency_ratio:.4f}, consistent={self.consistent})")


def _fmt_scale(value: float) -> str:
    return f"{value:g}" if value >= 1 else f"1/{round(1 / value):d}"


def ahp(matrix: Any, *, method: Method = "eigenvector", labels: list | None = None,
        random_index: Mapping[int, float] | float | None = None, threshold: float = 0.1,
        tol: float = 0.02) -> AHPResult:
    """Priority weights and consistency of a pairwise-comparison matrix (AHP).

    Parameters
    ----------
    matrix : array-like, DataFrame or dict
        Reciprocal pairwise matrix, or ``{(i, j): a_ij}`` judgements (see
        :func:`pairwise_matrix`). DataFrame and dict labels are kept.
    method : {"eigenvector", "geometric-mean", "column-normalisation"}
        How weights are derived (see module notes); default Saaty's principal eigenvector.
    labels : list, optional
        Criterion labels (order for the dict form; names for an array).
    random_index : mapping or float, optional
        RI table ``{n: RI}`` or a value; default Saaty (1980), :data:`SAATY_RANDOM_INDEX`.
    threshold : float, default 0.1
        CR above which the matrix is reported inconsistent (Saaty's 10% rule).
    tol : float, default 0.02
        Relative tolerance of the reciprocity check.

    Returns
    -------
    AHPResult

    Raises
    ------
    ValueError
        Non-square or non-reciprocal matrix, non-positive judgements, missing pairs,
        unknown method, or an order n beyond the RI table.

    Notes
    -----
    λmax is the principal eigenvalue for every method, CI = (λmax − n)/(n − 1) and
    CR = CI/RI(n) with Saaty's (1980) RI (0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45,
    1.49, 1.51 for n = 3..11). Tiny negative CI from rounding is set to 0.

    Examples
    --------
    Saaty (2008), relative consumption of drinks in the U.S.; published weights
    0.177, 0.019, 0.042, 0.116, 0.190, 0.129, 0.327 and CR 0.022:

    >>> drinks = ["Coffee", "Wine", "Tea", "Beer", "Soda", "Milk", "Water"]
    >>> A = [[1, 9, 5, 2, 1, 1, "1/2"],
    ...      ["1/9", 1, "1/3", "1/9", "1/9", "1/9", "1/9"],
    ...      ["1/5", 3, 1, "1/3", "1/4", "1/3", "1/9"],
    ...      ["1/2", 9, 3, 1, "1/2", 1, "1/3"],
    ...      [1, 9, 4, 2, 1, 2, "1/2"],
    ...      [1, 9, 3, 1, "1/2", 1, "1/3"],
    ...      [2, 9, 9, 3, 2, 3, 1]]
    >>> result = ahp(A, labels=drinks)
    >>> result.weights.round(3)
    Coffee    0.177
    Wine      0.019
    Tea       0.042
    Beer      0.116
    Soda      0.190
    Milk      0.129
    Water     0.327
    Name: weight, dtype: float64
    >>> round(result.lambda_max, 4), round(result.consistency_index, 5), round(result.consistency_ratio, 3)
    (7.1766, 0.02944, 0.022)
    >>> result.consistent
    True

    Pairwise judgements as a dict (the Wikipedia "leader" criteria; published
    weights 0.548, 0.127, 0.270, 0.056 and CR 0.044):

    >>> leader = ahp({("Experience", "Education"): 4, ("Experience", "Charisma"): 3, ("Experience", "Age"): 7,
    ...               ("Education", "Charisma"): "1/3", ("Education", "Age"): 3, ("Charisma", "Age"): 5})
    >>> leader.weights.round(3).to_dict()
    {'Experience': 0.548, 'Education': 0.127, 'Charisma': 0.27, 'Age': 0.056}
    >>> round(leader.consistency_ratio, 3)
    0.044
    """
    key = _METHODS.get(str(method).strip().lower().replace("_", "-").replace(" ", "-"))
    if key is None:
        raise ValueError(f"method={method!r}; use 'eigenvector', 'geometric-mean' or 'column-normalisation'")
    if not (0 < threshold < 1):
        raise ValueError(f"threshold must lie in (0, 1), got {threshold}")
    frame = pairwise_matrix(matrix, labels, tol=tol)
    a = frame.to_numpy()
    n = a.shape[0]
    eigenvalues, eigenvectors = np.linalg.eig(a)
    k = int(np.argmax(eigenvalues.real))
    lambda_max = float(eigenvalues[k].real)
    if key == "eigenvector":
        vector = np.abs(eigenvectors[:, k].real)
    elif key == "geometric-mean":
        vector = np.exp(np.log(a).mean(axis=1))
    else:
        vector = (a / a.sum(axis=0)).mean(axis=1)
    weights = pd.Series(vector / vector.sum(), index=frame.index.copy(), name="weight")
    ci = max((lambda_max - n) / (n - 1), 0.0) if n > 1 else 0.0
    ri = _random_index(n, random_index)
    cr = ci / ri if ri > 0 else 0.0
    return AHPResult(weights=weights, lambda_max=lambda_max, consistency_index=ci, consistency_ratio=cr,
                     random_index=ri, consistent=bool(cr <= threshold),
                     worst_judgements=_worst_judgements(frame, weights), matrix=frame, method=key,
                     threshold=threshold)


def _worst_judgements(matrix: pd.DataFrame, weights: pd.Series) -> pd.DataFrame:
    a = matrix.to_numpy()
    w = weights.to_numpy()
    i, j = np.triu_indices(len(w), k=1)
    implied = w[i] / w[j]
    deviation = np.abs(np.log(a[i, j] / implied))
    scale = np.asarray(SAATY_SCALE)
    suggested = scale[np.argmin(np.abs(np.log(implied)[:, None] - np.log(scale)[None, :]), axis=1)]
    table = pd.DataFrame({"row": matrix.index[i], "column": matrix.index[j], "judgement": a[i, j],
                          "implied": implied, "deviation": deviation, "suggested": suggested})
    return table.sort_values("deviation", ascending=False, kind="stable").reset_index(drop=True)


@dataclass(eq=False)
class HierarchyResult(VectorResult):
    """Global weights of a two-level (criteria → sub-indicators) hierarchy (see :func:`hierarchical_ahp`).

    Attributes
    ----------
    global_weights : pandas.Series
        Weight of each leaf indicator = criterion weight × local weight; sums to 1.
    table : pandas.DataFrame
        One row per leaf: ``criterion``, ``indicator``, ``criterion_weight``,
        ``local_weight``, ``global_weight``.
    criteria : AHPResult or None
        The criteria-level result (None when criterion weights were given directly).
    local : dict
        Criterion -> its :class:`AHPResult` (or :class:`HierarchyResult`, or None when
        local weights were given directly or the criterion has no sub-indicators).
    consistency_ratio : float
        Overall (hierarchical) CR = Σ_k w_k CI_k / Σ_k w_k RI_k over the sub-matrices
        (层次总排序一致性比率); 0 when no sub-matrix has RI > 0.
    consistent : bool
        Every matrix and the overall CR pass the threshold.
    """

    global_weights: pd.Series
    table: pd.DataFrame
    criteria: AHPResult | None
    local: dict[Any, Any] = field(default_factory=dict)
    consistency_ratio: float = 0.0
    consistent: bool = True
    _vector_field = "global_weights"

    @property
    def weights(self) -> pd.Series:
        """Alias of ``global_weights`` (so a hierarchy can be nested in another)."""
        return self.global_weights

    def to_frame(self) -> pd.DataFrame:
        """The weight table."""
        return self.table.copy()

    @property
    def summary(self) -> pd.DataFrame:
        """The weight table (criterion, indicator, criterion, local and global weight)."""
        return self.to_frame()

    def _report(self) -> str:
        """Plain-text report of the criteria and global weights and the consistency checks."""
        lines = ["Hierarchical AHP"]
        if self.criteria is not None:
            lines.append(f"criteria: CR = {self.criteria.consistency_ratio:.4f}")
        for name, result in self.local.items():
            if isinstance(result, AHPResult):
                lines.append(f"  {name}: CR = {result.consistency_ratio:.4f}"
                             + ("" if result.consistent else " INCONSISTENT"))
        lines.append(f"overall CR = {self.consistency_ratio:.4f} -> "
                     + ("consistent" if self.consistent else "INCONSISTENT"))
        lines.append("global weights:")
        lines.append(format_series(self.global_weights))
        return "\n".join(lines)


def _level(spec: Any, method: str, random_index: Any, threshold: float, what: str
           ) -> tuple[pd.Series, AHPResult | HierarchyResult | None]:
    """Local weights of one node: an AHP matrix/dict, a result, or given weights (Series)."""
    if isinstance(spec, (AHPResult, HierarchyResult)):
        return spec.weights, spec
    if isinstance(spec, pd.Series) or (isinstance(spec, Mapping) and not any(isinstance(k, tuple) for k in spec)):
        weights = pd.Series(dict(spec)) if isinstance(spec, Mapping) else spec.astype(float)
        weights = weights.astype(float)
        if (weights < 0).any() or abs(float(weights.sum()) - 1) > WEIGHT_SUM_TOL + 1e-12:
            raise ValueError(f"{what}: given weights must be non-negative and sum to 1, got {weights.to_dict()}")
        return weights / weights.sum(), None
    result = ahp(spec, method=method, random_index=random_index, threshold=threshold)
    return result.weights, result


def hierarchical_ahp(criteria: Any, subcriteria: Mapping[Any, Any], *, method: Method = "eigenvector",
                     random_index: Mapping[int, float] | float | None = None,
                     threshold: float = 0.1) -> HierarchyResult:
    """Global weights of a hierarchy: criteria weights × local sub-indicator weights.

    Parameters
    ----------
    criteria : matrix, dict of judgements, AHPResult, or Series/dict of given weights
        The criteria level (labels must be the keys of ``subcriteria``).
    subcriteria : dict
        Criterion -> its sub-indicators, as a pairwise matrix (DataFrame), a dict of
        judgements ``{(i, j): a_ij}``, an :class:`AHPResult`, a Series/dict of given
        local weights, or a :class:`HierarchyResult` (deeper levels). A criterion
        missing here is itself a leaf.
    method, random_index, threshold
        As in :func:`ahp`, for every matrix.

    Returns
    -------
    HierarchyResult

    Raises
    ------
    ValueError
        Unknown criteria in ``subcriteria``, duplicate leaf names, or any invalid matrix.

    Examples
    --------
    >>> criteria = {("customer", "financial"): 2, ("customer", "process"): 3, ("financial", "process"): 2}
    >>> sub = {"customer": {("retention", "satisfaction"): 2},
    ...        "process": pd.Series({"complaints": 0.5, "response_time": 0.5})}
    >>> h = hierarchical_ahp(criteria, sub)
    >>> h.global_weights.round(4)
    retention        0.3597
    satisfaction     0.1799
    financial        0.2970
    complaints       0.0817
    response_time    0.0817
    Name: global_weight, dtype: float64
    >>> round(float(h.global_weights.sum()), 12)
    1.0
    """
    criteria_weights, criteria_result = _level(criteria, method, random_index, threshold, "criteria")
    unknown = [k for k in subcriteria if k not in criteria_weights.index]
    if unknown:
        raise ValueError(f"subcriteria for unknown criteria {unknown}; the criteria are "
                         f"{list(criteria_weights.index)}")
    rows = []
    local: dict[Any, Any] = {}
    ci_sum = ri_sum = 0.0
    all_consistent = criteria_result is None or criteria_result.consistent
    for criterion, weight in criteria_weights.items():
        if criterion in subcriteria:
            local_weights, result = _level(subcriteria[criterion], method, random_index, threshold,
                                           f"subcriteria[{criterion!r}]")
            local[criterion] = result
            if isinstance(result, AHPResult):
                ci_sum += weight * result.consistency_index
                ri_sum += weight * result.random_index
                all_consistent &= result.consistent
            elif isinstance(result, HierarchyResult):
                all_consistent &= result.consistent
            for indicator, lw in local_weights.items():
                rows.append((criterion, indicator, weight, lw))
        else:
            local[criterion] = None
            rows.append((criterion, criterion, weight, 1.0))
    table = pd.DataFrame(rows, columns=["criterion", "indicator", "criterion_weight", "local_weight"])
    table["global_weight"] = table["criterion_weight"] * table["local_weight"]
    duplicated = table["indicator"][table["indicator"].duplicated()].tolist()
    if duplicated:
        raise ValueError(f"indicator names must be unique across criteria; repeated: {duplicated}")
    overall = ci_sum / ri_sum if ri_sum > 0 else 0.0
    global_weights = pd.Series(table["global_weight"].to_numpy(), index=pd.Index(table["indicator"].tolist()),
                               name="global_weight")
    return HierarchyResult(global_weights=global_weights, table=table, criteria=criteria_result, local=local,
                           consistency_ratio=overall, consistent=bool(all_consistent and overall <= threshold))
