"""The plan of a sweep: representation jobs, trial specs with stable ids, packs, and what is stored.

Everything the plan can refuse it refuses here, before any work: a representation kind that cannot run
on the data, a strategy that needs what a representation lacks, a budget larger than the pool, a
validation or test part that lacks a class the pool has.
"""

from __future__ import annotations

import collections
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..classifiers import CLASSIFIERS
from ..classifiers.kinds import epochs
from ..config import ConfigError, SweepConfig
from ..data import DATASETS, Splits, load_splits, long_tail_pool, missing_classes, unbalance_pool
from ..engine import (
    PASSIVE,
    BudgetSpec,
    ClassifierSpec,
    StrategySpec,
    TrialSpec,
    has_posterior,
    kind_problem,
    pool_advice,
)
from ..errors import DataError, listing, plural
from ..protocols import Precision, TrialStatus
from ..stopping import STOPPING
from .representations import RepresentationJob, representation_job

# benchmarks/sweep_throughput.py (the yardstick) and trial_throughput.py: on a CPU a pack trains fastest
# while its members' weights, gradients and optimiser state (16 bytes per weight) stay within about 8 MB of
# cache: packs of 1 for the thesis' 512-512 MLP (whole runs: 1 at 114-116 s, 2 at 114-123 s, 5 at 127 s),
# of 6 for 256-256, of 32 for 64-64. A GPU wants large packs.
CPU_PACK_STATE_BYTES = 8 << 20
CPU_PACK_CAP = 32
GPU_PACK_CAP = 256


@dataclass(frozen=True)
class SweepPlan:
    config: SweepConfig
    data_fingerprint: str
    class_counts: dict[str, list[int]]
    split: str
    jobs: tuple[RepresentationJob, ...]
    trials: tuple[TrialSpec, ...]
    stored: Mapping[str, str]

    @property
    def to_run(self) -> list[TrialSpec]:
        """Trials not stored as finished: never run, or stored as failed (tried again)."""
        return [trial for trial in self.trials if self.stored.get(trial.id) != TrialStatus.OK]


def data_splits(data) -> Splits:
    """The splits a config's [data] table names (`config.sweep.DataConfig`): the one place they load,
    with the pool made imbalanced where [data.imbalance] asks (validation and test as they are)."""
    splits = load_splits(
        data.dataset,
        data.path,
        validation_size=data.validation_size,
        split=data.split,
        seed=data.split_seed,
        test_fraction=data.test_fraction,
    )
    imbalance = data.imbalance
    if imbalance is None:
        return splits
    if imbalance.rule == "long-tail":
        return long_tail_pool(splits, imbalance.ratio, imbalance.order, imbalance.seed)
    if not splits.holds_images:
        raise ConfigError(
            f"data.imbalance.rule = 'paper': it adds jittered copies of images, and {splits.name} holds vectors; "
            "use rule = 'long-tail'"
        )
    try:
        return unbalance_pool(splits, imbalance.per_class, imbalance.seed)
    except DataError as error:
        raise ConfigError(f"data.imbalance.per_class = {imbalance.per_class}: {error}") from None


def check_data(splits: Splits, validation_key: str = "data.validation_size") -> None:
    """Refuses splits whose pool holds fewer than two classes (every accuracy would be 1), or whose
    validation or test part lacks a class the pool has."""
    classes = np.unique(splits.pool_labels)
    if classes.size < 2:
        held = f"only label {classes[0]}" if classes.size else "no labels"
        raise DataError(
            f"{splits.name}: the pool holds {held}; a classifier needs at least 2 classes (check the labels of "
            "data.path)"
        )
    for part, lacking in missing_classes(splits).items():
        shown = listing(lacking, 10)
        what = "validation" if part == "val" else "test"
        fix = (
            f"raise {validation_key} or use data.split = 'stratified'"
            if part == "val"
            else "give a test part with every class, or use data.split = 'stratified'"
        )
        raise DataError(f"{splits.name}: the {what} part lacks class(es) {shown} that the pool has; {fix}")


def check_budget(budget: BudgetSpec, splits: Splits, path: str = "budget") -> None:
    """Refuses a budget that buys more labels (trained and paid validation) than the pool has."""
    pool = splits.pool.shape[0]
    if budget.final_labels > pool:
        raise ConfigError(f"{path}: {budget.describe()}, but the pool of {splits.name} has {pool} examples")


