"""Generic figures of the value-chain domain: tidy table + column names + text in, ``ax=None``, the Axes out.

Nothing here translates or knows a study: the text (titles, axis labels, legend entries
as column names) comes in already in the report's language; the value-chain study
(:mod:`cvm_lib.studies.value_chain`) picks it from the label catalogue.

* :func:`plot_observed_vs_model`: one group of bars per row, one bar per column (a histogram
  of actual against model counts).
* :func:`plot_loglog_scatter`: two positive quantities per point on log axes, with the diagonal.
* :func:`plot_whale`: a whale curve (cumulative profit against the share of customers) and its peak.
* :func:`plot_stacked_totals`: horizontal stacked bars of parts per group, with the total and a count.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from cvm_lib.plots import PALETTE, sample_points, thin_curve

__all__ = ["plot_observed_vs_model", "plot_loglog_scatter", "plot_whale", "plot_stacked_totals"]


def _axes(ax: plt.Axes | None, figsize: tuple[float, float]) -> plt.Axes:
    return ax if ax is not None else plt.figure(figsize=figsize).add_subplot()


def plot_observed_vs_model(table: pd.DataFrame, *, x: str, columns: Sequence[str], ax: plt.Axes | None = None,
                      title: str = "", xlabel: str = "", ylabel: str = "") -> plt.Axes:
    """Grouped bars: a group per row of ``table`` (labelled by column ``x``), a bar per column in ``columns``.

    The first column is drawn grey (the observed series), the others in the palette;
    the legend shows the column names.

    >>> t = pd.DataFrame({"k": ["0", "1"], "Actual": [5, 3], "Model": [4.6, 3.2]})
    >>> ax = plot_observed_vs_model(t, x="k", columns=["Actual", "Model"], title="h")
    >>> ax.get_title(), len(ax.patches)
    ('h', 4)
    """
    ax = _axes(ax, (9, 4.5))
    n = len(columns)
    width = 0.8 / max(n, 1)
    positions = np.arange(len(table))
    colors = ["dimgray", *sns.color_palette(PALETTE)[1:]]
    for i, (column, color) in enumerate(zip(columns, colors, strict=False)):
        ax.bar(positions + (i - (n - 1) / 2) * width, table[column].to_numpy(dtype=float), width=width, color=color,
               label=str(column))
    ax.set_xticks(positions, [str(v) for v in table[x]])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend()
    return ax


def plot_loglog_scatter(table: pd.DataFrame, *, x: str, y: str, floor: float = 0.01, ax: plt.Axes | None = None,
                        title: str = "", xlabel: str = "", ylabel: str = "") -> plt.Axes:
    """Scatter of ``y`` against ``x`` on log axes with the diagonal; values below ``floor`` drawn at ``floor``.

    At most :data:`cvm_lib.plots.MAX_SCATTER_POINTS` points are drawn (a seeded sample).

    >>> ax = plot_loglog_scatter(pd.DataFrame({"a": [0.0, 1.0, 10.0], "b": [2.0, 1.0, 5.0]}), x="a", y="b")
    >>> ax.get_xscale(), ax.get_yscale()
    ('log', 'log')
    """
    points = sample_points(table)
    ax = _axes(ax, (6, 5.5))
    xs, ys = points[x].clip(lower=floor), points[y].clip(lower=floor)
    ax.scatter(xs, ys, s=6, alpha=0.3, color=sns.color_palette(PALETTE)[0])
    top = float(max(xs.max(), ys.max(), floor * 10))
    ax.plot([floor, top], [floor, top], color="grey", ls="--", lw=1)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    return ax


def plot_whale(curve: pd.DataFrame, *, x: str, y: str, peak: tuple[float, float], annotation: str = "",
               ax: plt.Axes | None = None, title: str = "", xlabel: str = "", ylabel: str = "") -> plt.Axes:
    """Whale curve: ``y`` (cumulative profit, % of total) against ``x`` (share of customers, 0–1).

    ``peak`` = (x, y) of the peak, marked and annotated with ``annotation``; the 100% line is dashed.

    >>> c = pd.DataFrame({"s": [0, 0.5, 1.0], "p": [0.0, 120.0, 100.0]})
    >>> ax = plot_whale(c, x="s", y="p", peak=(0.5, 120.0), annotation="peak")
    >>> [t.get_text() for t in ax.texts]
    ['peak']
    """
    drawn = thin_curve(curve)
    ax = _axes(ax, (7, 4.8))
    ax.plot(drawn[x], drawn[y], color=sns.color_palette(PALETTE)[0], lw=2)
    ax.axhline(100, color="grey", ls="--", lw=1)
    ax.scatter([peak[0]], [peak[1]], color=sns.color_palette(PALETTE)[3], zorder=3)
    if annotation:
        ax.annotate(annotation, peak, textcoords="offset points", xytext=(-10, -40), ha="right",
                    arrowprops={"arrowstyle": "->", "color": "grey"})
    ax.set_xlim(0, 1)
    ax.set_ylim(min(0.0, float(curve[y].min())), max(105.0, peak[1] * 1.05))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return ax


def plot_stacked_totals(table: pd.DataFrame, *, group: str, parts: Sequence[str], count: str | None = None,
                      ax: plt.Axes | None = None, title: str = "", xlabel: str = "") -> plt.Axes:
    """Horizontal stacked bars: a bar per row (labelled by ``group``), a segment per column in ``parts``.

    The total is written at the end of each bar, with ``n=`` the column ``count`` when given;
    the legend shows the part names.

    >>> t = pd.DataFrame({"g": ["a", "b"], "x": [1.0, 2.0], "y": [3.0, 0.5], "n": [10, 20]})
    >>> ax = plot_stacked_totals(t, group="g", parts=["x", "y"], count="n")
    >>> [t.get_text().strip() for t in ax.texts]
    ['4.0  (n=10)', '2.5  (n=20)']
    """
    ax = _axes(ax, (9, max(3.5, 0.5 * len(table) + 1.5)))
    names = [str(v) for v in table[group]]
    left = np.zeros(len(table))
    for part, color in zip(parts, sns.color_palette(PALETTE), strict=False):
        values = table[part].to_numpy(dtype=float)
        ax.barh(names, values, left=left, color=color, label=str(part))
        left += values
    counts = table[count].to_numpy() if count else [None] * len(table)
    for y, (total, n) in enumerate(zip(left, counts, strict=True)):
        ax.text(total, y, f"  {total:,.1f}" + (f"  (n={int(n):,})" if n is not None else ""), va="center", fontsize=8)
    ax.margins(x=0.2)
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    ax.legend(loc="lower right")
    return ax
