"""The result store: one folder per sweep, one atomic Parquet file per finished trial and table.

    results/<sweep>/trials/<trial_id>.parquet    one row per trial
    results/<sweep>/curves/<trial_id>.parquet    one row per trial and iteration
    results/<sweep>/queries/<trial_id>.parquet   queried pool indices per iteration
    results/<sweep>/sweep.json                   schema version, config snapshot, class counts
    results/<sweep>/.checkpoints/                iterations of unfinished trials (not a table)

Every file is written under a name starting with '_' (which pyarrow's dataset discovery ignores) and
renamed into place (`atomic_write`, the one writer); the trials file goes last, so a trial counts as
stored only when all three exist. Nothing stored is ever rewritten except by storing that trial again.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from .checkpoints import CheckpointStore
from .files import (
    StoreError,
    atomic_write,
    atomic_write_all,
    atomic_write_bytes,
    damaged,
    finish_interrupted,
    folder_lock,
)
from .schema import SCHEMA_VERSION, SCHEMAS, trial_tables

TABLES = ("trials", "curves", "queries")


class ResultStore:
    """Reads and writes the results of one sweep under `root / sweep`."""

    def __init__(self, root: str | Path, sweep: str):
        self.root = Path(root)
        self.sweep = sweep
        self.folder = self.root / sweep
        self.checkpoints = CheckpointStore(self.folder)

    # -- checks that touch nothing -------------------------------------------------------------

    def check(self) -> dict | None:
        """Checks, without writing, that the results folder can be used: returns the stored sweep.json
        (None for a new sweep). Raises StoreError naming the file and what to do."""
        if self.root.exists() and not self.root.is_dir():
            raise StoreError(f"{self.root}: the results folder is a file, expected a folder")
        if self.folder.exists() and not self.folder.is_dir():
            raise StoreError(f"{self.folder}: is a file, expected the sweep's folder")
        info = self.folder / "sweep.json"
        if not info.exists():
            writable = self._nearest_existing(self.folder)
            if not os.access(writable, os.W_OK | os.X_OK):
                raise StoreError(f"{writable}: the results folder is not writable")
            return None
        try:
            stored = json.loads(info.read_text(encoding="utf-8"))
            version = stored.get("schema_version") if isinstance(stored, dict) else None
        except (ValueError, OSError) as error:
            raise StoreError(
                f"{info}: damaged ({type(error).__name__}); restore it or use --fresh (the folder is kept)"
            ) from None
        if version != SCHEMA_VERSION:
            raise StoreError(
                f"{info}: results of schema version {version}, this latentsweep writes {SCHEMA_VERSION}; "
                "use --fresh to start a new folder (the old one is kept)"
            )
        if not os.access(self.folder, os.W_OK | os.X_OK):
            raise StoreError(f"{self.folder}: the sweep folder is not writable")
        return stored

    @staticmethod
    def _nearest_existing(path: Path) -> Path:
        while not path.exists() and path != path.parent:
            path = path.parent
        return path

    # -- writing -------------------------------------------------------------------------------

    def open(self, config_snapshot: dict | None = None) -> None:
        """Creates the folders and sweep.json, or checks that an existing folder has our schema; finishes an
        interrupted compaction and removes a killed driver's temporaries. Call it holding the lock."""
        self.check()
        try:
            for name in TABLES:
                (self.folder / name).mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreError(f"{self.folder}: cannot be created ({error.strerror})") from None
        finish_interrupted(self.folder)  # a compaction a crash interrupted is finished first
        for name in (*TABLES, "query_sets"):  # temporaries of a killed driver (never read; the lock is ours)
            for leftover in (self.folder / name).glob("_*"):
                with contextlib.suppress(OSError):
                    leftover.unlink()
        info = self.folder / "sweep.json"
        if not info.exists():
            content = {"sweep": self.sweep, "schema_version": SCHEMA_VERSION, "created": time.time()}
            if config_snapshot is not None:
                content.update(config_snapshot)
            atomic_write_bytes(info, json.dumps(content, indent=2, default=str).encode())

    def update_info(self, key: str, value, **more) -> None:
        """Sets `key` (and the keys of `more`) of sweep.json, written atomically; the rest of it is kept."""
        path = self.folder / "sweep.json"
        content = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        content.update({key: value, **more})
        atomic_write_bytes(path, json.dumps(content, indent=2, default=str).encode())

    def lock(self) -> contextlib.AbstractContextManager[None]:
        """Holds the folder's lock while a driver works on it (`files.folder_lock`)."""
        return folder_lock(self.folder)

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
        table = pa.Table.from_pylist(rows, schema=SCHEMAS[name])
        atomic_write(folder / f"{row_id}.parquet", lambda temporary: pq.write_table(table, temporary))

    def write_text(self, name: str, text: str) -> Path:
        """Writes a text file (a summary table) into the sweep folder, atomically."""
        path = self.folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, text.encode())
        return path

    def write_trial(self, result, attempts: int = 1, tags: dict | None = None) -> None:
        """Stores one TrialResult: queries, curves, then the trials row (a trial counts as stored once that
        file is there), all three written before any is renamed into place; then drops its checkpoint."""
        tables = trial_tables(result, self.sweep, attempts, tags)
        paths = {name: self.folder / name / f"{result.spec.id}.parquet" for name in ("queries", "curves", "trials")}
        atomic_write_all({path: functools.partial(pq.write_table, tables[name]) for name, path in paths.items()})
        self.checkpoints.remove(result.spec.id)

    # -- reading -------------------------------------------------------------------------------

    def stored_status(self) -> dict[str, str]:
        """trial id -> 'ok', 'failed' or 'pruned' for every trial whose files are all in place."""
        table = self.stored_columns("trials", ["trial_id", "status"])
        return dict(zip(table["trial_id"].to_pylist(), table["status"].to_pylist(), strict=True))

    def files(self, name: str) -> list[Path]:
        folder = self.folder / name
        return sorted(folder.glob("[!_.]*.parquet")) if folder.is_dir() else []

    def stored_columns(self, name: str, columns: list[str]) -> pa.Table:
        """Some columns of table `name`, empty when nothing is stored yet."""
        if not self.files(name):
            return SCHEMAS[name].empty_table().select(columns)
        return self.table(name, columns=columns)

    def dataset(self, name: str) -> ds.Dataset:
        """A pyarrow dataset over one table's files, with the explicit schema (not the first file's)."""
        return ds.dataset(self.folder / name, schema=SCHEMAS[name], format="parquet")

    def table(self, name: str, columns: list[str] | None = None, filter=None) -> pa.Table:
        """Table `name` as one pyarrow Table; a damaged file is named in a StoreError."""
        if not self.files(name):
            empty = SCHEMAS[name].empty_table()
            return empty if columns is None else empty.select(columns)
        try:
            return self.dataset(name).to_table(columns=columns, filter=filter)
        except (pa.ArrowException, OSError) as error:
            raise self.damaged(name, error) from None

    def rows_of(self, name: str, row_ids: list[str], columns: list[str] | None = None) -> pa.Table:
        """The rows of table `name` stored for these ids: their own files, and for compacted ones the
        matching rows of the part files."""
        tables, missing = [], []
        for row_id in row_ids:
            path = self.folder / name / f"{row_id}.parquet"
            try:
                tables.append(pq.read_table(path, columns=columns, schema=SCHEMAS[name]))
            except FileNotFoundError:
                missing.append(row_id)
            except (pa.ArrowException, OSError):
                raise StoreError(f"{path}: damaged Parquet file; move it out of {path.parent}") from None
        parts = sorted((self.folder / name).glob("part-*.parquet"))
        if missing and parts:
            key = "evaluation_id" if name == "query_sets" else "trial_id"
            found = ds.dataset(parts, schema=SCHEMAS[name], format="parquet").to_table(
                columns=columns, filter=ds.field(key).isin(missing)
            )
            tables.append(found)
        empty = SCHEMAS[name].empty_table()
        return pa.concat_tables(tables) if tables else (empty if columns is None else empty.select(columns))

    def damaged(self, name: str, error: BaseException) -> StoreError:
        """The error for table `name` that cannot be read, naming its damaged file."""
        return damaged(self.files(name), self.folder / name, error)
