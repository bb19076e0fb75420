"""Stage 1 speed: seconds per autoencoder epoch, and the time of every representativeness measure and of
greedy batch selection on 55,000 x 30 latents.

    python benchmarks/representation_speed.py                 # CPU, torch and BLAS on 2 threads
    python benchmarks/representation_speed.py --device cuda   # a GPU
    python benchmarks/representation_speed.py --precision fp32 bf16 --kinds conv-vae dense-vae --curves 3

Epochs are Fashion-MNIST's 55,000 pool images at batch 100; each kind is timed on --batches batches after
one warm-up batch and the time scaled to a whole epoch (550 batches), which keeps the run short. The
measures and greedy run on Gaussian-cluster latents of Fashion-MNIST's size (55,000 x 30) with made-up
log-variances. Compare ratios within one run (shared, noisy machines).

With `--precision fp32 bf16` every kind is timed in both (mixed precision: bf16 products, float32 weights and
losses) with the ratio; `--curves N` then trains the thesis' VAEs N whole epochs on the whole pool in each
precision and prints the loss of every epoch, their largest relative difference and the used dimensions.
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


def epoch_seconds(
    spec: RepresentationSpec, images: np.ndarray, device: torch.device, batches: int, precision: str = "fp32"
) -> float:
    model, loss = build_autoencoder(spec, images.shape[1:])
    steps = epoch_steps(model, images, device, loss, learning_rate=1e-3, batch_size=100, seed=0, precision=precision)
    next(steps)  # warm-up batch
    started = time.perf_counter()
    for _ in range(batches):
        next(steps)
    if device.type == "cuda":
        torch.cuda.synchronize()
    return (time.perf_counter() - started) / batches * (len(images) // 100)


def curves(splits, device: torch.device, epochs: int, precisions: list[str], kinds: list[str]) -> None:
    """Whole trainings on the pool in each precision: loss per epoch, seconds, used dimensions."""
    import dataclasses

    from latentsweep.engine import train_representation

    print(f"{epochs} whole epochs on the 55,000 pool images, per precision (loss: BCE + KL per image):")
    for name in kinds:
        found = {}
        for precision in precisions:
            spec = dataclasses.replace(KINDS[name], epochs=epochs, precision=precision)
            meta = train_representation(splits, spec, device=str(device)).latent_set.metadata
            found[precision] = meta
            losses = ", ".join(f"{v:.2f}" for v in meta["train_loss"])
            print(
                f"  {name:10s} {precision}: {np.mean(meta['epoch_seconds']):6.1f} s per epoch, loss {losses}; "
                f"{meta['used_latent_dimensions']} of 30 dimensions used",
                flush=True,
            )
        if len(found) == 2:
            a, b = (np.asarray(found[p]["train_loss"]) for p in ("fp32", "bf16"))
            speed = np.mean(found["fp32"]["epoch_seconds"]) / np.mean(found["bf16"]["epoch_seconds"])
            print(f"  {name:10s} bf16 / fp32: {speed:.2f}x faster, losses within {np.max(np.abs(b - a) / a):.2%}")


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
    parser.add_argument("--precision", nargs="+", default=["fp32"], choices=["fp32", "bf16"])
    parser.add_argument("--curves", type=int, default=0, help="whole epochs of the VAEs in each precision")
    args = parser.parse_args()
    configure_worker(args.threads)
    device = torch.device(args.device)
    splits = load_splits("fashion-mnist")
    images = splits.pool
    print(f"autoencoder epochs on Fashion-MNIST (55,000 x 28 x 28, batch 100), {args.threads} threads, {device}:")
    for name in args.kinds:
        seconds = {p: epoch_seconds(KINDS[name], images, device, args.batches, p) for p in args.precision}
        shown = "  ".join(f"{p} {s:7.1f} s per epoch" for p, s in seconds.items())
        ratio = f"  ({seconds['fp32'] / seconds['bf16']:.2f}x)" if len(seconds) == 2 else ""
        print(f"  {name:10s} {shown}{ratio}", flush=True)
    if args.curves:
        curves(splits, device, args.curves, args.precision, [k for k in args.kinds if k in ("conv-vae", "dense-vae")])
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
