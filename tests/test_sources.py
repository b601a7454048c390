"""cvm_lib.sources: the data source described once (config block, command line), loaded from files,
DuckDB database files and bundled names; the run snapshot; `cvm check-data`."""

from __future__ import annotations

import argparse

import duckdb
import nbformat
import pandas as pd
import pytest

from cvm_lib.cli import data_source, main
from cvm_lib.data import CvmDataError, load_transactions
from cvm_lib.datasets import load_dataset
from cvm_lib.report.snapshot import is_snapshot, read_snapshot, write_snapshot
from cvm_lib.sources import DataSource, check_report, describe_keys, parse_assignment, redact_url

CSV = ("会员卡号,消费日期,消费金额,渠道\n"
       "000880110815,2024-01-03,120.50,门店\n"
       "000880110815,2024-02-03,-20.50,门店\n"
       "000123,2024/3/7,\"￥1,200\",线上\n"
       "000123,2024-04-01,5,线上\n")


@pytest.fixture
def export(tmp_path):
    path = tmp_path / "会员消费明细.csv"
    path.write_bytes(CSV.encode("gbk"))
    return path


# ------------------------------------------------------------------ describing a source

def test_config_block_maps_columns_and_options_to_the_loader(export):
    ds = DataSource.from_config({"source": str(export), "columns": {"customer_id": "会员卡号", "channel": "渠道"},
                                 "options": {"on_negative": "net"}})
    assert ds.kind == "file" and ds.columns == {"customer": "会员卡号", "channel": "渠道"}
    tx = ds.load()
    direct = load_transactions(export, customer_col="会员卡号", channel_col="渠道", on_negative="net")
    pd.testing.assert_frame_equal(tx, direct)
    assert tx["customer_id"].tolist() == ["000880110815", "000123", "000123"]  # leading zeros kept
    assert tx["amount"].tolist() == [100.0, 1200.0, 5.0]  # the return netted into its purchase


@pytest.mark.parametrize("block, message", [
    ({"source": "x.csv", "colums": {}}, r"unknown key\(s\) \['colums'\]"),
    ({"columns": {"customer": "id"}}, "needs a source"),
    ({"source": "x.csv", "columns": {"client": "id"}}, "unknown key 'client'"),
    ({"source": "x.csv", "options": {"on_negativ": "net"}}, "unknown option 'on_negativ'"),
    ({"source": "x.csv", "options": {"customer_col": "id"}}, "is a column mapping; write it under columns"),
    ({"source": "x.csv", "table": "sales"}, "table/query apply to a database source"),
    ({"source": "cdnow", "options": {"on_negative": "net"}}, "not to the bundled data set 'cdnow'"),
    ({"source": "a.duckdb", "table": "t", "query": "select 1"}, "either table or query"),
    ({"source": "mysql://u@h/db", "table": "t"}, "unsupported URL scheme 'mysql'"),
    ({"source": "x.csv", "options": ["on_negative"]}, "options must be a mapping"),
])
def test_bad_data_blocks_are_refused_naming_the_key(block, message):
    with pytest.raises(CvmDataError, match=message):
        DataSource.from_config(block, where="own.yaml")


def test_command_line_values_and_passwords():
    assert parse_assignment("header_row=2", "--option") == ("header_row", 2)
    assert parse_assignment("on_negative=net", "--option") == ("on_negative", "net")
    assert parse_assignment("header=false", "--option") == ("header", False)
    assert parse_assignment("customer=001", "--column") == ("customer", "001")  # names stay text
    with pytest.raises(CvmDataError, match="NAME=VALUE"):
        parse_assignment("on_negative", "--option")
    assert redact_url("postgresql://u:p%40ss@h/db") == "postgresql://u:***@h/db"
    assert "p@ss" not in DataSource("postgresql://u:p@ss@h/db", table="t").display


def _args(**given):
    base = {"config": None, "data": None, "column": None, "option": None, "table": None, "query": None}
    return argparse.Namespace(**{**base, **given})


