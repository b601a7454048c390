"""Figures of the segmentation study (``notebooks/01_segmentation.ipynb``), one per call.

They draw the labelled tables and result objects of :mod:`cvm_lib.segmentation.study`
and reuse the generic figures of :mod:`cvm_lib.plots` where those fit (heatmap, share
bars, Lorenz curve). Every function takes ``lang`` ("en" or "zh"); pass the same
language the table was built with. Call :func:`cvm_lib.plots.set_theme` first.

=============================  ===========================================================
function                       figure
=============================  ===========================================================
:func:`plot_rf_heatmap`        mean spend per R×F cell, customers per cell below
:func:`plot_segment_sizes`     customers per segment with each segment's value share
:func:`plot_concentration`     Lorenz curve with Gini, the Pareto point and ABC boundaries
:func:`plot_k_selection`       silhouette and inertia (or BIC/AIC) against k
:func:`plot_cluster_profiles`  standardised cluster means, annotated in original units
:func:`plot_nine_grid`         the value nine-grid: strategy, customers, value share
:func:`plot_lifecycle`         shares of customers and value per lifecycle stage
:func:`plot_migration`         tier transition matrix (row shares, counts)
:func:`plot_hidden_churn`      the top tier's size against its turnover, period by period
=============================  ===========================================================
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.ticker import PercentFormatter

from cvm_lib.labels import check_lang
from cvm_lib.plots import PALETTE, plot_heatmap, plot_lorenz, plot_share_bars
from cvm_lib.segmentation.study import ClusterStudy, ConcentrationResult, MigrationStudy, ValueGridStudy, \
    study_label

__all__ = ["plot_rf_heatmap", "plot_segment_sizes", "plot_concentration", "plot_k_selection",
           "plot_cluster_profiles", "plot_nine_grid", "plot_lifecycle", "plot_migration", "plot_hidden_churn"]

_TITLES: dict[str, tuple[str, str]] = {
    "rf_heatmap": ("Mean spend per R×F cell (customers below)", "各 R×F 单元的平均消费金额（下方为客户数）"),
    "rf10": ("10-segment R×F map: customers and share of value", "R×F 十类客户群：客户数与价值占比"),
    "cn8": ("8-class RFM model: customers and share of value", "RFM 八类客户：客户数与价值占比"),
    "segments": ("Segments: customers and share of value", "客户群：客户数与价值占比"),
    "lorenz": ("Lorenz curve of customer value", "客户价值洛伦兹曲线"),
    "pareto_point": ("Top {x:.0%} → {y:.1%} of value", "前 {x:.0%} 客户 → {y:.1%} 价值"),
    "k_selection": ("Choosing the number of clusters ({method})", "聚类数的选择（{method}）"),
    "chosen": ("chosen k = {k}", "选定 k = {k}"),
    "profiles": ("Cluster profiles: colour = standardised mean, numbers = mean in original units",
                 "聚类画像：颜色为标准化均值，数字为原始单位的均值"),
    "z": ("standardised mean, + = better\n(more recent, more frequent, higher spend)",
          "标准化均值，正值 = 更好\n（更近、更频繁、消费更高）"),
    "nine_grid": ("Value nine-grid: strategy, customers and share of value", "客户价值九宫格：策略、客户数与价值占比"),
    "value": ("value", "价值"),
    "customer_share_colour": ("share of customers", "客户占比"),
    "lifecycle": ("Lifecycle stages: customers and value", "客户生命周期阶段：客户与价值"),
    "share": ("Share", "占比"),
    "migration": ("Tier migration {a} → {b}: row shares (customers)", "层级迁移 {a} → {b}：行占比（人数）"),
    "hidden_churn": ("The {tier} tier: a steady size can hide members leaving", "{tier}层级：规模稳定也可能掩盖客户流失"),
    "hidden_note": ("Number above a bar: hidden churn", "柱上数字：隐性流失"),
    "tier_size": ("Size of the tier", "层级人数"),
    "kmeans": ("k-means", "k 均值"),
    "gmm": ("Gaussian mixture", "高斯混合"),
}


def _t(key: str, lang: str, **fields: Any) -> str:
    text = _TITLES[key][1 if check_lang(lang) == "zh" else 0]
    return text.format(**fields) if fields else text


def _col(key: str, lang: str, **fields: Any) -> str:
    return study_label(key, lang, **fields)


def _find(table: pd.DataFrame, key: str, lang: str, what: str) -> str:
    """The column of ``table`` labelled ``key`` in ``lang`` (a clear error otherwise)."""
    column = _col(key, lang)
    if column not in table.columns:
        raise ValueError(f"{what}: no column {column!r}; pass the table made with the same lang={lang!r}")
    return column


def plot_rf_heatmap(table: pd.DataFrame, *, lang: str = "en", fmt: str = ",.0f") -> plt.Figure:
    """Mean spend per R×F cell (colour and number) with the customers per cell below.

    ``table`` is :func:`cvm_lib.segmentation.study.rf_heatmap_table` in ``lang``. Recent
    (high R) rows at the top, frequent (high F) columns to the right; empty cells blank.
    """
    r, f = _find(table, "R", lang, "plot_rf_heatmap"), _find(table, "F", lang, "plot_rf_heatmap")
    n, m = _find(table, "customers", lang, "plot_rf_heatmap"), _find(table, "monetary_mean", lang, "plot_rf_heatmap")
    means = table.pivot(index=r, columns=f, values=m).sort_index(ascending=False)
    counts = table.pivot(index=r, columns=f, values=n).reindex(index=means.index, columns=means.columns)
    text = np.empty(means.shape, dtype=object)
    for i in range(means.shape[0]):
        for j in range(means.shape[1]):
            c = int(counts.iat[i, j])
            text[i, j] = f"{means.iat[i, j]:{fmt}}\nn={c:,}" if c > 0 else "n=0"
    fig = plot_heatmap(means, title=_t("rf_heatmap", lang), xlabel=f, ylabel=r, cmap="YlGnBu", lang=lang,
                       annotations=pd.DataFrame(text, index=means.index, columns=means.columns))
    ax = fig.axes[0]
    ax.grid(False)
    ax.set_facecolor("#efefef")  # empty cells
    for i in range(means.shape[0]):
        for j in range(means.shape[1]):
            if int(counts.iat[i, j]) == 0:
                ax.text(j + 0.5, i + 0.5, "n=0", ha="center", va="center", fontsize=9, color="grey")
    fig.set_size_inches(max(7.5, 1.25 * means.shape[1] + 2.5), max(4.5, 0.8 * means.shape[0] + 1.5))
    fig.tight_layout()
    return fig


def plot_segment_sizes(table: pd.DataFrame, *, scheme: str | None = None, lang: str = "en",
                       title: str | None = None) -> plt.Figure:
    """Customers per segment (bars) with each segment's share of value beside the bar.

    ``table`` is :func:`cvm_lib.segmentation.study.segment_table` in ``lang`` (or the
    profile of :func:`~cvm_lib.segmentation.study.cluster_study`); ``scheme`` ("rf10",
    "cn8") picks the title.
    """
    count = _find(table, "customers", lang, "plot_segment_sizes")
    share = _find(table, "value_share", lang, "plot_segment_sizes")
    heading = title if title is not None else _t(scheme if scheme in ("rf10", "cn8") else "segments", lang)
    return plot_share_bars(table, count=count, share=share, title=heading, lang=lang,
                           count_label="customers", share_label="value share")


def plot_concentration(concentration: ConcentrationResult, *, lang: str = "en") -> plt.Figure:
    """Lorenz curve with the Gini coefficient, the Pareto point ("top 20% → y% of value")
    and the boundaries of the ABC classes.

    On the Lorenz curve (customers from the least valuable up) the top share ``x``
    bringing ``y`` of value is the point ``(1 − x, 1 − y)``; the class boundaries are
    drawn at ``1 −`` the cumulative customer share of classes A, A+B, ...
    """
    fig = plot_lorenz(concentration.curve, gini=concentration.gini, title=_t("lorenz", lang), lang=lang)
    ax = fig.axes[0]
    top = concentration.top
    px, py = 1 - top.customer_share, 1 - top.value_share
    ax.plot([px], [py], "o", color=sns.color_palette(PALETTE)[3], zorder=5)
    ax.annotate(_t("pareto_point", lang, x=top.customer_share, y=top.value_share), xy=(px, py),
                xytext=(-12, 28), textcoords="offset points", ha="right", fontsize=9,
                arrowprops={"arrowstyle": "-", "color": "grey", "lw": 0.8})
    abc = concentration.abc
    letters = list(abc.index)
    cum = np.cumsum(abc.iloc[:, 2].to_numpy(dtype=np.float64))  # customer shares, A first
    edges = np.concatenate(([1.0], 1 - cum))  # x positions, from the right (A) to the left
    for i, letter in enumerate(letters):
        right, left = edges[i], edges[i + 1]
        if i < len(letters) - 1:
            ax.axvline(left, color="grey", ls=":", lw=0.9)
        if right - left > 0.04:
            ax.text((left + right) / 2, 0.96, str(letter), ha="center", va="top", fontsize=12,
                    color="dimgrey")
    return fig


def plot_k_selection(k_table: pd.DataFrame, *, lang: str = "en", method: str | None = None) -> plt.Figure:
    """The k-selection scores of :func:`~cvm_lib.segmentation.study.cluster_study`:
    silhouette (left) and inertia or BIC/AIC (right) against k, the chosen k marked."""
    chosen_col = _find(k_table, "chosen", lang, "plot_k_selection")
    sil = _find(k_table, "silhouette", lang, "plot_k_selection")
    ks = k_table.index.to_numpy()
    chosen = ks[k_table[chosen_col].to_numpy(dtype=bool)]
    other = [c for c in (_col("inertia", lang), _col("bic", lang), _col("aic", lang)) if c in k_table.columns]
    if method is None:
        method = "kmeans" if _col("inertia", lang) in k_table.columns else "gmm"
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    colors = sns.color_palette(PALETTE)
    axes[0].plot(ks, k_table[sil], marker="o", color=colors[0])
    axes[0].set_ylabel(sil)
    for column, color in zip(other, colors[1:]):
        axes[1].plot(ks, k_table[column], marker="o", color=color, label=column)
    axes[1].set_ylabel(" / ".join(other))
    if len(other) > 1:
        axes[1].legend()
    for ax in axes:
        ax.set_xlabel(k_table.index.name or "k")
        ax.set_xticks(ks)
        for k in chosen:
            ax.axvline(k, color="grey", ls="--", lw=1)
    if len(chosen):
        axes[0].text(chosen[0], axes[0].get_ylim()[1], " " + _t("chosen", lang, k=int(chosen[0])), va="top",
                     ha="left", fontsize=9, color="dimgrey")
    fig.suptitle(_t("k_selection", lang, method=_t(method if method in ("kmeans", "gmm") else "kmeans", lang)))
    fig.tight_layout()
    return fig


def plot_cluster_profiles(clusters: ClusterStudy, *, lang: str = "en") -> plt.Figure:
    """Cluster profiles: each cluster's mean recency, frequency and spend, coloured by the
    standardised mean on the model's scale (0 = the average customer) with the sign of
    recency turned so that green is better on every column (more recent, more frequent,
    higher spend), and annotated with the mean in original units."""
    z = clusters.z
    profile = clusters.profile
    unit_cols = [c for c in profile.columns if c not in (_col("pattern", lang), _col("customers", lang),
                                                         _col("customer_share", lang), _col("value", lang),
                                                         _col("value_share", lang))][:3]
    means = profile[unit_cols].to_numpy(dtype=np.float64)
    share = profile[_find(profile, "customer_share", lang, "plot_cluster_profiles")].to_numpy(dtype=np.float64)
    pattern = profile[_find(profile, "pattern", lang, "plot_cluster_profiles")].to_numpy()
    rows = [f"{c} · {p} ({s:.0%})" for c, p, s in zip(z.index, pattern, share)]
    text = np.array([[f"{v:,.1f}" for v in row] for row in means], dtype=object)
    better = z.to_numpy(dtype=np.float64) * np.array([-1.0, 1.0, 1.0])[: z.shape[1]]  # recent = better
    fig, ax = plt.subplots(figsize=(9.5, max(3.2, 0.6 * len(z) + 1.8)))
    limit = float(np.nanmax(np.abs(better))) if z.size else 1.0  # symmetric: 0 = the neutral colour
    limit = limit if limit > 0 else 1.0
    sns.heatmap(pd.DataFrame(better, index=rows, columns=unit_cols), annot=text, fmt="", cmap="RdYlGn",
                vmin=-limit, vmax=limit, linewidths=0.5, ax=ax,
                cbar_kws={"label": _t("z", lang)})
    ax.tick_params(axis="y", labelrotation=0)
    ax.tick_params(axis="x", labelsize=9)
    ax.set_ylabel(z.index.name or "")
    ax.set_title(_t("profiles", lang))
    fig.tight_layout()
    return fig


def plot_nine_grid(grid: ValueGridStudy, *, lang: str = "en") -> plt.Figure:
    """The value nine-grid: each cell's strategy, customers (share) and share of value;
    colour = share of customers. Rows: y level (high at the top); columns: x level."""
    g = grid.grid
    counts = g.counts
    total = counts.to_numpy().sum()
    shares = counts / total if total else counts.astype("float64")
    text = np.empty(counts.shape, dtype=object)
    for i in range(3):
        for j in range(3):
            text[i, j] = (f"{g.strategies.iat[i, j]}\n{int(counts.iat[i, j]):,} ({shares.iat[i, j]:.1%})\n"
                          f"{_t('value', lang)} {g.value_share.iat[i, j]:.1%}")
    fig, ax = plt.subplots(figsize=(9, 6.2))
    sns.heatmap(shares.astype("float64"), annot=text, fmt="", cmap="Blues", linewidths=1, ax=ax,
                annot_kws={"fontsize": 10}, cbar_kws={"label": _t("customer_share_colour", lang)})
    ax.collections[0].colorbar.ax.yaxis.set_major_formatter(PercentFormatter(xmax=1))
    ax.tick_params(axis="y", labelrotation=0)
    ax.set_xlabel(grid.x_label)
    ax.set_ylabel(grid.y_label)
    ax.set_title(_t("nine_grid", lang))
    fig.tight_layout()
    return fig


def plot_lifecycle(table: pd.DataFrame, *, lang: str = "en") -> plt.Figure:
    """Share of customers and share of value per lifecycle stage (bars side by side),
    stages in lifecycle order; ``table`` is ``lifecycle_study(...).table`` in ``lang``."""
    customers = _find(table, "customer_share", lang, "plot_lifecycle")
    value = _find(table, "value_share", lang, "plot_lifecycle")
    count = _find(table, "customers", lang, "plot_lifecycle")
    stages = [str(s) for s in table.index]
    x = np.arange(len(stages))
    width = 0.38
    colors = sns.color_palette(PALETTE)
    fig, ax = plt.subplots(figsize=(9, 4.6))
    bars_c = ax.bar(x - width / 2, table[customers], width, color=colors[0], label=customers)
    bars_v = ax.bar(x + width / 2, table[value], width, color=colors[1], label=value)
    for bar, share, n in zip(bars_c, table[customers], table[count]):
        ax.annotate(f"{share:.1%}\n(n={int(n):,})", (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                    xytext=(0, 2), textcoords="offset points", ha="center", va="bottom", fontsize=8)
    for bar, share in zip(bars_v, table[value]):
        ax.annotate(f"{share:.1%}", (bar.get_x() + bar.get_width() / 2, bar.get_height()), xytext=(0, 2),
                    textcoords="offset points", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(x, stages)
    ax.set_ylabel(_t("share", lang))
    ax.set_ylim(0, max(float(table[customers].max()), float(table[value].max()), 0.05) * 1.22)
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1))
    ax.set_xlabel(table.index.name or "")
    ax.set_title(_t("lifecycle", lang))
    ax.legend(loc="upper left")
    fig.tight_layout()
    return fig


def plot_migration(migration: MigrationStudy, *, lang: str = "en") -> plt.Figure:
    """Tier transition matrix between the last two complete periods: colour and number =
    share of the row (where the customers of a tier in period A are in period B), the
    count in brackets. The "new" row holds customers without a tier in A."""
    shares, counts = migration.shares, migration.counts
    text = np.empty(shares.shape, dtype=object)
    for i in range(shares.shape[0]):
        for j in range(shares.shape[1]):
            s = shares.iat[i, j]
            structural = i == shares.shape[0] - 1 and j == shares.shape[1] - 1  # new → lapsed: not a flow
            text[i, j] = f"{s:.1%}\n({int(counts.iat[i, j]):,})" if np.isfinite(s) and not structural else ""
    fig = plot_heatmap(shares.astype("float64"), title=_t("migration", lang, a=migration.period_a,
                                                           b=migration.period_b),
                       xlabel=str(shares.columns.name), ylabel=str(shares.index.name), cmap="Purples", lang=lang,
                       annotations=pd.DataFrame(text, index=shares.index, columns=shares.columns))
    fig.axes[0].collections[0].colorbar.ax.yaxis.set_major_formatter(PercentFormatter(xmax=1))
    fig.set_size_inches(max(7.0, 1.5 * shares.shape[1] + 2.5), max(4.2, 0.85 * shares.shape[0] + 1.6))
    fig.tight_layout()
    return fig


def plot_hidden_churn(migration: MigrationStudy, *, tier: str | None = None, lang: str = "en") -> plt.Figure:
    """The top tier (or ``tier``) period by period: members who stayed and who entered
    (stacked up to the tier's size), members who left (below zero), the size as a line,
    and the hidden churn (leavers masked by arrivals) written above each bar."""
    tier = migration.top_tier if tier is None else tier
    over = migration.over_time
    period_col, tier_col = _find(over, "period", lang, "plot_hidden_churn"), _find(over, "tier", lang,
                                                                                    "plot_hidden_churn")
    part = over[over[tier_col] == tier]
    if part.empty:
        raise ValueError(f"plot_hidden_churn: no tier {tier!r}; tiers: {sorted(set(over[tier_col]))}")
    stayed = part[_col("stayed", lang)].to_numpy(dtype=np.float64)
    entered = part[_col("entered", lang)].to_numpy(dtype=np.float64)
    exited = part[_col("exited", lang)].to_numpy(dtype=np.float64)
    size = part[_col("size_after", lang)].to_numpy(dtype=np.float64)
    hidden = part[_col("hidden_churn", lang)].to_numpy(dtype=np.float64)
    periods = [str(p) for p in part[period_col]]
    x = np.arange(len(periods))
    colors = sns.color_palette(PALETTE)
    fig, ax = plt.subplots(figsize=(min(13.5, max(9.5, 0.6 * len(periods) + 5)), 4.8))
    ax.bar(x, stayed, color=colors[0], label=_col("stayed", lang))
    ax.bar(x, entered, bottom=stayed, color=colors[2], label=_col("entered", lang))
    ax.bar(x, -exited, color=colors[3], label=_col("exited", lang))
    ax.plot(x, size, color="black", marker="o", lw=1.5, label=_t("tier_size", lang))
    for xi, top, h in zip(x, size, hidden):
        ax.annotate(f"{int(h):,}", (xi, top), xytext=(0, 5), textcoords="offset points", ha="center",
                    va="bottom", fontsize=8 if len(periods) > 8 else 9, color="dimgrey")
    ax.plot([], [], ls="none", marker="$n$", color="dimgrey", label=_t("hidden_note", lang))
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(x, periods, rotation=45 if len(periods) > 8 else 0, ha="right" if len(periods) > 8 else "center")
    ax.set_xlabel(period_col)
    ax.set_ylabel(_col("customers", lang))
    low, high = ax.get_ylim()
    ax.set_ylim(low, high + 0.12 * (high - low))
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{abs(v):,.0f}"))
    ax.set_title(_t("hidden_churn", lang, tier=tier))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9)
    fig.tight_layout()
    return fig
