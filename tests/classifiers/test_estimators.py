"""Any scikit-learn classifier as a trial's learner: checked where the config is read, built with the trial's
random_state, learning on real Fashion-MNIST features."""

import numpy as np
import pytest
import torch

from latentsweep.classifiers import CLASSIFIERS
from latentsweep.classifiers.estimators import build_estimator, check_estimator
from latentsweep.engine import ClassifierSpec
from latentsweep.errors import SpecError


def sklearn_spec(estimator: str, **params) -> ClassifierSpec:
    return ClassifierSpec(kind="sklearn", estimator=estimator, estimator_params=tuple(params.items()))


def pack(spec, seed=0, iteration=0):
    return CLASSIFIERS[spec.kind](spec, n_features=30, n_classes=10, seeds=[seed], iteration=iteration,
                                  device=torch.device("cpu"))  # fmt: skip


@pytest.mark.parametrize(
    ("estimator", "params", "least"),
    [
        ("sklearn.svm.SVC", {"probability": True}, 0.80),
        ("sklearn.ensemble.RandomForestClassifier", {"n_estimators": 50}, 0.77),
        ("sklearn.neighbors.KNeighborsClassifier", {}, 0.75),
    ],
)
def test_estimators_learn_on_fashion_mnist_features(fashion_features, estimator, params, least):
    x, y, test, test_labels = fashion_features
    model = pack(sklearn_spec(estimator, **params))
    assert model.fit(torch.from_numpy(x[None]), torch.from_numpy(y[None])).all()
    accuracy = model.accuracy(torch.from_numpy(test), torch.from_numpy(test_labels))
    assert accuracy.item() >= least, accuracy  # chance: 0.1
    probs = model.predict_proba(torch.from_numpy(test[:20]))
    assert probs.shape == (1, 20, 10) and torch.allclose(probs.sum(-1), torch.ones(1, 20))


def test_classes_not_labelled_yet_get_probability_zero_and_one_class_is_predicted(fashion_features):
    x, y, test, _ = fashion_features
    chosen = np.isin(y, [2, 7])
    model = pack(sklearn_spec("sklearn.linear_model.LogisticRegression"))
    model.fit(torch.from_numpy(x[chosen][None]), torch.from_numpy(y[chosen][None]))
    probs = model.predict_proba(torch.from_numpy(test[:10]))[0]
    assert torch.all(probs[:, [0, 1, 3, 4, 5, 6, 8, 9]] == 0)
    assert torch.allclose(probs[:, [2, 7]].sum(-1), torch.ones(10))
    one = pack(sklearn_spec("sklearn.svm.SVC", probability=True))
    one.fit(torch.from_numpy(x[y == 4][None]), torch.from_numpy(y[y == 4][None]))  # no estimator fits one class
    assert one.predict(torch.from_numpy(test[:5])).tolist() == [[4] * 5]


def test_random_state_comes_from_the_trial_seed_and_iteration_unless_given():
    spec = sklearn_spec("sklearn.ensemble.RandomForestClassifier")
    states = {(s, i): build_estimator(spec, s, i).random_state for s in (0, 1) for i in (0, 1)}
    assert len(set(states.values())) == 4 and all(0 <= v < 2**32 for v in states.values())
    assert build_estimator(spec, 1, 0).random_state == states[(1, 0)]
    given = sklearn_spec("sklearn.ensemble.RandomForestClassifier", random_state=3)
    assert build_estimator(given, 1, 0).random_state == 3
    neighbours = build_estimator(sklearn_spec("sklearn.neighbors.KNeighborsClassifier"), 0, 0)
    assert "random_state" not in neighbours.get_params()


@pytest.mark.parametrize(
    ("estimator", "params", "message"),
    [
        ("sklearn.svm.SVCX", {}, "estimator = 'sklearn.svm.SVCX': sklearn.svm has no class SVCX"),
        ("nosuch.module.Model", {}, "estimator = 'nosuch.module.Model': cannot import nosuch.module"),
        ("SVC", {}, "estimator = 'SVC': expected an import path such as 'sklearn.svm.SVC'"),
        ("sklearn.linear_model.LinearRegression", {}, "not a scikit-learn classifier"),
        ("sklearn.svm.SVC", {}, "has no predict_proba (set probability = true)"),
        ("sklearn.svm.SVC", {"probability": True, "gamma_": 1}, "params: sklearn.svm.SVC does not accept them"),
        ("sklearn.svm.SVC", {"probability": True, "C": -1.0}, "params: The 'C' parameter of SVC must be"),
    ],
)
def test_an_estimator_that_cannot_learn_here_is_refused_naming_why(estimator, params, message):
    with pytest.raises(SpecError) as error:
        check_estimator(estimator, params)
    assert message in str(error.value)
