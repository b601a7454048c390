"""A report in either language from the same machine outputs: a tiny bilingual study run end to end.

The notebook is built here (the real studies have the same shape: ``set_display``, ``show``,
``key_figure``, markdown split into ``lang-zh`` / ``lang-en`` cells). Its en and zh runs
must record byte-identical ``results/*.json`` and ``*.csv``; the pages, the index and
``results.xlsx`` are in the run's language; a second run in the same folder shows the
change of each headline figure since the first.
"""

import json
import re
from pathlib import Path

import nbformat
import pytest
from openpyxl import load_workbook

from cvm_lib.cli import main

pytestmark = pytest.mark.slow  # starts Jupyter kernels

PARAMS = '''lang: str = "en"               # language {en, zh}
currency: str | None = None    # currency symbol; None: ¥ for zh, $ for en
scale: float = 1.0             # multiplies the amounts (0, inf)'''

BODY = '''import pandas as pd
from cvm_lib.studies import key_figure, load_case, record_figures, set_display, show
set_display(lang, currency)
tx = pd.DataFrame({"customer_id": ["a", "a", "b", "c", "c", "d"],
                   "date": pd.to_datetime(["2024-01-03", "2024-02-05", "2024-01-09", "2024-02-11", "2024-02-20",
                                           "2024-02-21"]),
                   "amount": [10.0, 25.5, 40.0, 5.0, 7.25, 1200.0]})
tx["amount"] *= scale
case = load_case(tx, currency=currency)
by_period = (tx.assign(period=tx["date"].dt.strftime("%Y-%m")).groupby("period")
             .agg(customers=("customer_id", "nunique"), revenue=("amount", "sum")).reset_index())
by_period["value_share"] = by_period["revenue"] / by_period["revenue"].sum()
show("by_period", by_period, context="report")'''

FIGURES = '''record_figures([
    key_figure("customers", int(tx["customer_id"].nunique()), "customers", context="report", headline=True),
    key_figure("revenue", float(tx["amount"].sum()), "currency", context="report", headline=True),
    key_figure("value_share", float(by_period["value_share"].iloc[-1]), "share", context="report", headline=True,
               assumption="report.bundled", fields={"name": "demo"}),
    key_figure("purchases", len(tx), "transactions", context="report"),
])'''


