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

:func:`load_transactions` reads CSV/TSV/whitespace text, Parquet, Excel or a
DataFrame, detects the encoding (UTF-8, UTF-8 with BOM, GBK/GB18030), maps the
user's column names (English or Chinese headers are recognised), parses dates and
amounts as real-world files write them, and applies one named *policy* per kind
of problem. Every problem that is not explicitly allowed raises
:class:`CvmDataError`, naming the file, the user's column, how many rows and the
first offending row numbers as the user sees them (line numbers in a text file,
spreadsheet row numbers in Excel, index labels of a DataFrame).

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
    "POLICIES",
    "load_transactions",
    "validate_transactions",
    "quality_table",
    "detect_encoding",
    "parse_dates",
    "parse_amounts",
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

#: Every policy option of :func:`load_transactions`, its allowed values and default.
POLICIES: dict[str, tuple[tuple[str, ...], str]] = {
    "on_missing_id": (("error", "drop"), "error"),
    "on_bad_date": (("error", "drop"), "error"),
    "on_bad_amount": (("error", "drop"), "error"),
    "on_future_date": (("error", "drop"), "error"),
    "on_duplicate": (("keep", "drop", "error"), "keep"),
    "on_negative": (("error", "drop", "net"), "error"),
    "on_zero": (("keep", "drop", "error"), "keep"),
}

