"""The store's file mechanics, below every other module of `results`: the atomic writers, the lock of a
sweep folder, rolling an interrupted compaction forward, and the errors that name a damaged file."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import LatentsweepError

MANIFEST = ".compact.json"  # names an unfinished compaction's merged file and the files it replaces


class StoreError(LatentsweepError):
    """The results folder is unusable (another schema version, a damaged file, no space, locked)."""


def atomic_write(path: Path, write: Callable[[Path], object]) -> None:
    """Writes `path` through `write(temporary)` and a rename: readers see the old file or the new one,
    never a part. A failed write (a full disk) leaves nothing behind and raises StoreError."""
    atomic_write_all({path: write})


def atomic_write_all(writes: dict[Path, Callable[[Path], object]]) -> None:
    """Writes every file under a temporary name first, then renames them into place in the given order:
    a failed write leaves none of them visible (named in the error: the last, the one readers wait for)."""
    temporaries = []
    try:
        for path, write in writes.items():
            temporaries.append(path.with_name(f"_{path.stem}-{os.getpid()}{path.suffix}"))
            write(temporaries[-1])
        for temporary, path in zip(temporaries, writes, strict=True):
            os.replace(temporary, path)
    except OSError as error:
        for temporary in temporaries:
            with contextlib.suppress(OSError):
                temporary.unlink()
        raise StoreError(
            f"{list(writes)[-1]}: cannot be written ({error.strerror or error}); nothing half-written is kept"
        ) from None


def lock_path(folder: Path) -> Path:
    """Where the lock of a sweep folder lives: outside it (taking the lock writes nothing into the
    results), keyed by the folder's absolute path, so every driver on this machine finds the same one."""
    key = hashlib.sha256(str(Path(folder).resolve()).encode()).hexdigest()[:24]
    return Path(tempfile.gettempdir()) / "latentsweep-locks" / f"{key}.lock"


def atomic_write_bytes(path: Path, data: bytes) -> None:
    atomic_write(path, lambda temporary: temporary.write_bytes(data))


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Holds a sweep folder's lock (`lock_path`) while a driver works on it: a second driver is refused
    at once. The operating system releases it when its holder dies, even by SIGKILL."""
    from filelock import FileLock, Timeout

    path = lock_path(folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(path, timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise StoreError(
            f"{folder}: another latentsweep is working on this sweep (lock {path}); wait for it to finish"
        ) from None
    except OSError as error:
        raise StoreError(f"{path}: cannot take the lock ({error.strerror})") from None
    try:
        yield
    finally:
        lock.release()


def finish_interrupted(folder: Path) -> bool:
    """Rolls an interrupted compaction forward (steps 3 and 4); True when there was one."""
    manifest = folder / MANIFEST
    if not manifest.exists():
        return False
    try:
        plan = json.loads(manifest.read_text(encoding="utf-8"))
        table = folder / plan["table"]
    except (ValueError, KeyError, OSError) as error:
        raise StoreError(f"{manifest}: damaged compaction manifest ({type(error).__name__})") from None
    temporary, final = table / plan["temporary"], table / plan["part"]
    if temporary.exists():
        os.replace(temporary, final)
    if final.exists():
        for name in plan["files"]:
            with contextlib.suppress(FileNotFoundError):
                os.remove(table / name)
    manifest.unlink()
    return True


def damaged(files: list[Path], table: Path, error: BaseException) -> StoreError:
    """The error for a table that cannot be read: the first of its files that is not Parquet, by name."""
    for path in files:
        try:
            pq.read_metadata(path)
        except (pa.ArrowException, OSError):
            return StoreError(
                f"{path}: damaged Parquet file; move it out of {path.parent} (that trial then runs again)"
            )
    return StoreError(f"{table}: cannot be read ({str(error).splitlines()[0]})")


def check_sweep_folder(folder: Path) -> None:
    """A sweep folder (`RESULTS/NAME`, with its sweep.json), or a StoreError naming what it is not."""
    if folder.is_file() and folder.suffix == ".toml":
        raise StoreError(_config_not_folder(folder))
    if not folder.is_dir():
        raise StoreError(f"{folder}: no such sweep folder (expected RESULTS/NAME, as `run` prints)")
    if not (folder / "sweep.json").is_file():
        raise StoreError(f"{folder}: not a sweep folder (no sweep.json)")


def _config_not_folder(path: Path) -> str:
    """What to say when a config file is given where a sweep folder is expected: the folder it means."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # Python 3.10
        import tomli as tomllib
    try:
        name = tomllib.loads(path.read_text(encoding="utf-8")).get("name")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        name = None
    if not isinstance(name, str):
        return f"{path}: a config file, not a sweep folder (expected RESULTS/NAME, as `run` prints)"
    return (
        f"{path}: a config file, not a sweep folder; its results are in results/{name} by default "
        f"(latentsweep report results/{name}, or RESULTS/{name} for another --results)"
    )
