"""Evaluating an initial query set on its own ("Query Selection based on Latent Space Sampling", section 4):
train the paper's CNN on the query set only, with a fixed number of update steps whatever its size, and
measure test accuracy and the class balance of the set."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch
from torch.nn import functional as F

from ..data import Splits
from ..models import pick_device
from ..models.paper_autoencoders import EvaluationCNN
from ..strategies import class_entropy


@dataclass(frozen=True)
class QuerySetEvaluation:
    """Test accuracy of a CNN trained on the query set alone, and the set's class histogram and entropy."""

    test_accuracy: float
    class_counts: tuple[int, ...]
    class_entropy: float
    update_steps: int
    seconds: float


def evaluate_query_set(
    splits: Splits,
    indices: np.ndarray,
    update_steps: int = 500,
    batch_size: int = 100,
    width: float = 1.0,
    learning_rate: float = 1e-3,
    seed: int = 0,
    device: str | None = None,
    test_limit: int | None = None,
) -> QuerySetEvaluation:
    """Trains EvaluationCNN (Adam) for exactly `update_steps` minibatch steps on pool images `indices`.

    Equal steps for every set size, as the paper's 50 epochs of 1,000 and 500 epochs of 100 examples.
    `test_limit` evaluates on the first test images only (None: all of them).
    """
    started = time.perf_counter()
    torch_device = pick_device(device)
    indices = np.asarray(indices, dtype=np.int64)
    labels = splits.pool_labels[indices]
    counts = np.bincount(labels, minlength=splits.n_classes)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = EvaluationCNN(splits.image_shape[0], splits.n_classes, width).to(torch_device)
    optimiser = torch.optim.Adam(model.parameters(), lr=learning_rate)
    x = torch.from_numpy(np.ascontiguousarray(splits.pool[indices])).to(torch_device)
    y = torch.from_numpy(labels).to(torch_device)
    order_rng = np.random.default_rng([seed, 5])
    steps = 0
    model.train()
    while steps < update_steps and len(indices):
        order = order_rng.permutation(len(indices))
        for start in range(0, len(order), batch_size):
            batch = torch.from_numpy(order[start : start + batch_size]).to(torch_device)
            loss = F.cross_entropy(model(x[batch]), y[batch])
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            steps += 1
            if steps == update_steps:
                break
    model.eval()
    test_images = splits.test if test_limit is None else splits.test[:test_limit]
    test_labels = splits.test_labels if test_limit is None else splits.test_labels[:test_limit]
    correct = 0
    with torch.no_grad():
        for start in range(0, len(test_images), 1000):
            batch = torch.from_numpy(np.ascontiguousarray(test_images[start : start + 1000])).to(torch_device)
            predicted = model(batch).argmax(dim=1).cpu().numpy()
            correct += int((predicted == test_labels[start : start + 1000]).sum())
    return QuerySetEvaluation(
        test_accuracy=correct / max(len(test_images), 1),
        class_counts=tuple(int(c) for c in counts),
        class_entropy=class_entropy(labels, splits.n_classes),
        update_steps=steps,
        seconds=time.perf_counter() - started,
    )
