"""The active-learning loop (thesis 3.1 (c)-(f), 4.3), run for a pack of K compatible trials in lockstep.

A pack shares the representation, classifier and budget; its members may differ in strategy and seed.
At every iteration all members hold the same number of labels, so their K MLPs train as one stacked
ensemble. A member's results depend only on its own spec: its numpy Generator and its MLP's random
streams are derived from its seed, never from the pack.
"""

from __future__ import annotations

import socket
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from ..errors import SpecError
from ..models import MLPShape, StackedMLP, pick_device
from ..models.counter_random import stream_key
from ..strategies import (
    BATCH_SELECTION,
    INITIAL_SELECTION,
    UNCERTAINTY,
    BatchParams,
    Candidates,
    InitialParams,
    InitialPool,
    subsample_candidates,
)
from .latent_set import LatentSet
from .oracle import Oracle
from .specs import TrialSpec

# Exceptions that fail one trial and let its pack (and the sweep) go on; anything else stops the pack.
TRIAL_ERRORS: tuple[type[BaseException], ...] = (ArithmeticError, LookupError, ValueError, RuntimeError, TypeError)


@dataclass(frozen=True)
class IterationRecord:
    """One row of a learning curve: after querying `queried`, the MLP trained on n_labeled labels."""

    iteration: int
    n_labeled: int
    val_accuracy: float
    train_accuracy: float
    fit_seconds: float
    selection_seconds: float
    queried: np.ndarray


@dataclass
class TrialResult:
    """Everything one trial produced; `error` is set (and status 'failed') when it did not finish."""

    spec: TrialSpec
    iterations: list[IterationRecord] = field(default_factory=list)
    test_accuracy: float = float("nan")
    seconds: float = 0.0
    pack_size: int = 1
    device: str = "cpu"
    host: str = ""
    node: str = ""
    error: str | None = None

    @property
    def trial_id(self) -> str:
        return self.spec.id

    @property
    def status(self) -> str:
        return "failed" if self.error else "ok"

    @property
    def final_val_accuracy(self) -> float:
        return self.iterations[-1].val_accuracy if self.iterations else float("nan")

    def queried_indices(self) -> np.ndarray:
        """All queried pool indices in query order."""
        if not self.iterations:
            return np.zeros(0, dtype=np.int64)
        return np.concatenate([row.queried for row in self.iterations])


@dataclass
class _Member:
    spec: TrialSpec
    oracle: Oracle
    rng: np.random.Generator
    result: TrialResult
    labelled: np.ndarray
    labels: np.ndarray
    failed: bool = False


def _describe(error: BaseException) -> str:
    where = traceback.extract_tb(error.__traceback__)[-1] if error.__traceback__ else None
    place = f" (at {where.filename.rsplit('/', 1)[-1]}:{where.lineno})" if where else ""
    return f"{type(error).__name__}: {error}{place}"


def _check_pack(latent: LatentSet, specs: Sequence[TrialSpec]) -> None:
    if not specs:
        raise SpecError("a pack needs at least one trial")
    keys = {spec.pack_key() for spec in specs}
    if len(keys) != 1:
        raise SpecError("the trials of a pack must share data set, representation, classifier and budget")
    spec = specs[0]
    if (spec.dataset, spec.representation) != (latent.dataset, latent.representation):
        raise SpecError(
            f"trials are for {spec.dataset}/{spec.representation}, the latent set is "
            f"{latent.dataset}/{latent.representation}"
        )
    for member in specs:
        if member.strategy.initial == "ae-error" and latent.pool_reconstruction_error is None:
            raise SpecError(f"initial = 'ae-error' needs reconstruction errors; {latent.representation} has none")
        if latent.pool_logvar is None and (
            member.strategy.representativeness in ("kl-to-prior", "density-j-divergence")
            or (member.strategy.batch == "greedy" and member.strategy.distance == "j-divergence")
        ):
            raise SpecError(
                f"strategy {member.strategy.label()} needs posterior variances; {latent.representation} has none"
            )


def _as_tensor(array: np.ndarray, device: torch.device, dtype=torch.float32) -> torch.Tensor:
    return torch.tensor(np.asarray(array), dtype=dtype, device=device)  # copies: object-store arrays are read-only


