"""The CRM evaluation-indicator study (客户关系管理评价指标研究): ``notebooks/04_crm_indicators.ipynb``.

How well does each unit (store, region) manage its customer relationships? The units are
evaluated with an indicator system defined as data (:func:`cvm_lib.indicators.load_indicator_system`):
indicators computed from transactions, a customer survey and complaints, plus supplied
values; AHP and entropy weights, a TOPSIS ranking and a composite index; a fuzzy
comprehensive evaluation of the survey; the survey's reliability, NPS and CSAT.

The study works per unit: its tables have one row per unit (or per indicator), whatever
the number of customers.

Teaching case
-------------
:func:`indicator_case` with ``data="retail_demo"`` takes the simulated supermarket chain of
:func:`cvm_lib.studies.load_case` (20,000 customers, 12 stores in 4 regions, seed 2024 by
default) with its member survey (30 % of the customers: five satisfaction items
``sat_1`` … ``sat_5`` (1–5), a 0–10 recommendation question ``nps``, complaints and their
resolution times, and for card holders ``membership_value``, 1–5). Market share and
employee satisfaction cannot be computed from a firm's own data; in the case they are
**synthetic** (:func:`synthetic_values`), and the figures resting on them say so.

User data: a transaction file (``data``) with ``customers_path`` (customer → unit),
``survey_path`` (answers with the unit column) and optionally ``complaints_path`` and
``values_path`` (supplied indicators per unit).

Tables
------
Every ``*_table`` function records its table (stable snake_case columns, indicator and
dimension *ids*; ``results/<study>__<name>.csv``) and returns a
:class:`~cvm_lib.studies.Table` shown in the display language, with the indicator and
dimension names of the indicator system (``label`` / ``label_zh``).

Examples
--------
>>> case = indicator_case("retail_demo", n_customers=2000)
>>> case.unit, case.items[:2], len(case.values)
('store', ['sat_1', 'sat_2'], 12)
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from cvm_lib.indicators import (FUZZY_OPERATORS, EvaluationResult, FuzzyResult, IndicatorSystem, ReliabilityResult,
                                cronbach_alpha, csat, fuzzy_evaluation, load_indicator_system,
                                membership_from_frequencies, nps, unit_indicators)
from cvm_lib.labels import has_label, label
from cvm_lib.paths import project_root, resolve_project_path
from cvm_lib.studies._base import Case, Narrative, Quantity, Sentence, Skipped, key_figure, load_case, q, say, show
from cvm_lib.studies._table import Table, display_settings, format_table

__all__ = ["CONTEXT", "GRADES", "GRADE_SCORES", "IndicatorCase", "SystemTable", "indicator_case",
           "synthetic_values", "indicator_values", "units_table", "system_table", "indicators_table",
           "ahp_consistency_table", "ahp_weights_table", "worst_judgements_table", "indicator_weights_table",
           "ranking_table", "normalised_scores_table", "dimension_scores_table", "fuzzy_by_unit", "fuzzy_overall",
           "fuzzy_grades_table", "satisfaction_reliability", "reliability_table", "reliability_items_table",
           "nps_csat_table", "membership_value_table", "indicator_figures", "record_indicator_figures",
           "ranking_narrative", "ahp_narrative", "weights_narrative", "fuzzy_narrative", "reliability_narrative",
           "nps_narrative", "membership_narrative", "weights_figure", "ranking_figure", "fuzzy_figure", "nps_figure",
           "membership_figure", "heatmap_figure", "radar_figure"]

CONTEXT = "indicators"

#: Satisfaction grades, best first (stable ids; the columns of the fuzzy membership matrices).
GRADES: tuple[str, ...] = ("very_satisfied", "satisfied", "neutral", "dissatisfied", "very_dissatisfied")
#: Rating each grade stands for, for the fuzzy score Σ b̂_j s_j.
GRADE_SCORES: tuple[int, ...] = (5, 4, 3, 2, 1)

_CASE_NAME = "retail_demo"
_VALUES_STREAM = 404  # random stream of the synthetic supplied values, apart from the simulation's


# --------------------------------------------------------------------------- the case

@dataclass(frozen=True, eq=False)
class IndicatorCase:
    """The data of one evaluation (see :func:`indicator_case`).

    Attributes
    ----------
    case : Case
        The transaction part (:func:`cvm_lib.studies.load_case`).
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
    """

    case: Case
    customers: pd.DataFrame
    survey: pd.DataFrame
    complaints: pd.DataFrame | None
    values: pd.DataFrame | None
    unit: str

    @property
    def name(self) -> str:
        return self.case.name

    @property
    def synthetic(self) -> bool:
        return self.case.synthetic

    @property
    def transactions(self) -> pd.DataFrame:
        return self.case.transactions

    @property
    def items(self) -> list[str]:
        """The satisfaction items of the survey (columns ``sat_*``)."""
        return _survey_items(self.survey)


def _survey_items(survey: pd.DataFrame) -> list[str]:
    items = [c for c in survey.columns if str(c).startswith("sat_")]
    if len(items) < 2:
        raise ValueError(f"the survey needs at least two satisfaction items named sat_1, sat_2, ... (1–5 ratings); "
                         f"found {items or 'none'} among {list(survey.columns)}")
    return items


def synthetic_values(case: Case, *, seed: int = 2024, unit: str = "store") -> pd.DataFrame:
    """Synthetic market share and employee satisfaction per unit of the simulated chain.

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
    case : Case
        The simulated case (``load_case("retail_demo", ...)``; needs its ``truth``).
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
    if "store_effects" not in case.truth:
        raise ValueError(f"synthetic values need the simulated case (data={_CASE_NAME!r}); {case.name!r} has no truth")
    effects = pd.Series(case.truth["store_effects"], dtype=float).sort_index()
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
    home = case.customers["store"]
    tx = case.transactions
    revenue = tx.groupby(tx["customer_id"].map(home))["amount"].sum().reindex(stores, fill_value=0.0)
    staff = np.maximum(8, np.round(home.value_counts().reindex(stores, fill_value=0) / 50))
    region = pd.Series(case.truth["store_region"]).reindex(stores)
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
                         f"study needs the unit evaluated (parameter unit)")


