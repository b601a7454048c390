"""The retention study (客户保持效应): ``notebooks/03_retention.ipynb``.

Sections as functions over a :class:`RetentionCase`; the statistics come from
:mod:`cvm_lib.retention` (which knows no notebook and no language). Every table is tidy
with stable snake_case columns and stable category values (recorded as such by
:func:`~cvm_lib.studies.show`, translated and formatted on screen); sentences are
generated from this data's results (:func:`~cvm_lib.studies.say`); sections the data
cannot support return :class:`~cvm_lib.studies.Skipped` with a one-line reason.

Data
----
:func:`retention_case` prepares a :class:`~cvm_lib.studies.Case` (:func:`~cvm_lib.studies.load_case`)
for the study: the acquisition cohort (``acquisition_cohort``: month, or quarter or year
when the log spans more than 12 of them), the first-day spend (``log_first_spend`` =
log(1 + spend)), and the observed attributes used as covariates and model features
(the simulated case: ``acquisition_channel``, ``region``, ``member``,
``retention_programme``; a log: the ``group`` column if it has 2–12 values, the cohort
and the first-day spend).

Which sections need which columns
---------------------------------
========================================  ==================================================
section                                   needs
========================================  ==================================================
cohort heatmap, churn definition          the transaction log
churn definition ``"contract"``           ``dropout_date`` (the simulated case)
retention curves, Kaplan-Meier by group   the ``group`` column
Cox regression                            the observed attributes (derived ones for logs)
sBG projection                            bundled reference data (Fader & Hardie 2007):
                                          the user's data are not contractual renewals
value of retention                        ``cost`` per transaction or the ``margin`` rate
churn prediction                          the transaction log (plus the attributes)
programme effect                          ``retention_programme`` (0/1); the check against
                                          the truth needs the simulation
========================================  ==================================================

Examples
--------
>>> from cvm_lib.studies import load_case
>>> case = retention_case(load_case("cdnow_sample"))
>>> case.attributes
['acquisition_cohort', 'log_first_spend']
>>> churn = churn_study(case, inactivity_days=180)
>>> churn_table(churn)[["definition", "customers"]].to_dict("records")
[{'definition': 'inactivity', 'customers': 2357}]
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from cvm_lib.data import as_day

from cvm_lib.labels import has_label, label, unit_label, value_label
from cvm_lib.retention import (CohortRetention, CoxResult, KaplanMeier, LogrankResult, ProgrammeEffect,
                               RetentionEconomics, churn_features, churn_labels, churn_model, cohort_retention,
                               customer_lifetimes, derl, fit_cox, fit_sbg, kaplan_meier, logrank, programme_effect,
                               project_retention, reichheld_table, retention_by_tenure, retention_economics)
from cvm_lib.retention.churn import ChurnLabels
from cvm_lib.retention.prediction import IMPORTANCE_SAMPLE, ChurnModel
from cvm_lib.retention.projection import sbg_parameters
from cvm_lib.studies._base import Case, Narrative, Sentence, Skipped, key_figure, q, say, show, source_name
from cvm_lib.studies._table import Table, display_settings
from cvm_lib.summary import unit_days

__all__ = ["CONTEXT", "RetentionCase", "retention_case", "table_fields", "show_table", "ChurnStudy", "SurvivalStudy", "SbgStudy",
           "PredictionStudy", "ProgrammeStudy", "EconomicsStudy", "retention_case_table", "sections_table",
           "churn_study", "churn_table", "cohort_study", "cohort_rate_table", "cohort_narrative",
           "group_retention_table", "group_narrative", "survival_study", "km_table", "km_narrative",
           "COX_SAMPLE", "subsample", "cox_study", "cox_table", "cox_fit_table", "ph_table", "cox_narrative",
           "sbg_study", "sbg_table", "sbg_tenure_table", "sbg_narrative", "reichheld_study", "reichheld_grid",
           "firm_economics", "economics_inputs_table", "economics_scenarios_table", "profit_curve_table",
           "economics_narrative", "churn_prediction", "churn_metrics_table", "importance_table",
           "prediction_narrative", "programme_study", "programme_table", "programme_narrative",
           "retention_figures", "term_text", "figure_cohort_heatmap", "figure_group_retention", "figure_km",
           "figure_hazard_ratios", "figure_sbg_projection", "figure_retention_by_tenure", "figure_reichheld",
           "figure_retention_profit", "figure_roc_calibration", "figure_churn_lift", "figure_importance",
           "figure_programme"]

#: The catalogue context of the study (``cvm_lib/labels/retention.py``).
CONTEXT = "retention"
#: Observed customer attributes of the simulated case (covariates and model features).
CASE_ATTRIBUTES = ("acquisition_channel", "region", "member", "retention_programme")
TREATMENT = "retention_programme"
_PERIODS = ("W", "M", "Q", "Y")
_DEFINITIONS = ("inactivity", "p_alive", "contract")
#: One year as used for survival comparisons: 52 weeks.
_YEAR_DAYS = 364.0
#: Customers the Cox model of :func:`cox_study` is fitted on at most (a seeded subsample above).
COX_SAMPLE = 100_000
#: Where the sBG section's data come from (recorded in its tables and key figures).
SBG_SOURCE = "fader_hardie_2007"


def _say(key: str, **values: Any) -> Sentence:
    return say(key, context=CONTEXT, **values)


def _lang() -> str:
    return display_settings()["lang"]


def _t(key: str, lang: str | None = None, **fields: Any) -> str:
    return label(key, lang or _lang(), context=CONTEXT, **fields)


def _v(value: Any, lang: str | None = None) -> Any:
    return value_label(value, lang or _lang(), context=CONTEXT)


# --------------------------------------------------------------------------- case data

@dataclass(frozen=True, eq=False)
class RetentionCase(Case):
    """A :class:`~cvm_lib.studies.Case` prepared for the retention study (see :func:`retention_case`).

    ``attributes`` are the observed customer columns used as covariates and model features.
    """

    attributes: list = field(default_factory=list)


def _cohort_labels(first: pd.Series) -> pd.Series:
    for freq in ("M", "Q", "Y"):
        periods = first.dt.to_period(freq)
        if periods.nunique() <= 12 or freq == "Y":
            return periods.astype("str")
    raise AssertionError  # pragma: no cover


def retention_case(case: Case, group: str | None = None) -> RetentionCase:
    """The case with the study's derived customer columns and its list of attributes.

    Adds ``acquisition_cohort`` and ``log_first_spend`` (log of 1 + the spend of the first
    purchase day) and, for the simulated case, ``alive_at_end`` (no dropout by the end of
    observation). Attributes: the simulated case's observed ones; for a log the ``group``
    column when it has 2–12 values, the cohort when there are at least two, the first-day spend.
    """
    tx = case.transactions
    customers = case.customers.copy()
    if customers.empty:
        raise ValueError(f"the case {case.name!r} has no customers up to {case.observation_end.date()}")
    day = tx["date"].dt.normalize()
    first = day.groupby(tx["customer_id"]).min()
    on_first = (day == tx["customer_id"].map(first)).to_numpy()
    spend = tx.loc[on_first, "amount"].groupby(tx.loc[on_first, "customer_id"]).sum().reindex(first.index)
    customers["acquisition_cohort"] = _cohort_labels(first).reindex(customers.index)
    customers["log_first_spend"] = pd.Series(np.log1p(spend.clip(lower=0.0).to_numpy(dtype=np.float64)),
                                             index=first.index).reindex(customers.index)
    if "dropout_date" in customers:
        dropout = customers["dropout_date"]
        customers["alive_at_end"] = (dropout.isna() | (dropout > case.observation_end)).to_numpy()
    if case.synthetic:
        attributes = [a for a in CASE_ATTRIBUTES if a in customers]
    else:
        attributes = []
        if group and group in customers.columns and 2 <= customers[group].nunique() <= 12:
            attributes.append(group)
        if customers["acquisition_cohort"].nunique() >= 2:
            attributes.append("acquisition_cohort")
        attributes.append("log_first_spend")
        attributes = list(dict.fromkeys(attributes))
    fields = {name: getattr(case, name) for name in Case.__dataclass_fields__}
    fields["customers"] = customers
    return RetentionCase(**fields, attributes=attributes)


def retention_case_table(case: RetentionCase) -> pd.DataFrame:
    """The data at a glance (one row): source, simulated or not, customers, transactions, dates, attributes."""
    tx = case.transactions
    return pd.DataFrame({"data": [source_name(case.name, tx)], "synthetic": [bool(case.synthetic)],
                         "customers": [int(len(case.customers))], "transactions": [int(len(tx))],
                         "first_purchase": [tx["date"].min().normalize()],
                         "last_purchase": [tx["date"].max().normalize()],
                         "observation_end": [case.observation_end], "attributes": [", ".join(case.attributes)]})


_SECTIONS = ("cohorts", "group_retention", "survival", "cox", "sbg", "retention_value", "prediction", "programme",
             "programme_truth")


def _grouping_columns(frame: pd.DataFrame) -> list[str]:
    """Columns with 2–12 distinct values and no gaps (usable as ``group``)."""
    out = []
    for column in frame.columns:
        series = frame[column]
        if pd.api.types.is_datetime64_any_dtype(series.dtype) or pd.api.types.is_float_dtype(series.dtype):
            continue
        if not series.isna().any() and 2 <= series.nunique() <= 12:
            out.append(str(column))
    return out


def _skip_group(frame: pd.DataFrame, group: str, section: str) -> Skipped | None:
    """Skipped when ``group`` is not a usable grouping column of ``frame``, else None."""
    if group in frame.columns:
        levels = int(frame[group].nunique(dropna=True))
        if levels < 2:
            return Skipped(section, "skip_single_value", CONTEXT, {"column": group})
        if levels > 12:
            return Skipped(section, "skip_many_values", CONTEXT, {"column": group, "levels": levels})
        return None
    options = ", ".join(c for c in _grouping_columns(frame) if c not in ("duration", "event", "retained")) or "—"
    return Skipped(section, "skip_no_column", CONTEXT, {"column": group, "options": options})


def _skip_programme(case: RetentionCase) -> Skipped | None:
    if case.has(TREATMENT):
        return None
    return Skipped("programme", "skip_no_programme", CONTEXT, {"column": TREATMENT})


def _skip_truth(case: RetentionCase) -> Skipped | None:
    if case.synthetic and case.has("dropout_date") and case.has("true_mu"):
        return None
    return Skipped("programme_truth", "skip_no_truth", CONTEXT)


def _sbg_available() -> bool:
    try:
        from cvm_lib.clv import ShiftedBetaGeo  # noqa: F401
    except ImportError:  # pragma: no cover
        return False
    return True


def sections_table(case: RetentionCase, group: str = "acquisition_channel") -> pd.DataFrame:
    """Every section, the data it needs and whether it runs on ``case``.

    Columns: ``section``, ``needs``, ``status`` (``run`` / ``skipped``), ``reason`` (a
    catalogue key; the full sentence stands in the section) and ``column`` (the column
    concerned).
    """
    status: dict[str, Skipped | None] = {key: None for key in _SECTIONS}
    status["group_retention"] = _skip_group(case.customers, group, "group_retention")
    status["survival"] = _skip_group(case.customers, group, "survival")
    if not _sbg_available():  # pragma: no cover
        status["sbg"] = Skipped("sbg", "skip_no_sbg", CONTEXT)
    status["programme"] = _skip_programme(case)
    status["programme_truth"] = status["programme"] if status["programme"] is not None else _skip_truth(case)
    rows = []
    for key, skipped in status.items():
        reason = skipped.reason.replace("skip_", "short_") if skipped is not None else ""
        rows.append({"section": key, "needs": f"needs_{key}", "status": "skipped" if skipped is not None else "run",
                     "reason": reason, "column": skipped.fields.get("column", "") if skipped is not None else ""})
    return pd.DataFrame(rows)


def table_fields(*, group: str | None = None, unit: str | None = None) -> dict[str, Any]:
    """Header fields of the study's tables: the grouping column's name and the time unit,
    each translated per language when shown (``{"group": ("label", ...), "unit": ("unit", "W")}``)."""
    fields: dict[str, Any] = {}
    if group is not None:
        fields["group"] = ("label", f"{CONTEXT}.{group}") if has_label(group, CONTEXT) else str(group)
    if unit is not None:
        fields["unit"] = ("unit", unit)
    return fields


def show_table(name: str, table: pd.DataFrame | Skipped, *, group: str | None = None,
               unit: str | None = None) -> Table | Skipped:
    """Record a study table under ``name`` (stable columns) and return it for display in the
    display language; a :class:`~cvm_lib.studies.Skipped` passes through. Columns named by a
    number (periods since acquisition) are shares, shown as they are named."""
    if isinstance(table, Skipped):
        return table
    raw = [c for c in table.columns if str(c).isdigit()]
    return show(name, table, context=CONTEXT, fields=table_fields(group=group, unit=unit),
                kinds={c: "share" for c in raw}, raw_columns=raw)


# --------------------------------------------------------------------------- churn definition

@dataclass(frozen=True, eq=False)
class ChurnStudy:
    """Customer lifetimes under the study's churn definition (see :func:`churn_study`).

    Attributes
    ----------
    kind : {"inactivity", "p_alive", "contract"}
    labels : ChurnLabels
    table : DataFrame
        Indexed by ``customer_id``: ``duration`` (in ``time_unit``), ``event`` (1 = churned),
        ``retained`` (1 - event) and the customer columns of the case.
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

    def describe(self) -> Narrative:
        """The definition and how lifetimes are measured, generated from this study's settings."""
        d = self.labels.definition
        end = self.observation_end.date().isoformat()
        unit = ("label", f"unit.{self.time_unit}")
        if self.kind == "inactivity":
            first = _say("def_inactivity", days=f"{d.inactivity_days:g}", end=end)
        elif self.kind == "p_alive":
            first = _say("def_p_alive", model=str(d.model), threshold=f"{d.threshold:g}", end=end)
        else:
            first = _say("def_contract", column=str(d.end_col), end=end)
        key = "durations_contract" if self.kind == "contract" else "durations_inactivity"
        return Narrative([first, _say(key, unit=unit),
                          _say("churn_outcome", churned=q(int(self.table["event"].sum()), "count"),
                               customers=q(len(self.table), "count"), rate=q(self.churn_rate_, "share"))])


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
      (:func:`~cvm_lib.retention.customer_lifetimes`): lifetime from the first to the last
      purchase, censored at the last purchase when not churned.
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
            from cvm_lib.datasets import summary_source
            from cvm_lib.summary import rfm_summary

            summary = rfm_summary(summary_source(case.name, case.transactions), observation_end=end,
                                  time_unit=time_unit)
            model = BetaGeo().fit(summary)
            labels = churn_labels(summary, definition="p_alive", model=model, threshold=threshold,
                                  observation_end=end)
            frame["event"] = labels.labels_["churned"].reindex(frame.index).to_numpy().astype(np.int64)
    frame["retained"] = 1 - frame["event"]
    others = [c for c in case.customers.columns if c not in frame.columns]
    table = frame.join(case.customers[others], how="left")
    return ChurnStudy(definition, labels, table, time_unit, list(case.attributes), end)


