import numpy as np
import pytest

from latentsweep.strategies import INITIAL_SELECTION, InitialParams, InitialPool, class_entropy
from latentsweep.strategies.initial import (
    ae_error,
    cluster_quotas,
    k_center_greedy,
    probcover,
    sample_near_draws,
    typiclust,
)


def rng(seed=0):
    return np.random.default_rng(seed)


def test_cluster_quotas_round_then_add_up_to_n():
    np.testing.assert_array_equal(cluster_quotas(np.array([50, 30, 20]), 10), [5, 3, 2])
    np.testing.assert_array_equal(cluster_quotas(np.array([1, 1, 1]), 2), [0, 1, 1])  # 3 x round(2/3) = 3 -> 2
    np.testing.assert_array_equal(
        cluster_quotas(np.array([10, 10, 1]), 5), [3, 2, 0]
    )  # 2.38, 2.38, 0.24 round to 2, 2, 0; the largest remainder (cluster 0) gets the missing one
    quotas = cluster_quotas(np.array([3, 3, 3, 1]), 5)
    assert quotas.sum() == 5 and np.all(quotas <= [3, 3, 3, 1])


def test_algorithm_1_takes_the_unchosen_members_within_t_of_each_draw():
    features = np.arange(5, dtype=float)[:, None]  # members 0..4 at 0, 1, 2, 3, 4
    draws = iter([np.array([[1.1]]), np.array([[1.2]]), np.array([[3.9]])])
    chosen = sample_near_draws(features, np.arange(5), 2, lambda m: next(draws), threshold=0.5, max_draws=10, chunk=1)
    assert chosen == [1, 4]  # the second draw finds only member 1 again, already chosen


def test_algorithm_1_takes_every_member_when_fewer_remain_than_the_quota():
    features = np.arange(3, dtype=float)[:, None]
    chosen = sample_near_draws(features, np.arange(3), 3, lambda m: np.full((m, 1), 100.0), threshold=0.5, max_draws=5)
    assert sorted(chosen) == [0, 1, 2]


def test_algorithm_1_ends_even_when_draws_miss_every_example():
    features = np.arange(10, dtype=float)[:, None]
    chosen = sample_near_draws(
        features, np.arange(10), 3, lambda m: np.full((m, 1), 100.0), threshold=0.5, max_draws=5, chunk=2
    )
    assert chosen == [9, 8, 7]  # after 5 misses, the nearest unchosen member of each draw


def test_clustered_samplers_fill_each_cluster_by_its_quota():
    generator = rng(4)
    big = generator.normal(scale=0.3, size=(30, 2))
    small = generator.normal(scale=0.3, size=(10, 2)) + np.array([20.0, 20.0])
    pool = InitialPool(np.concatenate([big, small]))
    for name in ("uniform-cluster", "multi-normal-cluster"):
        chosen = INITIAL_SELECTION[name](pool, 8, rng(1), InitialParams(clusters=2))
        assert len(set(chosen.tolist())) == 8
        assert (chosen < 30).sum() == 6 and (chosen >= 30).sum() == 2  # quotas 8 * 30/40 and 8 * 10/40


def test_ae_error_takes_the_worst_reconstructions():
    pool = InitialPool(np.zeros((4, 2)), reconstruction_error=np.array([0.1, 0.5, 0.3, 0.5]))
    np.testing.assert_array_equal(ae_error(pool, 2, rng(), InitialParams()), [1, 3])
    with pytest.raises(ValueError, match="reconstruction errors"):
        ae_error(InitialPool(np.zeros((4, 2))), 2, rng(), InitialParams())


def test_k_center_greedy_adds_the_farthest_example():
    features = np.array([[0.0], [1.0], [2.0], [10.0], [10.5]])
    start = int(rng().integers(5))  # the same first draw the sampler makes
    chosen = k_center_greedy(InitialPool(features), 3, rng(), InitialParams())
    assert chosen[0] == start
    expected = {0: [0, 4, 2], 1: [1, 4, 0], 2: [2, 4, 0], 3: [3, 0, 2], 4: [4, 0, 2]}[start]
    assert chosen.tolist() == expected


def test_typiclust_takes_the_most_typical_example_of_each_cluster():
    blob = np.array([[0.0, 0.0], [0.1, 0.0], [-0.1, 0.0], [0.0, 0.1], [0.0, -0.1]])
    features = np.concatenate([blob, blob + 10.0])
    chosen = typiclust(InitialPool(features), 2, rng(), InitialParams(neighbours=4))
    np.testing.assert_array_equal(chosen, [0, 5])  # the centres


def test_probcover_greedily_covers_delta_balls():
    # balls (delta 0.15): 0 {0,1}, 1 {0,1,2}, 2 {1,2}, 3 {3,4}, 4 {3,4}, 5 {5}
    features = np.array([[0.0], [0.1], [0.2], [5.0], [5.1], [9.0]])
    chosen = probcover(InitialPool(features), 3, rng(), InitialParams(delta=0.15))
    np.testing.assert_array_equal(chosen, [1, 3, 5])


def test_class_entropy():
    assert class_entropy(np.array([0, 0, 1, 1]), 2) == pytest.approx(np.log(2))
    assert class_entropy(np.array([3, 3, 3]), 10) == 0.0
