"""The CRM evaluation-indicator study (客户关系管理评价指标研究): case data, study tables and key figures.

What ``notebooks/04_crm_indicators.ipynb`` shows, computed here so that the notebook only
sets parameters and displays results.

Teaching case
-------------
:func:`load_case` with ``data="retail_demo"`` simulates a supermarket chain
(:func:`cvm_lib.datasets.simulate_retail`, 20,000 customers, 12 stores in 4 regions, seed
2024 by default) with a member survey of 30 % of the customers: five satisfaction items
(``sat_1`` … ``sat_5``, 1–5), a 0–10 recommendation question (``nps``), complaint counts and
resolution times, and, for loyalty-card holders only, "how much does the membership card
bring you?" (``membership_value``, 1–5). The survey is generated so that most card holders
feel membership brings them little (about three in four answer 1 or 2), the finding of the
supermarket member surveys this case is modelled on.

Market share and employee satisfaction cannot be computed from a firm's own transactions
or customer survey; for the case they are **synthetic**, drawn by :func:`synthetic_values`
from a random stream of their own (seeded with ``seed``) and tied to each store's true
customer-satisfaction effect of the simulation, as the service-profit chain suggests.

User data: a transaction file (``data``) with ``customers_path`` (customer → unit),
``survey_path`` (answers with the unit column) and optionally ``complaints_path`` and
``values_path`` (supplied indicators per unit).

Paths
-----
Relative paths (indicator systems, survey files) are looked up in the working directory
first and then in the project folder (:func:`project_root`), so a study finds
``studies/indicator_systems/balanced_scorecard.yaml`` whether it runs from the project
root (``cvm run``) or from ``notebooks/`` (Jupyter, nbval). :func:`load_indicator_system`
here (also exported as ``cvm_lib.indicators.load_indicator_system``) is
:func:`cvm_lib.indicators.system.load_indicator_system` with that resolution.

Tables
------
Every ``*_table`` function returns a display table labelled in ``lang`` ("en" or "zh");
the figures of :mod:`cvm_lib.plots.indicators` take these tables and find their columns
through :func:`text`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cvm_lib.indicators import system as _system
from cvm_lib.indicators.compute import unit_indicators
from cvm_lib.indicators.fuzzy import FUZZY_OPERATORS, FuzzyResult, fuzzy_evaluation, membership_from_frequencies
from cvm_lib.indicators.reliability import ReliabilityResult, cronbach_alpha, csat, nps
from cvm_lib.indicators.system import EvaluationResult, IndicatorSystem
from cvm_lib.paths import project_root, resolve_project_path

__all__ = ["CaseData", "project_root", "resolve_project_path", "load_indicator_system", "load_case",
           "synthetic_values", "text", "grade_labels", "indicator_table", "system_table", "case_table",
           "labelled_indicators", "ahp_consistency_table", "ahp_weights_table", "worst_judgements_table",
           "weights_table", "ranking_table", "fuzzy_by_unit", "fuzzy_overall", "survey_reliability",
           "reliability_table", "reliability_items_table", "nps_csat_table", "membership_value_table",
           "normalised_scores", "dimension_scores", "indicator_figures", "SURVEY_ITEM_LABELS",
           "MEMBERSHIP_VALUE_LABELS", "GRADE_LABELS", "GRADE_SCORES"]

#: Satisfaction grades, best first (the columns of the fuzzy membership matrices).
GRADE_LABELS: dict[str, tuple[str, ...]] = {
    "en": ("Very satisfied", "Satisfied", "Neutral", "Dissatisfied", "Very dissatisfied"),
    "zh": ("很满意", "满意", "一般", "不满意", "很不满意"),
}
#: Score of each grade (the rating it stands for), for the fuzzy score Σ b̂_j s_j.
GRADE_SCORES: tuple[int, ...] = (5, 4, 3, 2, 1)

#: What the five satisfaction items of the teaching case ask about (labels only).
SURVEY_ITEM_LABELS: dict[str, tuple[str, str]] = {
    "sat_1": ("Product quality and freshness", "商品质量与新鲜度"),
    "sat_2": ("Prices and promotions", "价格与促销"),
    "sat_3": ("Staff service", "员工服务"),
    "sat_4": ("Store environment", "购物环境"),
    "sat_5": ("Checkout and queues", "收银与排队"),
}

#: Answers to "How much does the membership card bring you?" (1–5).
MEMBERSHIP_VALUE_LABELS: dict[int, tuple[str, str]] = {
    1: ("1 Nothing at all", "1 几乎没有"), 2: ("2 Little", "2 较少"), 3: ("3 Some", "3 一般"),
    4: ("4 Quite a lot", "4 较多"), 5: ("5 A great deal", "5 很多"),
}

# Random stream of the synthetic supplied values, independent of the simulation's streams.
_VALUES_STREAM = 404
_CASE_NAME = "retail_demo"
_CASE_CUSTOMERS = 20_000

_TEXT: dict[str, tuple[str, str]] = {
    # units and general
    "store": ("Store", "门店"), "region": ("Region", "区域"), "all": ("All", "全部"),
    "dimension": ("Dimension", "维度"), "indicator": ("Indicator", "指标"), "id": ("Id", "编号"),
    "source": ("Source", "数据来源"), "direction": ("Direction", "指标方向"), "measure_unit": ("Unit", "计量单位"),
    "weighting": ("Weighting within the dimension", "维度内赋权方法"),
    # sources, directions, weighting methods
    "transactions": ("transactions", "交易数据"), "survey": ("survey", "问卷调查"),
    "complaints": ("complaints", "投诉记录"), "value": ("supplied value", "外部提供"),
    "benefit": ("benefit (higher is better)", "效益型（越大越好）"),
    "cost": ("cost (lower is better)", "成本型（越小越好）"),
    "equal": ("equal", "等权"), "given": ("given weights", "给定权重"), "ahp": ("AHP", "层次分析法"),
    "entropy": ("entropy", "熵权法"), "combined": ("AHP × entropy", "AHP × 熵权组合"),
    # case table
    "customers": ("Customers", "客户数"), "respondents": ("Survey respondents", "调查样本数"),
    "members_asked": ("Card holders asked about membership value", "回答会员价值题的持卡会员数"),
    # AHP
    "level": ("Level", "层次"), "dimension_level": ("Dimensions", "维度层"), "n": ("n", "阶数 n"),
    "lambda_max": ("λmax", "λmax"), "ci": ("CI", "CI"), "ri": ("RI", "RI"), "cr": ("CR", "CR"),
    "verdict": ("Verdict", "检验结论"), "consistent": ("consistent (CR ≤ 0.1)", "通过一致性检验（CR ≤ 0.1）"),
    "inconsistent": ("INCONSISTENT (CR > 0.1): revise the judgements", "未通过一致性检验（CR > 0.1），需调整判断矩阵"),
    "item": ("Item", "项目"), "weight": ("Weight", "权重"), "rank": ("Rank", "排名"),
    "row": ("Row item", "行因素"), "column": ("Column item", "列因素"), "judgement": ("Judgement a_ij", "判断值 a_ij"),
    "implied": ("Implied by the weights w_i/w_j", "权重隐含比值 w_i/w_j"),
    "suggested": ("Nearest scale value", "建议标度值"),
    # weights
    "ahp_weight": ("AHP weight", "AHP 权重"), "entropy_weight": ("Entropy weight", "熵权"),
    "local_weight": ("Weight within dimension", "维度内权重"), "dimension_weight": ("Dimension weight", "维度权重"),
    "global_weight": ("Global weight", "综合权重"),
    # ranking
    "closeness": ("TOPSIS closeness", "TOPSIS 贴近度"), "topsis_rank": ("TOPSIS rank", "TOPSIS 排名"),
    "d_plus": ("Distance to ideal D+", "与正理想解距离 D+"), "d_minus": ("Distance to anti-ideal D−", "与负理想解距离 D−"),
    "composite": ("Composite index (0–100)", "综合指数（0–100）"), "composite_rank": ("Composite rank", "综合指数排名"),
    # fuzzy
    "grade": ("Grade (maximum membership)", "评价等级（最大隶属度）"), "score": ("Fuzzy score (1–5)", "模糊综合得分（1–5）"),
    # reliability
    "alpha": ("Cronbach's alpha", "Cronbach's α"), "ci_low": ("95% CI lower", "95% 置信下限"),
    "ci_high": ("95% CI upper", "95% 置信上限"), "standardised_alpha": ("Standardised alpha", "标准化 α"),
    "items": ("Items", "题项数"), "reliability": ("Reliability", "信度评价"),
    "item_total": ("Corrected item-total correlation", "修正的题项-总分相关"),
    "alpha_if_deleted": ("Alpha if item deleted", "删除该题项后的 α"),
    "excellent": ("excellent (≥ 0.9)", "很好（≥ 0.9）"), "good": ("good (≥ 0.8)", "良好（≥ 0.8）"),
    "acceptable": ("acceptable (≥ 0.7)", "可接受（≥ 0.7）"), "questionable": ("questionable (≥ 0.6)", "勉强（≥ 0.6）"),
    "poor": ("poor (< 0.6)", "较差（< 0.6）"),
    # NPS / CSAT
    "csat": ("CSAT (top-box share)", "CSAT（满意比例）"), "mean_satisfaction": ("Mean rating (1–5)", "平均评分（1–5）"),
    "nps": ("NPS", "净推荐值 NPS"), "promoters": ("Promoters (9–10)", "推荐者（9–10）"),
    "passives": ("Passives (7–8)", "中立者（7–8）"), "detractors": ("Detractors (0–6)", "贬损者（0–6）"),
    # membership value
    "answer": ("Answer", "回答"), "count": ("Card holders", "持卡会员数"), "share": ("Share", "占比"),
    "cumulative_share": ("Cumulative share", "累计占比"),
}

_UNIT_TEXT_ZH = {
    "share": "比率", "customers": "人", "currency": "金额", "currency per customer": "金额/人",
    "purchases": "次", "purchases per customer": "次/人", "respondents": "人", "scale points": "分",
    "points": "分", "complaints": "件", "complaints per customer": "件/人", "days": "天", "score": "分",
}


def text(key: str, lang: str = "en") -> str:
    """The study's label for ``key`` in ``lang`` (unknown keys are returned unchanged).

    Examples
    --------
    >>> text("closeness"), text("closeness", "zh"), text("S01", "zh")
    ('TOPSIS closeness', 'TOPSIS 贴近度', 'S01')
    """
    if lang not in ("en", "zh"):
        raise ValueError(f"lang={lang!r}; use 'en' or 'zh'")
    english, chinese = _TEXT.get(key, (key, key))
    return chinese if lang == "zh" else english


def grade_labels(lang: str = "en") -> list[str]:
    """The five satisfaction grades, best first: 很满意 满意 一般 不满意 很不满意 (or English)."""
    if lang not in GRADE_LABELS:
        raise ValueError(f"lang={lang!r}; use 'en' or 'zh'")
    return list(GRADE_LABELS[lang])




def load_indicator_system(source: str | os.PathLike | Mapping | IndicatorSystem | None = None) -> IndicatorSystem:
    """Load and validate an indicator system; relative paths may be given from the project root.

    As :func:`cvm_lib.indicators.system.load_indicator_system` (YAML file, mapping, system
    or None for :data:`~cvm_lib.indicators.system.DEFAULT_INDICATOR_SYSTEM`), with file
    paths resolved by :func:`resolve_project_path`: a notebook running in ``notebooks/``
    can name ``studies/indicator_systems/balanced_scorecard.yaml``.

    Raises
    ------
    IndicatorSystemError
        Invalid systems (unknown indicators, bad weights...), see the original.
    FileNotFoundError
        When the file exists neither in the working directory nor in the project.
    """
    if isinstance(source, (str, os.PathLike)):
        source = resolve_project_path(source)
    return _system.load_indicator_system(source)


# --------------------------------------------------------------------------- case data

@dataclass(frozen=True, eq=False)
class CaseData:
    """The data of one evaluation (see :func:`load_case`).

    Attributes
    ----------
    transactions : DataFrame
        Tidy transaction log (``customer_id``, ``date``, ``amount``, optional ``cost``).
    customers : DataFrame
        ``customer_id`` and the unit column(s) (``store``, ``region``; ``member`` in the case).
    survey : DataFrame
        One row per respondent: the unit column, ``sat_*`` items (1–5), optionally ``nps``
        (0–10) and ``membership_value`` (1–5, missing for non-members).
    complaints : DataFrame or None
        Complaints per customer (``complaints``, ``complaint_resolution_days``).
    values : DataFrame or None
        Supplied indicators per unit (index = unit).
    unit : str
        The unit evaluated (``"store"``, ``"region"``...).
    name : str
        ``"retail_demo"`` for the teaching case, else the transaction file.
    synthetic : bool
        True for the simulated teaching case.
    item_labels : dict
        Survey item -> (English, Chinese) label.
    """

    transactions: pd.DataFrame
    customers: pd.DataFrame
    survey: pd.DataFrame
    complaints: pd.DataFrame | None
    values: pd.DataFrame | None
    unit: str
    name: str
    synthetic: bool
    item_labels: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def items(self) -> list[str]:
        """The satisfaction items of the survey (columns ``sat_*``)."""
        return _survey_items(self.survey)

    def item_label(self, item: str, lang: str = "en") -> str:
        """Label of a survey item in ``lang`` (the column name when unknown)."""
        english, chinese = self.item_labels.get(item, (item, item))
        return chinese if lang == "zh" else english


def _survey_items(survey: pd.DataFrame) -> list[str]:
    items = [c for c in survey.columns if str(c).startswith("sat_")]
    if len(items) < 2:
        raise ValueError(f"the survey needs at least two satisfaction items named sat_1, sat_2, ... (1–5 ratings); "
                         f"found {items or 'none'} among {list(survey.columns)}")
    return items


def synthetic_values(retail: Any, *, seed: int = 2024, unit: str = "store") -> pd.DataFrame:
    """Synthetic market share and employee satisfaction per unit of a simulated chain.

    Neither can be computed from the chain's own data; for the teaching case they are
    drawn, per store, from ``numpy.random.default_rng([seed, 404])`` (a stream separate
    from the simulation's) around each store's true satisfaction effect ``u`` (the
    simulation's ``truth["store_effects"]``):

    * ``market_share`` = share of grocery spending in the store's trade area,
      ``logistic(logit(0.15) + u + N(0, 0.35²))``, rounded to 4 decimals;
    * ``employee_satisfaction`` = mean score of a staff survey on 1–5,
      ``clip(3.4 + 0.8 u + N(0, 0.15²), 1, 5)``, rounded to 2 decimals.

    For ``unit="region"`` the stores are pooled: market share = Σ revenue / Σ trade-area
    spending (revenue over the whole log), employee satisfaction = mean weighted by the
    stores' staff (one employee per 50 customers, at least 8).

    Parameters
    ----------
    retail : RetailData
        Output of :func:`cvm_lib.datasets.simulate_retail`.
    seed : int
        Seed of the values' random stream.
    unit : {"store", "region"}

    Returns
    -------
    DataFrame
        Indexed by unit: ``market_share``, ``employee_satisfaction``.
    """
    if unit not in ("store", "region"):
        raise ValueError(f"unit={unit!r}; the teaching case has units 'store' and 'region'")
    effects = pd.Series(retail.truth["store_effects"], dtype=float).sort_index()
    stores = effects.index
    rng = np.random.default_rng([int(seed), _VALUES_STREAM])
    u = effects.to_numpy()
    logit = np.log(0.15 / 0.85) + u + rng.normal(0.0, 0.35, len(u))
    share = np.round(1.0 / (1.0 + np.exp(-logit)), 4)
    employee = np.round(np.clip(3.4 + 0.8 * u + rng.normal(0.0, 0.15, len(u)), 1.0, 5.0), 2)
    values = pd.DataFrame({"market_share": share, "employee_satisfaction": employee},
                          index=pd.Index(list(stores), name="store"))
    if unit == "store":
        return values
    home = retail.customers.set_index("customer_id")["store"]
    revenue = retail.transactions.groupby(retail.transactions["customer_id"].map(home))["amount"].sum() \
        .reindex(stores, fill_value=0.0)
    staff = np.maximum(8, np.round(retail.customers["store"].value_counts().reindex(stores, fill_value=0) / 50))
    region = pd.Series(retail.truth["store_region"]).reindex(stores)
    frame = pd.DataFrame({"region": region.to_numpy(), "revenue": revenue.to_numpy(),
                          "market": revenue.to_numpy() / share, "staff": staff.to_numpy(dtype=float),
                          "staff_score": staff.to_numpy(dtype=float) * employee}, index=stores)
    pooled = frame.groupby("region").sum(numeric_only=True)
    return pd.DataFrame({"market_share": (pooled["revenue"] / pooled["market"]).round(4),
                         "employee_satisfaction": (pooled["staff_score"] / pooled["staff"]).round(2)}) \
        .rename_axis("region").sort_index()


def _read_table(path: str | os.PathLike, what: str, unit: str | None = None) -> pd.DataFrame:
    resolved = resolve_project_path(path)
    if not resolved.is_file():
        raise FileNotFoundError(f"{what} file {str(path)!r} not found (looked in the working directory and in "
                                f"the project folder {project_root()})")
    text_columns = {c: "str" for c in ("customer_id", unit) if c}
    suffix = resolved.suffix.lower()
    if suffix in (".xlsx", ".xls", ".xlsm"):
        frame = pd.read_excel(resolved, dtype=text_columns)
    elif suffix == ".parquet":
        frame = pd.read_parquet(resolved)
    else:
        try:
            frame = pd.read_csv(resolved, encoding="utf-8-sig", dtype=text_columns, sep=None, engine="python")
        except UnicodeDecodeError:
            frame = pd.read_csv(resolved, encoding="gb18030", dtype=text_columns, sep=None, engine="python")
    for column in text_columns:
        if column in frame.columns:
            frame[column] = frame[column].astype("str")
    return frame


def _need_unit(frame: pd.DataFrame, unit: str, what: str) -> None:
    if unit not in frame.columns:
        raise ValueError(f"the {what} has no {unit!r} column (columns: {list(frame.columns)}); every table of the "
                         f"study needs the unit evaluated")


def load_case(data: str = _CASE_NAME, seed: int = 2024, *, unit: str = "store", customers_path: str | None = None,
              survey_path: str | None = None, complaints_path: str | None = None, values_path: str | None = None,
              n_customers: int = _CASE_CUSTOMERS) -> CaseData:
    """The data of the CRM indicator study: the synthetic teaching case or the user's files.

    Parameters
    ----------
    data : str
        ``"retail_demo"``: the simulated supermarket chain (``simulate_retail(n_customers,
        seed=seed)``; with the defaults its transactions are those of
        ``load_dataset("retail_demo")``), with its customers, member survey, complaints and
        synthetic supplied values (:func:`synthetic_values`). Otherwise a transaction file,
        read by :func:`cvm_lib.datasets.load_dataset`.
    seed : int
        Seed of the teaching case (simulation and supplied values).
    unit : str
        The unit evaluated: ``"store"`` or ``"region"`` in the case; for user data a column
        of the customers, survey, complaints and values files.
    customers_path, survey_path, complaints_path, values_path : str, optional
        User data only (CSV, Excel or Parquet): customers (``customer_id`` and the unit,
        required), survey answers (the unit, ``sat_*`` items 1–5, optionally ``nps`` 0–10
        and ``membership_value`` 1–5; required), complaints per customer (the unit,
        ``complaints``, optionally ``complaint_resolution_days``; default: the survey's
        complaint columns if any) and supplied indicators (the unit and one column per
        indicator, e.g. ``market_share``, ``employee_satisfaction``).
    n_customers : int
        Size of the simulated case.

    Returns
    -------
    CaseData

    Raises
    ------
    ValueError
        CDNOW (no stores, no survey), file options with the bundled case, a missing unit
        column or a missing survey.
    FileNotFoundError
        A file that does not exist.
    """
    user_files = {"customers_path": customers_path, "survey_path": survey_path,
                  "complaints_path": complaints_path, "values_path": values_path}
    if data == _CASE_NAME:
        given = [k for k, v in user_files.items() if v]
        if given:
            raise ValueError(f"{', '.join(given)} apply to your own transaction file; the bundled teaching case "
                             f"{_CASE_NAME!r} brings its own customers, survey, complaints and values")
        if unit not in ("store", "region"):
            raise ValueError(f"unit={unit!r}; the teaching case evaluates 'store' or 'region'")
        from cvm_lib.datasets.simulate import simulate_retail

        retail = simulate_retail(n_customers, seed=seed)
        survey = retail.survey
        complaints = survey[["customer_id", "store", "region", "complaints", "complaint_resolution_days"]]
        answers = survey.drop(columns=["complaints", "complaint_resolution_days"])
        return CaseData(transactions=retail.transactions,
                        customers=retail.customers[["customer_id", "store", "region", "member"]],
                        survey=answers, complaints=complaints,
                        values=synthetic_values(retail, seed=seed, unit=unit), unit=unit, name=_CASE_NAME,
                        synthetic=True, item_labels=dict(SURVEY_ITEM_LABELS))
    if data in ("cdnow", "cdnow_sample"):
        raise ValueError(f"data={data!r}: the CRM indicator study evaluates units (stores, regions) from "
                         "transactions and a customer survey, and the CDNOW log has neither; use "
                         f"data={_CASE_NAME!r} (the teaching case) or your own files with customers_path and "
                         "survey_path")
    from cvm_lib.datasets import load_dataset

    if not customers_path or not survey_path:
        raise ValueError("with your own transaction file give customers_path (customer_id and the unit column) "
                         "and survey_path (survey answers with the unit column and sat_* items)")
    transactions = load_dataset(str(resolve_project_path(data)))
    customers = _read_table(customers_path, "customers", unit)
    survey = _read_table(survey_path, "survey", unit)
    for frame, what in ((customers, "customers file"), (survey, "survey file")):
        _need_unit(frame, unit, what)
    if "customer_id" not in customers.columns:
        raise ValueError(f"the customers file needs a customer_id column (columns: {list(customers.columns)})")
    _survey_items(survey)
    complaints = None
    if complaints_path:
        complaints = _read_table(complaints_path, "complaints", unit)
        _need_unit(complaints, unit, "complaints file")
    values = None
    if values_path:
        values = _read_table(values_path, "values", unit)
        _need_unit(values, unit, "values file")
        values = values.set_index(unit)
    return CaseData(transactions=transactions, customers=customers, survey=survey, complaints=complaints,
                    values=values, unit=unit, name=str(data), synthetic=False)


# --------------------------------------------------------------------------- indicators and evaluation

def indicator_table(case: CaseData, system: IndicatorSystem | Mapping | str | None = None, *,
                    period_start: Any = None, period_end: Any = None, top_box: int = 2) -> pd.DataFrame:
    """Units × the system's indicators, computed from the case and checked against the system.

    Transactions give retention, acquisition, revenue and profitability in
    ``[period_start, period_end]`` (see :func:`cvm_lib.indicators.compute.unit_indicators`);
    the survey gives CSAT (share of answers in the top ``top_box`` boxes) and NPS; the
    complaints give the complaint rate and resolution time; supplied values the rest.

    Raises
    ------
    IndicatorSystemError
        When an indicator of the system is missing or has missing values.
    """
    system = load_indicator_system(system)
    options: dict[str, Any] = {"top_box": top_box, "items": case.items}
    if "nps" not in case.survey.columns:
        options["nps_column"] = None
    return unit_indicators(case.transactions, unit=case.unit, customers=case.customers, survey=case.survey,
                           complaints=case.complaints, values=case.values, system=system,
                           period_start=period_start, period_end=period_end, survey_options=options)


def _label(obj: Any, lang: str) -> str:
    return (obj.label_zh or obj.label or obj.id) if lang == "zh" else (obj.label or obj.id)


def _indicator_labels(system: IndicatorSystem, lang: str) -> dict[str, str]:
    return {i.id: _label(i, lang) for i in system.indicators}


def _dimension_labels(system: IndicatorSystem, lang: str) -> dict[str, str]:
    return {d.id: _label(d, lang) for d in system.dimensions}


def _unit_index(index: pd.Index, unit: str, lang: str) -> pd.Index:
    return pd.Index([str(v) for v in index], name=text(unit, lang))


def system_table(system: IndicatorSystem | Mapping | str | None = None, *, lang: str = "en") -> pd.DataFrame:
    """The indicator system as a table: dimension, indicator, source, direction, unit, weighting."""
    system = load_indicator_system(system)
    rows = []
    for d in system.dimensions:
        method = d.weighting.get("method", "equal")
        for i in d.indicators:
            unit_text = _UNIT_TEXT_ZH.get(i.unit, i.unit) if lang == "zh" else i.unit
            rows.append({text("dimension", lang): _label(d, lang), text("id", lang): i.id,
                         text("indicator", lang): _label(i, lang), text("source", lang): text(i.source, lang),
                         text("direction", lang): text(i.direction, lang), text("measure_unit", lang): unit_text,
                         text("weighting", lang): text(method, lang) if len(d.indicators) > 1 else "—"})
    return pd.DataFrame(rows)


def case_table(case: CaseData, *, lang: str = "en") -> pd.DataFrame:
    """Units of the case: customers, survey respondents and card holders asked about membership value."""
    unit = case.unit
    customers = case.customers.groupby(unit).size()
    respondents = case.survey.groupby(unit).size()
    table = pd.DataFrame({text("customers", lang): customers, text("respondents", lang): respondents})
    if "membership_value" in case.survey.columns:
        asked = case.survey["membership_value"].notna().groupby(case.survey[unit]).sum()
        table[text("members_asked", lang)] = asked
    table = table.fillna(0).astype("int64").sort_index()
    table.index = _unit_index(table.index, unit, lang)
    return table


def labelled_indicators(table: pd.DataFrame, system: IndicatorSystem | Mapping | str | None = None, *,
                        lang: str = "en") -> pd.DataFrame:
    """The indicator table with indicator labels as columns (for display)."""
    system = load_indicator_system(system)
    out = table[system.indicator_ids].rename(columns=_indicator_labels(system, lang))
    out.index = _unit_index(table.index, table.index.name or "unit", lang)
    return out


def _level_label(level: str, system: IndicatorSystem, lang: str) -> str:
    if level == "dimensions":
        return text("dimension_level", lang)
    return _dimension_labels(system, lang).get(level, level)


def _item_label(item: str, system: IndicatorSystem, lang: str) -> str:
    return _dimension_labels(system, lang).get(item) or _indicator_labels(system, lang).get(item, item)


def ahp_consistency_table(evaluation: EvaluationResult, system: IndicatorSystem | Mapping | str | None = None, *,
                          lang: str = "en") -> pd.DataFrame:
    """One row per AHP judgement matrix: n, λmax, CI, RI, CR and the consistency verdict."""
    system = load_indicator_system(system)
    rows = [{text("level", lang): _level_label(level, system, lang), text("n", lang): result.n,
             text("lambda_max", lang): result.lambda_max, text("ci", lang): result.consistency_index,
             text("ri", lang): result.random_index, text("cr", lang): result.consistency_ratio,
             text("verdict", lang): text("consistent" if result.consistent else "inconsistent", lang)}
            for level, result in evaluation.ahp.items()]
    return pd.DataFrame(rows)


def ahp_weights_table(evaluation: EvaluationResult, system: IndicatorSystem | Mapping | str | None = None, *,
                      lang: str = "en") -> pd.DataFrame:
    """AHP priority weights of every judgement matrix, with their rank within the matrix."""
    system = load_indicator_system(system)
    rows = []
    for level, result in evaluation.ahp.items():
        ranks = result.weights.rank(ascending=False, method="min").astype(int)
        for item, weight in result.weights.items():
            rows.append({text("level", lang): _level_label(level, system, lang),
                         text("item", lang): _item_label(item, system, lang), text("weight", lang): float(weight),
                         text("rank", lang): int(ranks[item])})
    return pd.DataFrame(rows)


def worst_judgements_table(evaluation: EvaluationResult, system: IndicatorSystem | Mapping | str | None = None, *,
                           lang: str = "en", top: int = 3, every_level: bool = False) -> pd.DataFrame:
    """The judgements to revise first, for every inconsistent matrix (empty when all pass).

    ``every_level=True`` lists the ``top`` most deviating judgements of every matrix.
    """
    system = load_indicator_system(system)
    columns = [text(k, lang) for k in ("level", "row", "column", "judgement", "implied", "suggested")]
    rows = []
    for level, result in evaluation.ahp.items():
        if result.consistent and not every_level:
            continue
        for row in result.worst_judgements.head(top).itertuples():
            rows.append(dict(zip(columns, [_level_label(level, system, lang), _item_label(row.row, system, lang),
                                           _item_label(row.column, system, lang), float(row.judgement),
                                           float(row.implied), float(row.suggested)], strict=True)))
    return pd.DataFrame(rows, columns=columns)


def weights_table(evaluation: EvaluationResult, system: IndicatorSystem | Mapping | str | None = None, *,
                  lang: str = "en") -> pd.DataFrame:
    """Per indicator: AHP and entropy weights (where the dimension uses them), the weight
    within the dimension, the dimension weight and the global weight (their product)."""
    system = load_indicator_system(system)
    weights = evaluation.weights
    rows = []
    for d in system.dimensions:
        ahp_w = evaluation.ahp[d.id].weights if d.id in evaluation.ahp else None
        entropy_w = evaluation.entropy[d.id].weights if d.id in evaluation.entropy else None
        for i in d.indicators:
            rows.append({text("dimension", lang): _label(d, lang), text("indicator", lang): _label(i, lang),
                         text("ahp_weight", lang): float(ahp_w[i.id]) if ahp_w is not None else np.nan,
                         text("entropy_weight", lang): float(entropy_w[i.id]) if entropy_w is not None else np.nan,
                         text("local_weight", lang): float(weights.loc[i.id, "local_weight"]),
                         text("dimension_weight", lang): float(weights.loc[i.id, "dimension_weight"]),
                         text("global_weight", lang): float(weights.loc[i.id, "global_weight"])})
    return pd.DataFrame(rows)


def ranking_table(evaluation: EvaluationResult, system: IndicatorSystem | Mapping | str | None = None, *,
                  lang: str = "en") -> pd.DataFrame:
    """Units best first by TOPSIS: closeness, rank, D+ and D−, composite index and its rank,
    and the composite score (0–100) of every dimension."""
    system = load_indicator_system(system)
    t = evaluation.topsis
    table = pd.DataFrame({text("closeness", lang): t.closeness, text("topsis_rank", lang): t.rank,
                          text("d_plus", lang): t.distance_ideal, text("d_minus", lang): t.distance_anti_ideal,
                          text("composite", lang): evaluation.composite.score,
                          text("composite_rank", lang): evaluation.composite.rank})
    table = table.join(evaluation.dimension_scores.rename(columns=_dimension_labels(system, lang)))
    table = table.sort_values(text("closeness", lang), ascending=False, kind="stable")
    table.index = _unit_index(table.index, evaluation.data.index.name or "unit", lang)
    return table


def normalised_scores(evaluation: EvaluationResult, system: IndicatorSystem | Mapping | str | None = None, *,
                      lang: str = "en") -> pd.DataFrame:
    """Units (best TOPSIS first) × indicators: direction-aware min-max scores in [0, 1]
    (1 = best unit on that indicator, also for cost indicators)."""
    system = load_indicator_system(system)
    scores = evaluation.composite.scores[system.indicator_ids]
    order = evaluation.topsis.closeness.sort_values(ascending=False, kind="stable").index
    out = scores.loc[order].rename(columns=_indicator_labels(system, lang))
    out.index = _unit_index(out.index, evaluation.data.index.name or "unit", lang)
    return out


def dimension_scores(evaluation: EvaluationResult, system: IndicatorSystem | Mapping | str | None = None, *,
                     lang: str = "en") -> pd.DataFrame:
    """Units (best TOPSIS first) × dimensions: composite score (0–100) within each dimension."""
    system = load_indicator_system(system)
    order = evaluation.topsis.closeness.sort_values(ascending=False, kind="stable").index
    out = evaluation.dimension_scores.loc[order].rename(columns=_dimension_labels(system, lang))
    out.index = _unit_index(out.index, evaluation.data.index.name or "unit", lang)
    return out


# --------------------------------------------------------------------------- survey: fuzzy evaluation

def _grade_counts(answers: pd.DataFrame, scale: tuple[int, int]) -> pd.DataFrame:
    """Items × grades (highest rating first): how many respondents gave each rating."""
    low, high = scale
    values = answers.to_numpy(dtype=float, na_value=np.nan)
    levels = list(range(high, low - 1, -1))
    counts = np.stack([(values == level).sum(axis=0) for level in levels], axis=1)
    return pd.DataFrame(counts, index=answers.columns.copy(), columns=levels)


def _fuzzy(answers: pd.DataFrame, operator: str, weights: Any, scale: tuple[int, int], lang: str) -> FuzzyResult:
    counts = _grade_counts(answers, scale)
    if len(counts.columns) != len(GRADE_SCORES):
        raise ValueError(f"the fuzzy evaluation uses five grades; scale {scale} has {len(counts.columns)}")
    membership = membership_from_frequencies(counts, grades=grade_labels(lang))
    w = pd.Series(1.0 / len(counts), index=counts.index) if weights is None else weights
    return fuzzy_evaluation(w, membership, operator, grade_scores=list(GRADE_SCORES))


def fuzzy_overall(case: CaseData, *, operator: str = "weighted-average", weights: Any = None,
                  scale: tuple[int, int] = (1, 5), lang: str = "en") -> FuzzyResult:
    """Fuzzy comprehensive evaluation of all respondents (see :func:`fuzzy_by_unit`)."""
    return _fuzzy(case.survey[case.items], operator, weights, scale, lang)


def fuzzy_by_unit(case: CaseData, *, operator: str = "weighted-average", weights: Any = None,
                  scale: tuple[int, int] = (1, 5), lang: str = "en") -> pd.DataFrame:
    """Fuzzy comprehensive evaluation of every unit from its survey grade frequencies.

    For each unit the membership matrix R (items × grades 很满意 … 很不满意) holds the
    share of its respondents giving each rating (5 … 1) to each item; B = A ∘ R with the
    item weights A (default equal) and the composition ``operator`` (see
    :data:`cvm_lib.indicators.FUZZY_OPERATORS`; default the weighted average M(·,+)).

    Returns
    -------
    DataFrame
        Units × the normalised B per grade, the grade of maximum membership and the
        fuzzy score Σ b̂_j s_j with s = 5 … 1 (under M(·,+) with equal weights it is the
        mean rating).
    """
    items = case.items
    rows = {}
    for unit_value, group in case.survey.groupby(case.unit, sort=True):
        result = _fuzzy(group[items], operator, weights, scale, lang)
        rows[str(unit_value)] = [*result.normalised.to_list(), result.grade, result.score]
    columns = [*grade_labels(lang), text("grade", lang), text("score", lang)]
    table = pd.DataFrame.from_dict(rows, orient="index", columns=columns)
    table.index = _unit_index(table.index, case.unit, lang)
    return table


# --------------------------------------------------------------------------- survey: reliability, NPS, CSAT

def survey_reliability(case: CaseData, *, confidence: float = 0.95) -> ReliabilityResult:
    """Cronbach's alpha of the satisfaction items (Feldt confidence interval)."""
    return cronbach_alpha(case.survey[case.items].astype(float), confidence=confidence)


def _alpha_verdict(alpha: float) -> str:
    for bound, key in ((0.9, "excellent"), (0.8, "good"), (0.7, "acceptable"), (0.6, "questionable")):
        if alpha >= bound:
            return key
    return "poor"


def reliability_table(result: ReliabilityResult, *, lang: str = "en") -> pd.DataFrame:
    """One row: alpha, its confidence limits, standardised alpha, respondents, items and a
    rule-of-thumb verdict (George & Mallery: ≥ 0.9 excellent … < 0.6 poor)."""
    return pd.DataFrame([{text("alpha", lang): result.alpha, text("ci_low", lang): result.ci_low,
                          text("ci_high", lang): result.ci_high,
                          text("standardised_alpha", lang): result.standardised_alpha,
                          text("respondents", lang): result.n_obs, text("items", lang): result.n_items,
                          text("reliability", lang): text(_alpha_verdict(result.alpha), lang)}])


def reliability_items_table(result: ReliabilityResult, case: CaseData | None = None, *,
                            lang: str = "en") -> pd.DataFrame:
    """Per item: corrected item-total correlation and alpha if the item is deleted."""
    table = pd.DataFrame({text("item_total", lang): result.item_total_correlation,
                          text("alpha_if_deleted", lang): result.alpha_if_deleted})
    labels = [case.item_label(str(i), lang) if case is not None else str(i) for i in table.index]
    table.index = pd.Index(labels, name=text("item", lang))
    return table


def _satisfaction_row(group: pd.DataFrame, items: list[str], top_box: int, lang: str) -> dict[str, Any]:
    answers = group[items].to_numpy(dtype=float, na_value=np.nan).ravel()
    answers = answers[~np.isnan(answers)]
    row: dict[str, Any] = {text("respondents", lang): len(group),
                           text("csat", lang): csat(answers, top_box=top_box),
                           text("mean_satisfaction", lang): float(answers.mean())}
    if "nps" in group.columns:
        score = nps(group["nps"])
        row.update({text("nps", lang): score.score, text("promoters", lang): score.promoters,
                    text("passives", lang): score.passives, text("detractors", lang): score.detractors})
    return row


def nps_csat_table(case: CaseData, *, top_box: int = 2, lang: str = "en") -> pd.DataFrame:
    """Per unit and overall (last row): respondents, CSAT (share of item answers in the top
    ``top_box`` boxes, pooled over the items), mean rating, NPS and its three groups."""
    items = case.items
    rows = {str(k): _satisfaction_row(g, items, top_box, lang)
            for k, g in case.survey.groupby(case.unit, sort=True)}
    rows[text("all", lang)] = _satisfaction_row(case.survey, items, top_box, lang)
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = text(case.unit, lang)
    return table


def membership_value_table(case: CaseData, *, column: str = "membership_value", lang: str = "en") -> pd.DataFrame:
    """Distribution of card holders' answers to "how much does membership bring you?" (1–5).

    Columns: answer, its label, count, share and cumulative share (from 1 up). Empty when
    the survey has no such question.
    """
    columns = [text(k, lang) for k in ("answer", "item", "count", "share", "cumulative_share")]
    if column not in case.survey.columns:
        return pd.DataFrame(columns=columns)
    answers = pd.to_numeric(case.survey[column], errors="raise").dropna().astype("int64")
    counts = answers.value_counts().reindex(range(1, 6), fill_value=0).astype("int64")
    total = int(counts.sum())
    share = counts / total if total else counts.astype(float)
    return pd.DataFrame({columns[0]: list(range(1, 6)),
                         columns[1]: [MEMBERSHIP_VALUE_LABELS[k][1 if lang == "zh" else 0] for k in range(1, 6)],
                         columns[2]: counts.to_numpy(), columns[3]: share.to_numpy(),
                         columns[4]: share.cumsum().to_numpy()})


# --------------------------------------------------------------------------- key figures

def indicator_figures(case: CaseData, evaluation: EvaluationResult,
                      system: IndicatorSystem | Mapping | str | None = None, *, top_box: int = 2,
                      operator: str = "weighted-average", lang: str = "en") -> list[dict[str, Any]]:
    """Key figures of the CRM indicator study, for :func:`cvm_lib.results.record_many`.

    Units evaluated; best and worst unit by TOPSIS closeness (and their closeness); the
    best unit by composite index and the Spearman rank correlation of the two scores; the
    indicator with the largest global weight; λmax and CR of the dimension judgements,
    the largest CR of any matrix and whether all pass; Cronbach's alpha with its 95 %
    interval; overall NPS and CSAT; the overall fuzzy grade and score and the unit with the
    best fuzzy score; the share of card holders who rate membership value 1 or 2 and how
    many were asked (when the survey asks). Labels in ``lang``.
    """
    system = load_indicator_system(system)
    zh = lang == "zh"
    unit_name = text(case.unit, lang)
    closeness = evaluation.topsis.closeness
    ordered = closeness.sort_values(ascending=False, kind="stable")
    best, worst = str(ordered.index[0]), str(ordered.index[-1])
    composite = evaluation.composite.score
    best_composite = str(composite.sort_values(ascending=False, kind="stable").index[0])
    agreement = float(closeness.rank().corr(composite.rank()))
    global_w = evaluation.weights["global_weight"]
    top = global_w[global_w >= global_w.max() - 1e-12]  # ties (e.g. equal weights) are all named
    top_labels = ("、" if zh else ", ").join(_indicator_labels(system, lang)[i] for i in top.index)
    levels = evaluation.ahp
    figures: list[dict[str, Any]] = [
        {"name": "units", "value": int(len(closeness)), "unit": "",
         "label": f"{unit_name}数（参评单位）" if zh else f"{unit_name}s evaluated"},
        {"name": "best_unit", "value": best, "unit": "", "headline": True,
         "label": f"TOPSIS 排名第一的{unit_name}" if zh else f"Best {unit_name.lower()} (TOPSIS)"},
        {"name": "best_closeness", "value": float(ordered.iloc[0]), "unit": "",
         "label": "最高 TOPSIS 贴近度" if zh else "Best TOPSIS closeness"},
        {"name": "worst_unit", "value": worst, "unit": "", "headline": True,
         "label": f"TOPSIS 排名末位的{unit_name}" if zh else f"Worst {unit_name.lower()} (TOPSIS)"},
        {"name": "worst_closeness", "value": float(ordered.iloc[-1]), "unit": "",
         "label": "最低 TOPSIS 贴近度" if zh else "Worst TOPSIS closeness"},
        {"name": "best_unit_composite", "value": best_composite, "unit": "",
         "label": f"综合指数最高的{unit_name}" if zh else f"Best {unit_name.lower()} (composite index)"},
        {"name": "rank_agreement", "value": agreement, "unit": "",
         "label": "TOPSIS 与综合指数排名的 Spearman 相关" if zh
         else "Spearman correlation of TOPSIS and composite-index ranks"},
        {"name": "top_indicator", "value": top_labels, "unit": "",
         "label": "综合权重最大的指标" if zh else "Indicator(s) with the largest global weight"},
        {"name": "top_indicator_weight", "value": float(global_w.max()), "unit": "share",
         "label": "最大的综合权重" if zh else "Largest global weight"},
    ]
    if "dimensions" in levels:
        dims = levels["dimensions"]
        figures += [
            {"name": "ahp_lambda_max", "value": dims.lambda_max, "unit": "",
             "label": "维度层判断矩阵 λmax" if zh else "λmax of the dimension judgements"},
            {"name": "ahp_cr", "value": dims.consistency_ratio, "unit": "", "headline": True,
             "label": "维度层一致性比率 CR" if zh else "Consistency ratio CR of the dimension judgements"},
        ]
    if levels:
        figures += [
            {"name": "ahp_cr_max", "value": max(r.consistency_ratio for r in levels.values()), "unit": "",
             "label": "各判断矩阵中最大的 CR" if zh else "Largest CR of all judgement matrices"},
            {"name": "ahp_consistent", "value": all(r.consistent for r in levels.values()), "unit": "",
             "label": "全部判断矩阵通过一致性检验" if zh else "All judgement matrices consistent (CR ≤ 0.1)"},
        ]
    reliability = survey_reliability(case)
    figures += [
        {"name": "cronbach_alpha", "value": reliability.alpha, "unit": "", "headline": True,
         "label": "满意度量表 Cronbach's α" if zh else "Cronbach's alpha of the satisfaction items"},
        {"name": "cronbach_alpha_ci_low", "value": reliability.ci_low, "unit": "",
         "label": "α 的 95% 置信下限" if zh else "Alpha, 95% CI lower limit"},
        {"name": "cronbach_alpha_ci_high", "value": reliability.ci_high, "unit": "",
         "label": "α 的 95% 置信上限" if zh else "Alpha, 95% CI upper limit"},
    ]
    survey = case.survey
    if "nps" in survey.columns:
        figures.append({"name": "nps", "value": nps(survey["nps"]).score, "unit": "points", "headline": True,
                        "label": "总体净推荐值 NPS" if zh else "Net Promoter Score, all respondents"})
    answers = survey[case.items].to_numpy(dtype=float, na_value=np.nan).ravel()
    figures.append({"name": "csat", "value": csat(answers[~np.isnan(answers)], top_box=top_box), "unit": "share",
                    "label": f"总体满意度 CSAT（前 {top_box} 级占比）" if zh
                    else f"CSAT (top-{top_box}-box share), all respondents"})
    overall = fuzzy_overall(case, operator=operator, lang=lang)
    by_unit = fuzzy_by_unit(case, operator=operator, lang=lang)
    scores = by_unit[text("score", lang)]
    figures += [
        {"name": "fuzzy_grade", "value": str(overall.grade), "unit": "",
         "label": f"总体模糊综合评价等级（{FUZZY_OPERATORS[overall.operator]}）" if zh
         else f"Overall fuzzy evaluation grade ({FUZZY_OPERATORS[overall.operator]})"},
        {"name": "fuzzy_score", "value": float(overall.score), "unit": "scale points",
         "label": "总体模糊综合得分（1–5）" if zh else "Overall fuzzy score (1–5)"},
        {"name": "best_fuzzy_unit", "value": str(scores.sort_values(ascending=False, kind="stable").index[0]),
         "unit": "", "label": f"模糊综合得分最高的{unit_name}" if zh else f"Best {unit_name.lower()} (fuzzy score)"},
    ]
    if "membership_value" in survey.columns:
        value = pd.to_numeric(survey["membership_value"], errors="raise").dropna()
        if len(value):
            figures += [
                {"name": "membership_low_value_share", "value": float((value <= 2).mean()), "unit": "share",
                 "headline": True,
                 "label": "认为会员卡带来实惠很少（1–2 分）的持卡会员占比" if zh
                 else "Card holders rating membership value 1 or 2 (of 5)"},
                {"name": "members_asked", "value": int(len(value)), "unit": "",
                 "label": "回答会员价值题的持卡会员数" if zh else "Card holders asked about membership value"},
            ]
    return figures
