"""The result store: one folder per sweep, one atomic Parquet file per finished trial and table.

    results/<sweep>/trials/<trial_id>.parquet    one row per trial
    results/<sweep>/curves/<trial_id>.parquet    one row per trial and iteration
    results/<sweep>/queries/<trial_id>.parquet   queried pool indices per iteration
    results/<sweep>/sweep.json                   schema version, config snapshot

Each file is written under a name starting with '_' (which pyarrow's dataset discovery ignores) and
renamed into place; the trials file goes last, so a trial counts as stored only when all three exist.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from ..errors import LatentsweepError
from .schema import SCHEMA_VERSION, SCHEMAS, trial_tables


class StoreError(LatentsweepError):
    """The results folder is unusable (another schema version, unreadable files)."""


class ResultStore:
    """Reads and writes the results of one sweep under `root / sweep`."""

    def __init__(self, root: str | Path, sweep: str):
        self.root = Path(root)
        self.sweep = sweep
        self.folder = self.root / sweep

    # -- writing -------------------------------------------------------------------------------

    def open(self, config_snapshot: dict | None = None) -> None:
        """Creates the folders and sweep.json, or checks that an existing folder has our schema."""
        info = self.folder / "sweep.json"
        if info.exists():
            stored = json.loads(info.read_text()).get("schema_version")
            if stored != SCHEMA_VERSION:
                raise StoreError(
                    f"{info}: results of schema version {stored}, this latentsweep writes {SCHEMA_VERSION}; "
                    "use --fresh to start a new folder (the old one is kept)"
                )
        for name in ("trials", "curves", "queries"):
            (self.folder / name).mkdir(parents=True, exist_ok=True)
        if not info.exists():
            content = {"sweep": self.sweep, "schema_version": SCHEMA_VERSION, "created": time.time()}
            if config_snapshot is not None:
                content["config"] = config_snapshot
            _atomic_write_bytes(info, json.dumps(content, indent=2, default=str).encode())

    def set_aside(self) -> Path | None:
        """Renames an existing sweep folder to '<sweep>.old-<UTC time>' (for --fresh); returns the new path."""
        if not self.folder.exists():
            return None
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        target = self.root / f"{self.sweep}.old-{stamp}"
        suffix = 1
        while target.exists():
            suffix += 1
            target = self.root / f"{self.sweep}.old-{stamp}-{suffix}"
        self.folder.rename(target)
        return target

    def write_rows(self, name: str, row_id: str, rows: list[dict]) -> None:
        """Stores rows of table `name` as one file `<row_id>.parquet`, atomically."""
        folder = self.folder / name
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{row_id}.parquet"
        temporary = path.with_name(f"_{path.stem}-{os.getpid()}.parquet")
        pq.write_table(pa.Table.from_pylist(rows, schema=SCHEMAS[name]), temporary)
        os.replace(temporary, path)

    def write_text(self, name: str, text: str) -> Path:
        """Writes a text file (a summary table) into the sweep folder, atomically."""
        path = self.folder / name
        _atomic_write_bytes(path, text.encode())
        return path

    def write_trial(self, result, attempts: int = 1) -> None:
        """Stores one TrialResult: queries, curves, then the trials row, each file atomically."""
        tables = trial_tables(result, self.sweep, attempts)
        for name in ("queries", "curves", "trials"):
            path = self.folder / name / f"{result.spec.id}.parquet"
            temporary = path.with_name(f"_{path.stem}-{os.getpid()}.parquet")
            pq.write_table(tables[name], temporary)
            os.replace(temporary, path)

    # -- reading -------------------------------------------------------------------------------

    def stored_status(self) -> dict[str, str]:
        """trial id -> 'ok' or 'failed' for every trial whose files are all in place."""
        table = self.stored_columns("trials", ["trial_id", "status"])
        return dict(zip(table["trial_id"].to_pylist(), table["status"].to_pylist(), strict=True))

    def stored_columns(self, name: str, columns: list[str]) -> pa.Table:
        """Some columns of table `name`, empty when nothing is stored yet."""
        folder = self.folder / name
        if not folder.exists() or not any(folder.glob("[!_.]*.parquet")):
            return SCHEMAS[name].empty_table().select(columns)
        return self.table(name, columns=columns)

    def dataset(self, name: str) -> ds.Dataset:
        """A pyarrow dataset over one table's files, with the explicit schema (not the first file's)."""
        return ds.dataset(self.folder / name, schema=SCHEMAS[name], format="parquet")

    def table(self, name: str, columns: list[str] | None = None) -> pa.Table:
        folder = self.folder / name
        if not folder.exists():
            return SCHEMAS[name].empty_table() if columns is None else SCHEMAS[name].empty_table().select(columns)
        return self.dataset(name).to_table(columns=columns)


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    temporary = path.with_name(f"_{path.name}-{os.getpid()}")
    temporary.write_bytes(data)
    os.replace(temporary, path)
