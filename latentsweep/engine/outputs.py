"""Model outputs: what a strategy may declare it needs from the trained classifier (`strategies.NEEDS`),
each computed once per iteration for all the pack's members that need it, batched across their stacked
learners. A new output is one function and one registration here, its name in `strategies.needs`, and
the classifier kinds that provide it say so (`classifiers.ClassifierKind.provides`).

An entry takes (the needing members' learners [K] (`classifiers.PackModel`), their candidates' latent
features padded to [K, m, d], each member's candidate count, their specs, and keywords `first_row`: the
position of these candidates' first row among all of them, as the selection passes them in chunks, and
`rows`: each member's candidates in all) and returns one output per member, trimmed to its candidates.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, cast

import numpy as np
import torch

from ..classifiers import PackModel
from ..registry import Registry
from ..strategies import half_embedding
from .specs import TrialSpec

OutputFn = Callable[..., list[Any]]  # (model, x, sizes, specs, *, first_row=0, rows=()) -> one output per member

MODEL_OUTPUTS: Registry[OutputFn] = Registry("model output")


# The optional methods of a PackModel (classifiers/model.py), each present where its kind provides the output
class _Sampling(Protocol):
    def mc_predict_proba(self, x: torch.Tensor, passes: int, *, first_row: int = 0) -> torch.Tensor: ...


class _Embedding(Protocol):
    def embedding(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]: ...


class _Committee(Protocol):
    def member_probabilities(self, x: torch.Tensor) -> torch.Tensor: ...


@MODEL_OUTPUTS.register("probabilities")
def probabilities(
    model: PackModel, x: torch.Tensor, sizes: Sequence[int], specs: Sequence[TrialSpec], *, first_row: int = 0
) -> list:
    """Class probabilities [m, C] of each member's MLP on its candidates."""
    values = model.predict_proba(x).double().cpu().numpy()
    return [values[row, :size] for row, size in enumerate(sizes)]


@MODEL_OUTPUTS.register("mc_probabilities")
def mc_probabilities(
    model: PackModel, x: torch.Tensor, sizes: Sequence[int], specs: Sequence[TrialSpec], *, first_row: int = 0
) -> list:
    """Class probabilities of T MC-dropout passes [T, m, C], T = each member's mc_samples (the largest T
    is drawn for all, each member keeps its first T: a member's numbers do not depend on its pack); an
    ensemble's members stand in for the passes (at most its member count)."""
    passes = [int(spec.strategy.value("mc_samples")) for spec in specs]
    from .selection import takes

    sampling = cast(_Sampling, model)  # a kind that provides mc_probabilities has it
    rows = {"first_row": first_row} if takes(type(sampling).mc_predict_proba, "first_row") else {}
    values = sampling.mc_predict_proba(x, max(passes), **rows).double().cpu().numpy()
    return [values[row, : passes[row], :size] for row, size in enumerate(sizes)]


@MODEL_OUTPUTS.register("gradient_embedding")
def gradient_embedding(
    model: PackModel,
    x: torch.Tensor,
    sizes: Sequence[int],
    specs: Sequence[TrialSpec],
    *,
    first_row: int = 0,
    rows: Sequence[int] = (),
) -> list:
    """BADGE's last-layer gradient embedding in closed form: (p - onehot(argmax p) [m, C], h [m, H]); the
    hidden activations as the network computed them, float32 (BADGE works in float64 where they are few,
    which holds these values exactly), or float16 scaled per row where the member's rule holds them so for
    its `rows` candidates (`activations`: a million candidates of 512 units are 1 GB instead of 2)."""
    activations, outputs = cast(_Embedding, model).embedding(x)  # a kind that provides gradient_embedding has it
    hidden, probs = activations.float().cpu().numpy(), outputs.double().cpu().numpy()
    found = []
    for row, size in enumerate(sizes):
        p = probs[row, :size]
        onehot = np.eye(p.shape[1])[p.argmax(axis=1)]
        embedding = (p - onehot, hidden[row, :size])
        if specs[row].strategy.holds_activations_in_half(rows[row] if rows else size):
            embedding = half_embedding(*embedding)
        found.append(embedding)
    return found


@MODEL_OUTPUTS.register("ensemble_probabilities")
def ensemble_probabilities(
    model: PackModel, x: torch.Tensor, sizes: Sequence[int], specs: Sequence[TrialSpec], *, first_row: int = 0
) -> list:
    """Each committee member's class probabilities [M, m, C] on the member's candidates."""
    values = cast(_Committee, model).member_probabilities(x).double().cpu().numpy()  # provided by ensemble kinds
    return [values[row, :, :size] for row, size in enumerate(sizes)]
