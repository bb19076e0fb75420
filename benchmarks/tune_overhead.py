"""What the tune loop costs on top of the active-learning work: 100 Optuna trials whose AL work is trivial.

    python benchmarks/tune_overhead.py [--trials 100] [--sampler tpe]

Each Optuna trial is one seed of a trial with a tiny budget (10 labels, no query iteration, an MLP of 8
units for one epoch) on 8x8 digits, so almost all of its time is the loop itself: ask, build the pack,
dispatch it to a Ray actor, stream its events back, checkpoint, store three Parquet files, tell. Printed:
the search stage's wall time, the AL work inside it (the trials' own seconds), and the difference per
trial. Ray Tune with OptunaSearch needs about 23 s for 100 such trials (ray-project/ray#11004).
"""

from __future__ import annotations

import argparse
import tempfile
import textwrap
import time
from pathlib import Path

import pandas as pd

CONFIG = """
name = "overhead"
seeds = 1

[data]
dataset = "digits"

[[representations]]
kind = "pixels"

[classifier]
hidden = [8]
epochs = 1

[budget]
initial = 10
batch = 10
iterations = 0

[tune]
trials = {trials}
sampler = "{sampler}"
pruner = "none"
final_seeds = 0

[tune.fixed]
uncertainty = "margin"

[tune.space]
subsample = [0.1, 1.0]

[ray]
workers = 2
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--sampler", default="tpe")
    args = parser.parse_args()
    from latentsweep.config import load_tune_config
    from latentsweep.orchestrator.tuner import TuneOptions, run_tune

    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        path = folder / "overhead.toml"
        path.write_text(textwrap.dedent(CONFIG.format(trials=args.trials, sampler=args.sampler)))
        config = load_tune_config(path)
        started = time.perf_counter()
        outcome = run_tune(config, TuneOptions(results=folder / "results", display="quiet"))
        total = time.perf_counter() - started
        trials = pd.read_parquet(folder / "results" / "overhead" / "trials")
        checkpoint = pd.read_parquet(folder / "results" / "overhead" / "curves")
        assert outcome.complete == args.trials and len(trials) == args.trials, outcome.summary()
        search = outcome.search_seconds
        work = float(trials["seconds"].sum())
        print(f"{args.trials} Optuna trials ({args.sampler}), trivial AL work, 2 workers, local Ray")
        print(f"whole command (Ray start, data, figures included): {total:.1f} s")
        print(f"search stage (ask, dispatch, stream, store, tell):  {search:.2f} s")
        print(f"AL work inside the trials (fit, predict, select):   {work:.2f} s, over 2 workers {work / 2:.2f} s")
        overhead = max(0.0, search - work / 2)
        each = 1000 * overhead / args.trials
        print(f"loop overhead: {overhead:.2f} s for {args.trials} trials = {each:.1f} ms each (target: < 3 s in all)")
        print(f"curve rows stored: {len(checkpoint)}")


if __name__ == "__main__":
    main()
