"""A whole `latentsweep run` against plain PyTorch: trials per hour, and how much worker time sits idle.

    python benchmarks/sweep_throughput.py                 # 2 strategies x 5 seeds, thesis protocol, 2 workers
    python benchmarks/sweep_throughput.py --iterations 4  # a quick look
    python benchmarks/sweep_throughput.py --precisions fp32 bf16   # mixed precision beside float32

The latents are Fashion-MNIST (the Debian files) projected to 30 principal components: 55,000 x 30, real
structure, no autoencoder to wait for, given to the sweep as an `embeddings` file. The trials are the
thesis protocol (100 initial + iterations x 100 labels, MLP 512-512, dropout 0.2, RMSprop, 20 epochs,
batch 100): margin with random partitions over a 10% subsample, and random, for each seed.

The same trials then run as plain single-thread processes (two side by side, as the sweep's two workers)
with a minimal sequential PyTorch loop written here, in float32 and with one line of `torch.autocast` to
bf16 (what a user who knows the trick writes). The fit's rate is its GFLOP over the fit seconds the trials
table records, against a plain one-thread 100 x 512 @ 512 x 512 product in the run's precision (the MLP's
step), measured in this run. Every figure comes from this one run: compare the ratio, not the seconds
(shared, noisy machines).
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np

from latentsweep.data import load_splits

DIMENSIONS = 30


def write_latents(folder: Path) -> Path:
    """Fashion-MNIST pool / validation / test (the thesis split) projected to 30 principal components."""
    splits = load_splits("fashion-mnist")
    pool = splits.pool.reshape(len(splits.pool), -1).astype(np.float64)
    mean = pool.mean(axis=0)
    _, _, components = np.linalg.svd(pool[::5] - mean, full_matrices=False)  # 11,000 rows are plenty
    basis = components[:DIMENSIONS].T

    def project(x):
        return ((x.reshape(len(x), -1) - mean) @ basis).astype(np.float32)

    path = folder / "fashion-pca30.npz"
    np.savez(
        path,
        pool=project(splits.pool),
        pool_labels=splits.pool_labels,
        val=project(splits.val),
        val_labels=splits.val_labels,
        test=project(splits.test),
        test_labels=splits.test_labels,
    )
    return path


CONFIG = """
name = "throughput"
seeds = {seeds}

[data]
dataset = "embeddings"
path = "{path}"

[[representations]]
kind = "embeddings"

[classifier]
precision = "{precision}"

[budget]
initial = 100
batch = 100
iterations = {iterations}

[[strategies.list]]
uncertainty = "margin"
batch = "random-partitions"
subsample = 0.1

[[strategies.list]]
uncertainty = "random"

