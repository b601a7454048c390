"""Figures over tidy tables, one figure per call, in a consistent CJK-capable theme.

Call :func:`set_theme` once per notebook. Chinese labels render with a CJK font:
a system one when present (Noto Sans CJK, Source Han Sans, WenQuanYi, SimHei,
Microsoft YaHei, PingFang), otherwise the Noto Sans CJK font installed with the
project (package ``cvttf-notosanscjk-regular``), so no glyph shows as a box.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib import font_manager

from cvm_lib.labels import check_lang, label

__all__ = ["set_theme", "cjk_font_name", "plot_activity", "plot_new_customers", "plot_rfm_distributions"]

_SYSTEM_CJK = ("Noto Sans CJK SC", "Noto Sans CJK TC", "Source Han Sans SC", "Source Han Sans CN",
               "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "SimHei", "Microsoft YaHei", "PingFang SC")
PALETTE = "deep"


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


def plot_activity(activity: pd.DataFrame, *, lang: str = "en") -> plt.Figure:
    """Purchases (bars) and revenue (line, right axis) per period.

    ``activity`` is the table of :func:`cvm_lib.summary.activity_by_period`.
    """
    fig, ax = plt.subplots(figsize=(9, 4))
    x = activity.index.to_timestamp() if isinstance(activity.index, pd.PeriodIndex) else activity.index
    width = (x[1] - x[0]).days * 0.8 if len(x) > 1 else 20
    ax.bar(x, activity["purchases"], width=width, color=sns.color_palette(PALETTE)[0], alpha=0.7,
           label=label("purchases", lang))
    ax.set_ylabel(label("purchases", lang))
    right = ax.twinx()
    right.plot(x, activity["revenue"], color=sns.color_palette(PALETTE)[3], marker="o", label=label("revenue", lang))
    right.set_ylabel(label("revenue", lang))
    right.grid(False)
    ax.set_xlabel(label("period", lang))
    ax.set_title(label("activity_title", lang))
    handles = ax.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    ax.legend(handles, [h.get_label() for h in handles], loc="upper right")
    fig.autofmt_xdate()
    return fig


def plot_new_customers(activity: pd.DataFrame, *, lang: str = "en") -> plt.Figure:
    """New and active customers per period (from :func:`cvm_lib.summary.activity_by_period`)."""
    fig, ax = plt.subplots(figsize=(9, 4))
    x = activity.index.to_timestamp() if isinstance(activity.index, pd.PeriodIndex) else activity.index
    ax.plot(x, activity["new_customers"], marker="o", label=label("new_customers", lang))
    ax.plot(x, activity["active_customers"], marker="s", label=label("active_customers", lang))
    ax.set_xlabel(label("period", lang))
    ax.set_ylabel(label("customers", lang))
    ax.set_title(label("new_customers_title", lang))
    ax.legend()
    fig.autofmt_xdate()
    return fig


def plot_rfm_distributions(summary: pd.DataFrame, *, lang: str = "en", max_frequency: int = 20) -> plt.Figure:
    """Histograms of frequency, recency and mean repeat spend of a :func:`rfm_summary` table.

    Recency and spend are shown for repeat customers only (they are 0 otherwise);
    frequencies above ``max_frequency`` are pooled in the last bar.
    """
    unit = summary.attrs.get("time_unit", "D")
    unit_text = label(unit, lang) if isinstance(unit, str) else f"{unit}d"
    repeat = summary[summary["frequency"] > 0]
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    sns.histplot(summary["frequency"].clip(upper=max_frequency), discrete=True, ax=axes[0])
    axes[0].set_xlabel(label("frequency", lang))
    sns.histplot(repeat["recency"], bins=30, ax=axes[1])
    axes[1].set_xlabel(f"{label('recency', lang)} [{unit_text}]")
    sns.histplot(repeat["monetary_value"], bins=40, log_scale=True, ax=axes[2])
    axes[2].set_xlabel(label("monetary_value", lang))
    for ax in axes:
        ax.set_ylabel(label("customers", lang))
    fig.suptitle(label("rfm_title", lang))
    fig.tight_layout()
    return fig
