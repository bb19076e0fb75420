"""Numeric precision of training: `fp32` (the thesis' Keras, the default) or `bf16` mixed precision.

In bf16 the matrix products and convolutions take bfloat16 operands (oneDNN and cuDNN accumulate them in
float32) while master weights, optimiser state, losses, softmaxes and every score a strategy reads stay
float32. A CPU with `avx512_bf16` or `amx_bf16` multiplies bf16 matrices several times faster than float32
(README, "Mixed precision"); a GPU needs bf16 support (compute capability 8.0 or newer).
"""

from __future__ import annotations

import functools
from pathlib import Path

import torch
from torch import nn

from ..protocols import Precision

PRECISIONS = Precision.values()
_DTYPES: dict[str, torch.dtype] = {Precision.FP32: torch.float32, Precision.BF16: torch.bfloat16}


def compute_dtype(precision: str) -> torch.dtype:
    """The dtype products run in for a precision name (a ValueError names an unknown one)."""
    if precision not in _DTYPES:
        raise ValueError(f"precision = {precision!r}: expected one of {', '.join(PRECISIONS)}")
    return _DTYPES[precision]


class MixedPrecision(nn.Module):
    """An autoencoder whose `encode` and `decode_logits` run their convolutions and products in bf16 and
    hand float32 back, so that every loss (cross-entropy, KL, squared error, t-SNE's KL) and its gradient
    start in float32; the parameters stay the model's float32 masters."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def encode(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        with torch.autocast(images.device.type, dtype=torch.bfloat16):
            code, logvar = self.model.encode(images)  # type: ignore[operator]  # torch types Module attributes Tensor | Module
        return code.float(), None if logvar is None else logvar.float()

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        with torch.autocast(z.device.type, dtype=torch.bfloat16):
            logits = self.model.decode_logits(z)  # type: ignore[operator]  # torch types Module attributes Tensor | Module
        return logits.float()


def for_training(model: nn.Module, precision: str) -> nn.Module:
    """The model as the loss should see it in this precision (itself in fp32)."""
    return model if compute_dtype(precision) == torch.float32 else MixedPrecision(model)


def fast_bf16() -> str | None:
    """What multiplies bf16 fast on this machine: a CUDA GPU with bf16 ('cuda'), or the CPU feature, or None."""
    if torch.cuda.is_available() and torch.cuda.is_bf16_supported():
        return f"cuda: {torch.cuda.get_device_name()}"
    return cpu_bf16_products()


@functools.cache
def cpu_bf16_products() -> str | None:
    """The CPU feature that makes bf16 products fast here ('amx_bf16', 'avx512_bf16'), or None."""
    try:
        flags = Path("/proc/cpuinfo").read_text(errors="replace")
    except OSError:
        return None
    for feature in ("amx_bf16", "avx512_bf16"):
        if f" {feature}" in flags:
            return feature
    return None


def device_problem(precision: str, device: torch.device) -> str | None:
    """Why the device cannot run this precision (bf16 on a GPU without it), None when it can."""
    if precision != Precision.BF16 or device.type != "cuda":
        return None
    if not torch.cuda.is_bf16_supported():
        return f"{torch.cuda.get_device_name(device)} has no bf16 support (compute capability 8.0 or newer)"
    return None
