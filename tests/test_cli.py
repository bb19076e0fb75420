import re

import pandas as pd
import pytest

from latentsweep.cli import main


def test_run_through_the_cli(ray_instance, write_config, tmp_path, capsys):
    config = write_config(seeds=2)
    results = tmp_path / "results"
    assert main(["run", str(config), "--results", str(results), "--plain"]) == 0
    output = capsys.readouterr().out
    assert "trials 4/4" in output or "4 trials run" in output
    trials = pd.read_parquet(results / "small" / "trials")
    curves = pd.read_parquet(results / "small" / "curves")
    assert len(trials) == 4 and trials["trial_id"].is_unique and len(curves) == 4 * 4
    assert trials["final_test_accuracy"].between(0, 1).all()
    assert main(["run", str(config), "--results", str(results), "--quiet"]) == 0
    assert "nothing to do: all 4 planned trials are already stored" in capsys.readouterr().out
    assert main(["plan", str(config), "--results", str(results)]) == 0
    assert "stored: 4 finished (skipped)" in capsys.readouterr().out


def test_the_folder_opens_in_duckdb_and_polars(ray_instance, write_config, tmp_path):
    import duckdb
    import polars

    results = tmp_path / "results"
    assert main(["run", str(write_config(seeds=1)), "--results", str(results), "--quiet"]) == 0
    pattern = str(results / "small" / "curves" / "*.parquet")
    assert duckdb.connect().execute(f"select count(*) from read_parquet('{pattern}')").fetchone()[0] == 2 * 4
    assert polars.read_parquet(pattern)["n_labeled"].max() == 50


@pytest.mark.parametrize(
    ("prefix", "suffix", "message"),
    [
        ("unknown_key = 1\n", "", "unknown_key: unknown key"),
        ("", "\n[ray]\npack_size = 'big'\n", "ray.pack_size = 'big': expected 'auto' or an integer"),
        (
            "",
            '\n[[strategies.list]]\nuncertainty = "margin"\nbatch = "greedy"\nalpha = 0.8\nbeta = 0.4\n'
            'representativeness = "kl-to-prior"\n',
            r"strategies.list\[2\].alpha \+ beta = 1.2",
        ),
    ],
)
def test_bad_configs_exit_2_with_the_key_path(write_config, tmp_path, capsys, prefix, suffix, message):
    path = write_config()
    path.write_text(prefix + path.read_text() + suffix)
    assert main(["run", str(path), "--results", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert re.search(message, error) and error.count("\n") == 1 and "Traceback" not in error
    assert not (tmp_path / "small").exists()  # nothing started, nothing written


def test_missing_data_path_and_wrong_type(write_config, tmp_path, capsys):
    path = write_config()
    path.write_text(path.read_text().replace('dataset = "digits"', 'dataset = "mnist"\npath = "/no/such/mnist"'))
    assert main(["plan", str(path)]) == 2
    assert "data.path = '/no/such/mnist': no such file or folder" in capsys.readouterr().err
    path.write_text(write_config().read_text().replace("seeds = 2", 'seeds = "two"'))
    assert main(["run", str(path)]) == 2
    assert "seeds = 'two': expected a list" in capsys.readouterr().err


def test_bad_options_exit_2(tmp_path, capsys):
    assert main(["run"]) == 2
    assert main(["run", "x.toml", "--workers", "0"]) == 2
    assert main(["run", str(tmp_path / "none.toml")]) == 2
    assert "config file not found" in capsys.readouterr().err
