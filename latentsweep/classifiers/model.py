"""What a pack's trained classifier offers the loop: the interface every `CLASSIFIERS` entry's model has.

Tensors carry a leading K (the pack's trials); x is [K, m, d] or [m, d] shared by all. An entry implements
the optional methods for the outputs it declares it provides: `mc_predict_proba` (mc_probabilities),
`embedding` (gradient_embedding), `member_probabilities` (ensemble_probabilities).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import torch


class PackModel(Protocol):
    """The trained learners of K trials."""

    @property
    def size(self) -> int:
        """K."""

    def fit(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Trains each trial's learner on x [K, n, d], y [K, n] int64; [K] bool: which stayed finite."""

    def predict_proba(self, x: torch.Tensor) -> torch.Tensor:
        """Class probabilities [K, m, C]."""

    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """Predicted classes [K, m] int64."""

    def accuracy(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Accuracy [K] against y [K, m] or shared [m] (NaN for m = 0)."""

    def subset(self, members: list[int]) -> PackModel:
        """The trials at these positions, for prediction."""


class LearnsFromUnlabelled(Protocol):
    """The model of a kind that declares `unlabelled`: its fit also takes unlabelled pool examples."""

    def fit(self, x: torch.Tensor, y: torch.Tensor, *, unlabelled: torch.Tensor) -> torch.Tensor:
        """As PackModel.fit, with unlabelled [K, m, d]: each trial's draw from its unlabelled pool."""
