"""Write-audit-publish: a build writes a candidate file, and only a fully tested one is published.

The published file is replaced by renaming the candidate over it (same folder, so the rename is
atomic). DuckDB allows one writer or many readers on a file; a BI tool that holds the published
file open read-only keeps reading the old file's data through its open handle, and the next reader
opens the new one. The published name never points at a half-built file.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb

# Builds of a warehouse run one at a time (build_lock), so the build folder has a fixed name:
# dbt then sees the same paths on every build and keeps its parse (see warehouse/build.py).
BUILD_FOLDER = "build"


CATALOG = "published"


def attach_statement(path: str | Path | None, catalog: str = CATALOG) -> str:
    """The ATTACH statement for the published file at ``path``, or for an empty stand-in."""
    if path and Path(path).is_file():
        literal = str(Path(path).resolve()).replace("'", "''")
        return f"attach if not exists '{literal}' as {catalog} (read_only)"
    return f"attach if not exists ':memory:' as {catalog}"


class BuildLockedError(Exception):
    """Another build of the same warehouse is running."""


@contextlib.contextmanager
def build_lock(work_folder: Path) -> Iterator[None]:
    """Hold the warehouse's build lock: one build at a time per warehouse file."""
    work_folder.mkdir(parents=True, exist_ok=True)
    with (work_folder / "build.lock").open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildLockedError(
                f"another oneclick build of this warehouse is running (lock {handle.name})"
            ) from None
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def new_build_folder(work_folder: Path) -> Path:
    """A fresh folder for the build's candidate file, dbt logs and links to the exports."""
    folder = work_folder / BUILD_FOLDER
    folder.mkdir(parents=True)
    return folder


def remove_abandoned_builds(work_folder: Path) -> list[Path]:
    """Delete build folders left by builds that were killed; call while holding the lock.

    ``build-<run id>`` folders are what killed builds of earlier versions left.
    """
    removed = []
    for folder in sorted(work_folder.glob(f"{BUILD_FOLDER}*")):
        if folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def publish(candidate: Path, published: Path) -> None:
    """Atomically replace ``published`` with the tested ``candidate`` (same file system)."""
    _checkpoint(candidate)
    with candidate.open("rb") as handle:
        os.fsync(handle.fileno())
    published.parent.mkdir(parents=True, exist_ok=True)
    os.replace(candidate, published)
    directory = os.open(published.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _checkpoint(candidate: Path) -> None:
    """Fold a leftover write-ahead log into the file, so the file alone holds the data."""
    wal = candidate.with_name(candidate.name + ".wal")
    if wal.exists():
        connection = duckdb.connect(str(candidate))
        try:
            connection.execute("checkpoint")
        finally:
            connection.close()
    if wal.exists():
        raise RuntimeError(f"{wal} is still there after a checkpoint; not publishing")
