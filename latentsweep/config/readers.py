"""The readers every config kind shares: TOML in, typed values out, every error naming its key path.

`read_document` turns a file into a dict (refusing what is not UTF-8 TOML with one line); the small
readers check one value each and raise `ConfigError("<key path> = <value>: expected ...")`.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

from ..errors import LatentsweepError, SpecError
from ..registry import Param


class ConfigError(LatentsweepError, ValueError):
    """A config file is unreadable or a key has a bad value; the message starts with the key path."""


def type_name(value: Any) -> str:
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "a list"}.get(
        type(value), "a table" if isinstance(value, dict) else type(value).__name__
    )


def fail(path: str, value: Any, expected: str) -> ConfigError:
    shown = "a table" if isinstance(value, dict) else repr(value)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    return ConfigError(f"{path} = {shown}: expected {expected}")


def integer(path: str, value: Any, low: int | None = None, high: int | None = None) -> int:
    """An integer, optionally within [low, high]."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise fail(path, value, f"an integer, got {type_name(value)}")
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = f">= {low}" if high is None else (f"in {low}..{high}" if low is not None else f"<= {high}")
        raise fail(path, value, f"an integer {bounds}")
    return value


def number(path: str, value: Any, low: float | None = None, high: float | None = None) -> float:
    """A finite number (integers allowed), optionally within [low, high]."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise fail(path, value, f"a number, got {type_name(value)}")
    if not math.isfinite(value):
        raise fail(path, value, "a finite number")
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = f">= {low:g}" if high is None else (f"in [{low:g}, {high:g}]" if low is not None else f"<= {high:g}")
        raise fail(path, value, f"a number {bounds}")
    return float(value)


def string(path: str, value: Any) -> str:
    if not isinstance(value, str):
        raise fail(path, value, f"a string, got {type_name(value)}")
    return value


def choice(path: str, value: Any, choices: tuple[str, ...] | list[str]) -> str:
    text = string(path, value)
    if text not in choices:
        raise fail(path, value, f"one of {', '.join(choices)}")
    return text


def table(path: str, value: Any) -> dict:
    if not isinstance(value, dict):
        raise fail(path, value, f"a table, got {type_name(value)}")
    return value


def array(path: str, value: Any) -> list:
    if not isinstance(value, list):
        raise fail(path, value, f"a list, got {type_name(value)}")
    return value


def integers(path: str, value: Any, low: int | None = None, high: int | None = None) -> tuple[int, ...]:
    return tuple(integer(f"{path}[{i}]", x, low, high) for i, x in enumerate(array(path, value)))


def strings(path: str, value: Any) -> tuple[str, ...]:
    return tuple(string(f"{path}[{i}]", x) for i, x in enumerate(array(path, value)))


def check_keys(path: str, mapping: Mapping, allowed: set[str] | frozenset[str]) -> None:
    for key in mapping:
        if key not in allowed:
            where = f"{path}.{key}" if path else key
            raise ConfigError(f"{where}: unknown key; allowed here: {', '.join(sorted(allowed))}")


def require(path: str, mapping: Mapping, keys: tuple[str, ...]) -> None:
    for key in keys:
        if key not in mapping:
            where = f"{path}.{key}" if path else key
            raise ConfigError(f"{where}: missing (required keys here: {', '.join(keys)})")


_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")


def name(path: str, value: Any) -> str:
    """A results-folder name: letters, digits, '_', '.', '-', not starting with '.' and never '..' (so it
    cannot point outside the results folder)."""
    text = string(path, value)
    if not _NAME.fullmatch(text) or ".." in text:
        raise fail(path, value, "1-100 letters, digits, '_', '.' and '-', starting with a letter or digit "
                   "(it names a folder inside the results folder)")  # fmt: skip
    return text


SEED_LIMIT = (1 << 63) - 1


def seeds(path: str, value: Any) -> tuple[int, ...]:
    """A count (3 = 0, 1, 2) or a list of distinct integers in 0..2^63-1."""
    if isinstance(value, int) and not isinstance(value, bool):
        return tuple(range(integer(path, value, 1, 100_000)))
    if not isinstance(value, list):
        raise fail(path, value, f"a count >= 1 (3 = seeds 0, 1, 2) or a list of integers, got {type_name(value)}")
    found = integers(path, value, 0, SEED_LIMIT)
    if not found:
        raise fail(path, value, "a count >= 1 or a non-empty list of integers")
    if len(set(found)) != len(found):
        raise fail(path, value, "distinct seeds")
    return found


def build(path: str, make: Callable[..., Any], **fields) -> Any:
    """Calls a spec constructor, re-raising its validation error under the config path: `path.field`
    when the error names the field it is about (`SpecError.field`), else `path: message`."""
    try:
        return make(**fields)
    except SpecError as error:
        if error.field is not None:
            raise ConfigError(f"{path}.{error}") from None
        raise ConfigError(f"{path}: {error}") from None


def param(path: str, value: Any, declared: Param) -> Any:
    """A value of a declared parameter: its type first (the messages above), then its range or choices."""
    if declared.kind is bool:
        if not isinstance(value, bool):
            raise fail(path, value, "true or false")
    elif declared.kind is str:
        string(path, value)
    elif declared.kind is int:
        integer(path, value)
    else:
        value = number(path, value)
    problem = declared.problem(value)
    if problem is not None:
        raise ConfigError(f"{path} = {value!r}: {problem}")
    return value


def read_document(path: str | Path) -> dict:
    """A TOML file as a dict; anything else (missing, a folder, not UTF-8, not TOML) is one ConfigError."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder, expected a TOML config file") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot be read ({error.strerror})") from None
    if raw[:2] == b"\x1f\x8b":
        raise ConfigError(f"{path}: is gzip-compressed; expected a plain-text TOML file")
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise ConfigError(f"{path}: is UTF-16 text; save it as UTF-8")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise ConfigError(
            f"{path}: not UTF-8 text (byte 0x{raw[error.start]:02x} on line {line}); save it as UTF-8"
        ) from None
    try:
        return tomllib.loads(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML ({error})") from None


KIND_MARKERS = {"tune": "tune", "initial": "autoencoders"}  # a table only that kind of config has
COMMANDS = {"sweep": "latentsweep run", "tune": "latentsweep tune", "initial": "latentsweep initial"}


def config_kind(document: dict) -> str:
    """'sweep', 'tune' or 'initial': which command a parsed config document is for."""
    for kind, marker in KIND_MARKERS.items():
        if marker in document:
            return kind
    return "sweep"


def expect_kind(path: Path, document: dict, kind: str) -> None:
    """Refuses a config of another kind with the command it is for."""
    found = config_kind(document)
    if found != kind:
        raise ConfigError(f"{path}: a {found} config; run it with `{COMMANDS[found]}`")


def existing_path(path: str, value: Any, base: Path) -> Path:
    """A path that exists, relative paths taken from `base` (the config file's folder)."""
    text = string(path, value)
    if not text or "\x00" in text:
        raise fail(path, value, "a file or folder path")
    resolved = Path(text).expanduser()
    resolved = resolved if resolved.is_absolute() else base / resolved
    try:
        exists = resolved.exists()
    except OSError as error:
        raise ConfigError(f"{path} = {value!r}: cannot be read ({error.strerror})") from None
    if not exists:
        raise ConfigError(f"{path} = {value!r}: no such file or folder ({resolved})")
    return resolved
