"""The active-learning loop (thesis 3.1 (c)-(f), 4.3), run for a pack of K compatible trials in lockstep.

A pack shares the representation, classifier and budget; its members may differ in strategy and seed.
At every iteration all members hold the same number of labels, so their K learners train as one stacked
model (`classifiers.CLASSIFIERS`). A member's results depend only on its own spec: its numpy Generator and
its learner's random streams are derived from its seed, never from the pack.

`iterate_pack` yields as it goes: after every iteration one `IterationEvent` per member (its curve row
and a `MemberState` to continue from), and a `TrialResult` per member when it ends. Given the states of
an interrupted run it continues from their iteration and queries exactly what the uninterrupted run would.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import cast

import numpy as np
import torch

from ..classifiers import CLASSIFIERS, PackModel
from ..classifiers.model import LearnsFromUnlabelled
from ..errors import SpecError
from ..models import ieee_floats, pick_device
from ..stopping import STOPPING
from ..strategies import INITIAL_SELECTION, InitialParams, InitialPool
from .evaluation import Evaluation, stop_columns
from .events import IterationEvent, IterationRecord, MemberState, PackEvent, TrialResult, describe_error
from .latent_set import LatentSet
from .metrics import EXTRA_METRICS
from .oracle import Oracle
from .selection import Selection, candidates_of, select_one
from .specs import TrialSpec

# Exceptions that fail one trial and let its pack (and the sweep) go on; anything else stops the pack.
TRIAL_ERRORS: tuple[type[BaseException], ...] = (ArithmeticError, LookupError, ValueError, RuntimeError, TypeError)


@dataclass
class _Member:
    """One trial of a pack: its oracle, generator, labelled set (pool indices in query order) and labels,
    what it queried and how long its selections took in the current iteration, and its result."""

    spec: TrialSpec
    oracle: Oracle
    rng: np.random.Generator
    result: TrialResult
    labelled: np.ndarray
    labels: np.ndarray
    validation: np.ndarray  # paid validation: pool indices labelled at the start, never trained on
    validation_labels: np.ndarray
    ended: bool = False
    queried: np.ndarray | None = None
    selection_seconds: float = 0.0
    history: list[IterationRecord] = field(default_factory=list)  # the curve so far, resumed rows included
    previous: np.ndarray | None = None  # the last model's predicted classes on the stop set

    def add(self, chosen: np.ndarray) -> None:
        """Queries the oracle for `chosen` and adds them to the labelled set."""
        labels = self.oracle.query(chosen)
        self.labelled = np.concatenate([self.labelled, chosen])
        self.labels = np.concatenate([self.labels, labels])
        self.queried = chosen

    def record(
        self, iteration: int, scores: dict[str, float], train_accuracy: float, fit_seconds: float
    ) -> IterationEvent:
        """The iteration's curve row, kept in the result, as an event with the state to continue from.
        scores: `val_accuracy` and the other curve scores (`CURVE_SCORES`)."""
        assert self.queried is not None  # set where the member is made, and by every add
        record = IterationRecord(
            iteration=iteration,
            n_labeled=int(self.labelled.shape[0] + self.validation.shape[0]),
            val_accuracy=scores["val_accuracy"],
            train_accuracy=train_accuracy,
            fit_seconds=fit_seconds,
            selection_seconds=self.selection_seconds,
            queried=self.queried,
            scores={name: value for name, value in scores.items() if name != "val_accuracy"},
        )
        self.result.iterations.append(record)
        self.history.append(record)
        state = MemberState(iteration, self.labelled.copy(), dict(self.rng.bit_generator.state))
        return IterationEvent(self.spec.id, record, state)


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
        missing = spec.classifier.lacks(member.strategy.needs())
        if missing:
            raise SpecError(
                f"strategy {member.strategy.label()} needs {', '.join(missing)}, which the classifier "
                f"{spec.classifier.label()} does not provide"
            )
        if member.strategy.needs_reconstruction_error() and latent.pool_reconstruction_error is None:
            raise SpecError(
                f"initial = {member.strategy.initial!r} needs reconstruction errors; {latent.representation} has none"
            )
        if member.strategy.needs_posterior() and latent.pool_logvar is None:
            raise SpecError(
                f"strategy {member.strategy.label()} needs posterior variances; {latent.representation} has none"
            )


def _pool_tensor(pool: np.ndarray, device: torch.device) -> torch.Tensor:
    """The pool's features on the device. On a CPU a float32 pool is used in place (never copied: a pool of a
    million rows would otherwise be held twice; nothing writes into it), elsewhere copied to the device."""
    from ..compute import on_device, tensor

    with on_device(device):
        return tensor(pool, torch.float32)


def paid_validation(latent: LatentSet, spec: TrialSpec) -> np.ndarray:
    """The pool indices [N] (sorted) of the trial's paid validation set: N = `budget.validation` drawn
    uniformly by the trial's seed, never stratified (no label is known yet); empty when N is 0."""
    size = spec.budget.validation
    if size == 0:
        return np.zeros(0, dtype=np.int64)
    rng = np.random.default_rng([spec.seed, 2])
    return np.sort(rng.choice(latent.pool.shape[0], size=min(size, latent.pool.shape[0]), replace=False))


