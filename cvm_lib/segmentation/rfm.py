"""Marketing RFM: the per-customer table, 1–5 (or custom) scores and named segments.

Marketing RFM differs from the BTYD summary of :func:`cvm_lib.summary.rfm_summary`:

* ``recency`` = time SINCE the last purchase day, up to ``observation_end`` (0 = bought
  on the last day); small is good.
* ``frequency`` = number of distinct purchase days (same-day purchases merged, as in
  :mod:`cvm_lib.summary`), or of transaction lines with ``frequency="transactions"``.
* ``monetary`` = total spend, or mean spend per purchase (day) with ``monetary="mean"``.

Scores run from 1 (worst) to ``bins`` (best) on every dimension: recency is scored
so that RECENT = HIGH.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from cvm_lib.segmentation._common import CN8_SEGMENTS, RF10_SEGMENTS, as_numeric_series, check_unique_index, \
    id_rank, ordinal_positions

__all__ = ["rfm_table", "rfm_scores", "rfm_log_scores", "rfm_segments", "segment_map", "segment_summary",
           "RF10_MAP", "CN8_MAP"]

_RFM_COLUMNS = ("recency", "frequency", "monetary")


def rfm_table(tx: pd.DataFrame, *, observation_end: Any = None, monetary: str = "total",
              frequency: str = "days", time_unit: str | float = "D") -> pd.DataFrame:
    """Marketing RFM per customer from a tidy transaction log.

    Parameters
    ----------
    tx : DataFrame
        Tidy transaction log (``customer_id``, ``date``, ``amount``).
    observation_end : date-like, optional
        Reference day (inclusive); later purchases are ignored. Default: the last
        purchase date in the log.
    monetary : {"total", "mean"}, default "total"
        Total spend in the window, or mean spend per purchase (per purchase day when
        ``frequency="days"``, per transaction line otherwise).
    frequency : {"days", "transactions"}, default "days"
        Count distinct purchase days (same-day purchases merged) or transaction lines.
    time_unit : {"D", "W", "M", "Y"} or float, default "D"
        Unit of ``recency`` (see :func:`cvm_lib.summary.unit_days`).

    Returns
    -------
    DataFrame
        Index ``customer_id`` (sorted); columns ``recency`` (time since the last
        purchase day), ``frequency``, ``monetary``. ``attrs`` keep the options.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a", "b"],
    ...                    "date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-20", "2024-01-08"]),
    ...                    "amount": [10.0, 5.0, 30.0, 20.0]})
    >>> rfm_table(tx, observation_end="2024-01-31")
                 recency  frequency  monetary
    customer_id
    a               11.0          2      45.0
    b               23.0          1      20.0
    >>> rfm_table(tx, monetary="mean", frequency="transactions")["monetary"].tolist()
    [15.0, 20.0]
    """
    from cvm_lib.summary import encode_log, unit_days

    if monetary not in ("total", "mean"):
        raise ValueError(f"monetary={monetary!r}; use 'total' (total spend) or 'mean' (mean spend per purchase)")
    if frequency not in ("days", "transactions"):
        raise ValueError(f"frequency={frequency!r}; use 'days' (distinct purchase days) or 'transactions' "
                         "(transaction lines)")
    unit = unit_days(time_unit)
    log = encode_log(tx, observation_end=observation_end)
    codes, ids, end_day = log.codes, log.ids, log.end_day
    stats = log.per_customer()
    count = stats["n_days"] if frequency == "days" else np.bincount(codes, minlength=len(ids))
    total = stats["total"]
    table = pd.DataFrame({
        "recency": (end_day - stats["last"]) / unit,
        "frequency": count.astype(np.int64),
        "monetary": total if monetary == "total" else total / count,
    }, index=ids)
    table.attrs.update(observation_end=str(np.datetime64(end_day, "D")), time_unit=time_unit,
                       monetary=monetary, frequency=frequency)
    return table


def _rfm_frame(rfm: pd.DataFrame, what: str, columns: Sequence[str] = _RFM_COLUMNS) -> dict[str, np.ndarray]:
    if not isinstance(rfm, pd.DataFrame):
        raise ValueError(f"{what}: expected a DataFrame with columns {list(columns)} (see rfm_table), "
                         f"got {type(rfm).__name__}")
    missing = [c for c in columns if c not in rfm.columns]
    if missing:
        raise ValueError(f"{what}: expected columns {list(columns)} (see rfm_table); missing {missing}")
    check_unique_index(rfm.index, what)
    if len(rfm) == 0:
        raise ValueError(f"{what}: expected at least one customer, got an empty table")
    return {c: as_numeric_series(rfm[c], f"{what} column {c!r}").to_numpy() for c in columns}


def _check_bins(bins: Any) -> dict[str, int | np.ndarray]:
    def one(spec: Any, column: str) -> int | np.ndarray:
        if isinstance(spec, (int, np.integer)) and not isinstance(spec, bool):
            if spec < 2:
                raise ValueError(f"bins for {column!r} = {spec}; expected at least 2 score levels")
            return int(spec)
        try:
            edges = np.asarray(spec, dtype=np.float64)
        except (TypeError, ValueError):
            edges = np.empty(0)
        if edges.ndim != 1 or len(edges) < 3 or np.isnan(edges).any() or (np.diff(edges) <= 0).any():
            raise ValueError(f"bins for {column!r} = {spec!r}; expected an int (number of quantile groups) "
                             "or at least 3 strictly increasing bin edges")
        return edges

    if isinstance(bins, Mapping):
        unknown = set(bins) - set(_RFM_COLUMNS)
        if unknown:
            raise ValueError(f"bins has unknown key(s) {sorted(unknown)}; use 'recency', 'frequency', 'monetary'")
        return {c: one(bins.get(c, 5), c) for c in _RFM_COLUMNS}
    return {c: one(bins, c) for c in _RFM_COLUMNS}


def _mid_rank(values: np.ndarray) -> np.ndarray:
    """0-based average rank: tied values share the mean of their positions."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    ends = np.append(starts[1:], len(values)) - 1
    group = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, len(values))))
    mid = np.empty(len(values))
    mid[order] = ((starts + ends) / 2.0)[group]
    return mid


