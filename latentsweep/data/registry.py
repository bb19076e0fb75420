"""The data set registry: each kind is one loader and one registration that declares its defaults.

`@DATASETS.register("name", needs_path=True, ...)` adds a loader `(path, name) -> LabelledData`;
config checks, splitting and the plan read the declaration, never the name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..registry import Registry
from .dataset import LabelledData
from .digits import load_digits
from .embeddings import load_embeddings
from .idx import load_idx_directory
from .npz import load_npz
from .svhn import load_svhn

FASHION_MNIST_DEFAULT_PATH = Path("/usr/share/datasets/fashion-mnist")


@dataclass(frozen=True)
class DatasetKind:
    """What a data set kind declares.

    needs_path: read from files the user names (`data.path`); default_path: where it is read from
    otherwise; validation_size: the default, a count or a fraction of the training part; split: the
    default split rule (`first` for standard files in their published order, `stratified` for files
    of your own); path_kind: what `data.path` names.
    """

    needs_path: bool = True
    default_path: Path | None = None
    validation_size: int | float = 0.1
    split: str = "stratified"
    path_kind: str = "a file or folder"


DatasetLoader = Callable[[Path | None, str], LabelledData]

DATASETS: Registry[DatasetLoader] = Registry("data set", DatasetKind)

DATASETS.register("digits", needs_path=False, validation_size=300, split="first")(lambda path, name: load_digits())
DATASETS.register("mnist", split="first", validation_size=5000, path_kind="a folder of the four MNIST IDX files")(
    lambda path, name: load_idx_directory(path, name)
)
DATASETS.register(
    "fashion-mnist",
    needs_path=False,
    default_path=FASHION_MNIST_DEFAULT_PATH,
    split="first",
    validation_size=5000,
    path_kind="a folder of the four Fashion-MNIST IDX files",
)(lambda path, name: load_idx_directory(path, name))
DATASETS.register("idx", path_kind="a folder of the four IDX files (train/t10k images and labels)")(
    lambda path, name: load_idx_directory(path, name, n_classes=None)
)
DATASETS.register(
    "svhn", split="first", validation_size=5000, path_kind="a folder with train_32x32.mat and test_32x32.mat"
)(lambda path, name: load_svhn(path))
DATASETS.register("npz", path_kind="an .npz file with x, y (and optionally x_test, y_test)")(load_npz)
DATASETS.register("embeddings", path_kind="an .npz, a folder of .npy files or a .parquet file")(load_embeddings)
