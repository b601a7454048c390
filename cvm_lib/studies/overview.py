"""The data overview study (``notebooks/00_data_overview.ipynb``, label context ``"overview"``).

What is in a transaction log before any model is fitted: how it was read (the data
quality table of :func:`cvm_lib.data.quality_table`), how purchases, revenue, new and
active customers move per calendar period (:func:`cvm_lib.summary.activity_by_period`),
how frequency, recency and spend are distributed over customers
(:func:`cvm_lib.summary.rfm_summary`), and the study's key figures. Sentences are
generated from the results of the data at hand.

Examples
--------
>>> from cvm_lib.studies import set_display
>>> _ = set_display("zh")
>>> case = load("cdnow_sample")
>>> quality = data_quality(case)
>>> quality.to_frame("zh").iloc[3].tolist()
['客户数', '', '2,357', '', '']
>>> figures = {f["name"]: f for f in key_figures(case, customer_summary(case, "W"))}
>>> figures["customers"]["value"], figures["revenue"]["unit"], figures["repeat_customer_share"]["label"]["zh"]
(2357, 'currency', '重复购买客户占比')
>>> _ = set_display("en")
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from cvm_lib.data import QUALITY_PROBLEMS, quality_table
from cvm_lib.labels import label
from cvm_lib.plots import PALETTE
from cvm_lib.studies._base import Case, Narrative, Sentence, key_figure, load_case, q, say, show
from cvm_lib.studies._table import Table, display_settings, set_display
from cvm_lib.summary import activity_by_period, rfm_summary

__all__ = ["CONTEXT", "load", "data_quality", "quality_frame", "quality_sentence", "activity", "activity_sentences",
           "customer_summary", "summary_statistics", "summary_sentence", "key_figures", "activity_figure",
           "new_customers_figure", "rfm_figure"]

CONTEXT = "overview"
TIME_UNITS = ("D", "W", "M", "Y")
STATISTICS = ("mean", "std", "min", "p25", "median", "p75", "max")


def _lang() -> str:
    return display_settings()["lang"]


def _text(key: str, **fields: Any) -> str:
    return label(key, _lang(), context=CONTEXT, **fields)


# --------------------------------------------------------------------------- the case

def load(data: Any = "cdnow", *, observation_end: Any = None, currency: str | None = None) -> Case:
    """The log of the study (:func:`cvm_lib.studies.load_case`); tables then show its currency.

    ``currency`` None: that of the bundled data, else ¥ for a Chinese report and $.
    """
    case = load_case(data, observation_end=observation_end, currency=currency)
    set_display(currency=case.currency)
    return case


# --------------------------------------------------------------------------- data quality

def data_quality(case: Case) -> Table:
    """The data-quality table (recorded as ``data_quality``): what was read, kept and done about problems."""
    return show("data_quality", quality_table(case.transactions), context=CONTEXT, kinds={"value": None})


def quality_frame(tx: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """The data-quality table of a loaded log as text in ``lang`` (for ``cvm check-data``; nothing is recorded).

    >>> from cvm_lib.data import validate_transactions
    >>> tx = validate_transactions(pd.DataFrame({"customer_id": ["a"], "date": ["2024-01-01"], "amount": [1.0]}))
    >>> quality_frame(tx, "zh").iloc[-1].tolist()
    ['发现的问题', '', '0', '', '无']
    """
    return Table(quality_table(tx), context=CONTEXT, kinds={"value": None}).to_frame(lang)


def quality_sentence(case: Case) -> Sentence:
    """One sentence on the problems found while loading (or that there is no load report)."""
    report = case.transactions.attrs.get("load_report")
    if not report:
        return say("say_no_report", context=CONTEXT)
    problems = report.get("problems", [])
    if not problems:
        return say("say_no_problems", context=CONTEXT)
    # an unmatched return is one of the negative amounts already counted: its rows are not added again
    rows = sum(int(p["rows"]) for p in problems if QUALITY_PROBLEMS.get(p["problem"]) != "unmatched_return")
    return say("say_problems", context=CONTEXT, kinds=q(len(problems), "count"), rows=q(rows, "count"))


# --------------------------------------------------------------------------- activity over time

def activity(case: Case, period: str = "M") -> Table:
    """Purchases, revenue, active and new customers per calendar period (recorded as ``activity``)."""
    table = activity_by_period(case.transactions, period=period, observation_end=case.observation_end)
    return show("activity", table, context=CONTEXT)


def _periods(frame: pd.DataFrame) -> pd.PeriodIndex:
    return pd.PeriodIndex(frame["period"]) if "period" in frame else pd.PeriodIndex(frame.index)


def activity_sentences(case: Case, table: Table | pd.DataFrame) -> Narrative:
    """The peak period, the last one (and whether it is complete), and when customers arrived."""
    frame = table.data if isinstance(table, Table) else table.reset_index()
    periods = _periods(frame)
    revenue = frame["revenue"].to_numpy(dtype=float)
    peak = int(np.argmax(revenue))
    sentences: list[Sentence] = [say("say_peak", context=CONTEXT, peak=str(periods[peak]),
                                     peak_revenue=q(revenue[peak], "money"), last=str(periods[-1]),
                                     last_revenue=q(revenue[-1], "money"))]
    if periods[-1].end_time.normalize() > case.observation_end:
        sentences.append(say("say_partial_last", context=CONTEXT, end=q(case.observation_end, "date")))
    new = frame["new_customers"].to_numpy(dtype=float)
    if new.sum() > 0:
        cumulative = np.cumsum(new) / new.sum()
        half = int(np.searchsorted(cumulative, 0.5))
        first_quarter = max(1, int(np.ceil(len(new) / 4)))
        sentences.append(say("say_acquisition", context=CONTEXT, half=str(periods[half]),
                             share=q(cumulative[first_quarter - 1], "share")))
    return Narrative(sentences)


# --------------------------------------------------------------------------- customer summary

def customer_summary(case: Case, time_unit: str = "W") -> pd.DataFrame:
    """One row per customer in the BTYD conventions (:func:`cvm_lib.summary.rfm_summary`).

    ``time_unit`` is one of D, W, M, Y (the unit recency and T are reported in).
    """
    if time_unit not in TIME_UNITS:
        raise ValueError(f"time_unit={time_unit!r}; use one of {', '.join(TIME_UNITS)} (notebook parameter time_unit)")
    return rfm_summary(case.transactions, observation_end=case.observation_end, time_unit=time_unit)


def _statistics(values: pd.Series) -> list[float]:
    if values.empty:
        return [float("nan")] * len(STATISTICS)
    quantiles = values.quantile([0.25, 0.5, 0.75]).to_numpy(dtype=float)
    return [float(values.mean()), float(values.std()) if len(values) > 1 else float("nan"), float(values.min()),
            quantiles[0], quantiles[1], quantiles[2], float(values.max())]


def summary_statistics(summary: pd.DataFrame) -> Table:
    """Mean, spread and quartiles of frequency and T (all customers), recency and spend (repeat customers).

    Recorded as ``customer_summary``; recency and mean repeat spend are 0 for one-time
    buyers by definition, so they are described over the repeat customers only.
    """
    repeat = summary[summary["frequency"] > 0]
    table = pd.DataFrame({"statistic": list(STATISTICS),
                          "frequency": _statistics(summary["frequency"]),
                          "recency": _statistics(repeat["recency"]),
                          "T": _statistics(summary["T"]),
                          "monetary_value": _statistics(repeat["monetary_value"])})
    return show("customer_summary", table, context=CONTEXT, kinds={"frequency": "duration"})  # one decimal throughout


def _unit_key(summary: pd.DataFrame) -> str:
    unit = summary.attrs.get("time_unit", "D")
    if unit not in TIME_UNITS:
        raise ValueError(f"the summary's time unit {unit!r} is not one of {', '.join(TIME_UNITS)}")
    return f"time_unit_{unit}"


def summary_sentence(summary: pd.DataFrame) -> Sentence:
    """The time unit of recency and T, and how many repeat customers the spend figures rest on."""
    return say("say_units", context=CONTEXT, unit=("label", _unit_key(summary)),
               repeaters=q(int((summary["frequency"] > 0).sum()), "count"))


# --------------------------------------------------------------------------- key figures

def key_figures(case: Case, summary: pd.DataFrame) -> list[dict[str, Any]]:
    """The study's key figures (for :func:`cvm_lib.studies.record_figures`), labelled in both languages."""
    tx = case.transactions
    repeat = summary["frequency"] > 0
    return [
        key_figure("customers", int(len(summary)), "customers", context=CONTEXT, headline=True),
        key_figure("transactions", int(len(tx)), "transactions", context=CONTEXT, headline=True),
        key_figure("revenue", round(float(tx["amount"].sum()), 2), "currency", context=CONTEXT, headline=True),
        key_figure("first_date", tx["date"].min().date().isoformat(), "date", context=CONTEXT),
        key_figure("last_date", tx["date"].max().date().isoformat(), "date", context=CONTEXT),
        key_figure("repeat_customer_share", float(repeat.mean()), "share", context=CONTEXT, headline=True),
        key_figure("mean_frequency", float(summary["frequency"].mean()), "purchase_days", context=CONTEXT),
        key_figure("mean_repeat_spend", float(summary.loc[repeat, "monetary_value"].mean()) if repeat.any() else 0.0,
                   "currency", context=CONTEXT),
    ]


