"""What the loop measures of a pack's trained learners after every fit: metrics on the validation labels
(paid or free), the learner's loss and accuracy on its own labelled set, test accuracy, and predictions on
the stop set the stopping criteria read (`stopping.measures`). Test and stop-set numbers are recorded only:
the loop never chooses by them, except that a trial's `[stopping]` criterion reads the stop set."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from ..classifiers import PackModel
from ..stopping import stop_scores, stop_set
from .latent_set import LatentSet
from .metrics import classification_scores


def as_tensor(array: np.ndarray, device: torch.device, dtype=torch.float32) -> torch.Tensor:
    return torch.tensor(np.asarray(array), dtype=dtype, device=device)  # copies: object-store arrays are read-only


class Evaluation:
    """The fixed sets a pack measures on, on its device: validation, test and stop set."""

    def __init__(self, latent: LatentSet, pool: torch.Tensor, device: torch.device, paid: bool) -> None:
        self.n_classes, self.paid, self.pool, self.device = latent.n_classes, paid, pool, device
        self.val = as_tensor(latent.val, device)
        self.val_labels = as_tensor(latent.val_labels, device, torch.int64)
        self.test = as_tensor(latent.test, device)
        self.test_labels = as_tensor(latent.test_labels, device, torch.int64)
        self.stop = pool[torch.as_tensor(stop_set(pool.shape[0]), device=device)]

    def scores(self, model: PackModel, x: torch.Tensor, y: torch.Tensor) -> dict[str, np.ndarray]:
        """Every metric [K] of the models' predictions on x [K, m, .] or shared [m, .]."""
        found = classification_scores(model.predict(x), y, self.n_classes)
        return {name: value.cpu().numpy() for name, value in found.items()}

    def test_scores(self, model: PackModel) -> dict[str, np.ndarray]:
        return self.scores(model, self.test, self.test_labels)

    def validation(self, model: PackModel, validation: Sequence[np.ndarray], labels: Sequence[np.ndarray]):
        """The curve's validation scores [K]: on each member's paid validation set where the budget has one
        (`val_*`, with the free validation part as `heldout_val_*`), else on the free part."""
        free = self.scores(model, self.val, self.val_labels)
        if not self.paid:
            return {f"val_{name}": value for name, value in free.items()}
        index = torch.tensor(np.stack(validation), device=self.device)
        paid = self.scores(model, self.pool[index], torch.tensor(np.stack(labels), device=self.device))
        return {f"val_{name}": value for name, value in paid.items()} | {
            f"heldout_val_{name}": value for name, value in free.items()
        }

    def training(self, model: PackModel, x: torch.Tensor, y: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
        """Accuracy [K] and mean cross-entropy [K] of each model on its own labelled set x [K, n, .], y [K, n]."""
        accuracy = model.accuracy(x, y).cpu().numpy()
        probs = model.predict_proba(x).double()
        picked = probs.gather(-1, y[..., None]).squeeze(-1).clamp(min=1e-12)
        return accuracy, (-picked.log()).mean(dim=-1).cpu().numpy()

    def label_entropy(self, y: torch.Tensor) -> np.ndarray:
        """The entropy [K] (nats) of each labelled set's class frequencies y [K, n]: the cross-entropy of a
        learner that knows only them (log C for balanced labels), against which a training loss is read."""
        counts = torch.stack([torch.bincount(row, minlength=self.n_classes) for row in y]).double()
        p = counts / counts.sum(dim=1, keepdim=True).clamp(min=1)
        return (-(p * p.clamp(min=1e-300).log()).sum(dim=1)).cpu().numpy()

    def stop_predictions(self, model: PackModel) -> np.ndarray:
        """Class probabilities [K, m, C] on the stop set."""
        return model.predict_proba(self.stop).double().cpu().numpy()


def stop_columns(probabilities: np.ndarray, previous: Sequence[np.ndarray | None]) -> list[dict[str, float]]:
    """Each member's stop-set measures (`stopping.STOP_COLUMNS`) from its probabilities [K, m, C] and its
    previous model's predicted classes (None: no previous model)."""
    rows = []
    for member, before in enumerate(previous):
        found = stop_scores(probabilities[member : member + 1], None if before is None else before[None])
        rows.append({name: float(value[0]) for name, value in found.items()})
    return rows
