"""Figures of the value-chain / CLV study (``notebooks/02_value_chain.ipynb``).

Each function takes a result of :mod:`cvm_lib.valuechain.study` (or of
:mod:`cvm_lib.clv.checks` / :mod:`cvm_lib.valuechain`) and returns one figure, with text
in ``lang``. Call :func:`cvm_lib.plots.set_theme` first.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from cvm_lib.plots import PALETTE, plot_heatmap, plot_waterfall, sample_points, thin_curve
from cvm_lib.valuechain._common import vc_label
from cvm_lib.valuechain.study import Skipped, study_text

__all__ = ["plot_holdout_comparison", "plot_period_histogram", "plot_frequency_recency", "plot_tracking",
           "plot_clv_comparison", "plot_whale_curve", "plot_payback", "plot_value_decomposition",
           "plot_clv_waterfall"]


def _t(key: str, lang: str) -> str:
    return study_text(key, lang)


def _skipped(skipped: Skipped, lang: str) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(7, 1.2))
    ax.axis("off")
    ax.text(0.5, 0.5, skipped.reason(lang), ha="center", va="center", wrap=True)
    return fig


def plot_holdout_comparison(mc: Any, *, lang: str = "en") -> plt.Figure:
    """Mean holdout repeat purchases by calibration frequency: actual vs each model (FHL Fig. 4)."""
    fig, ax = plt.subplots(figsize=(8, 4.5))
    first = next(iter(mc.holdout.values())).table
    x = np.arange(len(first))
    ax.plot(x, first["actual_mean"], color="black", marker="o", lw=2, label=_t("actual", lang))
    for (name, hc), color in zip(mc.holdout.items(), sns.color_palette(PALETTE)[1:], strict=False):
        ax.plot(x, hc.table["predicted_mean"], marker="s", ls="--", color=color, label=_t(name, lang))
    ax.set_xticks(x, first.index.tolist())
    ax.set_xlabel(_t("frequency_class", lang))
    ax.set_ylabel(_t("actual_mean", lang).replace("（均值）", "").replace(" (mean)", "")
                  + (" / 每客户" if lang == "zh" else " per customer"))
    ax.set_title("Calibration vs holdout: conditional expectations" if lang == "en" else "校准期与检验期：条件期望")
    ax.legend()
    fig.tight_layout()
    return fig


def plot_period_histogram(mc: Any, *, lang: str = "en") -> plt.Figure:
    """Customers by number of calibration repeat purchases: actual and each model (bars)."""
    hists = mc.histogram
    first = next(iter(hists.values())).table
    series = {_t("actual", lang): first["actual"].to_numpy(dtype=float)}
    for name, h in hists.items():
        series[f"{_t(name, lang)} (χ² = {h.chi2:.1f})"] = h.table["expected"].to_numpy()
    fig, ax = plt.subplots(figsize=(9, 4.5))
    width = 0.8 / len(series)
    x = np.arange(len(first))
    colors = ["dimgray", *sns.color_palette(PALETTE)[1:]]
    for i, ((name, values), color) in enumerate(zip(series.items(), colors, strict=False)):
        ax.bar(x + (i - (len(series) - 1) / 2) * width, values, width=width, color=color, label=name)
    ax.set_xticks(x, first.index.tolist())
    ax.set_xlabel(_t("repeat_purchases", lang))
    ax.set_ylabel(_t("customers", lang))
    ax.set_title("Period-transaction histogram: actual vs model" if lang == "en" else "校准期购买次数分布：实际与模型")
    ax.legend()
    fig.tight_layout()
    return fig


def plot_frequency_recency(mc: Any, what: str = "expected", *, lang: str = "en") -> plt.Figure:
    """Heatmap of expected purchases (``what="expected"``) or P(alive) over frequency x recency."""
    grid = mc.grid
    if what not in ("expected", "p_alive"):
        raise ValueError("what must be 'expected' or 'p_alive'")
    table = grid.expected if what == "expected" else grid.p_alive
    table = table.set_axis([f"{c:g}" for c in table.columns], axis=1)
    model = _t(mc.chosen, lang)
    if what == "expected":
        title = (f"{model}: expected purchases in the next {grid.t:.1f} periods (T = {grid.T:.1f})" if lang == "en"
                 else f"{model}：未来 {grid.t:.1f} 期的预期购买次数（T = {grid.T:.1f}）")
    else:
        title = (f"{model}: probability of being alive (T = {grid.T:.1f})" if lang == "en"
                 else f"{model}：客户存活概率（T = {grid.T:.1f}）")
    return plot_heatmap(table, title=title, xlabel=("Recency (time of the last purchase)" if lang == "en" else "最近购买时间（末次购买时点）"),
                        ylabel=("Frequency (repeat purchases)" if lang == "en" else "频次（重复购买次数）"),
                        fmt=".2f", cmap="viridis" if what == "expected" else "RdYlGn", lang=lang)


def plot_tracking(mc: Any, *, lang: str = "en") -> plt.Figure:
    """Cumulative (left) and per-period (right) repeat transactions, actual vs models, with the calibration end."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4.5))
    first = next(iter(mc.tracking.values()))
    tbl = first.table
    left.plot(tbl["end"], tbl["actual_cumulative"], color="black", lw=2, label=_t("actual", lang))
    right.plot(tbl["end"], tbl["actual"], color="black", lw=1.5, label=_t("actual", lang))
    # per period: complete periods only (a short last period would look like a collapse)
    ends = tbl["end"]
    lengths = ends.diff().dt.days.to_numpy()
    full = np.ones(len(tbl), dtype=bool)
    if len(tbl) > 2 and lengths[-1] < lengths[-2]:
        full[-1] = False
    right.lines[-1].set_data(ends[full], tbl["actual"][full])
    for (name, tr), color in zip(mc.tracking.items(), sns.color_palette(PALETTE)[1:], strict=False):
        left.plot(tr.table["end"], tr.table["expected_cumulative"], ls="--", color=color, label=_t(name, lang))
        right.plot(tr.table["end"][full], tr.table["expected"][full], ls="--", color=color, label=_t(name, lang))
    for ax in (left, right):
        ax.axvline(first.calibration_end, color="grey", ls=":", lw=1.5)
        ax.text(first.calibration_end, ax.get_ylim()[1] * 0.97, " " + _t("calibration_end", lang), va="top",
                fontsize=9, color="grey")
        ax.set_xlabel(_t("end", lang))
        ax.legend(loc="lower right" if ax is left else "upper right")
        plt.setp(ax.get_xticklabels(), rotation=30, ha="right")
    left.set_ylabel("Cumulative repeat transactions" if lang == "en" else "累计重复购买次数")
    right.set_ylabel("Repeat transactions per period" if lang == "en" else "每期重复购买次数")
    fig.suptitle("Tracking: actual vs expected repeat transactions" if lang == "en" else "跟踪图：实际与预期重复购买")
    fig.tight_layout()
    return fig


