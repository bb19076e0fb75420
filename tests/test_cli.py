import json
import re

import pandas as pd
import pytest

from latentsweep.cli import main

from .conftest import loaded_by


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


def test_a_collapsed_vae_is_named_under_the_answer(ray_instance, write_config, tmp_path, capsys):
    """A conv VAE of 2 epochs on 8x8 digits learns next to nothing (its decoder barely beats the mean image;
    with PyTorch's init it uses no latent dimension: tests/orchestrator/test_tuner.py). The run still ends, and
    its warnings say which representation collapsed, how, and what works; a healthy one has no such line."""
    config = write_config(name="collapse")
    text = config.read_text().replace('kind = "dense-vae"', 'kind = "conv-vae"')
    config.write_text(text.replace("hidden = [32, 16]\n", ""))
    results = tmp_path / "results"
    assert main(["run", str(config), "--results", str(results), "--quiet"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    ignored = r"its reconstructions are (barely|no) better than the pool's mean image \(cross-entropy [\d.]+ per image"
    warned = [line for line in lines if line.startswith("warning: representation")]
    assert len(warned) == 1 and lines.index(warned[0]) >= len(lines) - 2  # under the answer (the learner's may follow)
    assert re.fullmatch(
        rf"warning: representation conv-vae-d4-e2-s0-\w+: {ignored} .*init = \"keras\" \(their default.*", warned[0]
    )
    healthy = write_config(name="healthy")
    healthy.write_text(healthy.read_text().replace("epochs = 2\n", "epochs = 40\n", 1))
    assert main(["run", str(healthy), "--results", str(results), "--quiet"]) == 0
    assert not [line for line in capsys.readouterr().out.splitlines() if line.startswith("warning: representation")]
    assert "warning:" not in capsys.readouterr().out


def test_plan_says_when_the_pool_is_too_small_for_the_kind(write_config, tmp_path, capsys):
    """The conv VAE is known not to learn from ~1,000 pool images in 2 epochs, nor with PyTorch's init on
    a small pool: `plan` says so under the job; a dense VAE gets no note."""
    config = write_config(name="small-pool")
    text = config.read_text().replace('kind = "dense-vae"', 'kind = "conv-vae"').replace("hidden = [32, 16]\n", "")
    config.write_text(text)
    results = tmp_path / "results"
    assert main(["plan", str(config), "--results", str(results)]) == 0
    out = capsys.readouterr().out
    assert re.search(
        r"conv-vae-d4-e2-s0-\w+ \(to train\)\n    note: \d+ pool images x 2 epochs is known to be too little", out
    )
    config.write_text(text.replace("epochs = 2\n", 'epochs = 40\ninit = "torch"\n', 1))
    assert main(["plan", str(config), "--results", str(results)]) == 0
    assert 'note: with init = "torch" on ' in capsys.readouterr().out
    assert main(["plan", str(write_config(name="dense")), "--results", str(results)]) == 0
    assert "note:" not in capsys.readouterr().out
    assert not results.exists()


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
    assert "seeds = 'two': expected a count >= 1 (3 = seeds 0, 1, 2) or a list of integers" in capsys.readouterr().err


def test_bad_options_exit_2(tmp_path, capsys):
    assert main(["run"]) == 2
    assert main(["run", "x.toml", "--workers", "0"]) == 2
    assert main(["run", str(tmp_path / "none.toml")]) == 2
    assert "config file not found" in capsys.readouterr().err


TEMPERED_RULE = '''
import numpy as np
from latentsweep.registry import Param
from latentsweep.strategies import BATCH_SELECTION


@BATCH_SELECTION.register("test-tempered", params={"temperature": Param(1.0, 0.01, 100.0, short="T")})
def tempered(candidates, k, rng, params):
    """k candidates drawn with probability proportional to exp(informativeness / temperature)."""
    if candidates.size == 0:
        return np.zeros(0, dtype=np.int64)
    scores = candidates.informativeness / params["temperature"]
    weights = np.exp(scores - scores.max())
    return rng.choice(candidates.size, size=min(k, candidates.size), replace=False, p=weights / weights.sum())
'''

TUNE_TEMPERED = """
plugins = ["tempered.py"]
name = "tempered-study"
seeds = 1

[data]
dataset = "digits"

[[representations]]
kind = "pixels"

[classifier]
hidden = [16]
epochs = 2
batch_size = 20

[budget]
initial = 20
batch = 10
iterations = 2

[tune]
trials = 2
sampler = "random"
pruner = "none"
final_seeds = 1

[tune.fixed]
batch = "test-tempered"

[tune.space]
temperature = {low = 0.05, high = 2.0, log = true}
temperature_end = [0.01, 1.0]
"""


def test_a_new_batch_rule_with_a_parameter_is_one_function_and_one_registration(
    ray_instance, write_config, tmp_path, capsys
):
    """The plugin above is all it takes: `check` tests it, the parameter is planned, scheduled over the
    budget (temperature_end), stored, and searched by Optuna; a value outside its declared range is
    refused with its key path."""
    (tmp_path / "tempered.py").write_text(TEMPERED_RULE)
    path = write_config(
        seeds=1,
        strategies="""
        [strategies.grid]
        uncertainty = ["margin"]
        batch = ["test-tempered"]
        temperature = [0.1, 1.0]

        [[strategies.list]]
        uncertainty = "margin"
        batch = "test-tempered"   # the default temperature: the same strategy as 1.0, planned once

        [[strategies.list]]
        uncertainty = "margin"
        batch = "test-tempered"
        temperature = 1.0
        temperature_end = 0.2
        """,
    )
    path.write_text('plugins = ["tempered.py"]\n' + path.read_text())
    results = tmp_path / "results"
    assert main(["plan", str(path), "--results", str(results)]) == 2  # plan runs no plugin code unless asked
    assert "it may come from plugins" in capsys.readouterr().err
    assert main(["check", str(path)]) == 0
    checked = capsys.readouterr().out
    assert "ok    batch:test-tempered:batch_same_seed_same_output" in checked
    assert "ok    batch:test-tempered:declared_parameters_make_strategies" in checked
    assert "1 entry checked: 4 checks passed, 0 failed" in checked
    assert main(["plan", str(path), "--results", str(results), "--load-plugins"]) == 0
    plan = capsys.readouterr().out
    assert "trials: 3 = 1 representation x 3 strategies x 1 seed" in plan
    assert "margin/test-tempered[T=0.1]" in plan and "margin/test-tempered[T=1->0.2]" in plan
    assert main(["run", str(path), "--results", str(results), "--quiet"]) == 0
    trials = pd.read_parquet(results / "small" / "trials").sort_values("strategy")
    assert trials["strategy"].tolist() == [
        "margin/test-tempered[T=0.1]",
        "margin/test-tempered[T=1->0.2]",
        "margin/test-tempered[T=1]",
    ]
    assert [json.loads(p) for p in trials["strategy_params"]] == [
        {"temperature": 0.1},
        {"temperature": 1.0, "temperature_end": 0.2},
        {"temperature": 1.0},
    ]
    assert set(trials["status"]) == {"ok"} and trials["trial_id"].is_unique
    # a parameter on a rule that does not declare it, or outside its range, is refused with its key path
    text = path.read_text()
    path.write_text(text.replace('batch = "test-tempered"   #', 'batch = "top-k"\ntemperature = 2.0  #'))
    assert main(["plan", str(path), "--results", str(results), "--load-plugins"]) == 2
    assert "strategies.list[0].temperature = 2.0: not a parameter of 'margin' or 'top-k'" in capsys.readouterr().err
    path.write_text(text.replace("temperature_end = 0.2", "temperature_end = 0.0"))
    assert main(["plan", str(path), "--results", str(results), "--load-plugins"]) == 2
    assert "strategies.list[1].temperature_end = 0.0: expected a number in [0.01, 100]" in capsys.readouterr().err
    # and Optuna searches it, its schedule's end too
    tune = tmp_path / "tune.toml"
    tune.write_text(TUNE_TEMPERED)
    assert main(["tune", str(tune), "--results", str(results), "--quiet"]) == 0
    capsys.readouterr()
    tuned = pd.read_parquet(results / "tempered-study" / "trials")
    searched = [json.loads(p) for p in tuned["strategy_params"] if isinstance(p, str)]
    assert any(0.05 <= p["temperature"] <= 2.0 and 0.01 <= p.get("temperature_end", 1.0) <= 1.0 for p in searched)
    # compare reads a study's final comparison (fresh seeds), not its search trials
    assert main(["compare", str(results / "tempered-study"), "--out", str(tmp_path / "compared")]) == 0
    compared = pd.read_csv(tmp_path / "compared" / "settings.csv")
    final = tuned[tuned["study"] == "tempered-study/final"]
    assert sorted(compared["strategy"]) == sorted(set(final["strategy"])) and set(compared["n"]) == {1}


def test_check_exits_1_and_names_the_check_a_plugin_fails(write_config, tmp_path, capsys):
    """The rule above without its guard for an empty pool: `check` finds it before any sweep runs."""
    unguarded = TEMPERED_RULE.replace("test-tempered", "test-unguarded").replace(
        "    if candidates.size == 0:\n        return np.zeros(0, dtype=np.int64)\n", ""
    )
    (tmp_path / "unguarded.py").write_text(unguarded)
    path = write_config(seeds=1)
    path.write_text('plugins = ["unguarded.py"]\n' + path.read_text())
    assert main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "FAIL  batch:test-unguarded:batch_small_pools: ValueError: zero-size array" in out
    assert "1 entry checked: 3 checks passed, 1 failed" in out


BROKEN_DECLARATIONS = {
    "needs": ('needs=("probs",)', "batch selection 'test-typo': needs 'probs': unknown; known: ensemble_probabilities"),
    "range": ('params={"t": Param(1.0, 2.0, 0.5)}', "Param(default=1.0): range [2.0, 0.5]: low > high"),
    "type": ('params={"t": [1, 2]}', "parameter 't': default [1, 2]: expected a bool, int, float or str"),
    "key": ("uses_score=False", "batch selection 'test-typo': unknown declaration 'uses_score'; declarations: params"),
}


@pytest.mark.parametrize("broken", sorted(BROKEN_DECLARATIONS))
def test_a_typo_in_a_declaration_fails_at_import_with_one_line(write_config, tmp_path, capsys, broken):
    declaration, expected = BROKEN_DECLARATIONS[broken]
    (tmp_path / "typo.py").write_text(
        "import numpy as np\nfrom latentsweep.registry import Param\n"
        "from latentsweep.strategies import BATCH_SELECTION\n"
        f'BATCH_SELECTION.register("test-typo", {declaration})(lambda c, k, rng, p: np.arange(k))\n'
    )
    path = write_config(seeds=1)
    path.write_text('plugins = ["typo.py"]\n' + path.read_text())
    for argv in (["check"], ["run", "--results", str(tmp_path / "results")]):
        assert main([argv[0], str(path), *argv[1:]]) == 2
        error = capsys.readouterr().err
        assert error.count("\n") == 1 and "plugins: " in error and "DeclarationError" in error, error
        assert expected in error, error
    from latentsweep.strategies import BATCH_SELECTION

    assert "test-typo" not in BATCH_SELECTION


def test_importing_the_config_loads_neither_torch_nor_ray():
    assert loaded_by("latentsweep.config, latentsweep.engine.specs") == []


def test_a_classifier_grid_names_the_classifier_of_every_row_it_prints(ray_instance, write_config, tmp_path, capsys):
    """Two MLPs that differ only in epochs: every summary row says which one it is (it said nothing)."""
    path = write_config(seeds=1, strategies='[[strategies.list]]\nuncertainty = "margin"\n')
    text = path.read_text().replace('kind = "dense-vae"', 'kind = "pixels"')
    path.write_text(text + "\n[classifier.grid]\nepochs = [1, 2]\n")
    assert main(["run", str(path), "--results", str(tmp_path / "results")]) == 0
    printed = capsys.readouterr().out
    for epochs in (1, 2):
        assert re.search(rf"MLP 32, dropout 0.2, epochs {epochs}: margin/top-k +0\.\d+", printed), printed


def test_a_classifier_grid_on_every_pool_label_is_one_table(ray_instance, write_config, tmp_path):
    path = write_config(seeds=1, strategies="")
    text = path.read_text().replace("hidden = [32]\n", "").replace('kind = "dense-vae"', 'kind = "pixels"')
    text = text.replace("epochs = 3", "epochs = 20")
    path.write_text('baselines = ["all-labels"]\n' + text + "\n[classifier.grid]\nhidden = [[32], [16, 16]]\n")
    results = tmp_path / "results"
    assert main(["run", str(path), "--results", str(results), "--quiet"]) == 0
    trials = pd.read_parquet(results / "small" / "trials")
    assert len(trials) == 2 and set(trials["strategy"]) == {"all labels"}
    assert set(trials["n_labeled"]) == {1137}  # the whole digits pool
    table = pd.read_csv(results / "small" / "report" / "classifiers.csv")
    assert sorted(table["classifier"]) == ["MLP 16-16, dropout 0.2", "MLP 32, dropout 0.2"]
    assert table.drop(columns="classifier").to_numpy().min() > 0.6  # every label of digits' pixels (chance: 0.1)


STORED_BEFORE_INIT = __import__("pathlib").Path(__file__).parent / "stored" / "before-init"


@pytest.mark.parametrize(
    ("representation_init", "classifier_init", "stored"),
    [("torch", None, 4), ("torch", "keras", 4), (None, None, 0), ("torch", "torch", 0), ("keras", None, 0)],
)
def test_a_store_made_before_the_init_key_keeps_its_ids(tmp_path, capsys, representation_init, classifier_init, stored):
    """The committed store was run before `init` existed (PyTorch's initialisation of the autoencoders,
    glorot for the MLP): a config saying init = "torch" for its representations finds all 4 trials stored
    and their representations in the cache; Keras' initialisation (the default now) or another classifier
    init plans them anew. Nothing in the stored folder changes."""
    import shutil

    shutil.copytree(STORED_BEFORE_INIT / "results", tmp_path / "results")
    text = (STORED_BEFORE_INIT / "sweep.toml").read_text()
    if representation_init:
        text = text.replace("epochs = 1\n", f'epochs = 1\ninit = "{representation_init}"\n')
    if classifier_init:
        text = text.replace("[classifier]\n", f'[classifier]\ninit = "{classifier_init}"\n')
    config = tmp_path / "sweep.toml"
    config.write_text(text)
    before = sorted(p.name for p in (tmp_path / "results" / "stored" / "trials").iterdir())
    assert main(["plan", str(config), "--results", str(tmp_path / "results")]) == 0
    output = capsys.readouterr().out
    assert f"stored: {stored} finished (skipped)" in output
    assert f"to run: {4 - stored} trials" in output
    cached = output.count("(cached)")
    assert cached == (2 if representation_init == "torch" else 0)
    assert sorted(p.name for p in (tmp_path / "results" / "stored" / "trials").iterdir()) == before


STORED_BEFORE_PARAMS = __import__("pathlib").Path(__file__).parent / "stored" / "before-params"


def test_a_store_made_before_the_parameter_model_is_complete_and_unchanged(tmp_path, capsys):
    """The committed store was run by the code in which greedy's distance, alpha and beta and the three
    schedules were strategy fields (greedy with cosine and two schedules, BALD's mc_samples, BatchBALD's
    configurations, BADGE, subsamples): today's code plans every one of its trials as stored, `run` has
    nothing to do, and the strategy columns today's code would write equal the stored ones."""
    import shutil

    import pandas as pd

    from latentsweep.config import load_config
    from latentsweep.results.schema import _strategy_columns

    shutil.copytree(STORED_BEFORE_PARAMS, tmp_path / "stored")
    config, results = tmp_path / "stored" / "sweep.toml", tmp_path / "stored" / "results"
    before = {p.name: p.read_bytes() for p in (results / "stored" / "trials").iterdir()}
    assert main(["run", str(config), "--results", str(results)]) == 0
    assert "nothing to do: all 7 planned trials are already stored" in capsys.readouterr().out
    assert {p.name: p.read_bytes() for p in (results / "stored" / "trials").iterdir()} == before
    stored = pd.concat(pd.read_parquet(results / "stored" / "trials" / name) for name in before)
    for strategy in load_config(config).strategies:
        row = stored[stored["strategy"] == strategy.label()]
        assert len(row) == 1, strategy.label()
        for column, value in _strategy_columns(strategy).items():
            kept = row[column].iloc[0]
            assert (pd.isna(kept) and value is None) or kept == value, (strategy.label(), column, kept, value)


def test_version_names_the_package_and_the_libraries_results_depend_on(capsys):
    from importlib import metadata

    import latentsweep

    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    expected = (
        f"latentsweep {latentsweep.__version__} (torch {metadata.version('torch')}, ray {metadata.version('ray')}, "
        f"optuna {metadata.version('optuna')})\n"
    )
    assert capsys.readouterr().out == expected


STORED_BEFORE_STUDIES = __import__("pathlib").Path(__file__).parent / "stored" / "before-studies"
DEFAULTS_WRITTEN_OUT = {  # every key added since that store, at its default, written out in the config
    "[budget]\n": "[budget]\nvalidation = 0\n",
    "\n[[strategies.list]]": '\n[report]\nmetric = "accuracy"\n\n[[strategies.list]]',
    "[classifier]\n": '[classifier]\nkind = "mlp"\nprecision = "fp32"\n',
    "hidden = [16]\n": 'hidden = [16]\nprecision = "fp32"\n',  # the trained representation's
}


@pytest.mark.parametrize("explicit", [False, True], ids=["keys left out", "keys at their defaults"])
def test_a_store_made_before_the_studies_keys_is_complete_and_unchanged(tmp_path, capsys, explicit):
    """The committed store was written by the main of 2026-12-05 (before budget regimes, paid validation,
    imbalanced pools, balanced metrics, classifier kinds and precision): today's code finds its 4 trials
    stored and its trained representation cached, with the new keys absent or written out at their defaults;
    nothing changes."""
    import shutil

    shutil.copytree(STORED_BEFORE_STUDIES, tmp_path / "stored")
    config, results = tmp_path / "stored" / "sweep.toml", tmp_path / "stored" / "results"
    if explicit:
        text = config.read_text()
        for old, new in DEFAULTS_WRITTEN_OUT.items():
            assert old in text
            text = text.replace(old, new, 1)
        config.write_text(text)
    before = {p.relative_to(results): p.read_bytes() for p in results.rglob("*") if p.is_file()}
    assert main(["plan", str(config), "--results", str(results)]) == 0
    planned = capsys.readouterr().out
    assert "(cached" in planned and "stored: 4 finished (skipped)" in planned
    assert main(["run", str(config), "--results", str(results)]) == 0
    assert "nothing to do: all 4 planned trials are already stored" in capsys.readouterr().out
    assert {p.relative_to(results): p.read_bytes() for p in results.rglob("*") if p.is_file()} == before
