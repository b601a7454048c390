"""Key figures of a value-chain study, ready for :func:`cvm_lib.results.record_many`."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from cvm_lib.valuechain._common import lang_index, vc_label
from cvm_lib.valuechain.acquisition import AcquisitionPayback, ValueChainStages
from cvm_lib.valuechain.profitability import WhaleCurve, profitability_deciles

__all__ = ["valuechain_figures"]


def valuechain_figures(*, profitability: pd.DataFrame | None = None, whale: WhaleCurve | None = None,
                       payback: AcquisitionPayback | None = None, stages: ValueChainStages | None = None,
                       lang: str = "en") -> list[dict[str, Any]]:
    """Key-figure records (``name``, ``value``, ``unit``, ``label``, ``headline``) of the results given.

    Missing values are never recorded: a payback period that is not reached is recorded
    as the text ``"not within the data"`` (in ``lang``) and metrics the data cannot give
    are left out.

    Examples
    --------
    >>> profit = pd.DataFrame({"revenue": [100.0, 80.0, 50.0], "profit": [40.0, 20.0, -10.0]},
    ...                       index=["a", "b", "c"])
    >>> from cvm_lib.valuechain import whale_curve
    >>> figs = valuechain_figures(profitability=profit, whale=whale_curve(profit["profit"]), lang="zh")
    >>> [(f["name"], f["value"]) for f in figs]
    [('total_profit', 50.0), ('unprofitable_share', 0.333...), ('whale_peak_pct', 120.0), ('whale_peak_share', 0.666...)]
    >>> figs[0]["label"]
    '客户利润总额'
    """
    lang_index(lang)
    out: list[dict[str, Any]] = []

    def add(name: str, value: Any, unit: str, label: str | None = None, headline: bool = False) -> None:
        if isinstance(value, float) and not math.isfinite(value):
            return
        out.append({"name": name, "value": value, "unit": unit, "label": label or vc_label(name, lang),
                    "headline": headline})

    if profitability is not None:
        profit = profitability["profit"]
        add("total_profit", round(float(profit.sum()), 2), "currency", headline=True)
        add("unprofitable_share", float((profit < 0).mean()), "share", headline=True)
        if len(profit) >= 10 and profit.sum() != 0:
            deciles = profitability_deciles(profit)
            add("top_decile_profit_share", float(deciles["share_of_profit"].iloc[0]), "share")
    if whale is not None:
        add("whale_peak_pct", whale.peak_pct, "%", headline=True)
        add("whale_peak_share", whale.peak_share, "share")
    if payback is not None:
        for channel, row in payback.summary.iterrows():
            label = f"{vc_label('payback_period', lang)} – {channel}"
            value = int(row["payback_period"]) if row["paid_back"] else vc_label("not_within_data", lang)
            add(f"payback_period_{channel}", value, str(payback.period) if row["paid_back"] else "", label, True)
            add(f"net_value_{channel}", float(row["net_value"]), "currency",
                f"{vc_label('long_run_value', lang)} – {channel}")
            add(f"retention_12m_{channel}", float(row["retention_12m"]), "share",
                f"{vc_label('retention_12m', lang)} – {channel}")
    if stages is not None:
        for row in stages.table.itertuples(index=False):
            add(f"{row.stage}_{row.metric}", float(row.value), row.unit, vc_label(row.metric, lang))
    return out
