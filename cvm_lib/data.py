"""Load and validate transaction logs into the tidy contract every study uses.

The tidy transaction log has one row per purchase line and the columns

========== ================ ==========================================
column     dtype            meaning
========== ================ ==========================================
customer   ``str``          ``customer_id``: who bought
date       datetime64[ns]   ``date``: when
amount     float64          ``amount``: how much was paid
quantity   int64/float64    optional, units bought
channel    ``str``          optional, sales or acquisition channel
category   ``str``          optional, product category
cost       float64          optional, cost of goods
order_id   ``str``          optional, order/invoice number
========== ================ ==========================================

:func:`load_transactions` reads CSV/TSV/whitespace text (plain, ``.gz`` or ``.zip``),
Parquet, Excel ``.xlsx``, a folder or glob of such files, or a DataFrame (the readers
are in :mod:`cvm_lib._readers`); detects the encoding (UTF-8 with or without BOM,
UTF-16, GB18030/GBK, Big5, cp1252 as a last resort, refusing when unsure) and the
header row below any title rows; maps the user's column names (English, Simplified
and Traditional Chinese headers are recognised), parses dates and amounts as
real-world files write them, and applies one named *policy* per kind of problem.
Every problem that is not explicitly allowed raises :class:`CvmDataError`, naming
the file, the user's column, how many rows and the first offending row numbers as
the user sees them (line numbers in a text file, also when quoted values span lines;
spreadsheet row numbers in Excel; ``file:row`` in a folder; index labels of a
DataFrame). Reader failures (truncated Parquet, corrupt workbooks, FIFOs, devices,
unreadable files) are :class:`CvmDataError` naming the file too.

Conventions: dates are naive ``datetime64[ns]`` in one local time zone (offsets are
converted to ``timezone=``, default UTC); amounts are float64 in the file's currency,
decimal point ``.`` unless ``decimal=","``; ids are text, never numbers.

What was found and what was done about it is kept in ``tx.attrs["load_report"]``;
:func:`quality_table` turns it into a table for reports.
"""

from __future__ import annotations

import codecs
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "CvmDataError",
    "as_day",
    "POLICIES",
    "load_transactions",
    "validate_transactions",
    "quality_table",
    "QUALITY_PROBLEMS",
    "detect_encoding",
    "parse_dates",
    "parse_amounts",
    "ALIASES",
    "LOAD_OPTIONS",
]

#: Canonical columns of the tidy log, required first.
REQUIRED = ("customer_id", "date", "amount")
OPTIONAL = ("quantity", "channel", "category", "cost", "order_id")

#: Header names recognised for each canonical column when the caller does not
#: name it (compared case-insensitively, ignoring spaces, ``_`` and ``-``).
ALIASES: dict[str, tuple[str, ...]] = {
    "customer_id": (
        "customer_id", "customer", "customerid", "cust_id", "client_id", "user_id",
        "member_id", "buyer_id", "客户编号", "客户id", "客户号", "客户代码", "客户",
        "会员编号", "会员id", "会员号", "会员卡号", "用户id", "用户编号", "顾客编号", "顾客id",
    ),
    "date": (
        "date", "order_date", "transaction_date", "purchase_date", "invoice_date",
        "invoicedate", "txn_date", "交易日期", "日期", "购买日期", "下单日期", "订单日期",
        "消费日期", "交易时间", "购买时间", "下单时间", "消费时间",
    ),
    "amount": (
        "amount", "sales", "revenue", "value", "monetary", "monetary_value", "dollar_value",
        "total", "spend", "金额", "交易金额", "消费金额", "销售额", "订单金额", "实付金额",
        "支付金额", "购买金额",
    ),
    "quantity": ("quantity", "qty", "units", "number_of_cds", "数量", "购买数量", "件数"),
    "channel": ("channel", "渠道", "销售渠道", "获客渠道"),
    "category": ("category", "product_category", "品类", "类别", "商品类别", "商品类目"),
    "cost": ("cost", "cogs", "cost_of_goods", "成本", "商品成本"),
    "order_id": ("order_id", "order", "invoice", "invoice_no", "invoiceno", "订单号", "订单编号"),
}

#: Simplified -> Traditional characters of the Chinese headers above, so that exports from
#: Taiwan or Hong Kong systems (會員卡號, 消費日期, 消費金額, ...) are recognised too.
_TRADITIONAL = str.maketrans("会员号编户费额销数单订类买实间时顾门获购货码顾渠总价际额净称别单积优惠录笔",
                             "會員號編戶費額銷數單訂類買實間時顧門獲購貨碼顧渠總價際額淨稱別單積優惠錄筆")
ALIASES = {key: names + tuple(dict.fromkeys(t for t in (n.translate(_TRADITIONAL) for n in names) if t not in names))
           for key, names in ALIASES.items()}
ALIASES["channel"] += ("通路", "銷售通路")

#: Every policy option of :func:`load_transactions`, its allowed values and default.
POLICIES: dict[str, tuple[tuple[str, ...], str]] = {
    "on_missing_id": (("error", "drop"), "error"),
    "on_bad_date": (("error", "drop"), "error"),
    "on_bad_amount": (("error", "drop"), "error"),
    "on_future_date": (("error", "drop"), "error"),
    "on_out_of_window": (("error", "drop"), "error"),
    "on_duplicate": (("keep", "drop", "error"), "keep"),
    "on_negative": (("error", "drop", "net"), "error"),
    "on_zero": (("keep", "drop", "error"), "keep"),
}

_PROBLEM_TEXT = {
    "on_missing_id": "missing customer id",
    "on_bad_date": "date that cannot be parsed",
    "on_bad_amount": "amount that is not a number",
    "on_future_date": "date after the observation end",
    "on_out_of_window": "date outside the allowed window",
    "on_duplicate": "exact duplicate row",
    "on_negative": "negative amount (return or refund)",
    "on_zero": "zero amount",
}

_SHOW_ROWS = 5


class CvmDataError(ValueError):
    """Input data that does not meet the transaction-log contract.

    Attributes
    ----------
    source : str
        The file (or ``"<DataFrame>"``) the data came from.
    column : str or None
        The user's column name where the problem is.
    rows : list
        The first offending row numbers as the user sees them.
    n_rows : int
        How many rows have the problem.
    option : str or None
        The policy option that would change how the problem is handled.
    """

    def __init__(self, message: str, *, source: str = "<data>", column: str | None = None,
                 rows: Iterable[Any] = (), n_rows: int = 0, option: str | None = None):
        super().__init__(message)
        self.source = source
        self.column = column
        self.rows = list(rows)
        self.n_rows = n_rows
        self.option = option


@dataclass(frozen=True)
class _Origin:
    """Where rows came from, so errors can point at them as the user sees them.

    For a folder source ``files`` names each file and ``file_idx`` says which file
    each row came from; rows are then shown as ``file:row``.
    """

    source: str
    row_labels: np.ndarray | range  # one label per row of the frame being checked (a range: consecutive)
    row_word: str  # "line", "row" or "index"
    files: list[str] | None = None
    file_idx: np.ndarray | None = None

    def describe(self, mask: np.ndarray) -> tuple[list[Any], str]:
        mask = np.asarray(mask, dtype=bool)
        hits = self.labels()[mask] if not isinstance(self.row_labels, range) else \
            np.flatnonzero(mask) + self.row_labels.start
        first = [_plain(v) for v in hits[:_SHOW_ROWS]]
        if self.files is not None:
            idx = self.file_idx[mask][:_SHOW_ROWS]
            first = [f"{self.files[i]}:{r}" for i, r in zip(idx, first)]
        more = f" and {len(hits) - _SHOW_ROWS} more" if len(hits) > _SHOW_ROWS else ""
        plural = "s" if len(hits) > 1 else ""
        return first, f"{self.row_word}{plural} {', '.join(map(str, first))}{more}"

    def labels(self) -> np.ndarray:
        labels = self.row_labels
        return np.arange(labels.start, labels.stop) if isinstance(labels, range) else labels

    def take(self, keep: np.ndarray) -> _Origin:
        if isinstance(self.row_labels, range):  # consecutive numbers, kept lazy until rows go
            if np.all(keep):
                return self
            return _Origin(self.source, np.flatnonzero(keep) + self.row_labels.start, self.row_word)
        return _Origin(self.source, self.row_labels[keep], self.row_word, self.files,
                       None if self.file_idx is None else self.file_idx[keep])


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


# --------------------------------------------------------------------------- reading

def detect_encoding(path: str | os.PathLike, sample_bytes: int = 1 << 20) -> str:
    """Guess the text encoding of a file, or raise :class:`CvmDataError` naming ``encoding=``.

    Recognises byte-order marks (``utf-8-sig``, ``utf-16``, ``utf-32``), UTF-16
    without a BOM (``utf-16-le``/``utf-16-be``), ``utf-8``, ``gb18030`` (a superset
    of GBK and GB2312: "ANSI" files from a Simplified-Chinese Windows), ``big5``
    (Traditional Chinese) and, when nothing else fits and the text reads as
    accented Latin letters, ``cp1252``. GB18030 can decode almost any bytes, so
    GB18030 and Big5 are told apart by the share of common characters of each
    script (and by recognised headers); when neither is clearly right the
    function refuses instead of guessing.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_bytes("客户编号,金额\\n1,2\\n".encode("gbk"))
    >>> detect_encoding(p)
    'gb18030'
    >>> _ = p.write_bytes("會員卡號,消費金額\\n1,2\\n".encode("big5"))
    >>> detect_encoding(p)
    'big5'
    """
    from cvm_lib import _readers

    with open(path, "rb") as fh:
        head = fh.read(sample_bytes)
        complete = len(head) < sample_bytes
    return _readers.detect_encoding_bytes(head, complete, path)



