"""One selection of a pack (thesis 3.1 (d)-(e), 3.4): each member's candidates, the model outputs its strategy
declared it needs from its trained classifier, its scores and its batch rule.

Memory stays O(chunk x width), not O(candidates x width), where the work allows it: the classifier's passes
over the candidates (probabilities, MC-dropout passes, committee members) run in chunks of rows, and a
row-wise uncertainty measure (`UncertaintyMeasure.rowwise`) scores each chunk as it comes, so that a pool of a
million never holds its [T, n, C] MC passes. Outputs a batch rule takes whole (BADGE's gradient embedding,
BatchBALD's passes) are gathered chunk by chunk and kept whole, as the rule reads them. A batch rule that
reads no features (`BatchRule.uses_features`) gets a zero-stride placeholder of their shape, never a copy.
"""

from __future__ import annotations

import functools
import inspect
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from ..compute import on_device
from ..models import ieee_floats
from ..strategies import BATCH_SELECTION, UNCERTAINTY, BatchParams, Candidates, subsample_candidates
from .outputs import MODEL_OUTPUTS

CHUNK_ROWS = 16_384  # candidate rows of one pass of the classifier (per member of the pack): 32 MB of a 512-unit layer


def candidates_of(member, batch: int) -> np.ndarray:
    """The pool indices a member may query now: every unlabelled one, or a fresh subsample of them."""
    strategy, unlabelled = member.spec.strategy, member.oracle.unlabelled()
    if strategy.is_passive:
        return unlabelled
    return subsample_candidates(unlabelled, strategy.subsample, batch, member.rng)


def _chunks(selecting: Sequence, candidates: dict[int, np.ndarray]):
    """(start, stop, padded pool indices [K, rows], each member's rows in the chunk) over the candidates of
    several members, CHUNK_ROWS at a time (members with fewer candidates are padded with their first)."""
    sizes = [candidates[id(m)].shape[0] for m in selecting]
    step = max(256, CHUNK_ROWS // max(len(selecting), 1))
    for start in range(0, max(*sizes, 1), step):  # one (empty) chunk when no member has a candidate
        stop = start + step
        counts = [max(0, min(size, stop) - start) for size in sizes]
        padded = np.zeros((len(selecting), max(counts)), dtype=np.int64)
        for row, member in enumerate(selecting):
            padded[row, : counts[row]] = candidates[id(member)][start : start + counts[row]]
        yield start, padded, counts


def _measure_is_chunked(strategy) -> bool:
    return strategy.scores() and UNCERTAINTY.declared(strategy.uncertainty).rowwise


class Selection:
    """The model outputs and scores of one selection, for the members of a pack that select now."""

    def __init__(self, pool: torch.Tensor, model, order: dict[int, int], iteration: int) -> None:
        self.pool, self.model, self.order, self.iteration = pool, model, order, iteration

    def _outputs(
        self, need: str, members: Sequence, padded: np.ndarray, counts: list[int], start: int, totals: list[int]
    ) -> list[Any]:
        x = self.pool[torch.from_numpy(padded).to(self.pool.device)]
        model = self.model.subset([self.order[id(m)] for m in members])
        entry = MODEL_OUTPUTS[need]
        given = {"first_row": start, "rows": totals}
        keywords = {name: value for name, value in given.items() if takes(entry, name)}  # entries written before
        return entry(model, x, counts, [m.spec for m in members], **keywords)

    def scores(self, selecting: Sequence, candidates: dict[int, np.ndarray]) -> dict[int, np.ndarray]:
        """member id -> uncertainty [n] of every member whose row-wise measure scores its candidates, computed
        chunk by chunk (each chunk's outputs are dropped once scored)."""
        scoring = [m for m in selecting if _measure_is_chunked(m.spec.strategy)]
        found = {id(m): np.zeros(candidates[id(m)].shape[0]) for m in scoring}
        if not scoring or self.model is None:
            return found
        needs = [need for need in MODEL_OUTPUTS if any(need in _measure_needs(m) for m in scoring)]
        for start, padded, counts in _chunks(scoring, candidates):
            started = time.perf_counter()
            outputs: dict[int, dict[str, Any]] = {}  # member id -> need -> output
            for need in needs:
                members = [m for m in scoring if need in _measure_needs(m)]
                rows = [scoring.index(m) for m in members]
                totals = [candidates[id(m)].shape[0] for m in members]
                results = self._outputs(need, members, padded[rows], [counts[r] for r in rows], start, totals)
                for member, result in zip(members, results, strict=True):
                    outputs.setdefault(id(member), {})[need] = result
            for row, member in enumerate(scoring):
                if counts[row]:
                    with ieee_floats():
                        found[id(member)][start : start + counts[row]] = _uncertainty(
                            member, outputs[id(member)], self.iteration
                        )
            share = (time.perf_counter() - started) / len(scoring)
            for member in scoring:
                member.selection_seconds += share
        return found

    def rule_outputs(self, selecting: Sequence, candidates: dict[int, np.ndarray]) -> dict[int, dict]:
        """member id -> {need: output} of what each member's batch rule (and a measure that is not row-wise)
        takes whole, each gathered chunk by chunk and joined."""
        found: dict[int, dict[str, Any]] = {}
        if self.model is None:
            return found
        for need in MODEL_OUTPUTS:
            needing = [m for m in selecting if need in _whole_needs(m)]
            if not needing:
                continue
            started = time.perf_counter()
            totals = [candidates[id(m)].shape[0] for m in needing]
            joined = {id(m): _Joined(total) for m, total in zip(needing, totals, strict=True)}
            for start, padded, counts in _chunks(needing, candidates):
                parts = self._outputs(need, needing, padded, counts, start, totals)
                for member, part in zip(needing, parts, strict=True):
                    joined[id(member)].add(start, part)
            share = (time.perf_counter() - started) / len(needing)
            for member in needing:
                found.setdefault(id(member), {})[need] = joined[id(member)].value
                member.selection_seconds += share
        return found


@functools.cache
def takes(function, name: str) -> bool:
    """Whether a callable accepts the keyword `name` (plugins written before it existed do not)."""
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False
    return name in parameters or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())


