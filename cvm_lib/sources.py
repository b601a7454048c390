"""One data source for every transaction study: a file, a database table or query, or a bundled name.

A :class:`DataSource` is described once — in a config's ``data:`` block or on the command
line (``cvm run --data SOURCE --column customer=会员卡号 --option on_negative=net``) — and
:meth:`DataSource.load` turns it into the tidy transaction log of :mod:`cvm_lib.data`
(``customer_id``/``date``/``amount`` and the optional columns). ``cvm run`` loads and
validates it once, in the CLI process, and every study reads the validated snapshot
(:mod:`cvm_lib.report.snapshot`).

``data:`` block keys
    ``source``  a file (CSV/TSV/TXT, ``.gz``/``.zip``, Parquet, Excel), a folder or glob of
                Parquet/CSV files, a PostgreSQL URL (``postgresql://user@host:5432/db``), a
                DuckDB database file (``*.duckdb``, ``*.ddb`` or ``duckdb:///path``), or a bundled
                name (``cdnow``, ``cdnow_sample``, ``retail_demo``).
    ``columns`` the user's column name for each tidy column: ``customer``, ``date``, ``amount``
                and optionally ``quantity``, ``channel``, ``category``, ``cost``, ``order_id``
                (and ``store``/``region`` where the loader supports them). Unnamed columns are
                recognised from common English and Chinese headers.
    ``options`` any :func:`cvm_lib.data.load_transactions` option: the policies
                (``on_negative: net``, ``on_zero``, ...) and the reading options (``sheet``,
                ``header_row``, ``encoding``, ``decimal``, ``timezone``, ``sep``, ...).
    ``table``   for a database: the table (``schema.table`` allowed), or
    ``query``   a ``select`` statement.

Databases are read with SQLAlchemy 2 and psycopg 3 (PostgreSQL: the table is looked up through
SQLAlchemy, the rows come through ``COPY ... TO STDOUT`` as CSV text, so values reach the loader as
PostgreSQL writes them — ids keep their zeros, NULL stays missing — and are parsed like a file's)
or DuckDB (a database file, opened read-only). Rows of a database result are numbered 1, 2, ...
in messages ("result row 3"). PostgreSQL credentials come from the URL or from the standard libpq
environment variables (``PGHOST``, ``PGPORT``, ``PGUSER``, ``PGPASSWORD``, ``PGDATABASE``,
``~/.pgpass``); :attr:`DataSource.display` never shows a password, and it is what manifests
and messages record.

Every problem — a missing file, an unknown column key or option, a database that cannot be
reached, a table that does not exist, bad rows — is a :class:`cvm_lib.data.CvmDataError`
naming the source.
"""

from __future__ import annotations

import glob
import hashlib
import inspect
import os
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cvm_lib.data import POLICIES, CvmDataError, load_transactions
from cvm_lib.paths import resolve_project_path

__all__ = ["DataSource", "describe_keys", "check_report", "DATA_KEYS", "COLUMN_KEYS", "BUNDLED_SOURCES", "load_options", "parse_assignment",
           "redact_url", "CHECK_HINT"]

#: Keys of a config's ``data:`` block.
DATA_KEYS = ("source", "columns", "options", "table", "query")

#: ``columns`` keys and the :func:`load_transactions` argument each one sets.
COLUMN_KEYS: dict[str, str] = {
    "customer": "customer_col", "date": "date_col", "amount": "amount_col", "quantity": "quantity_col",
    "channel": "channel_col", "category": "category_col", "cost": "cost_col", "order_id": "order_col",
    "store": "store_col", "region": "region_col",
}
_COLUMN_ALIASES = {"customer_id": "customer", "order": "order_id"}

#: Bundled data sets (see :mod:`cvm_lib.datasets`).
BUNDLED_SOURCES = ("cdnow", "cdnow_sample", "retail_demo")

#: What error messages tell a new user to run.
CHECK_HINT = "run `cvm check-data SOURCE` to see how the file is read"

