"""HTML output of a run: one readable page per study (code hidden by default) and an index."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from cvm_lib.report.fonts import embedded_font_css

__all__ = ["write_study_html", "write_index"]

_TEXT = {
    "en": {"title": "CVM Workbench report", "study": "Study", "status": "Status", "duration": "Duration",
           "headline": "Key figures", "files": "Files", "run": "Run", "commit": "Commit", "dirty": "uncommitted changes",
           "ok": "ok", "failed": "failed", "interrupted": "interrupted", "pending": "not run",
           "error": "Error", "cell": "cell"},
    "zh": {"title": "CVM 客户价值管理研究报告", "study": "研究", "status": "状态", "duration": "用时",
           "headline": "关键指标", "files": "文件", "run": "运行", "commit": "代码版本", "dirty": "含未提交修改",
           "ok": "成功", "failed": "失败", "interrupted": "已中断", "pending": "未运行",
           "error": "错误", "cell": "单元格"},
}

_CSS = """
body{margin:2rem auto;max-width:1100px;color:#222;line-height:1.45;padding:0 1rem}
h1{font-weight:600;margin-bottom:.2rem} .meta{color:#666;font-size:.9rem;margin-bottom:1.5rem}
table{border-collapse:collapse;width:100%} th,td{border-bottom:1px solid #ddd;padding:.5rem;text-align:left;
vertical-align:top} th{background:#f5f6f8} .ok{color:#1a7f37;font-weight:600} .failed,.interrupted{color:#c62828;
font-weight:600} .pending{color:#888} .err{font-family:monospace;font-size:.85rem;color:#c62828}
ul.kf{margin:0;padding-left:1rem} a{color:#0b57d0}
"""


def write_study_html(notebook: Path, target: Path, *, show_code: bool = False) -> None:
    """Export an executed notebook to a self-contained HTML page."""
    import nbformat
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab", exclude_input=not show_code, exclude_input_prompt=True,
                            exclude_output_prompt=True)
    nb = nbformat.read(notebook, as_version=4)
    body, _ = exporter.from_notebook_node(nb)
    target.write_text(_with_cjk_font(body), encoding="utf-8")


def _with_cjk_font(page: str) -> str:
    css = embedded_font_css(page)
    return page.replace("</head>", f"<style>{css}</style>\n</head>", 1) if css else page


def _headlines(results_file: Path) -> list[dict[str, Any]]:
    if not results_file.exists():
        return []
    payload = json.loads(results_file.read_text(encoding="utf-8"))
    return [r for r in payload.get("results", []) if r.get("headline")]


_HIDDEN_UNITS = {"", "text", "currency", "count"}


def _format(value: Any, unit: str = "") -> tuple[str, str]:
    """The value as shown on the index page, and the unit to show beside it."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value), "" if unit in _HIDDEN_UNITS else unit
    if unit == "share":
        return f"{value:.1%}", ""
    shown = "" if unit in _HIDDEN_UNITS else unit
    if isinstance(value, int):
        return f"{value:,}", shown
    if abs(value) >= 1e5:
        return f"{value:,.0f}", shown
    if abs(value) >= 1e3:
        return f"{value:,.1f}", shown
    return f"{value:.4g}", shown


def write_index(run_dir: Path, manifest: dict[str, Any], *, lang: str = "en") -> None:
    """``index.html``: every study with status, duration, headline figures and links."""
    t = _TEXT.get(lang, _TEXT["en"])
    rows = []
    for name, info in manifest["studies"].items():
        figures = "".join(
            f"<li>{html.escape(str(r['label']))}: <b>{html.escape(text)}</b> {html.escape(unit)}</li>"
            for r in _headlines(run_dir / info["results"]) for text, unit in [_format(r["value"], r.get("unit") or "")])
        links = [f'<a href="{html.escape(info[k])}">{label}</a>' for k, label in
                 (("html", "HTML"), ("notebook", "ipynb"), ("results", "JSON")) if (run_dir / info[k]).exists()]
        error = ""
        if info.get("error"):
            err = info["error"]
            where = f"{t['cell']} {err.get('cell')}: " if err.get("cell") is not None else ""
            error = (f'<div class="err">{html.escape(where)}{html.escape(str(err.get("cell_source") or ""))}<br>'
                     f'{html.escape(str(err.get("ename")))}: {html.escape(str(err.get("evalue")))}</div>')
        rows.append(
            f"<tr><td><b>{html.escape(name)}</b><br>{html.escape(info.get('title') or '')}{error}</td>"
            f'<td class="{info["status"]}">{t.get(info["status"], info["status"])}</td>'
            f"<td>{info['duration_seconds']:.1f} s</td><td><ul class=\"kf\">{figures}</ul></td>"
            f"<td>{' · '.join(links)}</td></tr>")
    git = manifest.get("git") or {}
    commit = (git.get("commit") or "—")[:12] + (f" ({t['dirty']})" if git.get("dirty") else "")
    page = f"""<!DOCTYPE html>
<html lang="{'zh-CN' if lang == 'zh' else 'en'}"><head><meta charset="utf-8">
<title>{t['title']} · {html.escape(manifest['run_id'])}</title><style>{_CSS}</style></head>
<body><h1>{t['title']}</h1>
<div class="meta">{t['run']} {html.escape(manifest['run_id'])} · {html.escape(manifest['started'])} ·
<span class="{manifest['status']}">{t.get(manifest['status'], manifest['status'])}</span> ·
{t['commit']} {html.escape(commit)} · <a href="manifest.json">manifest.json</a> · <a href="run.log">run.log</a></div>
<table><tr><th>{t['study']}</th><th>{t['status']}</th><th>{t['duration']}</th><th>{t['headline']}</th>
<th>{t['files']}</th></tr>
{''.join(rows)}
</table></body></html>
"""
    (run_dir / "index.html").write_text(_with_cjk_font(page), encoding="utf-8")
