"""A corpus of varied and malformed transaction files, generated at test time.

Each case builds one input (a file, folder, glob or special file) in a temporary folder and
states what :func:`cvm_lib.data.load_transactions` must do with it: either load exactly the
given values (:class:`Load`) or refuse with a :class:`~cvm_lib.data.CvmDataError` whose message
names the file and, where the problem is in cells, the column and the rows (:class:`Refuse`).
Nothing binary is committed: every file is written by the builders below.
"""

from __future__ import annotations

import gzip
import io
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd


@dataclass
class Load:
    """The load must succeed with exactly these values (column -> list)."""

    values: dict[str, list]
    report: dict[str, Any] = field(default_factory=dict)  # expected load-report entries


@dataclass
class Refuse:
    """The load must raise CvmDataError naming the file, and the column and rows when given."""

    match: str  # regex the message must contain
    column: str | None = None
    rows: list | None = None
    option: str | None = None
    names: str | None = None  # what the message must name instead of the path (e.g. a part file)


@dataclass
class Case:
    name: str
    build: Callable[[Path], Path | str]
    expect: Load | Refuse
    options: dict[str, Any] = field(default_factory=dict)
    skip: Callable[[], str | None] = lambda: None


CASES: list[Case] = []


def case(name: str, expect: Load | Refuse, **options: Any):
    def register(build):
        CASES.append(Case(name, build, expect, options))
        return build
    return register


def add(name: str, build, expect, **options):
    if "report" in options:
        expect = replace(expect, report=options.pop("report"))
    CASES.append(Case(name, build, expect, options))


# --------------------------------------------------------------------------- helpers

HEADER = "customer,date,amount"
ROWS = [("001", "2024-01-02", "10.5"), ("002", "2024-01-03", "20"), ("001", "2024-02-01", "5")]
IDS = ["001", "002", "001"]
DATES = [pd.Timestamp("2024-01-02"), pd.Timestamp("2024-01-03"), pd.Timestamp("2024-02-01")]
AMOUNTS = [10.5, 20.0, 5.0]
GOOD = Load({"customer_id": IDS, "date": DATES, "amount": AMOUNTS})


def csv_text(rows=ROWS, header=HEADER, sep=",", newline="\n") -> str:
    return newline.join([header.replace(",", sep)] + [sep.join(r) for r in rows]) + newline


def text_file(name: str, text: str, encoding: str = "utf-8", bom: bytes = b""):
    def build(tmp: Path) -> Path:
        path = tmp / name
        path.write_bytes(bom + text.encode(encoding))
        return path
    return build


def bytes_file(name: str, data: bytes):
    def build(tmp: Path) -> Path:
        path = tmp / name
        path.write_bytes(data)
        return path
    return build


def with_row(value_col: int, value: str, row: int = 1, rows=ROWS):
    out = [list(r) for r in rows]
    out[row][value_col] = value
    return [tuple(r) for r in out]


def one_amount(name, value, expect, **options):
    rows = ROWS if options.get("decimal", ".") == "." else [("001", "2024-01-02", '"10,5"'),
                                                             ("002", "2024-01-03", "20"), ("001", "2024-02-01", "5")]
    add(name, text_file(f"{name}.csv", csv_text(with_row(2, value, rows=rows))), expect, **options)


def one_date(name, value, expect, **options):
    add(name, text_file(f"{name}.csv", csv_text(with_row(1, value))), expect, **options)


def amounts_with(second: float) -> dict:
    return {"customer_id": IDS, "date": DATES, "amount": [10.5, second, 5.0]}


def dates_with(second: pd.Timestamp) -> dict:
    return {"customer_id": IDS, "date": [DATES[0], second, DATES[2]], "amount": AMOUNTS}


# --------------------------------------------------------------------------- encodings

add("utf8", text_file("utf8.csv", csv_text()), GOOD)
add("utf8_bom", text_file("bom.csv", csv_text(), "utf-8-sig"), GOOD, )
add("utf16_bom", text_file("u16.csv", csv_text(), "utf-16"), GOOD)
add("utf16le_no_bom", text_file("u16le.csv", csv_text(), "utf-16-le"), GOOD)
add("utf16be_no_bom", text_file("u16be.csv", csv_text(), "utf-16-be"), GOOD)
add("crlf_line_ends", text_file("crlf.csv", csv_text(newline="\r\n")), GOOD)

CN_HEADER = "会员卡号,消费日期,消费金额,渠道"
CN_ROWS = [("000880110815", "2024年1月2日", "￥10.50", "门店"), ("000880110816", "2024/1/3", "20", "线上")]
CN_LOAD = Load({"customer_id": ["000880110815", "000880110816"],
                "date": [pd.Timestamp("2024-01-02"), pd.Timestamp("2024-01-03")], "amount": [10.5, 20.0],
                "channel": ["门店", "线上"]})
