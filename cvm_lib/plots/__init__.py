"""Generic figures over tidy tables, one figure per call, in a consistent CJK-capable theme.

seaborn's convention throughout: a tidy table and the names of its columns in, ``ax=None``
(a new figure) or an Axes to draw on, the Axes out. Text (titles, axis labels, legend
entries) is passed in already in the report's language; nothing here translates, and
nothing here imports :mod:`cvm_lib.studies`.

* here: the theme (:func:`set_theme`, :func:`cjk_font_name`), drawing helpers
  (:func:`thin_curve`, :func:`sample_points`) and the generic figures (heatmap, share
  bars, Lorenz, survival, forest, lines, gain, lift, radar, waterfall);
* ``cvm_lib.plots.<domain>`` (segmentation, value_chain, retention, indicators): generic
  figures of one domain, same convention;
* **study figures** (which pick the labels, the currency and the language of one
  notebook) live with their study in ``cvm_lib.studies.<study>`` (e.g.
  :func:`cvm_lib.studies.overview.activity_figure`), drawn with the figures above.

Call :func:`set_theme` once per notebook. Chinese labels render with a CJK font:
a system one when present (Noto Sans CJK, Source Han Sans, WenQuanYi, SimHei,
Microsoft YaHei, PingFang), otherwise the Noto Sans CJK font installed with the
project (package ``cvttf-notosanscjk-regular``), so no glyph shows as a box.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib import font_manager

from cvm_lib.labels import check_lang

__all__ = ["set_theme", "cjk_font_name", "PALETTE", "plot_heatmap", "plot_share_bars", "plot_lorenz", "plot_survival",
           "plot_forest", "plot_lift", "plot_lines", "plot_gain", "plot_radar", "plot_waterfall", "thin_curve",
           "sample_points", "MAX_CURVE_POINTS", "MAX_SCATTER_POINTS"]

_SYSTEM_CJK = ("Noto Sans CJK SC", "Noto Sans CJK TC", "Source Han Sans SC", "Source Han Sans CN",
               "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "SimHei", "Microsoft YaHei", "PingFang SC")
PALETTE = "deep"

#: Most points drawn of a per-customer curve (Lorenz, whale) and of a per-customer scatter.
#: Display only: every number is computed on all customers; bundled data are below both.
MAX_CURVE_POINTS = 50_000
MAX_SCATTER_POINTS = 50_000


def thin_curve(frame: pd.DataFrame, max_points: int = MAX_CURVE_POINTS) -> pd.DataFrame:
    """Evenly spaced rows of a curve with many points (first and last kept), for drawing.

    Examples
    --------
    >>> f = pd.DataFrame({"x": range(11)})
    >>> thin_curve(f, 3)["x"].tolist(), thin_curve(f) is f
    ([0, 5, 10], True)
    """
    if len(frame) <= max_points:
        return frame
    return frame.iloc[np.unique(np.linspace(0, len(frame) - 1, max(int(max_points), 2)).round().astype(np.int64))]


def sample_points(frame: pd.DataFrame, max_points: int = MAX_SCATTER_POINTS, seed: int = 0) -> pd.DataFrame:
    """A seeded random subset of at most ``max_points`` rows of a scatter, for drawing.

    Examples
    --------
    >>> f = pd.DataFrame({"x": range(100)})
    >>> len(sample_points(f, 10)), sample_points(f, 10).equals(sample_points(f, 10)), sample_points(f) is f
    (10, True, True)
    """
    if len(frame) <= max_points:
        return frame
    rows = np.sort(np.random.default_rng(seed).choice(len(frame), size=int(max_points), replace=False))
    return frame.iloc[rows]


@lru_cache(maxsize=1)
def cjk_font_name() -> str | None:
    """Name of the CJK font the theme uses (registering the bundled one if needed)."""
    available = {f.name for f in font_manager.fontManager.ttflist}
    for name in _SYSTEM_CJK:
        if name in available:
            return name
    try:
        import cvttf_NotoSansCJK_Regular as bundled
    except ImportError:
        return None
    for path in Path(bundled.__file__).parent.glob("*.[ot]tf"):
        font_manager.fontManager.addfont(str(path))
        return font_manager.FontProperties(fname=str(path)).get_name()
    return None


def set_theme(lang: str = "en", context: str = "notebook") -> None:
    """Seaborn theme with a CJK fallback font; call once per notebook.

    Latin text uses DejaVu Sans; characters it lacks fall back to the CJK font.
    """
    check_lang(lang)
    sns.set_theme(context=context, style="whitegrid", palette=PALETTE)
    families = ["DejaVu Sans"]
    cjk = cjk_font_name()
    if cjk:
        families.append(cjk)
    # Glyph fallback works across the families listed in font.family itself, not
    # across the generic sans-serif list, so name the fonts explicitly.
    plt.rcParams["font.family"] = families
    plt.rcParams["figure.dpi"] = 100
    plt.rcParams["savefig.bbox"] = "tight"


# --------------------------------------------------------------------------- generic figures
# seaborn's convention: a tidy table and column names in, ``ax=None`` (a new figure) or an
# Axes to draw on, the Axes out. Text (titles, axis labels) is passed in already in the
# report's language: the study modules look it up in cvm_lib.labels; nothing here translates.


def _axes(ax: plt.Axes | None, figsize: tuple[float, float], polar: bool = False) -> plt.Axes:
    if ax is not None:
        return ax
    fig = plt.figure(figsize=figsize)
    return fig.add_subplot(projection="polar") if polar else fig.add_subplot()


def plot_heatmap(table: pd.DataFrame, *, ax: plt.Axes | None = None, title: str = "", xlabel: str = "",
                 ylabel: str = "", fmt: str = ".0f", cmap: str = "Blues", center: float | None = None,
                 annotations: pd.DataFrame | None = None, colorbar: bool = True) -> plt.Axes:
    """Annotated heatmap of a matrix (segments, nine-grid, transition matrix, cohort rates).

    Missing cells stay blank. ``annotations`` (same shape, text) replaces the numbers shown.

    >>> ax = plot_heatmap(pd.DataFrame([[1, 2], [3, 4]], index=["a", "b"], columns=["x", "y"]), title="t")
    >>> ax.get_title()
    't'
    """
    rows, cols = table.shape
    ax = _axes(ax, (max(5.0, 0.9 * cols + 2.5), max(3.2, 0.5 * rows + 1.5)))
    annot = annotations.to_numpy() if annotations is not None else True
    sns.heatmap(table.astype("float64"), annot=annot, fmt="" if annotations is not None else fmt, cmap=cmap,
                center=center, linewidths=0.5, cbar=colorbar, ax=ax)
    ax.tick_params(axis="y", labelrotation=0)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return ax


def plot_share_bars(table: pd.DataFrame, *, count: str, share: str, group: str | None = None,
                    ax: plt.Axes | None = None, title: str = "", xlabel: str = "") -> plt.Axes:
    """Horizontal bars of group sizes (``count``) with each group's share (``share``, 0–1) beside them.

    Groups are the ``group`` column (default: the index).
    """
    ordered = table.sort_values(count)
    names = [str(v) for v in (ordered[group] if group else ordered.index)]
    ax = _axes(ax, (9, max(3.0, 0.45 * len(ordered) + 1.2)))
    ax.barh(names, ordered[count], color=sns.color_palette(PALETTE)[0], alpha=0.8)
    for y, (n, v) in enumerate(zip(ordered[count], ordered[share], strict=True)):
        ax.text(n, y, f"  {v:.1%}", va="center", fontsize=9)
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    ax.margins(x=0.15)
    return ax


def plot_lorenz(curve: pd.DataFrame, *, x: str = "customer_share", y: str = "value_share", ax: plt.Axes | None = None,
                title: str = "", xlabel: str = "", ylabel: str = "", line_label: str | None = None) -> plt.Axes:
    """Lorenz curve (customers ranked from least to most valuable) with the equality line.

    Long curves are thinned for drawing (:func:`thin_curve`); numbers are never computed here.
    """
    ax = _axes(ax, (5.5, 5.2))
    curve = thin_curve(curve)
    ax.plot(curve[x], curve[y], color=sns.color_palette(PALETTE)[0], lw=2, label=line_label)
    ax.plot([0, 1], [0, 1], ls="--", color="grey", lw=1)
    ax.fill_between(curve[x], curve[y], curve[x], alpha=0.15)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return ax


def plot_survival(curves: pd.DataFrame, *, time: str = "time", survival: str = "survival", group: str | None = "group",
                  lower: str | None = "lower", upper: str | None = "upper", ax: plt.Axes | None = None,
                  title: str = "", xlabel: str = "", ylabel: str = "") -> plt.Axes:
    """Step survival curves (Kaplan-Meier) per group with confidence bands, from a long table."""
    ax = _axes(ax, (8, 4.5))
    groups = curves.groupby(group, sort=True) if group and group in curves else [("", curves)]
    for (name, part), color in zip(groups, sns.color_palette(PALETTE), strict=False):
        part = part.sort_values(time)
        ax.step(part[time], part[survival], where="post", color=color, label=str(name) or None)
        if lower in part and upper in part:
            ax.fill_between(part[time], part[lower], part[upper], step="post", color=color, alpha=0.15)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if group and group in curves:
        ax.legend()
    return ax


def plot_forest(table: pd.DataFrame, *, estimate: str = "estimate", lower: str = "lower", upper: str = "upper",
                term: str | None = None, reference: float = 1.0, log_scale: bool = True, ax: plt.Axes | None = None,
                title: str = "", xlabel: str = "") -> plt.Axes:
    """Forest plot of estimates with intervals (hazard or odds ratios), one row per term.

    Terms are the ``term`` column (default: the index), read by name, never by position.
    """
    ax = _axes(ax, (7.5, max(2.5, 0.45 * len(table) + 1.2)))
    y = range(len(table))
    ax.errorbar(table[estimate], y, xerr=[table[estimate] - table[lower], table[upper] - table[estimate]],
                fmt="o", color=sns.color_palette(PALETTE)[0], capsize=3)
    ax.axvline(reference, ls="--", color="grey", lw=1)
    ax.set_yticks(list(y), [str(i) for i in (table[term] if term else table.index)])
    if log_scale:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    return ax


def plot_lines(table: pd.DataFrame, *, x: str, y: str, group: str | None = None, ax: plt.Axes | None = None,
               title: str = "", xlabel: str = "", ylabel: str = "", style: str | None = None,
               markers: bool = True) -> plt.Axes:
    """Lines from a long table (retention curves, projections vs actual, value vs retention)."""
    ax = _axes(ax, (8, 4.5))
    sns.lineplot(data=table, x=x, y=y, hue=group, style=style, markers=markers, dashes=style is not None, ax=ax)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return ax


def plot_gain(table: pd.DataFrame, *, x: str = "share_targeted", gain: str = "gain", group: str | None = "model",
              ax: plt.Axes | None = None, title: str = "", xlabel: str = "", ylabel: str = "") -> plt.Axes:
    """Cumulative gain curves (share of positives found against share targeted) with the random line."""
    ax = _axes(ax, (5.5, 4.2))
    sns.lineplot(data=table, x=x, y=gain, hue=group, marker="o", ax=ax)
    ax.plot([0, 1], [0, 1], ls="--", color="grey", lw=1)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return ax


def plot_lift(table: pd.DataFrame, *, x: str = "share_targeted", lift: str = "lift", group: str | None = "model",
              ax: plt.Axes | None = None, title: str = "", xlabel: str = "", ylabel: str = "") -> plt.Axes:
    """Lift curves (rate in the targeted share over the overall rate) with the line at 1."""
    ax = _axes(ax, (5.5, 4.2))
    sns.lineplot(data=table, x=x, y=lift, hue=group, marker="o", ax=ax)
    ax.axhline(1.0, ls="--", color="grey", lw=1)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return ax


def plot_radar(scores: pd.DataFrame, *, ax: plt.Axes | None = None, title: str = "") -> plt.Axes:
    """Radar chart: one polygon per row (unit), one axis per column (indicator score, 0–1).

    ``ax`` must be a polar Axes when given.
    """
    angles = np.linspace(0, 2 * np.pi, scores.shape[1], endpoint=False)
    closed = np.concatenate([angles, angles[:1]])
    ax = _axes(ax, (6.5, 6.5), polar=True)
    for (name, row), color in zip(scores.iterrows(), sns.color_palette(PALETTE, len(scores)), strict=False):
        values = np.concatenate([row.to_numpy(dtype=float), row.to_numpy(dtype=float)[:1]])
        ax.plot(closed, values, color=color, label=str(name))
        ax.fill(closed, values, color=color, alpha=0.08)
    ax.set_xticks(angles, [str(c) for c in scores.columns])
    ax.set_title(title)
    ax.legend(loc="upper right", bbox_to_anchor=(1.3, 1.1), fontsize=8)
    return ax


def plot_waterfall(steps: pd.Series, *, ax: plt.Axes | None = None, title: str = "", total_label: str = "") -> plt.Axes:
    """Waterfall of additive steps (e.g. acquisition cost → margins → CLV), with the total bar.

    >>> ax = plot_waterfall(pd.Series([-10.0, 25.0], index=["cost", "margin"]), total_label="CLV")
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['cost', 'margin', 'CLV']
    """
    values = steps.to_numpy(dtype=float)
    starts = np.concatenate([[0.0], np.cumsum(values)[:-1]])
    names = [str(i) for i in steps.index] + [total_label]
    colors = [sns.color_palette(PALETTE)[2] if v >= 0 else sns.color_palette(PALETTE)[3] for v in values]
    ax = _axes(ax, (max(6.0, 1.1 * len(names) + 2), 4.5))
    ax.bar(names[:-1], values, bottom=starts, color=colors)
    ax.bar(names[-1], values.sum(), color=sns.color_palette(PALETTE)[0])
    ax.axhline(0, color="black", lw=0.8)
    ax.set_title(title)
    plt.setp(ax.get_xticklabels(), rotation=20, ha="right")
    return ax
