"""The initial-query-selection experiment (the second paper's Table 1) on Ray.

For each data variant (balanced, unbalanced) and autoencoder: train once (a Ray task, cached); for each
sampler, query-set size and seed: sample the query set and evaluate it with the paper's CNN (one Ray task
each, at most two per CPU in flight; the latent pool travels through the object store once). Every
evaluation is one atomic Parquet file, so a re-run does only what is missing. The table: rows autoencoder
x sampler, columns variant x size, mean +- corrected standard deviation of test accuracy (%) over seeds.
"""

from __future__ import annotations

import collections
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import ray

from ..data import load_splits, unbalance_pool
from ..engine import LatentSet, canonical_hash
from ..errors import LatentsweepError
from ..initial_config import InitialExperimentConfig
from ..results import RepresentationCache, ResultStore, cache_key
from ..strategies import InitialPool
from ..workers import build_representation, sample_and_evaluate
from .cluster import cluster_resources, ray_session
from .progress import Display, SweepStatus, make_display

NO_AUTOENCODER = "-"  # the row of random sampling, which needs no latent space


class ExperimentError(LatentsweepError):
    """An autoencoder of the experiment could not be trained."""


@dataclass
class ExperimentOutcome:
    folder: Path
    evaluated: int = 0
    skipped: int = 0
    table: str = ""
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 1 if self.failures else 0


def _jobs(config: InitialExperimentConfig):
    """(variant, autoencoder spec or None, sampler) for every row of the table: random once per variant."""
    for variant in config.variants:
        if "random" in config.samplers:
            yield variant, None, "random"
        for autoencoder in config.autoencoders:
            for sampler in config.samplers:
                if sampler != "random":
                    yield variant, autoencoder, sampler


def run_initial_experiment(
    config: InitialExperimentConfig, results: Path, display_mode: str = "auto", display: Display | None = None
) -> ExperimentOutcome:
    started = time.monotonic()
    base = load_splits(config.data.dataset, config.data.path, config.data.validation_size)
    variants = {
        "balanced": base,
        "unbalanced": unbalance_pool(base, config.unbalanced_per_class, config.unbalanced_seed),
    }
    variants = {name: variants[name] for name in config.variants}
    store = ResultStore(results, config.name)
    store.open({"name": config.name, "kind": "initial-query-selection"})
    cache = RepresentationCache(Path(results) / ".cache" / "representations")
    done = set(store.stored_columns("query_sets", ["evaluation_id"])["evaluation_id"].to_pylist())
    outcome = ExperimentOutcome(folder=store.folder)
    display = display or make_display(display_mode)
    status = SweepStatus(name=config.name)
    settings = {
        "update_steps": config.classifier.update_steps,
        "batch_size": config.classifier.batch_size,
        "width": config.classifier.width,
        "learning_rate": config.classifier.learning_rate,
        "test_limit": config.classifier.test_limit,
    }
    with ray_session(config.address):
        resources = cluster_resources()
        status.resources = resources
        display.start(status)
        try:
            splits_refs = {name: ray.put(splits) for name, splits in variants.items()}
            latents = _train_autoencoders(config, variants, splits_refs, cache, display, status, resources)
            _evaluate(
                config, variants, splits_refs, latents, settings, store, done, display, status, resources, outcome
            )
        finally:
            display.stop()
    table = table_one(store.table("query_sets").to_pandas(), config)
    store.write_text("table1.md", table + "\n")
    outcome.table = table
    outcome.seconds = time.monotonic() - started
    return outcome


