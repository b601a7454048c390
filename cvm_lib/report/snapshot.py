"""The validated snapshot of a run's data: the tidy log every study of the run reads.

``cvm run`` loads and validates the data source once, in the CLI process
(:meth:`cvm_lib.sources.DataSource.load`), and writes the tidy log as Parquet into the run
folder, ``<run>/data/transactions.parquet``. Every transaction study then gets that path
as its ``data`` parameter, and :func:`cvm_lib.datasets.load_dataset` reads it back with
:func:`read_snapshot` — the same rows, dtypes and load report (rows read and kept, column
mapping, encoding, problems and the policies applied), without parsing the raw input again.

The Parquet schema metadata key ``cvm_snapshot`` holds JSON: ``format`` (1), ``source``
(the data source described without password), ``load_report`` and ``raw_sha256`` (SHA-256
of the raw input: per file, or of the rows fetched from a database).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["SNAPSHOT_FILE", "PreparedData", "write_snapshot", "read_snapshot", "is_snapshot", "snapshot_info"]

#: Where the snapshot sits inside a run folder.
SNAPSHOT_FILE = "data/transactions.parquet"
_KEY = b"cvm_snapshot"
_FORMAT = 1


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def write_snapshot(tx: pd.DataFrame, path: str | os.PathLike, *, source: dict[str, Any] | None = None,
                   raw_sha256: dict[str, str] | None = None) -> dict[str, Any]:
    """Write the tidy log ``tx`` to ``path`` (Parquet, zstd) with its load report; return its description.

    Examples
    --------
    >>> import tempfile
    >>> from cvm_lib.data import validate_transactions
    >>> tx = validate_transactions(pd.DataFrame({"customer_id": ["007"], "date": ["2024-01-02"], "amount": [5.0]}))
    >>> p = Path(tempfile.mkdtemp()) / "t.parquet"
    >>> info = write_snapshot(tx, p, source={"source": "demo.csv"})
    >>> back = read_snapshot(p)
    >>> back["customer_id"].tolist(), back.attrs["load_report"]["rows_kept"], is_snapshot(p)
    (['007'], 1, True)
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from cvm_lib.report.manifest import sha256_file

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame(tx)
    frame.attrs = {}
    table = pa.Table.from_pandas(frame.reset_index(drop=True), preserve_index=False)
    meta = {"format": _FORMAT, "source": _jsonable(source or {}),
            "load_report": _jsonable(tx.attrs.get("load_report", {})), "raw_sha256": dict(raw_sha256 or {})}
    schema_meta = dict(table.schema.metadata or {})
    schema_meta[_KEY] = json.dumps(meta, ensure_ascii=False).encode("utf-8")
    table = table.replace_schema_metadata(schema_meta)
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)
    return {"path": str(path), "rows": len(frame), "columns": list(frame.columns), "sha256": sha256_file(path)}


def snapshot_info(path: str | os.PathLike) -> dict[str, Any] | None:
    """The ``cvm_snapshot`` metadata of a Parquet file, or ``None`` when it is not a snapshot."""
    import pyarrow.parquet as pq

    try:
        meta = pq.read_schema(path).metadata or {}
    except (OSError, ValueError):  # not Parquet, unreadable: not a snapshot (the loader will say why)
        return None
    raw = meta.get(_KEY)
    if raw is None:
        return None
    try:
        return json.loads(raw.decode("utf-8"))
    except ValueError:
        return None


def is_snapshot(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a Parquet snapshot written by :func:`write_snapshot` (reads the footer only)."""
    p = Path(path)
    return p.suffix.lower() in (".parquet", ".pq") and p.is_file() and snapshot_info(p) is not None


def read_snapshot(path: str | os.PathLike) -> pd.DataFrame:
    """The tidy log of a snapshot, with ``attrs["load_report"]`` as it was when the source was loaded."""
    import pyarrow.parquet as pq

    from cvm_lib.data import CvmDataError

    info = snapshot_info(path)
    if info is None:
        raise CvmDataError(f"{path}: not a cvm data snapshot (no {_KEY.decode()} metadata)", source=str(path))
    if info.get("format") != _FORMAT:
        raise CvmDataError(f"{path}: snapshot format {info.get('format')!r} is not supported (expected {_FORMAT})",
                           source=str(path))
    import pyarrow as pa

    tx = pq.read_table(path).to_pandas()
    if "date" in tx.columns and str(tx["date"].dtype) != "datetime64[ns]":
        tx["date"] = tx["date"].astype("datetime64[ns]")
    # Arrow's allocator keeps the pages of the decoded table (about 0.4 GB at 10M rows of
    # eight columns) once the frame is built; hand them back to the system.
    pa.default_memory_pool().release_unused()
    tx.attrs["load_report"] = info.get("load_report") or {}
    return tx


@dataclass
class PreparedData:
    """A data source loaded and validated by the CLI, waiting to be written into a run folder.

    ``studies`` are the studies whose ``data`` parameter becomes the snapshot's path.
    """

    source: Any  # cvm_lib.sources.DataSource
    tx: pd.DataFrame | None
    raw_sha256: dict[str, str]
    studies: tuple[str, ...] = ()
    written: dict[str, Any] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)

    def write(self, run_folder: Path) -> Path:
        """Write the snapshot under ``run_folder``; return its path.

        The in-memory log is released afterwards: the studies read the snapshot, and the
        ``cvm`` process should not hold a second copy of a large log while their kernels run.
        """
        path = Path(run_folder) / SNAPSHOT_FILE
        self.written = write_snapshot(self.tx, path, source=self.source.describe(), raw_sha256=self.raw_sha256)
        self._summarise()
        self.tx = None
        try:
            import pyarrow as pa

            pa.default_memory_pool().release_unused()
        except Exception:  # noqa: BLE001 - releasing memory is best effort
            pass
        return path

    def _summarise(self) -> None:
        if not self.facts and self.tx is not None:
            report = self.tx.attrs.get("load_report", {})
            self.facts = {"rows": len(self.tx), "customers": int(self.tx["customer_id"].nunique()),
                          "load_report": _jsonable({k: report.get(k) for k in ("rows_read", "rows_kept", "columns",
                                                                               "encoding", "problems")
                                                    if k in report})}

    def manifest_entry(self) -> dict[str, Any]:
        """The manifest's ``data`` section (snapshot path relative to the run folder)."""
        self._summarise()
        return {**self.source.describe(), "display": self.source.display, "studies": list(self.studies),
                "snapshot": SNAPSHOT_FILE, "snapshot_sha256": self.written.get("sha256"),
                "rows": self.facts["rows"], "customers": self.facts["customers"],
                "raw_sha256": dict(self.raw_sha256), "load_report": self.facts["load_report"]}
