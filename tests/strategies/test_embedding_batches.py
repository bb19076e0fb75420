"""BADGE, core-set and TypiClust as batch rules during the loop, by hand."""

import numpy as np
import pytest

from latentsweep.strategies import BATCH_SELECTION, BatchParams, Candidates, gradient_embedding_distances


def test_gradient_embedding_distances_without_building_the_embedding():
    rng = np.random.default_rng(0)
    a, h = rng.normal(size=(7, 3)), rng.normal(size=(7, 5))
    embedding = np.einsum("ic,ih->ich", a, h).reshape(7, -1)  # the explicit g_i = a_i (x) h_i
    explicit = ((embedding - embedding[2]) ** 2).sum(axis=1)
    np.testing.assert_allclose(gradient_embedding_distances(a, h, 2), explicit, atol=1e-10)


def test_badge_starts_at_the_largest_embedding_and_spreads():
    a = np.array([[0.1, -0.1], [0.9, -0.9], [0.5, -0.5], [0.5, -0.5], [-0.6, 0.6]])
    h = np.ones((5, 3))
    candidates = Candidates(uncertainty=np.zeros(5), features=np.zeros((5, 2)), gradient_embedding=(a, h))
    chosen = BATCH_SELECTION["badge"](candidates, 3, np.random.default_rng(0), BatchParams())
    assert chosen[0] == 1  # |a_1| |h_1| is the largest
    assert len(set(chosen.tolist())) == 3 and not {2, 3} <= set(chosen.tolist())  # never both twins


def test_k_center_greedy_takes_the_farthest_from_the_labelled_set():
    features = np.array([[0.0], [1.0], [2.0], [10.0], [11.0]])
    candidates = Candidates(uncertainty=np.zeros(5), features=features, labelled_features=np.array([[0.5]]))
    chosen = BATCH_SELECTION["k-center-greedy"](candidates, 2, np.random.default_rng(0), BatchParams())
    assert chosen.tolist() == [4, 2]  # 11 is farthest from 0.5; then 2 (1.5 from 0.5, 8 from 10 and 11: min 1.5)


def test_typiclust_takes_typical_points_of_clusters_without_labels():
    rng = np.random.default_rng(0)
    blobs = [rng.normal(loc, 0.1, size=(30, 2)) for loc in ((0, 0), (5, 5), (10, 0))]
    features = np.concatenate(blobs)
    labelled = blobs[0][:3] + 0.01  # the first blob is covered already
    candidates = Candidates(uncertainty=np.zeros(90), features=features, labelled_features=labelled)
    chosen = BATCH_SELECTION["typiclust"](
        candidates, 2, np.random.default_rng(1), BatchParams(values={"neighbours": 5})
    )
    assert sorted(int(i) // 30 for i in chosen) == [1, 2]  # one from each uncovered blob
    for index in chosen:  # the most typical: close to its blob's centre
        blob = blobs[int(index) // 30]
        assert np.linalg.norm(features[index] - blob.mean(axis=0)) < 0.15


@pytest.mark.parametrize("rule", ["badge", "batchbald", "k-center-greedy", "typiclust"])
def test_rules_that_read_no_scores_are_labelled_by_their_own_name(rule):
    from latentsweep.engine import StrategySpec

    spec = StrategySpec(uncertainty="entropy", batch=rule, subsample=0.1).canonical()
    assert spec.label().startswith(rule) and spec.uncertainty == "margin"  # the measure is unused
    assert StrategySpec(uncertainty="margin", batch=rule, subsample=0.1).canonical() == spec