_DUCKDB_SUFFIXES = (".duckdb", ".ddb", ".db")
_PG_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")
# Arguments of load_transactions that are not options of a data source.
_NOT_OPTIONS = {"source"} | set(COLUMN_KEYS.values())


def _loader_parameters() -> dict[str, inspect.Parameter]:
    return dict(inspect.signature(load_transactions).parameters)


def load_options() -> tuple[str, ...]:
    """Names accepted in ``options``: every keyword option of :func:`load_transactions` and its policies.

    Read from the loader itself, so the list follows it.

    Examples
    --------
    >>> {"on_negative", "encoding", "sep"} <= set(load_options())
    True
    """
    named = [n for n, p in _loader_parameters().items()
             if p.kind is inspect.Parameter.KEYWORD_ONLY and n not in _NOT_OPTIONS]
    return tuple(named) + tuple(p for p in POLICIES if p not in named)


def redact_url(url: str) -> str:
    """``url`` with any password replaced by ``***`` (in the authority and in ``?password=``).

    Examples
    --------
    >>> redact_url("postgresql://ana:s3cret@db.example.com:5432/shop?sslmode=require&password=x")
    'postgresql://ana:***@db.example.com:5432/shop?sslmode=require&password=***'
    >>> redact_url("postgresql://ana@localhost/shop")
    'postgresql://ana@localhost/shop'
    """
    url = re.sub(r"^([a-zA-Z][\w+.\-]*://[^:/@?#]*):[^@/?#]*@", r"\1:***@", url)
    return re.sub(r"([?&]password=)[^&#]*", r"\1***", url, flags=re.IGNORECASE)


def parse_assignment(text: str, flag: str) -> tuple[str, Any]:
    """``NAME=VALUE`` from the command line; numbers, ``true``/``false`` and ``none`` are converted.

    Examples
    --------
    >>> parse_assignment("header_row=3", "--option"), parse_assignment("decimal=,", "--option")
    (('header_row', 3), ('decimal', ','))
    >>> parse_assignment("customer=会员卡号", "--column")
    ('customer', '会员卡号')
    """
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise CvmDataError(f"{flag} expects NAME=VALUE, got {text!r}", source="<command line>")
    name = name.strip()
    if flag == "--column":
        return name, value
    low = value.strip().lower()
    if re.fullmatch(r"[+-]?\d+", value.strip()):
        return name, int(value)
    if re.fullmatch(r"[+-]?(\d+\.\d*|\.\d+)([eE][+-]?\d+)?", value.strip()):
        return name, float(value)
    if low in ("true", "false"):
        return name, low == "true"
    if low in ("none", "null"):
        return name, None
    return name, value


def _is_url(text: str) -> bool:
    return bool(re.match(r"^[a-zA-Z][\w+.\-]*://", text))


