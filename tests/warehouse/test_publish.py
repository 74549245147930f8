"""Publishing: BI readers are never broken, a killed build leaves the published file whole,
odd paths work, the run log keeps its history, and DuckDB 1.x clients can open the file."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from filelock import FileLock

from tests.conftest import Build, build_or_fail
from tests.support import TEST_MONTH, fingerprint, query
from warehouse.paths import REPO_ROOT

pytestmark = pytest.mark.slow

OLDEST_DUCKDB_1 = "1.0.0"


def copy_published(build: Build, folder: Path) -> Path:
    warehouse = folder / "oneclick.duckdb"
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(build.warehouse, warehouse)
    return warehouse


def test_a_reader_holding_the_file_open_keeps_working_across_a_rebuild(
    demo_build: Build, tmp_path: Path
):
    warehouse = copy_published(demo_build, tmp_path / "wh")
    reader = duckdb.connect(str(warehouse), read_only=True)
    try:
        runs_before = reader.execute("select run_id from marts.build_runs").fetchall()

        build_or_fail(demo_build.raw, warehouse, "--model", demo_build.model_path)

        # the open connection still reads its file (the old data) without an error
        assert reader.execute("select run_id from marts.build_runs").fetchall() == runs_before
        assert reader.execute("select count(*) from marts.feature_mart").fetchone()[0] > 0
    finally:
        reader.close()
    runs_after = query(warehouse, "select run_id from marts.build_runs order by finished_at")
    assert len(runs_after) == len(runs_before) + 1
    assert set(runs_before) < set(runs_after)


def test_the_run_log_keeps_every_build_with_its_exports_fingerprints(
    demo_build: Build, tmp_path: Path
):
    warehouse = copy_published(demo_build, tmp_path / "wh")
    build_or_fail(demo_build.raw, warehouse, "--model", demo_build.model_path)

    runs = query(
        warehouse,
        "select raw_folder, json_extract_string(export_fingerprints, '$.\"money.csv\".sha256'), "
        "customers_in_scope, model_version from marts.build_runs order by finished_at",
    )

    assert len(runs) == 2
    money_sha = fingerprint(demo_build.raw / "money.csv")
    assert all(run[0] == str(demo_build.raw) and run[1] == money_sha for run in runs)
    assert all(run[2] > 0 and run[3] for run in runs)


def wait_for(condition, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.mark.parametrize("kill_signal", [signal.SIGKILL, signal.SIGTERM])
def test_a_build_killed_midway_leaves_the_published_file_intact(
    demo_build: Build, tmp_path: Path, kill_signal: signal.Signals
):
    warehouse = copy_published(demo_build, tmp_path / "wh")
    before = fingerprint(warehouse)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "warehouse.cli",
            "build",
            "--raw",
            demo_build.raw,
            "--month",
            TEST_MONTH,
            "--warehouse",
            warehouse,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    # kill it once dbt has started writing the candidate file
    work = warehouse.parent / ".oneclick"
    wait_for(lambda: (work / "build" / "oneclick.duckdb").exists())
    time.sleep(1.0)
    process.send_signal(kill_signal)
    process.wait(timeout=60)

    assert process.returncode != 0
    assert fingerprint(warehouse) == before
    assert query(warehouse, "select count(*) from marts.feature_mart")[0][0] > 0
    if kill_signal == signal.SIGTERM:
        assert not (work / "build").exists(), "a terminated build must clean up its candidate"
    # dbt dies with oneclick; the next build cleans up what a SIGKILL left and publishes
    wait_for(lambda: not _dbt_running_for(warehouse), timeout=30)
    build_or_fail(demo_build.raw, warehouse, "--model", demo_build.model_path)
    assert not (work / "build").exists()


def _dbt_running_for(warehouse: Path) -> bool:
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes()
        except OSError:
            continue
        if str(warehouse.parent).encode() in environ:
            return True
    return False


def test_odd_paths_work_and_cannot_inject_sql(demo_build: Build, tmp_path: Path):
    raw = tmp_path / "выгрузка \"ноябрь\" it's'); drop table x; --"
    shutil.copytree(demo_build.raw, raw)
    warehouse = tmp_path / "склад данных o'neil" / "витрина клиентов.duckdb"

    build = build_or_fail(raw, warehouse, "--model", demo_build.model_path)

    assert warehouse.exists()
    assert query(build.warehouse, "select raw_folder from marts.build_runs") == [(str(raw),)]
    sql = "select * from marts.feature_mart order by customer_id"
    assert query(build.warehouse, sql) == query(demo_build.warehouse, sql)


def python_with_duckdb_1_wheels() -> str | None:
    """A Python that DuckDB 1.0.0 has wheels for (CPython 3.7 to 3.12; its source package would
    compile DuckDB for the better part of an hour): this one, else a 3.12 or 3.11 on PATH or
    under pyenv."""
    if sys.version_info[:2] <= (3, 12):
        return sys.executable
    pyenv_versions = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    for version in ("3.12", "3.11"):
        found = [shutil.which(f"python{version}")]
        found += sorted(map(str, pyenv_versions.glob(f"{version}.*/bin/python{version}")))
        for python in filter(None, found):
            if subprocess.run([python, "-c", "pass"], capture_output=True).returncode == 0:
                return python
    return None


@pytest.fixture(scope="session")
def duckdb_1_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A separate environment with the oldest DuckDB 1.x, as a BI driver would bundle it."""
    cache = REPO_ROOT / ".cache" / f"duckdb-{OLDEST_DUCKDB_1}"
    python = cache / "bin" / "python"
    cache.parent.mkdir(exist_ok=True)
    # Parallel test workers share the cache: one makes it, the others wait.
    with FileLock(cache.parent / f"duckdb-{OLDEST_DUCKDB_1}.lock"):
        make_duckdb_1_environment(cache, python)
    return python


