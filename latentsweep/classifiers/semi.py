"""Self-training (Lee 2013; the confidence-thresholded pseudo-labels of FixMatch, Sohn et al. 2020) for the
thesis' MLP: train on the labels, label the unlabelled examples the model is at least `threshold` sure of
with its prediction, and train a fresh network on both. One network per trial (each trial keeps a different
number of pseudo-labels, so trials do not share a stack); the second network draws from a stream of its own."""

from __future__ import annotations

import torch

from ..models import MLPShape, StackedMLP
from ..models.counter_random import stream_key
from .stacked import StackModel


def _network(spec, n_features: int, n_classes: int, seed: int, iteration: int, purpose: str, device) -> StackModel:
    shape = MLPShape(n_features, spec.hidden, n_classes, spec.dropout)
    keys = [stream_key(seed, purpose, iteration)]
    return StackModel(StackedMLP(shape, keys, device, init=spec.init, precision=spec.precision), spec)


class SelfTrainingModel:
    """K trials' self-trained MLPs (K = 1 in practice: the kind does not pack), each a StackModel of one."""

    def __init__(self, spec, n_features: int, n_classes: int, seeds, iteration: int, device) -> None:
        self.spec, self.n_features, self.n_classes = spec, n_features, n_classes
        self.seeds, self.iteration, self.device = list(seeds), iteration, device
        self.models = [_network(spec, n_features, n_classes, seed, iteration, "mlp", device) for seed in self.seeds]
        self.pseudo_labels = [0] * len(self.seeds)  # how many pseudo-labels each trial's final network saw

    @property
    def size(self) -> int:
        return len(self.models)

    def fit(self, x: torch.Tensor, y: torch.Tensor, *, unlabelled: torch.Tensor | None = None) -> torch.Tensor:
        """Trains on x [K, n, d], y [K, n], then again with the pseudo-labelled part of unlabelled [K, m, d]."""
        threshold = float(self.spec.value("threshold"))
        finite = []
        for member, model in enumerate(self.models):
            ok = model.fit(x[member : member + 1], y[member : member + 1])
            if unlabelled is not None and unlabelled.shape[1] and bool(ok.all()):
                probs = model.predict_proba(unlabelled[member])[0]
                confidence, guessed = probs.max(dim=-1)
                sure = confidence >= threshold
                self.pseudo_labels[member] = int(sure.sum())
                if self.pseudo_labels[member]:
                    inputs = torch.cat([x[member], unlabelled[member][sure]])[None]
                    labels = torch.cat([y[member], guessed[sure]])[None]
                    seed = self.seeds[member]
                    model = _network(self.spec, self.n_features, self.n_classes, seed, self.iteration, "self-training",
                                     self.device)  # fmt: skip
                    ok = model.fit(inputs, labels)
                    self.models[member] = model
            finite.append(ok)
        return torch.cat(finite)

    def _joined(self, method: str, x: torch.Tensor, *args, **kwargs) -> torch.Tensor:
        parts = []
        for member, model in enumerate(self.models):
            rows = x if x.dim() == 2 else x[member : member + 1]
            parts.append(getattr(model, method)(rows, *args, **kwargs))
        return torch.cat(parts)

    def predict_proba(self, x: torch.Tensor) -> torch.Tensor:
        return self._joined("predict_proba", x)

    def predict(self, x: torch.Tensor) -> torch.Tensor:
        return self._joined("predict", x)

    def accuracy(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        parts = []
        for member, model in enumerate(self.models):
            rows = x if x.dim() == 2 else x[member : member + 1]
            parts.append(model.accuracy(rows, y if y.dim() == 1 else y[member : member + 1]))
        return torch.cat(parts)

    def mc_predict_proba(self, x: torch.Tensor, passes: int, *, first_row: int = 0) -> torch.Tensor:
        return self._joined("mc_predict_proba", x, passes, first_row=first_row)

    def embedding(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        pairs = [model.embedding(x if x.dim() == 2 else x[i : i + 1]) for i, model in enumerate(self.models)]
        return torch.cat([p[0] for p in pairs]), torch.cat([p[1] for p in pairs])

    def subset(self, members: list[int]) -> SelfTrainingModel:
        chosen = object.__new__(SelfTrainingModel)
        chosen.__dict__.update(self.__dict__)
        chosen.models = [self.models[m] for m in members]
        chosen.seeds = [self.seeds[m] for m in members]
        chosen.pseudo_labels = [self.pseudo_labels[m] for m in members]
        return chosen
