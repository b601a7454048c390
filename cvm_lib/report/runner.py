"""Run studies with papermill into a dated, self-describing, atomically published run folder.

Layout of ``<out>/<run-id>/``: the executed ``<study>.ipynb``, ``<study>.html``,
``results/<study>.json`` (+ CSV tables), ``manifest.json``, ``index.html`` and
``run.log``. The run is assembled in ``<out>/.incomplete-<run-id>/`` and renamed into
place when it ends, whatever the outcome, so a folder named by a run id is never
half-written; ``<out>/latest`` is switched (atomically) only when every requested
study succeeded. A failed or interrupted run keeps its partial notebooks for
diagnosis and leaves the previous ``latest`` untouched.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import tempfile
import time
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

__all__ = ["StudyRun", "RunResult", "run_suite", "LATEST"]

LATEST = "latest"
log = logging.getLogger("cvm.run")


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


def _ipc_kernel_manager(prefix: str) -> type[AsyncKernelManager]:
    """A kernel manager class whose kernels talk over local IPC sockets under ``prefix``."""

    class IpcKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs: Any) -> None:
            kwargs.setdefault("transport", "ipc")
            kwargs.setdefault("ip", prefix)
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
    sockets = tempfile.mkdtemp(prefix="cvm-kernel-")
    try:
        # A manager class (not an instance): nbclient then owns the kernel and its
        # client and closes every socket when the notebook ends.
        pm.execute_notebook(study_path, output, parameters=parameters, progress_bar=progress, log_output=False,
                            cwd=cwd, execution_timeout=cell_timeout, request_save_on_cell_execute=True,
                            kernel_manager_class=_ipc_kernel_manager(os.path.join(sockets, "kernel")))
    except PapermillExecutionError as exc:
        position, first_line = _locate_cell(Path(output), exc.exec_count)
        outcome = {"status": "failed", "error": {
            "cell": position, "execution_count": exc.exec_count, "ename": exc.ename,
            "evalue": exc.evalue, "cell_source": first_line}}
    except KeyboardInterrupt:
        outcome = {"status": "interrupted", "error": {"ename": "KeyboardInterrupt", "evalue": "run interrupted"}}
    except Exception as exc:  # kernel death, cell timeout, unreadable notebook: a study failure, reported
        outcome = {"status": "failed", "error": {"cell": None, "ename": type(exc).__name__,
                                                 "evalue": str(exc).strip().splitlines()[-1] if str(exc) else ""}}
    finally:
        shutil.rmtree(sockets, ignore_errors=True)
        os.environ.pop(RESULTS_DIR_ENV, None)
        os.environ.pop(STUDY_ENV, None)
    outcome["duration_seconds"] = round(time.monotonic() - started, 3)
    return outcome


class _Interrupted(Exception):
    pass


def _raise_interrupt(signum, frame):  # noqa: ARG001 (signal handler signature)
    raise KeyboardInterrupt(f"signal {signum}")


def run_suite(studies: list[Study], parameters: dict[str, dict[str, Any]], *, out: Path, project_root: Path,
              jobs: int = 1, show_code: bool = False, quiet: bool = False, cell_timeout: float | None = 1800,
              lang: str = "en", inputs: dict[str, list[Path]] | None = None, command: list[str] | None = None,
              config_file: Path | None = None, data: Any = None) -> RunResult:
    """Execute ``studies`` with their resolved ``parameters`` and publish the run under ``out``.

    Returns the :class:`RunResult`; ``exit_code`` is 0 when every study succeeded,
    1 when one failed and 130 when the run was interrupted. ``data`` (a
    :class:`cvm_lib.report.snapshot.PreparedData`, loaded and validated by the caller) is
    written into the run folder first; its studies get the snapshot's path as ``data``.
    """
    from cvm_lib.report.html import write_index, write_study_html

    out.mkdir(parents=True, exist_ok=True)
    run_id = _new_run_id(out)
    work = out / f".incomplete-{run_id}"
    (work / "results").mkdir(parents=True)
    handler = logging.FileHandler(work / "run.log", encoding="utf-8")
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
    log.info("run %s: %d studies, output %s", run_id, len(runs), out)

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
        if notebook.exists():
            write_study_html(notebook, work / f"{run.file_stem}.html", show_code=show_code)

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
    finally:
        signal.signal(signal.SIGTERM, previous_term)
        ended = datetime.now(timezone.utc)
        manifest = build_manifest(run_id=run_id, status=status, runs=runs, started=started, ended=ended,
                                  project_root=project_root, inputs=inputs or {}, command=command,
                                  config_file=config_file, studies=by_name)
        if data is not None:
            _record_data(manifest, data, (out / run_id).resolve())
        (work / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n",
                                            encoding="utf-8")
        write_index(work, manifest, lang=lang)
        log.info("run %s %s", run_id, status)
        log.removeHandler(handler)
        handler.close()
        final = out / run_id
        os.replace(work, final)
        if status == "ok":
            _point_latest(out, run_id)
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