def indicator_case(data: Any = _CASE_NAME, seed: int = 2024, *, unit: str = "store",
                   customers_path: str | None = None, survey_path: str | None = None,
                   complaints_path: str | None = None, values_path: str | None = None, n_customers: int = 20_000,
                   currency: str | None = None) -> IndicatorCase:
    """The data of the CRM indicator study: the simulated teaching case or the user's files.

    Parameters
    ----------
    data : str
        ``"retail_demo"``: the simulated supermarket chain (:func:`cvm_lib.studies.load_case`)
        with its customers, member survey, complaints and synthetic supplied values
        (:func:`synthetic_values`). Otherwise a transaction file.
    seed : int
        Seed of the teaching case (simulation and supplied values).
    unit : str
        The unit evaluated: ``"store"`` or ``"region"`` in the case; for user data a column
        of the customers, survey, complaints and values files.
    customers_path, survey_path, complaints_path, values_path : str, optional
        User data only (CSV, Excel or Parquet): customers (``customer_id`` and the unit,
        required), survey answers (the unit, ``sat_*`` items 1–5, optionally ``nps`` 0–10
        and ``membership_value`` 1–5; required), complaints per customer (the unit,
        ``complaints``, optionally ``complaint_resolution_days``) and supplied indicators
        (the unit and one column per indicator, e.g. ``market_share``).
    n_customers : int
        Size of the simulated case.
    currency : str, optional
        Currency symbol of the amounts (see :func:`cvm_lib.studies.load_case`).

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
    if isinstance(data, str) and data == _CASE_NAME:
        given = [k for k, v in user_files.items() if v]
        if given:
            raise ValueError(f"{', '.join(given)} apply to your own transaction file; the bundled teaching case "
                             f"{_CASE_NAME!r} brings its own customers, survey, complaints and values")
        if unit not in ("store", "region"):
            raise ValueError(f"unit={unit!r}; the teaching case evaluates 'store' or 'region'")
        case = load_case(_CASE_NAME, seed=seed, n_customers=n_customers, currency=currency)
        survey = case.survey
        complaints = survey[["customer_id", "store", "region", "complaints", "complaint_resolution_days"]]
        answers = survey.drop(columns=["complaints", "complaint_resolution_days"])
        customers = case.customers.reset_index()[["customer_id", "store", "region", "member"]]
        return IndicatorCase(case, customers, answers, complaints, synthetic_values(case, seed=seed, unit=unit), unit)
    if isinstance(data, str) and data in ("cdnow", "cdnow_sample"):
        raise ValueError(f"data={data!r}: the CRM indicator study evaluates units (stores, regions) from "
                         "transactions and a customer survey, and the CDNOW log has neither; use "
                         f"data={_CASE_NAME!r} (the teaching case) or your own files with customers_path and "
                         "survey_path")
    if not customers_path or not survey_path:
        raise ValueError("with your own transaction file give customers_path (customer_id and the unit column) "
                         "and survey_path (survey answers with the unit column and sat_* items)")
    source = str(resolve_project_path(data)) if isinstance(data, (str, os.PathLike)) else data
    case = load_case(source, currency=currency)
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
    return IndicatorCase(case, customers, survey, complaints, values, unit)


def indicator_values(case: IndicatorCase, system: IndicatorSystem | Mapping | str | None = None, *,
                     period_start: Any = None, period_end: Any = None, top_box: int = 2) -> pd.DataFrame:
    """Units × the system's indicators, computed from the case and checked against the system.

    Transactions give retention, acquisition, revenue and profitability in
    ``[period_start, period_end]`` (:func:`cvm_lib.indicators.unit_indicators`); the survey
    gives CSAT (share of answers in the top ``top_box`` boxes) and NPS; the complaints the
    complaint rate and resolution time; supplied values the rest.

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


# --------------------------------------------------------------------------- display with the system's names

_MEASURE_KINDS = {"share": "share", "customers": "count", "currency": "money", "currency per customer": "money",
                  "purchases": "count", "purchases per customer": "number", "respondents": "count",
                  "complaints": "count", "days": "number"}


class _Names:
    """Both-language names of a system's ids, of the survey items and of the unit."""

    def __init__(self, system: IndicatorSystem | None):
        self.names: dict[str, tuple[str, str]] = {}
        if system is not None:
            for d in system.dimensions:
                self.names[d.id] = (d.label or d.id, d.label_zh or d.label or d.id)
            for i in system.indicators:
                self.names[i.id] = (i.label or i.id, i.label_zh or i.label or i.id)

    def __call__(self, key: Any, lang: str) -> str:
        key = str(key)
        if key in self.names:
            english, chinese = self.names[key]
            return chinese if lang == "zh" else english
        return label(key, lang, context=CONTEXT, default=key)

    def both(self, key: Any) -> dict[str, str]:
        return {lang: self(key, lang) for lang in ("en", "zh")}


class SystemTable(Table):
    """A study table whose id cells (``id_columns``) and id headers (``wide_columns``, and the
    ``unit`` column) are shown with the indicator system's names; recorded with the ids.

    ``decimals`` fixes the decimals of some columns on screen (``{"nps": "+.1f"}``: a
    format spec), so a column of scores reads 0.0 … 100.0 rather than 0 … 100.0.
    """

    def __init__(self, data: pd.DataFrame, *, names: _Names, unit: str | None = None,
                 id_columns: Sequence[str] = (), wide_columns: Sequence[str] = (),
                 decimals: Mapping[str, str] | None = None, **options: Any):
        super().__init__(data, context=CONTEXT, **options)
        self.names, self.unit = names, unit
        self.id_columns = [c for c in id_columns if c in self.data.columns]
        self.wide_columns = [c for c in wide_columns if c in self.data.columns]
        self.decimals = {c: spec for c, spec in (decimals or {}).items() if c in self.data.columns}

    def _header(self, column: str, lang: str) -> str:
        if column == "unit" and self.unit:
            return self.names(self.unit, lang)
        return self.names(column, lang)

    def to_frame(self, lang: str | None = None, currency: str | None = None) -> pd.DataFrame:
        settings = display_settings()
        lang = lang or settings["lang"]
        data = self.data.copy()
        kinds = dict(self.kinds)
        for column in self.id_columns:
            data[column] = [self.names(v, lang) for v in data[column]]
            kinds[column] = "text"
        for column, spec in self.decimals.items():
            data[column] = ["—" if pd.isna(v) else format(float(v), spec) for v in data[column]]
            kinds[column] = "text"
        renamed = [*self.wide_columns, *(["unit"] if self.unit and "unit" in data.columns else [])]
        shown = format_table(data, context=self.context, lang=lang, currency=currency or settings["currency"],
                             fields=self.fields, kinds=kinds, raw_columns=(*self.raw_columns, *renamed))
        return shown.rename(columns={c: self._header(c, lang) for c in renamed})

    def info(self) -> dict[str, Any]:
        """As :meth:`Table.info`, with ``headers`` (the id columns' headers in both languages) and
        ``values`` (the names of the ids in the id columns), for the run's spreadsheet."""
        info = super().info()
        renamed = [*self.wide_columns, *(["unit"] if self.unit and "unit" in self.data.columns else [])]
        info["headers"] = {c: {lang: self._header(c, lang) for lang in ("en", "zh")} for c in renamed}
        info["values"] = {c: {str(v): self.names.both(v) for v in dict.fromkeys(self.data[c])} for c in self.id_columns}
        return info


