"""What the commands say, read as a newcomer reads it: counts in the right number, each message naming what it
is about (a config given where a folder is expected, a count where a list was expected), and the options'
defaults in their help."""

import json
import shutil
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from latentsweep.cli import main

STORED = Path(__file__).parent / "stored" / "before-params" / "results" / "stored"
ROOT = Path(__file__).parent.parent


def test_compact_says_what_it_merged_and_when_there_is_nothing_to_merge(tmp_path, capsys):
    shutil.copytree(STORED, tmp_path / "stored")
    assert main(["compact", str(tmp_path / "stored")]) == 0
    first = capsys.readouterr().out
    assert "21 files merged (queries 7, curves 7, trials 7)" in first, first
    assert main(["compact", str(tmp_path / "stored")]) == 0
    second = capsys.readouterr().out
    assert "nothing to merge (every finished trial is in a merged file already)" in second
    assert "files merged" not in second


def test_seeds_of_the_wrong_type_are_refused_with_both_forms_they_may_take(tmp_path, capsys):
    config = tmp_path / "three.toml"
    config.write_text(textwrap.dedent("""
        name = "three"
        seeds = "three"
        [data]
        dataset = "digits"
        [[representations]]
        kind = "pixels"
        [[strategies.list]]
        uncertainty = "margin"
    """))
    assert main(["plan", str(config)]) == 2
    error = capsys.readouterr().err
    assert "seeds = 'three': expected a count >= 1 (3 = seeds 0, 1, 2) or a list of integers, got a string" in error


def test_report_given_a_config_names_the_folder_it_means(capsys):
    assert main(["report", str(ROOT / "configs" / "quickstart.toml")]) == 2
    error = capsys.readouterr().err
    assert "quickstart.toml: a config file, not a sweep folder; its results are in results/quickstart" in error
    assert error.count("\n") == 1


def test_compare_of_one_folder_says_what_its_ranks_mean(tmp_path, capsys):
    assert main(["compare", str(STORED), "--out", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out
    assert "over 1 setting:" in printed and "note: one setting (stored · pixels-735ab70c" in printed
    assert "the Friedman test needs two or more" in printed


def test_compare_ranks_by_any_metric_report_and_tune_know(tmp_path, capsys):
    from latentsweep.cli import _parser

    choices = next(a for a in _parser()._subparsers._group_actions[0].choices["compare"]._actions
                   if a.dest == "metric").choices  # fmt: skip
    assert {"final_test_balanced_accuracy", "final_test_macro_f1", "val_macro_f1_auc"} <= set(choices)
    assert main(["compare", str(STORED), "--out", str(tmp_path / "o"), "--metric", "final_test_macro_f1"]) == 2
    assert "stores no macro F1" in capsys.readouterr().err  # a store from before balanced metrics


def test_the_help_shows_the_defaults(capsys):
    with pytest.raises(SystemExit):
        main(["report", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "labels to reach this share of the best (default 0.95)" in text


def test_check_counts_in_the_singular(tmp_path, capsys):
    (tmp_path / "one.py").write_text(textwrap.dedent("""
        import numpy as np
        from latentsweep.strategies import BATCH_SELECTION

        @BATCH_SELECTION.register("test-first-k")
        def first_k(candidates, k, rng, params):
            return np.arange(min(k, candidates.size), dtype=np.int64)
    """))
    config = tmp_path / "one.toml"
    config.write_text('plugins = ["one.py"]\nname = "one"\n[data]\ndataset = "digits"\n[[representations]]\n'
                      'kind = "pixels"\n[[strategies.list]]\nbatch = "test-first-k"\n')  # fmt: skip
    try:
        assert main(["check", str(config)]) == 0
    finally:
        from latentsweep.strategies import BATCH_SELECTION

        BATCH_SELECTION.pop("test-first-k", None)
    printed = capsys.readouterr().out
    assert "1 entry checked: " in printed and " failed" in printed


def test_a_results_folder_says_what_was_run(ray_instance, tmp_path):
    """sweep.json keeps the config as given (its text) and as parsed (every strategy, representation, classifier
    and budget with its defaults), and the report names it."""
    config = tmp_path / "said.toml"
    text = textwrap.dedent("""
        name = "said"
        seeds = 2
        [data]
        dataset = "digits"
        [[representations]]
        kind = "pixels"
        [classifier]
        hidden = [16]
        epochs = 2
        [budget]
        initial = 20
        batch = 10
        iterations = 2
        [strategies.grid]
        uncertainty = ["margin", "random"]
    """)
    config.write_text(text)
    assert main(["run", str(config), "--results", str(tmp_path / "r"), "--quiet"]) == 0
    info = json.loads((tmp_path / "r" / "said" / "sweep.json").read_text())
    assert info["config_text"] == text
    parsed = info["config"]
    assert [s["label"] for s in parsed["strategies"]] == ["margin/top-k", "random"]
    assert parsed["seeds"] == [0, 1] and parsed["budgets"][0]["describe"] == "20 + 2 x 10 = 40 labels"
    assert parsed["classifiers"][0]["label"] == "MLP 16, dropout 0.2" and parsed["classifiers"][0]["epochs"] == 2
    assert parsed["representations"][0]["kind"] == "pixels" and parsed["data"]["dataset"] == "digits"
    trials = pd.read_parquet(tmp_path / "r" / "said" / "trials")
    assert sorted(set(trials.strategy)) == sorted(s["label"] for s in parsed["strategies"])
    assert f"Config: `{config}`" in (tmp_path / "r" / "said" / "report" / "report.md").read_text()
