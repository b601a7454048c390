"""Fault injection on `cvm run`, end to end: each fault gives one readable message, the right
exit code, no traceback on the terminal, and leaves the previous `latest` run intact."""

import contextlib
import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from cvm_lib.cli import main
from test_cli import make_notebook, run_dirs

PARAMS = '''lang: str = "en"          # language {en, zh}
time_unit: str = "W"      # unit {D, W, M, Y}
share: float = 0.5        # a share [0, 1]
api_token: str = ""       # a secret that must never reach the manifest'''
OK = "x = 1\nprint(lang, time_unit, share)"


@pytest.fixture
def books(tmp_path):
    folder = tmp_path / "notebooks"
    make_notebook(folder / "ok.ipynb", OK, params=PARAMS)
    return folder


def cvm(books, *args):
    return main(["--notebooks", str(books), *args])


def good_run(books, out, capsys=None):
    assert cvm(books, "run", "ok", "--out", str(out), "--quiet") == 0
    if capsys is not None:
        capsys.readouterr()
    return (out / "latest").resolve()


def assert_latest_intact(out, good):
    assert (out / "latest").is_symlink() and (out / "latest").resolve() == good
    assert json.loads((good / "manifest.json").read_text(encoding="utf-8"))["status"] == "ok"


def assert_readable(err):
    assert "Traceback" not in err and err.strip(), err


def kernel_folders():
    return list(Path(tempfile.gettempdir()).glob(f"cvm-kernel-{os.getpid()}-*"))


@contextlib.contextmanager
def tmpfs(path: Path, size: str):
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                                           capture_output=True).returncode != 0:
        pytest.skip("mounting a tmpfs is not permitted here")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


# -- the output folder ---------------------------------------------------------------------------

def test_out_is_a_file_exits_2_before_any_kernel(books, tmp_path, capsys):
    target = tmp_path / "report.txt"
    target.write_text("not a folder", encoding="utf-8")
    assert cvm(books, "run", "ok", "--out", str(target), "--quiet") == 2
    err = capsys.readouterr().err
    assert_readable(err)
    assert f"--out {target} is a file, not a folder" in err
    assert target.read_text(encoding="utf-8") == "not a folder"


def test_latest_as_a_real_folder_is_refused_and_kept(books, tmp_path, capsys):
    out = tmp_path / "reports"
    (out / "latest").mkdir(parents=True)
    (out / "latest" / "mine.txt").write_text("keep me", encoding="utf-8")
    assert cvm(books, "run", "ok", "--out", str(out), "--quiet") == 2
    err = capsys.readouterr().err
    assert_readable(err)
    assert "latest is a real folder, not the link cvm maintains" in err
    assert (out / "latest" / "mine.txt").read_text(encoding="utf-8") == "keep me"
    assert not list(out.glob(".incomplete-*")) and not run_dirs(out)[1:]


@pytest.mark.slow  # runs cvm end to end (Jupyter kernels or a new Python process)
def test_read_only_out_exits_2_and_keeps_latest(books, tmp_path, capsys):
    out = tmp_path / "ro"
    with tmpfs(out, "20m"):
        good = good_run(books, out, capsys)
        subprocess.run(["mount", "-o", "remount,ro", str(out)], check=True)
        assert cvm(books, "run", "ok", "--out", str(out), "--quiet") == 2
        err = capsys.readouterr().err
        assert_readable(err)
        assert f"cannot write to --out {out}" in err and "read-only file system" in err.lower()
        assert_latest_intact(out, good)


@pytest.mark.slow  # runs cvm end to end (Jupyter kernels or a new Python process)
def test_full_disk_fails_with_one_line_and_keeps_latest(books, tmp_path, capsys):
    out = tmp_path / "small"
    with tmpfs(out, "6m"):
        good = good_run(books, out, capsys)
        with open(out / "filler", "wb") as fh:  # fill the disk, then leave ~100 kB free
            with contextlib.suppress(OSError):
                while True:
                    fh.write(b"\0" * 65536)
                    fh.flush()
        os.truncate(out / "filler", max(0, (out / "filler").stat().st_size - 100_000))
        code = cvm(books, "run", "ok", "--out", str(out), "--quiet")
        err = capsys.readouterr().err
        assert code == 1, err
        assert_readable(err)
        assert "No space left on device" in err and "'latest' unchanged" in err
        assert_latest_intact(out, good)
        assert not kernel_folders()


# -- cells that never end, kernels that die, and the failing line ---------------------------------

