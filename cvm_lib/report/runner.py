"""Run studies with papermill into a dated, self-describing, atomically published run folder.

Layout of ``<out>/<run-id>/``: the executed ``<study>.ipynb``, ``<study>.html``,
``results/<study>.json`` (+ CSV tables), ``results.xlsx`` (every table, headers in the
report language: :mod:`cvm_lib.report.workbook`), ``manifest.json``, ``index.html``
(with the change of each headline figure since the previous successful run, the one
``latest`` pointed to when this run started) and ``run.log``. The run is assembled in ``<out>/.incomplete-<run-id>/`` and renamed into
place when it ends, whatever the outcome, so a folder named by a run id is never
half-written; ``<out>/latest`` is switched (atomically) only when every requested
study succeeded. A failed or interrupted run keeps its partial notebooks for
diagnosis, is named ``<run-id>-failed`` (``-interrupted``) and leaves the previous
``latest`` untouched.

Every ``.incomplete-<run-id>/`` holds the id of the process that writes it
(``.owner``); the next run moves those whose process is gone (a ``kill -9``, a
power cut) to ``<run-id>-failed/`` and reports them. Kernel connection files (with
their HMAC key) and IPC sockets live in one private temporary folder per process,
removed on every exit path (and, after a ``kill -9``, by the next run).

Problems of the run itself (a full disk, a read-only output folder) raise
:class:`RunError` with one readable message; the traceback goes to ``run.log``.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import re
import shutil
import signal
import socket
import tempfile
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime, timezone
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager

from cvm_lib.report.manifest import build_manifest
from cvm_lib.report.params import Study
from cvm_lib.results import RESULTS_DIR_ENV, STUDY_ENV

__all__ = ["StudyRun", "RunResult", "RunError", "run_suite", "recover_stale_runs", "check_output_folder", "LATEST"]

LATEST = "latest"
log = logging.getLogger("cvm.run")


class RunError(Exception):
    """A run that could not be set up or published (disk full, read-only folder, ...).

    ``exit_code`` is 2 before any kernel started, else 1; ``log`` is where the full
    traceback was written (None when even that failed).
    """

    def __init__(self, message: str, *, exit_code: int = 1, log: Path | None = None):
        super().__init__(message)
        self.exit_code = exit_code
        self.log = log


def describe_os_error(exc: OSError) -> str:
    """One line for an OSError: what happened to which file, and what to do."""
    where = f" ({exc.filename})" if exc.filename else ""
    hint = {errno.ENOSPC: "free some space or choose another --out",
            errno.EDQUOT: "free some space or choose another --out",
            errno.EROFS: "the folder is on a read-only file system; choose another --out",
            errno.EACCES: "no permission to write there; choose another --out",
            errno.EPERM: "no permission to write there; choose another --out",
            errno.ENOTDIR: "a path component is a file, not a folder",
            errno.EISDIR: "a folder is in the way of a file"}.get(exc.errno, "check the output folder")
    return f"{exc.strerror or exc}{where}: {hint}"


def check_output_folder(out: Path) -> None:
    """Refuse an output folder that cannot hold runs, before any kernel starts (RunError, exit 2)."""
    if out.exists() and not out.is_dir():
        raise RunError(f"--out {out} is a file, not a folder; give a folder (it is created if missing)",
                       exit_code=2)
    latest = out / LATEST
    if latest.exists() and not latest.is_symlink():
        kind = "folder" if latest.is_dir() else "file"
        raise RunError(f"{latest} is a real {kind}, not the link cvm maintains to the newest run; "
                       f"move or rename it (cvm never overwrites it)", exit_code=2)
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=out, prefix=".cvm-write-test-")
        probe.close()
    except OSError as exc:
        raise RunError(f"cannot write to --out {out}: {describe_os_error(exc)}", exit_code=2) from exc


_OWNER = ".owner"


def _process_start(pid: int) -> str | None:
    """Start time of ``pid`` in clock ticks since boot (Linux), to tell a reused pid apart."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _owner_record() -> dict[str, Any]:
    return {"pid": os.getpid(), "host": socket.gethostname(), "start": _process_start(os.getpid())}


def _owner_alive(record: dict[str, Any]) -> bool:
    if record.get("host") != socket.gethostname():
        return True  # another machine's run (shared folder): not ours to judge
    pid = int(record.get("pid", -1))
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    start = _process_start(pid)
    return record.get("start") is None or start is None or start == record.get("start")


