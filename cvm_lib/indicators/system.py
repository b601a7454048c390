"""CRM evaluation indicator systems as data (指标体系): definition, validation, weights, evaluation.

An indicator system is a plain mapping (what a YAML file in ``studies/`` holds)::

    name: CRM balanced scorecard
    unit: store                      # what is evaluated: store, branch, region, period
    weighting:                       # how the dimensions are weighted
      method: ahp                    # equal | given | ahp
      pairwise: [[customer, financial, 2], [customer, internal_process, "3"], ...]
    dimensions:
      - id: customer
        label: Customer
        label_zh: 客户维度
        weighting: {method: combined, pairwise: [...], combination: multiplicative}
        indicators:
          - retention_rate           # a computed indicator: defaults from the registry
          - {id: market_share, source: value, direction: benefit, unit: share}
      - ...

Indicator fields: ``id`` (required), ``source`` (``transactions``, ``survey``,
``complaints`` — computed by :mod:`cvm_lib.indicators.compute`, see
:data:`COMPUTED_INDICATORS` — or ``value``: supplied by the user), ``direction``
(``benefit`` or ``cost``), ``unit``, ``label``, ``label_zh``, ``description``.
Computed indicators may be written as their bare id.

Weighting methods (``weighting.method``): ``equal``; ``given`` (``weights: {id: w}``,
non-negative, summing to 1); ``ahp`` (``pairwise``: list of ``[a, b, a_ab]`` judgements,
one per pair, fractions as ``"1/3"``; or ``matrix`` in item order; optional
``ahp_method`` and ``require_consistency: true`` to reject CR > 0.1 at load time);
and, for indicators within a dimension only, ``entropy`` (objective weights from the
evaluated units' data, ``normalise: min-max`` by default so directions count) and
``combined`` (AHP × entropy: ``combination: multiplicative`` (default) or ``linear``
with ``alpha``, the subjective share). Global weight = dimension weight × local weight.

:data:`DEFAULT_INDICATOR_SYSTEM` is the balanced-scorecard system of the CRM study
(customer, financial, internal process, learning and growth).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cvm_lib.indicators._common import WEIGHT_SUM_TOL, _one_direction, to_number
from cvm_lib.indicators.pairwise import AHPResult, ahp
from cvm_lib.indicators.ranking import CompositeResult, TopsisResult, composite_index, topsis
from cvm_lib.indicators.weighting import EntropyResult, combine_weights, entropy_weights

__all__ = ["SOURCES", "COMPUTED_INDICATORS", "DEFAULT_INDICATOR_SYSTEM", "IndicatorSystemError", "Indicator",
           "Dimension", "IndicatorSystem", "EvaluationResult", "load_indicator_system"]

SOURCES: tuple[str, ...] = ("transactions", "survey", "complaints", "value")

_WEIGHTING_METHODS = ("equal", "given", "ahp", "entropy", "combined")
_DIMENSION_LEVEL_METHODS = ("equal", "given", "ahp")

#: Indicators computed by :func:`cvm_lib.indicators.compute.unit_indicators`:
#: id -> (source, direction, unit, English label, Chinese label).
COMPUTED_INDICATORS: dict[str, tuple[str, str, str, str, str]] = {
    "active_customers": ("transactions", "benefit", "customers", "Active customers", "活跃客户数"),
    "new_customers": ("transactions", "benefit", "customers", "New customers acquired", "新客户获取数"),
    "retained_customers": ("transactions", "benefit", "customers", "Retained customers", "保持客户数"),
    "retention_rate": ("transactions", "benefit", "share", "Retention rate", "客户保持率"),
    "churn_rate": ("transactions", "cost", "share", "Churn rate", "客户流失率"),
    "revenue": ("transactions", "benefit", "currency", "Revenue", "销售额"),
    "transactions": ("transactions", "benefit", "purchases", "Purchases", "购买次数"),
    "revenue_per_customer": ("transactions", "benefit", "currency per customer", "Revenue per active customer",
                             "客均销售额"),
    "purchases_per_customer": ("transactions", "benefit", "purchases per customer", "Purchases per active customer",
                               "客均购买次数"),
    "gross_margin": ("transactions", "benefit", "currency", "Gross margin", "毛利"),
    "gross_margin_rate": ("transactions", "benefit", "share", "Gross margin rate", "毛利率"),
    "customer_profitability": ("transactions", "benefit", "currency per customer",
                               "Gross margin per active customer", "客户盈利能力（客均毛利）"),
    "respondents": ("survey", "benefit", "respondents", "Survey respondents", "调查样本数"),
    "csat": ("survey", "benefit", "share", "Customer satisfaction (CSAT, top-2-box)", "客户满意度（前两级占比）"),
    "mean_satisfaction": ("survey", "benefit", "scale points", "Mean satisfaction rating", "平均满意度评分"),
    "nps": ("survey", "benefit", "points", "Net Promoter Score", "净推荐值"),
    "promoter_share": ("survey", "benefit", "share", "Promoters (9-10)", "推荐者占比"),
    "detractor_share": ("survey", "cost", "share", "Detractors (0-6)", "贬损者占比"),
    "complaints": ("complaints", "cost", "complaints", "Complaints", "投诉数"),
    "complaint_rate": ("complaints", "cost", "complaints per customer", "Complaints per customer", "客户投诉率"),
    "complainant_share": ("complaints", "cost", "share", "Customers who complained", "投诉客户占比"),
    "resolution_days": ("complaints", "cost", "days", "Mean complaint resolution time", "投诉平均处理时长"),
}

#: The default CRM balanced-scorecard indicator system (mirror it in a YAML file to change it).
DEFAULT_INDICATOR_SYSTEM: dict[str, Any] = {
    "name": "CRM balanced scorecard",
    "name_zh": "CRM 平衡计分卡评价指标体系",
    "unit": "store",
    "weighting": {
        "method": "ahp",
        "pairwise": [["customer", "financial", 2], ["customer", "internal_process", 3],
                     ["customer", "learning_growth", 4], ["financial", "internal_process", 2],
                     ["financial", "learning_growth", 3], ["internal_process", "learning_growth", 2]],
    },
    "dimensions": [
        {"id": "customer", "label": "Customer", "label_zh": "客户维度",
         "weighting": {"method": "combined", "combination": "multiplicative",
                       "pairwise": [["retention_rate", "new_customers", 3], ["retention_rate", "market_share", 4],
                                    ["retention_rate", "csat", 2], ["retention_rate", "customer_profitability", 2],
                                    ["new_customers", "market_share", 2], ["new_customers", "csat", "1/2"],
                                    ["new_customers", "customer_profitability", "1/2"],
                                    ["market_share", "csat", "1/3"], ["market_share", "customer_profitability", "1/3"],
                                    ["csat", "customer_profitability", 1]]},
         "indicators": [
             {"id": "retention_rate", "label": "Retention ability: retention rate", "label_zh": "客户保持能力：保持率"},
             {"id": "new_customers", "label": "Acquisition ability: new customers", "label_zh": "客户获取能力：新客户数"},
             {"id": "market_share", "source": "value", "direction": "benefit", "unit": "share",
              "label": "Market share", "label_zh": "市场占有率"},
             {"id": "csat", "label": "Customer satisfaction (CSAT)", "label_zh": "客户满意度"},
             {"id": "customer_profitability", "label": "Customer profitability", "label_zh": "客户盈利能力"},
         ]},
        {"id": "financial", "label": "Financial", "label_zh": "财务维度", "weighting": {"method": "equal"},
         "indicators": ["revenue", "revenue_per_customer"]},
        {"id": "internal_process", "label": "Internal process", "label_zh": "内部流程维度",
         "weighting": {"method": "equal"},
         "indicators": [
             {"id": "complaint_rate", "label": "Complaint handling: complaints per customer",
              "label_zh": "投诉处理：客户投诉率"},
             {"id": "resolution_days", "label": "Response time: days to resolve a complaint",
              "label_zh": "响应速度：投诉平均处理天数"},
         ]},
        {"id": "learning_growth", "label": "Learning and growth", "label_zh": "学习与成长维度",
         "weighting": {"method": "equal"},
         "indicators": [{"id": "employee_satisfaction", "source": "value", "direction": "benefit", "unit": "score",
                         "label": "Internal (employee) satisfaction", "label_zh": "内部（员工）满意度"}]},
    ],
}

_SYSTEM_KEYS = {"name", "name_zh", "description", "unit", "weighting", "dimensions"}
_DIMENSION_KEYS = {"id", "label", "label_zh", "description", "weighting", "indicators"}
_INDICATOR_KEYS = {"id", "label", "label_zh", "description", "source", "direction", "unit"}
_WEIGHTING_KEYS = {"method", "weights", "pairwise", "matrix", "ahp_method", "require_consistency", "normalise",
                   "combination", "alpha"}


class IndicatorSystemError(ValueError):
    """An invalid indicator system or data that does not fit it.

    Attributes
    ----------
    path : str
        Where in the system the problem is, e.g. ``"dimensions[customer].weighting"``.
    """

    def __init__(self, message: str, path: str = ""):
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path


@dataclass(frozen=True)
class Indicator:
    """One indicator of a system."""

    id: str
    dimension: str
    source: str
    direction: str
    unit: str = ""
    label: str = ""
    label_zh: str = ""
    description: str = ""

    @property
    def benefit(self) -> bool:
        """True when larger values are better."""
        return self.direction == "benefit"


@dataclass(frozen=True)
class Dimension:
    """A dimension (criterion) and its indicators."""

    id: str
    indicators: tuple[Indicator, ...]
    weighting: dict[str, Any]
    label: str = ""
    label_zh: str = ""


def _text(value: Any, path: str, what: str) -> str:
    if not isinstance(value, (str, int)) or isinstance(value, bool) or str(value).strip() == "":
        raise IndicatorSystemError(f"{what} must be a non-empty text, got {value!r}", path)
    return str(value)


def _parse_indicator(spec: Any, dimension: str, path: str) -> Indicator:
    if isinstance(spec, str):
        spec = {"id": spec}
    if not isinstance(spec, Mapping):
        raise IndicatorSystemError(f"an indicator must be an id or a mapping, got {spec!r}", path)
    unknown = set(spec) - _INDICATOR_KEYS
    if unknown:
        raise IndicatorSystemError(f"unknown field(s) {sorted(unknown)}; allowed: {sorted(_INDICATOR_KEYS)}", path)
    if "id" not in spec:
        raise IndicatorSystemError("indicator lacks an 'id'", path)
    ident = _text(spec["id"], path, "indicator id")
    path = f"{path.rsplit('[', 1)[0]}[{ident}]"
    known = COMPUTED_INDICATORS.get(ident)
    source = spec.get("source", known[0] if known else None)
    if source is None:
        raise IndicatorSystemError(
            f"unknown indicator {ident!r}: it is not computed by the library (computed indicators: "
            f"{', '.join(COMPUTED_INDICATORS)}); declare 'source: value' to supply it yourself", path)
    if source not in SOURCES:
        raise IndicatorSystemError(f"source {source!r}; use one of {', '.join(SOURCES)}", path)
    if source != "value":
        if known is None:
            raise IndicatorSystemError(
                f"unknown indicator {ident!r} for source {source!r}; the library computes "
                f"{[k for k, v in COMPUTED_INDICATORS.items() if v[0] == source]} from {source} data. "
                "Declare 'source: value' to supply it yourself", path)
        if known[0] != source:
            raise IndicatorSystemError(f"indicator {ident!r} is computed from {known[0]} data, not {source}", path)
    direction = spec.get("direction", known[1] if known else None)
    if direction is None:
        raise IndicatorSystemError("a supplied ('value') indicator needs 'direction: benefit' or 'direction: cost'",
                                   path)
    try:
        direction = "benefit" if _one_direction(direction, "direction") else "cost"
    except ValueError as exc:
        raise IndicatorSystemError(str(exc), path) from None
    return Indicator(id=ident, dimension=dimension, source=source, direction=direction,
                     unit=str(spec.get("unit", known[2] if known else "")),
                     label=str(spec.get("label", known[3] if known else ident)),
                     label_zh=str(spec.get("label_zh", known[4] if known else spec.get("label", ident))),
                     description=str(spec.get("description", "")))


def _judgements(weighting: Mapping, items: list[str], path: str) -> dict[tuple[str, str], Any] | pd.DataFrame:
    if "matrix" in weighting:
        matrix = weighting["matrix"]
        rows = len(matrix) if isinstance(matrix, list) else -1
        if rows != len(items):
            raise IndicatorSystemError(f"'matrix' must have {len(items)} rows (one per item, in order {items})", path)
        return pd.DataFrame([list(r) for r in matrix], index=items, columns=items)
    pairs = weighting.get("pairwise")
    if not isinstance(pairs, list) or not pairs:
        raise IndicatorSystemError("AHP weighting needs 'pairwise' judgements ([a, b, value] items) or a 'matrix'",
                                   path)
    out: dict[tuple[str, str], Any] = {}
    for entry in pairs:
        if not (isinstance(entry, (list, tuple)) and len(entry) == 3):
            raise IndicatorSystemError(f"pairwise judgement {entry!r} must be [a, b, value]", path)
        a, b, value = entry
        for name in (a, b):
            if name not in items:
                raise IndicatorSystemError(f"pairwise judgement {entry!r} names {name!r}, which is not among "
                                           f"{items}", path)
        out[(a, b)] = value
    return out


def _check_weighting(weighting: Any, items: list[str], path: str, *, dimension_level: bool) -> dict[str, Any]:
    if weighting is None:
        weighting = {"method": "equal"}
    if isinstance(weighting, str):
        weighting = {"method": weighting}
    if not isinstance(weighting, Mapping):
        raise IndicatorSystemError(f"weighting must be a mapping with a 'method', got {weighting!r}", path)
    unknown = set(weighting) - _WEIGHTING_KEYS
    if unknown:
        raise IndicatorSystemError(f"unknown field(s) {sorted(unknown)}; allowed: {sorted(_WEIGHTING_KEYS)}", path)
    method = weighting.get("method", "equal")
    allowed = _DIMENSION_LEVEL_METHODS if dimension_level else _WEIGHTING_METHODS
    if method not in allowed:
        raise IndicatorSystemError(f"weighting method {method!r}; use one of {', '.join(allowed)}"
                                   + (" (entropy needs indicator data, so it weights indicators within a "
                                      "dimension only)" if method in ("entropy", "combined") else ""), path)
    weighting = dict(weighting)
    if method == "given":
        weights = weighting.get("weights")
        if not isinstance(weights, Mapping):
            raise IndicatorSystemError(f"'given' weighting needs 'weights': a mapping item -> weight for {items}",
                                       path)
        missing = [i for i in items if i not in weights]
        extra = [k for k in weights if k not in items]
        if missing or extra:
            raise IndicatorSystemError(f"bad weights: missing {missing}, unknown {extra}; expected one weight for "
                                       f"each of {items}", path)
        try:
            values = {k: to_number(weights[k], f"weight of {k!r}") for k in items}
        except ValueError as exc:
            raise IndicatorSystemError(f"bad weights: {exc}", path) from None
        total = sum(values.values())
        if any(v < 0 for v in values.values()) or abs(total - 1) > WEIGHT_SUM_TOL + 1e-12:
            raise IndicatorSystemError(f"bad weights {values}: expected non-negative weights summing to 1 (within "
                                       f"{WEIGHT_SUM_TOL:g}), they sum to {total:.6g}", path)
        weighting["weights"] = values
    if method in ("ahp", "combined") and len(items) > 1:
        try:
            result = ahp(_judgements(weighting, items, path), labels=items,
                         method=weighting.get("ahp_method", "eigenvector"))
        except IndicatorSystemError:
            raise
        except ValueError as exc:
            raise IndicatorSystemError(f"invalid AHP judgements: {exc}", path) from None
        if weighting.get("require_consistency") and not result.consistent:
            raise IndicatorSystemError(f"AHP judgements are inconsistent (CR = {result.consistency_ratio:.3f} > "
                                       f"{result.threshold:g})\n{result._report()}", path)
    if method in ("entropy", "combined") and weighting.get("normalise", "min-max") not in ("min-max", "proportion"):
        raise IndicatorSystemError(f"normalise {weighting['normalise']!r}; use 'min-max' or 'proportion'", path)
    if method == "combined":
        if weighting.get("combination", "multiplicative") not in ("multiplicative", "linear"):
            raise IndicatorSystemError(f"combination {weighting['combination']!r}; use 'multiplicative' or "
                                       "'linear'", path)
        alpha = weighting.get("alpha", 0.5)
        if not (isinstance(alpha, (int, float)) and 0 <= alpha <= 1):
            raise IndicatorSystemError(f"alpha must lie in [0, 1], got {alpha!r}", path)
    return weighting


@dataclass(eq=False)
class EvaluationResult:
    """Evaluation of units with an indicator system (see :meth:`IndicatorSystem.evaluate`).

    Attributes
    ----------
    data : pandas.DataFrame
        The indicator values used (units × indicators).
    weights : pandas.DataFrame
        One row per indicator: ``dimension``, ``direction``, ``dimension_weight``,
        ``local_weight``, ``global_weight``.
    composite : CompositeResult
        Weighted min-max composite index (0–100) with the global weights.
    topsis : TopsisResult
        TOPSIS (vector normalisation) with the global weights.
    dimension_scores : pandas.DataFrame
        Units × dimensions: min-max composite (0–100) within each dimension.
    ahp : dict
        Level (``"dimensions"`` or a dimension id) -> :class:`AHPResult`.
    entropy : dict
        Dimension id -> :class:`EntropyResult`.
    """

    data: pd.DataFrame
    weights: pd.DataFrame
    composite: CompositeResult
    topsis: TopsisResult
    dimension_scores: pd.DataFrame
    ahp: dict[str, AHPResult] = field(default_factory=dict)
    entropy: dict[str, EntropyResult] = field(default_factory=dict)

    @property
    def ranking(self) -> pd.DataFrame:
        """Units best first: composite score and rank, TOPSIS closeness and rank, dimension scores."""
        table = pd.DataFrame({"score": self.composite.score, "rank": self.composite.rank,
                              "closeness": self.topsis.closeness, "topsis_rank": self.topsis.rank})
        return table.join(self.dimension_scores).sort_values(["rank", "topsis_rank"], kind="stable")

    def to_frame(self) -> pd.DataFrame:
        """Alias of :attr:`ranking`."""
        return self.ranking

    @property
    def summary(self) -> pd.DataFrame:
        """The ranking (units best first), as :attr:`ranking`."""
        return self.ranking

    def __str__(self) -> str:
        return self._report()

    def _repr_html_(self) -> str:
        levels = ", ".join(f"{level}: CR = {r.consistency_ratio:.3f}" for level, r in self.ahp.items())
        head = f"<p><b>Evaluation of {len(self.data)} units" + (f" (AHP {levels})" if levels else "") + "</b></p>"
        return head + self.ranking.to_html(float_format=lambda v: f"{v:.4f}")

    def _report(self) -> str:
        """Plain-text report: weights, AHP consistency and the ranking."""
        lines = ["Weights:", self.weights.round(4).to_string()]
        for level, result in self.ahp.items():
            lines.append(f"AHP {level}: CR = {result.consistency_ratio:.4f}"
                         + ("" if result.consistent else " INCONSISTENT"))
        lines += ["Ranking:", self.ranking.round(3).to_string()]
        return "\n".join(lines)


@dataclass(frozen=True, eq=False)
class IndicatorSystem:
    """A validated indicator system (build it with :func:`load_indicator_system`).

    Attributes
    ----------
    name : str
    unit : str
        What is evaluated (``"store"``, ``"region"``, ``"period"``...).
    dimensions : tuple of Dimension
    weighting : dict
        Dimension-level weighting.
    spec : dict
        The validated definition (plain data, as in a YAML file).
    """

    name: str
    unit: str
    dimensions: tuple[Dimension, ...]
    weighting: dict[str, Any]
    spec: dict[str, Any]

    @property
    def indicators(self) -> list[Indicator]:
        """All indicators, dimension by dimension."""
        return [i for d in self.dimensions for i in d.indicators]

    @property
    def indicator_ids(self) -> list[str]:
        """Indicator ids in order."""
        return [i.id for i in self.indicators]

    @property
    def benefit(self) -> pd.Series:
        """Direction per indicator (True = benefit)."""
        return pd.Series({i.id: i.benefit for i in self.indicators}, dtype=bool, name="benefit")

    def to_frame(self) -> pd.DataFrame:
        """One row per indicator: dimension (id and both labels), indicator (id and both labels),
        source, direction, unit and the dimension's weighting method."""
        rows = [{"dimension": d.id, "dimension_label": d.label, "dimension_label_zh": d.label_zh,
                 "indicator": i.id, "label": i.label, "label_zh": i.label_zh, "source": i.source,
                 "direction": i.direction, "unit": i.unit, "weighting": d.weighting.get("method", "equal")}
                for d in self.dimensions for i in d.indicators]
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        """The validated definition as plain data (e.g. for ``yaml.safe_dump``)."""
        return copy.deepcopy(self.spec)

    def check_data(self, table: pd.DataFrame) -> pd.DataFrame:
        """The system's indicator columns of ``table`` (units × indicators), checked.

        Raises
        ------
        IndicatorSystemError
            Missing indicator columns (with where each should come from), missing
            or non-numeric values, or fewer than two units.
        """
        if not isinstance(table, pd.DataFrame):
            raise IndicatorSystemError(f"expected a units × indicators DataFrame, got {type(table).__name__}")
        missing = [i for i in self.indicators if i.id not in table.columns]
        if missing:
            hints = "; ".join(f"{i.id!r} (source: {i.source}"
                              + (", supply it with values=" if i.source == "value" else
                                 f", computed when unit_indicators() gets {i.source}=") + ")" for i in missing)
            raise IndicatorSystemError(f"missing data for {len(missing)} indicator(s): {hints}")
        data = table[self.indicator_ids]
        bad = [c for c in data.columns if not pd.api.types.is_numeric_dtype(data[c].dtype)]
        if bad:
            raise IndicatorSystemError(f"indicator column(s) {bad} are not numeric")
        data = data.astype(float)
        holes = data.isna() | ~np.isfinite(data)
        if holes.to_numpy().any():
            where = {c: data.index[holes[c]].tolist()[:5] for c in data.columns if holes[c].any()}
            raise IndicatorSystemError(f"missing data: indicator values are missing for (indicator: units) {where}; "
                                       "impute them, drop those units, or choose another period")
        if len(data) < 2:
            raise IndicatorSystemError(f"evaluation needs at least 2 units, got {len(data)}")
        return data

    def _local_weights(self, dim: Dimension, data: pd.DataFrame | None, ahps: dict, entropies: dict) -> pd.Series:
        items = [i.id for i in dim.indicators]
        w = dim.weighting
        method = w.get("method", "equal")
        if len(items) == 1:
            return pd.Series([1.0], index=items)
        if method == "equal":
            return pd.Series(1.0 / len(items), index=items)
        if method == "given":
            return pd.Series(w["weights"], dtype=float).reindex(items)
        subjective = None
        if method in ("ahp", "combined"):
            result = ahp(_judgements(w, items, ""), labels=items, method=w.get("ahp_method", "eigenvector"))
            ahps[dim.id] = result
            subjective = result.weights
            if method == "ahp":
                return subjective
        if data is None:
            raise IndicatorSystemError(f"dimension {dim.id!r} uses {method} weights, which need the units' data")
        directions = [i.benefit for i in dim.indicators]
        try:
            objective = entropy_weights(data[items], benefit=directions, normalise=w.get("normalise", "min-max"))
        except ValueError as exc:
            raise IndicatorSystemError(f"entropy weights of dimension {dim.id!r} failed: {exc}") from None
        entropies[dim.id] = objective
        if method == "entropy":
            return objective.weights
        return combine_weights(subjective, objective.weights, method=w.get("combination", "multiplicative"),
                               alpha=w.get("alpha", 0.5))

    def weights(self, data: pd.DataFrame | None = None) -> pd.DataFrame:
        """Dimension, local and global weight of every indicator.

        ``data`` (units × indicators) is needed when a dimension uses entropy or
        combined weights.
        """
        return self._weights(None if data is None else self.check_data(data), {}, {})

    def _weights(self, data: pd.DataFrame | None, ahps: dict, entropies: dict) -> pd.DataFrame:
        dims = [d.id for d in self.dimensions]
        method = self.weighting.get("method", "equal")
        if len(dims) == 1 or method == "equal":
            dim_w = pd.Series(1.0 / len(dims), index=dims)
        elif method == "given":
            dim_w = pd.Series(self.weighting["weights"], dtype=float).reindex(dims)
        else:
            result = ahp(_judgements(self.weighting, dims, ""), labels=dims,
                         method=self.weighting.get("ahp_method", "eigenvector"))
            ahps["dimensions"] = result
            dim_w = result.weights
        rows = []
        for dim in self.dimensions:
            local = self._local_weights(dim, data, ahps, entropies)
            for ind in dim.indicators:
                rows.append({"indicator": ind.id, "dimension": dim.id, "direction": ind.direction,
                             "dimension_weight": float(dim_w[dim.id]), "local_weight": float(local[ind.id])})
        table = pd.DataFrame(rows).set_index("indicator")
        table["global_weight"] = table["dimension_weight"] * table["local_weight"]
        return table

    def evaluate(self, table: pd.DataFrame) -> EvaluationResult:
        """Weight the indicators and rank the units (composite index and TOPSIS).

        Parameters
        ----------
        table : DataFrame
            Units (index) × indicators (columns), e.g. from
            :func:`cvm_lib.indicators.compute.unit_indicators`; extra columns are ignored.

        Returns
        -------
        EvaluationResult
        """
        data = self.check_data(table)
        ahps: dict[str, AHPResult] = {}
        entropies: dict[str, EntropyResult] = {}
        weights = self._weights(data, ahps, entropies)
        benefit = self.benefit
        composite = composite_index(data, weights["global_weight"], benefit)
        ranked = topsis(data, weights["global_weight"], benefit)
        dimension_scores = pd.DataFrame(
            {d.id: composite_index(data[[i.id for i in d.indicators]],
                                   weights.loc[[i.id for i in d.indicators], "local_weight"],
                                   benefit[[i.id for i in d.indicators]]).score
             for d in self.dimensions}, index=data.index)
        return EvaluationResult(data=data, weights=weights, composite=composite, topsis=ranked,
                                dimension_scores=dimension_scores, ahp=ahps, entropy=entropies)

    def summary(self) -> str:
        """Plain-text outline of the system."""
        lines = [f"{self.name} (unit: {self.unit}; dimension weights: {self.weighting.get('method', 'equal')})"]
        for d in self.dimensions:
            lines.append(f"- {d.id} ({d.weighting.get('method', 'equal')} weights)")
            for i in d.indicators:
                lines.append(f"    {i.id}: {i.source}, {i.direction}" + (f", {i.unit}" if i.unit else ""))
        return "\n".join(lines)