def rfm_scores(rfm: pd.DataFrame, *, bins: int | Mapping[str, int | Sequence[float]] = 5,
               ties: str = "split") -> pd.DataFrame:
    """Score recency, frequency and monetary from 1 (worst) to the number of bins (best).

    Recency is scored so that RECENT = HIGH: the smallest time since the last purchase
    gets the top score.

    Parameters
    ----------
    rfm : DataFrame
        Columns ``recency``, ``frequency``, ``monetary``, one row per customer (unique
        index), e.g. from :func:`rfm_table`.
    bins : int or mapping, default 5
        Number of equal-count groups (5 = quintiles) for all three columns, or a mapping
        ``{"recency": ..., "frequency": ..., "monetary": ...}`` whose values are an int
        or custom bin EDGES (strictly increasing, in the column's units; columns left out
        get 5 groups). Bins are right-closed, ``(e[i-1], e[i]]``, the first one also
        includes ``e[0]``; a value outside the edges is an error. With edges, the bin
        holding the smallest values scores 1 for frequency and monetary, and the top
        score for recency.
    ties : {"split", "split-id", "keep"}, default "split"
        ``"split"`` (quantile groups of equal size, sizes differ by at most one): the
        customers are ranked and the ranking is cut into equal groups. Tied values are
        split deterministically, independent of row order: ties on the scored column
        are broken by the other two dimensions (better first: for recency by frequency
        then monetary; for frequency by monetary then recency; for monetary by
        frequency then recency), and customers tied on all three by customer id (the
        smaller id gets the lower score). ``"split-id"``: equal groups too, ties broken
        by customer id alone; use it when the scores must not borrow information from
        each other (with ``"split"``, heavy ties on frequency make F partly a spend
        ranking). ``"keep"``: tied values always share a score, the group of their mid
        rank; groups can then be unequal or empty. Custom edges ignore ``ties`` (equal
        values share a bin).

    Returns
    -------
    DataFrame
        The three input columns, integer scores ``R``, ``F``, ``M``, the cell code
        ``RFM`` (e.g. ``"545"``; ``"10-2-7"`` when a score exceeds 9) and ``score`` =
        R + F + M. ``attrs["levels"]`` gives the number of score levels per column.

    Examples
    --------
    >>> rfm = pd.DataFrame({"recency": [5.0, 40, 300, 5, 90],
    ...                     "frequency": [8, 3, 1, 2, 1],
    ...                     "monetary": [400.0, 90, 20, 60, 35]}, index=list("abcde"))
    >>> rfm_scores(rfm)[["R", "F", "M", "RFM"]]
       R  F  M  RFM
    a  5  5  5  555
    b  3  4  4  344
    c  1  1  1  111
    d  4  3  3  433
    e  2  2  2  222

    Customers ``a`` and ``d`` share recency 5; ``a`` buys more often and gets R = 5.
    Custom edges (days since the last purchase, number of purchase days, spend):

    >>> s = rfm_scores(rfm, bins={"recency": [0, 30, 90, 365], "frequency": [0, 1, 3, 100],
    ...                           "monetary": [0, 50, 100, 1000]})
    >>> s[["R", "F", "M"]].to_numpy().T.tolist()
    [[3, 2, 1, 3, 2], [3, 2, 1, 2, 1], [3, 2, 1, 2, 1]]
    """
    if ties not in ("split", "split-id", "keep"):
        raise ValueError(f"ties={ties!r}; use 'split' (equal groups, ties broken by the other dimensions, then "
                         "customer id), 'split-id' (by customer id) or 'keep' (ties share a score)")
    spec = _check_bins(bins)
    values = _rfm_frame(rfm, "rfm_scores")
    n = len(rfm)
    # "goodness": larger is better on every dimension.
    good = {"recency": -values["recency"], "frequency": values["frequency"], "monetary": values["monetary"]}
    secondary = {"recency": ("frequency", "monetary"), "frequency": ("monetary", "recency"),
                 "monetary": ("frequency", "recency")}
    ids = id_rank(rfm.index)
    scores: dict[str, np.ndarray] = {}
    levels: dict[str, int] = {}
    for column, letter in zip(_RFM_COLUMNS, "RFM"):
        s = spec[column]
        if isinstance(s, int):
            levels[column] = s
            if ties != "keep":
                others = [good[c] for c in secondary[column]] if ties == "split" else []
                keys = [good[column], *others, ids]
                position = ordinal_positions(keys)
                scores[letter] = position * s // n + 1
            else:
                mid = _mid_rank(good[column])
                scores[letter] = np.floor(mid * s / n).astype(np.int64) + 1
        else:
            edges = s
            levels[column] = len(edges) - 1
            v = values[column]
            outside = (v < edges[0]) | (v > edges[-1])
            if outside.any():
                bad = rfm.index[outside][:3].tolist()
                raise ValueError(f"rfm_scores: {int(outside.sum())} {column} value(s) lie outside the bin edges "
                                 f"[{edges[0]:g}, {edges[-1]:g}] (first customers {bad}); widen the edges")
            b = np.maximum(np.searchsorted(edges, v, side="left"), 1)
            scores[letter] = (len(edges) - b) if column == "recency" else b
        scores[letter] = scores[letter].astype(np.int64)
    out = rfm[list(_RFM_COLUMNS)].copy()
    for letter in "RFM":
        out[letter] = scores[letter]
    if max(levels.values()) <= 9:
        code = (scores["R"] * 100 + scores["F"] * 10 + scores["M"]).astype(str)
    else:
        code = np.char.add(np.char.add(np.char.add(scores["R"].astype(str), "-"),
                                       np.char.add(scores["F"].astype(str), "-")), scores["M"].astype(str))
    out["RFM"] = pd.array(code, dtype="str")
    out["score"] = scores["R"] + scores["F"] + scores["M"]
    out.attrs.update(rfm.attrs)
    out.attrs["levels"] = levels
    out.attrs["ties"] = ties
    return out


