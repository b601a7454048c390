"""Where the project's own files are: the checkout root, and paths given relative to it.

Notebooks run with different working directories (``notebooks/`` under nbval, the project
root under ``cvm run``), so relative paths such as ``studies/...`` are resolved here.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["project_root", "resolve_project_path"]


def project_root() -> Path:
    """The project folder: ``$CVM_PROJECT_ROOT``, else the checkout holding ``cvm_lib``."""
    env = os.environ.get("CVM_PROJECT_ROOT")
    if env:
        return Path(env).resolve()
    return Path(__file__).resolve().parents[1]


def resolve_project_path(path: str | os.PathLike) -> Path:
    """``path`` as given when it exists (or is absolute), else relative to the project folder.

    A path that exists in neither place is returned unchanged, so the caller's
    "not found" error names what the user typed.

    Examples
    --------
    >>> resolve_project_path("studies/indicator_systems/balanced_scorecard.yaml").is_file()
    True
    """
    given = Path(path).expanduser()
    if given.is_absolute() or given.exists():
        return given
    candidate = project_root() / given
    return candidate if candidate.exists() else given