def learners_of(strategy: StrategySpec, classifiers: Sequence[ClassifierSpec]) -> list[ClassifierSpec]:
    """The classifiers whose learners give everything the strategy needs (a committee measure runs with an
    ensemble only, BADGE with learners that have a last layer)."""
    return [classifier for classifier in classifiers if not classifier.lacks(strategy.needs())]


def check_learners(strategies: Sequence[StrategySpec], classifiers: Sequence[ClassifierSpec], key: str) -> None:
    """Refuses a strategy that needs a model output no classifier of the sweep can give (BADGE's gradient
    embedding from an SVC, a committee from one MLP). With several classifiers a strategy runs with those
    that can serve it. key: how the config names the classifier(s)."""
    for strategy in strategies:
        if learners_of(strategy, classifiers):
            continue
        missing = sorted({need for c in classifiers for need in c.lacks(strategy.needs())})
        if len(classifiers) == 1:
            where = f"{key} ({classifiers[0].label()}, kind {classifiers[0].kind!r}) does not provide"
        else:
            where = f"none of the {len(classifiers)} classifiers ({key}) provides"
        raise ConfigError(f"strategies: {strategy.label()} needs {', '.join(missing)}, which {where}")


def precision_keys(config) -> list[tuple[str, str]]:
    """(key path, precision) of every classifier and trained representation that has one (a sweep's or a
    tuning study's config)."""
    representations = getattr(config, "representations", None) or (config.representation,)
    found = [(f"representations[{i}].precision", r.precision) for i, r in enumerate(representations)]
    classifiers = getattr(config, "classifiers", None) or (config.classifier,)
    several = len(classifiers) > 1
    found += [(f"classifier[{i}].precision" if several else "classifier.precision", c.precision)
              for i, c in enumerate(classifiers)]  # fmt: skip
    return [(key, precision) for key, precision in found if precision is not None]


def check_precision(config) -> None:
    """Refuses a precision this machine's accelerator cannot run (bf16 on a GPU without it), never downgraded."""
    import torch

    from ..models.precision import device_problem

    if not torch.cuda.is_available():
        return
    for key, precision in precision_keys(config):
        problem = device_problem(precision, torch.device("cuda"))
        if problem:
            raise ConfigError(f"{key} = {precision!r}: {problem}; use precision = 'fp32'")


def precision_hint(config) -> str | None:
    """One line when this machine multiplies bf16 fast and the sweep trains in float32, else None."""
    from ..models.precision import fast_bf16

    found = fast_bf16()
    if found is None or all(precision != Precision.FP32 for _, precision in precision_keys(config)):
        return None
    return (
        f'hint: this machine multiplies bf16 matrices fast ({found}); precision = "bf16" in [classifier] and '
        '[[representations]] trains in mixed precision, opt-in (README, "Mixed precision": its speed, and where '
        "it was shown to give float32's results)"
    )


def _check(config: SweepConfig, splits: Splits) -> None:
    check_data(splits)
    check_precision(config)
    check_learners(config.strategies, config.classifiers, "classifier")
    if config.strategies:
        several = len(config.budgets) > 1
        for index, budget in enumerate(config.budgets):
            check_budget(budget, splits, f"budgets[{index}]" if several else "budget")
    for index, representation in enumerate(config.representations):
        problem = kind_problem(representation.kind, splits)
        if problem:
            raise ConfigError(f"representations[{index}].kind = {representation.kind!r}: {problem}")
        for strategy in config.strategies:
            if strategy.needs_posterior() and not has_posterior(representation.kind, splits):
                raise ConfigError(
                    f"strategies: {strategy.label()} needs posterior variances, which "
                    f"representations[{index}] ({representation.kind}) does not have"
                )
            if strategy.needs_reconstruction_error() and not representation.trained:
                raise ConfigError(
                    f"strategies: initial = {strategy.initial!r} needs an autoencoder's reconstruction errors, "
                    f"which representations[{index}] ({representation.kind}) does not have"
                )