add("gbk_chinese_headers", text_file("gbk.csv", csv_text(CN_ROWS, CN_HEADER), "gbk"), CN_LOAD,
    report={"encoding": "gb18030"})
add("gb18030_rare_chars", text_file("gb18030.csv", csv_text([("a", "2024-01-02", "1", "㐀𠀀店")], CN_HEADER),
                                    "gb18030"),
    Load({"customer_id": ["a"], "date": [pd.Timestamp("2024-01-02")], "amount": [1.0], "channel": ["㐀𠀀店"]}))
TW_HEADER = "會員卡號,消費日期,消費金額,通路"
TW_ROWS = [("000880110815", "2024/01/02", "10.5", "門市"), ("000880110816", "2024/01/03", "20", "網路商店")]
add("big5_traditional_headers", text_file("big5.csv", csv_text(TW_ROWS, TW_HEADER), "big5"),
    Load({"customer_id": ["000880110815", "000880110816"],
          "date": [pd.Timestamp("2024-01-02"), pd.Timestamp("2024-01-03")], "amount": [10.5, 20.0],
          "channel": ["門市", "網路商店"]}, report={"encoding": "big5"}))
add("big5_body_only", text_file("big5body.csv", csv_text([("a", "2024-01-02", "1", "臺北門市"),
                                                           ("b", "2024-01-03", "2", "高雄網路商店")],
                                                          "customer,date,amount,channel"), "big5"),
    Load({"customer_id": ["a", "b"], "date": [pd.Timestamp("2024-01-02"), pd.Timestamp("2024-01-03")],
          "amount": [1.0, 2.0], "channel": ["臺北門市", "高雄網路商店"]}))
LATIN = [("a", "2024-01-02", "1", "Café Müller"), ("b", "2024-01-03", "2", "Größe & Söhne")]
add("cp1252_last_resort", text_file("cp1252.csv", csv_text(LATIN, "customer,date,amount,channel"), "cp1252"),
    Load({"customer_id": ["a", "b"], "date": [pd.Timestamp("2024-01-02"), pd.Timestamp("2024-01-03")],
          "amount": [1.0, 2.0], "channel": ["Café Müller", "Größe & Söhne"]}, report={"encoding": "cp1252"}))
add("explicit_encoding", text_file("explicit.csv", csv_text(TW_ROWS, TW_HEADER), "big5"),
    Load({"customer_id": ["000880110815", "000880110816"],
          "date": [pd.Timestamp("2024-01-02"), pd.Timestamp("2024-01-03")], "amount": [10.5, 20.0],
          "channel": ["門市", "網路商店"]}), encoding="big5")
add("wrong_explicit_encoding", text_file("wrong.csv", csv_text(CN_ROWS, CN_HEADER), "gbk"),
    Refuse(r"not valid utf-8.*encoding="), encoding="utf-8")
add("unknown_encoding_name", text_file("unknown_enc.csv", csv_text()), Refuse(r"encoding='klingon'"),
    encoding="klingon")
add("binary_junk_as_csv", bytes_file("junk.csv", bytes(range(256)) * 40), Refuse(r"binary|encoding="))
add("uncertain_encoding", bytes_file("uncertain.csv", b"customer,date,amount\n" + bytes([0x81, 0x30, 0xFE, 0x8F,
                                                                                          0x90, 0x9D] * 30)),
    Refuse(r"encoding="))
add("utf8_then_invalid_later", lambda tmp: _late_bad_utf8(tmp), Refuse(r"encoding"))


def _late_bad_utf8(tmp: Path) -> Path:
    path = tmp / "late_bad.csv"
    body = "".join(f"c{i},2024-01-02,1\n" for i in range(120_000))
    path.write_bytes(("customer,date,amount\n" + body).encode() + "c9,2024-01-02,é\n".encode("latin-1"))
    return path


# --------------------------------------------------------------------------- compressed

def gz_file(name, text, encoding="utf-8"):
    def build(tmp):
        path = tmp / name
        path.write_bytes(gzip.compress(text.encode(encoding)))
        return path
    return build


def zip_file(name, members: dict[str, bytes]):
    def build(tmp):
        path = tmp / name
        with zipfile.ZipFile(path, "w") as zf:
            for member, data in members.items():
                zf.writestr(member, data)
        return path
    return build


