"""What a pack hands out as it runs: a member's curve row per iteration (`IterationEvent`, with the state
to continue from) and its `TrialResult` when it ends; and the one-line form of a trial's error."""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field

import numpy as np

from ..protocols import TrialStatus
from .specs import TrialSpec


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
    scores: dict[str, float] = field(default_factory=dict)  # the other curve scores (results.schema.CURVE_SCORES)

    def score(self, column: str) -> float:
        """A curve column's value: `val_accuracy`, or one of the other scores (NaN when not measured)."""
        return self.val_accuracy if column == "val_accuracy" else self.scores.get(column, float("nan"))


@dataclass(frozen=True)
class MemberState:
    """What a trial needs to continue after its last finished iteration (a checkpoint): that iteration,
    the pool indices labelled so far in query order, and its generator's state after the last selection."""

    iteration: int
    labelled: np.ndarray
    rng_state: dict
    curve: tuple[IterationRecord, ...] = ()  # the rows so far, for a trial whose stopping criterion reads them


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
    test_scores: dict[str, float] = field(default_factory=dict)  # balanced accuracy, macro F1 (metrics.EXTRA_METRICS)
    stopped_by: str | None = None  # the stopping criterion that ended it before its budget (a complete trial)

    @property
    def trial_id(self) -> str:
        return self.spec.id

    @property
    def status(self) -> TrialStatus:
        return TrialStatus.FAILED if self.error else (TrialStatus.PRUNED if self.pruned else TrialStatus.OK)

    @property
    def final_val_accuracy(self) -> float:
        return self.iterations[-1].val_accuracy if self.iterations else float("nan")

    def queried_indices(self) -> np.ndarray:
        """All queried pool indices in query order."""
        if not self.iterations:
            return np.zeros(0, dtype=np.int64)
        return np.concatenate([row.queried for row in self.iterations])


PackEvent = IterationEvent | TrialResult


def describe_error(error: BaseException) -> str:
    """An exception on one line: its type, message and where it was raised."""
    where = traceback.extract_tb(error.__traceback__)[-1] if error.__traceback__ else None
    place = f" (at {where.filename.rsplit('/', 1)[-1]}:{where.lineno})" if where else ""
    message = str(error).splitlines()[0] if str(error) else ""
    return f"{type(error).__name__}: {message}{place}"
