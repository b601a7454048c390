"""Where the project's own files are: the checkout root, and paths given relative to it.

In a clone this is the checkout; a wheel installed elsewhere carries the notebooks, study
configs and bundled data in ``cvm_lib/_share`` (see ``setup.py``), which then takes its place.

Notebooks run with different working directories (``notebooks/`` under nbval, the project
root under ``cvm run``), so relative paths such as ``studies/...`` are resolved here.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["project_root", "resolve_project_path"]


def project_root() -> Path:
    """The project folder: ``$CVM_PROJECT_ROOT``, else the checkout holding ``cvm_lib``, else
    (installed from a wheel, outside a clone) the copy of ``notebooks/``, ``studies/`` and
    ``data/`` the wheel carries in ``cvm_lib/_share``."""
    env = os.environ.get("CVM_PROJECT_ROOT")
    if env:
        return Path(env).resolve()
    package = Path(__file__).resolve().parent
    checkout = package.parent
    if (checkout / "notebooks").is_dir() or not (package / "_share").is_dir():
        return checkout
    return package / "_share"


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
