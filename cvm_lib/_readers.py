"""File readers behind :func:`cvm_lib.data.load_transactions` (private).

Every reader returns the user's table with **every cell as the file wrote it**:
text stays text (ids keep their leading zeros), and the parsing of dates and
amounts is left to :mod:`cvm_lib.data`, which reports bad cells by row. Each
reader also returns the row numbers as the user sees them (text-file line
numbers, spreadsheet row numbers, ``file:row`` for a folder of files).

Every failure of the underlying libraries (pyarrow, openpyxl, zipfile, the OS)
is turned into a :class:`~cvm_lib.data.CvmDataError` naming the file; the type
of a path (directory, FIFO, device) is checked before it is opened, so a FIFO
never blocks the load.
"""

from __future__ import annotations

import codecs
import csv
import glob
import gzip
import io
import os
import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cvm_lib.data import ALIASES, CvmDataError, _norm

TEXT_SUFFIXES = (".csv", ".tsv", ".txt", ".dat", ".psv")
PARQUET_SUFFIXES = (".parquet", ".pq", ".parq")
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
#: Rows scanned for the header when ``header_row="auto"``.
HEADER_SCAN_ROWS = 30
_SAMPLE = 1 << 20


@dataclass
class Raw:
    """What a reader found: the table (text cells) and where its rows came from."""

    frame: Any  # pandas DataFrame or pyarrow Table
    source: str
    row_labels: np.ndarray | range  # a range when the rows are consecutive
    row_word: str
    info: dict = field(default_factory=dict)  # encoding, header_row, sheet, files, ...


def _err(path: Any, message: str, **kw: Any) -> CvmDataError:
    return CvmDataError(f"{path}: {message}", source=str(path), **kw)


# --------------------------------------------------------------------------- file type checks

def check_path(path: Path) -> os.stat_result:
    """Stat ``path`` without opening it; refuse what is not a readable regular file or folder."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise _err(path, "file not found") from None
    except OSError as exc:
        raise _err(path, f"cannot be read ({exc.strerror or exc})") from None
    mode = st.st_mode
    if stat.S_ISDIR(mode):
        return st
    if not stat.S_ISREG(mode):
        kind = ("a FIFO (named pipe)" if stat.S_ISFIFO(mode) else "a character device" if stat.S_ISCHR(mode)
                else "a block device" if stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode)
                else "not a regular file")
        raise _err(path, f"is {kind}, not a data file; export the data to a file (CSV, Parquet or Excel) "
                         "and pass its path")
    if not os.access(path, os.R_OK):
        raise _err(path, "permission denied: the file cannot be read by this user")
    if st.st_size == 0:
        raise _err(path, "the file is empty (0 bytes)")
    return st


def kind_of(path: Path) -> tuple[str, str | None]:
    """(format, compression) from the file name."""
    name = path.name.lower()
    compression = None
    for ext, comp in ((".gz", "gzip"), (".zip", "zip")):
        if name.endswith(ext):
            compression, name = comp, name[: -len(ext)]
    suffix = os.path.splitext(name)[1]
    if compression is None and suffix in PARQUET_SUFFIXES:
        return "parquet", None
    if compression is None and suffix in EXCEL_SUFFIXES:
        return "excel", None
    return "text", compression


# --------------------------------------------------------------------------- encodings

_BIG5_COMMON = range(0xA440, 0xC67F)  # Big5 level-1 (frequently used) characters
_PUA = re.compile("[\ue000-\uf8ff]")


def _cjk_score(text: str, encoding: str) -> float:
    """Share of the non-ASCII characters that are common characters of that encoding's script."""
    chars = [c for c in text if ord(c) > 0x7F and not c.isspace()]
    if not chars:
        return 1.0
    good = 0
    for c in chars:
        if _PUA.match(c):
            continue
        if encoding == "gb18030":
            try:
                good += len(c.encode("gb2312")) == 2
            except UnicodeEncodeError:
                pass
        else:
            try:
                code = int.from_bytes(c.encode("big5"), "big")
                good += code in _BIG5_COMMON or 0xA140 <= code < 0xA3C0
            except UnicodeEncodeError:
                pass
    return good / len(chars)