# --------------------------------------------------------------------------- segment maps

def _rf10_map() -> dict[tuple[int, int], str]:
    """(R, F) -> segment: the widely used 10-segment R×F chart (R and F scored 1–5)."""
    m: dict[tuple[int, int], str] = {}

    def put(rs, fs, key):
        for r in rs:
            for f in fs:
                if (r, f) in m:  # pragma: no cover - guards the table itself
                    raise AssertionError(f"cell {(r, f)} mapped twice")
                m[(r, f)] = key

    put((1, 2), (1, 2), "hibernating")
    put((1, 2), (3, 4), "at_risk")
    put((1, 2), (5,), "cant_lose")
    put((3,), (1, 2), "about_to_sleep")
    put((3,), (3,), "need_attention")
    put((3, 4), (4, 5), "loyal")
    put((4,), (1,), "promising")
    put((5,), (1,), "new")
    put((4, 5), (2, 3), "potential_loyalists")
    put((5,), (4, 5), "champions")
    return m


#: (R score, F score) → segment key of the 10-segment R×F map; all 25 cells, each once.
RF10_MAP: dict[tuple[int, int], str] = _rf10_map()

#: (R high?, F high?, M high?) → segment key of the Chinese 8-class model.
CN8_MAP: dict[tuple[bool, bool, bool], str] = {
    (True, True, True): "important_value",
    (True, False, True): "important_development",
    (False, True, True): "important_retention",
    (False, False, True): "important_winback",
    (True, True, False): "general_value",
    (True, False, False): "general_development",
    (False, True, False): "general_retention",
    (False, False, False): "general_winback",
}


