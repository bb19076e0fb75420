"""The three autoencoders of "Query Selection based on Latent Space Sampling" (section 3.1).

All share one design (3.1.1): 3 x conv 64, max-pool, 3 x conv 32, max-pool, 3 x conv 32 (3x3, ReLU,
zero padding), two dense 1024, a linear representation layer; a mirrored decoder with stride-2 2x2
transposed convolutions in place of the pools and a 1x1 output convolution. They differ in the
representation layer and the loss: CAE (MSE, eq. 1), VAE (eqs. 2-4) and the "t-SNE style" AE (BCE +
KL(P || Q) over each batch, eqs. 5-7). `width` scales every layer (1.0 is the paper's).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from .transposed_conv import TransposedConv2d


def _convs(channels_in: int, channels: int, count: int) -> list[nn.Module]:
    layers: list[nn.Module] = []
    for i in range(count):
        layers += [nn.Conv2d(channels_in if i == 0 else channels, channels, 3, padding=1), nn.ReLU(inplace=True)]
    return layers


def paper_encoder(side: int, outputs: int, width: float = 1.0) -> nn.Sequential:
    """The encoder of section 3.1.1 ending in `outputs` linear units (also the evaluation CNN's body)."""
    if side % 4 or side < 4:
        raise ValueError(f"the paper's autoencoders need square images with a side divisible by 4, got {side}")
    wide, narrow, dense = max(1, round(64 * width)), max(1, round(32 * width)), max(1, round(1024 * width))
    return nn.Sequential(
        *_convs(1, wide, 3),
        nn.MaxPool2d(2),
        *_convs(wide, narrow, 3),
        nn.MaxPool2d(2),
        *_convs(narrow, narrow, 3),
        nn.Flatten(),
        nn.Linear(narrow * (side // 4) ** 2, dense),
        nn.ReLU(inplace=True),
        nn.Linear(dense, dense),
        nn.ReLU(inplace=True),
        nn.Linear(dense, outputs),
    )


class PaperAutoencoder(nn.Module):
    """Encoder and mirrored decoder of section 3.1.1; `variational` adds the log-variance units (3.1.2)."""

    def __init__(self, image_shape: tuple[int, int], latent_dim: int = 2, width: float = 1.0, variational=False):
        super().__init__()
        side = image_shape[0]
        if image_shape[0] != image_shape[1]:
            raise ValueError(f"the paper's autoencoders need square images, got {tuple(image_shape)}")
        self.image_shape = (side, side)
        self.latent_dim = latent_dim
        self.variational = variational
        wide, narrow, dense = max(1, round(64 * width)), max(1, round(32 * width)), max(1, round(1024 * width))
        self.encoder = paper_encoder(side, 2 * latent_dim if variational else latent_dim, width)
        self.feature_shape = (narrow, side // 4, side // 4)
        self.decoder = nn.Sequential(
            nn.Linear(latent_dim, dense),
            nn.ReLU(inplace=True),
            nn.Linear(dense, dense),
            nn.ReLU(inplace=True),
            nn.Linear(dense, narrow * (side // 4) ** 2),
            nn.ReLU(inplace=True),
            nn.Unflatten(1, self.feature_shape),
            *_convs(narrow, narrow, 3),
            TransposedConv2d(narrow, narrow, 2, stride=2),
            nn.ReLU(inplace=True),
            *_convs(narrow, narrow, 3),
            TransposedConv2d(narrow, wide, 2, stride=2),
            nn.ReLU(inplace=True),
            *_convs(wide, wide, 3),
            nn.Conv2d(wide, 1, 1),
        )

    def encode(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """images [B, s, s] -> (code or mu [B, L], log sigma^2 [B, L] or None)."""
        out = self.encoder(images.unsqueeze(1))
        if self.variational:
            mu, logvar = out.chunk(2, dim=1)
            return mu, logvar
        return out, None

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        """z [B, L] -> logits [B, s, s]; the reconstruction is their sigmoid."""
        return self.decoder(z)[:, 0]


def cae_loss(model: PaperAutoencoder, images: torch.Tensor, generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Equation 1: ||g(f(x)) - x||^2, averaged over the batch."""
    code, _ = model.encode(images)
    reconstruction = torch.sigmoid(model.decode_logits(code))
    loss = (reconstruction - images).pow(2).flatten(1).sum(dim=1).mean()
    return loss, torch.zeros((), device=images.device)


def paper_vae_loss(
    model: PaperAutoencoder, images: torch.Tensor, generator, kl_weight: float = 1.0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Equations 2-4: z = mu + eps sigma while training (mu otherwise); BCE - 1/2 E[1 + log s^2 - mu^2 - s^2]
    with BCE and E means over the batch (BCE summed over pixels, the KL term over latent units)."""
    mu, logvar = model.encode(images)
    assert logvar is not None  # the loss of a variational model, whose encoder gives the log-variance
    z = (
        mu
        if generator is None
        else mu + torch.exp(0.5 * logvar) * torch.randn(mu.shape, generator=generator, device=mu.device)
    )
    bce = F.binary_cross_entropy_with_logits(model.decode_logits(z), images, reduction="sum") / images.shape[0]
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / images.shape[0]
    return bce + kl_weight * kl, kl


def conditional_p(distances_sq: np.ndarray, perplexity: float, tolerance: float = 1e-6, steps: int = 100) -> np.ndarray:
    """Equation 5: p_{j|i} [B, B] from squared distances [B, B], p_{i|i} = 0.

    Each sigma_i is found by binary search (all rows at once) so that the entropy of row i is
    log(perplexity), i.e. its perplexity matches the target (capped at B - 1).
    """
    n = distances_sq.shape[0]
    if n < 2:
        return np.zeros((n, n))
    off_diagonal = ~np.eye(n, dtype=bool)
    d = np.where(off_diagonal, distances_sq, np.inf)
    d = d - d.min(axis=1, keepdims=True)  # shifts cancel in the normalisation; avoids underflow
    target = math.log(min(perplexity, n - 1))
    beta = np.ones(n)  # 1 / (2 sigma_i^2)
    low, high = np.zeros(n), np.full(n, np.inf)
    for _ in range(steps):
        weights = np.exp(-d * beta[:, None])
        rows = weights / weights.sum(axis=1, keepdims=True)
        entropy = -np.sum(np.where(rows > 0, rows * np.log(np.where(rows > 0, rows, 1.0)), 0.0), axis=1)
        if np.all(np.abs(entropy - target) < tolerance):
            break
        too_flat = entropy > target  # sigma too large: raise beta
        low = np.where(too_flat, beta, low)
        high = np.where(too_flat, high, beta)
        beta = np.where(np.isinf(high), beta * 2, (low + high) / 2)
    return rows


def joint_p(images: np.ndarray, perplexity: float) -> np.ndarray:
    """p_ij = (p_{j|i} + p_{i|j}) / 2|B| over a batch of images [B, s, s] (section 3.1.3)."""
    flat = images.reshape(images.shape[0], -1).astype(np.float64)
    squared = np.sum(flat**2, axis=1)
    distances_sq = np.maximum(squared[:, None] + squared[None, :] - 2 * flat @ flat.T, 0.0)
    conditional = conditional_p(distances_sq, perplexity)
    return (conditional + conditional.T) / (2 * images.shape[0])


def student_t_q(codes: torch.Tensor) -> torch.Tensor:
    """Equation 6: q_ij proportional to (1 + |z_i - z_j|^2)^-1 over the batch, q_ii = 0."""
    distances_sq = torch.cdist(codes, codes).pow(2)
    kernel = 1.0 / (1.0 + distances_sq)
    kernel = kernel * (1.0 - torch.eye(codes.shape[0], device=codes.device, dtype=codes.dtype))
    return kernel / kernel.sum()


def tsne_kl(p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """sum_ij p_ij log(p_ij / q_ij), over pairs with p_ij > 0."""
    mask = p > 0
    return torch.sum(p[mask] * (torch.log(p[mask]) - torch.log(q[mask].clamp_min(1e-12))))


def make_tsne_loss(perplexity: float = 30.0):
    """Equation 7 as a loss: BCE (mean over the batch, summed over pixels) + KL(P || Q) over the batch."""

    def tsne_style_loss(model: PaperAutoencoder, images: torch.Tensor, generator) -> tuple[torch.Tensor, torch.Tensor]:
        code, _ = model.encode(images)
        bce = F.binary_cross_entropy_with_logits(model.decode_logits(code), images, reduction="sum") / images.shape[0]
        if images.shape[0] < 2:
            return bce, torch.zeros((), device=images.device)
        p = torch.as_tensor(joint_p(images.detach().cpu().numpy(), perplexity), dtype=code.dtype, device=code.device)
        kl = tsne_kl(p, student_t_q(code))
        return bce + kl, kl

    return tsne_style_loss


class EvaluationCNN(nn.Module):
    """The paper's classifier for a query set (section 4): the encoder design with a softmax output."""

    def __init__(self, side: int, n_classes: int, width: float = 1.0):
        super().__init__()
        self.network = paper_encoder(side, n_classes, width)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.network(images.unsqueeze(1))
