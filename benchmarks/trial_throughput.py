"""Trial throughput of packs: seconds per trial and achieved GFLOP/s against a plain matrix product.

    python benchmarks/trial_throughput.py                      # CPU: packs 1, 8, 32, one and two processes
    python benchmarks/trial_throughput.py --precision fp32 bf16   # mixed precision beside float32
    python benchmarks/trial_throughput.py --device cuda --precision bf16 --packs 1 32 256 --processes 1

Fashion-MNIST-sized latent vectors (55,000 x 30, 10 classes; validation 5,000, test 10,000), the full
thesis protocol (100 initial + 29 x 100 labels, MLP 512-512, dropout 0.2, 20 epochs, batch 100) and
margin sampling with 10% subsampling and random partitions. torch is pinned to --threads per process.
Every figure comes from this one run; compare ratios, not absolute seconds (shared, noisy machines).
"""

from __future__ import annotations

import argparse
import multiprocessing
import time

import numpy as np
import torch

from latentsweep.engine import BudgetSpec, ClassifierSpec, LatentSet, StrategySpec, TrialSpec, run_pack
from latentsweep.models import MLPShape, configure_worker
from latentsweep.stopping import STOP_SET_SIZE

N_POOL, N_VAL, N_TEST, DIMENSIONS, CLASSES = 55_000, 5_000, 10_000, 30, 10


def synthetic_latent_set() -> LatentSet:
    """Ten Gaussian clusters in 30 dimensions: the size and shape of Fashion-MNIST conv-VAE latents."""
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(CLASSES, DIMENSIONS))

    def sample(n):
        labels = rng.integers(0, CLASSES, n)
        return (centres[labels] + rng.normal(scale=1.5, size=(n, DIMENSIONS))).astype(np.float32), labels

    pool, pool_labels = sample(N_POOL)
    val, val_labels = sample(N_VAL)
    test, test_labels = sample(N_TEST)
    return LatentSet(
        dataset="synthetic",
        representation="latent-55k-30",
        pool=pool,
        pool_logvar=np.full(pool.shape, -2.0, dtype=np.float32),
        pool_labels=pool_labels,
        val=val,
        val_labels=val_labels,
        test=test,
        test_labels=test_labels,
        n_classes=CLASSES,
    )


def trial_specs(pack: int, iterations: int, precision: str = "fp32") -> list[TrialSpec]:
    strategy = StrategySpec(uncertainty="margin", batch="random-partitions", subsample=0.1)
    budget = BudgetSpec(initial=100, batch=100, iterations=iterations)
    classifier = ClassifierSpec(precision=precision)
    return [TrialSpec("synthetic", "latent-55k-30", strategy, classifier, budget, seed=s) for s in range(pack)]


def flops_per_trial(iterations: int) -> tuple[float, float]:
    """(FLOPs of fitting incl. its accuracy passes, FLOPs of predicting the candidates) for one trial."""
    classifier, budget = ClassifierSpec(), BudgetSpec(iterations=iterations)
    per_example = 2 * MLPShape(DIMENSIONS, classifier.hidden, CLASSES).multiply_adds_per_example()
    fit = predict = 0.0
    for iteration in range(iterations + 1):
        labels = budget.initial + budget.batch * iteration
        # train (fwd + bwd), then what the loop records after the fit: validation, training accuracy and loss
        # (one pass each), test accuracy and the stop set's probabilities
        fit += per_example * (3 * classifier.epochs * labels + N_VAL + 2 * labels + N_TEST + STOP_SET_SIZE)
        if iteration > 0:
            predict += per_example * np.ceil(0.1 * (N_POOL - labels + budget.batch))
    return fit, predict


def matmul_gflops(device: torch.device, n: int = 2048, seconds: float = 3.0, dtype=torch.float32) -> float:
    a, b = torch.randn(n, n, device=device).to(dtype), torch.randn(n, n, device=device).to(dtype)
    (a @ b).sum().item()
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        c = a @ b
        count += 1
    c.sum().item()
    return 2 * n**3 * count / (time.perf_counter() - started) / 1e9


def measure(pack: int, iterations: int, threads: int, device: str, precision: str = "fp32") -> dict:
    configure_worker(threads)
    latent = synthetic_latent_set()
    started = time.perf_counter()
    results = run_pack(latent, trial_specs(pack, iterations, precision), device=device)
    seconds = time.perf_counter() - started
    fit_seconds = sum(row.fit_seconds for row in results[0].iterations) * pack
    return {
        "pack": pack,
        "seconds": seconds,
        "fit_seconds": fit_seconds,
        "test_accuracy": float(np.mean([r.test_accuracy for r in results])),
    }


def _worker(arguments):
    return measure(*arguments)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--packs", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--iterations", type=int, default=29, help="29 is the thesis protocol")
    parser.add_argument("--threads", type=int, default=1, help="torch threads per process")
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2], help="worker processes side by side")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--precision", nargs="+", default=["fp32"], choices=["fp32", "bf16"])
    args = parser.parse_args()
    configure_worker(args.threads)
    device = torch.device(args.device)
    dtypes = {"fp32": torch.float32, "bf16": torch.bfloat16}
    references = {name: matmul_gflops(device, dtype=dtypes[name]) for name in args.precision}
    fit_flops, predict_flops = flops_per_trial(args.iterations)
    print(f"device {device}, {args.threads} torch thread(s) per process, protocol 100 + {args.iterations} x 100")
    print("plain 2048x2048 matrix product: " + ", ".join(f"{n} {r:.1f} GFLOP/s" for n, r in references.items()))
    print(f"MLP work per trial: fit {fit_flops / 1e9:.0f} GFLOP, predict {predict_flops / 1e9:.1f} GFLOP")
    print(
        f"{'precision':>9} {'processes':>9} {'pack':>5} {'s/trial':>9} {'vs single':>10} "
        f"{'fit GFLOP/s':>12} {'of matmul':>10} {'test acc':>9}"
    )
    context = multiprocessing.get_context("spawn")
    for precision in args.precision:
        reference = references[precision]
        for processes in args.processes:
            _rows(context, args, precision, processes, reference, fit_flops)


def _rows(context, args, precision: str, processes: int, reference: float, fit_flops: float) -> None:
    """One line per pack size: seconds per trial with `processes` side by side, the fit's rate against the
    plain product of its precision, test accuracy."""
    single = None
    for pack in args.packs:
        jobs = [(pack, args.iterations, args.threads, args.device, precision)] * processes
        started = time.perf_counter()
        if processes == 1:
            runs = [measure(*jobs[0])]
        else:
            with context.Pool(processes) as workers:
                runs = workers.map(_worker, jobs)
        wall = time.perf_counter() - started
        per_trial = wall / (pack * processes)  # the machine's throughput, all processes together
        single = per_trial if single is None else single
        fit_rate = np.mean([fit_flops * pack / run["fit_seconds"] for run in runs]) / 1e9
        print(
            f"{precision:>9} {processes:>9} {pack:>5} {per_trial:>9.2f} {single / per_trial:>9.2f}x {fit_rate:>12.1f} "
            f"{fit_rate / reference:>9.0%} {np.mean([r['test_accuracy'] for r in runs]):>9.3f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
