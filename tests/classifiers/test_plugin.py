"""A learner of one's own is one function and one registration in a plugin file: `check` runs the kit on
it, and `run` trains it in packs like the thesis' MLP."""

import textwrap

import pandas as pd

from latentsweep.classifiers import CLASSIFIERS
from latentsweep.cli import main

PLUGIN = """
from latentsweep.classifiers import CLASSIFIERS
from latentsweep.classifiers.stacked import StackModel
from latentsweep.models import MLPShape, StackedMLP
from latentsweep.models.counter_random import stream_key


@CLASSIFIERS.register(
    "test-one-hidden",
    uses=("epochs", "batch_size", "learning_rate"),
    provides=("gradient_embedding",),
    label=lambda spec: "one hidden layer of 64",
)
def one_hidden(spec, *, n_features, n_classes, seeds, iteration, device):
    keys = [stream_key(seed, "one-hidden", iteration) for seed in seeds]
    return StackModel(StackedMLP(MLPShape(n_features, (64,), n_classes, 0.0), keys, device), spec)
"""

CONFIG = """
name = "plugged"
seeds = 2
plugins = ["plug.py"]

[data]
dataset = "digits"

[[representations]]
kind = "pixels"

[classifier]
kind = "test-one-hidden"
epochs = 30
batch_size = 20
learning_rate = 0.003

[budget]
initial = 30
batch = 20
iterations = 2

[[strategies.list]]
batch = "badge"

[[strategies.list]]
uncertainty = "random"
"""


def test_a_plugin_learner_is_checked_and_run(ray_instance, tmp_path, capsys):
    (tmp_path / "plug.py").write_text(PLUGIN)
    config = tmp_path / "plugged.toml"
    config.write_text(textwrap.dedent(CONFIG))
    try:
        assert main(["check", str(config)]) == 0
        checked = capsys.readouterr().out
        assert "1 entry checked: 5 checks passed, 0 failed" in checked
        assert "classifier:test-one-hidden:classifier_independent_of_its_pack" in checked
        assert main(["run", str(config), "--results", str(tmp_path / "results")]) == 0
        assert "one hidden layer of 64" not in capsys.readouterr().err
    finally:
        CLASSIFIERS.pop("test-one-hidden", None)
    trials = pd.read_parquet(tmp_path / "results" / "plugged" / "trials")
    assert set(trials.classifier_kind) == {"test-one-hidden"} and set(trials.status) == {"ok"}
    assert trials.final_test_accuracy.min() > 0.5 and set(trials.pack_size) == {2}  # packs like the MLP