@dataclass(frozen=True)
class DataSource:
    """Where the transactions are and how to read them.

    Parameters
    ----------
    source : str
        File, folder/glob, database URL, DuckDB file or bundled name (see the module docstring).
    columns : mapping, optional
        ``{"customer": "会员卡号", "date": "消费日期", ...}``; keys in :data:`COLUMN_KEYS`.
    options : mapping, optional
        :func:`cvm_lib.data.load_transactions` options, e.g. ``{"on_negative": "net"}``.
    table, query : str, optional
        For a database source: a table name or a ``select`` statement (one of them).

    Examples
    --------
    >>> ds = DataSource.from_config({"source": "cdnow_sample"})
    >>> ds.kind, ds.display
    ('bundled', 'cdnow_sample')
    >>> tx = ds.load()
    >>> tx["customer_id"].nunique()
    2357
    >>> DataSource("postgresql://ana:pw@localhost/shop", table="sales").display
    'postgresql://ana:***@localhost/shop table sales'
    """

    source: str
    columns: Mapping[str, str] = field(default_factory=dict)
    options: Mapping[str, Any] = field(default_factory=dict)
    table: str | None = None
    query: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.source, str) or not self.source.strip():
            raise CvmDataError(f"data source must be a non-empty text, got {self.source!r}", source="<data>")
        columns = {}
        for key, name in dict(self.columns or {}).items():
            key = _COLUMN_ALIASES.get(str(key), str(key))
            if key not in COLUMN_KEYS:
                raise CvmDataError(f"data columns: unknown key {key!r}; keys are {', '.join(COLUMN_KEYS)}",
                                   source=self.display_source, column=str(name))
            if COLUMN_KEYS[key] not in _loader_parameters():
                raise CvmDataError(f"data columns: {key!r} is not supported by cvm_lib.data.load_transactions "
                                   f"of this version; keys it supports: "
                                   f"{', '.join(k for k, v in COLUMN_KEYS.items() if v in _loader_parameters())}",
                                   source=self.display_source, column=str(name))
            if name is not None:
                columns[key] = str(name)
        object.__setattr__(self, "columns", columns)
        options = dict(self.options or {})
        allowed = load_options()
        for name in options:
            if name.endswith("_col"):
                raise CvmDataError(f"data options: {name!r} is a column mapping; write it under columns "
                                   f"(e.g. columns: {{{name[:-4].replace('order', 'order_id')}: ...}})",
                                   source=self.display_source, option=name)
            if name not in allowed:
                raise CvmDataError(f"data options: unknown option {name!r}; options are {', '.join(allowed)}",
                                   source=self.display_source, option=name)
        object.__setattr__(self, "options", options)
        if self.table is not None and self.query is not None:
            raise CvmDataError("data: give either table or query, not both", source=self.display_source)
        if (self.table or self.query) and self.kind not in ("postgresql", "duckdb"):
            raise CvmDataError(f"data: table/query apply to a database source (a postgresql:// URL or a DuckDB "
                               f"file), not to {self.display_source!r}", source=self.display_source)
        if self.kind == "bundled" and (self.columns or self.options):
            raise CvmDataError(f"data: columns and options apply to your own files, not to the bundled data set "
                               f"{self.source!r}", source=self.source)

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_config(cls, block: Any, *, where: str = "config") -> DataSource:
        """From a ``data:`` block: a mapping with :data:`DATA_KEYS`, or just the source text."""
        if isinstance(block, str):
            return cls(block)
        if not isinstance(block, Mapping):
            raise CvmDataError(f"{where}: data must be a mapping with keys {', '.join(DATA_KEYS)} "
                               f"(or a source text), got {block!r}", source=where)
        unknown = set(block) - set(DATA_KEYS)
        if unknown:
            raise CvmDataError(f"{where}: data has unknown key(s) {sorted(unknown)}; keys are {', '.join(DATA_KEYS)}",
                               source=where)
        if not block.get("source"):
            raise CvmDataError(f"{where}: data needs a source (a file, a database URL or a bundled name)",
                               source=where)
        for key in ("columns", "options"):
            if block.get(key) is not None and not isinstance(block[key], Mapping):
                raise CvmDataError(f"{where}: data {key} must be a mapping, got {block[key]!r}", source=where)
        return cls(str(block["source"]), block.get("columns") or {}, block.get("options") or {},
                   block.get("table"), block.get("query"))

    def updated(self, *, source: str | None = None, columns: Mapping[str, str] | None = None,
                options: Mapping[str, Any] | None = None, table: str | None = None,
                query: str | None = None) -> DataSource:
        """A copy with command-line settings on top (columns and options merged key by key).

        A new ``source`` keeps the columns and options (not for a bundled name), and a database's
        table or query only when it is a database too.
        """
        base = self
        if source is not None and source != self.source:
            keep = not _bundled(source)
            base = DataSource(source, self.columns if keep else {}, self.options if keep else {})
            if base.kind in ("postgresql", "duckdb") and self.kind in ("postgresql", "duckdb"):
                base = DataSource(base.source, base.columns, base.options, self.table, self.query)
        table_, query_ = base.table, base.query
        if table is not None:
            table_, query_ = table, None
        if query is not None:
            table_, query_ = None, query
        return DataSource(base.source, {**base.columns, **(columns or {})}, {**base.options, **(options or {})},
                          table_, query_)

    # ------------------------------------------------------------------ description

    @property
    def kind(self) -> str:
        """``bundled``, ``postgresql``, ``duckdb`` or ``file`` (a file, folder or glob)."""
        text = self.source.strip()
        if _bundled(text):
            return "bundled"
        scheme = text.split("://", 1)[0].lower() if _is_url(text) else ""
        if scheme in _PG_SCHEMES:
            return "postgresql"
        if scheme == "duckdb" or Path(text).suffix.lower() in _DUCKDB_SUFFIXES:
            return "duckdb"
        if scheme:
            raise CvmDataError(f"data source {redact_url(text)!r}: unsupported URL scheme {scheme!r}; use "
                               f"postgresql://... or duckdb:///path/file.duckdb", source=redact_url(text))
        return "file"

    @property
    def display_source(self) -> str:
        return redact_url(self.source) if _is_url(self.source) else self.source

    @property
    def display(self) -> str:
        """The source as messages and manifests show it: no password, with the table or query."""
        text = self.display_source
        if self.table:
            text += f" table {self.table}"
        elif self.query:
            text += f" query {' '.join(self.query.split())}"
        return text

    def describe(self) -> dict[str, Any]:
        """A JSON-ready description (no password) for the manifest."""
        return {"source": self.display_source, "kind": self.kind, "columns": dict(self.columns),
                "options": dict(self.options), "table": self.table, "query": self.query}

    # ------------------------------------------------------------------ files

    def path(self) -> Path:
        """The file, folder or glob of a file or DuckDB source, resolved against the project folder."""
        text = self.source[len("duckdb://"):] if self.source.lower().startswith("duckdb://") else self.source
        return resolve_project_path(text)

    def files(self) -> list[Path]:
        """The raw files read (hashed in the manifest); empty for PostgreSQL and bundled generated data."""
        if self.kind == "bundled":
            from cvm_lib.datasets import raw_path

            return {"cdnow": [raw_path("CDNOW_master.txt")],
                    "cdnow_sample": [raw_path("CDNOW_sample.txt")]}.get(self.source, [])
        if self.kind == "postgresql":
            return []
        path = self.path()
        if path.is_file():
            return [path.resolve()]
        if path.is_dir():
            return sorted(p.resolve() for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
        if glob.has_magic(str(path)):
            return sorted(Path(p).resolve() for p in glob.glob(str(path), recursive=True) if Path(p).is_file())
        return []

    def check_exists(self) -> None:
        """Raise a clear error when a file/DuckDB source does not exist (before anything else)."""
        if self.kind not in ("file", "duckdb"):
            return
        path = self.path()
        if not (path.exists() or (self.kind == "file" and glob.has_magic(str(path)) and self.files())):
            raise CvmDataError(f"input file {self.source!r} not found (or use a bundled data set: "
                               f"{', '.join(BUNDLED_SOURCES)})", source=self.source)

    # ------------------------------------------------------------------ loading

    def _keywords(self) -> dict[str, Any]:
        return {**{COLUMN_KEYS[k]: v for k, v in self.columns.items()}, **self.options}

    def read_raw(self) -> pd.DataFrame | None:
        """The rows of a database source as fetched (``None`` for files and bundled data)."""
        if self.kind == "postgresql":
            return _read_postgresql(self)
        if self.kind == "duckdb":
            return _read_duckdb(self)
        return None

    def load(self) -> pd.DataFrame:
        """The validated tidy transaction log (see :func:`cvm_lib.data.load_transactions`).

        ``attrs["load_report"]["source"]`` names this source (without password).
        """
        return self.load_with_raw()[0]

    def load_with_raw(self) -> tuple[pd.DataFrame, dict[str, str]]:
        """The tidy log and the SHA-256 of its raw input: ``{file: hash}`` or ``{source: hash of the rows}``."""
        kind = self.kind
        if kind == "bundled":
            from cvm_lib.datasets import load_dataset
            from cvm_lib.report.manifest import sha256_file

            tx = load_dataset(self.source)
            return tx, {str(p): sha256_file(p) for p in self.files()}
        if kind == "file":
            from cvm_lib.report.manifest import sha256_file

            self.check_exists()
            path = self.path()
            tx = _call_loader(str(path), self._keywords(), self.display)
            return tx, {str(p): sha256_file(p) for p in self.files()}
        raw = self.read_raw()
        digest = _frame_sha256(raw)
        if kind == "duckdb":
            self.check_exists()
        tx = _call_loader(raw, self._keywords(), self.display)
        return tx, {self.display: digest}


def _bundled(text: str) -> bool:
    return text.strip() in BUNDLED_SOURCES


def _call_loader(source: Any, keywords: dict[str, Any], display: str) -> pd.DataFrame:
    """``load_transactions`` with the source's name in every message (not ``<DataFrame>``)."""
    try:
        tx = load_transactions(source, **keywords)
    except CvmDataError as exc:
        message = str(exc)
        if isinstance(source, pd.DataFrame):
            message = re.sub(r"\bindexs? (?=\d)", "result row(s) ", message.replace("<DataFrame>", display))
        if exc.option:
            message += (f" In cvm: --option {exc.option}=..., or options: {{{exc.option}: ...}} in the config's "
                        f"data: block.")
        named = re.search(r"\b(customer|date|amount|quantity|channel|category|cost|order)_col\b", message)
        if named and not exc.option:
            key = {"order": "order_id"}.get(named.group(1), named.group(1))
            message += (f" In cvm: --column {key}=YOUR_COLUMN, or columns: {{{key}: ...}} in the config's "
                        f"data: block.")
        raise CvmDataError(message, source=display if isinstance(source, pd.DataFrame) else exc.source,
                           column=exc.column, rows=exc.rows, n_rows=exc.n_rows, option=exc.option) from None
    except TypeError as exc:  # an option the loader does not take (checked earlier; kept as a safety net)
        raise CvmDataError(f"{display}: {exc}", source=display) from None
    report = tx.attrs.get("load_report")
    if isinstance(source, pd.DataFrame) and isinstance(report, dict):
        report["source"] = display
    return tx


def _frame_sha256(frame: pd.DataFrame) -> str:
    """SHA-256 of a fetched table: column names, then each column's values as text (row order kept)."""
    digest = hashlib.sha256()
    digest.update("\x1f".join(map(str, frame.columns)).encode("utf-8"))
    for col in frame.columns:
        values = frame[col].astype("string").fillna("\x00")
        digest.update("\x1e".join(values.tolist()).encode("utf-8"))
    return digest.hexdigest()


def _numbered(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows of a query result numbered 1, 2, ... so errors can say which row."""
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    return frame


def _pg_url(source: str) -> str:
    scheme, rest = source.split("://", 1)
    return f"postgresql+psycopg://{rest}"


def _copy_out(connection: Any, selected: str) -> pd.DataFrame:
    """Rows of a table or ``(query)`` through ``COPY ... TO STDOUT`` as CSV, every value as the text
    PostgreSQL writes (NULL stays missing, an empty text stays empty) — parsed by the loader as a file
    would be; several times faster than fetching Python objects row by row."""
    import io

    import pyarrow as pa
    import pyarrow.csv as pacsv

    buffer = io.BytesIO()
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY {selected} TO STDOUT WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')") as copy:
            for block in copy:
                buffer.write(block)
    data = buffer.getvalue()
    import csv

    header = next(csv.reader(io.StringIO(data[:1 << 16].decode("utf-8", "ignore"), newline="")))
    table = pacsv.read_csv(io.BytesIO(data), convert_options=pacsv.ConvertOptions(
        column_types={name: pa.string() for name in header}, strings_can_be_null=True,
        quoted_strings_can_be_null=False, null_values=[""]))
    return table.to_pandas()


def _read_postgresql(ds: DataSource) -> pd.DataFrame:
    import psycopg
    import sqlalchemy as sa
    from sqlalchemy.exc import NoSuchTableError, SQLAlchemyError

    display = ds.display
    if not (ds.table or ds.query):
        raise CvmDataError(f"{ds.display_source}: a database source needs table: or query: "
                           f"(cvm: --table NAME or --query 'select ...')", source=ds.display_source)
    try:
        engine = sa.create_engine(_pg_url(ds.source), pool_pre_ping=False)
    except (SQLAlchemyError, ValueError) as exc:
        raise CvmDataError(f"{ds.display_source}: not a valid PostgreSQL URL ({exc})", source=ds.display_source) \
            from None
    try:
        with engine.connect() as conn:
            if ds.table:
                schema, _, name = ds.table.rpartition(".")
                try:
                    table = sa.Table(name, sa.MetaData(), schema=schema or None, autoload_with=conn)
                except NoSuchTableError:
                    tables = sa.inspect(conn).get_table_names(schema=schema or None)
                    raise CvmDataError(f"{display}: no table {ds.table!r} in the database; tables: "
                                       f"{', '.join(tables) or '(none)'}", source=display) from None
                selected = conn.dialect.identifier_preparer.format_table(table)
            else:
                selected = "(" + ds.query.strip().rstrip(";") + ")"
            frame = _copy_out(conn.connection.driver_connection, selected)
    except CvmDataError:
        raise
    except (SQLAlchemyError, psycopg.Error) as exc:
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        detail = " ".join(line.strip() for line in detail[:3])
        hint = ""
        if "connect" in detail.lower() or "password" in detail.lower():
            hint = " (credentials come from the URL or PGHOST/PGPORT/PGUSER/PGPASSWORD/PGDATABASE and ~/.pgpass)"
        raise CvmDataError(f"{display}: {redact_url(detail)}{hint}", source=display) from None
    finally:
        engine.dispose()
    return _numbered(frame)


def _read_duckdb(ds: DataSource) -> pd.DataFrame:
    import duckdb

    ds.check_exists()
    path = ds.path()
    display = ds.display
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise CvmDataError(f"{path}: cannot be opened as a DuckDB database ({exc})", source=str(path)) from None
    try:
        if ds.query:
            sql = ds.query
        else:
            tables = [r[0] for r in con.execute(
                "select table_schema || '.' || table_name from information_schema.tables "
                "where table_catalog = current_database() order by 1").fetchall()]
            short = {t.split(".", 1)[1]: t for t in tables}
            wanted = ds.table
            if wanted is None:
                if len(tables) != 1:
                    raise CvmDataError(f"{display}: the database has {len(tables)} tables "
                                       f"({', '.join(short) or 'none'}); name one with table: (--table)",
                                       source=display)
                wanted = tables[0]
            full = wanted if wanted in tables else short.get(wanted)
            if full is None:
                raise CvmDataError(f"{display}: no table {wanted!r} in the database; tables: "
                                   f"{', '.join(short) or '(none)'}", source=display)
            schema, name = full.split(".", 1)
            sql = f'select * from "{schema}"."{name}"'
        frame = con.execute(sql).df()
    except duckdb.Error as exc:
        raise CvmDataError(f"{display}: {str(exc).strip().splitlines()[0]}", source=display) from None
    finally:
        con.close()
    return _numbered(frame)


# ---------------------------------------------------------------------- describing for users

def describe_keys(studies: list[str] | tuple[str, ...] = ()) -> str:
    """The data-source keys, for ``cvm list`` (shown once, not per study).

    Examples
    --------
    >>> print(describe_keys(["00_data_overview"]).splitlines()[0])
    data source — read once, validated, given to every study with a data parameter: 00_data_overview
    """
    used = ", ".join(studies) if studies else "(none)"
    supported = [k for k, v in COLUMN_KEYS.items() if v in _loader_parameters()]
    policies = ", ".join(f"{name}={'|'.join(values)}" for name, (values, _) in POLICIES.items())
    others = ", ".join(o for o in load_options() if o not in POLICIES)
    return "\n".join([
        f"data source — read once, validated, given to every study with a data parameter: {used}",
        "    config 'data:' block, or cvm run --data SOURCE --column KEY=NAME --option NAME=VALUE [--table|--query]",
        f"    source   a file, folder/glob, postgresql:// URL, DuckDB file or bundled name "
        f"({', '.join(BUNDLED_SOURCES)})",
        f"    columns  {', '.join(supported)} (unnamed ones are recognised from common headers)",
        f"    options  {policies}",
        f"             {others}",
        "    table    database source: the table to read (or query: a select statement)",
        "    check    cvm check-data SOURCE [--column ...] [--option ...]: a dry run before the first run",
    ])


def _raw_columns(ds: DataSource, report: dict[str, Any], raw: pd.DataFrame | None) -> list[str] | None:
    """The input's own column names, where they can be known cheaply."""
    if report.get("raw_columns"):
        return [str(c) for c in report["raw_columns"]]
    if raw is not None:
        return [str(c) for c in raw.columns]
    files = ds.files() if ds.kind == "file" else []
    if len(files) != 1:
        return None
    path = files[0]
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            import pyarrow.parquet as pq

            return list(pq.read_schema(path).names)
        if path.suffix.lower() in (".csv", ".tsv", ".txt") and report.get("encoding") and \
                report.get("header_row") in (None, 1):
            import csv

            with open(path, encoding=report["encoding"], newline="") as fh:
                first = next((line for line in fh if line.strip()), "")
            dialect = csv.Sniffer().sniff(first, delimiters=",;\t|") if first.strip() else None
            return next(csv.reader([first], dialect)) if dialect else None
    except (OSError, UnicodeError, ValueError, StopIteration):  # csv.Error is an Exception: sniff failures
        return None
    except Exception:  # noqa: BLE001 - csv.Error; an informative extra, never worth failing for
        return None
    return None


def _word_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(text).lower()).strip("_")


def _quality_label(word: Any, lang: str) -> str | None:
    """The text of a quality-table word (a column, a check, an action) in ``lang``, or None.

    The overview study's labels come first (``overview.<id>``: the same words as its data
    quality table), then the report's own (``report.quality.<words>``).
    """
    from cvm_lib.labels import has_label, label

    key = _word_key(word)
    for name in (f"overview.{key}", f"report.quality.{key}"):
        if has_label(name):
            return label(name, lang)
    return None


def _quality_word(text: Any, lang: str) -> Any:
    """A word of the quality table (a check, an action) in ``lang``; other text unchanged.

    ``"zero amount [amount]"`` keeps its column in brackets, ``"drop → dropped"`` its policy.
    """
    if not isinstance(text, str):
        return text
    if " → " in text:
        policy, _, action = text.partition(" → ")
        return f"{policy} → {_quality_word(action, lang)}"
    match = re.fullmatch(r"(.*?)( \[[^\]]*\])", text)
    word, column = (match.group(1), match.group(2)) if match else (text, "")
    shown = _quality_label(word, lang)
    return text if shown is None else shown + column


def quality_report(tx: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """:func:`cvm_lib.data.quality_table` for reading in ``lang``: headers, checks and actions
    translated through the label catalogue, values as they are."""
    from cvm_lib.data import quality_table
    from cvm_lib.labels import check_lang

    check_lang(lang)
    table = quality_table(tx)
    out = table.copy()
    for column in table.columns:
        if _word_key(column) in ("item", "check", "action", "policy"):
            out[column] = table[column].map(lambda v: _quality_word(v, lang))
    out.columns = [_quality_label(c, lang) or str(c) for c in table.columns]
    return out


def _readable_numbers(table: pd.DataFrame) -> pd.DataFrame:
    """The table for reading: counts with thousands separators, amounts with two decimals
    (``6919`` → ``6,919``, ``244091.94`` → ``244,091.94``); other values as they are."""
    import numbers

    def shown(value: Any) -> Any:
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Number):
            return value
        if isinstance(value, numbers.Integral):
            return f"{int(value):,}"
        return f"{float(value):,.2f}" if np.isfinite(value) else value

    out = table.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_numeric_dtype(out[column]):
            out[column] = out[column].map(shown).astype(object)
    return out


def check_report(ds: DataSource, *, rows: int = 10, lang: str = "en") -> tuple[str, bool]:
    """The text of ``cvm check-data``: how the source is read, its problems, first rows; and whether it loads.

    In ``lang`` (``"en"`` or ``"zh"``, labels of context ``report``); the data's own names and
    values are shown as they are. Never raises for bad data: a :class:`CvmDataError` becomes the
    report's verdict.
    """
    from cvm_lib.labels import check_lang, label

    check_lang(lang)

    def t(key: str, width: int = 0, **fields: Any) -> str:
        text = label(f"check.{key}", lang, context="report", **fields)
        if not width:
            return text
        text += "：" if lang == "zh" else ":"
        shown = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)  # CJK: two columns
        return text + " " * max(width - shown, 0) + " "

    given = {**{name: default for name, (_, default) in POLICIES.items()},
             **{k: v for k, v in ds.options.items() if k in POLICIES}}
    lines = [f"{t('source', 11)}{ds.display}  ({ds.kind})"]
    if ds.columns:
        lines.append(t("columns_given", 1) + ", ".join(f"{k}={v}" for k, v in ds.columns.items()))
    other = {k: v for k, v in ds.options.items() if k not in POLICIES}
    if other:
        lines.append(t("options_given", 1) + ", ".join(f"{k}={v!r}" for k, v in other.items()))
    lines.append(t("policies", 11) + ", ".join(f"{k}={v}" for k, v in given.items()))
    raw = None
    try:
        if ds.kind in ("postgresql", "duckdb"):
            raw = ds.read_raw()
            tx = _call_loader(raw, ds._keywords(), ds.display)
        else:
            tx = ds.load()
    except CvmDataError as exc:
        lines += ["", t("failed", error=exc), t("failed_hint")]
        return "\n".join(lines), False
    report = tx.attrs.get("load_report", {})
    if report.get("encoding"):
        lines.append(f"{t('encoding', 11)}{report['encoding']}")
    if report.get("header_row") is not None:
        lines.append(f"{t('header_row', 11)}{report['header_row']}")
    if report.get("sheet") is not None:
        lines.append(f"{t('sheet', 11)}{report['sheet']}")
    mapping = report.get("columns", {})
    lines.append(t("mapping", 11) + ", ".join(f"{canon} <- {user!r}" for canon, user in mapping.items()))
    columns = _raw_columns(ds, report, raw)
    if columns is not None:
        used = set(map(str, mapping.values()))
        lines.append(t("recognised", 11) + (", ".join(c for c in columns if c in used) or t("none")))
        lines.append(t("not_used", 11) + (", ".join(c for c in columns if c not in used) or t("none")))
    with pd.option_context("display.width", 160, "display.max_columns", 20, "display.max_colwidth", 60,
                           "display.unicode.east_asian_width", lang == "zh"):
        lines += ["", t("quality") + ("：" if lang == "zh" else ":"), _readable_numbers(quality_report(tx, lang)).to_string(index=False), "",
                  t("first_rows", shown=min(rows, len(tx)), rows=f"{len(tx):,}",
                    customers=f"{tx['customer_id'].nunique():,}") + ("：" if lang == "zh" else ":"),
                  tx.head(rows).to_string()]
    lines += ["", t("ok")]
    return "\n".join(lines), True
