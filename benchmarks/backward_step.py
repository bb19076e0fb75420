"""The stacked MLP's hand-written backward pass against autograd on the same model: one training step
(forward with the same dropout masks from the counter-based streams, backward, the fused RMSprop update) of
a pack of K trials, timed both ways (and with `torch.compile` of the autograd loss, its dropout masks made
eagerly outside it).

    python benchmarks/backward_step.py [--packs 1 8 32] [--hidden 512 512] [--threads 1] [--steps 60]

Printed per pack size: milliseconds per step of each way and the hand-written step's speed-up. The house
keeps the hand-written backward only where it is at least ~15% faster (`models/mlp.py`).
"""

from __future__ import annotations

import argparse
import time

import torch

from latentsweep.models import MLPShape, StackedMLP
from latentsweep.models.counter_random import keep_mask
from latentsweep.models.mlp import _FIRST_STEP_COUNTER, _product, _views
from latentsweep.models.rmsprop import FusedRMSprop

BATCH, FEATURES, CLASSES = 100, 30, 10


def hand_written(network: StackedMLP, x, y, steps: int) -> float:
    gradient = torch.empty_like(network._flat)
    gradients = _views(gradient, network.size, network.shape.layers)
    optimiser = FusedRMSprop([network._flat], 1e-3)
    minus_one = torch.full((network.size, BATCH, 1), -1.0)
    counter = _FIRST_STEP_COUNTER
    started = None
    for step in range(steps + 5):
        if step == 5:
            started = time.perf_counter()
        with torch.no_grad():
            network._gradients(x, y[..., None], minus_one, counter, *gradients)
            optimiser.step([gradient])
        counter += len(network.weights)
    return (time.perf_counter() - started) / steps


def _loss(network: StackedMLP, flat, x, y, counter):
    network.weights, network.biases = _views(flat, network.size, network.shape.layers)
    logits = network.logits(x, dropout_counter=counter)
    losses = torch.nn.functional.cross_entropy(logits.reshape(-1, CLASSES), y.reshape(-1), reduction="none")
    return losses.view(network.size, -1).mean(dim=1).sum()  # the members' losses separate: one backward


def _masked_loss(flat, x, y, masks: list[torch.Tensor], size: int, layers):
    """The same loss with the dropout masks made outside (eagerly, by the counter-based streams): what
    torch.compile can trace (its code generator cannot hold the streams' 64-bit hash constants)."""
    weights, biases = _views(flat, size, layers)
    h = x
    for weight, bias, mask in zip(weights[:-1], biases[:-1], masks, strict=True):
        h = _product(h, weight, bias).relu() * mask
    logits = _product(h, weights[-1], biases[-1])
    losses = torch.nn.functional.cross_entropy(logits.reshape(-1, CLASSES), y.reshape(-1), reduction="none")
    return losses.view(size, -1).mean(dim=1).sum()


def with_autograd(network: StackedMLP, x, y, steps: int, compiled: bool = False) -> float:
    flat = network._flat.detach().clone().requires_grad_()
    optimiser = FusedRMSprop([network._flat], 1e-3)
    masked = torch.compile(_masked_loss) if compiled else None
    hidden = network.shape.layers[:-1]
    counter = _FIRST_STEP_COUNTER
    started = None
    for step in range(steps + 5):
        if step == 5:
            started = time.perf_counter()
        flat.grad = None
        if masked is None:
            loss = _loss(network, flat, x, y, counter)
        else:
            masks = [keep_mask(network.keys, counter + layer, (BATCH, fan_out), network.shape.dropout)
                     for layer, (_, fan_out) in enumerate(hidden)]  # fmt: skip
            loss = masked(flat, x, y, masks, network.size, network.shape.layers)
        loss.backward()
        with torch.no_grad():
            optimiser.step([flat.grad])
            flat.copy_(network._flat)
        counter += len(network.shape.layers)
    return (time.perf_counter() - started) / steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--packs", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--hidden", type=int, nargs="+", default=[512, 512])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--compile", action="store_true", help="also torch.compile the autograd loss")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    shape = MLPShape(FEATURES, tuple(args.hidden), CLASSES, 0.2)
    print(f"MLP {shape.sizes}, batch {BATCH}, {args.threads} thread(s); ms per step")
    print(f"{'pack':>5s} {'hand':>8s} {'autograd':>9s} {'compiled':>9s} {'hand speed-up':>14s}")
    for pack in args.packs:
        x = torch.randn(pack, BATCH, FEATURES)
        y = torch.randint(0, CLASSES, (pack, BATCH))
        hand = hand_written(StackedMLP(shape, list(range(pack)), torch.device("cpu")), x, y, args.steps)
        auto = with_autograd(StackedMLP(shape, list(range(pack)), torch.device("cpu")), x, y, args.steps)
        compiled = float("nan")
        if args.compile:
            try:
                compiled = with_autograd(StackedMLP(shape, list(range(pack)), torch.device("cpu")), x, y, args.steps,
                                         compiled=True)  # fmt: skip
            except Exception as error:  # report what torch.compile did, go on
                print(f"torch.compile failed: {type(error).__name__}: {str(error).splitlines()[0]}")
        best_auto = min(auto, compiled) if compiled == compiled else auto
        print(f"{pack:5d} {hand * 1e3:8.2f} {auto * 1e3:9.2f} {compiled * 1e3:9.2f} "
              f"{(best_auto / hand - 1) * 100:13.0f}%", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
