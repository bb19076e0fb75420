"""Conformance checks for the classifier registry (`classifiers.CLASSIFIERS`): every learner, built as the
loop builds it, learns three separable blobs, predicts probabilities, is the same for the same seed, does
not depend on its pack, gives the model outputs it declares, and makes specs with stable ids. The checks
build the learner, so they import torch (on first use; importing this module loads numpy only)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..classifiers import CLASSIFIERS
from ..engine.specs import ClassifierSpec, TrialSpec
from .strategies import inside

ESTIMATOR = "sklearn.linear_model.LogisticRegression"  # what a kind taking an estimator is checked with
CLASSES = 3


def checked_spec(name: str, **params: Any) -> ClassifierSpec:
    """The kind at its defaults (an estimator kind with `ESTIMATOR`), trained briefly."""
    declared = CLASSIFIERS.declared(name)
    fields: dict[str, Any] = {"kind": name, "params": tuple(params.items())}
    if declared.estimator:
        fields["estimator"] = ESTIMATOR
    if "hidden" in declared.uses:
        fields["hidden"] = (16,)
    if "epochs" in declared.uses:
        fields.update(epochs=30, batch_size=30, learning_rate=1e-2)
    return ClassifierSpec(**fields)


def blobs(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """n points of 3 well separated Gaussian blobs in 4-D, and their labels."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % CLASSES
    centres = np.array([[4.0, 0, 0, 0], [0, 4.0, 0, 0], [0, 0, 4.0, 0]])
    return (centres[labels] + rng.normal(size=(n, 4))).astype(np.float32), labels.astype(np.int64)


def _build(spec: ClassifierSpec, seeds: list[int], iteration: int = 0):
    import torch

    build = CLASSIFIERS[spec.kind]
    return build(spec, n_features=4, n_classes=CLASSES, seeds=seeds, iteration=iteration, device=torch.device("cpu"))


def _trained(spec: ClassifierSpec, seeds: list[int], data: list[int], iteration: int = 0):
    """The learners of `seeds`, each trained on its own 90 blob points (drawn by the matching `data` seed)."""
    import torch

    model = _build(spec, seeds, iteration)
    parts = [blobs(90, seed) for seed in data]
    x = torch.from_numpy(np.stack([p[0] for p in parts]))
    y = torch.from_numpy(np.stack([p[1] for p in parts]))
    finite = model.fit(x, y)
    assert tuple(finite.shape) == (len(seeds),) and bool(finite.all()), f"fit returned {finite}, expected [K] True"
    return model


def _seeds(name: str) -> list[int]:
    return [11, 12] if CLASSIFIERS.declared(name).packs else [11]


def classifier_learns_and_predicts(name: str) -> None:
    import torch

    seeds = _seeds(name)
    model = _trained(checked_spec(name), seeds, seeds)
    assert model.size == len(seeds), f"size {model.size}, expected {len(seeds)}"
    test, labels = blobs(60, 99)
    accuracy = model.accuracy(torch.from_numpy(test), torch.from_numpy(labels))
    assert tuple(accuracy.shape) == (len(seeds),) and bool((accuracy > 0.9).all()), f"accuracy {accuracy} on blobs"
    probs = model.predict_proba(torch.from_numpy(test))
    assert tuple(probs.shape) == (len(seeds), 60, CLASSES), f"predict_proba shape {tuple(probs.shape)}"
    assert bool((probs >= 0).all()) and torch.allclose(probs.sum(-1), torch.ones(len(seeds), 60), atol=1e-5)
    assert torch.equal(model.predict(torch.from_numpy(test)), probs.argmax(-1)), "predict is not argmax"
    empty = model.accuracy(torch.zeros(0, 4), torch.zeros(0, dtype=torch.int64))
    assert bool(torch.isnan(empty).all()), "accuracy on no rows must be NaN"


def classifier_same_seed_same_model(name: str) -> None:
    import torch

    seeds = _seeds(name)
    test = torch.from_numpy(blobs(30, 98)[0])
    first = _trained(checked_spec(name), seeds, seeds).predict_proba(test)
    second = _trained(checked_spec(name), seeds, seeds).predict_proba(test)
    assert torch.equal(first, second), "the same seeds trained other learners"


def classifier_independent_of_its_pack(name: str) -> None:
    import torch

    if not CLASSIFIERS.declared(name).packs:
        return
    test = torch.from_numpy(blobs(30, 97)[0])
    alone = _trained(checked_spec(name), [7], [7], iteration=2).predict_proba(test)
    packed = _trained(checked_spec(name), [5, 7, 9], [5, 7, 9], iteration=2).subset([1]).predict_proba(test)
    torch.testing.assert_close(packed, alone, rtol=1e-5, atol=1e-6, msg="a trial's learner depends on its pack")


def classifier_gives_what_it_provides(name: str) -> None:
    import torch

    seeds = _seeds(name)
    model = _trained(checked_spec(name), seeds, seeds)
    x = torch.from_numpy(np.stack([blobs(20, 96)[0]] * len(seeds)))
    probs = model.predict_proba(x)
    for need in CLASSIFIERS.declared(name).provides:
        if need == "mc_probabilities":
            samples = model.mc_predict_proba(x, 3)
            assert samples.dim() == 4 and samples.shape[0] == len(seeds) and samples.shape[2:] == probs.shape[1:]
        elif need == "gradient_embedding":
            hidden, embedded = model.embedding(x)
            assert hidden.shape[:2] == probs.shape[:2] and torch.allclose(embedded, probs, atol=1e-5)
        elif need == "ensemble_probabilities":
            members = model.member_probabilities(x)
            assert members.dim() == 4 and members.shape[1] >= 2, f"committee shape {tuple(members.shape)}"
            torch.testing.assert_close(members.mean(dim=1), probs, msg="the prediction is not the members' mean")
        else:
            raise AssertionError(f"no check for the output {need!r}")


def classifier_params_make_specs(name: str) -> None:
    declared = CLASSIFIERS.declared(name)
    base = checked_spec(name)
    ids = {TrialSpec("d", "r", classifier=base).id}
    for param, declaration in declared.params.items():
        value = inside(declaration)
        if value == declaration.default:
            continue
        spec = checked_spec(name, **{param: value})
        assert spec.value(param) == value and spec.label(), f"{param} = {value!r} made no spec"
        ids.add(TrialSpec("d", "r", classifier=spec).id)
    assert len(ids) == 1 + sum(inside(d) != d.default for d in declared.params.values()), "equal ids for other values"


CLASSIFIER_CHECKS = (
    classifier_learns_and_predicts,
    classifier_same_seed_same_model,
    classifier_independent_of_its_pack,
    classifier_gives_what_it_provides,
    classifier_params_make_specs,
)
