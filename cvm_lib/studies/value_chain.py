"""The value-chain / CLV study (``notebooks/02_value_chain.ipynb``): sections, tables, key figures, figures.

Every notebook cell is one call here and a display. The statistics come from
:mod:`cvm_lib.clv` (models, checks, CLV) and :mod:`cvm_lib.valuechain` (profitability,
payback, stages, waterfall), which know no notebook and no language; this module chooses
the calibration split and the units, records tidy tables with stable columns
(:func:`~cvm_lib.studies.show`), writes the key figures (:func:`~cvm_lib.studies.key_figure`)
and the sentences (:func:`~cvm_lib.studies.say`) from the results of the data it runs on,
and says when a section cannot be run (:class:`~cvm_lib.studies.Skipped`). Labels: the
``value_chain`` context of :mod:`cvm_lib.labels`.

Data (:func:`load`)
-------------------
:func:`cvm_lib.studies.load_case` (``"retail_demo"``, ``"cdnow"``, ``"cdnow_sample"``, a
file or a DataFrame) and the value-chain preparation (:func:`prepare`): the calibration
split and the BTYD summaries. ``retail_demo`` has the cost of goods per line and the
acquisition channel, acquisition cost and cost-to-serve rate per customer. Other data:
profit uses ``margin`` as the gross margin (an assumption the key figures state), the
cost to serve is 0, the acquisition cost unknown (0 in the waterfall, with a note) and the
payback by channel is skipped with the reason.

Calibration end: CDNOW's 1997-09-30 (Fader, Hardie & Lee 2005) for ``cdnow`` and
``cdnow_sample``, otherwise the midpoint between the first purchase and the observation end.

Units
-----
Model time is ``time_unit`` (``"W"`` by default); ``horizon`` is in ``time_unit`` periods;
``discount_rate`` is PER YEAR and converted to the rate per period
(:func:`cvm_lib.valuechain.annual_to_period_rate`). Money is in the case's currency.

Values (:func:`clv_study`)
--------------------------
* **teaching CLV** = mean spend per purchase day × repeat purchase rate (``frequency / T``)
  × ``horizon`` × ``margin``: no dropout, no discounting.
* **historical value** = margin realised to the observation end.
* **current value** = the model CLV over ``horizon`` periods (purchase model refitted on the
  whole window, Gamma-Gamma spend, ``margin``, discount rate per period), with an interval
  from the purchase model's parameter uncertainty when ``interval`` is set.
* **potential value** = :func:`cvm_lib.valuechain.potential_value`; a cross-sell adoption is
  worth the mean historical value, a referred customer the mean current value less the
  mean acquisition cost.

Examples
--------
>>> vc = load("cdnow_sample")
>>> str(vc.calibration_end.date()), str(vc.observation_end.date()), len(vc.cal_holdout), vc.currency
('1997-09-30', '1998-06-30', 2357, '$')
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cvm_lib.clv import checks
from cvm_lib.labels import label, unit_label, value_label
from cvm_lib.studies._base import (UNIT_KINDS, Case, Narrative, Sentence, Skipped, key_figure, load_case, q, say,
                                   show, source_name)
from cvm_lib.studies._table import Table, display_settings, format_table, format_value
from cvm_lib.data import as_day
from cvm_lib.datasets import summary_source
from cvm_lib.summary import calibration_holdout, rfm_summary
from cvm_lib.valuechain import (AcquisitionPayback, ValueChainStages, ValueDecomposition, WhaleCurve,
                                acquisition_payback, annual_to_period_rate, clv_waterfall, customer_profitability,
                                historical_value, potential_value, profitability_deciles, value_chain_stages,
                                value_decomposition, whale_curve)

__all__ = ["CONTEXT", "MODELS", "ValueChainData", "load", "prepare", "data_table", "ModelFits", "fit_models",
           "model_fit_table", "model_parameters_table", "ModelChecks", "model_checks", "check_metrics_table",
           "holdout_table", "histogram_table", "check_narrative", "ClvStudy", "clv_study", "clv_parameters_table",
           "clv_interval_table", "covariate_effects_table", "clv_comparison_table", "value_by_segment_table",
           "clv_narrative", "profitability_study", "deciles_table", "whale_study", "profitability_narrative",
           "payback_study", "payback_table", "payback_narrative", "stages_study", "stages_table", "waterfall_study",
           "waterfall_narrative", "key_figures", "holdout_figure", "histogram_figure", "frequency_recency_figure",
           "tracking_figure", "clv_comparison_figure", "value_decomposition_figure", "whale_figure",
           "payback_figure", "waterfall_figure"]

CONTEXT = "value_chain"
#: The purchase models the study fits (clv class names, also the catalogue keys of their names).
MODELS = ("BetaGeo", "ModifiedBetaGeo", "ParetoNBD")
_CDNOW = ("cdnow", "cdnow_sample")
_CDNOW_CALIBRATION_END = "1997-09-30"


def _lang() -> str:
    return display_settings()["lang"]


def _t(key: str, **fields: Any) -> str:
    """A value-chain label in the display language."""
    return label(key, _lang(), context=CONTEXT, **fields)


# --------------------------------------------------------------------------- data

@dataclass(frozen=True, eq=False)
class ValueChainData:
    """A :class:`~cvm_lib.studies.Case` prepared for the value-chain study (see :func:`prepare`).

    Attributes
    ----------
    case : Case
    calibration_end : Timestamp
    time_unit : str or float
    cal_holdout : DataFrame
        :func:`cvm_lib.summary.calibration_holdout` at ``calibration_end``.
    summary : DataFrame
        :func:`cvm_lib.summary.rfm_summary` over the whole window (for the CLV).
    has_cogs : bool
        The log has the cost of goods per line (``cost``); otherwise profit assumes ``margin``.
    has_acquisition_cost : bool
        The customers have an ``acquisition_cost``.
    has_channels : bool
        The customers have an ``acquisition_channel``.
    """

    case: Case
    calibration_end: pd.Timestamp
    time_unit: Any
    cal_holdout: pd.DataFrame
    summary: pd.DataFrame
    has_cogs: bool
    has_acquisition_cost: bool
    has_channels: bool

    @property
    def transactions(self) -> pd.DataFrame:
        return self.case.transactions

    @property
    def customers(self) -> pd.DataFrame:
        return self.case.customers

    @property
    def observation_end(self) -> pd.Timestamp:
        return self.case.observation_end

    @property
    def name(self) -> str:
        return self.case.name

    @property
    def currency(self) -> str:
        return self.case.currency


def prepare(case: Case, *, calibration_end: Any = None, time_unit: str | float = "W") -> ValueChainData:
    """The calibration split and the BTYD summaries of ``case``.

    Raises
    ------
    ValueError
        When ``calibration_end`` is not between the first purchase and the observation end.
    """
    tx, end = case.transactions, case.observation_end
    if calibration_end is None:
        if case.name in _CDNOW:
            cal_end = pd.Timestamp(_CDNOW_CALIBRATION_END)
        else:
            start = case.start
            cal_end = (start + (end - start) / 2).normalize()
    else:
        cal_end = as_day(calibration_end, "calibration_end")
    if not case.start <= cal_end < end:
        raise ValueError(f"calibration_end {cal_end.date()} must lie between the first purchase "
                         f"{case.start.date()} and the observation end {end.date()} (parameter calibration_end)")
    # A large Parquet source (a big run's snapshot) is summarised out of core by DuckDB.
    source = summary_source(case.name, tx)
    cal = calibration_holdout(source, calibration_end=cal_end, observation_end=end, time_unit=time_unit)
    summary = rfm_summary(source, observation_end=end, time_unit=time_unit)
    customers = case.customers
    return ValueChainData(case, cal_end, time_unit, cal, summary, has_cogs="cost" in tx.columns,
                          has_acquisition_cost="acquisition_cost" in customers.columns,
                          has_channels="acquisition_channel" in customers.columns)


def load(data: Any = "cdnow", seed: int = 2024, *, calibration_end: Any = None, observation_end: Any = None,
         time_unit: str | float = "W", n_customers: int = 20_000, currency: str | None = None) -> ValueChainData:
    """:func:`cvm_lib.studies.load_case` then :func:`prepare` (the notebook's first step).

    Examples
    --------
    >>> load("cdnow_sample", calibration_end="1999-01-01")
    Traceback (most recent call last):
    ...
    ValueError: calibration_end 1999-01-01 must lie between the first purchase 1997-01-01 and the observation end 1998-06-30 (parameter calibration_end)
    """
    case = load_case(data, seed=seed, observation_end=observation_end, n_customers=n_customers, currency=currency)
    return prepare(case, calibration_end=calibration_end, time_unit=time_unit)


class FactsTable(Table):
    """A table of facts ``item`` / ``value`` / ``unit`` whose values are formatted row by row by their unit.

    The file keeps the value as computed and the stable unit id; the screen shows the
    value formatted for its unit (money with the currency, shares as %, stable text
    values translated) and no unit column.
    """

    def to_frame(self, lang: str | None = None, currency: str | None = None) -> pd.DataFrame:
        settings = display_settings()
        lang, currency = lang or settings["lang"], currency or settings["currency"]
        frame = self.data.copy()
        texts = []
        for value, unit in zip(frame["value"], frame["unit"], strict=True):
            kind = UNIT_KINDS.get(unit) or ("category" if isinstance(value, str) or unit == "text" else "number")
            if kind == "category" and isinstance(value, str) and ", " in value:  # a list of stable values
                text = ", ".join(str(value_label(v, lang, context=self.context)) for v in value.split(", "))
            else:
                text = format_value(value, kind, lang, currency=currency, context=self.context)
            if kind == "duration":
                text = f"{text} {unit_label(unit, lang)}"
            texts.append(text)
        frame["value"] = texts
        shown = frame.drop(columns=["unit"])
        kinds = {**self.kinds, "value": "text"}
        return format_table(shown, context=self.context, lang=lang, currency=currency, fields=self.fields,
                            kinds=kinds, raw_columns=self.raw_columns)

    def _repr_html_(self) -> str:
        shown = self.to_frame()
        return Table(shown, context=self.context, raw_columns=list(shown.columns),
                     kinds={c: "text" for c in shown.columns}, caption=self.caption)._repr_html_()


def _facts(name: str, frame: pd.DataFrame | Sequence[tuple[str, Any, str]], **kinds: str) -> FactsTable:
    """Record a facts table (stable ids and values) and return it for display."""
    if not isinstance(frame, pd.DataFrame):
        frame = pd.DataFrame(frame, columns=["item", "value", "unit"])
    kinds = ({"item": "category"} if "item" in frame.columns else {}) | kinds
    show(name, frame, context=CONTEXT, kinds=kinds)
    return FactsTable(frame, name=name, context=CONTEXT, kinds=kinds)


def _time_unit_id(time_unit: Any) -> Any:
    return time_unit if time_unit in ("D", "W", "M", "Q", "Y") else float(time_unit)


def data_table(vc: ValueChainData, *, margin: float = 0.3) -> FactsTable:
    """The data at a glance: customers, lines, dates, calibration split, costs, channels."""
    tx = vc.transactions
    unit = _time_unit_id(vc.time_unit)
    if vc.has_cogs:
        costs = "costs_data" if vc.has_acquisition_cost else "costs_goods_only"
    else:
        costs = "costs_none"
    rows = [("data", source_name(vc.name, tx), "text"), ("synthetic", bool(vc.case.synthetic), "flag"),
            ("customers", int(tx["customer_id"].nunique()), "customers"),
            ("transactions", int(len(tx)), "transactions"),
            ("first_purchase", str(vc.case.start.date()), "date"),
            ("calibration_end", str(vc.calibration_end.date()), "date"),
            ("observation_end", str(vc.observation_end.date()), "date"),
            ("time_unit", unit if isinstance(unit, str) else f"{unit:g}", "text"),
            ("calibration_customers", int(len(vc.cal_holdout)), "customers"),
            ("holdout_length", round(float(vc.cal_holdout["duration_holdout"].iloc[0]), 2), unit),
            ("costs", costs, "text")]
    if not vc.has_cogs:
        rows.append(("assumed_margin", float(margin), "share"))
    rows.append(("channels", ", ".join(sorted(vc.customers["acquisition_channel"].astype("str").unique()))
                 if vc.has_channels else "none", "text"))
    return _facts("case", rows)


# --------------------------------------------------------------------------- models

def _model_class(name: str):
    from cvm_lib import clv

    if name not in MODELS:
        raise ValueError(f"model {name!r} is not a purchase model of this study; use one of {list(MODELS)} "
                         "(parameter models)")
    return getattr(clv, name)


@dataclass(frozen=True, eq=False)
class ModelFits:
    """Result of :func:`fit_models`: the fitted models (calibration period) and their tables.

    ``parameters``: long table ``model``, ``parameter``, ``estimate``, ``std_error``,
    ``lower``, ``upper``; ``fit``: per model ``log_likelihood``, ``aic``, ``converged``,
    ``customers``; ``chosen``: the first model (used for the CLV).
    """

    models: dict
    parameters: pd.DataFrame
    fit: pd.DataFrame
    chosen: str

    @property
    def model(self) -> Any:
        return self.models[self.chosen]

    @property
    def summary(self) -> pd.DataFrame:
        return self.fit

    def _repr_html_(self) -> str:
        return self.fit.to_html()


def fit_models(vc: ValueChainData, models: Sequence[str] = ("BetaGeo", "ParetoNBD")) -> ModelFits:
    """Fit each purchase model on the calibration summary; the first one is the study's model.

    Examples
    --------
    >>> fits = fit_models(load("cdnow_sample"), ["BetaGeo"])
    >>> round(float(fits.fit.loc["BetaGeo", "log_likelihood"]), 1)
    -9582.4
    """
    names = list(dict.fromkeys([models] if isinstance(models, str) else models))
    if not names:
        raise ValueError("models is empty; give at least one of " + ", ".join(MODELS) + " (parameter models)")
    fitted, rows, fit_rows = {}, [], {}
    for name in names:
        model = _model_class(name)().fit(vc.cal_holdout)
        fitted[name] = model
        summary = model.summary()
        for param, row in summary.iterrows():
            rows.append({"model": name, "parameter": str(param), "estimate": float(row["estimate"]),
                         "std_error": float(row["std error"]), "lower": float(row["lower 95%"]),
                         "upper": float(row["upper 95%"])})
        ll = float(model.log_likelihood_)
        fit_rows[name] = {"log_likelihood": ll, "aic": 2 * len(summary) - 2 * ll,
                          "converged": bool(model.converged_), "customers": int(model.n_customers_)}
    fit = pd.DataFrame.from_dict(fit_rows, orient="index")
    fit.index.name = "model"
    return ModelFits(models=fitted, parameters=pd.DataFrame(rows), fit=fit, chosen=names[0])


def model_fit_table(fits: ModelFits) -> Table:
    """Log-likelihood, AIC, convergence and customers per model."""
    return show("model_fit", fits.fit, context=CONTEXT, kinds={"model": "category"})


def model_parameters_table(fits: ModelFits) -> Table:
    """Parameters with standard errors and 95% intervals."""
    return show("model_parameters", fits.parameters, context=CONTEXT, kinds={"model": "category", "parameter": "id"})


@dataclass(frozen=True, eq=False)
class ModelChecks:
    """All four checks for every fitted model (see :mod:`cvm_lib.clv.checks`)."""

    holdout: dict
    histogram: dict
    tracking: dict
    grid: checks.FrequencyRecencyGrid
    chosen: str


def model_checks(vc: ValueChainData, fits: ModelFits, *, max_x: int = 7, max_frequency: int = 10,
                 n_recency: int = 8) -> ModelChecks:
    """Holdout comparison, period histogram and tracking for every model; the frequency-recency
    grid (expected purchases over a holdout-long window, P(alive)) for the chosen model at the
    calibration cohort's largest age."""
    cal = vc.cal_holdout
    holdout = {n: checks.holdout_comparison(m, cal, max_x=max_x) for n, m in fits.models.items()}
    histogram = {n: checks.period_histogram(m, cal, max_x=max_x) for n, m in fits.models.items()}
    track = {n: checks.tracking(m, vc.transactions, vc.calibration_end, vc.observation_end, vc.time_unit)
             for n, m in fits.models.items()}
    T = float(cal["T"].max())
    grid = checks.frequency_recency_grid(fits.model, t=float(cal["duration_holdout"].iloc[0]),
                                         max_frequency=max_frequency, max_recency=T, T=T, n_recency=n_recency)
    return ModelChecks(holdout, histogram, track, grid, fits.chosen)


def check_metrics_table(mc: ModelChecks) -> Table:
    """Error metrics per model: holdout MAE, RMSE, correlation, totals and total error; histogram
    chi-square; tracking errors."""
    rows = []
    for name in mc.holdout:
        h, hist, tr = mc.holdout[name].metrics, mc.histogram[name], mc.tracking[name].totals
        rows.append({"model": name, "mae": h["mae"], "rmse": h["rmse"], "correlation": h["correlation"],
                     "actual_total": h["actual_total"], "predicted_total": h["predicted_total"],
                     "total_error_pct": h["total_error_pct"], "chi2": hist.chi2, "chi2_df": int(hist.df),
                     "holdout_error_pct": tr["holdout_error_pct"],
                     "cumulative_error_pct": tr["cumulative_error_pct"]})
    return show("check_metrics", pd.DataFrame(rows), context=CONTEXT, kinds={"model": "category"})


def _holdout_frame(mc: ModelChecks) -> pd.DataFrame:
    first = next(iter(mc.holdout.values())).table
    out = pd.DataFrame({"frequency_class": first.index.astype(str), "customers": first["customers"].to_numpy(),
                        "actual_mean": first["actual_mean"].to_numpy()})
    for name, hc in mc.holdout.items():
        out[f"predicted_mean_{name}"] = hc.table["predicted_mean"].to_numpy()
    return out


def holdout_table(mc: ModelChecks) -> Table:
    """Mean actual and predicted holdout purchases by calibration repeat purchases, per model."""
    return show("holdout_by_frequency", _holdout_frame(mc), context=CONTEXT, kinds={"frequency_class": "category"})


def _histogram_frame(mc: ModelChecks) -> pd.DataFrame:
    first = next(iter(mc.histogram.values())).table
    out = pd.DataFrame({"repeat_purchases": first.index.astype(str),
                        "actual_customers": first["actual"].to_numpy()})
    for name, hist in mc.histogram.items():
        out[f"expected_{name}"] = hist.table["expected"].to_numpy()
    return out


def histogram_table(mc: ModelChecks) -> Table:
    """Customers by calibration repeat purchases: actual and expected by each model."""
    return show("period_histogram", _histogram_frame(mc), context=CONTEXT, kinds={"repeat_purchases": "category"})


def check_narrative(mc: ModelChecks) -> Narrative:
    """What the checks show on this data: the chosen model's holdout total and fit, and the best model."""
    name = mc.chosen
    h = mc.holdout[name].metrics
    sentences: list[Sentence] = [
        say("check_holdout", context=CONTEXT, model=("label", name), predicted=q(h["predicted_total"], "number"),
            actual=q(h["actual_total"], "number"), error=q(h["total_error_pct"], "percent"),
            correlation=q(h["correlation"], "ratio"))]
    if len(mc.holdout) > 1:
        best = min(mc.holdout, key=lambda n: mc.holdout[n].metrics["mae"])
        sentences.append(say("check_best", context=CONTEXT, model=("label", best),
                             mae=q(mc.holdout[best].metrics["mae"], "ratio")))
    return Narrative(sentences)


# --------------------------------------------------------------------------- CLV

@dataclass(frozen=True, eq=False)
class ClvStudy:
    """Result of :func:`clv_study`.

    Attributes
    ----------
    per_customer : DataFrame
        Index ``customer_id``: ``segment`` (stable ids of the 8-class RFM model),
        ``mean_spend``, ``purchase_rate``, ``teaching_clv``, ``p_alive``,
        ``expected_purchases``, ``expected_spend``, ``historical_value``, ``current_value``
        (the model CLV), ``potential_value``, ``total_value`` and, with an interval,
        ``current_value_lower`` / ``_upper``.
    decomposition : ValueDecomposition
    parameters : dict
        Horizon, units, margin, discount rates, models, ``covariates``, ``interval`` and
        (with an interval) ``equity``, ``equity_lower``, ``equity_upper``.
    purchase_model, spend_model : fitted models (whole observation window)
    """

    per_customer: pd.DataFrame
    decomposition: ValueDecomposition
    parameters: dict
    purchase_model: Any
    spend_model: Any

    @property
    def summary(self) -> pd.DataFrame:
        return self.decomposition.summary

    def _repr_html_(self) -> str:
        return self.decomposition._repr_html_()


def _segments(vc: ValueChainData) -> pd.Series:
    """Stable segment ids of the 8-class RFM model (``important_value`` ... ``general_winback``)."""
    from cvm_lib.segmentation import CN8_MAP, rfm_scores, rfm_segments, rfm_table, segment_map

    scores = rfm_scores(rfm_table(vc.transactions, observation_end=vc.observation_end, time_unit=vc.time_unit),
                        bins=5)
    seg = rfm_segments(scores, "cn8").astype("str")
    if not set(seg.unique()) <= set(CN8_MAP.values()):  # names rather than ids: map back through the scheme
        table = segment_map("cn8")
        seg = seg.map(dict(zip(table["segment"].astype("str"), table["segment_key"], strict=True)))
    seg.index = seg.index.astype("str")
    return seg


def _segment_order(present: Any) -> list[str]:
    """The segments present, in the canonical order of the 8-class model (important_value first)."""
    from cvm_lib.segmentation import CN8_MAP

    present = [str(s) for s in present if s != "all_customers"]
    canonical = [s for s in CN8_MAP.values() if s in present]
    return canonical + sorted(set(present) - set(canonical))


def _cost_args(vc: ValueChainData, margin: float) -> dict:
    return {} if vc.has_cogs else {"default_margin": margin}


def clv_study(vc: ValueChainData, model: str = "BetaGeo", *, horizon: float = 52.0, margin: float = 0.3,
              discount_rate: float = 0.1, cross_sell_rate: float = 0.05, upsell_rate: float = 0.05,
              referral_rate: float = 0.02, covariates: Sequence[str] | None = None, interval: float | None = 0.9,
              n_draws: int = 100, seed: int = 0) -> ClvStudy:
    """Teaching CLV, historical, current (model CLV) and potential value per customer and segment.

    ``model`` is refitted on the whole observation window; the spend model is Gamma-Gamma on
    the repeat buyers; ``horizon`` in time units; ``discount_rate`` per year; ``covariates``:
    customer columns entering the purchase and the dropout process; ``interval``: level of
    the CLV bounds (None: none).

    Examples
    --------
    >>> study = clv_study(load("cdnow_sample"), horizon=52, margin=0.3, discount_rate=0.1, interval=None)
    >>> round(study.parameters["discount_rate_period"], 6), bool((study.per_customer["current_value"] >= 0).all())
    (0.001828, True)
    """
    from cvm_lib.clv import GammaGamma, customer_lifetime_value, teaching_clv

    summary = vc.summary
    cov_list = [covariates] if isinstance(covariates, str) else list(covariates or [])
    if cov_list:
        missing = [c for c in cov_list if c not in vc.customers.columns]
        if missing:
            from cvm_lib.data import CvmDataError

            raise CvmDataError(f"covariates {missing} are not customer columns of {vc.name!r} (available: "
                               f"{list(vc.customers.columns)}); change the covariates parameter",
                               source=vc.name, column=missing[0], option="covariates")
        extra = vc.customers[cov_list]
        extra.index = extra.index.astype("str")
        summary = summary.copy()
        summary[cov_list] = extra.reindex(summary.index.astype("str")).to_numpy()
        summary.attrs = dict(vc.summary.attrs)
    purchase = _model_class(model)(purchase_covariates=cov_list or None,
                                   dropout_covariates=cov_list or None).fit(summary)
    spend_data = summary[["frequency", "monetary_value"]].copy()
    no_spend = (spend_data["frequency"] > 0) & ~(spend_data["monetary_value"] > 0)
    spend_data.loc[no_spend, "frequency"] = 0.0  # zero-value repeat purchases carry no spend information
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        spend = GammaGamma().fit(spend_data[spend_data["frequency"] > 0])
    per_period = annual_to_period_rate(discount_rate, vc.time_unit)
    expected_spend = spend.expected_spend(spend_data)
    valued = customer_lifetime_value(purchase, expected_spend, summary, horizon=horizon, margin=margin,
                                     discount_rate=per_period, time_unit=vc.time_unit, interval=interval,
                                     n_draws=n_draws, seed=seed)
    bounds = valued if interval is not None else None
    current = valued["clv"].rename("clv") if interval is not None else valued
    current.index = current.index.astype("str")
    totals = vc.transactions.groupby("customer_id")["amount"].sum()
    totals.index = totals.index.astype("str")
    days = (summary["frequency"] + 1.0).to_numpy()
    mean_spend = totals.reindex(summary.index.astype("str")).to_numpy() / days
    T = summary["T"].to_numpy(dtype=np.float64)
    rate = np.where(T > 0, summary["frequency"].to_numpy() / np.where(T > 0, T, 1.0), 0.0)
    index = pd.Index(summary.index.astype("str"), name="customer_id")
    teaching = teaching_clv(mean_spend, rate, float(horizon), margin)
    if vc.has_cogs:
        historical = historical_value(vc.transactions, vc.customers.reset_index())
    else:
        historical = historical_value(vc.transactions, default_margin=margin)
    historical = historical.reindex(index).fillna(0.0)
    hist_mean = float(historical.mean())
    acq = float(vc.customers["acquisition_cost"].mean()) if vc.has_acquisition_cost else 0.0
    potential = potential_value(current, cross_sell_rate=cross_sell_rate, cross_sell_margin=max(hist_mean, 0.0),
                                upsell_rate=upsell_rate, referral_rate=referral_rate,
                                referral_value=max(float(current.mean()) - acq, 0.0))
    segments = _segments(vc).reindex(index)
    decomposition = value_decomposition(historical, current, potential, segments=segments)
    per_customer = pd.DataFrame({
        "segment": segments.to_numpy(), "mean_spend": mean_spend, "purchase_rate": rate,
        "teaching_clv": np.asarray(teaching, dtype=np.float64),
        "p_alive": purchase.prob_alive(summary).to_numpy(),
        "expected_purchases": purchase.expected_purchases(summary, float(horizon)).to_numpy(),
        "expected_spend": expected_spend.to_numpy(),
        "historical_value": historical.to_numpy(), "current_value": current.to_numpy(),
        "potential_value": potential["potential_value"].reindex(index).to_numpy()}, index=index)
    per_customer["total_value"] = (per_customer["historical_value"] + per_customer["current_value"]
                                   + per_customer["potential_value"])
    if bounds is not None:
        per_customer["current_value_lower"] = bounds["lower"].to_numpy()
        per_customer["current_value_upper"] = bounds["upper"].to_numpy()
    parameters = {"purchase_model": model, "spend_model": "GammaGamma", "horizon": float(horizon),
                  "time_unit": vc.time_unit, "margin": float(margin), "discount_rate_year": float(discount_rate),
                  "discount_rate_period": per_period, "cross_sell_rate": float(cross_sell_rate),
                  "upsell_rate": float(upsell_rate), "referral_rate": float(referral_rate),
                  "cross_sell_margin": max(hist_mean, 0.0), "referral_value": max(float(current.mean()) - acq, 0.0),
                  "purchase_model_converged": bool(purchase.converged_),
                  "spend_params": {k: float(v) for k, v in spend.params_.items()},
                  "covariates": cov_list, "interval": None if interval is None else float(interval),
                  "n_draws": int(n_draws) if interval is not None else 0}
    if bounds is not None:
        parameters.update(equity=bounds.attrs["equity"], equity_lower=bounds.attrs["equity_lower"],
                          equity_upper=bounds.attrs["equity_upper"])
    return ClvStudy(per_customer, decomposition, parameters, purchase, spend)


def clv_parameters_table(study: ClvStudy) -> FactsTable:
    """The assumptions of the CLV, with units."""
    p = study.parameters
    unit = _time_unit_id(p["time_unit"])
    rows = [("purchase_model", p["purchase_model"], "text"), ("spend_model", "GammaGamma", "text"),
            ("horizon", p["horizon"], unit), ("margin", p["margin"], "share"),
            ("discount_rate_year", p["discount_rate_year"], "share"),
            ("discount_rate_period", p["discount_rate_period"], "share"),
            ("potential_cross_sell_rate", p["cross_sell_rate"], "share"),
            ("potential_upsell_rate", p["upsell_rate"], "share"),
            ("potential_referral_rate", p["referral_rate"], "ratio")]
    return _facts("clv_parameters", rows)


def clv_interval_table(study: ClvStudy) -> Table | Skipped:
    """Customer equity and mean CLV per customer with their bounds (parameter uncertainty)."""
    p = study.parameters
    if p.get("interval") is None:
        return Skipped("clv_intervals", "no_interval", context=CONTEXT)
    n = len(study.per_customer)
    frame = pd.DataFrame({"figure": ["clv_equity", "mean_model_clv"],
                          "estimate": [p["equity"], p["equity"] / n],
                          "interval_lower": [p["equity_lower"], p["equity_lower"] / n],
                          "interval_upper": [p["equity_upper"], p["equity_upper"] / n]})
    return show("clv_intervals", frame, context=CONTEXT, fields={"level": f"{p['interval']:.0%}"},
                kinds={"figure": "category", "estimate": "money"})


class _CovariateTable(Table):
    """Covariate terms ``column[level]`` shown as "column: level" in the display language."""

    def to_frame(self, lang: str | None = None, currency: str | None = None) -> pd.DataFrame:
        lang = lang or _lang()
        shown = Table(self.data.assign(covariate=[self._term(t, lang) for t in self.data["covariate"]]),
                      context=self.context, kinds=self.kinds)
        return shown.to_frame(lang, currency)

    @staticmethod
    def _term(term: str, lang: str) -> str:
        found = re.fullmatch(r"(.+)\[(.+)\]", str(term))
        if not found:
            return str(label(term, lang, context=CONTEXT, default=term))
        column, level = found.groups()
        return f"{label(column, lang, context=CONTEXT, default=column)}: {value_label(level, lang, context=CONTEXT)}"


def covariate_effects_table(study: ClvStudy) -> Table | Skipped:
    """Effects of the covariates on the purchase rate and on dropout; positive = higher rate."""
    if not study.parameters.get("covariates"):
        return Skipped("covariate_effects", "no_covariates", context=CONTEXT)
    table = study.purchase_model.summary().drop(index="model", level=0).reset_index()
    frame = pd.DataFrame({"process": table["process"].astype(str), "covariate": table["parameter"].astype(str),
                          "estimate": table["estimate"], "std_error": table["std error"],
                          "lower": table["lower 95%"], "upper": table["upper 95%"],
                          "exp_coef": table["exp(coef)"], "p_value": table["p-value"]})
    kinds = {"process": "category", "covariate": "id"}
    show("covariate_effects", frame, context=CONTEXT, kinds=kinds)
    return _CovariateTable(frame, name="covariate_effects", context=CONTEXT, kinds=kinds)


def _comparison_frame(study: ClvStudy) -> pd.DataFrame:
    pc = study.per_customer
    grouped = pc.groupby("segment", sort=True)
    out = pd.DataFrame({"customers": grouped.size().astype("int64"), "mean_spend": grouped["mean_spend"].mean(),
                        "purchase_rate": grouped["purchase_rate"].mean(), "p_alive": grouped["p_alive"].mean(),
                        "mean_teaching_clv": grouped["teaching_clv"].mean(),
                        "mean_model_clv": grouped["current_value"].mean()})
    total = pd.DataFrame({"customers": [len(pc)], "mean_spend": [pc["mean_spend"].mean()],
                          "purchase_rate": [pc["purchase_rate"].mean()], "p_alive": [pc["p_alive"].mean()],
                          "mean_teaching_clv": [pc["teaching_clv"].mean()],
                          "mean_model_clv": [pc["current_value"].mean()]}, index=["all_customers"])
    out = pd.concat([out, total])
    out["teaching_to_model"] = out["mean_teaching_clv"] / out["mean_model_clv"]
    out.index.name = "segment"
    return out.reindex([*_segment_order(out.index), "all_customers"]).reset_index()


def clv_comparison_table(study: ClvStudy) -> Table:
    """Teaching vs model CLV per segment (means per customer) and for all customers."""
    return show("clv_teaching_vs_model", _comparison_frame(study), context=CONTEXT, kinds={"segment": "category"})


def value_by_segment_table(study: ClvStudy) -> Table:
    """Historical, current and potential value per segment (sums and means) and the share of the total."""
    ps = study.decomposition.per_segment
    ps = ps.reindex(_segment_order(ps.index))
    out = ps[["customers", "historical_value", "current_value", "potential_value", "total_value",
              "mean_historical_value", "mean_current_value", "mean_potential_value",
              "share_of_total_value"]].reset_index()
    return show("value_by_segment", out, context=CONTEXT, kinds={"segment": "category"})


def clv_narrative(study: ClvStudy) -> Narrative:
    """The CLV of this base in two or three sentences, with the assumptions it rests on."""
    p, pc = study.parameters, study.per_customer
    values = pc["current_value"].clip(lower=0.0).sort_values(ascending=False)
    top = max(1, int(round(0.2 * len(values))))
    top_share = float(values.iloc[:top].sum() / values.sum()) if values.sum() > 0 else float("nan")
    unit = unit_label(_time_unit_id(p["time_unit"]), _lang())
    sentences: list[Sentence | str] = [
        say("clv_mean", context=CONTEXT, horizon=q(p["horizon"], "count"), unit=unit,
            mean=q(float(pc["current_value"].mean()), "money"), equity=q(float(pc["current_value"].sum()), "money"),
            customers=q(len(pc), "count"), margin=q(p["margin"], "share"),
            discount=q(p["discount_rate_year"], "share")),
        say("clv_concentration", context=CONTEXT, share=q(top_share, "share"))]
    one_time = pc["purchase_rate"] == 0
    if one_time.any():
        sentences.append(say("clv_teaching", context=CONTEXT,
                             ratio=q(float(pc["teaching_clv"].mean() / pc["current_value"].mean()), "number"),
                             one_time=q(float(one_time.mean()), "share"),
                             one_time_value=q(float(pc.loc[one_time, "current_value"].mean()), "money")))
    return Narrative(sentences)


# --------------------------------------------------------------------------- profitability

def profitability_study(vc: ValueChainData, margin: float = 0.3) -> pd.DataFrame:
    """:func:`cvm_lib.valuechain.customer_profitability` of the data (costs, or ``margin`` when there are none)."""
    customers = vc.customers.reset_index() if vc.has_cogs else None
    return customer_profitability(vc.transactions, customers, **_cost_args(vc, margin))


def deciles_table(profit: pd.DataFrame) -> Table:
    """Profitability deciles (1 = most profitable)."""
    return show("profit_deciles", profitability_deciles(profit), context=CONTEXT, kinds={"decile": "score"})


def whale_study(profit: pd.DataFrame) -> WhaleCurve:
    """The whale curve of the customers' profit."""
    return whale_curve(profit["profit"])


def profitability_narrative(vc: ValueChainData, profit: pd.DataFrame, whale: WhaleCurve, *,
                            margin: float = 0.3) -> Narrative:
    """Who earns the profit. Without costs in the data the sentence says profit is the assumed margin."""
    deciles = profitability_deciles(profit) if len(profit) >= 10 else None
    top = float(deciles["share_of_profit"].iloc[0]) if deciles is not None else float("nan")
    if not vc.has_cogs:
        return Narrative([say("profit_assumed", context=CONTEXT, margin=q(margin, "share"), top=q(top, "share"))])
    losses = float(-profit["profit"].clip(upper=0.0).sum())
    return Narrative([say("profit_losses", context=CONTEXT, share=q(whale.n_unprofitable / whale.n_customers, "share"),
                          loss=q(losses / whale.total_profit, "share"), peak=q(whale.peak_pct, "percent")),
                      say("profit_top_decile", context=CONTEXT, top=q(top, "share"))])


# --------------------------------------------------------------------------- payback

def payback_study(vc: ValueChainData, clv: ClvStudy | None = None, *, margin: float = 0.3,
                  min_customers: int = 100) -> AcquisitionPayback | Skipped:
    """Payback period (months) and long-run value by acquisition channel, or :class:`Skipped` without channel data.

    Months observed for fewer than ``min_customers`` customers of a channel are left off its
    curve; ``margin`` is the gross margin when the log has no cost of goods.
    """
    if not (vc.has_channels and vc.has_acquisition_cost):
        return Skipped("payback_by_channel", "no_channels", context=CONTEXT)
    future = clv.per_customer["current_value"] if clv is not None else None
    return acquisition_payback(vc.transactions, vc.customers.reset_index(), period="M",
                               min_customers=min_customers, future_value=future, observation_end=vc.observation_end,
                               **_cost_args(vc, margin))


def payback_table(payback: AcquisitionPayback | Skipped) -> Table | Skipped:
    """The channel summary: payback period (— and "paid back: no" when not within the data)."""
    if isinstance(payback, Skipped):
        return payback
    s = payback.summary
    frame = s.drop(columns=["payback_note", "acquisition_cost_total"]).copy()
    frame["payback_period"] = frame["payback_period"].where(frame["paid_back"])  # inf -> missing, shown as —
    return show("payback_by_channel", frame, context=CONTEXT, kinds={"channel": "category"})


def payback_narrative(payback: AcquisitionPayback | Skipped) -> Narrative:
    """Which channel pays back first, which does not, and which is worth most at the common horizon."""
    if isinstance(payback, Skipped):
        return Narrative([])  # the table says why
    s = payback.summary
    lang = _lang()

    def unit(n: float) -> str:  # "1 month", "3 months" (Chinese has no plural)
        text = unit_label(payback.period, lang)
        return text[:-1] if lang == "en" and n == 1 and text.endswith("s") else text

    sentences: list[Sentence] = []
    paid = s[s["paid_back"]].sort_values("payback_period")
    if len(paid):
        sentences.append(say("payback_fastest", context=CONTEXT, channel=("label", paid.index[0]),
                             periods=q(paid["payback_period"].iloc[0], "count"), unit=unit(paid["payback_period"].iloc[0])))
    for channel in s.index[~s["paid_back"].to_numpy()]:
        sentences.append(say("payback_never", context=CONTEXT, channel=("label", channel),
                             periods=q(s.loc[channel, "periods_observed"], "count"),
                             unit=unit(s.loc[channel, "periods_observed"])))
    best = s["net_value"].idxmax()
    sentences.append(say("payback_best_value", context=CONTEXT, channel=("label", best),
                         value=q(s.loc[best, "net_value"], "money"), period=q(s.loc[best, "value_period"], "count"),
                         unit=unit(s.loc[best, "value_period"])))
    return Narrative(sentences)


# --------------------------------------------------------------------------- stages and waterfall

def stages_study(vc: ValueChainData, clv: ClvStudy | None = None, *, margin: float = 0.3) -> ValueChainStages:
    """:func:`cvm_lib.valuechain.value_chain_stages` of the data (acquisition cost when known)."""
    return value_chain_stages(vc.transactions, vc.customers.reset_index(),
                              cost_col="acquisition_cost" if vc.has_acquisition_cost else None,
                              clv=clv.per_customer["current_value"] if clv is not None else None,
                              observation_end=vc.observation_end, **_cost_args(vc, margin))


def stages_table(stages: ValueChainStages) -> FactsTable:
    """One row per metric: stage, metric, value (formatted by its unit), customers it rests on, note."""
    t = stages.table
    frame = pd.DataFrame({"stage": t["stage"], "metric": t["metric"], "value": t["value"], "unit": t["unit"],
                          "base": t["base"], "note": t["note"].replace("", None)})
    return _facts("value_chain_stages", frame, stage="category", metric="category", note="category")


def waterfall_study(vc: ValueChainData, clv: ClvStudy, *, margin: float = 0.3) -> pd.Series:
    """Mean per customer from acquisition cost to CLV (stable step names)."""
    steps = clv_waterfall(vc.transactions, vc.customers.reset_index(),
                          future_value=clv.per_customer["current_value"],
                          cost_col="acquisition_cost" if vc.has_acquisition_cost else None,
                          observation_end=vc.observation_end, **_cost_args(vc, margin))
    attrs = dict(steps.attrs)
    steps = steps + 0.0  # no negative zeros
    steps.attrs.update(attrs, acquisition_cost_known=vc.has_acquisition_cost, margin_assumed=not vc.has_cogs)
    return steps


def waterfall_narrative(steps: pd.Series, *, margin: float = 0.3) -> Narrative:
    """The average customer's net value and what it rests on."""
    sentences: list[Sentence] = [
        say("waterfall_total", context=CONTEXT, total=q(steps.attrs["total"], "money"),
            future=q(float(steps.get("future_value", 0.0)), "money"),
            realised=q(float(steps.drop(["acquisition_cost", "future_value"], errors="ignore").sum()), "money"))]
    if not steps.attrs.get("acquisition_cost_known", True):
        sentences.append(say("no_acquisition_cost", context=CONTEXT))
    if steps.attrs.get("margin_assumed"):
        sentences.append(say("assumes_margin_sentence", context=CONTEXT, margin=q(margin, "share")))
    return Narrative(sentences)


# --------------------------------------------------------------------------- key figures

def _both(key: str, **fields: Any) -> tuple[str, str]:
    return tuple(label(key, lang, context=CONTEXT, **fields) for lang in ("en", "zh"))  # type: ignore[return-value]


def _of_channel(key: str, channel: str) -> tuple[str, str]:
    return tuple(label(key, lang, context=CONTEXT, channel=value_label(channel, lang, context=CONTEXT))
                 for lang in ("en", "zh"))  # type: ignore[return-value]


def key_figures(vc: ValueChainData, fits: ModelFits, mc: ModelChecks, clv: ClvStudy, *,
                profit: pd.DataFrame | None = None, whale: WhaleCurve | None = None,
                payback: AcquisitionPayback | Skipped | None = None, stages: ValueChainStages | None = None,
                margin: float = 0.3) -> list[dict[str, Any]]:
    """The study's key figures for :func:`~cvm_lib.studies.record_figures` (labels in both languages).

    Figures that rest on an assumption say so: the CLV on the margin and discount rate;
    profit, when the data have no costs, on the assumed margin (and no "share losing
    money", which would be 0 by construction). Missing values are left out.
    """
    from cvm_lib.segmentation import gini

    name = fits.chosen
    p = clv.parameters
    clv_fields = {"margin": f"{p['margin']:.0%}", "discount": f"{p['discount_rate_year']:.0%}"}
    unit = _time_unit_id(vc.time_unit)
    out = [key_figure("customers", int(vc.transactions["customer_id"].nunique()), "customers", context=CONTEXT,
                      headline=True),
           key_figure("calibration_end", str(vc.calibration_end.date()), "date", context=CONTEXT),
           key_figure("model", label(name, "en", context=CONTEXT), "", context=CONTEXT, headline=True),
           key_figure("log_likelihood", float(fits.fit.loc[name, "log_likelihood"]), "ratio", context=CONTEXT),
           key_figure("converged", bool(fits.fit.loc[name, "converged"]), "", context=CONTEXT)]
    h = mc.holdout[name].metrics
    out += [key_figure("holdout_mae", h["mae"], "ratio", context=CONTEXT, headline=True),
            key_figure("holdout_correlation", h["correlation"], "ratio", context=CONTEXT),
            key_figure("holdout_actual_total", h["actual_total"], "transactions", context=CONTEXT),
            key_figure("holdout_predicted_total", h["predicted_total"], "transactions", context=CONTEXT),
            key_figure("holdout_total_error_pct", h["total_error_pct"], "percent", context=CONTEXT, headline=True),
            key_figure("histogram_chi2", mc.histogram[name].chi2, "ratio", context=CONTEXT),
            key_figure("tracking_cumulative_error_pct", mc.tracking[name].totals["cumulative_error_pct"], "percent",
                       context=CONTEXT)]
    values = clv.per_customer["current_value"]
    out += [key_figure("horizon", p["horizon"], unit if isinstance(unit, str) else "", context=CONTEXT),
            key_figure("discount_rate_period", p["discount_rate_period"], "share", context=CONTEXT),
            key_figure("mean_clv", float(values.mean()), "currency", context=CONTEXT, headline=True,
                       assumption="assumes_clv", fields=clv_fields),
            key_figure("clv_equity", float(values.sum()), "currency", context=CONTEXT, headline=True,
                       assumption="assumes_clv", fields=clv_fields)]
    if p.get("interval") is not None:
        out += [key_figure("clv_equity_lower", p["equity_lower"], "currency", context=CONTEXT,
                           fields={"level": f"{p['interval']:.0%}"}),
                key_figure("clv_equity_upper", p["equity_upper"], "currency", context=CONTEXT,
                           fields={"level": f"{p['interval']:.0%}"})]
    out += [key_figure("gini_clv", float(gini(values.clip(lower=0.0))), "ratio", context=CONTEXT, headline=True),
            key_figure("mean_teaching_clv", float(clv.per_customer["teaching_clv"].mean()), "currency",
                       context=CONTEXT, assumption="assumes_clv", fields=clv_fields),
            key_figure("mean_historical_value", float(clv.per_customer["historical_value"].mean()), "currency",
                       context=CONTEXT, assumption=None if vc.has_cogs else "assumes_margin",
                       fields={"margin": f"{margin:.0%}"}),
            key_figure("mean_potential_value", float(clv.per_customer["potential_value"].mean()), "currency",
                       context=CONTEXT, assumption="assumes_potential",
                       fields={"cross_sell": f"{p['cross_sell_rate']:.0%}", "upsell": f"{p['upsell_rate']:.0%}",
                               "referral": f"{p['referral_rate']:g}"})]
    profit_note = None if vc.has_cogs else "assumes_margin"
    if profit is not None:
        total = float(profit["profit"].sum())
        out.append(key_figure("total_profit", round(total, 2), "currency", context=CONTEXT, headline=True,
                              assumption=profit_note, fields={"margin": f"{margin:.0%}"}))
        if vc.has_cogs:
            out.append(key_figure("unprofitable_share", float((profit["profit"] < 0).mean()), "share",
                                  context=CONTEXT, headline=True))
        if len(profit) >= 10 and total != 0:
            out.append(key_figure("top_decile_profit_share",
                                  float(profitability_deciles(profit)["share_of_profit"].iloc[0]), "share",
                                  context=CONTEXT, assumption=profit_note, fields={"margin": f"{margin:.0%}"}))
    if whale is not None and vc.has_cogs:
        out += [key_figure("whale_peak_pct", whale.peak_pct, "percent", context=CONTEXT, headline=True),
                key_figure("whale_peak_share", whale.peak_share, "share", context=CONTEXT)]
    if isinstance(payback, AcquisitionPayback):
        for channel, row in payback.summary.iterrows():
            if row["paid_back"]:
                out.append(key_figure(f"payback_period_{channel}", int(row["payback_period"]), "months",
                                      context=CONTEXT, headline=True,
                                      default_label=_of_channel("payback_period_of", channel)))
            out.append(key_figure(f"net_value_{channel}", float(row["net_value"]), "currency", context=CONTEXT,
                                  default_label=_of_channel("net_value_of", channel)))
            if np.isfinite(row["retention_12m"]):
                out.append(key_figure(f"retention_12m_{channel}", float(row["retention_12m"]), "share",
                                      context=CONTEXT, default_label=_of_channel("retention_12m_of", channel)))
    if stages is not None:
        repeated = {"customers_acquired", "margin_to_date", "mean_clv"}  # customers, mean historical value, mean CLV
        for row in stages.table.itertuples(index=False):
            if not np.isfinite(row.value) or row.metric in repeated:
                continue
            unit_id = row.unit if row.unit in UNIT_KINDS else "ratio"
            out.append(key_figure(f"{row.stage}_{row.metric}", float(row.value), unit_id, context=CONTEXT,
                                  default_label=_both(row.metric)))
    return [f for f in out if not (isinstance(f["value"], float) and not np.isfinite(f["value"]))]


# --------------------------------------------------------------------------- figures

def _no_legend_title(ax: Any) -> Any:
    legend = ax.get_legend()
    if legend is not None:
        legend.set_title(None)
    return ax


def _money_axis(key: str) -> str:
    return _t(key, currency=display_settings()["currency"])


def holdout_figure(mc: ModelChecks, ax: Any = None) -> Any:
    """Mean holdout repeat purchases by calibration repeat purchases: actual vs each model (FHL Fig. 4)."""
    from cvm_lib.plots import plot_lines

    frame = _holdout_frame(mc)
    series = {"actual_mean": _t("actual")} | {f"predicted_mean_{n}": _t(n) for n in mc.holdout}
    long = frame.melt(id_vars="frequency_class", value_vars=list(series), var_name="series", value_name="mean")
    long["series"] = long["series"].map(series)
    return _no_legend_title(plot_lines(long, x="frequency_class", y="mean", group="series", style="series", ax=ax,
                                       title=_t("fig_holdout_title"), xlabel=_t("repeat_purchases"),
                                       ylabel=_t("fig_holdout_y")))


def histogram_figure(mc: ModelChecks, ax: Any = None) -> Any:
    """Customers by calibration repeat purchases: actual and each model (grouped bars)."""
    from cvm_lib.plots.value_chain import plot_observed_vs_model

    frame = _histogram_frame(mc)
    series = {"actual_customers": _t("actual")} | {
        f"expected_{n}": f"{_t(n)} (χ² = {mc.histogram[n].chi2:.1f})" for n in mc.histogram}
    return plot_observed_vs_model(frame.rename(columns=series), x="repeat_purchases", columns=list(series.values()),
                             ax=ax, title=_t("fig_histogram_title"), xlabel=_t("repeat_purchases"),
                             ylabel=_t("customers"))


def frequency_recency_figure(mc: ModelChecks, what: str = "expected", ax: Any = None) -> Any:
    """Heatmap of expected purchases (``"expected"``) or P(alive) (``"p_alive"``) over frequency × recency."""
    from cvm_lib.plots import plot_heatmap

    if what not in ("expected", "p_alive"):
        raise ValueError(f"what={what!r}; use 'expected' or 'p_alive'")
    grid = mc.grid
    table = grid.expected if what == "expected" else grid.p_alive
    table = table.set_axis([f"{c:g}" for c in table.columns], axis=1)
    key = "fig_grid_expected" if what == "expected" else "fig_grid_alive"
    title = _t(key, model=_t(mc.chosen), t=f"{grid.t:.1f}", T=f"{grid.T:.1f}")
    return plot_heatmap(table, ax=ax, title=title, xlabel=_t("fig_grid_x"), ylabel=_t("fig_grid_y"), fmt=".2f",
                        cmap="viridis" if what == "expected" else "RdYlGn")


def tracking_figure(mc: ModelChecks) -> Any:
    """Cumulative (left) and per-period (right) repeat transactions, actual vs models; a Figure."""
    import matplotlib.pyplot as plt

    from cvm_lib.plots import plot_lines

    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4.5))
    first = next(iter(mc.tracking.values()))
    tbl = first.table
    lengths = tbl["end"].diff().dt.days.to_numpy()
    full = np.ones(len(tbl), dtype=bool)
    if len(tbl) > 2 and lengths[-1] < lengths[-2]:
        full[-1] = False  # a short last period would look like a collapse
    cumulative = [pd.DataFrame({"end": tbl["end"], "value": tbl["actual_cumulative"], "series": _t("actual")})]
    period = [pd.DataFrame({"end": tbl["end"][full], "value": tbl["actual"][full], "series": _t("actual")})]
    for name, tr in mc.tracking.items():
        cumulative.append(pd.DataFrame({"end": tr.table["end"], "value": tr.table["expected_cumulative"],
                                        "series": _t(name)}))
        period.append(pd.DataFrame({"end": tr.table["end"][full], "value": tr.table["expected"][full],
                                    "series": _t(name)}))
    plot_lines(pd.concat(cumulative), x="end", y="value", group="series", ax=left, xlabel=_t("period_end"),
               ylabel=_t("fig_tracking_cumulative"), markers=False)
    plot_lines(pd.concat(period), x="end", y="value", group="series", ax=right, xlabel=_t("period_end"),
               ylabel=_t("fig_tracking_period"), markers=False)
    for ax in (left, right):
        _no_legend_title(ax)
        ax.axvline(first.calibration_end, color="grey", ls=":", lw=1.5)
        ax.text(first.calibration_end, ax.get_ylim()[1] * 0.97, " " + _t("calibration_end"), va="top", fontsize=9,
                color="grey")
        plt.setp(ax.get_xticklabels(), rotation=30, ha="right")
    fig.suptitle(_t("fig_tracking_title"))
    fig.tight_layout()
    return fig


