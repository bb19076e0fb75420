"""The [adaptive] table of a sweep: seeds added in rounds until every strategy's answer against the
baseline is clear (`orchestrator.adaptive` holds the rule).

[adaptive]   baseline (a strategy label of the sweep, e.g. "random"), max_seeds, round (2: seeds added per
             round), alpha (0.05: the error rate over every look), margin (optional: an equivalence margin
             on the final test accuracy, e.g. 0.005 for half a point)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import readers as read
from .readers import ConfigError
from .sections import read_section, required, setting


def _baseline(path: str, value: Any) -> str:
    """a strategy label of the sweep, e.g. 'random'"""
    return read.string(path, value)


@dataclass(frozen=True)
class AdaptiveConfig:
    """Seeds until the answer is clear: rounds of new seeds while a strategy's paired interval against the
    baseline neither excludes 0 nor lies within the margin (`orchestrator.adaptive`)."""

    baseline: str = required("the strategy every other is compared with, as its label reads (e.g. 'random')",
                             _baseline)  # fmt: skip
    max_seeds: int = required("the most seeds in all", lambda p, v: read.integer(p, v, 2, 10_000))
    round: int = setting(2, "seeds added per round", low=1, high=10_000)
    alpha: float = setting(0.05, "the error rate over every look (Bonferroni over the looks)", low=1e-6, high=0.5)
    margin: float | None = setting(None, "an equivalence margin of final test accuracy (e.g. 0.005: half a point)",
                                   kind=float, low=1e-6, high=1.0)  # fmt: skip


def read_adaptive(value: Any, labels: list[str], seeds: tuple[int, ...]) -> AdaptiveConfig:
    """[adaptive], checked against the sweep's strategy labels and seeds."""
    adaptive = read_section("adaptive", value, AdaptiveConfig)
    if adaptive.baseline not in labels:
        raise ConfigError(f"adaptive.baseline = {adaptive.baseline!r}: not a strategy of this sweep; its strategies: "
                          + ", ".join(labels))  # fmt: skip
    if adaptive.max_seeds < len(seeds):
        raise read.fail("adaptive.max_seeds", adaptive.max_seeds, f"at least the sweep's {len(seeds)} seeds")
    return adaptive