def churn_table(churn: ChurnStudy) -> pd.DataFrame:
    """The definition and its outcome (one row): customers, churned, churn rate, censored, mean lifetime."""
    t = churn.table
    return pd.DataFrame({"definition": [churn.kind], "customers": [int(len(t))], "churned": [int(t["event"].sum())],
                         "churn_rate": [float(t["event"].mean())], "censored": [int((t["event"] == 0).sum())],
                         "mean_duration": [float(t["duration"].mean())], "time_unit": [churn.time_unit]})


# --------------------------------------------------------------------------- cohorts

def _check_period(period: str) -> str:
    if period not in _PERIODS:
        raise ValueError(f"period={period!r}; use one of {', '.join(_PERIODS)}")
    return period


def cohort_study(case: RetentionCase, *, period: str = "M", group: str | None = None) -> CohortRetention | Skipped:
    """Cohort retention (:func:`~cvm_lib.retention.cohort_retention`), complete periods only, optionally by group."""
    _check_period(period)
    section = "cohorts" if group is None else "group_retention"
    if group is not None:
        skipped = _skip_group(case.customers, group, section)
        if skipped is not None:
            return skipped
    return cohort_retention(case.transactions, case.customers if group else None, by=group, period=period,
                            observation_end=case.observation_end, drop_partial=True)


def _period_label(period: pd.Period) -> str:
    """``2023-01`` for months, ``2023Q1``, ``2023``; a week by its first day (``1997-01-06``)."""
    if period.freqstr.startswith("W"):
        return period.start_time.date().isoformat()
    return str(period)


