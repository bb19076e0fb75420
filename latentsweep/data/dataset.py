"""Labelled data as loaded, its checks, and the pool / validation / test split (thesis 4.1).

Two split rules: `first` takes the first training examples for validation (the thesis' "first 5,000
training images", right for the standard MNIST / Fashion-MNIST / SVHN files), `stratified` draws them by a
seeded shuffle within each class (right for files of your own, which are often sorted by label). A file
without a test split of its own gives up a test fraction by the same rule.
"""

from __future__ import annotations

import functools
import hashlib
import math
from dataclasses import dataclass
from typing import cast

import numpy as np

from ..errors import DataError

SPLIT_RULES = ("first", "last", "stratified")


@dataclass(frozen=True)
class LabelledData:
    """A data set as a loader returns it: examples [N, H, W] float32 images in [0, 1] or [N, d] float32
    vectors, int64 labels; test and validation parts where the files have them (else None), and for
    embeddings the posterior log-variances of the training examples [N, d] (else None). `owned`: the arrays
    were read for this object alone (not a view of a file or of a caller's array), so that `load_splits`
    may split them by reordering their rows in place instead of copying the parts out."""

    name: str
    train: np.ndarray
    train_labels: np.ndarray
    test: np.ndarray | None
    test_labels: np.ndarray | None
    n_classes: int
    val: np.ndarray | None = None
    val_labels: np.ndarray | None = None
    train_logvar: np.ndarray | None = None
    source: str = ""
    owned: bool = False


@dataclass(frozen=True)
class Splits:
    """The three parts active learning uses: the unlabelled pool, validation and test examples.

    Examples are images [n, H, W] float32 in [0, 1] or vectors [n, d] float32; labels [n] int64;
    `pool_logvar` [n, d] for embeddings that come with posterior variances. Pool labels are only ever
    revealed through an oracle by the active-learning loop.
    """

    name: str
    pool: np.ndarray
    pool_labels: np.ndarray
    val: np.ndarray
    val_labels: np.ndarray
    test: np.ndarray
    test_labels: np.ndarray
    n_classes: int
    pool_logvar: np.ndarray | None = None

    @property
    def holds_images(self) -> bool:
        return self.pool.ndim == 3

    @property
    def image_shape(self) -> tuple[int, ...]:
        return tuple(self.pool.shape[1:])

    def class_counts(self) -> dict[str, list[int]]:
        """Examples per class in each part: {'pool': [...], 'val': [...], 'test': [...]}."""
        return {
            part: np.bincount(labels, minlength=self.n_classes).tolist()
            for part, labels in (("pool", self.pool_labels), ("val", self.val_labels), ("test", self.test_labels))
        }

    @functools.cached_property
    def _fingerprint(self) -> str:
        digest = hashlib.sha256(f"{self.n_classes}".encode())
        arrays = [self.pool, self.pool_labels, self.val, self.val_labels, self.test, self.test_labels]
        if self.pool_logvar is not None:
            arrays.append(self.pool_logvar)
        for array in arrays:
            digest.update(str((array.dtype.str, array.shape)).encode())
            digest.update(np.ascontiguousarray(array).reshape(-1).view(np.uint8).data)  # its bytes, never copied
        return digest.hexdigest()[:16]

    def fingerprint(self) -> str:
        """A content hash of every array and the class count: same data, same fingerprint (computed once)."""
        return self._fingerprint


def check_images(images: np.ndarray, source: str) -> np.ndarray:
    """Checks images [N, H, W] (or [N, H, W, 1]) and returns them as float32 in [0, 1].

    uint8 images are divided by 255; float images must already lie in [0, 1].
    """
    images = np.asarray(images)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim != 3:
        hint = ""
        if images.ndim == 2 and images.shape[1] > 0 and math.isqrt(images.shape[1]) ** 2 == images.shape[1]:
            side = math.isqrt(images.shape[1])
            hint = (
                f" (flattened {side}x{side} images? save x.reshape(-1, {side}, {side}); vectors from an encoder go "
                'in dataset = "embeddings")'
            )
        elif images.ndim == 4:
            hint = " (colour images: convert them to greyscale first)"
        raise DataError(f"{source}: expected images of shape [N, H, W], got shape {images.shape}{hint}")
    if images.shape[0] == 0 or images.shape[1] == 0 or images.shape[2] == 0:
        raise DataError(f"{source}: no images (shape {images.shape})")
    if images.dtype == np.uint8:
        return images.astype(np.float32) / np.float32(255.0)
    if not np.issubdtype(images.dtype, np.floating):
        raise DataError(f"{source}: expected uint8 or float images, got dtype {images.dtype}")
    images = images.astype(np.float32)
    if not np.all(np.isfinite(images)) or images.min() < 0.0 or images.max() > 1.0:
        raise DataError(f"{source}: float pixel values must lie in [0, 1]")
    return images


