"""Key figures of a study, recorded from a notebook in one call and saved machine-readably.

Every study notebook reports its headline numbers with :func:`record` and its tables
with :func:`record_table`. Under ``cvm run`` they are written to
``<run>/results/<study>.json`` (tables as CSV beside it); in an interactive session
they are only kept in memory (see :func:`recorded`), so exploring never writes files.

The JSON is byte-identical for identical inputs: no timestamps or run ids, keys in
recording order, floats written with ``repr`` precision. Missing values are refused:
a NaN result is a bug to fix, not a number to report.
"""

from __future__ import annotations

import json
import math
import os
import re
from numbers import Integral, Real
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["record", "record_many", "record_table", "recorded", "reset", "neutralise_formulas", "RESULTS_DIR_ENV",
           "STUDY_ENV"]

#: Set by ``cvm run`` for the kernel: where results go, and the study's name.
RESULTS_DIR_ENV = "CVM_RESULTS_DIR"
STUDY_ENV = "CVM_STUDY"

_RECORDS: list[dict[str, Any]] = []
_TABLES: dict[str, str] = {}
_TABLE_INFO: dict[str, dict[str, Any]] = {}


def _plain(value: Any, name: str) -> Any:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, Integral):
        return int(value)
    if isinstance(value, Real):
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"result {name!r} is {number}; a study must not report a missing or infinite value")
        return number
    if isinstance(value, (str, type(None))):
        return value
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        return str(pd.Timestamp(value).date()) if pd.Timestamp(value).normalize() == pd.Timestamp(value) \
            else pd.Timestamp(value).isoformat()
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v, name) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v, name) for k, v in value.items()}
    raise TypeError(f"result {name!r} has type {type(value).__name__}; record numbers, text, dates or lists")


def _slug(name: str) -> str:
    slug = re.sub(r"[^\w\-]+", "_", name, flags=re.UNICODE).strip("_")
    if not slug:
        raise ValueError(f"result name {name!r} has no usable characters")
    return slug


def _target() -> tuple[Path, str] | None:
    folder = os.environ.get(RESULTS_DIR_ENV)
    if not folder:
        return None
    return Path(folder), os.environ.get(STUDY_ENV, "study")


def _write() -> None:
    target = _target()
    if target is None:
        return
    folder, study = target
    folder.mkdir(parents=True, exist_ok=True)
    payload = {"study": study, "results": _RECORDS, "tables": _TABLES}
    if _TABLE_INFO:
        payload["table_info"] = _TABLE_INFO
    text = json.dumps(payload, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
    tmp = folder / f".{study}.json.tmp"
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, folder / f"{study}.json")


def record(name: str, value: Any, unit: str = "", *, label: str | dict[str, str] | None = None,
           headline: bool = False, assumption: str | dict[str, str] | None = None) -> Any:
    """Record one key figure of the study; returns ``value`` so it can be displayed inline.

    Parameters
    ----------
    name : str
        Stable machine name (``"customers"``, ``"gini"``); recording a name again replaces it.
    value : number, str, date, list or dict
        Plain values only; NaN and infinity are refused.
    unit : str
        Unit of the value (``"USD"``, ``"weeks"``, ``"share"``); empty for counts.
    label : str or dict, optional
        Human-readable label; studies give ``{"en": ..., "zh": ...}`` so that the file
        does not depend on the report language.
    headline : bool
        Show it on the run's index page.
    assumption : str or dict, optional
        The assumption the figure rests on (``{"en": ..., "zh": ...}``), shown beside it.

    Examples
    --------
    >>> reset()
    >>> _ = record("customers", np.int64(2357), label="Customers", headline=True)
    >>> recorded()[0]
    {'name': 'customers', 'value': 2357, 'unit': '', 'label': 'Customers', 'headline': True}
    """
    entry = {"name": str(name), "value": _plain(value, name), "unit": unit, "label": label or str(name),
             "headline": bool(headline)}
    if assumption:
        entry["assumption"] = _plain(assumption, name)
    for i, existing in enumerate(_RECORDS):
        if existing["name"] == entry["name"]:
            _RECORDS[i] = entry
            break
    else:
        _RECORDS.append(entry)
    _write()
    return value


