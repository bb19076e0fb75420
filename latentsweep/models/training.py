"""Training and encoding with an autoencoder: RMSprop, batch 100, NaN guard (thesis 4.2.1)."""

from __future__ import annotations

import io
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
from torch.nn import functional

from ..errors import TrainingDivergedError
from ..protocols import Precision
from .precision import for_training
from .rmsprop import FusedRMSprop
from .vae import vae_loss


@dataclass
class TrainingHistory:
    """Losses per epoch (mean per image) and seconds per epoch."""

    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)


def _batches(images: np.ndarray, order: np.ndarray, batch_size: int, device: torch.device):
    for start in range(0, len(order), batch_size):
        yield torch.from_numpy(images[order[start : start + batch_size]]).to(device)


def _channels_last(model: nn.Module) -> nn.Module:
    """Convolutional models in channels-last memory format: oneDNN's (and cuDNN's) fast path."""
    if any(isinstance(module, nn.Conv2d | nn.ConvTranspose2d) for module in model.modules()):
        model.to(memory_format=torch.channels_last)  # type: ignore[call-overload]  # torch's stub lacks memory_format
    return model


def epoch_steps(
    model: nn.Module,
    train_images: np.ndarray,
    device: torch.device,
    loss=vae_loss,
    learning_rate: float = 1e-3,
    batch_size: int = 100,
    seed: int = 0,
    precision: str = Precision.FP32,
) -> Iterator[torch.Tensor]:
    """Training steps with RMSprop (Keras defaults rho 0.9, eps 1e-7), epoch after epoch: yields each
    batch's loss as a tensor on the device (no host synchronisation), the data held as one tensor there.
    Same seed, same weights, on a GPU too (deterministic cuDNN kernels). In `bf16` the model's forward
    passes run in mixed precision (`precision.MixedPrecision`); losses and weights stay float32."""
    _channels_last(model.to(device))
    if device.type == "cuda":  # cuDNN's fastest convolution kernels accumulate in a varying order
        torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = True, False
    parameters = list(model.parameters())
    optimiser = FusedRMSprop(parameters, learning_rate)
    order_rng = np.random.default_rng([seed, 1])
    noise = torch.Generator(device=device)
    noise.manual_seed(seed)
    data = torch.from_numpy(np.ascontiguousarray(train_images)).to(device)
    trained = for_training(model, precision)
    while True:
        model.train()
        order = torch.from_numpy(order_rng.permutation(data.shape[0])).to(device)
        for start in range(0, data.shape[0], batch_size):
            value, _ = loss(trained, data[order[start : start + batch_size]], noise)
            model.zero_grad(set_to_none=True)
            value.backward()
            optimiser.step([p.grad for p in parameters])
            yield value.detach()


def train_vae(
    model: nn.Module,
    train_images: np.ndarray,
    val_images: np.ndarray,
    epochs: int,
    seed: int,
    device: torch.device,
    batch_size: int = 100,
    learning_rate: float = 1e-3,
    loss=vae_loss,
    precision: str = Precision.FP32,
) -> TrainingHistory:
    """Trains `model` in place on images [N, s, s] (`epoch_steps`, in `precision`); losses are checked once
    per epoch, and the validation loss is computed in float32.

    Raises TrainingDivergedError naming the first batch whose loss was NaN or infinite.
    """
    history = TrainingHistory()
    steps = epoch_steps(model, train_images, device, loss, learning_rate, batch_size, seed, precision)
    n = train_images.shape[0]
    sizes = torch.tensor([min(batch_size, n - start) for start in range(0, n, batch_size)], dtype=torch.float32)
    for epoch in range(epochs):
        started = time.perf_counter()
        losses = torch.stack([next(steps) for _ in range(len(sizes))]).float().cpu()
        finite = torch.isfinite(losses)
        if not bool(finite.all()):
            step = int((~finite).nonzero()[0])
            raise TrainingDivergedError(
                f"autoencoder loss became {losses[step].item()} at epoch {epoch + 1}, batch {step + 1}; "
                "lower the learning rate or check that pixel values lie in [0, 1]"
            )
        history.train_loss.append(float((losses * sizes).sum() / max(n, 1)))
        history.val_loss.append(evaluate_loss(model, val_images, device, loss) if len(val_images) else math.nan)
        history.seconds.append(time.perf_counter() - started)
    return history


