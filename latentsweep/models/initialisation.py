"""Weight initialisation: Keras' defaults (the thesis' and the second paper's framework) or PyTorch's.

Keras initialises every Dense, Conv2D and Conv2DTranspose kernel with `glorot_uniform`,
U(-sqrt(6 / (fan_in + fan_out)), +sqrt(...)) with fans counted over the receptive field, and every bias
with zeros. PyTorch's layers draw kernels and biases from U(-1/sqrt(fan_in), 1/sqrt(fan_in)). On the
thesis' conv VAE the difference decides whether it learns at all (README, "Representations").
"""

from __future__ import annotations

from torch import nn

from ..protocols import Init

_LAYERS = (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)
INITIALISATIONS = Init.values()


def check_initialisation(init: str) -> str:
    """`init` if it names an initialisation, else a ValueError naming it."""
    if init not in INITIALISATIONS:
        raise ValueError(f"init = {init!r}: expected one of {', '.join(INITIALISATIONS)}")
    return init


def initialise(model: nn.Module, init: str) -> nn.Module:
    """Re-initialises every dense and (transposed) convolution layer of `model` in place: `keras`
    (glorot-uniform kernels, zero biases) or `torch` (the layers' own initialisation, left as it is).
    Draws from torch's global generator, so the caller seeds it."""
    if check_initialisation(init) == Init.TORCH:
        return model
    for module in model.modules():
        if isinstance(module, _LAYERS):
            nn.init.xavier_uniform_(module.weight)  # fans over the receptive field, as Keras counts them
            if module.bias is not None:
                nn.init.zeros_(module.bias)
    return model