# --------------------------------------------------------------------------- columns

def _norm(name: Any) -> str:
    return re.sub(r"[\s_\-]", "", str(name)).lower()


def _resolve_columns(columns: list[str], given: Mapping[str, str | None], source: str) -> dict[str, str]:
    """Map canonical names to the user's columns (given explicitly, else by alias)."""
    by_norm = {}
    for col in columns:
        by_norm.setdefault(_norm(col), col)
    mapping: dict[str, str] = {}
    for canonical in REQUIRED + OPTIONAL:
        wanted = given.get(canonical)
        if wanted is not None:
            if wanted not in columns:
                raise CvmDataError(
                    f"{source}: column {wanted!r} (given as {canonical.replace('_id', '')}_col) is not in the "
                    f"data; its columns are {list(columns)}", source=source, column=wanted)
            mapping[canonical] = wanted
            continue
        for alias in ALIASES[canonical]:
            hit = by_norm.get(_norm(alias))
            if hit is not None and hit not in mapping.values():
                mapping[canonical] = hit
                break
        if canonical in REQUIRED and canonical not in mapping:
            option = {"customer_id": "customer_col"}.get(canonical, f"{canonical}_col")
            raise CvmDataError(
                f"{source}: no {canonical} column found among {list(columns)}; name it with "
                f"{option}='...' (recognised headers include {', '.join(ALIASES[canonical][:4])}, "
                f"{', '.join(a for a in ALIASES[canonical] if not a.isascii())[:40]})",
                source=source, column=None)
    return mapping



# --------------------------------------------------------------------------- parsing

_CN_DATE = re.compile(r"^\s*(\d{4})\s*[年/.\-]\s*(\d{1,2})\s*[月/.\-]\s*(\d{1,2})\s*日?\s*(.*)$")
_PARTIAL_DATE = re.compile(r"^\s*(\d{4})(?:\s*[-/.年]\s*(\d{1,2})\s*月?)?\s*$|^\s*(\d{4})(\d{2})\s*$")
_TZ_SUFFIX = r"\d[T ]\d{1,2}:\d{2}.*(?:Z|[+-]\d{2}:?\d{2}|UTC|GMT)$"
#: Dates the tidy log can hold (datetime64[ns]).
DATE_MIN, DATE_MAX = pd.Timestamp("1678-01-01"), pd.Timestamp("2262-04-11")
#: Default time zone that timezone-aware timestamps are converted to before the zone is dropped.
DEFAULT_TIMEZONE = "UTC"
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")


@dataclass
class _DateNotes:
    """What :func:`_parse_dates` found besides the dates (masks aligned with the input)."""

    out_of_bounds: np.ndarray
    partial: np.ndarray
    tz_converted: int = 0
    partial_kept: int = 0
    serials: int = 0


def _check_timezone(timezone: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(str(timezone))
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"timezone={timezone!r} is not a time zone name; use e.g. 'UTC' or 'Asia/Shanghai'") \
            from None
    return str(timezone)


def as_day(value: Any, name: str = "date") -> pd.Timestamp:
    """A date given as a parameter (``observation_end="1998-06-30"``) as a calendar day.

    The one coercion of a date parameter in the project: text, ``datetime``, ``date`` or
    Timestamp; the time of day is dropped and a time zone is removed (its local day kept).
    Anything else is a ``ValueError`` naming the parameter.

    Examples
    --------
    >>> as_day("1998-06-30 17:45"), as_day(pd.Timestamp("2024-03-07", tz="Asia/Shanghai"))
    (Timestamp('1998-06-30 00:00:00'), Timestamp('2024-03-07 00:00:00'))
    >>> as_day("soon", "observation_end")
    Traceback (most recent call last):
    ValueError: observation_end='soon' is not a date; give it as YYYY-MM-DD
    """
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}={value!r} is not a date; give it as YYYY-MM-DD") from None
    if pd.isna(stamp):
        raise ValueError(f"{name}={value!r} is not a date; give it as YYYY-MM-DD")
    if stamp.tzinfo is not None:
        stamp = stamp.tz_localize(None)
    return stamp.normalize()


def parse_dates(values: pd.Series, date_format: str | None = None, *, timezone: str = DEFAULT_TIMEZONE,
                allow_partial_dates: bool = False) -> pd.Series:
    """Parse dates as real files write them; unparseable cells become NaT.

    Understands datetimes, ISO strings (``2024-03-07``, ``2024/3/7``, with or
    without a time), ``YYYYMMDD`` integers or strings (``19970101``) and Chinese
    dates (``2024年3月7日``). Day-first or month-first strings such as ``07/03/2024``
    are ambiguous and need an explicit ``date_format``; ``date_format="excel"``
    reads numbers as Excel serial days (1 = 1900-01-01, 1900 date system).

    Timestamps with a zone (``2024-03-07T10:00:00+08:00``, ``...Z``) are converted
    to ``timezone`` (default ``"UTC"``) and the zone is then dropped, so the log
    holds one local time. Partial dates (``2024-03``, ``2024``, ``202403``) are
    NaT unless ``allow_partial_dates``, which takes the first day of the period.
    Dates before 1678 or after 2262-04-11 cannot be held and are NaT.

    Returns a ``datetime64[ns]`` Series aligned with the input.

    Examples
    --------
    >>> parse_dates(pd.Series(["2024-03-07", "2024年3月8日", "20240309", 20240310])).dt.day.tolist()
    [7, 8, 9, 10]
    >>> parse_dates(pd.Series(["2024-03-07T23:30:00+08:00"])).iloc[0]
    Timestamp('2024-03-07 15:30:00')
    >>> parse_dates(pd.Series(["2024-03"])).isna().all(), parse_dates(pd.Series(["2024-03"]),
    ...                                                   allow_partial_dates=True).iloc[0].day
    (np.True_, 1)
    """
    timezone = _check_timezone(timezone)
    return _parse_dates(values, date_format, timezone=timezone, allow_partial_dates=allow_partial_dates)[0]


