"""The protocols' closed sets of names, as enums: a trial's status, a model's initialisation and precision, the
result tables. Each member is its string (`str` subclass), so it is stored, hashed into ids and compared as the
string it always was; code names the member, and a type checker sees a typo."""

from __future__ import annotations

import enum


class Name(str, enum.Enum):
    """An enum whose members are their strings (what Python 3.11's StrEnum is)."""

    def __str__(self) -> str:
        return self.value

    @classmethod
    def values(cls) -> tuple[str, ...]:
        return tuple(member.value for member in cls)


class TrialStatus(Name):
    """How a stored trial ended."""

    OK = "ok"  # every iteration and the test scores
    FAILED = "failed"  # an error (in the `error` column); run again by the next run
    PRUNED = "pruned"  # stopped early on purpose (tune's pruner, a stopping criterion)


class Init(Name):
    """How a model's weights start (models/initialisation.py)."""

    KERAS = "keras"  # glorot-uniform kernels, zero biases: the papers' framework
    TORCH = "torch"  # PyTorch's layer defaults


class Precision(Name):
    """What a model's products multiply (models/precision.py)."""

    FP32 = "fp32"
    BF16 = "bf16"  # bf16 operands, float32 masters, losses and scores


class Table(Name):
    """The result tables of a sweep folder (results/schema.py)."""

    TRIALS = "trials"
    CURVES = "curves"
    QUERIES = "queries"
    QUERY_SETS = "query_sets"


__all__ = ["Init", "Name", "Precision", "Table", "TrialStatus"]
