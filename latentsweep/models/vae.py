"""Variational autoencoders (thesis 3.2, 4.2.1): a dense VAE and the convolutional VAE of Table 4.1.

Both encode an image [s, s] to the parameters of N(mu, diag(exp(logvar))) and decode a latent code
to Bernoulli logits; the loss is BCE summed over pixels plus the KL divergence to N(0, I).
"""

from __future__ import annotations

import itertools
import math

import torch
from torch import nn
from torch.nn import functional as F

from .transposed_conv import TransposedConv2d


class DenseVAE(nn.Module):
    """Encoder pixels -> hidden (512, 256 by default, ReLU) -> (mu, logvar); a mirrored decoder."""

    def __init__(self, image_shape: tuple[int, int], latent_dim: int, hidden: tuple[int, ...] = (512, 256)):
        super().__init__()
        self.image_shape = tuple(image_shape)
        self.latent_dim = latent_dim
        n_pixels = math.prod(self.image_shape)
        sizes = (n_pixels, *hidden)
        self.encoder = nn.Sequential(
            nn.Flatten(), *[m for a, b in itertools.pairwise(sizes) for m in (nn.Linear(a, b), nn.ReLU(inplace=True))]
        )
        self.to_posterior = nn.Linear(sizes[-1], 2 * latent_dim)
        back = (latent_dim, *reversed(hidden))
        self.decoder = nn.Sequential(
            *[m for a, b in itertools.pairwise(back) for m in (nn.Linear(a, b), nn.ReLU(inplace=True))],
            nn.Linear(back[-1], n_pixels),
        )

    def encode(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """images [B, s, s] -> mu, logvar [B, d]."""
        return self.to_posterior(self.encoder(images)).chunk(2, dim=1)

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        """z [B, d] -> Bernoulli logits [B, s, s] (the sigmoid of which is the reconstruction)."""
        return self.decoder(z).reshape(-1, *self.image_shape)


class ConvVAE(nn.Module):
    """The convolutional VAE of thesis Table 4.1 for square images of an even side s.

    Conv(1, k2, same) -> Conv(64, k2, stride 2) -> 2 x Conv(64, k3, same) -> Dense 128 -> (mu, logvar);
    Dense 128 -> Dense (s/2)^2 * 64 -> 2 x ConvT(64, k3, same) -> ConvT(64, k3, valid, stride 2)
    [s + 1] -> Conv(1, k2, valid) [s], sigmoid outputs. ReLU everywhere else.
    """

    def __init__(self, image_shape: tuple[int, int], latent_dim: int, hidden: int = 128, filters: int = 64):
        super().__init__()
        side = image_shape[0]
        if image_shape[0] != image_shape[1] or side % 2 or side < 4:
            raise ValueError(f"the conv VAE needs square images of an even side >= 4, got {tuple(image_shape)}")
        self.image_shape = (side, side)
        self.latent_dim = latent_dim
        half = side // 2
        self.feature_shape = (filters, half, half)
        self.encoder = nn.Sequential(
            nn.ZeroPad2d((0, 1, 0, 1)),  # Keras "same" for an even kernel pads right and bottom
            nn.Conv2d(1, 1, 2),
            nn.ReLU(inplace=True),
            nn.Conv2d(1, filters, 2, stride=2),
            nn.ReLU(inplace=True),
            nn.Conv2d(filters, filters, 3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(filters, filters, 3, padding=1),
            nn.ReLU(inplace=True),
            nn.Flatten(),
            nn.Linear(filters * half * half, hidden),
            nn.ReLU(inplace=True),
        )
        self.to_posterior = nn.Linear(hidden, 2 * latent_dim)
        self.decoder_dense = nn.Sequential(
            nn.Linear(latent_dim, hidden),
            nn.ReLU(inplace=True),
            nn.Linear(hidden, filters * half * half),
            nn.ReLU(inplace=True),
        )
        self.decoder_conv = nn.Sequential(
            TransposedConv2d(filters, filters, 3, padding=1),
            nn.ReLU(inplace=True),
            TransposedConv2d(filters, filters, 3, padding=1),
            nn.ReLU(inplace=True),
            TransposedConv2d(filters, filters, 3, stride=2),
            nn.ReLU(inplace=True),
            nn.Conv2d(filters, 1, 2),
        )

    def encode(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """images [B, s, s] -> mu, logvar [B, d]."""
        return self.to_posterior(self.encoder(images.unsqueeze(1))).chunk(2, dim=1)

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        """z [B, d] -> Bernoulli logits [B, s, s]."""
        features = self.decoder_dense(z).reshape(-1, *self.feature_shape)
        return self.decoder_conv(features)[:, 0]


def vae_loss(
    model: nn.Module, images: torch.Tensor, generator: torch.Generator | None, kl_weight: float = 1.0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean over the batch of BCE summed over pixels + kl_weight * KL(q(z|x) || N(0, I)); returns (loss, kl).

    kl_weight 1 is the thesis' text (KL summed over the latent dimensions); 1/d is the KL averaged over
    them, as the Keras example the thesis builds on did. With a generator z is sampled by the
    reparametrisation trick; without one z = mu (evaluation).
    """
    mu, logvar = model.encode(images)  # type: ignore[operator]  # torch types Module attributes Tensor | Module
    if generator is None:
        z = mu
    else:
        z = mu + torch.exp(0.5 * logvar) * torch.randn(mu.shape, generator=generator, device=mu.device)
    logits = model.decode_logits(z)  # type: ignore[operator]  # torch types Module attributes Tensor | Module
    reconstruction = F.binary_cross_entropy_with_logits(logits, images, reduction="sum") / images.shape[0]
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / images.shape[0]
    return reconstruction + kl_weight * kl, kl


def used_latent_dimensions(mu, tolerance: float = 0.1) -> int:
    """Latent dimensions in use (thesis 5.1.2): those whose pool means do not all stay near zero.

    mu [N, d] (numpy or torch); a dimension is unused when its minimum and maximum over the pool
    both lie within +-tolerance.
    """
    mu = torch.as_tensor(mu)
    if mu.shape[0] == 0:
        return 0
    extent = torch.maximum(mu.max(dim=0).values.abs(), mu.min(dim=0).values.abs())
    return int((extent > tolerance).sum())
