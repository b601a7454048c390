"""Tables for reading: stable columns in the files, translated and formatted on screen.

A study table is a tidy DataFrame with stable snake_case columns (written as such to
``results/*.csv``); :class:`Table` shows it in the display language with each column
formatted by its *kind* (:data:`cvm_lib.labels.KINDS`): thousands separators, shares as
percentages, money with the currency, p-values as ``<0.001``, missing values as "—",
no index column. The kind of a column comes from the catalogue entry of its name, or
from ``kinds=``, or from its dtype.

Examples
--------
>>> import pandas as pd
>>> t = pd.DataFrame({"customers": [1200, 35], "value_share": [0.8123, 0.1877], "p_value": [0.0001, 0.2]})
>>> format_table(t, lang="zh").to_dict("list")
{'客户数': ['1,200', '35'], '价值占比': ['81.2%', '18.8%'], 'p 值': ['<0.001', '0.200']}
>>> format_value(1234.5, "money", currency="¥"), format_value(float("nan"), "number"), format_value(0.5, "points")
('¥1,234', '—', '+50.0 pts')
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd

from cvm_lib.labels import check_lang, entry, has_label, label, value_label

__all__ = ["set_display", "display_settings", "format_value", "format_table", "Table", "MISSING_TEXT"]

MISSING_TEXT = "—"

_DISPLAY: dict[str, Any] = {"lang": "en", "currency": None}


def set_display(lang: str | None = None, currency: str | None = None) -> dict[str, Any]:
    """Set the language (and currency symbol) every study table, figure and sentence is shown in.

    Called once at the top of a study notebook (``set_display(lang, currency)``); the
    recorded files do not depend on it. Returns the settings now in force.
    """
    if lang is not None:
        _DISPLAY["lang"] = check_lang(lang)
    if currency is not None:
        _DISPLAY["currency"] = str(currency)
    return dict(_DISPLAY)


def display_settings() -> dict[str, Any]:
    """The display language and currency: ``{"lang": ..., "currency": ...}``.

    The currency defaults to "¥" for Chinese and "$" for English when none was set.
    """
    settings = dict(_DISPLAY)
    if not settings["currency"]:
        settings["currency"] = label("currency", settings["lang"])
    return settings


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    try:
        return bool(pd.isna(value)) if np.ndim(value) == 0 else False
    except (TypeError, ValueError):
        return False


def _number(value: float) -> str:
    size = abs(value)
    if size == 0:
        return "0"
    if float(value).is_integer() and size < 1e15:
        return f"{value:,.0f}"
    if size >= 1000:
        return f"{value:,.0f}"
    if size >= 100:
        return f"{value:,.1f}"
    if size >= 1:
        return f"{value:.2f}"
    if size >= 0.001:
        return f"{value:.3g}"
    return f"{value:.2e}"


def format_value(value: Any, kind: str | None, lang: str = "en", *, currency: str | None = None,
                 context: str | None = None) -> str:
    """One cell as text for reading (see the module docstring and :data:`cvm_lib.labels.KINDS`).

    A negative number that rounds to zero reads as zero (no "-0.000").

    >>> format_value(-0.00004, "ratio"), format_value(-0.00004, "points"), format_value(-2e-7, "money", currency="$")
    ('0.000', '0.0 pts', '$0.00')
    """
    text = _format_value(value, kind, lang, currency=currency, context=context)
    if text.startswith("-") and isinstance(value, Real) and not any(ch in "123456789" for ch in text):
        return text[1:]
    return text


def _format_value(value: Any, kind: str | None, lang: str = "en", *, currency: str | None = None,
                  context: str | None = None) -> str:
    if _missing(value):
        return MISSING_TEXT
    if isinstance(value, (bool, np.bool_)) or kind == "flag":
        return label("yes" if bool(value) else "no", lang)
    if isinstance(value, (pd.Timestamp, np.datetime64)) or kind == "date":
        stamp = pd.Timestamp(value)
        return stamp.strftime("%Y-%m-%d") if stamp == stamp.normalize() else stamp.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, pd.Period):
        return str(value)
    if isinstance(value, str) or not isinstance(value, Real):
        if kind in ("category", None):
            return str(value_label(value, lang, context=context))
        return str(value)
    number = float(value)
    if not math.isfinite(number):
        return "∞" if number > 0 else "−∞"
    currency = currency or label("currency", lang)
    if kind is None:
        kind = "count" if isinstance(value, Integral) else "number"
    if kind == "count":
        return f"{int(round(number)):,}" if float(number).is_integer() else f"{number:,.1f}"
    if kind == "score":
        return f"{int(round(number))}" if float(number).is_integer() else f"{number:.2f}"
    if kind == "money":
        text = f"{abs(number):,.0f}" if abs(number) >= 1000 else f"{abs(number):,.2f}"
        return f"-{currency}{text}" if number < 0 else f"{currency}{text}"
    if kind == "share":
        if number != 0 and abs(number) < 0.0005:
            return "<0.1%" if number > 0 else "-<0.1%"
        return f"{number * 100:.1f}%"
    if kind == "percent":
        return f"{number:.1f}%"
    if kind == "points":
        return f"{number * 100:+.1f} " + label("points", lang, context="unit")
    if kind == "pvalue":
        return "<0.001" if number < 0.001 else f"{number:.3f}"
    if kind == "ratio":
        return f"{number:,.0f}" if abs(number) >= 1000 else f"{number:.3f}"
    if kind in ("duration", "days"):
        return f"{number:,.1f}"
    if kind in ("id", "text", "category"):
        return f"{int(number)}" if float(number).is_integer() else str(value)
    return _number(number)


def _kind(column: Any, series: pd.Series, context: str | None, kinds: Mapping[str, str] | None) -> str | None:
    if kinds and column in kinds:
        return kinds[column]
    if has_label(column, context):
        known = entry(column, context).kind
        if known:
            return known
    if pd.api.types.is_bool_dtype(series):
        return "flag"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "date"
    if pd.api.types.is_integer_dtype(series):
        return "count"
    if pd.api.types.is_float_dtype(series):
        return "number"
    return "category"


def _tidy(table: pd.DataFrame | pd.Series) -> pd.DataFrame:
    """The table with a meaningful index turned into columns (a plain 0..n-1 index dropped)."""
    frame = table.to_frame() if isinstance(table, pd.Series) else table
    if isinstance(frame.index, pd.MultiIndex) or frame.index.name is not None:
        return frame.reset_index()
    if isinstance(frame.index, pd.RangeIndex) and frame.index.start == 0 and frame.index.step == 1:
        return frame.reset_index(drop=True)
    return frame.reset_index(names="name") if "name" not in frame.columns else frame.reset_index()


def header_field(value: Any, lang: str) -> Any:
    """A header field in ``lang``: ``("unit", u)`` → the unit's name, ``("label", key)`` → its label."""
    if isinstance(value, (tuple, list)) and len(value) == 2 and value[0] in ("unit", "label"):
        if value[0] == "unit":
            from cvm_lib.labels import unit_label

            return unit_label(value[1], lang)
        return label(value[1], lang, default=value[1])
    return value


