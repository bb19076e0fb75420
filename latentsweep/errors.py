"""Errors the tool reports to its user as one clear line (no traceback)."""

from __future__ import annotations


class LatentsweepError(Exception):
    """Base class of every error caused by bad input rather than by a bug."""


class DataError(LatentsweepError, ValueError):
    """A data file is missing, malformed or inconsistent; the message names the file."""


class SpecError(LatentsweepError, ValueError):
    """A trial, strategy or model setting is invalid; the message names the field and the value.

    `field` is the name of the offending field or parameter (None when the error is about the whole
    spec): the config layer puts its key path in front of it, without reading the message.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class TrainingDivergedError(LatentsweepError, RuntimeError):
    """A training loss became NaN or infinite."""


def listing(items, limit: int) -> str:
    """The first `limit` items, comma-separated, and ' ...' when there are more: choices inside one line."""
    items = [str(item) for item in items]
    return ", ".join(items[:limit]) + (" ..." if len(items) > limit else "")


def plural(count: int, noun: str, many: str | None = None) -> str:
    """'1 file', '3 files', '1 entry', '2 entries' (`many`: the plural where it is not noun + 's')."""
    return f"{count} {noun if count == 1 else (many or noun + 's')}"


def one_line(error: BaseException) -> str:
    """The one error formatter: 'latentsweep: error: <message>' on a single line."""
    message = " ".join(str(error).split()) or type(error).__name__
    return f"latentsweep: error: {message}"
