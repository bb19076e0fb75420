"""A minute-long tour of the trial engine on scikit-learn's 8x8 digits (no download, no Ray).

    python examples/digits_quickstart.py

Trains a dense VAE on the digits pool, encodes it, and runs margin sampling, a greedy diverse
variant and random sampling for 3 seeds each, as one pack of 9 trials (100 initial labels + 6 x 50).
"""

from __future__ import annotations

import statistics
import time

from latentsweep.data import load_splits
from latentsweep.engine import (
    BudgetSpec,
    ClassifierSpec,
    RepresentationSpec,
    StrategySpec,
    TrialSpec,
    run_pack,
    train_representation,
)
from latentsweep.models import set_torch_threads

STRATEGIES = {
    "margin": StrategySpec(uncertainty="margin"),
    "margin, greedy (euclidean, alpha 0.5)": StrategySpec(uncertainty="margin", batch="greedy", alpha=0.5),
    "random": StrategySpec(uncertainty="random"),
}


def main() -> None:
    set_torch_threads(2)
    splits = load_splits("digits")
    started = time.perf_counter()
    trained = train_representation(splits, RepresentationSpec(kind="dense-vae", latent_dim=10, epochs=60, seed=0))
    latent = trained.latent_set
    print(
        f"dense VAE on digits: {time.perf_counter() - started:.0f} s, validation loss "
        f"{trained.history.val_loss[0]:.1f} -> {trained.history.val_loss[-1]:.1f}, "
        f"{latent.metadata['used_latent_dimensions']} of 10 latent dimensions used"
    )
    budget = BudgetSpec(initial=100, batch=50, iterations=6)
    classifier = ClassifierSpec(hidden=(128, 128))
    specs = [
        TrialSpec("digits", latent.representation, strategy, classifier, budget, seed)
        for strategy in STRATEGIES.values()
        for seed in range(3)
    ]
    started = time.perf_counter()
    results = run_pack(latent, specs)
    print(
        f"{len(specs)} trials in {time.perf_counter() - started:.0f} s; test accuracy at {budget.final_labels} labels:"
    )
    for name, strategy in STRATEGIES.items():
        accuracies = [r.test_accuracy for r in results if r.spec.strategy == strategy]
        print(f"  {name:40s} {statistics.mean(accuracies):.3f} +- {statistics.stdev(accuracies):.3f}")


if __name__ == "__main__":
    main()