def _record(name: str, table: SystemTable) -> SystemTable:
    from cvm_lib.results import record_table

    table.name = name
    record_table(name, table.data, index=False, info=table.info())
    return table


def _system_show(name: str, frame: pd.DataFrame, system: IndicatorSystem | None, *, unit: str | None = None,
                 id_columns: Sequence[str] = (), wide_columns: Sequence[str] = (),
                 kinds: Mapping[str, str] | None = None, decimals: Mapping[str, str] | None = None) -> SystemTable:
    return _record(name, SystemTable(frame, names=_Names(system), unit=unit, id_columns=id_columns,
                                     wide_columns=wide_columns, kinds=kinds, decimals=decimals))


def _unit_name(unit: str) -> dict[str, str]:
    """The unit's name in both languages (the catalogue's for store/region, else the column name)."""
    return {lang: label(unit, lang, context=CONTEXT, default=unit) for lang in ("en", "zh")}


class _Both(Quantity):
    """A sentence field given in both languages."""

    def text(self, lang: str, currency: str | None = None) -> str:
        return str(self.value[lang])


# --------------------------------------------------------------------------- the case and the system

def _units_frame(case: IndicatorCase) -> pd.DataFrame:
    unit = case.unit
    table = pd.DataFrame({"customers": case.customers.groupby(unit).size(),
                          "respondents": case.survey.groupby(unit).size()})
    if "membership_value" in case.survey.columns:
        table["members_asked"] = case.survey["membership_value"].notna().groupby(case.survey[unit]).sum()
    table = table.fillna(0).astype("int64").sort_index()
    table.index = pd.Index([str(v) for v in table.index], name="unit")
    return table.reset_index()


def units_table(case: IndicatorCase) -> SystemTable:
    """Units of the case: customers, survey respondents and card holders asked about membership value."""
    return _system_show("units", _units_frame(case), None, unit=case.unit)


def _system_frame(system: IndicatorSystem) -> pd.DataFrame:
    rows = []
    for d in system.dimensions:
        method = d.weighting.get("method", "equal") if len(d.indicators) > 1 else "none"
        for i in d.indicators:
            rows.append({"dimension": d.id, "indicator": i.id, "source": i.source, "direction": i.direction,
                         "measure_unit": f"mu.{i.unit}" if has_label(f"mu.{i.unit}", CONTEXT) else i.unit,
                         "weighting": method})
    return pd.DataFrame(rows)


def system_table(system: IndicatorSystem | Mapping | str | None = None) -> SystemTable:
    """The indicator system: dimension, indicator, source, direction, unit of measurement, weighting."""
    system = load_indicator_system(system)
    return _system_show("indicator_system", _system_frame(system), system, id_columns=("dimension", "indicator"))


def _wide_kinds(system: IndicatorSystem) -> dict[str, str]:
    return {i.id: _MEASURE_KINDS.get(i.unit, "number") for i in system.indicators}


def indicators_table(values: pd.DataFrame, system: IndicatorSystem | Mapping | str | None = None) -> SystemTable:
    """Units × indicators as computed (:func:`indicator_values`), one column per indicator id."""
    system = load_indicator_system(system)
    frame = values[system.indicator_ids].copy()
    unit = values.index.name or "unit"
    frame.index = pd.Index([str(v) for v in frame.index], name="unit")
    return _system_show("indicators", frame.reset_index(), system, unit=unit, wide_columns=system.indicator_ids,
                        kinds=_wide_kinds(system))


# --------------------------------------------------------------------------- AHP

def _ahp_consistency_frame(evaluation: EvaluationResult) -> pd.DataFrame:
    return pd.DataFrame([{"level": level, "n": r.n, "lambda_max": r.lambda_max,
                          "consistency_index": r.consistency_index, "random_index": r.random_index,
                          "consistency_ratio": r.consistency_ratio, "consistent": bool(r.consistent)}
                         for level, r in evaluation.ahp.items()],
                        columns=["level", "n", "lambda_max", "consistency_index", "random_index",
                                 "consistency_ratio", "consistent"])


def ahp_consistency_table(evaluation: EvaluationResult, system: IndicatorSystem | Mapping | str | None = None
                          ) -> SystemTable:
    """One row per AHP judgement matrix: n, λmax, CI, RI, CR and whether it passes (CR ≤ 0.10)."""
    system = load_indicator_system(system)
    return _system_show("ahp_consistency", _ahp_consistency_frame(evaluation), system, id_columns=("level",))


def ahp_weights_table(evaluation: EvaluationResult, system: IndicatorSystem | Mapping | str | None = None
                      ) -> SystemTable:
    """AHP priority weights of every judgement matrix, with their rank within the matrix."""
    system = load_indicator_system(system)
    rows = []
    for level, result in evaluation.ahp.items():
        ranks = result.weights.rank(ascending=False, method="min").astype(int)
        rows += [{"level": level, "item": str(item), "weight": float(w), "rank": int(ranks[item])}
                 for item, w in result.weights.items()]
    frame = pd.DataFrame(rows, columns=["level", "item", "weight", "rank"])
    return _system_show("ahp_weights", frame, system, id_columns=("level", "item"))