def _validate(spec: Mapping) -> IndicatorSystem:
    if not isinstance(spec, Mapping):
        raise IndicatorSystemError(f"an indicator system must be a mapping, got {type(spec).__name__}")
    unknown = set(spec) - _SYSTEM_KEYS
    if unknown:
        raise IndicatorSystemError(f"unknown top-level field(s) {sorted(unknown)}; allowed: {sorted(_SYSTEM_KEYS)}")
    dims_spec = spec.get("dimensions")
    if not isinstance(dims_spec, list) or not dims_spec:
        raise IndicatorSystemError("'dimensions' must be a non-empty list of dimensions")
    dimensions = []
    seen: dict[str, str] = {}
    for k, dim in enumerate(dims_spec):
        path = f"dimensions[{k}]"
        if not isinstance(dim, Mapping):
            raise IndicatorSystemError(f"a dimension must be a mapping, got {dim!r}", path)
        if "id" not in dim:
            raise IndicatorSystemError("dimension lacks an 'id'", path)
        ident = _text(dim["id"], path, "dimension id")
        path = f"dimensions[{ident}]"
        unknown = set(dim) - _DIMENSION_KEYS
        if unknown:
            raise IndicatorSystemError(f"unknown field(s) {sorted(unknown)}; allowed: {sorted(_DIMENSION_KEYS)}",
                                       path)
        if any(d.id == ident for d in dimensions):
            raise IndicatorSystemError(f"duplicate dimension id {ident!r}", path)
        items = dim.get("indicators")
        if not isinstance(items, list) or not items:
            raise IndicatorSystemError("'indicators' must be a non-empty list", path)
        indicators = tuple(_parse_indicator(item, ident, f"{path}.indicators[{j}]") for j, item in enumerate(items))
        for ind in indicators:
            if ind.id in seen:
                raise IndicatorSystemError(f"indicator {ind.id!r} appears in dimensions {seen[ind.id]!r} and "
                                           f"{ident!r}; indicator ids must be unique", path)
            seen[ind.id] = ident
        weighting = _check_weighting(dim.get("weighting"), [i.id for i in indicators], f"{path}.weighting",
                                     dimension_level=False)
        dimensions.append(Dimension(id=ident, indicators=indicators, weighting=weighting,
                                    label=str(dim.get("label", ident)),
                                    label_zh=str(dim.get("label_zh", dim.get("label", ident)))))
    weighting = _check_weighting(spec.get("weighting"), [d.id for d in dimensions], "weighting",
                                 dimension_level=True)
    return IndicatorSystem(name=str(spec.get("name", "indicator system")), unit=str(spec.get("unit", "unit")),
                           dimensions=tuple(dimensions), weighting=weighting, spec=copy.deepcopy(dict(spec)))


