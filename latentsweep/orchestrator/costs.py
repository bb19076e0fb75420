"""What a selection will cost on a large pool, said by `plan` before any work: each strategy's work per
iteration from what its entries declare (`strategies.work`), at this machine's measured float32 product rate,
and the subsample that would bring a slow one within reach."""

from __future__ import annotations

import time
from collections.abc import Sequence

from ..engine import ClassifierSpec, StrategySpec
from ..strategies import INITIAL_SELECTION, REPRESENTATIVENESS, UNCERTAINTY
from ..strategies.work import Work, describe

LARGE_POOL = 200_000  # pools from this size get the estimates
SLOW_SECONDS = 30.0  # a selection estimated slower than this gets a subsample proposed
HELD_BYTES = 1 << 30  # what a selection may hold at once beyond the pool (the target of `benchmarks/pool_scale.py`)


def product_rate(threads: int = 1, seconds: float = 0.3) -> float:
    """float32 FLOP per second of a one-worker product (1024^3) on this machine: what a worker's thread does."""
    import torch

    saved = torch.get_num_threads()
    torch.set_num_threads(max(1, threads))
    try:
        a = torch.randn(1024, 1024)
        a @ a
        count, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds:
            a @ a
            count += 1
        return count * 2 * 1024**3 / (time.perf_counter() - started)
    finally:
        torch.set_num_threads(saved)


def _hidden(classifier: ClassifierSpec) -> int:
    return (classifier.hidden or (0,))[-1] if classifier.hidden else 0


def selection_work(
    strategy: StrategySpec, classifier: ClassifierSpec, *, n: int, d: int, labelled: int, k: int, classes: int
) -> float:
    """FLOP of one selection of `strategy` among n candidates (its subsample already applied by the caller)."""
    if strategy.is_passive:
        return 0.0
    passes = int(strategy.value("mc_samples")) if "mc_samples" in strategy.declared_params() else 1
    if not classifier.packs or classifier.kind == "ensemble":
        passes = 1  # an ensemble's members are its samples: its declared cost counts all of them once
    work = Work(n=n, d=d, labelled=labelled, k=k, classes=classes, model=classifier.cost(d, classes),
                hidden=_hidden(classifier), passes=passes)  # fmt: skip
    total = 0.0
    if strategy.scores():
        total += UNCERTAINTY.declared(strategy.uncertainty).cost(work)
    rule = strategy.rule().cost
    return total + (rule(work) if rule is not None else 0.0)


def estimate_lines(
    strategies: Sequence[StrategySpec], classifier: ClassifierSpec, *, pool: int, d: int, labelled: int, k: int,
    classes: int, threads: int = 1, rate: float | None = None,
) -> list[str]:  # fmt: skip
    """`plan`'s lines for a large pool: each strategy's estimated seconds per selection on one worker's thread at
    its largest labelled set (the last iteration), and a subsample for those slower than SLOW_SECONDS."""
    rate = rate or product_rate(threads)
    lines = [
        f"selection cost per iteration on this machine (pool of {pool:,} x {d}, {rate / 1e9:.0f} GFLOP/s float32 on "
        f"{threads} thread{'s' if threads != 1 else ''}; estimates from each entry's declared work):"
    ]
    for strategy in strategies:
        n = max(1, int((pool - labelled) * strategy.subsample))
        work = selection_work(strategy, classifier, n=n, d=d, labelled=labelled, k=k, classes=classes)
        seconds = work / rate
        line = f"  {strategy.label()}: {_clock(seconds)} ({describe(work)})"
        if seconds > SLOW_SECONDS and not strategy.is_passive:
            found = _subsample_for(strategy, classifier, pool, d, labelled, k, classes, rate)
            if found is not None:
                line += f"; subsample = {found[0]:g} would take {_clock(found[1])}"
        held = held_bytes(strategy, classifier, n=n, classes=classes)
        if held > HELD_BYTES:
            fraction = strategy.subsample * HELD_BYTES / held
            line += (f"; holds ~{held / 2**30:.1f} GB of model outputs at once: subsample = "
                     f"{_round_down(fraction):g} keeps it under 1 GB")  # fmt: skip
        lines.append(line)
    return lines


def held_bytes(strategy: StrategySpec, classifier: ClassifierSpec, *, n: int, classes: int) -> float:
    """What a selection holds for all n candidates at once (outputs a rule or measure reads together, not in
    chunks): BADGE's gradient embeddings (n x the last hidden width in float32, or float16 where its
    `activations` holds them so, and n x C), an uncertainty measure that is not row-wise over posterior samples
    (EPIG: [T, n, C] in float64); 0 for those scored chunk by chunk."""
    if strategy.is_passive:
        return 0.0
    needs = strategy.needs()
    if "gradient_embedding" in needs:
        half = strategy.holds_activations_in_half(n)
        width = _hidden(classifier) or classifier.cost(1, 1)
        return n * width * (2.0 if half else 4.0) + n * classes * (4.0 if half else 8.0)
    measure = UNCERTAINTY.declared(strategy.uncertainty) if strategy.scores() else None
    if measure is not None and not measure.rowwise:
        passes = int(strategy.value("mc_samples")) if "mc_samples" in strategy.declared_params() else 1
        return n * passes * classes * 8.0
    return 0.0


def _round_down(fraction: float) -> float:
    """The largest of 0.5, 0.2, 0.1, 0.05, ... at most `fraction`."""
    for step in (0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001):
        if step <= fraction:
            return step
    return 0.001


def _subsample_for(strategy, classifier, pool, d, labelled, k, classes, rate) -> tuple[float, float] | None:
    """The largest of 0.5, 0.2, 0.1, 0.05, ... whose selection is estimated under SLOW_SECONDS, and its seconds."""
    for fraction in (0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001):
        n = max(1, int((pool - labelled) * fraction))
        work = selection_work(strategy, classifier, n=n, d=d, labelled=labelled, k=k, classes=classes)
        if work / rate < SLOW_SECONDS:
            return fraction, work / rate
    return None


def one_off_lines(measures: Sequence[str], initial: Sequence[str], *, pool: int, d: int, k: int, classes: int,
                  rate: float) -> list[str]:  # fmt: skip
    """The work done once per representation (representativeness over the whole pool) or per trial (the initial
    sampler), estimated the same way."""
    lines = []
    for name in measures:
        work = REPRESENTATIVENESS.declared(name).cost(pool, d)
        once = f"{_clock(work / rate)} ({describe(work)})"
        lines.append(f"  {name} over the whole pool, once per representation: {once}")
    for name in initial:
        cost = INITIAL_SELECTION.declared(name).cost
        if cost is not None:
            work = cost(Work(n=pool, d=d, k=k, classes=classes))
            lines.append(f"  initial = {name!r}, once per trial: {_clock(work / rate)} ({describe(work)})")
    return lines


def _clock(seconds: float) -> str:
    """'under 1 s', '~6 s', '~12 min', '~2.5 h'."""
    if seconds < 1:
        return "under 1 s"
    if seconds < 120:
        return f"~{seconds:.0f} s"
    if seconds < 7200:
        return f"~{seconds / 60:.0f} min"
    return f"~{seconds / 3600:.1f} h"


