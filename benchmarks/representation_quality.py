"""What each trained representation learns on real Fashion-MNIST, with Keras' and PyTorch's initialisation.

    python benchmarks/representation_quality.py                          # everything (minutes on a GPU)
    python benchmarks/representation_quality.py --pools 7200 --kinds conv-vae dense-vae --seeds 3 --paired-seeds 4

Part 1, per kind (dense and conv VAE at d = 30, the second paper's CAE, VAE and t-SNE AE at d = 2), pool
size (the 55,000-image pool and its first 7,200 images) and init: the training loss per epoch, used latent
dimensions (thesis 5.1.2), the cross-entropy of the reconstructions against the mean image's, and the test
accuracy of the thesis MLP trained on every pool label of the latents.
Part 2, after each pool's rows: the thesis protocol (margin with 10% random partitions, and random; 100 +
29 x 100 labels) on the conv VAE's (Keras init), the dense VAE's and PCA-30 latents, --seeds seeds; then
margin and random on the conv VAE's latents with the MLP's init `keras` and `torch`, --paired-seeds paired
seeds: the paired difference of final test accuracy with its 95% t interval.
"""

from __future__ import annotations

import argparse
import dataclasses
import time

import numpy as np
import torch
from scipy import stats

from latentsweep.data import load_splits
from latentsweep.engine import ClassifierSpec, RepresentationSpec, TrialSpec, train_representation
from latentsweep.engine.latent_set import LatentSet
from latentsweep.engine.pack import run_pack
from latentsweep.engine.specs import BudgetSpec, StrategySpec
from latentsweep.models import MLPShape, StackedMLP, configure_worker
from latentsweep.models.counter_random import stream_key

KINDS = {"dense-vae": 30, "conv-vae": 30, "cae": 2, "paper-vae": 2, "tsne-ae": 2}
MARGIN = StrategySpec(uncertainty="margin", subsample=0.1)
RANDOM = StrategySpec(uncertainty="random")


def all_labels_accuracy(latent: LatentSet, device: torch.device, seed: int = 0) -> float:
    """Test accuracy of the thesis MLP (512-512, dropout 0.2, 20 epochs) trained on every pool label."""
    shape = MLPShape(latent.n_features, (512, 512), latent.n_classes, 0.2)
    model = StackedMLP(shape, [stream_key(seed, "all-labels")], device)
    x = torch.from_numpy(np.ascontiguousarray(latent.pool)).to(device)[None]
    y = torch.from_numpy(latent.pool_labels.astype(np.int64)).to(device)[None]
    model.fit(x, y, epochs=20, batch_size=100)
    test = torch.from_numpy(latent.test).to(device)
    return float(model.accuracy(test, torch.from_numpy(latent.test_labels).to(device)))


def pca_latents(reference: LatentSet, splits, d: int = 30) -> LatentSet:
    """PCA-d of the pixels (fit on the pool), in the LatentSet of the same data."""
    pool = splits.pool.reshape(len(splits.pool), -1)
    mean = pool.mean(axis=0)
    _, _, vt = np.linalg.svd(pool - mean, full_matrices=False)

    def project(images):
        return ((images.reshape(len(images), -1) - mean) @ vt[:d].T).astype(np.float32)

    projected = {"pool": project(splits.pool), "val": project(splits.val), "test": project(splits.test)}
    empty = {"pool_logvar": None, "pool_reconstruction_error": None, "metadata": {}}
    return dataclasses.replace(reference, representation=f"pca-{d}", **empty, **projected)


def protocol(latent: LatentSet, seeds, args, classifier: ClassifierSpec | None = None) -> dict[str, list[float]]:
    """Final test accuracy per strategy (margin with 10% partitions, random) over `seeds`, one pack."""
    budget = BudgetSpec(initial=100, batch=100, iterations=args.iterations)
    specs = [
        TrialSpec(latent.dataset, latent.representation, strategy, classifier or ClassifierSpec(), budget, seed)
        for strategy in (MARGIN, RANDOM)
        for seed in seeds
    ]
    finals: dict[str, list[float]] = {}
    for result in run_pack(latent, specs, device=args.device):
        if result.error:
            raise RuntimeError(f"{result.spec.strategy.label()} seed {result.spec.seed}: {result.error}")
        finals.setdefault(result.spec.strategy.label(), []).append(result.test_accuracy)
    return finals


