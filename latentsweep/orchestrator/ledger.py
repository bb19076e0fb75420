"""The trial ledger: what the driver knows of every trial it runs, shared by `run` and `tune`.

It turns a pack's events into checkpoints (one line per finished iteration), progress and stored
results: each trial is stored once, with every iteration it finished, whatever crashed in between.
It also builds a pack's arguments at each dispatch from what is known then, so a resubmitted pack
continues from its members' last iterations.
"""

from __future__ import annotations

import collections
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..engine import IterationEvent, IterationRecord, MemberState, TrialResult, TrialSpec
from ..results import ResultStore
from .executor import Executor, Job, JobKind
from .plan import make_packs
from .status import RunStatus


def record_row(record: IterationRecord) -> dict:
    """A curve row as a checkpoint line holds it."""
    return {
        "iteration": record.iteration,
        "n_labeled": record.n_labeled,
        "val_accuracy": record.val_accuracy,
        "train_accuracy": record.train_accuracy,
        "fit_seconds": record.fit_seconds,
        "selection_seconds": record.selection_seconds,
        "queried": record.queried.tolist(),
        "scores": record.scores,
    }


def row_record(row: dict) -> IterationRecord:
    return IterationRecord(
        iteration=row["iteration"],
        n_labeled=row["n_labeled"],
        val_accuracy=row["val_accuracy"],
        train_accuracy=row["train_accuracy"],
        fit_seconds=row["fit_seconds"],
        selection_seconds=row["selection_seconds"],
        queried=np.asarray(row["queried"], dtype=np.int64),
        scores=row.get("scores", {}),  # checkpoints from before the curve scores have none
    )


@dataclass
class TrialLedger:
    """Records, states and stored trials of one run; `on_iteration` and `on_stored` let a client react."""

    store: ResultStore
    status: RunStatus
    tags: Callable[[TrialSpec], dict | None] = lambda spec: None
    on_iteration: Callable[[str, IterationRecord], None] | None = None
    on_stored: Callable[[TrialResult], None] | None = None
    records: dict[str, list[IterationRecord]] = field(default_factory=dict)
    states: dict[str, MemberState] = field(default_factory=dict)
    written: set[str] = field(default_factory=set)
    resumed: int = 0
    count_units: bool = True  # progress in AL iterations (a client counting other units says False)
    tracker: Any = None  # a `tracking.LiveTracker`: told of every trial stored

    def add(self, trials: list[TrialSpec]) -> dict[str, int]:
        """Takes on trials, reading their checkpoints; returns trial id -> the iteration each resumes at."""
        resume_at = {}
        for trial in trials:
            checkpoint = self.store.checkpoints.load(trial.id)
            self.records[trial.id] = [row_record(row) for row in checkpoint.rows] if checkpoint else []
            if checkpoint:
                self.states[trial.id] = MemberState(checkpoint.iteration, checkpoint.labelled, checkpoint.rng_state)
                resume_at[trial.id] = checkpoint.iteration + 1
                self.resumed += 1
            if self.count_units:
                self.status.expect(units=trial.budget.iterations + 1 - len(self.records[trial.id]))
        if self.count_units:
            self.status.expect(work=len(trials))
        return resume_at

    def skip(self, trial_ids) -> None:
        """Trials already stored by an earlier run: a pack's arguments leave them out."""
        self.written.update(trial_ids)

    def stored(self, trial_id: str) -> bool:
        """Whether this run stored the trial (a pack never runs it again)."""
        return trial_id in self.written

    def arguments(self, members: list[TrialSpec], latent) -> Callable[[], tuple]:
        """A pack's arguments, built at every dispatch: the members not yet stored and their states."""

        def build() -> tuple:
            remaining = [trial for trial in members if trial.id not in self.written]
            resume = {trial.id: self._state(trial) for trial in remaining if trial.id in self.states}
            return latent, remaining, resume

        return build

    def _state(self, trial: TrialSpec) -> MemberState:
        """A trial's state to resume from, with its curve so far where its stopping criterion reads it."""
        state = self.states[trial.id]
        if trial.stopping is None:
            return state
        return dataclasses.replace(state, curve=tuple(self.records[trial.id]))

    def pack_jobs(
        self,
        trials: list[TrialSpec],
        *,
        n_workers: int,
        cap: int,
        latent_of: Callable[[list[TrialSpec]], object],
        prefix: str,
    ) -> collections.deque[Job]:
        """Takes on `trials` (each resumes from its checkpoint) and cuts them into balanced packs, each one
        executor job whose arguments are rebuilt at every dispatch; `latent_of(pack)` is its latent set."""
        packs = make_packs(trials, n_workers, cap, self.add(trials))
        return collections.deque(
            Job(f"{prefix}-{i}", JobKind.PACK, self.arguments(pack, latent_of(pack)), len(pack), trials=tuple(pack))
            for i, pack in enumerate(packs)
        )

    def run_jobs(self, session, executor: Executor, jobs: collections.deque[Job]) -> None:
        """Runs queued pack jobs to the end in the command's session: their events become checkpoints and
        stored trials, and a job that fails for good stores its members not stored yet as failed."""
        session.run_jobs(
            executor,
            lambda: jobs.popleft() if jobs else None,
            on_events=lambda job, events: self.events(events, job.attempts),
            on_failed=lambda job, text: self.fail(list(job.trials), text, job.attempts),
        )

    def events(self, events: list, attempts: int) -> None:
        """A pack's event batch: iterations become checkpoint lines and progress, results get stored."""
        for event in events:
            if isinstance(event, IterationEvent):
                self.store.checkpoints.append(event.trial_id, record_row(event.record), event.state.rng_state)
                self.records[event.trial_id].append(event.record)
                self.states[event.trial_id] = event.state
                if self.count_units:
                    self.status.progress()
                if self.on_iteration:
                    self.on_iteration(event.trial_id, event.record)
            else:
                self.record(event, attempts)

    def fail(self, trials: list[TrialSpec], text: str, attempts: int) -> None:
        """Stores every trial of `trials` not stored yet as failed with `text`."""
        for trial in trials:
            if trial.id not in self.written:
                self.record(TrialResult(spec=trial, error=text), attempts)

    def record(self, result: TrialResult, attempts: int) -> None:
        """Stores one trial (once per run) with every iteration it finished, and counts it."""
        if result.spec.id in self.written:
            return
        finished = self.records.get(result.spec.id, [])
        result.iterations = list(finished)
        self.store.write_trial(result, attempts, self.tags(result.spec))
        self.written.add(result.spec.id)
        if self.tracker is not None:
            self.tracker.stored(result.spec.id)
        if not self.count_units:
            if self.on_stored:
                self.on_stored(result)
            return
        never = result.spec.budget.iterations + 1 - len(finished) if result.error or result.pruned else 0
        self.status.finished(failed=bool(result.error), units_left=never if result.spec.id in self.records else 0)
        if self.on_stored:
            self.on_stored(result)
