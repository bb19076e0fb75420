"""Connecting to Ray: a local instance bound to this machine, or a cluster at an address."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator

import ray

from ..config import ConfigError, RayConfig

# Worker losses: the pack is resubmitted elsewhere. Anything else raised by a pack fails its trials.
LOST_WORKER_ERRORS: tuple[type[BaseException], ...] = (
    ray.exceptions.RayActorError,
    ray.exceptions.WorkerCrashedError,
    ray.exceptions.ObjectLostError,
    ray.exceptions.OutOfMemoryError,
    ray.exceptions.NodeDiedError,
)


@contextlib.contextmanager
def ray_session(address: str | None) -> Iterator[None]:
    """Uses the Ray instance this process already has, else starts or joins one and shuts it down after.

    Without an address a new local instance is started, bound to 127.0.0.1, with no dashboard.
    """
    if ray.is_initialized():
        yield
        return
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    options = dict(include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
    if address:
        ray.init(address=address, **options)
    else:
        ray.init(address="local", _node_ip_address="127.0.0.1", **options)
    try:
        yield
    finally:
        ray.shutdown()


def cluster_resources() -> dict:
    """Alive nodes, CPUs and GPUs of the cluster, and the most CPUs on one node."""
    nodes = [node for node in ray.nodes() if node.get("Alive")]
    total = ray.cluster_resources()
    return {
        "nodes": len(nodes),
        "CPU": float(total.get("CPU", 0)),
        "GPU": float(total.get("GPU", 0)),
        "max_node_CPU": max((float(n["Resources"].get("CPU", 0)) for n in nodes), default=0.0),
    }


def resolve_gpus(ray_config: RayConfig, resources: dict, n_workers: int) -> tuple[float, float]:
    """(GPUs per representation job, GPUs per trial worker); a GPU request on a GPU-less cluster fails now."""
    gpus = resources["GPU"]
    for key in ("representation_gpus", "gpus_per_worker"):
        value = getattr(ray_config, key)
        if value != "auto" and value > 0 and gpus == 0:
            raise ConfigError(
                f"ray.{key} = {value!r}: the Ray cluster has no GPUs (it would wait forever); use 0 or 'auto'"
            )
        if value != "auto" and value > gpus:
            raise ConfigError(f"ray.{key} = {value!r}: the Ray cluster has only {gpus:g} GPUs")
    representation = ray_config.representation_gpus
    if representation == "auto":
        representation = 1.0 if gpus >= 1 else 0.0
    worker = ray_config.gpus_per_worker
    if worker == "auto":
        worker = min(1.0, gpus / max(n_workers, 1)) if gpus > 0 else 0.0
    return float(representation), float(worker)