def test_command_line_goes_on_top_of_the_config_block(export, tmp_path):
    config = {"data": {"source": str(export), "columns": {"customer": "会员卡号"}, "options": {"on_negative": "net"}}}
    ds = data_source(_args(option=["on_zero=drop"], column=["channel=渠道"]), config)
    assert ds.options == {"on_negative": "net", "on_zero": "drop"}
    assert ds.columns == {"customer": "会员卡号", "channel": "渠道"}
    other = tmp_path / "other.csv"
    other.write_bytes(CSV.encode("gbk"))
    moved = data_source(_args(data=str(other)), config)  # another export of the same system: same mapping
    assert moved.source == str(other) and moved.columns == {"customer": "会员卡号"}
    assert data_source(_args(data="cdnow_sample"), config).columns == {}  # a bundled set takes no mapping
    assert data_source(_args(), {"parameters": {}}) is None
    with pytest.raises(Exception, match="given twice"):
        data_source(_args(), {"data": {"source": "cdnow"}}, suite_data="cdnow")
    with pytest.raises(CvmDataError, match="input file 'nope.csv' not found"):
        data_source(_args(data="nope.csv"), {})


# ------------------------------------------------------------------ databases: DuckDB file

@pytest.fixture
def duck(tmp_path, export):
    raw = pd.read_csv(export, encoding="gbk", dtype=str)
    path = tmp_path / "shop.duckdb"
    con = duckdb.connect(str(path))
    con.register("raw", raw)
    con.execute('create table sales as select * from raw')
    con.close()
    return path


def test_duckdb_file_table_query_and_url_equal_the_csv(duck, export):
    options = {"on_negative": "net"}
    expected = DataSource(str(export), options=options).load()
    loads = [DataSource(str(duck), options=options).load(),  # the only table
             DataSource(str(duck), options=options, table="sales").load(),
             DataSource(f"duckdb://{duck}", options=options, table="main.sales").load(),
             DataSource(str(duck), options=options,
                        query='select "会员卡号", "消费日期", "消费金额", "渠道" from sales').load()]
    for tx in loads:
        pd.testing.assert_frame_equal(tx, expected)
    assert loads[1].attrs["load_report"]["source"] == f"{duck} table sales"


def test_duckdb_errors_name_the_database_and_the_tables(duck, tmp_path):
    con = duckdb.connect(str(duck))
    con.execute("create table other (x int)")
    con.close()
    with pytest.raises(CvmDataError, match=r"2 tables \(other, sales\); name one with table"):
        DataSource(str(duck)).load()
    with pytest.raises(CvmDataError, match=r"no table 'nosuch' in the database; tables: other, sales"):
        DataSource(str(duck), table="nosuch").load()
    with pytest.raises(CvmDataError, match=r"table sales: .*消费金额.*result row\(s\) 2.*--option on_negative="):
        DataSource(str(duck), table="sales").load()
    with pytest.raises(CvmDataError, match="Catalog Error|does not exist"):
        DataSource(str(duck), query="select * from missing").load()
    broken = tmp_path / "broken.duckdb"
    broken.write_bytes(b"not a database at all" * 100)
    with pytest.raises(CvmDataError, match="cannot be opened as a DuckDB database"):
        DataSource(str(broken), table="t").load()
    with pytest.raises(CvmDataError, match="not found"):
        DataSource(str(tmp_path / "none.duckdb"), table="t").load()


# ------------------------------------------------------------------ snapshot

def test_snapshot_round_trip_keeps_dtypes_ids_and_the_load_report(export, tmp_path):
    tx, raw = DataSource(str(export), options={"on_negative": "net"}).load_with_raw()
    assert list(raw) == [str(export.resolve())]
    path = tmp_path / "run" / "data" / "transactions.parquet"
    info = write_snapshot(tx, path, source={"source": str(export)}, raw_sha256=raw)
    assert info["rows"] == 3 and len(info["sha256"]) == 64 and is_snapshot(path)
    back = read_snapshot(path)
    pd.testing.assert_frame_equal(back, tx)
    assert back.attrs["load_report"]["problems"] == tx.attrs["load_report"]["problems"]
    assert back.attrs["load_report"]["encoding"] == "gb18030"
    # the studies' entry point reads a snapshot as written: the report of the original load survives
    via_studies = load_dataset(str(path))
    assert via_studies.attrs["load_report"]["source"] == str(export)
    pd.testing.assert_frame_equal(via_studies, tx)
    plain = tmp_path / "plain.parquet"
    tx.to_parquet(plain)
    assert not is_snapshot(plain) and not is_snapshot(export)
    with pytest.raises(CvmDataError, match="not a cvm data snapshot"):
        read_snapshot(plain)


# ------------------------------------------------------------------ check-data and list

