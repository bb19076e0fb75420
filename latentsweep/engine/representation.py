"""Stage 1: turn a data set's examples into a LatentSet (train the autoencoder once, encode everything),
for any kind of `engine.kinds.REPRESENTATION_KINDS`."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, cast

import torch
from torch import nn

from ..data import Splits
from ..models import (
    TrainingHistory,
    encode,
    initialise,
    pick_device,
    reconstruction_errors,
    reconstruction_loss,
    train_vae,
    used_latent_dimensions,
)
from .kinds import REPRESENTATION_KINDS, Features
from .latent_set import LatentSet
from .specs import RepresentationSpec, canonical_form


@dataclass
class TrainedRepresentation:
    """The LatentSet, and for autoencoders the trained model and its loss history."""

    latent_set: LatentSet
    model: nn.Module | None
    history: TrainingHistory | None


def build_autoencoder(spec: RepresentationSpec, image_shape: tuple[int, ...]) -> tuple[nn.Module, object]:
    """A freshly initialised autoencoder for `spec` and its loss, initialised as `spec.init` says (Keras'
    glorot-uniform kernels and zero biases, or PyTorch's defaults); the weights depend on `spec.seed` alone."""
    if not spec.trained:
        raise ValueError(f"{spec.kind!r} is not an autoencoder")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(spec.seed)
        model, loss = REPRESENTATION_KINDS[spec.kind](spec, image_shape)
        # a trained kind uses init (a None would be check_initialisation's ValueError)
        return initialise(model, cast(str, spec.init)), loss


def train_representation(splits: Splits, spec: RepresentationSpec, device: str | None = None) -> TrainedRepresentation:
    """Trains the autoencoder of `spec` on the pool and encodes pool, validation and test examples, or
    takes the features of a kind that trains nothing.

    VAE features are the posterior means mu (thesis 3.1 (b)); `pixels` flattens the images.
    """
    common: dict[str, Any] = dict(
        dataset=splits.name,
        representation=spec.key(splits.fingerprint()),
        pool_labels=splits.pool_labels,
        val_labels=splits.val_labels,
        test_labels=splits.test_labels,
        n_classes=splits.n_classes,
    )
    if not spec.trained:
        features: Features = REPRESENTATION_KINDS[spec.kind](splits)
        latent = LatentSet(
            pool=features.pool,
            pool_logvar=features.pool_logvar,
            val=features.val,
            test=features.test,
            metadata={"kind": spec.kind, "n_features": int(features.pool.shape[1]), "spec": canonical_form(spec)},
            **common,
        )
        return TrainedRepresentation(latent, None, None)
    torch_device = pick_device(device)
    model, loss = build_autoencoder(spec, splits.image_shape)
    started = time.perf_counter()
    history = train_vae(
        model,
        splits.pool,
        splits.val,
        epochs=spec.epochs,
        seed=spec.seed,
        device=torch_device,
        batch_size=spec.batch_size,
        learning_rate=spec.learning_rate,
        loss=loss,
        precision=cast(str, spec.precision),  # a trained kind uses precision (None: compute_dtype's ValueError)
    )
    train_seconds = time.perf_counter() - started
    pool_mu, pool_logvar = encode(model, splits.pool, torch_device)
    own_bce, mean_image_bce, perfect_bce = reconstruction_loss(model, splits.pool, torch_device, codes=pool_mu)
    val_mu, _ = encode(model, splits.val, torch_device)
    test_mu, _ = encode(model, splits.test, torch_device)
    metadata = {
        "kind": spec.kind,
        "spec": canonical_form(spec),
        "latent_dim": spec.latent_dim,
        "epochs": spec.epochs,
        "kl_weight": spec.kl_weight,
        "precision": spec.precision,
        "used_latent_dimensions": used_latent_dimensions(pool_mu),
        "reconstruction_bce": own_bce,
        "mean_image_bce": mean_image_bce,
        "perfect_bce": perfect_bce,
        "train_loss": history.train_loss,
        "val_loss": history.val_loss,
        "epoch_seconds": history.seconds,
        "train_seconds": train_seconds,
        "device": str(torch_device),
        "threads": torch.get_num_threads(),  # CPU weight gradients depend on it: same count, same weights
    }
    latent = LatentSet(
        pool=pool_mu,
        pool_logvar=pool_logvar,
        val=val_mu,
        test=test_mu,
        metadata=metadata,
        pool_reconstruction_error=reconstruction_errors(model, splits.pool, torch_device),
        **common,
    )
    return TrainedRepresentation(latent, model.cpu(), history)
