"""k-means: the exact path is the scipy kmeans2 it replaced (same seeds, same labels); sampled at scale is
seeded by the trial's generator and finds the clusters of well separated blobs."""

import warnings

import numpy as np
from scipy.cluster.vq import kmeans2

from latentsweep import compute
from latentsweep.compute import clustering


def blobs(n=600, d=5, centres=6, seed=0):
    rng = np.random.default_rng(seed)
    middle = rng.normal(scale=8, size=(centres, d))
    truth = rng.integers(centres, size=n)
    return middle[truth] + rng.normal(size=(n, d)), truth


def test_exact_kmeans_is_scipys_kmeans2_from_its_seeds():
    features, _ = blobs()
    seeds = compute.kmeans_plus_plus(features, 6, np.random.default_rng(3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, expected = kmeans2(features, seeds, minit="matrix", iter=20)
    np.testing.assert_array_equal(compute.lloyd(features, seeds), expected)


def test_kmeans_plus_plus_draws_as_the_loop_it_replaced():
    features, _ = blobs(seed=2)
    rng, mine = np.random.default_rng(7), np.random.default_rng(7)
    first = int(rng.integers(features.shape[0]))
    centres, nearest = [first], np.sum((features - features[first]) ** 2, axis=1)
    for _ in range(5):
        chosen = int(rng.choice(features.shape[0], p=nearest / nearest.sum()))
        centres.append(chosen)
        np.minimum(nearest, np.sum((features - features[chosen]) ** 2, axis=1), out=nearest)
    np.testing.assert_array_equal(compute.kmeans_plus_plus(features, 6, mine), features[centres])


def test_sampled_finds_separated_blobs_and_is_seeded(monkeypatch):
    features, truth = blobs(n=3000, centres=4, seed=1)
    labels = compute.kmeans_labels(features, 4, np.random.default_rng(0), "sampled")
    again = compute.kmeans_labels(features, 4, np.random.default_rng(0), "sampled")
    np.testing.assert_array_equal(labels, again)
    # every blob is one cluster: the contingency table has one non-zero per row
    table = np.zeros((4, 4), dtype=int)
    np.add.at(table, (truth, labels), 1)
    assert ((table > 0).sum(1) == 1).all()
    monkeypatch.setattr(clustering, "EXACT_ROWS", 1000)  # 'auto' takes sampled above EXACT_ROWS
    np.testing.assert_array_equal(compute.kmeans_labels(features, 4, np.random.default_rng(0)), labels)


def test_a_pool_without_spread_is_one_cluster():
    assert (compute.kmeans_labels(np.ones((20, 3)), 4, np.random.default_rng(0)) == 0).all()


def test_rows_given_in_two_parts_get_the_labels_of_the_joined_array():
    """TypiClust passes its labelled rows as `more` so that a large pool is not copied to join them: the labels
    are those of the concatenation, for the sampled and the exact k-means alike."""
    features, _ = blobs(n=3000, centres=4, seed=2)
    features = features.astype(np.float32)
    head, tail = features[:2950], features[2950:]
    for method in ("sampled", "exact"):
        joined = compute.kmeans_labels(features, 6, np.random.default_rng(3), method)
        parts = compute.kmeans_labels(head, 6, np.random.default_rng(3), method, more=tail)
        np.testing.assert_array_equal(parts, joined)
    flat = np.ones((20, 3))
    assert (compute.kmeans_labels(flat[:15], 4, np.random.default_rng(0), more=flat[15:]) == 0).all()
    apart = compute.kmeans_labels(flat[:15], 2, np.random.default_rng(0), more=2 * flat[15:])
    assert len(set(apart[:15])) == 1 and len(set(apart[15:])) == 1 and apart[0] != apart[-1]