def overview_sentences(case: Case, summary: pd.DataFrame) -> Narrative:
    """The size of the log and how many customers came back, in two sentences."""
    tx = case.transactions
    repeat = summary["frequency"] > 0
    return Narrative([
        say("say_size", context=CONTEXT, customers=q(len(summary), "count"), transactions=q(len(tx), "count"),
            first=q(tx["date"].min(), "date"), last=q(tx["date"].max(), "date"),
            revenue=q(float(tx["amount"].sum()), "money")),
        say("say_repeat", context=CONTEXT, share=q(float(repeat.mean()), "share"),
            frequency=q(float(summary["frequency"].mean()), "number")),
    ])


__all__.append("overview_sentences")


# --------------------------------------------------------------------------- study figures

def _x(frame: pd.DataFrame) -> pd.DatetimeIndex:
    return _periods(frame).to_timestamp()


def _frame(activity_table: Table | pd.DataFrame) -> pd.DataFrame:
    if isinstance(activity_table, Table):
        return activity_table.data
    return activity_table.reset_index() if "period" not in activity_table else activity_table


def activity_figure(activity_table: Table | pd.DataFrame, *, ax: plt.Axes | None = None) -> plt.Axes:
    """Purchases (bars) and revenue (line, right axis) per period, in the display language."""
    frame = _frame(activity_table)
    currency = display_settings()["currency"]
    if ax is None:
        ax = plt.figure(figsize=(9, 4)).add_subplot()
    x = _x(frame)
    width = (x[1] - x[0]).days * 0.8 if len(x) > 1 else 20
    palette = sns.color_palette(PALETTE)
    ax.bar(x, frame["purchases"], width=width, color=palette[0], alpha=0.7, label=_text("purchases"))
    ax.set_ylabel(_text("purchases"))
    right = ax.twinx()
    revenue = f"{_text('revenue')} ({currency})"
    right.plot(x, frame["revenue"], color=palette[3], marker="o", label=revenue)
    right.set_ylabel(revenue)
    right.grid(False)
    ax.set_xlabel(_text("period"))
    ax.set_title(_text("activity_title"))
    handles = ax.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    ax.legend(handles, [h.get_label() for h in handles], loc="upper right")
    ax.figure.autofmt_xdate()
    return ax