def make_duckdb_1_environment(cache: Path, python: Path) -> None:
    """A venv in ``cache`` with the oldest DuckDB 1.x, unless one is there already."""
    if not python.exists():
        base = python_with_duckdb_1_wheels()
        if base is None:
            pytest.skip(
                f"DuckDB {OLDEST_DUCKDB_1} has wheels for Python 3.7 to 3.12 only, and no such "
                "Python is on this machine"
            )
        subprocess.run([base, "-m", "venv", "--clear", cache], check=True, capture_output=True)
        wheel_only = ["--quiet", "--only-binary=:all:", f"duckdb=={OLDEST_DUCKDB_1}"]
        installed = subprocess.run(
            [python, "-m", "pip", "install", *wheel_only],
            capture_output=True,
            text=True,
            check=False,
        )
        if installed.returncode != 0:
            shutil.rmtree(cache, ignore_errors=True)
            pytest.fail(f"could not install duckdb {OLDEST_DUCKDB_1}: {installed.stderr[-2000:]}")


def test_the_published_file_opens_in_duckdb_1_0(demo_build: Build, duckdb_1_python: Path):
    script = """
import sys, duckdb
assert duckdb.__version__ == sys.argv[2], duckdb.__version__
connection = duckdb.connect(sys.argv[1], read_only=True)
for (schema, name) in connection.execute(
    "select schema_name, table_name from duckdb_tables() union all "
    "select schema_name, view_name from duckdb_views() where not internal"
).fetchall():
    connection.execute(f'select * from "{schema}"."{name}" limit 5').fetchall()
print(connection.execute("select count(*) from marts.customer_segments").fetchone()[0])
"""
    result = subprocess.run(
        [duckdb_1_python, "-c", script, demo_build.warehouse, OLDEST_DUCKDB_1],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert (
        int(result.stdout.strip())
        == query(demo_build.warehouse, "select count(*) from marts.customer_segments")[0][0]
    )
