"""What issue 32 added, through the CLI: BADGE's activations held in float16 as a sweep's strategy, and its
parameter refused with one line when misspelt."""

import pandas as pd

from latentsweep.cli import main

BADGE = """
[[strategies.list]]
batch = "badge"

[[strategies.list]]
batch = "badge"
activations = "float16"
"""


def test_a_sweep_runs_badge_with_its_activations_in_float16_as_its_own_strategy(
    ray_instance, write_config, tmp_path, capsys
):
    """Both BADGEs run (digits' 1,400 candidates: "auto" keeps float32, "float16" holds them in half); each is
    its own strategy in the stored tables and the printed table, and each queries distinct pool rows."""
    config = write_config(seeds=1, strategies=BADGE)
    results = tmp_path / "results"
    assert main(["run", str(config), "--results", str(results)]) == 0
    printed = capsys.readouterr().out
    trials = pd.read_parquet(results / "small" / "trials")
    assert sorted(trials["strategy"]) == ["badge", "badge[float16]"] and set(trials["status"]) == {"ok"}
    assert "badge[float16]" in printed and "\n  badge " in printed
    queries = pd.read_parquet(results / "small" / "queries").merge(trials[["trial_id", "strategy"]], on="trial_id")
    for strategy, rows in queries.groupby("strategy"):
        picked = [int(i) for indices in rows.sort_values("iteration")["indices"] for i in indices]
        assert len(picked) == len(set(picked)) == 20 + 3 * 10, strategy  # 20 initial, three batches of 10, no row twice


def test_a_misspelt_activations_value_is_one_line_naming_the_key(write_config, tmp_path, capsys):
    config = write_config(strategies='\n[[strategies.list]]\nbatch = "badge"\nactivations = "float8"\n')
    assert main(["run", str(config), "--results", str(tmp_path / "results")]) == 2
    error = capsys.readouterr().err
    expected = "strategies.list[0].activations = 'float8': expected one of auto, float32, float16"
    assert error == f"latentsweep: error: {expected}\n"
    assert not (tmp_path / "results").exists()
