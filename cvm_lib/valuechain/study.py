"""The value-chain / CLV study: case data, model fits and checks, CLV, key figures.

What ``notebooks/02_value_chain.ipynb`` shows, computed here so that every notebook cell is
one call and a display. The statistics come from :mod:`cvm_lib.clv`,
:mod:`cvm_lib.clv.checks` and the other modules of :mod:`cvm_lib.valuechain`; this module
chooses the data, the calibration split and the units, labels tables in ``lang`` and
says when a section cannot be run.

Data (:func:`load_case`)
------------------------
* ``"retail_demo"``: the simulated retail base (:func:`cvm_lib.datasets.simulate_retail`,
  20,000 customers, ``seed``), with the cost of goods per line, the acquisition channel,
  the acquisition cost and the cost-to-serve rate per customer.
* ``"cdnow"``, ``"cdnow_sample"`` or a file: the log only. Profitability uses
  ``default_margin`` (the ``margin`` parameter) as the gross margin, the cost to serve is
  0, the acquisition cost is unknown (0 in the waterfall, with a note) and the sections by
  acquisition channel are skipped with the reason stated.

Calibration end: CDNOW's 1997-09-30 (Fader, Hardie & Lee 2005) for ``cdnow`` and
``cdnow_sample``, otherwise the midpoint between the first purchase and the observation
end. Observation end: the end of the simulation (retail_demo) or the last purchase.

Units
-----
Model time is ``time_unit`` (``"W"`` by default). ``horizon`` is in ``time_unit``
periods; ``discount_rate`` is PER YEAR and is converted to the rate per period,
``(1 + d) ** (period days / 365.25) - 1``. Money is in the currency of ``amount``.

Values (:func:`clv_study`)
--------------------------
* **teaching CLV** = mean spend per purchase day × repeat purchase rate (repeat purchases
  per period, ``frequency / T``) × ``horizon`` × ``margin``: no dropout, no discounting.
* **historical value** = margin realised to the observation end
  (:func:`cvm_lib.valuechain.historical_value`).
* **current value** = the model CLV over ``horizon`` periods after the observation end,
  purchase model refitted on the whole observation window, Gamma-Gamma spend model,
  ``margin`` and the discount rate per period (:func:`cvm_lib.clv.customer_lifetime_value`).
* **interval** (``interval``, default 0.9): bounds of each customer's current value and of the
  customer equity from the purchase model's parameter uncertainty (seeded draws from the
  asymptotic normal distribution of its estimates, ``n_draws``; the expected spend is held at
  its estimate), :func:`cvm_lib.clv.customer_lifetime_value` with ``interval``.
* **covariates** (``covariates``, e.g. ``["acquisition_channel"]``): customer columns of
  ``case.customers`` entering both the purchase and the dropout process of the purchase
  model (:mod:`cvm_lib.clv.covariates`; categorical columns against their first level in
  sorted order); :func:`covariate_effects_table` shows the effects.
* **potential value** = :func:`cvm_lib.valuechain.potential_value` with the cross-sell,
  up-sell and referral rates; a cross-sell adoption is worth the mean historical value of
  the base, a referred customer the mean current value less the mean acquisition cost.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cvm_lib.clv import checks
from cvm_lib.summary import calibration_holdout, rfm_summary, unit_days
from cvm_lib.valuechain._common import lang_index, vc_label
from cvm_lib.valuechain.acquisition import (AcquisitionPayback, ValueChainStages, acquisition_payback,
                                            clv_waterfall, value_chain_stages)
from cvm_lib.valuechain.figures import valuechain_figures
from cvm_lib.valuechain.profitability import (WhaleCurve, customer_profitability, historical_value,
                                              profitability_deciles, whale_curve)
from cvm_lib.valuechain.value import ValueDecomposition, potential_value, value_decomposition

__all__ = ["ValueChainCase", "ModelFits", "ModelChecks", "ClvStudy", "Skipped", "study_text", "load_case",
           "case_table", "fit_models", "model_checks", "check_metrics_table", "clv_study", "clv_table",
           "clv_comparison_table", "profitability_study", "payback_study", "stages_study", "waterfall_study",
           "value_chain_figures", "annual_to_period_rate", "covariate_effects_table", "clv_interval_table"]

_CASE_NAME = "retail_demo"
_CDNOW = ("cdnow", "cdnow_sample")
_CDNOW_CALIBRATION_END = "1997-09-30"
_MODELS = ("BetaGeo", "ModifiedBetaGeo", "ParetoNBD")
YEAR_DAYS = 365.25

_TEXT: dict[str, tuple[str, str]] = {
    "figure": ("Figure", "指标"), "value": ("Value", "数值"), "skipped": ("skipped", "跳过"),
    "data": ("Data", "数据"), "customers": ("Customers", "客户数"), "transactions": ("Transaction lines", "交易笔数"),
    "first_purchase": ("First purchase", "首笔交易日期"), "calibration_end": ("Calibration end", "校准期末"),
    "observation_end": ("Observation end", "观察期末"), "time_unit": ("Time unit", "时间单位"),
    "calibration_customers": ("Customers in the calibration cohort", "校准期客户数"),
    "holdout_length": ("Holdout length", "检验期长度"), "costs": ("Costs", "成本数据"),
    "costs_data": ("cost of goods per line; acquisition cost and cost to serve per customer",
                   "逐笔商品成本；按客户记录的获客成本与服务成本"),
    "costs_margin": ("none: gross margin {margin:.0%} of sales; no acquisition cost or cost to serve",
                     "无：按销售额的 {margin:.0%} 计毛利；无获客成本与服务成本"),
    "channels": ("Acquisition channels", "获客渠道"), "none": ("none", "无"),
    "synthetic": ("simulated with known truth", "模拟数据（真值已知）"),
    # models
    "model": ("Model", "模型"), "parameter": ("Parameter", "参数"), "estimate": ("Estimate", "估计值"),
    "se": ("Std. error", "标准误"), "lower": ("95% CI lower", "95% 置信下限"), "upper": ("95% CI upper", "95% 置信上限"),
    "log_likelihood": ("Log-likelihood", "对数似然"), "converged": ("Converged", "是否收敛"),
    "aic": ("AIC", "AIC"), "yes": ("yes", "是"), "no": ("no", "否"),
    "BetaGeo": ("BG/NBD", "BG/NBD"), "ModifiedBetaGeo": ("MBG/NBD", "MBG/NBD"), "ParetoNBD": ("Pareto/NBD", "Pareto/NBD"),
    # checks
    "frequency_class": ("Calibration repeat purchases", "校准期重复购买次数"),
    "actual_mean": ("Actual holdout purchases (mean)", "检验期实际购买（均值）"),
    "predicted_mean": ("Predicted holdout purchases (mean)", "检验期预测购买（均值）"),
    "actual_total": ("Actual (total)", "实际（合计）"), "predicted_total": ("Predicted (total)", "预测（合计）"),
    "repeat_purchases": ("Repeat purchases in calibration", "校准期重复购买次数"),
    "actual": ("Actual", "实际"), "expected": ("Model", "模型"), "difference": ("Model − actual", "模型 − 实际"),
    "chi2_term": ("Chi-square term", "卡方分量"),
    "mae": ("Holdout MAE (purchases per customer)", "检验期平均绝对误差（每客户购买次数）"),
    "rmse": ("Holdout RMSE", "检验期均方根误差"),
    "correlation": ("Correlation, predicted vs actual (customers)", "预测与实际的相关系数（客户层面）"),
    "total_error_pct": ("Holdout total-purchase error (%)", "检验期总购买量误差（%）"),
    "chi2": ("Histogram chi-square", "频次分布卡方"), "chi2_df": ("Chi-square df", "卡方自由度"),
    "cumulative_error_pct": ("Cumulative tracking error at the end (%)", "期末累计跟踪误差（%）"),
    "holdout_error_pct": ("Tracking error over the holdout (%)", "检验期跟踪误差（%）"),
    "period": ("Period", "期"), "end": ("Period end", "期末日期"),
    "actual_cumulative": ("Actual, cumulative", "实际累计"), "expected_cumulative": ("Model, cumulative", "模型累计"),
    "holdout": ("Holdout", "检验期"),
    # clv
    "segment": ("Segment", "客户群"), "teaching_clv": ("Teaching CLV (amount × frequency × duration)",
                                                        "教学版 CLV（金额×频次×时长）"),
    "model_clv": ("Model CLV (current value)", "模型 CLV（当前价值）"),
    "mean_spend": ("Mean spend per purchase", "每次购买平均金额"),
    "purchase_rate": ("Repeat purchases per period", "每期重复购买次数"),
    "expected_spend": ("Expected spend per purchase (Gamma-Gamma)", "预期每次购买金额（Gamma-Gamma）"),
    "expected_purchases": ("Expected purchases over the horizon", "期限内预期购买次数"),
    "p_alive": ("P(alive)", "存活概率 P(alive)"),
    "mean_teaching_clv": ("Mean teaching CLV", "平均教学版 CLV"), "mean_model_clv": ("Mean model CLV", "平均模型 CLV"),
    "ratio": ("Teaching / model", "教学版/模型"), "sum_model_clv": ("Customer equity of the base (sum of CLV)",
                                                                    "现有客户资产（CLV 合计）"),
    "gini_clv": ("Gini coefficient of CLV", "CLV 基尼系数"), "horizon": ("Horizon", "期限"),
    "margin": ("Margin", "利润率"), "discount_rate_year": ("Discount rate per year", "年折现率"),
    "discount_rate_period": ("Discount rate per period", "每期折现率"),
    "spend_model": ("Spend model", "消费金额模型"), "purchase_model": ("Purchase model", "购买模型"),
    "all_customers": ("All customers", "全部客户"),
    "mean_historical_value": ("Mean historical value", "平均历史价值"),
    "mean_current_value": ("Mean current value", "平均当前价值"),
    "mean_potential_value": ("Mean potential value", "平均潜在价值"),
    "share_of_total_value": ("Share of total value", "总价值占比"),
    # covariates and intervals
    "process": ("Process", "过程"), "covariate": ("Covariate", "协变量"),
    "purchase": ("purchase rate", "购买率"), "dropout": ("dropout", "流失"),
    "exp_coef": ("Rate multiplier exp(coef)", "速率乘数 exp(系数)"), "p_value": ("p-value", "p 值"),
    "ci_lower": ("{level} CI lower", "{level} 置信下限"), "ci_upper": ("{level} CI upper", "{level} 置信上限"),
    "no_covariates": ("skipped: no covariates (set the covariates parameter, e.g. [\"acquisition_channel\"])",
                      "跳过：未设协变量（设置 covariates 参数，例如 [\"acquisition_channel\"]）"),
    "no_interval": ("skipped: no interval (set the interval parameter, e.g. 0.9)",
                    "跳过：未设区间（设置 interval 参数，例如 0.9）"),
    "interval_lower": ("Lower bound", "下限"), "interval_upper": ("Upper bound", "上限"),
    "point": ("Estimate", "估计值"), "interval_level": ("Interval", "区间水平"),
    "customer_equity": ("Customer equity of the base (sum of CLV)", "现有客户资产（CLV 合计）"),
    # skipped
    "no_channels": ("skipped: no channel data — the log has no acquisition channel or acquisition cost",
                    "跳过：无渠道数据——交易记录中没有获客渠道或获客成本"),
    "no_acquisition_cost": ("no acquisition cost in the data: counted as 0", "数据中无获客成本：按 0 计"),
    "W": ("weeks", "周"), "D": ("days", "天"), "M": ("months", "月"), "Y": ("years", "年"),
}


def study_text(key: str, lang: str = "en", **values: Any) -> str:
    """The study's label for ``key`` in ``lang`` (value-chain labels and unknown keys pass through).

    Examples
    --------
    >>> study_text("model", "zh"), study_text("retain", "zh"), study_text("R1")
    ('模型', '保持', 'R1')
    """
    lang_index(lang)
    if key not in _TEXT:
        return vc_label(key, lang)
    chosen = _TEXT[key][1 if lang == "zh" else 0]
    return chosen.format(**values) if values else chosen


def _unit(time_unit: Any, lang: str) -> str:
    return study_text(time_unit, lang) if time_unit in ("D", "W", "M", "Y") else f"{time_unit} d"


def annual_to_period_rate(rate: float, time_unit: str | float) -> float:
    """A discount rate per year as the equivalent rate per ``time_unit`` period.

    Examples
    --------
    >>> round(annual_to_period_rate(0.1, "Y"), 12), round(annual_to_period_rate(0.1, "W"), 6)
    (0.1, 0.001828)
    """
    rate = float(rate)
    if not (np.isfinite(rate) and rate > -1):
        raise ValueError(f"discount_rate must be a number > -1 per year, got {rate!r}")
    return float((1.0 + rate) ** (unit_days(time_unit) / YEAR_DAYS) - 1.0)


@dataclass(frozen=True)
class Skipped:
    """A section that cannot run on this data, with the reason."""

    section: str
    reason_key: str

    def reason(self, lang: str = "en") -> str:
        return study_text(self.reason_key, lang)

    def table(self, lang: str = "en") -> pd.DataFrame:
        return pd.DataFrame({study_text("figure", lang): [self.section], study_text("value", lang): [self.reason(lang)]})

    def _repr_markdown_(self) -> str:
        return f"**{self.reason('en')}** · {self.reason('zh')}"


# --------------------------------------------------------------------------- case

@dataclass(frozen=True, eq=False)
class ValueChainCase:
    """The data of one value-chain study (see :func:`load_case`).

    Attributes
    ----------
    transactions : DataFrame
        Purchases up to ``observation_end``.
    customers : DataFrame
        Index ``customer_id``: ``acquisition_date`` and, for the simulated case,
        ``acquisition_channel``, ``acquisition_cost``, ``cost_to_serve_rate``.
    cal_holdout : DataFrame
        :func:`cvm_lib.summary.calibration_holdout` at ``calibration_end``.
    summary : DataFrame
        :func:`cvm_lib.summary.rfm_summary` over the whole window (for the CLV).
    has_costs : bool
        The log has the cost of goods and the customers their acquisition costs.
    has_channels : bool
    """

    transactions: pd.DataFrame
    customers: pd.DataFrame
    name: str
    synthetic: bool
    calibration_end: pd.Timestamp
    observation_end: pd.Timestamp
    time_unit: Any
    cal_holdout: pd.DataFrame
    summary: pd.DataFrame
    has_costs: bool
    has_channels: bool


def load_case(data: str = "cdnow", seed: int = 2024, *, calibration_end: Any = None, observation_end: Any = None,
              time_unit: str | float = "W", n_customers: int = 20_000) -> ValueChainCase:
    """The data of the study: the simulated retail case, CDNOW or a transaction file.

    Parameters
    ----------
    data : str
        ``"retail_demo"`` (``simulate_retail(n_customers, seed=seed)``), ``"cdnow"``,
        ``"cdnow_sample"`` or a file for :func:`cvm_lib.datasets.load_dataset`.
    calibration_end : date-like, optional
        End of the calibration period; default 1997-09-30 for CDNOW, else the midpoint
        between the first purchase and the observation end.
    observation_end : date-like, optional
        Last observed day; default the end of the simulation or the last purchase.
    time_unit : {"D", "W", "M", "Y"} or float
        Unit of recency, T and the model's rates.

    Examples
    --------
    >>> case = load_case("cdnow_sample")
    >>> str(case.calibration_end.date()), str(case.observation_end.date()), len(case.cal_holdout)
    ('1997-09-30', '1998-06-30', 2357)
    """
    from cvm_lib.datasets import load_dataset

    if data == _CASE_NAME:
        from cvm_lib.datasets.simulate import simulate_retail

        retail = simulate_retail(n_customers, seed=seed)
        sim_end = pd.Timestamp(retail.truth["end"]).normalize()
        end = sim_end if observation_end is None else pd.Timestamp(observation_end).normalize()
        if end > sim_end:
            raise ValueError(f"observation_end {end.date()} is after the end of the simulation ({sim_end.date()})")
        tx = retail.transactions
        customers = retail.customers.set_index("customer_id")
        customers = customers.loc[(customers["acquisition_date"] <= end).to_numpy(),
                                  ["acquisition_date", "acquisition_channel", "acquisition_cost",
                                   "cost_to_serve_rate"]].copy()
        synthetic, has_costs = True, True
    else:
        tx = load_dataset(data)
        end = tx["date"].max().normalize() if observation_end is None else pd.Timestamp(observation_end).normalize()
        synthetic, has_costs = False, False
        customers = None
    tx = tx.loc[(tx["date"].dt.normalize() <= end).to_numpy()].reset_index(drop=True)
    if tx.empty:
        raise ValueError(f"observation_end {end.date()} precedes every purchase in {data!r}")
    if customers is None:
        first = tx.groupby("customer_id")["date"].min().dt.normalize()
        customers = pd.DataFrame({"acquisition_date": first})
        customers.index = customers.index.astype("str")
        customers.index.name = "customer_id"
    if calibration_end is None:
        if data in _CDNOW:
            cal_end = pd.Timestamp(_CDNOW_CALIBRATION_END)
        else:
            start = tx["date"].min().normalize()
            cal_end = (start + (end - start) / 2).normalize()
    else:
        cal_end = pd.Timestamp(calibration_end).normalize()
    if not tx["date"].min().normalize() <= cal_end < end:
        raise ValueError(f"calibration_end {cal_end.date()} must lie between the first purchase and the "
                         f"observation end {end.date()}")
    cal = calibration_holdout(tx, calibration_end=cal_end, observation_end=end, time_unit=time_unit)
    summary = rfm_summary(tx, observation_end=end, time_unit=time_unit)
    return ValueChainCase(tx, customers, str(data), synthetic, cal_end, end, time_unit, cal, summary,
                          has_costs, "acquisition_channel" in customers.columns)


def case_table(case: ValueChainCase, lang: str = "en", margin: float = 0.3) -> pd.DataFrame:
    """The data at a glance: customers, lines, dates, calibration split, costs, channels."""
    tx = case.transactions
    unit = _unit(case.time_unit, lang)
    holdout = float(case.cal_holdout["duration_holdout"].iloc[0])
    rows = [("data", f"{case.name}" + (f" ({study_text('synthetic', lang)})" if case.synthetic else "")),
            ("customers", int(tx["customer_id"].nunique())), ("transactions", int(len(tx))),
            ("first_purchase", str(tx["date"].min().date())), ("calibration_end", str(case.calibration_end.date())),
            ("observation_end", str(case.observation_end.date())), ("time_unit", unit),
            ("calibration_customers", int(len(case.cal_holdout))),
            ("holdout_length", f"{holdout:.2f} {unit}"),
            ("costs", study_text("costs_data", lang) if case.has_costs
             else study_text("costs_margin", lang, margin=margin)),
            ("channels", ", ".join(sorted(case.customers["acquisition_channel"].astype("str").unique()))
             if case.has_channels else study_text("none", lang))]
    return pd.DataFrame({study_text("figure", lang): [study_text(k, lang) for k, _ in rows],
                         study_text("value", lang): [str(v) for _, v in rows]})


# --------------------------------------------------------------------------- models

def _model_class(name: str):
    from cvm_lib import clv

    if name not in _MODELS:
        raise ValueError(f"model {name!r} is not a purchase model of this study; use {list(_MODELS)}")
    return getattr(clv, name)


@dataclass(frozen=True, eq=False)
class ModelFits:
    """Result of :func:`fit_models`: the fitted models (calibration period) and their tables."""

    models: dict
    table: pd.DataFrame        # long: model, parameter, estimate, se, lower, upper
    fit_table: pd.DataFrame    # per model: log-likelihood, AIC, converged, customers
    chosen: str

    @property
    def model(self) -> Any:
        return self.models[self.chosen]

    def labelled(self, lang: str = "en") -> pd.DataFrame:
        out = self.table.copy()
        out["model"] = [study_text(m, lang) for m in out["model"]]
        return out.rename(columns={c: study_text(c, lang) for c in out.columns})

    def fit_labelled(self, lang: str = "en") -> pd.DataFrame:
        out = self.fit_table.copy()
        out.index = [study_text(m, lang) for m in out.index]
        out.index.name = study_text("model", lang)
        out["converged"] = [study_text("yes" if c else "no", lang) for c in out["converged"]]
        return out.rename(columns={c: study_text(c, lang) for c in out.columns})


def fit_models(cal_holdout: pd.DataFrame, models: list | tuple = ("BetaGeo", "ParetoNBD")) -> ModelFits:
    """Fit each purchase model on the calibration summary; the first one is the study's model.

    Returns
    -------
    ModelFits
        ``table``: parameters with standard errors and 95% intervals; ``fit_table``:
        log-likelihood, AIC (= 2k − 2 LL), convergence and customers per model.

    Examples
    --------
    >>> case = load_case("cdnow_sample")
    >>> fits = fit_models(case.cal_holdout, ["BetaGeo"])
    >>> round(float(fits.fit_table.loc["BetaGeo", "log_likelihood"]), 1)
    -9582.4
    """
    names = list(dict.fromkeys(models))
    if not names:
        raise ValueError("models is empty; give at least one of " + ", ".join(_MODELS))
    fitted, rows, fit_rows = {}, [], {}
    for name in names:
        model = _model_class(name)().fit(cal_holdout)
        fitted[name] = model
        summary = model.summary()
        for param, row in summary.iterrows():
            rows.append({"model": name, "parameter": str(param), "estimate": float(row["estimate"]),
                         "se": float(row["std error"]), "lower": float(row["lower 95%"]),
                         "upper": float(row["upper 95%"])})
        ll = float(model.log_likelihood_)
        fit_rows[name] = {"log_likelihood": ll, "aic": 2 * len(summary) - 2 * ll,
                          "converged": bool(model.converged_), "customers": int(model.n_customers_)}
    fit_table = pd.DataFrame.from_dict(fit_rows, orient="index")
    fit_table.index.name = "model"
    return ModelFits(models=fitted, table=pd.DataFrame(rows), fit_table=fit_table, chosen=names[0])


@dataclass(frozen=True, eq=False)
class ModelChecks:
    """All four checks for every fitted model (see :mod:`cvm_lib.clv.checks`)."""

    holdout: dict
    histogram: dict
    tracking: dict
    grid: checks.FrequencyRecencyGrid
    chosen: str


def model_checks(case: ValueChainCase, fits: ModelFits, *, max_x: int = 7, max_frequency: int = 10,
                 n_recency: int = 8) -> ModelChecks:
    """Holdout comparison, period histogram and tracking for every model; the
    frequency-recency grid (expected purchases over a holdout-long window, P(alive)) for
    the chosen model at the calibration cohort's largest age."""
    cal = case.cal_holdout
    holdout = {n: checks.holdout_comparison(m, cal, max_x=max_x) for n, m in fits.models.items()}
    histogram = {n: checks.period_histogram(m, cal, max_x=max_x) for n, m in fits.models.items()}
    track = {n: checks.tracking(m, case.transactions, case.calibration_end, case.observation_end, case.time_unit)
             for n, m in fits.models.items()}
    T = float(cal["T"].max())
    grid = checks.frequency_recency_grid(fits.model, t=float(cal["duration_holdout"].iloc[0]),
                                         max_frequency=max_frequency, max_recency=T, T=T, n_recency=n_recency)
    return ModelChecks(holdout, histogram, track, grid, fits.chosen)