def _latin_score(text: str) -> float:
    """Share of non-ASCII characters that are accented letters or common symbols next to ASCII text."""
    chars = [c for c in text if ord(c) > 0x7F]
    if not chars:
        return 1.0
    good = sum(1 for c in chars if (c.isalpha() and ord(c) < 0x250) or c in "€£¥©®°±·×÷–—‘’“”…")
    return good / len(chars)


def _alias_hits(first_line: str) -> int:
    known = {_norm(a) for names in ALIASES.values() for a in names}
    cells = re.split(r"[,\t;|]", first_line)
    return sum(_norm(c.strip().strip('"')) in known for c in cells)


def _decodes(head: bytes, encoding: str, complete: bool) -> str | None:
    try:
        return codecs.getincrementaldecoder(encoding)().decode(head, final=complete)
    except UnicodeDecodeError:
        return None


def _utf16_without_bom(head: bytes) -> str | None:
    sample = head[: 1 << 16]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    z_even, z_odd = even.count(0) / len(even), odd.count(0) / len(odd)
    if z_odd > 0.3 and z_even < 0.05:
        return "utf-16-le"
    if z_even > 0.3 and z_odd < 0.05:
        return "utf-16-be"
    return None


def detect_encoding_bytes(head: bytes, complete: bool, source: Any) -> str:
    """The text encoding of a sample of a file, or a CvmDataError naming ``encoding=`` when unsure."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)) and len(head) >= 4 and head[:4] in (
            codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE):
        return "utf-32"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    utf16 = _utf16_without_bom(head)
    if utf16 and _decodes(head if complete else head[: len(head) // 2 * 2], utf16, complete) is not None:
        return utf16
    if b"\x00" in head[: 1 << 16]:
        raise _err(source, "contains NUL bytes: it is a binary file, not text (is it a spreadsheet or "
                           "Parquet file with a wrong extension?); pass encoding='...' if it is text")
    if _decodes(head, "utf-8", complete) is not None:
        return "utf-8"
    decoded = {enc: _decodes(head, enc, complete) for enc in ("gb18030", "big5")}
    decoded = {enc: text for enc, text in decoded.items() if text is not None}
    hits = {enc: _alias_hits(text.split("\n", 1)[0]) for enc, text in decoded.items()}
    if hits and max(hits.values()) > 0:
        best = max(hits, key=hits.get)
        if list(hits.values()).count(hits[best]) == 1:
            return best
    scores = {enc: _cjk_score(text[:20000], enc) for enc, text in decoded.items()}
    ranked = sorted(scores, key=scores.get, reverse=True)
    if ranked:
        best = ranked[0]
        runner = scores[ranked[1]] if len(ranked) > 1 else 0.0
        if scores[best] >= 0.9 and scores[best] - runner >= 0.3:
            return best
    latin = _decodes(head, "cp1252", complete)
    latin_enc = "cp1252" if latin is not None else "latin-1"
    latin = latin if latin is not None else head.decode("latin-1")
    if _latin_score(latin[:20000]) >= 0.95 and (not ranked or scores[ranked[0]] < 0.6):
        return latin_enc
    guesses = ", ".join(f"{enc} ({scores[enc]:.0%} common characters)" for enc in ranked) or "none of utf-8, " \
        "gb18030, big5"
    raise _err(source, f"cannot tell the text encoding with confidence (not utf-8; candidates: {guesses}); "
                       "pass encoding='gb18030', 'big5', 'cp1252' or the file's real encoding")


# --------------------------------------------------------------------------- header detection

def find_header(rows: list[list[Any]], wanted: set[str]) -> int:
    """Index of the header among the first rows of a sheet or text file.

    The header is the first row that names at least two of the wanted columns
    (explicit ``*_col`` names or recognised aliases); failing that, the first row
    whose cells are all text and which is as wide as the widest of the rows scanned.
    Title rows above it (a report name, an export date) have fewer cells.
    """
    wanted_norm = {_norm(w) for w in wanted}
    for i, row in enumerate(rows):
        names = {_norm(c) for c in row if isinstance(c, str) and c.strip()}
        if len(names & wanted_norm) >= 2:
            return i
    widths = [sum(c is not None and str(c).strip() != "" for c in row) for row in rows]
    widest = max(widths, default=0)
    for i, (row, width) in enumerate(zip(rows, widths)):
        if width == widest and all(isinstance(c, str) for c in row if c is not None and str(c).strip() != ""):
            return i
    return 0


def wanted_names(given: dict[str, str | None]) -> set[str]:
    names = {v for v in given.values() if v}
    for aliases in ALIASES.values():
        names.update(aliases)
    return names


def check_columns(columns: list[str], source: Any, where: str = "") -> None:
    seen: dict[str, int] = {}
    dup = []
    for c in columns:
        seen[c] = seen.get(c, 0) + 1
        if seen[c] == 2:
            dup.append(c)
    if dup:
        raise _err(source, f"duplicate column name(s) {dup}{where}: each column needs its own name; rename "
                           "them in the file or pass names=[...] with header_row", column=dup[0])


# --------------------------------------------------------------------------- text files

def _open_binary(path: Path, compression: str | None):
    """A binary file object for the (decompressed) content, and the inner name."""
    if compression == "gzip":
        return gzip.open(path, "rb"), path.name
    if compression == "zip":
        try:
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise _err(path, f"is not a readable zip archive ({exc})") from None
        members = [m for m in archive.infolist() if not m.is_dir() and not m.filename.startswith("__MACOSX")]
        if len(members) != 1:
            raise _err(path, f"a zip source must hold exactly one file; it holds {len(members)} "
                             f"({', '.join(m.filename for m in members[:5])}); unzip it and pass the file or folder")
        return archive.open(members[0]), f"{path.name}:{members[0].filename}"
    return open(path, "rb"), path.name


def _read_sample(path: Path, compression: str | None) -> tuple[bytes, bool]:
    try:
        with _open_binary(path, compression)[0] as fh:
            head = fh.read(_SAMPLE)
            complete = len(head) < _SAMPLE or not fh.read(1)
    except (OSError, EOFError, zipfile.BadZipFile, gzip.BadGzipFile) as exc:
        raise _err(path, f"cannot be read ({type(exc).__name__}: {exc})") from None
    if not head:
        raise _err(path, "holds no data (empty after decompression)")
    return head, complete


def _split_lines(text: str, sep: str, n: int) -> list[list[str]]:
    lines = text.splitlines()[:n]
    if sep == "whitespace":
        return [line.split() for line in lines]
    return list(csv.reader(lines, delimiter=sep))


def _sniff_separator(first_line: str) -> str:
    for sep in ("\t", ",", ";", "|"):
        if sep in first_line:
            return sep
    return "whitespace"


def read_text(path: Path, compression: str | None, *, sep, encoding, header, names, header_row,
              given, types_for=None) -> Raw:
    """A delimited or whitespace text file, every cell as text.

    ``types_for(columns)`` may name columns (``{name: "date" | "number"}``) that Arrow's
    reader parses itself, multi-threaded, when every cell is a plain ISO date or
    decimal number; at the first cell that is not, the file is read again as text
    and the checks in :mod:`cvm_lib.data` report the cells by line.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    head, complete = _read_sample(path, compression)
    if encoding is None:
        encoding = detect_encoding_bytes(head, complete, path)
        detected = True
    else:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise _err(path, f"encoding={encoding!r} is not a known encoding") from None
        detected = False
    text = _decodes(head, encoding, complete)
    if text is None:
        raise _err(path, f"text is not valid {encoding}; pass encoding='gb18030', 'big5', 'utf-16' or the "
                         "file's real encoding (or leave encoding= unset to detect it)")
    text = text.lstrip("\ufeff")
    lines = text.splitlines()
    first_nonblank = next((ln for ln in lines if ln.strip()), "")
    # Header detection first: a title line above the header must not decide the separator.
    sniff_from = first_nonblank
    if sep is None and path.name.lower().split(".")[-1 if compression is None else -2] == "tsv":
        sep = "\t"
    if sep is None:
        counts = {s: sum(ln.count(s) for ln in lines[:HEADER_SCAN_ROWS]) for s in ("\t", ",", ";", "|")}
        best = max(counts, key=counts.get)
        sep = best if counts[best] else _sniff_separator(sniff_from)
    skip = 0
    if header and names is None:
        if header_row == "auto":
            rows = _split_lines(text, sep, HEADER_SCAN_ROWS)
            skip = find_header(rows, wanted_names(given))
        else:
            skip = int(header_row) - 1
    elif header_row not in ("auto", None):
        skip = int(header_row) - 1 + (1 if header else 0)
    if skip < 0:
        raise _err(path, f"header_row={header_row!r}: line numbers start at 1")
    header_line_no = skip + 1
    first_data_line = skip + (2 if header else 1)
    if header and names is None:
        header_fields = _split_lines("\n".join(lines[skip:skip + 1]), sep, 1)
        columns = [c.strip().lstrip("\ufeff") for c in (header_fields[0] if header_fields else [])]
        if not columns:
            raise _err(path, f"no header found at line {header_line_no}; pass header_row= (1-based line) or "
                             "header=False with names=[...]")
        blank = [i + 1 for i, c in enumerate(columns) if not c]
        check_columns(columns, path, f" in the header (line {header_line_no})")
    else:
        columns, blank = None, []
    info = {"encoding": encoding, "encoding_detected": detected, "header_line": header_line_no if header else None,
            "separator": sep}
    try:
        if sep == "whitespace":
            with _open_binary(path, compression)[0] as fh:
                frame = pd.read_csv(fh, sep=r"\s+", dtype=str, encoding=encoding, keep_default_na=False,
                                    header=None, skiprows=skip + (1 if header else 0),
                                    names=names or columns, skip_blank_lines=False, engine="python"
                                    if names is None and columns is None else "c")
            if columns is None and names is None:
                frame.columns = [f"column_{i + 1}" for i in range(frame.shape[1])]
            labels = np.arange(first_data_line, first_data_line + len(frame))
            return Raw(frame, str(path), labels, "line", info)
        col_names = names or (columns if header else None)
        if col_names is not None:
            col_names = [c if c else f"column_{i + 1}" for i, c in enumerate(col_names)]
        read_opts = pacsv.ReadOptions(encoding=encoding, column_names=col_names,
                                      autogenerate_column_names=col_names is None,
                                      skip_rows=skip + (1 if header else 0), block_size=1 << 24)
        quoted = '"' in text
        parse = pacsv.ParseOptions(delimiter=sep, ignore_empty_lines=False, newlines_in_values=quoted)
        typed = dict(types_for(col_names)) if (types_for is not None and col_names) else {}
        read_columns = typed.pop("__read__", None)

        def attempt(use_types: bool):
            types = {c: pa.string() for c in col_names} if col_names else None
            include = []
            if use_types:
                for c, kind in typed.items():
                    types[c] = pa.timestamp("ns") if kind == "date" else pa.float64()
                if read_columns and not quoted:  # unread columns cannot hide a line break here
                    include = list(dict.fromkeys(read_columns))
            convert = pacsv.ConvertOptions(column_types=types, strings_can_be_null=True, null_values=[""],
                                           quoted_strings_can_be_null=True, include_columns=include)
            with _open_binary(path, compression)[0] as fh:
                return pacsv.read_csv(fh if compression else str(path), read_options=read_opts,
                                      parse_options=parse, convert_options=convert)

        try:
            table = attempt(bool(typed))
        except pa.ArrowInvalid:
            if not typed:
                raise
            table = attempt(False)  # some cell is not plain: all text, checked cell by cell
        info["all_columns"] = list(col_names) if col_names else None
    except (pa.ArrowInvalid, ValueError, UnicodeDecodeError) as exc:
        message = str(exc)
        found = re.search(r"Expected (\d+) columns, got (\d+)", message)
        if found:
            line = _line_of_bad_row(text, sep, skip + (1 if header else 0), int(found.group(1)))
            where = f" at line {line}" if line else ""
            raise _err(path, f"a row{where} has {found.group(2)} fields where the header has {found.group(1)} "
                             f"(separator {sep!r}); check quoting, or pass sep= / header_row=",
                       rows=[line] if line else []) from None
        if "decode" in message.lower() or "utf8" in message.lower() or isinstance(exc, UnicodeDecodeError):
            raise _err(path, f"text is not valid {encoding} further into the file; pass encoding= with the "
                             "file's real encoding") from None
        raise _err(path, f"cannot be read as a table with separator {sep!r}: {message.splitlines()[0]}") from None
    except (OSError, EOFError, zipfile.BadZipFile) as exc:
        raise _err(path, f"cannot be read ({type(exc).__name__}: {exc})") from None
    if col_names is None:
        table = table.cast(pa.schema([(f"column_{i + 1}", pa.string()) for i in range(table.num_columns)]))
    labels = _record_lines(table, first_data_line) if quoted else None
    if labels is None:
        labels = range(first_data_line, first_data_line + table.num_rows)
    if blank:
        info["blank_header_columns"] = blank
    return Raw(table, str(path), labels, "line", info)