def format_table(table: pd.DataFrame, *, context: str | None = None, lang: str = "en", currency: str | None = None,
                 fields: Mapping[str, Any] | None = None, kinds: Mapping[str, str] | None = None,
                 raw_columns: Sequence[str] = ()) -> pd.DataFrame:
    """The table as text for reading: translated headers, formatted cells, no index.

    Headers are catalogue keys (an unknown one raises, unless it is in ``raw_columns``,
    e.g. a user's own channel names used as columns); ``fields`` fill ``{placeholders}``
    of the header text (``unit``, ``currency``, ...). A field given as ``("unit", "W")``
    or ``("label", key)`` is translated into ``lang`` (a header "Median ({unit})" reads
    "Median (weeks)" / "中位数（周）").

    >>> header_field(("unit", "W"), "zh"), header_field(("unit", "W"), "en"), header_field(("label", "customers"), "zh")
    ('周', 'weeks', '客户数')
    """
    check_lang(lang)
    frame = _tidy(table)
    fields = {key: header_field(value, lang) for key, value in dict(fields or {}).items()}
    fields.setdefault("currency", currency or label("currency", lang))
    out = {}
    for column in frame.columns:
        series = frame[column]
        kind = _kind(column, series, context, kinds)
        header = str(column) if column in raw_columns else label(column, lang, context=context, **fields)
        decimals = _column_decimals(series) if kind == "number" else None
        if decimals is not None:
            out[header] = [MISSING_TEXT if _missing(v) else f"{float(v):,.{decimals}f}" for v in series.tolist()]
        else:
            out[header] = [format_value(v, kind, lang, currency=fields["currency"], context=context)
                           for v in series.tolist()]
    return pd.DataFrame(out, columns=list(out))