def cohort_rate_table(cohorts: CohortRetention | Skipped) -> pd.DataFrame | Skipped:
    """Retention shares (0–1) by acquisition cohort (rows, column ``cohort``) and periods since
    acquisition (columns ``0``, ``1``, ...); unobserved cells missing.

    The cohort × period *retention* matrix of this study; :func:`cvm_lib.summary.cohort_table`
    is the calendar cohort × period activity table of the summary layer.
    """
    if isinstance(cohorts, Skipped):
        return cohorts
    rates = cohorts.rates_
    out = pd.DataFrame({"cohort": [_period_label(c) for c in rates.index]})
    for k in rates.columns:
        out[str(int(k))] = rates[k].to_numpy(dtype=np.float64)
    return out


def cohort_narrative(cohorts: CohortRetention | Skipped) -> Sentence | None:
    """Pooled retention one period and (where observed) twelve periods after acquisition."""
    if isinstance(cohorts, Skipped):
        return None  # the section's table cell states the reason
    curve = cohorts.curves_.set_index("period")["rate"]
    later = 12 if 12 in curve.index else int(curve.index.max())
    return _say("cohort_sentence", one=q(float(curve.get(1, np.nan)), "share"), k=later,
                later=q(float(curve[later]), "share"), unit=("label", f"unit.{cohorts.period}"),
                cohorts=q(int(cohorts.rates_.shape[0]), "count"))


def group_retention_table(cohorts: CohortRetention | Skipped, periods: tuple[int, ...] = (1, 3, 6, 12)) -> pd.DataFrame | Skipped:
    """Per group: customers, cohorts and the pooled retention share after 1, 3, 6 and 12 periods."""
    if isinstance(cohorts, Skipped):
        return cohorts
    summary = cohorts.summary(periods)
    out = pd.DataFrame({"group": list(summary.index)})
    out["customers"] = summary["customers"].to_numpy()
    out["cohorts_n"] = summary["cohorts"].to_numpy()
    for k in periods:
        out[f"rate_{k}"] = summary[f"rate_{k}"].to_numpy(dtype=np.float64)
    return out


def group_narrative(cohorts: CohortRetention | Skipped, periods: tuple[int, ...] = (1, 3, 6, 12)) -> Sentence | None:
    """Which group keeps its customers best and worst at the longest observed of ``periods``."""
    if isinstance(cohorts, Skipped):
        return None  # the section's table cell states the reason
    table = group_retention_table(cohorts, periods)
    k = next((p for p in reversed(periods) if table[f"rate_{p}"].notna().all()), periods[0])
    column = table.set_index("group")[f"rate_{k}"]
    return _say("group_sentence", best=("label", str(column.idxmax())), best_rate=q(float(column.max()), "share"),
                worst=("label", str(column.idxmin())), worst_rate=q(float(column.min()), "share"), k=k,
                unit=("label", f"unit.{cohorts.period}"))


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
    if skipped is not None:
        return skipped
    km = kaplan_meier(churn.table, "duration", "event", group)
    test = logrank(churn.table, "duration", "event", group)
    return SurvivalStudy(km, test, group, churn.time_unit, churn.kind)


def km_table(survival: SurvivalStudy | Skipped) -> pd.DataFrame | Skipped:
    """Per group: customers, churned, median lifetime with its 95% interval (inf: the curve never
    falls to one half), observed and expected churn under equal hazards (log-rank), their ratio."""
    if isinstance(survival, Skipped):
        return survival
    summary = survival.km.summary()
    lower, upper = [c for c in summary.columns if c.startswith("median_")]
    table = pd.DataFrame({"group": list(summary.index), "customers": summary["n"].to_numpy(),
                          "churned": summary["events"].to_numpy(),
                          "median": summary["median"].to_numpy(dtype=np.float64),
                          "median_lower": summary[lower].to_numpy(dtype=np.float64),
                          "median_upper": summary[upper].to_numpy(dtype=np.float64),
                          "observed": survival.logrank.observed.to_numpy(dtype=np.float64),
                          "expected": survival.logrank.expected.to_numpy(dtype=np.float64)})
    table["o_e"] = table["observed"] / table["expected"]
    return table


def km_narrative(survival: SurvivalStudy | Skipped) -> Narrative | None:
    """Longest and shortest median lifetime and what the log-rank test says."""
    if isinstance(survival, Skipped):
        return None  # the section's table cell states the reason
    median = survival.km.median_.astype(float)
    unit = ("label", f"unit.{survival.time_unit}")
    finite = median[np.isfinite(median)]
    parts: list[Sentence] = []
    if finite.empty:
        parts.append(_say("km_no_median"))
    else:
        shortest = str(finite.idxmin())
        if float(finite.min()) == 0.0:  # more than half churned with lifetime 0: bought on one day only
            parts.append(_say("km_shortest_zero", group=("label", shortest)))
        else:
            parts.append(_say("km_shortest", group=("label", shortest), median=q(float(finite.min()), "duration"),
                              unit=unit))
        never = [str(g) for g in median.index if not np.isfinite(median[g])]
        if never:
            parts.append(_say("km_never", groups=", ".join(str(_v(g)) for g in never)))
        elif len(finite) > 1:
            parts.append(_say("km_longest", group=("label", str(finite.idxmax())),
                              median=q(float(finite.max()), "duration"), unit=unit))
    p = survival.logrank.p_value
    parts.append(_say("logrank_differ" if p < 0.05 else "logrank_same", chi2=q(survival.logrank.statistic, "number"),
                      p=q(p, "pvalue")))
    return Narrative(parts)


# --------------------------------------------------------------------------- Cox

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


def cox_study(churn: ChurnStudy, covariates: list[str] | None = None, *, sample: int | None = COX_SAMPLE,
              seed: int = 0) -> CoxResult:
    """Cox regression of the churn lifetimes on the case's attributes (Efron ties).

    Categorical attributes are compared with their first level (``organic`` for the
    acquisition channel); booleans enter as 0/1. Above ``sample`` customers (default
    100,000: far above the bundled data, which are fitted whole) the model is fitted on a
    simple random subsample drawn with ``numpy.random.default_rng(seed)``; ``n_`` of the
    result says how many customers were used; ``sample=None`` fits everyone.
    """
    covariates = list(churn.attributes if covariates is None else covariates)
    usable = [c for c in covariates if c in churn.table.columns and churn.table[c].nunique() >= 2]
    if not usable:
        raise ValueError(f"no usable covariates among {covariates}")
    return fit_cox(subsample(churn.table, sample, seed), "duration", "event", usable)


def _terms(cox: CoxResult) -> pd.DataFrame:
    """``term`` (design column), ``covariate``, ``level`` and ``reference`` of each Cox term."""
    enc = cox.encoding_
    refs = {name: enc.loc[name, "reference"] for name in enc.index if enc.loc[name, "kind"] == "categorical"}
    rows = []
    for term in cox.params_.index:
        match = re.fullmatch(r"(.+)\[(.+)\]", str(term))
        column, level = (match.group(1), match.group(2)) if match else (str(term), "")
        reference = refs.get(column, "")
        rows.append({"term": str(term), "covariate": column, "level": level,
                     "reference": "" if reference is None else str(reference)})
    return pd.DataFrame(rows)


def term_text(covariate: str, level: Any = "", reference: Any = "", lang: str | None = None) -> str:
    """Readable name of a Cox term or model feature: "Acquisition channel: referral (vs organic)".

    >>> term_text("acquisition_channel", "referral", "organic", "zh")
    '获客渠道：老客推荐（对照：自然到店）'
    >>> term_text("member", lang="en")
    'Loyalty card member'
    """
    lang = lang or _lang()
    head = label(covariate, lang, context=CONTEXT, default=covariate)
    if level in ("", None):
        return head
    sep = "：" if lang == "zh" else ": "
    text = f"{head}{sep}{_v(str(level), lang)}"
    if reference in ("", None):
        return text
    ref = _v(str(reference), lang)
    return f"{text}（{_t('vs', lang)}：{ref}）" if lang == "zh" else f"{text} ({_t('vs', lang)} {ref})"


def cox_table(cox: CoxResult) -> pd.DataFrame:
    """Hazard ratios with 95% intervals and p-values, one row per term, named by ``covariate``
    and ``level`` (the design column is ``covariate[level]``, or ``covariate`` alone)."""
    ci = np.exp(cox.confidence_intervals_)
    table = _terms(cox).drop(columns="term")
    table["hazard_ratio"] = cox.hazard_ratios_.to_numpy()
    table["lower"] = ci["lower"].to_numpy()
    table["upper"] = ci["upper"].to_numpy()
    table["p_value"] = cox.p_values_.to_numpy()
    table["coef"] = cox.params_.to_numpy()
    table["std_error"] = cox.standard_errors_.to_numpy()
    return table


