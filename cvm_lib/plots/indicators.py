"""Figures of the CRM evaluation-indicator study (``notebooks/04_crm_indicators.ipynb``).

One figure per call. The input is one of the display tables of
:mod:`cvm_lib.indicators.study` (labelled in ``lang``); the columns are found through
:func:`cvm_lib.indicators.study.text`, so pass the same ``lang`` to both. Call
:func:`cvm_lib.plots.set_theme` first so that Chinese labels render.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from cvm_lib.indicators.study import grade_labels, text
from cvm_lib.plots import PALETTE, plot_heatmap, plot_radar

__all__ = ["plot_weights", "plot_ranking", "plot_fuzzy_grades", "plot_nps", "plot_membership_value",
           "plot_indicator_heatmap", "plot_dimension_radar"]

_TITLES: dict[str, tuple[str, str]] = {
    "weights_local": ("Customer dimension: subjective, objective and combined weights",
                      "客户维度：主观、客观与组合权重"),
    "weights_global": ("Global weight of every indicator", "各指标的综合权重"),
    "ranking": ("TOPSIS ranking (label: composite index and its rank)", "TOPSIS 排名（标注：综合指数及其排名）"),
    "fuzzy": ("Fuzzy comprehensive evaluation: membership of each grade", "模糊综合评价：各评价等级的隶属度"),
    "membership": ("Evaluation vector B (normalised)", "评价向量 B（归一化）"),
    "nps": ("Promoters, passives and detractors (label: NPS)", "推荐者、中立者与贬损者（标注：NPS）"),
    "share_of_respondents": ("Share of respondents", "受访者占比"),
    "membership_value": ("How much does the membership card bring you?", "会员卡给您带来的实惠有多少？"),
    "low_value": ("{share:.0%} of {n:,} card holders answer 1 or 2", "{n:,} 名持卡会员中 {share:.0%} 回答 1 或 2"),
    "no_question": ("The survey has no membership-value question", "问卷中没有会员价值题"),
    "heatmap": ("Normalised indicator scores (1 = best unit, also for cost indicators)",
                "指标标准化得分（1 = 该指标最优的单位，成本型指标亦然）"),
    "radar": ("Dimension scores (0–100): best, middle and worst unit by TOPSIS",
              "各维度得分（0–100）：TOPSIS 排名最前、居中与最后的单位"),
}


def _title(key: str, lang: str, **values) -> str:
    english, chinese = _TITLES[key]
    return (chinese if lang == "zh" else english).format(**values)


def plot_weights(weights: pd.DataFrame, *, lang: str = "en") -> plt.Figure:
    """Left: AHP, entropy and combined weights of the indicators of combined-weight
    dimensions; right: the global weight of every indicator, coloured by dimension.

    ``weights`` is :func:`cvm_lib.indicators.study.weights_table`.
    """
    indicator, dimension = text("indicator", lang), text("dimension", lang)
    ahp_w, entropy_w, local_w = text("ahp_weight", lang), text("entropy_weight", lang), text("local_weight", lang)
    global_w = text("global_weight", lang)
    both = weights[weights[ahp_w].notna() & weights[entropy_w].notna()]
    fig, axes = plt.subplots(1, 2 if len(both) else 1, figsize=(14, max(4.0, 0.45 * len(weights) + 1.5)),
                             squeeze=False)
    axes = axes[0]
    colors = sns.color_palette(PALETTE)
    if len(both):
        ax = axes[0]
        y = np.arange(len(both))
        height = 0.26
        for k, (column, color) in enumerate(zip((ahp_w, entropy_w, local_w), colors, strict=False)):
            ax.barh(y + (k - 1) * height, both[column], height=height, color=color, label=column)
        ax.set_yticks(y, both[indicator].tolist())
        ax.invert_yaxis()
        ax.set_xlabel(text("weight", lang))
        ax.set_title(_title("weights_local", lang))
        ax.legend(ncols=3, loc="upper center", bbox_to_anchor=(0.5, -0.1), fontsize=9, frameon=False)
    ax = axes[-1]
    dims = list(dict.fromkeys(weights[dimension]))
    palette = dict(zip(dims, sns.color_palette("muted", len(dims)), strict=True))
    ax.barh(np.arange(len(weights)), weights[global_w], color=[palette[d] for d in weights[dimension]])
    ax.set_yticks(np.arange(len(weights)), weights[indicator].tolist())
    ax.invert_yaxis()
    for y, value in enumerate(weights[global_w]):
        ax.text(value, y, f" {value:.3f}", va="center", fontsize=8)
    handles = [plt.Rectangle((0, 0), 1, 1, color=palette[d]) for d in dims]
    ax.legend(handles, dims, ncols=min(4, len(dims)), loc="upper center", bbox_to_anchor=(0.5, -0.1), fontsize=9,
              frameon=False)
    ax.set_xlabel(global_w)
    ax.set_title(_title("weights_global", lang))
    ax.margins(x=0.15)
    fig.tight_layout()
    return fig


def plot_ranking(ranking: pd.DataFrame, *, lang: str = "en") -> plt.Figure:
    """TOPSIS closeness per unit, best at the top, labelled with the composite index and its rank.

    ``ranking`` is :func:`cvm_lib.indicators.study.ranking_table`.
    """
    closeness, composite = text("closeness", lang), text("composite", lang)
    composite_rank = text("composite_rank", lang)
    fig, ax = plt.subplots(figsize=(8.5, max(3.0, 0.42 * len(ranking) + 1.3)))
    colors = sns.color_palette("crest", len(ranking))[::-1]
    ax.barh([str(u) for u in ranking.index], ranking[closeness], color=colors)
    ax.invert_yaxis()
    for y, (c, s, r) in enumerate(zip(ranking[closeness], ranking[composite], ranking[composite_rank], strict=True)):
        ax.text(c, y, f"  {s:.1f} (#{int(r)})", va="center", fontsize=9)
    ax.set_xlim(0, 1.15 * float(ranking[closeness].max()))
    ax.set_xlabel(closeness)
    ax.set_ylabel(str(ranking.index.name or ""))
    ax.set_title(_title("ranking", lang))
    fig.tight_layout()
    return fig


def plot_fuzzy_grades(fuzzy: pd.DataFrame, *, lang: str = "en") -> plt.Figure:
    """Stacked bars of each unit's evaluation vector over the five grades, best score first.

    ``fuzzy`` is :func:`cvm_lib.indicators.study.fuzzy_by_unit`.
    """
    grades = grade_labels(lang)
    score, grade = text("score", lang), text("grade", lang)
    ordered = fuzzy.sort_values(score, ascending=False, kind="stable")
    fig, ax = plt.subplots(figsize=(9.5, max(3.0, 0.42 * len(ordered) + 1.6)))
    left = np.zeros(len(ordered))
    colors = sns.color_palette("RdYlGn", len(grades))[::-1]
    names = [str(u) for u in ordered.index]
    for g, color in zip(grades, colors, strict=True):
        values = ordered[g].to_numpy(dtype=float)
        ax.barh(names, values, left=left, color=color, label=g, edgecolor="white", linewidth=0.5)
        left += values
    for y, (s, g) in enumerate(zip(ordered[score], ordered[grade], strict=True)):
        ax.text(left[y], y, f"  {s:.2f} · {g}", va="center", fontsize=9)
    ax.invert_yaxis()
    ax.set_xlim(0, left.max() * 1.28)
    ax.set_xticks(np.linspace(0, 1, 6))
    ax.set_xlabel(_title("membership", lang))
    ax.set_ylabel(str(ordered.index.name or ""))
    ax.set_title(_title("fuzzy", lang))
    ax.legend(ncols=len(grades), loc="upper center", bbox_to_anchor=(0.45, -0.12), fontsize=9, frameon=False)
    fig.tight_layout()
    return fig


def plot_nps(satisfaction: pd.DataFrame, *, lang: str = "en") -> plt.Figure:
    """Shares of promoters, passives and detractors per unit (the overall row last), labelled with NPS.

    ``satisfaction`` is :func:`cvm_lib.indicators.study.nps_csat_table`.
    """
    promoters, passives, detractors = text("promoters", lang), text("passives", lang), text("detractors", lang)
    score = text("nps", lang)
    overall = text("all", lang)
    units = satisfaction.drop(index=[overall], errors="ignore").sort_values(score, ascending=False, kind="stable")
    table = pd.concat([units, satisfaction.loc[[overall]]]) if overall in satisfaction.index else units
    names = [str(u) for u in table.index]
    fig, ax = plt.subplots(figsize=(9, max(3.0, 0.42 * len(table) + 1.6)))
    left = np.zeros(len(table))
    palette = sns.color_palette(PALETTE)
    for column, color in ((promoters, palette[2]), (passives, (0.75, 0.75, 0.75)), (detractors, palette[3])):
        values = table[column].to_numpy(dtype=float)
        ax.barh(names, values, left=left, color=color, label=column, edgecolor="white", linewidth=0.5)
        left += values
    for y, value in enumerate(table[score]):
        ax.text(1.0, y, f"  {value:+.1f}", va="center", fontsize=9)
    ax.invert_yaxis()
    if overall in table.index and len(table) > 1:
        ax.axhline(len(table) - 1.5, color="black", lw=0.8)  # the pooled row below the line
    ax.set_xlim(0, 1.13)
    ax.set_xlabel(_title("share_of_respondents", lang))
    ax.set_ylabel(str(table.index.name or ""))
    ax.set_title(_title("nps", lang))
    ax.legend(ncols=3, loc="upper center", bbox_to_anchor=(0.45, -0.12), fontsize=9, frameon=False)
    fig.tight_layout()
    return fig


def plot_membership_value(distribution: pd.DataFrame, *, lang: str = "en") -> plt.Figure:
    """Card holders' answers to "how much does membership bring you?", answers 1–2 highlighted.

    ``distribution`` is :func:`cvm_lib.indicators.study.membership_value_table`.
    """
    fig, ax = plt.subplots(figsize=(8, 4.3))
    if distribution.empty:
        ax.text(0.5, 0.5, _title("no_question", lang), ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    answer, item, count = text("answer", lang), text("item", lang), text("count", lang)
    share = text("share", lang)
    palette = sns.color_palette(PALETTE)
    colors = [palette[3] if a <= 2 else palette[0] for a in distribution[answer]]
    ax.bar(distribution[item].astype(str), distribution[share], color=colors)
    for x, (s, n) in enumerate(zip(distribution[share], distribution[count], strict=True)):
        ax.text(x, s, f"{s:.1%}\n({int(n):,})", ha="center", va="bottom", fontsize=9)
    low = float(distribution.loc[distribution[answer] <= 2, share].sum())
    total = int(distribution[count].sum())
    ax.text(0.98, 0.95, _title("low_value", lang, share=low, n=total), transform=ax.transAxes, ha="right",
            va="top", fontsize=10, bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": palette[3]})
    ax.set_ylim(0, float(distribution[share].max()) * 1.3)
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.set_xlabel(answer)
    ax.set_ylabel(share)
    ax.set_title(_title("membership_value", lang))
    fig.tight_layout()
    return fig


def plot_indicator_heatmap(scores: pd.DataFrame, *, lang: str = "en") -> plt.Figure:
    """Heatmap of the direction-aware normalised indicator scores (units × indicators, 0–1).

    ``scores`` is :func:`cvm_lib.indicators.study.normalised_scores`.
    """
    fig = plot_heatmap(scores, title=_title("heatmap", lang), fmt=".2f", cmap="RdYlGn", lang=lang,
                       ylabel=str(scores.index.name or ""))
    ax = fig.axes[0]
    ax.set_xticks(ax.get_xticks(), [t.get_text() for t in ax.get_xticklabels()], rotation=35, ha="right",
                  rotation_mode="anchor")
    fig.set_size_inches(max(9.0, 1.0 * scores.shape[1] + 3.0), max(4.0, 0.45 * scores.shape[0] + 3.0))
    fig.tight_layout()
    return fig


def plot_dimension_radar(scores: pd.DataFrame, *, lang: str = "en") -> plt.Figure:
    """Radar of the dimension scores (0–100) of the first, middle and last unit of ``scores``.

    ``scores`` is :func:`cvm_lib.indicators.study.dimension_scores` (best TOPSIS unit first).
    """
    picks = sorted({0, (len(scores) - 1) // 2, len(scores) - 1})
    fig = plot_radar(scores.iloc[picks] / 100.0, title=_title("radar", lang), lang=lang)
    ax = fig.axes[0]
    ax.set_ylim(0, 1)
    ax.set_yticks([0.25, 0.5, 0.75, 1.0], ["25", "50", "75", "100"], fontsize=8)
    ax.set_rlabel_position(90 + 180 / max(len(scores.columns), 1))
    ax.set_title(ax.get_title(), pad=22)
    fig.tight_layout()
    return fig
