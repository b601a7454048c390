"""End-to-end tests of the `cvm` command on tiny notebooks and a tiny data set."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from cvm_lib.cli import main
from cvm_lib.report.params import ParameterError, parse_parameters

PARAMS = '''data: str = "cdnow_sample"   # data set or file
threshold: float = 10.0       # amount that counts as a big purchase
label_suffix: str | None = None
seed: int = 7
lang: str = "en"'''

OK_BODY = '''from cvm_lib.datasets import load_dataset
from cvm_lib.results import record, record_table
import numpy as np
tx = load_dataset(data)
big = int((tx["amount"] > threshold).sum())
record("transactions", len(tx), headline=True, label="Transactions")
record("big_purchases", big, headline=True)
record("random_draw", float(np.random.default_rng(seed).normal()), "z")
record_table("by_customer", tx.groupby("customer_id")["amount"].sum().round(6).to_frame())
print(lang, label_suffix)'''


def make_notebook(path: Path, body: str, params: str = PARAMS, title: str = "# Tiny study") -> Path:
    nb = nbformat.v4.new_notebook()
    parameters = nbformat.v4.new_code_cell(params)
    parameters.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell(title), parameters, nbformat.v4.new_code_cell(body)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


@pytest.fixture
def workspace(tmp_path):
    books = tmp_path / "notebooks"
    make_notebook(books / "tiny.ipynb", OK_BODY)
    make_notebook(books / "tiny_b.ipynb", OK_BODY, title="# Second tiny study")
    data = tmp_path / "tiny.csv"
    data.write_text("customer,date,amount\na,2024-01-01,5\na,2024-02-01,15\nb,2024-01-03,30\n", encoding="utf-8")
    return tmp_path, books, data


def cvm(books, *args):
    return main(["--notebooks", str(books), *args])


def run_dirs(out: Path) -> list[Path]:
    return sorted(p for p in out.iterdir() if p.is_dir() and not p.is_symlink() and not p.name.startswith("."))


def test_list_shows_parameters_with_types_defaults_and_help(workspace, capsys):
    _, books, _ = workspace
    assert cvm(books, "list") == 0
    out = capsys.readouterr().out
    assert "tiny  —  Tiny study" in out
    assert "threshold" in out and "float" in out and "10.0" in out and "amount that counts" in out
    assert "label_suffix" in out and "str | None" in out


@pytest.mark.slow  # runs cvm end to end (Jupyter kernels or a new Python process)
def test_success_writes_the_whole_run_and_points_latest(workspace, capsys):
    tmp, books, data = workspace
    out = tmp / "reports"
    code = cvm(books, "run", "tiny", "tiny_b", "--data", str(data), "-p", "threshold=12", "--out", str(out),
               "--quiet", "--jobs", "2", "--lang", "zh")
    assert code == 0, capsys.readouterr().err
    (run,) = run_dirs(out)
    assert (out / "latest").resolve() == run.resolve()
    for name in ("tiny", "tiny_b"):
        assert (run / f"{name}.ipynb").exists() and (run / f"{name}.html").exists()
        results = json.loads((run / "results" / f"{name}.json").read_text(encoding="utf-8"))
        values = {r["name"]: r["value"] for r in results["results"]}
        assert values["transactions"] == 3 and values["big_purchases"] == 2  # 15 and 30 exceed 12
        assert (run / "results" / results["tables"]["by_customer"]).exists()
    html_page = (run / "tiny.html").read_text(encoding="utf-8")
    assert "load_dataset" not in html_page  # code hidden by default
    assert "zh None" in html_page
    index = (run / "index.html").read_text(encoding="utf-8")
    assert "成功" in index and "Transactions" in index and 'href="tiny.html"' in index
    assert (run / "run.log").read_text(encoding="utf-8").count(" ok in ") == 2


@pytest.mark.slow  # runs cvm end to end (Jupyter kernels or a new Python process)
def test_manifest_records_parameters_hashes_versions_and_status(workspace):
    tmp, books, data = workspace
    out = tmp / "reports"
    assert cvm(books, "run", "tiny", "--data", str(data), "--out", str(out), "--quiet") == 0
    manifest = json.loads((out / "latest" / "manifest.json").read_text(encoding="utf-8"))
    import hashlib

    assert manifest["status"] == "ok" and manifest["run_id"] == (out / "latest").resolve().name
    assert manifest["inputs"]["sha256"][str(data.resolve())] == hashlib.sha256(data.read_bytes()).hexdigest()
    assert str(books / "tiny.ipynb") in manifest["inputs"]["sha256"]
    study = manifest["studies"]["tiny"]
    assert study["status"] == "ok" and study["duration_seconds"] > 0
    # The study read the run's validated snapshot, not the raw file; both are hashed.
    snapshot = (out / "latest").resolve() / "data" / "transactions.parquet"
    assert study["parameters"] == {"data": str(snapshot)}
    assert manifest["inputs"]["sha256"][str(snapshot)] == hashlib.sha256(snapshot.read_bytes()).hexdigest()
    assert manifest["data"]["source"] == str(data) and manifest["data"]["rows"] == 3
    assert manifest["data"]["raw_sha256"] == {str(data.resolve()): hashlib.sha256(data.read_bytes()).hexdigest()}
    assert manifest["seed"] is None  # seed not overridden: the notebook default applies
    assert manifest["packages"]["pandas"] and manifest["python"]
    assert set(manifest["git"]) == {"commit", "dirty"}
    assert manifest["started"] <= manifest["ended"]


@pytest.mark.slow  # runs cvm end to end (Jupyter kernels or a new Python process)
def test_reruns_give_byte_identical_results(workspace):
    tmp, books, data = workspace
    out = tmp / "reports"
    for _ in range(2):
        assert cvm(books, "run", "tiny", "--data", str(data), "-p", "seed=11", "--out", str(out), "--quiet") == 0
    first, second = run_dirs(out)
    assert first.name != second.name
    for path in sorted((first / "results").iterdir()):
        assert path.read_bytes() == (second / "results" / path.name).read_bytes(), path.name


@pytest.mark.slow  # runs cvm end to end (Jupyter kernels or a new Python process)
def test_failing_study_exits_1_keeps_partial_notebook_and_latest(workspace, capsys):
    tmp, books, data = workspace
    out = tmp / "reports"
    assert cvm(books, "run", "tiny", "--data", str(data), "--out", str(out), "--quiet") == 0
    good = (out / "latest").resolve()
    good_files = {p.name: p.read_bytes() for p in (good / "results.xlsx", good / "index.html")}
    make_notebook(books / "broken.ipynb", 'x = 1\nraise ValueError("planted failure")')
    capsys.readouterr()
    assert cvm(books, "run", "tiny", "broken", "--data", str(data), "--out", str(out), "--quiet") == 1
    err = capsys.readouterr().err
    assert "broken" in err and "broken.ipynb" in err and "ValueError" in err and "planted failure" in err
    assert "cell 3, line 2: raise ValueError(\"planted failure\")" in err  # the failing line, not the first
    assert (out / "latest").resolve() == good
    assert {name: (good / name).read_bytes() for name in good_files} == good_files  # the last good report
    failed = next(p for p in run_dirs(out) if p != good)
    assert (failed / "broken.ipynb").exists() and (failed / "broken.html").exists()
    manifest = json.loads((failed / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "failed"
    assert manifest["studies"]["tiny"]["status"] == "ok"
    assert manifest["studies"]["broken"]["error"]["ename"] == "ValueError"


@pytest.mark.parametrize("args, message", [
    (["-p", "tresh=3"], "no selected study has a parameter 'tresh'; valid parameters: data (str), threshold (float)"),
    (["-p", "threshold=abc"], "parameter 'threshold' expects float, got 'abc'"),
    (["-p", "seed=1.5"], "parameter 'seed' expects int, got 1.5"),
    (["--data", "missing.csv"], "input file 'missing.csv' not found"),
    (["nosuchstudy"], "unknown study 'nosuchstudy'"),
    (["-p", "threshold"], "-p expects NAME=VALUE"),
])
def test_bad_parameters_exit_2_before_any_kernel_starts(workspace, capsys, args, message):
    tmp, books, _ = workspace
    out = tmp / "reports"
    assert cvm(books, "run", "tiny", *args, "--out", str(out), "--quiet") == 2
    assert message in capsys.readouterr().err
    assert not out.exists()  # nothing was started, nothing written


@pytest.mark.slow  # runs cvm end to end (Jupyter kernels or a new Python process)
def test_config_files_set_parameters_and_reject_unknown_keys(workspace, capsys):
    tmp, books, data = workspace
    config = tmp / "suite.yaml"
    config.write_text(f"parameters:\n  data: {data}\n  threshold: 20\nstudies: [tiny]\n", encoding="utf-8")
    out = tmp / "reports"
    assert cvm(books, "run", "--config", str(config), "--out", str(out), "--quiet") == 0
    values = {r["name"]: r["value"] for r in
              json.loads((out / "latest" / "results" / "tiny.json").read_text(encoding="utf-8"))["results"]}
    assert values["big_purchases"] == 1
    config.write_text("parameter:\n  data: x\n", encoding="utf-8")
    assert cvm(books, "run", "--config", str(config), "--out", str(out)) == 2
    assert "unknown key(s) ['parameter']" in capsys.readouterr().err
    config.write_text("study_parameters:\n  tiny:\n    thresholds: 1\n", encoding="utf-8")
    assert cvm(books, "run", "--config", str(config), "--out", str(out)) == 2
    assert "has no parameter 'thresholds'" in capsys.readouterr().err


@pytest.mark.slow  # runs cvm end to end (Jupyter kernels or a new Python process)
def test_sigterm_interrupts_cleanly_without_touching_latest(workspace):
    tmp, books, data = workspace
    out = tmp / "reports"
    assert cvm(books, "run", "tiny", "--data", str(data), "--out", str(out), "--quiet") == 0
    good = (out / "latest").resolve()
    make_notebook(books / "slow.ipynb", "import time\ntime.sleep(60)")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "cvm_lib.cli", "--notebooks", str(books), "run", "slow",
                             "--out", str(out), "--quiet"], env=env, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # wait until the kernel is executing the sleep
        partial = list(out.glob(".incomplete-*/slow.ipynb"))
        if partial and "time.sleep" in partial[0].read_text(encoding="utf-8") and \
                '"execution_count": 1' in partial[0].read_text(encoding="utf-8"):
            break
        time.sleep(0.3)
    time.sleep(1.0)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert (out / "latest").resolve() == good
    assert not list(out.glob(".incomplete-*"))
    import tempfile

    assert not list(Path(tempfile.gettempdir()).glob(f"cvm-kernel-{proc.pid}-*"))  # kernel files removed
    interrupted = next(p for p in run_dirs(out) if p != good)
    manifest = json.loads((interrupted / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "interrupted"
    assert manifest["studies"]["slow"]["status"] == "interrupted"


def test_parameter_cell_parsing_rejects_non_literal_defaults():
    with pytest.raises(ParameterError, match="literal default"):
        parse_parameters("data = load()")


@pytest.mark.slow  # runs cvm end to end (Jupyter kernels or a new Python process)
def test_path_parameters_are_checked_and_hashed_as_inputs(workspace, capsys):
    tmp, books, data = workspace
    make_notebook(books / "withfile.ipynb", "print(open(extra_path).read())",
                  params='extra_path: str | None = None  # an extra input file\nlang: str = "en"')
    out = tmp / "reports"
    assert cvm(books, "run", "withfile", "-p", "extra_path=nope.txt", "--out", str(out), "--quiet") == 2
    assert "input file 'nope.txt' not found" in capsys.readouterr().err
    extra = tmp / "extra.txt"
    extra.write_text("hello", encoding="utf-8")
    assert cvm(books, "run", "withfile", "-p", f"extra_path={extra}", "--out", str(out), "--quiet") == 0
    manifest = json.loads((out / "latest" / "manifest.json").read_text(encoding="utf-8"))
    assert str(extra.resolve()) in manifest["inputs"]["sha256"]


def test_bare_run_is_the_suite_and_cases_run_when_named():
    from cvm_lib.cli import build_parser, resolve_run
    from cvm_lib.paths import project_root
    from cvm_lib.report.params import discover_studies

    available = discover_studies(project_root() / "notebooks")
    parse = build_parser().parse_args

    def names(*argv):
        return [s.name for s in resolve_run(parse(["run", *argv]), available)[0]]

    suite = names()
    assert suite == sorted(n for n in available if "/" not in n) and "04_crm_indicators" in suite
    cases = names("cases")
    assert len(cases) == 6 and all(n.startswith("cases/") for n in cases)
    assert names("cases/brewer", "01_segmentation") == ["cases/brewer", "01_segmentation"]


def test_config_lang_sets_the_report_language_and_the_studies_lang(workspace, tmp_path):
    from cvm_lib.cli import UsageError, build_parser, resolve_run
    from cvm_lib.report.params import discover_studies

    _, books, _ = workspace
    available = discover_studies(books)
    parse = build_parser().parse_args
    config = tmp_path / "zh.yaml"
    for text in ("lang: zh\nstudies: [tiny]\n", "parameters:\n  lang: zh\nstudies: [tiny]\n"):
        config.write_text(text, encoding="utf-8")
        args = parse(["run", "--config", str(config)])
        _, resolved = resolve_run(args, available)
        assert args.report_lang == "zh" and resolved["tiny"]["lang"] == "zh"
        args = parse(["run", "--config", str(config), "--lang", "en"])  # --lang wins
        _, resolved = resolve_run(args, available)
        assert args.report_lang == "en" and resolved["tiny"]["lang"] == "en"
    args = parse(["run", "tiny"])
    resolve_run(args, available)
    assert args.report_lang == "en"
    config.write_text("lang: fr\nstudies: [tiny]\n", encoding="utf-8")
    with pytest.raises(UsageError, match="lang 'fr' is not a report language; use en or zh"):
        resolve_run(parse(["run", "--config", str(config)]), available)
    config.write_text("lang: zh\nparameters:\n  lang: en\n", encoding="utf-8")
    with pytest.raises(UsageError, match="lang is given twice"):
        resolve_run(parse(["run", "--config", str(config)]), available)


def test_check_data_speaks_the_report_language(workspace, capsys):
    tmp, books, _ = workspace
    data = tmp / "会员.csv"
    data.write_text("会员卡号,日期,金额\nA1,2024-01-01,5\nA1,2024-02-01,0\nB2,2024-01-03,30\n", encoding="utf-8")
    columns = ["--column", "customer=会员卡号", "--column", "date=日期", "--column", "amount=金额"]
    assert cvm(books, "check-data", str(data), *columns, "--lang", "zh") == 0
    text = capsys.readouterr().out
    for word in ("数据源：", "列映射：", "数据质量：", "读取行数", "零金额", "on_zero=keep", "已保留", "结论：可以使用",
                 "共 3 行，2 位客户"):
        assert word in text, word
    assert "rows read" not in text.lower() and "rows_read" not in text and "RESULT" not in text
    assert "data quality" not in text and "zero amount" not in text.lower() and "kept" not in text
    config = tmp / "zh.yaml"
    config.write_text(f"lang: zh\ndata:\n  source: {data}\n  columns: {{customer: 会员卡号, date: 日期, amount: 金额}}\n",
                      encoding="utf-8")
    assert cvm(books, "check-data", "--config", str(config)) == 0
    assert "数据质量：" in capsys.readouterr().out
    assert cvm(books, "check-data", str(data), *columns) == 0
    english = capsys.readouterr().out
    assert "data quality:" in english and "zero amount" in english.lower() and "RESULT: ok" in english
    bad = tmp / "bad.csv"
    bad.write_text("customer,date,amount\na,2024-01-01,-5\n", encoding="utf-8")
    assert cvm(books, "check-data", str(bad), "--lang", "zh") == 2
    assert "结论：数据按当前设置无法使用" in capsys.readouterr().out
