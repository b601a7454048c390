"""A user's own exports, end to end: a GBK CSV and Excel exports with Chinese headers and returns
run through every transaction study (00–03) from one ``data:`` block; bad data exits 2 in
seconds, before any kernel starts, and publishes nothing."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pandas as pd
import pytest

from cvm_lib.cli import main
from cvm_lib.datasets import simulate_retail
from cvm_lib.report.snapshot import read_snapshot

TRANSACTION_STUDIES = ["00_data_overview", "01_segmentation", "02_value_chain", "03_retention"]


def erp_export(n_customers: int = 400, seed: int = 5) -> pd.DataFrame:
    """An ERP-style export: 12-digit member card numbers with leading zeros, Chinese headers,
    a channel, and three returns (negative amounts) of earlier purchases."""
    tx = simulate_retail(n_customers, seed=seed).transactions
    cards = "000" + tx["customer_id"].str[1:].str.zfill(9)  # C0000001 -> 000000000001
    frame = pd.DataFrame({"会员卡号": cards, "消费日期": tx["date"].dt.strftime("%Y-%m-%d"),
                          "消费金额": tx["amount"].round(2), "渠道": tx["channel"]})
    returns = frame.iloc[[5, 40, 200]].copy()
    returns["消费金额"] = -(returns["消费金额"] / 2).round(2)
    return pd.concat([frame, returns], ignore_index=True)


def write_config(path: Path, source: Path, options: dict) -> Path:
    import yaml

    config = {"studies": TRANSACTION_STUDIES,
              "data": {"source": str(source),
                       "columns": {"customer": "会员卡号", "date": "消费日期", "amount": "消费金额", "channel": "渠道"},
                       "options": options},
              "parameters": {"time_unit": "W", "lang": "zh"},
              "study_parameters": {"02_value_chain": {"models": ["BetaGeo"]},
                                   "03_retention": {"group": "channel"}}}
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def run_suite_on(tmp_path: Path, source: Path, options: dict, frame: pd.DataFrame, capsys) -> Path:
    config = write_config(tmp_path / "own.yaml", source, options)
    out = tmp_path / "reports"
    code = main(["run", "--config", str(config), "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 0, err
    run = (out / "latest").resolve()
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "ok"
    assert set(manifest["data"]["studies"]) == set(TRANSACTION_STUDIES)
    snapshot = run / "data" / "transactions.parquet"
    for study in TRANSACTION_STUDIES:
        assert manifest["studies"][study]["parameters"]["data"] == str(snapshot)
        assert (run / "results" / f"{study}.json").exists()
    tx = read_snapshot(snapshot)
    # ids intact: every card number kept as text, leading zeros and all, no customer merged
    assert set(tx["customer_id"]) == set(frame["会员卡号"])
    assert tx["customer_id"].str.fullmatch(r"000\d{9}").all()
    # returns netted into the purchases: the net spend is what the export says
    assert tx["amount"].sum() == pytest.approx(frame["消费金额"].sum(), abs=1e-6)
    assert (tx["amount"] > 0).all()
    assert manifest["data"]["snapshot_sha256"] == manifest["inputs"]["sha256"][str(snapshot)]
    assert str(source.resolve()) in manifest["data"]["raw_sha256"]
    overview = {r["name"]: r["value"] for r in
                json.loads((run / "results" / "00_data_overview.json").read_text(encoding="utf-8"))["results"]}
    assert frame["会员卡号"].nunique() in overview.values()
    return run


@pytest.mark.slow
def test_gbk_csv_export_runs_through_every_transaction_study(tmp_path, capsys):
    frame = erp_export()
    source = tmp_path / "会员消费明细.csv"
    source.write_bytes(frame.to_csv(index=False).encode("gbk"))
    run = run_suite_on(tmp_path, source, {"on_negative": "net"}, frame, capsys)
    report = read_snapshot(run / "data" / "transactions.parquet").attrs["load_report"]
    assert report["encoding"] in ("gb18030", "gbk")
    assert report["columns"]["customer_id"] == "会员卡号"


@pytest.mark.slow
def test_plain_xlsx_export_with_text_ids_runs_through_every_transaction_study(tmp_path, capsys):
    frame = erp_export(seed=6)
    source = tmp_path / "会员消费明细.xlsx"
    frame.to_excel(source, index=False, sheet_name="明细")  # card numbers written as text cells
    run_suite_on(tmp_path, source, {"on_negative": "net"}, frame, capsys)


@pytest.mark.slow
def test_xlsx_export_with_a_title_row_above_the_header(tmp_path, capsys):
    from openpyxl import Workbook

    frame = erp_export(seed=7)
    source = tmp_path / "会员消费明细_标题.xlsx"
    book = Workbook()
    sheet = book.active
    sheet.title = "明细"
    sheet.append(["会员消费明细表（2023-01-01 至 2024-12-31）"])
    sheet.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        sheet.append(list(row))
    book.save(source)
    options = {"on_negative": "net", "header_row": "auto", "sheet": "明细"}
    run_suite_on(tmp_path, source, options, frame, capsys)


def test_bad_data_exits_2_in_seconds_before_any_kernel_and_publishes_nothing(tmp_path, capsys):
    frame = erp_export(n_customers=100)
    source = tmp_path / "会员消费明细.csv"
    source.write_bytes(frame.to_csv(index=False).encode("gbk"))
    config = write_config(tmp_path / "own.yaml", source, {})  # returns, but no on_negative policy
    out = tmp_path / "reports"
    started = time.monotonic()
    code = main(["run", "--config", str(config), "--out", str(out), "--quiet"])
    elapsed = time.monotonic() - started
    err = capsys.readouterr().err
    assert code == 2
    assert elapsed < 10, f"bad data took {elapsed:.1f}s to refuse"
    assert "消费金额" in err and "negative" in err and "--option on_negative=" in err
    assert "cvm check-data" in err
    # the line numbers are the file's own: header is line 1, the returns were appended last
    assert f"lines {len(frame) - 1}, {len(frame)}, {len(frame) + 1}" in err
    assert not out.exists() or not any(out.iterdir())  # no run folder, no latest


def test_missing_columns_and_wrong_mapping_exit_2_naming_the_column(tmp_path, capsys):
    frame = erp_export(n_customers=50)
    source = tmp_path / "export.csv"
    source.write_bytes(frame.to_csv(index=False).encode("gbk"))
    out = tmp_path / "reports"
    code = main(["run", *TRANSACTION_STUDIES, "--data", str(source), "--column", "customer=会员号",
                 "--option", "on_negative=net", "--out", str(out), "--quiet"])
    assert code == 2
    err = capsys.readouterr().err
    assert "会员号" in err and "会员卡号" in err  # the wrong name, and the columns there are
    assert not out.exists()
