"""The active-learning loop (thesis 3.1 (c)-(f), 4.3), run for a pack of K compatible trials in lockstep.

A pack shares the representation, classifier and budget; its members may differ in strategy and seed.
At every iteration all members hold the same number of labels, so their K MLPs train as one stacked
ensemble. A member's results depend only on its own spec: its numpy Generator and its MLP's random
streams are derived from its seed, never from the pack.

`iterate_pack` yields as it goes: after every iteration one `IterationEvent` per member (its curve row
and a `MemberState` to continue from), and a `TrialResult` per member when it ends. Given the states of
an interrupted run it continues from their iteration and queries exactly what the uninterrupted run would.
"""

from __future__ import annotations

import socket
import time
import traceback
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from ..errors import SpecError
from ..models import MLPShape, StackedMLP, ieee_floats, pick_device
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


@dataclass(frozen=True)
class MemberState:
    """What a trial needs to continue after its last finished iteration (a checkpoint): that iteration,
    the pool indices labelled so far in query order, and its generator's state after the last selection."""

    iteration: int
    labelled: np.ndarray
    rng_state: dict


@dataclass(frozen=True)
class IterationEvent:
    """A member finished an iteration: its curve row and the state to continue from."""

    trial_id: str
    record: IterationRecord
    state: MemberState


@dataclass
class TrialResult:
    """What one trial produced; `error` is set (status 'failed') when it did not finish, `pruned` when it
    was stopped early on purpose. `iterations` holds the rows of this run (all of them unless resumed)."""

    spec: TrialSpec
    iterations: list[IterationRecord] = field(default_factory=list)
    test_accuracy: float = float("nan")
    seconds: float = 0.0
    pack_size: int = 1
    device: str = "cpu"
    host: str = ""
    node: str = ""
    error: str | None = None
    pruned: bool = False

    @property
    def trial_id(self) -> str:
        return self.spec.id

    @property
    def status(self) -> str:
        return "failed" if self.error else ("pruned" if self.pruned else "ok")

    @property
    def final_val_accuracy(self) -> float:
        return self.iterations[-1].val_accuracy if self.iterations else float("nan")

    def queried_indices(self) -> np.ndarray:
        """All queried pool indices in query order."""
        if not self.iterations:
            return np.zeros(0, dtype=np.int64)
        return np.concatenate([row.queried for row in self.iterations])


PackEvent = IterationEvent | TrialResult


@dataclass
class _Member:
    spec: TrialSpec
    oracle: Oracle
    rng: np.random.Generator
    result: TrialResult
    labelled: np.ndarray
    labels: np.ndarray
    ended: bool = False


def describe_error(error: BaseException) -> str:
    """An exception on one line: its type, message and where it was raised."""
    where = traceback.extract_tb(error.__traceback__)[-1] if error.__traceback__ else None
    place = f" (at {where.filename.rsplit('/', 1)[-1]}:{where.lineno})" if where else ""
    message = str(error).splitlines()[0] if str(error) else ""
    return f"{type(error).__name__}: {message}{place}"


def check_pack(latent: LatentSet, specs: Sequence[TrialSpec]) -> None:
    """Refuses trials that cannot run together on this LatentSet, naming what they lack."""
    if not specs:
        raise SpecError("a pack needs at least one trial")
    if len({spec.pack_key() for spec in specs}) != 1:
        raise SpecError("the trials of a pack must share data set, representation, classifier and budget")
    spec = specs[0]
    if (spec.dataset, spec.representation) != (latent.dataset, latent.representation):
        raise SpecError(
            f"trials are for {spec.dataset}/{spec.representation}, the latent set is "
            f"{latent.dataset}/{latent.representation}"
        )
    for member in specs:
        if member.strategy.needs_reconstruction_error() and latent.pool_reconstruction_error is None:
            raise SpecError(
                f"initial = {member.strategy.initial!r} needs reconstruction errors; {latent.representation} has none"
            )
        if member.strategy.needs_posterior() and latent.pool_logvar is None:
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
    with ieee_floats():
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
    """Runs K compatible trials in lockstep on one LatentSet; returns their results in spec order."""
    results = {}
    for events in iterate_pack(latent, specs, device, catch):
        results.update({event.trial_id: event for event in events if isinstance(event, TrialResult)})
    return [results[spec.id] for spec in specs]