_PROBLEM_TEXT = {
    "on_missing_id": "missing customer id",
    "on_bad_date": "date that cannot be parsed",
    "on_bad_amount": "amount that is not a number",
    "on_future_date": "date after the observation end",
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
    """Where rows came from, so errors can point at them as the user sees them."""

    source: str
    row_labels: np.ndarray  # one label per row of the frame being checked
    row_word: str  # "line", "row" or "index"

    def describe(self, mask: np.ndarray) -> tuple[list[Any], str]:
        hits = self.row_labels[np.asarray(mask, dtype=bool)]
        first = [_plain(v) for v in hits[:_SHOW_ROWS]]
        more = f" and {len(hits) - _SHOW_ROWS} more" if len(hits) > _SHOW_ROWS else ""
        plural = "s" if len(hits) > 1 else ""
        return first, f"{self.row_word}{plural} {', '.join(map(str, first))}{more}"

    def take(self, keep: np.ndarray) -> _Origin:
        return _Origin(self.source, self.row_labels[keep], self.row_word)


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


# --------------------------------------------------------------------------- reading

def detect_encoding(path: str | os.PathLike, sample_bytes: int = 1 << 20) -> str:
    """Guess the text encoding of a file: ``utf-8-sig``, ``utf-8`` or ``gb18030``.

    GB18030 is a superset of GBK and GB2312, so files saved as "GBK" or "ANSI" on a
    Chinese-locale Windows machine are read correctly with it.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_bytes("客户编号,金额\\n1,2\\n".encode("gbk"))
    >>> detect_encoding(p)
    'gb18030'
    """
    with open(path, "rb") as fh:
        head = fh.read(sample_bytes)
        complete = len(head) < sample_bytes
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for encoding in ("utf-8", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            # final=False tolerates a multi-byte character cut off by the sample end.
            decoder.decode(head, final=complete)
            return encoding
        except UnicodeDecodeError:
            continue
    raise CvmDataError(
        f"{path}: cannot tell the text encoding (tried utf-8, utf-8-sig, gb18030); "
        "pass encoding='...' to load_transactions", source=str(path))


def _sniff_separator(first_line: str) -> str:
    for sep in ("\t", ",", ";", "|"):
        if sep in first_line:
            return sep
    return "whitespace"


def _read_text(path: Path, *, sep: str | None, encoding: str | None, header: bool,
               names: list[str] | None) -> tuple[pd.DataFrame, str, int]:
    encoding = encoding or detect_encoding(path)
    with open(path, encoding=encoding, errors="replace") as fh:
        first_line = fh.readline()
    if sep is None:
        sep = {".tsv": "\t"}.get(path.suffix.lower()) or _sniff_separator(first_line)
    first_data_line = 2 if header else 1
    try:
        if sep == "whitespace":
            frame = pd.read_csv(path, sep=r"\s+", dtype=str, encoding=encoding, keep_default_na=False,
                                header=0 if header else None, names=names, skip_blank_lines=False)
        else:
            frame = _read_delimited_arrow(path, sep=sep, encoding=encoding, header=header, names=names)
    except UnicodeDecodeError as exc:
        raise CvmDataError(f"{path}: text is not valid {encoding} ({exc.reason} at byte {exc.start}); "
                           "pass encoding='gb18030' or the file's real encoding", source=str(path)) from exc
    except (pd.errors.ParserError, ValueError) as exc:
        raise CvmDataError(f"{path}: cannot be read as a table with separator {sep!r}: {exc}",
                           source=str(path)) from exc
    if header and names is None:
        frame.columns = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
    elif names is None:
        frame.columns = [f"column_{i + 1}" for i in range(frame.shape[1])]
    return frame, encoding, first_data_line


def _read_delimited_arrow(path: Path, *, sep: str, encoding: str, header: bool,
                          names: list[str] | None) -> pd.DataFrame:
    """Read a delimited file with pyarrow: multi-threaded and compact for large logs."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    read_opts = pacsv.ReadOptions(encoding=encoding, column_names=names,
                                  autogenerate_column_names=not header and names is None,
                                  skip_rows=1 if (header and names is not None) else 0,
                                  block_size=1 << 24)
    # Read every column as text: ids keep leading zeros and we parse dates and
    # amounts ourselves, so bad cells are reported instead of silently coerced.
    with open(path, encoding=encoding, errors="replace") as fh:
        header_line = fh.readline().rstrip("\r\n").lstrip("\ufeff")
    columns = names or (header_line.split(sep) if header else None)
    types = {c.strip('"'): pa.string() for c in columns} if columns else None
    convert = pacsv.ConvertOptions(column_types=types, strings_can_be_null=True,
                                   null_values=[""], quoted_strings_can_be_null=True)
    try:
        table = pacsv.read_csv(path, read_options=read_opts,
                               parse_options=pacsv.ParseOptions(delimiter=sep, ignore_empty_lines=False),
                               convert_options=convert)
    except pa.ArrowInvalid as exc:
        if "UTF8" in str(exc) or "decode" in str(exc).lower():
            raise UnicodeDecodeError(encoding, b"", 0, 1, str(exc)) from exc
        raise ValueError(str(exc)) from exc
    if not header:
        table = table.cast(pa.schema([(f.name, pa.string()) for f in table.schema]))
    return table.to_pandas()


def _read_source(source: Any, *, sep, encoding, header, names, sheet_name
                 ) -> tuple[pd.DataFrame, _Origin, str | None]:
    """Return the raw frame, where its rows came from, and the encoding used."""
    if isinstance(source, pd.DataFrame):
        return source, _Origin("<DataFrame>", np.asarray(source.index), "index"), None
    path = Path(source)
    if not path.exists():
        raise CvmDataError(f"{path}: file not found", source=str(path))
    suffix = "".join(path.suffixes[-2:]).lower() if path.suffix.lower() == ".gz" else path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        frame = pd.read_parquet(path)
        return frame, _Origin(str(path), np.arange(1, len(frame) + 1), "row"), None
    if suffix in (".xlsx", ".xlsm", ".xls"):
        frame = pd.read_excel(path, sheet_name=sheet_name, header=0 if header else None, names=names)
        first = 2 if header else 1  # spreadsheet row numbers, header in row 1
        frame.columns = [str(c).strip() for c in frame.columns]
        return frame, _Origin(str(path), np.arange(first, len(frame) + first), "row"), None
    frame, used, first = _read_text(path, sep=sep, encoding=encoding, header=header, names=names)
    return frame, _Origin(str(path), np.arange(first, len(frame) + first), "line"), used


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


def parse_dates(values: pd.Series, date_format: str | None = None) -> pd.Series:
    """Parse dates as real files write them; unparseable cells become NaT.

    Understands datetimes, ISO strings (``2024-03-07``, ``2024/3/7``, with or
    without a time), ``YYYYMMDD`` integers or strings (``19970101``) and Chinese
    dates (``2024年3月7日``). Day-first or month-first strings such as ``07/03/2024``
    are ambiguous and need an explicit ``date_format``.

    Returns a ``datetime64[ns]`` Series aligned with the input.

    Examples
    --------
    >>> parse_dates(pd.Series(["2024-03-07", "2024年3月8日", "20240309", 20240310])).dt.day.tolist()
    [7, 8, 9, 10]
    """
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_localize(None).astype("datetime64[ns]")
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return values.astype("datetime64[ns]")
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        numbers = pd.to_numeric(values, errors="coerce")
        integral = numbers.notna() & (numbers % 1 == 0) & numbers.between(10000101, 99991231)
        text = numbers.where(integral).astype("Int64").astype("str")
        text = text.where(integral)
        return pd.to_datetime(text, format="%Y%m%d", errors="coerce").astype("datetime64[ns]")
    text = values.astype("str").str.strip().where(values.notna())
    if date_format is not None:
        return pd.to_datetime(text, format=date_format, errors="coerce").astype("datetime64[ns]")
    parsed = pd.to_datetime(text, format="ISO8601", errors="coerce")
    retry = parsed.isna() & text.notna()
    if retry.any():
        parts = text[retry].str.extract(_CN_DATE)
        ymd = parts[[0, 1, 2]].astype("float64")
        ymd.columns = ["year", "month", "day"]
        ok = ymd.notna().all(axis=1)
        if ok.any():
            dates = pd.to_datetime(ymd[ok].astype("int64"), errors="coerce")
            times = parts.loc[ok, 3].fillna("").str.strip()
            has_time = times != ""
            if has_time.any():
                dates[has_time] = pd.to_datetime(
                    dates[has_time].dt.strftime("%Y-%m-%d") + " " + times[has_time], errors="coerce")
            parsed = parsed.astype("datetime64[ns]")
            parsed.loc[dates.index] = dates.astype("datetime64[ns]")
    return parsed.astype("datetime64[ns]")


_CURRENCY = re.compile(r"[￥¥$€£,，\s]|RMB|CNY|USD|EUR|元")


def parse_amounts(values: pd.Series) -> pd.Series:
    """Parse money amounts; cells that are not numbers become NaN.

    Strips currency symbols and codes (``￥ ¥ $ € £ RMB CNY USD 元``), thousands
    separators (``,`` and the full-width ``，``) and spaces; ``(12.50)`` is the
    accounting notation for ``-12.50``.

    Examples
    --------
    >>> parse_amounts(pd.Series(["￥1,234.50", "$12", "(3.5)", "12元", "abc"])).tolist()
    [1234.5, 12.0, -3.5, 12.0, nan]
    """
    if pd.api.types.is_bool_dtype(values.dtype):
        return pd.Series(np.nan, index=values.index)
    if pd.api.types.is_numeric_dtype(values.dtype):
        return pd.to_numeric(values, errors="coerce").astype("float64")
    text = values.astype("str").where(values.notna())
    numbers = _plain_numbers(text)
    retry = numbers.isna() & text.notna()
    if retry.any():
        # Only cells that are not plain numbers pay for the currency clean-up.
        messy = text[retry].str.replace(_CURRENCY.pattern, "", regex=True)
        negative = messy.str.match(r"^\(.*\)$", na=False)
        messy = messy.str.strip("()")
        cleaned = pd.to_numeric(messy.where(messy != ""), errors="coerce").astype("float64")
        numbers = numbers.copy()
        numbers[retry] = cleaned.where(~negative, -cleaned)
    return numbers.where(np.isfinite(numbers))  # "inf" is not an amount


def _plain_numbers(text: pd.Series) -> pd.Series:
    """Cells that are plain decimal numbers as float64 (others NaN), via Arrow's fast cast."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        arrow = pa.array(text.array)
        return pd.Series(pc.cast(arrow, pa.float64()).to_numpy(zero_copy_only=False), index=text.index)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, TypeError):
        return pd.to_numeric(text.where(text.str.strip() != ""), errors="coerce").astype("float64")


def _parse_ids(values: pd.Series) -> pd.Series:
    if pd.api.types.is_float_dtype(values.dtype):
        # Spreadsheets store numeric ids as floats; 1001.0 is customer "1001".
        integral = values.notna() & (values % 1 == 0)
        if integral[values.notna()].all():
            values = values.astype("Int64")
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
                    f"{self.origin.source}: column {user_col!r}: {count} row{'s' if count > 1 else ''} with a "
                    f"{_PROBLEM_TEXT[option]}{detail} ({where}). Fix the data, or pass "
                    f"{option}={allowed[0]!r}" + (f" (or {', '.join(map(repr, allowed[1:]))})" if len(allowed) > 1
                                                   else "") + " to load_transactions.",
                    source=self.origin.source, column=user_col, rows=rows, n_rows=count, option=option)
            self.problems.append({"problem": _PROBLEM_TEXT[option], "column": user_col, "rows": count,
                                  "first_rows": rows, "policy": f"{option}={policy}",
                                  "action": {"drop": "dropped", "keep": "kept", "net": "netted"}[policy]})
        return ~mask if policy == "drop" else np.ones(len(mask), dtype=bool)