def check_metrics_table(mc: ModelChecks, lang: str = "en") -> pd.DataFrame:
    """Error metrics per model: holdout MAE, RMSE, correlation, total error; histogram
    chi-square; tracking errors."""
    rows = {}
    for name in mc.holdout:
        h, hist, tr = mc.holdout[name].metrics, mc.histogram[name], mc.tracking[name].totals
        rows[study_text(name, lang)] = {
            study_text("mae", lang): h["mae"], study_text("rmse", lang): h["rmse"],
            study_text("correlation", lang): h["correlation"],
            study_text("actual_total", lang): h["actual_total"], study_text("predicted_total", lang): h["predicted_total"],
            study_text("total_error_pct", lang): h["total_error_pct"], study_text("chi2", lang): hist.chi2,
            study_text("chi2_df", lang): hist.df,
            study_text("holdout_error_pct", lang): tr["holdout_error_pct"],
            study_text("cumulative_error_pct", lang): tr["cumulative_error_pct"]}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = study_text("model", lang)
    return out


def holdout_table(mc: ModelChecks, lang: str = "en") -> pd.DataFrame:
    """Mean actual and predicted holdout purchases by calibration frequency, per model."""
    first = next(iter(mc.holdout.values())).table
    out = pd.DataFrame({study_text("customers", lang): first["customers"],
                        study_text("actual_mean", lang): first["actual_mean"]})
    for name, hc in mc.holdout.items():
        out[f"{study_text('predicted_mean', lang)} – {study_text(name, lang)}"] = hc.table["predicted_mean"]
    out.index.name = study_text("frequency_class", lang)
    return out


