"""Per-customer summaries of a transaction log: the BTYD/RFM summary, calibration
and holdout splits, and acquisition-cohort tables.

Conventions (shared with the models in :mod:`cvm_lib.clv`, as in Fader & Hardie):

* Purchases on the same calendar day are merged into one *purchase day*
  (time of day is ignored).
* ``frequency`` = number of distinct purchase days − 1 (repeat purchases).
* ``recency`` = time from the first to the last purchase day.
* ``T`` = time from the first purchase day to ``observation_end``.
* ``monetary_value`` = mean spend per *repeat* purchase day (the first purchase
  is excluded, as the Gamma-Gamma model requires); 0 when ``frequency`` is 0.
* Durations are counted in days and divided by the length of the time unit:
  ``"D"`` = 1 day, ``"W"`` = 7 days, ``"M"`` = 365.25/12 = 30.4375 days,
  ``"Y"`` = 365.25 days (or any positive number of days). Weeks are days / 7,
  not integer calendar-week bins, so no information is lost to binning.
* ``observation_end`` is inclusive: purchases on that day count. Purchases after
  it are ignored (the window ends there); customers first seen after it do not appear.

The core runs on integer day numbers and customer codes with NumPy, so logs of
tens of millions of rows are summarised in seconds (see ``benchmarks/bench_summary.py``).
:func:`rfm_summary`, :func:`calibration_holdout`, :func:`summary_counts` and
:func:`cohort_table` also take a Parquet path, folder or glob, a DuckDB relation or
table (aggregated out of core by DuckDB) or a PySpark DataFrame (aggregated in Spark),
with identical results; see :mod:`cvm_lib.engines`.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cvm_lib.data import CvmDataError, as_day

__all__ = ["PERIOD_DAYS", "TIME_UNITS", "unit_days", "check_log", "customer_codes", "encode_log", "EncodedLog",
           "rfm_summary", "calibration_holdout",
           "summary_counts", "cohort_table", "activity_by_period"]

#: Length of each calendar period in days: the one period table of the project (a year
#: of 365.25 days, a month of a twelfth of it, a quarter of a fourth).
PERIOD_DAYS: dict[str, float] = {"D": 1.0, "W": 7.0, "M": 365.25 / 12, "Q": 365.25 / 4, "Y": 365.25}

#: The time units of the customer summaries (recency, T): the periods but the quarter.
TIME_UNITS: dict[str, float] = {k: v for k, v in PERIOD_DAYS.items() if k != "Q"}

_REQUIRED = ("customer_id", "date", "amount")


def unit_days(time_unit: str | float) -> float:
    """Length of a time unit in days (``"D"``, ``"W"``, ``"M"``, ``"Y"`` or a positive number).

    Examples
    --------
    >>> unit_days("W"), unit_days("M"), unit_days(14)
    (7.0, 30.4375, 14.0)
    """
    if isinstance(time_unit, str):
        try:
            return TIME_UNITS[time_unit.upper()]
        except KeyError:
            raise ValueError(f"time_unit={time_unit!r}; use one of {', '.join(TIME_UNITS)} or a number of days") \
                from None
    if isinstance(time_unit, (int, float)) and not isinstance(time_unit, bool) and time_unit > 0:
        return float(time_unit)
    raise ValueError(f"time_unit={time_unit!r}; use one of {', '.join(TIME_UNITS)} or a positive number of days")


def check_log(tx: pd.DataFrame) -> None:
    """Raise a clear error unless ``tx`` is a tidy transaction log (see :mod:`cvm_lib.data`)."""
    if not isinstance(tx, pd.DataFrame):
        raise TypeError(f"expected a transaction-log DataFrame, got {type(tx).__name__}")
    missing = [c for c in _REQUIRED if c not in tx.columns]
    if missing:
        raise CvmDataError(f"transaction log lacks column(s) {missing}; load it with "
                           "cvm_lib.data.load_transactions()", source="<DataFrame>")
    if not pd.api.types.is_datetime64_any_dtype(tx["date"].dtype):
        raise CvmDataError("transaction log column 'date' is not a datetime; load it with "
                           "cvm_lib.data.load_transactions()", source="<DataFrame>", column="date")
    if tx["customer_id"].isna().any() or tx["date"].isna().any() or tx["amount"].isna().any():
        raise CvmDataError("transaction log has missing customer ids, dates or amounts; load it with "
                           "cvm_lib.data.load_transactions() to apply a policy", source="<DataFrame>")


def _day_numbers(dates: pd.Series) -> np.ndarray:
    """Calendar day numbers (days since 1970-01-01) as int64."""
    values = dates.to_numpy()
    if values.dtype.kind != "M":  # tz-aware: use the local calendar day
        values = dates.dt.tz_localize(None).to_numpy()
    unit, count = np.datetime_data(values.dtype)
    per_day = {"D": 1, "h": 24, "m": 1440, "s": 86_400, "ms": 86_400_000, "us": 86_400_000_000,
               "ns": 86_400_000_000_000}.get(unit)
    ticks = values.view(np.int64)
    if per_day is None or count != 1 or (len(ticks) and int(ticks.min()) == np.iinfo(np.int64).min):  # NaT
        return values.astype("datetime64[D]").astype(np.int64)
    return ticks // per_day if per_day > 1 else ticks.copy()  # floor division: days before 1970 too


def _to_day(value: Any, name: str) -> int:
    return int(np.datetime64(as_day(value, name).date(), "D").astype(np.int64))


# Odd multipliers: bijections on uint64 that spread the bits of id keys whose low bytes
# are padding, which pandas' integer hash would otherwise pile into few buckets.
_MIX = np.uint64(0x9E3779B97F4A7C15)
_MIX2 = np.uint64(0xBF58476D1CE4E5B9)
#: The inverse of _MIX modulo 2**64 (_MIX is odd): recovers a word from its mixed key.
_MIX_INVERSE = np.uint64(pow(0x9E3779B97F4A7C15, -1, 1 << 64))
_PROBE = 4096
#: Ids up to this many bytes are packed into words (longer ones, such as UUIDs, are hashed
#: faster as strings by pandas, as measured at 10M rows).
_MAX_PACKED_BYTES = 16
#: Ids of one common length up to this many bytes are packed too (their words are strided
#: views of the Arrow buffer, no copy: 10M UUID rows in about 1.5 s against 3.4 s hashed as strings).
_MAX_FIXED_BYTES = 64
# _LOW[b] keeps the first b bytes in memory of a little-endian 8-byte word.
#: Rows per block when reading words of variable-width ids.
_WORD_BLOCK = 1 << 16
_LOW = np.array([(1 << (8 * b)) - 1 for b in range(9)], dtype=np.uint64)


def _string_chunks(ids: pd.Series) -> tuple[Any, list[tuple[np.ndarray, np.ndarray]]] | None:
    """The Arrow array behind string ids and, per chunk, its data bytes and int64 offsets."""
    import pyarrow as pa

    try:
        arrow = pa.array(ids.array)
    except (TypeError, pa.ArrowException):
        return None
    chunks = arrow.chunks if isinstance(arrow, pa.ChunkedArray) else [arrow]
    parts = []
    for chunk in chunks:
        if not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)) or chunk.null_count:
            return None
        _, offset_buffer, data_buffer = chunk.buffers()
        offsets = np.frombuffer(offset_buffer, dtype=np.int64 if pa.types.is_large_string(chunk.type) else np.int32)
        offsets = offsets[chunk.offset: chunk.offset + len(chunk) + 1].astype(np.int64, copy=False)
        data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None else np.zeros(0, np.uint8)
        # only this chunk's bytes: chunks often share one buffer, which each would otherwise copy whole
        base = int(offsets[0]) if len(offsets) else 0
        data = data[base: int(offsets[-1])] if len(offsets) else data[:0]
        parts.append((data, offsets - base if base else offsets))
    return arrow, parts


def _common_width(offsets: np.ndarray) -> int:
    """The length shared by all strings of one chunk (``offsets``), 0 when lengths vary."""
    n = len(offsets) - 1
    width = int(offsets[1] - offsets[0]) if n > 0 else 0
    if width and int(offsets[-1] - offsets[0]) == width * n and bool((np.diff(offsets) == width).all()):
        return width
    return 0


def _word(data: np.ndarray, offsets: np.ndarray, j: int, width: int | None = None) -> np.ndarray:
    """Bytes ``8j .. 8j+7`` of every string as a uint64 in memory (little-endian) byte order,
    zero past the string's end; ``.byteswap()`` gives values that compare as the text.

    ``width`` is :func:`_common_width` of ``offsets`` when the caller knows it (computed
    here otherwise); see :class:`_Words`."""
    return _Words(data, offsets, _common_width(offsets) if width is None else width).column(j)


class _Words:
    """The 8-byte words of the strings of one Arrow chunk (``data`` bytes, int64 ``offsets``),
    read for a block of rows or for chosen rows, as uint64 in memory (little-endian) byte
    order, zero past each string's end.

    Strings of one ``width`` are read through strided views of the bytes (no copy); strings
    of varying widths through an aligned uint64 view of the bytes (no copy either: a copy
    of a 50M-id buffer costs ~1 s of first touch on some virtual machines): the 8 bytes
    at offset s are the high part of the word holding byte s joined to the low part of the
    next one. The few strings whose 8 bytes would reach outside the view (within 8 bytes of
    either end of the buffer) are read byte by byte.
    """

    def __init__(self, data: np.ndarray, offsets: np.ndarray, width: int):
        self.data, self.offsets, self.width, self.n = data, offsets, width, len(offsets) - 1
        self.total = len(data)
        if not width:
            # the view starts at the first 8-byte aligned byte (``lead`` bytes into the data)
            self.lead = min((-data.ctypes.data) % 8, self.total) if self.total else 0
            size = (self.total - self.lead) // 8
            self.aligned = data[self.lead: self.lead + 8 * size].view(np.uint64) if size \
                else np.zeros(1, dtype=np.uint64)

    def block(self, j: int, a: int, b: int, out: np.ndarray) -> np.ndarray:
        """Word ``j`` of rows ``a..b-1`` into ``out`` (length b - a); returns ``out``."""
        if self.width:
            return self._fixed(j, slice(a, b), out)
        self._varying(j, self.offsets[a:b], self.offsets[a + 1: b + 1], out)
        return out

    def at(self, rows: np.ndarray, out: np.ndarray) -> None:
        """Words 0..m-1 of the strings at ``rows`` (int64 row numbers of this chunk) into the
        first m columns of ``out`` (uint64, one row per string), and their byte lengths into
        column m when ``out`` has one more."""
        n_words = out.shape[1] - (0 if self.width else 1)
        word = np.empty(min(len(rows), _WORD_BLOCK), dtype=np.uint64)
        for a in range(0, len(rows), _WORD_BLOCK):
            part = rows[a: a + _WORD_BLOCK]
            m = len(part)
            if not self.width:
                starts, ends = self.offsets[part], self.offsets[part + 1]
                np.subtract(ends, starts, out=out[a: a + m, n_words], casting="unsafe")
            for j in range(n_words):
                if self.width:
                    self._fixed(j, part, word[:m])
                else:
                    self._varying(j, starts, ends, word[:m])
                out[a: a + m, j] = word[:m]

    def column(self, j: int) -> np.ndarray:
        """Word ``j`` of every row."""
        out = np.empty(self.n, dtype=np.uint64)
        for a in range(0, self.n, _WORD_BLOCK):
            b = min(self.n, a + _WORD_BLOCK)
            self.block(j, a, b, out[a:b])
        return out

    def _varying(self, j: int, starts: np.ndarray, ends: np.ndarray, out: np.ndarray) -> None:
        m = len(starts)
        if m == 0:
            return
        at, keep, q = (np.empty(m, dtype=np.int64) for _ in range(3))
        shift, high = np.empty(m, dtype=np.uint64), np.empty(m, dtype=np.uint64)
        np.add(starts, 8 * j - self.lead, out=at)  # the word's first byte, from the view's start
        np.subtract(ends, starts, out=keep)
        keep -= 8 * j  # bytes of the word inside the string
        np.clip(keep, 0, 8, out=keep)
        inside = 8 * len(self.aligned) - 8 if self.total - self.lead >= 8 else -1
        edge = np.flatnonzero(((at < 0) | (at > inside)) & (keep > 0)) \
            if at.min() < 0 or at.max() > inside else ()
        np.right_shift(at, 3, out=q)
        np.bitwise_and(at, 7, out=at)
        np.left_shift(at, 3, out=shift, casting="unsafe")
        # clip: indices outside the view (only the edge strings, redone below) read its ends,
        # and no buffered copy of out is made
        np.take(self.aligned, q, out=out, mode="clip")
        out >>= shift
        q += 1
        np.take(self.aligned, q, out=high, mode="clip")
        np.subtract(np.uint64(63), shift, out=shift)
        high <<= shift
        high <<= np.uint64(1)  # two steps: no shift by 64 when the start is aligned
        out |= high
        np.take(_LOW, keep, out=high, mode="clip")
        out &= high
        for i in edge:  # words reaching outside the view: byte by byte
            s = int(starts[i]) + 8 * j
            word = np.zeros(8, dtype=np.uint8)
            word[: keep[i]] = self.data[s: s + keep[i]]
            out[i] = word.view(np.uint64)[0]

    def _fixed(self, j: int, rows: slice | np.ndarray, out: np.ndarray) -> np.ndarray:
        width = self.width
        if 8 * j >= width:
            out[:] = 0
            return out
        s0 = int(self.offsets[0]) + 8 * j
        inside = min(self.n, max(0, (self.total - 8 - s0) // width + 1))  # rows whose 8 bytes lie in the buffer
        view = np.ndarray(shape=(inside,), dtype="<u8", buffer=self.data, offset=s0, strides=(width,))
        if isinstance(rows, slice):
            rows = range(self.n)[rows]
            lo, hi = rows.start, min(rows.stop, inside)
            if hi > lo:
                out[: hi - lo] = view[lo:hi]
            past = range(max(lo, inside), rows.stop)
            at_past = [(r - rows.start, r) for r in past]
        else:
            # indexing, not np.take: take copies a strided source whole before reading it
            out[:] = view[np.minimum(rows, inside - 1)] if inside else 0
            at_past = [(int(i), int(rows[i])) for i in np.flatnonzero(rows >= inside)]
        for i, r in at_past:  # the last rows, whose 8 bytes would run past the buffer
            last = np.zeros(8, dtype=np.uint8)
            tail = self.data[s0 + r * width: int(self.offsets[r + 1])]
            last[: len(tail)] = tail
            out[i] = last.view("<u8")[0]
        if 8 * j + 8 > width:
            out &= _LOW[width - 8 * j]
        return out


#: Rows per block of the radix partition in :func:`_hash_codes` (a block's keys stay in cache).
_PART_BLOCK = 1 << 18
#: Keys from which :func:`_hash_codes` partitions them (shorter ones: one hash table).
_PARTITIONED_HASH_ROWS = 1_000_000


def _in_two_threads(work, items) -> None:
    """``work(item)`` for every item, the first half of the items in one thread and the
    second in another (NumPy releases the GIL in its loops; the items must write disjoint
    parts of the output)."""
    import os
    from concurrent.futures import ThreadPoolExecutor

    items = list(items)
    if len(items) < 2 or (os.cpu_count() or 1) < 2:
        for item in items:
            work(item)
        return
    half = len(items) // 2
    with ThreadPoolExecutor(2) as pool:
        for _ in pool.map(lambda chunk: [work(i) for i in chunk], (items[:half], items[half:])):
            pass


def _radix_layout(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where the rows of a blocked radix partition go, from ``counts[i, p]`` (rows of block
    i in part p): ``bounds`` (part p gets rows ``bounds[p]:bounds[p + 1]``) and ``local[i, p]``
    (where block i's rows start within part p)."""
    bounds = np.concatenate(([0], np.cumsum(counts.sum(axis=0))))
    return bounds, np.cumsum(counts, axis=0) - counts


