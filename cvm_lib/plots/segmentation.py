"""Segmentation figures over tidy tables: column names and text in, the Axes (or Figure) out.

Generic in the sense of :mod:`cvm_lib.plots`: they know no study and no language; the
text (titles, axis labels, legend entries, cell names) is passed in already in the
report's language (the segmentation study picks it from :mod:`cvm_lib.labels`, see
:mod:`cvm_lib.studies.segmentation`). ``ax=None`` draws a new figure. Call
:func:`cvm_lib.plots.set_theme` first.

=============================  ===========================================================
function                       figure
=============================  ===========================================================
:func:`plot_rf_heatmap`        mean value per R×F cell (long table), customers per cell below
:func:`plot_concentration`     Lorenz curve with the Pareto point and class boundaries
:func:`plot_k_selection`       clustering scores against k, the chosen k marked (two panels)
:func:`plot_profile_heatmap`   per-group standardised means (colour) with means in units
:func:`plot_nine_grid`         3×3 grid: cell text, customers (share) and value share
:func:`plot_paired_shares`     two shares per group side by side (customers and value)
:func:`plot_transition_matrix` row shares of a transition matrix with the counts
:func:`plot_tier_turnover`     a group's size, entries and exits period by period
=============================  ===========================================================
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.ticker import PercentFormatter

from cvm_lib.plots import PALETTE, _axes, plot_heatmap, plot_lorenz

__all__ = ["plot_rf_heatmap", "plot_concentration", "plot_k_selection", "plot_profile_heatmap", "plot_nine_grid",
           "plot_paired_shares", "plot_transition_matrix", "plot_tier_turnover"]


def _need(table: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(f"{what}: the table has no column(s) {missing}; it has {list(table.columns)}")


def plot_rf_heatmap(table: pd.DataFrame, *, r: str = "R", f: str = "F", value: str = "monetary_mean",
                    count: str = "customers", ax: plt.Axes | None = None, title: str = "", xlabel: str = "",
                    ylabel: str = "", fmt: str = ",.0f") -> plt.Axes:
    """Mean value per R×F cell (colour and number) with the customers per cell below.

    ``table`` is long: one row per cell with the score columns ``r`` and ``f``. High
    ``r`` rows at the top, high ``f`` columns to the right; empty cells grey, "n=0".

    >>> t = pd.DataFrame({"R": [2, 2, 1, 1], "F": [1, 2, 1, 2], "customers": [3, 1, 0, 2],
    ...                   "monetary_mean": [10.0, 50.0, float("nan"), 20.0]})
    >>> plot_rf_heatmap(t, title="RF").get_title()
    'RF'
    """
    _need(table, [r, f, value, count], "plot_rf_heatmap")
    means = table.pivot(index=r, columns=f, values=value).sort_index(ascending=False)
    counts = table.pivot(index=r, columns=f, values=count).reindex(index=means.index, columns=means.columns)
    text = np.empty(means.shape, dtype=object)
    for i in range(means.shape[0]):
        for j in range(means.shape[1]):
            c = int(counts.iat[i, j])
            text[i, j] = f"{means.iat[i, j]:{fmt}}\nn={c:,}" if c > 0 else ""
    if ax is None:
        _, ax = plt.subplots(figsize=(max(7.5, 1.25 * means.shape[1] + 2.5), max(4.5, 0.8 * means.shape[0] + 1.5)))
    plot_heatmap(means, ax=ax, title=title, xlabel=xlabel, ylabel=ylabel, cmap="YlGnBu",
                 annotations=pd.DataFrame(text, index=means.index, columns=means.columns))
    ax.grid(False)
    ax.set_facecolor("#efefef")  # empty cells
    for i in range(means.shape[0]):
        for j in range(means.shape[1]):
            if int(counts.iat[i, j]) == 0:
                ax.text(j + 0.5, i + 0.5, "n=0", ha="center", va="center", fontsize=9, color="grey")
    return ax


def plot_concentration(curve: pd.DataFrame, *, top_customer_share: float, top_value_share: float,
                       class_customer_shares: Sequence[float] = (), class_names: Sequence[str] = (),
                       x: str = "customer_share", y: str = "value_share", ax: plt.Axes | None = None,
                       title: str = "", xlabel: str = "", ylabel: str = "", point_label: str = "") -> plt.Axes:
    """Lorenz curve (customers from the least valuable up) with the Pareto point and class boundaries.

    The top ``top_customer_share`` bringing ``top_value_share`` is the point ``(1 − x, 1 − y)``;
    classes (best first, customer shares ``class_customer_shares``) are bounded at ``1 −``
    their cumulative share, named by ``class_names``.

    >>> c = pd.DataFrame({"customer_share": [0, 0.5, 1], "value_share": [0, 0.2, 1]})
    >>> ax = plot_concentration(c, top_customer_share=0.5, top_value_share=0.8, class_customer_shares=[0.5, 0.5],
    ...                         class_names=["A", "B"], title="L")
    >>> ax.get_title(), [t.get_text() for t in ax.texts]
    ('L', ['A', 'B'])
    """
    ax = plot_lorenz(curve, x=x, y=y, ax=ax, title=title, xlabel=xlabel, ylabel=ylabel)
    px, py = 1 - top_customer_share, 1 - top_value_share
    ax.plot([px], [py], "o", color=sns.color_palette(PALETTE)[3], zorder=5)
    if point_label:
        ax.annotate(point_label, xy=(px, py), xytext=(-12, 28), textcoords="offset points", ha="right", fontsize=9,
                    arrowprops={"arrowstyle": "-", "color": "grey", "lw": 0.8})
    cum = np.cumsum(np.asarray(class_customer_shares, dtype=np.float64))
    edges = np.concatenate(([1.0], 1 - cum))  # from the right (best class) to the left
    for i, name in enumerate(class_names):
        right, left = edges[i], edges[i + 1]
        if i < len(class_names) - 1:
            ax.axvline(left, color="grey", ls=":", lw=0.9)
        if right - left > 0.04:
            ax.text((left + right) / 2, 0.96, str(name), ha="center", va="top", fontsize=12, color="dimgrey")
    return ax


def plot_k_selection(table: pd.DataFrame, *, k: str = "k", left: str = "silhouette", right: Sequence[str] = ("inertia",),
                     chosen: str = "chosen", labels: Mapping[str, str] | None = None, xlabel: str = "k",
                     title: str = "", chosen_text: str = "") -> plt.Figure:
    """Scores of the k tried: ``left`` (e.g. silhouette) on one panel, ``right`` (inertia or
    BIC/AIC) on the other, the chosen k (flag column ``chosen``) marked. ``labels`` maps
    column names to the text shown.

    >>> t = pd.DataFrame({"k": [2, 3], "silhouette": [0.5, 0.6], "inertia": [9.0, 5.0], "chosen": [False, True]})
    >>> len(plot_k_selection(t, title="k").axes)
    2
    """
    right = [c for c in right if c in table.columns]
    _need(table, [k, left, chosen, *right], "plot_k_selection")
    labels = dict(labels or {})
    ks = table[k].to_numpy()
    picked = ks[table[chosen].to_numpy(dtype=bool)]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    colors = sns.color_palette(PALETTE)
    axes[0].plot(ks, table[left], marker="o", color=colors[0])
    axes[0].set_ylabel(labels.get(left, left))
    for column, color in zip(right, colors[1:], strict=False):
        axes[1].plot(ks, table[column], marker="o", color=color, label=labels.get(column, column))
    axes[1].set_ylabel(" / ".join(labels.get(c, c) for c in right))
    if len(right) > 1:
        axes[1].legend()
    for ax in axes:
        ax.set_xlabel(xlabel)
        ax.set_xticks(ks)
        for value in picked:
            ax.axvline(value, color="grey", ls="--", lw=1)
    if len(picked) and chosen_text:
        axes[0].text(picked[0], axes[0].get_ylim()[1], " " + chosen_text, va="top", ha="left", fontsize=9,
                     color="dimgrey")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_profile_heatmap(means: pd.DataFrame, z: pd.DataFrame, *, better: Sequence[float] | None = None,
                         ax: plt.Axes | None = None, title: str = "", ylabel: str = "", colorbar_label: str = "",
                         fmt: str = ",.1f") -> plt.Axes:
    """Group profiles: colour = standardised mean ``z`` (times ``better``, +1 or −1 per column,
    so that green is better everywhere), numbers = ``means`` in original units. Rows and
    columns of ``means`` are shown as they are named.

    >>> m = pd.DataFrame({"a": [1.0, 2.0]}, index=["x", "y"])
    >>> plot_profile_heatmap(m, pd.DataFrame({"a": [-1.0, 1.0]}, index=m.index), title="P").get_title()
    'P'
    """
    if means.shape != z.shape:
        raise ValueError(f"plot_profile_heatmap: means {means.shape} and z {z.shape} differ in shape")
    signs = np.ones(z.shape[1]) if better is None else np.asarray(better, dtype=np.float64)
    colour = z.to_numpy(dtype=np.float64) * signs
    text = np.array([[format(v, fmt) for v in row] for row in means.to_numpy(dtype=np.float64)], dtype=object)
    if ax is None:
        _, ax = plt.subplots(figsize=(9.5, max(3.2, 0.6 * len(means) + 1.8)))
    limit = float(np.nanmax(np.abs(colour))) if colour.size else 1.0
    limit = limit if limit > 0 else 1.0  # symmetric: 0 = the neutral colour
    sns.heatmap(pd.DataFrame(colour, index=means.index, columns=means.columns), annot=text, fmt="", cmap="RdYlGn",
                vmin=-limit, vmax=limit, linewidths=0.5, ax=ax, cbar_kws={"label": colorbar_label})
    ax.tick_params(axis="y", labelrotation=0)
    ax.tick_params(axis="x", labelsize=9)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return ax


def plot_nine_grid(counts: pd.DataFrame, value_share: pd.DataFrame, cell_text: pd.DataFrame, *,
                   ax: plt.Axes | None = None, title: str = "", xlabel: str = "", ylabel: str = "",
                   value_word: str = "value", colorbar_label: str = "") -> plt.Axes:
    """A 3×3 grid (rows: y level, high at the top; columns: x level): each cell's text
    (e.g. its strategy), customers (share) and share of value; colour = share of customers.

    >>> c = pd.DataFrame(np.ones((3, 3), dtype=int), index=["h", "m", "l"], columns=["l", "m", "h"])
    >>> ax = plot_nine_grid(c, c / 9, pd.DataFrame("s", index=c.index, columns=c.columns), title="G")
    >>> ax.get_title(), ax.texts[0].get_text().splitlines()[0]
    ('G', 's')
    """
    total = counts.to_numpy().sum()
    shares = counts / total if total else counts.astype("float64")
    text = np.empty(counts.shape, dtype=object)
    for i in range(counts.shape[0]):
        for j in range(counts.shape[1]):
            text[i, j] = (f"{cell_text.iat[i, j]}\n{int(counts.iat[i, j]):,} ({shares.iat[i, j]:.1%})\n"
                          f"{value_word} {value_share.iat[i, j]:.1%}")
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 6.2))
    sns.heatmap(shares.astype("float64"), annot=text, fmt="", cmap="Blues", linewidths=1, ax=ax,
                annot_kws={"fontsize": 10}, cbar_kws={"label": colorbar_label})
    ax.collections[0].colorbar.ax.yaxis.set_major_formatter(PercentFormatter(xmax=1))
    ax.tick_params(axis="y", labelrotation=0)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return ax


def plot_paired_shares(table: pd.DataFrame, *, group: str, first: str, second: str, count: str | None = None,
                       labels: Mapping[str, str] | None = None, ax: plt.Axes | None = None, title: str = "",
                       xlabel: str = "", ylabel: str = "") -> plt.Axes:
    """Two shares (0–1) per group side by side, e.g. customers and value per lifecycle stage;
    ``count`` adds "(n=…)" above the first bar. Groups in table order, named by ``group``.

    >>> t = pd.DataFrame({"g": ["a", "b"], "c": [0.4, 0.6], "v": [0.7, 0.3], "n": [4, 6]})
    >>> plot_paired_shares(t, group="g", first="c", second="v", count="n", title="S").get_title()
    'S'
    """
    _need(table, [group, first, second] + ([count] if count else []), "plot_paired_shares")
    labels = dict(labels or {})
    names = [str(s) for s in table[group]]
    x = np.arange(len(names))
    width = 0.38
    colors = sns.color_palette(PALETTE)
    ax = _axes(ax, (9, 4.6))
    bars_a = ax.bar(x - width / 2, table[first], width, color=colors[0], label=labels.get(first, first))
    bars_b = ax.bar(x + width / 2, table[second], width, color=colors[1], label=labels.get(second, second))
    counts = table[count].tolist() if count else [None] * len(names)
    for bar, share, n in zip(bars_a, table[first], counts, strict=True):
        note = f"{share:.1%}" + (f"\n(n={int(n):,})" if n is not None else "")
        ax.annotate(note, (bar.get_x() + bar.get_width() / 2, bar.get_height()), xytext=(0, 2),
                    textcoords="offset points", ha="center", va="bottom", fontsize=8)
    for bar, share in zip(bars_b, table[second], strict=True):
        ax.annotate(f"{share:.1%}", (bar.get_x() + bar.get_width() / 2, bar.get_height()), xytext=(0, 2),
                    textcoords="offset points", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(x, names)
    ax.set_ylabel(ylabel)
    top = max(float(table[first].max()), float(table[second].max()), 0.05) if len(table) else 0.05
    ax.set_ylim(0, top * 1.22)
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1))
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    ax.legend(loc="upper left")
    return ax


def plot_transition_matrix(shares: pd.DataFrame, counts: pd.DataFrame, *, ax: plt.Axes | None = None,
                           title: str = "", xlabel: str = "", ylabel: str = "", blank_last_cell: bool = True) -> plt.Axes:
    """Transition matrix: colour and number = share of the row, the count in brackets.
    ``blank_last_cell`` leaves the entry-state × exit-state corner empty (not a flow).

    >>> s = pd.DataFrame([[0.5, 0.5], [1.0, 0.0]], index=["a", "new"], columns=["a", "lapsed"])
    >>> plot_transition_matrix(s, (s * 2).astype(int), title="M").get_title()
    'M'
    """
    if shares.shape != counts.shape:
        raise ValueError(f"plot_transition_matrix: shares {shares.shape} and counts {counts.shape} differ in shape")
    text = np.empty(shares.shape, dtype=object)
    for i in range(shares.shape[0]):
        for j in range(shares.shape[1]):
            s = shares.iat[i, j]
            corner = blank_last_cell and i == shares.shape[0] - 1 and j == shares.shape[1] - 1
            text[i, j] = f"{s:.1%}\n({int(counts.iat[i, j]):,})" if np.isfinite(s) and not corner else ""
    if ax is None:
        _, ax = plt.subplots(figsize=(max(7.0, 1.5 * shares.shape[1] + 2.5), max(4.2, 0.85 * shares.shape[0] + 1.6)))
    plot_heatmap(shares.astype("float64"), ax=ax, title=title, xlabel=xlabel, ylabel=ylabel, cmap="Purples",
                 annotations=pd.DataFrame(text, index=shares.index, columns=shares.columns))
    ax.collections[0].colorbar.ax.yaxis.set_major_formatter(PercentFormatter(xmax=1))
    return ax


def plot_tier_turnover(table: pd.DataFrame, *, period: str = "period", stayed: str = "stayed",
                       entered: str = "entered", exited: str = "exited", size: str = "size_after",
                       hidden: str = "hidden_churn", labels: Mapping[str, str] | None = None,
                       ax: plt.Axes | None = None, title: str = "", xlabel: str = "", ylabel: str = "",
                       note: str = "") -> plt.Axes:
    """One group period by period: members who stayed and who entered (stacked up to the
    size), members who left (below zero), the size as a line, ``hidden`` above each bar.
    ``labels`` maps the column names to legend text; ``note`` explains the numbers.

    >>> t = pd.DataFrame({"period": ["Q1", "Q2"], "stayed": [5, 6], "entered": [2, 1], "exited": [1, 2],
    ...                   "size_after": [7, 7], "hidden_churn": [1, 1]})
    >>> plot_tier_turnover(t, title="T").get_title()
    'T'
    """
    _need(table, [period, stayed, entered, exited, size, hidden], "plot_tier_turnover")
    labels = dict(labels or {})
    values = {c: table[c].to_numpy(dtype=np.float64) for c in (stayed, entered, exited, size, hidden)}
    periods = [str(p) for p in table[period]]
    x = np.arange(len(periods))
    colors = sns.color_palette(PALETTE)
    ax = _axes(ax, (min(13.5, max(9.5, 0.6 * len(periods) + 5)), 4.8))
    ax.bar(x, values[stayed], color=colors[0], label=labels.get(stayed, stayed))
    ax.bar(x, values[entered], bottom=values[stayed], color=colors[2], label=labels.get(entered, entered))
    ax.bar(x, -values[exited], color=colors[3], label=labels.get(exited, exited))
    ax.plot(x, values[size], color="black", marker="o", lw=1.5, label=labels.get(size, size))
    for xi, top, h in zip(x, values[size], values[hidden], strict=True):
        ax.annotate(f"{int(h):,}", (xi, top), xytext=(0, 5), textcoords="offset points", ha="center",
                    va="bottom", fontsize=8 if len(periods) > 8 else 9, color="dimgrey")
    if note:
        ax.plot([], [], ls="none", marker="$n$", color="dimgrey", label=note)
    ax.axhline(0, color="black", lw=0.8)
    many = len(periods) > 8
    ax.set_xticks(x, periods, rotation=45 if many else 0, ha="right" if many else "center")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    low, high = ax.get_ylim()
    ax.set_ylim(low, high + 0.12 * (high - low))
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{abs(v):,.0f}"))
    ax.set_title(title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9)
    return ax
