"""Query-set sampling and evaluation as a plain function for a Ray task: torch pinned to the task's CPUs."""

from __future__ import annotations

import time

import numpy as np

from ..data import Splits
from ..engine import QuerySetEvaluation, canonical_hash, evaluate_query_set
from ..models import configure_worker, ieee_floats
from ..strategies import INITIAL_SELECTION, InitialParams, InitialPool


def sampler_rng(sampler: str, size: int, seed: int) -> np.random.Generator:
    """The generator a sampler draws one query set from: a function of (sampler, size, seed) alone."""
    return np.random.default_rng([seed, size, int(canonical_hash(sampler)[:8], 16)])


def sample_and_evaluate(
    splits: Splits, pool: InitialPool | None, sampler: str, size: int, seed: int, threads: int, **settings
) -> tuple[np.ndarray, float, QuerySetEvaluation]:
    """Samples a query set of `size` pool examples with `sampler` (on the latent pool, or on the bare pool
    for `random`) and evaluates it; returns (indices, sampling seconds, evaluation)."""
    configure_worker(max(1, threads))
    started = time.perf_counter()
    if pool is None:
        pool = InitialPool(np.zeros((len(splits.pool_labels), 1)))
    with ieee_floats():
        indices = INITIAL_SELECTION[sampler](
            pool, size, sampler_rng(sampler, size, seed), InitialParams(clusters=splits.n_classes)
        )
    sampling_seconds = time.perf_counter() - started
    return indices, sampling_seconds, evaluate_query_set(splits, indices, seed=seed, **settings)