def histogram_table(mc: ModelChecks, lang: str = "en") -> pd.DataFrame:
    """Customers by calibration repeat purchases: actual and per model."""
    first = next(iter(mc.histogram.values())).table
    out = pd.DataFrame({study_text("actual", lang): first["actual"]})
    for name, hist in mc.histogram.items():
        out[study_text(name, lang)] = hist.table["expected"]
    out.index.name = study_text("repeat_purchases", lang)
    return out


# --------------------------------------------------------------------------- CLV

@dataclass(frozen=True, eq=False)
class ClvStudy:
    """Result of :func:`clv_study`.

    Attributes
    ----------
    per_customer : DataFrame
        Index ``customer_id``: ``segment``, ``mean_spend``, ``purchase_rate``,
        ``teaching_clv``, ``p_alive``, ``expected_purchases``, ``expected_spend``,
        ``historical_value``, ``current_value`` (the model CLV), ``potential_value``,
        ``total_value`` and, with an interval, ``current_value_lower`` / ``_upper``.
    decomposition : ValueDecomposition
        Historical / current / potential value per segment.
    parameters : dict
        Horizon, units, margin, discount rates (per year and per period), models,
        ``covariates``, ``interval`` and (with an interval) ``equity``, ``equity_lower``,
        ``equity_upper``.
    purchase_model, spend_model : fitted models (whole observation window)
    """

    per_customer: pd.DataFrame
    decomposition: ValueDecomposition
    parameters: dict
    purchase_model: Any
    spend_model: Any