def _column_decimals(series: pd.Series) -> int | None:
    """One number of decimals for a measurement column, from its typical (median) size.

    A column reads best with the same decimals in every row (8.58 beside 171.00, not 171):
    0 from 1,000 up or for whole numbers, 1 from 100, 2 from 1, 3 below; None (cell by
    cell) for non-numeric columns and for values below 0.001, which need more digits.

    >>> _column_decimals(pd.Series([8.58, 171.0, 0.0])), _column_decimals(pd.Series([2.0, 3.0]))
    (2, 0)
    """
    if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        return None
    values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return None
    if np.all(values == np.round(values)):
        return 0
    typical = float(np.median(np.abs(values[values != 0]))) if np.any(values != 0) else 0.0
    if typical >= 1000:
        return 0
    if typical >= 100:
        return 1
    if typical >= 1:
        return 2
    if typical >= 0.001:
        return 3
    return None


_NUMERIC_KINDS = {"count", "money", "share", "percent", "points", "pvalue", "number", "ratio", "duration", "days",
                  "score"}


class Table:
    """A study table: ``data`` (stable columns, as recorded), shown translated and formatted.

    ``_repr_html_`` renders it in the display language (:func:`set_display`);
    :meth:`to_frame` gives the formatted text in a given language.
    """

    def __init__(self, data: pd.DataFrame, *, name: str | None = None, context: str | None = None,
                 fields: Mapping[str, Any] | None = None, kinds: Mapping[str, str] | None = None,
                 raw_columns: Sequence[str] = (), caption: str | None = None):
        self.data = _tidy(data)
        self.name = name
        self.context = context
        self.fields = dict(fields or {})
        self.kinds = dict(kinds or {})
        self.raw_columns = tuple(raw_columns)
        self.caption = caption

    def __len__(self) -> int:
        return len(self.data)

    def info(self) -> dict[str, Any]:
        """What a reader of the files needs to show the table again (language-independent)."""
        return {"context": self.context,
                "fields": {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.fields.items()
                           if isinstance(v, (str, int, float, tuple))},
                "kinds": {str(k): v for k, v in self.kinds.items()}, "raw_columns": list(self.raw_columns)}

    def to_frame(self, lang: str | None = None, currency: str | None = None) -> pd.DataFrame:
        settings = display_settings()
        return format_table(self.data, context=self.context, lang=lang or settings["lang"],
                            currency=currency or settings["currency"], fields=self.fields, kinds=self.kinds,
                            raw_columns=self.raw_columns)

    def headers(self, lang: str | None = None) -> list[str]:
        """The column headers in ``lang`` (for spreadsheets and figure axes)."""
        return list(self.to_frame(lang).columns)

    def _repr_html_(self) -> str:
        shown = self.to_frame()
        numeric = [_kind(c, self.data[c], self.context, self.kinds) in _NUMERIC_KINDS for c in self.data.columns]
        head = "".join(f'<th class="{"num" if n else "txt"}">{html.escape(str(h))}</th>'
                       for h, n in zip(shown.columns, numeric, strict=True))
        rows = []
        for values in shown.itertuples(index=False, name=None):
            cells = "".join(f'<td class="{"num" if n else "txt"}">{html.escape(str(v))}</td>'
                            for v, n in zip(values, numeric, strict=True))
            rows.append(f"<tr>{cells}</tr>")
        caption = f"<caption>{html.escape(self.caption)}</caption>" if self.caption else ""
        return (f'<table class="cvm-table">{caption}<thead><tr>{head}</tr></thead>'
                f'<tbody>{"".join(rows)}</tbody></table>')

    def __repr__(self) -> str:
        return self.to_frame().to_string(index=False)