def baseline_trials(name: str, splits: Splits) -> list[tuple[StrategySpec, BudgetSpec]]:
    """The (strategy, budget) of a named baseline: `all-labels` trains once on every pool label."""
    if name == "all-labels":
        return [(StrategySpec(uncertainty=PASSIVE, initial="all"), BudgetSpec(splits.pool.shape[0], 1, 0))]
    raise ConfigError(f"baselines: unknown baseline {name!r}")


def make_plan(config: SweepConfig, splits: Splits, stored: Mapping[str, str]) -> SweepPlan:
    """Expands the config into jobs and trials: representations x classifiers x (strategies and
    baselines) x seeds."""
    _check(config, splits)
    measures = frozenset(
        s.representativeness
        for s in config.strategies
        if s.representativeness is not None and s.uses_representativeness()  # the first: implied
    )
    distances = frozenset().union(*(s.distances() for s in config.strategies))
    runs = [(strategy, budget) for budget in config.budgets for strategy in config.strategies]
    looped = set(runs)  # the strategies' trials; a baseline has no loop to stop
    for name in config.baselines:
        runs += baseline_trials(name, splits)
    learners = {strategy: learners_of(strategy, config.classifiers) for strategy, _ in runs}
    jobs, trials = [], []
    for representation in config.representations:
        job = representation_job(representation, splits, "data", measures, distances)
        jobs.append(job)
        for classifier in config.classifiers:
            for seed in config.seeds:
                for strategy, budget in runs:
                    if classifier in learners[strategy]:
                        stopping = config.stopping if (strategy, budget) in looped else None
                        trials.append(TrialSpec(splits.name, job.representation_id, strategy, classifier, budget,
                                                seed, stopping))  # fmt: skip
    split = splits_rule(config.data)
    return SweepPlan(
        config, splits.fingerprint(), splits.class_counts(), split, tuple(jobs), tuple(trials), dict(stored)
    )