def plot_clv_comparison(clv: Any, *, lang: str = "en") -> plt.Figure:
    """Teaching CLV vs model CLV per customer (log-log scatter), with the diagonal."""
    pc = sample_points(clv.per_customer)  # display only: at most MAX_SCATTER_POINTS customers
    fig, ax = plt.subplots(figsize=(6, 5.5))
    floor = 0.01
    x = pc["current_value"].clip(lower=floor)
    y = pc["teaching_clv"].clip(lower=floor)
    ax.scatter(x, y, s=6, alpha=0.3, color=sns.color_palette(PALETTE)[0])
    top = float(max(x.max(), y.max()))
    ax.plot([floor, top], [floor, top], color="grey", ls="--", lw=1)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(_t("model_clv", lang))
    ax.set_ylabel(_t("teaching_clv", lang))
    ax.set_title("Teaching baseline vs model CLV (values below 0.01 shown at 0.01)" if lang == "en"
                 else "教学版与模型 CLV（低于 0.01 的值画在 0.01）", fontsize=10)
    fig.tight_layout()
    return fig


def plot_whale_curve(whale: Any, *, lang: str = "en") -> plt.Figure:
    """Whale curve: cumulative profit (% of total) against the share of customers, most profitable first."""
    curve = thin_curve(whale.curve)  # display only; the peak is drawn from the whole curve
    fig, ax = plt.subplots(figsize=(7, 4.8))
    ax.plot(curve["share_of_customers"], curve["cumulative_profit_pct"], color=sns.color_palette(PALETTE)[0], lw=2)
    ax.axhline(100, color="grey", ls="--", lw=1)
    ax.scatter([whale.peak_share], [whale.peak_pct], color=sns.color_palette(PALETTE)[3], zorder=3)
    peak_text = (f"peak {whale.peak_pct:.1f}% of profit at {whale.peak_share:.1%} of customers" if lang == "en"
                 else f"峰值：{whale.peak_share:.1%} 的客户贡献 {whale.peak_pct:.1f}% 的利润")
    ax.annotate(peak_text, (whale.peak_share, whale.peak_pct), textcoords="offset points", xytext=(-10, -40),
                ha="right", arrowprops={"arrowstyle": "->", "color": "grey"})
    ax.set_xlim(0, 1)
    ax.set_ylim(min(0.0, float(curve["cumulative_profit_pct"].min())), max(105.0, whale.peak_pct * 1.05))
    ax.set_xlabel("Share of customers (most profitable first)" if lang == "en" else "客户占比（利润从高到低）")
    ax.set_ylabel("Cumulative profit (% of total)" if lang == "en" else "累计利润（占总利润%）")
    ax.set_title("Whale curve" if lang == "en" else "鲸鱼曲线")
    fig.tight_layout()
    return fig


