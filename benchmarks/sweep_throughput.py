"""A whole `latentsweep run` against plain PyTorch: trials per hour, and how much worker time sits idle.

    python benchmarks/sweep_throughput.py                 # 2 strategies x 5 seeds, thesis protocol, 2 workers
    python benchmarks/sweep_throughput.py --iterations 4  # a quick look

The latents are Fashion-MNIST (the Debian files) projected to 30 principal components: 55,000 x 30, real
structure, no autoencoder to wait for, given to the sweep as an `embeddings` file. The trials are the
thesis protocol (100 initial + iterations x 100 labels, MLP 512-512, dropout 0.2, RMSprop, 20 epochs,
batch 100): margin with random partitions over a 10% subsample, and random, for each seed.

The same trials then run as plain single-thread processes (two side by side, as the sweep's two workers)
with a minimal sequential PyTorch loop written here. Every figure comes from this one run: compare the
ratio, not the seconds (shared, noisy machines).
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


def run_latentsweep(folder: Path, latents: Path, seeds: int, iterations: int, pack: str) -> tuple[float, object]:
    from latentsweep.config import load_config
    from latentsweep.orchestrator import RunOptions, run_sweep

    config_path = folder / "throughput.toml"
    pack_line = f"pack_size = {pack}" if pack != "auto" else ""
    config_path.write_text(
        textwrap.dedent(CONFIG.format(seeds=seeds, path=latents, iterations=iterations, pack=pack_line))
    )
    config = load_config(config_path)
    started = time.perf_counter()
    outcome = run_sweep(config, RunOptions(results=folder / f"results-{pack}", display="quiet"))
    return time.perf_counter() - started, outcome


def plain_trials(latents: str, jobs: list[tuple[str, int]], iterations: int) -> list[float]:
    """A minimal sequential PyTorch active-learning loop, one thread: test accuracy of each (strategy, seed)."""
    import torch
    from torch import nn

    torch.set_num_threads(1)
    data = np.load(latents)
    pool, pool_labels = torch.from_numpy(data["pool"]), torch.from_numpy(data["pool_labels"])
    val, val_labels = torch.from_numpy(data["val"]), torch.from_numpy(data["val_labels"])
    test, test_labels = torch.from_numpy(data["test"]), torch.from_numpy(data["test_labels"])
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
                    loss = nn.functional.cross_entropy(model(x[batch]), y[batch])
                    optimiser.zero_grad()
                    loss.backward()
                    optimiser.step()
            model.eval()
            with torch.no_grad():
                (model(val).argmax(1) == val_labels).float().mean()
                (model(x).argmax(1) == y).float().mean()
            if iteration == iterations:
                break
            unlabelled = np.setdiff1d(np.arange(len(pool)), labelled)
            if strategy == "random":
                chosen = rng.choice(unlabelled, 100, replace=False)
            else:
                candidates = rng.choice(unlabelled, max(100, math.ceil(0.1 * len(unlabelled))), replace=False)
                with torch.no_grad():
                    probs = torch.softmax(model(pool[candidates]), 1)
                top = probs.topk(2, dim=1).values
                uncertainty = (1 - (top[:, 0] - top[:, 1])).numpy()
                parts = np.array_split(rng.permutation(len(candidates)), 100)
                chosen = np.array([candidates[part[np.argmax(uncertainty[part])]] for part in parts])
            labelled = np.concatenate([labelled, chosen])
            model.train()
        with torch.no_grad():
            accuracies.append(float((model(test).argmax(1) == test_labels).float().mean()))
    return accuracies


def run_plain(latents: Path, seeds: int, iterations: int) -> float:
    jobs = [(strategy, seed) for seed in range(seeds) for strategy in ("margin", "random")]
    halves = [jobs[0::2], jobs[1::2]]
    started = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        pool.starmap(plain_trials, [(str(latents), half, iterations) for half in halves])
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--iterations", type=int, default=29)
    parser.add_argument("--packs", nargs="+", default=["auto"], help="pack sizes to run ('auto' or integers)")
    args = parser.parse_args()
    trials = 2 * args.seeds
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        latents = write_latents(folder)
        print(
            f"{trials} trials (margin @10% random partitions, random; {args.seeds} seeds), protocol 100 + "
            f"{args.iterations} x 100, MLP 512-512, 20 epochs; Fashion-MNIST PCA-30 latents 55,000 x 30; 2 workers"
        )
        rows = []
        for pack in args.packs:
            seconds, outcome = run_latentsweep(folder, latents, args.seeds, args.iterations, pack)
            assert outcome.succeeded == trials, outcome.summary()
            rows.append((f"latentsweep run (pack {pack})", seconds, outcome.idle_share))
        plain = run_plain(latents, args.seeds, args.iterations)
        rows.append(("plain PyTorch, 2 single-thread processes", plain, None))
        print(f"{'':44s} {'seconds':>8s} {'trials/hour':>12s} {'vs plain':>9s} {'idle share':>11s}")
        for name, seconds, idle in rows:
            idle_text = "-" if idle is None else f"{100 * idle:.1f}%"
            print(f"{name:44s} {seconds:8.1f} {3600 * trials / seconds:12.1f} {plain / seconds:8.2f}x {idle_text:>11s}")


if __name__ == "__main__":
    main()