def worst_judgements_table(evaluation: EvaluationResult, system: IndicatorSystem | Mapping | str | None = None, *,
                           top: int = 3, every_level: bool = False) -> SystemTable | Sentence:
    """The judgements to revise first, for every inconsistent matrix.

    When every matrix passes (and ``every_level`` is False) this is a sentence saying so.
    ``every_level=True`` lists the ``top`` most deviating judgements of every matrix.
    """
    system = load_indicator_system(system)
    rows = []
    for level, result in evaluation.ahp.items():
        if result.consistent and not every_level:
            continue
        for row in result.worst_judgements.head(top).itertuples():
            rows.append({"level": level, "row": str(row.row), "column": str(row.column),
                         "judgement": float(row.judgement), "implied": float(row.implied),
                         "suggested": float(row.suggested)})
    if not rows:
        return say("say_all_consistent", context=CONTEXT)
    frame = pd.DataFrame(rows, columns=["level", "row", "column", "judgement", "implied", "suggested"])
    return _system_show("worst_judgements", frame, system, id_columns=("level", "row", "column"))


def _level_text(level: str, names: _Names) -> _Both:
    if level == "dimensions":
        return _Both({lang: label("level_dimensions", lang, context=CONTEXT) for lang in ("en", "zh")})
    return _Both({lang: label("level_dimension", lang, context=CONTEXT, name=names(level, lang))
                  for lang in ("en", "zh")})


def ahp_narrative(evaluation: EvaluationResult, system: IndicatorSystem | Mapping | str | None = None) -> Narrative:
    """One sentence per judgement matrix: consistent or not, with its CR against the threshold."""
    names = _Names(load_indicator_system(system))
    sentences = []
    for level, r in evaluation.ahp.items():
        key = "say_consistent" if r.consistent else "say_inconsistent"
        sentences.append(say(key, context=CONTEXT, level=_level_text(level, names), cr=q(r.consistency_ratio, "ratio"),
                             threshold=f"{r.threshold:.2f}"))
    return Narrative(sentences)


# --------------------------------------------------------------------------- weights and ranking

def _weights_frame(evaluation: EvaluationResult, system: IndicatorSystem) -> pd.DataFrame:
    weights = evaluation.weights
    rows = []
    for d in system.dimensions:
        ahp_w = evaluation.ahp[d.id].weights if d.id in evaluation.ahp else None
        entropy_w = evaluation.entropy[d.id].weights if d.id in evaluation.entropy else None
        for i in d.indicators:
            rows.append({"dimension": d.id, "indicator": i.id,
                         "ahp_weight": float(ahp_w[i.id]) if ahp_w is not None else np.nan,
                         "entropy_weight": float(entropy_w[i.id]) if entropy_w is not None else np.nan,
                         "local_weight": float(weights.loc[i.id, "local_weight"]),
                         "dimension_weight": float(weights.loc[i.id, "dimension_weight"]),
                         "global_weight": float(weights.loc[i.id, "global_weight"])})
    return pd.DataFrame(rows)


def indicator_weights_table(evaluation: EvaluationResult, system: IndicatorSystem | Mapping | str | None = None
                            ) -> SystemTable:
    """Per indicator: AHP and entropy weights (where its dimension uses them; else "—"), the
    weight within the dimension, the dimension weight and the global weight (their product)."""
    system = load_indicator_system(system)
    return _system_show("weights", _weights_frame(evaluation, system), system, id_columns=("dimension", "indicator"))


def weights_narrative(evaluation: EvaluationResult, system: IndicatorSystem | Mapping | str | None = None) -> Sentence:
    """Which indicator(s) get the largest global weight (ties are all named)."""
    names = _Names(load_indicator_system(system))
    global_w = evaluation.weights["global_weight"]
    top = [str(i) for i in global_w.index[global_w >= global_w.max() - 1e-12]]
    joined = _Both({"en": ", ".join(names(i, "en") for i in top), "zh": "、".join(names(i, "zh") for i in top)})
    return say("say_top_weight", context=CONTEXT, indicator=joined, weight=q(float(global_w.max()), "ratio"))


def _order(evaluation: EvaluationResult) -> pd.Index:
    return evaluation.topsis.closeness.sort_values(ascending=False, kind="stable").index


def _ranking_frame(evaluation: EvaluationResult) -> pd.DataFrame:
    t = evaluation.topsis
    table = pd.DataFrame({"closeness": t.closeness, "topsis_rank": t.rank, "distance_ideal": t.distance_ideal,
                          "distance_anti_ideal": t.distance_anti_ideal, "composite": evaluation.composite.score,
                          "composite_rank": evaluation.composite.rank}).join(evaluation.dimension_scores)
    table = table.loc[_order(evaluation)]
    table.index = pd.Index([str(v) for v in table.index], name="unit")
    return table.reset_index()


def ranking_table(evaluation: EvaluationResult, system: IndicatorSystem | Mapping | str | None = None) -> SystemTable:
    """Units best first by TOPSIS: closeness, rank, D+ and D−, composite index and its rank,
    and the composite score (0–100) of every dimension (one column per dimension id)."""
    system = load_indicator_system(system)
    dims = [d.id for d in system.dimensions]
    return _system_show("ranking", _ranking_frame(evaluation), system, unit=evaluation.data.index.name or "unit",
                        wide_columns=dims, kinds={d: "number" for d in dims},
                        decimals={c: ".1f" for c in ("composite", *dims)})


def _scores_frame(scores: pd.DataFrame, evaluation: EvaluationResult) -> pd.DataFrame:
    out = scores.loc[_order(evaluation)].copy()
    out.index = pd.Index([str(v) for v in out.index], name="unit")
    return out.reset_index()


def normalised_scores_table(evaluation: EvaluationResult, system: IndicatorSystem | Mapping | str | None = None
                            ) -> SystemTable:
    """Units (best TOPSIS first) × indicators: direction-aware min-max scores in [0, 1]
    (1 = best unit on that indicator, also for cost indicators)."""
    system = load_indicator_system(system)
    ids = system.indicator_ids
    return _system_show("normalised_scores", _scores_frame(evaluation.composite.scores[ids], evaluation), system,
                        unit=evaluation.data.index.name or "unit", wide_columns=ids, kinds={i: "ratio" for i in ids})


def dimension_scores_table(evaluation: EvaluationResult, system: IndicatorSystem | Mapping | str | None = None
                           ) -> SystemTable:
    """Units (best TOPSIS first) × dimensions: composite score (0–100) within each dimension."""
    system = load_indicator_system(system)
    dims = [d.id for d in system.dimensions]
    return _system_show("dimension_scores", _scores_frame(evaluation.dimension_scores[dims], evaluation), system,
                        unit=evaluation.data.index.name or "unit", wide_columns=dims, kinds={d: "number" for d in dims},
                        decimals={d: ".1f" for d in dims})


