"""User plugins: modules or .py files imported in the driver and in every worker before work starts.

A plugin registers its own strategies (`@UNCERTAINTY.register("mine")`); importing it in each worker
process makes them known there too. A plugin is code: a config that names one is a program, and it runs
with the user's rights. They are loaded only by the commands that run work (`run`, `tune`, `initial`),
as an explicit step, never as a side effect of reading a config.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import re
import sys
from pathlib import Path

from .errors import LatentsweepError

_MODULE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")


class PluginError(LatentsweepError):
    """A plugin could not be imported; the message names it."""


def _failure(plugin: str, error: BaseException) -> PluginError:
    if isinstance(error, SystemExit):
        return PluginError(f"plugins: {plugin}: exited with code {error.code!r} while being imported")
    message = str(error).splitlines()[0] if str(error) else ""
    return PluginError(f"plugins: {plugin}: {type(error).__name__}: {message}")


def _module_name(path: Path) -> str:
    """The module name of a plugin file: from its file name, and where another file of that name is loaded
    already in this process, from its full path too (else the second would silently not load)."""
    name = f"latentsweep_plugin_{re.sub(r'[^A-Za-z0-9_]', '_', path.stem)}"
    loaded = sys.modules.get(name)
    if loaded is None or Path(getattr(loaded, "__file__", "") or "").resolve() == path.resolve():
        return name
    return f"{name}_{hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:12]}"


def module_names(plugins: tuple[str, ...] | list[str]) -> set[str]:
    """The names of the modules `load_plugins` imported for `plugins` (after it ran)."""
    names = set()
    for plugin in plugins:
        if plugin.endswith(".py"):
            path = Path(plugin).resolve()
            names |= {
                n for n, m in list(sys.modules.items()) if _file(m) == path and n.startswith("latentsweep_plugin_")
            }
        else:
            names.add(plugin)
    return names


def _file(module) -> Path | None:
    file = getattr(module, "__file__", None)
    return Path(file).resolve() if file else None


def check_plugins(plugins: tuple[str, ...] | list[str]) -> None:
    """What can be known of each plugin without running it: a .py file exists and compiles, a module name
    is absolute (a.b.c) and its top-level package is installed. A PluginError names the first that fails."""
    import importlib.util

    for plugin in plugins:
        if plugin.endswith(".py"):
            path = Path(plugin)
            if not path.is_file():
                raise PluginError(f"plugins: {plugin}: file not found")
            try:
                compile(path.read_bytes(), str(path), "exec")
            except SyntaxError as error:
                raise PluginError(f"plugins: {plugin}: does not compile (line {error.lineno}: {error.msg})") from None
            except (OSError, ValueError) as error:
                raise PluginError(f"plugins: {plugin}: cannot be read ({error})") from None
        elif not _MODULE.fullmatch(plugin):
            raise PluginError(f"plugins: {plugin!r}: expected a module name (a.b.c) or a path ending in .py")
        elif importlib.util.find_spec(plugin.split(".")[0]) is None:
            raise PluginError(f"plugins: {plugin}: no module {plugin.split('.')[0]!r} is installed")


def load_plugins(plugins: tuple[str, ...] | list[str]) -> None:
    """Imports each plugin once per process: a module name, or a path to a .py file."""
    for plugin in plugins:
        if plugin.endswith(".py"):
            path = Path(plugin)
            if not path.is_file():
                raise PluginError(f"plugins: {plugin}: file not found")
            name = _module_name(path)
            if name in sys.modules:
                continue
            spec = importlib.util.spec_from_file_location(name, path)
            assert spec is not None and spec.loader is not None  # a .py path always has the source loader
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            try:
                spec.loader.exec_module(module)
            except (Exception, SystemExit) as error:  # a plugin's failure is the user's input, not our bug
                del sys.modules[name]
                raise _failure(plugin, error) from None
        else:
            if not _MODULE.fullmatch(plugin):
                raise PluginError(f"plugins: {plugin!r}: expected a module name (a.b.c) or a path ending in .py")
            try:
                importlib.import_module(plugin)
            except (Exception, SystemExit) as error:
                raise _failure(plugin, error) from None
