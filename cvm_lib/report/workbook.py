"""``results.xlsx``: every table of a run in one spreadsheet, headers in the report language.

The recorded files (``results/<study>.json`` and ``results/<study>__<table>.csv``) use
stable names only; the workbook is written from them at the end of a run, inside the run
folder that is published atomically (a failed run never touches the last good one):

* a contents sheet (sheet, study, table, rows, CSV file), then a key-figures sheet
  (every recorded figure with its label and unit in the report language, its assumption);
* one sheet per recorded table, named ``<study prefix> <table>`` cut to Excel's 31
  characters, without ``[]:*?/\\``, unique (case-insensitive) with ``~2``, ``~3``...;
* headers translated with the table's label context (``table_info`` in the JSON:
  :func:`cvm_lib.labels.label`), a header without a label keeping its stable name;
* values as numbers, with an Excel number format by column kind (:data:`NUMBER_FORMATS`:
  percent for shares, thousands for counts, the currency for money), dates as dates,
  stable category values translated; text that a spreadsheet would run as a formula is
  neutralised (:func:`cvm_lib.results.neutralise_formulas`) and every text cell is stored
  as text. A sheet holds at most :data:`SHEET_MAX_ROWS` rows (100,000: a spreadsheet is for
  reading, and openpyxl writes some 10,000–25,000 cells a second); a longer table is cut and
  the contents sheet says so — its CSV has every row.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["write_workbook", "sheet_name", "number_format", "NUMBER_FORMATS", "WORKBOOK", "SHEET_MAX_ROWS"]

WORKBOOK = "results.xlsx"
#: Rows of a table written to its sheet (Excel's own limit is 1,048,575 plus the header).
SHEET_MAX_ROWS = 100_000

#: Excel number format by column kind (:data:`cvm_lib.labels.KINDS`); money is given its currency.
NUMBER_FORMATS = {
    "count": "#,##0",
    "money": '"{currency}"#,##0.00;-"{currency}"#,##0.00',
    "share": "0.0%",
    "percent": '0.0"%"',
    "points": "+0.0%;-0.0%;0.0%",
    "pvalue": "0.000",
    "number": "General",
    "ratio": "0.000",
    "duration": "#,##0.0",
    "days": "#,##0.0",
    "score": "0",
    "date": "yyyy-mm-dd",
}
_NUMERIC = {k for k in NUMBER_FORMATS if k != "date"}
_UNSAFE_SHEET = re.compile(r"[\[\]:*?/\\]")
_ILLEGAL = re.compile(r"[\000-\010\013\014\016-\037]")


def number_format(kind: str | None, currency: str = "$") -> str:
    """The Excel number format of a column kind.

    >>> number_format("share"), number_format("count"), number_format("money", "¥")
    ('0.0%', '#,##0', '"¥"#,##0.00;-"¥"#,##0.00')
    """
    text = NUMBER_FORMATS.get(kind or "number", "General")
    return text.replace("{currency}", currency.replace('"', ""))


def sheet_name(wanted: str, taken: set[str]) -> str:
    """An Excel-safe sheet name for ``wanted`` not in ``taken`` (case-insensitive); it is added to ``taken``.

    >>> taken = set()
    >>> sheet_name("01 rfm/segments: by [value]", taken)
    '01 rfm_segments_ by _value_'
    >>> sheet_name("02 a very long table name that goes on", taken), sheet_name("02 a very long table name that goes on!", taken)
    ('02 a very long table name that', '02 a very long table name tha~2')
    >>> sheet_name("history", taken)
    'history~2'
    """
    base = _UNSAFE_SHEET.sub("_", str(wanted)).strip().strip("'") or "sheet"
    base = base[:31].rstrip()
    lower = {t.lower() for t in taken} | {"history"}
    name, n = base, 1
    while name.lower() in lower:
        n += 1
        suffix = f"~{n}"
        name = base[:31 - len(suffix)] + suffix
    taken.add(name)
    return name


def _prefix(study: str) -> str:
    stem = study.split("/")[-1]
    match = re.match(r"(\d+)_", stem)
    return match.group(1) if match else stem


def _kind(column: str, context: str | None, kinds: Mapping[str, str]) -> str | None:
    from cvm_lib.labels import entry, has_label

    if column in kinds:
        return kinds[column]
    if has_label(column, context):
        return entry(column, context).kind
    return None


def _header(column: str, lang: str, info: Mapping[str, Any], currency: str) -> str:
    from cvm_lib.labels import label
    from cvm_lib.studies._table import header_field as _field

    if column in (info.get("raw_columns") or []):
        return column
    fields = {"currency": currency, **{k: _field(v, lang) for k, v in (info.get("fields") or {}).items()}}
    try:
        return label(column, lang, context=info.get("context"), default=column, **fields)
    except ValueError:  # a header needing a field the file does not hold: keep the stable name
        return column


def _column(series: pd.Series, kind: str | None, lang: str, context: str | None) -> tuple[pd.Series, str | None]:
    """The CSV column (read as text) as values for the sheet, and the kind they are formatted as."""
    from cvm_lib.labels import value_label

    present = series != ""
    if kind in _NUMERIC or kind is None:
        numbers = pd.to_numeric(series.where(present), errors="coerce")
        if not (numbers.isna() & present).any() and present.any():
            if kind is None:
                kind = "count" if (numbers.dropna() % 1 == 0).all() else "number"
            return numbers.astype("float64").where(present), kind
        if kind is None:  # a column of mixed values (a quality table's "value"): numbers where they are numbers
            plain = numbers.notna() & ~series.str.match(r"^[+-]?0\d")  # "007" is an identifier, not 7
            if plain.any():
                mixed = series.map({v: value_label(v, lang, context=context) for v in series.unique()}).astype(object)
                mixed[plain] = numbers[plain].astype(object)
                return mixed.where(present), "mixed"
    if kind == "date":
        dates = pd.to_datetime(series.where(present), errors="coerce")
        if not (dates.isna() & present).any():
            return dates, kind
    if kind == "flag":
        return series.map({"True": True, "False": False, "": None}).where(present), kind
    if kind in (None, "category"):  # stable category values translated (once per distinct value)
        series = series.map({v: value_label(v, lang, context=context) for v in series.unique()})
    return series.where(present), "text"


def _sheet_frame(path: Path, info: Mapping[str, Any], lang: str, currency: str) -> tuple[pd.DataFrame, list[str], int]:
    """The table as it goes into the sheet (translated headers), each column's number format, and its full length."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    total = len(raw)
    raw = raw.iloc[:SHEET_MAX_ROWS]
    context = info.get("context")
    kinds = info.get("kinds") or {}
    columns, formats, headers = {}, [], []
    for position, column in enumerate(raw.columns):
        values, kind = _column(raw.iloc[:, position], _kind(column, context, kinds), lang, context)
        header = _header(column, lang, info, currency)
        while header in headers:  # two stable names with one translation
            header += " "
        headers.append(header)
        columns[header] = values
        formats.append(number_format(kind, currency) if kind in NUMBER_FORMATS else
                       "General" if kind == "mixed" else "@")
    return pd.DataFrame(columns, columns=headers), formats, total