def _to_ns(parsed: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Naive datetimes of any unit to datetime64[ns]; the mask of those it cannot hold."""
    if parsed.dtype == "datetime64[ns]":
        return parsed, np.zeros(len(parsed), dtype=bool)
    oob = ((parsed < DATE_MIN) | (parsed > DATE_MAX)).to_numpy(dtype=bool, na_value=False)
    if oob.any():
        parsed = parsed.where(~oob)
    return parsed.astype("datetime64[ns]"), oob


def _serial_or_yyyymmdd(numbers: pd.Series, serial: bool) -> pd.Series:
    numbers = pd.to_numeric(numbers, errors="coerce").astype("float64")
    integral = numbers.notna() & (numbers % 1 == 0) & numbers.between(10000101, 99991231)
    text = numbers.where(integral).astype("Int64").astype("str").where(integral)
    out = pd.to_datetime(text, format="%Y%m%d", errors="coerce").astype("datetime64[us]")
    if serial:
        days = numbers.where(~integral & numbers.between(1, 2958465))
        ok = days.notna()
        if ok.any():
            out = out.copy()
            out[ok] = (_EXCEL_EPOCH + pd.to_timedelta(days[ok] * 86400e6, unit="us").dt.round("s")).astype(
                "datetime64[us]")
    return out


def _parse_dates(values: pd.Series, date_format: str | None = None, *, timezone: str = DEFAULT_TIMEZONE,
                 allow_partial_dates: bool = False, excel_serial: bool = False) -> tuple[pd.Series, _DateNotes]:
    n = len(values)
    notes = _DateNotes(np.zeros(n, dtype=bool), np.zeros(n, dtype=bool))
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        notes.tz_converted = int(values.notna().sum())
        values = values.dt.tz_convert(timezone).dt.tz_localize(None)
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        out, notes.out_of_bounds = _to_ns(values)
        return out, notes
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        serial = excel_serial or date_format == "excel"
        out, notes.out_of_bounds = _to_ns(_serial_or_yyyymmdd(values, serial))
        return out, notes
    if values.dtype == object:
        # Spreadsheet columns mix datetimes, numbers (serial days) and text.
        kinds = values.map(lambda v: "d" if isinstance(v, (pd.Timestamp, np.datetime64)) or hasattr(v, "year")
                           else "n" if isinstance(v, (int, float, np.number)) and not isinstance(v, bool)
                           and v == v else "t")
        if (kinds != "t").any():
            out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
            is_d, is_n = (kinds == "d"), (kinds == "n")
            if is_d.any():
                stamps = pd.to_datetime(values[is_d].map(lambda v: pd.Timestamp(v)), errors="coerce")
                if isinstance(stamps.dtype, pd.DatetimeTZDtype):
                    stamps = stamps.dt.tz_convert(timezone).dt.tz_localize(None)
                out[is_d] = stamps.astype("datetime64[us]")
            if is_n.any():
                serial = excel_serial or date_format == "excel"
                out[is_n] = _serial_or_yyyymmdd(values[is_n].astype("float64"), serial)
                notes.serials = int(is_n.sum()) if serial else 0
            rest = kinds == "t"
            if rest.any():
                sub, sub_notes = _parse_dates(values[rest].astype("str"), date_format, timezone=timezone,
                                              allow_partial_dates=allow_partial_dates)
                out[rest] = sub.astype("datetime64[us]")
                notes.partial = notes.partial.copy()
                notes.partial[rest.to_numpy()] = sub_notes.partial
                notes.out_of_bounds = notes.out_of_bounds.copy()
                notes.out_of_bounds[rest.to_numpy()] = sub_notes.out_of_bounds
                notes.tz_converted += sub_notes.tz_converted
                notes.partial_kept += sub_notes.partial_kept
            out, oob = _to_ns(out)
            notes.out_of_bounds = notes.out_of_bounds | oob
            return out, notes
    import pyarrow as pa
    import pyarrow.compute as pc

    arrow = _as_arrow_strings(values)
    try:  # the common case: every cell an ISO date or datetime, parsed in C
        stamps = pc.cast(arrow, pa.timestamp("us"))
        out = pd.Series(stamps.to_numpy(zero_copy_only=False), index=values.index)
        out, notes.out_of_bounds = _to_ns(out)
        return out, notes
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        pass
    trimmed = pc.utf8_trim_whitespace(arrow)
    trimmed = pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, trimmed.type), trimmed)
    text = pd.Series(pd.array(trimmed, dtype="str"), index=values.index)
    parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
    todo = text.notna().to_numpy().copy()
    if date_format == "excel":
        numbers = pd.to_numeric(text, errors="coerce")
        parsed = _serial_or_yyyymmdd(numbers, True)
        notes.serials = int(parsed.notna().sum())
        todo[:] = False
    elif date_format is not None:
        parsed = pd.to_datetime(text, format=date_format, errors="coerce").astype("datetime64[us]")
        todo[:] = False
    else:
        fast = pc.strptime(trimmed, format="%Y-%m-%d", unit="us", error_is_null=True)
        # strptime rolls 2024-02-30 over to 2024-03-01: keep only the cells whose day survived.
        day = pc.struct_field(pc.extract_regex(trimmed, r"-(?P<d>\d{1,2})$"), "d")
        same = pc.equal(pc.cast(day, pa.int64()), pc.day(fast))
        fast = pc.if_else(pc.fill_null(same, False), fast, pa.scalar(None, fast.type))
        fast = pd.Series(fast.to_numpy(zero_copy_only=False), index=values.index).astype("datetime64[us]")
        parsed = fast
        todo = todo & fast.isna().to_numpy()
    if todo.any():
        sub = text[todo]
        partial = sub.str.match(_PARTIAL_DATE.pattern, na=False)
        aware = sub.str.contains(_TZ_SUFFIX, regex=True, na=False) & ~partial
        got = pd.Series(pd.NaT, index=sub.index, dtype="datetime64[us]")
        plain = ~partial & ~aware
        if plain.any():
            try:
                got[plain] = pd.to_datetime(sub[plain], format="ISO8601", errors="coerce").astype("datetime64[us]")
            except (ValueError, OverflowError, pd.errors.OutOfBoundsDatetime):
                got[plain] = pd.to_datetime(sub[plain], format="mixed", errors="coerce").astype("datetime64[us]")
        if aware.any():
            zoned = pd.to_datetime(sub[aware].str.replace(r"\s*(UTC|GMT)$", "+00:00", regex=True),
                                   format="ISO8601", errors="coerce", utc=True)
            got[aware] = zoned.dt.tz_convert(timezone).dt.tz_localize(None).astype("datetime64[us]")
            notes.tz_converted = int(zoned.notna().sum())
        retry = got.isna() & plain
        if retry.any():
            parts = sub[retry].str.extract(_CN_DATE)
            ymd = parts[[0, 1, 2]].astype("float64")
            ymd.columns = ["year", "month", "day"]
            ok = ymd.notna().all(axis=1)
            if ok.any():
                dates = pd.to_datetime(ymd[ok].astype("int64"), errors="coerce").astype("datetime64[us]")
                times = parts.loc[ok, 3].fillna("").str.strip()
                has_time = times != ""
                if has_time.any():
                    dates[has_time] = pd.to_datetime(dates[has_time].dt.strftime("%Y-%m-%d") + " "
                                                     + times[has_time], errors="coerce").astype("datetime64[us]")
                got.loc[dates.index] = dates
        if partial.any():
            mask = np.zeros(n, dtype=bool)
            mask[np.flatnonzero(todo)[partial.to_numpy()]] = True
            if allow_partial_dates:
                parts = sub[partial].str.extract(_PARTIAL_DATE)
                year = parts[0].fillna(parts[2]).astype("int64")
                month = parts[1].fillna(parts[3]).fillna("1").astype("int64")
                got[partial] = pd.to_datetime(pd.DataFrame({"year": year, "month": month, "day": 1}),
                                              errors="coerce").astype("datetime64[us]")
                notes.partial_kept = int(partial.sum())
            else:
                notes.partial = mask
        parsed = parsed.copy()
        parsed[todo] = got
    out, notes.out_of_bounds = _to_ns(parsed)
    return out, notes


def _date_hint(bad: pd.Series, notes: _DateNotes | None = None) -> str:
    """Advice for the first unparseable date cells: which option would read them."""
    sample = [str(v).strip() for v in bad.dropna().head(50)]
    hints = []
    if notes is not None and notes.partial.any() or any(_PARTIAL_DATE.match(v) for v in sample):
        hints.append("a month or year alone (e.g. 2024-03) is not a date: pass allow_partial_dates=True to take "
                     "the first day of the period")
    if notes is not None and notes.out_of_bounds.any():
        hints.append("dates before 1678 or after 2262-04-11 cannot be held; they are almost always typing "
                     "errors or placeholders such as 9999-12-31")
    if any(re.fullmatch(r"\d{5}(\.\d+)?", v) for v in sample):
        hints.append("5-digit numbers look like Excel serial days: pass date_format='excel'")
    if any(re.fullmatch(r"\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}.*", v) for v in sample):
        hints.append("day-first or month-first dates are ambiguous: pass date_format='%d/%m/%Y' (or "
                     "'%m/%d/%Y')")
    example = f"; e.g. {sample[0]!r}" if sample else ""
    base = " (expected e.g. 2024-03-07, 2024/3/7, 20240307 or 2024年3月7日; pass date_format= for others"
    return base + (("; " + "; ".join(hints)) if hints else "") + example + ")"


_CURRENCY = re.compile(r"[￥¥$€£\s\u00a0\u202f']|RMB|CNY|USD|EUR|HKD|NTD|TWD|元")
#: Largest amount accepted: beyond it a float64 no longer holds cents exactly.
MAX_AMOUNT = 1e13
_THOUSANDS = {".": re.compile(r"^[+-]?\d{1,3}(?:[,，]\d{3})+(?:\.\d+)?$"),
              ",": re.compile(r"^[+-]?\d{1,3}(?:\.\d{3})+(?:,\d+)?$")}
_DECIMAL_ONLY = {".": re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"),
                 ",": re.compile(r"^[+-]?(?:\d+,?\d*|,\d+)$")}


def parse_amounts(values: pd.Series, decimal: str = ".") -> pd.Series:
    """Parse money amounts; cells that are not numbers become NaN.

    Strips currency symbols and codes (``￥ ¥ $ € £ RMB CNY USD 元``) and spaces;
    ``(12.50)`` is the accounting notation for ``-12.50``. With the default
    ``decimal="."`` a comma is only a thousands separator in groups of three
    (``1,234.50``); a cell such as ``12,50`` is ambiguous and is NaN, never 1250.
    ``decimal=","`` reads ``1.234,50`` and ``12,50``, and then ``12.50`` is the
    ambiguous one. Infinite, not-a-number and implausibly large values (beyond
    :data:`MAX_AMOUNT`, where cents are no longer exact) are NaN.

    Examples
    --------
    >>> parse_amounts(pd.Series(["￥1,234.50", "$12", "(3.5)", "12元", "abc", "12,50"])).tolist()
    [1234.5, 12.0, -3.5, 12.0, nan, nan]
    >>> parse_amounts(pd.Series(["1.234,50", "12,50", "7"]), decimal=",").tolist()
    [1234.5, 12.5, 7.0]
    """
    if decimal not in (".", ","):
        raise ValueError(f"decimal={decimal!r}; use '.' or ','")
    if pd.api.types.is_bool_dtype(values.dtype):
        return pd.Series(np.nan, index=values.index)
    if pd.api.types.is_numeric_dtype(values.dtype):
        return _finite_amounts(pd.to_numeric(values, errors="coerce").astype("float64"))
    if values.dtype == object:
        is_num = values.map(lambda v: isinstance(v, (int, float, np.number)) and not isinstance(v, bool))
        if is_num.any():
            out = pd.Series(np.nan, index=values.index)
            out[is_num] = pd.to_numeric(values[is_num], errors="coerce").astype("float64")
            if (~is_num).any():
                out[~is_num] = parse_amounts(values[~is_num].astype("str").where(values[~is_num].notna()),
                                             decimal)
            return _finite_amounts(out)
    numbers, text = _plain_numbers(values, decimal)
    if not numbers.isna().any():
        return _finite_amounts(numbers)
    retry = (numbers.isna() & text.notna()).to_numpy()
    if retry.any():
        # Only cells that are not plain numbers pay for the clean-up.
        messy = text[retry].str.replace(_CURRENCY.pattern, "", regex=True)
        negative = messy.str.match(r"^\(.*\)$", na=False)
        messy = messy.str.strip("()").str.lstrip("+")
        thousands = messy.str.match(_THOUSANDS[decimal].pattern, na=False)
        if decimal == ".":
            messy = messy.where(~thousands, messy.str.replace(r"[,，]", "", regex=True))
            ok = thousands | messy.str.match(_DECIMAL_ONLY["."].pattern, na=False)
        else:
            messy = messy.where(~thousands, messy.str.replace(".", "", regex=False))
            ok = thousands | messy.str.match(_DECIMAL_ONLY[","].pattern, na=False)
            messy = messy.str.replace(",", ".", regex=False)
        cleaned = pd.to_numeric(messy.where(ok & (messy != "")), errors="coerce").astype("float64")
        numbers = numbers.copy()
        numbers[retry] = cleaned.where(~negative, -cleaned).to_numpy()
    return _finite_amounts(numbers)  # inf, nan and 1e308 are not amounts


def _finite_amounts(numbers: pd.Series) -> pd.Series:
    values = numbers.to_numpy(dtype="float64", na_value=np.nan)
    if len(values) and values.max() < MAX_AMOUNT and values.min() > -MAX_AMOUNT:  # NaN fails both
        return numbers if numbers.dtype == "float64" else pd.Series(values, index=numbers.index)
    with np.errstate(invalid="ignore"):
        ok = np.abs(values) < MAX_AMOUNT
    return pd.Series(np.where(ok, values, np.nan), index=numbers.index)


def _amount_hint(bad: pd.Series, decimal: str) -> str:
    sample = [str(v).strip() for v in bad.dropna().head(50)]
    hints = []
    if decimal == "." and any(re.search(r"\d,\d{1,2}$|\d,\d{4,}|\.\d{3},", v) for v in sample):
        hints.append("a comma before 1-2 or 4+ digits (e.g. 12,50) is a decimal comma or ambiguous: pass "
                     "decimal=',' if the file writes 1.234,50")
    if decimal == "," and any(re.search(r"\d\.\d{1,2}$", v) for v in sample):
        hints.append("with decimal=',' a dot before 1-2 digits (e.g. 12.50) is ambiguous")
    if any(re.search(r"inf|nan|e\+?\d{2,}", v, re.I) for v in sample):
        hints.append(f"infinite, not-a-number and values of {MAX_AMOUNT:.0e} or more are not amounts")
    example = f"; e.g. {sample[0]!r}" if sample else ""
    return (" (expected a number such as 1234.50 or ￥1,234.50" + (("; " + "; ".join(hints)) if hints else "")
            + example + ")")


def _as_arrow_strings(values: pd.Series):
    import pyarrow as pa

    array = values.array
    if hasattr(array, "_pa_array"):
        chunked = array._pa_array
        data = chunked.combine_chunks() if chunked.num_chunks != 1 else chunked.chunk(0)
        if pa.types.is_large_string(data.type) or pa.types.is_string(data.type) or \
                pa.types.is_string_view(data.type):
            return data
    try:
        return pa.array(values.to_numpy(dtype=object, na_value=None), type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array(values.astype("str").where(values.notna()).to_numpy(dtype=object, na_value=None),
                        type=pa.string())


def _arrow_chunks(values: pd.Series):
    """The Arrow (chunked) array behind a string Series, without combining chunks."""
    array = values.array
    if hasattr(array, "_pa_array"):
        return array._pa_array
    return _as_arrow_strings(values)


def _plain_numbers(values: pd.Series, decimal: str = ".") -> tuple[pd.Series, pd.Series]:
    """Cells that are plain decimal numbers as float64 (others NaN), via Arrow's fast cast; and the text."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arrow = _as_arrow_strings(values)
    text = pd.Series(pd.array(arrow, dtype="str"), index=values.index) if not isinstance(values.dtype, pd.StringDtype) \
        else values
    empty = pc.equal(arrow, "")
    if decimal == ",":
        # "1.234" is one thousand two hundred and thirty-four here: leave dotted cells to the slow path.
        arrow = pc.if_else(pc.match_substring(arrow, "."), pa.scalar(None, arrow.type), arrow)
    try:
        numbers = pc.cast(arrow, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        numbers = None
    if numbers is None:
        clean = pc.if_else(pc.match_substring_regex(arrow, _DECIMAL_ONLY["."].pattern), arrow,
                           pa.scalar(None, arrow.type))
        numbers = pc.cast(clean, pa.float64())
    out = pd.Series(numbers.to_numpy(zero_copy_only=False), index=values.index)
    if pc.any(empty).as_py():
        text = text.where(~pc.fill_null(empty, False).to_numpy(zero_copy_only=False))
    return out, text


def _parse_ids(values: pd.Series, keys: dict | None = None, name: str = "") -> pd.Series:
    """Customer ids and other keys as text: never through a float (leading zeros kept).

    Text is stripped and empty text is missing. When ``keys`` is given and the text
    needs no change, the string keys of :func:`_scan_strings` are left in it under ``name``.
    """
    if pd.api.types.is_float_dtype(values.dtype):
        # Spreadsheets store numeric ids as floats; 1001.0 is customer "1001".
        integral = values.notna() & (values % 1 == 0)
        if integral[values.notna()].all():
            values = values.astype("Int64")
    elif values.dtype == object:
        values = values.map(lambda v: str(int(v)) if isinstance(v, float) and v == v and v % 1 == 0
                            else None if v is None or (isinstance(v, float) and v != v) else str(v))
    if isinstance(values.dtype, pd.StringDtype):
        import pyarrow.compute as pc

        scan = _scan_strings(_arrow_chunks(values))
        nonempty = scan.length > 0
        edge = (scan.first_byte <= 32) | (scan.first_byte >= 0x80) | (scan.last_byte <= 32) | (scan.last_byte >= 0x80)
        if not (edge & nonempty).any() and not (scan.valid & ~nonempty).any():
            if keys is not None:
                keys[name] = scan.key
            return values  # nothing to trim and no empty ids: the common case, no copy
        arrow = _as_arrow_strings(values)
        trimmed = pc.utf8_trim_whitespace(arrow)
        trimmed = pc.if_else(pc.equal(trimmed, ""), None, trimmed)
        return pd.Series(pd.array(trimmed, dtype="str"), index=values.index)
    text = values.astype("str").str.strip().where(values.notna())
    return text.where(text != "")


# --------------------------------------------------------------------------- validation

def _check_policy(name: str, value: str) -> None:
    allowed, _ = POLICIES[name]
    if value not in allowed:
        raise ValueError(f"{name}={value!r} is not a policy; choose one of {', '.join(allowed)}")


class _Log:
    """Accumulates the problems found and the actions taken, for the load report."""

    def __init__(self, origin: _Origin, mapping: dict[str, str]):
        self.origin = origin
        self.mapping = mapping
        self.problems: list[dict[str, Any]] = []

    def handle(self, option: str, policy: str, mask: np.ndarray, column: str, detail: str = "") -> np.ndarray:
        """Apply ``policy`` to the rows in ``mask``; return the rows to keep."""
        mask = np.asarray(mask, dtype=bool)
        count = int(mask.sum())
        user_col = self.mapping.get(column, column)
        if count:
            rows, where = self.origin.describe(mask)
            if policy == "error":
                allowed = [p for p in POLICIES[option][0] if p != "error"]
                raise CvmDataError(
                    f"{self.origin.source}: column {user_col!r}: {count} row{'s' if count > 1 else ''} with "
                    f"{'an' if _PROBLEM_TEXT[option][0] in 'aeiou' else 'a'} "
                    f"{_PROBLEM_TEXT[option]}{detail} ({where}). Fix the data, or pass "
                    f"{option}={allowed[0]!r}" + (f" (or {', '.join(map(repr, allowed[1:]))})" if len(allowed) > 1
                                                   else "") + " to load_transactions.",
                    source=self.origin.source, column=user_col, rows=rows, n_rows=count, option=option)
            self.problems.append({"problem": _PROBLEM_TEXT[option], "column": user_col, "rows": count,
                                  "first_rows": rows, "policy": f"{option}={policy}",
                                  "action": {"drop": "dropped", "keep": "kept", "net": "netted"}[policy]})
        return ~mask if policy == "drop" else np.ones(len(mask), dtype=bool)

    def note(self, problem: str, column: str, count: int, policy: str, action: str) -> None:
        self.problems.append({"problem": problem, "column": self.mapping.get(column, column), "rows": int(count),
                              "first_rows": [], "policy": policy, "action": action})


@dataclass
class _StringScan:
    """One pass over an Arrow string array's buffers: a 64-bit key per string and its edges."""

    key: np.ndarray  # equal strings have equal keys
    length: np.ndarray
    first_byte: np.ndarray
    last_byte: np.ndarray
    valid: np.ndarray


_LOW_BYTES = np.array([(1 << (8 * k)) - 1 for k in range(8)] + [(1 << 64) - 1], dtype=np.uint64)
_BYTE_SHIFT = np.arange(0, 64, 8, dtype=np.uint64)


def _scan_strings(array) -> _StringScan:
    """Key each string by its length, first and last 8 bytes, vectorised over the Arrow buffers.

    Strings that share length and both ends (all of a string of up to 16 bytes) share
    a key, as may, rarely, others; a shared key only makes them
    candidates for the exact comparison that follows (see :func:`_duplicated`).
    Accepts an Arrow array or chunked array; chunks are scanned in place, not combined.
    """
    import pyarrow as pa

    chunks = array.chunks if isinstance(array, pa.ChunkedArray) else [array]
    if not chunks:
        empty = np.zeros(0, np.uint64)
        return _StringScan(empty, np.zeros(0, np.int64), np.zeros(0, np.uint8), np.zeros(0, np.uint8),
                           np.zeros(0, bool))
    if len(chunks) == 1:
        return _scan_chunk(chunks[0])
    n = sum(len(c) for c in chunks)
    out = _StringScan(np.empty(n, np.uint64), np.empty(n, np.int64), np.empty(n, np.uint8), np.empty(n, np.uint8),
                      np.empty(n, bool))
    pos = 0
    for chunk in chunks:  # written into slices of the result: no concatenation of parts
        part = _scan_chunk(chunk)
        end = pos + len(chunk)
        for name in ("key", "length", "first_byte", "last_byte", "valid"):
            getattr(out, name)[pos:end] = getattr(part, name)
        pos = end
    return out


def _scan_chunk(array) -> _StringScan:
    import pyarrow as pa

    if pa.types.is_string_view(array.type):
        array = array.cast(pa.large_string())
    large = pa.types.is_large_string(array.type)
    _, offsets, data = array.buffers()[:3]
    n = len(array)
    off = np.frombuffer(offsets, dtype=np.int64 if large else np.int32)[array.offset:array.offset + n + 1]
    raw = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8)
    if len(raw) < 8:
        raw = np.concatenate([raw, np.zeros(8, np.uint8)])
    window = np.ndarray((len(raw) - 7,), dtype="<u8", buffer=raw, strides=(1,))
    start = off[:-1]
    length = np.diff(off).astype(np.int64, copy=False)
    top = len(raw) - 8
    with np.errstate(over="ignore"):
        if n and start[-1] > top:  # the last strings: read the final 8 bytes and shift
            clipped = np.minimum(start, top)
            first = window[clipped]
            first >>= (start - clipped).astype(np.uint64) * np.uint64(8)
        else:
            first = window[start]
        capped = np.minimum(length, 8)
        first &= _LOW_BYTES[capped]  # bytes past a short string belong to the next one
        first_byte = first.astype(np.uint8)
        last_byte = (first >> _BYTE_SHIFT[np.maximum(capped - 1, 0)]).astype(np.uint8)
        key = first * np.uint64(0x9E3779B97F4A7C15)
        key ^= length.astype(np.uint64) * np.uint64(0x165667B19E3779F9)
        if n and int(length.max()) > 8:  # the same rule in every chunk: last 8 bytes of long strings
            long = length > 8
            last = window[np.maximum(off[1:] - 8, 0)]
            last[~long] = 0
            last_byte = np.where(long, (last >> np.uint64(56)).astype(np.uint8), last_byte)
            last *= np.uint64(0xC2B2AE3D27D4EB4F)
            key ^= last
    if array.null_count:
        valid = array.is_valid().to_numpy(zero_copy_only=False)
        key[~valid] = np.uint64(0x5851F42D4C957F2D)
    else:
        valid = np.ones(n, dtype=bool)
    return _StringScan(key, length, first_byte, last_byte, valid)


def _string_hash(array) -> np.ndarray:
    """The 64-bit key of each string of an Arrow array (see :func:`_scan_strings`)."""
    return _scan_strings(array).key


def _duplicated(frame: pd.DataFrame, keys: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """``frame.duplicated(keep="first")``; large frames via sorted 64-bit row keys, then exact on candidates.

    ``keys`` may carry the string keys of some columns already computed (row-aligned).
    """
    n = len(frame)
    keys = keys or {}
    if n < 100_000:
        return frame.duplicated(keep="first").to_numpy()
    key = None
    multipliers = (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93,
                   0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53, 0x94D049BB133111EB, 0xBF58476D1CE4E5B9)
    for i, col in enumerate(frame.columns):
        s = frame[col]
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            v = np.asarray(s.array._ndarray if hasattr(s.array, "_ndarray") else s.to_numpy()).view(np.uint64)
        elif pd.api.types.is_integer_dtype(s.dtype):
            v = s.to_numpy(dtype="int64", na_value=np.iinfo(np.int64).min).view(np.uint64)
        elif pd.api.types.is_float_dtype(s.dtype):
            f = s.to_numpy(dtype="float64", na_value=np.nan)
            if (f == 0).any() or np.isnan(f.sum()):
                f = f + 0.0  # -0.0 -> 0.0
                f[np.isnan(f)] = np.nan  # one NaN bit pattern
            v = f.view(np.uint64)
        elif col in keys and len(keys[col]) == n:
            v = keys[col]
        else:
            v = _string_hash(_arrow_chunks(s))
        with np.errstate(over="ignore"):
            term = v * np.uint64(multipliers[i % len(multipliers)])
            if key is None:
                key = term
            else:
                key ^= term
    with np.errstate(over="ignore"):
        key ^= key >> np.uint64(31)
    ordered = np.sort(key)
    repeated = ordered[1:][ordered[1:] == ordered[:-1]]
    out = np.zeros(n, dtype=bool)
    if len(repeated):
        candidates = np.isin(key, np.unique(repeated))
        out[candidates] = frame.loc[candidates].duplicated(keep="first").to_numpy()
    return out


def validate_transactions(
    tx: pd.DataFrame,
    *,
    observation_end: Any = None,
    date_format: str | None = None,
    decimal: str = ".",
    timezone: str = DEFAULT_TIMEZONE,
    allow_partial_dates: bool = False,
    date_window: tuple[Any, Any] | None = None,
    on_missing_id: str = "error",
    on_bad_date: str = "error",
    on_bad_amount: str = "error",
    on_future_date: str = "error",
    on_out_of_window: str = "error",
    on_duplicate: str = "keep",
    on_negative: str = "error",
    on_zero: str = "keep",
    _origin: _Origin | None = None,
    _mapping: dict[str, str] | None = None,
    _excel: bool = False,
) -> pd.DataFrame:
    """Check a DataFrame with the canonical column names and return the tidy log.

    Types are coerced (ids to text, dates and amounts parsed as in
    :func:`parse_dates` and :func:`parse_amounts`); each kind of problem is handled
    by its policy option (see :data:`POLICIES`; ``"error"`` raises
    :class:`CvmDataError`). Use :func:`load_transactions` for files and for
    frames with other column names.

    Parameters
    ----------
    tx : DataFrame
        Columns ``customer_id``, ``date``, ``amount`` and any of ``quantity``,
        ``channel``, ``category``, ``cost``, ``order_id``; other columns are ignored.
    observation_end : date-like, optional
        Purchases after it are a problem handled by ``on_future_date``.
    date_format : str, optional
        strftime format for dates the parser does not recognise (e.g. ``"%d/%m/%Y"``);
        ``"excel"`` reads numbers as Excel serial days.
    decimal : {".", ","}, default "."
        Decimal mark of amounts, quantities and costs written as text. With ``"."``
        a comma is a thousands separator only in groups of three, so ``12,50`` is a
        bad amount (never 1250); ``","`` reads ``1.234,50`` as 1234.5.
    timezone : str, default "UTC"
        Time zone that timestamps carrying an offset (``+08:00``, ``Z``) are converted
        to before the offset is dropped; timestamps without one are taken as already
        in it. The count converted is reported.
    allow_partial_dates : bool, default False
        Take ``2024-03``/``2024``/``202403`` as the first day of the period (reported)
        instead of treating them as bad dates.
    date_window : (start, end), optional
        Allowed dates (inclusive; either may be None); dates outside it are handled
        by ``on_out_of_window``.
    on_missing_id, on_bad_date, on_bad_amount, on_future_date, on_out_of_window : {"error", "drop"}
        ``on_bad_date`` also covers dates before 1678 or after 2262-04-11, which the
        log (datetime64[ns]) cannot hold, and refused partial dates.
    on_duplicate : {"keep", "drop", "error"}
        Exact duplicate rows. Kept by default: two identical purchases on one day
        are common in real logs (CDNOW has them).
    on_negative : {"error", "drop", "net"}
        Returns and refunds. ``"net"`` subtracts each return from the same
        customer's purchases on or before its date (same ``order_id`` first,
        then the latest purchase first); a purchase netted to zero is removed and
        any remainder larger than the purchases is reported, not kept.
    on_zero : {"keep", "drop", "error"}

    Returns
    -------
    DataFrame
        The tidy log with a fresh RangeIndex; ``attrs["load_report"]`` describes the
        problems found and the policy applied to each.

    Examples
    --------
    >>> raw = pd.DataFrame({"customer_id": ["a", "a", "b"],
    ...                     "date": ["2024-01-02", "2024-02-03", "2024年1月5日"],
    ...                     "amount": ["￥10", "20.5", "1,000"]})
    >>> validate_transactions(raw).amount.tolist()
    [10.0, 20.5, 1000.0]
    """
    policies = {"on_missing_id": on_missing_id, "on_bad_date": on_bad_date, "on_bad_amount": on_bad_amount,
                "on_future_date": on_future_date, "on_out_of_window": on_out_of_window,
                "on_duplicate": on_duplicate, "on_negative": on_negative, "on_zero": on_zero}
    for name, value in policies.items():
        _check_policy(name, value)
    if decimal not in (".", ","):
        raise ValueError(f"decimal={decimal!r}; use '.' or ','")
    timezone = _check_timezone(timezone)
    origin = _origin or _Origin("<DataFrame>", np.asarray(tx.index), "index")
    mapping = _mapping or {c: c for c in REQUIRED + OPTIONAL if c in tx.columns}
    missing = [c for c in REQUIRED if c not in tx.columns]
    if missing:
        raise CvmDataError(f"{origin.source}: missing required column(s) {missing}; the data has "
                           f"{list(tx.columns)}", source=origin.source)
    dup_cols = sorted({c for c in tx.columns if list(tx.columns).count(c) > 1})
    if dup_cols:
        raise CvmDataError(f"{origin.source}: duplicate column name(s) {dup_cols}; each column needs its own name",
                           source=origin.source, column=str(dup_cols[0]))
    log = _Log(origin, mapping)
    n_input = len(tx)

    # Blank lines in a text file arrive as rows with nothing in them: skip, keep numbering.
    present = [c for c in REQUIRED + OPTIONAL if c in tx.columns]
    blank = tx[present].isna().all(axis=1).to_numpy() if tx["customer_id"].isna().any() else np.zeros(0, bool)
    if blank.any():
        tx, origin = tx.loc[~blank], origin.take(~blank)
        log.origin = origin

    out = pd.DataFrame(index=tx.index)
    keys: dict[str, np.ndarray] = {}  # string keys for the duplicate check, row-aligned with out
    out["customer_id"] = _parse_ids(tx["customer_id"], keys, "customer_id")
    dates, notes = _parse_dates(tx["date"], date_format, timezone=timezone, allow_partial_dates=allow_partial_dates,
                                excel_serial=_excel)
    out["date"] = dates
    out["amount"] = parse_amounts(tx["amount"], decimal)
    for col in OPTIONAL:
        if col not in tx.columns:
            continue
        if col in ("quantity", "cost"):
            parsed = parse_amounts(tx[col], decimal)
            bad = (parsed.isna() & tx[col].notna()).to_numpy()
            if tx[col].dtype != object and not pd.api.types.is_numeric_dtype(tx[col].dtype):
                bad = bad & (tx[col].astype("str").str.strip() != "").to_numpy()
            if bad.any():
                rows, where = origin.describe(bad)
                raise CvmDataError(
                    f"{origin.source}: column {mapping.get(col, col)!r}: {int(bad.sum())} value(s) are not numbers"
                    f"{_amount_hint(tx[col][bad], decimal)} ({where})", source=origin.source,
                    column=mapping.get(col, col), rows=rows, n_rows=int(bad.sum()))
            if col == "quantity" and parsed.notna().all() and (parsed % 1 == 0).all():
                parsed = parsed.astype("int64")
            out[col] = parsed
        else:
            out[col] = _parse_ids(tx[col], keys, col)
    raw_dates, raw_amounts = tx["date"], tx["amount"]

    def apply(option: str, mask: pd.Series | np.ndarray, column: str, detail: str = "") -> None:
        nonlocal out, origin, raw_dates, raw_amounts
        keep = log.handle(option, policies[option], np.asarray(mask), column, detail)
        if not keep.all():
            out, origin = out.loc[keep], origin.take(keep)
            for name in list(keys):
                keys[name] = keys[name][keep]
            raw_dates, raw_amounts = raw_dates.loc[keep], raw_amounts.loc[keep]
            log.origin = origin

    apply("on_missing_id", out["customer_id"].isna(), "customer_id")
    bad_date = out["date"].isna().to_numpy()
    if bad_date.any():
        apply("on_bad_date", bad_date, "date", _date_hint(raw_dates[bad_date], notes))
    if notes.tz_converted:
        log.note("timestamps with a time-zone offset", "date", notes.tz_converted, f"timezone={timezone}",
                 f"converted to {timezone}")
    if notes.partial_kept:
        log.note("partial date (month or year only)", "date", notes.partial_kept, "allow_partial_dates=True",
                 "first day of the period")
    if notes.serials:
        log.note("Excel serial day numbers", "date", notes.serials, "date_format=excel" if not _excel else "excel",
                 "read as dates")
    bad_amount = out["amount"].isna().to_numpy()
    if bad_amount.any():
        apply("on_bad_amount", bad_amount, "amount", _amount_hint(raw_amounts[bad_amount], decimal))
    if date_window is not None:
        start, end = (pd.Timestamp(v) if v is not None else None for v in date_window)
        outside = np.zeros(len(out), dtype=bool)
        if start is not None:
            outside |= (out["date"] < start).to_numpy()
        if end is not None:
            outside |= (out["date"] > end).to_numpy()
        apply("on_out_of_window", outside, "date",
              f" (date_window {start.date() if start is not None else '…'} to "
              f"{end.date() if end is not None else '…'})")
    if observation_end is not None:
        end = pd.Timestamp(observation_end)
        apply("on_future_date", out["date"] > end, "date", f" (observation end {end.date()})")
    apply("on_duplicate", _duplicated(out, keys), "customer_id", " (all mapped columns equal)")
    apply("on_zero", out["amount"] == 0, "amount")
    negative = (out["amount"] < 0).to_numpy()
    apply("on_negative", negative, "amount")
    if policies["on_negative"] == "net" and negative.any():
        out, unmatched = _net_returns(out, negative)
        if unmatched:
            log.problems.append({"problem": "return larger than the customer's earlier purchases",
                                 "column": mapping.get("amount", "amount"), "rows": unmatched[0],
                                 "first_rows": [], "policy": "on_negative=net",
                                 "action": f"remainder {unmatched[1]:.2f} not kept"})

    out = out.reset_index(drop=True)
    out.attrs["load_report"] = {
        "source": origin.source,
        "rows_read": int(n_input),
        "rows_kept": int(len(out)),
        "columns": dict(mapping),
        "timezone": timezone,
        "problems": log.problems,
    }
    return out


def _net_returns(tx: pd.DataFrame, negative: np.ndarray) -> tuple[pd.DataFrame, tuple[int, float] | None]:
    """Subtract returns from the same customer's earlier purchases (same order first, then latest)."""
    purchases = tx.loc[~negative].copy()
    returns = tx.loc[negative]
    amounts = purchases["amount"].to_numpy(copy=True)
    position = pd.Series(np.arange(len(purchases)), index=purchases.index)
    unmatched_rows, unmatched_value = 0, 0.0
    by_customer = {cid: grp for cid, grp in purchases.groupby("customer_id", sort=False)}
    for ret in returns.sort_values("date", kind="stable").itertuples(index=False):
        remaining = -ret.amount
        candidates = by_customer.get(ret.customer_id)
        if candidates is not None:
            eligible = candidates[candidates["date"] <= ret.date].sort_values("date", ascending=False, kind="stable")
            if "order_id" in tx.columns and isinstance(ret.order_id, str):
                same = eligible["order_id"] == ret.order_id
                eligible = pd.concat([eligible[same], eligible[~same]])
            for idx in eligible.index:
                pos = position[idx]
                take = min(amounts[pos], remaining)
                amounts[pos] -= take
                remaining -= take
                if remaining <= 1e-9:
                    break
        if remaining > 1e-9:
            unmatched_rows += 1
            unmatched_value += remaining
    original = purchases["amount"].to_numpy()
    purchases["amount"] = amounts
    # Drop only the purchases a return used up; zero-amount purchases kept by on_zero stay.
    purchases = purchases.loc[~((original > 1e-9) & (amounts <= 1e-9))]
    return purchases, ((unmatched_rows, unmatched_value) if unmatched_rows else None)


def _read_source(source: Any, *, sep, encoding, header, names, sheet, header_row, given, fast_types=False
                 ) -> tuple[pd.DataFrame, _Origin, dict[str, str], dict[str, Any]]:
    """Read any source; return the raw frame (user's columns, mapped ones only), origin, mapping, info."""
    from cvm_lib import _readers

    if isinstance(source, pd.DataFrame):
        origin = _Origin("<DataFrame>", np.asarray(source.index), "index")
        mapping = _resolve_columns([str(c) for c in source.columns], given, origin.source)
        frame = source.set_axis([str(c) for c in source.columns], axis=1)
        return frame, origin, mapping, {"all_columns": [str(c) for c in source.columns]}
    text = os.fspath(source)
    path = Path(text)
    is_glob = any(ch in text for ch in "*?[") and not path.exists()
    if is_glob or _readers.check_path(path) and path.is_dir():
        files, fmt = _readers.expand_folder(text)
        return _read_many(files, fmt, text, sep=sep, encoding=encoding, header=header, names=names, sheet=sheet,
                          header_row=header_row, given=given, fast_types=fast_types)
    raw, mapping = _read_one(path, sep=sep, encoding=encoding, header=header, names=names, sheet=sheet,
                             header_row=header_row, given=given, fast_types=fast_types)
    return _finish(raw, mapping)


def _read_one(path: Path, *, sep, encoding, header, names, sheet, header_row, given, mapping=None,
              fast_types=False):
    from cvm_lib import _readers

    _readers.check_path(path)
    fmt, compression = _readers.kind_of(path)
    if fmt == "parquet":
        found: dict[str, dict[str, str]] = {}

        def columns_for(columns: list[str]) -> list[str]:
            found["m"] = _map_again(columns, given, str(path), mapping)
            return list(dict.fromkeys(found["m"].values()))

        raw = _readers.read_parquet(path, columns_for)
        return raw, found["m"]
    try:
        if fmt == "excel":
            raw = _readers.read_excel(path, sheet=sheet, header=header, names=names, header_row=header_row,
                                      given=given)
        else:
            def types_for(columns: list[str]) -> dict[str, Any]:
                if not fast_types:
                    return {}
                found = _map_again(columns, given, str(path), mapping)
                kinds = {"date": "date", "amount": "number", "quantity": "number", "cost": "number"}
                typed = {col: kinds[canon] for canon, col in found.items() if canon in kinds}
                typed["__read__"] = list(found.values())
                return typed

            raw = _readers.read_text(path, compression, sep=sep, encoding=encoding, header=header, names=names,
                                     header_row=header_row, given=given, types_for=types_for)
    except CvmDataError:
        raise
    except (OSError, EOFError, MemoryError) as exc:
        raise CvmDataError(f"{path}: cannot be read ({type(exc).__name__}: {exc})", source=str(path)) from None
    columns = list(raw.frame.column_names) if hasattr(raw.frame, "column_names") else [str(c) for c in
                                                                                     raw.frame.columns]
    mapping = _map_again(columns, given, raw.source, mapping)
    if raw.info.get("excel"):
        _check_excel_cells(raw, mapping)
    return raw, mapping


def _map_again(columns: list[str], given, source: str, mapping: dict[str, str] | None) -> dict[str, str]:
    """Resolve the mapping; later files of a folder must have the first file's columns."""
    if mapping is None:
        return _resolve_columns(columns, given, source)
    missing = [c for c in mapping.values() if c not in columns]
    if missing:
        raise CvmDataError(f"{source}: column(s) {missing} of the first file are missing here (its columns are "
                           f"{columns}); every file of a folder source needs the same columns",
                           source=source, column=missing[0])
    return mapping


def _check_excel_cells(raw, mapping: dict[str, str]) -> None:
    """Error cells, formulas without cached values and merged cells in the mapped columns of a sheet."""
    from cvm_lib import _readers

    info, frame = raw.info, raw.frame
    for canonical, col in mapping.items():
        rows = info["error_cells"].get(col, [])
        if rows:
            values = sorted({str(frame[col].iloc[r - raw.row_labels[0]]) for r in rows[:20]})
            raise CvmDataError(
                f"{raw.source}: column {col!r}: {len(rows)} cell(s) hold spreadsheet errors {values} (rows "
                f"{', '.join(map(str, rows[:5]))}{' and more' if len(rows) > 5 else ''}); fix the formulas or "
                "replace the errors with values in the sheet", source=raw.source, column=col, rows=rows[:5],
                n_rows=len(rows))
    columns = list(frame.columns)
    for canonical, col in mapping.items():
        j = columns.index(col)
        for r0, r1, c0, c1 in info["merged"]:
            if c0 <= j + 1 <= c1 and r1 >= raw.row_labels[0] and len(raw.row_labels) and r0 <= raw.row_labels[-1]:
                raise CvmDataError(
                    f"{raw.source}: column {col!r}: cells of rows {', '.join(map(str, range(r0, r1 + 1)[:5]))} are "
                    "merged; a merged cell holds its value only in its first row, so the other rows would be "
                    "empty. Unmerge the cells and fill every row", source=raw.source, column=col,
                    rows=list(range(r0, r1 + 1))[:5], n_rows=r1 - r0 + 1)
        empty = frame[col].isna().to_numpy()
        if empty.any():
            rows = raw.row_labels[empty].tolist()
            formulas = _readers.excel_formula_cells(info["path"], info["sheet"], rows[:1000], j)
            if formulas:
                raise CvmDataError(
                    f"{raw.source}: column {col!r}: {len(formulas)} formula cell(s) have no saved value (rows "
                    f"{', '.join(map(str, formulas[:5]))}); the file was written by a program that does not "
                    "calculate formulas. Open and save it in Excel or LibreOffice, or export values",
                    source=raw.source, column=col, rows=formulas[:5], n_rows=len(formulas))


def _finish(raw, mapping: dict[str, str]) -> tuple[pd.DataFrame, _Origin, dict[str, str], dict[str, Any]]:
    frame = raw.frame
    if not raw.info.get("all_columns"):
        raw.info["all_columns"] = (list(frame.column_names) if hasattr(frame, "column_names")
                                   else [str(c) for c in frame.columns])
    wanted = list(dict.fromkeys(mapping.values()))
    if hasattr(frame, "column_names"):  # a pyarrow Table
        frame = _timestamps_to_ns(frame.select(wanted)).to_pandas()
    else:
        frame = frame[wanted]
    return frame, _Origin(raw.source, raw.row_labels, raw.row_word), mapping, raw.info


def _timestamps_to_ns(table):
    """Timestamp columns cast to nanoseconds in Arrow (cheap, threaded) when every value fits."""
    import pyarrow as pa

    for i, field in enumerate(table.schema):
        if pa.types.is_timestamp(field.type) and field.type.unit != "ns":
            try:
                table = table.set_column(i, field.name, table.column(i).cast(pa.timestamp("ns", field.type.tz)))
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                pass  # out of range: left to the date checks, which name the rows
    return table


def _read_many(files, fmt, source: str, **kw):
    """A folder or glob of files of one format is one source; errors name the file and its row."""
    mapping = None
    frames, labels, file_idx, names = [], [], [], []
    for i, path in enumerate(files):
        raw, mapping = _read_one(path, mapping=mapping, **kw)
        frame, origin, mapping, info = _finish(raw, mapping)
        if i == 0:
            first_columns = info["all_columns"]
        frames.append(frame)
        labels.append(origin.labels())
        file_idx.append(np.full(len(frame), i, dtype=np.int32))
        names.append(str(path.relative_to(source)) if not any(ch in source for ch in "*?[") and
                     path.is_relative_to(source) else path.name)
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0].reset_index(drop=True)
    row_word = "line" if fmt == "text" else "row"
    origin = _Origin(source, np.concatenate(labels), row_word, files=names, file_idx=np.concatenate(file_idx))
    return frame, origin, mapping, {"files": [str(f) for f in files], "all_columns": first_columns}


def load_transactions(
    source: str | os.PathLike | pd.DataFrame,
    *,
    customer_col: str | None = None,
    date_col: str | None = None,
    amount_col: str | None = None,
    quantity_col: str | None = None,
    channel_col: str | None = None,
    category_col: str | None = None,
    cost_col: str | None = None,
    order_col: str | None = None,
    sep: str | None = None,
    encoding: str | None = None,
    header: bool = True,
    header_row: int | str = "auto",
    names: list[str] | None = None,
    sheet: str | int = 0,
    sheet_name: str | int | None = None,
    date_format: str | None = None,
    decimal: str = ".",
    timezone: str = DEFAULT_TIMEZONE,
    allow_partial_dates: bool = False,
    date_window: tuple[Any, Any] | None = None,
    observation_end: Any = None,
    **policies: str,
) -> pd.DataFrame:
    """Load a transaction log from a file, folder or DataFrame into the tidy contract.

    Parameters
    ----------
    source : path, folder, glob or DataFrame
        CSV, TSV, whitespace-separated TXT (also ``.gz``, or ``.zip`` holding one
        file), Parquet, Excel ``.xlsx``/``.xlsm``, or a DataFrame. A folder or a glob
        (``"export/*.parquet"``) of files of one format is one source (a partitioned
        export); its rows are numbered ``file:row`` in messages. Legacy ``.xls``
        workbooks are refused with advice (save as ``.xlsx``). The path is checked
        before it is opened: a FIFO, device or unreadable file is refused.
    customer_col, date_col, amount_col : str, optional
        The user's column names. When omitted, common English and Chinese headers
        (Simplified and Traditional) are recognised (``customer_id``/``客户编号``/
        ``会员卡号``/``會員卡號``, ``date``/``交易日期``/``消費日期``, ``amount``/``金额``/
        ``消費金額``, ...); see :data:`ALIASES`.
    quantity_col, channel_col, category_col, cost_col, order_col : str, optional
        Optional columns, kept when mapped or recognised.
    sep : str, optional
        Field separator; ``"whitespace"`` for runs of spaces. Sniffed when omitted.
    encoding : str, optional
        Text encoding. Detected when omitted: BOMs, UTF-8, UTF-16 with or without
        BOM, GB18030 (covers GBK/GB2312), Big5, and cp1252 as a last resort; when
        the detection is not confident a :class:`CvmDataError` asks for it.
    header : bool, default True
        Whether the file has a header line naming the columns. Without one,
        columns are ``column_1``, ``column_2``, ... unless ``names`` is given.
    header_row : "auto" or int, default "auto"
        1-based line (text) or row (Excel) of the header. ``"auto"`` skips title
        rows above it: the header is the first of the first 30 rows naming two of
        the wanted columns, else the first full-width all-text row.
    names : list of str, optional
        Column names to use (replaces a header line when ``header`` is true).
    sheet : str or int, default 0
        Excel sheet by name or 0-based index (``sheet_name`` is an alias).
    date_format : str, optional
        strftime format for dates the parser does not recognise (e.g. ``"%d/%m/%Y"``);
        ``"excel"`` reads numbers as Excel serial days (always done for numeric
        cells in an Excel date column).
    decimal : {".", ","}, default "."
        Decimal mark; with ``"."``, ``12,50`` is refused as ambiguous, with ``","``
        ``1.234,50`` reads as 1234.5.
    timezone : str, default "UTC"
        Timestamps with an offset (``+08:00``, ``Z``) are converted to this zone and
        stored without it; the count is reported. Use e.g. ``"Asia/Shanghai"``.
    allow_partial_dates : bool, default False
        Take ``2024-03`` (or ``2024``) as the first day of the period instead of a bad date.
    date_window : (start, end), optional
        Allowed dates; others are handled by ``on_out_of_window``.
    observation_end : date-like, optional
        End of the observation window; later purchases are handled by ``on_future_date``.
    **policies
        One option per kind of problem (see :data:`POLICIES` for values and defaults):
        ``on_missing_id``, ``on_bad_date``, ``on_bad_amount``, ``on_future_date``,
        ``on_out_of_window``, ``on_duplicate``, ``on_negative``, ``on_zero``.

    Returns
    -------
    DataFrame
        ``customer_id`` (str), ``date`` (datetime64[ns]), ``amount`` (float64) and the
        optional columns mapped; ``attrs["load_report"]`` records rows read and kept,
        the column mapping, the user's columns left unmapped (``unmapped_columns``),
        the encoding, header line/row, sheet, files and each problem with the policy
        applied.

    Raises
    ------
    CvmDataError
        For a missing or unreadable file, an unknown column, an unreadable encoding,
        or any problem whose policy is ``"error"``; the message names file, column and rows.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "交易.csv"
    >>> _ = p.write_bytes('客户编号,交易日期,金额\\n001,2024年3月7日,"￥1,200"\\n'.encode("gbk"))
    >>> tx = load_transactions(p)
    >>> tx.loc[0, "customer_id"], tx.loc[0, "date"].date(), float(tx.loc[0, "amount"])
    ('001', datetime.date(2024, 3, 7), 1200.0)
    """
    unknown = set(policies) - set(POLICIES)
    if unknown:
        raise TypeError(f"load_transactions() got unknown option(s) {sorted(unknown)}; "
                        f"policies are {', '.join(POLICIES)}; other options are {', '.join(LOAD_OPTIONS)}")
    if sheet_name is not None:
        sheet = sheet_name
    if header_row != "auto" and not (isinstance(header_row, int) and not isinstance(header_row, bool)
                                     and header_row >= 1):
        raise ValueError(f"header_row={header_row!r}; use 'auto' or a 1-based row number")
    if decimal not in (".", ","):
        raise ValueError(f"decimal={decimal!r}; use '.' or ','")
    _check_timezone(timezone)
    given = {"customer_id": customer_col, "date": date_col, "amount": amount_col, "quantity": quantity_col,
             "channel": channel_col, "category": category_col, "cost": cost_col, "order_id": order_col}
    raw, origin, mapping, info = _read_source(source, sep=sep, encoding=encoding, header=header, names=names,
                                              sheet=sheet, header_row=header_row, given=given,
                                              fast_types=decimal == "." and date_format is None)
    renamed = raw[list(mapping.values())].set_axis(list(mapping.keys()), axis=1)
    tx = validate_transactions(renamed, observation_end=observation_end, date_format=date_format, decimal=decimal,
                               timezone=timezone, allow_partial_dates=allow_partial_dates, date_window=date_window,
                               _origin=origin, _mapping=mapping, _excel=bool(info.get("excel")), **policies)
    report = tx.attrs["load_report"]
    report["encoding"] = info.get("encoding")
    for key in ("header_line", "header_row", "sheet", "files", "separator"):
        if info.get(key) is not None:
            report[key] = info[key]
    columns = info.get("all_columns", list(mapping.values()))
    report["unmapped_columns"] = [c for c in columns if c not in mapping.values()]
    return tx


#: Every keyword of :func:`load_transactions` besides the column names and the policies
#: (what a data source's ``options:`` block may carry).
LOAD_OPTIONS = ("sep", "encoding", "header", "header_row", "names", "sheet", "sheet_name", "date_format",
                "decimal", "timezone", "allow_partial_dates", "date_window", "observation_end")


#: Stable ids of the problems of a load report (``load_report["problems"][i]["problem"]``).
QUALITY_PROBLEMS = {
    "missing customer id": "missing_customer_id", "date that cannot be parsed": "unparseable_date",
    "amount that is not a number": "non_numeric_amount", "date after the observation end": "future_date",
    "date outside the allowed window": "out_of_window_date", "exact duplicate row": "duplicate_row",
    "negative amount (return or refund)": "negative_amount", "zero amount": "zero_amount",
    "return larger than the customer's earlier purchases": "unmatched_return",
    "timestamps with a time-zone offset": "timezone_offset", "partial date (month or year only)": "partial_date",
    "Excel serial day numbers": "excel_serial_date",
}
_QUALITY_ACTIONS = {"dropped": "dropped", "kept": "kept", "netted": "netted",
                    "first day of the period": "first_day_of_period", "read as dates": "read_as_dates"}


def _quality_action(text: str) -> str:
    if text in _QUALITY_ACTIONS:
        return _QUALITY_ACTIONS[text]
    if text.startswith("converted to "):
        return "converted_to_timezone"
    if text.startswith("remainder ") and text.endswith(" not kept"):
        return "remainder_not_kept"
    return text


def quality_table(tx: pd.DataFrame) -> pd.DataFrame:
    """A data-quality table for a loaded log: one row per check, with the policy applied.

    Works on any tidy log; without a load report (a frame built by hand) only the size
    and date range are shown. Columns are stable identifiers, the same in every language
    (a report translates them when it shows the table):

    ``item``
        what the row is: ``source``, ``rows_read``, ``rows_kept``, ``customers``,
        ``first_date``, ``last_date``, ``total_amount``, ``encoding``, ``sheet``,
        ``header_row``, ``files``, ``problems_found`` (0 when none), or the id of a
        problem (:data:`QUALITY_PROBLEMS`, e.g. ``negative_amount``);
    ``column``
        the user's column a problem was found in (empty otherwise);
    ``value``
        the value of the item (text, a count, an amount, a date as ``YYYY-MM-DD``), for a
        problem the number of rows it affects;
    ``policy``
        the option and value applied (``on_negative=drop``), empty for plain items;
    ``action``
        what was done: ``dropped``, ``kept``, ``netted``, ``converted_to_timezone``,
        ``first_day_of_period``, ``read_as_dates``, ``remainder_not_kept``;
        ``none`` on the ``problems_found`` row when there were none.

    Examples
    --------
    >>> tx = validate_transactions(pd.DataFrame({"customer_id": ["a"], "date": ["2024-01-01"], "amount": [1.0]}))
    >>> table = quality_table(tx)
    >>> table.columns.tolist()
    ['item', 'column', 'value', 'policy', 'action']
    >>> table.set_index("item").loc[["customers", "first_date", "problems_found"], "value"].tolist()
    [1, '2024-01-01', 0]
    """
    report = tx.attrs.get("load_report", {})
    rows: list[tuple[str, str, Any, str, str]] = [
        ("source", "", str(report.get("source", "<DataFrame>")), "", ""),
        ("rows_read", "", int(report.get("rows_read", len(tx))), "", ""),
        ("rows_kept", "", int(len(tx)), "", ""),
        ("customers", "", int(tx["customer_id"].nunique()), "", ""),
        ("first_date", "", tx["date"].min().date().isoformat() if len(tx) else "", "", ""),
        ("last_date", "", tx["date"].max().date().isoformat() if len(tx) else "", "", ""),
        ("total_amount", "", round(float(tx["amount"].sum()), 2), "", ""),
    ]
    if report.get("encoding"):
        rows.append(("encoding", "", str(report["encoding"]), "", ""))
    if report.get("sheet") is not None:
        rows.append(("sheet", "", str(report["sheet"]), "", ""))
    if report.get("header_row") or report.get("header_line"):
        rows.append(("header_row", "", report.get("header_row") or report.get("header_line"), "", ""))
    if report.get("files"):
        rows.append(("files", "", int(len(report["files"])), "", ""))
    for problem in report.get("problems", []):
        rows.append((QUALITY_PROBLEMS.get(problem["problem"], problem["problem"]), str(problem["column"]),
                     int(problem["rows"]), str(problem["policy"]), _quality_action(str(problem["action"]))))
    if not report.get("problems"):
        rows.append(("problems_found", "", 0, "", "none"))
    return pd.DataFrame(rows, columns=["item", "column", "value", "policy", "action"])
