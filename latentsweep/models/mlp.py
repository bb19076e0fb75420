"""The MLP classifier (thesis 3.3, 4.2.2) as a stacked ensemble of K independent members.

Weights carry a leading K dimension and every layer is one batched matrix product, so K trials train
in lockstep. Each member has its own random key: its initial weights, minibatch order and dropout
masks depend on that key alone (`counter_random`), never on the other members of its pack.

The backward pass (`_gradients`) and RMSprop (`rmsprop.py`) are written by hand, and kept because they are
faster than autograd on the same model by far more than the house's 15% bar: one training step (the same
masks, the same fused update) of packs of 1, 8 and 32 thesis MLPs took 2.58, 22.9 and 103 ms by hand,
5.04, 37.2 and 258 ms with autograd, and 5.34, 46.9 and 189 ms with `torch.compile` of the autograd loss
(1 thread, `benchmarks/backward_step.py --compile`): 1.6x to 2.0x. Autograd checks their gradients
(`tests/models/test_mlp.py`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from ..protocols import Init, Precision
from . import counter_random
from .initialisation import check_initialisation
from .precision import compute_dtype
from .rmsprop import FusedRMSprop

# counters that separate the purposes of one member's stream: initial weights use 0, 1, ... (one per
# layer), initial biases (PyTorch's initialisation) BIAS_COUNTER + layer; minibatch orders and dropout masks follow
_BIAS_COUNTER = 1 << 10
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

    @property
    def layers(self) -> tuple[tuple[int, int], ...]:
        """(fan_in, fan_out) of every layer."""
        return tuple(zip(self.sizes, self.sizes[1:], strict=False))

    def multiply_adds_per_example(self) -> int:
        """Multiply-adds of one forward pass of one member for one example."""
        return sum(a * b for a, b in self.layers)


class StackedMLP:
    """K MLPs with ReLU hidden layers, dropout and a softmax output, trained together.

    keys [K] int64: one random stream per member (from `counter_random.stream_key`). init `keras`:
    glorot-uniform weights U(+-sqrt(6 / (fan_in + fan_out))) and zero biases (the thesis' Keras);
    `torch`: weights and biases U(+-1 / sqrt(fan_in)), as PyTorch's nn.Linear. Both from the member's stream.
    precision `bf16`: mixed precision. The master weights, RMSprop's state, the loss, the softmax and every
    probability stay float32; the products (and the activations and masks they read) run in bfloat16 from a
    bf16 copy of the weights refreshed after every step (`precision.py`).
    """

    def __init__(
        self,
        shape: MLPShape,
        keys: list[int],
        device: torch.device,
        *,
        init: str = Init.KERAS,
        precision: str = Precision.FP32,
    ):
        self.shape = shape
        self.device = device
        self.keys = torch.tensor(keys, dtype=torch.int64, device=device)
        self.compute = compute_dtype(precision)
        # every parameter is a view of one flat buffer, so an optimiser step is a few passes over one tensor
        self._flat = torch.zeros(len(keys) * sum(a * b + b for a, b in shape.layers), device=device)
        self.weights, self.biases = _views(self._flat, len(keys), shape.layers)
        check_initialisation(init)
        for counter, (weight, bias, (fan_in, fan_out)) in enumerate(
            zip(self.weights, self.biases, shape.layers, strict=True)
        ):
            limit = math.sqrt(6.0 / (fan_in + fan_out)) if init == Init.KERAS else 1.0 / math.sqrt(fan_in)
            weight.copy_((2.0 * counter_random.uniform(self.keys, counter, (fan_in, fan_out)) - 1.0) * limit)
            if init == Init.TORCH:
                drawn = counter_random.uniform(self.keys, _BIAS_COUNTER + counter, (1, fan_out))
                bias.copy_((2.0 * drawn - 1.0) * limit)
        # the weights the products read: the masters themselves in float32, else a low-precision copy of them
        self._low = self._flat if self.compute == torch.float32 else self._flat.to(self.compute)
        self._low_weights, self._low_biases = _views(self._low, len(keys), shape.layers)

    def _operands(self) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        """The weights and biases the products read: the masters in float32, else their low-precision copy."""
        if self.compute == torch.float32:
            return self.weights, self.biases
        return self._low_weights, self._low_biases

    def _refresh(self) -> None:
        """The low-precision copy follows the master weights (one pass over them; nothing in float32)."""
        if self._low is not self._flat:
            self._low.copy_(self._flat)

    @property
    def size(self) -> int:
        return int(self.keys.shape[0])

    def subset(self, members: list[int]) -> StackedMLP:
        """The members at the given positions, as a smaller ensemble for prediction."""
        chosen = object.__new__(StackedMLP)
        chosen.shape, chosen.device = self.shape, self.device
        index = torch.tensor(members, dtype=torch.int64, device=self.device)
        chosen.keys = self.keys[index]
        chosen.compute = self.compute
        chosen.weights = [w.detach()[index] for w in self.weights]
        chosen.biases = [b.detach()[index] for b in self.biases]
        chosen._low_weights = [w.detach()[index] for w in self._low_weights]
        chosen._low_biases = [b.detach()[index] for b in self._low_biases]
        return chosen

    def logits(self, x: torch.Tensor, dropout_counter: int | None = None, *, first_row: int = 0) -> torch.Tensor:
        """x [K, B, n_inputs] (or [B, n_inputs], shared by all members) -> logits [K, B, C].

        With a dropout counter, hidden activations are dropped with the shape's probability; `first_row`: the
        row of x's first row in the whole it is part of, so that a row's masks do not depend on the chunking.
        """
        return self._forward(x, dropout_counter, first_row=first_row)[1]

    def _forward(
        self,
        x: torch.Tensor,
        dropout_counter: int | None = None,
        keep: list[torch.Tensor] | None = None,
        *,
        first_row: int = 0,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """(last hidden activation [K, B, H] in the compute precision, logits [K, B, C] in float32) for x as in
        `logits`; every hidden layer's activation (after dropout) is appended to `keep` when given, for the
        backward pass (x itself first, in the compute precision)."""
        drop, compute = self.shape.dropout, self.compute
        h = x.to(compute)
        if keep is not None:
            keep.append(h)
        weights, biases = self._operands()
        for layer, (weight, bias) in enumerate(zip(weights[:-1], biases[:-1], strict=True)):
            h = _product(h, weight, bias).relu_()
            if dropout_counter is not None and drop > 0:  # out of place: autograd can differentiate `logits`
                shape = tuple(h.shape[1:])
                first = first_row * shape[-1]
                h = h * counter_random.keep_mask(self.keys, dropout_counter + layer, shape, drop, compute, first=first)
            if keep is not None:
                keep.append(h)
        return h, _product(h, weights[-1], biases[-1]).float()

    @torch.no_grad()
    def fit(
        self,
        x: torch.Tensor,
        y: torch.Tensor,
        epochs: int,
        batch_size: int,
        learning_rate: float = 1e-3,
    ) -> torch.Tensor:
        """Trains every member on its own labelled set: x [K, n, n_inputs], y [K, n] int64.

        RMSprop (Keras defaults rho 0.9, eps 1e-7) on the mean cross-entropy of each member; gradients written
        by hand (`_gradients`) into one flat buffer: members are independent because their losses separate and
        RMSprop is element-wise. Returns [K] bool: members whose weights stayed finite.
        """
        k, n = y.shape
        gradient = torch.empty_like(self._flat)
        optimiser = FusedRMSprop([self._flat], learning_rate)
        gradients = _views(gradient, k, self.shape.layers)
        minus_one = torch.full((k, min(batch_size, n), 1), -1.0, device=self.device)
        members = torch.arange(k, device=self.device)[:, None]
        layers = len(self.weights)
        counter = _FIRST_STEP_COUNTER
        for _ in range(epochs):
            order = counter_random.permutations(self.keys, counter, n)
            counter += 1
            shuffled_x, shuffled_y = x[members, order], y[members, order]  # minibatches become views
            for start in range(0, n, batch_size):
                batch_y = shuffled_y[:, start : start + batch_size, None]
                self._gradients(shuffled_x[:, start : start + batch_size], batch_y, minus_one, counter, *gradients)
                counter += layers
                optimiser.step([gradient])
                self._refresh()
        return torch.stack([torch.isfinite(w).flatten(1).all(dim=1) for w in self.weights]).all(dim=0)

    def _gradients(
        self,
        x: torch.Tensor,
        y: torch.Tensor,
        minus_one: torch.Tensor,
        dropout_counter: int,
        weight_gradients: list[torch.Tensor],
        bias_gradients: list[torch.Tensor],
    ) -> None:
        """Writes the gradient of the members' summed mean cross-entropy on one minibatch x [K, B, n_inputs],
        y [K, B, 1] into the given views: backpropagation written out. minus_one: [K, >= B, 1] of -1.

        A hidden layer keeps h = relu(a) * mask; since mask is 0 or 1 / (1 - drop), dL/da is dL/dh where
        h > 0 (threshold_backward, ReLU's own backward) times 1 / (1 - drop). In bf16 the products take bf16
        operands and the gradients are written into the float32 buffer; the bias gradients sum in float32."""
        drop, compute = self.shape.dropout, self.compute
        inputs: list[torch.Tensor] = []
        _, logits = self._forward(x, dropout_counter, keep=inputs)
        last = len(self.weights) - 1
        batch = y.shape[1]
        delta = torch.softmax(logits, dim=-1)  # d(mean cross-entropy) / d(logits) = (softmax - onehot) / B
        delta.scatter_add_(2, y, minus_one[:, :batch])
        delta *= 1.0 / batch
        delta = delta.to(compute)
        for layer in range(last, -1, -1):
            if compute == torch.float32:
                _product(inputs[layer].transpose(1, 2), delta, out=weight_gradients[layer])
            else:
                weight_gradients[layer].copy_(_product(inputs[layer].transpose(1, 2), delta))
            torch.sum(delta, dim=1, keepdim=True, dtype=torch.float32, out=bias_gradients[layer])
            if layer > 0:
                below = torch.bmm(delta, self._operands()[0][layer].transpose(1, 2))
                delta = torch.ops.aten.threshold_backward(below, inputs[layer], 0)
                if drop > 0:
                    delta *= 1.0 / (1.0 - drop)

    @torch.no_grad()
    def predict_proba(self, x: torch.Tensor) -> torch.Tensor:
        """Class probabilities [K, m, C] for x [K, m, n_inputs] or shared x [m, n_inputs], in row chunks."""
        parts = [torch.softmax(self.logits(rows), dim=-1) for rows in self._chunks(x)]
        if not parts:
            return torch.zeros(self.size, 0, self.shape.n_classes, device=self.device)
        return torch.cat(parts, dim=1)

    def _chunks(self, x: torch.Tensor) -> list[torch.Tensor]:
        """x's rows in chunks whose hidden activations are about 1 MB on a CPU, so the products run from
        cache, and about 256 MB on an accelerator, which wants large products."""
        floats = 1 << 26 if self.device.type != "cpu" else 1 << 18
        chunk = max(64, floats // (self.size * max(self.shape.sizes[1:])))
        return [x[..., start : start + chunk, :] for start in range(0, x.shape[-2], chunk)]

    @torch.no_grad()
    def mc_predict_proba(self, x: torch.Tensor, passes: int, *, first_row: int = 0) -> torch.Tensor:
        """Class probabilities [K, passes, m, C] of `passes` stochastic forward passes with dropout on (MC
        dropout). Pass t of a member draws its masks from the member's own stream (counter MC_COUNTER + t
        layers) at each row's position (`first_row` + its row in x), so its samples do not depend on the
        pack, on how many passes others asked for, or on how the rows are cut into chunks."""
        layers = len(self.weights)
        out = torch.zeros(self.size, passes, x.shape[-2], self.shape.n_classes, device=self.device)
        for t in range(passes):
            start = 0
            for rows in self._chunks(x):
                logits = self.logits(rows, dropout_counter=_MC_COUNTER + t * layers, first_row=first_row + start)
                out[:, t, start : start + rows.shape[-2]] = torch.softmax(logits, dim=-1)
                start += rows.shape[-2]
        return out

    @torch.no_grad()
    def embedding(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(last hidden activation h [K, m, H], class probabilities p [K, m, C]), dropout off: what BADGE's
        gradient embedding (p - onehot(argmax p)) (x) h is made of."""
        hidden, probs = [], []
        for rows in self._chunks(x):
            h, logits = self._forward(rows)
            hidden.append(h.float())
            probs.append(torch.softmax(logits, dim=-1))
        if not hidden:
            width = self.shape.sizes[-2]
            return torch.zeros(self.size, 0, width, device=self.device), torch.zeros(
                self.size, 0, self.shape.n_classes, device=self.device
            )
        return torch.cat(hidden, dim=1), torch.cat(probs, dim=1)

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """Predicted classes [K, m] (int64) for x [K, m, .] or shared [m, .]."""
        if x.shape[-2] == 0:
            return torch.zeros(self.size, 0, dtype=torch.int64, device=self.device)
        return torch.cat([self.logits(rows).argmax(-1) for rows in self._chunks(x)], 1)

    @torch.no_grad()
    def accuracy(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Accuracy [K] on x [K, m, .] or shared [m, .] with labels y [K, m] or shared [m]."""
        if x.shape[-2] == 0:
            return torch.full((self.size,), float("nan"), device=self.device)
        return (self.predict(x) == y).to(torch.float32).mean(dim=-1)


def _views(
    flat: torch.Tensor, k: int, pairs: tuple[tuple[int, int], ...]
) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    """Weights [K, a, b] and biases [K, 1, b] of every layer (a, b) as consecutive views of `flat`."""
    weights, biases, offset = [], [], 0
    for fan_in, fan_out in pairs:
        weights.append(flat[offset : offset + k * fan_in * fan_out].view(k, fan_in, fan_out))
        offset += k * fan_in * fan_out
        biases.append(flat[offset : offset + k * fan_out].view(k, 1, fan_out))
        offset += k * fan_out
    return weights, biases


_NARROW = 64  # outputs narrower than this (a classifier's classes) are computed transposed


def _product(
    a: torch.Tensor, b: torch.Tensor, bias: torch.Tensor | None = None, out: torch.Tensor | None = None
) -> torch.Tensor:
    """bias + a @ b for a [K, m, k] (or [m, k] shared by the members), b [K, k, n], bias [K, 1, n], into
    `out` if given.

    A CPU BLAS runs a narrow output (n of 10 classes) three to four times slower than the same product
    transposed, so those are computed as (b^T a^T)^T, made contiguous for the softmax and backward after.
    """
    if a.dim() == 2:
        product = torch.matmul(a, b)
        return product if bias is None else product + bias
    if b.shape[-1] >= _NARROW or b.shape[-1] >= a.shape[-2]:
        if bias is not None:
            return torch.baddbmm(bias, a, b, out=out)
        return torch.bmm(a, b, out=out)
    if bias is not None:
        product = torch.baddbmm(bias.transpose(1, 2), b.transpose(1, 2), a.transpose(1, 2)).transpose(1, 2).contiguous()
    else:
        product = torch.bmm(b.transpose(1, 2), a.transpose(1, 2)).transpose(1, 2)
    if out is None:
        return product
    return out.copy_(product)