@pytest.mark.slow
def test_cell_timeout_names_notebook_cell_line_and_limit(books, tmp_path, capsys):
    out = tmp_path / "reports"
    good = good_run(books, out, capsys)
    make_notebook(books / "slow.ipynb", "import time\ntime.sleep(60)", params=PARAMS)
    started = time.monotonic()
    assert cvm(books, "run", "slow", "--out", str(out), "--quiet", "--timeout", "2") == 1
    assert time.monotonic() - started < 40
    err = capsys.readouterr().err
    assert_readable(err)
    assert f"notebook {books / 'slow.ipynb'}, cell 3, line 2: time.sleep(60)" in err  # the line that was running
    assert "CellTimeoutError" in err and "limit of 2 seconds per cell" in err and "--timeout" in err
    assert_latest_intact(out, good)
    failed = next(p for p in run_dirs(out) if p != good)
    assert failed.name.endswith("-failed")
    assert not kernel_folders()


@pytest.mark.slow
def test_cell_timeout_when_the_kernel_ignores_interrupts(books, tmp_path, capsys):
    out = tmp_path / "reports"
    make_notebook(books / "stuck.ipynb", "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                  "time.sleep(60)", params=PARAMS)
    started = time.monotonic()
    assert cvm(books, "run", "stuck", "--out", str(out), "--quiet", "--timeout", "2") == 1
    assert time.monotonic() - started < 45
    err = capsys.readouterr().err
    assert_readable(err)
    assert f"notebook {books / 'stuck.ipynb'}, cell 3" in err and "limit of 2 seconds per cell" in err
    assert not kernel_folders()


@pytest.mark.slow  # runs cvm end to end (Jupyter kernels or a new Python process)
def test_dead_kernel_names_notebook_and_cell(books, tmp_path, capsys):
    out = tmp_path / "reports"
    good = good_run(books, out, capsys)
    make_notebook(books / "dies.ipynb", "import os\nos._exit(3)", params=PARAMS)
    assert cvm(books, "run", "dies", "--out", str(out), "--quiet") == 1
    err = capsys.readouterr().err
    assert_readable(err)
    assert f"notebook {books / 'dies.ipynb'}, cell 3: import os" in err
    assert "DeadKernelError" in err and "kernel died" in err
    assert_latest_intact(out, good)
    failed = next(p for p in run_dirs(out) if p != good)
    assert failed.name.endswith("-failed") and "Traceback" in (failed / "run.log").read_text(encoding="utf-8")
    assert not kernel_folders()


@pytest.mark.slow  # runs cvm end to end (Jupyter kernels or a new Python process)
def test_failing_call_is_named_not_the_first_line(books, tmp_path, capsys):
    out = tmp_path / "reports"
    make_notebook(books / "bad.ipynb", "import math\ny = 2\nz = math.sqrt(-y)\nprint(z)", params=PARAMS)
    assert cvm(books, "run", "bad", "--out", str(out), "--quiet") == 1
    err = capsys.readouterr().err
    assert "cell 3, line 3: z = math.sqrt(-y) — ValueError: math domain error" in err
    assert not kernel_folders()


# -- a killed run ---------------------------------------------------------------------------------

@pytest.mark.slow
def test_sigkill_then_rerun_recovers_the_stale_folder(books, tmp_path):
    out = tmp_path / "reports"
    good = good_run(books, out)
    make_notebook(books / "slow.ipynb", "import time\ntime.sleep(120)", params=PARAMS)
    proc = subprocess.Popen([sys.executable, "-m", "cvm_lib.cli", "--notebooks", str(books), "run", "slow",
                             "--out", str(out), "--quiet"], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        partial = list(out.glob(".incomplete-*/slow.ipynb"))
        if partial and '"execution_count": 1' in partial[0].read_text(encoding="utf-8"):
            break
        time.sleep(0.3)
    else:
        pytest.fail("the slow study never started")
    assert list(Path(tempfile.gettempdir()).glob(f"cvm-kernel-{proc.pid}-*/*.json"))  # connection file
    proc.kill()
    proc.wait(timeout=30)
    (stale,) = out.glob(".incomplete-*")
    run_id = stale.name[len(".incomplete-"):]

    done = subprocess.run([sys.executable, "-m", "cvm_lib.cli", "--notebooks", str(books), "run", "ok",
                           "--out", str(out), "--quiet"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"run {run_id} never finished (its process is gone); moved to {out / (run_id + '-failed')}" \
        in done.stderr
    assert not list(out.glob(".incomplete-*"))
    recovered = out / f"{run_id}-failed"
    assert (recovered / "slow.ipynb").exists()
    assert "process is gone" in (recovered / "run.log").read_text(encoding="utf-8")
    assert f"run {run_id} never finished" in (out / "latest" / "run.log").read_text(encoding="utf-8")
    assert (out / "latest").resolve() not in (good, recovered)  # the new run is published
    assert not list(Path(tempfile.gettempdir()).glob(f"cvm-kernel-{proc.pid}-*"))  # its kernel files removed


@pytest.mark.slow  # runs cvm end to end (Jupyter kernels or a new Python process)
def test_a_live_incomplete_run_is_left_alone(books, tmp_path):
    out = tmp_path / "reports"
    live = out / ".incomplete-20990101-000000"
    live.mkdir(parents=True)
    from cvm_lib.report.runner import _owner_record

    (live / ".owner").write_text(json.dumps(_owner_record()), encoding="utf-8")  # this very process
    good_run(books, out)
    assert live.is_dir()


@pytest.mark.slow  # runs cvm end to end (Jupyter kernels or a new Python process)
def test_kernel_files_are_removed_on_success_and_failure(books, tmp_path):
    out = tmp_path / "reports"
    runtime = Path(os.environ.get("JUPYTER_RUNTIME_DIR", Path.home() / ".local/share/jupyter/runtime"))
    before = set(runtime.glob("kernel-*.json")) if runtime.exists() else set()
    good_run(books, out)
    make_notebook(books / "bad.ipynb", "raise RuntimeError('x')", params=PARAMS)
    assert cvm(books, "run", "bad", "--out", str(out), "--quiet") == 1
    assert not kernel_folders()
    after = set(runtime.glob("kernel-*.json")) if runtime.exists() else set()
    assert after <= before  # no connection file (HMAC key) left in the Jupyter runtime folder


# -- bad input, refused before any kernel ---------------------------------------------------------

@pytest.mark.parametrize("args, message", [
    (["-p", "lang=fr"], "parameter 'lang' must be one of {en, zh}, got 'fr'"),
    (["-p", "time_unit=X"], "parameter 'time_unit' must be one of {D, W, M, Y}, got 'X'"),
    (["-p", "share=1.5"], "parameter 'share' must be in [0, 1], got 1.5"),
    (["-p", "share=.nan"], "parameter 'share' must be in [0, 1], got nan"),
    (["--lang", "de"], "invalid choice: 'de'"),
])
def test_bad_parameter_values_exit_2_before_any_kernel(books, tmp_path, capsys, args, message):
    out = tmp_path / "reports"
    started = time.monotonic()
    with contextlib.suppress(SystemExit):  # argparse's own choices exit 2 via SystemExit
        assert cvm(books, "run", "ok", *args, "--out", str(out), "--quiet") == 2
    assert time.monotonic() - started < 5
    err = capsys.readouterr().err
    assert message in err
    assert_readable(err)
    assert not out.exists()


def test_list_shows_choices_and_ranges(books, capsys):
    assert cvm(books, "list") == 0
    text = capsys.readouterr().out
    assert "language  {en, zh}" in text and "unit  {D, W, M, Y}" in text and "a share  [0, 1]" in text


def test_yaml_alias_bomb_is_refused_fast(books, tmp_path, capsys):
    config = tmp_path / "bomb.yaml"
    levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for i, name in enumerate("bcdefghi"):
        prev = "abcdefghi"[i]
        levels.append(f"{name}: &{name} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]")
    config.write_text("parameters:\n" + "\n".join("  " + line for line in levels) + "\n", encoding="utf-8")
    assert config.stat().st_size < 700
    out = tmp_path / "reports"
    started = time.monotonic()
    assert cvm(books, "run", "--config", str(config), "--out", str(out), "--quiet") == 2
    assert time.monotonic() - started < 5
    err = capsys.readouterr().err
    assert f"config file {config} refused" in err and "alias" in err
    assert not out.exists()


def test_nested_alias_expansion_is_limited_even_with_few_aliases(books, tmp_path, capsys):
    config = tmp_path / "wide.yaml"
    config.write_text("parameters:\n  a: &a [" + ",".join(["1"] * 20000) + "]\n  b: [*a, *a, *a, *a, *a, *a]\n",
                      encoding="utf-8")
    assert cvm(books, "run", "--config", str(config), "--out", str(tmp_path / "r"), "--quiet") == 2
    assert "expands to more than 100,000 values" in capsys.readouterr().err


def test_oversized_config_is_refused(books, tmp_path, capsys):
    config = tmp_path / "big.yaml"
    config.write_text("description: " + "x" * (1 << 20) + "\n", encoding="utf-8")
    assert cvm(books, "run", "--config", str(config), "--out", str(tmp_path / "r"), "--quiet") == 2
    assert "the limit is 1,048,576" in capsys.readouterr().err


@pytest.mark.slow  # runs cvm end to end (Jupyter kernels or a new Python process)
@pytest.mark.parametrize("kind", ["fifo-data", "dev-zero-data", "fifo-config", "dev-zero-config"])
def test_special_files_are_refused_without_blocking(tmp_path, kind):
    books = tmp_path / "notebooks"
    make_notebook(books / "tiny.ipynb", "print(data)", params='data: str = "cdnow_sample"  # data\nlang: str = "en"')
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    special = str(fifo) if kind.startswith("fifo") else "/dev/zero"
    flag = ["--data", special] if kind.endswith("data") else ["--config", special]
    done = subprocess.run([sys.executable, "-m", "cvm_lib.cli", "--notebooks", str(books), "run", "tiny", *flag,
                           "--out", str(tmp_path / "r"), "--quiet"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    # The data path is refused by the loader ("not a data file"), the config by the CLI.
    assert special in done.stderr and ("not a regular file" in done.stderr or "not a data file" in done.stderr)
    assert ("FIFO" if kind.startswith("fifo") else "character device") in done.stderr
    assert_readable(done.stderr)


# -- what a run writes ----------------------------------------------------------------------------

HOSTILE = ["=HYPERLINK(\"http://evil.example\",\"click\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)",
           "\t=1+1", "\r=1+1", "-12.5", "+7", "web", "1e3"]


@pytest.mark.slow  # runs cvm end to end (Jupyter kernels or a new Python process)
def test_exported_csv_neutralises_formulas(books, tmp_path):
    out = tmp_path / "reports"
    body = ("import pandas as pd\nfrom cvm_lib.results import record_table\n"
            f"channels = {HOSTILE!r}\n"
            "record_table('by_channel', pd.DataFrame({'channel': channels, 'n': range(len(channels)),"
            " 'delta': [-1.5] * len(channels)}), index=False)\n"
            "record_table('by_index', pd.DataFrame({'n': range(len(channels))}, index=pd.Index(channels, name='@ch')))")
    make_notebook(books / "hostile.ipynb", body, params=PARAMS)
    assert cvm(books, "run", "hostile", "--out", str(out), "--quiet") == 0
    table = out / "latest" / "results" / "hostile__by_channel.csv"
    with open(table, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    cells = [r["channel"] for r in rows]
    assert cells == ["'" + v for v in HOSTILE[:6]] + ["-12.5", "+7", "web", "1e3"]
    assert [r["delta"] for r in rows] == ["-1.5"] * len(HOSTILE)  # numbers are never changed
    with open(out / "latest" / "results" / "hostile__by_index.csv", encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        first = [row[0] for row in reader]
    assert header[0] == "'@ch" and first[0] == "'" + HOSTILE[0] and first[6] == "-12.5"


@pytest.mark.slow  # runs cvm end to end (Jupyter kernels or a new Python process)
def test_manifest_is_relative_redacted_and_has_no_argv(books, tmp_path, monkeypatch):
    monkeypatch.setenv("CVM_PROJECT_ROOT", str(tmp_path))
    out = tmp_path / "reports"
    secret = f"s3cr3t-{uuid.uuid4().hex}"
    assert cvm(books, "run", "ok", "-p", f"api_token={secret}", "-p", "share=0.25", "--out", str(out),
               "--quiet") == 0
    text = (out / "latest" / "manifest.json").read_text(encoding="utf-8")
    assert secret not in text and secret not in (out / "latest" / "index.html").read_text(encoding="utf-8")
    manifest = json.loads(text)
    assert manifest["studies"]["ok"]["parameters"] == {"api_token": "***", "share": 0.25}
    assert manifest["command"] == ["cvm", "run", "ok"]  # sub-command and studies, no option values
    assert "notebooks/ok.ipynb" in manifest["inputs"]["sha256"]
    assert str(tmp_path) not in json.dumps(manifest["inputs"])


def test_url_passwords_are_redacted():
    from cvm_lib.report.manifest import redact

    assert redact("data", "postgresql://ana:p%40ss@db:5432/crm?sslmode=require") == \
        "postgresql://ana:***@db:5432/crm?sslmode=require"
    assert redact("source", ["duckdb:///x.duckdb", "mysql://u:pw@h/d"]) == ["duckdb:///x.duckdb", "mysql://u:***@h/d"]
    assert redact("password", None) is None and redact("db_passwd", 12) == "***"


def test_version_flag(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.startswith("cvm ")
