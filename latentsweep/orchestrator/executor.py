"""The one executor: jobs on worker actors, each streaming events, for `run`, `tune` and `initial`.

A job is a generator method of the worker (`TrialWorker.run_pack`, `TrialWorker.evaluate_query_set`)
and its arguments. At most one job runs per actor; the driver waits with `ray.wait` and a timeout, so it
never blocks for good. Every event batch a job yields goes to the client's `on_events` at once. A lost
worker (its actor, process or node died) is replaced and its job resubmitted, its arguments built anew
(`Job.args` is called at every dispatch, so a pack resumes from the checkpoints its events left), up to
`max_attempts`; any other error fails the job (`on_failed`). Clients feed jobs through `next_job`, called
whenever a worker is idle, so the tuner can ask Optuna for work only when there is room for it.
"""

from __future__ import annotations

import collections
import enum
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import ray

from ..errors import LatentsweepError
from ..workers.ray_worker import RayTrialWorker
from .cluster import LOST_WORKER_ERRORS, error_text


class WorkerStartError(LatentsweepError):
    """Worker actors fail to start again and again (e.g. a plugin that breaks only on workers)."""


class JobKind(enum.Enum):
    """What a job runs on a worker: a pack of trials, or one initial query set's evaluation."""

    PACK = "run_pack"  # TrialWorker.run_pack
    QUERY_SET = "evaluate_query_set"  # TrialWorker.evaluate_query_set

    def call(self, actor):
        """The actor's remote method this kind of job calls."""
        return actor.run_pack if self is JobKind.PACK else actor.evaluate_query_set


@dataclass
class Job:
    """One unit of work: `kind` of the worker's work called with `args()`; `attempts` counts dispatches.
    `trials`: the trials a pack job runs (stored as failed if it fails for good); `payload`: what a
    client that runs other jobs keeps with one (the initial experiment's query-set coordinates)."""

    key: str
    kind: JobKind
    args: Callable[[], tuple]
    cost: float = 1.0
    attempts: int = 0
    trials: tuple = ()
    payload: Any = None


class StreamState(enum.Enum):
    """What reading one item of a job's event stream found."""

    MORE = "more"  # an event batch; the job goes on
    DONE = "done"  # the job's generator ended
    LOST = "lost"  # its worker (actor, process or node) died: the job may be resubmitted
    FAILED = "failed"  # the job raised


@dataclass(frozen=True)
class StreamStep:
    """One read of a job's stream: its state and, when LOST or FAILED, the error in one line."""

    state: StreamState
    error: str = ""


@dataclass
class ExecutorStatus:
    """What the executor knows: workers, jobs running, resubmissions, and worker time busy and idle."""

    workers: int = 0
    running: int = 0
    retried: int = 0
    busy_seconds: float = 0.0
    idle_seconds: float = 0.0
    started: float = field(default_factory=time.monotonic)

    @property
    def idle_share(self) -> float:
        total = self.busy_seconds + self.idle_seconds
        return self.idle_seconds / total if total > 0 else 0.0