@torch.no_grad()
def evaluate_loss(model: nn.Module, images: np.ndarray, device: torch.device, loss=vae_loss) -> float:
    """Mean loss per image with z = mu (no sampling)."""
    model.eval()
    total = 0.0
    for batch in _batches(images, np.arange(images.shape[0]), 1000, device):
        value, _ = loss(model, batch, None)
        total += value.item() * batch.shape[0]
    return total / max(images.shape[0], 1)


@torch.no_grad()
def encode(model: nn.Module, images: np.ndarray, device: torch.device) -> tuple[np.ndarray, np.ndarray | None]:
    """images [N, s, s] -> mu [N, d] and logvar [N, d] float32 (None for autoencoders without a posterior)."""
    model.eval()
    mus, logvars = [], []
    for batch in _batches(images, np.arange(images.shape[0]), 1000, device):
        mu, logvar = model.encode(batch)  # type: ignore[operator]  # torch types Module attributes Tensor | Module
        mus.append(mu.float().cpu().numpy())
        if logvar is not None:
            logvars.append(logvar.float().cpu().numpy())
    d: int = model.latent_dim  # type: ignore[assignment]  # torch types Module attributes Tensor | Module
    if not mus:
        return np.zeros((0, d), np.float32), np.zeros((0, d), np.float32)
    return np.concatenate(mus), (np.concatenate(logvars) if logvars else None)


@torch.no_grad()
def reconstruction_errors(model: nn.Module, images: np.ndarray, device: torch.device) -> np.ndarray:
    """Mean absolute error |x - g(f(x))| per image [N] float32, decoding z = mu (for `ae-error`)."""
    model.eval()
    errors = []
    for batch in _batches(images, np.arange(images.shape[0]), 1000, device):
        code, _ = model.encode(batch)  # type: ignore[operator]  # torch types Module attributes Tensor | Module
        reconstruction = torch.sigmoid(model.decode_logits(code))  # type: ignore[operator]  # torch types Module attributes Tensor | Module
        errors.append((reconstruction - batch).abs().flatten(1).mean(dim=1).float().cpu().numpy())
    return np.concatenate(errors) if errors else np.zeros(0, np.float32)


@torch.no_grad()
def reconstruction_loss(
    model: nn.Module, images: np.ndarray, device: torch.device, *, codes: np.ndarray | None = None
) -> tuple[float, float, float]:
    """Binary cross-entropy summed over pixels, mean per image, of (the model's reconstructions decoding z =
    mu, the pool's mean image [s, s], the images themselves): a decoder that ignores z can do no better than
    the mean image, a perfect one reaches the third (the grey pixels' own entropy, 0 on binary images).
    `codes` [N, d]: the images' mu when the caller has encoded them already (not encoded twice)."""
    model.eval()
    bce = functional.binary_cross_entropy_with_logits
    mean = torch.from_numpy(images.mean(axis=0, dtype=np.float64).astype(np.float32)).to(device)
    mean_logits = torch.logit(mean.clamp(1e-6, 1 - 1e-6))
    own = baseline = floor = 0.0
    for index, batch in enumerate(_batches(images, np.arange(images.shape[0]), 1000, device)):
        if codes is None:
            code, _ = model.encode(batch)  # type: ignore[operator]  # torch types Module attributes Tensor | Module
        else:
            code = torch.from_numpy(np.ascontiguousarray(codes[index * 1000 : (index + 1) * 1000])).to(
                device, batch.dtype
            )
        own += bce(model.decode_logits(code).float(), batch, reduction="sum").item()  # type: ignore[operator]  # torch types Module attributes Tensor | Module
        baseline += bce(mean_logits.expand_as(batch), batch, reduction="sum").item()
        floor += bce(torch.logit(batch.float().clamp(1e-6, 1 - 1e-6)), batch, reduction="sum").item()
    n = max(images.shape[0], 1)
    return own / n, baseline / n, floor / n


def state_dict_bytes(model) -> bytes:
    """A model's state_dict as the bytes of torch.save (for shipping from a worker to the driver)."""
    buffer = io.BytesIO()
    torch.save({k: v.cpu() for k, v in model.state_dict().items()}, buffer)
    return buffer.getvalue()
