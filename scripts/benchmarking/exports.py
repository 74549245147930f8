"""The exports a measurement builds, generated once and cached while the generator is unchanged,
and the source tree whose ``oneclick`` is measured."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import tarfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from scripts.benchmarking.config import GENERATOR, REPO_ROOT, SEED

Writer = Callable[[Path], None]


def cached(folder: Path, stamp: dict[str, object], write: Writer) -> tuple[Path, float | None]:
    """``folder`` as ``write`` fills it, unless a complete copy with the same ``stamp`` (and the
    same generator) is there; the folder and the seconds writing took (None when reused)."""
    marker = folder / ".complete"
    text = json.dumps(
        {**stamp, "generator": hashlib.sha256(GENERATOR.read_bytes()).hexdigest()}, sort_keys=True
    )
    if marker.is_file() and marker.read_text() == text:
        return folder, None
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    started = time.monotonic()
    write(folder)
    seconds = time.monotonic() - started
    marker.write_text(text)
    print(f"generated {folder} in {seconds:.1f} s", flush=True)
    return folder, seconds


def cached_exports(data_dir: Path, customers: int) -> tuple[Path, float | None]:
    """The exports of ``customers`` customers in ``data_dir/<customers>``."""
    from scripts.generate_demo_data import generate

    def write(folder: Path) -> None:
        print(f"generating {customers:,} customers into {folder} ...", flush=True)
        generate(folder, customers=customers, seed=SEED)

    return cached(data_dir / str(customers), {"customers": customers, "seed": SEED}, write)


def benchmark_months(count: int, first: str = "2026-09") -> tuple[str, ...]:
    """``count`` consecutive months from ``first`` (``YYYY-MM``)."""
    from scripts.generate_demo_data import month_number, month_text

    return tuple(month_text(month_number(first) + offset) for offset in range(count))


def cached_months(
    data_dir: Path, customers: int, months: tuple[str, ...]
) -> tuple[dict[str, Path], float | None]:
    """One shop's exports for each of ``months`` (generate_demo_data.generate_months, streamed),
    in ``data_dir/months-<customers>x<count>/<YYYY-MM>``: each month's folder, and the seconds
    generating took (None when reused)."""
    from scripts.generate_demo_data import generate_months

    def write(folder: Path) -> None:
        print(f"generating {customers:,} customers × {len(months)} months ...", flush=True)
        generate_months(folder, months=months, customers=customers, seed=SEED, progress=print)

    folder, seconds = cached(
        data_dir / f"months-{customers}x{len(months)}",
        {"customers": customers, "months": list(months), "seed": SEED},
        write,
    )
    return {month: folder / month for month in months}, seconds


def source_tree(revision: str | None, trees_dir: Path) -> tuple[Path, dict[str, object]]:
    """The tree whose ``oneclick`` is measured: the working tree, or the files of a committed
    revision (``git archive``, cached in ``trees_dir/<sha>``) so a half-edited working tree
    does not get measured; and what it is, for the report."""
    head = _git("rev-parse", "HEAD")
    if revision is None:
        changed = [line[3:] for line in _git("status", "--porcelain").splitlines() if line]
        return REPO_ROOT, {"source": "working tree", "head": head, "uncommitted": changed}
    sha = _git("rev-parse", "--verify", f"{revision}^{{commit}}")
    tree = trees_dir / sha[:12]
    if not (tree / ".complete").is_file():
        archive = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "archive", "--format=tar", sha],
            check=True,
            capture_output=True,
        ).stdout
        tree.mkdir(parents=True, exist_ok=True)
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tree, filter="data")
        (tree / ".complete").touch()
    return tree, {"source": f"revision {revision}", "head": head, "revision": sha}


def _git(*arguments: str) -> str:
    completed = subprocess.run(
        ["git", "-C", str(REPO_ROOT), *arguments], check=True, capture_output=True, text=True
    )
    return completed.stdout.rstrip()  # not strip(): a porcelain line starts with a space


def project_vars(tree: Path) -> dict[str, object]:
    """The vars of the measured tree's dbt_project.yml."""
    return yaml.safe_load((tree / "dbt_project" / "dbt_project.yml").read_text())["vars"]


def demo_months(tree: Path) -> list[Path]:
    """The measured tree's embedded demo months (``warehouse/demo_data/YYYY-MM``), oldest first:
    the same rule as ``warehouse.paths.demo_months``, on that tree's files."""
    return sorted(path for path in (tree / "warehouse" / "demo_data").iterdir() if path.is_dir())
