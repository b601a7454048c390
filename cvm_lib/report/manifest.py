"""The run manifest: everything needed to know what was run, on what, with what."""

from __future__ import annotations

import hashlib
import platform
import subprocess
import sys
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = ["sha256_file", "git_state", "package_versions", "build_manifest", "KEY_PACKAGES"]

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
                   studies: dict) -> dict[str, Any]:
    """Manifest of one run: ids, parameters, input hashes, versions, commit, timing, per-study status."""
    files: dict[str, str] = {}
    for paths in inputs.values():
        for path in paths:
            files.setdefault(str(path), sha256_file(path))
    for study in studies.values():
        files.setdefault(str(study.path), sha256_file(study.path))
    if config_file is not None:
        files.setdefault(str(config_file), sha256_file(config_file))
    lock = project_root / "requirements" / "lock.txt"
    seeds = {r.name: r.parameters["seed"] for r in runs if "seed" in r.parameters}
    return {
        "run_id": run_id,
        "status": status,
        "started": _iso(started),
        "ended": _iso(ended),
        "duration_seconds": round((ended - started).total_seconds(), 3),
        "command": command,
        "config": str(config_file) if config_file else None,
        "git": git_state(project_root),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "executable": sys.executable,
        "packages": package_versions(),
        "lock_file_sha256": sha256_file(lock) if lock.exists() else None,
        "seed": seeds or None,
        "inputs": {"sha256": dict(sorted(files.items())),
                   "by_study": {name: [str(p) for p in paths] for name, paths in inputs.items()}},
        "studies": {
            r.name: {
                "title": studies[r.name].title,
                "status": r.status,
                "duration_seconds": r.duration_seconds,
                "parameters": r.parameters,
                "notebook": f"{r.file_stem}.ipynb",
                "html": f"{r.file_stem}.html",
                "results": f"results/{r.file_stem}.json",
                "error": r.error,
            }
            for r in runs
        },
    }