def test_check_data_reports_encoding_mapping_unused_columns_quality_and_rows(export, capsys):
    assert main(["check-data", str(export), "--option", "on_negative=net"]) == 0
    out = capsys.readouterr().out
    assert "encoding:   gb18030" in out
    assert "customer_id <- '会员卡号'" in out and "channel <- '渠道'" in out
    assert "not used:   (none)" in out
    assert "on_negative=net" in out and "netted" in out
    assert "000880110815" in out and "RESULT: ok" in out


def test_check_data_exits_2_with_the_problem_and_the_option(export, capsys, tmp_path):
    assert main(["check-data", str(export)]) == 2
    out = capsys.readouterr().out
    assert "RESULT: the data cannot be used" in out and "line 3" in out and "--option on_negative=" in out
    config = tmp_path / "own.yaml"
    config.write_text(f"data:\n  source: {export}\n  options: {{on_negative: drop}}\n", encoding="utf-8")
    assert main(["check-data", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "on_negative=drop" in out and "dropped" in out
    assert main(["check-data"]) == 2
    assert "needs a SOURCE" in capsys.readouterr().err


def test_check_report_of_a_bundled_set():
    text, ok = check_report(DataSource("cdnow_sample"), rows=3)
    assert ok and "(bundled)" in text and "2,357" in text
    quality = text.split("\n\n")[1]  # the quality table: counts and amounts as people read them
    assert "6,919" in quality and "244,091.94" in quality and "6919" not in quality


def test_readable_numbers_leave_the_quality_values_themselves_alone():
    from cvm_lib.sources import _readable_numbers, quality_report

    table = quality_report(load_dataset("cdnow_sample"))
    shown = _readable_numbers(table)
    assert 6919 in set(table.iloc[:, 2]) and "6,919" in set(shown.iloc[:, 2])
    assert "1997-01-01" in set(shown.iloc[:, 2].astype(str))


def test_list_shows_the_data_source_keys_once(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert out.count("data source —") == 1
    assert "columns  customer, date, amount" in out and "on_negative=error|drop|net" in out
    assert "customer_col" not in out  # the studies no longer map columns each on its own
    assert "00_data_overview" in describe_keys(["00_data_overview"])


# ------------------------------------------------------------------ cvm run with a source

def _notebook(path, body):
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('data: str = "cdnow_sample"  # data\nlang: str = "en"')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# T"), params, nbformat.v4.new_code_cell(body)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


@pytest.mark.slow
def test_run_gives_every_study_the_snapshot_and_a_bundled_name_as_is(export, tmp_path, capsys):
    import json

    books = tmp_path / "books"
    body = ("from cvm_lib.datasets import load_dataset\nfrom cvm_lib.results import record\n"
            "tx = load_dataset(data)\nrecord('ids', ','.join(sorted(tx['customer_id'].unique())))\n"
            "record('source', str(tx.attrs.get('load_report', {}).get('source')))")
    _notebook(books / "a.ipynb", body)
    _notebook(books / "b.ipynb", body)
    out = tmp_path / "reports"
    code = main(["--notebooks", str(books), "run", "--data", str(export), "--option", "on_negative=net",
                 "--out", str(out), "--quiet"])
    assert code == 0, capsys.readouterr().err
    run = (out / "latest").resolve()
    for study in ("a", "b"):
        values = {r["name"]: r["value"] for r in
                  json.loads((run / "results" / f"{study}.json").read_text(encoding="utf-8"))["results"]}
        assert values == {"ids": "000123,000880110815", "source": str(export)}
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["data"]["options"] == {"on_negative": "net"} and manifest["data"]["rows"] == 3
    config = tmp_path / "bundled.yaml"
    config.write_text("data:\n  source: cdnow_sample\n", encoding="utf-8")
    assert main(["--notebooks", str(books), "run", "a", "--config", str(config), "--out", str(out), "--quiet"]) == 0
    manifest = json.loads(((out / "latest").resolve() / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["studies"]["a"]["parameters"]["data"] == "cdnow_sample" and "data" not in manifest


def test_column_errors_name_the_cvm_flag(tmp_path, export):
    with pytest.raises(CvmDataError, match=r"'会员号'.*--column customer=YOUR_COLUMN"):
        DataSource(str(export), columns={"customer": "会员号"}).load()
    plain = tmp_path / "plain.csv"
    plain.write_text("card,day,paid\n1,2024-01-01,3\n", encoding="utf-8")
    with pytest.raises(CvmDataError, match=r"no customer_id column.*--column customer=YOUR_COLUMN"):
        DataSource(str(plain)).load()
