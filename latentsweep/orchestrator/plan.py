"""The plan of a sweep: representation jobs, trial specs with stable ids, packs, and what is stored."""

from __future__ import annotations

import collections
from collections.abc import Mapping
from dataclasses import dataclass

from ..config import ConfigError, SweepConfig
from ..data import Splits
from ..engine import RepresentationSpec, TrialSpec
from ..results import cache_key

NEEDS_POSTERIOR = frozenset({"kl-to-prior", "density-j-divergence"})


@dataclass(frozen=True)
class RepresentationJob:
    """One representation to train (or take from the cache), with the scores its trials need."""

    index: int
    spec: RepresentationSpec
    representation_id: str
    cache_key: str
    measures: frozenset[str]
    distances: frozenset[str]


@dataclass(frozen=True)
class SweepPlan:
    config: SweepConfig
    data_fingerprint: str
    jobs: tuple[RepresentationJob, ...]
    trials: tuple[TrialSpec, ...]
    stored: Mapping[str, str]

    @property
    def to_run(self) -> list[TrialSpec]:
        """Trials not stored as finished: never run, or stored as failed (tried again)."""
        return [trial for trial in self.trials if self.stored.get(trial.id) != "ok"]

    def packs(self, trials: list[TrialSpec], pack_size: int) -> list[list[TrialSpec]]:
        """Compatible trials in packs of at most `pack_size`, in plan order."""
        groups: dict[tuple, list[TrialSpec]] = collections.defaultdict(list)
        for trial in trials:
            groups[trial.pack_key()].append(trial)
        return [group[i : i + pack_size] for group in groups.values() for i in range(0, len(group), pack_size)]


def _check_compatible(config: SweepConfig, splits: Splits) -> None:
    side = splits.image_shape
    for index, representation in enumerate(config.representations):
        if representation.kind == "conv-vae" and (side[0] != side[1] or side[0] % 2 or side[0] < 4):
            raise ConfigError(
                f"representations[{index}].kind = 'conv-vae': needs square images of an even side >= 4, "
                f"{config.data.dataset} has {side[0]}x{side[1]}"
            )
        if representation.kind != "pixels":
            continue
        for strategy in config.strategies:
            needs = strategy.representativeness in NEEDS_POSTERIOR or (
                strategy.batch == "greedy" and strategy.distance == "j-divergence"
            )
            if needs:
                raise ConfigError(
                    f"strategies: {strategy.label()} needs posterior variances, which "
                    f"representations[{index}] (pixels) does not have"
                )


def make_plan(config: SweepConfig, splits: Splits, stored: Mapping[str, str]) -> SweepPlan:
    """Expands the config into jobs and trials (seeds x strategies for every representation)."""
    _check_compatible(config, splits)
    fingerprint = splits.fingerprint()
    measures = frozenset(s.representativeness for s in config.strategies if s.representativeness)
    distances = frozenset(s.distance for s in config.strategies if s.batch == "greedy")
    jobs, trials = [], []
    for index, representation in enumerate(config.representations):
        job = RepresentationJob(
            index=index,
            spec=representation,
            representation_id=representation.key(fingerprint),
            cache_key=cache_key(representation, fingerprint),
            measures=measures,
            distances=distances,
        )
        jobs.append(job)
        for seed in config.seeds:
            for strategy in config.strategies:
                trials.append(
                    TrialSpec(
                        dataset=config.data.dataset,
                        representation=job.representation_id,
                        strategy=strategy,
                        classifier=config.classifier,
                        budget=config.budget,
                        seed=seed,
                    )
                )
    return SweepPlan(config, fingerprint, tuple(jobs), tuple(trials), dict(stored))


def describe_plan(plan: SweepPlan, pack_size: int, cached: set[str]) -> str:
    """The plan as text: jobs, trial counts per dimension and in total, packs, and what is stored."""
    config = plan.config
    lines = [f"sweep {config.name!r} on {config.data.dataset} (data {plan.data_fingerprint})"]
    lines.append(f"representation jobs: {len(plan.jobs)}")
    for job in plan.jobs:
        state = "cached" if job.cache_key in cached else "to train"
        extra = ""
        if job.measures:
            extra = f", representativeness: {', '.join(sorted(job.measures))}"
        lines.append(f"  {job.representation_id} ({state}{extra})")
    lines.append(
        f"trials: {len(plan.trials)} = {len(plan.jobs)} representations x {len(config.strategies)} strategies "
        f"x {len(config.seeds)} seeds"
    )
    for strategy in config.strategies:
        lines.append(f"  {strategy.label()}")
    ok = sum(1 for t in plan.trials if plan.stored.get(t.id) == "ok")
    failed = sum(1 for t in plan.trials if plan.stored.get(t.id) == "failed")
    to_run = plan.to_run
    packs = plan.packs(to_run, pack_size)
    lines.append(f"stored: {ok} finished (skipped), {failed} failed (run again)")
    lines.append(f"to run: {len(to_run)} trials in {len(packs)} packs of up to {pack_size}")
    budget = config.budget
    lines.append(
        f"budget: {budget.initial} initial + {budget.iterations} x {budget.batch} = {budget.final_labels} labels; "
        f"classifier {'-'.join(map(str, config.classifier.hidden))}, {config.classifier.epochs} epochs"
    )
    return "\n".join(lines)
