"""Every registered strategy on pools of 55,000 to 1,000,000 embeddings: seconds per selection of 100, its work
(the entry's declared FLOP), that work at this machine's measured float32 product rate, and the peak memory the
work added to the process that ran it, beyond the pool and the imports (each entry in a fresh process, as a
worker would be; the target is at most 1 GB more than the pool's bytes).

    python benchmarks/pool_scale.py [--sizes 55000 250000 1000000] [--dim 64] [--threads 1] [--device cpu]
    python benchmarks/pool_scale.py --sizes 1000000 --dim 768      # the wide case: rules with a subsample
    python benchmarks/pool_scale.py --only k-center-greedy typiclust --sizes 1000000

Batch rules and uncertainty measures run one query iteration of a real trial (the thesis' MLP 512-512 trained
for 2 epochs on 500 labels, then a batch of 100 chosen among every unlabelled row, or the subsample named);
representativeness measures are computed over the pool once (as stage 1 does); initial samplers choose 100.
The pool is ten Gaussian clusters (float32). `--device cuda` runs the same on a GPU.

`--warm` runs two query iterations and reports the second selection (the first in brackets): a fresh process
first touches the memory a selection needs, which on a virtual machine costs seconds per GB (filling a new
2 GB array took 5.5 s on this project's machines, a second one 0.2 s); a worker in a sweep pays it once.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np

LABELLED, BATCH, CLASSES = 500, 100, 10
ENTRIES = {  # name: (kind, strategy fields or None, subsample at d >= 512 (None: runs as it is))
    "random": ("batch", {"uncertainty": "random"}, None),
    "margin/top-k": ("batch", {"uncertainty": "margin"}, None),
    "entropy/top-k": ("batch", {"uncertainty": "entropy"}, None),
    "least-confident/top-k": ("batch", {"uncertainty": "least-confident"}, None),
    "margin/random-partitions": ("batch", {"uncertainty": "margin", "batch": "random-partitions"}, None),
    "margin/greedy": ("batch", {"uncertainty": "margin", "batch": "greedy", "alpha": 0.5}, 0.1),
    "bald": ("batch", {"uncertainty": "bald"}, 0.1),
    "epig@0.1": ("batch", {"uncertainty": "epig", "subsample": 0.1}, 0.01),  # not row-wise: subsampled
    "max-entropy-mc": ("batch", {"uncertainty": "max-entropy-mc"}, 0.1),
    "batchbald": ("batch", {"batch": "batchbald", "subsample": 0.01}, 0.001),
    "badge": ("batch", {"batch": "badge"}, 0.1),
    "k-center-greedy": ("batch", {"batch": "k-center-greedy"}, None),
    "typiclust": ("batch", {"batch": "typiclust"}, None),
    "vote-entropy": ("ensemble", {"uncertainty": "vote-entropy"}, None),
    "consensus-entropy": ("ensemble", {"uncertainty": "consensus-entropy"}, None),
    "max-disagreement": ("ensemble", {"uncertainty": "max-disagreement"}, None),
}


def pool(n: int, d: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Ten Gaussian clusters, made in blocks into one float32 array (no transient second copy)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=3.0, size=(CLASSES, d)).astype(np.float32)
    labels = rng.integers(0, CLASSES, n)
    features = np.empty((n, d), dtype=np.float32)
    for start in range(0, n, 65_536):
        part = features[start : start + 65_536]
        rng.standard_normal(out=part, dtype=np.float32)
        part += centres[labels[start : start + 65_536]]
    return features, labels


def product_rate(threads: int, device: str) -> float:
    """float32 FLOP per second of a 2048^3 product on this machine's threads (or the GPU)."""
    import torch

    torch.set_num_threads(threads)
    a = torch.randn(2048, 2048, device=device)
    for _ in range(2):
        a @ a
    if device == "cuda":
        torch.cuda.synchronize()
    started = time.perf_counter()
    for _ in range(5):
        a @ a
    if device == "cuda":
        torch.cuda.synchronize()
    return 5 * 2 * 2048**3 / (time.perf_counter() - started)


def one(kind: str, name: str, n: int, d: int, threads: int, device: str, warm: bool = False) -> dict:
    """Runs one entry in this process; returns its seconds, work and peak memory."""
    from latentsweep.engine import LatentSet
    from latentsweep.models import configure_worker
    from latentsweep.strategies import INITIAL_SELECTION, REPRESENTATIVENESS, InitialParams, InitialPool
    from latentsweep.strategies.work import Work

    configure_worker(threads)
    features, labels = pool(n, d)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    if kind == "measure":
        started = time.perf_counter()
        REPRESENTATIVENESS[name](features, None)
        seconds = time.perf_counter() - started
        work = REPRESENTATIVENESS.declared(name).cost(n, d)
    elif kind == "initial":
        started = time.perf_counter()
        INITIAL_SELECTION[name](InitialPool(features), BATCH, np.random.default_rng(0), InitialParams(clusters=CLASSES))
        seconds = time.perf_counter() - started
        cost = INITIAL_SELECTION.declared(name).cost
        work = cost(Work(n=n, d=d, k=BATCH, classes=CLASSES)) if cost else 0.0
    else:
        seconds, work = _selection(kind, name, features, labels, d, device, warm)
    del LatentSet
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"seconds": seconds, "work": work, "peak": peak, "pool": features.nbytes, "before": base}


