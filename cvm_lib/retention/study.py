"""The retention study (客户保持效应): case data, study tables and key figures.

What ``notebooks/03_retention.ipynb`` shows, computed here so that every notebook cell is
one call and a display. The statistics come from the other modules of
:mod:`cvm_lib.retention`; this module chooses the data, the covariates and the time
windows, labels the tables in ``lang`` and says when a section cannot be run.

Data
----
:func:`load_case` gives a :class:`RetentionCase`: the transaction log and one row per
customer.

* ``data="retail_demo"``: the simulated retail base (:func:`cvm_lib.datasets.simulate_retail`,
  20,000 customers acquired in 2023, observed to 2024-12-31, ``seed``) with its observed
  attributes (``acquisition_channel``, ``region``, ``member``, the randomised
  ``retention_programme``) and the truth of the simulation (true dropout dates, each
  customer's true dropout rate ``true_mu``, the programme's hazard ratio 0.7).
* CDNOW or a transaction file: the customers table is derived from the log: the first
  purchase date (``acquisition_date``), the acquisition cohort (``acquisition_cohort``:
  month, or quarter or year when the log spans more than 12 of them), the spend of the
  first purchase day (``log_first_spend`` = log(1 + spend)) and, when the log has the
  column named by ``group`` (e.g. an ``acquisition_channel`` column), its value on the
  first purchase.

Which sections need which columns
---------------------------------
========================================  ==================================================
section                                   needs
========================================  ==================================================
cohort heatmap, churn definition          the transaction log (``customer_id``, ``date``,
                                          ``amount``)
churn definition ``"contract"``           ``dropout_date`` (the simulated case)
churn definition ``"p_alive"``            :class:`cvm_lib.clv.BetaGeo`
retention curves, Kaplan-Meier by group   the ``group`` column (in the customers table)
Cox regression                            the observed attributes (derived ones for logs)
sBG projection                            the bundled Fader & Hardie (2007) data and
                                          :class:`cvm_lib.clv.ShiftedBetaGeo`
value of retention                        ``cost`` per transaction or the ``margin`` rate;
                                          ``acquisition_cost`` per customer or the parameter
churn prediction                          the transaction log (plus the attributes)
programme effect                          ``retention_programme`` (0/1); the check against
                                          the truth needs the simulation (``dropout_date``,
                                          ``true_mu``)
========================================  ==================================================

A section whose columns are missing returns :class:`Skipped`, whose table states the
reason; the figure functions of :mod:`cvm_lib.plots.retention` draw nothing for it.
:func:`sections_table` lists every section with its status for a case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cvm_lib.retention._common import day_stamp
from cvm_lib.retention.churn import ChurnLabels, churn_labels, customer_lifetimes
from cvm_lib.retention.cohorts import CohortRetention, cohort_retention
from cvm_lib.retention.prediction import IMPORTANCE_SAMPLE, ChurnModel, churn_features, churn_model
from cvm_lib.retention.programme import ProgrammeEffect, programme_effect
from cvm_lib.retention.projection import derl, fit_sbg, project_retention, retention_by_tenure, sbg_parameters
from cvm_lib.retention.survival import CoxResult, KaplanMeier, LogrankResult, fit_cox, kaplan_meier, logrank
from cvm_lib.retention.value import RetentionEconomics, reichheld_table, retention_economics
from cvm_lib.summary import unit_days

__all__ = ["RetentionCase", "ChurnStudy", "SurvivalStudy", "SbgStudy", "PredictionStudy", "ProgrammeStudy",
           "EconomicsStudy", "Skipped", "Note", "text", "value_label", "term_label", "feature_label", "load_case",
           "case_table", "sections_table",
           "churn_study", "churn_table", "cohort_study", "cohort_table", "group_retention_table",
           "survival_study", "km_table", "cox_study", "COX_SAMPLE", "subsample", "cox_table", "cox_fit_table",
           "ph_table", "sbg_study",
           "sbg_table", "sbg_tenure_table", "reichheld_study", "reichheld_pivot", "firm_economics",
           "economics_table", "profit_curve_table", "churn_prediction", "churn_metrics_table",
           "importance_table", "programme_study", "programme_table", "retention_figures"]

_CASE_NAME = "retail_demo"
_CASE_CUSTOMERS = 20_000
#: Observed customer attributes of the simulated case (covariates and model features).
CASE_ATTRIBUTES = ("acquisition_channel", "region", "member", "retention_programme")
TREATMENT = "retention_programme"
_PERIODS = ("W", "M", "Q", "Y")
_DEFINITIONS = ("inactivity", "p_alive", "contract")
#: One year as used for survival comparisons: 52 weeks.
_YEAR_DAYS = 364.0

_TEXT: dict[str, tuple[str, str]] = {
    # general
    "figure": ("Figure", "指标"), "value": ("Value", "数值"), "section": ("Section", "分析内容"),
    "needs": ("Needs", "所需数据"), "status": ("Status", "状态"), "reason": ("Reason", "原因"),
    "run": ("run", "运行"), "skipped": ("skipped", "跳过"), "group": ("Group", "分组"),
    "all": ("All customers", "全部客户"), "customers": ("Customers", "客户数"),
    # case
    "data": ("Data", "数据"), "synthetic": ("Simulated with known truth", "模拟数据（真值已知）"),
    "transactions": ("Transaction lines", "交易笔数"), "first_purchase": ("First purchase", "首笔交易日期"),
    "last_purchase": ("Last purchase", "末笔交易日期"), "observation_end": ("End of observation", "观察期末"),
    "attributes": ("Customer attributes", "客户属性"), "yes": ("yes", "是"), "no": ("no", "否"),
    # attributes and their values
    "acquisition_channel": ("Acquisition channel", "获客渠道"), "region": ("Region", "区域"),
    "store": ("Store", "门店"), "member": ("Loyalty card member", "会员卡持有"),
    "retention_programme": ("Retention programme", "客户保持计划"),
    "acquisition_cohort": ("Acquisition cohort", "获客同期群"),
    "log_first_spend": ("log(1 + first-day spend)", "log(1 + 首日消费额)"),
    "organic": ("organic", "自然到店"), "price_promotion": ("price promotion", "价格促销"),
    "referral": ("referral", "老客推荐"), "product_event": ("product event", "产品活动"),
    "member=True": ("member", "会员"), "member=False": ("non-member", "非会员"),
    "retention_programme=True": ("in the programme", "参与保持计划"),
    "retention_programme=False": ("not in the programme", "未参与保持计划"),
    "treated": ("in the programme", "参与保持计划"), "control": ("not in the programme", "未参与保持计划"),
    "vs": ("vs", "对照"),
    # churn definition
    "definition": ("Churn definition", "流失定义"), "inactivity": ("inactivity", "不活跃"),
    "p_alive": ("P(alive) below 0.5", "P(alive) 低于 0.5"), "contract": ("contract end (true dropout)",
                                                                       "合同终止（真实流失时间）"),
    "churned": ("Churned", "流失客户数"), "churn_rate": ("Churn rate", "流失率"),
    "censored": ("Censored (still customers)", "删失（仍为客户）"),
    "mean_duration": ("Mean observed lifetime", "平均观察寿命"),
    "durations_inactivity": ("Lifetimes run from the first to the last purchase; customers not (yet) churned are "
                             "censored at their last purchase. Unit: {unit}.",
                             "客户寿命从首次购买算到最后一次购买；尚未流失的客户在最后一次购买时删失。单位：{unit}。"),
    "durations_contract": ("Lifetimes run from acquisition to the true dropout date; customers still active are "
                           "censored at the end of observation. Unit: {unit}.",
                           "客户寿命从获取日算到真实流失日；仍活跃的客户在观察期末删失。单位：{unit}。"),
    # cohorts
    "cohort": ("Acquisition cohort", "获客同期群"), "periods_since": ("Periods since acquisition ({unit})",
                                                                      "获取后期数（{unit}）"),
    "rate_at": ("Retention after {k} {unit}", "{k}{unit}后留存率"), "cohorts": ("Cohorts", "同期群数"),
    "size": ("Customers", "客户数"),
    # survival
    "n": ("Customers", "客户数"), "events": ("Churned", "流失数"),
    "median": ("Median lifetime ({unit})", "中位寿命（{unit}）"), "median_lower": ("95% CI lower", "95% 置信下限"),
    "median_upper": ("95% CI upper", "95% 置信上限"), "observed": ("Observed churn", "实际流失数"),
    "expected": ("Expected under equal hazards", "同风险下的期望流失数"), "o_e": ("O/E", "O/E"),
    "term": ("Covariate", "协变量"), "hazard_ratio": ("Hazard ratio", "风险比"), "lower": ("95% CI lower", "95% 置信下限"),
    "upper": ("95% CI upper", "95% 置信上限"), "p_value": ("p-value", "p 值"), "coef": ("Coefficient", "系数"),
    "se": ("Standard error", "标准误"), "events_n": ("Churn events", "流失事件数"),
    "concordance": ("Concordance (Harrell's C)", "一致性指数（Harrell's C）"),
    "lr_test": ("Likelihood-ratio test", "似然比检验"), "wald_test": ("Wald test", "Wald 检验"),
    "score_test": ("Score (log-rank) test", "得分（log-rank）检验"), "statistic": ("Statistic", "统计量"),
    "df": ("df", "自由度"), "rho": ("Correlation with time (rho)", "与时间的相关（rho）"),
    "verdict": ("Verdict", "结论"), "global": ("GLOBAL", "整体检验"),
    "ph_holds": ("no evidence against proportional hazards", "无证据违背比例风险假设"),
    "ph_drifts": ("hazard ratio drifts with time (p < 0.05)", "风险比随时间漂移（p < 0.05）"),
    # sBG
    "year": ("Year", "年"), "window": ("Window", "样本"), "fit": ("fit (years 0–7)", "估计样本（第0–7年）"),
    "holdout": ("holdout (years 8–12)", "检验样本（第8–12年）"),
    "actual_pct": ("Actual % still customers", "实际留存客户比例（%）"),
    "projected_pct": ("sBG % still customers", "sBG 预测留存比例（%）"),
    "error_pts": ("Error (points)", "误差（百分点）"), "tenure": ("Tenure (years)", "客龄（年）"),
    "retention_actual": ("Actual retention rate", "实际留存率"), "retention_model": ("sBG retention rate",
                                                                                   "sBG 留存率"),
    "mean_churn_probability": ("Mean churn probability of survivors", "存活客户的平均流失概率"),
    "derl": ("DERL (discounted expected residual lifetime)", "DERL（折现期望剩余寿命）"),
    "renewals": ("Renewals made", "已续约次数"),
    "regular": ("regular", "普通客户"), "high_end": ("high end", "高端客户"),
    # value
    "base_retention": ("Annual retention", "年留存率"), "margin_growth": ("margin growth", "利润增长率"),
    "acquisition_cost": ("acquisition cost", "获客成本"),
    "profit_increase": ("Profit increase from +5 points (%)", "留存率提高5个百分点带来的利润增长（%）"),
    "retention_rate": ("Retention rate per period", "每期留存率"), "annual_retention": ("Annual retention",
                                                                                         "年留存率"),
    "margin": ("Margin per active customer and period (tenure 0)", "每期每位活跃客户的利润（客龄0）"),
    "margin_growth_period": ("Margin growth per period of tenure", "利润随客龄每期增长率"),
    "acquisition_cost_value": ("Acquisition cost per customer", "单位获客成本"),
    "discount_period": ("Discount rate per period", "每期折现率"),
    "clv": ("CLV", "客户终身价值 CLV"), "base_profit": ("Customer-base profit per period (steady state)",
                                                        "客户群每期利润（稳态）"),
    "expected_lifetime": ("Expected lifetime (periods)", "期望寿命（期）"),
    "clv_increase": ("CLV increase (%)", "CLV 增长（%）"), "profit_increase_pct": ("Base profit increase (%)",
                                                                                   "客户群利润增长（%）"),
    "in_range": ("Inside Reichheld's 25–95%", "处于 Reichheld 的 25%–95% 区间"),
    "firm": ("the firm", "本企业"), "plus5": ("+5 points", "+5 个百分点"),
    "margin_source_cost": ("amount − cost", "销售额 − 成本"), "margin_source_rate": ("{rate:.0%} of sales",
                                                                                   "销售额的 {rate:.0%}"),
    "margin_source": ("Margin", "利润口径"), "acq_source": ("Acquisition cost source", "获客成本来源"),
    "acq_data": ("recorded per customer (mean)", "按客户记录（均值）"), "acq_param": ("parameter", "参数设定"),
    # churn prediction
    "model": ("Model", "模型"), "logistic": ("logistic regression", "逻辑回归"),
    "gradient_boosting": ("gradient boosting", "梯度提升树"), "auc": ("ROC AUC", "ROC AUC"),
    "top_decile_lift": ("Top-decile lift", "前10%提升度"), "brier": ("Brier score", "Brier 分数"),
    "log_loss": ("Log loss", "对数损失"), "base_rate": ("Churn rate (test)", "流失率（测试集）"),
    "n_train": ("Training customers", "训练集客户数"), "n_test": ("Test customers", "测试集客户数"),
    "feature": ("Feature", "特征"), "importance": ("Drop in ROC AUC when shuffled", "打乱后 ROC AUC 的下降"),
    "importance_std": ("Standard deviation", "标准差"),
    "frequency": ("Frequency (repeat purchase days)", "购买频次（重复购买天数）"),
    "recency": ("Recency (first to last purchase)", "最近购买（首购至末购）"),
    "T": ("Customer age T", "客户年龄 T"), "monetary_value": ("Mean repeat spend", "平均重复消费金额"),
    "inactivity_feature": ("Time since last purchase", "距最后一次购买的时长"),
    # programme
    "view": ("Data", "数据口径"), "measure": ("Measure", "效果指标"), "estimate": ("Estimate", "估计值"),
    "truth": ("True value (simulation)", "真值（模拟）"), "covers": ("Interval covers the truth", "区间覆盖真值"),
    "method": ("Method", "方法"),
    "view_observed": ("observed: {definition}", "可观测数据：{definition}"),
    "view_true": ("true lifetimes (simulation)", "真实寿命（模拟）"),
    "retention difference (Wald)": ("Difference in retention (Wald)", "留存率差异（Wald 区间）"),
    "retention difference (Newcombe)": ("Difference in retention (Newcombe)", "留存率差异（Newcombe 区间）"),
    "odds ratio of retention": ("Odds ratio of retention (adjusted logistic regression)",
                                "留存优势比（调整后的逻辑回归）"),
    "survival difference": ("Survival difference at one year (Kaplan–Meier)", "一年时生存率差异（Kaplan–Meier）"),
    "hazard ratio of churn": ("Hazard ratio of churn (adjusted Cox)", "流失风险比（调整后的 Cox 模型）"),
    "hazard ratio unadjusted": ("Hazard ratio of churn (unadjusted Cox)", "流失风险比（未调整的 Cox 模型）"),
    "adjusted_others": ("adjusted for the other attributes", "调整其他客户属性"),
    "adjusted_truth": ("adjusted for the true dropout rate", "调整真实流失率"), "unadjusted": ("unadjusted", "未调整"),
    "log_true_mu": ("log true dropout rate (known only in the simulation)", "真实流失率的对数（仅模拟数据已知）"),
    # units
    "W": ("weeks", "周"), "D": ("days", "天"), "M": ("months", "月"), "Q": ("quarters", "季度"), "Y": ("years", "年"),
    "share": ("share", "比率"), "percent": ("%", "%"),
}


def text(key: str, lang: str = "en", **values: Any) -> str:
    """The study's label for ``key`` in ``lang`` (unknown keys are returned unchanged).

    Examples
    --------
    >>> text("acquisition_channel"), text("acquisition_channel", "zh"), text("R1", "zh")
    ('Acquisition channel', '获客渠道', 'R1')
    >>> text("rate_at", "zh", k=3, unit="月")
    '3月后留存率'
    """
    if lang not in ("en", "zh"):
        raise ValueError(f"lang={lang!r}; use 'en' or 'zh'")
    english, chinese = _TEXT.get(key, (key, key))
    chosen = chinese if lang == "zh" else english
    return chosen.format(**values) if values else chosen


def _unit(time_unit: str, lang: str) -> str:
    return text(time_unit, lang) if time_unit in ("D", "W", "M", "Q", "Y") else f"{time_unit} d"


def value_label(column: str, value: Any, lang: str = "en") -> str:
    """Label of one value of a grouping column (``member=True`` → "member" / "会员").

    Examples
    --------
    >>> value_label("acquisition_channel", "referral", "zh"), value_label("member", False)
    ('老客推荐', 'non-member')
    """
    keyed = f"{column}={value}"
    if keyed in _TEXT:
        return text(keyed, lang)
    return text(str(value), lang)


def term_label(term: str, lang: str = "en", reference: Any = None) -> str:
    """Readable label of a design column (``"acquisition_channel[referral]"``, ``"member"``).

    Examples
    --------
    >>> term_label("acquisition_channel[referral]", reference="organic")
    'Acquisition channel: referral (vs organic)'
    >>> term_label("member", "zh")
    '会员卡持有'
    """
    match = re.fullmatch(r"(.+)\[(.+)\]", term)
    if not match:
        return text(term, lang)
    column, level = match.groups()
    head = f"{text(column, lang)}{'：' if lang == 'zh' else ': '}{value_label(column, level, lang)}"
    if reference is None:
        return head
    ref = value_label(column, reference, lang)
    return f"{head}（{text('vs', lang)}：{ref}）" if lang == "zh" else f"{head} (vs {ref})"


class Note(str):
    """A sentence shown as Markdown in a notebook (a ``str`` otherwise)."""

    def _repr_markdown_(self) -> str:
        return str(self)


@dataclass(frozen=True)
class Skipped:
    """A section that cannot run on this data, with the reason in both languages."""

    section: str
    reason_en: str
    reason_zh: str

    def reason(self, lang: str = "en") -> str:
        return self.reason_zh if lang == "zh" else self.reason_en

    def table(self, lang: str = "en") -> pd.DataFrame:
        """One row: section, status ("skipped") and the reason."""
        names = _SECTION_NAMES.get(self.section, (self.section, self.section))
        return pd.DataFrame({text("section", lang): [names[1 if lang == "zh" else 0]],
                             text("status", lang): [text("skipped", lang)],
                             text("reason", lang): [self.reason(lang)]})

    def describe(self, lang: str = "en") -> Note:
        """The reason, as a Markdown sentence (so a skipped section can stand where a result's
        ``describe`` would)."""
        return Note(f"**{text('skipped', lang)}**: {self.reason(lang)}")

    def _repr_markdown_(self) -> str:
        return f"**Skipped · 跳过**: {self.reason_en} {self.reason_zh}"


# --------------------------------------------------------------------------- case data

@dataclass(frozen=True, eq=False)
class RetentionCase:
    """The data of one retention study (see :func:`load_case`).

    Attributes
    ----------
    transactions : DataFrame
        Tidy transaction log, purchases up to ``observation_end``.
    customers : DataFrame
        Indexed by ``customer_id``: ``acquisition_date``, ``acquisition_cohort``,
        ``log_first_spend``, the attributes and, for the simulated case, its truth columns.
    name : str
    synthetic : bool
        True for the simulated case (its truth is known).
    observation_end : Timestamp
    attributes : list of str
        Observed customer attributes used as covariates and model features.
    truth : dict
        The simulation's true parameters (empty for real data).
    """

    transactions: pd.DataFrame
    customers: pd.DataFrame
    name: str
    synthetic: bool
    observation_end: pd.Timestamp
    attributes: list[str]
    truth: dict = field(default_factory=dict)

    def has(self, column: str) -> bool:
        return column in self.customers.columns

    def grouping_columns(self) -> list[str]:
        """Customer columns with 2–12 distinct values (usable as ``group``)."""
        return _grouping_columns(self.customers)


def _cohort_labels(first: pd.Series) -> pd.Series:
    for freq in ("M", "Q", "Y"):
        periods = first.dt.to_period(freq)
        if periods.nunique() <= 12 or freq == "Y":
            return periods.astype("str")
    raise AssertionError  # pragma: no cover


def _derived_customers(tx: pd.DataFrame, group: str | None) -> pd.DataFrame:
    """One row per customer of a log: first purchase date and cohort, first-day spend, group."""
    day = tx["date"].dt.normalize()
    first = day.groupby(tx["customer_id"]).min()
    on_first = (day == tx["customer_id"].map(first)).to_numpy()
    spend = tx.loc[on_first, "amount"].groupby(tx.loc[on_first, "customer_id"]).sum().reindex(first.index)
    customers = pd.DataFrame({"acquisition_date": first, "acquisition_cohort": _cohort_labels(first),
                              "log_first_spend": np.log1p(spend.clip(lower=0.0).to_numpy(dtype=np.float64))},
                             index=first.index)
    customers.index.name = "customer_id"
    if group and group in tx.columns and group not in ("customer_id", "date", "amount"):
        ordered = tx.sort_values(["customer_id", "date"], kind="stable")
        customers[group] = ordered.groupby("customer_id")[group].first().reindex(customers.index)
    return customers


def load_case(data: str = _CASE_NAME, seed: int = 2024, *, observation_end: Any = None, group: str | None = None,
              n_customers: int = _CASE_CUSTOMERS) -> RetentionCase:
    """The data of the retention study: the simulated case, CDNOW or a transaction file.

    Parameters
    ----------
    data : str
        ``"retail_demo"``: ``simulate_retail(n_customers, seed=seed)`` (with the defaults its
        transactions are those of ``load_dataset("retail_demo")``), observed to 2024-12-31.
        Otherwise a bundled log (``"cdnow"``, ``"cdnow_sample"``) or a transaction file,
        read by :func:`cvm_lib.datasets.load_dataset`, with a customers table derived from
        the log (see the module docstring).
    seed : int
        Seed of the simulated case.
    observation_end : date-like, optional
        Last observed day; later purchases are left out. Default: 2024-12-31 for the
        simulated case, else the last purchase date.
    group : str, optional
        For logs: a column of the log whose value on the first purchase becomes a customer
        attribute (a grouping column). The simulated case has its own attributes.
    n_customers : int
        Size of the simulated case.

    Returns
    -------
    RetentionCase
    """
    from cvm_lib.datasets import load_dataset

    if data == _CASE_NAME:
        from cvm_lib.datasets.simulate import simulate_retail

        retail = simulate_retail(n_customers, seed=seed)
        sim_end = pd.Timestamp(retail.truth["end"]).normalize()
        end = sim_end if observation_end is None else day_stamp(observation_end, "observation_end")
        if end > sim_end:
            raise ValueError(f"observation_end {end.date()} is after the end of the simulation ({sim_end.date()})")
        tx = retail.transactions
        tx = tx[(tx["date"].dt.normalize() <= end).to_numpy()].reset_index(drop=True)
        customers = retail.customers.set_index("customer_id")
        customers = customers[(customers["acquisition_date"] <= end).to_numpy()].copy()
        if customers.empty:
            raise ValueError(f"observation_end {end.date()} precedes every acquisition of the simulated case")
        derived = _derived_customers(tx, None)
        customers["acquisition_cohort"] = derived["acquisition_cohort"].reindex(customers.index)
        customers["log_first_spend"] = derived["log_first_spend"].reindex(customers.index)
        dropout = customers["dropout_date"]
        customers["alive_at_end"] = (dropout.isna() | (dropout > end)).to_numpy()
        return RetentionCase(tx, customers, _CASE_NAME, True, end, list(CASE_ATTRIBUTES), dict(retail.truth))

    tx = load_dataset(data)
    end = tx["date"].max().normalize() if observation_end is None else day_stamp(observation_end, "observation_end")
    tx = tx[(tx["date"].dt.normalize() <= end).to_numpy()].reset_index(drop=True)
    if tx.empty:
        raise ValueError(f"observation_end {end.date()} precedes every purchase in {data!r}")
    customers = _derived_customers(tx, group)
    attributes = []
    if group and group in customers.columns and 2 <= customers[group].nunique() <= 12:
        attributes.append(group)
    if customers["acquisition_cohort"].nunique() >= 2:
        attributes.append("acquisition_cohort")
    attributes.append("log_first_spend")
    attributes = list(dict.fromkeys(attributes))  # group may name a derived column
    return RetentionCase(tx, customers, str(data), False, end, attributes, {})


def _check_lang(lang: str) -> str:
    if lang not in ("en", "zh"):
        raise ValueError(f"lang={lang!r}; use 'en' or 'zh'")
    return lang


def case_table(case: RetentionCase, lang: str = "en") -> pd.DataFrame:
    """The data at a glance: source, customers, transactions, dates, attributes."""
    _check_lang(lang)
    tx = case.transactions
    rows = [
        ("data", case.name), ("synthetic", text("yes" if case.synthetic else "no", lang)),
        ("customers", int(len(case.customers))), ("transactions", int(len(tx))),
        ("first_purchase", tx["date"].min().date().isoformat()),
        ("last_purchase", tx["date"].max().date().isoformat()),
        ("observation_end", case.observation_end.date().isoformat()),
        ("attributes", ", ".join(text(a, lang) for a in case.attributes)),
    ]
    return pd.DataFrame({text("value", lang): [v for _, v in rows]},
                        index=pd.Index([text(k, lang) for k, _ in rows], name=text("figure", lang)), dtype=object)


_SECTION_NEEDS: dict[str, tuple[str, str]] = {
    "cohorts": ("transaction log", "交易数据"),
    "group_retention": ("the group column", "分组列"),
    "survival": ("the group column", "分组列"),
    "cox": ("customer attributes", "客户属性"),
    "sbg": ("Fader & Hardie (2007) data, cvm_lib.clv.ShiftedBetaGeo",
            "Fader & Hardie (2007) 数据、cvm_lib.clv.ShiftedBetaGeo"),
    "value": ("cost or margin rate; acquisition cost", "成本或利润率；获客成本"),
    "prediction": ("transaction log", "交易数据"),
    "programme": ("retention_programme (0/1)", "retention_programme 列（0/1）"),
    "programme_truth": ("the simulation's dropout dates and true_mu", "模拟数据的真实流失日期与 true_mu"),
}
_SECTION_NAMES: dict[str, tuple[str, str]] = {
    "cohorts": ("Cohort retention", "同期群留存"), "group_retention": ("Retention curves by group", "分组留存曲线"),
    "survival": ("Kaplan–Meier by group, log-rank test", "分组 Kaplan–Meier 曲线与 log-rank 检验"),
    "cox": ("Cox regression", "Cox 回归"), "sbg": ("sBG projection (contractual)", "sBG 预测（契约情境）"),
    "value": ("Value of retention (Reichheld)", "留存的价值（Reichheld）"),
    "prediction": ("Churn prediction", "流失预测"), "programme": ("Retention-programme effect", "保持计划效果"),
    "programme_truth": ("Programme effect against the truth", "保持计划效果与真值对照"),
}


def _grouping_columns(frame: pd.DataFrame) -> list[str]:
    """Columns with 2–12 distinct values and no gaps (usable as ``group``)."""
    out = []
    for column in frame.columns:
        series = frame[column]
        if pd.api.types.is_datetime64_any_dtype(series.dtype) or pd.api.types.is_float_dtype(series.dtype):
            continue
        if not series.isna().any() and 2 <= series.nunique() <= 12:
            out.append(column)
    return out


def _skip_group(frame: pd.DataFrame, group: str, section: str) -> Skipped | None:
    """Skipped when ``group`` is not a usable grouping column of ``frame``, else None."""
    if group in frame.columns:
        levels = frame[group].nunique(dropna=True)
        if levels < 2:
            return Skipped(section, f"Column {group!r} has a single value; there is nothing to compare.",
                           f"{group!r} 列只有一个取值，无法比较。")
        if levels > 12:
            return Skipped(section, f"Column {group!r} has {levels} values; choose a column with at most 12.",
                           f"{group!r} 列有 {levels} 个取值；请选择取值不超过 12 个的列。")
        return None
    options = ", ".join(map(repr, _grouping_columns(frame)))
    return Skipped(section, f"The data have no column {group!r}; set the parameter group to one of: {options}.",
                   f"数据中没有 {group!r} 列；请把参数 group 设为以下之一：{options}。")


def _sbg_available() -> bool:
    try:
        from cvm_lib.clv import ShiftedBetaGeo  # noqa: F401
    except ImportError:
        return False
    return True


def sections_table(case: RetentionCase, group: str = "acquisition_channel", lang: str = "en") -> pd.DataFrame:
    """Every section of the study, the data it needs and whether it runs on ``case``."""
    _check_lang(lang)
    status: dict[str, Skipped | None] = {key: None for key in _SECTION_NAMES}
    status["group_retention"] = _skip_group(case.customers, group, "group_retention")
    status["survival"] = _skip_group(case.customers, group, "survival")
    if not _sbg_available():
        status["sbg"] = Skipped("sbg", "cvm_lib.clv.ShiftedBetaGeo is not available.",
                                "cvm_lib.clv.ShiftedBetaGeo 不可用。")
    status["programme"] = _skip_programme(case)
    status["programme_truth"] = status["programme"] or _skip_truth(case)
    rows = []
    for key, skipped in status.items():
        rows.append({text("section", lang): _SECTION_NAMES[key][1 if lang == "zh" else 0],
                     text("needs", lang): _SECTION_NEEDS[key][1 if lang == "zh" else 0],
                     text("status", lang): text("skipped" if skipped else "run", lang),
                     text("reason", lang): skipped.reason(lang) if skipped else ""})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- churn definition

@dataclass(frozen=True, eq=False)
class ChurnStudy:
    """Customer lifetimes under the study's churn definition (see :func:`churn_study`).

    Attributes
    ----------
    kind : {"inactivity", "p_alive", "contract"}
    labels : ChurnLabels
        The churn flags and the definition (``labels.describe(lang)``).
    table : DataFrame
        Indexed by ``customer_id``: ``duration`` (in ``time_unit``), ``event`` (1 = churned),
        ``retained`` (1 - event) and the customer columns of the case.
    time_unit : str
    attributes : list of str
    """

    kind: str
    labels: ChurnLabels
    table: pd.DataFrame
    time_unit: str
    attributes: list[str]
    observation_end: pd.Timestamp

    @property
    def churn_rate_(self) -> float:
        return float(self.table["event"].mean())

    def describe(self, lang: str = "en") -> Note:
        """The definition and how lifetimes are measured, as a Markdown sentence."""
        key = "durations_contract" if self.kind == "contract" else "durations_inactivity"
        return Note(f"{self.labels.describe(lang)} {text(key, lang, unit=_unit(self.time_unit, lang))}")


def _contract_lifetimes(case: RetentionCase, time_unit: str) -> pd.DataFrame:
    """True lifetimes of the simulated case: acquisition to dropout, censored at the end."""
    if not case.has("dropout_date"):
        raise ValueError("churn_definition='contract' needs contract end dates (column 'dropout_date'), which only "
                         "the simulated case has; use 'inactivity' or 'p_alive' for a transaction log")
    c = case.customers
    end = case.observation_end
    dropped = (c["dropout_date"].notna() & (c["dropout_date"] <= end)).to_numpy()
    stop = c["dropout_date"].where(dropped, end + pd.Timedelta(days=1))  # the last day is observed in full
    days = (stop - c["acquisition_date"]).dt.days.to_numpy(dtype=np.float64)
    return pd.DataFrame({"duration": days / unit_days(time_unit), "event": dropped.astype(np.int64)}, index=c.index)


def churn_study(case: RetentionCase, definition: str = "inactivity", *, inactivity_days: float = 180,
                time_unit: str = "W", threshold: float = 0.5) -> ChurnStudy:
    """Churn flags and lifetimes under one stated definition.

    * ``"inactivity"``: churned after more than ``inactivity_days`` days without a purchase
      (:func:`customer_lifetimes`): lifetime from the first to the last purchase, censored
      at the last purchase when not churned.
    * ``"p_alive"``: churned when P(alive) of a BG/NBD model (:class:`cvm_lib.clv.BetaGeo`,
      fitted in ``time_unit``) is below ``threshold``; lifetimes as for inactivity.
    * ``"contract"``: the true dropout dates of the simulated case (a contractual view):
      lifetime from acquisition to dropout, censored at the end of observation.
    """
    if definition not in _DEFINITIONS:
        raise ValueError(f"churn_definition={definition!r}; use one of {', '.join(_DEFINITIONS)}")
    unit_days(time_unit)  # validates
    end = case.observation_end
    if definition == "contract":
        frame = _contract_lifetimes(case, time_unit)
        labels = churn_labels(case.customers.reset_index(), definition="contract", end_col="dropout_date",
                              start_col="acquisition_date", observation_end=end)
    else:
        lifetimes = customer_lifetimes(case.transactions, inactivity_days=inactivity_days, observation_end=end,
                                       time_unit=time_unit)
        frame = lifetimes[["duration", "event"]].copy()
        labels = churn_labels(case.transactions, definition="inactivity", inactivity_days=inactivity_days,
                              observation_end=end)
        if definition == "p_alive":
            from cvm_lib.clv import BetaGeo
            from cvm_lib.summary import rfm_summary

            summary = rfm_summary(case.transactions, observation_end=end, time_unit=time_unit)
            model = BetaGeo().fit(summary)
            labels = churn_labels(summary, definition="p_alive", model=model, threshold=threshold,
                                  observation_end=end)
            frame["event"] = labels.labels_["churned"].reindex(frame.index).to_numpy().astype(np.int64)
    frame["retained"] = 1 - frame["event"]
    others = [c for c in case.customers.columns if c not in frame.columns]
    table = frame.join(case.customers[others], how="left")
    return ChurnStudy(definition, labels, table, time_unit, list(case.attributes), end)


def churn_table(churn: ChurnStudy, lang: str = "en") -> pd.DataFrame:
    """The definition and its outcome: customers, churned, churn rate, censored, mean lifetime."""
    _check_lang(lang)
    t = churn.table
    unit = _unit(churn.time_unit, lang)
    rows = [("definition", text(churn.kind, lang)), ("customers", int(len(t))),
            ("churned", int(t["event"].sum())), ("churn_rate", float(t["event"].mean())),
            ("censored", int((t["event"] == 0).sum())),
            ("mean_duration", f"{t['duration'].mean():.1f} {unit}")]
    return pd.DataFrame({text("value", lang): [v for _, v in rows]},
                        index=pd.Index([text(k, lang) for k, _ in rows], name=text("figure", lang)), dtype=object)


# --------------------------------------------------------------------------- cohorts

def _check_period(period: str) -> str:
    if period not in _PERIODS:
        raise ValueError(f"period={period!r}; use one of {', '.join(_PERIODS)}")
    return period


def cohort_study(case: RetentionCase, *, period: str = "M", group: str | None = None) -> CohortRetention | Skipped:
    """Cohort retention (:func:`cohort_retention`), complete periods only, optionally by group."""
    _check_period(period)
    section = "cohorts" if group is None else "group_retention"
    if group is not None:
        skipped = _skip_group(case.customers, group, section)
        if skipped:
            return skipped
    return cohort_retention(case.transactions, case.customers if group else None, by=group, period=period,
                            observation_end=case.observation_end, drop_partial=True)


def _period_label(period: pd.Period) -> str:
    """``2023-01`` for months, ``2023Q1``, ``2023``; a week by its first day (``1997-01-06``)."""
    if period.freqstr.startswith("W"):
        return period.start_time.date().isoformat()
    return str(period)


def cohort_table(cohorts: CohortRetention | Skipped, lang: str = "en") -> pd.DataFrame:
    """Retention rates in % (cohort × periods since acquisition); unobserved cells blank."""
    _check_lang(lang)
    if isinstance(cohorts, Skipped):
        return cohorts.table(lang)
    rates = cohorts.rates_ * 100.0
    if cohorts.by:
        rates.index = pd.Index([f"{value_label(cohorts.by, g, lang)} {_period_label(c)}" for g, c in rates.index],
                               name=text("cohort", lang))
    else:
        rates.index = pd.Index([_period_label(c) for c in rates.index], name=text("cohort", lang))
    rates.columns = pd.Index(list(rates.columns), name=text("periods_since", lang,
                                                            unit=_unit(cohorts.period, lang)))
    return rates


def group_retention_table(cohorts: CohortRetention | Skipped, lang: str = "en",
                          periods: tuple[int, ...] = (1, 3, 6, 12)) -> pd.DataFrame:
    """Per group: customers, cohorts and the pooled retention rate after ``periods`` periods."""
    _check_lang(lang)
    if isinstance(cohorts, Skipped):
        return cohorts.table(lang)
    summary = cohorts.summary(periods)
    unit = _unit(cohorts.period, lang)
    columns = {"customers": text("customers", lang), "cohorts": text("cohorts", lang)}
    columns.update({f"rate_{k}": text("rate_at", lang, k=k, unit=unit) for k in periods})
    summary = summary.rename(columns=columns)
    summary.index = pd.Index([value_label(cohorts.by, g, lang) for g in summary.index],
                             name=text(cohorts.by, lang))
    return summary


# --------------------------------------------------------------------------- survival

@dataclass(frozen=True, eq=False)
class SurvivalStudy:
    """Kaplan-Meier curves and the log-rank test by group (see :func:`survival_study`)."""

    km: KaplanMeier
    logrank: LogrankResult
    group: str
    time_unit: str
    definition: str = "inactivity"


def survival_study(churn: ChurnStudy, group: str) -> SurvivalStudy | Skipped:
    """Kaplan-Meier curves of the churn lifetimes by ``group`` and the log-rank test."""
    skipped = _skip_group(churn.table, group, "survival")
    if skipped:
        return skipped
    km = kaplan_meier(churn.table, "duration", "event", group)
    test = logrank(churn.table, "duration", "event", group)
    return SurvivalStudy(km, test, group, churn.time_unit, churn.kind)


def km_table(survival: SurvivalStudy | Skipped, lang: str = "en") -> pd.DataFrame:
    """Per group: customers, churned, median lifetime with its 95% interval, observed and
    expected churn under equal hazards (log-rank) and their ratio."""
    _check_lang(lang)
    if isinstance(survival, Skipped):
        return survival.table(lang)
    summary = survival.km.summary()
    unit = _unit(survival.time_unit, lang)
    lower, upper = [c for c in summary.columns if c.startswith("median_")]
    table = pd.DataFrame({
        text("n", lang): summary["n"], text("events", lang): summary["events"],
        text("median", lang, unit=unit): summary["median"], text("median_lower", lang): summary[lower],
        text("median_upper", lang): summary[upper],
        text("observed", lang): survival.logrank.observed.to_numpy(),
        text("expected", lang): survival.logrank.expected.to_numpy()})
    table[text("o_e", lang)] = table[text("observed", lang)] / table[text("expected", lang)]
    table.index = pd.Index([value_label(survival.group, g, lang) for g in summary.index],
                           name=text(survival.group, lang))
    return table


# --------------------------------------------------------------------------- Cox

#: Customers the Cox model of :func:`cox_study` is fitted on at most (a seeded subsample above).
COX_SAMPLE = 100_000


def cox_study(churn: ChurnStudy, covariates: list[str] | None = None, *, sample: int | None = COX_SAMPLE,
              seed: int = 0) -> CoxResult:
    """Cox regression of the churn lifetimes on the case's attributes (Efron ties).

    Categorical attributes are compared with their first level (``organic`` for the
    acquisition channel); booleans enter as 0/1.

    The partial likelihood costs time in proportion to customers × distinct event times,
    so above ``sample`` customers (default 100,000: far above the bundled data, which are
    fitted whole) the model is fitted on a simple random subsample of that many
    customers drawn with ``numpy.random.default_rng(seed)``; the hazard ratios keep their
    meaning and the intervals widen accordingly (``n_`` of the result says how many
    customers were used). ``sample=None`` fits everyone.
    """
    covariates = list(churn.attributes if covariates is None else covariates)
    usable = [c for c in covariates if c in churn.table.columns and churn.table[c].nunique() >= 2]
    if not usable:
        raise ValueError(f"no usable covariates among {covariates}")
    return fit_cox(subsample(churn.table, sample, seed), "duration", "event", usable)


def subsample(frame: pd.DataFrame, size: int | None, seed: int = 0) -> pd.DataFrame:
    """``frame`` itself when it has at most ``size`` rows (or ``size`` is None), else a
    simple random sample of ``size`` rows without replacement, in their original order.

    Examples
    --------
    >>> f = pd.DataFrame({"x": range(10)})
    >>> subsample(f, 20) is f, subsample(f, 4, seed=1)["x"].tolist() == sorted(subsample(f, 4, seed=1)["x"])
    (True, True)
    >>> len(subsample(f, 4)), subsample(f, 4).equals(subsample(f, 4))
    (4, True)
    """
    if size is None or len(frame) <= size:
        return frame
    if not isinstance(size, (int, np.integer)) or isinstance(size, bool) or size < 1:
        raise ValueError(f"sample={size!r}; expected a positive whole number of rows or None (all rows)")
    rows = np.sort(np.random.default_rng(seed).choice(len(frame), size=int(size), replace=False))
    return frame.iloc[rows]


def _references(cox: CoxResult) -> dict[str, Any]:
    enc = cox.encoding_
    return {name: enc.loc[name, "reference"] for name in enc.index if enc.loc[name, "kind"] == "categorical"}


def _term_labels(cox: CoxResult, lang: str) -> list[str]:
    refs = _references(cox)
    out = []
    for term in cox.params_.index:
        column = term.split("[", 1)[0]
        out.append(term_label(term, lang, refs.get(column)))
    return out


def cox_table(cox: CoxResult, lang: str = "en") -> pd.DataFrame:
    """Hazard ratios with 95% intervals and p-values, one row per covariate term."""
    _check_lang(lang)
    ci = np.exp(cox.confidence_intervals_)
    table = pd.DataFrame({text("hazard_ratio", lang): cox.hazard_ratios_.to_numpy(),
                          text("lower", lang): ci["lower"].to_numpy(), text("upper", lang): ci["upper"].to_numpy(),
                          text("p_value", lang): cox.p_values_.to_numpy(), text("coef", lang): cox.params_.to_numpy(),
                          text("se", lang): cox.standard_errors_.to_numpy()},
                         index=pd.Index(_term_labels(cox, lang), name=text("term", lang)))
    return table


def cox_fit_table(cox: CoxResult, lang: str = "en") -> pd.DataFrame:
    """Customers, events, concordance and the three global tests of a Cox model."""
    _check_lang(lang)
    rows = [(text("n", lang), cox.n_, np.nan, np.nan), (text("events_n", lang), cox.n_events_, np.nan, np.nan),
            (text("concordance", lang), cox.concordance_, np.nan, np.nan)]
    for key, test in (("lr_test", cox.likelihood_ratio_test_), ("wald_test", cox.wald_test_),
                      ("score_test", cox.score_test_)):
        rows.append((text(key, lang), test["statistic"], test["df"], test["p_value"]))
    return pd.DataFrame({text("value", lang): pd.Series([r[1] for r in rows], dtype=object),
                         text("df", lang): pd.array([r[2] if r[2] == r[2] else None for r in rows], dtype="Int64"),
                         text("p_value", lang): [r[3] for r in rows]}).set_axis(
        pd.Index([r[0] for r in rows], name=text("figure", lang)))


def ph_table(cox: CoxResult, lang: str = "en", alpha: float = 0.05) -> pd.DataFrame:
    """Grambsch-Therneau test of proportional hazards per term and globally, with a verdict."""
    _check_lang(lang)
    res = cox.check_proportional_hazards("km", alpha=alpha).results_
    labels = _term_labels(cox, lang) + [text("global", lang)]
    verdict = [text("ph_drifts" if p < alpha else "ph_holds", lang) for p in res["p_value"]]
    return pd.DataFrame({text("rho", lang): res["rho"].to_numpy(),
                         text("statistic", lang): res["test_statistic"].to_numpy(),
                         text("df", lang): res["df"].to_numpy(), text("p_value", lang): res["p_value"].to_numpy(),
                         text("verdict", lang): verdict}, index=pd.Index(labels, name=text("term", lang)))


# --------------------------------------------------------------------------- sBG

@dataclass(frozen=True, eq=False)
class SbgStudy:
    """sBG fit to the Fader & Hardie (2007) survival data (see :func:`sbg_study`).

    Attributes
    ----------
    model : fitted sBG-like model
    projection : DataFrame
        Index ``year`` 0–12: ``survival``, ``retention_rate``, ``observed_survival``,
        ``observed_retention``, ``window`` ("fit"/"holdout").
    tenure : DataFrame
        :func:`retention_by_tenure` (years 1–12) with ``observed_retention``.
    derl : Series
        DERL by renewals made (0–11), at ``discount_rate`` per year.
    gamma, delta : float or None
        The fitted Beta(gamma, delta) distribution of the churn probability across customers
        (Fader & Hardie's names; ``alpha``, ``beta`` in some software).
    """

    cohort: str
    model: Any
    projection: pd.DataFrame
    tenure: pd.DataFrame
    derl: pd.Series
    discount_rate: float
    fit_years: int
    gamma: float | None
    delta: float | None

    @property
    def holdout_mape_(self) -> float:
        """Mean absolute percentage error of the projected survival over the holdout years."""
        hold = self.projection[self.projection["window"] == "holdout"]
        return float(100 * np.mean(np.abs(hold["survival"] - hold["observed_survival"]) / hold["observed_survival"]))


def sbg_study(cohort: str = "regular", *, discount_rate: float = 0.10, fit_years: int = 7,
              model: Any = None) -> SbgStudy:
    """Fit the sBG to years 0–``fit_years`` of a Fader & Hardie (2007) cohort and project to year 12.

    Parameters
    ----------
    cohort : {"regular", "high_end"}
    discount_rate : float
        Per year (the data are annual renewals).
    fit_years : int, default 7
        Years 0–7 fit the model (the paper's calibration period); 8–12 test it.
    model : unfitted sBG-like model, optional
        Default :class:`cvm_lib.clv.ShiftedBetaGeo` (through :func:`fit_sbg`).
    """
    from cvm_lib.datasets import sbg_retention

    data = sbg_retention()
    if cohort not in ("regular", "high_end"):
        raise ValueError(f"sbg_cohort={cohort!r}; use 'regular' or 'high_end'")
    counts = (data[cohort].to_numpy(dtype=np.float64) * 10).round(6)  # cohorts of 1,000 customers
    years = len(counts) - 1
    if not 1 <= fit_years < years:
        raise ValueError(f"fit_years={fit_years!r}; use 1 to {years - 1}")
    fitted = fit_sbg(counts[: fit_years + 1], model=model)
    projection = project_retention(fitted, years, cohort_size=counts[0], observed=counts)
    projection.index.name = "year"
    observed_survival = counts / counts[0]
    projection["observed_retention"] = np.concatenate(([np.nan], counts[1:] / counts[:-1]))
    projection["window"] = np.where(projection.index <= fit_years, "fit", "holdout")
    projection.loc[0, "window"] = "fit"
    tenure = retention_by_tenure(fitted, years)
    tenure["observed_retention"] = projection["observed_retention"].to_numpy()[1:]
    tenure["observed_survival"] = observed_survival[1:]
    ab = sbg_parameters(fitted)
    values = derl(fitted, discount_rate, renewals=np.arange(years))
    return SbgStudy(cohort, fitted, projection, tenure, values, float(discount_rate), fit_years,
                    ab[0] if ab else None, ab[1] if ab else None)


def sbg_table(sbg: SbgStudy, lang: str = "en") -> pd.DataFrame:
    """Actual and projected % still customers by year, with the fit/holdout window."""
    _check_lang(lang)
    p = sbg.projection
    return pd.DataFrame({text("window", lang): [text(w, lang) for w in p["window"]],
                         text("actual_pct", lang): 100 * p["observed_survival"].to_numpy(),
                         text("projected_pct", lang): 100 * p["survival"].to_numpy(),
                         text("error_pts", lang): 100 * (p["survival"] - p["observed_survival"]).to_numpy()},
                        index=pd.Index(p.index, name=text("year", lang)))


def sbg_tenure_table(sbg: SbgStudy, lang: str = "en") -> pd.DataFrame:
    """Retention rate by tenure, actual and sBG (rising), survivors' mean churn probability, DERL."""
    _check_lang(lang)
    t = sbg.tenure
    table = pd.DataFrame({text("retention_actual", lang): t["observed_retention"].to_numpy(),
                          text("retention_model", lang): t["retention_rate"].to_numpy()},
                         index=pd.Index(t.index, name=text("tenure", lang)))
    if "mean_churn_probability" in t.columns:
        table[text("mean_churn_probability", lang)] = t["mean_churn_probability"].to_numpy()
    # DERL of a customer in tenure year n has made n - 1 renewals
    table[text("derl", lang)] = sbg.derl.reindex(t.index - 1).to_numpy()
    return table


# --------------------------------------------------------------------------- value of retention

def reichheld_study(*, margin_growth: float = 0.05, discount_rate: float = 0.10) -> pd.DataFrame:
    """:func:`reichheld_table` over annual retention 50–90%, margin growth {0, ``margin_growth``,
    10%}, discount rates {5%, ``discount_rate``, 15%}, acquisition cost {0, 1, 2} first-year
    margins and a 20-year horizon. ``attrs`` keep the study's ``margin_growth`` and
    ``discount_rate``."""
    growth = sorted({0.0, float(margin_growth), 0.10})
    rates = sorted({0.05, float(discount_rate), 0.15})
    table = reichheld_table((0.5, 0.6, 0.7, 0.8, 0.9), margin_growth=growth, discount_rate=rates,
                            acquisition_cost=(0.0, 1.0, 2.0), horizon=(20,))
    table.attrs.update(study_margin_growth=float(margin_growth), study_discount_rate=float(discount_rate))
    return table


def reichheld_pivot(table: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """Profit increase (%) from 5 more points of retention at the study's discount rate:
    rows annual retention, columns (margin growth, acquisition cost); blank where the base
    makes a loss."""
    _check_lang(lang)
    d = table.attrs.get("study_discount_rate", 0.10)
    part = table[np.isclose(table["discount_rate"], d)]
    pivot = part.pivot_table(index="base_retention", columns=["margin_growth", "acquisition_cost"],
                             values="profit_increase_pct", dropna=False, sort=True)
    g, ac = text("margin_growth", lang), text("acquisition_cost", lang)
    pivot.columns = pd.Index([f"{g} {mg:.0%}, {ac} {cost:g}" for mg, cost in pivot.columns])
    pivot.index = pd.Index([f"{r:.0%}" for r in pivot.index], name=text("base_retention", lang))
    return pivot


@dataclass(frozen=True, eq=False)
class EconomicsStudy:
    """The firm's retention economics and where its inputs came from (see :func:`firm_economics`).

    Attributes
    ----------
    economics : RetentionEconomics
    margin_rate : float or None
        None when the margin is ``amount - cost`` from the log, else the share of sales used.
    acquisition_from_data : bool
        True when the customers table records the acquisition cost (its mean is used).
    """

    economics: RetentionEconomics
    margin_rate: float | None
    acquisition_from_data: bool

    def describe(self, lang: str = "en") -> Note:
        """The firm's figure and Reichheld's range, as a Markdown sentence."""
        return Note(self.economics.describe(lang))


def firm_economics(case: RetentionCase, *, period: str = "M", margin: float = 0.3, acquisition_cost: float = 20.0,
                   discount_rate: float = 0.10) -> EconomicsStudy | Skipped:
    """The profit gain from 5 more points of annual retention implied by the case's own data.

    :func:`retention_economics` (retention of active customers per ``period``, margin per
    active customer by tenure) with the margin ``amount - cost`` when the log has a
    ``cost`` column (else ``margin`` × sales), the acquisition cost recorded per customer
    when the customers table has ``acquisition_cost`` (else the parameter) and the annual
    ``discount_rate``. A log too short to estimate retention gives :class:`Skipped`.
    """
    _check_period(period)
    tx = case.transactions
    has_cost = "cost" in tx.columns
    recorded = case.has("acquisition_cost")
    try:
        econ = retention_economics(tx, case.customers if recorded else None, period=period,
                                   margin_rate=None if has_cost else margin,
                                   acquisition_cost=None if recorded else acquisition_cost,
                                   discount_rate=discount_rate, observation_end=case.observation_end)
    except ValueError as exc:
        return Skipped("value", f"The firm's own figure cannot be estimated: {exc}", f"无法估计本企业的数值：{exc}")
    return EconomicsStudy(econ, None if has_cost else float(margin), recorded)


def economics_table(study: EconomicsStudy | Skipped, lang: str = "en") -> pd.DataFrame:
    """The firm's retention economics: inputs estimated from the data and the two scenarios."""
    _check_lang(lang)
    if isinstance(study, Skipped):
        return study.table(lang)
    econ = study.economics
    margin_text = text("margin_source_cost", lang) if study.margin_rate is None \
        else text("margin_source_rate", lang, rate=study.margin_rate)
    acq = text("acq_data" if study.acquisition_from_data else "acq_param", lang)
    v = econ.values_
    firm, plus = text("firm", lang), text("plus5", lang)
    rows = [
        (text("margin_source", lang), margin_text), (text("acq_source", lang), acq),
        (text("retention_rate", lang), econ.retention_rate_), (text("annual_retention", lang), econ.annual_retention_),
        (text("margin", lang), econ.margin_), (text("margin_growth_period", lang), econ.margin_growth_),
        (text("acquisition_cost_value", lang), econ.acquisition_cost_),
        (text("discount_period", lang), econ.discount_rate_),
        (f"{text('annual_retention', lang)} ({plus})", float(v["annual_retention"].iloc[1])),
        (f"{text('clv', lang)} ({firm})", float(v["clv"].iloc[0])),
        (f"{text('clv', lang)} ({plus})", float(v["clv"].iloc[1])),
        (f"{text('base_profit', lang)} ({firm})", float(v["base_profit"].iloc[0])),
        (f"{text('base_profit', lang)} ({plus})", float(v["base_profit"].iloc[1])),
        (text("clv_increase", lang), econ.clv_increase_pct_),
        (text("profit_increase_pct", lang), econ.profit_increase_pct_),
        (text("in_range", lang), text("yes" if econ.in_reichheld_range_ else "no", lang)),
    ]
    return pd.DataFrame({text("value", lang): [r[1] for r in rows]},
                        index=pd.Index([r[0] for r in rows], name=text("figure", lang)), dtype=object)


def profit_curve_table(study: EconomicsStudy | Skipped, lang: str = "en") -> pd.DataFrame:
    """CLV and steady-state base profit over annual retention 5–95% (the retention → profit curve)."""
    _check_lang(lang)
    if isinstance(study, Skipped):
        return study.table(lang)
    c = study.economics.curve_
    return pd.DataFrame({text("retention_rate", lang): c["retention_rate"].to_numpy(),
                         text("expected_lifetime", lang): c["expected_lifetime"].to_numpy(),
                         text("clv", lang): c["clv"].to_numpy(),
                         text("base_profit", lang): c["base_profit"].to_numpy()},
                        index=pd.Index(c["annual_retention"].to_numpy(), name=text("annual_retention", lang)))


# --------------------------------------------------------------------------- churn prediction

@dataclass(frozen=True, eq=False)
class PredictionStudy:
    """Churn models with a time-based split (see :func:`churn_prediction`)."""

    result: ChurnModel
    train_calibration_end: pd.Timestamp
    calibration_end: pd.Timestamp
    observation_end: pd.Timestamp
    n_train: int
    n_test: int

    @property
    def best_model_(self) -> str:
        return str(self.result.auc_.idxmax())

    def describe(self, lang: str = "en") -> Note:
        """The two windows of the time-based split, as a Markdown sentence."""
        a, b, c = (d.date().isoformat() for d in (self.train_calibration_end, self.calibration_end,
                                                   self.observation_end))
        a1 = (self.train_calibration_end + pd.Timedelta(days=1)).date().isoformat()
        b1 = (self.calibration_end + pd.Timedelta(days=1)).date().isoformat()
        if lang == "zh":
            return Note(f"训练：用截至 {a} 的购买记录构造特征，目标为 {a1} 至 {b} 期间是否没有购买"
                        f"（{self.n_train:,} 名客户）。测试：用截至 {b} 的购买记录构造特征，"
                        f"预测 {b1} 至 {c} 期间是否流失（{self.n_test:,} 名客户）。模型只用测试窗口之前的数据拟合。")
        return Note(f"Training: features from purchases up to {a}, target = no purchase from {a1} to {b} "
                    f"({self.n_train:,} customers). Test: features from purchases up to {b}, churn predicted for "
                    f"{b1} to {c} ({self.n_test:,} customers). The models never see the test window.")


def churn_prediction(case: RetentionCase, *, calibration_end: Any = None, inactivity_days: float = 180,
                     time_unit: str = "W", seed: int = 2024, n_repeats: int = 3,
                     importance_sample: int | None = IMPORTANCE_SAMPLE) -> PredictionStudy:
    """Logistic regression and gradient boosting predicting churn, with a time-based split.

    The holdout window is ``calibration_end`` → ``observation_end`` (default: the last
    ``inactivity_days`` days); the target is "no purchase in the window"
    (:func:`churn_features`). The models are fitted on the same features one window
    earlier (features up to ``calibration_end`` minus the window length, target over the
    window ending at ``calibration_end``) and tested on the later window, so that no
    information from the test window reaches the fit. One-hot attribute columns missing
    from the test frame are zero there; those only in the test frame are dropped.
    Permutation importance scores at most ``importance_sample`` test customers per repeat
    (a seeded subsample, default 30,000; see :func:`~cvm_lib.retention.churn_model`);
    every other figure uses the whole test set.
    """
    end = case.observation_end
    cal = end - pd.Timedelta(days=int(inactivity_days)) if calibration_end is None \
        else day_stamp(calibration_end, "calibration_end")
    if not cal < end:
        raise ValueError(f"calibration_end {cal.date()} must precede the end of observation {end.date()}")
    window = end - cal
    train_cal = cal - window
    first = case.transactions["date"].min().normalize()
    if train_cal <= first:
        raise ValueError(f"the training window would start before the first purchase ({first.date()}): "
                         f"calibration_end {cal.date()} leaves too little history for a holdout of "
                         f"{window.days} days; choose a later calibration_end")
    attributes = [a for a in case.attributes if a in case.customers.columns]
    common = dict(customers=case.customers, attributes=attributes, time_unit=time_unit)
    train = churn_features(case.transactions, calibration_end=train_cal, observation_end=cal, **common)
    test = churn_features(case.transactions, calibration_end=cal, observation_end=end, **common)
    features = list(train.attrs["features"])
    for column in features:
        if column not in test.columns:
            test[column] = 0.0
    result = churn_model(train, test=test, features=features, random_state=seed, n_repeats=n_repeats, n_threads=1,
                         importance_sample=importance_sample)
    return PredictionStudy(result, train_cal, cal, end, len(train), len(test))


def feature_label(feature: str, lang: str = "en") -> str:
    """Label of a churn-model feature (``"inactivity"`` → "Time since last purchase").

    Examples
    --------
    >>> feature_label("inactivity", "zh"), feature_label("acquisition_channel[referral]")
    ('距最后一次购买的时长', 'Acquisition channel: referral')
    """
    if feature == "inactivity":
        return text("inactivity_feature", lang)
    return term_label(feature, lang)


def churn_metrics_table(prediction: PredictionStudy, lang: str = "en") -> pd.DataFrame:
    """Per model: ROC AUC, top-decile lift, Brier score, log loss, base rate, sizes."""
    _check_lang(lang)
    m = prediction.result.metrics_
    table = m.rename(columns={c: text(c, lang) for c in m.columns})
    table.index = pd.Index([text(name, lang) for name in m.index], name=text("model", lang))
    return table


def importance_table(prediction: PredictionStudy, lang: str = "en") -> pd.DataFrame:
    """Permutation importance (drop in test ROC AUC) per model and feature."""
    _check_lang(lang)
    imp = prediction.result.permutation_importance_
    return pd.DataFrame({text("model", lang): [text(n, lang) for n in imp["model"]],
                         text("feature", lang): [feature_label(f, lang) for f in imp["feature"]],
                         text("importance", lang): imp["importance_mean"].to_numpy(),
                         text("importance_std", lang): imp["importance_std"].to_numpy()})


# --------------------------------------------------------------------------- programme effect

@dataclass(frozen=True, eq=False)
class ProgrammeStudy:
    """The retention programme's effect (see :func:`programme_study`).

    Attributes
    ----------
    observed : ProgrammeEffect
        On the study's churn definition, adjusted for the other observed attributes.
    true : ProgrammeEffect or None
        Simulated case: on the true lifetimes, adjusted for the log true dropout rate.
    true_unadjusted_hr : Series or None
        Simulated case: Cox hazard ratio on the true lifetimes without the frailty.
    truth : dict
        Simulated case: ``hazard_ratio`` (planted), ``retention_difference`` (expected at
        the end of observation), ``survival_difference`` (expected at ``horizon``).
    horizon : float
        In ``time_unit``.
    """

    observed: ProgrammeEffect
    true: ProgrammeEffect | None
    true_unadjusted_hr: pd.Series | None
    truth: dict
    horizon: float
    time_unit: str
    definition: str


def _skip_programme(case: RetentionCase) -> Skipped | None:
    if case.has(TREATMENT):
        return None
    return Skipped("programme", f"The data have no column {TREATMENT!r} (1 = in the programme); the synthetic case "
                   "(data = retail_demo) has a randomised one.",
                   f"数据中没有 {TREATMENT!r} 列（1 = 参与计划）；模拟案例（data = retail_demo）包含随机分配的保持计划。")


def _skip_truth(case: RetentionCase) -> Skipped | None:
    if case.synthetic and case.has("dropout_date") and case.has("true_mu"):
        return None
    return Skipped("programme_truth", "Only the simulated case knows the true effect.", "只有模拟案例知道真实效果。")


def programme_study(case: RetentionCase, churn: ChurnStudy, *, horizon_days: float = _YEAR_DAYS,
                    alpha: float = 0.05) -> ProgrammeStudy | Skipped:
    """Effect of the retention programme: difference in retention, adjusted logistic regression,
    Kaplan-Meier survival difference at one year and Cox hazard ratio, each with an interval.

    * On the study's churn definition (what a firm observes), adjusted for the other
      observed attributes (the programme is randomised, so they only sharpen the estimates).
    * For the simulated case also on the true lifetimes, adjusted for the log of each
      customer's true dropout rate (the frailty; known only in a simulation), and compared
      with the truth: the planted hazard ratio and the differences it implies,
      ``mean_i(exp(-h mu_i t_i) - exp(-mu_i t_i))`` with ``t_i`` the customer's observed
      weeks (retention at the end) or the horizon (survival at one year).
    """
    skipped = _skip_programme(case)
    if skipped:
        return skipped
    t = churn.table
    unit = unit_days(churn.time_unit)
    horizon = min(horizon_days / unit, float(t.groupby(TREATMENT)["duration"].max().min()))
    covariates = [a for a in churn.attributes if a != TREATMENT and a in t.columns and t[a].nunique() >= 2]
    observed = programme_effect(t, treatment=TREATMENT, outcome="retained", duration="duration", event="event",
                                covariates=covariates, horizon=horizon, alpha=alpha)
    true_effect, unadjusted, truth = None, None, {}
    if _skip_truth(case) is None:
        c = case.customers
        frame = _contract_lifetimes(case, churn.time_unit)
        frame[TREATMENT] = c[TREATMENT].to_numpy()
        frame["retained"] = c["alive_at_end"].to_numpy().astype(np.int64)
        frame["log_true_mu"] = np.log(c["true_mu"].to_numpy(dtype=np.float64))
        h_true = min(horizon, float(frame.groupby(TREATMENT)["duration"].max().min()))
        true_effect = programme_effect(frame, treatment=TREATMENT, outcome="retained", duration="duration",
                                       event="event", covariates=["log_true_mu"], horizon=h_true, alpha=alpha)
        unadjusted = programme_effect(frame, treatment=TREATMENT, duration="duration", event="event",
                                      horizon=h_true, alpha=alpha).hazard_ratio_
        hr = float(case.truth["programme_hazard_ratio"])
        mu = c["true_mu"].to_numpy(dtype=np.float64)
        weeks_seen = ((case.observation_end - c["acquisition_date"]).dt.days.to_numpy() + 1) / 7.0
        weeks_h = h_true * unit / 7.0
        truth = {"hazard_ratio": hr,
                 "retention_difference": float(np.mean(np.exp(-hr * mu * weeks_seen) - np.exp(-mu * weeks_seen))),
                 "survival_difference": float(np.mean(np.exp(-hr * mu * weeks_h) - np.exp(-mu * weeks_h)))}
    return ProgrammeStudy(observed, true_effect, unadjusted, truth, float(horizon), churn.time_unit, churn.kind)


_MEASURES = ("retention difference (Wald)", "retention difference (Newcombe)", "odds ratio of retention",
             "survival difference", "hazard ratio of churn")


def _effect_rows(effect: ProgrammeEffect, view: str, truth: dict, lang: str) -> list[dict]:
    summary = effect.summary()
    rows = []
    for measure, row in zip(_MEASURES, summary.itertuples(), strict=True):
        true_value = {"retention difference (Wald)": truth.get("retention_difference"),
                      "retention difference (Newcombe)": truth.get("retention_difference"),
                      "survival difference": truth.get("survival_difference"),
                      "hazard ratio of churn": truth.get("hazard_ratio")}.get(measure)
        adjusted = measure in ("odds ratio of retention", "hazard ratio of churn")
        if not adjusted:
            method = ""
        elif effect.covariates == ["log_true_mu"]:
            method = text("adjusted_truth", lang)
        elif effect.covariates:
            method = text("adjusted_others", lang)
        else:
            method = text("unadjusted", lang)
        rows.append({"view": view, "measure": text(measure, lang), "estimate": row.estimate, "lower": row.lower,
                     "upper": row.upper, "p_value": row.p_value, "method": method,
                     "truth": np.nan if true_value is None else true_value})
    return rows


def programme_table(programme: ProgrammeStudy | Skipped, lang: str = "en") -> pd.DataFrame:
    """Every estimate with its 95% interval and p-value, on the observed churn definition and,
    for the simulated case, on the true lifetimes next to the true values."""
    _check_lang(lang)
    if isinstance(programme, Skipped):
        return programme.table(lang)
    view = text("view_observed", lang, definition=text(programme.definition, lang))
    rows = _effect_rows(programme.observed, view, {}, lang)
    if programme.true is not None:
        true_view = text("view_true", lang)
        rows += _effect_rows(programme.true, true_view, programme.truth, lang)
        h = programme.true_unadjusted_hr
        rows.append({"view": true_view, "measure": text("hazard ratio unadjusted", lang), "estimate": h["estimate"],
                     "lower": h["lower"], "upper": h["upper"], "p_value": h["p_value"],
                     "method": text("unadjusted", lang),
                     "truth": np.nan})
    table = pd.DataFrame(rows)
    if programme.true is not None:
        covers = [(text("yes" if lo <= tr <= up else "no", lang) if np.isfinite(tr) else "")
                  for lo, up, tr in zip(table["lower"], table["upper"], table["truth"], strict=True)]
        table["covers"] = covers
    else:
        table = table.drop(columns="truth")
    return table.rename(columns={c: text(c, lang) for c in table.columns})


# --------------------------------------------------------------------------- key figures

def _fig(name: str, value: Any, unit: str, label: str, headline: bool = False) -> dict[str, Any]:
    return {"name": name, "value": value, "unit": unit, "label": label, "headline": headline}


def _slug(value: Any) -> str:
    return re.sub(r"[^0-9A-Za-z]+", "_", str(value)).strip("_").lower() or "group"


def retention_figures(case: RetentionCase, churn: ChurnStudy, *, survival: SurvivalStudy | Skipped | None = None,
                      cox: CoxResult | None = None, economics: EconomicsStudy | Skipped | None = None,
                      prediction: PredictionStudy | None = None, programme: ProgrammeStudy | Skipped | None = None,
                      sbg: SbgStudy | None = None, lang: str = "en") -> list[dict[str, Any]]:
    """Key figures of the retention study for :func:`cvm_lib.results.record_many`, labelled in ``lang``.

    Median lifetimes by group (``None`` when the curve never falls to one half), the
    log-rank p-value, Cox concordance, the proportional-hazards global p-value and the
    programme's hazard ratio, the sBG parameters, holdout error and DERL, the firm's
    annual retention and Reichheld figure, the best churn model's AUC and top-decile lift,
    the programme effect with its intervals (and the truth for the simulated case).
    Sections given as ``None`` or :class:`Skipped` are left out.
    """
    _check_lang(lang)
    zh = lang == "zh"
    unit = _unit(churn.time_unit, lang)
    out = [_fig("data", case.name, "", text("data", lang)),
           _fig("customers", int(len(churn.table)), "", text("customers", lang), True),
           _fig("churn_definition", str(churn.labels.describe(lang)), "", text("definition", lang)),
           _fig("churn_rate", churn.churn_rate_, "share", text("churn_rate", lang), True)]
    if isinstance(survival, SurvivalStudy):
        for g, median in survival.km.median_.items():
            name = f"median_lifetime_{_slug(g)}"
            label = (f"中位寿命：{value_label(survival.group, g, lang)}" if zh
                     else f"Median lifetime: {value_label(survival.group, g, lang)}")
            out.append(_fig(name, float(median) if np.isfinite(median) else None, unit, label))
        out.append(_fig("logrank_p_value", survival.logrank.p_value, "",
                        "log-rank 检验 p 值" if zh else "Log-rank test p-value"))
    if cox is not None:
        out.append(_fig("cox_concordance", cox.concordance_, "", text("concordance", lang), True))
        ph = cox.check_proportional_hazards("km").results_
        out.append(_fig("ph_global_p_value", float(ph.loc["GLOBAL", "p_value"]), "",
                        "比例风险检验（整体）p 值" if zh else "Proportional-hazards test (global) p-value"))
    if sbg is not None:
        cohort = text(sbg.cohort, lang)
        if sbg.gamma is not None:
            out += [_fig("sbg_gamma", sbg.gamma, "", f"sBG γ（{cohort}）" if zh else f"sBG gamma ({cohort})"),
                    _fig("sbg_delta", sbg.delta, "", f"sBG δ（{cohort}）" if zh else f"sBG delta ({cohort})")]
        out += [_fig("sbg_holdout_mape", sbg.holdout_mape_, "%",
                     f"sBG 检验期（第8–12年）平均绝对百分比误差" if zh else "sBG holdout (years 8–12) MAPE"),
                _fig("sbg_derl", float(sbg.derl.iloc[0]), text("Y", lang),
                     f"DERL（新客户，年折现率 {sbg.discount_rate:.0%}）" if zh
                     else f"DERL of a new customer (discount {sbg.discount_rate:.0%} a year)", True),
                _fig("sbg_retention_year_1", float(sbg.tenure["retention_rate"].iloc[0]), "share",
                     "sBG 第1年留存率" if zh else "sBG retention rate, year 1"),
                _fig(f"sbg_retention_year_{len(sbg.tenure)}", float(sbg.tenure["retention_rate"].iloc[-1]), "share",
                     f"sBG 第{len(sbg.tenure)}年留存率" if zh else f"sBG retention rate, year {len(sbg.tenure)}")]
    if isinstance(economics, EconomicsStudy):
        economics = economics.economics
        out += [_fig("annual_retention", economics.annual_retention_, "share", text("annual_retention", lang)),
                _fig("reichheld_profit_increase_pct", economics.profit_increase_pct_, "%",
                     "本企业数据：留存率提高5个百分点带来的客户群利润增长" if zh
                     else "Firm's own data: base-profit increase from +5 points of retention", True),
                _fig("reichheld_clv_increase_pct", economics.clv_increase_pct_, "%",
                     "本企业数据：CLV 增长" if zh else "Firm's own data: CLV increase"),
                _fig("reichheld_in_range", economics.in_reichheld_range_, "", text("in_range", lang))]
    if prediction is not None:
        best = prediction.best_model_
        out += [_fig("churn_model_best", text(best, lang), "", "最佳流失预测模型" if zh else "Best churn model"),
                _fig("churn_model_auc", float(prediction.result.auc_[best]), "",
                     f"{text('auc', lang)}（{text(best, lang)}）" if zh else f"ROC AUC ({text(best, lang)})", True),
                _fig("churn_model_top_decile_lift", float(prediction.result.top_decile_lift_[best]), "",
                     f"{text('top_decile_lift', lang)}（{text(best, lang)}）" if zh
                     else f"Top-decile lift ({text(best, lang)})", True)]
    if isinstance(programme, ProgrammeStudy):
        views = [("observed", programme.observed)]
        if programme.true is not None:
            views.append(("true", programme.true))
        for key, effect in views:
            where = text("view_true", lang) if key == "true" else text(
                "view_observed", lang, definition=text(programme.definition, lang))
            d, s, h, o = effect.difference_, effect.survival_difference_, effect.hazard_ratio_, effect.odds_ratio_
            measures = [("retention_difference", d["estimate"], d["newcombe_lower"], d["newcombe_upper"],
                         "retention difference (Newcombe)"),
                        ("odds_ratio", o["estimate"], o["lower"], o["upper"], "odds ratio of retention"),
                        ("survival_difference", s["difference"], s["lower"], s["upper"], "survival difference"),
                        ("hazard_ratio", h["estimate"], h["lower"], h["upper"], "hazard ratio of churn")]
            if key == "observed":  # the observed view: the two headline measures only
                measures = [measures[0], measures[3]]
            for name, est, lo, up, what in measures:
                base = f"{text(what, lang)}，{where}" if zh else f"{text(what, lang)}, {where}"
                out += [_fig(f"programme_{name}_{key}", float(est), "", base, key == "true" and name == "hazard_ratio"),
                        _fig(f"programme_{name}_{key}_lower", float(lo), "", f"{base}（95% 下限）" if zh
                             else f"{base}: 95% lower"),
                        _fig(f"programme_{name}_{key}_upper", float(up), "", f"{base}（95% 上限）" if zh
                             else f"{base}: 95% upper")]
        if programme.truth:
            out += [_fig("programme_true_hazard_ratio", programme.truth["hazard_ratio"], "",
                         "模拟设定的真实风险比" if zh else "Planted (true) hazard ratio", True),
                    _fig("programme_true_retention_difference", programme.truth["retention_difference"], "share",
                         "真实留存率差异（期望）" if zh else "True retention difference (expected)"),
                    _fig("programme_true_survival_difference", programme.truth["survival_difference"], "share",
                         "一年时真实生存率差异（期望）" if zh else "True survival difference at one year (expected)")]
            h = programme.true.hazard_ratio_
            out.append(_fig("programme_hazard_ratio_covers_truth",
                            bool(h["lower"] <= programme.truth["hazard_ratio"] <= h["upper"]), "",
                            "风险比区间覆盖真值" if zh else "Hazard-ratio interval covers the truth", True))
    return out
