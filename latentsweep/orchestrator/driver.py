"""The sweep driver (`latentsweep run`): a thin client of the command session, the representation stage
and the executor.

Failure policy:
- an exception of `engine.TRIAL_ERRORS` inside a trial: that trial is stored as failed, the pack goes on;
- any other exception raised by a pack or a representation job: its trials are stored as failed (with the
  iterations they finished), the sweep goes on;
- a lost worker (actor or node died, object lost, out of memory): the actor is replaced and the pack
  resubmitted from its members' checkpoints, up to `ray.max_attempts` attempts;
- bad input (config, data, options, results folder) stops everything before any work (exit code 2), and
  nothing stored is touched (`--fresh` moves the old folder only once the run can start);
- Ctrl-C, SIGTERM or SIGHUP stops, keeps every stored trial and every checkpoint, and exits with 128 + the
  signal (`signals`).
Every AL iteration of every trial streams back as an event: it becomes progress and a checkpoint line;
a resumed trial continues from its last finished iteration. The driver alone writes results.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import ray

from ..config import SweepConfig
from ..config.snapshot import describe_sweep
from ..data import Splits
from ..engine import LatentSet, TrialResult, TrialSpec
from ..engine.specs import varying_fields
from ..results import Checkpoint, RepresentationCache, ResultStore
from ..results.compact import COMPACT_AFTER, compact
from . import adaptive
from .ledger import TrialLedger
from .outcome import CommandOutcome, timed
from .plan import SweepPlan, data_splits, describe_plan, make_packs, make_plan, pack_cap
from .progress import Display
from .session import Session
from .status import Stage


@dataclass(frozen=True)
class RunOptions:
    address: str | None = None
    results: Path = Path("results")
    workers: int | None = None
    fresh: bool = False
    display: str = "auto"
    poll_seconds: float = 0.5
    verbose: bool = False  # Ray's own messages on the terminal too


@dataclass
class SweepOutcome(CommandOutcome):
    """A run's counts, for its summary; `failures` names each failed trial."""

    folder: Path
    planned: int = 0
    skipped: int = 0
    succeeded: int = 0
    failed: int = 0
    retried: int = 0
    resumed: int = 0
    broadcasts: int = 0
    idle_share: float = 0.0
    per_trial_files: int = 0
    compacted: int = 0
    adaptive: list = field(default_factory=list)  # adaptive.Decision per strategy when [adaptive] is set
    seeds: int = 0
    checkpointed: int = 0  # unfinished trials whose finished iterations wait in checkpoints
    set_aside: Path | None = None  # where --fresh moved the folder's earlier results

    def summary(self) -> str:
        ran = self.succeeded + self.failed
        if self.interrupted:
            text = (
                f"interrupted by {self.stopped_by} after {self.seconds:.0f} s: {ran} trials finished and stored in "
                f"this run ({self.failed} failed), {self.checkpointed} unfinished trials keep their finished "
                f"iterations in checkpoints, {self.skipped} were stored before; results in {self.folder}"
            )
        elif ran == 0:
            return f"nothing to do: all {self.planned} planned trials are already stored in {self.folder}"
        else:
            text = (
                f"{ran} trials run in {self.seconds:.0f} s: {self.succeeded} succeeded, {self.failed} failed, "
                f"{self.retried} retried, {self.resumed} resumed from checkpoints; {self.skipped} already stored; "
                f"results in {self.folder}"
            )
        if self.set_aside is not None:
            text += f"\nthe results stored before were set aside in {self.set_aside}"
        if self.adaptive:
            text += f"\nadaptive seeds: {self.seeds} in all; each strategy against the baseline:"
            text += "".join(f"\n  {decision.line()}" for decision in self.adaptive)
        if self.compacted:
            text += f"\ncompacted: {self.compacted} per-trial files of finished trials merged (reading stays fast)"
        return text


@dataclass
class Prepared:
    """Everything `plan` and `run` check before any work: data loaded once, plan, store, cache."""

    config: SweepConfig
    splits: Splits
    plan: SweepPlan
    store: ResultStore
    cache: RepresentationCache


def prepare(config: SweepConfig, results: Path, splits: Splits | None = None) -> Prepared:
    """Loads data and plans the sweep, checking the results folder without writing anything."""
    splits = splits if splits is not None else data_splits(config.data)
    store = ResultStore(results, config.name)
    store.check()
    plan = make_plan(config, splits, store.stored_status())
    cache = RepresentationCache(Path(results) / ".cache" / "representations")
    for job in plan.jobs:
        cache.has(job.cache_key)  # a damaged entry is named now, before any work
    return Prepared(config, splits, plan, store, cache)