def _train_autoencoders(config, variants, splits_refs, cache, display, status, resources) -> dict:
    """(variant, autoencoder) -> LatentSet, trained once per content hash (Ray tasks) or from the cache."""
    status.stage = "representations"
    status.representations_total = len(variants) * len(config.autoencoders)
    latents: dict[tuple[str, object], LatentSet] = {}
    pending = {}
    gpus = 1.0 if resources["GPU"] >= 1 else 0.0
    task = ray.remote(build_representation).options(num_cpus=1, num_gpus=gpus, max_retries=2)
    for variant, splits in variants.items():
        for autoencoder in config.autoencoders:
            key = cache_key(autoencoder, splits.fingerprint())
            cached = cache.load(key)
            if cached is not None:
                latents[variant, autoencoder] = cached
                status.representations_done += 1
                continue
            ref = task.remote(
                autoencoder, splits_refs[variant], frozenset(), frozenset(), None, "cuda" if gpus else "cpu", 1
            )
            pending[ref] = (variant, autoencoder, key)
    while pending:
        ready, _ = ray.wait(list(pending), num_returns=1, timeout=0.5)
        display.update(status)
        for ref in ready:
            variant, autoencoder, key = pending.pop(ref)
            try:
                output = ray.get(ref)
            except ray.exceptions.RayError as error:  # every row of its variant needs it: stop here
                cause = getattr(error, "cause", None) or error
                raise ExperimentError(
                    f"autoencoders: {autoencoder.kind} on the {variant} data failed: {type(cause).__name__}: {cause}"
                ) from None
            cache.store(key, output.latent_set, output.weights)
            latents[variant, autoencoder] = output.latent_set
            status.representations_done += 1
            display.message(f"trained {autoencoder.kind} on {variant} in {output.seconds:.0f} s")
    return latents


def _evaluate(config, variants, splits_refs, latents, settings, store, done, display, status, resources, outcome):
    status.stage = "query sets"
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
    status.total = len(work)
    task = ray.remote(sample_and_evaluate).options(num_cpus=1, max_retries=2)
    pools = {}  # (variant, autoencoder) -> the latent pool in the object store, put once
    limit = max(1, int(2 * resources["CPU"]))
    queue = collections.deque(work)
    in_flight = {}
    while queue or in_flight:
        while queue and len(in_flight) < limit:
            evaluation_id, variant, autoencoder, sampler, size, seed, representation = item = queue.popleft()
            pool_ref = None
            if autoencoder is not None:
                if (variant, autoencoder) not in pools:
                    latent = latents[variant, autoencoder]
                    pools[variant, autoencoder] = ray.put(InitialPool(latent.pool, latent.pool_reconstruction_error))
                pool_ref = pools[variant, autoencoder]
            ref = task.remote(splits_refs[variant], pool_ref, sampler, size, seed, 1, **settings)
            in_flight[ref] = item
        status.running = len(in_flight)
        ready, _ = ray.wait(list(in_flight), num_returns=1, timeout=0.5)
        for ref in ready:
            evaluation_id, variant, autoencoder, sampler, size, seed, representation = in_flight.pop(ref)
            try:
                indices, sampling_seconds, result = ray.get(ref)
            except ray.exceptions.RayError as error:
                outcome.failures.append(f"{variant}/{sampler}/{size}/{seed}: {type(error).__name__}: {error}")
                status.failed += 1
                continue
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
                        "schema_version": 1,
                    }
                ],
            )
            outcome.evaluated += 1
            status.done += 1
        status.running = len(in_flight)
        display.update(status)


def table_one(frame, config: InitialExperimentConfig) -> str:
    """The paper's Table 1 layout in Markdown: autoencoder x sampler rows, variant x size columns,
    mean +- corrected standard deviation (ddof 1) of test accuracy in %, and the mean class entropy."""
    columns = [(variant, size) for variant in config.variants for size in config.sizes]
    header = "| autoencoder | sampler | " + " | ".join(f"{v} {s}" for v, s in columns) + " |"
    lines = [header, "|" + "---|" * (2 + len(columns))]
    rows = [(NO_AUTOENCODER, "random")] if "random" in config.samplers else []
    rows += [(a.kind, s) for a in config.autoencoders for s in config.samplers if s != "random"]
    for autoencoder, sampler in rows:
        cells = []
        for variant, size in columns:
            if frame.empty:
                cells.append("")
                continue
            chosen = frame[
                (frame.autoencoder == autoencoder)
                & (frame.sampler == sampler)
                & (frame.variant == variant)
                & (frame["size"] == size)
            ]
            if chosen.empty:
                cells.append("")
                continue
            accuracy = 100 * chosen.test_accuracy
            spread = f" +- {accuracy.std(ddof=1):.1f}" if len(chosen) > 1 else ""
            cells.append(f"{accuracy.mean():.1f}{spread} (H {chosen.class_entropy.mean():.2f})")
        lines.append(f"| {autoencoder} | {sampler} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append(
        f"Test accuracy (%) of the CNN trained on the query set alone, mean +- corrected std over "
        f"{len(config.seeds)} seeds; H = mean class entropy of the query set (nats, log 10 = 2.30 is balanced)."
    )
    return "\n".join(lines)
