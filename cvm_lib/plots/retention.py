"""Generic figures the retention study needs beyond :mod:`cvm_lib.plots`.

Each takes a tidy table, the names of its columns and text already translated,
draws on ``ax`` (a new figure when None) and returns the Axes; none knows a language
or a study (the retention study's figures, which choose the labels, live in
:mod:`cvm_lib.studies.retention`).

=============================  ==============================================================
:func:`plot_fit_vs_actual`     a fitted / projected line against actual markers, the part
                               after ``split`` shaded (a calibration/holdout projection)
:func:`plot_framed_heatmap`    an annotated heatmap with chosen cells framed, colours clipped
:func:`plot_curve_with_points` a curve with a few marked scenario points
:func:`plot_roc`               ROC curves per group with the chance line
:func:`plot_calibration`       predicted against observed rates per group with the diagonal
:func:`plot_bars_with_errors`      horizontal bars per category and group with error bars
=============================  ==============================================================
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from cvm_lib.plots import PALETTE, plot_heatmap

__all__ = ["plot_fit_vs_actual", "plot_framed_heatmap", "plot_curve_with_points", "plot_roc", "plot_calibration",
           "plot_bars_with_errors"]


def _axes(ax: plt.Axes | None, figsize: tuple[float, float]) -> plt.Axes:
    if ax is not None:
        return ax
    return plt.figure(figsize=figsize).add_subplot()


def plot_fit_vs_actual(table: pd.DataFrame, *, x: str, fitted: str, actual: str, split: float | None = None,
                       ax: plt.Axes | None = None, fitted_label: str = "", actual_label: str = "",
                       before_label: str = "", after_label: str = "", title: str = "", xlabel: str = "",
                       ylabel: str = "", legend_loc: str = "upper right") -> plt.Axes:
    """The ``fitted`` column as a line and ``actual`` as markers against ``x``; the range after
    ``split`` shaded, with ``before_label`` / ``after_label`` written over the two parts.

    >>> t = pd.DataFrame({"year": [0, 1, 2, 3], "model": [1.0, 0.8, 0.7, 0.6], "seen": [1.0, 0.82, 0.69, 0.58]})
    >>> ax = plot_fit_vs_actual(t, x="year", fitted="model", actual="seen", split=1.5, fitted_label="sBG",
    ...                         actual_label="actual", title="t")
    >>> ax.get_title(), [t.get_text() for t in ax.get_legend().get_texts()]
    ('t', ['sBG', 'actual'])
    """
    ax = _axes(ax, (8, 4.5))
    colors = sns.color_palette(PALETTE)
    xs = table[x].to_numpy(dtype=float)
    left, right = float(xs.min()) - 0.5, float(xs.max()) + 0.5
    ax.plot(xs, table[fitted], color=colors[0], lw=2, label=fitted_label or None)
    ax.plot(xs, table[actual], "o", color=colors[3], label=actual_label or None)
    if split is not None:
        ax.axvspan(split, right, color="grey", alpha=0.12, lw=0)
        top = 0.97
        if before_label:
            ax.text((left + split) / 2, top, before_label, ha="center", va="top", color="dimgrey",
                    transform=ax.get_xaxis_transform())
        if after_label:
            ax.text((split + right) / 2, top, after_label, ha="center", va="top", color="dimgrey",
                    transform=ax.get_xaxis_transform())
    ax.set_xlim(left, right)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if fitted_label or actual_label:
        ax.legend(loc=legend_loc, bbox_to_anchor=(1.0, 0.88) if legend_loc == "upper right" else None)
    return ax


def plot_framed_heatmap(values: pd.DataFrame, *, frame: pd.DataFrame | None = None, clip: float | None = None,
                        fmt: str = "{:.0f}", ax: plt.Axes | None = None, title: str = "", xlabel: str = "",
                        ylabel: str = "", cmap: str = "YlGn") -> plt.Axes:
    """Heatmap of ``values`` annotated with ``fmt`` (missing cells blank), the cells where
    ``frame`` is True framed, colours saturating at ``clip`` (numbers still exact).

    >>> v = pd.DataFrame([[10.0, 40.0], [np.nan, 200.0]], index=["a", "b"], columns=["x", "y"])
    >>> ax = plot_framed_heatmap(v, frame=(v >= 25) & (v <= 95), clip=100)
    >>> len(ax.patches), sorted(t.get_text() for t in ax.texts if t.get_text())
    (1, ['10', '200', '40'])
    """
    annotations = values.map(lambda v: "" if not np.isfinite(v) else fmt.format(v))
    shown = values.clip(upper=clip) if clip is not None else values
    ax = plot_heatmap(shown, ax=ax, title=title, xlabel=xlabel, ylabel=ylabel, cmap=cmap, annotations=annotations)
    if frame is not None:
        inside = frame.reindex(index=values.index, columns=values.columns).fillna(False).to_numpy(dtype=bool)
        for i in range(values.shape[0]):
            for j in range(values.shape[1]):
                if inside[i, j]:
                    ax.add_patch(plt.Rectangle((j + 0.04, i + 0.06), 0.92, 0.88, fill=False, lw=1.8, ec="#c0392b"))
    plt.setp(ax.get_xticklabels(), rotation=0)
    ax.grid(False)
    return ax


def plot_curve_with_points(curve: pd.DataFrame, points: pd.DataFrame, *, x: str, y: str,
                           point_labels: Sequence[str] = (), ax: plt.Axes | None = None, title: str = "",
                           xlabel: str = "", ylabel: str = "") -> plt.Axes:
    """A curve (``curve[x]``, ``curve[y]``) with each row of ``points`` marked and named in the legend.

    >>> c = pd.DataFrame({"r": [10, 50, 90], "v": [1.0, 2.0, 5.0]})
    >>> p = pd.DataFrame({"r": [50, 55], "v": [2.0, 2.3]})
    >>> ax = plot_curve_with_points(c, p, x="r", y="v", point_labels=["firm", "+5"])
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['firm', '+5']
    """
    ax = _axes(ax, (6, 4.4))
    colors = sns.color_palette(PALETTE)
    ax.plot(curve[x], curve[y], color=colors[0], lw=2)
    markers = ["o", "s", "^", "D"]
    for k, (px, py) in enumerate(zip(points[x], points[y], strict=True)):
        name = point_labels[k] if k < len(point_labels) else None
        ax.plot([px], [py], markers[k % len(markers)], color=colors[(3, 2, 1, 4)[k % 4]], ms=8, label=name)
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if len(point_labels):
        ax.legend(loc="upper left")
    return ax


def plot_roc(table: pd.DataFrame, *, fpr: str = "fpr", tpr: str = "tpr", group: str | None = "model",
             ax: plt.Axes | None = None, title: str = "", xlabel: str = "", ylabel: str = "") -> plt.Axes:
    """ROC curves (one per ``group``, in the order of first appearance) with the chance diagonal.

    >>> t = pd.DataFrame({"model": ["a"] * 3, "fpr": [0, 0.5, 1], "tpr": [0, 0.8, 1]})
    >>> [l.get_label() for l in plot_roc(t).get_lines()][:1]
    ['a']
    """
    ax = _axes(ax, (5.5, 4.4))
    parts = table.groupby(group, sort=False) if group else [("", table)]
    for (name, part), color in zip(parts, sns.color_palette(PALETTE), strict=False):
        ax.plot(part[fpr], part[tpr], color=color, lw=2, label=str(name) or None)
    ax.plot([0, 1], [0, 1], ls="--", color="grey", lw=1)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.01)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if group:
        ax.legend(loc="lower right")
    return ax


def plot_calibration(table: pd.DataFrame, *, predicted: str = "mean_predicted", observed: str = "observed_rate",
                     group: str | None = "model", ax: plt.Axes | None = None, title: str = "", xlabel: str = "",
                     ylabel: str = "") -> plt.Axes:
    """Observed against mean predicted rate per bin and group, with the diagonal of perfect calibration.

    >>> t = pd.DataFrame({"model": ["a", "a"], "mean_predicted": [0.2, 0.7], "observed_rate": [0.25, 0.6]})
    >>> plot_calibration(t, title="c").get_title()
    'c'
    """
    ax = _axes(ax, (5.5, 4.4))
    parts = table.groupby(group, sort=False) if group else [("", table)]
    for (name, part), color in zip(parts, sns.color_palette(PALETTE), strict=False):
        ax.plot(part[predicted], part[observed], "o-", color=color, label=str(name) or None)
    ax.plot([0, 1], [0, 1], ls="--", color="grey", lw=1)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if group:
        ax.legend(loc="upper left")
    return ax


def plot_bars_with_errors(table: pd.DataFrame, *, category: str, value: str, error: str | None = None,
                      group: str | None = None, ax: plt.Axes | None = None, title: str = "",
                      xlabel: str = "") -> plt.Axes:
    """Horizontal bars of ``value`` per ``category`` (top to bottom in the order of the
    categories: a categorical's order, else first appearance), one bar per ``group``, with
    ``error`` bars (± the column).

    >>> t = pd.DataFrame({"f": ["x", "y", "x", "y"], "m": ["a", "a", "b", "b"], "v": [0.3, 0.1, 0.2, 0.05],
    ...                   "s": [0.01, 0.02, 0.01, 0.0]})
    >>> ax = plot_bars_with_errors(t, category="f", value="v", error="s", group="m")
    >>> [t.get_text() for t in ax.get_yticklabels()], len(ax.patches)
    (['x', 'y'], 4)
    """
    series = table[category]
    categories = list(series.cat.categories) if isinstance(series.dtype, pd.CategoricalDtype) else \
        list(dict.fromkeys(series))
    categories = [c for c in categories if c in set(series)]
    groups = list(dict.fromkeys(table[group])) if group else [None]
    ax = _axes(ax, (9, max(3.2, 0.42 * len(categories) * len(groups) / 1.6 + 1.2)))
    height = 0.8 / len(groups)
    y = np.arange(len(categories))
    for k, (name, color) in enumerate(zip(groups, sns.color_palette(PALETTE), strict=False)):
        part = table if name is None else table[table[group] == name]
        part = part.set_index(category)
        part = part[~part.index.duplicated()].reindex(categories)
        ax.barh(y + (k - (len(groups) - 1) / 2) * height, part[value], height=height,
                xerr=None if error is None else part[error], color=color,
                label=None if name is None else str(name), capsize=2)
    ax.set_yticks(y, [str(c) for c in categories])
    ax.invert_yaxis()
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    if group:
        ax.legend(loc="lower right")
    return ax
