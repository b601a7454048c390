"""Tests of cvm_lib.data: formats, encodings, parsing, and every bad-input policy."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cvm_lib.data import (
    POLICIES,
    CvmDataError,
    detect_encoding,
    load_transactions,
    parse_amounts,
    parse_dates,
    quality_table,
    validate_transactions,
)


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


GOOD_CSV = "customer,date,amount\nc1,2024-01-02,10.5\nc2,2024-01-03,20\nc1,2024-02-01,5\n"


# ----------------------------------------------------------------- formats and encodings

def test_csv_round_trip_has_the_tidy_dtypes(tmp_path):
    tx = load_transactions(write(tmp_path / "t.csv", GOOD_CSV))
    assert list(tx.columns) == ["customer_id", "date", "amount"]
    assert tx["customer_id"].dtype == "str"
    assert tx["date"].dtype == "datetime64[ns]"
    assert tx["amount"].dtype == "float64"
    assert tx["amount"].tolist() == [10.5, 20.0, 5.0]
    assert tx.attrs["load_report"]["rows_read"] == 3


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_chinese_headers_in_every_supported_encoding(tmp_path, encoding):
    text = "客户编号,交易日期,金额,数量\n001,2024年3月7日,\"￥1,234.50\",2\n002,2024-03-08,￥88,1\n"
    path = write(tmp_path / "交易.csv", text, encoding)
    tx = load_transactions(path)
    assert tx["customer_id"].tolist() == ["001", "002"]  # leading zeros kept
    assert tx["date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-03-07", "2024-03-08"]
    assert tx["amount"].tolist() == [1234.5, 88.0]
    assert tx["quantity"].tolist() == [2, 1]
    expected = {"gbk": "gb18030"}.get(encoding, encoding)
    assert tx.attrs["load_report"]["encoding"] == expected


def test_detect_encoding_tells_gbk_from_utf8(tmp_path):
    assert detect_encoding(write(tmp_path / "a.csv", "客户,金额\n", "gbk")) == "gb18030"
    assert detect_encoding(write(tmp_path / "b.csv", "客户,金额\n", "utf-8")) == "utf-8"
    assert detect_encoding(write(tmp_path / "c.csv", "客户,金额\n", "utf-8-sig")) == "utf-8-sig"


def test_whitespace_text_without_header(tmp_path):
    path = write(tmp_path / "cdnow.txt", " 00001 19970101  1   11.77\n 00002 19970112  5   77.00\n")
    tx = load_transactions(path, header=False, names=["customer_id", "date", "quantity", "amount"])
    assert tx["customer_id"].tolist() == ["00001", "00002"]
    assert tx["date"].tolist() == [pd.Timestamp("1997-01-01"), pd.Timestamp("1997-01-12")]
    assert tx["quantity"].dtype == "int64"


def test_tsv_parquet_and_excel_give_the_same_log(tmp_path):
    csv = load_transactions(write(tmp_path / "t.csv", GOOD_CSV))
    tsv = load_transactions(write(tmp_path / "t.tsv", GOOD_CSV.replace(",", "\t")))
    frame = pd.read_csv(tmp_path / "t.csv")
    frame.to_parquet(tmp_path / "t.parquet")
    frame.to_excel(tmp_path / "t.xlsx", index=False)
    for other in (tsv, load_transactions(tmp_path / "t.parquet"), load_transactions(tmp_path / "t.xlsx")):
        pd.testing.assert_frame_equal(other, csv)


def test_dataframe_source_and_explicit_column_mapping():
    raw = pd.DataFrame({"会员卡号": [1001, 1002], "消费日期": ["2024/1/2", "2024/1/3"], "实付": [1.0, 2.0],
                        "门店渠道": ["线上", "门店"]})
    tx = load_transactions(raw, amount_col="实付", channel_col="门店渠道")
    assert tx["customer_id"].tolist() == ["1001", "1002"]
    assert tx["channel"].tolist() == ["线上", "门店"]
    assert tx.attrs["load_report"]["columns"]["amount"] == "实付"


def test_optional_columns_are_kept_when_mapped(tmp_path):
    text = "id,when,paid,qty,ch,cat,cogs,inv\na,2024-01-01,10,1,web,books,4,o1\n"
    tx = load_transactions(write(tmp_path / "o.csv", text), customer_col="id", date_col="when", amount_col="paid",
                           quantity_col="qty", channel_col="ch", category_col="cat", cost_col="cogs",
                           order_col="inv")
    assert list(tx.columns) == ["customer_id", "date", "amount", "quantity", "channel", "category", "cost",
                                "order_id"]
    assert tx.loc[0, "cost"] == 4.0 and tx.loc[0, "order_id"] == "o1"


def test_blank_lines_are_skipped_but_row_numbers_stay_true(tmp_path):
    path = write(tmp_path / "b.csv", "customer,date,amount\nc1,2024-01-02,1\n\nc2,2024-01-03,oops\n")
    with pytest.raises(CvmDataError) as err:
        load_transactions(path)
    assert err.value.rows == [4]  # line 4 of the file: header, c1, the blank line, then c2


# ----------------------------------------------------------------- parsers

def test_parse_dates_understands_real_world_forms():
    values = pd.Series(["2024-03-07", "2024/3/7", "20240307", "2024年3月7日", "2024.03.07",
                        "2024-03-07 10:30:00", "2024年3月7日 10:30", "not a date", None])
    parsed = parse_dates(values)
    assert parsed.dtype == "datetime64[ns]"
    assert (parsed.iloc[:5] == pd.Timestamp("2024-03-07")).all()
    assert parsed.iloc[5] == pd.Timestamp("2024-03-07 10:30") == parsed.iloc[6]
    assert parsed.iloc[7:].isna().all()


def test_parse_dates_from_yyyymmdd_integers_and_explicit_format():
    assert parse_dates(pd.Series([19970101, 19971231])).tolist() == [pd.Timestamp("1997-01-01"),
                                                                     pd.Timestamp("1997-12-31")]
    assert parse_dates(pd.Series([123])).isna().all()
    assert parse_dates(pd.Series(["07/03/2024"]), date_format="%d/%m/%Y").iloc[0] == pd.Timestamp("2024-03-07")


def test_parse_amounts_strips_currency_and_separators():
    values = pd.Series(["￥1,234.50", "¥12", "$3", "1，000", "(5.25)", "12元", "RMB 7", " 8 ", "-4.5", "1e3",
                        "abc", None, "inf", "nan", ""])
    parsed = parse_amounts(values).tolist()
    assert parsed[:10] == [1234.5, 12.0, 3.0, 1000.0, -5.25, 12.0, 7.0, 8.0, -4.5, 1000.0]
    assert all(np.isnan(v) for v in parsed[10:])


# ----------------------------------------------------------------- errors name file, column, rows

def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CvmDataError, match="file not found"):
        load_transactions(tmp_path / "nope.csv")


def test_unknown_or_unrecognised_columns(tmp_path):
    path = write(tmp_path / "t.csv", "who,when,what\na,2024-01-01,1\n")
    with pytest.raises(CvmDataError, match=r"no customer_id column found.*customer_col="):
        load_transactions(path)
    with pytest.raises(CvmDataError, match=r"column 'client' .* is not in the data"):
        load_transactions(path, customer_col="client", date_col="when", amount_col="what")


def test_unknown_policy_option_and_value():
    raw = pd.DataFrame({"customer_id": ["a"], "date": ["2024-01-01"], "amount": [1]})
    with pytest.raises(TypeError, match="on_negatives"):
        load_transactions(raw, on_negatives="drop")
    with pytest.raises(ValueError, match="choose one of error, drop, net"):
        load_transactions(raw, on_negative="ignore")


BAD_ROWS = {
    # option: (csv body rows, user column in the message, offending line numbers)
    "on_missing_id": ("c1,2024-01-02,1\n,2024-01-03,2\nc3,2024-01-04,3\n", "客户", [3]),
    "on_bad_date": ("c1,2024-01-02,1\nc2,yesterday,2\nc3,2024-13-45,3\n", "日期", [3, 4]),
    "on_bad_amount": ("c1,2024-01-02,1\nc2,2024-01-03,n/a\n", "金额", [3]),
    "on_future_date": ("c1,2024-01-02,1\nc2,2025-06-01,2\n", "日期", [3]),
    "on_duplicate": ("c1,2024-01-02,1\nc1,2024-01-02,1\n", "客户", [3]),
    "on_negative": ("c1,2024-01-02,10\nc1,2024-01-05,-4\n", "金额", [3]),
    "on_zero": ("c1,2024-01-02,10\nc2,2024-01-05,0\n", "金额", [3]),
}


@pytest.mark.parametrize("option", sorted(BAD_ROWS))
def test_every_policy_error_names_file_column_rows_and_option(tmp_path, option):
    body, column, rows = BAD_ROWS[option]
    path = write(tmp_path / "坏数据.csv", "客户,日期,金额\n" + body, "gbk")
    with pytest.raises(CvmDataError) as err:
        load_transactions(path, observation_end="2024-12-31", **{option: "error"})
    message = str(err.value)
    assert str(path) in message and repr(column) in message and option in message
    assert err.value.rows == rows and err.value.column == column and err.value.option == option
    assert err.value.n_rows == len(rows)
    assert f"{len(rows)} row" in message and ", ".join(map(str, rows)) in message


@pytest.mark.parametrize("option", sorted(BAD_ROWS))
def test_every_policy_drop_removes_exactly_the_offending_rows_and_reports_it(tmp_path, option):
    body, column, rows = BAD_ROWS[option]
    path = write(tmp_path / "t.csv", "客户,日期,金额\n" + body)
    tx = load_transactions(path, observation_end="2024-12-31", **{option: "drop"})
    assert len(tx) == body.count("\n") - len(rows)
    (problem,) = tx.attrs["load_report"]["problems"]
    assert problem["policy"] == f"{option}=drop" and problem["rows"] == len(rows)
    assert problem["first_rows"] == rows
    table = quality_table(tx)
    row = table[table["policy"] == f"{option}=drop"]
    assert row["action"].tolist() == ["dropped"] and row["value"].tolist() == [len(rows)]


def test_defaults_are_documented_and_negative_defaults_to_error():
    assert POLICIES["on_negative"][1] == "error"
    raw = pd.DataFrame({"customer_id": ["a", "a"], "date": ["2024-01-01", "2024-01-02"], "amount": [5, -2]})
    with pytest.raises(CvmDataError, match=r"on_negative='drop' \(or 'net'\)"):
        load_transactions(raw)


def test_duplicates_and_zero_amounts_are_kept_by_default_but_reported():
    raw = pd.DataFrame({"customer_id": ["a", "a", "b"], "date": ["2024-01-01"] * 3, "amount": [5, 5, 0]})
    tx = load_transactions(raw)
    assert len(tx) == 3
    problems = {p["problem"]: p for p in tx.attrs["load_report"]["problems"]}
    assert problems["exact duplicate row"]["first_rows"] == [1]  # DataFrame index label
    assert problems["zero amount"]["action"] == "kept"


def test_future_dates_are_only_checked_with_an_observation_end():
    raw = pd.DataFrame({"customer_id": ["a"], "date": ["2030-01-01"], "amount": [1]})
    assert len(load_transactions(raw)) == 1
    assert len(load_transactions(raw, observation_end="2024-12-31", on_future_date="drop")) == 0


def test_net_returns_against_same_order_then_latest_purchase():
    raw = pd.DataFrame({
        "customer_id": ["a", "a", "a", "a", "b", "c"],
        "date": ["2024-01-01", "2024-01-10", "2024-01-20", "2024-01-15", "2024-01-01", "2024-01-05"],
        "amount": [30.0, 20.0, -25.0, -5.0, 10.0, -7.0],
        "order_id": ["o1", "o2", "o1", None, "o3", "o4"],
    })
    tx = load_transactions(raw, on_negative="net")
    # a: the -5 (no order) hits the latest earlier purchase o2 (20 -> 15); the -25 hits o1 (30 -> 5).
    assert tx.set_index("order_id")["amount"].to_dict() == {"o1": 5.0, "o2": 15.0, "o3": 10.0}
    unmatched = [p for p in tx.attrs["load_report"]["problems"] if p["problem"].startswith("return larger")]
    assert unmatched and unmatched[0]["rows"] == 1 and "7.00" in unmatched[0]["action"]


def test_net_return_that_empties_a_purchase_removes_it():
    raw = pd.DataFrame({"customer_id": ["a", "a", "a"], "date": ["2024-01-01", "2024-01-02", "2024-01-03"],
                        "amount": [10.0, 4.0, -4.0]})
    tx = load_transactions(raw, on_negative="net")
    assert tx["amount"].tolist() == [10.0]


def test_net_returns_keep_zero_amount_purchases_that_on_zero_keeps():
    # A zero-amount purchase (a free sample) is a purchase day; netting a return elsewhere must not drop it.
    raw = pd.DataFrame({"customer_id": ["a", "a", "b", "b"],
                        "date": ["2024-01-01", "2024-01-05", "2024-01-01", "2024-01-02"],
                        "amount": [0.0, 10.0, 8.0, -3.0]})
    tx = load_transactions(raw, on_negative="net", on_zero="keep")
    assert sorted(zip(tx["customer_id"], tx["amount"])) == [("a", 0.0), ("a", 10.0), ("b", 5.0)]


def test_numeric_ids_from_spreadsheets_lose_the_float_suffix():
    raw = pd.DataFrame({"customer_id": [1001.0, 1002.0], "date": ["2024-01-01"] * 2, "amount": [1, 2]})
    assert load_transactions(raw)["customer_id"].tolist() == ["1001", "1002"]


def test_validate_transactions_requires_the_canonical_columns():
    with pytest.raises(CvmDataError, match=r"missing required column\(s\) \['amount'\]"):
        validate_transactions(pd.DataFrame({"customer_id": ["a"], "date": ["2024-01-01"]}))


def test_non_numeric_quantity_is_an_error_with_rows(tmp_path):
    path = write(tmp_path / "q.csv", "customer,date,amount,quantity\na,2024-01-01,1,two\n")
    with pytest.raises(CvmDataError, match=r"'quantity'.*line 2"):
        load_transactions(path)


def test_gbk_file_misread_as_utf8_gives_advice(tmp_path):
    path = write(tmp_path / "g.csv", "客户,日期,金额\n" + "a,2024-01-01,1\n", "gbk")
    with pytest.raises(CvmDataError, match="encoding"):
        load_transactions(path, encoding="utf-8")


def test_raw_files_are_never_modified(tmp_path):
    path = write(tmp_path / "t.csv", GOOD_CSV + "c9,2024-01-05,-1\n")
    before = path.read_bytes()
    load_transactions(path, on_negative="drop")
    assert path.read_bytes() == before


# ----------------------------------------------------------------- new options and the fast paths

def test_large_duplicate_check_equals_pandas_on_planted_duplicates():
    from cvm_lib.data import _duplicated

    rng = np.random.default_rng(1)
    n = 150_000
    ids = np.char.add("customer-long-prefix-", rng.integers(0, 3000, n).astype(str))
    ids[::7] = np.char.add("c", rng.integers(0, 50, len(ids[::7])).astype(str))  # short ids too
    frame = pd.DataFrame({"customer_id": pd.array(ids, dtype="str"),
                          "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 30, n), unit="D"),
                          "amount": rng.integers(0, 20, n) / 2.0})
    frame.loc[5, "customer_id"] = None
    frame.loc[9, "amount"] = -0.0
    expected = frame.duplicated(keep="first").to_numpy()
    assert 1000 < expected.sum() < n  # planted: many true duplicates, most rows unique
    np.testing.assert_array_equal(_duplicated(frame), expected)


def test_string_hash_is_equal_for_equal_strings_across_chunks():
    import pyarrow as pa

    from cvm_lib.data import _string_hash

    words = ["", "a", "abcdefgh", "abcdefghi", "abcdefgh-middle-differs-xyz", "abcdefgh-middle-DIFFERS-xyz", "会员"]
    a = _string_hash(pa.array(words))
    b = _string_hash(pa.chunked_array([words[3:], words[:3]]).combine_chunks())
    assert dict(zip(words, a)) == dict(zip(words[3:] + words[:3], b))
    assert len(set(a[:4])) == 4


def test_amounts_decimal_option_and_refusals():
    values = pd.Series(["12,50", "1.234,50", "1,234.50", "1e308", "inf", "-inf", "nan", "12.50", "(1.234,00)"])
    default = parse_amounts(values).tolist()
    assert np.isnan(default[0]) and np.isnan(default[1]) and default[2] == 1234.5
    assert all(np.isnan(v) for v in default[3:7]) and default[7] == 12.5
    comma = parse_amounts(values, decimal=",").tolist()
    assert comma[0] == 12.5 and comma[1] == 1234.5 and np.isnan(comma[7]) and comma[8] == -1234.0
    assert np.isnan(parse_amounts(pd.Series([1e308, 5.0])).iloc[0])


def test_dates_timezone_partial_and_bounds():
    tz = parse_dates(pd.Series(["2024-03-07T23:30:00+08:00", "2024-03-07 10:00"]), timezone="Asia/Shanghai")
    assert tz.tolist() == [pd.Timestamp("2024-03-07 23:30"), pd.Timestamp("2024-03-07 10:00")]
    assert parse_dates(pd.Series(["1600-01-01", "2300-01-01", "2024-02-30"])).isna().all()
    assert parse_dates(pd.Series(["2024-03", "202403"]), allow_partial_dates=True).tolist() == [
        pd.Timestamp("2024-03-01")] * 2
    with pytest.raises(ValueError, match="timezone="):
        parse_dates(pd.Series(["2024-01-01"]), timezone="Mars/Olympus")


def test_tz_conversion_and_partial_dates_are_reported_not_silent(tmp_path):
    path = write(tmp_path / "tz.csv", "customer,date,amount\na,2024-01-02T10:00:00+08:00,1\nb,2024-03,2\n")
    tx = load_transactions(path, allow_partial_dates=True)
    problems = {p["problem"]: p for p in tx.attrs["load_report"]["problems"]}
    assert problems["timestamps with a time-zone offset"]["rows"] == 1
    assert problems["partial date (month or year only)"]["action"] == "first day of the period"
    assert tx.attrs["load_report"]["timezone"] == "UTC"
    table = quality_table(tx).set_index("item")
    assert table.loc["timezone_offset", "column"] == "date" and table.loc["timezone_offset", "value"] == 1
    assert table.loc["partial_date", "action"] == "first_day_of_period"


def test_traditional_chinese_aliases_are_generated_from_the_simplified():
    from cvm_lib.data import ALIASES

    assert {"會員卡號", "消費日期", "消費金額"} <= set(ALIASES["customer_id"] + ALIASES["date"] + ALIASES["amount"])
    assert "会员卡号" in ALIASES["customer_id"]


def test_excel_text_ids_keep_leading_zeros_where_pandas_read_excel_would_not_matter(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["会员消费明细"])
    ws.append(["会员卡号", "消费日期", "消费金额"])
    ws.append(["000880110815", "2024-01-02", 12.5])
    ws.append([880110816, "2024-01-03", "1,200"])
    book.save(tmp_path / "x.xlsx")
    tx = load_transactions(tmp_path / "x.xlsx")
    assert tx["customer_id"].tolist() == ["000880110815", "880110816"]
    assert tx["amount"].tolist() == [12.5, 1200.0]
    assert tx.attrs["load_report"]["header_row"] == 2


def test_fifo_is_refused_without_blocking(tmp_path):
    import os
    import threading

    path = tmp_path / "p.csv"
    os.mkfifo(path)
    result = {}

    def load():
        try:
            load_transactions(path)
        except CvmDataError as err:
            result["err"] = str(err)

    thread = threading.Thread(target=load, daemon=True)
    thread.start()
    thread.join(5)
    assert not thread.is_alive() and "FIFO" in result["err"]


def test_load_options_are_all_keywords_of_load_transactions():
    import inspect

    from cvm_lib.data import LOAD_OPTIONS

    params = inspect.signature(load_transactions).parameters
    assert all(name in params for name in LOAD_OPTIONS)
    assert "on_out_of_window" in POLICIES


def test_load_report_lists_unmapped_columns_for_every_reader(tmp_path):
    frame = pd.DataFrame({"customer": ["a"], "date": ["2024-01-02"], "amount": [1.0], "备注": ["x"]})
    frame.to_parquet(tmp_path / "t.parquet")
    frame.to_csv(tmp_path / "t.csv", index=False)
    frame.to_excel(tmp_path / "t.xlsx", index=False)
    for source in (frame, tmp_path / "t.parquet", tmp_path / "t.csv", tmp_path / "t.xlsx"):
        report = load_transactions(source).attrs["load_report"]
        assert report["unmapped_columns"] == ["备注"], source
        assert report["columns"] == {"customer_id": "customer", "date": "date", "amount": "amount"}


def test_string_keys_agree_across_chunk_layouts():
    import pyarrow as pa

    from cvm_lib.data import _scan_strings

    words = ["a", "bb", "abcdefgh", "abcdefghijklmnopq", "abcdefgh-other-ijklmnopq", None, " x", "会员卡号"]
    one = _scan_strings(pa.array(words))
    split = _scan_strings(pa.chunked_array([pa.array(words[:2]), pa.array(words[2:])]))
    large = _scan_strings(pa.array(words, pa.large_string()).slice(1))
    np.testing.assert_array_equal(one.key, split.key)
    np.testing.assert_array_equal(one.key[1:], large.key)
    assert one.first_byte[6] == ord(" ") and one.last_byte[2] == ord("h") and one.last_byte[3] == ord("q")
    assert not one.valid[5]
