"""What every study shares: the case (its data), skipped sections, key figures, sentences, tables.

A study module (``cvm_lib.studies.<study>``) has one shape: it loads a :class:`Case` with
:func:`load_case`, computes its sections with the method packages, and hands the
notebook :class:`~cvm_lib.studies._table.Table` objects (:func:`show`), key figures
(:func:`key_figure` / :func:`record_figures`), generated sentences (:func:`say`) and
:class:`Skipped` markers. Everything shown goes through the one label catalogue
(:mod:`cvm_lib.labels`) in the display language (:func:`set_display`); everything
recorded (``results/*.json``, ``*.csv``) uses stable keys only.

Examples
--------
>>> case = load_case("cdnow_sample")
>>> case.name, len(case.customers), str(case.observation_end.date()), case.currency
('cdnow_sample', 2357, '1998-06-30', '$')
>>> fig = key_figure("customers", 2357, "customers", context="overview", headline=True, default_label=("Customers", "客户数"))
>>> fig["label"], fig["unit"]
({'en': 'Customers', 'zh': '客户数'}, 'customers')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from numbers import Real
from typing import Any

import pandas as pd

from cvm_lib.data import as_day
from cvm_lib.labels import has_label, label, unit_label, value_label
from cvm_lib.studies._table import Table, display_settings, format_value, set_display

__all__ = ["Case", "load_case", "BUNDLED_CURRENCY", "Skipped", "Sentence", "Quantity", "q", "say", "show",
           "key_figure", "record_figures", "figures_table", "set_display", "display_settings", "UNIT_KINDS"]

#: Currency of the bundled data sets (a user's file: the ``currency`` parameter, else ¥ / $ by language).
BUNDLED_CURRENCY = {"cdnow": "$", "cdnow_sample": "$", "retail_demo": "¥"}

#: How a key figure's value is formatted, by its unit.
UNIT_KINDS = {"share": "share", "currency": "money", "points": "points", "customers": "count",
              "transactions": "count", "units": "count", "ratio": "ratio", "percent": "percent",
              "D": "duration", "W": "duration", "M": "duration", "Y": "duration", "days": "duration",
              "weeks": "duration", "months": "duration", "years": "duration", "date": "date", "pvalue": "pvalue"}


# --------------------------------------------------------------------------- the case

@dataclass(frozen=True, eq=False)
class Case:
    """The data a study runs on.

    Attributes
    ----------
    name : str
        The ``data`` parameter (bundled name or source).
    transactions : DataFrame
        The tidy log (:mod:`cvm_lib.data` contract), purchases up to ``observation_end``.
    customers : DataFrame
        Index ``customer_id``: ``acquisition_date`` (first purchase day) and, for the
        simulated case, its observed attributes and true latent values.
    observation_end : Timestamp
        Last observed day (a day, normalised).
    synthetic : bool
        Simulated data with known truth (``truth`` holds it).
    truth : dict
    currency : str
        Currency symbol of the amounts.
    survey : DataFrame or None
        The simulated case's satisfaction survey.
    """

    name: str
    transactions: pd.DataFrame
    customers: pd.DataFrame
    observation_end: pd.Timestamp
    synthetic: bool = False
    truth: dict = field(default_factory=dict)
    currency: str = "$"
    survey: pd.DataFrame | None = None

    def has(self, column: str) -> bool:
        """Whether the customers table has ``column``."""
        return column in self.customers.columns

    @property
    def start(self) -> pd.Timestamp:
        """First purchase day."""
        return self.transactions["date"].min().normalize()


def source_name(name: str, tx: pd.DataFrame) -> str:
    """The data source to show for a study's data: a bundled name as it is; for a file that is
    a run's snapshot, the source it was loaded from (``attrs["load_report"]["source"]``)."""
    from pathlib import Path

    report = tx.attrs.get("load_report") or {}
    if report.get("source") and Path(str(name)).is_file():
        return str(report["source"])
    return str(name)


