"""`latentsweep report` and `explore` on a real digits sweep, through the CLI; report.html in a real browser."""

import re
import struct
import textwrap

import pandas as pd
import pytest
from matplotlib import image

from latentsweep.cli import main

from .browser import images_and_tables

SWEEP = """
name = "digits-report"
seeds = 3
baselines = ["all-labels"]

[data]
dataset = "digits"

[[representations]]
kind = "dense-vae"
latent_dim = 2
epochs = 25
hidden = [64, 32]

[[representations]]
kind = "pixels"

[classifier]
hidden = [48]
epochs = 10
batch_size = 20

[budget]
initial = 30
batch = 20
iterations = 3

[strategies.grid]
uncertainty = ["margin", "random"]
batch = ["top-k"]

[[strategies.list]]
uncertainty = "margin"
representativeness = "density-euclidean"
gamma = 0.5

[[strategies.list]]
uncertainty = "margin"
batch = "greedy"
alpha = 0.5
"""


def png_size(path):
    """(width, height) from a PNG's IHDR chunk."""
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


@pytest.fixture(scope="module")
def digits_sweep(tmp_path_factory):
    from ..conftest import start_local_ray

    start_local_ray()
    folder = tmp_path_factory.mktemp("report")
    config = folder / "sweep.toml"
    config.write_text(textwrap.dedent(SWEEP))
    assert main(["run", str(config), "--results", str(folder / "results"), "--quiet"]) == 0
    return folder / "results" / "digits-report"


def test_run_ends_with_the_table_and_the_report(digits_sweep):
    report = digits_sweep / "report"
    assert (report / "report.html").exists() and (report / "summary.csv").exists()
    summary = pd.read_csv(report / "summary.csv")
    # 2 representations x (4 strategies + all labels)
    assert len(summary) == 10 and set(summary.strategy) >= {"all labels", "margin/top-k", "random"}
    assert (summary.n == 3).all()


def test_every_file_of_the_report(digits_sweep, tmp_path, capsys):
    out = tmp_path / "report"
    assert main(["report", str(digits_sweep), "--out", str(out), "--at", "50,90", "--baseline", "random"]) == 0
    printed = capsys.readouterr().out
    assert "test accuracy, mean +- corrected std over seeds" in printed and "all labels" in printed
    names = {p.name for p in out.iterdir()}
    assert {"report.md", "report.html", "summary.csv", "comparisons.csv", "curves.csv"} <= names
    summary = pd.read_csv(out / "summary.csv")
    assert {"val_at_50", "val_at_90", "labels_to_95pct", "auc_ci_low", "auc_ci_high"} <= set(summary.columns)
    comparisons = pd.read_csv(out / "comparisons.csv")
    assert set(comparisons.against) >= {"random (baseline)"} and comparisons.wilcoxon_p_holm.notna().all()
    figures = sorted((out / "figures").glob("*.png"))
    stems = {p.stem for p in figures}
    assert {"learning_curves", "all_seeds", "train_and_validation", "group_uncertainty_and_batch_selection"} <= stems
    assert "group_representativeness_at_gamma_0_5" in stems and "group_batch_rule_greedy" in stems
    for png in figures:
        assert png.with_suffix(".svg").exists()
        width, height = png_size(png)
        pixels = image.imread(png)  # decodes, and has the size its header says
        assert pixels.shape[:2] == (height, width) and width > 300 and height > 200
    html = (out / "report.html").read_text()
    assert html.count("<img") == len(figures)
    assert not re.search(r"""(src|href)\s*=\s*['"](?!data:)""", html)  # no external reference at all
    assert "http://" not in html and "https://" not in html
    markdown = (out / "report.md").read_text()
    assert "## Paired comparisons of final test accuracy" in markdown and "(figures/learning_curves.png)" in markdown


def test_report_html_loads_every_figure_in_a_real_browser(digits_sweep, tmp_path):
    loaded, total, _ = images_and_tables(digits_sweep / "report" / "report.html", tmp_path)
    assert total >= 4 and loaded == total


def test_explore_writes_every_latent_figure(digits_sweep, tmp_path, capsys):
    trials = pd.read_parquet(digits_sweep / "trials")
    vae = trials[trials.representation.str.startswith("dense-vae") & (trials.strategy == "margin/top-k")]
    trial = vae.trial_id.iloc[0]
    out = tmp_path / "explore"
    assert main(["explore", str(digits_sweep), "--out", str(out), "--trial", trial]) == 0
    stems = {p.stem for p in out.glob("*.png")}
    representation = vae.representation.iloc[0]
    for figure in (
        "used_dimensions", "test_classes", "pool_classes", "representativeness", "reconstructions",
        "interpolations", "manifold", f"trial_{trial}",
    ):  # fmt: skip
        assert f"{representation}_{figure}" in stems, sorted(stems)
    pixels = next(r for r in set(trials.representation) if r.startswith("pixels"))
    assert f"{pixels}_used_dimensions" in stems and f"{pixels}_reconstructions" not in stems
    assert main(["explore", str(digits_sweep), "--representation", "no-such-id"]) == 2
    assert "--representation no-such-id: not a cached representation" in capsys.readouterr().err


def test_a_metric_the_store_never_measured_is_refused_and_accuracy_still_reports(tmp_path, capsys):
    """The committed store was written before balanced accuracy and macro F1 were measured."""
    import shutil
    from pathlib import Path

    stored = Path(__file__).parent.parent / "stored" / "before-params" / "results" / "stored"
    shutil.copytree(stored, tmp_path / "stored")
    assert main(["report", str(tmp_path / "stored"), "--out", str(tmp_path / "a"), "--metric", "macro_f1"]) == 2
    error = capsys.readouterr().err
    assert "--metric macro_f1: " in error and "stores no macro F1" in error and error.count("\n") == 1
    assert not (tmp_path / "a").exists()  # refused before anything is written
    assert main(["report", str(tmp_path / "stored"), "--out", str(tmp_path / "b")]) == 0
    summary = pd.read_csv(tmp_path / "b" / "summary.csv")
    assert "budget" not in summary and summary.test_mean.between(0, 1).all()


def test_explore_draws_a_trial_after_compact_and_refuses_an_unknown_one(digits_sweep, tmp_path, capsys):
    """`run` compacts by itself above 1,000 trial files: a trial's queries then live in a part file."""
    import shutil

    results = tmp_path / "results"
    shutil.copytree(digits_sweep.parent, results)
    folder = results / digits_sweep.name
    assert main(["compact", str(folder)]) == 0
    trials = pd.read_parquet(folder / "trials")
    trial = trials[trials.representation.str.startswith("dense-vae") & (trials.strategy == "random")].trial_id.iloc[0]
    assert not (folder / "queries" / f"{trial}.parquet").exists()
    out = tmp_path / "explore"
    assert main(["explore", str(folder), "--out", str(out), "--trial", trial]) == 0
    drawn = list(out.glob(f"*_trial_{trial}.png"))
    assert len(drawn) == 1 and png_size(drawn[0])[0] > 300
    capsys.readouterr()
    assert main(["explore", str(folder), "--out", str(out), "--trial", "0123456789abcdef"]) == 2
    error = capsys.readouterr().err
    assert "--trial 0123456789abcdef: not a stored trial of" in error and error.count("\n") == 1
