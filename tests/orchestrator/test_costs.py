"""What `plan` says a selection costs on a large pool: each strategy's work from its entries' declarations
(checked against counts made by hand), at a measured product rate, and a subsample for the slow ones."""

import textwrap

import numpy as np
import pytest

from latentsweep.cli import main
from latentsweep.engine import ClassifierSpec, StrategySpec
from latentsweep.orchestrator.costs import estimate_lines, held_bytes, selection_work

MLP = ClassifierSpec()  # 512-512


def test_the_work_of_a_selection_by_hand():
    n, d, labelled, k, classes = 1_000_000, 64, 500, 100, 10
    forward = 2 * n * (64 * 512 + 512 * 512 + 512 * 10)  # one pass of the MLP over every candidate
    margin = StrategySpec(uncertainty="margin")
    assert selection_work(margin, MLP, n=n, d=d, labelled=labelled, k=k, classes=classes) == forward
    bald = StrategySpec.build({"uncertainty": "bald", "mc_samples": 20}).canonical()
    assert selection_work(bald, MLP, n=n, d=d, labelled=labelled, k=k, classes=classes) == 20 * forward
    kcenter = StrategySpec.build({"batch": "k-center-greedy"}).canonical()
    assert selection_work(kcenter, MLP, n=n, d=d, labelled=labelled, k=k, classes=classes) == (
        2 * n * labelled * d + 3 * k * n * d
    )
    badge = StrategySpec.build({"batch": "badge"}).canonical()
    assert selection_work(badge, MLP, n=n, d=d, labelled=labelled, k=k, classes=classes) == forward + 2 * k * n * 522
    assert selection_work(StrategySpec(uncertainty="random"), MLP, n=n, d=d, labelled=0, k=k, classes=classes) == 0


def test_slow_strategies_get_a_subsample_that_fits():
    bald = StrategySpec.build({"uncertainty": "bald", "mc_samples": 20}).canonical()
    lines = estimate_lines([StrategySpec(uncertainty="margin"), bald], MLP, pool=1_000_000, d=64, labelled=500, k=100,
                           classes=10, rate=100e9)  # fmt: skip
    assert lines[0].startswith("selection cost per iteration on this machine (pool of 1,000,000 x 64, 100 GFLOP/s")
    margin_line, bald_line = lines[1:]
    # margin: 600 GFLOP at 100 GFLOP/s = 6 s, no subsample needed; BALD: 20 passes, 120 s; 0.2 of it 24 s
    assert margin_line == "  margin/top-k: ~6 s (600 GFLOP)"
    assert bald_line == "  bald[mc_samples=20]/top-k: ~120 s (12 TFLOP); subsample = 0.2 would take ~24 s"


def test_plan_estimates_the_selections_on_a_large_pool(tmp_path, capsys):
    rng = np.random.default_rng(0)
    folder = tmp_path / "vectors"
    folder.mkdir()
    np.save(folder / "pool.npy", rng.normal(size=(320_000, 16)).astype(np.float32))
    np.save(folder / "pool_labels.npy", rng.integers(0, 4, 320_000))
    config = tmp_path / "large.toml"
    config.write_text(textwrap.dedent(f"""
        name = "large"
        [data]
        dataset = "embeddings"
        path = "{folder}"
        [[representations]]
        kind = "embeddings"
        [budget]
        iterations = 3
        [strategies.grid]
        uncertainty = ["margin", "bald"]
        [[strategies.list]]
        batch = "k-center-greedy"
    """))
    assert main(["plan", str(config), "--results", str(tmp_path / "r")]) == 0
    printed = capsys.readouterr().out
    assert "selection cost per iteration on this machine (pool of 230,400 x 16" in printed
    for label in ("margin/top-k: ", "bald[mc_samples=20]/top-k: ~", "k-center-greedy: "):
        assert f"\n  {label}" in printed, printed


@pytest.mark.parametrize("pool", [55_000])
def test_a_thesis_scale_pool_gets_no_estimates(pool, tmp_path, capsys):
    config = tmp_path / "small.toml"
    config.write_text('name = "small"\n[data]\ndataset = "digits"\n[[representations]]\nkind = "pixels"\n'
                      '[budget]\niterations = 3\n[[strategies.list]]\nuncertainty = "margin"\n')  # fmt: skip
    assert main(["plan", str(config), "--results", str(tmp_path / "r")]) == 0
    assert "selection cost" not in capsys.readouterr().out


def test_what_a_selection_holds_at_once_by_hand():
    """BADGE holds every candidate's gradient embedding: up to 100,000 candidates 512 hidden float32 and 10
    probabilities float64 (80,000 x (512 x 4 + 10 x 8)), above them in float16 and float32 (720,000 x (512 x 2 +
    10 x 4) = 0.77 GB), or float32 where its `activations` says so (720,000 x 2,128 = 1.53 GB); EPIG its [T, n, C]
    samples in float64: 1,000,000 x 20 x 10 x 8; margin is scored chunk by chunk: nothing."""
    badge = StrategySpec.build({"batch": "badge"}).canonical()
    assert held_bytes(badge, MLP, n=80_000, classes=10) == 80_000 * (512 * 4 + 10 * 8)
    assert held_bytes(badge, MLP, n=720_000, classes=10) == 720_000 * (512 * 2 + 10 * 4)
    single = StrategySpec.build({"batch": "badge", "activations": "float32"}).canonical()
    assert held_bytes(single, MLP, n=720_000, classes=10) == 720_000 * (512 * 4 + 10 * 8)
    epig = StrategySpec.build({"uncertainty": "epig"}).canonical()
    assert held_bytes(epig, MLP, n=1_000_000, classes=10) == 1_000_000 * 20 * 10 * 8
    assert held_bytes(StrategySpec(), MLP, n=1_000_000, classes=10) == 0
    lines = estimate_lines([badge, single], MLP, pool=720_500, d=64, labelled=500, k=100, classes=10, rate=1e11)
    assert "holds" not in lines[1]
    assert lines[2].endswith("holds ~1.4 GB of model outputs at once: subsample = 0.5 keeps it under 1 GB")
