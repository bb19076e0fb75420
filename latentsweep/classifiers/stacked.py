"""The torch learners of `classifiers.CLASSIFIERS`: K trials' networks trained in lockstep as one
`models.StackedMLP` (the MLP, and an ensemble of MLPs per trial as K x M members). Every network draws from
a counter-based stream keyed by its trial's seed, the purpose and the iteration, so a trial's numbers never
depend on its pack."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from ..models import MLPShape, StackedMLP
from ..models.counter_random import stream_key
from .kinds import epochs


class StackModel:
    """One network per trial (the mlp kind): the pack model over a StackedMLP [K]."""

    def __init__(self, network: StackedMLP, spec) -> None:
        self.network, self.spec = network, spec

    @property
    def size(self) -> int:
        return self.network.size

    def fit(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Trains the trials' networks on x [K, n, d], y [K, n]; [K] bool: which stayed finite."""
        spec = self.spec
        return self.network.fit(x, y, epochs(spec, y.shape[1]), spec.batch_size, spec.learning_rate)

    def predict_proba(self, x: torch.Tensor) -> torch.Tensor:
        return self.network.predict_proba(x)

    def predict(self, x: torch.Tensor) -> torch.Tensor:
        return self.network.predict(x)

    def accuracy(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.network.accuracy(x, y)

    def mc_predict_proba(self, x: torch.Tensor, passes: int, *, first_row: int = 0) -> torch.Tensor:
        return self.network.mc_predict_proba(x, passes, first_row=first_row)

    def embedding(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.network.embedding(x)

    def subset(self, members: list[int]) -> StackModel:
        return StackModel(self.network.subset(members), self.spec)


def stacked_mlp(spec, n_features: int, n_classes: int, seeds: Sequence[int], iteration: int, device) -> StackModel:
    shape = MLPShape(n_features, spec.hidden, n_classes, spec.dropout)
    keys = [stream_key(seed, "mlp", iteration) for seed in seeds]
    return StackModel(StackedMLP(shape, keys, device, init=spec.init, precision=spec.precision), spec)


class EnsembleModel:
    """M MLPs per trial as one StackedMLP of K x M networks (trial k's members at rows k M .. k M + M - 1);
    a trial predicts the mean of its members' softmaxes."""

    def __init__(self, network: StackedMLP, members: int, spec) -> None:
        self.network, self.members, self.spec = network, members, spec

    @property
    def size(self) -> int:
        return self.network.size // self.members

    def _spread(self, x: torch.Tensor) -> torch.Tensor:
        """x [K, m, d] as [K M, m, d] (each trial's rows for each of its members); shared [m, d] as it is."""
        return x if x.dim() == 2 else x.repeat_interleave(self.members, dim=0)

    def fit(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        spec = self.spec
        x, y = x.repeat_interleave(self.members, dim=0), y.repeat_interleave(self.members, dim=0)
        finite = self.network.fit(x, y, epochs(spec, y.shape[1]), spec.batch_size, spec.learning_rate)
        return finite.view(self.size, self.members).all(dim=1)

    def member_probabilities(self, x: torch.Tensor) -> torch.Tensor:
        """Every member's class probabilities [K, M, m, C] for x [K, m, d] or shared [m, d]."""
        probs = self.network.predict_proba(self._spread(x))
        return probs.view(self.size, self.members, *probs.shape[1:])

    def predict_proba(self, x: torch.Tensor) -> torch.Tensor:
        return self.member_probabilities(x).mean(dim=1)

    def predict(self, x: torch.Tensor) -> torch.Tensor:
        return self.predict_proba(x).argmax(dim=-1)

    def accuracy(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if x.shape[-2] == 0:
            return torch.full((self.size,), float("nan"), device=self.network.device)
        return (self.predict(x) == y).to(torch.float32).mean(dim=-1)

    def mc_predict_proba(self, x: torch.Tensor, passes: int, *, first_row: int = 0) -> torch.Tensor:
        """The members as samples of the posterior [K, M, m, C] (a deep ensemble; `passes` is not used)."""
        return self.member_probabilities(x)

    def subset(self, members: list[int]) -> EnsembleModel:
        rows = [trial * self.members + member for trial in members for member in range(self.members)]
        return EnsembleModel(self.network.subset(rows), self.members, self.spec)


def stacked_ensemble(
    spec, n_features: int, n_classes: int, seeds: Sequence[int], iteration: int, device
) -> EnsembleModel:
    members = int(spec.value("members"))
    shape = MLPShape(n_features, spec.hidden, n_classes, spec.dropout)
    keys = [stream_key(seed, "ensemble", iteration, member) for seed in seeds for member in range(members)]
    return EnsembleModel(StackedMLP(shape, keys, device, init=spec.init, precision=spec.precision), members, spec)
