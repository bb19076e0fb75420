"""Mixed precision through the CLI on real digits with a real Ray: a sweep whose representation and
classifier train in bf16 beside float32, stored, labelled, resumed, and queried alike run after run."""

import pandas as pd

from latentsweep.cli import main

PRECISION = """
name = "mixed"
seeds = 2

[data]
dataset = "digits"

[[representations]]
kind = "dense-vae"
latent_dim = 4
epochs = 3
hidden = [32, 16]
precision = "bf16"

[[classifier]]
hidden = [32]
epochs = 3
batch_size = 20

[[classifier]]
hidden = [32]
epochs = 3
batch_size = 20
precision = "bf16"

[budget]
initial = 20
batch = 10
iterations = 3

[[strategies.list]]
uncertainty = "margin"

[[strategies.list]]
uncertainty = "random"
"""


def test_a_bf16_sweep_is_stored_labelled_and_queries_the_same_twice(ray_instance, tmp_path, capsys):
    config = tmp_path / "mixed.toml"
    config.write_text(PRECISION)
    assert main(["plan", str(config), "--results", str(tmp_path / "a")]) == 0
    planned = capsys.readouterr().out
    assert "dense-vae-d4-e3-s0-bf16-" in planned and "classifier MLP 32, dropout 0.2 [bf16], 3 epochs" in planned
    queried = []
    for results in ("a", "b"):
        assert main(["run", str(config), "--results", str(tmp_path / results)]) == 0
        printed = capsys.readouterr().out
        assert "MLP 32, dropout 0.2 [bf16]: margin/top-k" in printed and "MLP 32, dropout 0.2: margin/top-k" in printed
        trials = pd.read_parquet(tmp_path / results / "mixed" / "trials")
        assert sorted(trials.precision.unique()) == ["bf16", "fp32"] and len(trials) == 8
        assert trials.representation.str.contains("-bf16-").all() and set(trials.status) == {"ok"}
        queries = pd.read_parquet(tmp_path / results / "mixed" / "queries").merge(trials[["trial_id", "precision"]])
        queried.append(queries.sort_values(["trial_id", "iteration"]))
    # the same spec and seed query the same indices in another results folder, in bf16 too
    for first, second in zip(queried[0].itertuples(), queried[1].itertuples(), strict=True):
        assert first.trial_id == second.trial_id and list(first.indices) == list(second.indices)
    assert main(["run", str(config), "--results", str(tmp_path / "a")]) == 0
    assert "nothing to do: all 8 planned trials are already stored" in capsys.readouterr().out