class Executor:
    """Runs jobs on `n_workers` actors of the trial worker, streaming their events to the client."""

    def __init__(
        self,
        n_workers: int,
        *,
        cpus_per_worker: float = 1.0,
        gpus_per_worker: float = 0.0,
        plugins: tuple[str, ...] = (),
        max_attempts: int = 3,
        poll_seconds: float = 0.5,
        status: ExecutorStatus | None = None,
    ):
        self.n_workers = max(1, n_workers)
        self.max_attempts = max_attempts
        self.poll_seconds = poll_seconds
        self.status = status or ExecutorStatus()
        self.status.workers = self.n_workers
        device = "cuda" if gpus_per_worker > 0 else "cpu"
        # two threads: one runs a job, the other takes `stop` calls while it runs
        self._actor_class = ray.remote(RayTrialWorker).options(
            num_cpus=cpus_per_worker, num_gpus=gpus_per_worker, max_restarts=0, max_concurrency=2
        )
        self._actor_args = (cpus_per_worker, device, tuple(plugins))
        self._actors: list = []
        self._idle: list = []  # actors up and without a job, kept from one `run` to the next
        self._pending: dict = {}  # ready reference -> actor not up yet
        self._start_failures = 0
        self._running: dict[Any, tuple[Job, Any, float]] = {}  # generator -> (job, actor, started)
        self._by_key: dict[str, Any] = {}  # job key -> actor running it

    @classmethod
    def for_config(
        cls,
        ray_config,
        n_workers: int,
        *,
        plugins: tuple[str, ...],
        gpus_per_worker: float = 0.0,
        poll_seconds: float = 0.5,
        status: ExecutorStatus | None = None,
    ) -> Executor:
        """The executor of a command (`run`, `tune`, `initial`): workers sized and retried as its
        config's [ray] table says (`config.sweep.RayConfig`)."""
        return cls(
            n_workers,
            cpus_per_worker=ray_config.cpus_per_worker,
            gpus_per_worker=gpus_per_worker,
            plugins=plugins,
            max_attempts=ray_config.max_attempts,
            poll_seconds=poll_seconds,
            status=status,
        )

    def _new_actor(self) -> None:
        """Starts an actor; it takes work once it is up (an actor the cluster has no room for yet, e.g. a
        replacement after a node left, waits without holding any job)."""
        actor = self._actor_class.remote(*self._actor_args)
        self._actors.append(actor)
        # ignored: ray types an actor as ActorHandle | type; __ray_ready__ is the method ray adds to every actor
        self._pending[actor.__ray_ready__.remote()] = actor  # type: ignore[union-attr]

    def stop(self, job_key: str, trial_ids: list[str]) -> None:
        """Asks the worker running `job_key` to end these trials at their next iteration."""
        actor = self._by_key.get(job_key)
        if actor is not None:
            actor.stop.remote(list(trial_ids))

    def run(
        self,
        next_job: Callable[[], Job | None],
        *,
        on_events: Callable[[Job, list], None],
        on_failed: Callable[[Job, str], None],
        on_tick: Callable[[], None] | None = None,
    ) -> None:
        """Runs jobs until `next_job` has none and none is running. `on_events(job, events)` gets every
        batch a job yields; `on_failed(job, text)` a job that raised or lost its worker too often;
        `on_tick()` is called after every wait (at least every poll_seconds)."""
        retry: collections.deque[Job] = collections.deque()
        idle = self._idle
        idle_since = {id(actor): time.monotonic() for actor in idle}
        for _ in range(self.n_workers - len(self._actors)):
            self._new_actor()
        staged: Job | None = None  # a job taken while no worker was up to run it

        def take() -> Job | None:
            nonlocal staged
            job, staged = staged, None
            if job is None:
                job = retry.popleft() if retry else next_job()
            return job

        while True:
            while idle:
                job = take()
                if job is None:
                    break
                actor = idle.pop()
                self.status.idle_seconds += time.monotonic() - idle_since.pop(id(actor))
                job.attempts += 1
                generator = job.kind.call(actor).remote(*job.args())
                self._running[generator] = (job, actor, time.monotonic())
                self._by_key[job.key] = actor
            self.status.running = len(self._running)
            if not self._running:
                staged = take()
                if staged is None:
                    break
            waiting = list(self._running) + list(self._pending)
            ready, _ = ray.wait(waiting, num_returns=1, timeout=self.poll_seconds)
            if ready:  # everything else that is ready too, without waiting
                ready, _ = ray.wait(waiting, num_returns=len(waiting), timeout=0)
            for item in ready:
                if item in self._pending:
                    actor = self._started(item)
                    if actor is not None:
                        idle.append(actor)
                        idle_since[id(actor)] = time.monotonic()
                    continue
                job, actor, started = self._running[item]
                step = self._take(item, job, on_events)
                if step.state is StreamState.MORE:
                    continue
                del self._running[item]
                self._by_key.pop(job.key, None)
                self.status.busy_seconds += time.monotonic() - started
                if step.state is StreamState.LOST:
                    self._actors.remove(actor)
                    ray.kill(actor, no_restart=True)
                    self._new_actor()
                    if job.attempts < self.max_attempts:
                        self.status.retried += 1
                        retry.append(job)
                    else:
                        on_failed(job, f"worker lost {job.attempts} times: {step.error}")
                    continue
                if step.state is StreamState.FAILED:
                    on_failed(job, step.error)
                idle.append(actor)
                idle_since[id(actor)] = time.monotonic()
            self.status.running = len(self._running)
            if on_tick:
                on_tick()
        if staged is not None:
            retry.appendleft(staged)
        now = time.monotonic()
        self.status.idle_seconds += sum(now - since for since in idle_since.values())
        self.status.running = 0

    def _started(self, ready_ref):
        """An actor that came up (returned), or one that failed to start (replaced, up to a limit)."""
        actor = self._pending.pop(ready_ref)
        try:
            ray.get(ready_ref)
            return actor
        except ray.exceptions.RayError as error:
            self._actors.remove(actor)
            self._start_failures += 1
            if self._start_failures > self.max_attempts * self.n_workers:
                raise WorkerStartError(f"workers cannot start: {error_text(error)}") from None
            self._new_actor()
            return None

    @staticmethod
    def _take(generator, job: Job, on_events: Callable[[Job, list], None]) -> StreamStep:
        """Reads one ready item of a job's stream, handing an event batch to `on_events`."""
        try:
            events = ray.get(next(generator))
        except StopIteration:
            return StreamStep(StreamState.DONE)
        except LOST_WORKER_ERRORS as error:
            return StreamStep(StreamState.LOST, error_text(error))
        except ray.exceptions.RayError as error:
            return StreamStep(StreamState.FAILED, error_text(error))
        on_events(job, events)
        return StreamStep(StreamState.MORE)

    def release(self) -> None:
        """Kills every actor (they hold nothing the driver has not stored)."""
        for actor in self._actors:
            ray.kill(actor, no_restart=True)
        self._actors, self._idle, self._running, self._pending = [], [], {}, {}