def _move_runs(out: np.ndarray, moved: np.ndarray, counts: np.ndarray, dest: np.ndarray) -> None:
    """One block of a radix partition: its rows sorted by part (``moved``: ``counts[p]``
    rows of part p, parts in order) copied to ``out[dest[p]: dest[p] + counts[p]]``."""
    ends = np.cumsum(counts)
    for p in np.flatnonzero(counts):
        out[dest[p]: dest[p] + counts[p]] = moved[ends[p] - counts[p]: ends[p]]


def _hash_codes(key: np.ndarray, *, overwrite: bool = False) -> np.ndarray:
    """Codes 0..k-1 (int64) of well-mixed uint64 keys, equal keys equal codes; with
    ``overwrite``, long arrays of keys are overwritten with the codes (no fresh row-sized
    array: on some virtual machines the first touch of memory costs more than the work).

    Long arrays are split into 64 parts by the top bits of the key and each part is
    factorized on its own, in threads: the parts' hash tables are small enough to stay
    in cache (10M keys of 1M distinct: 0.55 s against 1.1 s for one table). The codes
    number the parts one after the other, each in order of first appearance.

    The rows are moved to their parts and the codes back block by block (a radix
    partition: each block sorted by part in cache, then copied as 64 runs), not by one
    gather and one scatter over the whole array, whose random accesses miss the cache
    (50M keys of 5M distinct: 1.4 s against 4.4 s).
    """
    n = len(key)
    if n < _PARTITIONED_HASH_ROWS:
        codes, _ = pd.factorize(key, sort=False)
        return codes.astype(np.int64, copy=False)
    import os
    from concurrent.futures import ThreadPoolExecutor

    n_parts = 1 << 6
    shift = np.uint64(64 - 6)
    blocks = [(a, min(n, a + _PART_BLOCK)) for a in range(0, n, _PART_BLOCK)]
    counts = np.empty((len(blocks), n_parts), dtype=np.int64)

    def count(i: int) -> None:
        a, b = blocks[i]
        counts[i] = np.bincount((key[a:b] >> shift).astype(np.uint8), minlength=n_parts)

    _in_two_threads(count, range(len(blocks)))
    bounds, local = _radix_layout(counts)
    dest = bounds[:-1] + local

    def block_order(i: int) -> tuple[np.ndarray, np.ndarray]:
        a, b = blocks[i]
        perm = np.argsort((key[a:b] >> shift).astype(np.uint8), kind="stable")  # a radix sort
        return perm, np.concatenate(([0], np.cumsum(counts[i])))

    grouped = np.empty(n, dtype=np.uint64)

    def scatter(i: int) -> None:
        perm, _ = block_order(i)
        _move_runs(grouped, key[blocks[i][0]: blocks[i][1]][perm], counts[i], dest[i])

    _in_two_threads(scatter, range(len(blocks)))
    parts: list[np.ndarray] = [np.empty(0, dtype=np.int64)] * n_parts

    def encode(p: int) -> None:
        codes, _ = pd.factorize(grouped[bounds[p]: bounds[p + 1]], sort=False)
        parts[p] = codes.astype(np.int64, copy=False)

    with ThreadPoolExecutor(min(4, os.cpu_count() or 1)) as pool:
        for _ in pool.map(encode, range(n_parts)):
            pass
    del grouped
    start = 0
    for codes in parts:
        if len(codes):
            top = int(codes.max()) + 1
            codes += start
            start += top
    out = key.view(np.int64) if overwrite and key.flags.writeable and key.flags.c_contiguous \
        else np.empty(n, dtype=np.int64)

    def gather(i: int) -> None:
        perm, at = block_order(i)
        moved = np.empty(len(perm), dtype=np.int64)
        for p in np.flatnonzero(counts[i]):
            moved[at[p]: at[p + 1]] = parts[p][local[i, p]: local[i, p] + counts[i, p]]
        out[blocks[i][0]: blocks[i][1]][perm] = moved

    _in_two_threads(gather, range(len(blocks)))
    return out


