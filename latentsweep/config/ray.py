"""The [ray] table of every config kind: where and how work runs (a Ray address, resources and retries), each key
declared once (`sections.setting`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from . import readers as read
from .sections import read_section, setting

_ADDRESS = re.compile(r"(auto|(ray://)?[A-Za-z0-9_.\-\[\]:]+:[0-9]{1,5})")


def address(path: str, value: Any) -> str:
    """'auto', HOST:PORT or ray://HOST:PORT"""
    text = read.string(path, value)
    if not _ADDRESS.fullmatch(text) or (text != "auto" and not 0 < int(text.rsplit(":", 1)[1]) < 65536):
        raise read.fail(path, value, "'auto', HOST:PORT or ray://HOST:PORT")
    return text


@dataclass(frozen=True)
class RayConfig:
    """Where and how work runs: a Ray address (None: a local instance), resources and retries."""

    address: str | None = setting(None, "a Ray cluster's address (default: a local instance on this machine, "
                                  "reachable from it only)", reader=address)  # fmt: skip
    cpus_per_worker: float = setting(1.0, "CPUs (torch threads) of each trial worker", low=0.01, high=1024)
    gpus_per_worker: float | str = setting("auto", "GPUs per trial worker ('auto': the cluster's GPUs shared among "
                                           "the workers)", kind=float, low=0, high=64, auto=True)  # fmt: skip
    representation_gpus: float | str = setting("auto", "GPUs per representation training ('auto': one when the "
                                               "cluster has any)", kind=float, low=0, high=64, auto=True)
    pack_size: int | str = setting("auto", "trials trained in lockstep per pack ('auto': the fastest for the "
                                   "largest classifier on a CPU, 256 on GPUs)", kind=int, low=1, high=100_000,
                                   auto=True)  # fmt: skip
    max_attempts: int = setting(3, "attempts of a pack whose worker was lost", low=1, high=100)
    workers: int | None = setting(None, "trial workers (default: one per cpus_per_worker CPUs of the cluster)",
                                  kind=int, low=1, high=100_000)  # fmt: skip


def read_ray(value: Any, allowed: set[str] | None = None) -> RayConfig:
    """The [ray] table (all of RayConfig's keys, or only `allowed`)."""
    return read_section("ray", value, RayConfig, allowed=allowed)