def _segments(case: ValueChainCase, lang: str) -> pd.Series:
    from cvm_lib.segmentation import rfm_segments
    from cvm_lib.segmentation.study import rfm_study_scores

    scores = rfm_study_scores(case.transactions, observation_end=case.observation_end, time_unit=case.time_unit)
    seg = rfm_segments(scores, "cn8", lang=lang)
    seg.index = seg.index.astype("str")
    return seg.astype("str")


def _historical(case: ValueChainCase, margin: float) -> pd.Series:
    if case.has_costs:
        return historical_value(case.transactions, case.customers.reset_index())
    return historical_value(case.transactions, default_margin=margin)


def clv_study(case: ValueChainCase, model: str = "BetaGeo", *, horizon: float = 52.0, margin: float = 0.3,
              discount_rate: float = 0.1, cross_sell_rate: float = 0.05, upsell_rate: float = 0.05,
              referral_rate: float = 0.02, lang: str = "en", covariates: list | tuple | None = None,
              interval: float | None = 0.9, n_draws: int = 100, seed: int = 0) -> ClvStudy:
    """Teaching CLV, historical, current (model CLV) and potential value per customer and segment.

    Parameters
    ----------
    case : ValueChainCase
    model : str
        Purchase model (``BetaGeo``, ``ModifiedBetaGeo``, ``ParetoNBD``), refitted on the
        whole observation window; the spend model is Gamma-Gamma on the repeat buyers.
    horizon : float
        Future window in ``case.time_unit`` periods (52 weeks = one year).
    margin : float
        Margin as a share of spend, for the model and the teaching CLV.
    discount_rate : float
        PER YEAR; converted to the rate per period (:func:`annual_to_period_rate`).
    cross_sell_rate, upsell_rate, referral_rate : float
        Levers of the potential value (see the module docstring).
    lang : str
        Language of the segment names (the 8-class RFM model).
    covariates : list of str, optional
        Columns of ``case.customers`` (e.g. ``["acquisition_channel"]`` for retail_demo)
        used as purchase and dropout covariates of the purchase model.
    interval : float or None, default 0.9
        Level of the current-value and equity intervals (None: no intervals).
    n_draws, seed : int
        Parameter draws for the intervals and their seed.

    Examples
    --------
    >>> case = load_case("cdnow_sample")
    >>> study = clv_study(case, horizon=52, margin=0.3, discount_rate=0.1)
    >>> round(study.parameters["discount_rate_period"], 6)
    0.001828
    >>> bool((study.per_customer["current_value"] >= 0).all())
    True
    """
    from cvm_lib.clv import GammaGamma, customer_lifetime_value, teaching_clv

    lang_index(lang)
    summary = case.summary
    cov_list = [covariates] if isinstance(covariates, str) else list(covariates or [])
    if cov_list:
        missing = [c for c in cov_list if c not in case.customers.columns]
        if missing:
            from cvm_lib.data import CvmDataError

            raise CvmDataError(f"covariates {missing} are not customer columns of {case.name!r} (available: "
                               f"{list(case.customers.columns)}); change the covariates parameter",
                               source=case.name, column=missing[0], option="covariates")
        extra = case.customers[cov_list]
        extra.index = extra.index.astype("str")
        summary = summary.copy()
        summary[cov_list] = extra.reindex(summary.index.astype("str")).to_numpy()
        summary.attrs = dict(case.summary.attrs)
    purchase = _model_class(model)(purchase_covariates=cov_list or None, dropout_covariates=cov_list or None).fit(summary)
    spend_data = summary[["frequency", "monetary_value"]].copy()
    no_spend = (spend_data["frequency"] > 0) & ~(spend_data["monetary_value"] > 0)
    spend_data.loc[no_spend, "frequency"] = 0.0  # zero-value repeat purchases carry no spend information
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        spend = GammaGamma().fit(spend_data[spend_data["frequency"] > 0])
    per_period = annual_to_period_rate(discount_rate, case.time_unit)
    expected_spend = spend.expected_spend(spend_data)
    valued = customer_lifetime_value(purchase, expected_spend, summary, horizon=horizon, margin=margin,
                                     discount_rate=per_period, time_unit=case.time_unit, interval=interval,
                                     n_draws=n_draws, seed=seed)
    bounds = valued if interval is not None else None
    current = valued["clv"].rename("clv") if interval is not None else valued
    current.index = current.index.astype("str")
    # teaching baseline: observed mean spend x repeat rate x horizon x margin
    totals = case.transactions.groupby("customer_id")["amount"].sum()
    totals.index = totals.index.astype("str")
    days = (summary["frequency"] + 1.0).to_numpy()
    mean_spend = totals.reindex(summary.index.astype("str")).to_numpy() / days
    T = summary["T"].to_numpy(dtype=np.float64)
    rate = np.where(T > 0, summary["frequency"].to_numpy() / np.where(T > 0, T, 1.0), 0.0)
    index = pd.Index(summary.index.astype("str"), name="customer_id")
    teaching = teaching_clv(mean_spend, rate, float(horizon), margin)
    historical = _historical(case, margin).reindex(index).fillna(0.0)
    hist_mean = float(historical.mean())
    acq = float(case.customers["acquisition_cost"].mean()) if case.has_costs else 0.0
    potential = potential_value(current, cross_sell_rate=cross_sell_rate, cross_sell_margin=max(hist_mean, 0.0),
                                upsell_rate=upsell_rate, referral_rate=referral_rate,
                                referral_value=max(float(current.mean()) - acq, 0.0))
    segments = _segments(case, lang).reindex(index)
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
                  "time_unit": case.time_unit, "margin": float(margin), "discount_rate_year": float(discount_rate),
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