def validate_transactions(
    tx: pd.DataFrame,
    *,
    observation_end: Any = None,
    date_format: str | None = None,
    on_missing_id: str = "error",
    on_bad_date: str = "error",
    on_bad_amount: str = "error",
    on_future_date: str = "error",
    on_duplicate: str = "keep",
    on_negative: str = "error",
    on_zero: str = "keep",
    _origin: _Origin | None = None,
    _mapping: dict[str, str] | None = None,
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
    on_missing_id, on_bad_date, on_bad_amount, on_future_date : {"error", "drop"}
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
                "on_future_date": on_future_date, "on_duplicate": on_duplicate, "on_negative": on_negative,
                "on_zero": on_zero}
    for name, value in policies.items():
        _check_policy(name, value)
    origin = _origin or _Origin("<DataFrame>", np.asarray(tx.index), "index")
    mapping = _mapping or {c: c for c in REQUIRED + OPTIONAL if c in tx.columns}
    missing = [c for c in REQUIRED if c not in tx.columns]
    if missing:
        raise CvmDataError(f"{origin.source}: missing required column(s) {missing}; the data has "
                           f"{list(tx.columns)}", source=origin.source)
    log = _Log(origin, mapping)
    n_input = len(tx)

    # Blank lines in a text file arrive as rows with nothing in them: skip, keep numbering.
    present = [c for c in REQUIRED + OPTIONAL if c in tx.columns]
    blank = tx[present].isna().all(axis=1).to_numpy()
    if blank.any():
        tx, origin = tx.loc[~blank], origin.take(~blank)
        log.origin = origin

    out = pd.DataFrame(index=tx.index)
    out["customer_id"] = _parse_ids(tx["customer_id"])
    out["date"] = parse_dates(tx["date"], date_format)
    out["amount"] = parse_amounts(tx["amount"])
    for col in OPTIONAL:
        if col not in tx.columns:
            continue
        if col in ("quantity", "cost"):
            parsed = parse_amounts(tx[col])
            bad = parsed.isna() & tx[col].notna()
            if bad.any():
                rows, where = origin.describe(bad.to_numpy())
                raise CvmDataError(
                    f"{origin.source}: column {mapping.get(col, col)!r}: {int(bad.sum())} value(s) are not numbers "
                    f"({where})", source=origin.source, column=mapping.get(col, col), rows=rows,
                    n_rows=int(bad.sum()))
            if col == "quantity" and parsed.notna().all() and (parsed % 1 == 0).all():
                parsed = parsed.astype("int64")
            out[col] = parsed
        else:
            out[col] = _parse_ids(tx[col])

    def apply(option: str, mask: pd.Series | np.ndarray, column: str, detail: str = "") -> None:
        nonlocal out, origin
        keep = log.handle(option, policies[option], np.asarray(mask), column, detail)
        if not keep.all():
            out, origin = out.loc[keep], origin.take(keep)
            log.origin = origin

    apply("on_missing_id", out["customer_id"].isna(), "customer_id")
    apply("on_bad_date", out["date"].isna(), "date",
          " (expected e.g. 2024-03-07, 2024/3/7, 20240307 or 2024年3月7日; pass date_format= for others)")
    apply("on_bad_amount", out["amount"].isna(), "amount", " (expected a number such as 1234.50 or ￥1,234.50)")
    if observation_end is not None:
        end = pd.Timestamp(observation_end)
        apply("on_future_date", out["date"] > end, "date", f" (observation end {end.date()})")
    apply("on_duplicate", out.duplicated(keep="first"), "customer_id", " (all mapped columns equal)")
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
    purchases["amount"] = amounts
    purchases = purchases.loc[purchases["amount"] > 1e-9]
    return purchases, ((unmatched_rows, unmatched_value) if unmatched_rows else None)


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
    names: list[str] | None = None,
    sheet_name: str | int = 0,
    date_format: str | None = None,
    observation_end: Any = None,
    **policies: str,
) -> pd.DataFrame:
    """Load a transaction log from a file or DataFrame into the tidy contract.

    Parameters
    ----------
    source : path or DataFrame
        CSV, TSV, whitespace-separated TXT (``.gz`` too), Parquet, Excel, or a DataFrame.
    customer_col, date_col, amount_col : str, optional
        The user's column names. When omitted, common English and Chinese headers
        are recognised (``customer_id``/``客户编号``/``会员编号``, ``date``/``交易日期``/
        ``日期``, ``amount``/``金额``/``消费金额``, ...); see :data:`ALIASES`.
    quantity_col, channel_col, category_col, cost_col, order_col : str, optional
        Optional columns, kept when mapped or recognised.
    sep : str, optional
        Field separator; ``"whitespace"`` for runs of spaces. Sniffed when omitted.
    encoding : str, optional
        Detected when omitted (utf-8, utf-8-sig, gb18030 which covers GBK).
    header : bool, default True
        Whether the first line names the columns. Without one, columns are
        ``column_1``, ``column_2``, ... unless ``names`` is given.
    names : list of str, optional
        Column names to use (replaces a header line when ``header`` is true).
    sheet_name : str or int, default 0
        Excel sheet.
    date_format : str, optional
        strftime format for dates the parser does not recognise (e.g. ``"%d/%m/%Y"``).
    observation_end : date-like, optional
        End of the observation window; later purchases are handled by ``on_future_date``.
    **policies
        One option per kind of problem (see :data:`POLICIES` for values and defaults):
        ``on_missing_id``, ``on_bad_date``, ``on_bad_amount``, ``on_future_date``,
        ``on_duplicate``, ``on_negative``, ``on_zero``.

    Returns
    -------
    DataFrame
        ``customer_id`` (str), ``date`` (datetime64[ns]), ``amount`` (float64) and the
        optional columns mapped; ``attrs["load_report"]`` records rows read and kept,
        the column mapping, the encoding and each problem with the policy applied.

    Raises
    ------
    CvmDataError
        For a missing file, an unknown column, an unreadable encoding, or any problem
        whose policy is ``"error"``; the message names file, column and rows.

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
                        f"policies are {', '.join(POLICIES)}")
    raw, origin, used_encoding = _read_source(source, sep=sep, encoding=encoding, header=header,
                                              names=names, sheet_name=sheet_name)
    given = {"customer_id": customer_col, "date": date_col, "amount": amount_col, "quantity": quantity_col,
             "channel": channel_col, "category": category_col, "cost": cost_col, "order_id": order_col}
    mapping = _resolve_columns([str(c) for c in raw.columns], given, origin.source)
    renamed = raw[list(mapping.values())].set_axis(list(mapping.keys()), axis=1)
    tx = validate_transactions(renamed, observation_end=observation_end, date_format=date_format,
                               _origin=origin, _mapping=mapping, **policies)
    tx.attrs["load_report"]["encoding"] = used_encoding
    return tx


_QUALITY_ZH = {
    "source": "数据来源", "rows read": "读取行数", "rows kept": "保留行数", "customers": "客户数",
    "first date": "最早日期", "last date": "最晚日期", "total amount": "总金额", "encoding": "文件编码",
    "problems found": "发现的问题", "none": "无", "missing customer id": "缺失客户编号",
    "date that cannot be parsed": "无法识别的日期", "amount that is not a number": "非数字金额",
    "date after the observation end": "晚于观察期末的日期", "exact duplicate row": "完全重复的行",
    "negative amount (return or refund)": "负金额（退货或退款）", "zero amount": "零金额",
    "return larger than the customer's earlier purchases": "退货金额超过该客户此前的购买",
    "dropped": "已删除", "kept": "已保留", "netted": "已冲减", "item": "项目", "value": "数值", "policy": "处理策略",
}


def quality_table(tx: pd.DataFrame, *, lang: str = "en") -> pd.DataFrame:
    """A data-quality table for a loaded log: one row per check, with the policy applied.

    Works on any tidy log; without a load report (a frame built by hand) only the
    size and date range are shown. ``lang="zh"`` labels it in Chinese.

    Examples
    --------
    >>> tx = validate_transactions(pd.DataFrame({"customer_id": ["a"], "date": ["2024-01-01"], "amount": [1.0]}))
    >>> quality_table(tx).set_index("item").loc["customers", "value"]
    '1'
    >>> quality_table(tx, lang="zh").columns.tolist()
    ['项目', '数值', '处理策略']
    """
    if lang not in ("en", "zh"):
        raise ValueError(f"lang={lang!r}; use 'en' or 'zh'")

    def t(text: str) -> str:
        return _QUALITY_ZH.get(text, text) if lang == "zh" else text

    report = tx.attrs.get("load_report", {})
    rows = [
        (t("source"), str(report.get("source", "<DataFrame>")), ""),
        (t("rows read"), f"{report.get('rows_read', len(tx)):,}", ""),
        (t("rows kept"), f"{len(tx):,}", ""),
        (t("customers"), f"{tx['customer_id'].nunique():,}", ""),
        (t("first date"), str(tx["date"].min().date()) if len(tx) else "", ""),
        (t("last date"), str(tx["date"].max().date()) if len(tx) else "", ""),
        (t("total amount"), f"{tx['amount'].sum():,.2f}", ""),
    ]
    if report.get("encoding"):
        rows.append((t("encoding"), report["encoding"], ""))
    for problem in report.get("problems", []):
        rows.append((f"{t(problem['problem'])} [{problem['column']}]", f"{problem['rows']:,}",
                     f"{problem['policy']} → {t(problem['action'])}"))
    if not report.get("problems"):
        rows.append((t("problems found"), "0", t("none")))
    return pd.DataFrame(rows, columns=[t("item"), t("value"), t("policy")])
