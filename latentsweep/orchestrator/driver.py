"""The sweep driver: a thin client of the representation stage and the executor.

Failure policy:
- an exception of `engine.TRIAL_ERRORS` inside a trial: that trial is stored as failed, the pack goes on;
- any other exception raised by a pack or a representation job: its trials are stored as failed (with the
  iterations they finished), the sweep goes on;
- a lost worker (actor or node died, object lost, out of memory): the actor is replaced and the pack
  resubmitted from its members' checkpoints, up to `ray.max_attempts` attempts;
- bad input (config, data, options, results folder) stops everything before any work (exit code 2), and
  nothing stored is touched (`--fresh` moves the old folder only once the run can start);
- Ctrl-C stops, keeps every stored trial and every checkpoint, and exits with 130.
Every AL iteration of every trial streams back as an event: it becomes progress and a checkpoint line;
a resumed trial continues from its last finished iteration. The driver alone writes results.
"""

from __future__ import annotations

import collections
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import ray

from ..config import SweepConfig
from ..data import Splits
from ..engine import LatentSet, TrialResult, TrialSpec
from ..engine.specs import varying_fields
from ..results import Checkpoint, RepresentationCache, ResultStore
from ..results.compact import COMPACT_AFTER, compact
from . import adaptive
from .cluster import address_source, check_local_gpus, cluster_resources, ray_session, resolve_gpus, worker_count
from .executor import Executor, ExecutorStatus
from .ledger import TrialLedger
from .outcome import CommandOutcome
from .plan import SweepPlan, data_splits, describe_plan, make_packs, make_plan, pack_cap
from .progress import Display, SweepStatus, make_display
from .representations import run_representation_stage


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
    seconds: float = 0.0
    idle_share: float = 0.0
    per_trial_files: int = 0
    compacted: int = 0
    adaptive: list = field(default_factory=list)  # adaptive.Decision per strategy when [adaptive] is set
    seeds: int = 0

    def summary(self) -> str:
        ran = self.succeeded + self.failed
        if ran == 0 and not self.interrupted:
            return f"nothing to do: all {self.planned} planned trials are already stored in {self.folder}"
        text = (
            f"{ran} trials run in {self.seconds:.0f} s: {self.succeeded} succeeded, {self.failed} failed, "
            f"{self.retried} retried, {self.resumed} resumed from checkpoints; {self.skipped} already stored; "
            f"results in {self.folder}"
        )
        if self.interrupted:
            text = "interrupted: " + text
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


def load_sweep_data(config: SweepConfig) -> Splits:
    data = config.data
    return data_splits(data)


def prepare(config: SweepConfig, results: Path, splits: Splits | None = None) -> Prepared:
    """Loads data and plans the sweep, checking the results folder without writing anything."""
    splits = splits if splits is not None else load_sweep_data(config)
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
    if points:
        text += f"\ncheckpoints: {len(points)} unfinished trials continue from their last finished iteration"
    rule = config.adaptive
    if rule is not None:
        text += (
            f"\nadaptive: rounds of {rule.round} more seeds, up to {rule.max_seeds}, until every strategy is "
            f"clearly different from {rule.baseline!r}"
            + (f" or within +-{rule.margin:g} of it" if rule.margin is not None else "")
            + f" (alpha {rule.alpha:g} over all looks)"
        )
    return text