def load_case(data: Any = "cdnow", *, seed: int = 2024, observation_end: Any = None, n_customers: int = 20_000,
              group: str | None = None, currency: str | None = None, lang: str | None = None) -> Case:
    """The data of a study: ``"retail_demo"`` (simulated, with truth), a bundled log, a file or a DataFrame.

    Parameters
    ----------
    data : str, path or DataFrame
        ``"retail_demo"`` (``simulate_retail(n_customers, seed=seed)``), ``"cdnow"``,
        ``"cdnow_sample"``, a file or a run's validated snapshot
        (:func:`cvm_lib.datasets.load_dataset`), or a tidy transaction DataFrame.
    observation_end : date-like, optional
        Last observed day; later purchases are left out. Default: the end of the
        simulation, else the last purchase day.
    group : str, optional
        A column of the log whose value on the customer's first purchase becomes a
        customer attribute (e.g. ``"channel"``).
    currency : str, optional
        Currency symbol; default that of the bundled data, else "¥" for ``lang="zh"`` and "$".

    Raises
    ------
    ValueError
        When ``observation_end`` is not a date or precedes every purchase.
    """
    from cvm_lib.datasets import load_dataset

    name = data if isinstance(data, str) else getattr(data, "name", None) or "data"
    truth: dict = {}
    survey = None
    if isinstance(data, str) and data == "retail_demo":
        from cvm_lib.datasets.simulate import simulate_retail

        retail = simulate_retail(n_customers, seed=seed)
        sim_end = pd.Timestamp(retail.truth["end"]).normalize()
        end = sim_end if observation_end is None else as_day(observation_end, "observation_end")
        if end > sim_end:
            raise ValueError(f"observation_end {end.date()} is after the end of the simulation ({sim_end.date()})")
        tx = retail.transactions
        customers = retail.customers.set_index("customer_id")
        customers = customers[(customers["acquisition_date"] <= end).to_numpy()].copy()
        truth, survey, synthetic = dict(retail.truth), retail.survey, True
    else:
        tx = data.copy() if isinstance(data, pd.DataFrame) else load_dataset(data)
        end = tx["date"].max().normalize() if observation_end is None else as_day(observation_end, "observation_end")
        customers, synthetic = None, False
    tx = tx[(tx["date"].dt.normalize() <= end).to_numpy()].reset_index(drop=True)
    if tx.empty:
        raise ValueError(f"observation_end {end.date()} precedes every purchase in {name!r}")
    if customers is None:
        first = tx.groupby("customer_id", sort=True)["date"].min().dt.normalize()
        customers = pd.DataFrame({"acquisition_date": first})
        customers.index = customers.index.astype("str")
        customers.index.name = "customer_id"
    if group and group in tx.columns and group not in ("customer_id", "date", "amount") and group not in customers:
        ordered = tx.sort_values(["customer_id", "date"], kind="stable")
        customers[group] = ordered.groupby("customer_id")[group].first().reindex(customers.index)
    if currency is None:
        currency = BUNDLED_CURRENCY.get(name) if isinstance(name, str) else None
    if currency is None:
        currency = label("currency", lang or display_settings()["lang"])
    return Case(str(name), tx, customers, end, synthetic, truth, str(currency), survey)


# --------------------------------------------------------------------------- sentences

@dataclass(frozen=True)
class Quantity:
    """A number with the kind it is formatted as inside a sentence (see :func:`q`)."""

    value: Any
    kind: str | None = None

    def text(self, lang: str, currency: str | None = None) -> str:
        return format_value(self.value, self.kind, lang, currency=currency)


def q(value: Any, kind: str | None = None) -> Quantity:
    """Mark a sentence field for formatting: ``say("...", share=q(0.187, "share"))`` → "18.7%"."""
    return Quantity(value, kind)


class Sentence:
    """A sentence from the catalogue with its fields, shown in the display language.

    ``key`` names a template (``"<context>.<key>"`` in the catalogue) whose ``{fields}``
    are filled from ``values``: :class:`Quantity` values are formatted for the language,
    label keys given as ``("label", key)`` are translated, anything else is used as text.
    """

    def __init__(self, key: str, context: str | None = None, **values: Any):
        self.key, self.context, self.values = key, context, values
        label(key, "en", context=context, **self._fields("en"))  # a missing key or field fails here

    def _fields(self, lang: str) -> dict[str, str]:
        currency = display_settings()["currency"]
        out = {}
        for name, value in self.values.items():
            if isinstance(value, Quantity):
                out[name] = value.text(lang, currency)
            elif isinstance(value, tuple) and len(value) == 2 and value[0] == "label":
                out[name] = label(value[1], lang, context=self.context, default=value[1])
            elif isinstance(value, Real) and not isinstance(value, bool):
                out[name] = format_value(value, None, lang, currency=currency)
            else:
                out[name] = str(value)
        return out

    def text(self, lang: str | None = None) -> str:
        lang = lang or display_settings()["lang"]
        return label(self.key, lang, context=self.context, **self._fields(lang))

    def _repr_markdown_(self) -> str:
        return self.text()

    def __str__(self) -> str:
        return self.text()

    __repr__ = __str__


def say(key: str, *, context: str | None = None, **values: Any) -> Sentence:
    """A generated sentence: the catalogue template ``key`` filled with this data's results."""
    return Sentence(key, context, **values)


class Narrative:
    """Sentences shown together as one paragraph (Markdown)."""

    def __init__(self, sentences: Iterable[Sentence | str]):
        self.sentences = [s for s in sentences if s]

    def text(self, lang: str | None = None) -> str:
        lang = lang or display_settings()["lang"]
        texts = [s.text(lang) if isinstance(s, Sentence) else str(s) for s in self.sentences]
        # Chinese sentences end in full-width punctuation and are joined without a space.
        return ("" if lang == "zh" else " ").join(t.strip() for t in texts)

    def _repr_markdown_(self) -> str:
        return self.text()

    def __str__(self) -> str:
        return self.text()

    __repr__ = __str__


__all__.append("Narrative")


# --------------------------------------------------------------------------- skipped sections