def clv_parameters_table(study: ClvStudy, lang: str = "en") -> pd.DataFrame:
    """The assumptions of the CLV, with units."""
    p = study.parameters
    unit = _unit(p["time_unit"], lang)
    rows = [("purchase_model", study_text(p["purchase_model"], lang)), ("spend_model", "Gamma-Gamma"),
            ("horizon", f"{p['horizon']:g} {unit}"), ("margin", f"{p['margin']:.0%}"),
            ("discount_rate_year", f"{p['discount_rate_year']:.2%}"),
            ("discount_rate_period", f"{p['discount_rate_period']:.5%} / {unit}")]
    return pd.DataFrame({study_text("figure", lang): [study_text(k, lang) for k, _ in rows],
                         study_text("value", lang): [v for _, v in rows]})


def clv_comparison_table(study: ClvStudy, lang: str = "en") -> pd.DataFrame:
    """Teaching vs model CLV per segment (means per customer) and for all customers."""
    pc = study.per_customer
    grouped = pc.groupby("segment", sort=True)
    out = pd.DataFrame({"customers": grouped.size().astype("int64"),
                        "mean_spend": grouped["mean_spend"].mean(), "purchase_rate": grouped["purchase_rate"].mean(),
                        "p_alive": grouped["p_alive"].mean(),
                        "mean_teaching_clv": grouped["teaching_clv"].mean(),
                        "mean_model_clv": grouped["current_value"].mean()})
    total = pd.DataFrame({"customers": [len(pc)], "mean_spend": [pc["mean_spend"].mean()],
                          "purchase_rate": [pc["purchase_rate"].mean()], "p_alive": [pc["p_alive"].mean()],
                          "mean_teaching_clv": [pc["teaching_clv"].mean()],
                          "mean_model_clv": [pc["current_value"].mean()]},
                         index=[study_text("all_customers", lang)])
    out = pd.concat([out, total])
    out["ratio"] = out["mean_teaching_clv"] / out["mean_model_clv"]
    out.index.name = study_text("segment", lang)
    return out.rename(columns={c: study_text(c, lang) for c in out.columns})


