from ..engine.conftest import digits_latent  # noqa: F401 (a fixture: pytest finds it here)
