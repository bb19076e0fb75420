"""The initial-query-selection experiment (the second paper's Table 1): a thin client of the
representation stage and the executor.

For each data variant (balanced, unbalanced) and autoencoder: train once (the representation stage,
cached); for each sampler, query-set size and seed: sample the query set and evaluate it with the
paper's CNN (one executor job each, on the same workers as sweeps; the latent pools and the data travel
through the object store once). Every evaluation is one atomic Parquet file, so a re-run does only what
is missing. The table: rows autoencoder x sampler, columns variant x size, mean +- corrected standard
deviation of test accuracy (%) over seeds, written by the report (`report.table_one`).
"""

from __future__ import annotations

import collections
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import ray

from ..config import InitialExperimentConfig
from ..data import Splits, unbalance_pool
from ..engine import canonical_hash
from ..errors import LatentsweepError
from ..results import SCHEMA_VERSION, RepresentationCache, ResultStore
from ..strategies import InitialPool
from .cluster import check_local_gpus, cluster_resources, ray_session, worker_count
from .executor import Executor, ExecutorStatus, Job
from .outcome import CommandOutcome
from .plan import check_data, data_splits
from .progress import Display, SweepStatus, make_display
from .representations import representation_job, run_representation_stage

NO_AUTOENCODER = "-"  # the row of random sampling, which needs no latent space


class ExperimentError(LatentsweepError):
    """An autoencoder of the experiment could not be trained."""


@dataclass
class ExperimentOutcome(CommandOutcome):
    """The experiment's counts and table; `failures` names each failed query set."""

    folder: Path
    evaluated: int = 0
    skipped: int = 0
    table: str = ""
    report: Path | None = None
    seconds: float = 0.0


def _jobs(config: InitialExperimentConfig):
    """(variant, autoencoder spec or None, sampler) for every row of the table: random once per variant."""
    for variant in config.variants:
        if "random" in config.samplers:
            yield variant, None, "random"
        for autoencoder in config.autoencoders:
            for sampler in config.samplers:
                if sampler != "random":
                    yield variant, autoencoder, sampler


def experiment_data(config: InitialExperimentConfig) -> dict[str, Splits]:
    """The data variants the experiment asks for, checked: the pool must hold the largest query set."""
    data = config.data
    base = data_splits(data)
    check_data(base)
    variants = {}
    for variant in config.variants:
        variants[variant] = (
            base if variant == "balanced" else unbalance_pool(base, config.unbalanced_per_class, config.unbalanced_seed)
        )
        pool = variants[variant].pool.shape[0]
        if max(config.sizes) > pool:
            raise ExperimentError(f"sizes: a query set of {max(config.sizes)} from the {variant} pool of {pool}")
    return variants


def run_initial_experiment(
    config: InitialExperimentConfig,
    results: Path,
    display_mode: str = "auto",
    display: Display | None = None,
    *,
    address_source: str = "ray.address",
    verbose: bool = False,
) -> ExperimentOutcome:
    started = time.monotonic()
    variants = experiment_data(config)
    store = ResultStore(results, config.name)
    store.check()
    cache = RepresentationCache(Path(results) / ".cache" / "representations")
    outcome = ExperimentOutcome(folder=store.folder)
    display = display or make_display(display_mode)
    status = SweepStatus(name=config.name, unit="query sets")
    settings = {
        "update_steps": config.classifier.update_steps,
        "batch_size": config.classifier.batch_size,
        "width": config.classifier.width,
        "learning_rate": config.classifier.learning_rate,
        "test_limit": config.classifier.test_limit,
    }
    check_local_gpus(config.ray, config.ray.address)
    with store.lock(), ray_session(config.ray.address, source=address_source, verbose=verbose):
        store.open({"name": config.name, "kind": "initial-query-selection", "data": config.data.describe()})
        done = set(store.stored_columns("query_sets", ["evaluation_id"])["evaluation_id"].to_pylist())
        resources = cluster_resources()
        status.resources = resources
        display.start(status)
        try:
            latents = _train_autoencoders(config, variants, cache, display, status, resources, outcome)
            _evaluate(config, variants, latents, settings, store, done, display, status, resources, outcome)
        except KeyboardInterrupt:
            outcome.interrupted = True
        finally:
            display.stop()
    from ..report import write_report

    report = write_report(store.folder)
    outcome.table = report.text
    outcome.report = report.folder
    outcome.seconds = time.monotonic() - started
    return outcome


