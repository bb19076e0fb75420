"""Conv VAE (d = 30) on Fashion-MNIST, then margin sampling vs random sampling (thesis protocol).

    python examples/fashion_mnist_margin_vs_random.py --epochs 6 --seeds 3

Trains the convolutional VAE of thesis Table 4.1 on the 55,000 pool images, encodes them, and runs
100 initial labels + 29 iterations of 100 with the 512-512 MLP for each strategy and seed, all trials
in one pack. Prints per-epoch VAE losses, the used latent dimensions and the final test accuracies
(mean and corrected standard deviation over the seeds).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np
import torch

from latentsweep.data import load_splits
from latentsweep.engine import BudgetSpec, RepresentationSpec, StrategySpec, TrialSpec, run_pack, train_representation
from latentsweep.models import set_torch_threads

STRATEGIES = {
    "margin (top-k)": StrategySpec(uncertainty="margin", batch="top-k"),
    "margin (10% subsample, random partitions)": StrategySpec(
        uncertainty="margin", batch="random-partitions", subsample=0.1
    ),
    "random": StrategySpec(uncertainty="random"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=6, help="conv VAE epochs (thesis: 64)")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--output", type=Path, default=Path("examples/output"))
    args = parser.parse_args()
    set_torch_threads(args.threads)
    args.output.mkdir(parents=True, exist_ok=True)

    splits = load_splits("fashion-mnist")
    representation = RepresentationSpec(kind="conv-vae", latent_dim=30, epochs=args.epochs, seed=0)
    started = time.perf_counter()
    trained = train_representation(splits, representation)
    latent = trained.latent_set
    print(f"conv VAE: {args.epochs} epochs in {time.perf_counter() - started:.0f} s on {latent.metadata['device']}")
    for epoch, (train, val, seconds) in enumerate(
        zip(trained.history.train_loss, trained.history.val_loss, trained.history.seconds, strict=True), 1
    ):
        print(f"  epoch {epoch}: train loss {train:.2f}, validation loss {val:.2f} ({seconds:.0f} s)")
    print(f"  used latent dimensions: {latent.metadata['used_latent_dimensions']} of 30")
    np.savez(args.output / "fashion_mnist_conv_vae_d30.npz", pool=latent.pool, pool_logvar=latent.pool_logvar)

    specs = [
        TrialSpec("fashion-mnist", latent.representation, strategy, budget=BudgetSpec(), seed=seed)
        for strategy in STRATEGIES.values()
        for seed in range(args.seeds)
    ]
    started = time.perf_counter()
    results = run_pack(latent, specs)
    print(f"{len(specs)} trials (one pack) in {time.perf_counter() - started:.0f} s")
    summary = {}
    for name, strategy in STRATEGIES.items():
        mine = [r for r in results if r.spec.strategy == strategy]
        accuracies = [r.test_accuracy for r in mine]
        summary[name] = {
            "test_accuracy": accuracies,
            "mean": statistics.mean(accuracies),
            "std": statistics.stdev(accuracies) if len(accuracies) > 1 else float("nan"),
            "val_curve_mean": np.mean([[row.val_accuracy for row in r.iterations] for r in mine], axis=0).tolist(),
        }
        print(
            f"{name:45s} test accuracy at 3,000 labels: {summary[name]['mean']:.4f} +- {summary[name]['std']:.4f}"
            f"  ({', '.join(f'{a:.4f}' for a in accuracies)})"
        )
    (args.output / "fashion_mnist_summary.json").write_text(
        json.dumps({"vae": dict(latent.metadata), "strategies": summary}, indent=2)
    )


if __name__ == "__main__":
    main()
