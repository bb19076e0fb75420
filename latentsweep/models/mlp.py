"""The MLP classifier (thesis 3.3, 4.2.2) as a stacked ensemble of K independent members.

Weights carry a leading K dimension and every layer is one batched matrix product, so K trials train
in lockstep. Each member has its own random key: its initial weights, minibatch order and dropout
masks depend on that key alone (`counter_random`), never on the other members of its pack.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch.nn import functional as F

from . import counter_random

# counters that separate the purposes of one member's stream; dropout and order counters follow
_INIT_COUNTER = 0
_FIRST_STEP_COUNTER = 1 << 20
_MC_COUNTER = 1 << 40  # MC-dropout passes at prediction time: far from every training step's counters


@dataclass(frozen=True)
class MLPShape:
    """Layer sizes of every member: input, hidden (default 512, 512) and classes; dropout on hidden layers."""

    n_inputs: int
    hidden: tuple[int, ...]
    n_classes: int
    dropout: float = 0.2

    @property
    def sizes(self) -> tuple[int, ...]:
        return (self.n_inputs, *self.hidden, self.n_classes)

    def multiply_adds_per_example(self) -> int:
        """Multiply-adds of one forward pass of one member for one example."""
        return sum(a * b for a, b in zip(self.sizes, self.sizes[1:], strict=False))


class StackedMLP:
    """K MLPs with ReLU hidden layers, dropout and a softmax output, trained together.

    keys [K] int64: one random stream per member (from `counter_random.stream_key`).
    """

    def __init__(self, shape: MLPShape, keys: list[int], device: torch.device):
        self.shape = shape
        self.device = device
        self.keys = torch.tensor(keys, dtype=torch.int64, device=device)
        self.weights: list[torch.Tensor] = []
        self.biases: list[torch.Tensor] = []
        counter = _INIT_COUNTER
        for fan_in, fan_out in zip(shape.sizes, shape.sizes[1:], strict=False):
            limit = math.sqrt(6.0 / (fan_in + fan_out))  # Glorot uniform, Keras' default
            u = counter_random.uniform(self.keys, counter, (fan_in, fan_out))
            self.weights.append(((2.0 * u - 1.0) * limit).requires_grad_())
            self.biases.append(torch.zeros(len(keys), 1, fan_out, device=device, requires_grad=True))
            counter += 1

    @property
    def size(self) -> int:
        return int(self.keys.shape[0])

    def subset(self, members: list[int]) -> StackedMLP:
        """The members at the given positions, as a smaller ensemble for prediction."""
        chosen = object.__new__(StackedMLP)
        chosen.shape, chosen.device = self.shape, self.device
        index = torch.tensor(members, dtype=torch.int64, device=self.device)
        chosen.keys = self.keys[index]
        chosen.weights = [w.detach()[index] for w in self.weights]
        chosen.biases = [b.detach()[index] for b in self.biases]
        return chosen

    def parameters(self) -> list[torch.Tensor]:
        return [*self.weights, *self.biases]

    def logits(self, x: torch.Tensor, dropout_counter: int | None = None) -> torch.Tensor:
        """x [K, B, n_inputs] (or [B, n_inputs], shared by all members) -> logits [K, B, C].

        With a dropout counter, hidden activations are dropped with the shape's probability.
        """
        last = len(self.weights) - 1
        h = x
        for layer, (weight, bias) in enumerate(zip(self.weights, self.biases, strict=False)):
            h = torch.baddbmm(bias, h, weight) if h.dim() == 3 else torch.matmul(h, weight) + bias
            if layer == last:
                break
            h = F.relu(h)
            if dropout_counter is not None and self.shape.dropout > 0:
                h = h * counter_random.keep_mask(
                    self.keys, dropout_counter + layer, tuple(h.shape[1:]), self.shape.dropout
                )
        return h

    def fit(
        self,
        x: torch.Tensor,
        y: torch.Tensor,
        epochs: int,
        batch_size: int,
        learning_rate: float = 1e-3,
    ) -> torch.Tensor:
        """Trains every member on its own labelled set: x [K, n, n_inputs], y [K, n] int64.

        RMSprop (Keras defaults rho 0.9, eps 1e-7) on the mean cross-entropy of each member; members
        are independent because the summed loss separates and RMSprop is element-wise.
        Returns a [K] bool tensor: True for members whose weights stayed finite.
        """
        k, n = y.shape
        optimiser = torch.optim.RMSprop(self.parameters(), lr=learning_rate, alpha=0.9, eps=1e-7)
        members = torch.arange(k, device=self.device)[:, None]
        layers = len(self.weights)
        counter = _FIRST_STEP_COUNTER
        for _ in range(epochs):
            order = counter_random.permutations(self.keys, counter, n)
            counter += 1
            for start in range(0, n, batch_size):
                index = order[:, start : start + batch_size]
                logits = self.logits(x[members, index], dropout_counter=counter)
                counter += layers
                per_example = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y[members, index].reshape(-1))
                loss = per_example * k  # the sum over members of each member's mean loss
                optimiser.zero_grad(set_to_none=True)
                loss.backward()
                optimiser.step()
        with torch.no_grad():
            return torch.stack([torch.isfinite(w).flatten(1).all(dim=1) for w in self.weights]).all(dim=0)

    @torch.no_grad()
    def predict_proba(self, x: torch.Tensor) -> torch.Tensor:
        """Class probabilities [K, m, C] for x [K, m, n_inputs] or shared x [m, n_inputs].

        Rows go in chunks whose hidden activations stay near 256 MB whatever K is.
        """
        m = x.shape[-2]
        chunk = max(64, (1 << 26) // (self.size * max(self.shape.sizes[1:])))
        parts = [torch.softmax(self.logits(x[..., start : start + chunk, :]), dim=-1) for start in range(0, m, chunk)]
        if not parts:
            return torch.zeros(self.size, 0, self.shape.n_classes, device=self.device)
        return torch.cat(parts, dim=1)

    def _chunk(self) -> int:
        return max(64, (1 << 26) // (self.size * max(self.shape.sizes[1:])))

    @torch.no_grad()
    def mc_predict_proba(self, x: torch.Tensor, passes: int) -> torch.Tensor:
        """Class probabilities [K, passes, m, C] of `passes` stochastic forward passes with dropout on (MC
        dropout). Pass t of a member draws its masks from the member's own stream (counter MC_COUNTER + t
        layers), so its samples do not depend on the pack or on how many passes others asked for."""
        m = x.shape[-2]
        layers = len(self.weights)
        out = torch.zeros(self.size, passes, m, self.shape.n_classes, device=self.device)
        chunk = self._chunk()
        for t in range(passes):
            for start in range(0, m, chunk):
                logits = self.logits(x[..., start : start + chunk, :], dropout_counter=_MC_COUNTER + t * layers)
                out[:, t, start : start + chunk] = torch.softmax(logits, dim=-1)
        return out

    @torch.no_grad()
    def embedding(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(last hidden activation h [K, m, H], class probabilities p [K, m, C]), dropout off: what BADGE's
        gradient embedding (p - onehot(argmax p)) (x) h is made of."""
        m = x.shape[-2]
        hidden, probs = [], []
        for start in range(0, m, self._chunk()):
            h = x[..., start : start + self._chunk(), :]
            for weight, bias in zip(self.weights[:-1], self.biases[:-1], strict=True):
                h = F.relu(torch.baddbmm(bias, h, weight) if h.dim() == 3 else torch.matmul(h, weight) + bias)
            logits = (
                torch.baddbmm(self.biases[-1], h, self.weights[-1])
                if h.dim() == 3
                else torch.matmul(h, self.weights[-1]) + self.biases[-1]
            )
            hidden.append(h)
            probs.append(torch.softmax(logits, dim=-1))
        if not hidden:
            width = self.shape.sizes[-2]
            return torch.zeros(self.size, 0, width, device=self.device), torch.zeros(
                self.size, 0, self.shape.n_classes, device=self.device
            )
        return torch.cat(hidden, dim=1), torch.cat(probs, dim=1)

    @torch.no_grad()
    def accuracy(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Accuracy [K] on x [K, m, .] or shared [m, .] with labels y [K, m] or shared [m]."""
        if x.shape[-2] == 0:
            return torch.full((self.size,), float("nan"), device=self.device)
        predicted = self.predict_proba(x).argmax(dim=-1)
        return (predicted == y).to(torch.float32).mean(dim=-1)