def initial_batch(latent: LatentSet, spec: TrialSpec, size: int) -> np.ndarray:
    """The first labelled batch: `random` (thesis 3.1 (c)) or any INITIAL_SELECTION sampler on the pool.

    Drawn from a generator of its own, so trials with equal seeds and initial samplers share it.
    """
    rng = np.random.default_rng([spec.seed, 0])
    size = min(size, latent.pool.shape[0])
    if spec.strategy.initial == "random":
        return np.sort(rng.choice(latent.pool.shape[0], size=size, replace=False))
    pool = InitialPool(latent.pool, latent.pool_reconstruction_error)
    chosen = INITIAL_SELECTION[spec.strategy.initial](pool, size, rng, InitialParams(clusters=latent.n_classes))
    return np.sort(np.asarray(chosen, dtype=np.int64))


def run_trial(latent: LatentSet, spec: TrialSpec, device: str | None = None) -> TrialResult:
    """Runs one trial: a pack of one."""
    return run_pack(latent, [spec], device)[0]


def run_pack(
    latent: LatentSet,
    specs: Sequence[TrialSpec],
    device: str | None = None,
    catch: tuple[type[BaseException], ...] = TRIAL_ERRORS,
) -> list[TrialResult]:
    """Runs K compatible trials in lockstep on one LatentSet; returns their results in order.

    An exception of a type in `catch` raised while one member selects its batch fails that member
    (recorded in its result) and the others go on; other exceptions propagate.
    """
    _check_pack(latent, specs)
    started = time.perf_counter()
    torch_device = pick_device(device)
    host = socket.gethostname()
    first = specs[0]
    budget, classifier = first.budget, first.classifier
    latent = latent.with_scores(
        {s.strategy.representativeness for s in specs if s.strategy.representativeness},
        {s.strategy.distance for s in specs if s.strategy.batch == "greedy"},
    )
    pool = _as_tensor(latent.pool, torch_device)
    val, val_labels = _as_tensor(latent.val, torch_device), _as_tensor(latent.val_labels, torch_device, torch.int64)
    shape = MLPShape(latent.n_features, classifier.hidden, latent.n_classes, classifier.dropout)

    members: list[_Member] = []
    for spec in specs:
        oracle = Oracle(latent.pool_labels)
        chosen = initial_batch(latent, spec, budget.initial)
        labels = oracle.query(chosen)
        result = TrialResult(spec=spec, pack_size=len(specs), device=str(torch_device), host=host)
        members.append(_Member(spec, oracle, np.random.default_rng([spec.seed, 1]), result, chosen, labels))

    model: StackedMLP | None = None
    trained: list[_Member] = []  # the members of `model`, in its order
    for iteration in range(budget.iterations + 1):
        selection_seconds: dict[int, float] = {}
        queried: dict[int, np.ndarray] = {}
        if iteration == 0:
            for member in members:
                queried[id(member)] = member.labelled.copy()
                selection_seconds[id(member)] = 0.0
        else:
            _select(latent, pool, model, trained, budget.batch, catch, queried, selection_seconds)
        active = [m for m in members if not m.failed]
        if not active:
            break
        fit_started = time.perf_counter()
        n = active[0].labelled.shape[0]
        index = torch.tensor(np.stack([m.labelled for m in active]), device=torch_device)
        x = pool[index]
        y = torch.tensor(np.stack([m.labels for m in active]), device=torch_device)
        model = StackedMLP(shape, [stream_key(m.spec.seed, "mlp", iteration) for m in active], torch_device)
        finite = model.fit(x, y, classifier.epochs, classifier.batch_size, classifier.learning_rate).cpu().numpy()
        val_accuracy = model.accuracy(val, val_labels).cpu().numpy()
        train_accuracy = model.accuracy(x, y).cpu().numpy()
        fit_seconds = (time.perf_counter() - fit_started) / len(active)
        trained = active
        for position, member in enumerate(active):
            member.result.iterations.append(
                IterationRecord(
                    iteration=iteration,
                    n_labeled=n,
                    val_accuracy=float(val_accuracy[position]),
                    train_accuracy=float(train_accuracy[position]),
                    fit_seconds=fit_seconds,
                    selection_seconds=selection_seconds.get(id(member), 0.0),
                    queried=queried[id(member)],
                )
            )
            if not finite[position]:
                member.failed = True
                member.result.error = f"TrainingDivergedError: MLP weights became non-finite at iteration {iteration}"

    if model is not None:
        test_accuracy = model.accuracy(
            _as_tensor(latent.test, torch_device), _as_tensor(latent.test_labels, torch_device, torch.int64)
        )
        for position, member in enumerate(trained):
            if not member.failed:
                member.result.test_accuracy = float(test_accuracy[position])
    elapsed = time.perf_counter() - started
    for member in members:
        member.result.seconds = elapsed / len(members)
    return [member.result for member in members]