def iterate_pack(
    latent: LatentSet,
    specs: Sequence[TrialSpec],
    device: str | None = None,
    catch: tuple[type[BaseException], ...] = TRIAL_ERRORS,
    resume: Mapping[str, MemberState] | None = None,
    stop: Callable[[], Collection[str]] | None = None,
) -> Iterator[list[PackEvent]]:
    """Runs K compatible trials in lockstep, yielding after every iteration the members' IterationEvents
    (and the TrialResult of any member that failed or was stopped), and at the end every other member's
    TrialResult.

    resume: trial id -> MemberState of an interrupted run (all at the same iteration); those members refit
    their last model and go on from there. stop: called between iterations; the trial ids it returns end
    at once as pruned. An exception of a type in `catch` raised while one member selects its batch fails
    that member and the others go on; other exceptions propagate.
    """
    check_pack(latent, specs)
    resume = resume or {}
    started = time.perf_counter()
    torch_device = pick_device(device)
    host = socket.gethostname()
    budget, classifier = specs[0].budget, specs[0].classifier
    strategies = [s.strategy for s in specs]
    with ieee_floats():
        latent = latent.with_scores(
            {s.representativeness for s in strategies if s.uses_representativeness()},
            frozenset().union(*(s.distances() for s in strategies)),
        )
    pool = _as_tensor(latent.pool, torch_device)
    val, val_labels = _as_tensor(latent.val, torch_device), _as_tensor(latent.val_labels, torch_device, torch.int64)
    shape = MLPShape(latent.n_features, classifier.hidden, latent.n_classes, classifier.dropout)

    members: list[_Member] = []
    for spec in specs:
        oracle = Oracle(latent.pool_labels)
        state = resume.get(spec.id)
        rng = np.random.default_rng([spec.seed, 1])
        if state is None:
            chosen = initial_batch(latent, spec, budget.initial)
        else:
            chosen = np.asarray(state.labelled, dtype=np.int64)
            rng.bit_generator.state = state.rng_state
        result = TrialResult(spec=spec, pack_size=len(specs), device=str(torch_device), host=host)
        members.append(_Member(spec, oracle, rng, result, chosen, oracle.query(chosen)))
    starts = {resume[s.id].iteration + 1 if s.id in resume else 0 for s in specs}
    if len(starts) != 1:
        raise SpecError(f"the members of a pack must resume at the same iteration, got {sorted(starts)}")
    start = starts.pop()

    def fit(active: list[_Member], iteration: int) -> tuple[StackedMLP, np.ndarray, torch.Tensor, torch.Tensor]:
        index = torch.tensor(np.stack([m.labelled for m in active]), device=torch_device)
        x, y = pool[index], torch.tensor(np.stack([m.labels for m in active]), device=torch_device)
        keys = [stream_key(m.spec.seed, "mlp", iteration) for m in active]
        model = StackedMLP(shape, keys, torch_device, init=classifier.init)
        finite = model.fit(x, y, classifier.epochs, classifier.batch_size, classifier.learning_rate).cpu().numpy()
        return model, finite, x, y

    def end(member: _Member, events: list[PackEvent]) -> None:
        member.ended = True
        member.result.seconds = (time.perf_counter() - started) / len(members)  # its share of the pack
        events.append(member.result)

    model: StackedMLP | None = None
    trained: list[_Member] = []  # the members of `model`, in its order
    if start > 0:  # the model of the last finished iteration chooses the next batch: refit it (deterministic)
        trained = list(members)
        model = fit(trained, start - 1)[0]
    for iteration in range(start, budget.iterations + 1):
        events: list[PackEvent] = []
        for member in members:
            if not member.ended and stop is not None and member.spec.id in stop():
                member.result.pruned = True
                end(member, events)
        selection_seconds: dict[int, float] = {}
        queried: dict[int, np.ndarray] = {}
        if iteration == 0:
            for member in members:
                queried[id(member)] = member.labelled.copy()
                selection_seconds[id(member)] = 0.0
        else:
            _select(latent, pool, model, trained, iteration, catch, queried, selection_seconds, events, end)
        active = [m for m in members if not m.ended]
        if not active:
            yield events
            break
        fit_started = time.perf_counter()
        model, finite, x, y = fit(active, iteration)
        val_accuracy = model.accuracy(val, val_labels).cpu().numpy()
        train_accuracy = model.accuracy(x, y).cpu().numpy()
        fit_seconds = (time.perf_counter() - fit_started) / len(active)
        trained = active
        for position, member in enumerate(active):
            record = IterationRecord(
                iteration=iteration,
                n_labeled=int(member.labelled.shape[0]),
                val_accuracy=float(val_accuracy[position]),
                train_accuracy=float(train_accuracy[position]),
                fit_seconds=fit_seconds,
                selection_seconds=selection_seconds.get(id(member), 0.0),
                queried=queried[id(member)],
            )
            member.result.iterations.append(record)
            state = MemberState(iteration, member.labelled.copy(), member.rng.bit_generator.state)
            events.append(IterationEvent(member.spec.id, record, state))
            if not finite[position]:
                member.result.error = f"TrainingDivergedError: MLP weights became non-finite at iteration {iteration}"
                end(member, events)
        yield events

    finishing = [m for m in trained if not m.ended]
    if finishing and model is not None:
        test_accuracy = model.accuracy(
            _as_tensor(latent.test, torch_device), _as_tensor(latent.test_labels, torch_device, torch.int64)
        )
        positions = {id(m): p for p, m in enumerate(trained)}
        events = []
        for member in finishing:
            member.result.test_accuracy = float(test_accuracy[positions[id(member)]])
            end(member, events)
        yield events
    leftover = [m for m in members if not m.ended]  # a pack with no iteration left to run and no model
    if leftover:
        events = []
        for member in leftover:
            end(member, events)
        yield events


