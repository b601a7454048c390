"""The customer value nine-grid (九宫格): two value dimensions, each cut into low /
medium / high, with a strategy per cell."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cvm_lib.segmentation._common import as_numeric_series

__all__ = ["NineGridResult", "nine_grid", "window_spend", "window_length", "DEFAULT_STRATEGIES", "LEVELS"]

#: Axis levels, low to high.
LEVELS: tuple[str, str, str] = ("low", "medium", "high")

#: (x level, y level) → strategy, for x = current value and y = growth / future value:
#: invest (持续投入) where both are good, develop (深度挖潜) where potential exceeds
#: current value, maintain (稳定维持) high or medium value without much growth,
#: optimise (调整优化) the middling cells, exit (策略退出) low on both.
#:
#: ============  =========  =========  =========
#: y \\ x        low        medium     high
#: ============  =========  =========  =========
#: high          develop    develop    invest
#: medium        optimise   maintain   invest
#: low           exit       optimise   maintain
#: ============  =========  =========  =========
DEFAULT_STRATEGIES: dict[tuple[str, str], str] = {
    ("low", "high"): "develop", ("medium", "high"): "develop", ("high", "high"): "invest",
    ("low", "medium"): "optimise", ("medium", "medium"): "maintain", ("high", "medium"): "invest",
    ("low", "low"): "exit", ("medium", "low"): "optimise", ("high", "low"): "maintain",
}


@dataclass(frozen=True, eq=False)
class NineGridResult:
    """Output of :func:`nine_grid`.

    Attributes
    ----------
    cells : DataFrame
        Per customer: ``x``, ``y``, ``value``, ``x_level``, ``y_level`` (categorical,
        low < medium < high), ``cell`` (``"<x level>×<y level>"``)
        and ``strategy``.
    counts : DataFrame
        3×3 customer counts; rows = y level (high at the top, as drawn), columns = x
        level (low to high).
    value_share : DataFrame
        3×3 share of total value (sums to 1).
    strategies : DataFrame
        3×3 strategies (stable ids such as ``"invest"``, or the names given in ``strategies``).
    table : DataFrame
        The nine cells in long form: ``x_level``, ``y_level``, ``customers``,
        ``customer_share``, ``value``, ``value_share``, ``strategy``.
    cuts : dict
        ``{"x": (t1, t2), "y": (t1, t2)}``, the thresholds used.
    """

    cells: pd.DataFrame
    counts: pd.DataFrame
    value_share: pd.DataFrame
    strategies: pd.DataFrame
    table: pd.DataFrame
    cuts: dict[str, tuple[float, float]]

    def __repr__(self) -> str:
        return f"NineGridResult(customers={len(self.cells)}, cuts={self.cuts})"

    @property
    def summary(self) -> pd.DataFrame:
        """The nine cells in long form (:attr:`table`)."""
        return self.table

    def _repr_html_(self) -> str:
        return self.summary.to_html(index=False)


def _cut_values(spec: Any, v: np.ndarray, axis: str) -> tuple[float, float]:
    if isinstance(spec, str):
        if spec != "tertile":
            raise ValueError(f"cuts for {axis} = {spec!r}; use 'tertile' or two thresholds (t1, t2)")
        t1, t2 = np.quantile(v, [1 / 3, 2 / 3])
        return float(t1), float(t2)
    try:
        t1, t2 = (float(t) for t in spec)
    except (TypeError, ValueError):
        raise ValueError(f"cuts for {axis} = {spec!r}; use 'tertile' or two thresholds (t1, t2)") from None
    if not (np.isfinite(t1) and np.isfinite(t2) and t1 <= t2):
        raise ValueError(f"cuts for {axis} = {spec!r}; expected two finite thresholds with t1 <= t2")
    return t1, t2


def _check_strategies(strategies: Mapping[tuple[str, str], str]) -> dict[tuple[str, str], str]:
    if not isinstance(strategies, Mapping):
        raise ValueError("strategies: expected a mapping {(x_level, y_level): strategy} over the 9 cells")
    cells = {(a, b) for a in LEVELS for b in LEVELS}
    keys = set(strategies)
    if keys != cells:
        raise ValueError(f"strategies: expected exactly the 9 cells (x_level, y_level) with levels {LEVELS}; "
                         f"missing {sorted(cells - keys)}, unknown {sorted(keys - cells, key=str)}")
    return dict(strategies)


def nine_grid(x: pd.Series, y: pd.Series, *, value: pd.Series | None = None, cuts: Any = "tertile",
              strategies: Mapping[tuple[str, str], str] | None = None) -> NineGridResult:
    """Place customers on a 3×3 grid of two value dimensions.

    Default reading: ``x`` = current value (e.g. last year's spend or profit), ``y`` =
    growth or predicted future value (e.g. CLV from :mod:`cvm_lib.clv`). Bank style:
    ``x`` = revenue, ``y`` = risk-adjusted return (RAROC). Each axis is cut at two
    thresholds ``t1 <= t2``: low ``v <= t1``, medium ``t1 < v <= t2``, high ``v > t2``
    (right-closed, like :func:`pandas.cut`; a tie at a tertile stays with the lower
    level).

    Parameters
    ----------
    x, y : Series
        The two dimensions, indexed by customer (same customers; ``y`` is aligned to
        ``x``). Arrays of equal length are accepted too.
    value : Series, optional
        Value whose share is reported per cell (default ``x``); its total must be > 0.
    cuts : "tertile", (t1, t2), or mapping, default "tertile"
        ``"tertile"``: the 1/3 and 2/3 quantiles of each axis (linear interpolation).
        A pair ``(x_cuts, y_cuts)`` or a mapping ``{"x": ..., "y": ...}`` whose items are
        ``"tertile"`` or two thresholds, per axis.
    strategies : mapping, default DEFAULT_STRATEGIES
        ``{(x_level, y_level): strategy}`` for all 9 cells, levels "low", "medium",
        "high". The default strategies are stable ids (invest, develop, maintain,
        optimise, exit), translated when shown; other text is kept as given.

    Returns
    -------
    NineGridResult

    Examples
    --------
    >>> x = pd.Series([1.0, 2, 3, 4, 5, 6, 7, 8, 9], index=list("abcdefghi"))
    >>> y = pd.Series([9.0, 5, 1, 8, 4, 3, 7, 6, 2], index=x.index)
    >>> g = nine_grid(x, y)
    >>> g.counts
    x        low  medium  high
    y
    high       1       1     1
    medium     1       1     1
    low        1       1     1
    >>> g.value_share.round(3)
    x         low  medium   high
    y
    high    0.022   0.089  0.156
    medium  0.044   0.111  0.178
    low     0.067   0.133  0.200
    >>> g.cells.loc["i", ["x_level", "y_level", "strategy"]].tolist()
    ['high', 'low', 'maintain']
    >>> nine_grid(x, y, cuts=((3, 6), "tertile")).strategies
    x            low    medium      high
    y
    high     develop   develop    invest
    medium  optimise  maintain    invest
    low         exit  optimise  maintain
    """
    xs = as_numeric_series(x, "nine_grid x")
    ys = as_numeric_series(y, "nine_grid y")
    if len(ys) != len(xs):
        raise ValueError(f"nine_grid: x has {len(xs)} customers and y {len(ys)}; expected the same customers")
    if isinstance(x, pd.Series) and isinstance(y, pd.Series) and not ys.index.equals(xs.index):
        if not xs.index.is_unique or set(ys.index) != set(xs.index):
            raise ValueError("nine_grid: x and y must be indexed by the same (unique) customers")
        ys = ys.reindex(xs.index)
    elif not isinstance(y, pd.Series):
        ys.index = xs.index
    if value is None:
        vs = xs
    else:
        vs = as_numeric_series(value, "nine_grid value")
        if isinstance(value, pd.Series) and not vs.index.equals(xs.index):
            if set(vs.index) != set(xs.index) or len(vs) != len(xs):
                raise ValueError("nine_grid: value must be indexed by the same customers as x")
            vs = vs.reindex(xs.index)
        elif len(vs) != len(xs):
            raise ValueError(f"nine_grid: value has {len(vs)} entries for {len(xs)} customers")
        else:
            vs.index = xs.index
    total = float(vs.sum())
    if not total > 0:
        raise ValueError("nine_grid: the value total must be positive to compute value shares")

    if isinstance(cuts, str):
        spec = {"x": cuts, "y": cuts}
    elif isinstance(cuts, Mapping):
        unknown = set(cuts) - {"x", "y"}
        if unknown:
            raise ValueError(f"cuts has unknown key(s) {sorted(unknown)}; use 'x' and 'y'")
        spec = {"x": cuts.get("x", "tertile"), "y": cuts.get("y", "tertile")}
    else:
        try:
            cx, cy = cuts
        except (TypeError, ValueError):
            raise ValueError(f"cuts={cuts!r}; use 'tertile', (x_cuts, y_cuts) or {{'x': ..., 'y': ...}}") from None
        spec = {"x": cx, "y": cy}
    xv, yv, vv = xs.to_numpy(), ys.to_numpy(), vs.to_numpy()
    cut = {"x": _cut_values(spec["x"], xv, "x"), "y": _cut_values(spec["y"], yv, "y")}
    xl = np.searchsorted(np.asarray(cut["x"]), xv, side="left")  # 0 low, 1 medium, 2 high
    yl = np.searchsorted(np.asarray(cut["y"]), yv, side="left")
    strat = _check_strategies(DEFAULT_STRATEGIES if strategies is None else strategies)

    level_names = list(LEVELS)
    strat_grid = np.array([[strat[(LEVELS[i], LEVELS[j])] for i in range(3)]
                           for j in range(3)], dtype=object)  # [y level, x level]
    counts = np.zeros((3, 3), dtype=np.int64)
    np.add.at(counts, (yl, xl), 1)
    values = np.zeros((3, 3))
    np.add.at(values, (yl, xl), vv)
    rows = pd.Index(level_names[::-1], name="y")
    cols = pd.Index(level_names, name="x")

    def grid(a: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(a[::-1], index=rows, columns=cols)

    level_dtype = pd.CategoricalDtype(level_names, ordered=True)
    cells = pd.DataFrame({
        "x": xv, "y": yv, "value": vv,
        "x_level": pd.Categorical.from_codes(xl, dtype=level_dtype),
        "y_level": pd.Categorical.from_codes(yl, dtype=level_dtype),
    }, index=xs.index)
    cell_names = np.array([[f"{level_names[i]}×{level_names[j]}" for j in range(3)] for i in range(3)])
    cells["cell"] = pd.array(cell_names[xl, yl], dtype="str")
    cells["strategy"] = pd.array(strat_grid[yl, xl].astype(str), dtype="str")
    jj, ii = np.meshgrid(range(3), range(3), indexing="ij")  # jj = y level, ii = x level
    table = pd.DataFrame({
        "x_level": pd.Categorical.from_codes(ii.ravel(), dtype=level_dtype),
        "y_level": pd.Categorical.from_codes(jj.ravel(), dtype=level_dtype),
        "customers": counts.ravel(), "customer_share": counts.ravel() / len(xv),
        "value": values.ravel(), "value_share": values.ravel() / total,
        "strategy": pd.array(strat_grid.ravel().astype(str), dtype="str"),
    })
    return NineGridResult(cells=cells, counts=grid(counts), value_share=grid(values / total),
                          strategies=grid(strat_grid), table=table, cuts=cut)


# --------------------------------------------------------------------------- window spend

_WINDOW = re.compile(r"^\s*(\d+)\s*([DWMY])\s*$")


def window_length(window: str) -> tuple[pd.DateOffset, int, str]:
    """A window length such as ``"6M"`` as (offset, count, unit letter D/W/M/Y).

    >>> window_length("26W")[1:]
    (26, 'W')
    """
    match = _WINDOW.match(str(window)) if isinstance(window, str) else None
    if match is None or int(match.group(1)) < 1:
        raise ValueError(f"window={window!r}; expected a length such as '6M' (months), '26W' (weeks), "
                         "'182D' (days) or '1Y' (years)")
    n, unit = int(match.group(1)), match.group(2)
    offset = {"D": pd.DateOffset(days=n), "W": pd.DateOffset(weeks=n), "M": pd.DateOffset(months=n),
              "Y": pd.DateOffset(years=n)}[unit]
    return offset, n, unit


def _day_number(stamp: pd.Timestamp) -> int:
    return int(np.datetime64(stamp.date(), "D").astype(np.int64))


def window_spend(tx: pd.DataFrame, *, window: str = "6M", observation_end: Any = None) -> pd.DataFrame:
    """Spend per customer in the current window and the one before it.

    The current window is the ``window`` ending on ``observation_end`` (inclusive), the
    previous window the same length just before it. Windows are calendar lengths counted
    back from the day after the end: ``"6M"`` ending on 30 June is 1 January to 30 June,
    the previous window 1 July to 31 December.

    Returns
    -------
    DataFrame
        Index ``customer_id`` (every customer with a purchase up to the end, sorted);
        ``current``, ``previous`` and ``growth`` = current − previous. ``attrs`` hold the
        window bounds (first and last day of each, as ISO dates).

    Raises
    ------
    ValueError
        When the log starts after the previous window begins (less history than two
        windows): growth would compare a full window with a partial one.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b", "c"],
    ...                    "date": pd.to_datetime(["2024-01-05", "2024-03-01", "2024-02-10", "2024-03-31"]),
    ...                    "amount": [10.0, 30.0, 20.0, 5.0]})
    >>> window_spend(tx, window="1M", observation_end="2024-03-31")
                 current  previous  growth
    customer_id
    a               30.0       0.0    30.0
    b                0.0      20.0   -20.0
    c                5.0       0.0     5.0
    """
    from cvm_lib.summary import encode_log

    offset, _, _ = window_length(window)
    log = encode_log(tx, observation_end=observation_end)
    end = pd.Timestamp(np.datetime64(log.end_day, "D"))
    day = pd.Timedelta(days=1)
    current_start = end + day - offset  # first day of the current window
    previous_start = current_start - offset
    s1, s0 = _day_number(current_start), _day_number(previous_start)
    first = int(log.days.min())
    if first > s0:
        raise ValueError(f"window={window!r} needs history from {previous_start.date()} (two windows up to "
                         f"{end.date()}), but the log starts on {pd.Timestamp(np.datetime64(first, 'D')).date()}; "
                         "use a shorter window")
    k = log.n_customers
    in_current = log.days >= s1
    in_previous = (log.days >= s0) & ~in_current
    current = np.bincount(log.codes, weights=np.where(in_current, log.amount, 0.0), minlength=k)
    previous = np.bincount(log.codes, weights=np.where(in_previous, log.amount, 0.0), minlength=k)
    out = pd.DataFrame({"current": current, "previous": previous, "growth": current - previous}, index=log.ids)
    out.attrs.update(current=(str(current_start.date()), str(end.date())),
                     previous=(str(previous_start.date()), str((current_start - day).date())), window=window)
    return out