def _resume_points(store: ResultStore, trials: list[TrialSpec]) -> dict[str, Checkpoint]:
    points = {}
    for trial in trials:
        checkpoint = store.checkpoints.load(trial.id)
        if checkpoint is not None:
            points[trial.id] = checkpoint
    return points


def plan_text(config: SweepConfig, results: Path, workers: int | None = None) -> str:
    prepared = prepare(config, results)
    n_workers = workers or config.ray.workers or os.cpu_count() or 1  # as a local run would have
    cap = pack_cap(config.ray.pack_size, classifiers=config.classifiers)
    points = _resume_points(prepared.store, prepared.plan.to_run)
    packs = make_packs(prepared.plan.to_run, n_workers, cap, {k: v.iteration + 1 for k, v in points.items()})
    cached = {job.cache_key for job in prepared.plan.jobs if prepared.cache.has(job.cache_key)}
    text = describe_plan(prepared.plan, packs, cap, cached)
    text += _costs(prepared, config)
    if points:
        text += f"\ncheckpoints: {len(points)} unfinished trials continue from their last finished iteration"
    if config.adaptive is not None:
        text += "\n" + adaptive.describe(config.adaptive)
    return text


def _costs(prepared: Prepared, config: SweepConfig) -> str:
    """For a large pool: each strategy's estimated selection seconds on this machine, and the one-off work of
    representativeness measures and initial samplers (`costs`)."""
    from .costs import LARGE_POOL, estimate_lines, one_off_lines, product_rate

    pool = prepared.splits.pool.shape[0]
    if pool < LARGE_POOL or not config.strategies:
        return ""
    rate = product_rate(int(config.ray.cpus_per_worker))
    classes = len(prepared.plan.class_counts["pool"])
    lines = []
    for job in prepared.plan.jobs:
        width = job.spec.latent_dim if job.spec.trained else int(np.prod(prepared.splits.pool.shape[1:]))
        for budget in config.budgets:
            labelled = budget.initial + max(budget.iterations - 1, 0) * budget.batch + budget.validation
            classifier = max(config.classifiers, key=lambda c: c.cost(width, classes))
            lines += estimate_lines(config.strategies, classifier, pool=pool, d=width, labelled=labelled,
                                    k=budget.batch, classes=classes, rate=rate)  # fmt: skip
        measures = sorted(job.measures)
        initial = sorted({s.initial for s in config.strategies} - {"random"})
        lines += one_off_lines(measures, initial, pool=pool, d=width, k=config.budget.initial, classes=classes,
                               rate=rate)  # fmt: skip
    return "\n" + "\n".join(lines) if lines else ""


def run_sweep(config: SweepConfig, options: RunOptions, display: Display | None = None) -> SweepOutcome:
    """Runs every planned trial that is not stored yet; returns counts for the summary and exit code. Bad
    input raises before any work; an interruption (Ctrl-C, SIGTERM, SIGHUP) ends it with what is stored."""
    outcome = SweepOutcome(folder=Path(options.results) / config.name)
    timed(outcome, lambda outcome: _run_sweep(config, options, display, outcome))
    return outcome