def _rank_agreement(evaluation: EvaluationResult) -> float:
    closeness = evaluation.topsis.closeness
    return float(closeness.rank().corr(evaluation.composite.score.reindex(closeness.index).rank()))


def ranking_narrative(evaluation: EvaluationResult, case: IndicatorCase | None = None) -> Narrative:
    """Which unit ranks first and by how much, which last; whether the composite index agrees
    (Spearman ρ ≥ 0.7); in the teaching case, that the supplied values are synthetic."""
    ordered = evaluation.topsis.closeness.sort_values(ascending=False, kind="stable")
    best, second, worst = str(ordered.index[0]), str(ordered.index[min(1, len(ordered) - 1)]), str(ordered.index[-1])
    sentences = [say("say_ranking", context=CONTEXT, best=best, second=second, worst=worst,
                     c_best=q(float(ordered.iloc[0]), "ratio"), c_second=q(float(ordered.iloc[1]), "ratio"),
                     c_worst=q(float(ordered.iloc[-1]), "ratio"),
                     gap=q(float(ordered.iloc[0] - ordered.iloc[1]), "ratio"))]
    rho = _rank_agreement(evaluation)
    best_composite = str(evaluation.composite.score.sort_values(ascending=False, kind="stable").index[0])
    sentences.append(say("say_agree" if rho >= 0.7 else "say_disagree", context=CONTEXT, rho=q(rho, "ratio"),
                         best_composite=best_composite))
    if case is not None and case.synthetic:
        sentences.append(say("say_synthetic", context=CONTEXT))
    return Narrative(sentences)


# --------------------------------------------------------------------------- survey: fuzzy evaluation

def _grade_counts(answers: pd.DataFrame, scale: tuple[int, int]) -> pd.DataFrame:
    """Items × grades (highest rating first): how many respondents gave each rating."""
    low, high = scale
    values = answers.to_numpy(dtype=float, na_value=np.nan)
    levels = list(range(high, low - 1, -1))
    counts = np.stack([(values == level).sum(axis=0) for level in levels], axis=1)
    return pd.DataFrame(counts, index=answers.columns.copy(), columns=levels)


def _fuzzy(answers: pd.DataFrame, operator: str, weights: Any, scale: tuple[int, int]) -> FuzzyResult:
    counts = _grade_counts(answers, scale)
    if len(counts.columns) != len(GRADE_SCORES):
        raise ValueError(f"the fuzzy evaluation uses five grades; scale {scale} has {len(counts.columns)}")
    membership = membership_from_frequencies(counts, grades=list(GRADES))
    w = pd.Series(1.0 / len(counts), index=counts.index) if weights is None else weights
    return fuzzy_evaluation(w, membership, operator, grade_scores=list(GRADE_SCORES))


def fuzzy_overall(case: IndicatorCase, *, operator: str = "weighted-average", weights: Any = None,
                  scale: tuple[int, int] = (1, 5)) -> FuzzyResult:
    """Fuzzy comprehensive evaluation of all respondents (see :func:`fuzzy_by_unit`)."""
    return _fuzzy(case.survey[case.items], operator, weights, scale)


def fuzzy_by_unit(case: IndicatorCase, *, operator: str = "weighted-average", weights: Any = None,
                  scale: tuple[int, int] = (1, 5)) -> pd.DataFrame:
    """Fuzzy comprehensive evaluation of every unit from its survey grade frequencies.

    For each unit the membership matrix R (items × grades very_satisfied … very_dissatisfied)
    holds the share of its respondents giving each rating (5 … 1) to each item; B = A ∘ R
    with the item weights A (default equal) and the composition ``operator`` (see
    :data:`cvm_lib.indicators.FUZZY_OPERATORS`; default the weighted average M(·,+)).

    Returns
    -------
    DataFrame
        ``unit``, the normalised B per grade (columns :data:`GRADES`), ``grade`` (of
        maximum membership, a grade id) and ``score`` Σ b̂_j s_j with s = 5 … 1 (under
        M(·,+) with equal weights it is the mean rating).
    """
    rows = []
    for unit_value, group in case.survey.groupby(case.unit, sort=True):
        result = _fuzzy(group[case.items], operator, weights, scale)
        rows.append({"unit": str(unit_value), **result.normalised.to_dict(), "grade": str(result.grade),
                     "score": float(result.score)})
    return pd.DataFrame(rows, columns=["unit", *GRADES, "grade", "score"])


def fuzzy_grades_table(case: IndicatorCase, *, operator: str = "weighted-average") -> SystemTable:
    """:func:`fuzzy_by_unit`, recorded and shown."""
    return _system_show("fuzzy_evaluation", fuzzy_by_unit(case, operator=operator), None, unit=case.unit)


def fuzzy_narrative(case: IndicatorCase, *, operator: str = "weighted-average") -> Sentence:
    """The overall grade and score, and the units with the highest and lowest fuzzy score."""
    overall = fuzzy_overall(case, operator=operator)
    by_unit = fuzzy_by_unit(case, operator=operator).sort_values("score", ascending=False, kind="stable")
    return say("say_fuzzy", context=CONTEXT, grade=("label", str(overall.grade)), score=q(overall.score, "number"),
               best=by_unit["unit"].iloc[0], s_best=q(float(by_unit["score"].iloc[0]), "number"),
               worst=by_unit["unit"].iloc[-1], s_worst=q(float(by_unit["score"].iloc[-1]), "number"))


# --------------------------------------------------------------------------- survey: reliability, NPS, CSAT

def satisfaction_reliability(case: IndicatorCase, *, confidence: float = 0.95) -> ReliabilityResult:
    """Cronbach's alpha of the satisfaction items (Feldt confidence interval)."""
    return cronbach_alpha(case.survey[case.items].astype(float), confidence=confidence)


def _alpha_verdict(alpha: float) -> str:
    for bound, key in ((0.9, "excellent"), (0.8, "good"), (0.7, "acceptable"), (0.6, "questionable")):
        if alpha >= bound:
            return key
    return "poor"


