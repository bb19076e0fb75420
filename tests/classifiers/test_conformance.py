"""The conformance kit catches a broken learner: a classifier kind is one function and one registration,
and the kit (run by pytest here and by `latentsweep check`) says what is wrong with it."""

import pytest
import torch

from latentsweep.classifiers import CLASSIFIERS
from latentsweep.classifiers.stacked import StackModel
from latentsweep.models import MLPShape, StackedMLP
from latentsweep.models.counter_random import stream_key
from latentsweep.testing import conformance_cases, run_cases


def failures(entry: str) -> dict[str, str]:
    cases = conformance_cases([("classifier", entry)])
    return {case.check_name: message for case, message in run_cases(cases) if message}


@pytest.fixture
def register():
    added = []

    def add(name, builder, **declared):
        CLASSIFIERS.register(name, **declared)(builder)
        added.append(name)

    yield add
    for name in added:
        del CLASSIFIERS[name]


def test_every_registered_learner_passes_the_kit():
    assert {case.entry for case in conformance_cases() if case.registry == "classifier"} == set(CLASSIFIERS)
    assert not [failure for entry in CLASSIFIERS for failure in failures(entry).items()]


def test_a_learner_keyed_by_its_place_in_the_pack_is_caught(register):
    def by_position(spec, *, n_features, n_classes, seeds, iteration, device):
        keys = [stream_key(position, iteration) for position in range(len(seeds))]  # not the trial's seed
        return StackModel(StackedMLP(MLPShape(n_features, spec.hidden, n_classes, 0.0), keys, device), spec)

    register("test-by-position", by_position, label=lambda spec: "by position")
    assert set(failures("test-by-position")) == {"classifier_independent_of_its_pack"}


def test_a_learner_that_does_not_learn_or_lacks_what_it_declares_is_caught(register):
    class Constant(StackModel):
        def predict_proba(self, x):
            return torch.full((self.size, x.shape[-2], 3), 0.5)

        def predict(self, x):
            return self.predict_proba(x).argmax(-1)

        def accuracy(self, x, y):
            return (self.predict(x) == y).float().mean(-1) if x.shape[-2] else torch.full((self.size,), float("nan"))

    def constant(spec, *, n_features, n_classes, seeds, iteration, device):
        keys = [stream_key(seed, iteration) for seed in seeds]
        return Constant(StackedMLP(MLPShape(n_features, (), n_classes, 0.0), keys, device), spec)

    uses = ("epochs", "batch_size", "learning_rate")
    register("test-constant", constant, uses=uses, provides=("ensemble_probabilities",))
    found = failures("test-constant")
    assert "accuracy" in found["classifier_learns_and_predicts"]
    assert "AttributeError" in found["classifier_gives_what_it_provides"]  # no committee to give
