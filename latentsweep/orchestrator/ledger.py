"""The trial ledger: what the driver knows of every trial it runs, shared by `run` and `tune`.

It turns a pack's events into checkpoints (one line per finished iteration), progress and stored
results: each trial is stored once, with every iteration it finished, whatever crashed in between.
It also builds a pack's arguments at each dispatch from what is known then, so a resubmitted pack
continues from its members' last iterations.
"""

from __future__ import annotations

import collections
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..engine import IterationEvent, IterationRecord, MemberState, TrialResult, TrialSpec
from ..results import ResultStore
from .executor import Executor, Job
from .plan import make_packs
from .progress import SweepStatus


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
    status: SweepStatus
    tags: Callable[[TrialSpec], dict | None] = lambda spec: None
    on_iteration: Callable[[str, IterationRecord], None] | None = None
    on_stored: Callable[[TrialResult], None] | None = None
    records: dict[str, list[IterationRecord]] = field(default_factory=dict)
    states: dict[str, MemberState] = field(default_factory=dict)
    written: set[str] = field(default_factory=set)
    resumed: int = 0
    count_units: bool = True  # progress in AL iterations (a client counting other units says False)

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
                self.status.units_total += trial.budget.iterations + 1 - len(self.records[trial.id])
        if self.count_units:
            self.status.total += len(trials)
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
            resume = {trial.id: self.states[trial.id] for trial in remaining if trial.id in self.states}
            return latent, remaining, resume

        return build

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
            Job(f"{prefix}-{i}", "run_pack", self.arguments(pack, latent_of(pack)), len(pack), trials=tuple(pack))
            for i, pack in enumerate(packs)
        )

    def run_jobs(self, executor: Executor, jobs: collections.deque[Job], tick: Callable[[], None]) -> None:
        """Runs queued pack jobs to the end: their events become checkpoints and stored trials, and a job
        that fails for good stores its members not stored yet as failed."""
        executor.run(
            lambda: jobs.popleft() if jobs else None,
            on_events=lambda job, events: self.events(events, job.attempts),
            on_failed=lambda job, text: self.fail(list(job.trials), text, job.attempts),
            on_tick=tick,
        )

    def events(self, events: list, attempts: int) -> None:
        """A pack's event batch: iterations become checkpoint lines and progress, results get stored."""
        for event in events:
            if isinstance(event, IterationEvent):
                self.store.checkpoints.append(event.trial_id, record_row(event.record), event.state.rng_state)
                self.records[event.trial_id].append(event.record)
                self.states[event.trial_id] = event.state
                self.status.units_done += self.count_units
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
        if not self.count_units:
            if self.on_stored:
                self.on_stored(result)
            return
        self.status.done += 1
        if result.spec.id in self.records and (result.error or result.pruned):
            self.status.units_done += result.spec.budget.iterations + 1 - len(finished)  # never to run
        if result.error:
            self.status.failed += 1
        if self.on_stored:
            self.on_stored(result)
