"""The [data] table of every config kind: which data set, where its files are, how it is split, and (for sweeps
and tuning) how its pool is made imbalanced. Each key is declared once (`sections.setting`)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..data import DATASETS, LONG_TAIL_ORDERS, SPLIT_RULES, DatasetKind
from . import readers as read
from .readers import ConfigError
from .sections import read_section, required, setting

IMBALANCE_RULES = ("paper", "long-tail")
IMBALANCE_KEYS = {"paper": ("per_class", "seed"), "long-tail": ("ratio", "order", "seed")}  # what each rule reads


def _dataset(path: str, value: Any) -> str:
    """one of the registered data set kinds (`data.DATASETS`)"""
    return read.choice(path, value, sorted(DATASETS))


def _validation_size(path: str, value: Any) -> int | float:
    """a count >= 1 or a fraction in (0, 1)"""
    if isinstance(value, float) and 0 < value < 1:
        return value
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 10_000_000:
        return value
    raise read.fail(path, value, "a count >= 1 or a fraction in (0, 1)")


def _rule(path: str, value: Any) -> str:
    """'paper' or 'long-tail'"""
    return read.choice(path, value, IMBALANCE_RULES)


@dataclass(frozen=True)
class ImbalanceConfig:
    """How the pool (only) is made imbalanced: `paper`, the second paper's rule (even classes gain
    `per_class` jittered copies, odd ones lose as many; images only), or `long-tail`, the exponential
    profile n_r = n_max * ratio^(-r / (C - 1)) with class ranks by `order` ('label' or a seeded 'shuffle')."""

    rule: str = required("paper (the second paper's jittered copies, images) or long-tail", _rule)
    per_class: int = setting(2000, "paper: examples each even class gains and each odd class loses", low=1,
                             high=10_000_000)  # fmt: skip
    ratio: float = setting(10.0, "long-tail: the largest class over the smallest", low=1.0, high=1e6)
    order: str = setting("label", "long-tail: class ranks by label, or by a seeded shuffle", choices=LONG_TAIL_ORDERS)
    seed: int = setting(0, "the seed of the jitter or of the shuffle", low=0, high=read.SEED_LIMIT)

    def settings(self) -> dict:
        """The rule and the settings it reads (sweep.json)."""
        return {"rule": self.rule, **{key: getattr(self, key) for key in IMBALANCE_KEYS[self.rule]}}

    def describe(self) -> str:
        """'long-tail, ratio 50 (classes by label, seed 0)' or 'paper rule, 2000 per class (seed 0)'."""
        if self.rule == "long-tail":
            return f"long-tail, ratio {self.ratio:g} (classes by {self.order}, seed {self.seed})"
        return f"paper rule, {self.per_class} per class (seed {self.seed})"


@dataclass(frozen=True)
class DataConfig:
    """The data set, where its files are, and how it is split (None: the data set kind's default);
    `imbalance`: how the pool is made imbalanced after splitting (None: as it is)."""

    dataset: str = required("the data set kind (digits, mnist, fashion-mnist, svhn, idx, npz, embeddings, ...)",
                            _dataset)  # fmt: skip
    path: Path | None = setting(None, "its file or folder, relative to the config's folder (the kind's default "
                                "where it has one)", kind=str)  # fmt: skip
    validation_size: int | float | None = setting(None, "the validation part: a count, or a fraction of the training "
                                                  "part (default: the data set kind's)", reader=_validation_size)
    split: str | None = setting(None, "how validation (and a missing test part) is taken: first, last or stratified "
                                "(default: the data set kind's)", choices=SPLIT_RULES)  # fmt: skip
    split_seed: int = setting(0, "the seed of a stratified split", low=0, high=read.SEED_LIMIT)
    test_fraction: float = setting(0.2, "the test part of a file without one", low=0.01, high=0.9)
    imbalance: ImbalanceConfig | None = setting(None, "[data.imbalance]: how the pool is made imbalanced (sweeps and "
                                                "tuning)", kind=str)  # fmt: skip

    def describe(self) -> dict:
        described = {k: (str(v) if isinstance(v, Path) else v) for k, v in dataclasses.asdict(self).items()}
        if self.imbalance is None:
            del described["imbalance"]  # as sweep.json has always said it
        else:
            described["imbalance"] = self.imbalance.settings()
        return described


def read_imbalance(value: Any, path: str = "data.imbalance") -> ImbalanceConfig:
    """The [data.imbalance] table: rule ('paper': per_class, seed; 'long-tail': ratio, order, seed)."""
    table = read.table(path, value)
    if "rule" not in table:
        raise ConfigError(f"{path}.rule: missing; expected one of {', '.join(IMBALANCE_RULES)}")
    rule = _rule(f"{path}.rule", table["rule"])
    return read_section(path, table, ImbalanceConfig, allowed={"rule", *IMBALANCE_KEYS[rule]})


def read_data(value: Any, base: Path, imbalance: bool = True) -> DataConfig:
    """The [data] table: dataset, path, validation_size, split, split_seed, test_fraction, and (where
    the command reads it) [data.imbalance]."""
    data = read.table("data", value)
    allowed = {f.name for f in dataclasses.fields(DataConfig)} - (set() if imbalance else {"imbalance"})
    read.check_keys("data", data, allowed)
    if "dataset" not in data:
        raise ConfigError("data.dataset: missing; expected one of " + ", ".join(sorted(DATASETS)))
    kind: DatasetKind = DATASETS.declared(_dataset("data.dataset", data["dataset"]))
    path = None
    if "path" in data:
        path = read.existing_path("data.path", data["path"], base)
    elif kind.needs_path:
        raise ConfigError(f"data.path: missing; data set {data['dataset']!r} is read from {kind.path_kind}")
    rest = {k: v for k, v in data.items() if k not in ("path", "imbalance")}
    chosen = read_imbalance(data["imbalance"]) if "imbalance" in data else None
    return read_section("data", rest, DataConfig, allowed=allowed, path=path, imbalance=chosen)