# More classes than this is almost surely a column of ids or a corrupt file, not labels.
MAX_CLASSES = 100_000


def check_labels(labels: np.ndarray, n_examples: int, n_classes: int | None, source: str) -> np.ndarray:
    """Checks labels [N] against the example count and the class range; returns them as int64."""
    labels = np.asarray(labels)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim != 1:
        raise DataError(f"{source}: expected labels of shape [N], got shape {labels.shape}")
    if not np.issubdtype(labels.dtype, np.integer):
        if not (np.issubdtype(labels.dtype, np.floating) and np.all(np.isfinite(labels))):
            raise DataError(f"{source}: expected integer labels, got dtype {labels.dtype}")
        if not np.all(labels == np.round(labels)):
            raise DataError(f"{source}: expected integer labels, got fractional values")
    if labels.shape[0] != n_examples:
        raise DataError(f"{source}: {labels.shape[0]} labels for {n_examples} examples")
    if labels.size and labels.min() < 0:
        raise DataError(f"{source}: label {labels.min():g} is out of range (labels must be >= 0)")
    limit = MAX_CLASSES if n_classes is None else n_classes
    if labels.size and labels.max() >= limit:
        raise DataError(f"{source}: label {labels.max():g} is out of range 0..{limit - 1}")
    return labels.astype(np.int64)


def count_classes(*label_arrays: np.ndarray | None) -> int:
    """The class count of labels 0..C-1: one more than the largest label."""
    return int(max(int(labels.max()) for labels in label_arrays if labels is not None and labels.size)) + 1


