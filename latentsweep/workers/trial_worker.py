"""The trial worker: a plain class that runs packs; the orchestrator wraps it with ray.remote.

It never prints: it returns TrialResults, small and picklable.
"""

from __future__ import annotations

import os
import socket

from ..engine import LatentSet, TrialResult, TrialSpec, run_pack
from ..models import set_torch_threads
from .plugins import load_plugins


class TrialWorker:
    """Runs packs of trials with torch pinned to the CPUs this worker was given."""

    def __init__(self, cpus: float = 1, device: str | None = None, plugins: tuple[str, ...] = ()):
        self.threads = max(1, int(cpus))
        self.device = device
        set_torch_threads(self.threads)
        load_plugins(plugins)

    def run_pack(self, latent: LatentSet, specs: list[TrialSpec]) -> list[TrialResult]:
        """Runs one pack on a LatentSet (from the object store: read-only arrays, never copied per trial)."""
        return run_pack(latent, specs, device=self.device)

    def describe(self) -> dict:
        """Where this worker runs."""
        return {"host": socket.gethostname(), "pid": os.getpid(), "threads": self.threads, "device": self.device}