def recover_stale_runs(out: Path) -> list[tuple[str, Path]]:
    """Move ``.incomplete-*`` folders of dead processes to ``<run-id>-failed``; returns (run id, new place).

    A folder without an owner record (an older cvm) counts as stale after an hour.
    """
    recovered = []
    for folder in sorted(out.glob(".incomplete-*")):
        if not folder.is_dir():
            continue
        try:
            record = json.loads((folder / _OWNER).read_text(encoding="utf-8"))
            alive = _owner_alive(record)
        except (OSError, ValueError):
            alive = time.time() - folder.stat().st_mtime < 3600
        if alive:
            continue
        run_id = folder.name[len(".incomplete-"):]
        target = out / f"{run_id}-failed"
        n = 1
        while target.exists():
            n += 1
            target = out / f"{run_id}-failed-{n}"
        try:
            with open(folder / "run.log", "a", encoding="utf-8") as fh:
                fh.write(f"{datetime.now().isoformat(timespec='seconds')} ERROR run {run_id} stopped without "
                         f"finishing (its process is gone); moved to {target.name} by a later run\n")
        except OSError:
            pass
        os.replace(folder, target)
        recovered.append((run_id, target))
    return recovered


_KERNEL_PREFIX = "cvm-kernel-"


def _clean_stale_kernel_folders() -> None:
    """Remove kernel folders (connection files, sockets) left by cvm processes that are gone."""
    for folder in Path(tempfile.gettempdir()).glob(f"{_KERNEL_PREFIX}*"):
        match = re.match(rf"{_KERNEL_PREFIX}(\d+)-", folder.name)
        if not match or not folder.is_dir() or folder.owner() != Path.home().owner():
            continue
        try:
            os.kill(int(match.group(1)), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except (PermissionError, OSError):
            continue


class _QuietFileHandler(logging.FileHandler):
    """run.log; a write that fails (disk full) is remembered, never printed as a traceback."""

    failed: OSError | None = None

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 (logging's name)
        import sys

        exc = sys.exc_info()[1]
        self.failed = exc if isinstance(exc, OSError) else self.failed


@dataclass
class StudyRun:
    name: str
    parameters: dict[str, Any]
    status: str = "pending"  # pending, ok, failed, interrupted
    duration_seconds: float = 0.0
    error: dict[str, Any] | None = None

    @property
    def file_stem(self) -> str:
        return self.name.replace("/", "__")


@dataclass
class RunResult:
    run_id: str
    directory: Path
    status: str
    studies: list[StudyRun] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return {"ok": 0, "interrupted": 130}.get(self.status, 1)


def _new_run_id(out: Path) -> str:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    run_id, n = stamp, 1
    while (out / run_id).exists() or (out / f".incomplete-{run_id}").exists():
        n += 1
        run_id = f"{stamp}-{n}"
    return run_id


_ADDED_BY_PAPERMILL = {"injected-parameters", "papermill-error-cell-tag"}


def _locate_cell(notebook: Path, execution_count: int | None) -> tuple[int | None, str]:
    """Position (1-based, in the study's own notebook) and first line of the cell that ran as
    ``In [execution_count]``; cells papermill added (parameters, error banner) are not counted."""
    if execution_count is None or not notebook.exists():
        return None, ""
    try:
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    except (ValueError, KeyError):
        return None, ""
    own = [c for c in cells if not _ADDED_BY_PAPERMILL & set(c.get("metadata", {}).get("tags") or [])]
    for position, cell in enumerate(own, start=1):
        if cell.get("cell_type") == "code" and cell.get("execution_count") == execution_count:
            source = "".join(cell.get("source", ""))
            return position, next((line.strip() for line in source.splitlines() if line.strip()), "")
    return None, ""


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _failing_line(traceback_lines: list[str] | None, execution_count: int | None) -> tuple[int | None, str]:
    """Line number (in the cell) and text of the cell's own line that raised, from an IPython traceback."""
    text = _ANSI.sub("", "\n".join(traceback_lines or []))
    hits = re.findall(r"Cell In\[(\d+)\], line (\d+)", text)
    hits = [int(line) for count, line in hits if execution_count is None or int(count) == execution_count]
    return (hits[-1], "") if hits else (None, "")


def _own_cells(notebook: Path) -> list[dict]:
    try:
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError):
        return []
    return [c for c in cells if not _ADDED_BY_PAPERMILL & set(c.get("metadata", {}).get("tags") or [])]


def _running_cell(notebook: Path) -> tuple[int | None, str]:
    """Position and first line of the last cell papermill started (the one that timed out or died)."""
    found: tuple[int | None, str] = (None, "")
    for position, cell in enumerate(_own_cells(notebook), start=1):
        meta = cell.get("metadata", {}).get("papermill", {})
        if cell.get("cell_type") == "code" and meta.get("start_time"):
            source = "".join(cell.get("source", ""))
            found = position, next((line.strip() for line in source.splitlines() if line.strip()), "")
    return found


def _cell_line(notebook: Path, position: int | None, line: int | None) -> str:
    cells = _own_cells(notebook)
    if position is None or line is None or not 0 < position <= len(cells):
        return ""
    lines = "".join(cells[position - 1].get("source", "")).splitlines()
    return lines[line - 1].strip() if 0 < line <= len(lines) else ""


def _timeout_text(limit: float | None) -> str:
    return f"the cell ran longer than the limit of {limit:g} seconds per cell (raise it with --timeout SECONDS)"


def _ipc_kernel_manager(prefix: str) -> type[AsyncKernelManager]:
    """A kernel manager class whose kernels talk over local IPC sockets under ``prefix``,
    with the connection file (and its HMAC key) beside them, not in the Jupyter runtime folder."""

    class IpcKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs: Any) -> None:
            kwargs.setdefault("transport", "ipc")
            kwargs.setdefault("ip", prefix)
            kwargs.setdefault("connection_file", prefix + ".json")
            super().__init__(**kwargs)

    return IpcKernelManager