def run_sweep(config: SweepConfig, options: RunOptions, display: Display | None = None) -> SweepOutcome:
    """Runs every planned trial that is not stored yet; returns counts for the summary and exit code."""
    started = time.monotonic()
    results = Path(options.results)
    first_seeds = len(config.seeds)
    prepared = prepare(config, results)
    if not options.fresh:  # rounds an earlier run finished are read back, not run again
        config, prepared = _next_rounds(config, results, prepared, first_seeds)
    outcome = SweepOutcome(folder=prepared.store.folder, planned=len(prepared.plan.trials))
    if not prepared.plan.to_run and not options.fresh:
        outcome.skipped = len(prepared.plan.trials)
        if config.adaptive is not None:
            with prepared.store.lock():
                _conclude(config, prepared, outcome, first_seeds)
        return outcome
    check_local_gpus(config.ray, options.address or config.ray.address)
    display = display or make_display(options.display)
    status = SweepStatus(name=config.name)
    with (
        prepared.store.lock(),
        ray_session(
            options.address or config.ray.address, source=address_source(options.address), verbose=options.verbose
        ),
    ):
        resources = cluster_resources()
        n_workers = worker_count(config.ray, resources, options.workers)
        gpus = resolve_gpus(config.ray, resources, n_workers)  # refuses before anything is written
        if options.fresh:
            prepared.store.set_aside()
            prepared = prepare(config, results, prepared.splits)
        store, plan = prepared.store, prepared.plan
        store.open(
            {
                "name": config.name,
                "source": str(config.source),
                "data": config.data.describe(),
                "split": plan.split,
                "class_counts": plan.class_counts,
                "data_fingerprint": plan.data_fingerprint,
            }
        )
        store.update_info("report", {"metric": config.report_metric})  # the report's default metric
        outcome.skipped = len(plan.trials) - len(plan.to_run)
        status.resources, status.skipped = resources, outcome.skipped
        display.start(status)
        try:
            while True:
                driver = _SweepRun(prepared, options, display, status, outcome, n_workers, gpus)
                try:
                    driver.run()
                finally:
                    driver.release()
                if config.adaptive is None:
                    break
                config, prepared = _next_rounds(config, results, prepare(config, results, prepared.splits), first_seeds)
                if not prepared.plan.to_run:
                    break
                unclear = [d.strategy for d in _decisions(config, prepared, first_seeds) if d.verdict == "unresolved"]
                status.notes = [f"adaptive: {len(config.seeds)} seeds; unresolved: {', '.join(unclear)}"]
                outcome.planned = len(prepared.plan.trials)
        except KeyboardInterrupt:
            outcome.interrupted = True
        finally:
            display.stop()
        if not outcome.interrupted:
            _conclude(config, prepared, outcome, first_seeds)
        outcome.per_trial_files = len(store.files("trials"))
        if outcome.per_trial_files >= COMPACT_AFTER and not outcome.interrupted:
            outcome.compacted = compact(store).merged.get("trials", 0)
    outcome.seconds = time.monotonic() - started
    return outcome


def _decisions(config: SweepConfig, prepared: Prepared, first_seeds: int) -> list:
    return adaptive.decide(config, list(prepared.plan.trials), adaptive.stored_accuracy(prepared.store), first_seeds)


def _next_rounds(config: SweepConfig, results: Path, prepared: Prepared, first_seeds: int):
    """With [adaptive]: while every planned trial is stored and some answer is unclear, the next round of
    seeds (planned anew). Returns the config and plan to run next."""
    while config.adaptive is not None and not prepared.plan.to_run and len(config.seeds) < config.adaptive.max_seeds:
        if adaptive.settled(_decisions(config, prepared, first_seeds)):
            break
        config = adaptive.with_next_round(config)
        prepared = prepare(config, results, prepared.splits)
    return config, prepared


def _conclude(config: SweepConfig, prepared: Prepared, outcome: SweepOutcome, first_seeds: int) -> None:
    """The adaptive rule's answers, in the outcome and in sweep.json."""
    if config.adaptive is None or not prepared.store.folder.exists():
        return
    trials, stored = list(prepared.plan.trials), adaptive.stored_accuracy(prepared.store)  # read once
    outcome.adaptive = adaptive.decide(config, trials, stored, first_seeds)
    outcome.seeds = len(config.seeds)
    needed = adaptive.seeds_needed(config, trials, stored, first_seeds)
    prepared.store.update_info("adaptive", adaptive.record(outcome.adaptive, config, first_seeds, needed))


