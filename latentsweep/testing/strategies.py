"""Conformance checks for the strategy registries, one function per property, parametrised over entries.

Every entry is called with read-only inputs (so an entry that writes into its inputs fails) and, for one
with parameters, at their defaults and at values inside their declared ranges; a strategy made with the
entry must build, canonicalise, label and hash, and each float parameter it declares must schedule.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..engine.specs import TrialSpec
from ..engine.strategy import END, StrategySpec
from ..registry import Param, Registry
from ..strategies import (
    BATCH_SELECTION,
    DISTANCES,
    INITIAL_SELECTION,
    REPRESENTATIVENESS,
    UNCERTAINTY,
    BatchParams,
    Candidates,
    InitialParams,
    InitialPool,
)


def read_only(array: Any) -> np.ndarray:
    array = np.array(array)
    array.setflags(write=False)
    return array


def probabilities(n: int, classes: int = 4, seed: int = 0) -> np.ndarray:
    return read_only(np.random.default_rng(seed).dirichlet(np.ones(classes), size=n))


def latent(n: int, d: int = 3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return read_only(rng.random((n, d))), read_only(rng.normal(scale=0.3, size=(n, d)))


def model_output(need: str, probs: np.ndarray) -> Any:
    """A declared need made from class probabilities [n, C]: the probabilities, MC-dropout passes or committee
    members [4, n, C] spread around them, or a gradient embedding (probs - onehot, random hidden
    activations [n, 5])."""
    if need == "probabilities":
        return probs
    if need in ("mc_probabilities", "ensemble_probabilities"):
        rng = np.random.default_rng(5)
        noisy = probs[None] * rng.uniform(0.5, 1.5, size=(4, *probs.shape))
        return read_only(noisy / np.maximum(noisy.sum(axis=2, keepdims=True), 1e-12))
    if need == "gradient_embedding":
        onehot = np.eye(probs.shape[1])[probs.argmax(axis=1)] if probs.shape[0] else probs
        return read_only(probs - onehot), read_only(np.random.default_rng(6).random((probs.shape[0], 5)))
    raise AssertionError(f"no test input for need {need!r}")


def inside(param: Param) -> Any:
    """A value of a parameter other than its default where its range allows (a third of the way in)."""
    if not param.numeric or param.low is None or param.high is None:
        return param.default
    value = param.low + (param.high - param.low) / 3.0
    value = round(value) if param.kind is int else value
    return value if param.accepts(value) else param.default


def settings(declared: dict[str, Param]) -> list[dict[str, Any]]:
    """The parameter values an entry is checked at: the defaults, and values inside the ranges."""
    varied = {name: inside(param) for name, param in declared.items()}
    return [{n: p.default for n, p in declared.items()}] + ([varied] if varied != {} else [])


# -- uncertainty measures ----------------------------------------------------------------------------


def _scores(name: str, probs: np.ndarray, values: dict[str, Any]) -> np.ndarray:
    declared = UNCERTAINTY.declared(name)
    return UNCERTAINTY[name](*(model_output(need, probs) for need in declared.needs), **values)


def uncertainty_shape_and_range(name: str) -> None:
    for values in settings(UNCERTAINTY.declared(name).params):
        result = np.asarray(_scores(name, probabilities(30), values))
        assert result.shape == (30,), f"scores of 30 candidates have shape {result.shape}"
        assert np.all((result >= 0) & (result <= 1)), f"scores outside [0, 1] with {values}"


def uncertainty_pure(name: str) -> None:
    probs = probabilities(10)
    values = settings(UNCERTAINTY.declared(name).params)[0]
    np.testing.assert_array_equal(_scores(name, probs, values), _scores(name, probs, values))


def uncertainty_rowwise(name: str) -> None:
    """A measure declared row-wise (the default) scores a large pool in chunks of rows: its scores of a chunk
    must be those of the same rows scored with all the others."""
    declared = UNCERTAINTY.declared(name)
    if not declared.rowwise:
        return
    values = settings(declared.params)[0]
    outputs = [model_output(need, probabilities(30)) for need in declared.needs]

    def rows(output, start, stop):
        if isinstance(output, tuple):
            return tuple(part[start:stop] for part in output)
        return output[start:stop] if output.ndim == 2 else output[:, start:stop]

    whole = np.asarray(UNCERTAINTY[name](*outputs, **values))
    chunked = np.concatenate([np.asarray(UNCERTAINTY[name](*(rows(o, a, b) for o in outputs), **values))
                              for a, b in ((0, 11), (11, 12), (12, 30))])  # fmt: skip
    np.testing.assert_allclose(
        chunked, whole, rtol=1e-12, atol=1e-12,
        err_msg="scores of rows scored in chunks differ from scores of all rows at once: declare rowwise=False",
    )  # fmt: skip


def uncertainty_degenerate(name: str) -> None:
    values = settings(UNCERTAINTY.declared(name).params)[0]
    assert np.asarray(_scores(name, probabilities(0), values)).shape == (0,), "no candidates: expected shape (0,)"
    assert np.asarray(_scores(name, read_only(np.ones((2, 1))), values)).shape == (2,), "one class: expected (2,)"
    certain = _scores(name, read_only(np.eye(3)), values)
    np.testing.assert_allclose(certain, 0.0, atol=1e-12, err_msg="certain predictions must score 0")


# -- representativeness measures and distances -------------------------------------------------------


def representativeness_shape_and_range(name: str) -> None:
    features, logvar = latent(25)
    scores = REPRESENTATIVENESS[name](features, logvar)
    assert scores.shape == (25,), f"scores of 25 have shape {scores.shape}"
    assert np.all((scores >= 0) & (scores <= 1)), "scores outside [0, 1]"
    assert scores.max() > scores.min(), "every example scored the same on random features"


def representativeness_pure(name: str) -> None:
    features, logvar = latent(12)
    np.testing.assert_array_equal(
        REPRESENTATIVENESS[name](features, logvar), REPRESENTATIVENESS[name](features, logvar)
    )


def representativeness_degenerate(name: str) -> None:
    features, logvar = latent(1)
    assert REPRESENTATIVENESS[name](features, logvar).shape == (1,), "one example: expected shape (1,)"
    scores = REPRESENTATIVENESS[name](read_only(np.full((4, 3), 0.5)), read_only(np.zeros((4, 3))))
    np.testing.assert_allclose(scores, scores[0], err_msg="identical examples must score the same")


def distance_properties(name: str) -> None:
    features, logvar = latent(9)
    d = DISTANCES[name](features, logvar, 4)
    assert d.shape == (9,) and np.all(d >= 0), "distances must be [n] and >= 0"
    assert abs(d[4]) <= 1e-12, f"distance of an example to itself is {d[4]}"


# -- batch rules -------------------------------------------------------------------------------------


def candidates(n: int, seed: int = 0) -> Candidates:
    """Candidates with everything a batch rule may declare it needs filled in."""
    features, logvar = latent(n, seed=seed)
    rng = np.random.default_rng(seed + 1)
    probs = probabilities(n, seed=seed + 2)
    return Candidates(
        uncertainty=read_only(rng.random(n)),
        representativeness=read_only(rng.random(n)),
        features=features,
        logvar=logvar,
        gamma=0.6,
        mc_probabilities=model_output("mc_probabilities", probs),
        gradient_embedding=model_output("gradient_embedding", probs),
        labelled_features=latent(4, seed=seed + 3)[0],
    )


def _batch_settings(name: str) -> list[BatchParams]:
    declared = BATCH_SELECTION.declared(name)
    found = []
    for values in settings(declared.params):
        for group in declared.simplex:  # keep weights that must sum to at most 1 inside their triangle
            total = sum(values[n] for n in group)
            if total > 1:
                values.update({n: values[n] / total for n in group})
        found.append(BatchParams(values=values))
    return found


def batch_distinct_indices_in_range(name: str) -> None:
    for params in _batch_settings(name):
        chosen = np.asarray(BATCH_SELECTION[name](candidates(50), 7, np.random.default_rng(0), params))
        assert chosen.shape == (7,), f"k = 7 of 50 gave shape {chosen.shape} with {dict(params.values)}"
        assert np.issubdtype(chosen.dtype, np.integer), f"indices of dtype {chosen.dtype}"
        assert len(set(chosen.tolist())) == 7, "indices repeat"
        assert chosen.min() >= 0 and chosen.max() < 50, "indices outside the candidates"


def batch_same_seed_same_output(name: str) -> None:
    pool = candidates(40)
    for params in _batch_settings(name):
        first = BATCH_SELECTION[name](pool, 5, np.random.default_rng(7), params)
        second = BATCH_SELECTION[name](pool, 5, np.random.default_rng(7), params)
        np.testing.assert_array_equal(first, second, err_msg="the same Generator seed chose differently")


def batch_small_pools(name: str) -> None:
    params = _batch_settings(name)[0]
    for k in (6, 9):
        chosen = BATCH_SELECTION[name](candidates(6), k, np.random.default_rng(0), params)
        assert sorted(np.asarray(chosen).tolist()) == list(range(6)), f"k = {k} of 6 must return all 6"
    assert np.asarray(BATCH_SELECTION[name](candidates(0), 3, np.random.default_rng(0), params)).shape == (0,)
    assert np.asarray(BATCH_SELECTION[name](candidates(5), 0, np.random.default_rng(0), params)).shape == (0,)
    np.testing.assert_array_equal(BATCH_SELECTION[name](candidates(1), 1, np.random.default_rng(0), params), [0])


def _strategy(registry_key: str, name: str, values: dict[str, Any]) -> StrategySpec:
    flat = {registry_key: name, **values}
    if registry_key == "batch" and BATCH_SELECTION.declared(name).representativeness_weight:
        flat["representativeness"] = next(iter(sorted(REPRESENTATIVENESS)))
    return StrategySpec.build(flat).canonical()


def declared_parameters_make_strategies(registry_key: str, registry: Registry, name: str) -> None:
    """A strategy with the entry builds at each checked setting, has a label and a stable trial id, and
    each float parameter it declares can be scheduled (`NAME_end`), changing the id."""
    declared = registry.declared(name).params
    for values in settings(declared):
        if registry_key == "batch":
            values = dict(_batch_settings(name)[-1].values)
        spec = _strategy(registry_key, name, values)
        assert name in spec.label(), f"the label {spec.label()!r} does not name the entry"
        trial = TrialSpec("data", "representation", spec)
        assert trial.id == TrialSpec("data", "representation", _strategy(registry_key, name, values)).id
        for param_name, param in declared.items():
            if param.schedulable:
                end = param.low if param.low is not None and values[param_name] != param.low else param.default
                scheduled = _strategy(registry_key, name, {**values, param_name + END: end})
                if end != values[param_name]:
                    assert scheduled.end(param_name) == end, f"{param_name}{END} = {end} was not kept"
                    assert TrialSpec("data", "representation", scheduled).id != trial.id, "a schedule kept the id"
                    assert "->" in scheduled.label(), f"the label {scheduled.label()!r} does not show the schedule"


# -- initial samplers --------------------------------------------------------------------------------


def initial_pool(n: int, seed: int = 0) -> InitialPool:
    rng = np.random.default_rng(seed)
    features = read_only(np.concatenate([rng.normal(size=(n - n // 3, 2)), rng.normal(size=(n // 3, 2)) + 6]))
    return InitialPool(features, reconstruction_error=read_only(rng.random(features.shape[0])))


def initial_distinct_indices_in_range(name: str) -> None:
    chosen = INITIAL_SELECTION[name](initial_pool(90), 12, np.random.default_rng(0), InitialParams(clusters=3))
    assert chosen.shape == (12,) and len(set(chosen.tolist())) == 12, "12 distinct indices expected"
    assert np.issubdtype(chosen.dtype, np.integer) and chosen.min() >= 0 and chosen.max() < 90


def initial_same_seed_same_output(name: str) -> None:
    pool = initial_pool(60)
    first = INITIAL_SELECTION[name](pool, 7, np.random.default_rng(3), InitialParams(clusters=3))
    second = INITIAL_SELECTION[name](pool, 7, np.random.default_rng(3), InitialParams(clusters=3))
    np.testing.assert_array_equal(first, second, err_msg="the same Generator seed chose differently")


def initial_degenerate_pools(name: str) -> None:
    for n in (9, 15):
        chosen = INITIAL_SELECTION[name](initial_pool(9), n, np.random.default_rng(0), InitialParams(clusters=2))
        assert sorted(chosen.tolist()) == list(range(9)), f"n = {n} of 9 must return all 9"
    assert INITIAL_SELECTION[name](initial_pool(9), 0, np.random.default_rng(0), InitialParams()).shape == (0,)
    same = InitialPool(read_only(np.zeros((5, 2))), reconstruction_error=read_only(np.zeros(5)))
    chosen = INITIAL_SELECTION[name](same, 2, np.random.default_rng(0), InitialParams(clusters=2))
    assert len(set(chosen.tolist())) == 2, "identical examples: still 2 distinct indices"


# -- the checks of each registry ------------------------------------------------------------------

Check = Callable[[str], None]

STRATEGY_CHECKS: dict[str, tuple[Registry, tuple[Check, ...]]] = {
    "uncertainty": (
        UNCERTAINTY,
        (
            uncertainty_shape_and_range,
            uncertainty_pure,
            uncertainty_rowwise,
            uncertainty_degenerate,
            lambda name: declared_parameters_make_strategies("uncertainty", UNCERTAINTY, name),
        ),
    ),
    "representativeness": (
        REPRESENTATIVENESS,
        (representativeness_shape_and_range, representativeness_pure, representativeness_degenerate),
    ),
    "distance": (DISTANCES, (distance_properties,)),
    "batch": (
        BATCH_SELECTION,
        (
            batch_distinct_indices_in_range,
            batch_same_seed_same_output,
            batch_small_pools,
            lambda name: declared_parameters_make_strategies("batch", BATCH_SELECTION, name),
        ),
    ),
    "initial": (
        INITIAL_SELECTION,
        (initial_distinct_indices_in_range, initial_same_seed_same_output, initial_degenerate_pools),
    ),
}
