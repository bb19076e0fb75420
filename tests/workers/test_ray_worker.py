"""The actor's module: what a worker process imports when it starts (every actor of every command pays it)."""

from ..conftest import loaded_by


def test_a_worker_starts_without_the_drivers_libraries():
    """A worker imports torch and Ray, never what only the driver uses (tables, figures, studies) or what only
    some entries use (scipy's clustering and optimiser, scikit-learn): 0.7 s of CPU less per actor started."""
    driver_only = ("pandas", "pyarrow", "scipy", "sklearn", "matplotlib", "optuna", "statsmodels")
    assert loaded_by("latentsweep.workers.ray_worker", ("torch", "ray", *driver_only)) == ["torch", "ray"]
