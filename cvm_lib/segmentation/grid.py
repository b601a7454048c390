"""The customer value nine-grid (九宫格): two value dimensions, each cut into low /
medium / high, with a strategy per cell."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cvm_lib.labels import check_lang
from cvm_lib.segmentation._common import LEVEL_LABELS, STRATEGY_LABELS, as_numeric_series, name, names

__all__ = ["NineGridResult", "nine_grid", "DEFAULT_STRATEGIES", "LEVELS"]

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
        low < medium < high, in the chosen language), ``cell`` (``"<x level>×<y level>"``)
        and ``strategy``.
    counts : DataFrame
        3×3 customer counts; rows = y level (high at the top, as drawn), columns = x
        level (low to high).
    value_share : DataFrame
        3×3 share of total value (sums to 1).
    strategies : DataFrame
        3×3 strategy names.
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
              strategies: Mapping[tuple[str, str], str] | None = None, lang: str = "en") -> NineGridResult:
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
        "high". Strategy keys invest, develop, maintain, optimise, exit are translated;
        other text is shown as given.
    lang : {"en", "zh"}, default "en"

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
    ['high', 'low', 'Maintain']
    >>> nine_grid(x, y, cuts=((3, 6), "tertile"), lang="zh").strategies
    x        低    中    高
    y
    高    深度挖潜  深度挖潜  持续投入
    中    调整优化  稳定维持  持续投入
    低    策略退出  调整优化  稳定维持
    """
    check_lang(lang)
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

    level_names = names(LEVELS, lang, LEVEL_LABELS)
    strat_grid = np.array([[name(strat[(LEVELS[i], LEVELS[j])], lang, STRATEGY_LABELS) for i in range(3)]
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