def clv_table(study: ClvStudy, lang: str = "en") -> pd.DataFrame:
    """Historical, current and potential value side by side per segment (sums and means)."""
    ps = study.decomposition.per_segment
    out = ps[["customers", "historical_value", "current_value", "potential_value", "total_value",
              "mean_historical_value", "mean_current_value", "mean_potential_value", "share_of_total_value"]].copy()
    out.index.name = study_text("segment", lang)
    return out.rename(columns={c: study_text(c, lang) for c in out.columns})


def covariate_effects_table(study: ClvStudy, lang: str = "en") -> pd.DataFrame:
    """Effects of the covariates on the purchase rate and on dropout (estimate, standard
    error, 95% interval, rate multiplier ``exp(coef)``, p-value); positive = higher rate.
    Without covariates: the reason the table is empty."""
    model = study.purchase_model
    if not study.parameters.get("covariates"):
        return Skipped(study_text("covariate", lang), "no_covariates").table(lang)
    table = model.summary().drop(index="model", level=0).reset_index()
    out = pd.DataFrame({
        study_text("process", lang): [study_text(p, lang) for p in table["process"]],
        study_text("covariate", lang): table["parameter"].astype(str),
        study_text("estimate", lang): table["estimate"], study_text("se", lang): table["std error"],
        study_text("lower", lang): table["lower 95%"], study_text("upper", lang): table["upper 95%"],
        study_text("exp_coef", lang): table["exp(coef)"], study_text("p_value", lang): table["p-value"]})
    return out


