"""HTML output renders Chinese anywhere: the CJK glyphs a page uses are embedded in it; the study
pages keep one language; the index page is in the report language.

Subsetting the CJK font takes seconds: those tests are marked slow, the others replace the font
by nothing (``no_font``) and check the content.
"""

import base64
import io
import json
import re

import pytest
from fontTools.ttLib import TTFont

from cvm_lib.report.fonts import cjk_characters, embedded_font_css, font_stack_css


@pytest.fixture
def no_font(monkeypatch):
    monkeypatch.setattr("cvm_lib.report.html.embedded_font_css", lambda text: "")
from cvm_lib.report.html import write_index


def embedded_cmap(css: str) -> set[int]:
    data = re.search(r"base64,([A-Za-z0-9+/=]+)", css).group(1)
    font = TTFont(io.BytesIO(base64.b64decode(data)))
    return set(font.getBestCmap())


def test_cjk_characters_are_found_sorted_and_unique():
    assert cjk_characters("Revenue 销售额, 客户数：销售") == "".join(sorted(set("销售额客户数：")))
    assert cjk_characters("plain English") == ""


@pytest.mark.slow
def test_embedded_font_covers_every_cjk_character_of_the_text():
    text = "客户价值管理研究报告 · 重要价值客户（九宫格） 较 2026-11-01 ▲ 3.2 个百分点 &#25968;"
    css = embedded_font_css(text)
    assert css.startswith("@font-face") and "font/woff" in css
    assert {ord(c) for c in cjk_characters(text)} | {ord("▲"), ord("数")} <= embedded_cmap(css)
    assert embedded_font_css("no Chinese here") == ""


@pytest.mark.slow
def test_embedded_subset_is_small_and_deterministic():
    css = embedded_font_css("数据概览")
    assert len(css) < 40_000
    assert css == embedded_font_css("数据概览")


@pytest.mark.slow
def test_index_page_in_chinese_embeds_its_glyphs(tmp_path):
    manifest = {"run_id": "20260101-000000", "status": "ok", "started": "2026-01-01T00:00:00+00:00",
                "git": {"commit": "abc", "dirty": False},
                "studies": {"s": {"title": "数据概览", "status": "ok", "duration_seconds": 1.0,
                                  "notebook": "s.ipynb", "html": "s.html", "results": "results/s.json",
                                  "error": None}}}
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "s.json").write_text(json.dumps({"results": [
        {"name": "n", "value": 5, "unit": "", "label": "客户数", "headline": True}]}), encoding="utf-8")
    write_index(tmp_path, manifest, lang="zh")
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "客户数" in page and "成功" in page
    style = page[page.index("<style>@font-face"):]
    visible = re.sub(r"<style>.*?</style>", "", page, flags=re.S)
    assert {ord(c) for c in cjk_characters(visible)} <= embedded_cmap(style)


def test_key_figures_are_formatted_by_unit_in_the_report_language():
    from cvm_lib.report.html import figure_value

    assert figure_value({"value": 0.4886, "unit": "share"}, "zh", "¥") == "48.9%"
    assert figure_value({"value": 2500315.63, "unit": "currency"}, "zh", "¥") == "¥2,500,316"
    assert figure_value({"value": -95370.4, "unit": "currency"}, "en", "$") == "-$95,370"
    assert figure_value({"value": 23570, "unit": "customers"}, "zh", "¥") == "23,570 位客户"
    assert figure_value({"value": 23570, "unit": "customers"}, "en", "$") == "23,570 customers"
    assert figure_value({"value": 12.34, "unit": "W"}, "zh", "¥") == "12.3 周"
    assert figure_value({"value": "20.0% of customers bring 67.8% of value", "unit": "text"}, "en", "$") == \
        "20.0% of customers bring 67.8% of value"


# -- every element, monospace included -------------------------------------------------------------