[ray]
workers = 2
{pack}
"""


def run_latentsweep(
    folder: Path, latents: Path, seeds: int, iterations: int, pack: str, precision: str
) -> tuple[float, object, float]:
    """(wall seconds, outcome, fit seconds per trial from the trials table) of one `latentsweep run`."""
    import pandas as pd

    from latentsweep.config import load_config
    from latentsweep.orchestrator import RunOptions, run_sweep

    config_path = folder / f"throughput-{precision}.toml"
    pack_line = f"pack_size = {pack}" if pack != "auto" else ""
    text = CONFIG.format(seeds=seeds, path=latents, iterations=iterations, pack=pack_line, precision=precision)
    config_path.write_text(textwrap.dedent(text))
    config = load_config(config_path)
    results = folder / f"results-{pack}-{precision}"
    started = time.perf_counter()
    outcome = run_sweep(config, RunOptions(results=results, display="quiet"))
    seconds = time.perf_counter() - started
    fit = float(pd.read_parquet(results / "throughput" / "trials").fit_seconds.mean())
    return seconds, outcome, fit


def product_gflops(dtype, seconds: float = 2.0) -> float:
    """One thread, 100 x 512 @ 512 x 512 (the MLP's step) in `dtype`, in a fresh process (no other work)."""
    import torch

    torch.set_num_threads(1)
    a, b = torch.randn(100, 512).to(dtype), torch.randn(512, 512).to(dtype)
    for _ in range(20):
        a @ b
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        a @ b
        count += 1
    return 2 * 100 * 512 * 512 * count / (time.perf_counter() - started) / 1e9


def _product_in_process(name: str) -> float:
    import torch

    return product_gflops({"fp32": torch.float32, "bf16": torch.bfloat16}[name])


def plain_trials(latents: str, jobs: list[tuple[str, int]], iterations: int, autocast: bool = False) -> list[float]:
    """A minimal sequential PyTorch active-learning loop, one thread: test accuracy of each (strategy, seed);
    with `autocast`, its forward passes inside torch.autocast("cpu", dtype=torch.bfloat16)."""
    import contextlib

    import torch
    from torch import nn

    from latentsweep.stopping import stop_set

    torch.set_num_threads(1)
    mixed = (lambda: torch.autocast("cpu", dtype=torch.bfloat16)) if autocast else contextlib.nullcontext
    data = np.load(latents)
    pool, pool_labels = torch.from_numpy(data["pool"]), torch.from_numpy(data["pool_labels"])
    val, val_labels = torch.from_numpy(data["val"]), torch.from_numpy(data["val_labels"])
    test, test_labels = torch.from_numpy(data["test"]), torch.from_numpy(data["test_labels"])
    stop = pool[torch.from_numpy(stop_set(len(pool)))]
    accuracies = []
    for strategy, seed in jobs:
        rng = np.random.default_rng(seed)
        torch.manual_seed(seed)
        labelled = rng.choice(len(pool), 100, replace=False)
        for iteration in range(iterations + 1):
            model = nn.Sequential(
                nn.Linear(DIMENSIONS, 512), nn.ReLU(), nn.Dropout(0.2),
                nn.Linear(512, 512), nn.ReLU(), nn.Dropout(0.2), nn.Linear(512, 10),
            )  # fmt: skip
            optimiser = torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
            x, y = pool[labelled], pool_labels[labelled]
            for _ in range(20):
                order = torch.randperm(len(x))
                for start in range(0, len(x), 100):
                    batch = order[start : start + 100]
                    with mixed():
                        logits = model(x[batch])
                    loss = nn.functional.cross_entropy(logits.float(), y[batch])
                    optimiser.zero_grad()
                    loss.backward()
                    optimiser.step()
            model.eval()
            with torch.no_grad(), mixed():  # what the engine records after every fit (the curve's columns)
                (model(val).argmax(1) == val_labels).float().mean()
                train_logits = model(x).float()
                (train_logits.argmax(1) == y).float().mean(), nn.functional.cross_entropy(train_logits, y)
                (model(test).argmax(1) == test_labels).float().mean()
                torch.softmax(model(stop).float(), 1)  # the stopping criteria's stop set
            if iteration == iterations:
                break
            unlabelled = np.setdiff1d(np.arange(len(pool)), labelled)
            if strategy == "random":
                chosen = rng.choice(unlabelled, 100, replace=False)
            else:
                candidates = rng.choice(unlabelled, max(100, math.ceil(0.1 * len(unlabelled))), replace=False)
                with torch.no_grad(), mixed():
                    probs = torch.softmax(model(pool[candidates]).float(), 1)
                top = probs.topk(2, dim=1).values
                uncertainty = (1 - (top[:, 0] - top[:, 1])).numpy()
                parts = np.array_split(rng.permutation(len(candidates)), 100)
                chosen = np.array([candidates[part[np.argmax(uncertainty[part])]] for part in parts])
            labelled = np.concatenate([labelled, chosen])
            model.train()
        with torch.no_grad(), mixed():
            accuracies.append(float((model(test).argmax(1) == test_labels).float().mean()))
    return accuracies


def run_plain(latents: Path, seeds: int, iterations: int, autocast: bool = False) -> tuple[float, float]:
    """(wall seconds, mean test accuracy) of the plain loop as two single-thread processes."""
    jobs = [(strategy, seed) for seed in range(seeds) for strategy in ("margin", "random")]
    halves = [jobs[0::2], jobs[1::2]]
    started = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        accuracies = pool.starmap(plain_trials, [(str(latents), half, iterations, autocast) for half in halves])
    return time.perf_counter() - started, float(np.mean([a for part in accuracies for a in part]))


def main() -> None:
    from trial_throughput import flops_per_trial  # benchmarks/ is the script's folder

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--iterations", type=int, default=29)
    parser.add_argument("--packs", nargs="+", default=["auto"], help="pack sizes to run ('auto' or integers)")
    parser.add_argument("--precisions", nargs="+", default=["fp32", "bf16"], choices=["fp32", "bf16"])
    args = parser.parse_args()
    trials = 2 * args.seeds
    fit_flops, _ = flops_per_trial(args.iterations)
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        rates = {name: pool.apply(_product_in_process, (name,)) for name in args.precisions}
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        latents = write_latents(folder)
        print(
            f"{trials} trials (margin @10% random partitions, random; {args.seeds} seeds), protocol 100 + "
            f"{args.iterations} x 100, MLP 512-512, 20 epochs; Fashion-MNIST PCA-30 latents 55,000 x 30; 2 workers"
        )
        print("one-thread 100 x 512 @ 512 x 512: " + ", ".join(f"{n} {r:.1f} GFLOP/s" for n, r in rates.items()))
        rows = []  # (name, seconds, idle share, fit GFLOP/s against the precision's product rate, test accuracy)
        for precision in args.precisions:
            for pack in args.packs:
                seconds, outcome, fit = run_latentsweep(folder, latents, args.seeds, args.iterations, pack, precision)
                assert outcome.succeeded == trials, outcome.summary()
                share = fit_flops / fit / 1e9 / rates[precision]
                name = f"latentsweep run {precision} (pack {pack})"
                rows.append((name, seconds, outcome.idle_share, share, _stored_accuracy(folder, pack, precision)))
        plain, plain_accuracy = run_plain(latents, args.seeds, args.iterations)
        rows.append(("plain PyTorch fp32, 2 single-thread processes", plain, None, None, plain_accuracy))
        mixed, mixed_accuracy = run_plain(latents, args.seeds, args.iterations, autocast=True)
        rows.append(("plain PyTorch + autocast bf16, 2 processes", mixed, None, None, mixed_accuracy))
        print(
            f"{'':48s} {'seconds':>8s} {'trials/hour':>12s} {'vs plain':>9s} {'vs autocast':>12s} "
            f"{'idle':>6s} {'fit of product':>15s} {'test acc':>9s}"
        )
        for name, seconds, idle, share, accuracy in rows:
            idle_text = "-" if idle is None else f"{100 * idle:.1f}%"
            share_text = "-" if share is None else f"{100 * share:.0f}%"
            print(
                f"{name:48s} {seconds:8.1f} {3600 * trials / seconds:12.1f} {plain / seconds:8.2f}x "
                f"{mixed / seconds:11.2f}x {idle_text:>6s} {share_text:>15s} {accuracy:9.4f}"
            )


def _stored_accuracy(folder: Path, pack: str, precision: str) -> float:
    import pandas as pd

    trials = pd.read_parquet(folder / f"results-{pack}-{precision}" / "throughput" / "trials")
    return float(trials.final_test_accuracy.mean())


if __name__ == "__main__":
    main()
