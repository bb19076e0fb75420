"""Per-iteration checkpoints of running trials, kept where readers of the tables never look.

    results/<sweep>/.checkpoints/<trial_id>.jsonl    one JSON line per finished iteration

A line holds the iteration's curve row, the indices it queried and the member's generator state after
that selection: everything a trial needs to continue after a crash. Lines are appended and flushed as
events arrive; a line torn by a crash fails to parse and is ignored (with whatever follows it), so a
checkpoint is always a clean prefix of the trial's iterations. The file goes when the trial is stored.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

FOLDER = ".checkpoints"


@dataclass(frozen=True)
class Checkpoint:
    """A trial's finished iterations: curve rows (dicts with `queried` as an int array) and the state to
    continue from (last iteration, labelled indices in query order, generator state)."""

    rows: list[dict]
    iteration: int
    labelled: np.ndarray
    rng_state: dict


class CheckpointStore:
    """Appends and reads the checkpoints of one sweep folder."""

    def __init__(self, sweep_folder: str | Path):
        self.folder = Path(sweep_folder) / FOLDER

    def path(self, trial_id: str) -> Path:
        return self.folder / f"{trial_id}.jsonl"

    def append(self, trial_id: str, row: dict, rng_state: dict) -> None:
        """Adds one finished iteration: `row` with the curve columns and `queried` (a list of indices)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        line = json.dumps({**row, "rng_state": rng_state}, separators=(",", ":")) + "\n"
        with open(self.path(trial_id), "a", encoding="utf-8") as stream:
            stream.write(line)
            stream.flush()

    def load(self, trial_id: str) -> Checkpoint | None:
        """The trial's clean prefix of iterations 0, 1, ..., or None when it has none."""
        try:
            lines = self.path(trial_id).read_text(encoding="utf-8", errors="replace").splitlines()
        except FileNotFoundError:
            return None
        rows: list[dict] = []
        for line in lines:
            try:
                row = json.loads(line)
                valid = row["iteration"] == len(rows) and isinstance(row["rng_state"], dict)
            except (ValueError, KeyError, TypeError):
                break
            if not valid:
                break
            rows.append(row)
        if not rows:
            return None
        labelled = np.concatenate([np.asarray(row["queried"], dtype=np.int64) for row in rows])
        return Checkpoint(rows, rows[-1]["iteration"], labelled, rows[-1]["rng_state"])

    def remove(self, trial_id: str) -> None:
        try:
            os.remove(self.path(trial_id))
        except FileNotFoundError:
            pass

    def trial_ids(self) -> list[str]:
        """Trials that have a checkpoint."""
        if not self.folder.is_dir():
            return []
        return sorted(path.stem for path in self.folder.glob("*.jsonl"))
