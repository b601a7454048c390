"""Input coercion and checks shared by the indicator methods (internal).

Every public function accepts NumPy arrays, nested lists, pandas objects or dicts;
these helpers turn them into labelled float DataFrames/Series and raise
:class:`ValueError` with messages that say what was expected.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

#: Weights may deviate from a sum of 1 by this much (published weights are rounded to
#: 3 or 4 decimals); they are then rescaled to sum exactly to 1.
WEIGHT_SUM_TOL = 1e-3

_BENEFIT_WORDS = {"benefit": True, "max": True, "maximise": True, "maximize": True, "+": True, "positive": True,
                  "正向": True, "效益": True, "效益型": True,
                  "cost": False, "min": False, "minimise": False, "minimize": False, "-": False,
                  "negative": False, "逆向": False, "负向": False, "成本": False, "成本型": False}


def to_number(value: Any, what: str = "value") -> float:
    """A float from a number or a fraction string such as ``"1/3"`` (as written in YAML files)."""
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{what} is a boolean ({value!r}); expected a number")
    if isinstance(value, str):
        try:
            return float(Fraction(value.strip()))
        except (ValueError, ZeroDivisionError):
            raise ValueError(f"{what} = {value!r} is not a number or a fraction such as '1/3'") from None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} = {value!r} is not a number") from None


def as_frame(data: Any, *, name: str = "X") -> pd.DataFrame:
    """A finite float DataFrame (rows = alternatives/units, columns = criteria); labels kept."""
    if isinstance(data, pd.DataFrame):
        frame = data
    else:
        if isinstance(data, pd.Series):
            raise ValueError(f"{name} must be two-dimensional (alternatives × criteria), got a Series")
        array = np.asarray(data, dtype=object)
        if array.ndim != 2:
            raise ValueError(f"{name} must be two-dimensional (alternatives × criteria), got shape {array.shape}")
        frame = pd.DataFrame(array)
    if frame.shape[0] == 0 or frame.shape[1] == 0:
        raise ValueError(f"{name} is empty (shape {frame.shape}); expected at least one row and one column")
    if all(pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
           for dtype in frame.dtypes):
        values = frame.to_numpy(dtype=float, na_value=np.nan)
    else:  # object/str cells: numbers or fraction strings such as "1/3"
        values = np.array([[np.nan if v is None or v is pd.NA else to_number(v, f"{name}[{r!r}, {c!r}]")
                            for c, v in zip(frame.columns, row)]
                           for r, row in zip(frame.index, frame.to_numpy(dtype=object))], dtype=float)
    if not np.isfinite(values).all():
        rows, cols = np.nonzero(~np.isfinite(values))
        where = ", ".join(f"[{frame.index[r]!r}, {frame.columns[c]!r}]" for r, c in zip(rows[:5], cols[:5]))
        raise ValueError(f"{name} has {len(rows)} missing or infinite value(s), first at {where}; "
                         "impute or drop them first")
    return pd.DataFrame(values, index=frame.index.copy(), columns=frame.columns.copy())


def as_vector(values: Any, labels: pd.Index, *, name: str) -> pd.Series:
    """A float Series aligned to ``labels`` (by label for Series/dicts, by position otherwise)."""
    if isinstance(values, (pd.Series, Mapping)):
        series = pd.Series(dict(values)) if isinstance(values, Mapping) else values
        if isinstance(labels, pd.RangeIndex) and labels.start == 0 and len(series) == len(labels) \
                and not set(series.index) & set(labels):
            # unlabelled data (a NumPy array) with labelled weights: take them in order
            series = pd.Series(series.to_numpy(), index=labels)
        missing = [label for label in labels if label not in series.index]
        extra = [label for label in series.index if label not in labels]
        if missing or extra:
            raise ValueError(f"{name} labels do not match: missing {missing}, unexpected {extra}; "
                             f"expected one value for each of {list(labels)}")
        series = series.reindex(labels)
        raw = series.to_list()
    else:
        raw = list(np.asarray(values, dtype=object).ravel()) if not np.isscalar(values) else [values]
        if len(raw) != len(labels):
            raise ValueError(f"{name} has {len(raw)} value(s); expected {len(labels)} (one per criterion: "
                             f"{list(labels)})")
    numbers = [to_number(v, f"{name}[{label!r}]") for label, v in zip(labels, raw)]
    out = pd.Series(numbers, index=labels.copy(), dtype=float)
    if not np.isfinite(out.to_numpy()).all():
        raise ValueError(f"{name} has missing or infinite values: {out.to_dict()}")
    return out


def check_weights(weights: Any, labels: pd.Index, *, name: str = "weights", tol: float = WEIGHT_SUM_TOL
                  ) -> pd.Series:
    """Non-negative weights summing to 1 (within ``tol``), aligned to ``labels`` and rescaled to sum to 1."""
    if hasattr(weights, "weights") and not isinstance(weights, (pd.Series, Mapping, np.ndarray)):
        weights = weights.weights  # an AHPResult, EntropyResult, ...
    w = as_vector(weights, labels, name=name)
    if (w < 0).any():
        raise ValueError(f"{name} must be non-negative; got {w[w < 0].to_dict()}")
    total = float(w.sum())
    if abs(total - 1.0) > tol + 1e-12:
        raise ValueError(f"{name} must sum to 1 (within {tol:g}) but sum to {total:.6g}: "
                         f"{ {k: round(v, 6) for k, v in w.items()} }; expected one non-negative weight per "
                         f"criterion ({len(labels)}) adding up to 1 (divide by their sum to rescale)")
    return w / total


def parse_benefit(benefit: Any, labels: pd.Index, *, name: str = "benefit") -> pd.Series:
    """Boolean Series (True = benefit/larger is better, False = cost) aligned to ``labels``.

    Accepts None (all benefit), one value for all criteria, or one per criterion given as
    booleans, +1/-1, or the words "benefit"/"cost" (also "max"/"min", 正向/逆向, 效益型/成本型).
    """
    if benefit is None:
        return pd.Series(True, index=labels.copy(), dtype=bool)
    if isinstance(benefit, (str, bool, np.bool_, int, np.integer)):
        benefit = [benefit] * len(labels)
    if isinstance(benefit, (pd.Series, Mapping)):
        series = pd.Series(dict(benefit)) if isinstance(benefit, Mapping) else benefit
        missing = [label for label in labels if label not in series.index]
        extra = [label for label in series.index if label not in labels]
        if missing or extra:
            raise ValueError(f"{name} labels do not match: missing {missing}, unexpected {extra}")
        raw = series.reindex(labels).to_list()
    else:
        raw = list(benefit) if isinstance(benefit, Iterable) else [benefit]
        if len(raw) != len(labels):
            raise ValueError(f"{name} has {len(raw)} value(s); expected {len(labels)} (one per criterion)")
    flags = []
    for label, value in zip(labels, raw):
        flags.append(_one_direction(value, f"{name}[{label!r}]"))
    return pd.Series(flags, index=labels.copy(), dtype=bool)


def _one_direction(value: Any, what: str) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, str):
        key = value.strip().lower()
        if key in _BENEFIT_WORDS:
            return _BENEFIT_WORDS[key]
    elif isinstance(value, (int, np.integer, float)) and value in (1, -1):
        return value == 1
    raise ValueError(f"{what} = {value!r}; expected 'benefit' or 'cost' (or True/False, +1/-1)")


class SummaryResult:
    """Mixin: ``summary`` (a DataFrame, lifelines style), ``_repr_html_`` and ``str()``.

    A result class defines the property ``summary`` and ``_report()`` (the plain-text
    report, also ``str(result)``); the notebook shows the first line of the report as the
    caption of the summary table.
    """

    @property
    def summary(self) -> pd.DataFrame:  # pragma: no cover - every result overrides it
        raise NotImplementedError

    def _report(self) -> str:  # pragma: no cover - every result overrides it
        return type(self).__name__

    def __str__(self) -> str:
        return self._report()

    def _repr_html_(self) -> str:
        import html

        caption = html.escape(self._report().splitlines()[0])
        return f"<p><b>{caption}</b></p>" + self.summary.to_html(float_format=lambda v: f"{v:.4f}")


class VectorResult(SummaryResult):
    """Mixin: a result that behaves like its main vector in NumPy and comparisons.

    ``np.asarray(result)``, ``len(result)``, iteration and ``result[label]`` (or
    ``result[i]`` by position) act on the main Series named by ``_vector_field``.
    """

    _vector_field: str = ""

    @property
    def _vector(self) -> pd.Series:
        return getattr(self, self._vector_field)

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        return np.array(self._vector.to_numpy(), dtype=dtype)

    def __len__(self) -> int:
        return len(self._vector)

    def __iter__(self):
        return iter(self._vector.to_numpy())

    def __getitem__(self, key: Any) -> Any:
        vector = self._vector
        if isinstance(key, (int, np.integer)) and key not in vector.index:
            return vector.iloc[key]
        return vector[key]


def format_series(series: pd.Series, digits: int = 4) -> str:
    """``label value`` lines for summaries."""
    width = max(len(str(label)) for label in series.index) if len(series) else 0
    return "\n".join(f"  {str(label):<{width}}  {value:.{digits}f}" for label, value in series.items())
