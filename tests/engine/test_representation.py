import numpy as np

from latentsweep.data import load_splits
from latentsweep.engine import RepresentationSpec, StrategySpec, TrialSpec, run_trial, train_representation

from .conftest import SMALL_BUDGET, SMALL_CLASSIFIER


def test_a_vae_representation_encodes_every_split(device):
    splits = load_splits("digits")
    spec = RepresentationSpec(kind="conv-vae", latent_dim=6, epochs=1, seed=2)
    trained = train_representation(splits, spec, device=str(device))
    latent = trained.latent_set
    assert latent.pool.shape == (1137, 6) and latent.pool_logvar.shape == (1137, 6)
    assert latent.val.shape == (300, 6) and latent.test.shape == (360, 6)
    assert latent.representation == spec.key(splits.fingerprint()) and latent.dataset == "digits"
    assert 0 <= latent.metadata["used_latent_dimensions"] <= 6
    assert len(latent.metadata["train_loss"]) == 1 and np.isfinite(latent.metadata["val_loss"][0])
    again = train_representation(splits, spec, device=str(device)).latent_set
    np.testing.assert_array_equal(latent.pool, again.pool)  # seeded: same spec, same encoding


def test_the_pixels_representation_runs_the_same_loop():
    splits = load_splits("digits")
    latent = train_representation(splits, RepresentationSpec(kind="pixels")).latent_set
    assert latent.pool.shape == (1137, 64) and latent.pool_logvar is None
    trial = TrialSpec(
        "digits",
        latent.representation,
        StrategySpec(uncertainty="margin", representativeness="pixel-density-euclidean", gamma=0.5),
        classifier=SMALL_CLASSIFIER,
        budget=SMALL_BUDGET,
    )
    result = run_trial(latent, trial)
    assert result.status == "ok" and result.iterations[-1].n_labeled == 60


def test_the_second_papers_autoencoders_give_2d_codes_and_reconstruction_errors():
    splits = load_splits("digits")
    for kind in ("cae", "paper-vae", "tsne-ae"):
        spec = RepresentationSpec(kind=kind, latent_dim=2, epochs=1, width=0.125, perplexity=10)
        latent = train_representation(splits, spec).latent_set
        assert latent.pool.shape == (1137, 2)
        assert (latent.pool_logvar is not None) == (kind == "paper-vae")
        errors = latent.pool_reconstruction_error
        assert errors.shape == (1137,) and np.all((errors >= 0) & (errors <= 1))