def test_the_cjk_face_comes_first_for_text_and_monospace_elements():
    css = font_stack_css()
    rules = {k.strip(): v for k, v in re.findall(r"([^{}]+)\{font-family:([^;]+);\}", css)}
    mono = next(v for k, v in rules.items() if "pre" in k.split(","))
    sans = next(v for k, v in rules.items() if "*" in k.split(","))
    for selector in ("pre", "code", ".jp-RenderedText pre", ".jp-OutputArea-output pre", "pre *", ".err"):
        assert any(selector in k.split(",") for k, v in rules.items() if v == mono), selector
    assert mono.startswith('"CVM CJK",') and "monospace" in mono
    assert sans.startswith('"CVM CJK",') and "sans-serif" in sans
    assert '--jp-code-font-family:"CVM CJK",' in css


def executed_notebook(path):
    import nbformat

    nb = nbformat.v4.new_notebook()
    zh = nbformat.v4.new_markdown_cell("## 客户细分", metadata={"tags": ["lang-zh"]})
    en = nbformat.v4.new_markdown_cell("## Customer segments", metadata={"tags": ["lang-en"]})
    code = nbformat.v4.new_code_cell("raise ValueError('列 金额 缺失')", execution_count=1)
    code.outputs = [nbformat.v4.new_output("stream", name="stdout", text="读取了 3 行\n"),
                    nbformat.v4.new_output("error", ename="ValueError", evalue="列“金额”缺失",
                                           traceback=["\x1b[0;31mValueError\x1b[0m: 列“金额”缺失（第 3 行）"])]
    nb.cells = [nbformat.v4.new_markdown_cell("# 数据概览 · Overview"), zh, en, code]
    nbformat.write(nb, path)
    return path


@pytest.mark.slow  # nbconvert's HTML export
def test_study_page_keeps_one_language(tmp_path, no_font):
    from cvm_lib.report.html import write_study_html

    notebook = executed_notebook(tmp_path / "s.ipynb")
    write_study_html(notebook, tmp_path / "zh.html", lang="zh")
    write_study_html(notebook, tmp_path / "en.html", lang="en")
    zh = (tmp_path / "zh.html").read_text(encoding="utf-8")
    en = (tmp_path / "en.html").read_text(encoding="utf-8")
    assert "客户细分" in zh and "Customer segments" not in zh and '<html lang="zh-CN">' in zh
    assert "Customer segments" in en and "客户细分" not in en
    assert "数据概览" in en and "数据概览" in zh  # untagged: in both
    assert "table.cvm-table" in zh and "td.num" in zh


@pytest.mark.slow
def test_study_page_embeds_the_glyphs_of_its_tracebacks(tmp_path):
    from cvm_lib.report.html import write_study_html

    write_study_html(executed_notebook(tmp_path / "s.ipynb"), tmp_path / "zh.html", lang="zh")
    zh = (tmp_path / "zh.html").read_text(encoding="utf-8")
    visible = re.sub(r"<style.*?</style>", "", zh, flags=re.S)
    assert "列“金额”缺失（第 3 行）" in visible and "读取了 3 行" in visible
    face = zh[zh.index("@font-face"):]
    assert {ord(c) for c in cjk_characters(visible)} <= embedded_cmap(face)
    assert face.index("}") < face.index(font_stack_css())  # the face, then the stack on every element


# -- the index page ---------------------------------------------------------------------------------

def _run(folder, run_id, started, figures, status="ok"):
    folder.mkdir(parents=True)
    (folder / "results").mkdir()
    (folder / "results" / "s.json").write_text(json.dumps({"study": "s", "results": figures, "tables": {}}),
                                               encoding="utf-8")
    manifest = {"run_id": run_id, "status": status, "started": started, "git": {"commit": "abc", "dirty": False},
                "studies": {"s": {"title": "Overview", "status": "ok", "duration_seconds": 2.5,
                                  "parameters": {"data": "retail_demo", "observation_end": "2026-10-31"},
                                  "notebook": "s.ipynb", "html": "s.html", "results": "results/s.json",
                                  "error": None}}}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return manifest


