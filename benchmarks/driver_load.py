"""The driver under load: thousands of trials whose active-learning work is trivial, through the real
driver on the local Ray instance.

    python benchmarks/driver_load.py                    # 2,000 trials, then the 10,000-trial read test
    python benchmarks/driver_load.py --trials 500 2000 --read 0
    python benchmarks/driver_load.py --trials 2000 --read 0 --export   # and the trackers' export of that store

Printed per run: the driver's CPU time per trial (the process's own CPU seconds during the run, Ray's
processes excluded), its peak memory (RSS high-water mark of the driver process) and wall time; then the
time to read the stored tables (trials, curves, queries) with `ResultStore` and with pandas, before and
after `latentsweep compact`. Targets: <= 5 ms of driver time per trial, driver memory flat in the number
of trials, the 2,000-trial store read in under 2 s.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

CONFIG = """
name = "load"
seeds = {trials}

[data]
dataset = "digits"

[[representations]]
kind = "pixels"

[classifier]
hidden = [4]
epochs = 1
batch_size = 10

[budget]
initial = 10
batch = 10
iterations = 0

[[strategies.list]]
uncertainty = "random"

[ray]
workers = 2
"""

MEASURE = """
import json, resource, sys, time
from latentsweep.config import load_config
from latentsweep.orchestrator import RunOptions, run_sweep
config = load_config(sys.argv[1])
wall, cpu = time.perf_counter(), time.process_time()
outcome = run_sweep(config, RunOptions(results=sys.argv[2], display="quiet", poll_seconds=0.2))
print(json.dumps({"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "ok": outcome.succeeded}))
"""


def run(folder: Path, trials: int) -> dict:
    import json

    config = folder / f"load-{trials}.toml"
    config.write_text(textwrap.dedent(CONFIG.format(trials=trials)))
    completed = subprocess.run(
        [sys.executable, "-c", MEASURE, str(config), str(folder / f"results-{trials}")],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(completed.stdout.strip().splitlines()[-1])


def read_times(folder: Path) -> tuple[float, float]:
    import pandas as pd

    from latentsweep.results import ResultStore

    store = ResultStore(folder.parent, folder.name)
    started = time.perf_counter()
    for name in ("trials", "curves", "queries"):
        store.table(name)
    with_store = time.perf_counter() - started
    started = time.perf_counter()
    for name in ("trials", "curves", "queries"):
        pd.read_parquet(folder / name)
    return with_store, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, nargs="+", default=[500, 2000])
    parser.add_argument("--read", type=int, default=10_000, help="trials of the read test (0: none)")
    parser.add_argument("--export", action="store_true", help="also time `export mlflow` and `export tensorboard`")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        print(f"{'trials':>7s} {'wall s':>8s} {'driver CPU s':>13s} {'ms/trial':>9s} {'peak RSS MB':>12s}")
        for trials in args.trials:
            figures = run(folder, trials)
            assert figures["ok"] == trials, figures
            per_trial = 1000 * figures["cpu"] / trials
            print(
                f"{trials:7d} {figures['wall']:8.1f} {figures['cpu']:13.2f} {per_trial:9.2f} {figures['rss_mb']:12.0f}"
            )
        for trials in args.trials:
            store_s, pandas_s = read_times(folder / f"results-{trials}" / "load")
            print(f"read {trials} trials (3 tables): ResultStore {store_s:.2f} s, pandas {pandas_s:.2f} s")
        if args.export:
            for trials in args.trials:
                sweep = folder / f"results-{trials}" / "load"
                for tracker in ("mlflow", "tensorboard"):
                    for attempt in ("first", "again"):
                        started = time.perf_counter()
                        done = subprocess.run([sys.executable, "-m", "latentsweep.cli", "export", tracker, str(sweep)],
                                              check=True, capture_output=True, text=True)  # fmt: skip
                        seconds = time.perf_counter() - started
                        print(f"export {tracker} of {trials} trials ({attempt}): {seconds:.1f} s: "
                              f"{done.stdout.strip().splitlines()[-1]}")  # fmt: skip
        if args.read:
            figures = run(folder, args.read)
            sweep = folder / f"results-{args.read}" / "load"
            before = read_times(sweep)
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "latentsweep.cli", "compact", str(sweep)], check=True, capture_output=True
            )
            compact_s = time.perf_counter() - started
            after = read_times(sweep)
            print(f"{args.read} trials: run {figures['wall']:.0f} s, compact {compact_s:.1f} s")
            print(f"  read before compact: ResultStore {before[0]:.2f} s, pandas {before[1]:.2f} s")
            print(f"  read after compact:  ResultStore {after[0]:.2f} s, pandas {after[1]:.2f} s")


if __name__ == "__main__":
    main()
