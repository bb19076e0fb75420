"""Trained representations on disk, keyed by a content hash: a second sweep trains nothing.

    <cache>/<key>/latent.npz   pool / val / test features, labels, logvar, representativeness arrays
    <cache>/<key>/weights.pt   the autoencoder's state_dict (loaded with weights_only=True)
    <cache>/<key>/meta.json    losses per epoch, used latent dimensions, timings, distance bounds

key = hash(data fingerprint, representation spec, model code version). An entry is written to a
temporary folder and renamed into place, so it is complete or absent.
"""

from __future__ import annotations

import io
import json
import os
import shutil
from pathlib import Path

import numpy as np

from ..engine.latent_set import LatentSet
from ..engine.specs import RepresentationSpec, canonical_hash

# Bump when an autoencoder's architecture, training or encoding changes: old cache entries then miss.
MODEL_CODE_VERSION = 2

_ARRAYS = ("pool", "pool_labels", "val", "val_labels", "test", "test_labels")


def cache_key(spec: RepresentationSpec, data_fingerprint: str) -> str:
    return canonical_hash({"spec": spec, "data": data_fingerprint, "code": MODEL_CODE_VERSION})[:24]


class RepresentationCache:
    def __init__(self, folder: str | Path):
        self.folder = Path(folder)

    def path(self, key: str) -> Path:
        return self.folder / key

    def has(self, key: str) -> bool:
        """Whether a complete entry exists (without reading its arrays)."""
        return (self.path(key) / "meta.json").exists()

    def load(self, key: str) -> LatentSet | None:
        """The cached LatentSet, or None when there is no complete entry."""
        entry = self.path(key)
        if not (entry / "meta.json").exists():
            return None
        meta = json.loads((entry / "meta.json").read_text())
        with np.load(entry / "latent.npz", allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
        scores = {name[len("repr:") :]: arrays[name] for name in arrays if name.startswith("repr:")}
        return LatentSet(
            dataset=meta["dataset"],
            representation=meta["representation"],
            n_classes=meta["n_classes"],
            pool_logvar=arrays.get("pool_logvar"),
            pool_reconstruction_error=arrays.get("pool_reconstruction_error"),
            representativeness=scores,
            distance_bounds=meta.get("distance_bounds", {}),
            metadata=meta.get("metadata", {}),
            **{name: arrays[name] for name in _ARRAYS},
        )

    def load_weights(self, key: str):
        """The cached state_dict, loaded without unpickling arbitrary objects."""
        import torch

        return torch.load(self.path(key) / "weights.pt", weights_only=True)

    def store(self, key: str, latent: LatentSet, weights: bytes | None) -> None:
        """Writes (or rewrites, with more scores) an entry atomically; `weights` is a saved state_dict."""
        entry = self.path(key)
        temporary = self.folder / f"_{key}-{os.getpid()}"
        if temporary.exists():
            shutil.rmtree(temporary)
        temporary.mkdir(parents=True)
        arrays = {name: np.asarray(getattr(latent, name)) for name in _ARRAYS}
        for optional in ("pool_logvar", "pool_reconstruction_error"):
            if getattr(latent, optional) is not None:
                arrays[optional] = np.asarray(getattr(latent, optional))
        arrays.update({f"repr:{name}": np.asarray(v) for name, v in latent.representativeness.items()})
        np.savez(temporary / "latent.npz", **arrays)
        if weights is not None:
            (temporary / "weights.pt").write_bytes(weights)
        elif (entry / "weights.pt").exists():
            shutil.copy2(entry / "weights.pt", temporary / "weights.pt")
        meta = {
            "dataset": latent.dataset,
            "representation": latent.representation,
            "n_classes": latent.n_classes,
            "distance_bounds": dict(latent.distance_bounds),
            "metadata": dict(latent.metadata),
        }
        (temporary / "meta.json").write_text(json.dumps(meta, indent=2))
        if entry.exists():
            retired = self.folder / f"_{key}-old-{os.getpid()}"
            entry.rename(retired)
            temporary.rename(entry)
            shutil.rmtree(retired)
        else:
            temporary.rename(entry)


def state_dict_bytes(model) -> bytes:
    """A model's state_dict as the bytes of torch.save (for shipping from a worker to the driver)."""
    import torch

    buffer = io.BytesIO()
    torch.save({k: v.cpu() for k, v in model.state_dict().items()}, buffer)
    return buffer.getvalue()