def _line_of_bad_row(text: str, sep: str, skip: int, expected: int) -> int | None:
    """The 1-based line of the first record in the sample with the wrong number of fields."""
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    try:
        for _ in range(skip):
            next(reader)
        while True:
            start = reader.line_num + 1
            row = next(reader)
            if row and len(row) != expected:
                return start
    except (StopIteration, csv.Error):
        return None


def _record_lines(table, first: int) -> np.ndarray | None:
    """Line where each record starts when quoted values span lines (None if none does)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    extra = None
    for column in table.columns:
        if not pa.types.is_string(column.type) and not pa.types.is_large_string(column.type):
            continue
        # A quick scan of the raw bytes first: most files have no newline inside a value.
        if not any(chunk.buffers()[2] is not None and (np.frombuffer(chunk.buffers()[2], np.uint8) == 10).any()
                   for chunk in column.chunks):
            continue
        counts = pc.count_substring(column, "\n")
        if pc.max(counts).as_py():
            counts = pc.fill_null(counts, 0).to_numpy().astype(np.int64)
            extra = counts if extra is None else extra + counts
    if extra is None:
        return None
    starts = np.arange(first, first + table.num_rows, dtype=np.int64)
    starts[1:] += np.cumsum(extra)[:-1]
    return starts


# --------------------------------------------------------------------------- Parquet

def read_parquet(path: Path, columns_for) -> Raw:
    """One Parquet file; ``columns_for(names)`` picks the columns to read (mapping first)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        with open(path, "rb") as fh:
            magic = fh.read(4)
            fh.seek(-4, os.SEEK_END)
            tail = fh.read(4)
    except OSError as exc:
        raise _err(path, f"cannot be read ({exc.strerror or exc})") from None
    if magic != b"PAR1" or tail != b"PAR1":
        raise _err(path, "is not a complete Parquet file (the PAR1 marker is missing at the "
                         f"{'start' if magic != b'PAR1' else 'end'}: truncated or not Parquet); re-export it")
    try:
        schema = pq.read_schema(path)
        names = list(schema.names)
        check_columns(names, path)
        wanted = columns_for(names)
        table = pq.read_table(path, columns=wanted)
    except CvmDataError:
        raise
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise _err(path, f"cannot be read as Parquet ({type(exc).__name__}: {str(exc).splitlines()[0]}); "
                         "the file may be truncated or corrupt") from None
    return Raw(table, str(path), range(1, table.num_rows + 1), "row", {"all_columns": names})


