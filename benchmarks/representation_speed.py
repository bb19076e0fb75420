"""Stage 1 speed: seconds per autoencoder epoch, and the time of every representativeness measure and of
greedy batch selection on 55,000 x 30 latents.

    python benchmarks/representation_speed.py                 # CPU, torch and BLAS on 2 threads
    python benchmarks/representation_speed.py --device cuda   # a GPU

Epochs are Fashion-MNIST's 55,000 pool images at batch 100; each kind is timed on --batches batches after
one warm-up batch and the time scaled to a whole epoch (550 batches), which keeps the run short. The
measures and greedy run on Gaussian-cluster latents of Fashion-MNIST's size (55,000 x 30) with made-up
log-variances. Compare ratios within one run (shared, noisy machines).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from latentsweep.data import load_splits
from latentsweep.engine import RepresentationSpec, build_autoencoder
from latentsweep.models import configure_worker
from latentsweep.models.training import epoch_steps
from latentsweep.strategies import BATCH_SELECTION, DISTANCES, REPRESENTATIVENESS, BatchParams, Candidates

KINDS = {
    "dense-vae": RepresentationSpec(kind="dense-vae", latent_dim=30),
    "conv-vae": RepresentationSpec(kind="conv-vae", latent_dim=30),
    "cae": RepresentationSpec(kind="cae", latent_dim=2),
    "paper-vae": RepresentationSpec(kind="paper-vae", latent_dim=2),
    "tsne-ae": RepresentationSpec(kind="tsne-ae", latent_dim=2),
}


def epoch_seconds(spec: RepresentationSpec, images: np.ndarray, device: torch.device, batches: int) -> float:
    model, loss = build_autoencoder(spec, images.shape[1:])
    steps = epoch_steps(model, images, device, loss, learning_rate=1e-3, batch_size=100, seed=0)
    next(steps)  # warm-up batch
    started = time.perf_counter()
    for _ in range(batches):
        next(steps)
    if device.type == "cuda":
        torch.cuda.synchronize()
    return (time.perf_counter() - started) / batches * (len(images) // 100)


def latents(n: int = 55_000, d: int = 30) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(10, d))
    mu = (centres[rng.integers(0, 10, n)] + rng.normal(scale=1.5, size=(n, d))).astype(np.float32)
    return mu, rng.normal(-2.0, 0.3, size=(n, d)).astype(np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batches", type=int, default=30)
    parser.add_argument("--kinds", nargs="+", default=list(KINDS))
    args = parser.parse_args()
    configure_worker(args.threads)
    device = torch.device(args.device)
    images = load_splits("fashion-mnist").pool
    print(f"autoencoder epochs on Fashion-MNIST (55,000 x 28 x 28, batch 100), {args.threads} threads, {device}:")
    for name in args.kinds:
        print(f"  {name:10s} {epoch_seconds(KINDS[name], images, device, args.batches):7.1f} s per epoch")
    mu, logvar = latents()
    print("representativeness over 55,000 x 30 latents:")
    for name in sorted(REPRESENTATIVENESS):
        started = time.perf_counter()
        REPRESENTATIVENESS[name](mu, logvar)
        print(f"  {name:24s} {time.perf_counter() - started:7.2f} s")
    print("greedy batch of 100 over the whole pool (55,000 candidates):")
    rng = np.random.default_rng(1)
    uncertainty = rng.random(len(mu))
    for distance in sorted(DISTANCES):
        candidates = Candidates(uncertainty=uncertainty, features=mu, logvar=logvar)
        started = time.perf_counter()
        BATCH_SELECTION["greedy"](candidates, 100, rng, BatchParams(values={"alpha": 0.3, "distance": distance}))
        print(f"  {distance:24s} {time.perf_counter() - started:7.3f} s")


if __name__ == "__main__":
    main()
