"""The worker: a plain class that runs packs and query-set evaluations; the orchestrator wraps it with
ray.remote (as a threaded actor, so that `stop` reaches a pack while it runs).

Its work methods are generators: they yield events as they go (a pack: the members' events after every
iteration). It never prints.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator, Mapping

from ..data import Splits
from ..engine import LatentSet, MemberState, PackEvent, TrialSpec, iterate_pack
from ..models import configure_worker
from ..plugins import load_plugins
from ..strategies import InitialPool
from .query_sets import sample_and_evaluate


class TrialWorker:
    """Runs packs of trials with torch pinned to the CPUs this worker was given."""

    def __init__(self, cpus: float = 1, device: str | None = None, plugins: tuple[str, ...] = ()):
        self.threads = max(1, int(cpus))
        self.device = device
        configure_worker(self.threads)
        load_plugins(plugins)
        self._stopped: set[str] = set()
        self._lock = threading.Lock()

    def run_pack(
        self, latent: LatentSet, specs: list[TrialSpec], resume: Mapping[str, MemberState] | None = None
    ) -> Iterator[list[PackEvent]]:
        """Runs one pack on a LatentSet (from the object store: read-only arrays, never copied per trial),
        yielding its events; members named by `stop` end at the next iteration."""
        yield from iterate_pack(latent, specs, device=self.device, resume=resume, stop=self._stop_set)

    def stop(self, trial_ids: list[str]) -> None:
        """Ends these trials at their next iteration (pruning); their pack goes on with the others."""
        with self._lock:
            self._stopped = self._stopped | set(trial_ids)

    def _stop_set(self) -> frozenset[str]:
        with self._lock:
            return frozenset(self._stopped)

    def evaluate_query_set(
        self, splits: Splits, pool: InitialPool | None, sampler: str, size: int, seed: int, settings: dict
    ) -> Iterator[list[tuple]]:
        """Samples and evaluates one initial query set; yields [(indices, sampling seconds, evaluation)] once."""
        yield [sample_and_evaluate(splits, pool, sampler, size, seed, self.threads, **settings)]

    def describe(self) -> dict:
        """Where this worker runs."""
        return {"host": socket.gethostname(), "pid": os.getpid(), "threads": self.threads, "device": self.device}
