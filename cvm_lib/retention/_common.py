"""Input checks, covariate encoding and the result base class shared by the retention modules."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cvm_lib.data import CvmDataError

_SOURCE = "<DataFrame>"


# --------------------------------------------------------------------------- #
# Result objects
# --------------------------------------------------------------------------- #
class Result:
    """Base of the result objects: ``summary()`` (a DataFrame), a short ``repr`` and an HTML
    repr (``_repr_html_``) built from it, as lifelines and statsmodels users expect."""

    def summary(self) -> pd.DataFrame:  # pragma: no cover - overridden
        raise NotImplementedError

    def _repr_html_(self) -> str:
        try:
            body = self.summary().to_html()
        except Exception as exc:  # a repr must never raise  # pragma: no cover
            import html

            body = f"<pre>summary unavailable: {html.escape(str(exc))}</pre>"
        return f"<p><b>{type(self).__name__}</b></p>{body}"

    def __repr__(self) -> str:
        try:
            body = self.summary().to_string()
        except Exception as exc:  # a repr must never raise  # pragma: no cover
            body = f"<summary unavailable: {exc}>"
        return f"<{type(self).__name__}>\n{body}"


# --------------------------------------------------------------------------- #
# Input checks
# --------------------------------------------------------------------------- #
def check_frame(data: Any, what: str) -> pd.DataFrame:
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"{what} must be a pandas DataFrame, got {type(data).__name__}")
    return data


def require_columns(data: pd.DataFrame, columns: Iterable[str | None], *, what: str) -> None:
    """Raise :class:`CvmDataError` naming the columns of ``data`` that are missing."""
    wanted = [c for c in columns if c is not None]
    missing = [c for c in wanted if c not in data.columns]
    if missing:
        have = list(map(str, data.columns[:25]))
        more = " ..." if len(data.columns) > 25 else ""
        raise CvmDataError(f"{what} lacks column(s) {missing}; it has {have}{more}", source=_SOURCE,
                           column=str(missing[0]))


def _first_rows(data: pd.DataFrame, mask: np.ndarray) -> list[Any]:
    return list(data.index[np.flatnonzero(mask)[:5]])


def durations(data: pd.DataFrame, column: str) -> np.ndarray:
    """Non-negative, finite, numeric durations as float64."""
    series = data[column]
    if pd.api.types.is_bool_dtype(series.dtype) or not pd.api.types.is_numeric_dtype(series.dtype):
        hint = " (convert time differences with .dt.days first)" if pd.api.types.is_timedelta64_dtype(
            series.dtype) else ""
        raise CvmDataError(f"duration column {column!r} must be numeric, got dtype {series.dtype}{hint}",
                           source=_SOURCE, column=column)
    values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(values)
    if bad.any():
        rows = _first_rows(data, bad)
        raise CvmDataError(f"duration column {column!r} has {int(bad.sum())} missing or infinite value(s), "
                           f"first at rows {rows}; durations must be finite numbers >= 0",
                           source=_SOURCE, column=column, rows=rows, n_rows=int(bad.sum()))
    negative = values < 0
    if negative.any():
        rows = _first_rows(data, negative)
        raise CvmDataError(f"duration column {column!r} has {int(negative.sum())} negative value(s), first at "
                           f"rows {rows}; durations must be >= 0", source=_SOURCE, column=column, rows=rows,
                           n_rows=int(negative.sum()))
    return values


def binary(data: pd.DataFrame, column: str, *, role: str = "event") -> np.ndarray:
    """A 0/1 (or boolean) column as int64; anything else raises :class:`CvmDataError`."""
    series = data[column]
    if pd.api.types.is_bool_dtype(series.dtype) and not series.isna().any():
        return series.to_numpy(dtype=np.int64)
    if not pd.api.types.is_numeric_dtype(series.dtype):
        raise CvmDataError(f"{role} column {column!r} must be 0/1 or boolean, got dtype {series.dtype} "
                           f"with values such as {list(pd.unique(series.head(50)))[:4]}",
                           source=_SOURCE, column=column)
    values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isin(values, (0.0, 1.0))
    if bad.any():
        rows = _first_rows(data, bad)
        shown = [series.iloc[i] for i in np.flatnonzero(bad)[:3]]
        raise CvmDataError(f"{role} column {column!r} must contain only 0 and 1 (or True/False); "
                           f"{int(bad.sum())} row(s) do not, e.g. {shown} at rows {rows}",
                           source=_SOURCE, column=column, rows=rows, n_rows=int(bad.sum()))
    return values.astype(np.int64)


def require_log(tx: Any) -> pd.DataFrame:
    """The tidy transaction-log contract: ``customer_id``, datetime ``date``, ``amount``, no gaps."""
    check_frame(tx, "the transaction log")
    require_columns(tx, ["customer_id", "date", "amount"], what="the transaction log (load it with "
                    "cvm_lib.data.load_transactions())")
    if not pd.api.types.is_datetime64_any_dtype(tx["date"].dtype):
        raise CvmDataError("transaction log column 'date' is not a datetime; load the log with "
                           "cvm_lib.data.load_transactions()", source=_SOURCE, column="date")
    gaps = tx[["customer_id", "date", "amount"]].isna().any(axis=1).to_numpy()
    if gaps.any():
        rows = _first_rows(tx, gaps)
        raise CvmDataError(f"the transaction log has {int(gaps.sum())} row(s) with a missing customer id, date or "
                           f"amount, first at rows {rows}", source=_SOURCE, rows=rows, n_rows=int(gaps.sum()))
    if len(tx) == 0:
        raise CvmDataError("the transaction log is empty", source=_SOURCE)
    return tx


def levels_of(series: pd.Series) -> list[Any]:
    """Distinct non-missing values: category order for categoricals, sorted otherwise."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        present = set(series.dropna().unique())
        return [c for c in series.cat.categories if c in present]
    values = pd.unique(series.dropna())
    try:
        return sorted(values.tolist())
    except TypeError:  # mixed types: keep order of appearance
        return list(values)


