"""Bar figures of evaluation results: ranked, stacked, grouped and answer bars.

Generic figures in the convention of :mod:`cvm_lib.plots`: a tidy table and column
names in, text already in the report's language, ``ax=None`` (a new figure) or an Axes
to draw on, the Axes out. The CRM indicator study (:mod:`cvm_lib.studies.indicators`)
picks the tables and the labels; nothing here translates.

Examples
--------
>>> import pandas as pd
>>> t = pd.DataFrame({"unit": ["S02", "S01"], "closeness": [0.61, 0.42], "note": ["#1", "#2"]})
>>> ax = plot_ranked_bars(t, value="closeness", name="unit", annotation="note", title="TOPSIS")
>>> [label.get_text() for label in ax.get_yticklabels()], ax.get_title()
(['S02', 'S01'], 'TOPSIS')
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from cvm_lib.plots import PALETTE

__all__ = ["plot_ranked_bars", "plot_share_stack", "plot_side_by_side_bars", "plot_answer_bars"]


def _axes(ax: plt.Axes | None, figsize: tuple[float, float]) -> plt.Axes:
    if ax is not None:
        return ax
    return plt.figure(figsize=figsize).add_subplot()


def _names(table: pd.DataFrame, name: str | None) -> list[str]:
    return [str(v) for v in (table[name] if name else table.index)]


def plot_ranked_bars(table: pd.DataFrame, *, value: str, name: str | None = None, annotation: str | None = None,
                     group: str | None = None, group_labels: dict | None = None, ax: plt.Axes | None = None,
                     title: str = "", xlabel: str = "", ylabel: str = "", cmap: str = "crest") -> plt.Axes:
    """Horizontal bars of ``value`` in the table's order (first row at the top).

    ``annotation`` (a text column) is written after each bar; ``group`` colours the
    bars by a category (legend entries ``group_labels[category]``), else the bars
    shade from dark (first) to light.
    """
    names = _names(table, name)
    ax = _axes(ax, (8.5, max(3.0, 0.42 * len(table) + 1.3)))
    values = table[value].to_numpy(dtype=float)
    if group:
        groups = list(dict.fromkeys(table[group]))
        palette = dict(zip(groups, sns.color_palette("muted", len(groups)), strict=True))
        colors = [palette[g] for g in table[group]]
    else:
        colors = sns.color_palette(cmap, len(table))[::-1]
    y = np.arange(len(table))
    ax.barh(y, values, color=colors)
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    if annotation:
        for k, (v, text) in enumerate(zip(values, table[annotation], strict=True)):
            ax.text(v, k, f"  {text}", va="center", fontsize=9)
    if group:
        labels = group_labels or {}
        handles = [plt.Rectangle((0, 0), 1, 1, color=palette[g]) for g in groups]
        ax.legend(handles, [str(labels.get(g, g)) for g in groups], ncols=min(4, len(groups)), loc="upper center",
                  bbox_to_anchor=(0.5, -0.12), fontsize=9, frameon=False)
    finite = values[np.isfinite(values)]
    if len(finite) and finite.max() > 0:
        ax.set_xlim(min(0.0, float(finite.min())), 1.18 * float(finite.max()))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return ax


def plot_share_stack(table: pd.DataFrame, *, parts: Sequence[str], part_labels: Sequence[str] | None = None,
                      name: str | None = None, annotation: str | None = None, colors: Sequence | None = None,
                      separate_last: bool = False, ax: plt.Axes | None = None, title: str = "", xlabel: str = "",
                      ylabel: str = "") -> plt.Axes:
    """Horizontal stacked bars of shares (``parts``, each row summing to about 1), in the table's order.

    ``annotation`` (text) is written after each bar; ``separate_last`` draws a line above
    the last row (a pooled "all" row).
    """
    names = _names(table, name)
    ax = _axes(ax, (9.5, max(3.0, 0.42 * len(table) + 1.6)))
    colors = list(colors) if colors is not None else sns.color_palette("RdYlGn", len(parts))[::-1]
    labels = list(part_labels) if part_labels is not None else list(parts)
    y = np.arange(len(table))
    left = np.zeros(len(table))
    for column, color, text in zip(parts, colors, labels, strict=True):
        values = table[column].to_numpy(dtype=float)
        ax.barh(y, values, left=left, color=color, label=text, edgecolor="white", linewidth=0.5)
        left += values
    ax.set_yticks(y, names)
    if annotation:
        for k, text in enumerate(table[annotation]):
            ax.text(left[k], k, f"  {text}", va="center", fontsize=9)
    ax.invert_yaxis()
    if separate_last and len(table) > 1:
        ax.axhline(len(table) - 1.5, color="black", lw=0.8)
    ax.set_xlim(0, max(1.0, float(left.max())) * 1.28)
    ax.set_xticks(np.linspace(0, 1, 6))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(ncols=len(parts), loc="upper center", bbox_to_anchor=(0.45, -0.12), fontsize=9, frameon=False)
    return ax


def plot_side_by_side_bars(table: pd.DataFrame, *, values: Sequence[str], value_labels: Sequence[str] | None = None,
                      name: str | None = None, ax: plt.Axes | None = None, title: str = "",
                      xlabel: str = "") -> plt.Axes:
    """Horizontal bars of several ``values`` side by side per row (e.g. subjective, objective, combined weights)."""
    names = _names(table, name)
    ax = _axes(ax, (8, max(3.0, 0.55 * len(table) + 1.5)))
    labels = list(value_labels) if value_labels is not None else list(values)
    y = np.arange(len(table))
    height = 0.8 / max(len(values), 1)
    for k, (column, color, text) in enumerate(zip(values, sns.color_palette(PALETTE), labels, strict=False)):
        offset = (k - (len(values) - 1) / 2) * height
        ax.barh(y + offset, table[column].to_numpy(dtype=float), height=height, color=color, label=text)
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    ax.legend(ncols=len(values), loc="upper center", bbox_to_anchor=(0.5, -0.1), fontsize=9, frameon=False)
    return ax


def plot_answer_bars(table: pd.DataFrame, *, category: str, share: str, count: str | None = None,
                     highlight: str | None = None, note: str = "", ax: plt.Axes | None = None, title: str = "",
                     xlabel: str = "", ylabel: str = "") -> plt.Axes:
    """Vertical bars of the share of each answer (labelled with share and count); ``highlight``
    (a boolean column) colours some answers, ``note`` is boxed in the corner."""
    ax = _axes(ax, (8, 4.3))
    palette = sns.color_palette(PALETTE)
    marked = table[highlight].to_numpy(dtype=bool) if highlight else np.zeros(len(table), dtype=bool)
    colors = [palette[3] if m else palette[0] for m in marked]
    shares = table[share].to_numpy(dtype=float)
    ax.bar(table[category].astype(str), shares, color=colors)
    counts = table[count].to_numpy() if count else [None] * len(table)
    for x, (s, n) in enumerate(zip(shares, counts, strict=True)):
        ax.text(x, s, f"{s:.1%}" + (f"\n({int(n):,})" if n is not None else ""), ha="center", va="bottom", fontsize=9)
    if note:
        ax.text(0.98, 0.95, note, transform=ax.transAxes, ha="right", va="top", fontsize=10,
                bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": palette[3]})
    ax.set_ylim(0, max(float(np.nanmax(shares)) if len(shares) else 0.0, 0.01) * 1.3)
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return ax
