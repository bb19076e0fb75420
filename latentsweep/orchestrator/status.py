"""What a running command knows of its work, for the display: one `RunStatus`, changed only through its
methods (a stage begun, work expected, units done, a unit of work stored, the workers' state, a score for
the leaderboard), so the counts it shows stay consistent: done never exceeds total, a rate counts the
units of its own stage, and the leaderboard compares strategies on the seeds they share."""

from __future__ import annotations

import enum
import math
import time
from collections import defaultdict
from dataclasses import dataclass, field


class Stage(str, enum.Enum):
    """The stages a command goes through, as the display names them."""

    STARTING = "starting"
    REPRESENTATIONS = "representations"
    TRIALS = "trials"
    SEARCH = "search"
    FINAL = "final comparison"
    QUERY_SETS = "query sets"

    def __str__(self) -> str:
        return self.value


@dataclass
class RunStatus:
    """A snapshot of running work: representations ready of those needed, units of work (trials, Optuna
    trials, query sets) done of total, and progress counted in `unit`s (AL iterations for trials), from
    which rate and ETA come."""

    name: str
    unit: str = "iterations"
    stage: Stage = Stage.STARTING
    representations_total: int = 0
    representations_done: int = 0
    total: int = 0
    done: int = 0
    failed: int = 0
    running: int = 0
    retried: int = 0
    skipped: int = 0
    units_total: int = 0
    units_done: int = 0
    resources: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    stage_started: float = field(default_factory=time.monotonic)
    _stage_units: int = 0  # units_done when the stage began: the rate counts this stage's units only
    _scores: dict[str, dict[int, float]] = field(default_factory=lambda: defaultdict(dict))

    # -- what the command does ------------------------------------------------------------------

    def begin(self, stage: Stage, *, unit: str | None = None) -> None:
        """A new stage (its rate and ETA count from now); `unit`: what its progress counts, if it changes."""
        self.stage, self.stage_started = stage, time.monotonic()
        if unit is not None and unit != self.unit:
            self.unit, self.units_done, self.units_total, self.done, self.total = unit, 0, 0, 0, 0
        self._stage_units = self.units_done

    def begin_representations(self, total: int) -> None:
        """The representation stage of a round, with `total` representations to make ready."""
        self.begin(Stage.REPRESENTATIONS)
        self.representations_total, self.representations_done = total, 0

    def representation_ready(self) -> None:
        self.representations_done = min(self.representations_done + 1, self.representations_total)

    def expect(self, work: int = 0, units: int = 0) -> None:
        """More work to do: `work` units of work (trials) counting `units` units of progress (iterations)."""
        self.total += work
        self.units_total += units

    def progress(self, units: int = 1) -> None:
        """Units of progress done (an AL iteration finished)."""
        self.units_done = min(self.units_done + units, self.units_total)

    def finished(self, *, failed: bool = False, units_left: int = 0) -> None:
        """One unit of work stored; `units_left`: its units that will never run (it failed or was pruned)."""
        self.done += 1
        self.failed += int(failed)
        self.progress(units_left)

    def set_done(self, done: int, total: int) -> None:
        """Work counted by the command itself (Optuna trials finished of the study's budget)."""
        self.done, self.total = done, total
        self.units_done, self.units_total = done, total

    def note(self, *lines: str) -> None:
        """What the display shows under the progress line until the next note (none: clears it)."""
        self.notes = list(lines)

    def skip(self, stored: int) -> None:
        """Work found stored by an earlier run (counted apart, never run)."""
        self.skipped = stored

    def on(self, resources: dict) -> None:
        """The cluster the work runs on (its resources, for the display)."""
        self.resources = dict(resources)

    def workers(self, running: int, retried: int) -> None:
        """The executor's state: jobs running now and resubmissions so far."""
        self.running, self.retried = running, retried

    def score(self, label: str, seed: int, value: float) -> None:
        """A finished trial's score (final validation accuracy) for the leaderboard."""
        if math.isfinite(value):
            self._scores[label][seed] = value

    # -- what the display reads -----------------------------------------------------------------

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def rate(self) -> float:
        """Units done per second in this stage."""
        elapsed = time.monotonic() - self.stage_started
        done = self.units_done - self._stage_units
        return done / elapsed if elapsed > 0 and done > 0 else 0.0

    def eta_seconds(self) -> float | None:
        rate = self.rate()
        left = self.units_total - self.units_done
        return left / rate if rate > 0 and left > 0 else None

    @property
    def leaderboard(self) -> list[tuple[str, float, int]]:
        """(label, mean score, n) best first, over the seeds every listed strategy has finished, so that
        strategies are compared on the same seeds; with no seed shared by all, each on its own seeds."""
        scores = {label: values for label, values in self._scores.items() if values}
        if not scores:
            return []
        shared = set.intersection(*(set(values) for values in scores.values()))
        board = []
        for label, values in scores.items():
            seeds = shared or set(values)
            board.append((label, sum(values[s] for s in seeds) / len(seeds), len(seeds)))
        return sorted(board, key=lambda row: (-row[1], row[0]))

    @property
    def shared_seeds(self) -> bool:
        """Whether the leaderboard compares every strategy on the same seeds."""
        scores = [set(values) for values in self._scores.values() if values]
        return bool(scores) and bool(set.intersection(*scores))
