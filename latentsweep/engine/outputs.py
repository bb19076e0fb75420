"""Model outputs: what a strategy may declare it needs from the trained classifier (`strategies.NEEDS`),
each computed once per iteration for all the pack's members that need it, batched across their stacked
learners. A new output is one function and one registration here, its name in `strategies.needs`, and
the classifier kinds that provide it say so (`classifiers.ClassifierKind.provides`).

An entry takes (the needing members' learners [K] (`classifiers.PackModel`), their candidates' latent
features padded to [K, m, d], each member's candidate count, their specs) and returns one output per
member, trimmed to its candidates.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from ..classifiers import PackModel
from ..registry import Registry
from .specs import TrialSpec

OutputFn = Callable[[PackModel, torch.Tensor, Sequence[int], Sequence[TrialSpec]], list[Any]]

MODEL_OUTPUTS: Registry[OutputFn] = Registry("model output")


@MODEL_OUTPUTS.register("probabilities")
def probabilities(model: PackModel, x: torch.Tensor, sizes: Sequence[int], specs: Sequence[TrialSpec]) -> list:
    """Class probabilities [m, C] of each member's MLP on its candidates."""
    values = model.predict_proba(x).double().cpu().numpy()
    return [values[row, :size] for row, size in enumerate(sizes)]


@MODEL_OUTPUTS.register("mc_probabilities")
def mc_probabilities(model: PackModel, x: torch.Tensor, sizes: Sequence[int], specs: Sequence[TrialSpec]) -> list:
    """Class probabilities of T MC-dropout passes [T, m, C], T = each member's mc_samples (the largest T
    is drawn for all, each member keeps its first T: a member's numbers do not depend on its pack); an
    ensemble's members stand in for the passes (at most its member count)."""
    passes = [int(spec.strategy.value("mc_samples")) for spec in specs]
    values = model.mc_predict_proba(x, max(passes)).double().cpu().numpy()
    return [values[row, : passes[row], :size] for row, size in enumerate(sizes)]


@MODEL_OUTPUTS.register("gradient_embedding")
def gradient_embedding(model: PackModel, x: torch.Tensor, sizes: Sequence[int], specs: Sequence[TrialSpec]) -> list:
    """BADGE's last-layer gradient embedding in closed form: (p - onehot(argmax p) [m, C], h [m, H])."""
    hidden, probs = (part.double().cpu().numpy() for part in model.embedding(x))
    found = []
    for row, size in enumerate(sizes):
        p = probs[row, :size]
        onehot = np.eye(p.shape[1])[p.argmax(axis=1)]
        found.append((p - onehot, hidden[row, :size]))
    return found


@MODEL_OUTPUTS.register("ensemble_probabilities")
def ensemble_probabilities(model: PackModel, x: torch.Tensor, sizes: Sequence[int], specs: Sequence[TrialSpec]) -> list:
    """Each committee member's class probabilities [M, m, C] on the member's candidates."""
    values = model.member_probabilities(x).double().cpu().numpy()
    return [values[row, :, :size] for row, size in enumerate(sizes)]
