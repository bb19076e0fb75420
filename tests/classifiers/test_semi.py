"""Learners that also see the unlabelled pool: the self-trained MLP keeps exactly the predictions it is
`threshold` sure of as pseudo-labels and trains a fresh network on both; scikit-learn's semi-supervised
estimators get the pool marked -1, nested estimators are built from tables, and every random_state is set."""

import numpy as np
import torch

from latentsweep.classifiers import CLASSIFIERS
from latentsweep.classifiers.estimators import arguments, build_estimator
from latentsweep.engine import ClassifierSpec


def pack(spec, seeds=(3,)):
    return CLASSIFIERS[spec.kind](spec, n_features=30, n_classes=10, seeds=list(seeds), iteration=2,
                                  device=torch.device("cpu"))  # fmt: skip


def test_self_training_keeps_the_confident_predictions_as_pseudo_labels(fashion_features):
    x, y, test, test_labels = fashion_features
    rng = np.random.default_rng(0)
    chosen = rng.choice(len(x), 300, replace=False)
    rest = np.setdiff1d(np.arange(len(x)), chosen)[:1000]
    spec = ClassifierSpec(kind="self-training", hidden=(64,), epochs=30, batch_size=50, params=(("threshold", 0.9),))
    inputs, labels = torch.from_numpy(x[chosen][None]), torch.from_numpy(y[chosen][None])
    unlabelled = torch.from_numpy(x[rest][None])
    supervised = pack(ClassifierSpec(hidden=(64,), epochs=30, batch_size=50))  # the first network, as an mlp
    supervised.fit(inputs, labels)
    sure = supervised.predict_proba(unlabelled[0])[0].max(dim=-1).values >= 0.9
    model = pack(spec)
    assert model.fit(inputs, labels, unlabelled=unlabelled).all()
    assert model.pseudo_labels == [int(sure.sum())] and 0 < model.pseudo_labels[0] < 1000
    # the final network is a fresh one trained on labels and pseudo-labels: not the supervised one
    shown = torch.from_numpy(test)
    assert not torch.equal(model.predict_proba(shown), supervised.predict_proba(shown))
    accuracy = model.accuracy(torch.from_numpy(test), torch.from_numpy(test_labels)).item()
    assert accuracy > 0.6, accuracy
    unsure = pack(ClassifierSpec(kind="self-training", hidden=(64,), epochs=30, batch_size=50,
                                 params=(("threshold", 1.0),)))  # fmt: skip
    unsure.fit(inputs, labels, unlabelled=unlabelled)
    assert unsure.pseudo_labels == [0]  # nothing sure enough: the supervised network stays
    torch.testing.assert_close(unsure.predict_proba(shown), supervised.predict_proba(shown))


def test_label_spreading_gets_the_pool_marked_minus_one(fashion_features):
    x, y, test, test_labels = fashion_features
    spec = ClassifierSpec(kind="sklearn", estimator="sklearn.semi_supervised.LabelSpreading",
                          estimator_params=(("kernel", "knn"), ("n_neighbors", 7)), params=(("unlabelled", 800),))
    model = pack(spec)
    inputs, labels = torch.from_numpy(x[None, :100]), torch.from_numpy(y[None, :100])
    model.fit(inputs, labels, unlabelled=torch.from_numpy(x[None, 100:900]))
    estimator = model.estimators[0]
    assert len(estimator.transduction_) == 900 and (estimator.transduction_[:100] == y[:100]).all()
    supervised = pack(ClassifierSpec(kind="sklearn", estimator="sklearn.neighbors.KNeighborsClassifier",
                                     estimator_params=(("n_neighbors", 7),)))  # fmt: skip
    supervised.fit(inputs, labels)
    spread = model.accuracy(torch.from_numpy(test), torch.from_numpy(test_labels)).item()
    alone = supervised.accuracy(torch.from_numpy(test), torch.from_numpy(test_labels)).item()
    assert spread > alone, (spread, alone)  # 800 unlabelled examples beside 100 labels help here


def test_nested_estimators_and_every_random_state():
    spec = ClassifierSpec(kind="sklearn", estimator="sklearn.semi_supervised.SelfTrainingClassifier",
                          estimator_params=(("estimator", {"estimator": "sklearn.svm.SVC", "probability": True}),
                                            ("threshold", 0.8)))  # fmt: skip
    built = arguments(dict(spec.estimator_params))
    assert type(built["estimator"]).__name__ == "SVC" and built["estimator"].probability
    estimator = build_estimator(spec, seed=4, iteration=1)
    assert estimator.estimator.random_state is not None  # the nested SVC's probability folds are seeded
    again = build_estimator(spec, seed=4, iteration=1)
    assert again.estimator.random_state == estimator.estimator.random_state
    assert spec.label() == "SelfTrainingClassifier(estimator=SVC(probability=True), threshold=0.8)"
