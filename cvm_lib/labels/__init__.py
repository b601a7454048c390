"""The one label catalogue: stable keys → English / 中文 text, applied at the edge.

Methods return tidy tables with stable snake_case columns and stable category values;
nothing below :mod:`cvm_lib.studies` knows a language. When a table, a key figure, an
axis or a sentence is *shown*, its keys are looked up here.

Keys
----
A key is a column name (``"value_share"``), a category value (``"champions"``), a key
figure (``"gini"``), a unit (``"weeks"``) or a sentence template (``"seg.narrative_abc"``).
Each study has its own *context* (``"segmentation"``, ``"value_chain"``, ``"retention"``,
``"indicators"``, ``"overview"``, ``"report"``, ``"cases"``); a lookup with a context
tries ``"<context>.<key>"`` first, then the plain key, so a study can give a common
column its own wording without a second mechanism.

Entries
-------
:class:`Entry` ``(en, zh, kind=None, doc=None)``. ``kind`` says how a column's values
are formatted for reading (see :data:`KINDS`); ``doc`` documents the column in the data
dictionary (``docs/data_dictionary.md``). Text may hold ``{fields}`` filled at lookup
(``label("recency_mean", unit="weeks")``).

The catalogue is assembled from one module per study (``cvm_lib/labels/<context>.py``,
each a ``LABELS`` dict); a key defined twice with different text is an error at import.
An unknown key is an error (:class:`UnknownLabelError`), so a missing translation fails
in the tests rather than showing a raw key in a report; pass ``default=`` where a value
may legitimately be outside the catalogue (a user's channel names).

Examples
--------
>>> label("revenue"), label("revenue", "zh")
('Revenue', '销售额')
>>> label("store_17", "zh", default="store_17")
'store_17'
>>> unit_label("weeks", "zh")
'周'
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any, NamedTuple

__all__ = ["LANGUAGES", "KINDS", "CONTEXTS", "Entry", "UnknownLabelError", "check_lang", "label", "has_label",
           "entry", "catalogue", "unit_label", "value_label"]

LANGUAGES = ("en", "zh")

#: How a column is formatted for reading (:mod:`cvm_lib.studies._table`).
KINDS = {
    "count": "whole number with thousands separators (1,234)",
    "money": "amount in the report's currency (¥1,234 / ¥12.50)",
    "share": "a fraction 0–1 shown as a percentage (18.7%)",
    "percent": "already in percent, shown with a % sign",
    "points": "a difference of shares in percentage points (+3.2 pts)",
    "pvalue": "a p-value (<0.001, 0.042)",
    "number": "a measurement with sensible decimals (3 significant digits, at most 3 decimals)",
    "ratio": "a ratio or coefficient with up to 3 decimals (1.254)",
    "duration": "a time span in the study's time unit, 1 decimal",
    "days": "a time span in days, 1 decimal",
    "score": "an ordinal score or rank (integer)",
    "date": "a date (2024-03-07)",
    "flag": "yes / no",
    "category": "a category; stable values are translated through the catalogue",
    "text": "free text, shown as it is",
    "id": "an identifier, shown as it is",
}

#: The studies' contexts (one catalogue module each, plus the shared ``common``).
CONTEXTS = ("common", "overview", "segmentation", "value_chain", "retention", "indicators", "cases", "report")


class Entry(NamedTuple):
    """A catalogue entry: the English and Chinese text, the column kind and its documentation."""

    en: str
    zh: str
    kind: str | None = None
    doc: str | None = None


class UnknownLabelError(KeyError):
    """A key that is not in the catalogue (and no ``default`` was given)."""

    def __str__(self) -> str:  # KeyError quotes its argument; show the sentence
        return str(self.args[0])


_MISSING = object()
_CATALOGUE: dict[str, Entry] | None = None


def _as_entry(key: str, value: Any, module: str) -> Entry:
    if isinstance(value, Entry):
        result = value
    elif isinstance(value, tuple) and 2 <= len(value) <= 4:
        result = Entry(*value)
    else:
        raise TypeError(f"cvm_lib.labels.{module}: entry {key!r} must be (en, zh[, kind[, doc]]), got {value!r}")
    if result.kind is not None and result.kind not in KINDS:
        raise ValueError(f"cvm_lib.labels.{module}: entry {key!r} has kind {result.kind!r}; "
                         f"use one of {', '.join(KINDS)}")
    return result


def catalogue() -> Mapping[str, Entry]:
    """Every entry, assembled once from the context modules (a read-only view)."""
    global _CATALOGUE
    if _CATALOGUE is None:
        merged: dict[str, Entry] = {}
        origin: dict[str, str] = {}
        for module in CONTEXTS:
            try:
                part = importlib.import_module(f"cvm_lib.labels.{module}").LABELS
            except ModuleNotFoundError as exc:
                if exc.name != f"cvm_lib.labels.{module}":
                    raise
                continue
            for key, value in part.items():
                item = _as_entry(key, value, module)
                if key in merged and merged[key] != item:
                    raise ValueError(f"label {key!r} is defined differently in cvm_lib.labels.{origin[key]} and "
                                     f"cvm_lib.labels.{module}; give one of them a context prefix "
                                     f"('{module}.{key}')")
                merged[key] = item
                origin.setdefault(key, module)
        _CATALOGUE = merged
    from types import MappingProxyType

    return MappingProxyType(_CATALOGUE)


def check_lang(lang: str) -> str:
    """Validate a language code (``"en"`` or ``"zh"``).

    >>> check_lang("zh")
    'zh'
    """
    if lang not in LANGUAGES:
        raise ValueError(f"lang={lang!r}; use one of {', '.join(LANGUAGES)} (parameter lang, or cvm run --lang)")
    return lang


def _find(key: Any, context: str | None) -> Entry | None:
    table = catalogue()
    key = str(key)
    if context:
        found = table.get(f"{context}.{key}")
        if found is not None:
            return found
    return table.get(key)


def has_label(key: Any, context: str | None = None) -> bool:
    """Whether ``key`` (in ``context``) is in the catalogue."""
    return _find(key, context) is not None


def entry(key: Any, context: str | None = None) -> Entry:
    """The catalogue entry of ``key``; :class:`UnknownLabelError` when there is none."""
    found = _find(key, context)
    if found is None:
        where = f" (context {context!r})" if context else ""
        raise UnknownLabelError(f"no label {str(key)!r}{where} in cvm_lib.labels; add it to "
                                f"cvm_lib/labels/{context or 'common'}.py")
    return found


def label(key: Any, lang: str = "en", *, context: str | None = None, default: Any = _MISSING, **fields: Any) -> str:
    """The text of ``key`` in ``lang`` (``"en"`` or ``"zh"``), its ``{fields}`` filled in.

    Unknown keys raise :class:`UnknownLabelError` unless ``default`` is given (returned as text).

    >>> label("customers", "zh"), label("total", context="segmentation")
    ('客户数', 'Total')
    """
    check_lang(lang)
    found = _find(key, context)
    if found is None:
        if default is _MISSING:
            entry(key, context)  # raises with the message
        return str(default)
    text = found.zh if lang == "zh" else found.en
    if fields:
        try:
            text = text.format(**fields)
        except (KeyError, IndexError) as exc:
            raise ValueError(f"label {key!r} needs the field {exc}; got {sorted(fields)}") from None
    return text


def value_label(value: Any, lang: str = "en", *, context: str | None = None) -> Any:
    """A category value in ``lang`` when it is a catalogue key, else the value unchanged.

    For the values of ``category`` columns: stable method outputs (``"champions"``,
    ``"cultivation"``) are translated, a user's own categories pass through.

    >>> value_label("champions", "zh", context="segmentation") == label("champions", "zh", default="champions")
    True
    >>> value_label("Beijing-03", "zh")
    'Beijing-03'
    """
    if not isinstance(value, str):
        return value
    found = _find(value, context)
    if found is None:
        return value
    return found.zh if check_lang(lang) == "zh" else found.en


def unit_label(unit: Any, lang: str = "en", *, currency: str | None = None) -> str:
    """A unit in ``lang``: time units (``"W"``/``"weeks"`` → 周), ``"currency"`` → the currency symbol.

    Numeric time units (a unit of ``n`` days) read "n-day units" / "n 天".

    >>> unit_label("W", "zh"), unit_label("currency", currency="¥"), unit_label(14, "zh"), unit_label("", "zh")
    ('周', '¥', '14 天', '')
    """
    check_lang(lang)
    if unit is None or unit == "":
        return ""
    if unit == "currency":
        return currency or label("currency", lang)
    if isinstance(unit, (int, float)):
        return f"{unit:g} 天" if lang == "zh" else f"{unit:g}-day units"
    return label(str(unit), lang, context="unit", default=str(unit))
