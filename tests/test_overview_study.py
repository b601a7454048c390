"""The data overview study: stable recorded tables, catalogue coverage, readable Chinese, numbers from the log."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from cvm_lib import results
from cvm_lib.labels import entry
from cvm_lib.studies import _table, overview, record_figures, set_display


def _run(lang: str, folder, monkeypatch) -> dict[str, pd.DataFrame]:
    monkeypatch.setenv(results.RESULTS_DIR_ENV, str(folder))
    monkeypatch.setenv(results.STUDY_ENV, "00_data_overview")
    results.reset()
    set_display(lang)
    case = overview.load("cdnow_sample")
    shown = {"data_quality": overview.data_quality(case), "activity": overview.activity(case, "M")}
    summary = overview.customer_summary(case, "W")
    shown["customer_summary"] = overview.summary_statistics(summary)
    record_figures(overview.key_figures(case, summary))
    return shown


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    monkeypatch = pytest.MonkeyPatch()
    saved = dict(_table._DISPLAY)
    out = {}
    try:
        for lang in ("en", "zh"):
            folder = tmp_path_factory.mktemp(lang)
            out[lang] = (folder, _run(lang, folder, monkeypatch))
    finally:
        monkeypatch.undo()
        results.reset()
        _table._DISPLAY.update(saved)
    return out


def test_en_and_zh_record_identical_files(runs):
    (en_dir, _), (zh_dir, _) = runs["en"], runs["zh"]
    names = sorted(p.name for p in en_dir.glob("*.csv"))
    assert names == sorted(p.name for p in zh_dir.glob("*.csv")) and len(names) == 3
    for name in names:
        assert (en_dir / name).read_bytes() == (zh_dir / name).read_bytes(), name
    assert (en_dir / "00_data_overview.json").read_text() == (zh_dir / "00_data_overview.json").read_text()
    header = (en_dir / "00_data_overview__data_quality.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert header == "item,column,value,policy,action"


def test_every_recorded_column_has_a_documented_label_in_both_languages(runs):
    for name, table in runs["en"][1].items():
        for column in table.data.columns:
            found = entry(column, "overview")
            assert found.en and found.zh and found.doc, (name, column)


def test_chinese_tables_have_no_english_header_no_raw_float_and_no_nan(runs):
    for name, table in runs["zh"][1].items():
        frame = table.to_frame("zh")
        for header in frame.columns:
            assert re.search(r"[\u4e00-\u9fff]", header), (name, header)
        cells = [str(v) for v in frame.to_numpy().ravel()]
        assert not [c for c in cells if re.fullmatch(r"-?\d+\.\d{4,}", c)], name
        assert not [c for c in cells if c.lower() in ("nan", "nat", "none")], name
    quality = runs["zh"][1]["data_quality"].to_frame("zh")
    assert quality.iloc[:, 0].tolist()[:4] == ["数据来源", "读取行数", "保留行数", "客户数"]
    assert "已保留" in quality.iloc[:, 4].tolist()  # the bundled CDNOW sample keeps its duplicates and zero amounts


def test_numbers_agree_with_a_direct_count_of_the_log(runs):
    from cvm_lib.datasets import cdnow

    tx = cdnow(sample=True)
    activity = runs["en"][1]["activity"].data
    monthly = tx.groupby(tx["date"].dt.to_period("M"))
    assert activity["purchases"].tolist() == monthly.size().tolist()
    np.testing.assert_allclose(activity["revenue"], monthly["amount"].sum())
    first = tx.groupby("customer_id")["date"].min().dt.to_period("M").value_counts().sort_index()
    assert activity.set_index("period")["new_customers"].loc[first.index].tolist() == first.tolist()
    days = tx.assign(day=tx["date"].dt.normalize()).groupby("customer_id")["day"].nunique()
    stats = runs["en"][1]["customer_summary"].data.set_index("statistic")
    assert stats.loc["mean", "frequency"] == pytest.approx((days - 1).mean())
    assert stats.loc["max", "frequency"] == (days - 1).max()


def test_key_figures_carry_both_labels_and_stable_units(runs, tmp_path):
    import json

    payload = json.loads((runs["zh"][0] / "00_data_overview.json").read_text())
    figures = {f["name"]: f for f in payload["results"]}
    assert figures["customers"]["value"] == 2357 and figures["customers"]["unit"] == "customers"
    assert figures["revenue"]["unit"] == "currency" and figures["repeat_customer_share"]["unit"] == "share"
    assert figures["repeat_customer_share"]["label"] == {"en": "Share of customers who bought again", "zh": "重复购买客户占比"}
    assert 0.4 < figures["repeat_customer_share"]["value"] < 0.6


def test_sentences_are_generated_from_the_data(monkeypatch):
    monkeypatch.setattr(_table, "_DISPLAY", dict(_table._DISPLAY))
    set_display("zh", "¥")
    if True:
        tx = pd.DataFrame({"customer_id": ["a", "a", "b"], "date": pd.to_datetime(["2024-01-05", "2024-03-01", "2024-03-02"]),
                           "amount": [10.0, 5.0, 7.0]})
        case = overview.load(tx)
        text = overview.activity_sentences(case, overview.activity(case, "M")).text("zh")
        assert "2024-03（¥12.00）" in text and "最后一期 2024-03" in text
        assert overview.quality_sentence(case).text("en").startswith("The log was built in memory")
        summary = overview.customer_summary(case, "W")
        assert "1 位重复购买客户" in overview.summary_sentence(summary).text("zh")
        with pytest.raises(ValueError, match="time_unit='Q'"):
            overview.customer_summary(case, "Q")