def cox_fit_table(cox: CoxResult) -> pd.DataFrame:
    """Customers, events, concordance and the three global tests of a Cox model (``statistic``,
    ``value``, ``df``, ``p_value``)."""
    rows = [("n", float(cox.n_), np.nan, np.nan), ("events", float(cox.n_events_), np.nan, np.nan),
            ("concordance", cox.concordance_, np.nan, np.nan)]
    for key, test in (("lr_test", cox.likelihood_ratio_test_), ("wald_test", cox.wald_test_),
                      ("score_test", cox.score_test_)):
        rows.append((key, test["statistic"], float(test["df"]), test["p_value"]))
    return pd.DataFrame(rows, columns=["statistic", "value", "df", "p_value"])


def ph_table(cox: CoxResult, alpha: float = 0.05) -> pd.DataFrame:
    """Grambsch-Therneau test of proportional hazards per term and globally, with a verdict
    (``ph_holds`` / ``ph_drifts``)."""
    res = cox.check_proportional_hazards("km", alpha=alpha).results_
    terms = _terms(cox)
    terms = pd.concat([terms, pd.DataFrame([{"term": "GLOBAL", "covariate": "global", "level": "",
                                             "reference": ""}])], ignore_index=True)
    out = terms[["covariate", "level"]].copy()
    out["rho"] = res["rho"].reindex(terms["term"]).to_numpy()
    out["test_statistic"] = res["test_statistic"].reindex(terms["term"]).to_numpy()
    out["df"] = res["df"].reindex(terms["term"]).to_numpy(dtype=np.float64)
    out["p_value"] = res["p_value"].reindex(terms["term"]).to_numpy()
    out["verdict"] = np.where(out["p_value"] < alpha, "ph_drifts", "ph_holds")
    return out


def cox_narrative(cox: CoxResult) -> Narrative:
    """The terms with the highest and lowest hazard ratio, the concordance and the PH verdict."""
    table = cox_table(cox)
    hi, lo = table.loc[table["hazard_ratio"].idxmax()], table.loc[table["hazard_ratio"].idxmin()]
    ph = cox.check_proportional_hazards("km").results_
    p_global = float(ph.loc["GLOBAL", "p_value"])
    parts = [_say("cox_terms", high=term_text(hi["covariate"], hi["level"], hi["reference"], "en"),
                  high_zh=term_text(hi["covariate"], hi["level"], hi["reference"], "zh"),
                  high_hr=q(float(hi["hazard_ratio"]), "ratio"),
                  low=term_text(lo["covariate"], lo["level"], lo["reference"], "en"),
                  low_zh=term_text(lo["covariate"], lo["level"], lo["reference"], "zh"),
                  low_hr=q(float(lo["hazard_ratio"]), "ratio"), c=q(cox.concordance_, "ratio"), n=q(cox.n_, "count")),
             _say("ph_drifts_sentence" if p_global < 0.05 else "ph_holds_sentence", p=q(p_global, "pvalue"))]
    return Narrative(parts)


# --------------------------------------------------------------------------- sBG (bundled reference data)

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
        :func:`~cvm_lib.retention.retention_by_tenure` (years 1–12) with ``observed_retention``.
    derl : Series
        DERL by renewals made (0–11), at ``discount_rate`` per year.
    gamma, delta : float or None
        The fitted Beta(gamma, delta) distribution of the churn probability.
    source : str
        Where the data come from: the bundled reference data (``"fader_hardie_2007"``).
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
    source: str = SBG_SOURCE

    @property
    def holdout_mape_(self) -> float:
        """Mean absolute percentage error of the projected survival over the holdout years."""
        hold = self.projection[self.projection["window"] == "holdout"]
        return float(100 * np.mean(np.abs(hold["survival"] - hold["observed_survival"]) / hold["observed_survival"]))


def sbg_study(cohort: str = "regular", *, discount_rate: float = 0.10, fit_years: int = 7,
              model: Any = None) -> SbgStudy:
    """Fit the sBG to years 0–``fit_years`` of a Fader & Hardie (2007) cohort and project to year 12.

    The section runs on bundled reference data whatever the study's data: a transaction
    log records purchases, not contract renewals, so it cannot support a contractual model;
    every table and key figure of the section says so (``source``).
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


def sbg_table(sbg: SbgStudy) -> pd.DataFrame:
    """Actual and projected share still customers by year, the error in points, fit/holdout window."""
    p = sbg.projection
    return pd.DataFrame({"year": p.index.to_numpy(), "window": p["window"].to_numpy(),
                         "actual_survival": p["observed_survival"].to_numpy(dtype=np.float64),
                         "projected_survival": p["survival"].to_numpy(dtype=np.float64),
                         "error_points": (p["survival"] - p["observed_survival"]).to_numpy(dtype=np.float64),
                         "source": sbg.source})


def sbg_tenure_table(sbg: SbgStudy) -> pd.DataFrame:
    """Retention rate by tenure, actual and sBG (rising), survivors' mean churn probability, DERL."""
    t = sbg.tenure
    table = pd.DataFrame({"tenure": t.index.to_numpy(),
                          "retention_actual": t["observed_retention"].to_numpy(dtype=np.float64),
                          "retention_model": t["retention_rate"].to_numpy(dtype=np.float64)})
    if "mean_churn_probability" in t.columns:
        table["mean_churn_probability"] = t["mean_churn_probability"].to_numpy(dtype=np.float64)
    # DERL of a customer in tenure year n has made n - 1 renewals
    table["derl"] = sbg.derl.reindex(t.index - 1).to_numpy(dtype=np.float64)
    table["source"] = sbg.source
    return table


def sbg_narrative(sbg: SbgStudy) -> Narrative:
    """What the reference data show (labelled as reference data, not the study's data)."""
    t = sbg.tenure["retention_rate"]
    return Narrative([_say("sbg_reference", cohort=("label", f"retention.{sbg.cohort}")),
                      _say("sbg_fit", mape=q(sbg.holdout_mape_, "number"), first=q(float(t.iloc[0]), "share"),
                           last=q(float(t.iloc[-1]), "share"), years=len(t),
                           derl=q(float(sbg.derl.iloc[0]), "number"), rate=q(sbg.discount_rate, "share"))])


# --------------------------------------------------------------------------- value of retention

def reichheld_study(*, margin_growth: float = 0.05, discount_rate: float = 0.10) -> pd.DataFrame:
    """:func:`~cvm_lib.retention.reichheld_table` over annual retention 50–90%, margin growth
    {0, ``margin_growth``, 10%}, discount rates {5%, ``discount_rate``, 15%}, acquisition cost
    {0, 1, 2} first-year margins and a 20-year horizon (every column stable)."""
    growth = sorted({0.0, float(margin_growth), 0.10})
    rates = sorted({0.05, float(discount_rate), 0.15})
    table = reichheld_table((0.5, 0.6, 0.7, 0.8, 0.9), margin_growth=growth, discount_rate=rates,
                            acquisition_cost=(0.0, 1.0, 2.0), horizon=(20,))
    table.attrs.update(study_margin_growth=float(margin_growth), study_discount_rate=float(discount_rate))
    return table


def reichheld_grid(table: pd.DataFrame, discount_rate: float | None = None) -> pd.DataFrame:
    """The grid at the study's discount rate (long form): annual retention, margin growth,
    acquisition cost, profit increase from 5 more points (%, missing where the base makes a
    loss) and whether it lies in Reichheld's 25–95%."""
    d = table.attrs.get("study_discount_rate", 0.10) if discount_rate is None else discount_rate
    part = table[np.isclose(table["discount_rate"], d)]
    out = part[["base_retention", "margin_growth", "acquisition_cost", "profit_increase_pct"]].reset_index(drop=True)
    out = out.rename(columns={"acquisition_cost": "acquisition_cost_margins"})
    out["profit_in_range"] = part["profit_in_range"].to_numpy(dtype=bool)
    return out.sort_values(["base_retention", "margin_growth", "acquisition_cost_margins"],
                           kind="stable").reset_index(drop=True)


@dataclass(frozen=True, eq=False)
class EconomicsStudy:
    """The firm's retention economics and where its inputs came from (see :func:`firm_economics`).

    ``margin_rate``: None when the margin is ``amount - cost`` from the log, else the share of
    sales assumed. ``acquisition_from_data``: the customers table records the acquisition cost.
    """

    economics: RetentionEconomics
    margin_rate: float | None
    acquisition_from_data: bool