def clv_interval_table(study: ClvStudy, lang: str = "en") -> pd.DataFrame:
    """Customer equity and mean CLV per customer with their intervals (parameter
    uncertainty). Without an interval: the reason."""
    p = study.parameters
    if p.get("interval") is None:
        return Skipped(study_text("customer_equity", lang), "no_interval").table(lang)
    pc = study.per_customer
    level = f"{p['interval']:.0%}"
    rows = {study_text("customer_equity", lang): (p["equity"], p["equity_lower"], p["equity_upper"]),
            study_text("mean_model_clv", lang): (p["equity"] / len(pc), p["equity_lower"] / len(pc),
                                                 p["equity_upper"] / len(pc))}
    out = pd.DataFrame(rows, index=[study_text("point", lang), study_text("ci_lower", lang, level=level),
                                    study_text("ci_upper", lang, level=level)]).T
    out.index.name = study_text("figure", lang)
    return out


# --------------------------------------------------------------------------- value chain

def _cost_args(case: ValueChainCase, margin: float) -> dict:
    return {} if case.has_costs else {"default_margin": margin}


def profitability_study(case: ValueChainCase, margin: float = 0.3) -> pd.DataFrame:
    """:func:`cvm_lib.valuechain.customer_profitability` of the case (costs or ``margin``)."""
    customers = case.customers.reset_index() if case.has_costs else None
    return customer_profitability(case.transactions, customers, **_cost_args(case, margin))


