"""dbt's parse of the project from one warehouse's build, reused by the first build of another.

dbt keeps its parse of the project in ``partial_parse.msgpack`` in its target folder and reuses
it only while the project's files, the vars, the profile and dbt's version stay as they were: it
checks each itself and parses again whatever changed. A warehouse's first build has no parse of
its own, so it parses the whole project: some 5 s of CPU. With ``ONECLICK_PARSE_CACHE`` naming a
folder, a first build starts from the parse that the last build with the same vars and profile
left there, and every build leaves its own for the next. It pays where many warehouses are built
(the tests, CI, benchmarks); builds lay out every warehouse alike and give dbt relative paths
(:func:`warehouse.dbt_runner.run_dbt`), so their vars and profile are the same.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

from warehouse.paths import DBT_PROJECT_ENV

ENVIRONMENT_VARIABLE = "ONECLICK_PARSE_CACHE"
PARSE_FILE = "partial_parse.msgpack"
# What dbt renders the profile and the project with while it parses, besides the vars.
PARSE_ENVIRONMENT = (
    "ONECLICK_WAREHOUSE_PATH",
    "ONECLICK_PUBLISHED_WAREHOUSE",
    "ONECLICK_THREADS",
    "ONECLICK_MEMORY_LIMIT",
    DBT_PROJECT_ENV,
)


def parse_cache_dir() -> Path | None:
    """The folder ``ONECLICK_PARSE_CACHE`` names, or None when it is unset or empty."""
    folder = os.environ.get(ENVIRONMENT_VARIABLE, "").strip()
    return Path(folder) if folder else None


def parse_cache_entry(
    cache_dir: Path, dbt_vars: Mapping[str, object], environment: Mapping[str, str]
) -> Path:
    """The cached parse for these vars and this profile (one file per combination, so builds
    with other settings do not replace each other's)."""
    key = json.dumps(
        {"vars": dict(dbt_vars)} | {name: environment.get(name) for name in PARSE_ENVIRONMENT},
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return cache_dir / f"{hashlib.sha256(key.encode()).hexdigest()[:20]}.msgpack"


def reuse_parse(entry: Path, target_path: Path) -> bool:
    """Copy the cached parse into ``target_path`` when it has none of its own; True if copied."""
    if (target_path / PARSE_FILE).exists() or not entry.is_file():
        return False
    _copy_whole(entry, target_path / PARSE_FILE)
    return True


def keep_parse(target_path: Path, entry: Path) -> None:
    """Leave the parse of a build in the cache, for the next warehouse's first build."""
    own = target_path / PARSE_FILE
    if own.is_file():
        _copy_whole(own, entry)


def _copy_whole(source: Path, destination: Path) -> None:
    """Copy so that a reader never sees half a file: builds may run side by side."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=destination.parent, prefix=f".{destination.name}.")
    os.close(handle)
    try:
        shutil.copyfile(source, temporary)
        os.replace(temporary, destination)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
