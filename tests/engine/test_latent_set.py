"""LatentSet's own checks: the collapse warning (thesis 5.1.2's used latent dimensions)."""

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