def firm_economics(case: RetentionCase, *, period: str = "M", margin: float = 0.3, acquisition_cost: float = 20.0,
                   discount_rate: float = 0.10) -> EconomicsStudy | Skipped:
    """The profit gain from 5 more points of annual retention implied by the case's own data.

    :func:`~cvm_lib.retention.retention_economics` with the margin ``amount - cost`` when
    the log has a ``cost`` column (else ``margin`` × sales, an assumption), the acquisition
    cost recorded per customer when the customers table has ``acquisition_cost`` (else the
    parameter, an assumption) and the annual ``discount_rate``. A log too short to
    estimate retention gives :class:`~cvm_lib.studies.Skipped`.
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
        return Skipped("retention_value", "skip_economics", CONTEXT, {"error": str(exc)})
    return EconomicsStudy(econ, None if has_cost else float(margin), recorded)


def economics_inputs_table(study: EconomicsStudy | Skipped) -> pd.DataFrame | Skipped:
    """The inputs (one row): margin source and rate, acquisition-cost source, margin per active
    customer, its growth, acquisition cost, discount rate per period, the period."""
    if isinstance(study, Skipped):
        return study
    econ = study.economics
    return pd.DataFrame({"margin_source": ["margin_from_cost" if study.margin_rate is None else "margin_assumed"],
                         "margin_rate": [np.nan if study.margin_rate is None else study.margin_rate],
                         "acquisition_source": ["acquisition_from_data" if study.acquisition_from_data
                                                else "acquisition_assumed"],
                         "margin": [econ.margin_], "margin_growth": [econ.margin_growth_],
                         "acquisition_cost": [econ.acquisition_cost_], "discount_rate": [econ.discount_rate_],
                         "period": [econ.period]})


def economics_scenarios_table(study: EconomicsStudy | Skipped) -> pd.DataFrame | Skipped:
    """The firm's retention and 5 more annual points: retention per period and per year,
    expected lifetime (periods), CLV and steady-state customer-base profit per period."""
    if isinstance(study, Skipped):
        return study
    v = study.economics.values_
    return pd.DataFrame({"scenario": ["firm", "plus_5_points"][: len(v)],
                         "retention_rate": v["retention_rate"].to_numpy(dtype=np.float64),
                         "annual_retention": v["annual_retention"].to_numpy(dtype=np.float64),
                         "expected_lifetime": v["expected_lifetime"].to_numpy(dtype=np.float64),
                         "clv": v["clv"].to_numpy(dtype=np.float64),
                         "base_profit": v["base_profit"].to_numpy(dtype=np.float64)})


def profit_curve_table(study: EconomicsStudy | Skipped) -> pd.DataFrame | Skipped:
    """CLV and steady-state base profit over annual retention 5–95% (the retention → profit curve)."""
    if isinstance(study, Skipped):
        return study
    c = study.economics.curve_
    return pd.DataFrame({"annual_retention": c["annual_retention"].to_numpy(dtype=np.float64),
                         "retention_rate": c["retention_rate"].to_numpy(dtype=np.float64),
                         "expected_lifetime": c["expected_lifetime"].to_numpy(dtype=np.float64),
                         "clv": c["clv"].to_numpy(dtype=np.float64),
                         "base_profit": c["base_profit"].to_numpy(dtype=np.float64)})


def economics_narrative(study: EconomicsStudy | Skipped) -> Narrative | None:
    """The firm's profit gain against Reichheld's range, and the assumptions it rests on."""
    if isinstance(study, Skipped):
        return None  # the section's table cell states the reason
    e = study.economics
    parts = [_say("economics_inside" if e.in_reichheld_range_ else "economics_outside",
                  annual=q(e.annual_retention_, "share"), points=f"{100 * e.increase:g}",
                  profit=q(e.profit_increase_pct_ / 100, "share"), clv=q(e.clv_increase_pct_ / 100, "share"))]
    if study.margin_rate is not None:
        parts.append(_say("assumes_margin", rate=q(study.margin_rate, "share")))
    if not study.acquisition_from_data:
        parts.append(_say("assumes_acquisition", cost=q(e.acquisition_cost_, "money")))
    return Narrative(parts)


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

    def describe(self) -> Sentence:
        """The two windows of the time-based split (generated from the dates)."""
        day = pd.Timedelta(days=1)
        return _say("prediction_windows", a=self.train_calibration_end.date().isoformat(),
                    a1=(self.train_calibration_end + day).date().isoformat(),
                    b=self.calibration_end.date().isoformat(), b1=(self.calibration_end + day).date().isoformat(),
                    c=self.observation_end.date().isoformat(), n_train=q(self.n_train, "count"),
                    n_test=q(self.n_test, "count"))


def churn_prediction(case: RetentionCase, *, calibration_end: Any = None, inactivity_days: float = 180,
                     time_unit: str = "W", seed: int = 2024, n_repeats: int = 3,
                     importance_sample: int | None = IMPORTANCE_SAMPLE) -> PredictionStudy:
    """Logistic regression and gradient boosting predicting churn, with a time-based split.

    The holdout window is ``calibration_end`` → ``observation_end`` (default: the last
    ``inactivity_days`` days); the target is "no purchase in the window". The models are
    fitted one window earlier and tested on the later window, so that no information from
    the test window reaches the fit. One-hot attribute columns missing from the test frame
    are zero there; those only in the test frame are dropped.
    """
    end = case.observation_end
    cal = end - pd.Timedelta(days=int(inactivity_days)) if calibration_end is None \
        else as_day(calibration_end, "calibration_end")
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


def churn_metrics_table(prediction: PredictionStudy) -> pd.DataFrame:
    """Per model: ROC AUC, top-decile lift, Brier score, log loss, test churn rate, sizes."""
    return prediction.result.metrics_.reset_index()


def _feature_parts(feature: str) -> tuple[str, str]:
    if feature == "inactivity":
        return "time_since_last_purchase", ""
    match = re.fullmatch(r"(.+)\[(.+)\]", feature)
    return (match.group(1), match.group(2)) if match else (feature, "")


def importance_table(prediction: PredictionStudy) -> pd.DataFrame:
    """Permutation importance (drop in test ROC AUC) per model and feature, the feature named by
    ``attribute`` and ``level`` (model column ``attribute[level]``; ``inactivity`` is
    ``time_since_last_purchase``)."""
    imp = prediction.result.permutation_importance_
    parts = [_feature_parts(f) for f in imp["feature"]]
    return pd.DataFrame({"model": imp["model"].to_numpy(),
                         "attribute": [p[0] for p in parts], "level": [p[1] for p in parts],
                         "importance": imp["importance_mean"].to_numpy(dtype=np.float64),
                         "importance_std": imp["importance_std"].to_numpy(dtype=np.float64)})


def prediction_narrative(prediction: PredictionStudy) -> Narrative:
    """The windows, the best model's AUC and lift and its most important feature."""
    best = prediction.best_model_
    imp = importance_table(prediction)
    top = imp[imp["model"] == best].sort_values("importance", ascending=False, kind="stable").iloc[0]
    return Narrative([prediction.describe(),
                      _say("prediction_best", model=("label", f"retention.{best}"),
                           auc=q(float(prediction.result.auc_[best]), "ratio"),
                           lift=q(float(prediction.result.top_decile_lift_[best]), "ratio"),
                           base=q(float(prediction.result.metrics_.loc[best, "base_rate"]), "share"),
                           feature=term_text(top["attribute"], top["level"], lang="en"),
                           feature_zh=term_text(top["attribute"], top["level"], lang="zh"))])


# --------------------------------------------------------------------------- programme effect

@dataclass(frozen=True, eq=False)
class ProgrammeStudy:
    """The retention programme's effect (see :func:`programme_study`).

    ``observed``: on the study's churn definition, adjusted for the other observed
    attributes; ``true``: simulated case, on the true lifetimes adjusted for the log true
    dropout rate; ``true_unadjusted_hr``: the same without the frailty; ``truth``: the
    planted hazard ratio and the differences it implies; ``horizon`` in ``time_unit``.
    """

    observed: ProgrammeEffect
    true: ProgrammeEffect | None
    true_unadjusted_hr: pd.Series | None
    truth: dict
    horizon: float
    time_unit: str
    definition: str


def programme_study(case: RetentionCase, churn: ChurnStudy, *, horizon_days: float = _YEAR_DAYS,
                    alpha: float = 0.05) -> ProgrammeStudy | Skipped:
    """Effect of the retention programme: difference in retention, adjusted logistic regression,
    Kaplan-Meier survival difference at one year and Cox hazard ratio, each with an interval.

    For the simulated case also on the true lifetimes, adjusted for the log of each
    customer's true dropout rate, and compared with the truth: the planted hazard ratio and
    the differences it implies, ``mean_i(exp(-h mu_i t_i) - exp(-mu_i t_i))``.
    """
    skipped = _skip_programme(case)
    if skipped is not None:
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


