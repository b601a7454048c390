"""Reading the bundled case files (``data/cases/``) with clear errors."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from cvm_lib.data import CvmDataError
from cvm_lib.paths import project_root

__all__ = ["case_data_dir", "read_case_csv"]


def case_data_dir() -> Path:
    """Folder of the case files: ``$CVM_CASES_DIR`` or the project's ``data/cases``."""
    env = os.environ.get("CVM_CASES_DIR")
    return Path(env) if env else project_root() / "data" / "cases"


def read_case_csv(name: str, columns: list[str], **kwargs) -> pd.DataFrame:
    """One case file with its required columns checked."""
    path = case_data_dir() / name
    if not path.is_file():
        raise FileNotFoundError(f"case data file {path} is missing; run from a full clone of the project, set "
                                "CVM_CASES_DIR, or regenerate it with cvm_lib.cases.simulate.write_case_data")
    frame = pd.read_csv(path, encoding="utf-8", keep_default_na=False, na_values=[""], **kwargs)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise CvmDataError(f"{path}: column(s) {missing} missing; the case needs {columns}",
                           source=str(path), column=missing[0])
    return frame
