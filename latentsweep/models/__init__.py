"""Neural models (PyTorch): VAEs of thesis 3.2 / Table 4.1 and the stacked MLP classifier."""

from .device import configure_worker, ieee_floats, pick_device, set_torch_threads
from .initialisation import initialise
from .mlp import MLPShape, StackedMLP
from .rmsprop import FusedRMSprop
from .training import (
    TrainingHistory,
    encode,
    evaluate_loss,
    reconstruction_errors,
    reconstruction_loss,
    state_dict_bytes,
    train_vae,
)
from .vae import ConvVAE, DenseVAE, used_latent_dimensions, vae_loss

__all__ = [
    "ConvVAE",
    "DenseVAE",
    "FusedRMSprop",
    "MLPShape",
    "StackedMLP",
    "TrainingHistory",
    "configure_worker",
    "encode",
    "evaluate_loss",
    "ieee_floats",
    "initialise",
    "pick_device",
    "reconstruction_errors",
    "reconstruction_loss",
    "set_torch_threads",
    "state_dict_bytes",
    "train_vae",
    "used_latent_dimensions",
    "vae_loss",
]
