"""Selection seconds per AL iteration for every strategy, on a pool of 55,000 latents.

    python benchmarks/selection_cost.py [--threads 1] [--labels 1000]

Each strategy runs one query iteration of a trial (the MLP 512-512 trained for 2 epochs on `--labels`
labels, then a batch of 100 chosen) on Fashion-MNIST-sized Gaussian-cluster latents (55,000 x 30, 10
classes); printed is the selection time of that iteration: the model outputs the strategy declared it
needs (class probabilities, 20 MC-dropout passes, gradient embeddings) plus the strategy itself, over the
whole pool and over the subsample the comparison config uses.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from latentsweep.engine import BudgetSpec, ClassifierSpec, StrategySpec, TrialSpec, run_trial
from latentsweep.models import configure_worker

sys.path.insert(0, str(Path(__file__).parent))
from trial_throughput import synthetic_latent_set

STRATEGIES = {
    "margin, top-k": (dict(uncertainty="margin"), (1.0,)),
    "margin, random partitions": (dict(uncertainty="margin", batch="random-partitions"), (1.0, 0.1)),
    "random": (dict(uncertainty="random"), (1.0,)),
    "margin + density-euclidean, greedy": (
        dict(uncertainty="margin", representativeness="density-euclidean", gamma=0.5, batch="greedy", alpha=0.3),
        (1.0, 0.01),
    ),
    "BALD (20 passes), top-k": (dict(uncertainty="bald"), (1.0, 0.1)),
    "max-entropy MC (20 passes)": (dict(uncertainty="max-entropy-mc"), (1.0, 0.1)),
    "BatchBALD (20 passes)": (dict(batch="batchbald"), (0.01,)),
    "BADGE": (dict(batch="badge"), (1.0, 0.1)),
    "core-set (k-center-greedy)": (dict(batch="k-center-greedy"), (1.0, 0.1)),
    "TypiClust": (dict(batch="typiclust"), (0.1, 0.02)),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--labels", type=int, default=1000)
    args = parser.parse_args()
    configure_worker(args.threads)
    latent = synthetic_latent_set()
    budget = BudgetSpec(initial=args.labels, batch=100, iterations=1)
    classifier = ClassifierSpec(epochs=2)
    print(f"selection seconds per iteration, pool 55,000 x 30, {args.labels} labels, {args.threads} thread(s)")
    print(f"{'strategy':38s} {'subsample':>9s} {'candidates':>10s} {'seconds':>8s}")
    for name, (fields, subsamples) in STRATEGIES.items():
        for subsample in subsamples:
            strategy = StrategySpec.build({**fields, "subsample": subsample}).canonical()
            spec = TrialSpec("synthetic", "latent-55k-30", strategy, classifier, budget, seed=0)
            result = run_trial(latent, spec)
            assert result.status == "ok", result.error
            candidates = round(subsample * (55_000 - args.labels)) if subsample < 1 else 55_000 - args.labels
            seconds = result.iterations[1].selection_seconds
            print(f"{name:38s} {subsample:9g} {candidates:10d} {seconds:8.3f}")


if __name__ == "__main__":
    main()
