"""Every data set kind through the CLI, on real files written the way researchers have them."""

import json
import textwrap

import numpy as np
import pandas as pd
import pytest

from latentsweep.cli import main
from latentsweep.data import DATASETS, FASHION_MNIST_DEFAULT_PATH

from .data.files import write_embeddings, write_idx_folder, write_npz, write_svhn_folder

SWEEP = """
name = "{name}"
seeds = 1

[data]
dataset = "{dataset}"
{data}

[[representations]]
{representation}

[classifier]
hidden = [128]
epochs = 30
batch_size = 10

[budget]
initial = 30
batch = 15
iterations = 2

[[strategies.list]]
uncertainty = "margin"

[[strategies.list]]
uncertainty = "random"
{strategies}
"""

PIXELS = 'kind = "pixels"'
DENSE_VAE = 'kind = "dense-vae"\nlatent_dim = 8\nepochs = 40\nhidden = [128, 64]'


def data_files(kind, tmp_path):
    """(the [data] lines, the representation) for one data set kind, with its files written."""
    if kind == "digits":
        return "", PIXELS
    if kind == "mnist":  # the standard files, gzipped, in a folder of their own
        return f'path = "{write_idx_folder(tmp_path / "mnist", gz=True)}"\nvalidation_size = 300', DENSE_VAE
    if kind == "fashion-mnist":  # the real files, from Debian's dataset-fashion-mnist
        if not (FASHION_MNIST_DEFAULT_PATH / "train-images-idx3-ubyte.gz").exists():
            pytest.skip("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)")
        return "", PIXELS
    if kind == "idx":  # any IDX pair, raw, in a folder whose name is not the data set's
        return f'path = "{write_idx_folder(tmp_path / "my data")}"', DENSE_VAE
    if kind == "svhn":
        return f'path = "{write_svhn_folder(tmp_path / "svhn")}"\nvalidation_size = 300', PIXELS
    if kind == "npz":  # sorted by label, as many exports are
        return f'path = "{write_npz(tmp_path / "digits-sorted.npz")}"', PIXELS
    if kind == "embeddings":
        return f'path = "{write_embeddings(tmp_path / "clip.npz")}"', 'kind = "embeddings"'
    raise AssertionError(f"no test data for data set kind {kind!r}: add it here")


def write_sweep(tmp_path, dataset, data="", representation=PIXELS, strategies="", name=None):
    path = tmp_path / f"{name or dataset}.toml"
    text = SWEEP.format(
        name=name or dataset, dataset=dataset, data=data, representation=representation, strategies=strategies
    )
    path.write_text(textwrap.dedent(text))
    return path


@pytest.mark.parametrize("kind", sorted(DATASETS))
def test_a_sweep_runs_on_every_data_set_kind(kind, ray_instance, tmp_path, capsys):
    data, representation = data_files(kind, tmp_path)
    config = write_sweep(tmp_path, kind, data, representation)
    results = tmp_path / "results"
    assert main(["plan", str(config), "--results", str(results)]) == 0
    plan = capsys.readouterr().out
    assert "validation:" in plan and "per class" in plan
    assert main(["run", str(config), "--results", str(results), "--quiet"]) == 0, capsys.readouterr()
    trials = pd.read_parquet(results / kind / "trials")
    assert len(trials) == 2 and set(trials["status"]) == {"ok"}, trials["error"].tolist()
    assert set(trials["dataset"]) == {kind}
    chance = 1 / 10
    assert (trials["final_test_accuracy"] > 3 * chance).all(), trials["final_test_accuracy"].tolist()
    info = json.loads((results / kind / "sweep.json").read_text())
    counts = info["class_counts"]
    assert len(counts["pool"]) == 10 and min(counts["val"]) > 0 and min(counts["test"]) > 0


def test_a_class_sorted_npz_is_split_stratified_and_the_first_rule_refused(ray_instance, tmp_path, capsys):
    path = write_npz(tmp_path / "sorted.npz")
    config = write_sweep(tmp_path, "npz", f'path = "{path}"\nvalidation_size = 200')
    assert main(["plan", str(config), "--results", str(tmp_path / "r")]) == 0
    out = capsys.readouterr().out
    assert "split stratified" in out and "validation: 200 examples, per class [20, 20, 20, 20, 20" in out
    first = write_sweep(tmp_path, "npz", f'path = "{path}"\nvalidation_size = 200\nsplit = "first"', name="first")
    for command in ("plan", "run"):
        assert main([command, str(first), "--results", str(tmp_path / "r")]) == 2
        error = capsys.readouterr().err
        assert error.count("\n") == 1 and "Traceback" not in error
        assert "the validation part lacks class(es) 2, 3, 4, 5, 6, 7 that the pool has" in error
    assert not (tmp_path / "r" / "first").exists()


@pytest.mark.parametrize("layout", ["npy", "parquet-list", "parquet-columns"])
def test_embeddings_in_every_layout(layout, ray_instance, tmp_path, capsys):
    suffix = "" if layout == "npy" else ".parquet"
    path = write_embeddings(tmp_path / f"vectors{suffix}", layout)
    config = write_sweep(tmp_path, "embeddings", f'path = "{path}"\nvalidation_size = 150', 'kind = "embeddings"')
    assert main(["run", str(config), "--results", str(tmp_path / "r"), "--quiet"]) == 0, capsys.readouterr()
    trials = pd.read_parquet(tmp_path / "r" / "embeddings" / "trials")
    assert set(trials["status"]) == {"ok"} and (trials["final_test_accuracy"] > 0.3).all()
    assert set(trials["representation_kind"]) == {"embeddings"}


def test_posterior_measures_need_embeddings_with_log_variances(ray_instance, tmp_path, capsys):
    greedy_j = '[[strategies.list]]\nuncertainty = "margin"\nbatch = "greedy"\ndistance = "j-divergence"\n'
    kl = '[[strategies.list]]\nuncertainty = "margin"\nrepresentativeness = "kl-to-prior"\ngamma = 0.5\n'
    without = write_embeddings(tmp_path / "plain.npz", logvar=False)
    config = write_sweep(tmp_path, "embeddings", f'path = "{without}"', 'kind = "embeddings"', kl)
    assert main(["plan", str(config)]) == 2
    assert "needs posterior variances, which representations[0] (embeddings) does not have" in capsys.readouterr().err
    with_logvar = write_embeddings(tmp_path / "posterior.npz")
    config = write_sweep(tmp_path, "embeddings", f'path = "{with_logvar}"', 'kind = "embeddings"', kl + greedy_j)
    assert main(["run", str(config), "--results", str(tmp_path / "r"), "--quiet"]) == 0, capsys.readouterr()
    trials = pd.read_parquet(tmp_path / "r" / "embeddings" / "trials")
    assert len(trials) == 4 and set(trials["status"]) == {"ok"}


def test_a_pool_smaller_than_the_budget_is_refused_before_any_work(tmp_path, capsys):
    path = tmp_path / "tiny.npz"
    rng = np.random.default_rng(0)
    np.savez(path, x=rng.integers(0, 256, (100, 8, 8)).astype(np.uint8), y=np.arange(100) % 5)
    config = write_sweep(tmp_path, "npz", f'path = "{path}"\nvalidation_size = 10')
    config.write_text(config.read_text().replace("iterations = 2", "iterations = 4"))
    assert main(["run", str(config), "--results", str(tmp_path / "r")]) == 2
    assert "budget: 30 + 4 x 15 = 90 labels, but the pool of npz has 70 examples" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()