def _select(
    latent: LatentSet,
    pool: torch.Tensor,
    model: StackedMLP | None,
    trained: list[_Member],
    batch: int,
    catch: tuple[type[BaseException], ...],
    queried: dict[int, np.ndarray],
    selection_seconds: dict[int, float],
) -> None:
    """Every active member of `trained` picks its next batch and queries the oracle for its labels."""
    candidates: dict[int, np.ndarray] = {}
    for member in trained:
        if member.failed:
            continue
        strategy = member.spec.strategy
        unlabelled = member.oracle.unlabelled()
        candidates[id(member)] = (
            unlabelled
            if strategy.is_passive
            else subsample_candidates(unlabelled, strategy.subsample, batch, member.rng)
        )
    predicting = [p for p, m in enumerate(trained) if not m.failed and not m.spec.strategy.is_passive]
    probabilities: dict[int, np.ndarray] = {}
    if predicting and model is not None:
        predict_started = time.perf_counter()
        sizes = [candidates[id(trained[p])].shape[0] for p in predicting]
        padded = np.zeros((len(predicting), max(sizes)), dtype=np.int64)
        for row, position in enumerate(predicting):
            padded[row, : sizes[row]] = candidates[id(trained[position])]
        probs = model.subset(predicting).predict_proba(pool[torch.from_numpy(padded).to(pool.device)])
        probs = probs.double().cpu().numpy()
        share = (time.perf_counter() - predict_started) / len(predicting)
        for row, position in enumerate(predicting):
            probabilities[id(trained[position])] = probs[row, : sizes[row]]
            selection_seconds[id(trained[position])] = share
    for member in trained:
        if member.failed:
            continue
        member_started = time.perf_counter()
        try:
            chosen = _select_one(latent, member, candidates[id(member)], probabilities.get(id(member)), batch)
            labels = member.oracle.query(chosen)
        except catch as error:
            member.failed = True
            member.result.error = _describe(error)
            continue
        member.labelled = np.concatenate([member.labelled, chosen])
        member.labels = np.concatenate([member.labels, labels])
        queried[id(member)] = chosen
        selection_seconds[id(member)] = selection_seconds.get(id(member), 0.0) + time.perf_counter() - member_started


def _select_one(
    latent: LatentSet, member: _Member, candidates: np.ndarray, probs: np.ndarray | None, batch: int
) -> np.ndarray:
    """Pool indices of the member's next batch, chosen among `candidates` (thesis 3.4)."""
    strategy = member.spec.strategy
    if strategy.is_passive:
        scored = Candidates(uncertainty=np.zeros(candidates.shape[0]), features=latent.pool[candidates])
        chosen = BATCH_SELECTION["random"](scored, batch, member.rng, BatchParams())
        return candidates[chosen]
    representativeness = None
    if strategy.representativeness is not None:
        representativeness = latent.representativeness[strategy.representativeness][candidates]
    scored = Candidates(
        uncertainty=UNCERTAINTY[strategy.uncertainty](probs),
        representativeness=representativeness,
        features=latent.pool[candidates],
        logvar=None if latent.pool_logvar is None else latent.pool_logvar[candidates],
        gamma=strategy.gamma,
    )
    params = BatchParams(
        alpha=strategy.alpha,
        beta=strategy.beta,
        distance=strategy.distance,
        distance_scale=latent.distance_bounds.get(strategy.distance),
    )
    chosen = BATCH_SELECTION[strategy.batch](scored, batch, member.rng, params)
    return candidates[chosen]