def _select(
    latent: LatentSet,
    pool: torch.Tensor,
    model: StackedMLP | None,
    trained: list[_Member],
    iteration: int,
    catch: tuple[type[BaseException], ...],
    queried: dict[int, np.ndarray],
    selection_seconds: dict[int, float],
    events: list[PackEvent],
    end: Callable[[_Member, list[PackEvent]], None],
) -> None:
    """Every active member of `trained` picks its next batch and queries the oracle for its labels."""
    batch = trained[0].spec.budget.batch if trained else 0
    candidates: dict[int, np.ndarray] = {}
    for member in trained:
        if member.ended:
            continue
        strategy = member.spec.strategy
        unlabelled = member.oracle.unlabelled()
        candidates[id(member)] = (
            unlabelled
            if strategy.is_passive
            else subsample_candidates(unlabelled, strategy.subsample, batch, member.rng)
        )
    outputs = _model_outputs(pool, model, trained, candidates, selection_seconds)
    for member in trained:
        if member.ended:
            continue
        member_started = time.perf_counter()
        try:
            with ieee_floats():
                chosen = _select_one(
                    latent, member, candidates[id(member)], outputs.get(id(member), {}), batch, iteration
                )
            labels = member.oracle.query(chosen)
        except catch as error:
            member.result.error = describe_error(error)
            end(member, events)
            continue
        member.labelled = np.concatenate([member.labelled, chosen])
        member.labels = np.concatenate([member.labels, labels])
        queried[id(member)] = chosen
        selection_seconds[id(member)] = selection_seconds.get(id(member), 0.0) + time.perf_counter() - member_started


