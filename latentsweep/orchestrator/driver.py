"""The sweep driver: plan, representation stage, broadcast, trial actors, results, progress.

Failure policy:
- an exception of `engine.TRIAL_ERRORS` inside a trial: that trial is stored as failed, the pack goes on;
- any other exception raised by a pack or a representation job: its trials are stored as failed, the
  sweep goes on;
- a lost worker (actor or node died, object lost, out of memory): the actor is replaced and the pack
  resubmitted, up to `ray.max_attempts` attempts, then its trials are stored as failed;
- bad input (config, data, options) stops everything before any work (exit code 2);
- Ctrl-C stops dispatching, keeps every trial already stored and exits with 130.
The driver alone writes results, one atomic set of files per trial, at most once per run.
"""

from __future__ import annotations

import collections
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import ray

from ..config import SweepConfig, pack_size_for
from ..data import load_splits
from ..engine import LatentSet, TrialResult, TrialSpec, canonical_form
from ..results import RepresentationCache, ResultStore
from ..workers import TrialWorker, build_representation, load_plugins
from .cluster import LOST_WORKER_ERRORS, cluster_resources, ray_session, resolve_gpus
from .plan import SweepPlan, describe_plan, make_plan
from .progress import Display, SweepStatus, make_display


@dataclass(frozen=True)
class RunOptions:
    address: str | None = None
    results: Path = Path("results")
    workers: int | None = None
    fresh: bool = False
    display: str = "auto"
    poll_seconds: float = 0.5


@dataclass
class SweepOutcome:
    folder: Path
    planned: int = 0
    skipped: int = 0
    succeeded: int = 0
    failed: int = 0
    retried: int = 0
    broadcasts: int = 0
    seconds: float = 0.0
    interrupted: bool = False
    failures: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return 130
        return 1 if self.failed else 0

    def summary(self) -> str:
        ran = self.succeeded + self.failed
        if ran == 0 and not self.interrupted:
            return f"nothing to do: all {self.planned} planned trials are already stored in {self.folder}"
        text = (
            f"{ran} trials run in {self.seconds:.0f} s: {self.succeeded} succeeded, {self.failed} failed, "
            f"{self.retried} retried; {self.skipped} already stored; results in {self.folder}"
        )
        if self.interrupted:
            text = "interrupted: " + text
        return text


@dataclass
class _Pack:
    trials: list[TrialSpec]
    attempts: int = 0


def prepare(config: SweepConfig, results: Path) -> tuple[SweepPlan, ResultStore, RepresentationCache]:
    """Loads plugins and data and plans the sweep: everything `plan` and `run` check before any work."""
    load_plugins(config.plugins)
    splits = load_splits(config.data.dataset, config.data.path, config.data.validation_size)
    store = ResultStore(results, config.name)
    plan = make_plan(config, splits, store.stored_status())
    return plan, store, RepresentationCache(Path(results) / ".cache" / "representations")


def plan_text(config: SweepConfig, results: Path, workers: int | None = None) -> str:
    plan, _, cache = prepare(config, results)
    n_workers = workers or config.ray.workers or os.cpu_count() or 1  # as a local run would have
    cached = {job.cache_key for job in plan.jobs if cache.has(job.cache_key)}
    return describe_plan(plan, pack_size_for(config, len(plan.to_run), n_workers), cached)


def run_sweep(config: SweepConfig, options: RunOptions, display: Display | None = None) -> SweepOutcome:
    """Runs every planned trial that is not stored yet; returns counts for the summary and exit code."""
    started = time.monotonic()
    results = Path(options.results)
    if options.fresh:
        ResultStore(results, config.name).set_aside()
    plan, store, cache = prepare(config, results)
    store.open({"name": config.name, "source": str(config.source), "data": canonical_form(config.data)})
    outcome = SweepOutcome(folder=store.folder, planned=len(plan.trials))
    to_run = plan.to_run
    outcome.skipped = len(plan.trials) - len(to_run)
    if not to_run:
        return outcome
    display = display or make_display(options.display)
    status = SweepStatus(name=config.name, total=len(to_run), skipped=outcome.skipped)
    try:
        with ray_session(options.address or config.ray.address):
            driver = _Driver(config, options, plan, store, cache, display, status, outcome)
            display.start(status)
            try:
                driver.run(to_run)
            except KeyboardInterrupt:
                outcome.interrupted = True
            finally:
                driver.release()
    finally:
        display.stop()
    outcome.seconds = time.monotonic() - started
    return outcome


