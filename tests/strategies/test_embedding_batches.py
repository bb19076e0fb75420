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


def test_when_badge_holds_its_activations_in_float16():
    from latentsweep.strategies import activations_dtype

    assert activations_dtype("auto", 100_000) is np.float32 and activations_dtype("auto", 100_001) is np.float16
    assert activations_dtype("float32", 10**6) is np.float32 and activations_dtype("float16", 10) is np.float16


def test_half_embedding_keeps_large_activations_and_zero_rows():
    """Activations far beyond float16's 65,504 are scaled per row into [-1, 1]; the scale moves into a, so
    a_i (x) h_i is unchanged to float16's rounding; a row of zeros stays zero."""
    from latentsweep.strategies import half_embedding

    rng = np.random.default_rng(0)
    a, h = rng.normal(size=(50, 3)), rng.random((50, 8)) * 10.0 ** rng.uniform(-3, 7, size=(50, 1))
    h[7] = 0.0
    a16, h16 = half_embedding(a, h)
    assert h16.dtype == np.float16 and np.isfinite(h16).all() and np.abs(h16).max() == 1.0
    g, g16 = np.einsum("ic,ih->ich", a, h), np.einsum("ic,ih->ich", a16.astype(float), h16.astype(float))
    scale = np.abs(g).max(axis=(1, 2), keepdims=True)
    assert (np.abs(g16 - g) <= 1e-3 * scale).all()
    assert not g16[7].any()


def test_half_rows_products_across_blocks_against_float64(monkeypatch):
    from latentsweep.compute import HalfRows
    from latentsweep.compute import device as compute_device

    monkeypatch.setattr(compute_device, "BLOCK_BYTES", 16 * 64 * 4)  # 16 rows a block: 13 blocks
    rng = np.random.default_rng(1)
    rows = (rng.random((200, 64)) * 2 - 1).astype(np.float16)
    rows.setflags(write=False)  # as the object store hands arrays over
    exact = rows.astype(np.float64)
    held = HalfRows(rows)
    np.testing.assert_allclose(held.squared_norms(), (exact**2).sum(1), rtol=1e-6)  # float32 sums of squares
    products = held.products(rows[3])
    np.testing.assert_allclose(products, exact @ exact[3], rtol=0, atol=2e-3 * np.abs(exact @ exact[3]).max())


def test_badge_in_float16_draws_what_it_draws_in_float32():
    """On 6,000 candidates of activations up to 1e5 (beyond float16's range unscaled), BADGE held in float16
    picks what it picks in float32 with the same draws, but where a draw lands within rounding of the boundary
    between two candidates (here once: 2416 in float32, 2418 in float16, the 35th of 40)."""
    rng = np.random.default_rng(2)
    probs = rng.dirichlet(np.ones(10) * 0.3, size=6000)
    a = probs - np.eye(10)[probs.argmax(1)]
    h = np.maximum(rng.normal(size=(6000, 64)), 0) * 10.0 ** rng.uniform(0, 5, size=(6000, 1))
    candidates = Candidates(uncertainty=np.zeros(6000), features=np.zeros((6000, 2)), gradient_embedding=(a, h))

    def picks(choice):
        params = BatchParams(values={"activations": choice})
        return BATCH_SELECTION["badge"](candidates, 40, np.random.default_rng(5), params)

    half, single = picks("float16"), picks("float32")
    assert len(set(half.tolist())) == 40 and (half == single).sum() >= 36
