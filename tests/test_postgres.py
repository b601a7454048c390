"""A real PostgreSQL server as a data source: the same data from the database and from CSV give
the same tidy log, the same customer summary and the same study results.

The fixture starts a throw-away server on loopback (initdb + postgres from the PostgreSQL
binaries `make setup` installs: Debian's ``postgresql`` package). initdb and postgres refuse
to run as root, so as root they run as the unprivileged ``postgres`` (or ``nobody``) user in
a temporary folder it owns. The server uses password (SCRAM) authentication over TCP.
"""

from __future__ import annotations

import glob
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import pytest

psycopg = pytest.importorskip("psycopg", reason="psycopg 3 is a runtime dependency: run `make setup`")

pytestmark = pytest.mark.slow  # starts a PostgreSQL server: `make test` runs these, `make test-fast` does not

from cvm_lib.data import CvmDataError  # noqa: E402
from cvm_lib.datasets import cdnow  # noqa: E402
from cvm_lib.sources import DataSource  # noqa: E402
from cvm_lib.summary import rfm_summary  # noqa: E402

USER, PASSWORD, DB = "cvm", "s3cret-pw", "shop"


def _bin_dir() -> Path | None:
    found = shutil.which("initdb")
    if found and shutil.which("postgres"):
        return Path(found).resolve().parent
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(candidate) / "initdb").exists() and (Path(candidate) / "postgres").exists():
            return Path(candidate)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def pg_server():
    """URL of a fresh PostgreSQL server on 127.0.0.1 (stopped and removed afterwards)."""
    bindir = _bin_dir()
    if bindir is None:
        pytest.skip("no PostgreSQL server binaries (initdb, postgres): `make setup` installs Debian's postgresql")
    as_user: list[str] = []
    folder = Path(tempfile.mkdtemp(prefix="cvm-pg-"))
    if os.geteuid() == 0:
        account = next((n for n in ("postgres", "nobody") if _has_user(n)), None)
        if account is None or not shutil.which("runuser"):
            pytest.skip("running as root without a postgres/nobody account and runuser: initdb refuses root")
        entry = pwd.getpwnam(account)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
        as_user = ["runuser", "-u", account, "--"]
    data = folder / "data"
    pwfile = folder / "pw"
    pwfile.write_text(PASSWORD + "\n", encoding="utf-8")
    if as_user:
        os.chown(pwfile, pwd.getpwnam(as_user[2]).pw_uid, -1)
    subprocess.run([*as_user, str(bindir / "initdb"), "-D", str(data), "-U", USER, f"--pwfile={pwfile}",
                    "--auth=scram-sha-256", "-E", "UTF8", "--locale=C"], check=True, capture_output=True)
    port = _free_port()
    log = open(folder / "server.log", "wb")  # noqa: SIM115 - kept open for the server's lifetime
    server = subprocess.Popen([*as_user, str(bindir / "postgres"), "-D", str(data), "-h", "127.0.0.1",
                               "-p", str(port), "-k", str(folder), "-c", "fsync=off"], stdout=log, stderr=log)
    url = f"postgresql://{USER}:{PASSWORD}@127.0.0.1:{port}/postgres"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with psycopg.connect(f"host=127.0.0.1 port={port} user={USER} password={PASSWORD} dbname=postgres",
                                     autocommit=True) as conn:
                    conn.execute(f"create database {DB}")
                break
            except psycopg.OperationalError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("PostgreSQL did not start: " + (folder / "server.log").read_text())
                time.sleep(0.2)
        yield url.rsplit("/", 1)[0] + f"/{DB}", port
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        shutil.rmtree(folder, ignore_errors=True)


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


@pytest.fixture(scope="module")
def sales(pg_server, tmp_path_factory):
    """The CDNOW sample with a few returns, as a PostgreSQL table and as the same CSV."""
    url, port = pg_server
    tx = cdnow(sample=True)
    frame = pd.DataFrame({"会员卡号": tx["customer_id"], "消费日期": tx["date"].dt.strftime("%Y-%m-%d"),
                          "消费金额": tx["amount"].round(2), "数量": tx["quantity"]})
    returns = frame.iloc[[3, 10, 50]].copy()  # partial returns of earlier purchases, same day
    returns["消费金额"] = -(returns["消费金额"] / 2).round(2)
    frame = pd.concat([frame, returns], ignore_index=True)
    csv = tmp_path_factory.mktemp("pg") / "sales.csv"
    frame.to_csv(csv, index=False, encoding="utf-8")
    with psycopg.connect(f"host=127.0.0.1 port={port} user={USER} password={PASSWORD} dbname={DB}") as conn:
        conn.execute('create schema crm')
        conn.execute('create table crm.sales ("会员卡号" text, "消费日期" date, "消费金额" numeric(12,2), "数量" int)')
        with conn.cursor().copy('copy crm.sales from stdin') as copy:
            for row in frame.itertuples(index=False):
                copy.write_row(row)
        conn.execute("create table other (x int)")
    return url, csv, frame


