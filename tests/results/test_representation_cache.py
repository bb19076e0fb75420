import numpy as np

from latentsweep.engine import LatentSet, RepresentationSpec
from latentsweep.results import RepresentationCache, cache_key


def latent(scores=None):
    rng = np.random.default_rng(0)
    return LatentSet(
        dataset="digits",
        representation="dense-vae-x",
        pool=rng.random((5, 2), dtype=np.float32),
        pool_labels=np.arange(5),
        val=rng.random((2, 2), dtype=np.float32),
        val_labels=np.arange(2),
        test=rng.random((3, 2), dtype=np.float32),
        test_labels=np.arange(3),
        n_classes=5,
        pool_logvar=np.zeros((5, 2), np.float32),
        representativeness=scores or {},
        metadata={"used_latent_dimensions": 2},
    )


def test_round_trip_and_update_with_more_scores(tmp_path):
    cache = RepresentationCache(tmp_path)
    assert cache.load("k") is None
    cache.store("k", latent(), b"weights")
    loaded = cache.load("k")
    np.testing.assert_array_equal(loaded.pool, latent().pool)
    assert loaded.metadata["used_latent_dimensions"] == 2 and loaded.representativeness == {}
    cache.store("k", latent({"kl-to-prior": np.ones(5, np.float32)}), None)
    again = cache.load("k")
    np.testing.assert_array_equal(again.representativeness["kl-to-prior"], np.ones(5))
    assert (tmp_path / "k" / "weights.pt").read_bytes() == b"weights"  # kept from the first write
    assert [p.name for p in tmp_path.iterdir()] == ["k"]  # no temporary folders left


def test_keys_follow_spec_and_data():
    spec = RepresentationSpec(kind="dense-vae", latent_dim=4)
    assert cache_key(spec, "a") == cache_key(RepresentationSpec(kind="dense-vae", latent_dim=4), "a")
    assert cache_key(spec, "a") != cache_key(spec, "b")
    assert cache_key(spec, "a") != cache_key(RepresentationSpec(kind="dense-vae", latent_dim=5), "a")