def groups(data: pd.DataFrame, column: str, *, minimum: int = 2) -> tuple[np.ndarray, list[Any]]:
    """Integer codes of a grouping column and its levels; at least ``minimum`` levels."""
    series = data[column]
    missing = series.isna().to_numpy()
    if missing.any():
        rows = _first_rows(data, missing)
        raise CvmDataError(f"group column {column!r} has {int(missing.sum())} missing value(s), first at rows "
                           f"{rows}; fill or drop them first", source=_SOURCE, column=column, rows=rows,
                           n_rows=int(missing.sum()))
    levels = levels_of(series)
    if len(levels) < minimum:
        raise CvmDataError(f"group column {column!r} has {len(levels)} distinct value(s) {levels}; "
                           f"at least {minimum} groups are needed", source=_SOURCE, column=column)
    codes = pd.Categorical(series, categories=levels).codes.astype(np.int64)
    return codes, levels


def check_alpha(alpha: float) -> float:
    if not (isinstance(alpha, (int, float)) and 0 < alpha < 1):
        raise ValueError(f"alpha={alpha!r}; use a number in (0, 1), e.g. 0.05 for 95% intervals")
    return float(alpha)


def as_list(columns: str | Sequence[str] | None) -> list[str]:
    if columns is None:
        return []
    if isinstance(columns, str):
        return [columns]
    return list(columns)


