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


@dataclass(frozen=True)
class AdaptiveConfig:
    baseline: str
    max_seeds: int
    round: int = 2
    alpha: float = 0.05
    margin: float | None = None


def read_adaptive(value: Any, labels: list[str], seeds: tuple[int, ...]) -> AdaptiveConfig:
    """[adaptive], checked against the sweep's strategy labels and seeds."""
    table = read.table("adaptive", value)
    read.check_keys("adaptive", table, {"baseline", "max_seeds", "round", "alpha", "margin"})
    read.require("adaptive", table, ("baseline", "max_seeds"))
    baseline = read.string("adaptive.baseline", table["baseline"])
    if baseline not in labels:
        raise ConfigError(f"adaptive.baseline = {baseline!r}: not a strategy of this sweep; its strategies: "
                          + ", ".join(labels))  # fmt: skip
    max_seeds = read.integer("adaptive.max_seeds", table["max_seeds"], 2, 10_000)
    if max_seeds < len(seeds):
        raise read.fail("adaptive.max_seeds", max_seeds, f"at least the sweep's {len(seeds)} seeds")
    margin = table.get("margin")
    return AdaptiveConfig(
        baseline=baseline,
        max_seeds=max_seeds,
        round=read.integer("adaptive.round", table.get("round", 2), 1, 10_000),
        alpha=read.number("adaptive.alpha", table.get("alpha", 0.05), 1e-6, 0.5),
        margin=None if margin is None else read.number("adaptive.margin", margin, 1e-6, 1.0),
    )