def unlabelled_draw(latent: LatentSet, member, count: int, iteration: int) -> np.ndarray:
    """`count` pool indices (sorted) a semi-supervised learner sees unlabelled at `iteration`: drawn from the
    member's unlabelled pool (neither labelled nor its paid validation) by its seed and the iteration."""
    taken = np.zeros(latent.pool.shape[0], dtype=bool)
    taken[member.labelled] = taken[member.validation] = True
    available = np.flatnonzero(~taken)
    rng = np.random.default_rng([member.spec.seed, 4, iteration])
    return np.sort(rng.choice(available, size=min(count, available.shape[0]), replace=False))


def initial_batch(latent: LatentSet, spec: TrialSpec, size: int, exclude: np.ndarray | None = None) -> np.ndarray:
    """The first labelled batch: `random` (thesis 3.1 (c)) or any INITIAL_SELECTION sampler on the pool,
    without the pool indices in `exclude` (a paid validation set).

    Drawn from a generator of its own, so trials with equal seeds and initial samplers share it.
    """
    rng = np.random.default_rng([spec.seed, 0])
    available = np.arange(latent.pool.shape[0])
    if exclude is not None and exclude.size:
        available = np.setdiff1d(available, exclude)
    size = min(size, available.shape[0])
    if spec.strategy.initial == "random":
        if available.shape[0] == latent.pool.shape[0]:  # the draw trials were first stored with
            return np.sort(rng.choice(latent.pool.shape[0], size=size, replace=False))
        return np.sort(rng.choice(available, size=size, replace=False))
    reconstruction = latent.pool_reconstruction_error
    pool = InitialPool(latent.pool[available], None if reconstruction is None else reconstruction[available])
    with ieee_floats():
        chosen = INITIAL_SELECTION[spec.strategy.initial](pool, size, rng, InitialParams(clusters=latent.n_classes))
    return np.sort(available[np.asarray(chosen, dtype=np.int64)])


def run_trial(latent: LatentSet, spec: TrialSpec, *, device: str | None = None) -> TrialResult:
    """Runs one trial: a pack of one."""
    return run_pack(latent, [spec], device=device)[0]


def run_pack(
    latent: LatentSet,
    specs: Sequence[TrialSpec],
    *,
    device: str | None = None,
    catch: tuple[type[BaseException], ...] = TRIAL_ERRORS,
) -> list[TrialResult]:
    """Runs K compatible trials in lockstep on one LatentSet; returns their results in spec order."""
    results = {}
    for events in iterate_pack(latent, specs, device=device, catch=catch):
        results.update({event.trial_id: event for event in events if isinstance(event, TrialResult)})
    return [results[spec.id] for spec in specs]


