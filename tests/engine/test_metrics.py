import math

import numpy as np
import pytest
import torch
from sklearn.metrics import balanced_accuracy_score, f1_score

from latentsweep.engine.metrics import METRICS, classification_scores


def test_the_metrics_of_one_member_by_hand():
    # true 0 0 0 1 1 2, predicted 0 0 1 1 2 2 (class 3 neither present nor predicted)
    truth = torch.tensor([0, 0, 0, 1, 1, 2])
    predicted = torch.tensor([[0, 0, 1, 1, 2, 2]])
    scores = classification_scores(predicted, truth, 4)
    assert scores["accuracy"].item() == pytest.approx(4 / 6)
    # recalls 2/3, 1/2, 1/1 over the three present classes
    assert scores["balanced_accuracy"].item() == pytest.approx((2 / 3 + 1 / 2 + 1) / 3)
    # F1 = 2TP / (2TP + FP + FN): class 0: 4/5, class 1: 2/4, class 2: 2/3
    assert scores["macro_f1"].item() == pytest.approx((4 / 5 + 2 / 4 + 2 / 3) / 3)


def test_a_class_predicted_but_absent_counts_in_f1_not_in_balanced_accuracy():
    truth = torch.tensor([0, 0, 1, 1])
    predicted = torch.tensor([[0, 2, 1, 1]])  # class 2 is predicted once and never true
    scores = classification_scores(predicted, truth, 3)
    assert scores["balanced_accuracy"].item() == pytest.approx((1 / 2 + 1) / 2)
    assert scores["macro_f1"].item() == pytest.approx((2 / 3 + 4 / 4 + 0) / 3)


def test_every_member_equals_scikit_learn_on_its_own_labels():
    rng = np.random.default_rng(3)
    truth = rng.integers(0, 7, size=(5, 300))
    predicted = np.where(rng.random((5, 300)) < 0.6, truth, rng.integers(0, 7, size=(5, 300)))
    predicted[2] = np.minimum(predicted[2], 4)  # a member that never predicts classes 5 and 6
    scores = classification_scores(torch.from_numpy(predicted), torch.from_numpy(truth), 7)
    for k in range(5):
        assert scores["accuracy"][k].item() == pytest.approx(np.mean(predicted[k] == truth[k]))
        assert scores["balanced_accuracy"][k].item() == pytest.approx(balanced_accuracy_score(truth[k], predicted[k]))
        assert scores["macro_f1"][k].item() == pytest.approx(f1_score(truth[k], predicted[k], average="macro"))


def test_shared_labels_and_no_rows():
    truth = torch.tensor([1, 0, 1])
    scores = classification_scores(torch.tensor([[1, 0, 1], [0, 0, 0]]), truth, 2)
    assert scores["balanced_accuracy"].tolist() == pytest.approx([1.0, 0.5])
    empty = classification_scores(torch.zeros(2, 0, dtype=torch.int64), torch.zeros(0, dtype=torch.int64), 2)
    assert all(math.isnan(v) for name in METRICS for v in empty[name].tolist())
