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
    of your own); path_kind: what `data.path` names; description: the data set in a line.
    """

    needs_path: bool = True
    default_path: Path | None = None
    validation_size: int | float = 0.1
    split: str = "stratified"
    path_kind: str = "a file or folder"
    description: str = ""


DatasetLoader = Callable[[Path | None, str], LabelledData]

DATASETS: Registry[DatasetLoader] = Registry("data set", DatasetKind)


def _given(path: Path | None) -> Path:
    assert path is not None  # load_data passes None only to a kind that needs no path and has no default one
    return path


DATASETS.register("digits", needs_path=False, validation_size=300, split="first",
                  description="scikit-learn's 8x8 digits (1,797 images, shipped with it)")(
    lambda path, name: load_digits()
)
DATASETS.register("mnist", split="first", validation_size=5000, path_kind="a folder of the four MNIST IDX files",
                  description="MNIST from its four IDX files (the thesis' data set)")(
    lambda path, name: load_idx_directory(_given(path), name)
)
DATASETS.register(
    "fashion-mnist",
    needs_path=False,
    default_path=FASHION_MNIST_DEFAULT_PATH,
    split="first",
    validation_size=5000,
    path_kind="a folder of the four Fashion-MNIST IDX files",
    description="Fashion-MNIST from its IDX files (Debian's dataset-fashion-mnist by default)",
)(lambda path, name: load_idx_directory(_given(path), name))
DATASETS.register("idx", path_kind="a folder of the four IDX files (train/t10k images and labels)",
                  description="any image data set in MNIST's IDX format, its classes from its labels")(
    lambda path, name: load_idx_directory(_given(path), name, n_classes=None)
)
DATASETS.register(
    "svhn", split="first", validation_size=5000, path_kind="a folder with train_32x32.mat and test_32x32.mat",
    description="SVHN's cropped digits from its .mat files, in greyscale",
)(lambda path, name: load_svhn(_given(path)))
DATASETS.register("npz", path_kind="an .npz file with x, y (and optionally x_test, y_test)",
                  description="your own images (or any arrays) and labels in one .npz")(
    lambda path, name: load_npz(_given(path), name)
)
DATASETS.register("embeddings", path_kind="an .npz, a folder of .npy files or a .parquet file",
                  description="feature vectors of your own (e.g. a pretrained encoder's), used as they are")(
    lambda path, name: load_embeddings(_given(path), name)
)