def segment_map(scheme: str = "rf10") -> pd.DataFrame:
    """The cell → segment table of a scheme, in long form.

    ``"rf10"``: one row per (R, F) cell, R and F from 1 to 5 (pivot it for the usual
    chart). ``"cn8"``: one row per high/low combination of R, F and M. ``segment`` is
    the stable segment id (its English / Chinese names are in :mod:`cvm_lib.labels`).

    Examples
    --------
    >>> grid = segment_map("rf10").pivot(index="R", columns="F", values="segment")
    >>> grid.sort_index(ascending=False).iloc[:, [0, 2, 4]]
    F               1                    3            5
    R
    5             new  potential_loyalists    champions
    4       promising  potential_loyalists        loyal
    3  about_to_sleep       need_attention        loyal
    2     hibernating              at_risk    cant_lose
    1     hibernating              at_risk    cant_lose
    >>> segment_map("cn8").head(2)
          R     F     M                segment
    0  high  high  high        important_value
    1  high   low  high  important_development
    """
    if scheme == "rf10":
        rows = [(r, f, key) for (r, f), key in sorted(RF10_MAP.items())]
        return pd.DataFrame(rows, columns=["R", "F", "segment"])
    if scheme == "cn8":
        level = {True: "high", False: "low"}
        rows = [(level[r], level[f], level[m], key) for (r, f, m), key in CN8_MAP.items()]
        return pd.DataFrame(rows, columns=["R", "F", "M", "segment"])
    raise ValueError(f"scheme={scheme!r}; use 'rf10' (10-segment R×F map) or 'cn8' (Chinese 8-class model)")


def _categorical(keys: np.ndarray, order: Sequence[str], index: pd.Index, series_name: str) -> pd.Series:
    return pd.Series(pd.Categorical(keys, categories=list(order)), index=index, name=series_name)