def _factorize_keys(key: np.ndarray, *, overwrite: bool = False) -> np.ndarray:
    """Codes (int64) of integer keys, equal keys equal codes, numbered in order of first
    appearance when the log is grouped (as logs sorted by customer are), hashing only one
    key per run of equal neighbours then. ``overwrite``: ``key`` (uint64) may be
    overwritten with the codes (see :func:`_hash_codes`)."""
    n = len(key)
    probe = key[: _PROBE + 1]
    if n > 4 * _PROBE and 2 * np.count_nonzero(probe[1:] != probe[:-1]) > _PROBE:
        return _hash_codes(key, overwrite=overwrite)  # a shuffled log (the first rows are not grouped)
    change = np.empty(n, dtype=bool)
    change[:1] = True
    np.not_equal(key[1:], key[:-1], out=change[1:])
    if 2 * np.count_nonzero(change) <= n:  # (no row numbers of the runs of a shuffled log)
        starts = np.flatnonzero(change)
        del change
        run_codes = _hash_codes(key[starts])
        if len(starts) >= 1_000_000:  # renumber by first appearance: the log stays grouped
            first = _first_rows(run_codes, int(run_codes.max()) + 1)
            rank = np.empty(len(first), dtype=np.int64)
            rank[np.argsort(first, kind="stable")] = np.arange(len(first))
            run_codes = rank[run_codes]
        return np.repeat(run_codes, np.diff(np.append(starts, n)))
    return _hash_codes(key, overwrite=overwrite)


def _first_rows(codes: np.ndarray, k: int) -> np.ndarray:
    """The first row of each code 0..k-1 (``codes`` holds them all), by blocks from the end
    (later blocks are overwritten by earlier ones; no row-sized temporary)."""
    first = np.empty(k, dtype=np.int64)
    n = len(codes)
    for b in range(n, 0, -_WORD_BLOCK):
        a = max(0, b - _WORD_BLOCK)
        first[codes[a:b][::-1]] = np.arange(b - 1, a - 1, -1)
    return first


