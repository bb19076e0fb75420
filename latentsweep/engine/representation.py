"""Stage 1: turn a data set's images into a LatentSet (train the autoencoder once, encode everything)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..data import Splits
from ..models import (
    ConvVAE,
    DenseVAE,
    TrainingHistory,
    encode,
    pick_device,
    reconstruction_errors,
    train_vae,
    used_latent_dimensions,
)
from ..models.paper_autoencoders import PaperAutoencoder, cae_loss, make_tsne_loss, paper_vae_loss
from ..models.vae import vae_loss
from .latent_set import LatentSet
from .specs import RepresentationSpec


@dataclass
class TrainedRepresentation:
    """The LatentSet, and for autoencoders the trained model and its loss history."""

    latent_set: LatentSet
    model: nn.Module | None
    history: TrainingHistory | None


def build_autoencoder(spec: RepresentationSpec, image_shape: tuple[int, int]) -> nn.Module:
    """A freshly initialised autoencoder for `spec`, its weights drawn from `spec.seed` alone."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(spec.seed)
        if spec.kind == "dense-vae":
            return DenseVAE(image_shape, spec.latent_dim, spec.hidden)
        if spec.kind == "conv-vae":
            return ConvVAE(image_shape, spec.latent_dim)
        if spec.kind in ("cae", "tsne-ae", "paper-vae"):
            return PaperAutoencoder(image_shape, spec.latent_dim, spec.width, variational=spec.kind == "paper-vae")
    raise ValueError(f"{spec.kind!r} is not an autoencoder")


def autoencoder_loss(spec: RepresentationSpec):
    """The training loss of an autoencoder kind."""
    return {
        "dense-vae": vae_loss,
        "conv-vae": vae_loss,
        "cae": cae_loss,
        "paper-vae": paper_vae_loss,
        "tsne-ae": make_tsne_loss(spec.perplexity),
    }[spec.kind]


def _flatten(images: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(images.reshape(images.shape[0], -1), dtype=np.float32)


def train_representation(splits: Splits, spec: RepresentationSpec, device: str | None = None) -> TrainedRepresentation:
    """Trains the autoencoder of `spec` on the pool images and encodes pool, validation and test.

    VAE features are the posterior means mu (thesis 3.1 (b)); `pixels` flattens the images.
    """
    common = dict(
        dataset=splits.name,
        representation=spec.key(splits.fingerprint()),
        pool_labels=splits.pool_labels,
        val_labels=splits.val_labels,
        test_labels=splits.test_labels,
        n_classes=splits.n_classes,
    )
    if spec.kind == "pixels":
        latent = LatentSet(
            pool=_flatten(splits.pool_images),
            val=_flatten(splits.val_images),
            test=_flatten(splits.test_images),
            metadata={"kind": "pixels", "n_features": int(np.prod(splits.image_shape))},
            **common,
        )
        return TrainedRepresentation(latent, None, None)
    torch_device = pick_device(device)
    model = build_autoencoder(spec, splits.image_shape)
    started = time.perf_counter()
    history = train_vae(
        model,
        splits.pool_images,
        splits.val_images,
        epochs=spec.epochs,
        seed=spec.seed,
        device=torch_device,
        batch_size=spec.batch_size,
        learning_rate=spec.learning_rate,
        loss=autoencoder_loss(spec),
    )
    train_seconds = time.perf_counter() - started
    pool_mu, pool_logvar = encode(model, splits.pool_images, torch_device)
    val_mu, _ = encode(model, splits.val_images, torch_device)
    test_mu, _ = encode(model, splits.test_images, torch_device)
    metadata = {
        "kind": spec.kind,
        "latent_dim": spec.latent_dim,
        "epochs": spec.epochs,
        "used_latent_dimensions": used_latent_dimensions(pool_mu),
        "train_loss": history.train_loss,
        "val_loss": history.val_loss,
        "epoch_seconds": history.seconds,
        "train_seconds": train_seconds,
        "device": str(torch_device),
    }
    latent = LatentSet(
        pool=pool_mu,
        pool_logvar=pool_logvar,
        val=val_mu,
        test=test_mu,
        metadata=metadata,
        pool_reconstruction_error=reconstruction_errors(model, splits.pool_images, torch_device),
        **common,
    )
    return TrainedRepresentation(latent, model.cpu(), history)