def test_table_and_query_give_the_same_log_and_summary_as_the_csv(sales):
    url, csv, frame = sales
    options = {"on_negative": "net"}
    from_csv = DataSource(str(csv), options=options).load()
    from_table = DataSource(url, options=options, table="crm.sales").load()
    from_query = DataSource(url, options=options,
                            query='select "会员卡号", "消费日期", "消费金额", "数量" from crm.sales').load()
    # the three returns were netted into their purchases: the total is the net spend
    assert from_csv["amount"].sum() == pytest.approx(frame["消费金额"].sum(), abs=1e-6)
    assert (from_csv["amount"] >= 0).all()  # zero-amount purchases (on_zero=keep) stay
    for loaded in (from_table, from_query):
        pd.testing.assert_frame_equal(loaded, from_csv, check_like=False)
        assert loaded["customer_id"].str.len().eq(5).all()  # text ids, leading zeros kept
        pd.testing.assert_frame_equal(rfm_summary(loaded, observation_end="1998-06-30"),
                                      rfm_summary(from_csv, observation_end="1998-06-30"))
    assert from_table.attrs["load_report"]["source"].endswith("table crm.sales")
    assert PASSWORD not in from_table.attrs["load_report"]["source"]


def test_credentials_from_pg_environment_variables(sales, monkeypatch):
    url, csv, _ = sales
    port = url.rsplit(":", 1)[1].split("/")[0]
    for name, value in {"PGHOST": "127.0.0.1", "PGPORT": port, "PGUSER": USER, "PGPASSWORD": PASSWORD,
                        "PGDATABASE": DB}.items():
        monkeypatch.setenv(name, value)
    tx = DataSource("postgresql://", table="crm.sales", options={"on_negative": "drop"}).load()
    assert len(tx) == 6919 and tx["customer_id"].nunique() == 2357  # the CDNOW sample without the 3 returns


def test_database_errors_are_clear_and_never_show_the_password(sales):
    url, _, _ = sales
    with pytest.raises(CvmDataError, match=r"no table 'nosuch'.*tables: other") as info:
        DataSource(url, table="nosuch").load()
    assert PASSWORD not in str(info.value)
    with pytest.raises(CvmDataError, match="needs table: or query:"):
        DataSource(url).load()
    with pytest.raises(CvmDataError, match="does not exist") as info:
        DataSource(url, query="select * from crm.missing").load()
    assert PASSWORD not in str(info.value)
    wrong = url.replace(PASSWORD, "wrong-pw")
    with pytest.raises(CvmDataError, match="PGPASSWORD") as info:
        DataSource(wrong, table="crm.sales").load()
    assert "wrong-pw" not in str(info.value)
    # NULL is a missing value and an empty text is not a NULL; ids stay text, numbers as written
    raw = DataSource(url, query="select null::text as a, ''::text as b, '007'::text as c, 12.50::numeric as d, "
                                "date '2024-03-07' as e").read_raw()
    assert pd.isna(raw.loc[1, "a"]) and raw.loc[1, "b"] == "" and raw.loc[1, "c"] == "007"
    assert raw.loc[1, "d"] == "12.50" and raw.loc[1, "e"] == "2024-03-07"
    with pytest.raises(CvmDataError, match=r"result row\(s\) 2\b.*on_missing_id"):
        DataSource(url, query="select * from (values ('001', date '2024-01-01', 3.0), (null, date '2024-01-02', 4.0))"
                              " as t(会员卡号, 消费日期, 消费金额)").load()
    # bad rows: a return is refused under the default policy, naming the option and the result row
    with pytest.raises(CvmDataError, match=r"result row\(s\) 6920, 6921, 6922.*--option on_negative="):
        DataSource(url, table="crm.sales").load()


@pytest.mark.slow
def test_a_study_from_the_database_equals_the_study_from_csv(sales, tmp_path):
    url, csv, _ = sales
    results = {}
    for name, source in (("csv", ["--data", str(csv)]), ("pg", ["--data", url, "--table", "crm.sales"])):
        out = tmp_path / name
        # the real command (its argv, with the URL, goes into the manifest: without the password)
        done = subprocess.run([sys.executable, "-m", "cvm_lib.cli", "run", "00_data_overview", *source,
                               "--option", "on_negative=net", "--out", str(out), "-p", "observation_end=1998-06-30",
                               "--quiet"], capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        assert PASSWORD not in done.stdout + done.stderr
        run = (out / "latest").resolve()
        manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
        assert PASSWORD not in json.dumps(manifest, ensure_ascii=False)
        assert PASSWORD not in "".join(p.read_text(encoding="utf-8", errors="replace") for p in run.rglob("*")
                                       if p.is_file() and p.suffix in (".json", ".html", ".ipynb", ".log"))
        if name == "pg":  # the source is recorded, its password masked
            assert "***" in json.dumps(manifest["data"], ensure_ascii=False)
        results[name + "_rows"] = manifest["data"]["rows"]
        payload = json.loads((run / "results" / "00_data_overview.json").read_text(encoding="utf-8"))
        results[name] = payload
    csv_values = {r["name"]: r["value"] for r in results["csv"]["results"]}
    pg_values = {r["name"]: r["value"] for r in results["pg"]["results"]}
    assert csv_values and csv_values == pg_values
    assert results["csv_rows"] == results["pg_rows"] > 6900
    assert results["csv"].get("tables", {}).keys() == results["pg"].get("tables", {}).keys()


def test_check_data_on_a_database_table(sales, capsys):
    from cvm_lib.cli import main

    url, _, _ = sales
    assert main(["check-data", url, "--table", "crm.sales", "--option", "on_negative=net"]) == 0
    out = capsys.readouterr().out
    assert "(postgresql)" in out and "table crm.sales" in out and PASSWORD not in out
    assert "customer_id <- '会员卡号'" in out and "not used:   (none)" in out and "RESULT: ok" in out
    assert main(["check-data", url, "--table", "crm.sales"]) == 2
    out = capsys.readouterr().out
    assert "--option on_negative=" in out and PASSWORD not in out