def _packed_codes(ids: pd.Series) -> tuple[np.ndarray, np.ndarray, pd.Index] | None:
    """Labels, text order and sorted ids (see :func:`_labels`) for Arrow string ids of at most
    16 bytes, or of one common length up to 64 bytes (as UUIDs), without string hashing.

    Each id is read as big-endian 8-byte words padded with zeros, which compare as the
    text does (the length breaks ties, so NUL bytes are safe). Ids of one word are their
    own key; longer ones are hashed to one uint64 and every row is checked against its
    group's first row, word by word, so a hash collision cannot merge two customers
    (``None`` is returned and the caller falls back to pandas). ``None`` also when the
    ids are not Arrow strings or are longer. The comparison reads each customer's first
    row from a table of k words per word, not the first rows themselves at random.
    """
    parsed = _string_chunks(ids) if sys.byteorder == "little" else None
    if parsed is None:
        return None
    arrow, parts = parsed
    widths = [_common_width(offsets) for _, offsets in parts]
    width = widths[0] if len(set(widths)) == 1 else 0  # all ids of one length (UUIDs, codes)
    if width:
        n_words = -(-width // 8)
        if n_words * 8 > _MAX_FIXED_BYTES:
            return None
    else:
        n_words = max(1, -(-max(_longest(offsets) for _, offsets in parts) // 8))
        if n_words * 8 > _MAX_PACKED_BYTES:
            return None

    if n_words == 1 and all(data[offsets[0]: offsets[-1]].all() for data, offsets in parts):
        # the word is the id: exact
        with np.errstate(over="ignore"):
            words = [_word(data, offsets, 0, w) for (data, offsets), w in zip(parts, widths)]
            key = words[0] if len(words) == 1 else np.concatenate(words)
            del words
            if key.flags.owndata:
                key *= _MIX  # in place: the first rows' words are recovered by the inverse below
            else:  # a view of the Arrow buffer
                key = key * _MIX
            codes = _factorize_keys(key)
            first = _first_rows(codes, int(codes.max()) + 1)
            head = key[first] * _MIX_INVERSE  # the ids' word (mod 2**64, _MIX is odd)
        del key
        sort_keys = [head.byteswap()] + ([] if width else [_lengths_of(parts, first)])
    else:
        readers = [_Words(data, offsets, w) for (data, offsets), w in zip(parts, widths)]
        codes = _factorize_keys(_mixed_keys(readers, n_words), overwrite=True)
        first = _first_rows(codes, int(codes.max()) + 1)
        # each customer's first string: its words (and length when lengths vary) in one row
        heads = np.empty((len(first), n_words + (0 if width else 1)), dtype=np.uint64)
        for c, mine, local in _chunk_rows(readers, first):
            if isinstance(mine, slice):
                readers[c].at(local, heads)
            else:
                part = np.empty((len(mine), heads.shape[1]), dtype=np.uint64)
                readers[c].at(local, part)
                heads[mine] = part
        if not _rows_match(readers, codes, heads):
            return None  # a hash collision: let pandas compare the strings
        # big-endian values compare as the text; the length breaks ties (none when all share one)
        sort_keys = [heads[:, j].byteswap() for j in range(n_words)] + ([] if width else [heads[:, n_words]])
        del heads
    order = _lexsort_words(sort_keys)
    uniques = pd.Index(arrow.take(first[order]).to_pandas(), name="customer_id").astype("str")
    return codes, order, uniques


def _row_blocks(readers: list[_Words]) -> list[tuple[int, int, int, int]]:
    """(chunk, first row in the chunk, end row, first row overall) per block of rows."""
    blocks, base = [], 0
    for c, reader in enumerate(readers):
        blocks.extend((c, a, min(reader.n, a + _WORD_BLOCK), base + a) for a in range(0, reader.n, _WORD_BLOCK))
        base += reader.n
    return blocks


def _mixed_keys(readers: list[_Words], n_words: int) -> np.ndarray:
    """One well-mixed uint64 key per string from its length and words: the length times
    _MIX2, each word xor-ed in and multiplied by _MIX (carrying every bit upwards), then one
    shift bringing the high bits down. Computed block by block in two threads, the words
    in cache (no row-sized word arrays); equal strings equal keys, collisions checked by
    :func:`_rows_match`."""
    key = np.empty(sum(reader.n for reader in readers), dtype=np.uint64)

    def mix(block: tuple[int, int, int, int]) -> None:
        c, a, b, at = block
        reader, out = readers[c], key[at: at + b - a]
        word = np.empty(b - a, dtype=np.uint64)
        with np.errstate(over="ignore"):
            if reader.width:
                out.fill(reader.width)
            else:
                np.subtract(reader.offsets[a + 1: b + 1], reader.offsets[a:b], out=out, casting="unsafe")
            out *= _MIX2
            for j in range(n_words):
                out ^= reader.block(j, a, b, word)
                out *= _MIX
            np.right_shift(out, np.uint64(31), out=word)
            out ^= word

    _in_two_threads(mix, _row_blocks(readers))
    return key


def _chunk_rows(readers: list[_Words], rows: np.ndarray):
    """(chunk, positions in ``rows``, rows within the chunk) for the chunks holding ``rows``."""
    if len(readers) == 1:
        yield 0, slice(None), rows
        return
    bases = np.concatenate(([0], np.cumsum([reader.n for reader in readers])))
    chunk = np.searchsorted(bases, rows, side="right") - 1
    for c in range(len(readers)):
        mine = np.flatnonzero(chunk == c)
        if len(mine):
            yield c, mine, rows[mine] - bases[c]


def _rows_match(readers: list[_Words], codes: np.ndarray, heads: np.ndarray) -> bool:
    """Whether every string equals its code's first string, word by word and in length
    (``heads[code]``: see :func:`_packed_codes`); block by block in two threads. One row of
    ``heads`` per code brings all of its words in one cache line, where reading the first
    strings themselves would jump across the buffer."""
    mismatch = []

    def check(block: tuple[int, int, int, int]) -> None:
        if mismatch:
            return
        c, a, b, at = block
        reader = readers[c]
        head = np.take(heads, codes[at: at + b - a], axis=0)
        word = np.empty(b - a, dtype=np.uint64)
        n_words = heads.shape[1] - (0 if reader.width else 1)
        if not reader.width:  # the lengths, in the last column
            np.subtract(reader.offsets[a + 1: b + 1], reader.offsets[a:b], out=word, casting="unsafe")
            if not np.array_equal(head[:, n_words], word):
                mismatch.append(block)
                return
        for j in range(n_words):
            if not np.array_equal(reader.block(j, a, b, word), head[:, j]):
                mismatch.append(block)
                return

    _in_two_threads(check, _row_blocks(readers))
    return not mismatch


def _longest(offsets: np.ndarray) -> int:
    """The longest string of a chunk in bytes, in blocks (no row-sized temporary)."""
    longest = 0
    for a in range(0, len(offsets) - 1, _WORD_BLOCK):
        block = offsets[a: a + _WORD_BLOCK + 1]
        if len(block) > 1:
            longest = max(longest, int((block[1:] - block[:-1]).max()))
    return longest


def _lengths_of(parts: list[tuple[np.ndarray, np.ndarray]], rows: np.ndarray) -> np.ndarray:
    """Byte lengths of the strings at ``rows`` (row numbers across the chunks of ``parts``)."""
    sizes = np.array([len(offsets) - 1 for _, offsets in parts], dtype=np.int64)
    bases = np.concatenate(([0], np.cumsum(sizes)))
    chunk = np.searchsorted(bases, rows, side="right") - 1
    out = np.empty(len(rows), dtype=np.int64)
    for c, (_, offsets) in enumerate(parts):
        mine = np.flatnonzero(chunk == c) if len(parts) > 1 else slice(None)
        local = rows[mine] - bases[c]
        out[mine] = offsets[local + 1] - offsets[local]
    return out


def _lexsort_words(keys: list[np.ndarray]) -> np.ndarray:
    """``np.lexsort(keys[::-1])`` (``keys[0]`` primary), by one argsort of ``keys[0]`` and a
    lexsort of only the rows that tie on it (a lexsort of several keys is slow: 1M rows of
    six keys 1.1 s, where the first 8 bytes of distinct ids rarely tie)."""
    order = np.argsort(keys[0], kind="stable")
    if len(keys) == 1:
        return order
    ranked = keys[0][order]
    tie = ranked[1:] == ranked[:-1]
    if tie.any():
        tied = np.flatnonzero(np.concatenate(([False], tie)) | np.concatenate((tie, [False])))
        members = order[tied]
        within = np.lexsort([key[members] for key in keys[::-1]])  # keys[0] keeps the runs in place
        order[tied] = members[within]
    return order


def _sorted_run_codes(values: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """Codes and first rows when ``values`` is already sorted (one vectorised comparison)."""
    probe = values[: _PROBE + 1]
    if not np.asarray(probe[:-1] <= probe[1:], dtype=bool).all():
        return None
    head, tail = values[:-1], values[1:]
    if not np.asarray(head <= tail, dtype=bool).all():
        return None
    changed = np.asarray(head != tail, dtype=bool)
    codes = np.concatenate(([0], np.cumsum(changed, dtype=np.int64)))
    return codes, np.flatnonzero(np.concatenate(([True], changed)))


def _hash_parts(parts: list[tuple[np.ndarray, np.ndarray]], n_parts: int) -> np.ndarray:
    """A part number 0..n_parts-1 per string (a power of two), from its last two bytes:
    equal strings always fall in the same part."""
    out = []
    for data, offsets in parts:
        ends, lengths = offsets[1:], np.diff(offsets)
        if len(data) == 0:
            out.append(np.zeros(len(lengths), dtype=np.uint8))
            continue
        last = np.where(lengths > 0, data[np.clip(ends - 1, 0, len(data) - 1)], 0).astype(np.uint16)
        before = np.where(lengths > 1, data[np.clip(ends - 2, 0, len(data) - 1)], 0).astype(np.uint16)
        mixed = (last * np.uint16(31) + before + (lengths & 0xFF).astype(np.uint16) * np.uint16(7))
        out.append((mixed ^ (mixed >> np.uint16(3))).astype(np.uint8) & np.uint8(n_parts - 1))
    return out[0] if len(out) == 1 else np.concatenate(out)


def _parallel_factorize(ids: pd.Series) -> tuple[np.ndarray, Any]:
    """``pd.factorize(ids)`` (unsorted; uniques as an Arrow array when the ids are Arrow
    strings), hashing Arrow strings in one thread per core.

    Arrow's dictionary encoding releases the GIL, so a long log is split into parts by a
    hash of each id (its last two bytes), which are encoded at once. Equal ids share a
    part, so the parts' dictionaries are disjoint and need no merging, and the smaller
    hash tables stay in cache (eight parts: 10M UUID rows in about 3 s against 4.9 s for
    two row ranges merged afterwards). Labels are renumbered in order of first appearance
    when the log is grouped by customer, so that it stays grouped.
    """
    import os
    from concurrent.futures import ThreadPoolExecutor

    import pyarrow as pa

    n, workers = len(ids), min(4, os.cpu_count() or 1)
    parsed = _string_chunks(ids) if sys.byteorder == "little" else None
    if parsed is None:
        codes, uniques = pd.factorize(ids, sort=False)
        return codes.astype(np.int64, copy=False), uniques
    arrow, parts = parsed
    if n < 1_000_000 or workers < 2:
        whole = arrow.combine_chunks() if isinstance(arrow, pa.ChunkedArray) else arrow
        encoded = whole.dictionary_encode()
        return encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64), encoded.dictionary
    n_parts = 8
    part = _hash_parts(parts, n_parts)
    perm = np.argsort(part, kind="stable")
    bounds = np.concatenate(([0], np.cumsum(np.bincount(part, minlength=n_parts))))
    del part
    regrouped = arrow.take(pa.array(perm))
    if isinstance(regrouped, pa.ChunkedArray):
        regrouped = regrouped.combine_chunks()
    pieces = [regrouped.slice(int(bounds[i]), int(bounds[i + 1] - bounds[i])) for i in range(n_parts)]
    with ThreadPoolExecutor(workers) as pool:
        encoded = list(pool.map(lambda piece: piece.dictionary_encode(), pieces))
    del regrouped, pieces
    local = np.empty(n, dtype=np.int64)
    start = 0
    for i, e in enumerate(encoded):
        local[bounds[i]: bounds[i + 1]] = e.indices.to_numpy(zero_copy_only=False) + start
        start += len(e.dictionary)
    codes = np.empty(n, dtype=np.int64)
    codes[perm] = local
    del local, perm
    uniques = pa.concat_arrays([e.dictionary for e in encoded])
    runs = 1 + int(np.count_nonzero(codes[1:] != codes[:-1]))
    if 2 * runs <= n:  # grouped by customer: number labels by first appearance
        first = _first_rows(codes, len(uniques))
        by_first = np.argsort(first, kind="stable")
        rank = np.empty(len(uniques), dtype=np.int64)
        rank[by_first] = np.arange(len(uniques))
        codes = rank[codes]
        uniques = uniques.take(pa.array(by_first))
    return codes, uniques


def _argsort_text(uniques: Any) -> np.ndarray:
    """Order that sorts distinct strings (Arrow array or pandas) as text (code points).

    The first 8 bytes of each string, read as a big-endian word, order all strings whose
    prefixes differ (one integer argsort); only those sharing a prefix with another are
    compared as strings.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    series = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([uniques]).cast(pa.large_string()))) \
        if isinstance(uniques, pa.Array) else pd.Series(pd.Index(uniques).astype("str"))
    parsed = _string_chunks(series) if sys.byteorder == "little" else None
    if parsed is None:
        return np.asarray(pd.Index(series).argsort(), dtype=np.int64)
    arrow, parts = parsed
    words = [_word(data, offsets, 0) for data, offsets in parts]
    head = (words[0] if len(words) == 1 else np.concatenate(words)).byteswap()
    order = np.argsort(head, kind="stable")
    ranked = head[order]
    tie = ranked[1:] == ranked[:-1]
    if tie.any():
        tied = np.flatnonzero(np.concatenate(([False], tie)) | np.concatenate((tie, [False])))
        members = order[tied]
        within = pc.sort_indices(arrow.take(pa.array(members))).to_numpy()
        order[tied] = members[within]
    return order.astype(np.int64, copy=False)


def _dense_int_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Codes in numeric order and the distinct values of integer ids spanning a range of at
    most four times the number of rows (as membership numbers do): a table lookup, no
    hashing, at most 20 bytes of table per row (a bool and an int32 per value in the range;
    10M rows of 1M ids spread over 37M values: 0.5 s against 1.8 s hashed). ``None`` for
    sparse ids or when the range does not fit an int64."""
    n = len(values)
    if values.dtype.kind not in "iu" or n < 2:
        return None
    low, high = int(values.min()), int(values.max())
    span = high - low + 1
    if span > 4 * n + 1024 or span > np.iinfo(np.int64).max:
        return None
    offset = (values - values.dtype.type(low)).astype(np.intp, copy=False) if low else values.astype(np.intp, copy=False)
    present = np.zeros(span, dtype=bool)
    present[offset] = True
    slots = np.flatnonzero(present)
    del present
    lookup = np.zeros(span, dtype=np.int32 if len(slots) < np.iinfo(np.int32).max else np.int64)
    lookup[slots] = np.arange(len(slots), dtype=lookup.dtype)
    codes = lookup[offset].astype(np.int64)
    return codes, (slots + low).astype(values.dtype)


_POW10 = np.array([10 ** d for d in range(1, 20)], dtype=np.uint64)


def _int_text_order(values: np.ndarray) -> np.ndarray | None:
    """The order that sorts distinct integers as their decimal text does ("-1" < "-12" <
    "-2" < "0" < "10" < "9"), without making strings: the digits left-aligned in one word,
    shorter texts first on ties, negative numbers ("-" sorts before digits) first.
    ``None`` for values beyond int64."""
    if values.dtype.kind == "u":
        if len(values) and int(values.max()) > np.iinfo(np.int64).max:
            return None
        values = values.astype(np.int64)
    values = values.astype(np.int64, copy=False)
    negative = values < 0
    magnitude = values.view(np.uint64).copy()
    magnitude[negative] = ~magnitude[negative] + np.uint64(1)  # |v|, also for the int64 minimum
    digits = np.searchsorted(_POW10, magnitude, side="right") + 1  # 1..19
    scale = np.concatenate(([np.uint64(1)], _POW10))[19 - digits]
    with np.errstate(over="ignore"):
        head = magnitude * scale  # at most 19 digits: < 10**19 < 2**64
    return np.lexsort((digits, head, ~negative)).astype(np.int64)


def _labels(ids: pd.Series) -> tuple[np.ndarray, np.ndarray | None, pd.Index]:
    """Customer labels 0..k-1, the text order of the labels, and the sorted ids (as text).

    ``uniques[i]`` is the customer labelled ``order[i]`` (``order`` is None when the
    labels already number customers in sorted order). Per-customer aggregates are
    computed on the labels (in first-appearance order, so that a log grouped by customer
    stays grouped) and put in id order by indexing them with ``order``: a pass over the
    k customers instead of a pass over the rows.

    Paths, fastest first: integer ids (hashed as integers, then only the distinct ids
    are turned into text and ranked), logs already sorted by customer (one vectorised
    comparison), string ids up to 16 bytes (packed into words, see :func:`_packed_codes`),
    anything else (Arrow's hashing in threads, then the distinct ids sorted).
    """
    n = len(ids)
    if n == 0:
        return np.empty(0, dtype=np.int64), None, pd.Index([], dtype="str", name="customer_id")
    if pd.api.types.is_integer_dtype(ids.dtype) and not pd.api.types.is_bool_dtype(ids.dtype):
        values = ids.to_numpy()
        dense = _dense_int_codes(values)
        if dense is not None:
            codes, distinct = dense
        else:
            run = _sorted_run_codes(values)
            if run is None:
                with np.errstate(over="ignore"):
                    keys = values.astype(values.dtype.newbyteorder("="), copy=False)
                    mixed = keys.view(f"u{keys.itemsize}").astype(np.uint64)  # a copy
                    mixed *= _MIX
                    codes = _factorize_keys(mixed, overwrite=True)
                    del mixed
                first = _first_rows(codes, int(codes.max()) + 1)
            else:
                codes, first = run
            distinct = values[first]
        order = _int_text_order(distinct)
        if order is None:
            _, order, uniques = _labels(pd.Series(distinct).astype("str"))  # the k distinct ids, ordered as text
            return codes, order, uniques
        uniques = pd.Index(pd.Series(distinct[order]).astype("str"), name="customer_id")
        return codes, order, uniques
    ids = ids.astype("str")
    values = ids.array
    run = _sorted_run_codes(values)
    if run is not None:
        codes, starts = run
        return codes, None, pd.Index(values.take(starts), name="customer_id")
    packed = _packed_codes(ids)
    if packed is not None:
        return packed
    codes, uniques = _parallel_factorize(ids)
    order = _argsort_text(uniques)
    import pyarrow as pa

    taken = uniques.take(pa.array(order)).to_pandas() if isinstance(uniques, pa.Array) \
        else pd.Index(uniques).take(order)
    return codes, order, pd.Index(taken, name="customer_id").astype("str")


def _customer_codes(ids: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes 0..k-1 in sorted id order, and the sorted ids (as text); see :func:`_labels`."""
    codes, order, uniques = _labels(ids)
    if order is None:
        return codes, uniques
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank[codes], uniques


def customer_codes(ids: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes 0..k-1 of customer ids in sorted text order, and the sorted ids as text.

    The same as ``pd.factorize(ids.astype("str"), sort=True)``, without hashing or sorting
    millions of Python strings (see :func:`_labels` for the paths; 10M UUID ids take about
    a second where the sorted factorize takes several).

    Examples
    --------
    >>> codes, ids = customer_codes(pd.Series(["b", "a", "b", "10"]))
    >>> codes.tolist(), list(ids)
    ([2, 1, 2, 0], ['10', 'a', 'b'])
    """
    return _customer_codes(pd.Series(ids) if not isinstance(ids, pd.Series) else ids)


#: Keys from which :func:`_sorted_in_threads` sorts two halves at once.
_THREADED_SORT_ROWS = 4_000_000


def _sorted_in_threads(key: np.ndarray, *, in_place: bool = False) -> np.ndarray:
    """``np.sort(key)``, on long arrays by sorting the two halves in two threads (NumPy
    releases the GIL while sorting) and merging them with one stable sort, which finds the
    two sorted runs and merges them in one pass (50M int64 keys: 2.9 s against 4.7 s).
    ``in_place`` sorts ``key`` itself (no copy) and returns it."""
    import os
    from concurrent.futures import ThreadPoolExecutor

    n = len(key)
    out = key if in_place else key.copy()
    if n < _THREADED_SORT_ROWS or (os.cpu_count() or 1) < 2:
        out.sort()
        return out
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda part: out[part].sort(), (slice(0, n // 2), slice(n // 2, n))))
    out.sort(kind="stable")
    return out


@dataclass
class _Pairs:
    """The distinct (customer, day) pairs of a log as keys ``(code - r × group) × span + day -
    low`` (``key``), where ``r = code // group`` numbers the range of ``group`` codes that
    the customer falls in: the keys of range r are ``key[bounds[r]:bounds[r + 1]]``, sorted
    (so that the whole array is sorted by customer then day). One range when every key fits
    (``group`` ≥ k); several keep the keys int32 where ``k × span`` would not fit.
    ``starts`` (positions in ``key``) and ``customers`` (their codes) give the runs of each
    customer with rows, in code order."""

    key: np.ndarray
    span: int
    low: int
    group: int
    bounds: np.ndarray
    starts: np.ndarray
    customers: np.ndarray

    def days(self, positions: np.ndarray) -> np.ndarray:
        """Day numbers (int64) of the pairs at ``positions``."""
        return self.key[positions].astype(np.int64) % self.span + self.low

    def count_up_to(self, offset: int) -> np.ndarray:
        """Per customer (in the order of ``customers``), how many of its pairs have a day
        offset (day - low) of at most ``offset``: within a customer's run the days are
        sorted, so one search per customer in its range's keys (``offset`` is clipped to
        -1 .. span - 1, keeping each limit inside its customer's keys and in their dtype)."""
        offset = min(max(offset, -1), self.span - 1)
        who, counted = self.customers, np.empty(len(self.customers), dtype=np.int64)
        cuts = np.searchsorted(who, np.arange(len(self.bounds)) * self.group)
        for r in range(len(self.bounds) - 1):
            mine = slice(cuts[r], cuts[r + 1])
            limit = ((who[mine] - r * self.group) * self.span + offset).astype(self.key.dtype)
            keys = self.key[self.bounds[r]: self.bounds[r + 1]]
            counted[mine] = np.searchsorted(keys, limit, side="right") + self.bounds[r] - self.starts[mine]
        return counted


#: Ranges of codes whose pair keys fit int32, up to which :func:`_pairs` splits the keys
#: into ranges (more: one int64 array).
_MAX_KEY_RANGES = 64


def _pairs(codes: np.ndarray, k: int, days: np.ndarray) -> _Pairs:
    """The distinct (customer, day) pairs of a non-empty log (see :class:`_Pairs`).

    One key per row, built block by block in two threads. When ``k × span`` fits int32
    (or would need more than ``_MAX_KEY_RANGES`` ranges), one array of keys ``code × span +
    day - low``, sorted in place unless the log already is (a log grouped by customer and
    dated in order needs no sort). Otherwise the rows are moved, block by block, to ranges
    of codes whose keys fit int32 (a radix partition on the range, stable: a sorted log
    stays sorted), and the ranges are sorted in two threads with no merge: for 50M rows of 5M
    customers over two years, half the memory of int64 keys and ~20 % less time (partition
    included) than sorting them in two halves and merging.
    Then the repeats are squeezed out in place, block by block, and the runs of each
    customer found on the way: no other row-sized array.
    """
    n = len(codes)
    low = int(days.min())
    span = int(days.max()) - low + 1
    int32_max = int(np.iinfo(np.int32).max)
    group = (int32_max - 1) // span  # codes per range whose keys fit int32
    n_ranges = -(-k // group) if group else 0
    if k * span < int32_max:
        key_type, group, n_ranges = np.int32, k, 1
    elif 1 < n_ranges <= _MAX_KEY_RANGES:
        key_type = np.int32
    else:
        key_type, group, n_ranges = np.int64, k, 1
    key = np.empty(n, dtype=key_type)
    blocks = [(a, min(n, a + _WORD_BLOCK)) for a in range(0, n, _WORD_BLOCK)]
    if n_ranges == 1:
        bounds = np.array([0, n], dtype=np.int64)
        unsorted = []

        def build(block: tuple[int, int]) -> None:
            a, b = block
            out = key[a:b]
            np.multiply(codes[a:b], span, out=out, casting="unsafe")
            out += (days[a:b] - low).astype(key_type)
            if not unsorted and not ((out[1:] >= out[:-1]).all() and (a == 0 or key[a - 1] <= out[0])):
                unsorted.append(a)  # (key[a - 1] may not be built yet: then the final check decides)

        _in_two_threads(build, blocks)
        if unsorted or not (key[1:] >= key[:-1]).all():
            _sorted_in_threads(key, in_place=True)
    else:
        counts = np.empty((len(blocks), n_ranges), dtype=np.int64)

        def count(i: int) -> None:
            a, b = blocks[i]
            counts[i] = np.bincount(codes[a:b] // group, minlength=n_ranges)

        _in_two_threads(count, range(len(blocks)))
        bounds, local = _radix_layout(counts)
        dest = bounds[:-1] + local

        def scatter(i: int) -> None:
            a, b = blocks[i]
            where = codes[a:b] // group
            pair_key = codes[a:b] - where * group
            pair_key *= span
            pair_key += days[a:b] - low
            order = np.argsort(where.astype(np.uint8), kind="stable")  # a radix sort
            _move_runs(key, pair_key[order].astype(key_type), counts[i], dest[i])

        _in_two_threads(scatter, range(len(blocks)))

        def sort(r: int) -> None:
            part = key[bounds[r]: bounds[r + 1]]
            if not (part[1:] >= part[:-1]).all():
                part.sort()

        _in_two_threads(sort, range(n_ranges))
    size = 0
    starts, customers = [], []
    kept_bounds = np.zeros(n_ranges + 1, dtype=np.int64)
    for r in range(n_ranges):
        prev_key, prev_customer = None, -1
        for a in range(bounds[r], bounds[r + 1], _WORD_BLOCK):
            block = key[a: min(bounds[r + 1], a + _WORD_BLOCK)]
            new = np.empty(len(block), dtype=bool)
            new[0] = prev_key is None or block[0] != prev_key
            np.not_equal(block[1:], block[:-1], out=new[1:])
            prev_key = block[-1]
            kept = block[new]  # a copy: the writes below may overlap the block
            owner = kept // key_type(span)
            changed = np.empty(len(owner), dtype=bool)
            if len(owner):
                changed[0] = owner[0] != prev_customer
                np.not_equal(owner[1:], owner[:-1], out=changed[1:])
                prev_customer = int(owner[-1])
                at = np.flatnonzero(changed)
                starts.append(at + size)
                customers.append(owner[at].astype(np.int64) + r * group)
            key[size: size + len(kept)] = kept
            size += len(kept)
        kept_bounds[r + 1] = size
    return _Pairs(key[:size], span, low, group, kept_bounds, np.concatenate(starts), np.concatenate(customers))


def _customer_days(codes: np.ndarray, k: int, days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct (customer, day) pairs of a log, sorted by customer then day: ``customer``
    and ``day`` (int64 day numbers), one per pair (see :func:`_pairs`)."""
    if len(codes) == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    pairs = _pairs(codes, k, days)
    customer = np.repeat(pairs.customers, np.diff(np.append(pairs.starts, len(pairs.key))))
    return customer, pairs.days(slice(None))


def _per_customer(codes: np.ndarray, k: int, days: np.ndarray, amount: np.ndarray,
                  split_day: int | None = None) -> dict[str, np.ndarray]:
    """First/last purchase day, number of distinct days, total and first-day spend per code.

    From the sorted distinct (customer, day) pairs (:func:`_pairs`): the first and last
    pair of each customer's run are its first and last day. Customers without rows get
    ``n_days`` 0 (and first/last the int64 extremes).

    With ``split_day``, the statistics are of the days up to ``split_day`` (inclusive) and
    ``n_after`` / ``total_after`` count the distinct days and spend after it, all from one
    sort of the whole log (within a customer's run the days before the split come first).
    """
    first = np.full(k, np.iinfo(np.int64).max, dtype=np.int64)
    last = np.full(k, np.iinfo(np.int64).min, dtype=np.int64)
    n_all = np.zeros(k, dtype=np.int64)
    n = len(codes)
    if n:
        pairs = _pairs(codes, k, days)
        starts, who = pairs.starts, pairs.customers
        runs = np.diff(np.append(starts, len(pairs.key)))
        n_all[who] = runs
        if split_day is None:
            n_days = n_all
            first[who] = pairs.days(starts)
            last[who] = pairs.days(starts + runs - 1)
        else:  # pairs on or before the split (within a customer's run the days are sorted)
            counted = pairs.count_up_to(split_day - pairs.low)
            n_days = np.zeros(k, dtype=np.int64)
            n_days[who] = counted
            seen = counted > 0
            first[who[seen]] = pairs.days(starts[seen])
            last[who[seen]] = pairs.days(starts[seen] + counted[seen] - 1)
        del pairs
    else:
        n_days = n_all.copy() if split_day is not None else n_all

    # spends added block by block in row order (the sums ``np.bincount`` gives, bit for bit,
    # without a row-sized array of weights; a first ``np.bincount`` over 50M rows also took
    # ~1 s more than later ones): on each customer's first day, and in total — with a split,
    # before and after it in one pass, bins 2 × code (before) and 2 × code + 1 (after)
    first_day_spend = np.zeros(k, dtype=np.float64)
    both = np.zeros(k if split_day is None else 2 * k, dtype=np.float64)
    for a in range(0, n, _WORD_BLOCK):
        b = min(n, a + _WORD_BLOCK)
        mine, spend = codes[a:b], amount[a:b]
        on_first = days[a:b] == first.take(mine)
        np.add.at(first_day_spend, mine[on_first], spend[on_first])
        if split_day is None:
            np.add.at(both, mine, spend)
        else:
            at = mine * 2
            at += days[a:b] > split_day
            np.add.at(both, at, spend)
    if split_day is None:
        total = both
    else:
        total, total_after = both[0::2].copy(), both[1::2].copy()
    del both
    out = {"first": first, "last": last, "n_days": n_days, "total": total, "first_spend": first_day_spend}
    if split_day is not None:
        out["n_after"] = n_all - n_days
        out["total_after"] = total_after
    return out


def _window(tx: pd.DataFrame, end_day: int | None,
            columns: tuple[str, ...] | None = None) -> tuple[pd.DataFrame, np.ndarray, int]:
    """The log up to ``end_day``, its day numbers and the end day.

    When lines are left out, only ``columns`` (default all) of the kept lines are copied: the
    summaries read the ids and amounts, and a copy of every column of a 10M-line log is ~1 GB.
    """
    check_log(tx)
    days = _day_numbers(tx["date"])
    if end_day is None:
        if len(days) == 0:
            raise CvmDataError("the transaction log is empty", source="<DataFrame>")
        end_day = int(days.max())
    inside = days <= end_day
    if not inside.any():
        first = np.datetime64(int(days.min()), "D") if len(days) else None
        raise CvmDataError(f"observation_end {np.datetime64(end_day, 'D')} is before the first purchase ({first}): "
                           "no transaction is inside the observation window; choose a later observation_end",
                           source="<DataFrame>", column="date", option="observation_end")
    if not inside.all():
        tx = tx if columns is None else tx[list(columns)]
        tx, days = tx.loc[inside], days[inside]
    return tx, days, end_day


@dataclass(frozen=True)
class EncodedLog:
    """A transaction log inside its observation window, as integer arrays.

    The fast representation shared by the summaries and the segmentation studies:
    ``codes`` numbers customers 0..k-1 in sorted id order (``ids``), ``days`` counts
    calendar days since 1970-01-01, ``end_day`` is the last observed day.
    """

    tx: pd.DataFrame
    codes: np.ndarray
    ids: pd.Index
    days: np.ndarray
    amount: np.ndarray
    end_day: int

    @property
    def n_customers(self) -> int:
        return len(self.ids)

    def per_customer(self) -> dict[str, np.ndarray]:
        """First and last purchase day, distinct purchase days, total and first-day spend per customer."""
        return _per_customer(self.codes, self.n_customers, self.days, self.amount)


def encode_log(tx: pd.DataFrame, *, observation_end: Any = None) -> EncodedLog:
    """The log's purchases up to ``observation_end`` (inclusive) as an :class:`EncodedLog`.

    Raises ``ValueError`` when no purchase falls on or before ``observation_end``.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["b", "a", "b"],
    ...                    "date": pd.to_datetime(["2024-01-02", "2024-01-01", "2024-01-05"]),
    ...                    "amount": [1.0, 2.0, 3.0]})
    >>> log = encode_log(tx, observation_end="2024-01-03")
    >>> list(log.ids), log.codes.tolist(), log.per_customer()["n_days"].tolist()
    (['a', 'b'], [1, 0], [1, 1])
    """
    end_day = None if observation_end is None else _to_day(observation_end, "observation_end")
    tx, days, end_day = _window(tx, end_day)
    if len(days) == 0:
        raise ValueError(f"no purchases on or before observation_end={observation_end!r}")
    codes, ids = _customer_codes(tx["customer_id"])
    return EncodedLog(tx, codes, ids, days, tx["amount"].to_numpy(dtype=np.float64), end_day)


def _in_id_order(stats: dict[str, np.ndarray], order: np.ndarray | None) -> dict[str, np.ndarray]:
    """Per-label aggregates in sorted id order (see :func:`_labels`)."""
    return stats if order is None else {name: values[order] for name, values in stats.items()}


def _summary_frame(codes, ids, days, amount, end_day, unit, order=None, split_day=None):
    stats = _in_id_order(_per_customer(codes, len(ids), days, amount, split_day), order)
    frequency = (stats["n_days"] - 1).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        monetary = np.where(frequency > 0, (stats["total"] - stats["first_spend"]) / frequency, 0.0)
    return pd.DataFrame({
        "frequency": frequency,
        "recency": (stats["last"] - stats["first"]) / unit,
        "T": (end_day - stats["first"]) / unit,
        "monetary_value": monetary,
    }, index=ids), stats


def _engine(tx: Any):
    """The out-of-memory back-end module for ``tx``, or None for a pandas DataFrame."""
    if isinstance(tx, pd.DataFrame):
        return None
    from cvm_lib.engines import engine_for

    kind = engine_for(tx)
    if kind == "duckdb":
        from cvm_lib.engines import duckdb as backend
    else:
        from cvm_lib.engines import spark as backend
    return backend


def _day_text(day: int) -> str:
    return str(np.datetime64(day, "D"))


def _engine_end(name: str, last_day: int | None, end_day: int | None) -> int:
    if last_day is None:
        raise CvmDataError("the transaction log is empty", source=name)
    return last_day if end_day is None else end_day


def _engine_frame(result: pd.DataFrame) -> pd.DataFrame:
    """An engine's per-customer result indexed and ordered as the pandas path (ids as text)."""
    out = result.set_index("customer_id")
    out.index = pd.Index(out.index.astype("str"), name="customer_id")
    out = out.sort_index()
    return out.astype("float64")


def _engine_rfm(backend, tx, end_day, unit, time_unit, distinct=None):
    from cvm_lib.engines import sql

    dialect = "spark" if backend.__name__.endswith("spark") else "duckdb"
    state = {}

    def build(name, last_day, n):
        state["end"] = end = _engine_end(name, last_day, end_day)
        query = sql.rfm(_day_text(end), unit, dialect)
        if distinct is not None:
            query = sql.distinct_rows(query, distinct)
        return [query]

    (result,) = backend.query(tx, build)
    if distinct is not None:
        return result.astype("float64").sort_values(distinct, ignore_index=True), state["end"]
    summary = _engine_frame(result)
    summary.attrs.update(observation_end=_day_text(state["end"]), time_unit=time_unit)
    return summary, state["end"]


def rfm_summary(tx: pd.DataFrame, *, observation_end: Any = None, time_unit: str | float = "D") -> pd.DataFrame:
    """One row per customer: ``frequency``, ``recency``, ``T``, ``monetary_value``.

    The summary the BTYD models (BG/NBD, Pareto/NBD, Gamma-Gamma) are fitted to; see
    the module docstring for the exact conventions.

    Parameters
    ----------
    tx : DataFrame, Parquet path / folder / glob, DuckDB relation or PySpark DataFrame
        Tidy transaction log (``customer_id``, ``date``, ``amount``), as returned by
        :func:`cvm_lib.data.load_transactions`; sources other than a DataFrame are
        aggregated by DuckDB or Spark (:mod:`cvm_lib.engines`).
    observation_end : date-like, optional
        Last day of the observation window (inclusive). Default: the last purchase date.
    time_unit : {"D", "W", "M", "Y"} or float, default "D"
        Unit of ``recency`` and ``T`` (days divided by the unit's length in days).

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` in sorted order; ``attrs`` record
        ``observation_end`` and ``time_unit``.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a", "b"],
    ...                    "date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-15", "2024-01-08"]),
    ...                    "amount": [10.0, 5.0, 30.0, 20.0]})
    >>> rfm_summary(tx, observation_end="2024-01-29", time_unit="W")
                 frequency  recency    T  monetary_value
    customer_id
    a                  1.0      2.0  4.0            30.0
    b                  0.0      0.0  3.0             0.0
    """
    unit = unit_days(time_unit)
    end_day = None if observation_end is None else _to_day(observation_end, "observation_end")
    backend = _engine(tx)
    if backend is not None:  # Parquet / DuckDB / Spark: aggregated where the data are
        return _engine_rfm(backend, tx, end_day, unit, time_unit)[0]
    tx, days, end_day = _window(tx, end_day, ("customer_id", "amount"))
    codes, order, ids = _labels(tx["customer_id"])
    amount = tx["amount"].to_numpy(dtype=np.float64)
    summary, _ = _summary_frame(codes, ids, days, amount, end_day, unit, order)
    summary.attrs.update(observation_end=str(np.datetime64(end_day, "D")), time_unit=time_unit)
    return summary


def _check_holdout(cal_day: int, end_day: int) -> None:
    if end_day <= cal_day:
        raise ValueError(f"observation_end ({np.datetime64(end_day, 'D')}) must be after calibration_end "
                         f"({np.datetime64(cal_day, 'D')})")


def _engine_calibration_holdout(backend, tx, cal_day, end_day, unit, time_unit):
    from cvm_lib.engines import sql

    dialect = "spark" if backend.__name__.endswith("spark") else "duckdb"
    state = {}

    def build(name, last_day, n):
        state["end"] = end = _engine_end(name, last_day, end_day)
        _check_holdout(cal_day, end)
        return [sql.calibration_holdout_query(_day_text(cal_day), _day_text(end), unit, dialect)]

    (result,) = backend.query(tx, build)
    summary = _engine_frame(result)
    summary.attrs.update(calibration_end=_day_text(cal_day), observation_end=_day_text(state["end"]),
                         time_unit=time_unit)
    return summary


def calibration_holdout(tx: pd.DataFrame, *, calibration_end: Any, observation_end: Any = None,
                        time_unit: str | float = "D") -> pd.DataFrame:
    """Calibration-period summary plus what each customer did in the holdout period.

    Customers first seen after ``calibration_end`` are excluded. Columns are those of
    :func:`rfm_summary` over the calibration period, plus ``frequency_holdout``
    (number of distinct purchase days in the holdout, which starts the day after
    ``calibration_end`` and ends on ``observation_end``, inclusive),
    ``monetary_value_holdout`` (mean spend per holdout purchase day, 0 when none) and
    ``duration_holdout`` (length of the holdout in ``time_unit``).

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a", "b", "c"],
    ...                    "date": pd.to_datetime(["2024-01-01", "2024-01-15", "2024-02-05", "2024-01-08",
    ...                                            "2024-02-01"]),
    ...                    "amount": [10.0, 30.0, 8.0, 20.0, 5.0]})
    >>> calibration_holdout(tx, calibration_end="2024-01-28", observation_end="2024-02-25",
    ...                     time_unit="W")[["frequency", "T", "frequency_holdout", "duration_holdout"]]
                 frequency    T  frequency_holdout  duration_holdout
    customer_id
    a                  1.0  3.857143                1.0               4.0
    b                  0.0  2.857143                0.0               4.0
    """
    unit = unit_days(time_unit)
    cal_day = _to_day(calibration_end, "calibration_end")
    end_day = None if observation_end is None else _to_day(observation_end, "observation_end")
    backend = _engine(tx)
    if backend is not None:  # Parquet / DuckDB / Spark: aggregated where the data are
        return _engine_calibration_holdout(backend, tx, cal_day, end_day, unit, time_unit)
    tx, days, end_day = _window(tx, end_day, ("customer_id", "amount"))
    _check_holdout(cal_day, end_day)
    codes, order, ids = _labels(tx["customer_id"])
    amount = tx["amount"].to_numpy(dtype=np.float64)
    if int(days.min()) > cal_day:
        raise CvmDataError(f"calibration_end {np.datetime64(cal_day, 'D')} is before the first purchase "
                           f"({np.datetime64(int(days.min()), 'D')}): the calibration window is empty; "
                           "choose a later calibration_end", source="<DataFrame>", column="date",
                           option="calibration_end")
    summary, stats = _summary_frame(codes, ids, days, amount, cal_day, unit, order, split_day=cal_day)
    seen = stats["n_days"] > 0  # customers whose first purchase is in the calibration period
    n_hold, spend_hold = stats["n_after"], stats["total_after"]
    with np.errstate(invalid="ignore", divide="ignore"):
        summary["frequency_holdout"] = n_hold.astype(np.float64)
        summary["monetary_value_holdout"] = np.where(n_hold > 0, spend_hold / n_hold, 0.0)
    summary["duration_holdout"] = (end_day - cal_day) / unit
    summary = summary.loc[seen]
    summary.attrs.update(calibration_end=str(np.datetime64(cal_day, "D")),
                         observation_end=str(np.datetime64(end_day, "D")), time_unit=time_unit)
    return summary


def summary_counts(data: Any, *, observation_end: Any = None, time_unit: str | float = "D",
                   columns: tuple[str, ...] = ("frequency", "recency", "T")) -> pd.DataFrame:
    """Distinct rows of an :func:`rfm_summary` with their number of customers (``weights``).

    The sufficient statistics of the BG/NBD, MBG/NBD and Pareto/NBD models: fitting
    ``Model().fit(counts, weights="weights")`` gives the same estimates as fitting the
    per-customer summary. ``data`` is a per-customer summary (a DataFrame with
    ``columns``) or any transaction-log source :func:`rfm_summary` takes; for DuckDB and
    Spark sources the grouping runs in the engine, so only the distinct rows reach the
    driver (a few hundred thousand for a hundred million customers on daily data).

    Returns
    -------
    DataFrame
        ``columns`` plus ``weights`` (float), one row per distinct combination, sorted.

    Examples
    --------
    >>> s = pd.DataFrame({"frequency": [0.0, 2.0, 0.0], "recency": [0.0, 5.0, 0.0], "T": [9.0, 9.0, 9.0]})
    >>> summary_counts(s)
       frequency  recency    T  weights
    0        0.0      0.0  9.0      2.0
    1        2.0      5.0  9.0      1.0
    """
    columns = list(columns)
    if isinstance(data, pd.DataFrame) and set(columns) <= set(data.columns) and "customer_id" not in data.columns:
        summary = data
    else:
        backend = _engine(data)
        if backend is not None:
            end_day = None if observation_end is None else _to_day(observation_end, "observation_end")
            return _engine_rfm(backend, data, end_day, unit_days(time_unit), time_unit, distinct=columns)[0]
        summary = rfm_summary(data, observation_end=observation_end, time_unit=time_unit)
    counts = summary.groupby(columns, sort=True).size().astype("float64").rename("weights").reset_index()
    return counts


_PERIODS = {"D": "D", "W": "W", "M": "M", "Q": "Q", "Y": "Y"}


def cohort_table(tx: pd.DataFrame, *, period: str = "M", measure: str = "customers", normalize: bool = False,
                 observation_end: Any = None) -> pd.DataFrame:
    """Acquisition cohorts × periods since acquisition.

    A customer's cohort is the calendar period of the first purchase; period 0 is
    that period. Cells are the number of distinct active customers
    (``measure="customers"``), their revenue (``"revenue"``) or purchases
    (``"purchases"``). Cells that lie beyond ``observation_end`` are missing (NaN),
    not 0: nothing is known about them yet. The last period is counted even when
    ``observation_end`` falls inside it.

    Parameters
    ----------
    period : {"D", "W", "M", "Q", "Y"}, default "M"
    measure : {"customers", "revenue", "purchases"}, default "customers"
    normalize : bool, default False
        Divide each row by its period-0 value: retention rates for
        ``measure="customers"``, revenue relative to the first period otherwise.
    observation_end : date-like, optional
        Default: the last purchase date.

    Returns
    -------
    DataFrame
        Index ``cohort`` (pandas Period), columns ``0, 1, 2, ...``; a ``size`` is kept in
        ``attrs["cohort_size"]`` (customers per cohort).

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b", "c"],
    ...                    "date": pd.to_datetime(["2024-01-05", "2024-02-05", "2024-01-20", "2024-02-10"]),
    ...                    "amount": [1.0, 1.0, 1.0, 1.0]})
    >>> cohort_table(tx, normalize=True)
    periods_since_acquisition    0    1
    cohort
    2024-01                    1.0  0.5
    2024-02                    1.0  NaN
    """
    if period.upper() not in _PERIODS:
        raise ValueError(f"period={period!r}; use one of {', '.join(_PERIODS)}")
    if measure not in ("customers", "revenue", "purchases"):
        raise ValueError(f"measure={measure!r}; use 'customers', 'revenue' or 'purchases'")
    end_day = None if observation_end is None else _to_day(observation_end, "observation_end")
    freq = _PERIODS[period.upper()]
    backend = _engine(tx)
    if backend is not None:  # Parquet / DuckDB / Spark: cells aggregated where the data are
        cells, sizes, end_day = _engine_cohort_cells(backend, tx, period.upper(), measure, end_day)
        return _cohort_frame(cells, sizes, end_day, freq, normalize)
    tx, days, end_day = _window(tx, end_day, ("customer_id", "amount"))
    # Customers as integer codes (a bijection of the ids: the same groups, counts and first
    # rows), not ten million Python strings of an object column.
    frame = pd.DataFrame({"customer_id": _labels(tx["customer_id"])[0],
                          "period": pd.PeriodIndex(days.astype("datetime64[D]"), freq=freq),
                          "amount": tx["amount"].to_numpy(dtype=np.float64)})
    cohort = frame.groupby("customer_id")["period"].transform("min")
    frame["cohort"] = cohort
    frame["age"] = _period_ordinal(frame["period"]) - _period_ordinal(frame["cohort"])
    if measure == "customers":
        cells = frame.groupby(["cohort", "age"])["customer_id"].nunique()
    elif measure == "revenue":
        cells = frame.groupby(["cohort", "age"])["amount"].sum()
    else:
        cells = frame.groupby(["cohort", "age"]).size()
    sizes = frame.drop_duplicates("customer_id").groupby("cohort").size()
    return _cohort_frame(cells, sizes, end_day, freq, normalize)


def _engine_cohort_cells(backend, tx, period, measure, end_day):
    """(cells, sizes, end_day) of :func:`cohort_table` computed by an engine."""
    from cvm_lib.engines import sql

    dialect = "spark" if backend.__name__.endswith("spark") else "duckdb"
    state = {}

    def build(name, last_day, n):
        state["end"] = end = _engine_end(name, last_day, end_day)
        return list(sql.cohort_cells(period, measure, _day_text(end), dialect))

    cells, sizes = backend.query(tx, build)
    freq = _PERIODS[period]
    to_period = lambda col: pd.PeriodIndex(pd.to_datetime(col).to_numpy().astype("datetime64[D]"), freq=freq)  # noqa: E731
    cells = pd.Series(cells["value"].to_numpy(dtype=np.float64),
                      index=pd.MultiIndex.from_arrays([to_period(cells["cohort_start"]),
                                                       cells["age"].to_numpy(dtype=np.int64)], names=["cohort", "age"]))
    sizes = pd.Series(sizes["size"].to_numpy(dtype=np.int64), index=to_period(sizes["cohort_start"]))
    return cells, sizes.sort_index(), state["end"]


def _cohort_frame(cells: pd.Series, sizes: pd.Series, end_day: int, freq: str, normalize: bool) -> pd.DataFrame:
    """The cohort × age table from its cells (Series indexed by cohort Period and age)."""
    table = cells.unstack("age", fill_value=0).astype("float64").sort_index()
    last = pd.Period(np.datetime64(end_day, "D"), freq=freq)
    max_age = _period_ordinal(pd.Series([last])).iloc[0] - _period_ordinal(pd.Series(table.index)).to_numpy()
    ages = np.arange(int(max_age.max()) + 1)
    table = table.reindex(columns=ages, fill_value=0.0)
    table = table.mask(ages[None, :] > max_age[:, None])
    if normalize:
        table = table.div(table[0], axis=0)
    table.columns.name = "periods_since_acquisition"
    table.index.name = "cohort"
    table.attrs["cohort_size"] = {str(k): int(v) for k, v in sizes.items()}
    return table


def _period_ordinal(periods: pd.Series) -> pd.Series:
    """Integer position of each period on its own calendar (consecutive periods differ by 1)."""
    return pd.Series(pd.PeriodIndex(periods).asi8, index=periods.index)


def activity_by_period(tx: pd.DataFrame, *, period: str = "M", observation_end: Any = None) -> pd.DataFrame:
    """Purchases, revenue, active and new customers per calendar period.

    ``purchases`` counts transaction lines; ``active_customers`` distinct buyers in the
    period; ``new_customers`` those whose first purchase falls in it. Periods without
    any purchase appear with zeros, so gaps are visible.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"],
    ...                    "date": pd.to_datetime(["2024-01-05", "2024-03-01", "2024-03-02"]),
    ...                    "amount": [10.0, 5.0, 7.0]})
    >>> activity_by_period(tx)
             purchases  revenue  active_customers  new_customers
    period
    2024-01          1     10.0                 1              1
    2024-02          0      0.0                 0              0
    2024-03          2     12.0                 2              1
    """
    if period.upper() not in _PERIODS:
        raise ValueError(f"period={period!r}; use one of {', '.join(_PERIODS)}")
    end_day = None if observation_end is None else _to_day(observation_end, "observation_end")
    tx, days, end_day = _window(tx, end_day, ("customer_id", "amount"))
    periods = pd.PeriodIndex(days.astype("datetime64[D]"), freq=_PERIODS[period.upper()])
    frame = pd.DataFrame({"customer_id": _labels(tx["customer_id"])[0], "period": periods,  # integer codes
                          "amount": tx["amount"].to_numpy(dtype=np.float64)})
    grouped = frame.groupby("period")
    table = pd.DataFrame({
        "purchases": grouped.size(),
        "revenue": grouped["amount"].sum(),
        "active_customers": grouped["customer_id"].nunique(),
        "new_customers": frame.groupby("customer_id")["period"].min().value_counts(),
    })
    full = pd.period_range(periods.min(), periods.max(), freq=periods.freq, name="period")
    table = table.reindex(full).fillna(0)
    return table.astype({"purchases": "int64", "revenue": "float64", "active_customers": "int64",
                         "new_customers": "int64"})