_MEASURES = ("retention_difference_wald", "retention_difference_newcombe", "odds_ratio_retention",
             "survival_difference", "hazard_ratio_churn")


def _effect_rows(effect: ProgrammeEffect, view: str, truth: dict) -> list[dict]:
    summary = effect.summary()
    true_values = {"retention_difference_wald": truth.get("retention_difference"),
                   "retention_difference_newcombe": truth.get("retention_difference"),
                   "survival_difference": truth.get("survival_difference"),
                   "hazard_ratio_churn": truth.get("hazard_ratio")}
    rows = []
    for measure, row in zip(_MEASURES, summary.itertuples(), strict=True):
        if measure not in ("odds_ratio_retention", "hazard_ratio_churn"):
            method = "unadjusted"
        elif effect.covariates == ["log_true_mu"]:
            method = "adjusted_truth"
        elif effect.covariates:
            method = "adjusted_others"
        else:
            method = "unadjusted"
        true_value = true_values.get(measure)
        rows.append({"view": view, "measure": measure, "estimate": row.estimate, "lower": row.lower,
                     "upper": row.upper, "p_value": row.p_value, "method": method,
                     "truth": np.nan if true_value is None else true_value})
    return rows


def programme_table(programme: ProgrammeStudy | Skipped) -> pd.DataFrame | Skipped:
    """Every estimate with its 95% interval and p-value: ``view`` ``view_observed`` (the study's
    churn definition) and, for the simulated case, ``view_true`` (true lifetimes) with the true
    values and whether the interval covers them."""
    if isinstance(programme, Skipped):
        return programme
    rows = _effect_rows(programme.observed, "view_observed", {})
    if programme.true is not None:
        rows += _effect_rows(programme.true, "view_true", programme.truth)
        h = programme.true_unadjusted_hr
        rows.append({"view": "view_true", "measure": "hazard_ratio_unadjusted", "estimate": h["estimate"],
                     "lower": h["lower"], "upper": h["upper"], "p_value": h["p_value"], "method": "unadjusted",
                     "truth": np.nan})
    table = pd.DataFrame(rows)
    if programme.true is not None:
        table["covers"] = [bool(lo <= tr <= up) if np.isfinite(tr) else None
                           for lo, up, tr in zip(table["lower"], table["upper"], table["truth"], strict=True)]
        table["covers"] = table["covers"].astype(object)
    else:
        table = table.drop(columns="truth")
    return table


def programme_narrative(programme: ProgrammeStudy | Skipped) -> Narrative | None:
    """The observed effect and, for the simulated case, whether the intervals cover the truth."""
    if isinstance(programme, Skipped):
        return None  # the section's table cell states the reason
    d, h = programme.observed.difference_, programme.observed.hazard_ratio_
    parts = [_say("programme_observed", definition=("label", f"retention.{programme.definition}"),
                  treated=q(d["treated_rate"], "share"), control=q(d["control_rate"], "share"),
                  diff=q(d["estimate"], "points"), lo=q(d["newcombe_lower"], "points"),
                  up=q(d["newcombe_upper"], "points"), hr=q(h["estimate"], "ratio"), hr_lo=q(h["lower"], "ratio"),
                  hr_up=q(h["upper"], "ratio"))]
    if programme.true is not None:
        table = programme_table(programme)
        judged = table[table["view"] == "view_true"].dropna(subset=["truth"])
        covered = int(sum(bool(c) for c in judged["covers"]))
        ht = programme.true.hazard_ratio_
        parts.append(_say("programme_truth_sentence", hr=q(ht["estimate"], "ratio"), lo=q(ht["lower"], "ratio"),
                          up=q(ht["upper"], "ratio"), truth=q(programme.truth["hazard_ratio"], "ratio"),
                          covered=covered, total=len(judged)))
    return Narrative(parts)


# --------------------------------------------------------------------------- key figures

def _slug(value: Any) -> str:
    return re.sub(r"[^0-9A-Za-z]+", "_", str(value)).strip("_").lower() or "group"


def _both(key: str, **fields: Any) -> tuple[str, str]:
    """A label in both languages; a field given as ("value", v) is translated per language."""
    out = []
    for lang in ("en", "zh"):
        filled = {k: (_v(v[1], lang) if isinstance(v, tuple) and v[0] == "value" else
                      unit_label(v[1], lang) if isinstance(v, tuple) and v[0] == "unit" else v)
                  for k, v in fields.items()}
        out.append(label(key, lang, context=CONTEXT, **filled))
    return out[0], out[1]


def _fig(name: str, value: Any, unit: str = "", *, key: str | None = None, headline: bool = False,
         assumption: str | None = None, **fields: Any) -> dict[str, Any]:
    plain = {k: v for k, v in fields.items() if not isinstance(v, tuple)}
    own = key is None and has_label(name, CONTEXT)  # a column label of the study ("churn_rate")
    return key_figure(name, value, unit, context=CONTEXT, headline=headline, assumption=assumption, fields=plain,
                      default_label=None if own else _both(key or f"fig_{name}", **fields))


def retention_figures(case: RetentionCase, churn: ChurnStudy, *, survival: SurvivalStudy | Skipped | None = None,
                      cox: CoxResult | None = None, economics: EconomicsStudy | Skipped | None = None,
                      prediction: PredictionStudy | None = None, programme: ProgrammeStudy | Skipped | None = None,
                      sbg: SbgStudy | None = None) -> list[dict[str, Any]]:
    """Key figures of the retention study for :func:`~cvm_lib.studies.record_figures` (labels in
    both languages, stable names and units).

    Median lifetimes by group (``None`` when the curve never falls to one half), the
    log-rank p-value, Cox concordance and the PH global p-value, the sBG figures (from the
    bundled reference data, so labelled), the firm's annual retention and Reichheld
    figure (with the margin assumption when the data have no costs), the best churn
    model's AUC and lift, the programme effect (and the truth for the simulated case).
    Sections given as ``None`` or :class:`~cvm_lib.studies.Skipped` are left out.
    """
    unit = churn.time_unit
    out = [_fig("customers", int(len(churn.table)), "customers", headline=True),
           _fig("churn_rate", churn.churn_rate_, "share", headline=True,
                assumption=f"assume_definition_{churn.kind}",
                days=f"{churn.labels.definition.inactivity_days or 0:g}",
                threshold=f"{churn.labels.definition.threshold or 0:g}")]
    if isinstance(survival, SurvivalStudy):
        for g, median in survival.km.median_.items():
            out.append(_fig(f"median_lifetime_{_slug(g)}", float(median) if np.isfinite(median) else None, unit,
                            key="fig_median_lifetime", group=("value", str(g))))
        out.append(_fig("logrank_p_value", float(survival.logrank.p_value), "pvalue"))
    if cox is not None:
        out.append(_fig("cox_concordance", float(cox.concordance_), "ratio", headline=True))
        ph = cox.check_proportional_hazards("km").results_
        out.append(_fig("ph_global_p_value", float(ph.loc["GLOBAL", "p_value"]), "pvalue"))
    if sbg is not None:
        ref = "assume_sbg_reference"
        if sbg.gamma is not None:
            out += [_fig("sbg_gamma", float(sbg.gamma), "ratio", assumption=ref, cohort=("value", sbg.cohort)),
                    _fig("sbg_delta", float(sbg.delta), "ratio", assumption=ref, cohort=("value", sbg.cohort))]
        years = len(sbg.tenure)
        out += [_fig("sbg_holdout_mape", sbg.holdout_mape_, "percent", assumption=ref),
                _fig("sbg_derl", float(sbg.derl.iloc[0]), "Y", assumption=ref, rate=f"{sbg.discount_rate:.0%}"),
                _fig("sbg_retention_year_1", float(sbg.tenure["retention_rate"].iloc[0]), "share", assumption=ref,
                     key="fig_sbg_retention_year", year=1),
                _fig(f"sbg_retention_year_{years}", float(sbg.tenure["retention_rate"].iloc[-1]), "share",
                     assumption=ref, key="fig_sbg_retention_year", year=years)]
    if isinstance(economics, EconomicsStudy):
        econ = economics.economics
        assumption = "assume_margin" if economics.margin_rate is not None else None
        rate = f"{economics.margin_rate:.0%}" if economics.margin_rate is not None else ""
        figs = [_fig("annual_retention", econ.annual_retention_, "share"),
                _fig("reichheld_profit_increase_pct", econ.profit_increase_pct_, "percent", headline=True),
                _fig("reichheld_clv_increase_pct", econ.clv_increase_pct_, "percent"),
                _fig("reichheld_in_range", bool(econ.in_reichheld_range_))]
        if assumption:
            for fig in figs[1:]:
                fig["assumption"] = {lang: label(assumption, lang, context=CONTEXT, rate=rate) for lang in ("en", "zh")}
        out += figs
    if prediction is not None:
        best = prediction.best_model_
        out += [_fig("churn_model_auc", float(prediction.result.auc_[best]), "ratio", headline=True,
                     model=("value", best)),
                _fig("churn_model_top_decile_lift", float(prediction.result.top_decile_lift_[best]), "ratio",
                     headline=True, model=("value", best))]
    if isinstance(programme, ProgrammeStudy):
        views = [("observed", programme.observed)]
        if programme.true is not None:
            views.append(("true", programme.true))
        for view, effect in views:
            d, s, h, o = effect.difference_, effect.survival_difference_, effect.hazard_ratio_, effect.odds_ratio_
            measures = [("retention_difference", d["estimate"], d["newcombe_lower"], d["newcombe_upper"], "points"),
                        ("odds_ratio", o["estimate"], o["lower"], o["upper"], "ratio"),
                        ("survival_difference", s["difference"], s["lower"], s["upper"], "points"),
                        ("hazard_ratio", h["estimate"], h["lower"], h["upper"], "ratio")]
            if view == "observed":  # the observed view: the two headline measures only
                measures = [measures[0], measures[3]]
            for name, est, lo, up, measure_unit in measures:
                for suffix, value, bound in (("", est, "estimate"), ("_lower", lo, "lower"), ("_upper", up, "upper")):
                    out.append(_fig(f"programme_{name}_{view}{suffix}", float(value), measure_unit,
                                    key="fig_programme", measure=("value", f"measure_{name}"),
                                    view=("value", f"view_{view}"), bound=("value", f"bound_{bound}"),
                                    headline=view == "true" and name == "hazard_ratio" and not suffix))
        if programme.truth:
            h = programme.true.hazard_ratio_
            out += [_fig("programme_true_hazard_ratio", programme.truth["hazard_ratio"], "ratio", headline=True),
                    _fig("programme_true_retention_difference", programme.truth["retention_difference"], "points"),
                    _fig("programme_true_survival_difference", programme.truth["survival_difference"], "points"),
                    _fig("programme_hazard_ratio_covers_truth",
                         bool(h["lower"] <= programme.truth["hazard_ratio"] <= h["upper"]), headline=True)]
    return out