def _measure_needs(member) -> tuple[str, ...]:
    return UNCERTAINTY.declared(member.spec.strategy.uncertainty).needs


def _whole_needs(member) -> set[str]:
    """Outputs a member needs whole: its batch rule's, and its measure's when that measure is not row-wise."""
    strategy = member.spec.strategy
    needs = set(strategy.rule().needs) & set(strategy.needs())
    if strategy.scores() and not UNCERTAINTY.declared(strategy.uncertainty).rowwise:
        needs |= set(_measure_needs(member))
    return needs


class _Joined:
    """A member's output over all its candidates, filled chunk by chunk into arrays made once at their full
    size (never a list of chunks and a concatenated copy of them: the peak stays one output plus one chunk)."""

    def __init__(self, rows: int) -> None:
        self.rows = rows
        self.value: np.ndarray | tuple[np.ndarray, ...] | None = None

    @staticmethod
    def _axis(part: np.ndarray) -> int:
        return 0 if part.ndim == 2 else 1  # [m, C], [m, H] or [T, m, C] / [M, m, C]

    def _place(self, whole, start: int, part):
        if whole is None:
            shape = list(part.shape)
            shape[self._axis(part)] = self.rows
            whole = np.empty(shape, dtype=part.dtype)
        index = [slice(None)] * part.ndim
        index[self._axis(part)] = slice(start, start + part.shape[self._axis(part)])
        whole[tuple(index)] = part
        return whole

    def add(self, start: int, part) -> None:
        if isinstance(part, tuple):
            before = self.value or (None,) * len(part)
            self.value = tuple(self._place(w, start, p) for w, p in zip(before, part, strict=True))
        else:
            self.value = self._place(self.value, start, part)


def _uncertainty(member, outputs: dict, iteration: int) -> np.ndarray:
    """The member's uncertainty scores from the outputs its measure declared it needs, with its own parameters
    at this iteration (schedules applied)."""
    strategy = member.spec.strategy
    measure = UNCERTAINTY.declared(strategy.uncertainty)
    own = {name: strategy.at(name, iteration, member.spec.budget.iterations) for name in measure.params}
    return UNCERTAINTY[strategy.uncertainty](*(outputs[need] for need in measure.needs), **own)


def _features(latent, candidates: np.ndarray, needed: bool) -> np.ndarray:
    """The candidates' features [n, d]: a copy when the rule reads them, else a zero-stride placeholder."""
    if needed:
        return latent.pool[candidates]
    return np.broadcast_to(np.zeros((), dtype=latent.pool.dtype), (candidates.shape[0], latent.pool.shape[1]))


def select_one(
    latent, member, candidates: np.ndarray, outputs: dict, scores: np.ndarray | None, batch: int, iteration: int,
    device,
) -> np.ndarray:  # fmt: skip
    """Pool indices of the member's next batch, chosen among `candidates` (thesis 3.4), with the strategy's
    scheduled weights at this iteration, its uncertainty `scores` (or the outputs to compute them from) and the
    outputs its rule declared it needs; array work on `device`."""
    strategy = member.spec.strategy
    with on_device(device), ieee_floats():
        if strategy.is_passive:
            features = _features(latent, candidates, False)
            scored = Candidates(uncertainty=np.zeros(candidates.shape[0]), features=features)
            return candidates[BATCH_SELECTION["random"](scored, batch, member.rng, BatchParams())]
        iterations = member.spec.budget.iterations
        representativeness = None
        if strategy.uses_representativeness():
            representativeness = latent.representativeness[strategy.representativeness][candidates]
        uncertainty = np.zeros(candidates.shape[0])
        if strategy.scores():
            uncertainty = scores if scores is not None else _uncertainty(member, outputs, iteration)
        rule = strategy.rule()
        scored = Candidates(
            uncertainty=uncertainty,
            representativeness=representativeness,
            features=_features(latent, candidates, rule.uses_features),
            logvar=None if latent.pool_logvar is None else latent.pool_logvar[candidates],
            gamma=strategy.at("gamma", iteration, iterations),
            mc_probabilities=outputs.get("mc_probabilities"),
            gradient_embedding=outputs.get("gradient_embedding"),
            outputs=outputs,
            labelled_features=latent.pool[member.labelled] if "labelled_features" in rule.needs else None,
        )
        params = strategy.batch_params(iteration, iterations, latent.distance_bounds)
        return candidates[BATCH_SELECTION[strategy.batch](scored, batch, member.rng, params)]
