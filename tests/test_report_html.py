"""HTML output renders Chinese anywhere: the CJK glyphs a page uses are embedded in it."""

import base64
import io
import json
import re

from fontTools.ttLib import TTFont

from cvm_lib.report.fonts import cjk_characters, embedded_font_css
from cvm_lib.report.html import write_index


def embedded_cmap(css: str) -> set[int]:
    data = re.search(r"base64,([A-Za-z0-9+/=]+)", css).group(1)
    font = TTFont(io.BytesIO(base64.b64decode(data)))
    return set(font.getBestCmap())


def test_cjk_characters_are_found_sorted_and_unique():
    assert cjk_characters("Revenue 销售额, 客户数：销售") == "".join(sorted(set("销售额客户数：")))
    assert cjk_characters("plain English") == ""


def test_embedded_font_covers_every_cjk_character_of_the_text():
    text = "客户价值管理研究报告 · 重要价值客户（九宫格）"
    css = embedded_font_css(text)
    assert css.startswith("@font-face") and "font/woff" in css
    assert {ord(c) for c in cjk_characters(text)} <= embedded_cmap(css)
    assert embedded_font_css("no Chinese here") == ""


def test_embedded_subset_is_small_and_deterministic():
    css = embedded_font_css("数据概览")
    assert len(css) < 40_000
    assert css == embedded_font_css("数据概览")


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


def test_index_formats_shares_large_numbers_and_text():
    from cvm_lib.report.html import _format

    assert _format(0.4886, "share") == ("48.9%", "")
    assert _format(-95370.4, "") == ("-95,370.4", "")
    assert _format(2500315.63, "") == ("2,500,316", "")
    assert _format(1234.56, "USD") == ("1,234.6", "USD")
    assert _format(0.81873, "purchases") == ("0.8187", "purchases")
    assert _format("20.0% of customers bring 67.8% of value", "text") == ("20.0% of customers bring 67.8% of value", "")
    assert _format(23570, "") == ("23,570", "")
