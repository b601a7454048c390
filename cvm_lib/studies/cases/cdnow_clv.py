"""Case 6 · 网店客户终身价值 Customer lifetime value for an online store (CDNOW): tables of the notebook."""

from __future__ import annotations

import pandas as pd

from cvm_lib.cases import cdnow_clv as case_data
from cvm_lib.studies._base import show
from cvm_lib.studies._table import Table

__all__ = ["CONTEXT", "load", "customer_summary", "simple_table", "bgnbd_parameters", "holdout_comparison",
           "clv_comparison"]

CONTEXT = "cases.cdnow_clv"
load = case_data.load
#: Column names of a model's ``summary()`` table, old and new spellings, to the stable ones.
_SUMMARY_COLUMNS = {"estimate": "estimate", "std error": "std_error", "std_error": "std_error",
                    "lower 95%": "lower", "lower": "lower", "upper 95%": "upper", "upper": "upper"}


def customer_summary(case: case_data.CdnowCase, n: int = 5) -> Table:
    """The first ``n`` rows of the calibration / holdout summary (weeks)."""
    columns = ["frequency", "recency", "T", "monetary_value", "frequency_holdout"]
    head = case.summary[[c for c in columns if c in case.summary]].head(n)
    return show("summary", head, context=CONTEXT, record=False)


def simple_table(case: case_data.CdnowCase) -> Table:
    """The simple formula's inputs and result (one row)."""
    x = case_data.simple_inputs(case)
    table = pd.DataFrame([{"amount": x["amount"], "purchases_per_year": x["frequency"], "duration_years": x["duration"],
                           "margin": x["margin"], "clv": case_data.simple_clv(case)}])
    return show("simple_clv", table, context=CONTEXT)


def bgnbd_parameters(case: case_data.CdnowCase) -> Table:
    """The BG/NBD estimates with standard errors and 95 % intervals."""
    summary = case.bgnbd.summary()
    summary = summary() if callable(summary) else summary
    table = summary.rename(columns=_SUMMARY_COLUMNS)[["estimate", "std_error", "lower", "upper"]]
    return show("bgnbd_parameters", table.rename_axis("parameter"), context=CONTEXT,
                kinds={c: "ratio" for c in table.columns})


def holdout_comparison(case: case_data.CdnowCase) -> Table:
    """Total repeat purchases in the 39-week holdout: actual, the naive run rate and BG/NBD."""
    return show("holdout", case_data.holdout_comparison(case), context=CONTEXT)


def clv_comparison(case: case_data.CdnowCase) -> Table:
    """Simple CLV next to the BTYD CLV: mean, median, share of value in the top 10 %."""
    return show("clv_comparison", case_data.clv_comparison(case), context=CONTEXT)