def _cell(sheet: Any, value: Any, number_format: str | None = None, bold: bool = False) -> Any:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    if value is None or (not isinstance(value, str) and pd.isna(value)):
        value = None
    elif isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    elif hasattr(value, "item"):
        value = value.item()
    if isinstance(value, str):
        value = _ILLEGAL.sub("\ufffd", value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # text is text: never a formula, whatever it starts with
    elif number_format and number_format != "@" and value is not None:
        cell.number_format = number_format
    if bold:
        cell.font = Font(bold=True)
    return cell


def _write_sheet(book: Any, name: str, frame: pd.DataFrame, formats: list[str] | None = None) -> None:
    from openpyxl.utils import get_column_letter

    from cvm_lib.results import neutralise_formulas

    safe = neutralise_formulas(frame)
    sheet = book.create_sheet(name)
    for i, column in enumerate(safe.columns, start=1):
        width = max([len(str(column))] + [len(str(v)) for v in safe.iloc[:200, i - 1].tolist()])
        sheet.column_dimensions[get_column_letter(i)].width = min(max(width + 2, 8), 60)
    sheet.freeze_panes = "A2"
    sheet.append([_cell(sheet, str(c), bold=True) for c in safe.columns])
    formats = formats or ["General"] * len(safe.columns)
    for row in safe.itertuples(index=False, name=None):
        sheet.append([_cell(sheet, v, f) for v, f in zip(row, formats, strict=True)])


def _figure_rows(study: str, payload: Mapping[str, Any], lang: str, currency: str) -> list[tuple[list[Any], list[str]]]:
    from cvm_lib.labels import label, unit_label
    from cvm_lib.report.html import _text, figure_value
    from cvm_lib.studies import UNIT_KINDS

    rows = []
    for fig in payload.get("results", []):
        unit = fig.get("unit") or ""
        kind = UNIT_KINDS.get(unit)
        value = fig.get("value")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            shown, fmt = value, number_format(kind, currency) if kind in NUMBER_FORMATS else "General"
        else:
            shown, fmt = figure_value(fig, lang, currency), "@"
        unit_text = "" if kind in ("share", "percent", "points", "date") else unit_label(unit, lang, currency=currency)
        rows.append(([study, fig.get("name"), _text(fig.get("label") or fig.get("name"), lang), shown, unit_text,
                      _text(fig.get("assumption"), lang),
                      label("yes" if fig.get("headline") else "no", lang, context="report")],
                     ["@", "@", "@", fmt, "@", "@", "@"]))
    return rows


def write_workbook(run_dir: Path, manifest: Mapping[str, Any], *, lang: str = "en",
                   parameters: Mapping[str, Mapping[str, Any]] | None = None) -> Path:
    """Write ``<run_dir>/results.xlsx`` from the run's recorded results (module docstring); returns its path.

    ``parameters``: per study, the parameters it ran with including its notebook's defaults
    (they decide the currency of money columns; default: those of the manifest).
    """
    from openpyxl import Workbook

    from cvm_lib.labels import check_lang, label
    from cvm_lib.report.html import study_currency

    check_lang(lang)

    def t(key: str, **fields: Any) -> str:
        return label(key, lang, context="report", **fields)

    taken: set[str] = set()
    contents_name = sheet_name(t("sheet_contents"), taken)
    figures_name = sheet_name(t("sheet_key_figures"), taken)
    figure_rows: list[tuple[list[Any], list[str]]] = []
    contents: list[list[Any]] = []
    sheets: list[tuple[str, pd.DataFrame, list[str]]] = []
    for study, info in manifest["studies"].items():
        results_file = run_dir / info["results"]
        if not results_file.exists():
            continue
        payload = json.loads(results_file.read_text(encoding="utf-8"))
        currency = study_currency((parameters or {}).get(study) or info.get("parameters") or {}, lang)
        figure_rows += _figure_rows(study, payload, lang, currency)
        table_info = payload.get("table_info") or {}
        for table, file_name in (payload.get("tables") or {}).items():
            path = results_file.parent / file_name
            if not path.exists():
                continue
            frame, formats, total = _sheet_frame(path, table_info.get(table) or {}, lang, currency)
            name = sheet_name(f"{_prefix(study)} {table}", taken)
            note = t("truncated", rows=f"{len(frame):,}", total=f"{total:,}") if total > len(frame) else ""
            contents.append([name, study, table, total, f"results/{file_name}", note])
            sheets.append((name, frame, formats))
    book = Workbook(write_only=True)
    headers = [t("sheet"), t("study"), t("table"), t("rows"), t("file"), label("note", lang)]
    _write_sheet(book, contents_name, pd.DataFrame(contents, columns=headers), ["@", "@", "@", "#,##0", "@", "@"])
    figure_headers = [t("study"), "name", t("figure"), t("value"), t("unit"), t("assumption"), t("headline")]
    frame = pd.DataFrame([r for r, _ in figure_rows], columns=figure_headers)
    _write_figures(book, figures_name, frame, [f for _, f in figure_rows])
    for name, table, formats in sheets:
        _write_sheet(book, name, table, formats)
    target = run_dir / WORKBOOK
    tmp = run_dir / f".{WORKBOOK}.tmp"
    book.save(tmp)
    os.replace(tmp, target)
    return target


def _write_figures(book: Any, name: str, frame: pd.DataFrame, formats: list[list[str]]) -> None:
    """The key-figures sheet: a number format per row (each figure has its own unit)."""
    from openpyxl.utils import get_column_letter

    from cvm_lib.results import neutralise_formulas

    safe = neutralise_formulas(frame.astype(object))
    sheet = book.create_sheet(name)
    for i, width in enumerate((18, 22, 40, 16, 12, 50, 10), start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = "A2"
    sheet.append([_cell(sheet, str(c), bold=True) for c in safe.columns])
    for row, row_formats in zip(safe.itertuples(index=False, name=None), formats, strict=True):
        sheet.append([_cell(sheet, v, f) for v, f in zip(row, row_formats, strict=True)])
