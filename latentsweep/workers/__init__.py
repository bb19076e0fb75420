"""Code that runs in Ray workers, written as plain functions and classes that tests can call directly."""

from ..plugins import PluginError, load_plugins
from .query_sets import sample_and_evaluate, sampler_rng
from .representation import RepresentationOutput, build_representation
from .trial_worker import TrialWorker

__all__ = [
    "PluginError",
    "RepresentationOutput",
    "TrialWorker",
    "build_representation",
    "load_plugins",
    "sample_and_evaluate",
    "sampler_rng",
]
