"""The [tracking] table of sweep and tune configs: where the driver logs trials as they are stored (MLflow,
TensorBoard), each key declared once (`sections.setting`). A tracker whose extra is not installed is refused
here, in one line naming the pip command, before any work."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import readers as read
from .readers import ConfigError
from .sections import read_section, setting


def tracking_uri(path: str, value: Any) -> str:
    """an MLflow tracking URI: http(s)://HOST:PORT, sqlite:///FILE or databricks"""
    text = read.string(path, value)
    if not text.strip() or any(c.isspace() for c in text):
        raise read.fail(path, value, "an MLflow tracking URI such as http://127.0.0.1:5000 or sqlite:///mlflow.db")
    return text


def name(path: str, value: Any) -> str:
    """a name"""
    text = read.string(path, value)
    if not text.strip():
        raise read.fail(path, value, "a non-empty name")
    return text


def folder(path: str, value: Any) -> str:
    """a folder (relative to the config file)"""
    text = read.string(path, value)
    if not text.strip():
        raise read.fail(path, value, "a folder")
    return text


@dataclass(frozen=True)
class TrackingConfig:
    """Where a run logs its trials as they are stored (nothing: neither)."""

    mlflow: str | None = setting(None, "an MLflow tracking URI: each stored trial becomes a child run of the "
                                 "sweep's parent run", reader=tracking_uri)  # fmt: skip
    experiment: str | None = setting(None, "the MLflow experiment (default: latentsweep)", reader=name)
    tensorboard: str | None = setting(None, "a TensorBoard log directory (HParams layout), relative to the config",
                                      reader=folder)  # fmt: skip

    @property
    def any(self) -> bool:
        return self.mlflow is not None or self.tensorboard is not None


EXTRAS = {"mlflow": ("mlflow", "MLflow"), "tensorboard": ("tensorboard", "TensorBoard")}


def read_tracking(value: Any, base: Path) -> TrackingConfig:
    """The [tracking] table; a tracker named without its extra installed is a ConfigError naming the pip command."""
    found = read_section("tracking", value, TrackingConfig)
    for key, (module, label) in EXTRAS.items():
        if getattr(found, key) is not None and importlib.util.find_spec(module) is None:
            raise ConfigError(f'tracking.{key}: {label} is not installed: pip install -e ".[{key}]"')
    if found.tensorboard is not None and not Path(found.tensorboard).is_absolute():
        found = TrackingConfig(found.mlflow, found.experiment, str(base / found.tensorboard))
    return found