def interval(values: list[float]) -> str:
    """mean [95% t interval] of paired differences."""
    values = np.asarray(values)
    mean = values.mean()
    if len(values) < 2:
        return f"{mean:+.4f}"
    half = stats.t.ppf(0.975, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values))
    return f"{mean:+.4f} [{mean - half:+.4f}, {mean + half:+.4f}]"


def learn(args, part, pool_size: int) -> dict:
    """Part 1 for one pool: a row per kind and init; returns the latents by (kind, init)."""
    print(f"\n{pool_size} pool images, {args.epochs} epochs, {args.device}")
    print("| kind | init | loss per epoch | used dims | recon BCE: model / mean image / perfect (gain) | "
          "all-labels test acc | s |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    latents = {}
    for kind in args.kinds:
        for init in args.inits:
            spec = RepresentationSpec(kind=kind, latent_dim=KINDS[kind], epochs=args.epochs, init=init)
            started = time.perf_counter()
            latent = train_representation(part, spec, device=args.device).latent_set
            meta = latent.metadata
            losses = " ".join(f"{x:.1f}" for x in meta["train_loss"])
            bce = f"{meta['reconstruction_bce']:.1f} / {meta['mean_image_bce']:.1f} / {meta['perfect_bce']:.1f}"
            accuracy = all_labels_accuracy(latent, torch.device(args.device))
            print(f"| {kind} | {init} | {losses} | {meta['used_latent_dimensions']}/{KINDS[kind]} | {bce} "
                  f"({latent.reconstruction_gain():.0%}) | {accuracy:.4f} | {time.perf_counter() - started:.0f} |",
                  flush=True)  # fmt: skip
            latents[kind, init] = latent
    return latents


def compare(args, part, latents: dict) -> None:
    """Part 2 for one pool: the thesis protocol per representation, then the MLP's init on paired seeds."""
    chosen = {name: latents[name, "keras"] for name in ("conv-vae", "dense-vae") if (name, "keras") in latents}
    if not chosen:
        return
    reference = next(iter(chosen.values()))
    chosen["pca-30"] = pca_latents(reference, part)
    seeds = list(range(args.seeds))
    labels = 100 + 100 * args.iterations
    print(f"\nthesis protocol, {labels} labels, seeds 0..{args.seeds - 1}: final test accuracy")
    print("| representation | strategy | mean | per seed |")
    print("|---|---|---|---|")
    for name, latent in chosen.items():
        for label, finals in protocol(latent, seeds, args).items():
            per_seed = " ".join(f"{x:.4f}" for x in finals)
            print(f"| {name} | {label} | {np.mean(finals):.4f} | {per_seed} |", flush=True)
    if args.paired_seeds < 2:
        return
    latent = chosen.get("conv-vae", reference)
    paired = list(range(args.paired_seeds))
    keras = protocol(latent, paired, args, ClassifierSpec(init="keras"))
    torch_init = protocol(latent, paired, args, ClassifierSpec(init="torch"))
    print(f"\nMLP init on {latent.representation}, {len(paired)} paired seeds: keras - torch, final test accuracy")
    for label in keras:
        difference = [a - b for a, b in zip(keras[label], torch_init[label], strict=True)]
        print(f"  {label}: keras {np.mean(keras[label]):.4f}, torch {np.mean(torch_init[label]):.4f}, "
              f"difference {interval(difference)} (95% t interval)", flush=True)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--data-path", default=None, help="the Fashion-MNIST IDX folder (default: the Debian one)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--pools", type=int, nargs="+", default=[7_200, 55_000])
    parser.add_argument("--kinds", nargs="+", default=list(KINDS), choices=list(KINDS))
    parser.add_argument("--inits", nargs="+", default=["keras", "torch"], choices=["keras", "torch"])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--paired-seeds", type=int, default=10)
    parser.add_argument("--iterations", type=int, default=29, help="AL iterations of 100 labels after 100")
    parser.add_argument("--skip-protocol", action="store_true")
    args = parser.parse_args()
    configure_worker(args.threads)
    splits = load_splits("fashion-mnist", args.data_path)
    for pool_size in args.pools:
        part = dataclasses.replace(splits, pool=splits.pool[:pool_size], pool_labels=splits.pool_labels[:pool_size])
        latents = learn(args, part, pool_size)
        if not args.skip_protocol:
            compare(args, part, latents)


if __name__ == "__main__":
    main()
