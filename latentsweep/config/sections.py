"""Config keys declared once: a section of a config file is a frozen dataclass whose fields carry a `Setting`
(type, default, range or choices, whether 'auto' or nothing is allowed, and what the key means), and one
generic reader (`read_section`) checks a TOML table against it. Config parsing, its error messages, the parsed
snapshot in sweep.json and the documentation's reference all read the same declarations.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from ..registry import Param
from . import readers as read
from .readers import ConfigError

AUTO = "auto"


@dataclasses.dataclass(frozen=True)
class Setting:
    """One config key. `param`: its type (the default's, or `kind` where the default is None or 'auto'), range
    and choices; `doc`: what it means; `auto`: 'auto' is a value too; `optional`: it may be left unset (None);
    `reader`: a reader of its own for values a Param cannot describe (an address, a path, a name)."""

    param: Param
    doc: str
    auto: bool = False
    optional: bool = False
    reader: Callable[[str, Any], Any] | None = None

    def read(self, path: str, value: Any) -> Any:
        if self.auto and value == AUTO:
            return AUTO
        try:
            if self.reader is not None:
                return self.reader(path, value)
            found = read.param(path, value, self.param)
            return float(found) if self.param.kind is float else found
        except ConfigError:
            if not self.auto:
                raise
            raise read.fail(path, value, f"'auto' or {self.param.expected()}") from None

    def describe(self) -> str:
        """What the key accepts, in words (for the reference)."""
        accepted = self.param.expected() if self.reader is None else (self.reader.__doc__ or "").split("\n")[0]
        return ("'auto' or " if self.auto else "") + accepted


def setting(
    default: Any,
    doc: str,
    *,
    kind: type | None = None,
    low: float | None = None,
    high: float | None = None,
    open_low: bool = False,
    open_high: bool = False,
    choices: Any = None,
    auto: bool = False,
    reader: Callable[[str, Any], Any] | None = None,
) -> Any:
    """A dataclass field declaring one config key: its default and `Setting` (see there). `kind`: the type of a
    key whose default is None or 'auto' (the default's type otherwise)."""
    example = default
    if default is None or (auto and default == AUTO):
        example = {int: low if low is not None else 0, float: float(low if low is not None else 0.0),
                   str: choices[0] if choices else "", bool: False}[kind or str]  # fmt: skip
    param = Param(example, low, high, open_low=open_low, open_high=open_high, choices=choices, doc=doc)
    declared = Setting(param, doc, auto=auto, optional=default is None, reader=reader)
    return dataclasses.field(default=default, metadata={"setting": declared})


def required(doc: str, reader: Callable[[str, Any], Any]) -> Any:
    """A dataclass field declaring a config key that must be given (no default), read by `reader`."""
    return dataclasses.field(metadata={"setting": Setting(Param(""), doc, reader=reader), "required": True})


def settings_of(cls) -> dict[str, Setting]:
    """The declared keys of a section class, in order."""
    return {f.name: f.metadata["setting"] for f in dataclasses.fields(cls) if "setting" in f.metadata}


def read_section(path: str, value: Any, cls, /, *, allowed: set[str] | None = None, **fixed: Any):
    """A TOML table as the section `cls`: every key declared there (or among `allowed`), each read by its
    Setting; `fixed` fills fields the table does not hold (read elsewhere; `path` among them: [data]'s)."""
    table = read.table(path, value)
    declared = settings_of(cls)
    read.check_keys(path, table, allowed if allowed is not None else set(declared))
    for f in dataclasses.fields(cls):
        if f.metadata.get("required") and f.name not in table and f.name not in fixed:
            raise ConfigError(f"{path}.{f.name}: missing; {f.metadata['setting'].doc}")
    values = {key: declared[key].read(f"{path}.{key}", item) for key, item in table.items() if key in declared}
    return cls(**{**values, **fixed})


def reference(cls, prefix: str) -> list[tuple[str, str, str, str]]:
    """(key, default, what it accepts, meaning) of every declared key of a section, for the documentation."""
    rows = []
    for f in dataclasses.fields(cls):
        declared = f.metadata.get("setting")
        if declared is None:
            continue
        if f.metadata.get("required"):
            default = "required"
        else:
            default = "unset" if f.default is None else repr(f.default)
        rows.append((f"{prefix}{f.name}", default, declared.describe(), declared.doc))
    return rows
