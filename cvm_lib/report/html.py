"""HTML output of a run: one readable page per study (code hidden by default) and an index.

Study pages keep only the markdown of the report language: a cell tagged ``lang-zh``
appears in the Chinese report, one tagged ``lang-en`` in the English one, untagged cells
in both (the notebook itself keeps every cell; see :func:`filter_language`).

The index page is written in the report language (labels of context ``"report"``,
:mod:`cvm_lib.labels.report`): per study its status, the data it ran on, its headline key
figures with their units (formatted like the study tables, :func:`cvm_lib.studies.format_value`),
the assumption a figure rests on, and — when the output folder holds an earlier successful
run — the change of each figure since that run (:func:`change_text`):

* shares (unit ``share``) and percentages change in percentage points: "▲ 3.2 pts";
* money and counts (``currency``, ``customers``, ``transactions``, ``units``) change
  relative to the previous value: "▼ 4.1%" (absolute when the previous value was 0);
* every other number changes by its difference, formatted like the figure: "▲ 0.3 weeks".

Arrows are coloured by direction only (blue up, amber down), never as good or bad: more
hidden churn is an increase too.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cvm_lib.report.fonts import embedded_font_css

__all__ = ["write_study_html", "write_index", "filter_language", "change_text", "study_currency", "REPORT_CSS",
           "LANG_TAGS"]

#: Cell tags that keep a cell in one report language only.
LANG_TAGS = {"lang-en": "en", "lang-zh": "zh"}

#: Table styles of the study pages and the index (the ``cvm-table`` class of :class:`cvm_lib.studies.Table`).
REPORT_CSS = """
table.cvm-table{border-collapse:collapse;margin:.4rem 0 1rem;font-size:.88rem;width:auto;max-width:100%;
border:none;table-layout:auto}
table.cvm-table caption{caption-side:top;text-align:left;font-weight:600;padding:.2rem 0}
table.cvm-table th,table.cvm-table td{padding:.22rem .6rem;border:none;border-bottom:1px solid #e3e5e8;
vertical-align:top;line-height:1.35}
table.cvm-table thead th{background:#f1f3f5;border-bottom:1px solid #c9cdd2;font-weight:600;white-space:nowrap}
table.cvm-table tbody tr:nth-child(even){background:#f8f9fa}
table.cvm-table tbody tr:hover{background:#eef3fb}
table.cvm-table th.num,table.cvm-table td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.cvm-table th.txt,table.cvm-table td.txt{text-align:left}
.jp-RenderedHTMLCommon table.cvm-table td,.jp-RenderedHTMLCommon table.cvm-table th{max-width:none}
.jp-RenderedHTMLCommon table.cvm-table tbody tr:nth-child(odd){background:transparent}
.jp-RenderedHTMLCommon table.cvm-table tbody tr:nth-child(even){background:#f8f9fa}
"""

_CSS = """
body{margin:2rem auto;max-width:1100px;color:#222;line-height:1.45;padding:0 1rem}
h1{font-weight:600;margin-bottom:.2rem} h2{font-size:1.15rem;margin:1.6rem 0 .3rem;font-weight:600}
.meta{color:#666;font-size:.9rem;margin-bottom:1rem} section.study{border-top:1px solid #ddd;padding-top:.2rem}
.ok{color:#1a7f37;font-weight:600} .failed,.interrupted{color:#c62828;font-weight:600} .pending{color:#888}
.status{font-size:.9rem;margin-left:.6rem} .dur{color:#666;font-size:.85rem;margin-left:.4rem;font-weight:400}
pre.err{font-size:.85rem;color:#c62828;background:#fdf3f3;padding:.5rem .7rem;white-space:pre-wrap;margin:.4rem 0}
.data,.links{font-size:.9rem;color:#444;margin:.2rem 0} .assumption{color:#8a5a00;font-size:.82rem}
.up{color:#0b57d0} .down{color:#9a5b00} .same,.new{color:#888} a{color:#0b57d0}
"""


# --------------------------------------------------------------------------- study pages

def filter_language(nb: Any, lang: str | None) -> Any:
    """The notebook without the cells of the other report language (a copy; ``nb`` is unchanged).

    A cell tagged ``lang-zh`` is kept only for ``lang="zh"``, ``lang-en`` only for
    ``lang="en"``; untagged cells always. ``lang=None`` keeps everything.

    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook()
    >>> nb.cells = [nbformat.v4.new_markdown_cell("## 细分", metadata={"tags": ["lang-zh"]}),
    ...             nbformat.v4.new_markdown_cell("## Segments", metadata={"tags": ["lang-en"]}),
    ...             nbformat.v4.new_code_cell("x = 1")]
    >>> [c.source for c in filter_language(nb, "en").cells]
    ['## Segments', 'x = 1']
    >>> len(nb.cells)
    3
    """
    import copy

    kept = copy.deepcopy(nb)
    if lang is None:
        return kept
    kept.cells = [cell for cell in kept.cells
                  if all(LANG_TAGS[tag] == lang for tag in cell.get("metadata", {}).get("tags", []) or []
                         if tag in LANG_TAGS)]
    return kept


def write_study_html(notebook: Path, target: Path, *, show_code: bool = False, lang: str | None = None) -> None:
    """Export an executed notebook to a self-contained HTML page in ``lang`` (see :func:`filter_language`)."""
    import nbformat
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab", exclude_input=not show_code, exclude_input_prompt=True,
                            exclude_output_prompt=True)
    nb = filter_language(nbformat.read(notebook, as_version=4), lang)
    body, _ = exporter.from_notebook_node(nb)
    if lang == "zh":
        body = body.replace('<html lang="en">', '<html lang="zh-CN">', 1)
    body = body.replace("</head>", f"<style>{REPORT_CSS}</style>\n</head>", 1)
    _write_text(target, _with_cjk_font(body))


def _with_cjk_font(page: str) -> str:
    css = embedded_font_css(page)
    return page.replace("</head>", f"<style>{css}</style>\n</head>", 1) if css else page


def _write_text(target: Path, text: str) -> None:
    import os

    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, target)


# --------------------------------------------------------------------------- key figures

def _results(results_file: Path) -> dict[str, Any]:
    try:
        return json.loads(results_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _text(value: Any, lang: str) -> str:
    """A label or assumption as recorded: ``{"en", "zh"}`` or plain text."""
    if isinstance(value, Mapping):
        return str(value.get(lang) or value.get("en") or next(iter(value.values()), ""))
    return "" if value is None else str(value)


def study_currency(parameters: Mapping[str, Any], lang: str) -> str:
    """The currency symbol a study showed its amounts in: its ``currency`` parameter, else that of the
    bundled data set, else the language's default (as :func:`cvm_lib.studies.load_case` decides)."""
    from cvm_lib.labels import label
    from cvm_lib.studies import BUNDLED_CURRENCY

    if parameters.get("currency"):
        return str(parameters["currency"])
    return BUNDLED_CURRENCY.get(str(parameters.get("data")), label("currency", lang))


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def figure_value(figure: Mapping[str, Any], lang: str, currency: str) -> str:
    """A key figure's value with its unit, formatted for reading (``"18.7%"``, ``"¥1,234"``, ``"12.3 周"``)."""
    from cvm_lib.labels import unit_label
    from cvm_lib.studies import UNIT_KINDS, format_value

    unit = figure.get("unit") or ""
    value = figure.get("value")
    kind = UNIT_KINDS.get(unit)
    if isinstance(value, list):
        return ", ".join(format_value(v, kind, lang, currency=currency) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {format_value(v, kind, lang, currency=currency)}" for k, v in value.items())
    shown = format_value(value, kind, lang, currency=currency)
    if kind in ("share", "money", "points", "percent", "date") or not _number(value):
        return shown
    text = unit_label(unit, lang, currency=currency)
    if not text:
        return shown
    return f"{shown} {text}"


_RELATIVE = {"currency", "customers", "transactions", "units"}
_POINTS = {"share", "points"}


def change_text(figure: Mapping[str, Any], previous: Mapping[str, Any] | None, lang: str, date: str,
                currency: str = "$") -> tuple[str, str]:
    """The change of a key figure since the previous run, and its CSS class (``up``/``down``/``same``/``new``).

    ``("", "")`` when the figure is not a number or its unit changed.

    >>> change_text({"value": 0.52, "unit": "share"}, {"value": 0.488, "unit": "share"}, "en", "2026-11-01")
    ('▲ 3.2 pts since 2026-11-01', 'up')
    >>> change_text({"value": 0.52, "unit": "share"}, {"value": 0.488, "unit": "share"}, "zh", "2026-11-01")
    ('较 2026-11-01 ▲ 3.2 个百分点', 'up')
    >>> change_text({"value": 950, "unit": "customers"}, {"value": 1000, "unit": "customers"}, "en", "2026-11-01")
    ('▼ 5.0% since 2026-11-01', 'down')
    >>> change_text({"value": 12.5, "unit": "weeks"}, {"value": 12.5, "unit": "weeks"}, "zh", "2026-11-01")
    ('较 2026-11-01 持平', 'same')
    """
    from cvm_lib.labels import label, unit_label
    from cvm_lib.studies import UNIT_KINDS, format_value

    value = figure.get("value")
    if not _number(value):
        return "", ""
    if previous is None:
        return label("new_figure", lang, context="report", date=date), "new"
    old, unit = previous.get("value"), figure.get("unit") or ""
    if not _number(old) or (previous.get("unit") or "") != unit:
        return "", ""
    diff = float(value) - float(old)
    if diff == 0:
        return label("unchanged", lang, context="report", date=date), "same"
    kind = UNIT_KINDS.get(unit)
    arrow, css = ("▲", "up") if diff > 0 else ("▼", "down")
    if unit in _POINTS:
        amount, key = f"{abs(diff) * 100:.1f}", "change_points"
    elif unit == "percent":
        amount, key = f"{abs(diff):.1f}", "change_points"
    elif unit in _RELATIVE and old != 0:
        amount, key = f"{abs(diff) / abs(float(old)) * 100:.1f}", "change_relative"
    else:
        amount = format_value(abs(diff), kind, lang, currency=currency)
        text = unit_label(unit, lang, currency=currency) if kind not in ("money", "count") else ""
        amount, key = (f"{amount} {text}" if text else amount), "change_absolute"
    if amount.strip("0.") == "":  # a change too small to show at this precision
        return label("unchanged", lang, context="report", date=date), "same"
    return label(key, lang, context="report", arrow=arrow, amount=amount, date=date), css


# --------------------------------------------------------------------------- the index page

def _data_line(name: str, params: Mapping[str, Any], manifest: Mapping[str, Any], lang: str) -> str:
    from cvm_lib.labels import label

    data = manifest.get("data") or {}
    parts = []
    if name in (data.get("studies") or []):
        parts.append(str(data.get("display") or data.get("source") or ""))
        if data.get("rows") is not None and data.get("customers") is not None:
            parts.append(label("data_rows", lang, context="report", rows=f"{data['rows']:,}",
                               customers=f"{data['customers']:,}"))
    elif params.get("data") is not None:
        from cvm_lib.studies import BUNDLED_CURRENCY

        given = str(params["data"])
        parts.append(label("bundled", lang, context="report", name=given) if given in BUNDLED_CURRENCY else given)
    if params.get("observation_end"):
        parts.append(label("observation_end", lang, context="report", date=str(params["observation_end"])))
    return " · ".join(p for p in parts if p)


def _error_block(err: Mapping[str, Any], lang: str) -> str:
    from cvm_lib.labels import label

    where = []
    if err.get("cell") is not None:
        where.append(label("cell", lang, context="report", cell=err["cell"]))
    if err.get("line"):
        where.append(label("line", lang, context="report", line=err["line"]))
    head = ("，" if lang == "zh" else ", ").join(where) + (f": {err['cell_source']}" if err.get("cell_source") else "")
    text = (head + "\n" if head else "") + f"{err.get('ename')}: {err.get('evalue')}"
    return f'<pre class="err">{html.escape(text)}</pre>'


def previous_run(out: Path, current: str | None = None) -> tuple[Path, dict[str, Any]] | None:
    """The newest complete successful run in ``out`` (``out/latest``) and its manifest, unless it is ``current``."""
    latest = Path(out) / "latest"
    if not latest.is_symlink():
        return None
    folder = latest.resolve()
    if current is not None and folder.name == current:
        return None
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return (folder, manifest) if manifest.get("status") == "ok" else None


def write_index(run_dir: Path, manifest: dict[str, Any], *, lang: str = "en",
                previous: tuple[Path, dict[str, Any]] | None = None,
                parameters: Mapping[str, Mapping[str, Any]] | None = None) -> None:
    """``index.html`` in ``lang``: every study with status, data, headline figures (and their change since
    ``previous``, a run folder and its manifest, see :func:`previous_run`) and links.

    ``parameters``: per study, the parameters it ran with including its notebook's defaults
    (default: those of the manifest, the ones given).
    """
    from cvm_lib.labels import check_lang, label

    check_lang(lang)

    def t(key: str, **fields: Any) -> str:
        return html.escape(label(key, lang, context="report", **fields))

    colon = "：" if lang == "zh" else ": "
    since = ""
    if previous is not None:
        since = str(previous[1].get("started") or "")[:10] or previous[1].get("run_id", "")
    sections = []
    for name, info in manifest["studies"].items():
        payload = _results(run_dir / info["results"])
        old = {}
        if previous is not None and name in (previous[1].get("studies") or {}):
            old_payload = _results(previous[0] / previous[1]["studies"][name]["results"])
            old = {r.get("name"): r for r in old_payload.get("results", [])}
        ran_with = (parameters or {}).get(name) or info.get("parameters") or {}
        currency = study_currency(ran_with, lang)
        rows = []
        for fig in payload.get("results", []):
            if not fig.get("headline"):
                continue
            change, css = change_text(fig, old.get(fig.get("name")), lang, since, currency) if previous else ("", "")
            note = _text(fig.get("assumption"), lang)
            note_html = f'<div class="assumption">{t("assumption")}{colon}{html.escape(note)}</div>' if note else ""
            rows.append(f'<tr><td class="txt">{html.escape(_text(fig.get("label") or fig.get("name"), lang))}'
                        f'{note_html}</td><td class="num">{html.escape(figure_value(fig, lang, currency))}</td>'
                        + (f'<td class="txt {css}">{html.escape(change)}</td>' if previous else "") + "</tr>")
        if rows:
            head = (f'<thead><tr><th class="txt">{t("figure")}</th><th class="num">{t("value")}</th>'
                    + (f'<th class="txt">{t("change")}</th>' if previous else "") + "</tr></thead>")
            figures = f'<table class="cvm-table kf">{head}<tbody>{"".join(rows)}</tbody></table>'
        elif info["status"] == "ok":
            figures = f'<div class="data">{t("no_figures")}</div>'
        else:
            figures = ""
        links = [f'<a href="{html.escape(info[k])}">{text}</a>' for k, text in
                 (("html", "HTML"), ("notebook", "ipynb"), ("results", "JSON")) if (run_dir / info[k]).exists()]
        data_line = _data_line(name, ran_with, manifest, lang)
        data_html = f'<div class="data">{t("data")}{colon}{html.escape(data_line)}</div>' if data_line else ""
        error = _error_block(info["error"], lang) if info.get("error") else ""
        title = html.escape((info.get("titles") or {}).get(lang) or info.get("title") or "")
        seconds = t("seconds", seconds=f"{info['duration_seconds']:.1f}")
        sections.append(
            f'<section class="study"><h2>{html.escape(name)}{" — " + title if title else ""}'
            f'<span class="status {info["status"]}">{t(info["status"])}</span>'
            f'<span class="dur">{seconds}</span></h2>'
            f'{data_html}{error}{figures}<div class="links">{t("files")}{colon}{" · ".join(links)}</div></section>')
    git = manifest.get("git") or {}
    commit = (git.get("commit") or "—")[:12] + (f" ({label('dirty', lang, context='report')})"
                                               if git.get("dirty") else "")
    extra = ' · <a href="results.xlsx">results.xlsx</a>' if (run_dir / "results.xlsx").exists() else ""
    if previous is not None:
        compared = t("previous", run=previous[1].get("run_id", previous[0].name), date=since)
    else:
        compared = t("first_run")
    page = f"""<!DOCTYPE html>
<html lang="{'zh-CN' if lang == 'zh' else 'en'}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{t('title')} · {html.escape(manifest['run_id'])}</title><style>{_CSS}{REPORT_CSS}</style></head>
<body><h1>{t('title')}</h1>
<div class="meta">{t('run')} {html.escape(manifest['run_id'])} · {html.escape(manifest['started'])} ·
<span class="{manifest['status']}">{t(manifest['status'])}</span> ·
{t('commit')} {html.escape(commit)} · <a href="manifest.json">manifest.json</a> · <a href="run.log">run.log</a>{extra}
<br>{compared}</div>
{''.join(sections)}
</body></html>
"""
    _write_text(run_dir / "index.html", _with_cjk_font(page))
