"""One command session: what `run`, `tune` and `initial` share between checking their input and printing
their summary.

A session holds the results folder's lock, stops on Ctrl-C, SIGTERM and SIGHUP alike (`signals`), starts a
local Ray instance or joins a cluster, sizes the workers and their GPUs, shows the work (`progress`) from
one `RunStatus`, runs the representation stage and one executor at a time, and turns an interruption into
the command's outcome: the work stops, what is stored stays, and the command ends with its summary.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ..config import RayConfig
from ..config.tracking import TrackingConfig
from ..results import RepresentationCache, ResultStore
from .cluster import address_source, check_local_gpus, cluster_resources, ray_session, resolve_gpus, worker_count
from .executor import Executor, ExecutorStatus, Job
from .outcome import CommandOutcome
from .progress import Display, make_display
from .representations import RepresentationJob, StageOutcome, run_representation_stage
from .signals import stop_on_signals
from .status import RunStatus

if TYPE_CHECKING:
    from ..tracking import LiveTracker


class SessionOptions(Protocol):
    """The command-line options every command that runs work takes (`RunOptions`, `TuneOptions`, ...): read
    only (properties), as those frozen dataclasses hold them."""

    @property
    def address(self) -> str | None: ...
    @property
    def results(self) -> Path: ...
    @property
    def workers(self) -> int | None: ...
    @property
    def display(self) -> str: ...
    @property
    def poll_seconds(self) -> float: ...
    @property
    def verbose(self) -> bool: ...


class Session:
    """The shared machinery of one command; `open` it, then do the work inside `live`."""

    def __init__(
        self,
        name: str,
        *,
        ray_config: RayConfig,
        plugins: tuple[str, ...],
        options: SessionOptions,
        outcome: CommandOutcome,
        unit: str = "iterations",
        display: Display | None = None,
        address_from: str | None = None,
        tracking: TrackingConfig | None = None,
    ) -> None:
        self.ray_config, self.plugins, self.options, self.outcome = ray_config, plugins, options, outcome
        self.tracking = tracking if tracking is not None and tracking.any else None
        self.tracker: LiveTracker | None = None
        self.status = RunStatus(name, unit=unit)
        self.display = display or make_display(options.display)
        self.address = options.address or ray_config.address
        self.address_from = address_from or address_source(options.address)
        self.resources: dict = {}
        self.n_workers = 1
        self.representation_gpus = self.worker_gpus = 0.0
        self._executor: Executor | None = None

    @property
    def cache(self) -> RepresentationCache:
        return RepresentationCache(Path(self.options.results) / ".cache" / "representations")

    @contextlib.contextmanager
    def open(self, store: ResultStore) -> Iterator[Session]:
        """The folder's lock, stop signals and Ray (a GPU request a machine cannot serve is refused before Ray
        starts); the cluster's resources, workers and GPUs are known inside."""
        check_local_gpus(self.ray_config, self.address)
        with store.lock(), stop_on_signals() as guard, ray_session(
            self.address, source=self.address_from, verbose=self.options.verbose
        ):
            guard.install()  # after Ray: its core worker replaced the handler of SIGTERM
            self.resources = cluster_resources()
            self.status.on(self.resources)
            self.n_workers = worker_count(self.ray_config, self.resources, self.options.workers)
            self.representation_gpus, self.worker_gpus = resolve_gpus(self.ray_config, self.resources, self.n_workers)
            if self.tracking is not None:  # trials are logged by the driver as they are stored
                from ..tracking import LiveTracker

                self.tracker = LiveTracker(store.folder, self.tracking)
            try:
                yield self
            finally:
                if self.tracker is not None:
                    self.outcome.warnings.extend(self.tracker.close())

    @contextlib.contextmanager
    def live(self) -> Iterator[Session]:
        """The display while work runs. Ctrl-C, SIGTERM or SIGHUP ends the block, not the command: the outcome
        says it was interrupted, the executor's workers are released and the display stops."""
        self.display.start(self.status)
        try:
            yield self
        except KeyboardInterrupt as stop:
            self.outcome.stopped(stop)
        finally:
            self.release()
            self.display.stop()

    # -- the work -------------------------------------------------------------------------------

    def message(self, text: str) -> None:
        self.display.message(text)

    def tick(self) -> None:
        """The executor's state into the status, and the display updated (after every wait)."""
        if self._executor is not None:
            self.status.workers(self._executor.status.running, self._executor.status.retried)
        self.display.update(self.status)

    def executor(self, workers: int | None = None) -> Executor:
        """A fresh executor of `workers` (default: the session's) actors; the previous one is released."""
        self.release()
        self._executor = Executor.for_config(
            self.ray_config,
            workers or self.n_workers,
            plugins=self.plugins,
            gpus_per_worker=self.worker_gpus,
            poll_seconds=self.options.poll_seconds,
            status=ExecutorStatus(),
        )
        return self._executor

    def run_jobs(
        self,
        executor: Executor,
        next_job: Callable[[], Job | None],
        *,
        on_events: Callable[[Job, list], None],
        on_failed: Callable[[Job, str], None],
    ) -> None:
        """Runs jobs on the executor until none is left, ticking the display after every wait."""
        executor.run(next_job, on_events=on_events, on_failed=on_failed, on_tick=self.tick)

    def representations(
        self,
        jobs: list[RepresentationJob],
        splits: Mapping,
        *,
        gpus: float | None = None,
        describe: Callable[[RepresentationJob], str] = lambda job: job.representation_id,
    ) -> StageOutcome:
        """Every representation the jobs need, from the cache or made now (trained, or features prepared with
        their scores), each said on the display; warnings about unfit ones go into the outcome."""
        self.status.begin_representations(len(jobs))
        self.tick()

        def done(job, latent, error, seconds) -> None:
            self.status.representation_ready()
            if error is not None:
                self.message(f"representation {describe(job)} failed: {error}")
            elif seconds is not None:
                self.message(made(job, latent, seconds, describe(job)))

        stage = run_representation_stage(
            jobs,
            splits,
            self.cache,
            resources=self.resources,
            gpus=self.representation_gpus if gpus is None else gpus,
            max_attempts=self.ray_config.max_attempts,
            poll_seconds=self.options.poll_seconds,
            on_done=done,
            on_tick=self.tick,
        )
        stage.pass_warnings(self.outcome.warnings, self.display)
        return stage

    def release(self) -> None:
        """Kills the executor's actors (they hold nothing the driver has not stored)."""
        if self._executor is not None:
            self._executor.release()
            self._executor = None


def made(job: RepresentationJob, latent, seconds: float, name: str) -> str:
    """What the display says of a representation made now: a trained one with the latent dimensions it
    uses, features read as they are with what was computed on them."""
    if job.spec.trained:
        used = latent.metadata.get("used_latent_dimensions")
        extra = f" ({used} of {latent.n_features} latent dimensions used)" if used is not None else ""
        return f"trained {name} in {seconds:.0f} s{extra}"
    computed = sorted(job.measures) + [f"{d} bound" for d in sorted(job.distances)]
    extra = f" ({', '.join(computed)} computed over the pool)" if computed else ""
    return f"prepared {name} in {seconds:.0f} s{extra}"