def _run_sweep(config: SweepConfig, options: RunOptions, display: Display | None, outcome: SweepOutcome) -> None:
    results = Path(options.results)
    first_seeds = len(config.seeds)
    prepared = prepare(config, results)
    splits = prepared.splits

    def replan(changed: SweepConfig) -> Prepared:
        return prepare(changed, results, splits)

    if not options.fresh:  # rounds an earlier run finished are read back, not run again
        config, prepared = adaptive.next_rounds(config, prepared, first_seeds, replan)
    outcome.planned = len(prepared.plan.trials)
    if not prepared.plan.to_run and not options.fresh:
        outcome.skipped = len(prepared.plan.trials)
        if config.adaptive is not None:
            with prepared.store.lock():
                adaptive.conclude(config, prepared.plan, prepared.store, outcome, first_seeds)
        return
    session = Session(config.name, ray_config=config.ray, plugins=config.plugins, options=options, outcome=outcome,
                      display=display, tracking=config.tracking)  # fmt: skip
    with session.open(prepared.store):
        if options.fresh:
            outcome.set_aside = prepared.store.set_aside()
            prepared = prepare(config, results, splits)
        store, plan = prepared.store, prepared.plan
        store.open({
            "name": config.name, "source": str(config.source), "data": config.data.describe(), "split": plan.split,
            "class_counts": plan.class_counts, "data_fingerprint": plan.data_fingerprint,
        })  # fmt: skip
        # what this run was: the report's default metric, the config as given and as parsed
        store.update_info(
            "report", {"metric": config.report_metric}, config=describe_sweep(config), config_text=config.text
        )
        outcome.skipped = len(plan.trials) - len(plan.to_run)
        session.status.skip(outcome.skipped)
        with session.live():
            while True:
                _SweepRun(prepared, session, outcome).run()
                if config.adaptive is None:
                    break
                config, prepared = adaptive.next_rounds(config, replan(config), first_seeds, replan)
                if not prepared.plan.to_run:
                    break
                unclear = adaptive.unresolved(config, prepared.plan, prepared.store, first_seeds)
                session.status.note(f"adaptive: {len(config.seeds)} seeds; unresolved: {', '.join(unclear)}")
                outcome.planned = len(prepared.plan.trials)
        if outcome.interrupted:
            outcome.checkpointed = sum(1 for t in prepared.plan.to_run if store.checkpoints.path(t.id).exists())
            return
        adaptive.conclude(config, prepared.plan, store, outcome, first_seeds)
        outcome.per_trial_files = len(store.files("trials"))
        if outcome.per_trial_files >= COMPACT_AFTER:
            outcome.compacted = compact(store).merged.get("trials", 0)


class _SweepRun:
    """One round of a sweep: stage 1 (representations), then stage 2 (packs on the executor)."""

    def __init__(self, prepared: Prepared, session: Session, outcome: SweepOutcome):
        self.config, self.splits, self.plan = prepared.config, prepared.splits, prepared.plan
        self.store = prepared.store
        self.session, self.status, self.outcome = session, session.status, outcome
        self.ledger = TrialLedger(prepared.store, session.status, on_stored=self._counted, tracker=session.tracker)

    def run(self) -> None:
        to_run = self.plan.to_run
        needed = {trial.representation for trial in to_run}
        latents = self._representations([job for job in self.plan.jobs if job.representation_id in needed])
        runnable = [trial for trial in to_run if trial.representation in latents]
        if runnable:
            self._trials(runnable, latents)

    def _representations(self, jobs) -> dict[str, ray.ObjectRef]:
        """Each representation from the cache or made once; then one ray.put each."""
        stage = self.session.representations(jobs, {"data": self.splits})
        for representation, error in stage.failures.items():
            failed = [trial for trial in self.plan.to_run if trial.representation == representation]
            self.ledger.fail(failed, f"representation failed: {error}", attempts=1)
        return {rid: self._broadcast(latent) for rid, latent in stage.latents.items()}

    def _broadcast(self, latent: LatentSet) -> ray.ObjectRef:
        """Puts a LatentSet into the object store once; every pack on it gets the same reference."""
        self.outcome.broadcasts += 1
        return ray.put(latent)

    def _trials(self, trials: list[TrialSpec], latents: dict[str, ray.ObjectRef]) -> None:
        self.status.begin(Stage.TRIALS)
        cap = pack_cap(self.config.ray.pack_size, self.session.worker_gpus > 0, self.config.classifiers)
        jobs = self.ledger.pack_jobs(
            trials,
            n_workers=self.session.n_workers,
            cap=cap,
            latent_of=lambda pack: latents[pack[0].representation],
            prefix="pack",
        )
        self.outcome.resumed += self.ledger.resumed
        executor = self.session.executor(min(self.session.n_workers, len(jobs)))
        try:
            self.ledger.run_jobs(self.session, executor, jobs)
        finally:
            self.outcome.retried += executor.status.retried
            self.outcome.idle_share = executor.status.idle_share
            self.session.release()

    def _label(self, spec: TrialSpec) -> str:
        """The strategy's label, with the representation, classifier and budget where the sweep has several."""
        label = spec.strategy.label()
        if len(self.config.budgets) > 1:
            label = f"budget {spec.budget.name}: {label}"
        if len(self.config.classifiers) > 1:
            label = f"{spec.classifier.label(varying_fields(self.config.classifiers))}: {label}"
        if len(self.config.representations) > 1:
            label = f"{spec.representation}: {label}"
        return label

    def _counted(self, result: TrialResult) -> None:
        if result.error:
            self.outcome.failed += 1
            self.outcome.failures.append(f"{self._label(result.spec)} seed {result.spec.seed}: {result.error}")
            return
        self.outcome.succeeded += 1
        self.status.score(self._label(result.spec), result.spec.seed, result.final_val_accuracy)