def iterate_pack(
    latent: LatentSet,
    specs: Sequence[TrialSpec],
    *,
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
    yield from _Pack(latent, specs, device, catch, resume or {}).iterate(stop)


class _Pack:
    """The state of one pack in lockstep: the pool on the device, its members, and the stacked MLP of the
    members that trained last (`trained`, in the model's order). Events are collected by `_end` and
    `_record` and handed out once per step by `iterate`."""

    def __init__(self, latent: LatentSet, specs: Sequence[TrialSpec], device: str | None, catch, resume) -> None:
        self.started = time.perf_counter()
        self.device = pick_device(device)
        self.catch = catch
        self.budget, self.classifier = specs[0].budget, specs[0].classifier
        strategies = [s.strategy for s in specs]
        with ieee_floats():
            self.latent = latent.with_scores(
                {
                    s.representativeness
                    for s in strategies
                    if s.representativeness is not None and s.uses_representativeness()  # the first: implied
                },
                frozenset().union(*(s.distances() for s in strategies)),
            )
        latent = self.latent
        self.pool = _pool_tensor(latent.pool, self.device)
        self.evaluation = Evaluation(latent, self.pool, self.device, paid=self.budget.validation > 0)
        self.n_classes = latent.n_classes
        host = socket.gethostname()
        self.members: list[_Member] = []
        for spec in specs:
            oracle = Oracle(latent.pool_labels)
            validation = paid_validation(latent, spec)
            validation_labels = oracle.query(validation)
            state = resume.get(spec.id)
            rng = np.random.default_rng([spec.seed, 1])
            if state is None:
                chosen = initial_batch(latent, spec, self.budget.initial, exclude=validation)
            else:
                chosen = np.asarray(state.labelled, dtype=np.int64)
                rng.bit_generator.state = state.rng_state
            result = TrialResult(spec=spec, pack_size=len(specs), device=str(self.device), host=host)
            labels = oracle.query(chosen)
            member = _Member(spec, oracle, rng, result, chosen, labels, validation, validation_labels, queried=chosen)
            member.history = list(state.curve) if state is not None else []
            self.members.append(member)
        starts = {resume[s.id].iteration + 1 if s.id in resume else 0 for s in specs}
        if len(starts) != 1:
            raise SpecError(f"the members of a pack must resume at the same iteration, got {sorted(starts)}")
        self.start = starts.pop()
        self.model: PackModel | None = None
        self.trained: list[_Member] = []
        self.events: list[PackEvent] = []

    def _fit(self, active: list[_Member], iteration: int) -> tuple[np.ndarray, torch.Tensor, torch.Tensor]:
        """Trains the active members' learners as one stack on their labelled sets; returns which stayed
        finite. Each learner's streams are keyed by its member's seed and the iteration."""
        index = torch.tensor(np.stack([m.labelled for m in active]), device=self.device)
        x, y = self.pool[index], torch.tensor(np.stack([m.labels for m in active]), device=self.device)
        self.model = CLASSIFIERS[self.classifier.kind](
            self.classifier,
            n_features=self.latent.n_features,
            n_classes=self.n_classes,
            seeds=[m.spec.seed for m in active],
            iteration=iteration,
            device=self.device,
        )
        wanted = CLASSIFIERS.declared(self.classifier.kind).unlabelled
        count = wanted(self.classifier) if wanted is not None else 0
        if count > 0:  # a semi-supervised learner also sees a draw of each member's unlabelled pool
            rows = np.stack([unlabelled_draw(self.latent, m, count, iteration) for m in active])
            unlabelled = self.pool[torch.as_tensor(rows, device=self.device)]
            finite = cast(LearnsFromUnlabelled, self.model).fit(x, y, unlabelled=unlabelled)
        else:
            finite = self.model.fit(x, y)
        self.trained = active
        return finite.cpu().numpy(), x, y

    def _end(self, member: _Member) -> None:
        member.ended = True
        if member.result.error or member.result.pruned:  # a trial that did not finish has no test scores
            member.result.test_accuracy, member.result.test_scores = float("nan"), {}
        member.result.seconds = (time.perf_counter() - self.started) / len(self.members)  # its share of the pack
        self.events.append(member.result)

    def _flush(self) -> list[PackEvent]:
        events, self.events = self.events, []
        return events

    def iterate(self, stop: Callable[[], Collection[str]] | None) -> Iterator[list[PackEvent]]:
        if self.start > 0:  # the model of the last finished iteration chooses the next batch: refit it
            self._fit(list(self.members), self.start - 1)
            assert self.model is not None  # made by _fit
            predicted = self.evaluation.stop_predictions(self.model).argmax(-1)
            test = self.evaluation.test_scores(self.model)  # the trial's, when no iteration is left to run
            for position, member in enumerate(self.members):
                member.previous = predicted[position]
                self._tested(member, test, position)
        for iteration in range(self.start, self.budget.iterations + 1):
            for member in self.members:
                if not member.ended and stop is not None and member.spec.id in stop():
                    member.result.pruned = True
                    self._end(member)
            if iteration > 0:
                self._select(iteration)
            active = [m for m in self.members if not m.ended]
            if not active:
                yield self._flush()
                return
            self._train(active, iteration)
            yield self._flush()
        for member in self.members:  # the last model's test scores are the trial's (none: no model was trained)
            if not member.ended:
                self._end(member)
        if self.events:
            yield self._flush()

    def _train(self, active: list[_Member], iteration: int) -> None:
        fit_started = time.perf_counter()
        finite, x, y = self._fit(active, iteration)
        assert self.model is not None  # made by _fit
        evaluation = self.evaluation
        validation, labels = [m.validation for m in active], [m.validation_labels for m in active]
        scores = evaluation.validation(self.model, validation, labels)
        train_accuracy, train_loss = evaluation.training(self.model, x, y)
        entropy = evaluation.label_entropy(y)
        test = evaluation.test_scores(self.model)
        probabilities = evaluation.stop_predictions(self.model)
        stop = stop_columns(probabilities, [m.previous for m in active])
        fit_seconds = (time.perf_counter() - fit_started) / len(active)
        for position, member in enumerate(active):
            member.previous = probabilities[position].argmax(-1)
            self._tested(member, test, position)
            row = {name: float(value[position]) for name, value in scores.items()} | stop[position]
            row |= {"train_loss": float(train_loss[position]), "label_entropy": float(entropy[position]),
                    "test_accuracy": float(test["accuracy"][position])}  # fmt: skip
            self.events.append(member.record(iteration, row, float(train_accuracy[position]), fit_seconds))
            member.selection_seconds = 0.0
            if not finite[position]:
                member.result.error = (
                    f"TrainingDivergedError: {self.classifier.kind} weights became non-finite at iteration {iteration}"
                )
                self._end(member)
            elif member.spec.stopping is not None and iteration < self.budget.iterations:
                self._obey(member)

    @staticmethod
    def _tested(member: _Member, test: dict[str, np.ndarray], position: int) -> None:
        """The member's latest model's test scores: the trial's when it ends now."""
        member.result.test_accuracy = float(test["accuracy"][position])
        member.result.test_scores = {name: float(test[name][position]) for name in EXTRA_METRICS}

    def _obey(self, member: _Member) -> None:
        """Ends the member, complete, when its stopping criterion fires on its curve so far."""
        stopping = member.spec.stopping
        assert stopping is not None
        columns = STOPPING.declared(stopping.criterion).uses
        curve = {column: np.array([row.score(column) for row in member.history]) for column in columns}
        if stopping.fires(curve) is not None:
            member.result.stopped_by = stopping.criterion
            self._end(member)

    def _select(self, iteration: int) -> None:
        """Every member that trained last picks its next batch (thesis 3.1 (d)-(e)) and queries its labels."""
        selecting = [m for m in self.trained if not m.ended]
        batch = self.budget.batch
        candidates = {id(member): candidates_of(member, batch) for member in selecting}
        order = {id(m): p for p, m in enumerate(self.trained)}
        selection = Selection(self.pool, self.model, order, iteration)
        scores = selection.scores(selecting, candidates)
        outputs = selection.rule_outputs(selecting, candidates)
        for member in selecting:
            member_started = time.perf_counter()
            try:
                chosen = select_one(
                    self.latent, member, candidates[id(member)], outputs.get(id(member), {}), scores.get(id(member)),
                    batch, iteration, self.device,
                )  # fmt: skip
                member.add(chosen)
            except self.catch as error:
                member.result.error = describe_error(error)
                self._end(member)
                continue
            member.selection_seconds += time.perf_counter() - member_started
