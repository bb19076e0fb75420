"""A worker process's float mode: flush-to-zero for training, IEEE denormals while strategies run."""

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import numpy as np
    from latentsweep.data import load_splits
    from latentsweep.engine import LatentSet, StrategySpec, TrialSpec, initial_batch
    from latentsweep.models import configure_worker

    configure_worker(1)  # as every trial worker does: flush-to-zero on, process-wide
    splits = load_splits("digits")
    pixels = lambda x: np.ascontiguousarray(x.reshape(len(x), -1), dtype=np.float32)
    latent = LatentSet(
        dataset="digits", representation="pixels", pool=pixels(splits.pool), pool_labels=splits.pool_labels,
        val=pixels(splits.val), val_labels=splits.val_labels, test=pixels(splits.test),
        test_labels=splits.test_labels, n_classes=10,
    )
    spec = TrialSpec("digits", "pixels", StrategySpec(initial="typiclust"))
    print(len(initial_batch(latent, spec, 20)))
    """
)


def test_typiclust_on_digits_pixels_survives_a_configured_worker():
    """scipy's cKDTree.query died with SIGSEGV under torch's flush-to-zero mode on digits' pixels: every
    typiclust trial of a `run` on pixels was lost three times."""
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "20"
