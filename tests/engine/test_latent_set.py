"""LatentSet's own checks: the collapse warning (thesis 5.1.2's used latent dimensions, and a decoder that
ignores z: reconstructions barely better than the mean image)."""

import dataclasses

import numpy as np


def test_a_vae_with_no_used_dimension_gets_one_warning_line(digits_latent):
    collapsed = dataclasses.replace(digits_latent, metadata={"used_latent_dimensions": 0})
    warning = collapsed.collapse_warning()
    assert warning is not None and "\n" not in warning
    assert warning.startswith("representation projection: 0 of 10 latent dimensions used")
    assert "epochs" in warning and "kl_weight" in warning


def test_used_dimensions_features_and_old_caches_get_none(digits_latent):
    assert dataclasses.replace(digits_latent, metadata={"used_latent_dimensions": 1}).collapse_warning() is None
    assert dataclasses.replace(digits_latent, metadata={}).collapse_warning() is None  # nothing measured
    features = dataclasses.replace(digits_latent, pool_logvar=None, metadata={"used_latent_dimensions": 0})
    assert features.collapse_warning() is None  # not a VAE: small values are not a collapse
    assert np.isfinite(digits_latent.pool).all()


def test_a_decoder_that_barely_beats_the_mean_image_gets_one_warning_line(digits_latent):
    # gain = (mean - own) / (mean - perfect): (31 - 30.5) / (31 - 21) = 0.05, below MIN_RECONSTRUCTION_GAIN = 0.1
    metadata = {"used_latent_dimensions": 10, "reconstruction_bce": 30.5, "mean_image_bce": 31.0, "perfect_bce": 21.0}
    ignoring = dataclasses.replace(digits_latent, metadata=metadata)
    assert ignoring.reconstruction_gain() == 0.05
    warning = ignoring.collapse_warning()
    assert warning is not None and "\n" not in warning
    assert warning.startswith(
        "representation projection: its reconstructions are barely better than the pool's mean image (cross-entropy "
        "30.5 per image against the mean image's 31.0 and a perfect reconstruction's 21.0: 5% of the way"
    )
    assert 'init = "keras" (their default' in warning
    worse = dataclasses.replace(ignoring, metadata={**metadata, "reconstruction_bce": 40.0})  # gain -0.9
    assert "its reconstructions are no better than the pool's mean image" in worse.collapse_warning()
    features = dataclasses.replace(ignoring, pool_logvar=None)  # any autoencoder, not only a VAE
    assert features.collapse_warning() == warning


def test_a_decoder_past_a_tenth_of_the_way_gets_none(digits_latent):
    # the dense VAE of the CLI tests on 8x8 digits: (27.3 - 24.8) / (27.3 - 13.9) = 0.187
    metadata = {"used_latent_dimensions": 4, "reconstruction_bce": 24.8, "mean_image_bce": 27.3, "perfect_bce": 13.9}
    healthy = dataclasses.replace(digits_latent, metadata=metadata)
    assert abs(healthy.reconstruction_gain() - 2.5 / 13.4) < 1e-12
    assert healthy.collapse_warning() is None
    no_perfect = {k: v for k, v in metadata.items() if k != "perfect_bce"}  # a cache written before the measure
    assert dataclasses.replace(digits_latent, metadata=no_perfect).reconstruction_gain() is None
