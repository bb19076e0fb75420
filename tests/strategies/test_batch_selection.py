import numpy as np
import pytest

from latentsweep.strategies import (
    BatchParams,
    Candidates,
    greedy_diverse_batch,
    informativeness,
    random_partitions,
    subsample_candidates,
    top_k,
)

RNG_SEED = 0
POINTS = np.array([[0.0], [1.0], [10.0], [11.0]])
UNCERTAINTY = np.array([0.9, 0.8, 0.5, 0.4])


def rng():
    return np.random.default_rng(RNG_SEED)


def test_informativeness_weights_uncertainty_by_gamma():
    u, r = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    np.testing.assert_allclose(informativeness(u, r, 0.25), [0.25, 0.75])
    np.testing.assert_allclose(informativeness(u, r, 1.0), u)
    np.testing.assert_allclose(informativeness(u, r, 0.0), r)
    np.testing.assert_allclose(informativeness(u, None, 0.3), u)


def test_top_k_by_hand_with_ties_to_the_lower_index():
    candidates = Candidates(uncertainty=np.array([0.2, 0.9, 0.5, 0.9, 0.1]), features=np.zeros((5, 1)))
    np.testing.assert_array_equal(top_k(candidates, 3, rng(), BatchParams()), [1, 3, 2])


def test_top_k_ranks_by_informativeness_with_representativeness():
    candidates = Candidates(
        uncertainty=np.array([1.0, 0.0, 0.5]),
        representativeness=np.array([0.0, 1.0, 0.5]),
        features=np.zeros((3, 1)),
        gamma=0.2,
    )  # informativeness 0.2, 0.8, 0.5
    np.testing.assert_array_equal(top_k(candidates, 2, rng(), BatchParams()), [1, 2])


def test_greedy_by_hand_trades_uncertainty_for_distance():
    # scale = 2 * 11 = 22; after 0: objective 0.5 u + 0.5 d/22 = [-, 0.4227, 0.4773, 0.45] -> 2;
    # then d = [0, 1, 0, 1] / 22: 0.4227 vs 0.2227 -> 1
    candidates = Candidates(uncertainty=UNCERTAINTY, features=POINTS)
    params = BatchParams(values={"alpha": 0.5, "beta": 0.0, "distance": "euclidean"})
    np.testing.assert_array_equal(greedy_diverse_batch(candidates, 3, rng(), params), [0, 2, 1])
    np.testing.assert_array_equal(top_k(candidates, 3, rng(), params), [0, 1, 2])


def test_greedy_with_alpha_plus_beta_one_ignores_distance():
    candidates = Candidates(
        uncertainty=UNCERTAINTY, representativeness=np.array([0.0, 0.0, 1.0, 0.0]), features=POINTS, gamma=1.0
    )
    params = BatchParams(values={"alpha": 0.5, "beta": 0.5, "distance": "euclidean"})
    # 0 first (best informativeness), then 0.5 u + 0.5 r: [-, 0.4, 0.75, 0.2]
    np.testing.assert_array_equal(greedy_diverse_batch(candidates, 4, rng(), params), [0, 2, 1, 3])


def test_greedy_with_pure_diversity_is_farthest_point_traversal():
    candidates = Candidates(uncertainty=UNCERTAINTY, features=POINTS)
    params = BatchParams(values={"alpha": 0.0, "beta": 0.0, "distance": "sq-euclidean"}, distance_scale=121.0)
    # start 0; farthest from {0} is 3 (121); then min d to {0, 3}: 1 -> 1, 2 -> 1, tie -> lower index 1
    np.testing.assert_array_equal(greedy_diverse_batch(candidates, 3, rng(), params), [0, 3, 1])


def test_greedy_rejects_weights_above_one():
    candidates = Candidates(uncertainty=UNCERTAINTY, features=POINTS)
    with pytest.raises(ValueError, match="alpha"):
        greedy_diverse_batch(candidates, 2, rng(), BatchParams(values={"alpha": 0.7, "beta": 0.4}))


def test_greedy_beta_needs_representativeness():
    candidates = Candidates(uncertainty=UNCERTAINTY, features=POINTS)
    with pytest.raises(ValueError, match="representativeness"):
        greedy_diverse_batch(candidates, 2, rng(), BatchParams(values={"alpha": 0.2, "beta": 0.2}))


def test_random_partitions_with_one_part_is_the_best_candidate():
    candidates = Candidates(uncertainty=np.array([0.1, 0.7, 0.3, 0.7]), features=np.zeros((4, 1)))
    np.testing.assert_array_equal(random_partitions(candidates, 1, rng(), BatchParams()), [1])


def test_random_partitions_takes_the_best_of_each_random_part():
    scores = np.random.default_rng(5).random(20)
    candidates = Candidates(uncertainty=scores, features=np.zeros((20, 1)))
    chosen = random_partitions(candidates, 4, rng(), BatchParams())
    parts = np.array_split(rng().permutation(20), 4)  # the same draws the selector made
    for index, part in zip(chosen, parts, strict=True):
        assert index in part
        assert scores[index] == scores[part].max()


def test_subsample_candidates():
    unlabelled = np.arange(100, 200)
    np.testing.assert_array_equal(subsample_candidates(unlabelled, 1.0, 5, rng()), unlabelled)
    sample = subsample_candidates(unlabelled, 0.1, 5, rng())
    assert sample.shape == (10,) and np.all(np.diff(sample) > 0) and set(sample) <= set(unlabelled)
    assert subsample_candidates(unlabelled, 0.01, 30, rng()).shape == (30,)  # at least one batch
    np.testing.assert_array_equal(subsample_candidates(unlabelled, 0.1, 5, rng()), sample)


def test_a_plugin_written_before_the_parameter_model_still_reads_its_values():
    params = BatchParams(values={"temperature": 0.5})
    assert params.extra["temperature"] == params["temperature"] == params.get("temperature") == 0.5
