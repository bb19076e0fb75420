"""`latentsweep check CONFIG`: the conformance kit (`latentsweep.testing`) run on the entries a config's
plugins register, after the config itself is read (so a bad declaration or key fails first, exit 2)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .config.readers import config_kind, read_document
from .config.sweep import read_plugins
from .errors import plural
from .plugins import load_plugins, module_names


@dataclass
class CheckOutcome:
    """What `check` found: one line per check, and how many failed."""

    lines: list[str] = field(default_factory=list)
    failed: int = 0
    passed: int = 0

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0


def plugin_entries(plugins: tuple[str, ...]) -> list[tuple[str, str]]:
    """(registry key, entry name) of every checked entry whose function a plugin module defines."""
    from .testing import CHECKED_REGISTRIES

    modules = module_names(plugins)
    return [
        (key, name)
        for key, (registry, _) in CHECKED_REGISTRIES.items()
        for name in sorted(registry)
        if getattr(registry[name], "__module__", None) in modules
    ]


def check_config(path: Path, *, every_entry: bool = False) -> CheckOutcome:
    """Loads the config with its plugins, then runs the kit on their entries (every entry: `every_entry`)."""
    from .config import load_initial_config, load_tune_config
    from .config.sweep import load_config
    from .testing import conformance_cases, run_cases

    document = read_document(path)
    loader = {"tune": load_tune_config, "initial": load_initial_config}.get(config_kind(document), load_config)
    loader(path, load_plugins)
    plugins = read_plugins(document, Path(path).parent)
    entries = None if every_entry else plugin_entries(plugins)
    outcome = CheckOutcome()
    if entries == []:
        shown = ", ".join(plugins) if plugins else "no plugins"
        outcome.lines.append(f"{path}: {shown}: no registered entries to check (--all checks every registered entry)")
        return outcome
    for case, failure in run_cases(conformance_cases(entries)):
        if failure is None:
            outcome.passed += 1
            outcome.lines.append(f"  ok    {case}")
        else:
            outcome.failed += 1
            outcome.lines.append(f"  FAIL  {case}: {failure}")
    checked = len({(c.registry, c.entry) for c in conformance_cases(entries)})
    outcome.lines.append(
        f"{plural(checked, 'entry', 'entries')} checked: {plural(outcome.passed, 'check')} passed, "
        f"{outcome.failed} failed"
    )
    return outcome