def load_indicator_system(source: str | Path | Mapping | IndicatorSystem | None = None) -> IndicatorSystem:
    """Load and validate an indicator system from a YAML file or a mapping.

    Parameters
    ----------
    source : path, mapping, IndicatorSystem or None
        A YAML file (UTF-8), the same content as a dict, or None for
        :data:`DEFAULT_INDICATOR_SYSTEM`. A relative path is looked up in the working
        directory first, then in the project folder
        (:func:`cvm_lib.paths.resolve_project_path`), so
        ``"studies/indicator_systems/balanced_scorecard.yaml"`` is found from the project
        root (``cvm run``) and from ``notebooks/`` (Jupyter) alike.

    Returns
    -------
    IndicatorSystem

    Raises
    ------
    IndicatorSystemError
        (a ValueError) for unknown indicators, sources, directions, fields or
        weighting methods, duplicate ids, and bad weights or AHP judgements; the
        message starts with where the problem is.
    FileNotFoundError
        When the file exists neither in the working directory nor in the project folder.

    Examples
    --------
    >>> system = load_indicator_system()
    >>> [d.id for d in system.dimensions]
    ['customer', 'financial', 'internal_process', 'learning_growth']
    >>> system.indicator_ids[:3]
    ['retention_rate', 'new_customers', 'market_share']
    >>> load_indicator_system({"dimensions": [{"id": "customer", "indicators": ["loyalty_index"]}]})
    Traceback (most recent call last):
    ...
    cvm_lib.indicators.system.IndicatorSystemError: dimensions[customer].indicators[loyalty_index]: unknown indicator 'loyalty_index': ...
    """
    if source is None:
        source = DEFAULT_INDICATOR_SYSTEM
    if isinstance(source, IndicatorSystem):
        return source
    if isinstance(source, (str, Path)):
        import yaml

        from cvm_lib.paths import project_root, resolve_project_path

        path = resolve_project_path(source)
        if not path.is_file():
            raise FileNotFoundError(f"indicator system file {str(source)!r} not found (looked in the working "
                                    f"directory and in the project folder {project_root()})")
        try:
            spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise IndicatorSystemError(f"{path}: not valid YAML: {exc}") from None
        try:
            return _validate(spec)
        except IndicatorSystemError as exc:
            raise IndicatorSystemError(f"{path}: {exc}") from None
    return _validate(source)