def record_many(figures: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Record several figures given as dicts of :func:`record`'s arguments; returns them."""
    for figure in figures:
        record(**figure)
    return figures


#: First characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?%?$")


def _neutral_text(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.match(value.strip()):
        return "'" + value
    return value


def neutralise_formulas(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``table`` whose text cannot run as a spreadsheet formula.

    OWASP's rule for CSV/XLSX export: a text cell (also an index value or a column
    name) starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
    prefixed with a single quote, unless it is a number written as text (``-12.5``).
    Numeric columns are never changed.

    Examples
    --------
    >>> t = pd.DataFrame({"channel": ["=HYPERLINK(0)", "-3.5", "web", "@SUM(A1)"], "n": [1, -2, 3, 4]})
    >>> neutralise_formulas(t)["channel"].tolist()
    ["'=HYPERLINK(0)", '-3.5', 'web', "'@SUM(A1)"]
    >>> neutralise_formulas(t)["n"].tolist()
    [1, -2, 3, 4]
    """
    out = table.copy()
    for column in out.columns:
        if not (pd.api.types.is_numeric_dtype(out[column]) or pd.api.types.is_datetime64_any_dtype(out[column])):
            out[column] = out[column].map(_neutral_text)
    out.columns = out.columns.map(_neutral_text) if not isinstance(out.columns, pd.MultiIndex) else out.columns
    if not isinstance(out.index, pd.MultiIndex) and not pd.api.types.is_numeric_dtype(out.index):
        out.index = out.index.map(_neutral_text).rename(_neutral_text(out.index.name))
    elif isinstance(out.index, pd.MultiIndex):
        out.index = pd.MultiIndex.from_tuples([tuple(_neutral_text(v) for v in row) for row in out.index],
                                              names=out.index.names)
    return out


def record_table(name: str, table: pd.DataFrame, *, index: bool = True,
                 info: dict[str, Any] | None = None) -> pd.DataFrame:
    """Record a table: written as ``results/<study>__<name>.csv`` (UTF-8 with BOM, for Excel).

    Text cells that a spreadsheet would run as formulas are neutralised in the file
    (see :func:`neutralise_formulas`). ``info`` (language-independent: the table's label
    context and header fields) is kept in the JSON's ``table_info`` so the run's
    spreadsheet can show the headers translated. Returns the table unchanged, so it can be
    the last line of a cell.
    """
    if not isinstance(table, pd.DataFrame):
        table = pd.DataFrame(table)
    target = _target()
    file_name = f"{_slug(target[1]) if target else 'study'}__{_slug(name)}.csv"
    clash = next((other for other, file in _TABLES.items() if file == file_name and other != str(name)), None)
    if clash is not None:
        raise ValueError(f"tables {clash!r} and {name!r} would both be written to {file_name}; "
                         f"give one of them another name")
    _TABLES[str(name)] = file_name
    if info is not None:
        _TABLE_INFO[str(name)] = _plain(info, name)
    if target is not None:
        folder, _ = target
        folder.mkdir(parents=True, exist_ok=True)
        # Fixed float format keeps reruns byte-identical across platforms.
        safe = neutralise_formulas(table)
        # Python's csv quotes a field holding a carriage return only when CR is in the line
        # terminator; such tables are written with CRLF so the field stays one cell.
        texts = [safe[c] for c in safe.columns if not pd.api.types.is_numeric_dtype(safe[c])] + [safe.index.to_series()]
        has_cr = any(s.map(lambda v: isinstance(v, str) and "\r" in v).any() for s in texts)
        safe.to_csv(folder / file_name, index=index, encoding="utf-8-sig", float_format="%.10g",
                    lineterminator="\r\n" if has_cr else "\n")
    _write()
    return table


def recorded() -> list[dict[str, Any]]:
    """The figures recorded so far in this session."""
    return [dict(r) for r in _RECORDS]


def reset() -> None:
    """Forget what was recorded (a new study in the same session)."""
    _RECORDS.clear()
    _TABLES.clear()
    _TABLE_INFO.clear()