def execute_study(study_path: str, output: str, parameters: dict[str, Any], results_dir: str, study_name: str,
                  cwd: str, cell_timeout: float | None, progress: bool) -> dict[str, Any]:
    """Execute one notebook with papermill (in this process or a worker); never raises for a study error."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    # Parameters were validated by cvm already; papermill's own parser does not
    # understand annotations such as "str | None" and would warn about them.
    logging.getLogger("papermill").setLevel(logging.ERROR)

    # The kernel inherits this environment: it tells cvm_lib.results where to write.
    os.environ[RESULTS_DIR_ENV] = results_dir
    os.environ[STUDY_ENV] = study_name.replace("/", "__")
    started = time.monotonic()
    outcome: dict[str, Any] = {"status": "ok", "error": None}
    # Local IPC sockets instead of TCP: nothing listens on the network, and the kernel
    # has no reason to warn about unencrypted traffic in every cron log.
    sockets = tempfile.mkdtemp(prefix=f"{_KERNEL_PREFIX}{os.getpid()}-")
    try:
        # A manager class (not an instance): nbclient then owns the kernel and its
        # client and closes every socket when the notebook ends.
        pm.execute_notebook(study_path, output, parameters=parameters, progress_bar=progress, log_output=False,
                            cwd=cwd, execution_timeout=cell_timeout, request_save_on_cell_execute=True,
                            kernel_manager_class=_ipc_kernel_manager(os.path.join(sockets, "kernel")),
                            # On a timeout, interrupt the kernel: its KeyboardInterrupt traceback names
                            # the line that was running; the reply is an error even if it ignores SIGINT.
                            interrupt_on_timeout=True,
                            error_on_timeout={"ename": "CellTimeoutError", "evalue": "cell timed out",
                                              "traceback": []})
    except PapermillExecutionError as exc:
        position, first_line = _locate_cell(Path(output), exc.exec_count)
        if position is None:
            position, first_line = _running_cell(Path(output))
        line, _ = _failing_line(exc.traceback, exc.exec_count)
        ename, evalue = exc.ename, exc.evalue
        timed_out = cell_timeout is not None and time.monotonic() - started >= cell_timeout and (
            ename in ("KeyboardInterrupt", "CellTimeoutError") or "CellTimeoutError" in str(evalue))
        if timed_out:
            ename, evalue = "CellTimeoutError", _timeout_text(cell_timeout)
        outcome = {"status": "failed", "error": {
            "cell": position, "execution_count": exc.exec_count, "ename": ename,
            "evalue": evalue, "cell_source": _cell_line(Path(output), position, line) or first_line,
            "line": line}}
    except KeyboardInterrupt:
        outcome = {"status": "interrupted", "error": {"ename": "KeyboardInterrupt", "evalue": "run interrupted"}}
    except Exception as exc:  # kernel death, cell timeout, unreadable notebook: a study failure, reported
        from nbclient.exceptions import CellTimeoutError, DeadKernelError

        position, first_line = _running_cell(Path(output))
        if isinstance(exc, CellTimeoutError):
            evalue = _timeout_text(cell_timeout)
        elif isinstance(exc, DeadKernelError):
            evalue = ("the kernel died while running the cell (out of memory, a crash in compiled code "
                      "or os._exit); see run.log and the partial notebook")
        else:
            evalue = str(exc).strip().splitlines()[-1] if str(exc).strip() else ""
        outcome = {"status": "failed", "error": {"cell": position, "ename": type(exc).__name__,
                                                 "evalue": evalue, "cell_source": first_line},
                   "traceback": traceback.format_exc()}
    finally:
        shutil.rmtree(sockets, ignore_errors=True)
        os.environ.pop(RESULTS_DIR_ENV, None)
        os.environ.pop(STUDY_ENV, None)
    outcome["duration_seconds"] = round(time.monotonic() - started, 3)
    return outcome


def study_language(study: Study, parameters: dict[str, Any], default: str = "en") -> str:
    """The language a study's page is in: its ``lang`` parameter as run (else the notebook's default),
    else the run's language."""
    if "lang" in parameters:
        return str(parameters["lang"])
    declared = study.parameters.get("lang")
    if declared is not None and declared.default in ("en", "zh"):
        return str(declared.default)
    return default