def _steps(classifier, budgets) -> str:
    """' (40 to 600 optimiser steps a fit)': what the first and the last fit of a learner trained by steps make."""
    if not CLASSIFIERS.declared(classifier.kind).steps or classifier.batch_size is None:
        return ""
    counts = []
    for budget in budgets:
        for labelled in (budget.initial, budget.trained_labels):
            counts.append(epochs(classifier, labelled) * -(-labelled // classifier.batch_size))
    low, high = min(counts), max(counts)
    return f" ({low} optimiser steps a fit)" if low == high else f" ({low} to {high} optimiser steps a fit)"


def splits_rule(data) -> str:
    """How a config's [data] table splits validation off: its `split`, else its data set kind's default."""
    return data.split or DATASETS.declared(data.dataset).split


def pack_cap(
    pack_size: int | str, gpus: bool = False, classifiers: Sequence[ClassifierSpec] = (ClassifierSpec(),)
) -> int:
    """The most trials in one pack: the configured size, or for 'auto' the fastest on the device for the
    largest of the classifiers (its training state against `CPU_PACK_STATE_BYTES` on a CPU)."""
    if pack_size != "auto":
        return int(pack_size)
    if gpus:
        return GPU_PACK_CAP
    weights = max(c.cost(32, 10) for c in classifiers)
    return max(1, min(CPU_PACK_CAP, CPU_PACK_STATE_BYTES // (16 * max(weights, 1))))


def make_packs(
    trials: Sequence[TrialSpec], n_workers: int, cap: int, resume_at: Mapping[str, int] | None = None
) -> list[list[TrialSpec]]:
    """Compatible trials (same pack key and resume iteration) in packs of at most `cap`, sized so that
    workers finish together: each group is cut into a multiple of `n_workers` packs of equal size (+-1)
    where it has enough trials, and packs come largest (most remaining work) first."""
    resume_at = resume_at or {}
    groups: dict[tuple, list[TrialSpec]] = collections.defaultdict(list)
    for trial in trials:
        groups[(trial.pack_key(), resume_at.get(trial.id, 0))].append(trial)
    packs: list[tuple[float, int, list[TrialSpec]]] = []
    for (key, start), group in groups.items():
        count = math.ceil(len(group) / (cap if group[0].classifier.packs else 1))
        count = min(len(group), math.ceil(count / n_workers) * n_workers)
        remaining = key[-1].iterations + 1 - start  # the budget's iterations still to run
        size, extra = divmod(len(group), count)
        position = 0
        for index in range(count):
            members = group[position : position + size + (index < extra)]
            position += len(members)
            packs.append((len(members) * max(remaining, 1), len(packs), members))
    packs.sort(key=lambda item: (-item[0], item[1]))
    return [members for _, _, members in packs]


def describe_plan(plan: SweepPlan, packs: list[list[TrialSpec]], cap: int, cached: set[str]) -> str:
    """The plan as text: data parts with class counts, jobs, trial counts, packs, and what is stored."""
    config = plan.config
    counts = plan.class_counts
    imbalance = config.data.imbalance
    pool = f", pool {imbalance.describe()}" if imbalance is not None else ""
    lines = [f"sweep {config.name!r} on {config.data.dataset} (data {plan.data_fingerprint}, split {plan.split}{pool})"]
    for part, label in (("pool", "pool"), ("val", "validation"), ("test", "test")):
        lines.append(f"  {label}: {sum(counts[part])} examples, per class {counts[part]}")
    lines.append(f"representation jobs: {len(plan.jobs)}")
    for job in plan.jobs:
        state = "cached" if job.cache_key in cached else ("to train" if job.spec.trained else "to read")
        extra = f", representativeness: {', '.join(sorted(job.measures))}" if job.measures else ""
        lines.append(f"  {job.representation_id} ({state}{extra})")
        advice = pool_advice(job.spec, sum(counts["pool"])) if job.spec.trained and state == "to train" else None
        if advice:
            lines.append(f"    note: {advice}")
    classifiers = f" x {plural(len(config.classifiers), 'classifier')}" if len(config.classifiers) > 1 else ""
    runs = plural(len(config.strategies), "strategy", "strategies") + (
        f" x {plural(len(config.budgets), 'budget')}" if len(config.budgets) > 1 else ""
    )
    if config.baselines:
        runs = f"({runs} + {plural(len(config.baselines), 'baseline')})"
    seeds = len(config.seeds)
    crossed = (
        len(plan.jobs)
        * len(config.classifiers)
        * seeds
        * (len(config.strategies) * len(config.budgets) + len(config.baselines))
    )
    skipped = f", less {crossed - len(plan.trials)} a classifier cannot serve" if crossed > len(plan.trials) else ""
    lines.append(
        f"trials: {len(plan.trials)} = {plural(len(plan.jobs), 'representation')}{classifiers} x {runs} x "
        f"{plural(seeds, 'seed')}{skipped}"
    )
    for strategy in config.strategies:
        served = learners_of(strategy, config.classifiers)
        only = "" if len(served) == len(config.classifiers) else f" (only with {'; '.join(c.label() for c in served)})"
        lines.append(f"  {strategy.label()}{only}")
    for baseline in config.baselines:
        lines.append(f"  {baseline} (baseline)")
    lines += [f"  note: {note}" for note in config.notes]
    ok = sum(1 for t in plan.trials if plan.stored.get(t.id) == TrialStatus.OK)
    failed = sum(1 for t in plan.trials if plan.stored.get(t.id) == TrialStatus.FAILED)
    lines.append(f"stored: {ok} finished (skipped), {failed} failed (run again)")
    sizes = sorted({len(p) for p in packs}, reverse=True)
    lines.append(
        f"to run: {plural(len(plan.to_run), 'trial')} in {plural(len(packs), 'pack')} of "
        f"{'/'.join(map(str, sizes)) or 0} (at most {cap} per pack)"
    )
    classes = len(counts["pool"])
    for budget in config.budgets:
        paid = "" if budget.validation else "; validation: the free validation part"
        lines.append(
            f"budget {budget.name}: {budget.describe()}, {budget.trained_labels / classes:.4g} trained labels per "
            f"class at the end{paid}"
        )
    if config.stopping is not None:
        source = STOPPING.declared(config.stopping.criterion).source
        lines.append(f"stopping: {config.stopping.label()} ({source}): a trial ends, complete, when it fires")
    for classifier in config.classifiers:
        epochs = f", {classifier.epochs} epochs{_steps(classifier, config.budgets)}" if classifier.epochs else ""
        alone = "" if classifier.packs else " (one trial per pack)"
        lines.append(f"classifier {classifier.label()}{epochs}{alone}")
    hint = precision_hint(config)
    if hint:
        lines.append(hint)
    return "\n".join(lines)