class _Driver:
    def __init__(self, config, options, plan, store, cache, display, status, outcome):
        self.config: SweepConfig = config
        self.options: RunOptions = options
        self.plan: SweepPlan = plan
        self.store: ResultStore = store
        self.cache: RepresentationCache = cache
        self.display: Display = display
        self.status: SweepStatus = status
        self.outcome: SweepOutcome = outcome
        self.written: set[str] = set()
        self.actors: list = []
        self.by_strategy: dict[str, list[float]] = collections.defaultdict(list)

    # -- the two stages ------------------------------------------------------------------------

    def run(self, to_run: list[TrialSpec]) -> None:
        resources = cluster_resources()
        self.status.resources = resources
        n_workers = self.options.workers or self.config.ray.workers
        if n_workers is None:
            n_workers = max(1, int(resources["CPU"] // self.config.ray.cpus_per_worker))
        representation_gpus, worker_gpus = resolve_gpus(self.config.ray, resources, n_workers)
        needed = {trial.representation for trial in to_run}
        jobs = [job for job in self.plan.jobs if job.representation_id in needed]
        latents = self._representations(jobs, representation_gpus, resources)
        runnable = [t for t in to_run if t.representation in latents]
        if runnable:
            self._trials(runnable, latents, n_workers, worker_gpus)

    def _representations(self, jobs, gpus: float, resources: dict) -> dict[str, ray.ObjectRef]:
        """Stage 1: each representation from the cache or one Ray task; then one ray.put each."""
        self.status.stage = "representations"
        self.status.representations_total = len(jobs)
        self.display.update(self.status)
        refs: dict[str, ray.ObjectRef] = {}
        pending: dict[ray.ObjectRef, object] = {}
        cached_sets = {job.cache_key: self.cache.load(job.cache_key) for job in jobs}
        to_train = [job for job in jobs if cached_sets[job.cache_key] is None]
        cpus = max(1.0, min(resources["max_node_CPU"], math.floor(resources["CPU"] / max(1, len(to_train)))))
        task = ray.remote(build_representation).options(
            num_cpus=cpus, num_gpus=gpus, max_retries=self.config.ray.max_attempts - 1
        )
        splits_ref = None
        for job in jobs:
            cached = cached_sets[job.cache_key]
            if (
                cached is not None
                and set(job.measures) <= set(cached.representativeness)
                and set(job.distances) <= set(cached.distance_bounds)
            ):
                refs[job.representation_id] = self._broadcast(cached)
                continue
            if cached is None and splits_ref is None:
                splits = load_splits(self.config.data.dataset, self.config.data.path, self.config.data.validation_size)
                splits_ref = ray.put(splits)
            device = "cuda" if gpus > 0 else "cpu"
            ref = task.remote(
                job.spec,
                splits_ref if cached is None else None,
                job.measures,
                job.distances,
                cached,
                device,
                int(cpus),
            )
            pending[ref] = job
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1, timeout=self.options.poll_seconds)
            self.display.update(self.status)
            for ref in ready:
                job = pending.pop(ref)
                try:
                    output = ray.get(ref)
                except ray.exceptions.RayError as error:
                    self._fail_representation(job, _error_text(error))
                    continue
                self.cache.store(job.cache_key, output.latent_set, output.weights)
                refs[job.representation_id] = self._broadcast(output.latent_set)
                if output.trained:
                    self.display.message(
                        f"trained {job.representation_id} in {output.seconds:.0f} s "
                        f"({output.latent_set.metadata.get('used_latent_dimensions', '-')} latent dimensions used)"
                    )
        return refs

    def _broadcast(self, latent: LatentSet) -> ray.ObjectRef:
        """Puts a LatentSet into the object store once; every pack on it gets the same reference."""
        self.status.representations_done += 1
        self.outcome.broadcasts += 1
        return ray.put(latent)

    def _fail_representation(self, job, error: str) -> None:
        self.status.representations_done += 1
        self.display.message(f"representation {job.representation_id} failed: {error}")
        for trial in self.plan.to_run:
            if trial.representation == job.representation_id:
                self._record(TrialResult(spec=trial, error=f"representation failed: {error}"), attempts=1)

    def _trials(self, trials: list[TrialSpec], latents: dict, n_workers: int, gpus: float) -> None:
        """Stage 2: packs dispatched to trial actors, at most one pack in flight per actor."""
        self.status.stage = "trials"
        pack_size = pack_size_for(self.config, len(trials), n_workers, gpus=gpus > 0)
        queue = collections.deque(_Pack(p) for p in self.plan.packs(trials, pack_size))
        actor_class = ray.remote(_RayTrialWorker).options(
            num_cpus=self.config.ray.cpus_per_worker, num_gpus=gpus, max_restarts=0
        )
        device = "cuda" if gpus > 0 else "cpu"
        n_workers = min(n_workers, len(queue))

        def new_actor():
            return actor_class.remote(self.config.ray.cpus_per_worker, device, self.config.plugins)

        self.actors = [new_actor() for _ in range(n_workers)]
        idle = list(self.actors)
        in_flight: dict[ray.ObjectRef, tuple[_Pack, object]] = {}
        while queue or in_flight:
            while queue and idle:
                pack, actor = queue.popleft(), idle.pop()
                pack.attempts += 1
                in_flight[actor.run_pack.remote(latents[pack.trials[0].representation], pack.trials)] = (pack, actor)
            self.status.running = sum(len(p.trials) for p, _ in in_flight.values())
            ready, _ = ray.wait(list(in_flight), num_returns=1, timeout=self.options.poll_seconds)
            for ref in ready:
                pack, actor = in_flight.pop(ref)
                try:
                    results = ray.get(ref)
                except LOST_WORKER_ERRORS as error:
                    replacement = new_actor()
                    self.actors = [a for a in self.actors if a is not actor] + [replacement]
                    ray.kill(actor)
                    idle.append(replacement)
                    if pack.attempts < self.config.ray.max_attempts:
                        self.outcome.retried += len(pack.trials)
                        self.status.retried = self.outcome.retried
                        queue.appendleft(pack)
                    else:
                        text = f"worker lost {pack.attempts} times: {_error_text(error)}"
                        for trial in pack.trials:
                            self._record(TrialResult(spec=trial, error=text), pack.attempts)
                    continue
                except ray.exceptions.RayError as error:
                    text = _error_text(error)
                    for trial in pack.trials:
                        self._record(TrialResult(spec=trial, error=text), pack.attempts)
                else:
                    for result in results:
                        self._record(result, pack.attempts)
                idle.append(actor)
            self.status.running = sum(len(p.trials) for p, _ in in_flight.values())
            self.display.update(self.status)

    # -- bookkeeping ---------------------------------------------------------------------------

    def _record(self, result: TrialResult, attempts: int) -> None:
        """Stores one trial (once per run) and updates counts and the leaderboard."""
        if result.spec.id in self.written:
            return
        self.store.write_trial(result, attempts)
        self.written.add(result.spec.id)
        self.status.done += 1
        if result.error:
            self.outcome.failed += 1
            self.status.failed += 1
            self.outcome.failures.append(f"{result.spec.strategy.label()} seed {result.spec.seed}: {result.error}")
        else:
            self.outcome.succeeded += 1
            label = result.spec.strategy.label()
            if len(self.plan.config.representations) > 1:
                label = f"{result.spec.representation}: {label}"
            self.by_strategy[label].append(result.final_val_accuracy)
            board = [(k, sum(v) / len(v), len(v)) for k, v in self.by_strategy.items()]
            self.status.leaderboard = sorted(board, key=lambda row: -row[1])

    def release(self) -> None:
        for actor in self.actors:
            ray.kill(actor)
        self.actors = []


class _RayTrialWorker(TrialWorker):
    """The trial worker as a Ray actor: results also name the Ray node that ran them."""

    def run_pack(self, latent: LatentSet, specs: list[TrialSpec]) -> list[TrialResult]:
        results = super().run_pack(latent, specs)
        node = ray.get_runtime_context().get_node_id()
        for result in results:
            result.node = node
        return results


def _error_text(error: BaseException) -> str:
    """The root cause of a Ray error, on one line."""
    cause = getattr(error, "cause", None)
    if isinstance(error, ray.exceptions.RayTaskError) and cause is not None:
        return f"{type(cause).__name__}: {cause}".splitlines()[0][:500]
    return f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"[:500]