def expand_folder(source: str | Path) -> tuple[list[Path], str]:
    """Files of a folder or glob source, sorted; the shared format."""
    text = str(source)
    if any(ch in text for ch in "*?["):
        files = sorted(Path(p) for p in glob.glob(text, recursive=True))
        files = [p for p in files if p.is_file()]
    else:
        files = sorted(p for p in Path(source).rglob("*") if p.is_file() and not p.name.startswith((".", "_")))
    kinds = {}
    for p in files:
        fmt, _ = kind_of(p)
        if fmt == "text" and not p.name.lower().endswith(tuple(s + c for s in TEXT_SUFFIXES for c in ("", ".gz", ".zip"))):
            continue
        kinds.setdefault(fmt, []).append(p)
    if not kinds:
        raise _err(source, "holds no Parquet, CSV or Excel files")
    if len(kinds) > 1:
        raise _err(source, f"mixes file formats ({', '.join(sorted(kinds))}); one source is one format: "
                           "point at a glob such as 'folder/*.parquet'")
    (fmt, paths), = kinds.items()
    return paths, fmt


# --------------------------------------------------------------------------- Excel

_XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def read_excel(path: Path, *, sheet, header, names, header_row, given) -> Raw:
    with open(path, "rb") as fh:
        magic = fh.read(8)
    if magic.startswith(_XLS_MAGIC):
        raise _err(path, "is a legacy Excel 97-2003 (.xls) workbook, which is not read (its dates and ids "
                         "cannot be read reliably); open it in Excel or LibreOffice and save it as .xlsx or "
                         "CSV (e.g. `libreoffice --headless --convert-to xlsx FILE.xls`)")
    if not magic.startswith(b"PK"):
        hint = (" It looks like text (some systems save HTML or CSV with an .xls name): rename it to .csv."
                if all(32 <= b < 127 or b in (9, 10, 13) or b >= 0x80 for b in magic) else "")
        raise _err(path, f"is not an Excel .xlsx workbook (no zip container).{hint}")
    import openpyxl

    try:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise _err(path, f"cannot be read as an Excel workbook ({type(exc).__name__}: {exc}); the file may be "
                         "corrupt or truncated: open and re-save it, or export CSV") from None
    sheets = book.sheetnames
    if isinstance(sheet, int) and not isinstance(sheet, bool):
        if not 0 <= sheet < len(sheets):
            raise _err(path, f"sheet={sheet} does not exist; the workbook has {len(sheets)} sheet(s): {sheets}")
        name = sheets[sheet]
    elif str(sheet) in sheets:
        name = str(sheet)
    else:
        raise _err(path, f"no sheet named {sheet!r}; the sheets are {sheets} (pass sheet= by name or index)")
    ws = book[name]
    where = f"{path} [sheet {name}]"
    grid = [list(r) for r in ws.iter_rows(values_only=True)]
    types = [[c.data_type for c in r] for r in ws.iter_rows()]
    if not grid:
        raise _err(where, "the sheet is empty")
    if header and names is None:
        if header_row == "auto":
            h = find_header(grid[:HEADER_SCAN_ROWS], wanted_names(given))
        else:
            h = int(header_row) - 1
            if not 0 <= h < len(grid):
                raise _err(where, f"header_row={header_row} is outside the sheet (rows 1-{len(grid)})")
        first = h + 1
    else:
        h = None
        first = 0 if header_row in ("auto", None) else int(header_row) - 1
    merged = [rng for rng in ws.merged_cells.ranges]
    if h is not None:
        for rng in merged:
            if rng.min_row <= h + 1 <= rng.max_row and (rng.max_col > rng.min_col or rng.max_row > rng.min_row):
                raise _err(where, f"the header row {h + 1} has merged cells {rng.coord}: unmerge them so that "
                                  "each column has its own name (or pass header_row= if this is a title row)",
                           rows=[h + 1])
    width = max(len(r) for r in grid)
    if h is not None:
        columns = ["" if c is None else str(c).strip() for c in grid[h]] + [""] * (width - len(grid[h]))
        while columns and columns[-1] == "" and all(
                len(r) < len(columns) or r[len(columns) - 1] is None for r in grid[first:]):
            columns.pop()
        columns = [c or f"column_{openpyxl.utils.get_column_letter(i + 1)}" for i, c in enumerate(columns)]
        check_columns(columns, where, f" in the header (row {h + 1})")
    elif names is not None:
        columns = list(names)
    else:
        columns = [f"column_{i + 1}" for i in range(width)]
    body, body_types = grid[first:], types[first:]
    # Trailing empty rows (formatted but blank) are not data.
    while body and all(v is None for v in body[-1]):
        body.pop()
        body_types.pop()
    ncol = len(columns)
    data = {c: [(r[j] if j < len(r) else None) for r in body] for j, c in enumerate(columns)}
    frame = pd.DataFrame({c: pd.Series(v, dtype=object) for c, v in data.items()}, columns=columns)
    labels = np.arange(first + 1, first + 1 + len(body))
    errors = {}
    for j, c in enumerate(columns):
        rows = [first + 1 + i for i, t in enumerate(body_types) if j < len(t) and t[j] == "e"]
        if rows:
            errors[c] = rows
    info = {"sheet": name, "header_row": None if h is None else h + 1, "excel": True,
            "error_cells": errors, "merged": [(r.min_row, r.max_row, r.min_col, r.max_col) for r in merged],
            "ncol": ncol, "path": path}
    return Raw(frame, where, labels, "row", info)


def excel_formula_cells(path: Path, sheet: str, rows: list[int], col_index: int) -> list[int]:
    """Which of the given (1-based) rows hold a formula in that column (cached value missing)."""
    import openpyxl

    book = openpyxl.load_workbook(path, data_only=False)
    ws = book[sheet]
    out = []
    for r in rows:
        cell = ws.cell(row=r, column=col_index + 1)
        if cell.data_type == "f" or (isinstance(cell.value, str) and cell.value.startswith("=")):
            out.append(r)
    return out