def clv_comparison_figure(study: ClvStudy, ax: Any = None) -> Any:
    """Teaching CLV vs model CLV per customer (log-log scatter, values below 0.01 at 0.01)."""
    from cvm_lib.plots.value_chain import plot_loglog_scatter

    return plot_loglog_scatter(study.per_customer, x="current_value", y="teaching_clv", ax=ax,
                               title=_t("fig_clv_title"), xlabel=_money_axis("fig_model_clv_axis"),
                               ylabel=_money_axis("fig_teaching_clv_axis"))


def value_decomposition_figure(study: ClvStudy, ax: Any = None) -> Any:
    """Stacked bars of mean historical, current and potential value per customer, by segment."""
    from cvm_lib.plots.value_chain import plot_stacked_totals

    ps = study.decomposition.per_segment.sort_values("mean_total_value")
    lang = _lang()
    frame = pd.DataFrame({"segment": [str(value_label(s, lang, context=CONTEXT)) for s in ps.index],
                          _t("historical_value"): ps["mean_historical_value"].to_numpy(),
                          _t("current_value"): ps["mean_current_value"].to_numpy(),
                          _t("potential_value"): ps["mean_potential_value"].to_numpy(),
                          "n": ps["customers"].to_numpy()})
    return plot_stacked_totals(frame, group="segment",
                             parts=[_t("historical_value"), _t("current_value"), _t("potential_value")], count="n",
                             ax=ax, title=_t("fig_decomposition_title"), xlabel=_money_axis("fig_mean_value_axis"))


