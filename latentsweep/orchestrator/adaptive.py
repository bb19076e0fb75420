"""Seeds until the answer is clear (`[adaptive]`): after each round, every strategy's final test accuracy
is compared with the baseline's over their shared seeds; a round of new seeds (the next integers, so a
re-run is the same) is added while some answer is unclear and `max_seeds` is not reached.

The rule stays valid under repeated looks by Bonferroni over them: with K = 1 + ceil((max_seeds - seeds)
/ round) possible looks, each uses the paired t interval at level 1 - alpha / K, so the chance that any
look claims a difference that is not there is at most alpha. An answer is clear when the interval
excludes 0 (different) or, with a `margin`, lies inside +-margin (equivalent).
"""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..config import SweepConfig
from ..config.adaptive import AdaptiveConfig
from ..engine import TrialSpec
from ..protocols import TrialStatus
from ..results import ResultStore

DIFFERENT, EQUIVALENT, UNRESOLVED = "different", "equivalent", "unresolved"


@dataclass(frozen=True)
class Decision:
    """One strategy against the baseline in one setting (representation, classifier)."""

    setting: str
    strategy: str
    n: int
    mean_difference: float
    low: float
    high: float
    verdict: str

    def line(self) -> str:
        where = f"{self.setting}: " if self.setting else ""
        return (f"{where}{self.strategy} - baseline = {self.mean_difference:+.4f} [{self.low:+.4f}, {self.high:+.4f}] "
                f"(n={self.n}): {self.verdict}")  # fmt: skip


def looks(adaptive: AdaptiveConfig, seeds: int) -> int:
    """How many times the rule may look: the first round and every round up to max_seeds."""
    return 1 + math.ceil(max(adaptive.max_seeds - seeds, 0) / adaptive.round)


def interval(differences: list[float], level: float) -> tuple[float, float]:
    """The paired t interval of the mean difference at `level` (NaN for fewer than two pairs): the
    report's `confidence_interval`, unbounded (a difference of accuracies may be negative)."""
    from ..report.statistics import confidence_interval

    return confidence_interval(differences, level)


def verdict(low: float, high: float, margin: float | None) -> str:
    if not (math.isfinite(low) and math.isfinite(high)):
        return UNRESOLVED
    if low > 0 or high < 0:
        return DIFFERENT
    if margin is not None and -margin < low and high < margin:
        return EQUIVALENT
    return UNRESOLVED


def decide(
    config: SweepConfig, trials: list[TrialSpec], accuracy: dict[str, float], first_seeds: int
) -> list[Decision]:
    """Every strategy against the baseline, per setting, from the stored final test accuracies of `trials`."""
    adaptive = config.adaptive
    assert adaptive is not None  # called for an [adaptive] sweep only
    level = 1.0 - adaptive.alpha / looks(adaptive, first_seeds)
    by_setting: dict[tuple, dict[str, dict[int, float]]] = defaultdict(lambda: defaultdict(dict))
    for trial in trials:
        if trial.id in accuracy and math.isfinite(accuracy[trial.id]):
            parts = (trial.representation, trial.classifier, trial.budget)
            by_setting[parts][trial.strategy.label()][trial.seed] = accuracy[trial.id]
    several = len({(t.representation, t.classifier, t.budget) for t in trials}) > 1
    decisions = []
    for (representation, classifier, budget), strategies in by_setting.items():
        setting = f"{representation}, {classifier.label()}" if several else ""
        if len({t.budget for t in trials}) > 1:
            setting += f", budget {budget.name}"
        baseline = strategies.get(adaptive.baseline, {})
        for label, values in strategies.items():
            if label == adaptive.baseline:
                continue
            shared = sorted(set(values) & set(baseline))
            differences = [values[seed] - baseline[seed] for seed in shared]
            low, high = interval(differences, level)
            mean = float(np.mean(differences)) if differences else math.nan
            decisions.append(
                Decision(setting, label, len(shared), mean, low, high, verdict(low, high, adaptive.margin))
            )
    return decisions


def stored_accuracy(store: ResultStore) -> dict[str, float]:
    """trial id -> final test accuracy of every trial stored ok."""
    table = store.table("trials", columns=["trial_id", "status", "final_test_accuracy"]).to_pylist()
    return {row["trial_id"]: row["final_test_accuracy"] for row in table if row["status"] == TrialStatus.OK}


def settled(decisions: list[Decision]) -> bool:
    return all(d.verdict != UNRESOLVED for d in decisions)