def new_customers_figure(activity_table: Table | pd.DataFrame, *, ax: plt.Axes | None = None) -> plt.Axes:
    """New and active customers per period, in the display language."""
    frame = _frame(activity_table)
    if ax is None:
        ax = plt.figure(figsize=(9, 4)).add_subplot()
    x = _x(frame)
    ax.plot(x, frame["new_customers"], marker="o", label=_text("new_customers"))
    ax.plot(x, frame["active_customers"], marker="s", label=_text("active_customers"))
    ax.set_xlabel(_text("period"))
    ax.set_ylabel(_text("customers"))
    ax.set_title(_text("new_customers_title"))
    ax.legend()
    ax.figure.autofmt_xdate()
    return ax


def rfm_figure(summary: pd.DataFrame, *, max_frequency: int = 20) -> plt.Figure:
    """Histograms of frequency (all customers), recency and mean repeat spend (repeat customers).

    Frequencies of ``max_frequency`` or more are pooled in the last bar; spend is on a log scale.
    """
    lang, currency = _lang(), display_settings()["currency"]
    repeat = summary[summary["frequency"] > 0]
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    sns.histplot(summary["frequency"].clip(upper=max_frequency), discrete=True, ax=axes[0])
    axes[0].set_xlabel(_text("axis_frequency", cap=max_frequency))
    if len(repeat):
        sns.histplot(repeat["recency"], bins=30, ax=axes[1])
        positive = repeat["monetary_value"][repeat["monetary_value"] > 0]
        if len(positive):
            sns.histplot(positive, bins=40, log_scale=True, ax=axes[2])
    axes[1].set_xlabel(_text("axis_recency", unit=label(_unit_key(summary), lang, context=CONTEXT)))
    axes[2].set_xlabel(_text("axis_spend", currency=currency))
    for ax in axes:
        ax.set_ylabel(_text("customers"))
    fig.suptitle(_text("rfm_title"))
    fig.tight_layout()
    return fig
