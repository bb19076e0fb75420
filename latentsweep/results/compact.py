"""Compaction: the per-trial files of finished trials merged into one file per table and step.

One file set per trial keeps every write atomic and resume exact, but thousands of small files are slow
to read. `compact` merges the files of trials that are final (stored ok or pruned; failed ones stay
apart, since a re-run replaces them) into `part-<n>.parquet`, in four steps that a crash can interrupt
anywhere and the next `compact` or run finishes (roll forward):

1. the merged rows are written under a name starting with '_' (invisible to readers);
2. a manifest `.compact.json` names that file, its final name and the merged files;
3. the merged file is renamed into place;
4. the merged per-trial files are deleted, then the manifest.

Readers see every row once before and after; only between steps 3 and 4 (a few milliseconds, or until
the next compact after a crash there) a reader that does not go through `ResultStore` could see a
finished trial twice.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from ..protocols import TrialStatus
from .files import MANIFEST, atomic_write, atomic_write_bytes, finish_interrupted
from .schema import SCHEMAS
from .store import ResultStore

COMPACT_AFTER = 1000  # `run` compacts what it finished when a sweep holds this many per-trial files
PART = re.compile(r"part-(\d+)\.parquet")


@dataclass
class CompactOutcome:
    merged: dict[str, int] = field(default_factory=dict)  # table -> per-trial files merged
    parts: list[Path] = field(default_factory=list)
    finished_interrupted: bool = False


def _next_part(folder: Path) -> int:
    numbers = [int(m.group(1)) for p in folder.glob("part-*.parquet") if (m := PART.fullmatch(p.name))]
    return max(numbers, default=-1) + 1


def compact(store: ResultStore) -> CompactOutcome:
    """Merges the per-trial files of every final trial, table by table (the caller holds the lock)."""
    outcome = CompactOutcome(finished_interrupted=finish_interrupted(store.folder))
    status = store.stored_status()
    final = {trial for trial, state in status.items() if state in (TrialStatus.OK, TrialStatus.PRUNED)}
    for name in ("queries", "curves", "trials", "query_sets"):
        folder = store.folder / name
        files = [
            p for p in store.files(name) if not PART.fullmatch(p.name) and (name == "query_sets" or p.stem in final)
        ]
        if len(files) < 2:
            continue
        try:  # one dataset over the files: read in parallel, not one by one
            merged = ds.dataset([str(p) for p in files], schema=SCHEMAS[name], format="parquet").to_table()
        except (pa.ArrowException, OSError):
            raise store.damaged(name, OSError()) from None
        number = _next_part(folder)
        final_name, temporary_name = f"part-{number:05d}.parquet", f"_part-{number:05d}.parquet"
        atomic_write(folder / temporary_name, functools.partial(pq.write_table, merged))
        plan = {"table": name, "part": final_name, "temporary": temporary_name, "files": [p.name for p in files]}
        atomic_write_bytes(store.folder / MANIFEST, json.dumps(plan).encode())
        finish_interrupted(store.folder)
        outcome.merged[name] = len(files)
        outcome.parts.append(folder / final_name)
    return outcome