def reliability_table(result: ReliabilityResult) -> Table:
    """One row: alpha, its confidence limits, standardised alpha, respondents, items and a
    rule-of-thumb verdict (George & Mallery: ≥ 0.9 excellent … < 0.6 poor)."""
    frame = pd.DataFrame([{"alpha": result.alpha, "ci_low": result.ci_low, "ci_high": result.ci_high,
                           "standardised_alpha": result.standardised_alpha, "respondents": result.n_obs,
                           "items": result.n_items, "reliability": _alpha_verdict(result.alpha)}])
    return show("reliability", frame, context=CONTEXT)


def reliability_items_table(result: ReliabilityResult) -> SystemTable:
    """Per item: corrected item-total correlation and alpha if the item is deleted."""
    frame = pd.DataFrame({"item": [str(i) for i in result.item_total_correlation.index],
                          "item_total_correlation": result.item_total_correlation.to_numpy(),
                          "alpha_if_deleted": result.alpha_if_deleted.reindex(result.item_total_correlation.index)
                          .to_numpy()})
    return _system_show("reliability_items", frame, None, id_columns=("item",))


def reliability_narrative(result: ReliabilityResult) -> Sentence:
    """Alpha with its interval and the rule-of-thumb verdict."""
    return say("say_reliability", context=CONTEXT, items=result.n_items, alpha=q(result.alpha, "ratio"),
               low=q(result.ci_low, "ratio"), high=q(result.ci_high, "ratio"),
               verdict=("label", _alpha_verdict(result.alpha)))


def _satisfaction_row(group: pd.DataFrame, items: list[str], top_box: int) -> dict[str, Any]:
    answers = group[items].to_numpy(dtype=float, na_value=np.nan).ravel()
    answers = answers[~np.isnan(answers)]
    row: dict[str, Any] = {"respondents": len(group), "csat": csat(answers, top_box=top_box),
                           "mean_satisfaction": float(answers.mean())}
    if "nps" in group.columns:
        score = nps(group["nps"])
        row.update({"nps": score.score, "promoters": score.promoters, "passives": score.passives,
                    "detractors": score.detractors})
    return row


def _nps_csat_frame(case: IndicatorCase, top_box: int) -> pd.DataFrame:
    rows = [{"unit": str(k), **_satisfaction_row(g, case.items, top_box)}
            for k, g in case.survey.groupby(case.unit, sort=True)]
    rows.append({"unit": "all", **_satisfaction_row(case.survey, case.items, top_box)})
    return pd.DataFrame(rows)


def nps_csat_table(case: IndicatorCase, *, top_box: int = 2) -> SystemTable:
    """Per unit and overall (last row, unit ``"all"``): respondents, CSAT (share of item answers
    in the top ``top_box`` boxes, pooled over the items), mean rating, NPS and its three groups."""
    return _system_show("nps_csat", _nps_csat_frame(case, top_box), None, unit=case.unit, decimals={"nps": "+.1f"})


def nps_narrative(case: IndicatorCase, *, top_box: int = 2) -> Sentence:
    """Overall NPS with its promoters and detractors, the best and worst unit, and CSAT."""
    frame = _nps_csat_frame(case, top_box)
    overall = frame.iloc[-1]
    if "nps" not in frame.columns:
        return say("say_csat", context=CONTEXT, csat=q(float(overall["csat"]), "share"))
    units = frame.iloc[:-1].sort_values("nps", ascending=False, kind="stable")
    return say("say_nps", context=CONTEXT, nps=f"{float(overall['nps']):+.1f}",
               promoters=q(float(overall["promoters"]), "share"), detractors=q(float(overall["detractors"]), "share"),
               best=units["unit"].iloc[0], n_best=f"{float(units['nps'].iloc[0]):+.1f}",
               worst=units["unit"].iloc[-1], n_worst=f"{float(units['nps'].iloc[-1]):+.1f}",
               csat=q(float(overall["csat"]), "share"))


def _membership_frame(case: IndicatorCase, column: str = "membership_value") -> pd.DataFrame | None:
    if column not in case.survey.columns:
        return None
    answers = pd.to_numeric(case.survey[column], errors="raise").dropna().astype("int64")
    if answers.empty:
        return None
    counts = answers.value_counts().reindex(range(1, 6), fill_value=0).astype("int64")
    share = counts / int(counts.sum())
    return pd.DataFrame({"answer": list(range(1, 6)), "answer_label": [f"mv_{k}" for k in range(1, 6)],
                         "card_holders": counts.to_numpy(), "share": share.to_numpy(),
                         "cumulative_share": share.cumsum().to_numpy()})


def membership_value_table(case: IndicatorCase, *, column: str = "membership_value") -> Table | Skipped:
    """Distribution of card holders' answers to "how much does membership bring you?" (1–5):
    answer, its meaning, card holders, share and cumulative share (from 1 up). Skipped when
    the survey has no such question."""
    frame = _membership_frame(case, column)
    if frame is None:
        return Skipped("membership_value", "no_membership_question", CONTEXT)
    return show("membership_value", frame, context=CONTEXT)


def membership_narrative(case: IndicatorCase) -> Sentence | Skipped:
    """What share of the card holders see little value (1 or 2) in the membership card."""
    frame = _membership_frame(case)
    if frame is None:
        return Skipped("membership_value", "no_membership_question", CONTEXT)
    low = float(frame["share"].iloc[:2].sum())
    return say("say_membership_low" if low > 0.5 else "say_membership_high", context=CONTEXT, share=q(low, "share"),
               n=q(int(frame["card_holders"].sum()), "count"))


# --------------------------------------------------------------------------- key figures