def plot_payback(payback: Any, *, lang: str = "en") -> plt.Figure:
    """Mean cumulative margin minus acquisition cost by months since acquisition, per channel."""
    if isinstance(payback, Skipped):
        return _skipped(payback, lang)
    from cvm_lib.retention.study import value_label

    wide = payback.curve_wide("net")
    fig, ax = plt.subplots(figsize=(8.5, 4.8))
    for channel, color in zip(wide.columns, sns.color_palette(PALETTE), strict=False):
        name = f"{value_label('acquisition_channel', channel, lang)} ({payback.payback_label(channel, lang)})"
        ax.plot(wide.index, wide[channel], marker="o", ms=3, color=color, label=name)
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xlabel("Months since acquisition" if lang == "en" else "获客后月数")
    ax.set_ylabel("Mean cumulative margin − acquisition cost" if lang == "en" else "人均累计毛利 − 获客成本")
    ax.set_title("Acquisition payback by channel (payback period in brackets)" if lang == "en"
                 else "各渠道获客成本回收（括号内为回收期）")
    ax.legend(fontsize=9)
    fig.tight_layout()
    return fig


def plot_value_decomposition(clv: Any, *, lang: str = "en") -> plt.Figure:
    """Stacked bars of mean historical, current and potential value per customer, by segment."""
    ps = clv.decomposition.per_segment.sort_values("mean_total_value")
    parts = ["historical_value", "current_value", "potential_value"]
    fig, ax = plt.subplots(figsize=(9, max(3.5, 0.5 * len(ps) + 1.5)))
    left = np.zeros(len(ps))
    for part, color in zip(parts, sns.color_palette(PALETTE), strict=False):
        values = ps[f"mean_{part}"].to_numpy()
        ax.barh([str(i) for i in ps.index], values, left=left, color=color, label=vc_label(part, lang))
        left += values
    for y, (total, n) in enumerate(zip(left, ps["customers"], strict=True)):
        ax.text(total, y, f"  {total:,.1f}  (n={n:,})", va="center", fontsize=8)
    ax.margins(x=0.2)
    ax.set_xlabel("Mean value per customer" if lang == "en" else "人均价值")
    ax.set_title("Historical, current and potential value by segment" if lang == "en"
                 else "各客户群的历史价值、当前价值与潜在价值")
    ax.legend(loc="lower right")
    fig.tight_layout()
    return fig


def plot_clv_waterfall(steps: pd.Series, *, lang: str = "en") -> plt.Figure:
    """Waterfall from acquisition cost to net customer value (mean per customer)."""
    title = "From acquisition cost to CLV (mean per customer)" if lang == "en" else "从获客成本到客户终身价值（人均）"
    note = steps.attrs.get("note")
    if note:
        title = f"{title}\n{note}"
    return plot_waterfall(steps, title=title, lang=lang, total_label=vc_label("net_value", lang))