class _SweepRun:
    """One run of a sweep: stage 1 (representations), then stage 2 (packs on the executor)."""

    def __init__(self, prepared: Prepared, options, display, status, outcome, n_workers, gpus):
        self.config, self.splits, self.plan = prepared.config, prepared.splits, prepared.plan
        self.store, self.cache = prepared.store, prepared.cache
        self.options: RunOptions = options
        self.display: Display = display
        self.status: SweepStatus = status
        self.outcome: SweepOutcome = outcome
        self.n_workers = n_workers
        self.representation_gpus, self.worker_gpus = gpus
        self.executor: Executor | None = None
        self.ledger = TrialLedger(prepared.store, status, on_stored=self._counted)
        self.by_strategy: dict[str, list[float]] = collections.defaultdict(list)

    def run(self) -> None:
        to_run = self.plan.to_run
        needed = {trial.representation for trial in to_run}
        latents = self._representations([job for job in self.plan.jobs if job.representation_id in needed])
        runnable = [trial for trial in to_run if trial.representation in latents]
        if runnable:
            self._trials(runnable, latents)

    # -- stage 1 -------------------------------------------------------------------------------

    def _representations(self, jobs) -> dict[str, ray.ObjectRef]:
        """Each representation from the cache or trained once; then one ray.put each."""
        self.status.enter("representations")
        self.status.representations_total = len(jobs)
        self.display.update(self.status)

        def done(job, latent, error, seconds):
            self.status.representations_done += 1
            if error is not None:
                self.display.message(f"representation {job.representation_id} failed: {error}")
            elif seconds is not None:
                used = latent.metadata.get("used_latent_dimensions", "-")
                self.display.message(
                    f"trained {job.representation_id} in {seconds:.0f} s ({used} latent dimensions used)"
                )

        stage = run_representation_stage(
            jobs,
            {"data": self.splits},
            self.cache,
            resources=self.status.resources,
            gpus=self.representation_gpus,
            max_attempts=self.config.ray.max_attempts,
            poll_seconds=self.options.poll_seconds,
            on_done=done,
            on_tick=lambda: self.display.update(self.status),
        )
        for representation, error in stage.failures.items():
            failed = [trial for trial in self.plan.to_run if trial.representation == representation]
            self.ledger.fail(failed, f"representation failed: {error}", attempts=1)
        stage.pass_warnings(self.outcome.warnings, self.display)
        return {rid: self._broadcast(latent) for rid, latent in stage.latents.items()}

    def _broadcast(self, latent: LatentSet) -> ray.ObjectRef:
        """Puts a LatentSet into the object store once; every pack on it gets the same reference."""
        self.outcome.broadcasts += 1
        return ray.put(latent)

    # -- stage 2 -------------------------------------------------------------------------------

    def _trials(self, trials: list[TrialSpec], latents: dict[str, ray.ObjectRef]) -> None:
        self.status.enter("trials")
        cap = pack_cap(self.config.ray.pack_size, self.worker_gpus > 0, self.config.classifiers)
        jobs = self.ledger.pack_jobs(
            trials,
            n_workers=self.n_workers,
            cap=cap,
            latent_of=lambda pack: latents[pack[0].representation],
            prefix="pack",
        )
        self.outcome.resumed = self.ledger.resumed
        executor_status = ExecutorStatus()
        self.executor = Executor.for_config(
            self.config.ray,
            min(self.n_workers, len(jobs)),
            plugins=self.config.plugins,
            gpus_per_worker=self.worker_gpus,
            poll_seconds=self.options.poll_seconds,
            status=executor_status,
        )

        def tick() -> None:
            self.status.running = executor_status.running
            self.status.retried = self.outcome.retried = executor_status.retried
            self.display.update(self.status)

        self.ledger.run_jobs(self.executor, jobs, tick)
        self.outcome.idle_share = executor_status.idle_share

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
        label = self._label(result.spec)
        self.by_strategy[label].append(result.final_val_accuracy)
        board = [(k, sum(v) / len(v), len(v)) for k, v in self.by_strategy.items()]
        self.status.leaderboard = sorted(board, key=lambda row: -row[1])

    def release(self) -> None:
        if self.executor is not None:
            self.executor.release()