# --------------------------------------------------------------------------- study figures

def _unit_text(time_unit: str, lang: str) -> str:
    return unit_label(time_unit, lang)


def figure_cohort_heatmap(cohorts: CohortRetention | Skipped, *, max_periods: int = 24,
                          ax: plt.Axes | None = None) -> plt.Axes | None:
    """Cohort × periods-since-acquisition retention (%); period 0 (100% by definition) left out."""
    from cvm_lib.plots import plot_heatmap

    if isinstance(cohorts, Skipped) or cohorts is None:
        return None
    lang = _lang()
    table = cohort_rate_table(cohorts).set_index("cohort")
    table = table[[c for c in table.columns if 1 <= int(c) <= max_periods]] * 100
    rows, cols = table.shape
    if ax is None:
        _, ax = plt.subplots(figsize=(min(14.0, 0.55 * cols + 2.8), min(9.0, max(3.2, 0.38 * rows + 1.6))))
    plot_heatmap(table, ax=ax, title=_t("fig_title_cohorts", lang),
                 xlabel=_t("periods_since", lang, unit=_unit_text(cohorts.period, lang)),
                 ylabel=_t("cohort", lang), fmt=".0f", cmap="Blues")
    for text in ax.texts:
        text.set_fontsize(8 if cols > 12 else 10)
    ax.grid(False)
    ax.figure.tight_layout()
    return ax


def figure_group_retention(cohorts: CohortRetention | Skipped, *, ax: plt.Axes | None = None) -> plt.Axes | None:
    """Pooled retention curve per group (share of the cohorts buying k periods after acquisition)."""
    from cvm_lib.plots import plot_lines

    if isinstance(cohorts, Skipped) or cohorts is None:
        return None
    lang = _lang()
    curves = cohorts.curves_
    curves = curves[curves["period"] >= 1]
    group_name = label(cohorts.by, lang, context=CONTEXT, default=cohorts.by)
    levels = list(dict.fromkeys(curves["group"]))
    names = [str(_v(str(g), lang)) for g in levels]
    frame = pd.DataFrame({"x": curves["period"].to_numpy(), "y": curves["rate"].to_numpy(),
                          "group": pd.Categorical([str(_v(str(g), lang)) for g in curves["group"]],
                                                  categories=list(dict.fromkeys(names)))})
    ax = plot_lines(frame, x="x", y="y", group="group", ax=ax,
                    title=_t("fig_title_group_retention", lang, group=group_name),
                    xlabel=_t("periods_since", lang, unit=_unit_text(cohorts.period, lang)),
                    ylabel=_t("fig_retention_share", lang))
    ax.legend(title=group_name)
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.set_ylim(bottom=0)
    return ax


def _time_label(time_unit: str, contract: bool, lang: str) -> str:
    key = "fig_time_since_acquisition" if contract else "fig_time_since_first"
    return _t(key, lang, unit=_unit_text(time_unit, lang))


def _ordered(values: pd.Series, levels: list, lang: str) -> pd.Categorical:
    names = [str(_v(str(v), lang)) for v in levels]
    return pd.Categorical([str(_v(str(v), lang)) for v in values], categories=list(dict.fromkeys(names)))


def _p_text(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def figure_km(survival: SurvivalStudy | Skipped, *, ax: plt.Axes | None = None) -> plt.Axes | None:
    """Kaplan-Meier curves by group with 95% bands and the log-rank test in the title."""
    from cvm_lib.plots import plot_survival

    if isinstance(survival, Skipped) or survival is None:
        return None
    lang = _lang()
    curves = survival.km.curves_.copy()
    curves["group"] = _ordered(curves["group"], survival.km.groups_, lang)
    test = survival.logrank
    group_name = label(survival.group, lang, context=CONTEXT, default=survival.group)
    return plot_survival(curves, ax=ax, title=_t("fig_title_km", lang, group=group_name, chi2=f"{test.statistic:.1f}",
                                                 p=_p_text(test.p_value)),
                         xlabel=_time_label(survival.time_unit, survival.definition == "contract", lang),
                         ylabel=label("share still active", lang))


def figure_hazard_ratios(cox: CoxResult, *, ax: plt.Axes | None = None) -> plt.Axes:
    """Forest plot of the Cox hazard ratios (first term on top), read from :func:`cox_table` by name."""
    from cvm_lib.plots import plot_forest

    lang = _lang()
    table = cox_table(cox)
    table["term_text"] = [term_text(c, lv, r, lang) for c, lv, r in
                          zip(table["covariate"], table["level"], table["reference"], strict=True)]
    forest = table.iloc[::-1].reset_index(drop=True)
    if ax is None:
        _, ax = plt.subplots(figsize=(10, max(2.8, 0.42 * len(forest) + 1.4)))
    plot_forest(forest, estimate="hazard_ratio", lower="lower", upper="upper", term="term_text", ax=ax,
                title=_t("fig_title_forest", lang, c=f"{cox.concordance_:.3f}"), xlabel=_t("fig_forest_x", lang))
    low = min(float(forest["lower"].min()), 1.0) / 1.08
    high = max(float(forest["upper"].max()), 1.0) * 1.08
    ax.set_xlim(low, high)
    nice = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 7.0,
                     10.0])
    ticks = nice[(nice >= low) & (nice <= high)]
    ax.xaxis.set_minor_locator(plt.NullLocator())
    ax.set_xticks(ticks, [f"{v:g}" for v in ticks])
    ax.figure.tight_layout()
    return ax


def figure_sbg_projection(sbg: SbgStudy | None, *, ax: plt.Axes | None = None) -> plt.Axes | None:
    """Actual % still customers (markers) against the sBG fit and projection (line), holdout shaded."""
    from cvm_lib.plots.retention import plot_fit_vs_actual

    if sbg is None:
        return None
    lang = _lang()
    table = sbg_table(sbg)
    table["actual_pct"] = 100 * table["actual_survival"]
    table["projected_pct"] = 100 * table["projected_survival"]
    ax = plot_fit_vs_actual(table, x="year", fitted="projected_pct", actual="actual_pct", split=sbg.fit_years + 0.5,
                            ax=ax, fitted_label=_t("fig_sbg_line", lang), actual_label=_t("fig_actual", lang),
                            before_label=_t("fit", lang), after_label=_t("holdout", lang),
                            title=_t("fig_title_sbg", lang, fit=sbg.fit_years, last=int(table["year"].max()),
                                     cohort=_v(f"retention.{sbg.cohort}", lang)),
                            xlabel=_t("year", lang), ylabel=_t("fig_sbg_y", lang))
    ax.set_ylim(0, 102)
    return ax


