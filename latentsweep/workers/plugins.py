"""User plugins: modules or .py files imported in the driver and in every worker before work starts.

A plugin registers its own strategies (`@UNCERTAINTY.register("mine")`); importing it in each
worker process makes them known there too.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path

from ..errors import LatentsweepError


class PluginError(LatentsweepError):
    """A plugin could not be imported."""


def load_plugins(plugins: tuple[str, ...] | list[str]) -> None:
    """Imports each plugin once per process: a module name, or a path to a .py file."""
    for plugin in plugins:
        if plugin.endswith(".py"):
            path = Path(plugin)
            name = f"latentsweep_plugin_{path.stem}"
            if name in sys.modules:
                continue
            if not path.is_file():
                raise PluginError(f"plugins: {plugin}: file not found")
            spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            try:
                spec.loader.exec_module(module)
            except Exception as error:
                del sys.modules[name]
                raise PluginError(f"plugins: {plugin}: {type(error).__name__}: {error}") from None
        else:
            try:
                importlib.import_module(plugin)
            except ImportError as error:
                raise PluginError(f"plugins: {plugin}: {error}") from None
