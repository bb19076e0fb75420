"""One suite every registered strategy must pass: register a strategy and it is tested here."""

import numpy as np
import pytest

from latentsweep.strategies import (
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


def read_only(array):
    array = np.array(array)
    array.setflags(write=False)
    return array


def probabilities(n, classes=4, seed=0):
    return read_only(np.random.default_rng(seed).dirichlet(np.ones(classes), size=n))


def latent(n, d=3, seed=0):
    rng = np.random.default_rng(seed)
    return read_only(rng.random((n, d))), read_only(rng.normal(scale=0.3, size=(n, d)))


def model_output(need, probs):
    """What an entry declares it needs, made from class probabilities [n, C]: the probabilities
    themselves, or MC-dropout samples [T, n, C] spread around them (T = 4)."""
    if need == "probabilities":
        return probs
    if need == "mc_probabilities":
        rng = np.random.default_rng(5)
        noisy = probs[None] * rng.uniform(0.5, 1.5, size=(4, *probs.shape))
        return read_only(noisy / np.maximum(noisy.sum(axis=2, keepdims=True), 1e-12))
    raise AssertionError(f"no test input for {need!r}: add it here")


def scores(name, probs):
    """An uncertainty measure called with the outputs it declares it needs."""
    return UNCERTAINTY[name](*(model_output(need, probs) for need in UNCERTAINTY.declared(name).needs))


@pytest.mark.parametrize("name", sorted(UNCERTAINTY))
class TestUncertaintyConformance:
    def test_shape_and_range(self, name):
        result = scores(name, probabilities(30))
        assert result.shape == (30,)
        assert np.all((result >= 0) & (result <= 1))

    def test_pure(self, name):
        probs = probabilities(10)
        np.testing.assert_array_equal(scores(name, probs), scores(name, probs))

    def test_degenerate_pools(self, name):
        assert scores(name, probabilities(0)).shape == (0,)
        assert scores(name, read_only(np.ones((2, 1)))).shape == (2,)
        certain = scores(name, read_only(np.eye(3)))  # certain predictions (every MC pass agreeing)
        np.testing.assert_allclose(certain, 0.0, atol=1e-12)


@pytest.mark.parametrize("name", sorted(REPRESENTATIVENESS))
class TestRepresentativenessConformance:
    def test_shape_and_range(self, name):
        features, logvar = latent(25)
        scores = REPRESENTATIVENESS[name](features, logvar)
        assert scores.shape == (25,)
        assert np.all((scores >= 0) & (scores <= 1))
        assert scores.max() > scores.min()

    def test_pure_and_inputs_untouched(self, name):
        features, logvar = latent(12)
        before = features.copy()
        first = REPRESENTATIVENESS[name](features, logvar)
        np.testing.assert_array_equal(first, REPRESENTATIVENESS[name](features, logvar))
        np.testing.assert_array_equal(features, before)

    def test_degenerate_pools(self, name):
        features, logvar = latent(1)
        assert REPRESENTATIVENESS[name](features, logvar).shape == (1,)
        same = read_only(np.full((4, 3), 0.5))
        scores = REPRESENTATIVENESS[name](same, read_only(np.zeros((4, 3))))
        np.testing.assert_allclose(scores, scores[0])


@pytest.mark.parametrize("name", sorted(DISTANCES))
def test_distance_conformance(name):
    features, logvar = latent(9)
    d = DISTANCES[name](features, logvar, 4)
    assert d.shape == (9,) and np.all(d >= 0)
    assert d[4] == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("name", sorted(BATCH_SELECTION))
class TestBatchSelectionConformance:
    params = BatchParams(alpha=0.3, beta=0.2, distance="euclidean", extra={"configurations": 50, "neighbours": 3})

    def candidates(self, n, seed=0):
        """Candidates with everything any batch rule may declare it needs filled in."""
        features, logvar = latent(n, seed=seed)
        rng = np.random.default_rng(seed + 1)
        probs = probabilities(n, seed=seed + 2)
        onehot = np.eye(probs.shape[1])[probs.argmax(axis=1)] if n else probs
        return Candidates(
            uncertainty=read_only(rng.random(n)),
            representativeness=read_only(rng.random(n)),
            features=features,
            logvar=logvar,
            gamma=0.6,
            mc_probabilities=model_output("mc_probabilities", probs),
            gradient_embedding=(read_only(probs - onehot), read_only(rng.random((n, 5)))),
            labelled_features=latent(4, seed=seed + 3)[0],
        )

    def test_distinct_indices_in_range(self, name):
        chosen = BATCH_SELECTION[name](self.candidates(50), 7, np.random.default_rng(0), self.params)
        assert chosen.shape == (7,)
        assert np.issubdtype(chosen.dtype, np.integer)
        assert len(set(chosen.tolist())) == 7
        assert chosen.min() >= 0 and chosen.max() < 50

    def test_same_seed_same_output(self, name):
        candidates = self.candidates(40)
        first = BATCH_SELECTION[name](candidates, 5, np.random.default_rng(7), self.params)
        second = BATCH_SELECTION[name](candidates, 5, np.random.default_rng(7), self.params)
        np.testing.assert_array_equal(first, second)

    def test_k_at_least_the_pool_returns_every_candidate(self, name):
        for k in (6, 9):
            chosen = BATCH_SELECTION[name](self.candidates(6), k, np.random.default_rng(0), self.params)
            assert sorted(chosen.tolist()) == list(range(6))

    def test_degenerate_pools(self, name):
        assert BATCH_SELECTION[name](self.candidates(0), 3, np.random.default_rng(0), self.params).shape == (0,)
        assert BATCH_SELECTION[name](self.candidates(5), 0, np.random.default_rng(0), self.params).shape == (0,)
        single = BATCH_SELECTION[name](self.candidates(1), 1, np.random.default_rng(0), self.params)
        np.testing.assert_array_equal(single, [0])


@pytest.mark.parametrize("name", sorted(INITIAL_SELECTION))
class TestInitialSelectionConformance:
    def pool(self, n, seed=0):
        rng = np.random.default_rng(seed)
        features = read_only(np.concatenate([rng.normal(size=(n - n // 3, 2)), rng.normal(size=(n // 3, 2)) + 6]))
        return InitialPool(features, reconstruction_error=read_only(rng.random(features.shape[0])))

    def test_distinct_indices_in_range(self, name):
        chosen = INITIAL_SELECTION[name](self.pool(90), 12, np.random.default_rng(0), InitialParams(clusters=3))
        assert chosen.shape == (12,) and len(set(chosen.tolist())) == 12
        assert np.issubdtype(chosen.dtype, np.integer) and chosen.min() >= 0 and chosen.max() < 90

    def test_same_seed_same_output(self, name):
        pool = self.pool(60)
        first = INITIAL_SELECTION[name](pool, 7, np.random.default_rng(3), InitialParams(clusters=3))
        second = INITIAL_SELECTION[name](pool, 7, np.random.default_rng(3), InitialParams(clusters=3))
        np.testing.assert_array_equal(first, second)

    def test_degenerate_pools(self, name):
        for n in (9, 15):
            chosen = INITIAL_SELECTION[name](self.pool(9), n, np.random.default_rng(0), InitialParams(clusters=2))
            assert sorted(chosen.tolist()) == list(range(9))
        assert INITIAL_SELECTION[name](self.pool(9), 0, np.random.default_rng(0), InitialParams()).shape == (0,)
        same = InitialPool(read_only(np.zeros((5, 2))), reconstruction_error=read_only(np.zeros(5)))
        chosen = INITIAL_SELECTION[name](same, 2, np.random.default_rng(0), InitialParams(clusters=2))
        assert len(set(chosen.tolist())) == 2