add("gzip_csv", gz_file("t.csv.gz", csv_text()), GOOD)
add("gzip_gbk_csv", gz_file("gbk.csv.gz", csv_text(CN_ROWS, CN_HEADER), "gbk"), CN_LOAD)
add("zip_one_csv", zip_file("one.zip", {"export/tx.csv": csv_text().encode()}), GOOD)
add("zip_two_files", zip_file("two.zip", {"a.csv": csv_text().encode(), "b.csv": csv_text().encode()}),
    Refuse(r"exactly one file"))
add("zip_corrupt", bytes_file("bad.zip", b"PK\x03\x04" + b"\x00garbage" * 20), Refuse(r"zip"))
add("gzip_truncated", lambda tmp: _truncated(tmp / "cut.csv.gz", gzip.compress(csv_text(ROWS * 2000).encode())),
    Refuse(r"cut\.csv\.gz"))
add("gzip_bad_value_line", gz_file("bad.csv.gz", csv_text(with_row(2, "n/a"))),
    Refuse(r"'amount'", column="amount", rows=[3], option="on_bad_amount"))


def _truncated(path: Path, data: bytes) -> Path:
    path.write_bytes(data[: len(data) // 2])
    return path


# --------------------------------------------------------------------------- separators and layout

add("tsv", text_file("t.tsv", csv_text(sep="\t")), GOOD)
add("semicolon", text_file("semi.csv", csv_text(sep=";")), GOOD)
add("pipe", text_file("pipe.txt", csv_text(sep="|")), GOOD)
add("whitespace_no_header", text_file("cdnow.txt", " 00001 19970101  1   11.77\n 00002 19970112  5   77.00\n"),
    Load({"customer_id": ["00001", "00002"], "date": [pd.Timestamp("1997-01-01"), pd.Timestamp("1997-01-12")],
          "amount": [11.77, 77.0], "quantity": [1, 5]}),
    header=False, names=["customer_id", "date", "quantity", "amount"])
add("title_line_above_header", text_file("title.csv", "会员消费明细 2024年1月\n" + csv_text()), GOOD,
    report={"header_line": 2})
add("two_title_lines", text_file("title2.csv", "Sales export\nGenerated 2024-02-01 by ERP\n" + csv_text()), GOOD,
    report={"header_line": 3})
add("explicit_header_row", text_file("hdr.csv", "x\ny\n" + csv_text()), GOOD, header_row=3)
add("blank_lines_keep_numbering", text_file("blank.csv", HEADER + "\n001,2024-01-02,1\n\n002,2024-01-03,oops\n"),
    Refuse(r"line 4", column="amount", rows=[4], option="on_bad_amount"))
add("quoted_newline_keeps_line_numbers",
    text_file("multiline.csv", 'customer,date,amount,category\n001,2024-01-02,1,"two\nline note"\n'
                               '002,2024-01-03,2,plain\n003,2024-01-04,bad,plain\n'),
    Refuse(r"line 5", column="amount", rows=[5], option="on_bad_amount"))
add("quoted_newline_in_unmapped_column",
    text_file("multiline_note.csv", 'customer,date,amount,note\n001,2024-01-02,1,"a\nlong\nnote"\n'
                                    '002,2024-01-03,2,plain\n003,2024-01-04,"12,5",plain\n'),
    Refuse(r"line 6", column="amount", rows=[6], option="on_bad_amount"))
add("quoted_newline_loads", text_file("multiline_ok.csv", 'customer,date,amount,category\n'
                                                          '001,2024-01-02,1,"a\nb"\n002,2024-01-03,2,c\n'),
    Load({"customer_id": ["001", "002"], "date": DATES[:2], "amount": [1.0, 2.0], "category": ["a\nb", "c"]}))
add("ragged_row", text_file("ragged.csv", csv_text() + "003,2024-01-05,1,extra\n"),
    Refuse(r"line 5.*fields", rows=[5]))
add("duplicate_column_names", text_file("dupcols.csv", "customer,date,amount,amount\n001,2024-01-02,1,2\n"),
    Refuse(r"duplicate column name.*'amount'", column="amount"))
add("missing_amount_column", text_file("noamount.csv", "customer,date\n001,2024-01-02\n"),
    Refuse(r"no amount column.*amount_col="))
add("header_only", text_file("header_only.csv", HEADER + "\n"),
    Load({"customer_id": [], "date": [], "amount": []}))
add("zero_byte_csv", bytes_file("empty.csv", b""), Refuse(r"empty \(0 bytes\)"))
add("only_newlines", text_file("newlines.csv", "\n\n\n"), Refuse(r"no header|no customer_id column"))
add("mapped_by_name", text_file("names.csv", "Member No,Paid at,Total\n001,2024-01-02,10.5\n002,2024-01-03,20\n"
                                             "001,2024-02-01,5\n"), GOOD,
    customer_col="Member No", date_col="Paid at", amount_col="Total")
add("whitespace_around_ids", text_file("spaces.csv", csv_text([(" 001 ", "2024-01-02", " 10.5 "),
                                                               ("002", " 2024-01-03 ", "20"),
                                                               ("001", "2024-02-01", "5")])), GOOD)
add("missing_id", text_file("noid.csv", csv_text(with_row(0, ""))),
    Refuse(r"missing customer id", column="customer", rows=[3], option="on_missing_id"))

# --------------------------------------------------------------------------- numbers

one_amount("decimal_comma_ambiguous", '"12,50"', Refuse(r"decimal=','", column="amount", rows=[3],
                                                         option="on_bad_amount"))
one_amount("decimal_comma_option", '"12,50"', Load(amounts_with(12.5)), decimal=",")
one_amount("thousands_dot_decimal_comma", '"1.234,50"', Load(amounts_with(1234.5)), decimal=",")
one_amount("thousands_dot_default_refused", '"1.234,50"', Refuse(r"decimal=','", column="amount", rows=[3]))
one_amount("dot_ambiguous_with_decimal_comma", "12.50", Refuse(r"ambiguous", column="amount", rows=[3]),
           decimal=",")
one_amount("thousands_comma", '"1,234.50"', Load(amounts_with(1234.5)))
one_amount("currency_yuan", '"￥1,200"', Load(amounts_with(1200.0)))
one_amount("amount_1e308", "1e308", Refuse(r"1e\+13|not amounts", column="amount", rows=[3]))
one_amount("amount_inf", "inf", Refuse(r"not amounts|not a number", column="amount", rows=[3]))
one_amount("amount_minus_inf", "-inf", Refuse(r"not a number", column="amount", rows=[3]))
one_amount("amount_nan_text", "nan", Refuse(r"not a number", column="amount", rows=[3]))
one_amount("amount_text", "twenty", Refuse(r"not a number", column="amount", rows=[3]))
one_amount("amount_accounting_negative", "(5.00)", Refuse(r"negative", column="amount", rows=[3],
                                                          option="on_negative"))
one_amount("amount_negative_dropped", "-3", Load({"customer_id": ["001", "001"], "date": [DATES[0], DATES[2]],
                                                  "amount": [10.5, 5.0]}), on_negative="drop")
one_amount("amount_scientific_small", "2e1", Load(amounts_with(20.0)))
one_amount("amount_dropped_by_policy", "n/a", Load({"customer_id": ["001", "001"], "date": [DATES[0], DATES[2]],
                                                    "amount": [10.5, 5.0]}), on_bad_amount="drop")
add("quantity_decimal_comma", text_file("qty.csv", "customer,date,amount,quantity\n001,2024-01-02,1,\"1,5\"\n"),
    Refuse(r"'quantity'.*decimal=','", column="quantity", rows=[2]))

# --------------------------------------------------------------------------- dates

one_date("date_before_1678", "1600-01-01", Refuse(r"1678", column="date", rows=[3], option="on_bad_date"))
one_date("date_after_2262", "2300-01-01", Refuse(r"2262", column="date", rows=[3], option="on_bad_date"))
one_date("date_9999_placeholder", "9999-12-31", Refuse(r"2262", column="date", rows=[3]))
one_date("date_outside_window", "2019-05-01", Refuse(r"date_window", column="date", rows=[3],
                                                       option="on_out_of_window"),
         date_window=("2020-01-01", "2025-12-31"))
one_date("date_outside_window_dropped", "2019-05-01",
         Load({"customer_id": ["001", "001"], "date": [DATES[0], DATES[2]], "amount": [10.5, 5.0]}),
         date_window=("2020-01-01", None), on_out_of_window="drop")
one_date("tz_offset_to_utc", "2024-01-03T07:30:00+08:00", Load(dates_with(pd.Timestamp("2024-01-02 23:30"))))
one_date("tz_offset_to_shanghai", "2024-01-03T07:30:00+08:00", Load(dates_with(pd.Timestamp("2024-01-03 07:30"))),
         timezone="Asia/Shanghai")
one_date("tz_zulu", "2024-01-03T10:00:00Z", Load(dates_with(pd.Timestamp("2024-01-03 18:00"))),
         timezone="Asia/Shanghai")
add("tz_mixed_offsets", text_file("tzmix.csv", csv_text([("a", "2024-01-02T10:00:00+08:00", "1"),
                                                         ("b", "2024-01-02T10:00:00-05:00", "2"),
                                                         ("c", "2024-01-02 10:00:00", "3")])),
    Load({"customer_id": ["a", "b", "c"], "date": [pd.Timestamp("2024-01-02 02:00"),
                                                   pd.Timestamp("2024-01-02 15:00"),
                                                   pd.Timestamp("2024-01-02 10:00")], "amount": [1.0, 2.0, 3.0]}))
one_date("partial_month", "2024-03", Refuse(r"allow_partial_dates", column="date", rows=[3]))
one_date("partial_month_allowed", "2024-03", Load(dates_with(pd.Timestamp("2024-03-01"))), allow_partial_dates=True)
one_date("partial_year", "2024", Refuse(r"allow_partial_dates", column="date", rows=[3]))
one_date("partial_yyyymm", "202403", Refuse(r"allow_partial_dates", column="date", rows=[3]))
one_date("partial_chinese_month", "2024年3月", Refuse(r"allow_partial_dates", column="date", rows=[3]))
one_date("excel_serial_in_csv_refused", "45294", Refuse(r"date_format='excel'", column="date", rows=[3]))
add("excel_serial_in_csv_option", text_file("serial.csv", csv_text([("a", "45293", "1"), ("b", "45293.5", "2")])),
    Load({"customer_id": ["a", "b"], "date": [pd.Timestamp("2024-01-02"), pd.Timestamp("2024-01-02 12:00")],
          "amount": [1.0, 2.0]}), date_format="excel")
one_date("day_first_ambiguous", "03/01/2024", Refuse(r"date_format=", column="date", rows=[3]))
add("day_first_with_format", text_file("dayfirst.csv", csv_text([("a", "03/01/2024", "1")])),
    Load({"customer_id": ["a"], "date": [pd.Timestamp("2024-01-03")], "amount": [1.0]}), date_format="%d/%m/%Y")
one_date("impossible_day", "2024-02-30", Refuse(r"cannot be parsed", column="date", rows=[3]))
one_date("chinese_full_date", "2024年1月3日", GOOD)
one_date("yyyymmdd", "20240103", GOOD)
one_date("datetime_with_seconds", "2024-01-03 10:30:00", Load(dates_with(pd.Timestamp("2024-01-03 10:30"))))
add("future_date", text_file("future.csv", csv_text(with_row(1, "2031-01-01"))),
    Refuse(r"observation end", column="date", rows=[3], option="on_future_date"), observation_end="2024-12-31")


# --------------------------------------------------------------------------- file types

def _fifo(tmp: Path) -> Path:
    path = tmp / "pipe.csv"
    os.mkfifo(path)
    return path


def _empty_dir(tmp: Path) -> Path:
    path = tmp / "empty_dir"
    path.mkdir()
    (path / "notes.md").write_text("nothing here")
    return path


def _unreadable(tmp: Path) -> Path:
    path = tmp / "secret.csv"
    path.write_text(csv_text())
    path.chmod(0)
    return path


add("fifo", _fifo, Refuse(r"FIFO"))
add("char_device", lambda tmp: Path("/dev/null"), Refuse(r"character device"))
add("directory_without_data", _empty_dir, Refuse(r"holds no Parquet, CSV or Excel"))
add("missing_file", lambda tmp: tmp / "nope.csv", Refuse(r"file not found"))
CASES.append(Case("permission_denied", _unreadable, Refuse(r"permission denied"),
                  skip=lambda: "root can read any file" if hasattr(os, "geteuid") and os.geteuid() == 0 else None))


# --------------------------------------------------------------------------- Parquet

def _frame(**extra) -> pd.DataFrame:
    frame = pd.DataFrame({"customer": IDS, "date": DATES, "amount": AMOUNTS})
    for k, v in extra.items():
        frame[k] = v
    return frame


def parquet_file(name, frame_fn):
    def build(tmp):
        path = tmp / name
        frame_fn().to_parquet(path, index=False)
        return path
    return build


def _arrow_parquet(name, table_fn):
    def build(tmp):
        import pyarrow.parquet as pq

        path = tmp / name
        pq.write_table(table_fn(), path)
        return path
    return build


def _bad_parquet_table():
    import pyarrow as pa

    return pa.table({"customer": ["a", "b"], "date": pa.array([pd.Timestamp("2024-01-02").to_pydatetime(),
                                                                pd.Timestamp("3000-01-01").to_pydatetime()],
                                                               pa.timestamp("us")), "amount": [1.0, 2.0]})


def _dup_parquet_table():
    import pyarrow as pa

    return pa.Table.from_arrays([pa.array(["a"]), pa.array(["2024-01-02"]), pa.array([1.0]), pa.array([2.0])],
                                names=["customer", "date", "amount", "amount"])


add("parquet", parquet_file("t.parquet", _frame), GOOD)
add("parquet_int_ids", parquet_file("ints.parquet", lambda: _frame().assign(customer=[1001, 1002, 1001])),
    Load({"customer_id": ["1001", "1002", "1001"], "date": DATES, "amount": AMOUNTS}))
add("parquet_tz_aware", parquet_file("tz.parquet", lambda: _frame().assign(
    date=pd.to_datetime(["2024-01-02 02:00", "2024-01-03 02:00", "2024-02-01 02:00"]).tz_localize("Asia/Shanghai"))),
    Load({"customer_id": IDS, "date": [pd.Timestamp("2024-01-01 18:00"), pd.Timestamp("2024-01-02 18:00"),
                                       pd.Timestamp("2024-01-31 18:00")], "amount": AMOUNTS}))
add("parquet_categorical", parquet_file("cat.parquet", lambda: _frame().assign(
    customer=pd.Categorical(IDS), channel=pd.Categorical(["web", "shop", "web"]))),
    Load({"customer_id": IDS, "date": DATES, "amount": AMOUNTS, "channel": ["web", "shop", "web"]}))
add("parquet_string_dates", parquet_file("sdates.parquet", lambda: _frame().assign(
    date=["2024-01-02", "2024年1月3日", "20240201"])), GOOD)
add("parquet_year_3000", _arrow_parquet("y3000.parquet", _bad_parquet_table),
    Refuse(r"2262", column="date", rows=[2], option="on_bad_date"))
add("parquet_nan_amount", parquet_file("nan.parquet", lambda: _frame().assign(amount=[10.5, float("nan"), 5.0])),
    Refuse(r"not a number", column="amount", rows=[2]))
add("parquet_inf_amount", parquet_file("inf.parquet", lambda: _frame().assign(amount=[10.5, float("inf"), 5.0])),
    Refuse(r"not a number", column="amount", rows=[2]))
add("parquet_duplicate_columns", _arrow_parquet("dup.parquet", _dup_parquet_table),
    Refuse(r"duplicate column name", column="amount"))
add("parquet_truncated", lambda tmp: _cut_parquet(tmp / "cut.parquet", 0.5), Refuse(r"not a complete Parquet"))
add("parquet_footer_damaged", lambda tmp: _cut_parquet(tmp / "damaged.parquet", 1.0, damage=True),
    Refuse(r"cannot be read as Parquet|not a complete Parquet"))
add("parquet_zero_bytes", bytes_file("zero.parquet", b""), Refuse(r"empty \(0 bytes\)"))
add("parquet_is_csv", text_file("csv.parquet", csv_text()), Refuse(r"not a complete Parquet"))


def _cut_parquet(path: Path, keep: float, damage: bool = False) -> Path:
    buf = io.BytesIO()
    _frame().to_parquet(buf, index=False)
    data = buf.getvalue()
    if damage:  # keep the markers, wreck the footer length and metadata
        data = data[:4] + data[4:-8].replace(b"customer", b"\xff" * 8)[: len(data) - 40] + b"\x00\x01\x00\x00PAR1"
    else:
        data = data[: int(len(data) * keep)]
    path.write_bytes(data)
    return path


# --------------------------------------------------------------------------- folders and globs

def _parts(tmp: Path, name: str, fmt: str, frames: list[pd.DataFrame], bad: dict[int, bytes] | None = None) -> Path:
    folder = tmp / name
    folder.mkdir()
    for i, frame in enumerate(frames):
        path = folder / f"part-{i}.{fmt}"
        if bad and i in bad:
            path.write_bytes(bad[i])
        elif fmt == "parquet":
            frame.to_parquet(path, index=False)
        else:
            frame.to_csv(path, index=False)
    return folder


def _split():
    f = _frame()
    f["date"] = f["date"].dt.strftime("%Y-%m-%d")
    return [f.iloc[:2], f.iloc[2:]]


add("folder_of_parquet", lambda tmp: _parts(tmp, "pq", "parquet", _split()), GOOD)
add("glob_of_parquet", lambda tmp: str(_parts(tmp, "pqg", "parquet", _split()) / "*.parquet"), GOOD)
add("folder_of_csv", lambda tmp: _parts(tmp, "csvs", "csv", _split()), GOOD)
add("folder_one_part_corrupt", lambda tmp: _parts(tmp, "pqbad", "parquet", _split(), {1: b"PAR1 not really"}),
    Refuse(r"part-1\.parquet.*not a complete Parquet", names="part-1.parquet"))
add("folder_bad_value_in_second_part",
    lambda tmp: _parts(tmp, "pqval", "parquet", [_split()[0], _split()[1].assign(amount=[float("nan")])]),
    Refuse(r"part-1\.parquet:1", column="amount", rows=["part-1.parquet:1"]))
add("folder_part_missing_column",
    lambda tmp: _parts(tmp, "pqcol", "parquet", [_split()[0], _split()[1].drop(columns="amount")]),
    Refuse(r"part-1\.parquet.*missing", column="amount", names="part-1.parquet"))
add("folder_mixed_formats", lambda tmp: _mixed(tmp), Refuse(r"mixes file formats"))
add("glob_matching_nothing", lambda tmp: str(tmp / "nothing" / "*.parquet"), Refuse(r"holds no Parquet"))


def _mixed(tmp: Path) -> Path:
    folder = _parts(tmp, "mixed", "parquet", _split())
    (folder / "extra.csv").write_text(csv_text())
    return folder


# --------------------------------------------------------------------------- Excel

def xlsx(name: str, fill: Callable, sheet_title: str | None = None):
    def build(tmp):
        import openpyxl

        book = openpyxl.Workbook()
        ws = book.active
        if sheet_title:
            ws.title = sheet_title
        fill(book, ws)
        path = tmp / name
        book.save(path)
        return path
    return build


def rows_into(ws, rows, start=1):
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            ws.cell(row=start + i, column=j + 1, value=value)


XL_ROWS = [["customer", "date", "amount"], ["001", pd.Timestamp("2024-01-02").to_pydatetime(), 10.5],
           ["002", pd.Timestamp("2024-01-03").to_pydatetime(), 20], ["001", pd.Timestamp("2024-02-01").to_pydatetime(), 5]]


def _xl_title(book, ws):
    ws["A1"] = "会员消费明细"
    ws.merge_cells("A1:D1")
    ws["A2"] = "导出时间 2024-02-01"
    rows_into(ws, [["会员卡号", "消费日期", "消费金额", "渠道"],
                   ["000880110815", "2024-01-02", 10.5, "门店"],
                   ["000880110816", pd.Timestamp("2024-01-03").to_pydatetime(), "￥20", "线上"],
                   ["000880110815", pd.Timestamp("2024-01-05").to_pydatetime(), -4, "门店"]], start=3)


XL_CN = Load({"customer_id": ["000880110815", "000880110816"],
              "date": [pd.Timestamp("2024-01-02"), pd.Timestamp("2024-01-03")], "amount": [6.5, 20.0],
              "channel": ["门店", "线上"]}, report={"header_row": 3})

add("xlsx", xlsx("t.xlsx", lambda b, ws: rows_into(ws, XL_ROWS)), GOOD)
add("xlsx_text_ids_leading_zeros", xlsx("ids.xlsx", lambda b, ws: rows_into(ws, [
    ["会员卡号", "消费日期", "消费金额"], ["000880110815", "2024-01-02", 1], ["000880110816", "2024-01-03", 2]])),
    Load({"customer_id": ["000880110815", "000880110816"], "date": DATES[:2], "amount": [1.0, 2.0]}))
add("xlsx_title_rows_chinese_returns", xlsx("title.xlsx", _xl_title), XL_CN, on_negative="net")
add("xlsx_header_row_explicit", xlsx("title3.xlsx", _xl_title), XL_CN, on_negative="net", header_row=3)
add("xlsx_sheet_by_name", xlsx("named.xlsx", lambda b, ws: (rows_into(ws, [["junk"]]),
                                                            rows_into(b.create_sheet("明细"), XL_ROWS))), GOOD,
    sheet="明细")
add("xlsx_sheet_by_index", xlsx("index.xlsx", lambda b, ws: (rows_into(ws, [["junk"]]),
                                                             rows_into(b.create_sheet("data"), XL_ROWS))), GOOD,
    sheet=1)
add("xlsx_missing_sheet", xlsx("nosheet.xlsx", lambda b, ws: rows_into(ws, XL_ROWS)), Refuse(r"no sheet named '明细'"),
    sheet="明细")
add("xlsx_numeric_ids", xlsx("numids.xlsx", lambda b, ws: rows_into(ws, [XL_ROWS[0]] + [
    [1001, r[1], r[2]] for r in XL_ROWS[1:]])),
    Load({"customer_id": ["1001"] * 3, "date": DATES, "amount": AMOUNTS}))
add("xlsx_float_ids", xlsx("floatids.xlsx", lambda b, ws: rows_into(ws, [XL_ROWS[0]] + [
    [1001.0, r[1], r[2]] for r in XL_ROWS[1:]])),
    Load({"customer_id": ["1001"] * 3, "date": DATES, "amount": AMOUNTS}))
add("xlsx_serial_dates", xlsx("serial.xlsx", lambda b, ws: rows_into(ws, [XL_ROWS[0], ["a", 45293, 1],
                                                                          ["b", 45293.25, 2]])),
    Load({"customer_id": ["a", "b"], "date": [pd.Timestamp("2024-01-02"), pd.Timestamp("2024-01-02 06:00")],
          "amount": [1.0, 2.0]}))
add("xlsx_mixed_id_types", xlsx("mixids.xlsx", lambda b, ws: rows_into(ws, [XL_ROWS[0], ["007", XL_ROWS[1][1], 1],
                                                                            [8, XL_ROWS[2][1], 2]])),
    Load({"customer_id": ["007", "8"], "date": DATES[:2], "amount": [1.0, 2.0]}))
add("xlsx_merged_header", xlsx("mergedhdr.xlsx", lambda b, ws: (rows_into(ws, [
    ["customer", "date", "amount", None], ["a", "2024-01-02", 1, 2]]), ws.merge_cells("C1:D1"))),
    Refuse(r"merged cells C1:D1", rows=[1]))
add("xlsx_merged_data_cells", xlsx("mergeddata.xlsx", lambda b, ws: (rows_into(ws, [
    ["customer", "date", "amount"], ["a", "2024-01-02", 1], [None, "2024-01-03", 2]]), ws.merge_cells("A2:A3"))),
    Refuse(r"merged", column="customer", rows=[2, 3]))
add("xlsx_error_cell_na", xlsx("na.xlsx", lambda b, ws: rows_into(ws, [XL_ROWS[0], ["a", "2024-01-02", 1],
                                                                       ["b", "2024-01-03", "#N/A"]])),
    Refuse(r"#N/A", column="amount", rows=[3]))
add("xlsx_error_cell_value", xlsx("value.xlsx", lambda b, ws: rows_into(ws, [XL_ROWS[0], ["a", "#VALUE!", 1]])),
    Refuse(r"#VALUE!", column="date", rows=[2]))
add("xlsx_formula_without_value", xlsx("formula.xlsx", lambda b, ws: rows_into(ws, [
    XL_ROWS[0], ["a", "2024-01-02", 1], ["b", "2024-01-03", "=B2*2"]])),
    Refuse(r"formula", column="amount", rows=[3]))
add("xlsx_formula_column_without_values", xlsx("formulas.xlsx", lambda b, ws: rows_into(ws, [
    XL_ROWS[0], ["a", "2024-01-02", "=1+1"], ["b", "2024-01-03", "=2+2"]])),
    Refuse(r"2 formula cell", column="amount", rows=[2, 3]))
add("xlsx_duplicate_headers", xlsx("dup.xlsx", lambda b, ws: rows_into(ws, [["customer", "date", "amount", "amount"],
                                                                           ["a", "2024-01-02", 1, 2]])),
    Refuse(r"duplicate column name", column="amount"))
add("xlsx_empty_sheet", xlsx("emptysheet.xlsx", lambda b, ws: None), Refuse(r"empty"))
add("xlsx_trailing_blank_rows", xlsx("trailing.xlsx", lambda b, ws: (rows_into(ws, XL_ROWS),
                                                                     ws.cell(row=40, column=2, value=None),
                                                                     setattr(ws.cell(row=41, column=1), "number_format",
                                                                             "0.00"))), GOOD)
add("xlsx_bad_date_row_number", xlsx("baddate.xlsx", lambda b, ws: rows_into(ws, [
    ["title"], XL_ROWS[0], ["a", "2024-01-02", 1], ["b", "someday", 2]])),
    Refuse(r"row 4", column="date", rows=[4], option="on_bad_date"))
add("xlsx_corrupt_zip", bytes_file("corrupt.xlsx", b"PK\x03\x04" + b"\x13" * 200), Refuse(r"Excel workbook"))
add("xlsx_truncated", lambda tmp: _cut_xlsx(tmp), Refuse(r"Excel workbook"))
add("xlsx_random_bytes", bytes_file("random.xlsx", bytes(range(7, 250)) * 3), Refuse(r"not an Excel"))
add("xls_legacy_binary", bytes_file("legacy.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600),
    Refuse(r"legacy Excel 97-2003.*\.xlsx"))
add("xls_that_is_text", text_file("export.xls", csv_text().replace(",", "\t")), Refuse(r"rename it to \.csv"))


def _cut_xlsx(tmp: Path) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    rows_into(book.active, XL_ROWS)
    buf = io.BytesIO()
    book.save(buf)
    path = tmp / "cut.xlsx"
    path.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    return path