def with_next_round(config: SweepConfig) -> SweepConfig:
    """The config with the next round of seeds: the integers after the largest, at most max_seeds in all."""
    adaptive = config.adaptive
    assert adaptive is not None  # called for an [adaptive] sweep only
    count = min(adaptive.round, adaptive.max_seeds - len(config.seeds))
    start = max(config.seeds) + 1
    return dataclasses.replace(config, seeds=(*config.seeds, *range(start, start + count)))


def seeds_needed(
    config: SweepConfig, trials: list[TrialSpec], accuracy: dict[str, float], first_seeds: int
) -> dict[str, int | None]:
    """For each strategy (setting: strategy), the seeds at the first look where its answer was clear (None:
    never), the looks replayed on the stored results of the seeds each had."""
    assert config.adaptive is not None  # called for an [adaptive] sweep only
    counts = [*range(first_seeds, len(config.seeds), config.adaptive.round), len(config.seeds)]
    needed: dict[str, int | None] = {}
    for count in counts:
        chosen = set(config.seeds[:count])
        for decision in decide(config, [t for t in trials if t.seed in chosen], accuracy, first_seeds):
            key = f"{decision.setting}: {decision.strategy}" if decision.setting else decision.strategy
            if needed.get(key) is None:
                needed[key] = count if decision.verdict != UNRESOLVED else None
    return needed


def record(decisions: list[Decision], config: SweepConfig, first_seeds: int, needed: dict | None = None) -> dict:
    """What sweep.json keeps of the rule: the method, the seeds used, each strategy's answer and the seeds
    it needed."""
    adaptive = config.adaptive
    assert adaptive is not None  # called for an [adaptive] sweep only
    return {
        "needed": needed or {},
        "method": f"paired t interval of final test accuracy against {adaptive.baseline!r} at level 1 - alpha/K, "
        f"Bonferroni over K = {looks(adaptive, first_seeds)} looks (alpha {adaptive.alpha:g}"
        + (f", equivalence margin {adaptive.margin:g})" if adaptive.margin is not None else ")"),
        "seeds": list(config.seeds),
        "stopped": "every answer is clear" if settled(decisions) else f"max_seeds = {adaptive.max_seeds} reached",
        "decisions": [dataclasses.asdict(d) for d in decisions],
    }


# -- the rule in a run (`driver`) -------------------------------------------------------------------------


def describe(rule: AdaptiveConfig) -> str:
    """The rule as `plan` prints it."""
    return (
        f"adaptive: rounds of {rule.round} more seeds, up to {rule.max_seeds}, until every strategy is clearly "
        f"different from {rule.baseline!r}"
        + (f" or within +-{rule.margin:g} of it" if rule.margin is not None else "")
        + f" (alpha {rule.alpha:g} over all looks)"
    )


def _decisions(config: SweepConfig, plan, store: ResultStore, first_seeds: int) -> list[Decision]:
    return decide(config, list(plan.trials), stored_accuracy(store), first_seeds)


def unresolved(config: SweepConfig, plan, store: ResultStore, first_seeds: int) -> list[str]:
    """The strategies whose answer is still unclear, for the display."""
    return [d.strategy for d in _decisions(config, plan, store, first_seeds) if d.verdict == UNRESOLVED]


def next_rounds(config: SweepConfig, prepared, first_seeds: int, replan: Callable):
    """With [adaptive]: while every planned trial is stored and some answer is unclear, the next round of
    seeds (planned anew by `replan(config)`). Returns the config and the prepared plan to run next."""
    while config.adaptive is not None and not prepared.plan.to_run and len(config.seeds) < config.adaptive.max_seeds:
        if settled(_decisions(config, prepared.plan, prepared.store, first_seeds)):
            break
        config = with_next_round(config)
        prepared = replan(config)
    return config, prepared


def conclude(config: SweepConfig, plan, store: ResultStore, outcome, first_seeds: int) -> None:
    """The rule's answers, in the outcome and in sweep.json."""
    if config.adaptive is None or not store.folder.exists():
        return
    trials, stored = list(plan.trials), stored_accuracy(store)  # read once
    outcome.adaptive = decide(config, trials, stored, first_seeds)
    outcome.seeds = len(config.seeds)
    needed = seeds_needed(config, trials, stored, first_seeds)
    store.update_info("adaptive", record(outcome.adaptive, config, first_seeds, needed))
