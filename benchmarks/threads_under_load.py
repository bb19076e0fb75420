"""torch's threads when the machine is shared: a representation training and a pack of trials, each timed on a
quiet machine and with another process keeping every core busy (as a second worker or another user's job
does), under the thread settings a worker could take.

    python benchmarks/threads_under_load.py [--cpus 2] [--repeats 2]

Settings: `cpus` intra-op threads (what `configure_worker` sets: the CPUs the worker was given), the same
with OMP_WAIT_POLICY=PASSIVE (OpenMP's threads sleep at once instead of spinning after each parallel
region), and one thread. Printed: seconds of each job per setting, quiet and busy (best of `repeats`).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

SETTINGS = {  # name: (threads: None = cpus, environment)
    "cpus threads": (None, {}),
    "cpus threads, OMP_WAIT_POLICY=PASSIVE": (None, {"OMP_WAIT_POLICY": "PASSIVE"}),
    "1 thread": (1, {}),
}


def job(kind: str, threads: int) -> float:
    """Runs one job in this process; returns its seconds."""
    import numpy as np
    import torch

    from latentsweep.models import MLPShape, StackedMLP, configure_worker

    configure_worker(threads)
    rng = np.random.default_rng(0)
    if kind == "pack":  # a pack of 4 thesis MLPs, 20 epochs on 1,000 labels of 30-d latents
        x = torch.from_numpy(rng.normal(size=(4, 1000, 30)).astype(np.float32))
        y = torch.from_numpy(rng.integers(0, 10, (4, 1000)))
        network = StackedMLP(MLPShape(30, (512, 512), 10, 0.2), [0, 1, 2, 3], torch.device("cpu"))
        started = time.perf_counter()
        network.fit(x, y, 20, 100)
        return time.perf_counter() - started
    from latentsweep.models import ConvVAE
    from latentsweep.models.training import train_vae  # the thesis' conv VAE, 1 epoch on 3,000 images of 28 x 28

    images = rng.random((3_000, 28, 28)).astype(np.float32)
    torch.manual_seed(0)
    model = ConvVAE((28, 28), 30)
    started = time.perf_counter()
    train_vae(model, images, images[:500], 1, 0, torch.device("cpu"))
    return time.perf_counter() - started


def busy(cpus: int) -> subprocess.Popen:
    """Another process keeping `cpus` cores busy with float32 products."""
    code = (f"import torch; torch.set_num_threads({cpus}); a = torch.randn(1024, 1024)\n"
            "while True: a @ a")  # fmt: skip
    return subprocess.Popen([sys.executable, "-c", code])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cpus", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)  # kind threads: run one job, print its seconds
    args = parser.parse_args()
    if args.one:
        print(json.dumps(job(args.one[0], int(args.one[1]))))
        return
    print(f"{'job':8s} {'setting':40s} {'quiet s':>8s} {'busy s':>8s}")
    for kind in ("pack", "conv-vae"):
        for name, (threads, environment) in SETTINGS.items():
            found = {}
            for load in ("quiet", "busy"):
                other = busy(args.cpus) if load == "busy" else None
                try:
                    times = []
                    for _ in range(args.repeats):
                        command = [sys.executable, __file__, "--one", kind, str(threads or args.cpus)]
                        done = subprocess.run(command, capture_output=True, text=True, check=True,
                                              env={**os.environ, **environment})  # fmt: skip
                        times.append(json.loads(done.stdout.strip().splitlines()[-1]))
                    found[load] = min(times)
                finally:
                    if other is not None:
                        other.kill()
                        other.wait()
            print(f"{kind:8s} {name:40s} {found['quiet']:8.2f} {found['busy']:8.2f}", flush=True)


if __name__ == "__main__":
    main()
