"""What the loop measures after a fit: a learner's loss and accuracy on its own labels (by hand), and the
stop-set predictions the stopping criteria read."""

import math

import numpy as np
import pytest
import torch

from latentsweep.classifiers.logistic import LogisticModel
from latentsweep.engine.evaluation import Evaluation, stop_columns
from latentsweep.stopping import stop_set


def test_training_loss_and_accuracy_by_hand(digits_latent):
    """One feature, two classes, logits (2x, 0): x = 1 (class 0) has p0 = e^2 / (e^2 + 1); x = -1 (class 0)
    has p0 = 1 / (1 + e^2); x = 0.5 (class 1) has p1 = 1 / (e + 1). Mean CE = -(log p0(1) + log p0(-1) +
    log p1(0.5)) / 3; accuracy 1/3 (only x = 1 is right)."""
    model = LogisticModel(1, 2, 1, c=1.0, max_iter=1, tol=1e-4, device="cpu")
    model.weights[0] = torch.tensor([[2.0, 0.0]])
    evaluation = Evaluation(digits_latent, torch.tensor(digits_latent.pool), torch.device("cpu"), paid=False)
    x, y = torch.tensor([[[1.0], [-1.0], [0.5]]]), torch.tensor([[0, 0, 1]])
    accuracy, loss = evaluation.training(model, x, y)
    expected = -(math.log(math.e**2 / (math.e**2 + 1)) + math.log(1 / (1 + math.e**2)) + math.log(1 / (math.e + 1))) / 3
    assert loss[0] == pytest.approx(expected, rel=1e-6) and accuracy[0] == pytest.approx(1 / 3)


def test_the_stop_set_is_the_pools_and_rows_are_per_member(digits_latent):
    pool = torch.tensor(digits_latent.pool)
    evaluation = Evaluation(digits_latent, pool, torch.device("cpu"), paid=False)
    np.testing.assert_array_equal(evaluation.stop.numpy(), digits_latent.pool[stop_set(len(digits_latent.pool))])
    probabilities = np.array([[[0.9, 0.1], [0.2, 0.8]], [[0.5, 0.5], [0.5, 0.5]]])
    rows = stop_columns(probabilities, [np.array([0, 0]), None])
    assert rows[0]["stop_changed"] == 0.5 and math.isnan(rows[1]["stop_changed"])
    assert rows[1]["stop_uncertainty"] == pytest.approx(1.0)