def deciles_table(profit: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """Profitability deciles (1 = most profitable) with labelled columns."""
    table = profitability_deciles(profit)
    names = {"customers": study_text("customers", lang), "revenue": vc_label("revenue", lang),
             "profit": vc_label("profit", lang)}
    table.index.name = "十分位组" if lang == "zh" else "Decile"
    return table.rename(columns=names)


def payback_study(case: ValueChainCase, clv: ClvStudy | None = None, *, period: str = "M",
                  min_customers: int = 100) -> AcquisitionPayback | Skipped:
    """Payback period and long-run value by acquisition channel, or :class:`Skipped` without channel data.

    Periods observed for fewer than ``min_customers`` customers of a channel are left off
    its curve (their means are noise)."""
    if not (case.has_channels and case.has_costs):
        return Skipped("payback", "no_channels")
    future = clv.per_customer["current_value"] if clv is not None else None
    return acquisition_payback(case.transactions, case.customers.reset_index(), period=period,
                               min_customers=min_customers, future_value=future, observation_end=case.observation_end)


def payback_table(payback: AcquisitionPayback | Skipped, lang: str = "en") -> pd.DataFrame:
    """The channel summary (payback text instead of ``inf``), or the reason it was skipped."""
    if isinstance(payback, Skipped):
        return payback.table(lang)
    out = payback.summary.drop(columns=["payback_period"]).copy()
    out.insert(3, "payback", [payback.payback_label(c, lang) for c in out.index])
    return out


def stages_study(case: ValueChainCase, clv: ClvStudy | None = None, *, margin: float = 0.3,
                 lang: str = "en") -> ValueChainStages:
    """:func:`cvm_lib.valuechain.value_chain_stages` of the case (acquisition cost when known)."""
    return value_chain_stages(case.transactions, case.customers.reset_index(),
                              cost_col="acquisition_cost" if case.has_costs else None,
                              clv=clv.per_customer["current_value"] if clv is not None else None,
                              observation_end=case.observation_end, lang=lang, **_cost_args(case, margin))


def stages_table(stages: ValueChainStages, lang: str = "en") -> pd.DataFrame:
    """One row per metric: stage, metric, value, unit, customers it is based on, note."""
    t = stages.table
    zh = lang == "zh"
    return pd.DataFrame({("阶段" if zh else "Stage"): t["stage_label"], ("指标" if zh else "Metric"): t["label"],
                         ("数值" if zh else "Value"): t["value"], ("单位" if zh else "Unit"): t["unit"],
                         ("计算基数（客户）" if zh else "Base (customers)"): t["base"],
                         ("说明" if zh else "Note"): t["note"]})


def waterfall_study(case: ValueChainCase, clv: ClvStudy, *, margin: float = 0.3, lang: str = "en") -> pd.Series:
    """Mean per customer from acquisition cost to CLV (labels in ``lang``); ``attrs["note"]``
    says when the acquisition cost is unknown."""
    steps = clv_waterfall(case.transactions, case.customers.reset_index(),
                          future_value=clv.per_customer["current_value"],
                          cost_col="acquisition_cost" if case.has_costs else None,
                          observation_end=case.observation_end, lang=lang, **_cost_args(case, margin))
    attrs = dict(steps.attrs)
    steps = steps + 0.0  # no negative zeros in tables
    steps.attrs.update(attrs)
    steps.attrs["note"] = "" if case.has_costs else study_text("no_acquisition_cost", lang)
    return steps


# --------------------------------------------------------------------------- key figures

def _fig(name: str, value: Any, unit: str, label: str, headline: bool = False) -> dict[str, Any]:
    return {"name": name, "value": value, "unit": unit, "label": label, "headline": headline}


def value_chain_figures(case: ValueChainCase, fits: ModelFits, mc: ModelChecks, clv: ClvStudy, *,
                        profit: pd.DataFrame | None = None, whale: WhaleCurve | None = None,
                        payback: AcquisitionPayback | Skipped | None = None,
                        stages: ValueChainStages | None = None, lang: str = "en") -> list[dict[str, Any]]:
    """Key-figure records for :func:`cvm_lib.results.record_many`, labels in ``lang``.

    Log-likelihood and parameters of the chosen model, its holdout MAE, correlation and
    total error, the histogram chi-square, tracking error, mean and total CLV, the Gini
    coefficient of CLV, mean teaching CLV, then the value-chain figures
    (:func:`cvm_lib.valuechain.valuechain_figures`: profit, whale peak, payback by channel,
    stage metrics). Missing values are left out.
    """
    from cvm_lib.segmentation import gini

    t = lambda key: study_text(key, lang)  # noqa: E731
    name = fits.chosen
    model_name = t(name)
    out = [_fig("customers", int(case.transactions["customer_id"].nunique()), "", t("customers"), True),
           _fig("calibration_end", str(case.calibration_end.date()), "", t("calibration_end")),
           _fig("model", model_name, "", t("purchase_model"), True),
           _fig("log_likelihood", float(fits.fit_table.loc[name, "log_likelihood"]), "",
                f"{t('log_likelihood')} – {model_name}", True),
           _fig("converged", bool(fits.fit_table.loc[name, "converged"]), "", f"{t('converged')} – {model_name}")]
    for param, value in fits.models[name].params_.items():
        out.append(_fig(f"param_{param}", float(value), "", f"{model_name}: {param}"))
    h = mc.holdout[name].metrics
    out += [_fig("holdout_mae", h["mae"], "purchases", t("mae"), True),
            _fig("holdout_correlation", h["correlation"], "", t("correlation")),
            _fig("holdout_actual_total", h["actual_total"], "purchases", f"{t('holdout')}: {t('actual_total')}"),
            _fig("holdout_predicted_total", h["predicted_total"], "purchases",
                 f"{t('holdout')}: {t('predicted_total')}"),
            _fig("holdout_total_error_pct", h["total_error_pct"], "%", t("total_error_pct"), True),
            _fig("histogram_chi2", mc.histogram[name].chi2, "", t("chi2")),
            _fig("tracking_cumulative_error_pct", mc.tracking[name].totals["cumulative_error_pct"], "%",
                 t("cumulative_error_pct"))]
    pc = clv.per_customer
    values = pc["current_value"]
    out += [_fig("horizon", clv.parameters["horizon"], str(case.time_unit), t("horizon")),
            _fig("discount_rate_period", clv.parameters["discount_rate_period"], "share", t("discount_rate_period")),
            _fig("mean_clv", float(values.mean()), "currency", t("mean_model_clv"), True),
            _fig("customer_equity", float(values.sum()), "currency", t("sum_model_clv")),
            _fig("customer_equity_lower", clv.parameters.get("equity_lower", float("nan")), "currency",
                 f"{t('sum_model_clv')}: {t('interval_lower')}"),
            _fig("customer_equity_upper", clv.parameters.get("equity_upper", float("nan")), "currency",
                 f"{t('sum_model_clv')}: {t('interval_upper')}"),
            _fig("gini_clv", float(gini(values.clip(lower=0.0))), "", t("gini_clv"), True),
            _fig("mean_teaching_clv", float(pc["teaching_clv"].mean()), "currency", t("mean_teaching_clv")),
            _fig("mean_historical_value", float(pc["historical_value"].mean()), "currency", t("mean_historical_value")),
            _fig("mean_potential_value", float(pc["potential_value"].mean()), "currency",
                 t("mean_potential_value"))]
    figures = valuechain_figures(profitability=profit, whale=whale,
                                 payback=None if isinstance(payback, Skipped) else payback, stages=stages, lang=lang)
    out += [f for f in figures if isinstance(f["value"], str) or np.isfinite(f["value"])]
    return [f for f in out if not (isinstance(f["value"], float) and not np.isfinite(f["value"]))]