def rfm_segments(scores: pd.DataFrame, scheme: str = "rf10", *, split: str = "mean",
                 basis: str = "score") -> pd.Series:
    """Named RFM segments from scores.

    Parameters
    ----------
    scores : DataFrame
        Output of :func:`rfm_scores` (columns ``R``, ``F``, ``M``; ``recency``,
        ``frequency``, ``monetary`` for ``basis="value"``).
    scheme : {"rf10", "cn8"}, default "rf10"
        ``"rf10"``: the 10-segment R×F map of :data:`RF10_MAP` (champions, loyal,
        potential_loyalists, new, promising, need_attention, about_to_sleep, at_risk,
        cant_lose, hibernating); needs R and F scored 1–5. ``"cn8"``: the Chinese
        8-class model (important_value 重要价值客户 … general_winback 一般挽留客户): each
        of R, F, M is high or low against its mean (or median) over all customers.
    split : {"mean", "median"}, default "mean"
        Centre used by ``"cn8"``.
    basis : {"score", "value"}, default "score"
        ``"cn8"`` splits the scores R, F, M (usual in Chinese practice: compare each
        score with the average score) or the raw values (recency below the centre
        counts as high R). A customer exactly at the centre counts as LOW.

    Returns
    -------
    Series
        Categorical of stable segment ids (all segments of the scheme as categories,
        in canonical order), name ``"segment"``, aligned to ``scores``.

    Examples
    --------
    >>> scores = pd.DataFrame({"R": [5, 5, 1, 3, 4], "F": [5, 1, 5, 3, 2], "M": [5, 2, 5, 3, 1]},
    ...                       index=list("abcde"))
    >>> rfm_segments(scores).tolist()
    ['champions', 'new', 'cant_lose', 'need_attention', 'potential_loyalists']
    >>> rfm_segments(scores, "cn8").tolist()[:3]
    ['important_value', 'general_development', 'important_retention']
    """
    if not isinstance(scores, pd.DataFrame):
        raise ValueError(f"rfm_segments: expected the DataFrame of rfm_scores(), got {type(scores).__name__}")
    if scheme == "rf10":
        missing = [c for c in ("R", "F") if c not in scores.columns]
        if missing:
            raise ValueError(f"rfm_segments: expected score columns R and F (see rfm_scores); missing {missing}")
        r = as_numeric_series(scores["R"], "R").to_numpy()
        f = as_numeric_series(scores["F"], "F").to_numpy()
        bad = ~(np.isin(r, np.arange(1, 6)) & np.isin(f, np.arange(1, 6)))
        if bad.any():
            raise ValueError("rfm_segments(scheme='rf10') needs R and F scores that are whole numbers 1..5 "
                             f"(rfm_scores(bins=5)); {int(bad.sum())} customers have others, e.g. "
                             f"{scores.index[bad][:3].tolist()}")
        lookup = np.empty((6, 6), dtype=object)
        for (ri, fi), key in RF10_MAP.items():
            lookup[ri, fi] = key
        keys = lookup[r.astype(int), f.astype(int)]
        return _categorical(keys, RF10_SEGMENTS, scores.index, "segment")
    if scheme == "cn8":
        if split not in ("mean", "median"):
            raise ValueError(f"split={split!r}; use 'mean' or 'median'")
        if basis == "score":
            cols, better = ("R", "F", "M"), (1, 1, 1)
        elif basis == "value":
            cols, better = _RFM_COLUMNS, (-1, 1, 1)
        else:
            raise ValueError(f"basis={basis!r}; use 'score' (split R, F, M scores) or 'value' (split raw values)")
        missing = [c for c in cols if c not in scores.columns]
        if missing:
            raise ValueError(f"rfm_segments(scheme='cn8', basis={basis!r}) needs columns {list(cols)}; "
                             f"missing {missing}")
        if len(scores) == 0:
            raise ValueError("rfm_segments: expected at least one customer")
        high = []
        for c, sign in zip(cols, better):
            v = as_numeric_series(scores[c], c).to_numpy()
            centre = v.mean() if split == "mean" else np.median(v)
            high.append(sign * (v - centre) > 0)
        code = high[0].astype(int) * 4 + high[1].astype(int) * 2 + high[2].astype(int)
        lookup = np.empty(8, dtype=object)
        for (rh, fh, mh), key in CN8_MAP.items():
            lookup[int(rh) * 4 + int(fh) * 2 + int(mh)] = key
        return _categorical(lookup[code], CN8_SEGMENTS, scores.index, "segment")
    raise ValueError(f"scheme={scheme!r}; use 'rf10' (10-segment R×F map) or 'cn8' (Chinese 8-class model)")


