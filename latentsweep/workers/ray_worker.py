"""The trial worker as a Ray actor class. It lives here, not beside the executor, so that a worker process
imports only what runs in it (`latentsweep.workers`), never the driver's orchestrator: an actor starts
about a second sooner."""

from __future__ import annotations

import ray

from .trial_worker import TrialWorker


class RayTrialWorker(TrialWorker):
    """The worker as a Ray actor: trial results also name the Ray node that ran them."""

    def run_pack(self, latent, specs, resume=None):
        node = ray.get_runtime_context().get_node_id()
        for events in super().run_pack(latent, specs, resume):
            for event in events:
                if hasattr(event, "node"):
                    event.node = node
            yield events
