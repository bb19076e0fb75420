"""Trained representations on disk, keyed by a content hash: a second sweep trains nothing.

    <cache>/<key>/latent.npz   pool / val / test features, labels, logvar, representativeness arrays
    <cache>/<key>/weights.pt   the autoencoder's state_dict (loaded with weights_only=True)
    <cache>/<key>/meta.json    losses per epoch, used latent dimensions, timings, distance bounds

key = hash(data fingerprint, representation spec, model code version). An entry is written to a
temporary folder and renamed into place, so it is complete or absent.
"""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from ..engine.latent_set import LatentSet
from ..engine.specs import RepresentationSpec, canonical_hash
from .files import StoreError

# Bump when an autoencoder's architecture, training or encoding changes: old cache entries then miss.
MODEL_CODE_VERSION = 3

_ARRAYS = ("pool", "pool_labels", "val", "val_labels", "test", "test_labels")


def cache_key(spec: RepresentationSpec, data_fingerprint: str) -> str:
    return canonical_hash({"spec": spec, "data": data_fingerprint, "code": MODEL_CODE_VERSION})[:24]


class RepresentationCache:
    def __init__(self, folder: str | Path):
        self.folder = Path(folder)

    def path(self, key: str) -> Path:
        return self.folder / key

    def has(self, key: str) -> bool:
        """Whether a complete entry exists (without reading its arrays); a damaged meta.json is a StoreError."""
        meta = self.path(key) / "meta.json"
        if not meta.exists():
            return False
        try:
            content = json.loads(meta.read_text(encoding="utf-8"))
            if not isinstance(content, dict) or "representation" not in content:
                raise ValueError("not a cache entry")
        except (ValueError, OSError) as error:
            raise StoreError(
                f"{meta}: damaged cache entry ({type(error).__name__}); move {meta.parent} away to train it again"
            ) from None
        return True

    def load(self, key: str) -> LatentSet | None:
        """The cached LatentSet, or None when there is no complete entry; a damaged one is a StoreError
        naming it (it is never overwritten: the user moves it away)."""
        entry = self.path(key)
        if not (entry / "meta.json").exists():
            return None
        try:
            meta = json.loads((entry / "meta.json").read_text(encoding="utf-8"))
            with np.load(entry / "latent.npz", allow_pickle=False) as archive:
                arrays = {name: archive[name] for name in archive.files}
            missing = [name for name in _ARRAYS if name not in arrays]
            if missing or not isinstance(meta, dict) or "representation" not in meta:
                raise ValueError(f"missing {missing or 'metadata'}")
        except (ValueError, OSError, EOFError, zipfile.BadZipFile) as error:
            raise StoreError(
                f"{entry}: damaged cache entry ({type(error).__name__}); move the folder away to train it again"
            ) from None
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
        """Writes (or rewrites, with more scores) an entry as a folder renamed into place; `weights` is a
        saved state_dict. A failed write (a full disk) leaves no partial entry and raises StoreError."""
        entry = self.path(key)
        temporary = self.folder / f"_{key}-{os.getpid()}"
        try:
            if temporary.exists():
                shutil.rmtree(temporary)
            temporary.mkdir(parents=True)
            self._write(temporary, entry, latent, weights)
            if entry.exists():
                retired = self.folder / f"_{key}-old-{os.getpid()}"
                entry.rename(retired)
                temporary.rename(entry)
                shutil.rmtree(retired)
            else:
                temporary.rename(entry)
        except OSError as error:
            shutil.rmtree(temporary, ignore_errors=True)
            raise StoreError(f"{entry}: cannot be written ({error.strerror or error})") from None

    @staticmethod
    def _write(temporary: Path, entry: Path, latent: LatentSet, weights: bytes | None) -> None:
        # Any: mypy matches a ** dict of arrays against np.savez's allow_pickle: bool too
        arrays: dict[str, Any] = {name: np.asarray(getattr(latent, name)) for name in _ARRAYS}
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