@dataclass(frozen=True)
class Skipped:
    """A section that cannot run on this data, and why (one line, in the display language).

    ``reason`` is a catalogue key, ``fields`` fill its placeholders.
    """

    section: str
    reason: str
    context: str | None = None
    fields: Mapping[str, Any] = field(default_factory=dict)

    def text(self, lang: str | None = None) -> str:
        lang = lang or display_settings()["lang"]
        section = label(self.section, lang, context=self.context, default=self.section)
        return f"**{label('skipped', lang)} · {section}**: {label(self.reason, lang, context=self.context, **self.fields)}"

    def table(self) -> Table:
        """One row: section, status, reason (for a table where the section's result would be)."""
        lang = display_settings()["lang"]
        frame = pd.DataFrame({"section": [label(self.section, lang, context=self.context, default=self.section)],
                              "status": [label("skipped", lang)],
                              "reason": [label(self.reason, lang, context=self.context, **self.fields)]})
        return Table(frame, context=self.context)

    def _repr_markdown_(self) -> str:
        return self.text()

    def __bool__(self) -> bool:  # a skipped section is "no result"
        return False


# --------------------------------------------------------------------------- tables

def show(name: str, table: pd.DataFrame | pd.Series | Skipped, *, context: str, fields: Mapping[str, Any] | None = None,
         kinds: Mapping[str, str] | None = None, raw_columns: Sequence[str] = (), record: bool = True) -> Table | Skipped:
    """Record a study table under ``name`` (stable columns) and return it for display.

    The CSV (``results/<study>__<name>.csv``) holds the tidy table as computed, index
    turned into columns; the notebook shows translated headers and formatted cells.
    A :class:`Skipped` is passed through (nothing is recorded).
    """
    if isinstance(table, Skipped):
        return table
    shown = Table(table, name=name, context=context, fields=fields, kinds=kinds, raw_columns=raw_columns)
    if record:
        from cvm_lib.results import record_table

        record_table(name, shown.data, index=False, info=shown.info())
    return shown


# --------------------------------------------------------------------------- key figures

def key_figure(name: str, value: Any, unit: str = "", *, context: str, headline: bool = False,
               assumption: str | None = None, fields: Mapping[str, Any] | None = None,
               default_label: tuple[str, str] | None = None) -> dict[str, Any]:
    """One key figure for :func:`record_figures`: its label in both languages from the catalogue.

    ``name`` is the stable machine name and the catalogue key (``"<context>.<name>"``
    or ``name``); ``unit`` a stable unit (``"share"``, ``"currency"``, ``"customers"``,
    ``"weeks"``...); ``assumption`` a catalogue key of the assumption the figure rests on
    (shown beside it on the index page, e.g. the margin used when the data have no costs).
    """
    fields = dict(fields or {})
    if has_label(name, context) or default_label is None:
        text = {lang: label(name, lang, context=context, **fields) for lang in ("en", "zh")}
    else:
        text = dict(zip(("en", "zh"), default_label, strict=True))
    figure = {"name": name, "value": value, "unit": unit, "label": text, "headline": bool(headline)}
    if assumption:
        figure["assumption"] = {lang: label(assumption, lang, context=context, **fields) for lang in ("en", "zh")}
    return figure


def figures_table(figures: Sequence[Mapping[str, Any]], lang: str | None = None) -> pd.DataFrame:
    """Key figures as text for reading: figure, value (formatted by unit), unit."""
    settings = display_settings()
    lang = lang or settings["lang"]
    rows = []
    for fig in figures:
        unit = fig.get("unit", "")
        kind = UNIT_KINDS.get(unit)
        value = fig["value"]
        if isinstance(value, (list, tuple, dict)):
            items = value.values() if isinstance(value, dict) else value
            shown = ("、" if lang == "zh" else ", ").join(
                str(value_label(v, lang)) if isinstance(v, str) else format_value(v, None, lang) for v in items)
        else:
            shown = format_value(value, kind, lang, currency=settings["currency"])
        unit_text = "" if kind in ("share", "money", "points", "count", "date", "percent", "pvalue") else \
            unit_label(unit, lang, currency=settings["currency"])
        figure_label = fig["label"][lang] if isinstance(fig["label"], dict) else str(fig["label"])
        if fig.get("assumption"):
            note = fig["assumption"][lang] if isinstance(fig["assumption"], dict) else str(fig["assumption"])
            figure_label = f"{figure_label} ({note})"
        rows.append({label("figure", lang): figure_label, label("figure_value", lang): shown,
                     label("unit", lang): unit_text})
    return pd.DataFrame(rows, columns=[label("figure", lang), label("figure_value", lang), label("unit", lang)])


class _FiguresView:
    def __init__(self, figures: list[dict[str, Any]]):
        self.figures = figures

    def _repr_html_(self) -> str:
        return Table(figures_table(self.figures), raw_columns=list(figures_table(self.figures).columns),
                     kinds={c: "text" for c in figures_table(self.figures).columns})._repr_html_()

    def __repr__(self) -> str:
        return figures_table(self.figures).to_string(index=False)


def record_figures(figures: Sequence[Mapping[str, Any]]) -> _FiguresView:
    """Record key figures (``results/<study>.json``) and return them for display."""
    from cvm_lib.results import record

    done = []
    for fig in figures:
        record(**fig)
        done.append(dict(fig))
    return _FiguresView(done)
