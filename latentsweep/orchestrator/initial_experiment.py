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
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import ray

from ..config import InitialExperimentConfig
from ..data import Splits, unbalance_pool
from ..engine import canonical_hash
from ..errors import LatentsweepError
from ..results import SCHEMA_VERSION, ResultStore
from ..strategies import InitialPool
from .executor import Job, JobKind
from .outcome import CommandOutcome, timed
from .plan import check_data, data_splits
from .progress import Display
from .representations import representation_job
from .session import Session
from .status import Stage

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


@dataclass(frozen=True)
class InitialOptions:
    """What `latentsweep initial` takes besides its config (the session's options)."""

    address: str | None = None
    results: Path = Path("results")
    workers: int | None = None
    display: str = "auto"
    poll_seconds: float = 0.5
    verbose: bool = False


def run_initial_experiment(
    config: InitialExperimentConfig, options: InitialOptions, display: Display | None = None
) -> ExperimentOutcome:
    """Evaluates every query set not stored yet and writes the report. Bad input raises before any work; an
    interruption (Ctrl-C, SIGTERM, SIGHUP) ends it with what is stored."""
    outcome = ExperimentOutcome(folder=Path(options.results) / config.name)
    timed(outcome, lambda outcome: _run(config, options, display, outcome))
    return outcome


def _run(config: InitialExperimentConfig, options: InitialOptions, display, outcome: ExperimentOutcome) -> None:
    variants = experiment_data(config)
    store = ResultStore(Path(options.results), config.name)
    store.check()
    settings = {
        "update_steps": config.classifier.update_steps,
        "batch_size": config.classifier.batch_size,
        "width": config.classifier.width,
        "learning_rate": config.classifier.learning_rate,
        "test_limit": config.classifier.test_limit,
    }
    session = Session(config.name, ray_config=config.ray, plugins=config.plugins, options=options, outcome=outcome,
                      unit="query sets", display=display)  # fmt: skip
    with session.open(store):
        store.open({"name": config.name, "kind": "initial-query-selection", "data": config.data.describe()})
        done = set(store.stored_columns("query_sets", ["evaluation_id"])["evaluation_id"].to_pylist())
        with session.live():
            latents = _train_autoencoders(config, variants, session)
            _evaluate(config, variants, latents, settings=settings, store=store, done=done, session=session,
                      outcome=outcome)
    if outcome.interrupted:
        return
    from ..report import write_report

    report = write_report(store.folder)
    outcome.table = report.text
    outcome.report = report.folder


def _train_autoencoders(config, variants, session: Session) -> dict:
    """(variant, autoencoder) -> LatentSet, trained once per content hash or from the cache."""
    jobs = {
        (variant, autoencoder): representation_job(autoencoder, splits, variant)
        for variant, splits in variants.items()
        for autoencoder in config.autoencoders
    }
    gpus = 1.0 if session.resources["GPU"] >= 1 else 0.0
    stage = session.representations(
        list(jobs.values()), variants, gpus=gpus, describe=lambda job: f"{job.spec.kind} on the {job.data} data"
    )
    for (variant, autoencoder), job in jobs.items():
        if job.representation_id in stage.failures:  # every row of its variant needs it: stop here
            error = stage.failures[job.representation_id]
            raise ExperimentError(f"autoencoders: {autoencoder.kind} on the {variant} data failed: {error}")
    return {key: stage.latents[job.representation_id] for key, job in jobs.items()}


def _evaluate(config, variants, latents, *, settings, store, done, session: Session, outcome) -> None:
    status = session.status
    status.begin(Stage.QUERY_SETS)
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
    status.expect(work=len(work), units=len(work))
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

    queue = collections.deque(Job(item[0], JobKind.QUERY_SET, arguments(*item[1:6]), payload=item) for item in work)

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
            status.progress()
            status.finished()

    def on_failed(job, text):
        _, variant, _, sampler, size, seed, _ = job.payload
        outcome.failures.append(f"{variant}/{sampler}/{size}/{seed}: {text}")
        status.finished(failed=True, units_left=1)

    executor = session.executor(min(session.n_workers, len(work)))
    session.run_jobs(executor, lambda: queue.popleft() if queue else None, on_events=on_events, on_failed=on_failed)