def whale_figure(whale: WhaleCurve, ax: Any = None) -> Any:
    """Whale curve: cumulative profit (% of total) against the share of customers, most profitable first."""
    from cvm_lib.plots.value_chain import plot_whale

    text = _t("fig_whale_peak", peak=format_value(whale.peak_pct, "percent", _lang()),
              share=format_value(whale.peak_share, "share", _lang()))
    return plot_whale(whale.curve, x="share_of_customers", y="cumulative_profit_pct", peak=(whale.peak_share,
                      whale.peak_pct), annotation=text, ax=ax, title=_t("fig_whale_title"),
                      xlabel=_t("fig_whale_x"), ylabel=_t("fig_whale_y"))


def payback_figure(payback: AcquisitionPayback | Skipped, ax: Any = None) -> Any:
    """Mean cumulative margin minus acquisition cost by months since acquisition, per channel."""
    if isinstance(payback, Skipped):
        return payback
    from cvm_lib.plots import plot_lines

    lang = _lang()
    curve = payback.curve.copy()
    s = payback.summary

    def name(channel: str) -> str:
        text = value_label(channel, lang, context=CONTEXT)
        if s.loc[channel, "paid_back"]:
            n = int(s.loc[channel, "payback_period"])
            when = _t("one_month") if n == 1 else _t("n_months", n=n)
        else:
            when = _t("not_within_data")
        return f"{text} ({when})"

    curve["channel"] = curve["channel"].map({c: name(c) for c in s.index})
    ax = plot_lines(curve, x="period", y="net", group="channel", ax=ax, title=_t("fig_payback_title"),
                    xlabel=_t("fig_payback_x"),
                    ylabel=_money_axis("fig_payback_y"))
    ax.axhline(0, color="black", lw=0.8)
    return _no_legend_title(ax)


def waterfall_figure(steps: pd.Series, ax: Any = None) -> Any:
    """Waterfall from acquisition cost to net customer value (mean per customer)."""
    from cvm_lib.plots import plot_waterfall

    lang = _lang()
    shown = steps.copy()
    shown.index = [label(k, lang, context=CONTEXT) for k in steps.index]
    title = _t("fig_waterfall_title")
    if not steps.attrs.get("acquisition_cost_known", True):
        title = f"{title}\n{_t('no_acquisition_cost')}"
    ax = plot_waterfall(shown, ax=ax, title=title, total_label=_t("net_customer_value"))
    ax.set_ylabel(_money_axis("fig_mean_value_axis"))
    return ax
