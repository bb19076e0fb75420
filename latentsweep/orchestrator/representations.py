"""The one representation stage: every (data, representation) from the cache or trained once as a Ray
task (on a GPU when the cluster has one), with the representativeness arrays and distance bounds its
users need computed there, once; features used as they are, with nothing to compute, are read in the
driver. Sweeps, tuning and the initial experiment all go through it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeGuard

import ray

from ..data import Splits
from ..engine import LatentSet, RepresentationSpec
from ..results import RepresentationCache, cache_key
from ..workers import RepresentationOutput, build_representation
from .cluster import error_text


@dataclass(frozen=True)
class RepresentationJob:
    """One representation of one data part (`data`: a key of the splits given to the stage)."""

    spec: RepresentationSpec
    data: str
    representation_id: str
    cache_key: str
    measures: frozenset[str] = frozenset()
    distances: frozenset[str] = frozenset()


def representation_job(
    spec: RepresentationSpec,
    splits: Splits,
    data: str = "data",
    measures: frozenset[str] = frozenset(),
    distances: frozenset[str] = frozenset(),
) -> RepresentationJob:
    fingerprint = splits.fingerprint()
    return RepresentationJob(
        spec, data, spec.key(fingerprint), cache_key(spec, fingerprint), frozenset(measures), frozenset(distances)
    )


@dataclass
class StageOutcome:
    """LatentSets by representation id, failures (id -> error), what was trained now (id -> seconds), and
    warnings (id -> line) about representations that are there but unfit, such as a collapsed VAE."""

    latents: dict[str, LatentSet] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    trained: dict[str, float] = field(default_factory=dict)
    warnings: dict[str, str] = field(default_factory=dict)

    def add(self, representation_id: str, latent: LatentSet) -> None:
        self.latents[representation_id] = latent
        warning = latent.collapse_warning()
        if warning is not None:
            self.warnings[representation_id] = warning

    def pass_warnings(self, into: list[str], display) -> None:
        """Appends the warnings to a command's outcome (printed last) and shows each on the display now."""
        for warning in self.warnings.values():
            into.append(warning)
            display.message(f"warning: {warning}")


def _complete(latent: LatentSet | None, job: RepresentationJob) -> TypeGuard[LatentSet]:
    return (
        latent is not None
        and set(job.measures) <= set(latent.representativeness)
        and set(job.distances) <= set(latent.distance_bounds)
    )


def run_representation_stage(
    jobs: list[RepresentationJob],
    splits: Mapping[str, Splits],
    cache: RepresentationCache,
    *,
    resources: dict,
    gpus: float = 0.0,
    max_attempts: int = 3,
    poll_seconds: float = 0.5,
    on_done: Callable[[RepresentationJob, LatentSet | None, str | None, float | None], None] | None = None,
    on_tick: Callable[[], None] | None = None,
) -> StageOutcome:
    """Takes each job's LatentSet from the cache, completes it (more scores) or trains it as a Ray task;
    stores what is new in the cache. `on_done(job, latent, error, trained_seconds)` after each job."""
    outcome = StageOutcome()
    cached = {job.cache_key: cache.load(job.cache_key) for job in jobs}
    # every training gets a whole node's CPUs, however many representations are trained in this run: oneDNN's
    # weight gradients depend on the thread count, so the same spec must always train with the same count
    # (README, "Reproducible training"); trainings on a one-node machine then run one after another
    cpus = max(1.0, math.floor(resources["max_node_CPU"]))
    task = ray.remote(build_representation).options(num_cpus=cpus, num_gpus=gpus, max_retries=max_attempts - 1)
    splits_refs: dict[str, ray.ObjectRef] = {}
    pending: dict[ray.ObjectRef, RepresentationJob] = {}

    def finish(job: RepresentationJob, output: RepresentationOutput | None, error: BaseException | None) -> None:
        if error is not None:
            outcome.failures[job.representation_id] = error_text(error)
            if on_done:
                on_done(job, None, outcome.failures[job.representation_id], None)
            return
        assert output is not None  # no error: the job's output
        cache.store(job.cache_key, output.latent_set, output.weights)
        outcome.add(job.representation_id, output.latent_set)
        if output.trained:
            outcome.trained[job.representation_id] = output.seconds
        if on_done:
            on_done(job, output.latent_set, None, output.seconds if output.trained else None)

    for job in jobs:
        latent = cached[job.cache_key]
        if _complete(latent, job):
            outcome.add(job.representation_id, latent)
            if on_done:
                on_done(job, latent, None, None)
            continue
        if latent is None and not job.spec.trained and not job.measures and not job.distances:
            # features read as they are: a worker would take longer to start than the reading
            try:
                output = build_representation(job.spec, splits[job.data], job.measures, job.distances)
            except Exception as error:  # as a task's error would be: this representation fails
                finish(job, None, error)
            else:
                finish(job, output, None)
            continue
        if latent is None and job.data not in splits_refs:
            splits_refs[job.data] = ray.put(splits[job.data])
        data = splits_refs[job.data] if latent is None else None
        device = "cuda" if gpus > 0 else "cpu"
        # ignored: ray.remote's overloads type a function of four required parameters as RemoteFunction3
        pending[task.remote(job.spec, data, job.measures, job.distances, latent, device, int(cpus))] = job  # type: ignore[call-arg]
    while pending:
        ready, _ = ray.wait(list(pending), num_returns=1, timeout=poll_seconds)
        for ref in ready:
            job = pending.pop(ref)
            try:
                output = ray.get(ref)
            except ray.exceptions.RayError as error:
                finish(job, None, error)
            else:
                finish(job, output, None)
        if on_tick:
            on_tick()
    return outcome