def figure_retention_by_tenure(sbg: SbgStudy | None, *, ax: plt.Axes | None = None) -> plt.Axes | None:
    """Retention rate by tenure: actual renewals (markers) and the sBG's rising curve."""
    from cvm_lib.plots.retention import plot_fit_vs_actual

    if sbg is None:
        return None
    lang = _lang()
    table = sbg_tenure_table(sbg)
    ax = plot_fit_vs_actual(table, x="tenure", fitted="retention_model", actual="retention_actual",
                            split=sbg.fit_years + 0.5, ax=ax, fitted_label=_t("fig_sbg_line", lang),
                            actual_label=_t("fig_actual", lang),
                            title=_t("fig_title_tenure", lang, cohort=_v(f"retention.{sbg.cohort}", lang)),
                            xlabel=_t("tenure", lang), ylabel=_t("fig_tenure_y", lang), legend_loc="lower right")
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    return ax


def figure_reichheld(table: pd.DataFrame, *, ax: plt.Axes | None = None) -> plt.Axes:
    """Heatmap of the profit increase from 5 more points of retention at the study's discount
    rate; cells inside Reichheld's 25–95% framed, cells whose base makes a loss blank."""
    from cvm_lib.plots.retention import plot_framed_heatmap

    lang = _lang()
    d = table.attrs.get("study_discount_rate", 0.10)
    grid = reichheld_grid(table)
    values = grid.pivot_table(index="base_retention", columns=["margin_growth", "acquisition_cost_margins"],
                              values="profit_increase_pct", dropna=False, sort=True)
    values.index = pd.Index([f"{r:.0%}" for r in values.index])
    values.columns = pd.Index([f"{g:.0%} / {ac:g}" for g, ac in values.columns])
    if ax is None:
        _, ax = plt.subplots(figsize=(11, 4.6))
    ax = plot_framed_heatmap(values, frame=(values >= 25) & (values <= 95), ax=ax, clip=100.0,
                             title=_t("fig_title_reichheld", lang, d=f"{d:.0%}"), xlabel=_t("fig_reichheld_x", lang),
                             ylabel=_t("base_retention", lang))
    ax.figure.tight_layout()
    return ax


def figure_retention_profit(study: EconomicsStudy | Skipped) -> plt.Figure | None:
    """CLV (left) and steady-state customer-base profit (right) against annual retention,
    with the firm's retention and the +5-point scenario marked."""
    from cvm_lib.plots.retention import plot_curve_with_points

    if isinstance(study, Skipped) or study is None:
        return None
    lang = _lang()
    currency = display_settings()["currency"]
    econ = study.economics
    curve = profit_curve_table(study)
    points = economics_scenarios_table(study)
    curve["x"] = 100 * curve["annual_retention"]
    points["x"] = 100 * points["annual_retention"]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.4))
    labels = [_t("fig_firm_point", lang, r=f"{points['annual_retention'].iloc[0]:.0%}")]
    for ax, column, ylabel, pct in ((axes[0], "clv", _t("fig_clv_y", lang, currency=currency), econ.clv_increase_pct_),
                                    (axes[1], "base_profit", _t("fig_profit_y", lang, currency=currency,
                                                                unit=_unit_text(econ.period, lang)),
                                     econ.profit_increase_pct_)):
        plot_curve_with_points(curve, points, x="x", y=column, ax=ax,
                               point_labels=labels + [_t("fig_plus_point", lang, pct=f"{pct:+.1f}%")],
                               xlabel=_t("fig_annual_retention_x", lang), ylabel=ylabel)
    fig.suptitle(_t("fig_title_profit", lang))
    fig.tight_layout()
    return fig


def figure_roc_calibration(prediction: PredictionStudy) -> plt.Figure:
    """ROC curves (left, AUC in the legend) and calibration (right) of the churn models."""
    from cvm_lib.plots.retention import plot_calibration, plot_roc

    lang = _lang()
    res = prediction.result
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.4))
    roc = res.roc_.copy()
    roc["name"] = [f"{_v(f'retention.{m}', lang)} (AUC {res.auc_[m]:.3f})" for m in roc["model"]]
    plot_roc(roc, group="name", ax=left, title=_t("fig_title_roc", lang), xlabel=_t("fig_fpr", lang),
             ylabel=_t("fig_tpr", lang))
    cal = res.calibration_.copy()
    cal["name"] = [str(_v(f"retention.{m}", lang)) for m in cal["model"]]
    plot_calibration(cal, group="name", ax=right, title=_t("fig_title_calibration", lang),
                     xlabel=_t("fig_predicted", lang), ylabel=_t("fig_observed_rate", lang))
    fig.tight_layout()
    return fig


def figure_churn_lift(prediction: PredictionStudy) -> plt.Figure:
    """Cumulative gain (left) and cumulative lift (right) by decile of the churn score."""
    from cvm_lib.plots import plot_gain, plot_lift

    lang = _lang()
    lift = prediction.result.lift_
    table = pd.DataFrame({"share_targeted": lift["cumulative_customers_share"].to_numpy(),
                          "gain": lift["gain"].to_numpy(), "lift": lift["cumulative_lift"].to_numpy(),
                          "model": [str(_v(f"retention.{m}", lang)) for m in lift["model"]]})
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    plot_gain(table, ax=left, xlabel=label("share of customers targeted", lang),
              ylabel=label("share of churners found", lang))
    plot_lift(table, ax=right, xlabel=label("share of customers targeted", lang), ylabel=label("lift", lang))
    for ax in (left, right):
        ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
        ax.legend(title=_t("model", lang))
    left.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    fig.suptitle(_t("fig_title_lift", lang))
    fig.tight_layout()
    return fig


def figure_importance(prediction: PredictionStudy, *, top: int = 10, ax: plt.Axes | None = None) -> plt.Axes:
    """Permutation importance (± one standard deviation) of the ``top`` features of the best model."""
    from cvm_lib.plots.retention import plot_bars_with_errors

    lang = _lang()
    imp = importance_table(prediction)
    best = prediction.best_model_
    imp["feature_text"] = [term_text(a, lv, lang=lang) for a, lv in zip(imp["attribute"], imp["level"], strict=True)]
    order = imp[imp["model"] == best].sort_values("importance", ascending=False, kind="stable")["feature_text"]
    features = list(order.iloc[:top])
    shown = imp[imp["feature_text"].isin(features)].copy()
    shown["feature_text"] = pd.Categorical(shown["feature_text"], categories=features)
    shown["model_text"] = [str(_v(f"retention.{m}", lang)) for m in shown["model"]]
    return plot_bars_with_errors(shown, category="feature_text", value="importance", error="importance_std",
                             group="model_text", ax=ax, title=_t("fig_title_importance", lang),
                             xlabel=_t("fig_importance_x", lang))


def figure_programme(programme: ProgrammeStudy | Skipped, *, ax: plt.Axes | None = None) -> plt.Axes | None:
    """Kaplan-Meier curves of the two programme arms (the true lifetimes for the simulated case,
    else the study's churn definition), one year marked, hazard ratio in the title."""
    from cvm_lib.plots import plot_survival

    if isinstance(programme, Skipped) or programme is None:
        return None
    lang = _lang()
    effect = programme.true if programme.true is not None else programme.observed
    view = _t("view_true", lang) if programme.true is not None else \
        _t("view_observed_definition", lang, definition=_v(f"retention.{programme.definition}", lang))
    curves = effect.km_.curves_.copy()
    curves["group"] = _ordered(curves["group"], ["treated", "control"], lang)
    h = effect.hazard_ratio_
    contract = programme.true is not None or programme.definition == "contract"
    adjusted = _t("fig_adjusted", lang) if effect.covariates else ""
    ax = plot_survival(curves, ax=ax, title=_t("fig_title_programme", lang, view=view, adjusted=adjusted,
                                               hr=f"{h['estimate']:.2f}", lo=f"{h['lower']:.2f}",
                                               up=f"{h['upper']:.2f}"),
                       xlabel=_time_label(programme.time_unit, contract, lang),
                       ylabel=label("share still active", lang))
    horizon = effect.survival_difference_["horizon"]
    ax.axvline(horizon, ls=":", color="grey", lw=1)
    ax.text(horizon, 1.0, f" {_t('fig_one_year', lang)}", va="top", color="dimgrey")
    return ax

