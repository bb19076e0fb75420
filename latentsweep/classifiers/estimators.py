"""Any scikit-learn classifier as a trial's learner: `estimator` names its class by import path
("sklearn.svm.SVC"), `estimator_params` its keyword arguments. Checked once, where the config is read
(`check_estimator`): the path imports, names a classifier, which has `predict_proba`, and accepts the
parameters. Each trial builds it anew after every query, with `random_state` from its seed and iteration
where the estimator takes one, and predicts through the pack model interface on the pack's device."""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..errors import SpecError


def estimator_class(path: str) -> type:
    """The class `path` ('package.module.Class') names, or a SpecError saying why not."""
    module_name, _, name = path.rpartition(".")
    if not module_name or not name:
        raise SpecError(f"estimator = {path!r}: expected an import path such as 'sklearn.svm.SVC'", field="estimator")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise SpecError(f"estimator = {path!r}: cannot import {module_name} ({error})", field="estimator") from None
    found = getattr(module, name, None)
    if not isinstance(found, type):
        raise SpecError(f"estimator = {path!r}: {module_name} has no class {name}", field="estimator")
    return found


def arguments(params: Mapping[str, Any]) -> dict[str, Any]:
    """An estimator's keyword arguments with nested estimators built: a table (or the sorted pairs a spec
    freezes it to) holding `estimator = "import.path"` is that estimator with the table's other keys (a
    `SelfTrainingClassifier`'s base estimator)."""
    return {name: _argument(value) for name, value in params.items()}


def _argument(value: Any) -> Any:
    pairs = None
    if isinstance(value, Mapping):
        pairs = dict(value)
    elif isinstance(value, tuple) and value and all(
        isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str) for p in value
    ):
        pairs = dict(value)
    if pairs is None or not isinstance(pairs.get("estimator"), str):
        return value
    path = pairs.pop("estimator")
    return estimator_class(path)(**arguments(pairs))


def check_estimator(path: str, params: Mapping[str, Any]) -> None:
    """Refuses an estimator that cannot be a trial's learner (SpecError naming `estimator` or the parameter):
    not importable, not a scikit-learn classifier, without `predict_proba` (SVC needs probability = true),
    or with a parameter it does not accept (a name, or a value its own validation refuses)."""
    from sklearn.base import is_classifier

    cls = estimator_class(path)
    try:
        estimator = cls(**arguments(params))
    except SpecError as error:  # a nested estimator's path
        raise SpecError(f"params: {error}", field="params") from None
    except TypeError as error:
        raise SpecError(f"params: {path} does not accept them ({error})", field="params") from None
    if not is_classifier(estimator):
        raise SpecError(f"estimator = {path!r}: not a scikit-learn classifier", field="estimator")
    validate = getattr(estimator, "_validate_params", None)
    if validate is not None:
        try:
            validate()
        except (ValueError, TypeError) as error:
            raise SpecError(f"params: {str(error).splitlines()[0]}", field="params") from None
    if not hasattr(estimator, "predict_proba"):
        hint = " (set probability = true)" if "probability" in estimator.get_params() else ""
        raise SpecError(f"estimator = {path!r}: has no predict_proba{hint}", field="estimator")


def build_estimator(spec, seed: int, iteration: int):
    """A fresh estimator of the spec for one trial's fit at `iteration`: random_state from (seed, iteration)
    unless the spec sets it."""
    from ..models.counter_random import stream_key

    estimator = estimator_class(spec.estimator)(**arguments(dict(spec.estimator_params)))
    state = stream_key(seed, "sklearn", iteration) % (1 << 32)
    unset = {name: state for name, value in estimator.get_params(deep=True).items()
             if (name == "random_state" or name.endswith("__random_state")) and value is None}  # fmt: skip
    estimator.set_params(**unset)  # nested estimators too (a self-training SVC's probability folds)
    return estimator


class EstimatorPack:
    """K trials' scikit-learn estimators (one in practice: the kind does not pack) behind the pack model
    interface: torch tensors in and out on the pack's device, numpy inside, BLAS and OpenMP threads held to
    this worker's torch threads. Classes a trial has not labelled yet get probability 0; a labelled set of
    one class predicts it (no estimator fits one class); a row without finite probabilities (label
    spreading's examples no label reaches) gets a uniform one over the labelled classes."""

    def __init__(self, spec, seeds: Sequence[int], iteration: int, n_classes: int, device) -> None:
        self.spec, self.n_classes, self.device = spec, n_classes, device
        self.estimators = [build_estimator(spec, seed, iteration) for seed in seeds]
        self.classes: list[np.ndarray] = [np.zeros(0, dtype=np.int64)] * len(seeds)

    @property
    def size(self) -> int:
        return len(self.estimators)

    def _limits(self):
        import threadpoolctl
        import torch

        return threadpoolctl.threadpool_limits(limits=torch.get_num_threads())

    def fit(self, x, y, *, unlabelled=None):
        """Fits each trial's estimator on its labels; `unlabelled` [K, m, d] join them marked -1 (the
        convention of scikit-learn's semi-supervised estimators)."""
        import torch

        features, labels = x.cpu().numpy(), y.cpu().numpy()
        extra = None if unlabelled is None else unlabelled.cpu().numpy()
        with self._limits():
            for member, estimator in enumerate(self.estimators):
                self.classes[member] = np.unique(labels[member])
                if self.classes[member].size > 1:
                    inputs, targets = features[member], labels[member]
                    if extra is not None:
                        inputs = np.concatenate([inputs, extra[member]])
                        targets = np.concatenate([targets, np.full(extra.shape[1], -1, dtype=targets.dtype)])
                    estimator.fit(inputs, targets)
        return torch.ones(self.size, dtype=torch.bool, device=self.device)

    def predict_proba(self, x):
        import torch

        features = x.cpu().numpy()
        out = np.zeros((self.size, features.shape[-2], self.n_classes), dtype=np.float32)
        with self._limits():
            for member, estimator in enumerate(self.estimators):
                rows = features if features.ndim == 2 else features[member]
                classes = self.classes[member]
                if rows.shape[0] == 0:
                    continue
                if classes.size == 1:
                    out[member, :, classes[0]] = 1.0
                else:
                    probs = estimator.predict_proba(rows)
                    probs[~np.isfinite(probs).all(axis=1)] = 1.0 / probs.shape[1]  # no opinion: uniform
                    out[member][:, estimator.classes_] = probs
        return torch.from_numpy(out).to(self.device)

    def predict(self, x):
        return self.predict_proba(x).argmax(dim=-1)

    def accuracy(self, x, y):
        import torch

        if x.shape[-2] == 0:
            return torch.full((self.size,), float("nan"), device=self.device)
        return (self.predict(x) == y).to(torch.float32).mean(dim=-1)

    def subset(self, members: list[int]) -> EstimatorPack:
        chosen = object.__new__(EstimatorPack)
        chosen.spec, chosen.n_classes, chosen.device = self.spec, self.n_classes, self.device
        chosen.estimators = [self.estimators[m] for m in members]
        chosen.classes = [self.classes[m] for m in members]
        return chosen
