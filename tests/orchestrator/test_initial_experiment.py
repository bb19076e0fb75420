"""The Table-1 experiment end to end on digits, on the session's real Ray instance."""

import textwrap

import pandas as pd

from latentsweep.cli import main
from latentsweep.results import SCHEMA_VERSION

EXPERIMENT = """
name = "table1"
seeds = 2
sizes = [60, 20]
variants = ["balanced", "unbalanced"]
samplers = ["random", "ae-error", "multi-normal-cluster", "k-center-greedy"]

[data]
dataset = "digits"

[unbalanced]
per_class = 40

[[autoencoders]]
kind = "cae"
epochs = 1
width = 0.125

[[autoencoders]]
kind = "tsne-ae"
epochs = 1
width = 0.125
perplexity = 10

[classifier]
update_steps = 5
batch_size = 20
width = 0.125
test_limit = 100
"""


def test_table_one_from_a_config(ray_instance, tmp_path, capsys):
    path = tmp_path / "table1.toml"
    path.write_text(textwrap.dedent(EXPERIMENT))
    results = tmp_path / "results"
    assert main(["initial", str(path), "--results", str(results), "--quiet"]) == 0
    output = capsys.readouterr().out
    rows = pd.read_parquet(results / "table1" / "query_sets")
    # (random + 2 autoencoders x 3 samplers) x 2 variants x 2 sizes x 2 seeds
    assert len(rows) == (1 + 2 * 3) * 2 * 2 * 2 and rows["evaluation_id"].is_unique
    assert set(rows["autoencoder"]) == {"-", "cae", "tsne-ae"}
    assert (rows["indices"].map(len) == rows["size"]).all()
    assert (rows["class_counts"].map(sum) == rows["size"]).all()
    assert rows["test_accuracy"].between(0, 1).all()
    assert (rows["schema_version"] == SCHEMA_VERSION).all()  # the store's version, not 1
    header = "| autoencoder | sampler | balanced 60 | balanced 20 | unbalanced 60 | unbalanced 20 |"
    assert header in output and "| tsne-ae | multi-normal-cluster |" in output
    report = (results / "table1" / "report" / "report.md").read_text()
    assert header in report and "Class entropy of the query sets" in report
    accuracy = pd.read_csv(results / "table1" / "report" / "table1_accuracy.csv")
    assert accuracy.iloc[0]["sampler"] == "random" and len(accuracy) == 1 + 2 * 3
    # a second run evaluates nothing: every query set is stored
    assert main(["initial", str(path), "--results", str(results), "--quiet"]) == 0
    assert "0 query sets evaluated" in capsys.readouterr().out


def test_bad_experiment_configs_exit_2(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text(textwrap.dedent(EXPERIMENT).replace('"k-center-greedy"', '"k-centre"'))
    assert main(["initial", str(path)]) == 2
    assert "samplers[3] = 'k-centre': unknown" in capsys.readouterr().err
    path.write_text(textwrap.dedent(EXPERIMENT).replace('kind = "cae"', 'kind = "conv-vae"'))
    assert main(["initial", str(path)]) == 2
    assert "autoencoders[0].kind = 'conv-vae': expected one of cae, paper-vae, tsne-ae" in capsys.readouterr().err


def test_a_collapsed_autoencoder_is_named_at_the_end(ray_instance, tmp_path, capsys):
    """The paper's VAE after one epoch on digits uses neither latent dimension: the table is still made, and
    the last line names it."""
    text = textwrap.dedent(EXPERIMENT).replace('variants = ["balanced", "unbalanced"]', 'variants = ["balanced"]')
    text = text.replace('"ae-error", "multi-normal-cluster", ', "").replace('kind = "cae"', 'kind = "paper-vae"')
    path = tmp_path / "collapse.toml"
    path.write_text(text[: text.index('[[autoencoders]]\nkind = "tsne-ae"')] + text[text.index("[classifier]") :])
    assert main(["initial", str(path), "--results", str(tmp_path / "results"), "--quiet"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert "| paper-vae | k-center-greedy |" in "\n".join(lines)
    assert lines[-1].startswith("warning: representation paper-vae-d2-e1-s0-")
    assert "0 of 2 latent dimensions used" in lines[-1]