def segment_summary(data: pd.DataFrame, segments: pd.Series, *, value: str | pd.Series | None = None,
                    columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Size, share, value share and mean R/F/M (or other columns) per segment.

    Works for any grouping aligned to ``data``: RFM segments, clusters, ABC classes,
    lifecycle stages.

    Parameters
    ----------
    data : DataFrame
        One row per customer, e.g. :func:`rfm_table` or :func:`rfm_scores`.
    segments : Series
        Segment of each customer, indexed like ``data``. Every category of a categorical
        appears, empty ones with 0 customers.
    value : str or Series, optional
        Customer value whose share is reported: a column of ``data`` or a Series
        aligned to it. Default ``"monetary"`` (the total spend of :func:`rfm_table`; pass
        the total explicitly when ``monetary="mean"`` was used).
    columns : list of str, optional
        Columns to average. Default: those of recency, frequency, monetary present.

    Returns
    -------
    DataFrame
        Index ``segment``; ``customers``, ``customer_share``, ``value``, ``value_share``
        and ``<column>_mean`` for each column averaged.

    Examples
    --------
    >>> rfm = pd.DataFrame({"recency": [1.0, 3, 10, 20], "frequency": [5, 3, 1, 1],
    ...                     "monetary": [500.0, 300, 100, 100]}, index=list("abcd"))
    >>> summary = segment_summary(rfm, pd.Series(["top", "top", "low", "low"], index=rfm.index))
    >>> summary[["customers", "customer_share", "value_share", "recency_mean", "frequency_mean"]]
             customers  customer_share  value_share  recency_mean  frequency_mean
    segment
    low              2             0.5          0.2          15.0             1.0
    top              2             0.5          0.8           2.0             4.0
    """
    if not isinstance(data, pd.DataFrame):
        raise ValueError(f"segment_summary: expected a DataFrame of customers, got {type(data).__name__}")
    if not isinstance(segments, pd.Series):
        raise ValueError(f"segment_summary: expected segments as a Series, got {type(segments).__name__}")
    check_unique_index(data.index, "segment_summary data")
    if len(segments) != len(data) or not segments.index.equals(data.index):
        if set(segments.index) != set(data.index) or len(segments) != len(data):
            raise ValueError("segment_summary: segments must be indexed by the same customers as data")
        segments = segments.reindex(data.index)
    if segments.isna().any():
        raise ValueError(f"segment_summary: {int(segments.isna().sum())} customers have no segment")
    if value is None:
        value = "monetary"
    if isinstance(value, str):
        if value not in data.columns:
            raise ValueError(f"segment_summary: value column {value!r} not in data; pass value=<column or Series>")
        v = as_numeric_series(data[value], f"value column {value!r}")
    else:
        v = as_numeric_series(value, "value")
        if not v.index.equals(data.index):
            if set(v.index) != set(data.index):
                raise ValueError("segment_summary: value must be indexed by the same customers as data")
            v = v.reindex(data.index)
    if columns is None:
        columns = [c for c in _RFM_COLUMNS if c in data.columns]
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise ValueError(f"segment_summary: columns {missing} not in data")
    frame = data[list(columns)].astype("float64").assign(_value=v.to_numpy(), _seg=segments.to_numpy())
    if isinstance(segments.dtype, pd.CategoricalDtype):
        frame["_seg"] = pd.Categorical(segments.to_numpy(), categories=segments.cat.categories)
    grouped = frame.groupby("_seg", observed=False, sort=True)
    out = pd.DataFrame({"customers": grouped.size().astype("int64"), "value": grouped["_value"].sum()})
    out.insert(1, "customer_share", out["customers"] / len(frame))
    total = float(frame["_value"].sum())
    out["value_share"] = out["value"] / total if total != 0 else np.nan
    means = grouped[list(columns)].mean()
    for c in columns:
        out[f"{c}_mean"] = means[c]
    out.index = pd.Index(list(out.index), name="segment")
    return out


def rfm_log_scores(tx: pd.DataFrame, *, observation_end: Any = None, time_unit: str | float = "W",
                   bins: int = 5) -> pd.DataFrame:
    """Marketing RFM values and scores per customer from a log (:func:`rfm_table` then :func:`rfm_scores`).

    Recency is time since the last purchase in ``time_unit``, frequency the number of
    purchase days, monetary the total spend up to ``observation_end``; scores run 1..bins
    (quantile groups, ties split deterministically), RECENT = HIGH R.

    Examples
    --------
    >>> from cvm_lib.datasets import cdnow
    >>> scores = rfm_log_scores(cdnow(sample=True), observation_end="1998-06-30")
    >>> scores.columns.tolist(), len(scores)
    (['recency', 'frequency', 'monetary', 'R', 'F', 'M', 'RFM', 'score'], 2357)
    """
    return rfm_scores(rfm_table(tx, observation_end=observation_end, time_unit=time_unit), bins=bins)