def _model_outputs(
    pool: torch.Tensor,
    model: StackedMLP | None,
    trained: list[_Member],
    candidates: dict[int, np.ndarray],
    selection_seconds: dict[int, float],
) -> dict[int, dict[str, object]]:
    """What each member's strategy declared it needs from the trained model on its candidates, computed
    once per kind for every member that needs it, batched across the pack: class probabilities [m, C],
    MC-dropout probabilities [T, m, C] (T = its mc_samples), the gradient embedding (p - onehot, h)."""
    outputs: dict[int, dict[str, object]] = {}
    if model is None:
        return outputs
    for need in ("probabilities", "mc_probabilities", "gradient_embedding"):
        positions = [p for p, m in enumerate(trained) if not m.ended and need in m.spec.strategy.needs()]
        if not positions:
            continue
        started = time.perf_counter()
        sizes = [candidates[id(trained[p])].shape[0] for p in positions]
        padded = np.zeros((len(positions), max(sizes)), dtype=np.int64)
        for row, position in enumerate(positions):
            padded[row, : sizes[row]] = candidates[id(trained[position])]
        x = pool[torch.from_numpy(padded).to(pool.device)]
        members = model.subset(positions)
        if need == "probabilities":
            values = members.predict_proba(x).double().cpu().numpy()
            results = [values[row, : sizes[row]] for row in range(len(positions))]
        elif need == "mc_probabilities":
            passes = [int(trained[p].spec.strategy.value("mc_samples")) for p in positions]
            values = members.mc_predict_proba(x, max(passes)).double().cpu().numpy()
            results = [values[row, : passes[row], : sizes[row]] for row in range(len(positions))]
        else:
            hidden, probs = (part.double().cpu().numpy() for part in members.embedding(x))
            results = []
            for row in range(len(positions)):
                p = probs[row, : sizes[row]]
                onehot = np.eye(p.shape[1])[p.argmax(axis=1)]
                results.append((p - onehot, hidden[row, : sizes[row]]))
        share = (time.perf_counter() - started) / len(positions)
        for row, position in enumerate(positions):
            key = id(trained[position])
            outputs.setdefault(key, {})[need] = results[row]
            selection_seconds[key] = selection_seconds.get(key, 0.0) + share
    return outputs


def _select_one(
    latent: LatentSet, member: _Member, candidates: np.ndarray, outputs: dict, batch: int, iteration: int
) -> np.ndarray:
    """Pool indices of the member's next batch, chosen among `candidates` (thesis 3.4), with the strategy's
    scheduled weights at this iteration and the model outputs it declared it needs."""
    strategy = member.spec.strategy
    if strategy.is_passive:
        scored = Candidates(uncertainty=np.zeros(candidates.shape[0]), features=latent.pool[candidates])
        chosen = BATCH_SELECTION["random"](scored, batch, member.rng, BatchParams())
        return candidates[chosen]
    iterations = member.spec.budget.iterations
    representativeness = None
    if strategy.uses_representativeness():
        representativeness = latent.representativeness[strategy.representativeness][candidates]
    uncertainty = np.zeros(candidates.shape[0])
    if strategy.scores():
        measure = UNCERTAINTY.declared(strategy.uncertainty)
        own = {name: strategy.at(name, iteration, iterations) for name in measure.params}
        uncertainty = UNCERTAINTY[strategy.uncertainty](*(outputs[need] for need in measure.needs), **own)
    needs = strategy.rule().needs
    scored = Candidates(
        uncertainty=uncertainty,
        representativeness=representativeness,
        features=latent.pool[candidates],
        logvar=None if latent.pool_logvar is None else latent.pool_logvar[candidates],
        gamma=strategy.at("gamma", iteration, iterations),
        mc_probabilities=outputs.get("mc_probabilities"),
        gradient_embedding=outputs.get("gradient_embedding"),
        labelled_features=latent.pool[member.labelled] if "labelled_features" in needs else None,
    )
    params = strategy.batch_params(iteration, iterations, latent.distance_bounds)
    chosen = BATCH_SELECTION[strategy.batch](scored, batch, member.rng, params)
    return candidates[chosen]