def indicator_figures(case: IndicatorCase, evaluation: EvaluationResult,
                      system: IndicatorSystem | Mapping | str | None = None, *, top_box: int = 2,
                      operator: str = "weighted-average") -> list[dict[str, Any]]:
    """Key figures of the CRM indicator study, for :func:`cvm_lib.studies.record_figures`.

    Units evaluated; best and last unit by TOPSIS closeness (and their closeness); the
    best unit by composite index and the Spearman rank correlation of the two scores; the
    indicator id(s) with the largest global weight; λmax and CR of the dimension
    judgements, the largest CR of any matrix and whether all pass; Cronbach's alpha with
    its 95 % interval; overall NPS and CSAT; the overall fuzzy grade (a grade id) and score
    and the unit with the best fuzzy score; the share of card holders who rate membership
    value 1 or 2 and how many were asked (when the survey asks). Rankings of the teaching
    case carry the assumption that market share and employee satisfaction are synthetic.
    """
    system = load_indicator_system(system)
    unit = _unit_name(case.unit)
    fields = {"unit_en": unit["en"].lower(), "unit_zh": unit["zh"]}
    assumption = "assumption_synthetic" if case.synthetic else None

    def fig(name: str, value: Any, unit_id: str = "", *, key: str | None = None, extra: Mapping | None = None,
            **options: Any) -> dict[str, Any]:
        # key: the catalogue key of the label when it differs from the stable name
        figure = key_figure(key or name, value, unit_id, context=CONTEXT, fields={**fields, **(extra or {})},
                            **options)
        figure["name"] = name
        return figure

    ordered = evaluation.topsis.closeness.sort_values(ascending=False, kind="stable")
    composite = evaluation.composite.score
    global_w = evaluation.weights["global_weight"]
    top = [str(i) for i in global_w.index[global_w >= global_w.max() - 1e-12]]
    figures = [
        fig("units", int(len(ordered)), "units"),
        fig("best_unit", str(ordered.index[0]), headline=True, assumption=assumption),
        fig("best_closeness", float(ordered.iloc[0]), "ratio"),
        fig("worst_unit", str(ordered.index[-1]), headline=True, assumption=assumption),
        fig("worst_closeness", float(ordered.iloc[-1]), "ratio"),
        fig("best_unit_composite", str(composite.sort_values(ascending=False, kind="stable").index[0]),
            assumption=assumption),
        fig("rank_agreement", _rank_agreement(evaluation), "ratio"),
        fig("top_indicator", top),
        fig("top_indicator_weight", float(global_w.max()), "share"),
    ]
    levels = evaluation.ahp
    if "dimensions" in levels:
        figures += [fig("ahp_lambda_max", float(levels["dimensions"].lambda_max), "ratio"),
                    fig("ahp_cr", float(levels["dimensions"].consistency_ratio), "ratio", headline=True)]
    if levels:
        figures += [fig("ahp_cr_max", max(float(r.consistency_ratio) for r in levels.values()), "ratio"),
                    fig("ahp_consistent", all(bool(r.consistent) for r in levels.values()))]
    reliability = satisfaction_reliability(case)
    figures += [fig("cronbach_alpha", float(reliability.alpha), "ratio", headline=True),
                fig("cronbach_alpha_ci_low", float(reliability.ci_low), "ratio"),
                fig("cronbach_alpha_ci_high", float(reliability.ci_high), "ratio")]
    survey = case.survey
    if "nps" in survey.columns:
        figures.append(fig("nps", float(nps(survey["nps"]).score), "nps_points", key="nps_all", headline=True))
    answers = survey[case.items].to_numpy(dtype=float, na_value=np.nan).ravel()
    figures.append(fig("csat", float(csat(answers[~np.isnan(answers)], top_box=top_box)), "share", key="csat_all",
                       extra={"top_box": top_box}))
    overall = fuzzy_overall(case, operator=operator)
    by_unit = fuzzy_by_unit(case, operator=operator)
    figures += [fig("fuzzy_grade", str(overall.grade)),
                fig("fuzzy_score", float(overall.score), "scale_points"),
                fig("best_fuzzy_unit",
                    str(by_unit.sort_values("score", ascending=False, kind="stable")["unit"].iloc[0]))]
    membership = _membership_frame(case)
    if membership is not None:
        figures += [fig("membership_low_value_share", float(membership["share"].iloc[:2].sum()), "share",
                        headline=True),
                    fig("members_asked", int(membership["card_holders"].sum()), "customers")]
    return figures


def record_indicator_figures(figures: Sequence[Mapping[str, Any]],
                             system: IndicatorSystem | Mapping | str | None = None) -> Table:
    """Record the key figures (:func:`cvm_lib.studies.record_figures`) and show them, the
    indicator ids of ``top_indicator`` named as in the indicator system (the file keeps the ids)."""
    from cvm_lib.studies._base import figures_table, record_figures

    record_figures(figures)
    names, lang = _Names(load_indicator_system(system)), display_settings()["lang"]
    shown = [dict(f, value=[names(v, lang) for v in f["value"]]) if f["name"] == "top_indicator" else f
             for f in figures]
    frame = figures_table(shown, lang)
    return Table(frame, raw_columns=list(frame.columns), kinds={c: "text" for c in frame.columns})


# --------------------------------------------------------------------------- study figures

def _t(key: str, **fields: Any) -> str:
    return label(key, display_settings()["lang"], context=CONTEXT, **fields)


def weights_figure(evaluation: EvaluationResult, system: IndicatorSystem | Mapping | str | None = None) -> plt.Figure:
    """Left (when a dimension combines AHP and entropy): its AHP, entropy and combined weights;
    right: the global weight of every indicator, coloured by dimension."""
    from cvm_lib.plots.indicators import plot_side_by_side_bars, plot_ranked_bars

    system = load_indicator_system(system)
    names, lang = _Names(system), display_settings()["lang"]
    frame = _weights_frame(evaluation, system)
    frame["indicator_name"] = [names(i, lang) for i in frame["indicator"]]
    frame["note"] = [f"{w:.3f}" for w in frame["global_weight"]]
    both = frame[frame["ahp_weight"].notna() & frame["entropy_weight"].notna()]
    fig, axes = plt.subplots(1, 2 if len(both) else 1, figsize=(14, max(4.0, 0.45 * len(frame) + 1.5)),
                             squeeze=False)
    axes = axes[0]
    if len(both):
        dims = list(dict.fromkeys(both["dimension"]))
        plot_side_by_side_bars(both, values=["ahp_weight", "entropy_weight", "local_weight"], name="indicator_name",
                          value_labels=[_t(c) for c in ("ahp_weight", "entropy_weight", "local_weight")], ax=axes[0],
                          title=_t("fig_weights_local", name="、".join(names(d, lang) for d in dims) if lang == "zh"
                                   else ", ".join(names(d, lang) for d in dims)), xlabel=_t("weight"))
    plot_ranked_bars(frame, value="global_weight", name="indicator_name", annotation="note", group="dimension",
                     group_labels={d.id: names(d.id, lang) for d in system.dimensions}, ax=axes[-1],
                     title=_t("fig_weights_global"), xlabel=_t("global_weight"))
    fig.tight_layout()
    return fig