# --------------------------------------------------------------------------- #
# Covariate encoding
# --------------------------------------------------------------------------- #
@dataclass
class Encoder:
    """Turns covariate columns into a float design matrix, reproducibly.

    * numeric columns are used as they are;
    * boolean columns become 0/1 under their own name;
    * text, categorical and object columns are one-hot encoded with one column per
      non-reference level, named ``"column[level]"``. The reference level is the
      first level (category order, else sorted order) unless ``reference`` names one.
    """

    covariates: list[str]
    reference: Mapping[str, Any] = field(default_factory=dict)
    spec: dict[str, dict[str, Any]] = field(default_factory=dict)

    def fit(self, data: pd.DataFrame) -> Encoder:
        unknown = set(self.reference) - set(self.covariates)
        if unknown:
            raise ValueError(f"reference= names {sorted(unknown)}, which are not covariates {self.covariates}")
        for name in self.covariates:
            series = data[name]
            if series.isna().any():
                rows = _first_rows(data, series.isna().to_numpy())
                raise CvmDataError(f"covariate {name!r} has {int(series.isna().sum())} missing value(s), first "
                                   f"at rows {rows}; impute or drop them first", source=_SOURCE, column=name,
                                   rows=rows, n_rows=int(series.isna().sum()))
            if pd.api.types.is_bool_dtype(series.dtype):
                self.spec[name] = {"kind": "binary", "columns": [name], "reference": False}
            elif pd.api.types.is_numeric_dtype(series.dtype):
                self.spec[name] = {"kind": "numeric", "columns": [name], "reference": None}
            else:
                levels = levels_of(series)
                ref = self.reference.get(name, levels[0] if levels else None)
                if ref not in levels:
                    raise ValueError(f"reference level {ref!r} of {name!r} is not among its values {levels}")
                if len(levels) < 2:
                    raise CvmDataError(f"covariate {name!r} has a single value {levels}; it carries no "
                                       "information, drop it", source=_SOURCE, column=name)
                others = [lv for lv in levels if lv != ref]
                self.spec[name] = {"kind": "categorical", "levels": levels, "reference": ref,
                                   "columns": [f"{name}[{lv}]" for lv in others], "others": others}
        return self

    @property
    def columns(self) -> list[str]:
        return [c for name in self.covariates for c in self.spec[name]["columns"]]

    def transform(self, data: pd.DataFrame) -> pd.DataFrame:
        require_columns(data, self.covariates, what="the data")
        parts: dict[str, np.ndarray] = {}
        for name in self.covariates:
            spec, series = self.spec[name], data[name]
            if spec["kind"] == "categorical":
                unseen = set(pd.unique(series.dropna())) - set(spec["levels"])
                if unseen:
                    raise CvmDataError(f"covariate {name!r} has level(s) {sorted(map(str, unseen))} not seen "
                                       f"when fitting ({spec['levels']})", source=_SOURCE, column=name)
                values = series.to_numpy(dtype=object)
                for level, column in zip(spec["others"], spec["columns"]):
                    parts[column] = (values == level).astype(np.float64)
            else:
                if not pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
                    raise CvmDataError(f"covariate {name!r} must be numeric here, got dtype {series.dtype}",
                                       source=_SOURCE, column=name)
                parts[name] = series.to_numpy(dtype=np.float64, na_value=np.nan)
        frame = pd.DataFrame(parts, index=data.index)
        if not np.isfinite(frame.to_numpy()).all():
            raise CvmDataError("covariates contain missing or infinite values", source=_SOURCE)
        return frame

    def describe(self) -> pd.DataFrame:
        """One row per covariate: its kind, reference level and design columns."""
        return pd.DataFrame([{"covariate": n, "kind": s["kind"], "reference": s["reference"],
                              "columns": ", ".join(s["columns"])} for n, s in self.spec.items()]
                            ).set_index("covariate")


def check_design(design: pd.DataFrame) -> None:
    """Constant or collinear design columns make the information matrix singular: say which."""
    values = design.to_numpy()
    constant = [c for c, sd in zip(design.columns, values.std(axis=0)) if sd == 0]
    if constant:
        raise CvmDataError(f"covariate column(s) {constant} are constant in the data; drop them",
                           source=_SOURCE, column=str(constant[0]))
    if values.shape[1] > 1:
        centred = values - values.mean(axis=0)
        rank = np.linalg.matrix_rank(centred)
        if rank < values.shape[1]:
            raise CvmDataError(f"covariate columns {list(design.columns)} are collinear (rank {rank} of "
                               f"{values.shape[1]}); drop redundant ones", source=_SOURCE)


def day_stamp(value: Any, name: str) -> pd.Timestamp:
    from cvm_lib.data import as_day

    return as_day(value, name)
