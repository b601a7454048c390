"""The run manifest: everything needed to know what was run, on what, with what.

Paths are written relative to the project folder (``notebooks/01_segmentation.ipynb``)
or to the output folder when they lie inside one, absolute otherwise. Secrets never
land in it: values of parameters named like ``password``, ``secret``, ``token``,
``api_key`` or ``credentials`` are replaced by ``"***"``, and so are passwords in URLs
(``postgresql://user:***@host/db``). The command line is not recorded as given (a
``-p`` value could be a secret); the manifest has the resolved parameters instead.
"""

from __future__ import annotations

import hashlib
import platform
import re
import subprocess
import sys
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = ["sha256_file", "git_state", "package_versions", "build_manifest", "redact", "relative_path",
           "KEY_PACKAGES", "REDACTED"]

REDACTED = "***"
_SECRET_NAME = re.compile(r"pass(word|wd|phrase)?|secret|token|api_?key|credential|private_?key|auth", re.I)
_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.\-]*://[^/:@\s]*:)(?P<pw>[^@/\s]+)(?P<tail>@)", re.I)


def redact(name: str, value: Any) -> Any:
    """``value`` with secrets replaced by ``***``: the whole value for secret-like names, else URL passwords.

    Examples
    --------
    >>> redact("db_password", "hunter2")
    '***'
    >>> redact("data", "postgresql://ana:hunter2@db.example.org:5432/crm")
    'postgresql://ana:***@db.example.org:5432/crm'
    >>> redact("threshold", 10.0)
    10.0
    """
    if _SECRET_NAME.search(str(name)) and value is not None:
        return REDACTED
    if isinstance(value, str):
        return _URL_PASSWORD.sub(lambda m: m.group("head") + REDACTED + m.group("tail"), value)
    if isinstance(value, dict):
        return {k: redact(k, v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact(name, v) for v in value]
    return value


def relative_path(path: Any, *bases: Path | None) -> str:
    """``path`` relative to the first of ``bases`` that holds it, else absolute (POSIX separators).

    Examples
    --------
    >>> relative_path("/srv/proj/data/x.csv", Path("/srv/proj"))
    'data/x.csv'
    >>> relative_path("/elsewhere/x.csv", Path("/srv/proj"))
    '/elsewhere/x.csv'
    """
    resolved = Path(path).resolve()
    for base in bases:
        if base is None:
            continue
        try:
            return resolved.relative_to(Path(base).resolve()).as_posix()
        except ValueError:
            continue
    return resolved.as_posix()

KEY_PACKAGES = ("cvm-workbench", "numpy", "pandas", "scipy", "pyarrow", "statsmodels", "scikit-learn",
                "matplotlib", "seaborn", "papermill", "nbconvert", "nbclient", "ipykernel", "jupyterlab", "pyyaml")


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


def git_state(root: Path) -> dict[str, Any]:
    """Commit and dirty flag of the project checkout (None when it is not a git checkout)."""
    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=20, check=True)
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip()

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": None if status is None else bool(status)}


def package_versions(names: tuple[str, ...] = KEY_PACKAGES) -> dict[str, str | None]:
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def build_manifest(*, run_id: str, status: str, runs: list, started: datetime, ended: datetime, project_root: Path,
                   inputs: dict[str, list[Path]], command: list[str] | None, config_file: Path | None,
                   studies: dict, out: Path | None = None) -> dict[str, Any]:
    """Manifest of one run: ids, parameters, input hashes, versions, commit, timing, per-study status.

    ``command``: what the caller chose to record (``cvm`` passes the sub-command and the
    study names, never option values); paths are relative where possible and secrets redacted (module docstring).
    """
    def rel(path: Any) -> str:
        return relative_path(path, project_root, out)

    def plain(name: str, value: Any) -> Any:
        value = redact(name, value)
        if isinstance(value, str) and value.startswith("/") and Path(value).exists():
            return rel(value)
        return value

    files: dict[str, str] = {}
    for paths in inputs.values():
        for path in paths:
            files.setdefault(rel(path), sha256_file(path))
    for study in studies.values():
        files.setdefault(rel(study.path), sha256_file(study.path))
    if config_file is not None:
        files.setdefault(rel(config_file), sha256_file(config_file))
    lock = project_root / "requirements" / "lock.txt"
    seeds = {r.name: r.parameters["seed"] for r in runs if "seed" in r.parameters}
    return {
        "run_id": run_id,
        "status": status,
        "started": _iso(started),
        "ended": _iso(ended),
        "duration_seconds": round((ended - started).total_seconds(), 3),
        "command": [str(redact("", word)) for word in command] if command else None,
        "config": rel(config_file) if config_file else None,
        "git": git_state(project_root),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "executable": rel(sys.executable),
        "packages": package_versions(),
        "lock_file_sha256": sha256_file(lock) if lock.exists() else None,
        "seed": seeds or None,
        "inputs": {"sha256": dict(sorted(files.items())),
                   "by_study": {name: [rel(p) for p in paths] for name, paths in inputs.items()}},
        "studies": {
            r.name: {
                "title": studies[r.name].title,
                "titles": dict(getattr(studies[r.name], "titles", {}) or {}),
                "status": r.status,
                "duration_seconds": r.duration_seconds,
                "parameters": {k: plain(k, v) for k, v in r.parameters.items()},
                "notebook": f"{r.file_stem}.ipynb",
                "html": f"{r.file_stem}.html",
                "results": f"results/{r.file_stem}.json",
                "error": r.error,
            }
            for r in runs
        },
    }