def _selection(kind, name, features, labels, d, device, warm=False):
    from latentsweep.engine import BudgetSpec, ClassifierSpec, LatentSet, StrategySpec, TrialSpec, run_trial
    from latentsweep.orchestrator.costs import selection_work

    fields = dict(ENTRIES[name][1])
    wide = ENTRIES[name][2]
    if d >= 512 and wide is not None:
        fields["subsample"] = wide
    test, test_labels = pool(2000, d, seed=1)
    latent = LatentSet("synthetic", "scale", features, labels, test[:1000], test_labels[:1000], test, test_labels,
                       CLASSES)  # fmt: skip
    classifier = ClassifierSpec(epochs=2) if kind != "ensemble" else ClassifierSpec(kind="ensemble", epochs=2)
    spec = TrialSpec("synthetic", "scale", StrategySpec.build(fields).canonical(), classifier,
                     BudgetSpec(initial=LABELLED, batch=BATCH, iterations=2 if warm else 1), seed=0)  # fmt: skip
    result = run_trial(latent, spec, device=device)
    assert result.status == "ok", result.error
    labelled = LABELLED + BATCH * warm
    candidates = max(1, int((len(features) - labelled) * spec.strategy.subsample))
    work = selection_work(spec.strategy, classifier, n=candidates, d=d, labelled=labelled, k=BATCH, classes=CLASSES)
    if warm:
        return (result.iterations[2].selection_seconds, result.iterations[1].selection_seconds), work
    return result.iterations[1].selection_seconds, work


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[55_000, 250_000, 1_000_000])
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--threads", type=int, default=1, help="torch threads, as one worker has (default 1)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--only", nargs="+", help="only these entries")
    parser.add_argument("--skip", nargs="+", default=[], help="leave these entries out")
    parser.add_argument("--kinds", nargs="+", help="only entries of these kinds (batch, ensemble, measure, initial)")
    parser.add_argument("--warm", action="store_true", help="report a worker's second selection (batch rules)")
    parser.add_argument("--one", nargs=4, help=argparse.SUPPRESS)  # kind name n d: run one entry, print JSON
    args = parser.parse_args()
    if args.one:
        kind, name, n, d = args.one
        print(json.dumps(one(kind, name, int(n), int(d), args.threads, args.device, args.warm)))
        return
    from latentsweep.strategies import INITIAL_SELECTION, REPRESENTATIVENESS

    entries = [(kind, name) for name, (kind, _, _) in ENTRIES.items()]
    entries += [("measure", m) for m in sorted(REPRESENTATIVENESS) if not m.startswith("pixel-")
                and not REPRESENTATIVENESS.declared(m).needs_posterior]  # fmt: skip
    entries += [("initial", s) for s in sorted(INITIAL_SELECTION) if s not in ("all", "ae-error")]
    entries = [(k, e) for k, e in entries if (not args.only or e in args.only) and e not in args.skip
               and (not args.kinds or k in args.kinds)]  # fmt: skip
    rate = product_rate(args.threads, args.device)
    print(f"float32 product rate: {rate / 1e9:.1f} GFLOP/s on {args.threads} thread(s), {args.device}")
    print(f"{'entry':28s} {'kind':9s} {'N':>9s} {'d':>4s} {'seconds':>9s} {'work':>12s} {'at rate':>9s} "
          f"{'ratio':>6s} {'extra RSS':>9s} {'<= 1 GB':>11s}")  # fmt: skip
    for n in args.sizes:
        for kind, name in entries:
            command = [sys.executable, __file__, "--one", kind, name, str(n), str(args.dim), "--threads",
                       str(args.threads), "--device", args.device, *(["--warm"] if args.warm else [])]  # fmt: skip
            done = subprocess.run(command, capture_output=True, text=True)
            if done.returncode != 0:
                last = done.stderr.strip().splitlines()[-1:]
                print(f"{name:28s} {kind:9s} {n:9d} {args.dim:4d} failed (exit {done.returncode}): {last}")
                continue
            found = json.loads(done.stdout.strip().splitlines()[-1])
            first = ""
            if isinstance(found["seconds"], list):  # --warm: (the second selection, the first)
                found["seconds"], first = found["seconds"][0], f" (first {found['seconds'][1]:.2f})"
            at_rate = found["work"] / rate
            ratio = found["seconds"] / at_rate if at_rate > 0 else float("nan")
            extra = found["peak"] - found["before"]  # beyond the process with its pool (imports, the pool itself)
            within = "yes" if extra <= 1 << 30 else "NO"
            print(f"{name:28s} {kind:9s} {n:9d} {args.dim:4d} {found['seconds']:9.2f} {found['work']:12.3g} "
                  f"{at_rate:9.2f} {ratio:6.1f} {extra / 2**30:8.2f}G {within:>11s}{first}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