def stratified_sample(labels: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """`size` distinct indices drawn within classes in proportion to their counts, sorted.

    Every class with at least two examples gets one first when size allows; the rest goes by largest
    remainder (ties to the lower class), each class's share drawn by a shuffle of its members.
    """
    counts = np.bincount(labels)
    shares = np.zeros_like(counts)
    eligible = counts >= 2
    if size >= int(eligible.sum()):
        shares[eligible] = 1
    remaining = size - int(shares.sum())
    spare = counts - shares
    if remaining > 0 and spare.sum() > 0:
        exact = remaining * spare / spare.sum()
        extra = np.floor(exact).astype(np.int64)
        order = np.lexsort((np.arange(len(exact)), -(exact - extra)))
        for index in order[: remaining - int(extra.sum())]:
            extra[index] += 1
        shares += np.minimum(extra, spare)
    chosen = []
    for label in np.flatnonzero(shares):
        members = np.flatnonzero(labels == label)
        chosen.append(members[rng.permutation(members.size)[: shares[label]]])
    return np.sort(np.concatenate(chosen)) if chosen else np.zeros(0, dtype=np.int64)


def _take(array: np.ndarray | None, index: np.ndarray) -> np.ndarray | None:
    return None if array is None else np.ascontiguousarray(array[index])


def permute_rows(array: np.ndarray, order: np.ndarray) -> None:
    """array[:] = array[order] in place for a permutation `order` [N], with one row and O(N) flags of extra
    memory: each cycle of the permutation is followed once (1,000,000 x 768 float32 in about 1 s)."""
    done = order == np.arange(len(order))
    for start in np.flatnonzero(~done):
        if done[start]:
            continue
        saved, j = array[start].copy(), start
        while True:
            k = order[j]
            done[j] = True
            if k == start:
                array[j] = saved
                break
            array[j] = array[k]
            j = k


def _parts(train: np.ndarray, logvar: np.ndarray | None, rows: dict[str, np.ndarray], reorder: bool):
    """The parts of `train` (and of `logvar`) at the positions `rows` names ({'pool': ..., 'val': ..., 'test':
    ...}, those taken from it): copied out, or, with `reorder` and when the parts hold every row, made
    contiguous by reordering the rows in place, each part then a view (no second copy of a large pool)."""
    order = np.concatenate(list(rows.values())) if rows else np.zeros(0, dtype=np.int64)
    arrays = [train] if logvar is None else [train, logvar]
    movable = all(array.flags.writeable and array.flags.c_contiguous for array in arrays)  # rows then stay rows
    whole = "pool" in rows and len(order) == len(train) and movable
    if not (reorder and whole):
        found = {part: train[index] for part, index in rows.items()}
        return found, _take(logvar, rows["pool"]) if "pool" in rows else logvar
    permute_rows(train, order)
    if logvar is not None:
        permute_rows(logvar, order)
    found, first = {}, 0
    for part, index in rows.items():
        found[part] = train[first : first + len(index)]
        first += len(index)
    return found, None if logvar is None else logvar[: len(rows["pool"])]


def make_splits(
    data: LabelledData,
    validation_size: int | float,
    rule: str = "first",
    seed: int = 0,
    test_fraction: float = 0.2,
    *,
    reorder: bool = False,
) -> Splits:
    """Pool, validation and test parts of `data`.

    `first`: validation = the first `validation_size` training examples (a float in (0, 1): that fraction
    of them); a missing test part = the last `test_fraction` of them. `last`: the same from the end (the
    second paper: the first 50,000 MNIST images as the pool). `stratified`: both drawn by a seeded shuffle
    within each class. Validation
    data the file brings itself is used as it is (validation_size is then ignored). `reorder`: `data`'s
    arrays may be reordered in place (the parts are then views of them: the same values, one copy in all);
    `data` itself is then no longer in the order of its labels, and not to be used again.
    """
    if rule not in SPLIT_RULES:
        raise DataError(f"split rule {rule!r}: expected one of {', '.join(SPLIT_RULES)}")
    rng = np.random.default_rng([seed, 7])
    # rows are taken from the file's array once, by their final positions (`kept`): a large pool is never copied
    # twice over (training part, then pool and validation out of it); with `reorder`, not copied at all
    train, labels, logvar = data.train, data.train_labels, data.train_logvar
    n = train.shape[0]
    kept: np.ndarray | None = None  # positions in `train` of the training part left after the test part
    rows: dict[str, np.ndarray] = {}  # positions in `train` of each part taken from it, in order
    test, test_labels, val = data.test, data.test_labels, data.val
    if test is None:
        n_test = max(1, round(test_fraction * n))
        if n_test >= n:
            raise DataError(f"{data.source or data.name}: too few examples ({n}) to hold out a test set")
        held = np.arange(n - n_test, n) if rule != "stratified" else stratified_sample(labels, n_test, rng)
        kept = np.setdiff1d(np.arange(n), held)
        test_labels, rows["test"] = labels[held], held
        labels = labels[kept]
        n = kept.shape[0]
    if data.val is not None:
        val_labels, pool_labels = data.val_labels, labels
        if kept is not None:
            rows = {"pool": kept, **rows}
    else:
        if isinstance(validation_size, float) and 0 < validation_size < 1:
            validation_size = max(1, round(validation_size * n))
        if validation_size < 1 or validation_size >= n:
            raise DataError(
                f"{data.name}: validation size {validation_size} must lie in 1..{n - 1} "
                f"(the training part has {n} examples); set data.validation_size"
            )
        if rule == "first":
            chosen = np.arange(validation_size)
        elif rule == "last":
            chosen = np.arange(n - validation_size, n)
        else:
            chosen = stratified_sample(labels, cast(int, validation_size), rng)  # a fraction became a count above
        rest = np.setdiff1d(np.arange(n), chosen)
        positions, others = (chosen, rest) if kept is None else (kept[chosen], kept[rest])
        rows = {"pool": others, "val": positions, **rows}
        val_labels, pool_labels = labels[chosen], labels[rest]
    found, pool_logvar = _parts(train, logvar, rows, reorder)
    pool = found.get("pool", train)
    val = found.get("val", val)
    test = found.get("test", test)
    if pool.shape[1:] != test.shape[1:] or pool.shape[1:] != val.shape[1:]:
        where = data.source or data.name
        raise DataError(
            f"{where}: examples differ in shape between parts (pool {pool.shape[1:]}, validation "
            f"{val.shape[1:]}, test {test.shape[1:]})"
        )
    return Splits(
        name=data.name,
        pool=np.ascontiguousarray(pool),
        pool_labels=np.ascontiguousarray(pool_labels),
        val=np.ascontiguousarray(val),
        val_labels=np.ascontiguousarray(val_labels),
        test=np.ascontiguousarray(test),
        test_labels=np.ascontiguousarray(test_labels),
        n_classes=data.n_classes,
        pool_logvar=pool_logvar,
    )


def missing_classes(splits: Splits) -> dict[str, list[int]]:
    """Classes present in the pool but absent from the validation or test part: {'val': [...], ...}."""
    present = set(np.unique(splits.pool_labels).tolist())
    gaps = {}
    for part, labels in (("val", splits.val_labels), ("test", splits.test_labels)):
        lacking = sorted(present - set(np.unique(labels).tolist()))
        if lacking:
            gaps[part] = lacking
    return gaps
