"""Bilingual (English / 中文) labels for figures, tables and reports.

Every user-facing label goes through :func:`label`, so a study switches language
with one parameter (``lang="zh"`` or ``"en"``).
"""

from __future__ import annotations

__all__ = ["LANGUAGES", "LABELS", "label", "check_lang"]

LANGUAGES = ("en", "zh")

LABELS: dict[str, tuple[str, str]] = {
    # key: (English, 中文)
    "period": ("Period", "期间"),
    "month": ("Month", "月份"),
    "purchases": ("Purchases", "购买次数"),
    "revenue": ("Revenue", "销售额"),
    "active_customers": ("Active customers", "活跃客户数"),
    "new_customers": ("New customers", "新增客户数"),
    "customers": ("Customers", "客户数"),
    "frequency": ("Frequency (repeat purchase days)", "购买频次（重复购买天数）"),
    "recency": ("Recency (first to last purchase)", "最近购买（首购至末购时长）"),
    "T": ("Age T (first purchase to end)", "客户年龄 T（首购至观察期末）"),
    "monetary_value": ("Mean repeat spend", "平均重复消费金额"),
    "activity_title": ("Purchases and revenue over time", "购买次数与销售额的时间趋势"),
    "new_customers_title": ("New customers per period", "各期新增客户数"),
    "rfm_title": ("Distributions of frequency, recency and spend", "购买频次、最近购买与消费金额的分布"),
    "cumulative share of customers": ("Cumulative share of customers", "客户累计占比"),
    "cumulative share of value": ("Cumulative share of value", "价值累计占比"),
    "value share": ("value share", "价值占比"),
    "share still active": ("Share still active", "仍活跃的比例"),
    "share of customers targeted": ("Share of customers targeted", "目标客户占比"),
    "share of churners found": ("Share of churners found", "识别出的流失客户占比"),
    "lift": ("Lift", "提升度"),
    "total": ("Total", "合计"),
    "D": ("days", "天"),
    "W": ("weeks", "周"),
    "M": ("months", "月"),
    "Y": ("years", "年"),
}


def check_lang(lang: str) -> str:
    """Validate a language code (``"en"`` or ``"zh"``)."""
    if lang not in LANGUAGES:
        raise ValueError(f"lang={lang!r}; use one of {', '.join(LANGUAGES)}")
    return lang


def label(key: str, lang: str = "en") -> str:
    """The label for ``key`` in ``lang``; unknown keys are returned unchanged.

    Examples
    --------
    >>> label("revenue", "zh"), label("revenue"), label("store_17", "zh")
    ('销售额', 'Revenue', 'store_17')
    """
    english, chinese = LABELS.get(key, (key, key))
    return chinese if check_lang(lang) == "zh" else english
