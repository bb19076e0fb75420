"""Connecting to Ray: a local instance that only this machine can reach, or a cluster at an address.

The local instance is really local: Ray replaces a loopback node address with the machine's routable one
unless it runs in its single-machine mode, so that mode is set before Ray is imported; every socket it
opens then listens on 127.0.0.1. It also requires token authentication, with a fresh random token per
run held in this process's environment (and so its workers'), never written to disk.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

# Single-machine mode: keeps Ray's node address on loopback. Read when ray is imported, so set first.
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")

import ray

from ..config import ConfigError, RayConfig

# Worker losses: the job is resubmitted elsewhere. Anything else raised by a job fails its work.
LOST_WORKER_ERRORS: tuple[type[BaseException], ...] = (
    ray.exceptions.RayActorError,
    ray.exceptions.WorkerCrashedError,
    ray.exceptions.ObjectLostError,
    ray.exceptions.OutOfMemoryError,
    ray.exceptions.NodeDiedError,
)

_ABANDONED = False  # a connection attempt timed out and still runs in its thread (the command is ending)

# How long joining a cluster may take before it counts as unreachable.
CONNECT_SECONDS = float(os.environ.get("LATENTSWEEP_CONNECT_SECONDS", "60"))


def error_text(error: BaseException) -> str:
    """The root cause of an error (a Ray error's cause where it has one), on one line."""
    cause = getattr(error, "cause", None)
    if isinstance(error, ray.exceptions.RayTaskError) and cause is not None:
        error = cause
    message = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {message}"[:500]


def local_options(num_cpus: int | None = None) -> dict:
    """ray.init arguments of a local instance: loopback only, no dashboard, quiet."""
    options = dict(address="local", include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
    options["_node_ip_address"] = "127.0.0.1"
    if num_cpus is not None:
        options["num_cpus"] = num_cpus
    return options


@contextlib.contextmanager
def token_environment() -> Iterator[str]:
    """Token authentication for a local instance: RAY_AUTH_MODE=token and a fresh RAY_AUTH_TOKEN in the
    environment (inherited by Ray's processes) while it runs; the previous values come back after."""
    saved = {key: os.environ.get(key) for key in ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN")}
    token = secrets.token_hex(32)
    os.environ["RAY_AUTH_MODE"] = "token"
    os.environ["RAY_AUTH_TOKEN"] = token
    try:
        _refresh_ray_config()
        yield token
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _refresh_ray_config() -> None:
    """Makes this process see the auth mode and token just set (Ray caches both on first use)."""
    with contextlib.suppress(ImportError, AttributeError):
        from ray._raylet import AuthenticationTokenLoader, Config  # type: ignore[attr-defined]  # private; not in its stub

        Config.initialize("")
        AuthenticationTokenLoader.instance().reset_cache()


def start_local(num_cpus: int | None = None) -> None:
    """Starts the local instance (loopback only, token authentication) in this process."""
    ray.init(**local_options(num_cpus))


def address_source(flag: str | None) -> str:
    """How an error names the address a command uses: the flag when given, else the config key."""
    return "--address" if flag else "ray.address"


@contextlib.contextmanager
def ray_messages(verbose: bool) -> Iterator[None]:
    """Ray's own messages to the driver (`(raylet) A worker died or was killed ...`, a paragraph each)
    stay off the terminal unless `verbose`: what they mean is said in the tool's words (a lost worker is
    retried, counted in the progress line and named in the summary). Ray prints them from a thread that
    calls `ray._private.worker.print_to_stdstream`; where that is missing (another Ray), nothing changes."""
    worker = getattr(getattr(ray, "_private", None), "worker", None)
    original = getattr(worker, "print_to_stdstream", None)
    if verbose or original is None:
        yield
        return
    assert worker is not None  # it has print_to_stdstream

    def quiet(data, ignore_prefix: bool):
        if data.get("pid") != "raylet":
            original(data, ignore_prefix)

    worker.print_to_stdstream = quiet
    try:
        yield
    finally:
        worker.print_to_stdstream = original


@contextlib.contextmanager
def ray_session(address: str | None, *, source: str = "--address", verbose: bool = False) -> Iterator[None]:
    """Uses the Ray instance this process already has, else starts a local one (loopback, token) or joins
    the cluster at `address`, and shuts it down after; Ray's own messages only when `verbose`. An address
    that does not answer within CONNECT_SECONDS is a ConfigError naming it and where it came from
    (`source`: the flag or the key)."""
    with ray_messages(verbose), native_logs(verbose):
        yield from _session(address, source)


@contextlib.contextmanager
def native_logs(verbose: bool) -> Iterator[None]:
    """Ray's C++ log lines (`rpc_client.h:153: Failed to connect to GCS ...`, written by its core worker and
    processes straight to file descriptor 2) stay off the terminal unless `verbose`, as its Python ones do:
    descriptor 2 points at the null device while Ray runs, and Python's own sys.stderr (this tool's errors
    and warnings, tracebacks) keeps writing where it did. Ray's processes log to their own files anyway."""
    if verbose:
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 2)
    os.close(null)
    original = sys.stderr
    swapped = _fileno(original) == 2
    if swapped:  # the real stderr: keep it on the saved descriptor (a test's capture object is left alone)
        sys.stderr = open(os.dup(saved), "w", buffering=1, encoding=original.encoding, errors="backslashreplace")
    try:
        yield
    finally:
        if _ABANDONED and swapped:  # a connection still retrying in its thread: it would print until the exit
            pass
        else:
            if swapped:
                sys.stderr.flush()
                sys.stderr.close()
                sys.stderr = original
            os.dup2(saved, 2)
            os.close(saved)


def _fileno(stream) -> int | None:
    try:
        return stream.fileno()
    except (AttributeError, OSError, ValueError):
        return None


def _session(address: str | None, source: str) -> Iterator[None]:
    if ray.is_initialized():
        yield
        return
    if address:
        _connect(address, source)
        try:
            yield
        finally:
            ray.shutdown()
        return
    with token_environment():
        start_local()
        try:
            yield
        finally:
            stop_monitor()
            ray.shutdown()


def stop_monitor() -> int:
    """Kills this process's local instance's autoscaler monitor, returning how many processes it killed.

    `ray.shutdown` stops the GCS first and then sends the monitor SIGTERM, on which the monitor tries to
    report its death to that GCS; Ray waits a second for it and kills it anyway. Killing it first saves
    that second of every local run (a local instance has nothing to autoscale). Ray keeps its processes
    in a private table: where that is missing (another Ray version), nothing is killed.
    """
    try:
        processes = ray._private.worker._global_node.all_processes  # type: ignore[attr-defined]  # private; typed None
        kind = ray._private.ray_constants.PROCESS_TYPE_MONITOR
    except AttributeError:
        return 0
    killed = 0
    for info in processes.get(kind, []):
        process = getattr(info, "process", None)
        if process is not None and process.poll() is None:
            process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)
            killed += 1
    return killed


def _connect(address: str, source: str) -> None:
    """ray.init(address) bounded in time: Ray retries an unreachable address for minutes."""
    failure: list[BaseException] = []

    def connect() -> None:
        try:
            ray.init(address=address, include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
        except BaseException as error:  # reported below, in the caller's thread
            failure.append(error)

    global _ABANDONED
    thread = threading.Thread(target=connect, daemon=True)
    started = time.monotonic()
    thread.start()
    thread.join(CONNECT_SECONDS)
    if thread.is_alive():
        _ABANDONED = True  # Ray goes on retrying in that thread: its C++ lines stay off the terminal
        raise ConfigError(
            f"{source} {address}: no Ray cluster answered within {time.monotonic() - started:.0f} s "
            "(is `ray start --head` running there, and is its port reachable?)"
        )
    if failure:
        raise ConfigError(f"{source} {address}: cannot join the Ray cluster ({error_text(failure[0])})")


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


def check_local_gpus(ray_config: RayConfig, address: str | None) -> None:
    """Before a local Ray instance starts (no address, none running): a GPU request on a machine without
    GPUs is refused now, rather than after Ray's start of 6-8 s."""
    if address or ray.is_initialized():
        return
    import torch

    if not (torch.cuda.is_available() and torch.cuda.device_count() > 0):
        _refuse_gpu_requests(
            ray_config, "this machine has no GPUs for a local Ray instance", "or --address a cluster with GPUs"
        )


def _refuse_gpu_requests(ray_config: RayConfig, where: str, also: str = "") -> None:
    """A ConfigError naming the first GPU request in `ray_config`, where there are no GPUs (it would wait forever)."""
    for key in ("representation_gpus", "gpus_per_worker"):
        value = getattr(ray_config, key)
        if value != "auto" and value > 0:
            raise ConfigError(
                f"ray.{key} = {value!r}: {where} (it would wait forever); use 0 or 'auto'{', ' + also if also else ''}"
            )


def resolve_gpus(ray_config: RayConfig, resources: dict, n_workers: int) -> tuple[float, float]:
    """(GPUs per representation job, GPUs per trial worker); a GPU request on a GPU-less cluster fails now."""
    gpus = resources["GPU"]
    if gpus == 0:
        _refuse_gpu_requests(ray_config, "the Ray cluster has no GPUs")
    for key in ("representation_gpus", "gpus_per_worker"):
        value = getattr(ray_config, key)
        if value != "auto" and value > gpus:
            raise ConfigError(f"ray.{key} = {value!r}: the Ray cluster has only {gpus:g} GPUs")
    representation = ray_config.representation_gpus
    if representation == "auto":
        representation = 1.0 if gpus >= 1 else 0.0
    worker = ray_config.gpus_per_worker
    if worker == "auto":
        worker = min(1.0, gpus / max(n_workers, 1)) if gpus > 0 else 0.0
    return float(representation), float(worker)


def worker_count(ray_config: RayConfig, resources: dict, requested: int | None = None) -> int:
    """Trial workers: as requested, else as configured, else one per `cpus_per_worker` CPUs of the cluster."""
    workers = requested or ray_config.workers
    if workers:
        return int(workers)
    return max(1, int(resources["CPU"] // ray_config.cpus_per_worker))