def ranking_figure(evaluation: EvaluationResult) -> plt.Axes:
    """TOPSIS closeness per unit, best at the top, labelled with the composite index and its rank."""
    from cvm_lib.plots.indicators import plot_ranked_bars

    frame = _ranking_frame(evaluation)
    frame["note"] = [f"{s:.1f} (#{int(r)})" for s, r in zip(frame["composite"], frame["composite_rank"], strict=True)]
    unit = evaluation.data.index.name or "unit"
    ax = plot_ranked_bars(frame, value="closeness", name="unit", annotation="note", title=_t("fig_ranking"),
                          xlabel=_t("closeness"), ylabel=_Names(None)(unit, display_settings()["lang"]))
    ax.figure.tight_layout()
    return ax


def fuzzy_figure(case: IndicatorCase, *, operator: str = "weighted-average") -> plt.Axes:
    """Stacked bars of each unit's evaluation vector over the five grades, best score first."""
    from cvm_lib.plots.indicators import plot_share_stack

    lang = display_settings()["lang"]
    frame = fuzzy_by_unit(case, operator=operator).sort_values("score", ascending=False, kind="stable")
    frame["note"] = [f"{s:.2f} · {label(g, lang, context=CONTEXT)}" for s, g in zip(frame["score"], frame["grade"],
                                                                                    strict=True)]
    ax = plot_share_stack(frame, parts=list(GRADES), part_labels=[_t(g) for g in GRADES], name="unit",
                           annotation="note", title=_t("fig_fuzzy"), xlabel=_t("fig_fuzzy_x"),
                           ylabel=_Names(None)(case.unit, lang))
    ax.figure.tight_layout()
    return ax


def nps_figure(case: IndicatorCase, *, top_box: int = 2) -> plt.Axes | Skipped:
    """Shares of promoters, passives and detractors per unit (best NPS first, all respondents last),
    labelled with NPS."""
    import seaborn as sns

    from cvm_lib.plots import PALETTE
    from cvm_lib.plots.indicators import plot_share_stack

    frame = _nps_csat_frame(case, top_box)
    if "nps" not in frame.columns:
        return Skipped("nps", "say_csat", CONTEXT, {"csat": f"{frame['csat'].iloc[-1]:.1%}"})
    lang = display_settings()["lang"]
    frame = pd.concat([frame.iloc[:-1].sort_values("nps", ascending=False, kind="stable"), frame.iloc[-1:]])
    frame["name"] = [label(u, lang, context=CONTEXT, default=u) for u in frame["unit"]]
    frame["note"] = [f"{v:+.1f}" for v in frame["nps"]]
    palette = sns.color_palette(PALETTE)
    ax = plot_share_stack(frame, parts=["promoters", "passives", "detractors"],
                           part_labels=[_t(c) for c in ("promoters", "passives", "detractors")], name="name",
                           annotation="note", colors=[palette[2], (0.75, 0.75, 0.75), palette[3]], separate_last=True,
                           title=_t("fig_nps"), xlabel=_t("fig_share_of_respondents"),
                           ylabel=_Names(None)(case.unit, lang))
    ax.figure.tight_layout()
    return ax


def membership_figure(case: IndicatorCase) -> plt.Axes | Skipped:
    """Card holders' answers to "how much does membership bring you?", answers 1–2 highlighted."""
    from cvm_lib.plots.indicators import plot_answer_bars

    frame = _membership_frame(case)
    if frame is None:
        return Skipped("membership_value", "no_membership_question", CONTEXT)
    lang = display_settings()["lang"]
    frame["name"] = [f"{a} {label(k, lang, context=CONTEXT)}" for a, k in zip(frame["answer"], frame["answer_label"],
                                                                              strict=True)]
    frame["low"] = frame["answer"] <= 2
    low, total = float(frame["share"].iloc[:2].sum()), int(frame["card_holders"].sum())
    ax = plot_answer_bars(frame, category="name", share="share", count="card_holders", highlight="low",
                          note=_t("fig_low_value", share=f"{low:.0%}", n=f"{total:,}"), title=_t("fig_membership"),
                          xlabel=_t("answer"), ylabel=_t("share"))
    ax.figure.tight_layout()
    return ax


def heatmap_figure(evaluation: EvaluationResult, system: IndicatorSystem | Mapping | str | None = None) -> plt.Axes:
    """Heatmap of the direction-aware normalised indicator scores (units best first × indicators, 0–1)."""
    from cvm_lib.plots import plot_heatmap

    system = load_indicator_system(system)
    names, lang = _Names(system), display_settings()["lang"]
    ids = system.indicator_ids
    scores = evaluation.composite.scores[ids].loc[_order(evaluation)]
    scores = scores.rename(columns={i: names(i, lang) for i in ids})
    scores.index = [str(v) for v in scores.index]
    fig = plt.figure(figsize=(max(9.0, 1.0 * len(ids) + 3.0), max(4.0, 0.45 * len(scores) + 3.0)))
    ax = plot_heatmap(scores, ax=fig.add_subplot(), title=_t("fig_heatmap"), fmt=".2f", cmap="RdYlGn",
                      ylabel=names(evaluation.data.index.name or "unit", lang))
    ax.set_xticks(ax.get_xticks(), [t.get_text() for t in ax.get_xticklabels()], rotation=35, ha="right",
                  rotation_mode="anchor")
    fig.tight_layout()
    return ax


def radar_figure(evaluation: EvaluationResult, system: IndicatorSystem | Mapping | str | None = None) -> plt.Axes:
    """Radar of the dimension scores (0–100) of the first, middle and last unit by TOPSIS."""
    from cvm_lib.plots import plot_radar

    system = load_indicator_system(system)
    names, lang = _Names(system), display_settings()["lang"]
    dims = [d.id for d in system.dimensions]
    scores = evaluation.dimension_scores[dims].loc[_order(evaluation)]
    picks = sorted({0, (len(scores) - 1) // 2, len(scores) - 1})
    shown = (scores.iloc[picks] / 100.0).rename(columns={d: names(d, lang) for d in dims})
    shown.index = [str(v) for v in shown.index]
    ax = plot_radar(shown, title=_t("fig_radar"))
    ax.set_ylim(0, 1)
    ax.set_yticks([0.25, 0.5, 0.75, 1.0], ["25", "50", "75", "100"], fontsize=8)
    ax.set_rlabel_position(90 + 180 / max(len(dims), 1))
    ax.set_title(ax.get_title(), pad=22)
    ax.figure.tight_layout()
    return ax