class _Interrupted(Exception):
    pass


def _raise_interrupt(signum, frame):  # noqa: ARG001 (signal handler signature)
    raise KeyboardInterrupt(f"signal {signum}")


def run_suite(studies: list[Study], parameters: dict[str, dict[str, Any]], *, out: Path, project_root: Path,
              jobs: int = 1, show_code: bool = False, quiet: bool = False, cell_timeout: float | None = 1800,
              lang: str = "en", inputs: dict[str, list[Path]] | None = None, command: list[str] | None = None,
              config_file: Path | None = None, notices: list[str] | None = None, data: Any = None) -> RunResult:
    """Execute ``studies`` with their resolved ``parameters`` and publish the run under ``out``.

    Returns the :class:`RunResult`; ``exit_code`` is 0 when every study succeeded,
    1 when one failed and 130 when the run was interrupted. Raises :class:`RunError`
    when the output folder cannot be used (exit 2) or the run cannot be written
    completely (exit 1); ``latest`` is then unchanged. ``notices`` receives one line per
    stale run recovered. ``data`` (a :class:`cvm_lib.report.snapshot.PreparedData`, loaded and
    validated by the caller) is written into the run folder first; its studies get the
    snapshot's path as ``data``.
    """
    from cvm_lib.report.html import previous_run, write_index, write_study_html
    from cvm_lib.report.workbook import write_workbook

    check_output_folder(out)
    _clean_stale_kernel_folders()
    recovered: list[str] = []
    try:
        for run_id_old, target in recover_stale_runs(out):
            recovered.append(f"run {run_id_old} never finished (its process is gone); moved to {target}")
        if notices is not None:
            notices.extend(recovered)
        run_id = _new_run_id(out)
        work = out / f".incomplete-{run_id}"
        (work / "results").mkdir(parents=True)
        (work / _OWNER).write_text(json.dumps(_owner_record()) + "\n", encoding="utf-8")
    except OSError as exc:
        raise RunError(f"cannot start a run in {out}: {describe_os_error(exc)}", exit_code=2) from exc
    handler = _QuietFileHandler(work / "run.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    runs = [StudyRun(s.name, parameters.get(s.name, {})) for s in studies]
    if data is not None:  # the validated snapshot every study of the run reads
        snapshot = str(data.write(work))
        for run in runs:
            if run.name in data.studies:
                run.parameters = {**run.parameters, "data": snapshot}
    by_name = {s.name: s for s in studies}
    started = datetime.now(timezone.utc)
    previous_term = signal.signal(signal.SIGTERM, _raise_interrupt)
    status = "ok"
    problem: BaseException | None = None
    log.info("run %s: %d studies, output %s", run_id, len(runs), out)
    for line in recovered:
        log.warning("%s", line)

    def finish(run: StudyRun, outcome: dict[str, Any]) -> None:
        run.status, run.error, run.duration_seconds = outcome["status"], outcome["error"], outcome["duration_seconds"]
        notebook = work / f"{run.file_stem}.ipynb"
        if run.status == "ok":
            log.info("study %s ok in %.1fs", run.name, run.duration_seconds)
        else:
            err = run.error or {}
            log.error("study %s %s: notebook %s, cell %s (%s): %s: %s", run.name, run.status,
                      by_name[run.name].path, err.get("cell"), err.get("cell_source", ""), err.get("ename"),
                      err.get("evalue"))
            if outcome.get("traceback"):
                log.error("traceback:\n%s", outcome["traceback"])
        if notebook.exists():
            write_study_html(notebook, work / f"{run.file_stem}.html", show_code=show_code,
                             lang=study_language(by_name[run.name], run.parameters, lang))

    try:
        from tqdm.auto import tqdm

        overall = tqdm(total=len(runs), desc="studies", unit="study", disable=quiet, position=0)
        args = {r.name: (str(by_name[r.name].path), str(work / f"{r.file_stem}.ipynb"), r.parameters,
                         str(work / "results"), r.name, str(project_root), cell_timeout,
                         not quiet and jobs == 1) for r in runs}
        if jobs > 1 and len(runs) > 1:
            with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
                futures = {pool.submit(execute_study, *args[r.name]): r for r in runs}
                try:
                    for future in as_completed(futures):
                        finish(futures[future], future.result())
                        overall.update()
                except KeyboardInterrupt:
                    pool.shutdown(wait=False, cancel_futures=True)
                    raise
        else:
            for run in runs:
                overall.set_postfix_str(run.name)
                outcome = execute_study(*args[run.name])
                finish(run, outcome)
                overall.update()
                if outcome["status"] == "interrupted":
                    raise _Interrupted
        overall.close()
        status = "ok" if all(r.status == "ok" for r in runs) else "failed"
    except (KeyboardInterrupt, _Interrupted):
        status = "interrupted"
        for run in runs:
            if run.status == "pending":
                run.status = "interrupted"
        log.error("run %s interrupted; 'latest' is unchanged", run_id)
    except Exception as exc:  # noqa: BLE001 (a full disk, a broken export: the run fails, reported below)
        status, problem = "failed", exc
        log.error("run %s failed: %s\n%s", run_id, exc, traceback.format_exc())
    finally:
        signal.signal(signal.SIGTERM, previous_term)
        ended = datetime.now(timezone.utc)
        try:
            manifest = build_manifest(run_id=run_id, status=status, runs=runs, started=started, ended=ended,
                                      project_root=project_root, inputs=inputs or {}, command=command,
                                      config_file=config_file, studies=by_name, out=out)
            if data is not None:
                _record_data(manifest, data, (out / run_id).resolve())
            (work / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n",
                                                encoding="utf-8")
            # What each study ran with, its notebook's defaults included (the currency and the data shown).
            effective = {r.name: {**{p.name: p.default for p in by_name[r.name].parameters.values()},
                                  **manifest["studies"][r.name]["parameters"]} for r in runs}
            write_workbook(work, manifest, lang=lang, parameters=effective)
            write_index(work, manifest, lang=lang, previous=previous_run(out, run_id), parameters=effective)
        except Exception as exc:  # noqa: BLE001
            status, problem = "failed", problem or exc
            log.error("run %s: writing the manifest or index failed: %s\n%s", run_id, exc, traceback.format_exc())
        log.info("run %s %s", run_id, status)
        log.removeHandler(handler)
        handler.close()
        final = out / (run_id if status == "ok" else f"{run_id}-{status}")
        try:
            (work / _OWNER).unlink(missing_ok=True)
            os.replace(work, final)
            if status == "ok":
                _point_latest(out, run_id)
        except OSError as exc:
            problem = problem or exc
            final = work if work.exists() else final
    if problem is not None:
        what = describe_os_error(problem) if isinstance(problem, OSError) else f"{type(problem).__name__}: {problem}"
        logged = None if handler.failed else final / "run.log"
        raise RunError(f"run {run_id} could not be completed: {what}; partial results in {final}; "
                       f"'latest' unchanged" + (f"; details in {logged}" if logged else ""), exit_code=1, log=logged)
    return RunResult(run_id, final, status, runs)


def _record_data(manifest: dict[str, Any], data: Any, final: Path) -> None:
    """The manifest's ``data`` section; study parameters name the snapshot where it will be published."""
    from cvm_lib.report.snapshot import SNAPSHOT_FILE

    manifest["data"] = data.manifest_entry()
    published = str(final / SNAPSHOT_FILE)
    for name in data.studies:
        if name in manifest["studies"]:
            manifest["studies"][name]["parameters"] = {**manifest["studies"][name]["parameters"], "data": published}
    manifest["inputs"]["sha256"][published] = data.written.get("sha256")
    manifest["inputs"]["sha256"].update(data.raw_sha256)


def _point_latest(out: Path, run_id: str) -> None:
    """Switch ``out/latest`` to the run in one atomic rename (never a missing or half link)."""
    tmp = out / f".{LATEST}-{run_id}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(run_id, target_is_directory=True)
    os.replace(tmp, out / LATEST)
