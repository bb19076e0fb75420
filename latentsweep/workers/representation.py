"""Stage 1 as a plain function: train and encode one representation, or complete a cached one.

The orchestrator runs it as a Ray task (on a GPU when the cluster has one); tests call it directly.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from ..data import Splits
from ..engine import LatentSet, RepresentationSpec, train_representation
from ..models import configure_worker, ieee_floats, state_dict_bytes


@dataclass
class RepresentationOutput:
    """What travels back to the driver: the LatentSet, the weights (when trained now) and timings."""

    latent_set: LatentSet
    weights: bytes | None
    trained: bool
    seconds: float


def build_representation(
    spec: RepresentationSpec,
    splits: Splits | None,
    measures: frozenset[str],
    distances: frozenset[str],
    cached: LatentSet | None = None,
    device: str | None = None,
    threads: int | None = None,
) -> RepresentationOutput:
    """Trains (unless `cached` is given) and computes the named representativeness arrays once."""
    started = time.perf_counter()
    if threads is not None:
        configure_worker(max(1, threads))
    weights = None
    if cached is None:
        if splits is None:
            raise ValueError("a representation that is not cached needs the data")
        trained = train_representation(splits, spec, device=device)
        latent = trained.latent_set
        weights = None if trained.model is None else state_dict_bytes(trained.model)
    else:
        latent = cached
    with ieee_floats():
        latent = latent.with_scores(measures, distances)
    return RepresentationOutput(latent, weights, cached is None, time.perf_counter() - started)