def _figure(name, value, unit, en, zh, **extra):
    return {"name": name, "value": value, "unit": unit, "label": {"en": en, "zh": zh}, "headline": True, **extra}


def test_index_shows_units_assumptions_and_changes_since_the_previous_run(tmp_path, no_font):
    from cvm_lib.report.html import previous_run, write_index

    out = tmp_path / "out"
    old = [_figure("active_share", 0.488, "share", "Active customers", "活跃客户占比"),
           _figure("revenue", 1_000_000.0, "currency", "Revenue", "销售额"),
           _figure("customers", 20_000, "customers", "Customers", "客户数"),
           _figure("tenure", 30.0, "W", "Mean tenure", "平均客户年龄")]
    _run(out / "20261101-020000", "20261101-020000", "2026-11-01T02:00:00+00:00", old)
    (out / "latest").symlink_to("20261101-020000")
    new = [_figure("active_share", 0.52, "share", "Active customers", "活跃客户占比"),
           _figure("revenue", 950_000.0, "currency", "Revenue", "销售额"),
           _figure("customers", 20_000, "customers", "Customers", "客户数"),
           _figure("tenure", 30.5, "W", "Mean tenure", "平均客户年龄"),
           _figure("loss_share", 0.12, "share", "Customers losing money", "亏损客户占比",
                   assumption={"en": "profitability assumes a 30% margin", "zh": "盈利能力按 30% 毛利率假设"}),
           {"name": "not_shown", "value": 1, "unit": "", "label": {"en": "Hidden", "zh": "隐藏"}, "headline": False}]
    manifest = _run(out / ".incomplete-20261202-020000", "20261202-020000", "2026-12-02T02:00:00+00:00", new)
    previous = previous_run(out, "20261202-020000")
    assert previous is not None and previous[0].name == "20261101-020000"
    run = out / ".incomplete-20261202-020000"
    write_index(run, manifest, lang="zh", previous=previous)
    page = re.sub(r"<style>.*?</style>", "", (run / "index.html").read_text(encoding="utf-8"), flags=re.S)
    assert "较 2026-11-01 ▲ 3.2 个百分点" in page
    assert "较 2026-11-01 ▼ 5.0%" in page and "¥950,000" in page
    assert "较 2026-11-01 持平" in page and "20,000 位客户" in page
    assert "较 2026-11-01 ▲ 0.5 周" in page and "30.5 周" in page
    assert "较 2026-11-01 之后新增" not in page and "2026-11-01 之后新增" in page  # a figure the old run lacked
    assert "假设：盈利能力按 30% 毛利率假设" in page
    assert "数据：retail_demo（内置数据集） · 观察期截至 2026-10-31" in page
    assert "观察期截至 2026-10-31" in page and "与上一次成功运行 20261101-020000" in page
    assert "隐藏" not in page and "Revenue" not in page
    write_index(run, manifest, lang="en", previous=previous)
    page = (run / "index.html").read_text(encoding="utf-8")
    assert "▲ 3.2 pts since 2026-11-01" in page and "▼ 5.0% since 2026-11-01" in page
    assert "Assumption: profitability assumes a 30% margin" in page and "¥950,000" in page  # retail_demo is in ¥
    # The parameters a study ran with, its notebook's defaults included, decide the data line and currency.
    write_index(run, manifest, lang="zh", previous=previous, parameters={"s": {"data": "cdnow", "lang": "zh"}})
    page = (run / "index.html").read_text(encoding="utf-8")
    assert "数据：cdnow（内置数据集）" in page and "$950,000" in page and "观察期截至" not in page


def test_previous_run_is_only_a_complete_successful_one(tmp_path):
    from cvm_lib.report.html import previous_run

    out = tmp_path / "out"
    assert previous_run(out) is None
    _run(out / "r1", "r1", "2026-11-01T00:00:00+00:00", [])
    (out / "latest").symlink_to("r1")
    assert previous_run(out, "r1") is None  # the run itself
    assert previous_run(out, "r2")[0].name == "r1"