def _train_autoencoders(config, variants, cache, display, status, resources, outcome) -> dict:
    """(variant, autoencoder) -> LatentSet, trained once per content hash or from the cache."""
    status.enter("representations")
    jobs = {
        (variant, autoencoder): representation_job(autoencoder, splits, variant)
        for variant, splits in variants.items()
        for autoencoder in config.autoencoders
    }
    status.representations_total = len(jobs)

    def done(job, latent, error, seconds):
        status.representations_done += 1
        if seconds is not None:
            display.message(f"trained {job.spec.kind} on {job.data} in {seconds:.0f} s")

    gpus = 1.0 if resources["GPU"] >= 1 else 0.0
    stage = run_representation_stage(
        list(jobs.values()),
        variants,
        cache,
        resources=resources,
        gpus=gpus,
        max_attempts=config.ray.max_attempts,
        on_done=done,
        on_tick=lambda: display.update(status),
    )
    for (variant, autoencoder), job in jobs.items():
        if job.representation_id in stage.failures:  # every row of its variant needs it: stop here
            error = stage.failures[job.representation_id]
            raise ExperimentError(f"autoencoders: {autoencoder.kind} on the {variant} data failed: {error}")
    stage.pass_warnings(outcome.warnings, display)
    return {key: stage.latents[job.representation_id] for key, job in jobs.items()}


def _evaluate(config, variants, latents, settings, store, done, display, status, resources, outcome):
    status.enter("query sets")
    work = []
    for variant, autoencoder, sampler in _jobs(config):
        for size in config.sizes:
            for seed in config.seeds:
                representation = "" if autoencoder is None else latents[variant, autoencoder].representation
                evaluation_id = canonical_hash(
                    {
                        "variant": variants[variant].fingerprint(),
                        "representation": representation,
                        "sampler": sampler,
                        "size": size,
                        "seed": seed,
                        "settings": settings,
                    }
                )[:16]
                if evaluation_id in done:
                    outcome.skipped += 1
                    continue
                work.append((evaluation_id, variant, autoencoder, sampler, size, seed, representation))
    status.total = status.units_total = len(work)
    if not work:
        return
    splits_refs = {name: ray.put(splits) for name, splits in variants.items()}
    pools = {}  # (variant, autoencoder) -> the latent pool in the object store, put once

    def arguments(variant, autoencoder, sampler, size, seed):
        def build():
            pool_ref = None
            if autoencoder is not None:
                if (variant, autoencoder) not in pools:
                    latent = latents[variant, autoencoder]
                    pools[variant, autoencoder] = ray.put(InitialPool(latent.pool, latent.pool_reconstruction_error))
                pool_ref = pools[variant, autoencoder]
            return splits_refs[variant], pool_ref, sampler, size, seed, settings

        return build

    queue = collections.deque(Job(item[0], "evaluate_query_set", arguments(*item[1:6]), payload=item) for item in work)

    def on_events(job, events):
        evaluation_id, variant, autoencoder, sampler, size, seed, representation = job.payload
        for indices, sampling_seconds, result in events:
            store.write_rows(
                "query_sets",
                evaluation_id,
                [
                    {
                        "evaluation_id": evaluation_id,
                        "experiment": config.name,
                        "variant": variant,
                        "autoencoder": NO_AUTOENCODER if autoencoder is None else autoencoder.kind,
                        "representation": representation,
                        "sampler": sampler,
                        "size": size,
                        "seed": seed,
                        "test_accuracy": result.test_accuracy,
                        "class_counts": list(result.class_counts),
                        "class_entropy": result.class_entropy,
                        "update_steps": result.update_steps,
                        "indices": np.asarray(indices).tolist(),
                        "sampling_seconds": sampling_seconds,
                        "seconds": result.seconds,
                        "schema_version": SCHEMA_VERSION,
                    }
                ],
            )
            outcome.evaluated += 1
            status.done += 1
            status.units_done += 1

    def on_failed(job, text):
        _, variant, _, sampler, size, seed, _ = job.payload
        outcome.failures.append(f"{variant}/{sampler}/{size}/{seed}: {text}")
        status.failed += 1
        status.units_done += 1

    executor_status = ExecutorStatus()
    executor = Executor.for_config(
        config.ray, min(worker_count(config.ray, resources), len(work)), plugins=config.plugins, status=executor_status
    )

    def tick():
        status.running = executor_status.running
        status.retried = executor_status.retried
        display.update(status)

    try:
        executor.run(lambda: queue.popleft() if queue else None, on_events=on_events, on_failed=on_failed, on_tick=tick)
    finally:
        executor.release()