def bilingual_notebook(path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell(PARAMS)
    params.metadata["tags"] = ["parameters"]
    zh = nbformat.v4.new_markdown_cell("## 各月销售额\n\n按月份汇总。")
    zh.metadata["tags"] = ["lang-zh"]
    en = nbformat.v4.new_markdown_cell("## Revenue by month\n\nSummed per month.")
    en.metadata["tags"] = ["lang-en"]
    title_zh = nbformat.v4.new_markdown_cell("# 双语研究")
    title_zh.metadata["tags"] = ["lang-zh"]
    title_en = nbformat.v4.new_markdown_cell("# Bilingual study")
    title_en.metadata["tags"] = ["lang-en"]
    nb.cells = [title_zh, title_en, params, zh, en,
                nbformat.v4.new_code_cell(BODY), nbformat.v4.new_markdown_cell("Both languages · 两种语言"),
                nbformat.v4.new_code_cell(FIGURES)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The study run in English, in Chinese, and again in Chinese with other amounts (same folder)."""
    root = tmp_path_factory.mktemp("bilingual")
    books = root / "notebooks"
    bilingual_notebook(books / "bi.ipynb")
    done = {}
    for name, args in {"en": ["--lang", "en"], "zh": ["--lang", "zh"]}.items():
        out = root / name
        assert main(["--notebooks", str(books), "run", "bi", "--out", str(out), "--quiet", *args]) == 0
        done[name] = (out / "latest").resolve()
    first_zh = done["zh"]
    assert main(["--notebooks", str(books), "run", "bi", "--out", str(root / "zh"), "--quiet", "--lang", "zh",
                 "-p", "scale=1.5"]) == 0
    done["zh_again"] = (root / "zh" / "latest").resolve()
    assert done["zh_again"] != first_zh
    done["zh_first"] = first_zh
    return done


def test_machine_outputs_do_not_depend_on_the_language(runs):
    en = sorted(p.relative_to(runs["en"]) for p in (runs["en"] / "results").rglob("*") if p.is_file())
    zh = sorted(p.relative_to(runs["zh"]) for p in (runs["zh"] / "results").rglob("*") if p.is_file())
    assert en == zh and any(p.suffix == ".csv" for p in en) and any(p.suffix == ".json" for p in en)
    for path in en:
        assert (runs["en"] / path).read_bytes() == (runs["zh"] / path).read_bytes(), path
    payload = json.loads((runs["en"] / "results" / "bi.json").read_text(encoding="utf-8"))
    figure = {r["name"]: r for r in payload["results"]}["value_share"]
    assert figure["label"] == {"en": "Share of value", "zh": "价值占比"}
    assert set(figure["assumption"]) == {"en", "zh"}
    assert payload["table_info"]["by_period"]["context"] == "report"
    header = (runs["en"] / "results" / "bi__by_period.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert header == "period,customers,revenue,value_share"


def test_study_page_keeps_only_the_report_language(runs):
    zh = (runs["zh"] / "bi.html").read_text(encoding="utf-8")
    en = (runs["en"] / "bi.html").read_text(encoding="utf-8")
    assert "各月销售额" in zh and "Revenue by month" not in zh
    assert "Revenue by month" in en and "各月销售额" not in en
    assert "两种语言" in zh and "两种语言" in en  # untagged cells are in both
    assert '<table class="cvm-table">' in zh and "客户数" in zh and "价值占比" in zh and "Customers" not in zh
    assert "table.cvm-table" in zh  # the report's table styles
    executed = nbformat.read(runs["zh"] / "bi.ipynb", as_version=4)
    sources = "".join(c.source for c in executed.cells)
    assert "各月销售额" in sources and "Revenue by month" in sources  # the notebook keeps both


def test_index_page_is_in_the_report_language(runs):
    page = (runs["zh_first"] / "index.html").read_text(encoding="utf-8")
    visible = re.sub(r"<style>.*?</style>", "", page, flags=re.S)
    assert "关键指标" in visible or "指标" in visible
    for text in ("客户数", "销售额", "价值占比", "¥1,288", "4 位客户", "假设：demo（内置数据集）", "成功"):
        assert text in visible, text
    assert "Customers" not in visible and "Key figures" not in visible
    assert "bi — 双语研究" in visible and "Bilingual study" not in visible
    assert "此文件夹中没有更早的成功运行" in visible  # the first run in its folder: no changes
    english = (runs["en"] / "index.html").read_text(encoding="utf-8")
    assert "$1,288" in english and "4 customers" in english and "Share of value" in english
    assert "bi — Bilingual study" in english and "双语研究" not in english


def test_index_shows_the_change_since_the_previous_run(runs):
    page = (runs["zh_again"] / "index.html").read_text(encoding="utf-8")
    first = json.loads((runs["zh_first"] / "manifest.json").read_text(encoding="utf-8"))
    date = first["started"][:10]
    assert f"与上一次成功运行 {first['run_id']}" in page
    assert f"较 {date} ▲ 50.0%" in page  # revenue x1.5
    assert f"较 {date} 持平" in page  # customers and the share of the last month are unchanged


def test_results_workbook_has_translated_headers_numbers_and_formats(runs):
    book = load_workbook(runs["zh"] / "results.xlsx")
    assert book.sheetnames[:2] == ["目录", "关键指标"]
    sheet = book[next(n for n in book.sheetnames if "by_period" in n)]
    headers = [c.value for c in sheet[1]]
    assert headers == ["期间", "客户数", "销售额", "价值占比"]
    row = [c for c in sheet[2]]
    assert row[0].value == "2024-01" and row[0].data_type == "s"
    assert isinstance(row[1].value, (int, float)) and row[1].number_format == "#,##0"
    assert isinstance(row[2].value, (int, float)) and "¥" in row[2].number_format
    assert isinstance(row[3].value, (int, float)) and row[3].number_format == "0.0%"
    figures = book["关键指标"]
    labels = [r[2].value for r in figures.iter_rows(min_row=2)]
    assert "价值占比" in labels and "客户数" in labels
    english = load_workbook(runs["en"] / "results.xlsx")
    assert [c.value for c in english[english.sheetnames[2]][1]] == ["Period", "Customers", "Revenue",
                                                                    "Share of value"]
