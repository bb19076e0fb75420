"""Is mixed precision the same science? The thesis protocol in float32 and in bf16 on paired seeds.

    python benchmarks/precision_equivalence.py                    # Fashion-MNIST and digits, 10 seeds each
    python benchmarks/precision_equivalence.py --seeds 12 --results /tmp/eq   # keep (and reuse) the runs

One `latentsweep run` per data set with two `[[classifier]]` tables that differ only in `precision`, so
every (strategy, seed) runs in both with the same initial batch:
- Fashion-MNIST: the dense VAE's latents (d = 30, 10 epochs, trained once in float32), 100 + 29 x 100 =
  3,000 labels, the thesis MLP;
- digits (scikit-learn's 8x8): the pixels, 100 + 9 x 50 = 550 labels (its pool has 1,137 images).
Strategies: margin with random partitions over a 10% subsample (the thesis' best), and random.

Per data set and strategy: the paired mean difference bf16 - fp32 of final test accuracy and of the area
under the validation curve with 90% t intervals, the TOST verdict for a margin of 0.5 accuracy points
(equivalent when the 90% interval lies inside +-0.005), and the share of the first query's 100 indices
(after the shared initial batch) that both precisions chose.
"""

from __future__ import annotations

import argparse
import tempfile
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd

MARGIN = 0.005

CONFIG = """
name = "{name}"
seeds = {seeds}

[data]
dataset = "{dataset}"

[[representations]]
{representation}

[[classifier]]
precision = "fp32"

[[classifier]]
precision = "bf16"

[budget]
{budget}

[[strategies.list]]
uncertainty = "margin"
batch = "random-partitions"
subsample = 0.1

[[strategies.list]]
uncertainty = "random"
"""

SETS = {
    "fashion-mnist": (
        'kind = "dense-vae"\nlatent_dim = 30\nepochs = 10',
        "initial = 100\nbatch = 100\niterations = 29",
    ),
    "digits": ('kind = "pixels"', "initial = 100\nbatch = 50\niterations = 9"),
}


def run(dataset: str, seeds: int, results: Path) -> Path:
    from latentsweep.config import load_config
    from latentsweep.orchestrator import RunOptions, run_sweep

    representation, budget = SETS[dataset]
    name = f"precision-{dataset}"
    results.mkdir(parents=True, exist_ok=True)
    path = results / f"{name}.toml"
    text = CONFIG.format(name=name, seeds=seeds, dataset=dataset, representation=representation, budget=budget)
    path.write_text(textwrap.dedent(text))
    outcome = run_sweep(load_config(path), RunOptions(results=results, display="quiet"))
    assert outcome.failed == 0, outcome.summary()
    return results / name


def first_query_overlap(folder: Path, trials: pd.DataFrame) -> dict[str, float]:
    """Per strategy: the mean share of the first query's indices that fp32 and bf16 both chose."""
    queries = pd.read_parquet(folder / "queries")
    first = queries[queries.iteration == 1].set_index("trial_id")["indices"]
    shares: dict[str, list[float]] = {}
    for (strategy, _seed), group in trials.groupby(["strategy", "seed"]):
        chosen = {row.precision: set(first[row.trial_id]) for row in group.itertuples()}
        if len(chosen) == 2:
            shares.setdefault(strategy, []).append(len(chosen["fp32"] & chosen["bf16"]) / len(chosen["fp32"]))
    return {strategy: float(np.mean(values)) for strategy, values in shares.items()}


def main() -> None:
    from latentsweep.report.statistics import tost

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--sets", nargs="+", default=list(SETS), choices=list(SETS))
    parser.add_argument("--results", type=Path, help="keep the runs here (a second call reads them back)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        results = args.results or Path(directory)
        print(f"bf16 - fp32, paired over {args.seeds} seeds; 90% t intervals; TOST margin +-{MARGIN}")
        print(
            f"{'data set':14s} {'strategy':24s} {'test accuracy fp32 / bf16':>26s} {'difference [90% CI]':>30s} "
            f"{'TOST p':>7s} {'verdict':>14s} {'AUBC difference [90% CI]':>32s} {'first query':>11s}"
        )
        for dataset in args.sets:
            folder = run(dataset, args.seeds, results)
            trials = pd.read_parquet(folder / "trials")
            overlap = first_query_overlap(folder, trials)
            for strategy, group in trials.groupby("strategy", sort=False):
                paired = group.pivot_table(
                    index="seed", columns="precision", values=["final_test_accuracy", "val_accuracy_auc"]
                )
                accuracy = tost(paired["final_test_accuracy"]["bf16"], paired["final_test_accuracy"]["fp32"], MARGIN)
                area = tost(paired["val_accuracy_auc"]["bf16"], paired["val_accuracy_auc"]["fp32"], MARGIN)
                means = paired["final_test_accuracy"].mean()
                verdict = "equivalent" if accuracy.equivalent else "not shown"
                print(
                    f"{dataset:14s} {strategy:24s} {means['fp32']:>12.4f} / {means['bf16']:.4f} "
                    f"{accuracy.mean_difference:+10.4f} [{accuracy.interval[0]:+.4f}, {accuracy.interval[1]:+.4f}] "
                    f"{accuracy.p:7.3f} {verdict:>14s} {area.mean_difference:+12.4f} "
                    f"[{area.interval[0]:+.4f}, {area.interval[1]:+.4f}] {overlap.get(strategy, float('nan')):10.0%}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
