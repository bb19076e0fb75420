"""[tracking]: each key read as declared, relative log directories from the config's folder, and a bad value
named by its key path."""

from pathlib import Path

import pytest

from latentsweep.config import ConfigError
from latentsweep.config.tracking import TrackingConfig, read_tracking


def test_keys_and_a_relative_log_directory():
    found = read_tracking({"mlflow": "http://127.0.0.1:5000", "tensorboard": "tb", "experiment": "x"}, Path("/c"))
    assert found == TrackingConfig("http://127.0.0.1:5000", "x", "/c/tb") and found.any
    assert not read_tracking({}, Path(".")).any


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"mlflow": "http ://x"}, "tracking.mlflow = 'http ://x': expected an MLflow tracking URI"),
        ({"mlflow": 5}, "tracking.mlflow = 5: expected a string"),
        ({"wandb": "x"}, "tracking.wandb: unknown key"),
        ({"experiment": " "}, "tracking.experiment = ' ': expected a non-empty name"),
    ],
)
def test_bad_values_name_their_key(table, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_tracking(table, Path("."))
