"""results.xlsx: one sheet per recorded table, headers in the report language, numbers as numbers."""

import pandas as pd
import pytest
from openpyxl import load_workbook

from cvm_lib import results
from cvm_lib.labels import label
from cvm_lib.report.workbook import SHEET_MAX_ROWS, write_workbook

HOSTILE = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+cmd|' /C calc'!A0", "@SUM(A1:A9)", "-2+3", "web"]


@pytest.fixture
def run(tmp_path, monkeypatch):
    """A run folder whose study recorded tables the way cvm_lib.studies.show does."""
    folder = tmp_path / "run"
    monkeypatch.setenv(results.RESULTS_DIR_ENV, str(folder / "results"))
    monkeypatch.setenv(results.STUDY_ENV, "01_segmentation")
    results.reset()
    table = pd.DataFrame({"customer_id": ["007", "012", "100", "101", "102"], "customers": [1200, 35, 7, 0, 3],
                          "value_share": [0.8123, 0.1877, 0.0, 0.5, 0.25], "revenue": [1234.5, -3.25, 0.0, 1.0, 2.0],
                          "p_value": [0.0001, 0.2, 0.5, 0.04, 1.0], "channel": HOSTILE,
                          "store_17": [1.5, 2.5, None, 3.0, 4.0], "unlabelled": [1, 2, 3, 4, 5],
                          "mixed": ["x.csv", "12", "0.5", "007", None]})
    results.record_table("segments: by [value] and channel, q1", table, index=False,
                         info={"context": "segmentation", "fields": {}, "kinds": {"channel": "category"},
                               "raw_columns": ["store_17"]})
    results.record_table("segments: by [value] and channel, q2", table.head(2), index=False)  # same sheet name once cut
    results.record("customers", 1242, "customers", label={"en": "Customers", "zh": "客户数"}, headline=True)
    results.record("gini", 0.61, "share", label={"en": "Gini", "zh": "基尼系数"}, headline=True,
                   assumption={"en": "amounts net of returns", "zh": "金额已扣除退货"})
    results.record("summary", "20% bring 80%", "text", label={"en": "Summary", "zh": "概要"})
    manifest = {"studies": {"01_segmentation": {"results": "results/01_segmentation.json",
                                                "parameters": {"data": "retail_demo"}}}}
    yield folder, manifest
    results.reset()


def test_sheets_headers_numbers_formats_and_formula_safety(run):
    folder, manifest = run
    path = write_workbook(folder, manifest, lang="zh")
    assert path == folder / "results.xlsx" and not list(folder.glob(".*.tmp"))
    book = load_workbook(path)
    names = book.sheetnames
    assert names[:2] == ["目录", "关键指标"] and len(names) == 4
    assert all(len(n) <= 31 and not set(n) & set("[]:*?/\\") for n in names)
    assert len({n.lower() for n in names}) == len(names)
    sheet = book[names[2]]
    headers = [c.value for c in sheet[1]]
    assert headers == ["客户", "客户数", "价值占比", "销售额", "p 值", "channel", "store_17", "unlabelled", "mixed"]
    rows = list(sheet.iter_rows(min_row=2))
    ids = [r[0] for r in rows]
    assert [c.value for c in ids] == ["007", "012", "100", "101", "102"] and ids[0].data_type == "s"
    assert rows[0][1].value == 1200 and rows[0][1].number_format == "#,##0"
    assert rows[0][2].value == pytest.approx(0.8123) and rows[0][2].number_format == "0.0%"
    assert rows[1][3].value == pytest.approx(-3.25) and rows[1][3].number_format.startswith('"¥"#,##0.00')
    assert rows[0][4].number_format == "0.000"
    channel = [r[5] for r in rows]
    assert all(c.data_type == "s" for c in channel)
    assert [c.value for c in channel] == ["'" + HOSTILE[0], "'" + HOSTILE[1], "'" + HOSTILE[2], "'-2+3", "web"]
    assert rows[2][6].value is None and rows[0][6].value == 1.5  # missing stays empty, not "nan"
    assert rows[0][7].value == 1
    assert [r[8].value for r in rows] == ["x.csv", 12, 0.5, "007", None]  # numbers where they are numbers
    figures = book["关键指标"]
    table = [[c.value for c in r] for r in figures.iter_rows(min_row=1)]
    assert table[0] == ["研究", "name", "指标", "数值", "单位", "假设", "核心指标"]
    gini = next(r for r in figures.iter_rows(min_row=2) if r[1].value == "gini")
    assert gini[2].value == "基尼系数" and gini[3].value == pytest.approx(0.61) and gini[3].number_format == "0.0%"
    assert gini[5].value == "金额已扣除退货" and gini[6].value == "是"
    customers = next(r for r in figures.iter_rows(min_row=2) if r[1].value == "customers")
    assert customers[3].value == 1242 and customers[4].value == "位客户"
    contents = [[c.value for c in r] for r in book["目录"].iter_rows(min_row=2)]
    assert [r[0] for r in contents] == names[2:] and contents[0][3] == 5


def test_english_headers_and_cut_tables(run, monkeypatch):
    folder, manifest = run
    monkeypatch.setattr("cvm_lib.report.workbook.SHEET_MAX_ROWS", 3)
    book = load_workbook(write_workbook(folder, manifest, lang="en"))
    assert book.sheetnames[:2] == ["Contents", "Key figures"]
    sheet = book[book.sheetnames[2]]
    assert [c.value for c in sheet[1]][:4] == ["Customer", "Customers", "Share of value", "Revenue"]
    assert sheet.max_row == 4  # header + 3 rows
    note = [c.value for c in book["Contents"][2]][5]
    assert note == "first 3 rows; the CSV has all 5"
    assert SHEET_MAX_ROWS == 100_000


def test_table_names_that_share_a_file_are_refused(run):
    results.record_table("by value", pd.DataFrame({"n": [1]}))
    with pytest.raises(ValueError, match="tables 'by value' and 'by value[?]' would both be written to "
                                         "01_segmentation__by_value.csv"):
        results.record_table("by value?", pd.DataFrame({"n": [2]}))


def test_header_fields_are_translated(run):
    from cvm_lib.report.workbook import _header
    from cvm_lib.studies._table import header_field as _field

    assert _field(["unit", "W"], "zh") == "周" and _field(["label", "customers"], "en") == "Customers"
    assert _field("x", "zh") == "x"
    assert _header("recency_mean", "zh", {"fields": {"unit": ["unit", "W"]}}, "¥") == "recency_mean"  # no label
    assert _header("value", "zh", {"context": "segmentation", "fields": {}}, "¥") == label("value", "zh", context="segmentation")
    # a header with a {field}: filled with the field in the report language
    assert _header("seconds", "zh", {"context": "report", "fields": {"seconds": ["unit", "W"]}}, "¥") == "周 秒"
    assert _header("seconds", "en", {"context": "report", "fields": {"seconds": ["unit", "W"]}}, "$") == "weeks s"
