"""latentsweep: active learning in the latent space of an autoencoder, run as reproducible sweeps."""

__version__ = "0.1.0"

__all__ = ["__version__"]
