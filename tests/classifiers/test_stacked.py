"""The torch learners: what they learn on real Fashion-MNIST features, and that a trial's learner does not
depend on its pack."""

import numpy as np
import pytest
import torch

from latentsweep.classifiers import CLASSIFIERS
from latentsweep.engine import ClassifierSpec


def build(spec, seeds, device, iteration=0):
    return CLASSIFIERS[spec.kind](spec, n_features=30, n_classes=10, seeds=seeds, iteration=iteration, device=device)


def stacked(arrays, k, device):
    return torch.from_numpy(np.stack([arrays] * k)).to(device)


@pytest.mark.parametrize(
    ("spec", "least"),
    [
        (ClassifierSpec(kind="logistic", epochs=50), 0.78),
        (ClassifierSpec(kind="ensemble", hidden=(128,), params=(("members", 3),)), 0.80),
        (ClassifierSpec(hidden=(128,)), 0.80),
    ],
    ids=["logistic", "ensemble", "mlp"],
)
def test_each_learner_learns_on_fashion_mnist_features(fashion_features, spec, least, device):
    x, y, test, test_labels = fashion_features
    model = build(spec, [3, 4], device)
    assert model.fit(stacked(x, 2, device), stacked(y, 2, device)).all()
    accuracy = model.accuracy(torch.from_numpy(test).to(device), torch.from_numpy(test_labels).to(device))
    assert accuracy.shape == (2,) and (accuracy >= least).all(), accuracy  # chance: 0.1
    probs = model.predict_proba(torch.from_numpy(test[:50]).to(device))
    assert probs.shape == (2, 50, 10) and torch.allclose(probs.sum(-1), torch.ones(2, 50, device=device), atol=1e-5)


@pytest.mark.parametrize("kind", ["logistic", "ensemble"])
def test_a_trials_learner_is_the_same_alone_and_in_a_pack(fashion_features, kind, device):
    x, y, test, _ = fashion_features
    spec = ClassifierSpec(kind=kind, hidden=(32,) if kind == "ensemble" else None, epochs=2)
    alone = build(spec, [7], device)
    alone.fit(stacked(x[:300], 1, device), stacked(y[:300], 1, device))
    pack = build(spec, [5, 7], device)
    labels = torch.from_numpy(np.stack([y[300:600], y[:300]])).to(device)
    pack.fit(torch.from_numpy(np.stack([x[300:600], x[:300]])).to(device), labels)
    rows = torch.from_numpy(test[:40]).to(device)
    torch.testing.assert_close(pack.subset([1]).predict_proba(rows), alone.predict_proba(rows), rtol=1e-5, atol=1e-6)


def test_the_ensemble_predicts_the_mean_of_its_members_each_from_its_own_stream(fashion_features):
    x, y, test, _ = fashion_features
    spec = ClassifierSpec(kind="ensemble", hidden=(32,), epochs=2, params=(("members", 4),))
    model = build(spec, [1, 2], torch.device("cpu"))
    model.fit(stacked(x[:200], 2, "cpu"), stacked(y[:200], 2, "cpu"))
    rows = torch.from_numpy(test[:30])
    members = model.member_probabilities(rows)
    assert members.shape == (2, 4, 30, 10)
    torch.testing.assert_close(model.predict_proba(rows), members.mean(dim=1))
    assert not torch.allclose(members[0, 0], members[0, 1])  # members differ from each other
    torch.testing.assert_close(model.mc_predict_proba(rows, 20), members)  # the members are the samples
