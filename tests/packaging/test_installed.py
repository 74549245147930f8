"""The package as a user installs it: the wheel built from this working tree, installed with its
pinned dependencies into a fresh virtual environment, and ``oneclick build`` run in an empty
folder, with nothing from the checkout on the path.

The Python is the one running the tests, or ``$ONECLICK_TEST_PYTHON`` (``make test-install
INSTALL_PYTHON=…``; .ci/run runs it for 3.12 and 3.13).

Speed, honestly: the wheel and its package data are built and installed for real every time;
the dependencies are the pinned wheels from PyPI, kept in a wheelhouse under ``.cache/`` (one per
Python version and constraints file) so a second run installs them with ``--no-index`` instead
of downloading them again (pip's own cache is not used: it is off on these machines). They are
installed as pip installs them, byte-compiled, so the build that follows writes no bytecode and
the environment can be compared file by file.
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.support import built_once, query

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parents[2]
CONSTRAINTS = REPO_ROOT / "requirements" / "constraints.txt"
WHEELHOUSES = REPO_ROOT / ".cache" / "wheelhouse"
HINT = re.compile(r"^Open it read-only, as BI tools do: (?P<command>.+)$", re.MULTILINE)


def run(command: list[str | Path], **options) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [str(part) for part in command],
        capture_output=True,
        text=True,
        timeout=options.pop("timeout", 900),
        check=False,
        **options,
    )
    assert result.returncode == 0, (
        f"{shlex.join(map(str, command))} failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    )
    return result


def target_python() -> str:
    return os.environ.get("ONECLICK_TEST_PYTHON") or sys.executable


def clean_environment() -> dict[str, str]:
    """The caller's environment without what would point the installed command at the checkout
    or another environment, and with Python writing bytecode as it does by default (so a module
    the install did not compile would show up as a change in the environment)."""
    dropped = {
        "PYTHONPATH",
        "PYTHONHOME",
        "VIRTUAL_ENV",
        "ONECLICK_WAREHOUSE",
        "PYTHONDONTWRITEBYTECODE",
    }
    return {name: value for name, value in os.environ.items() if name not in dropped}


def source_files() -> list[str]:
    """The working tree as a clone would have it, with uncommitted changes: tracked files and new
    ones git does not ignore (never .venv, dbt's target/, a built warehouse or build/)."""
    listed = run(
        ["git", "-C", REPO_ROOT, "ls-files", "--cached", "--others", "--exclude-standard", "-z"]
    ).stdout
    return [name for name in listed.split("\0") if name and (REPO_ROOT / name).is_file()]


def snapshot(folder: Path) -> dict[str, tuple[int, int, int]]:
    """Every entry under ``folder``: its kind and size, and when it was last written."""
    entries = {}
    for path in [folder, *folder.rglob("*")]:
        status = path.lstat()
        entry = (status.st_mode, status.st_size, status.st_mtime_ns)
        entries[str(path.relative_to(folder))] = entry
    return entries


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built by pip from a copy of the working tree (a build in the checkout would
    reuse setuptools' build/ folder, where deleted files live on)."""

    def build(folder: Path) -> Path:
        source = folder / "source"
        for name in source_files():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO_ROOT / name, source / name)
        out = folder / "wheel"
        run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", out, source])
        (built,) = out.glob("oneclick-*.whl")
        return built

    return built_once(tmp_path_factory, "wheel", build)


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel and its pinned dependencies installed."""

    def make_venv(folder: Path) -> Path:
        venv = folder / "env"
        run([target_python(), "-m", "venv", venv])
        python = venv / "bin" / "python"
        version = run([python, "-c", "import sys; print('%d%d' % sys.version_info[:2])"]).stdout
        digest = hashlib.sha256(CONSTRAINTS.read_bytes()).hexdigest()[:12]
        wheelhouse = WHEELHOUSES / f"cp{version.strip()}-{digest}"
        install = [python, "-m", "pip", "install", "--quiet", "--no-index", "--find-links"]
        install += [wheelhouse, "-c", CONSTRAINTS, wheel]
        environment = clean_environment()
        if subprocess.run(list(map(str, install)), capture_output=True, env=environment).returncode:
            download = [python, "-m", "pip", "download", "--quiet", "--dest", wheelhouse]
            run([*download, "-c", CONSTRAINTS, wheel], env=environment)
            for copied in wheelhouse.glob("oneclick-*"):
                copied.unlink()  # only the wheel under test is installed, never an older one
            run(install, env=environment)
        return venv

    return built_once(tmp_path_factory, "installed", make_venv)


def test_the_wheel_ships_the_dbt_project_and_the_demo_exports(wheel: Path):
    with zipfile.ZipFile(wheel) as archive:
        shipped = set(archive.namelist())
    # Everything of the dbt project a build reads; review/ (the checker's exceptions, read by a
    # review of the checkout) is not shipped.
    project = {
        name.removeprefix("dbt_project/")
        for name in source_files()
        if name.startswith("dbt_project/") and not name.startswith("dbt_project/review/")
    }
    demo = {
        str(path.relative_to(REPO_ROOT / "warehouse"))
        for path in (REPO_ROOT / "warehouse" / "demo_data").rglob("*.csv")
    }

    assert project, "the checkout has no dbt project?"
    assert {f"warehouse/dbt_project/{name}" for name in project} <= shipped
    assert demo and {f"warehouse/{name}" for name in demo} <= shipped
    assert not [name for name in shipped if re.search(r"dbt_project/(target|logs|review)/", name)]


def test_an_installed_oneclick_builds_in_an_empty_folder_and_writes_only_there(
    installed: Path, tmp_path: Path
):
    work = tmp_path / "empty folder"
    work.mkdir()
    environment = clean_environment()
    where = "import warehouse.paths as paths; print(paths.DBT_PROJECT_DIR)"
    project_dir = run(
        [installed / "bin" / "python", "-c", where],
        cwd=work,
        env=environment,
    ).stdout.strip()
    before = snapshot(installed)

    oneclick = installed / "bin" / "oneclick"
    build = run([oneclick, "build"], cwd=work, env=environment)
    # the commands that read the warehouse work installed too (the report reads the project)
    run([oneclick, "report"], cwd=work, env=environment)
    run([oneclick, "export"], cwd=work, env=environment)

    warehouse = work / "warehouse" / "oneclick.duckdb"
    assert warehouse.is_file(), build.stdout[-3000:]
    assert Path(project_dir).is_relative_to(installed), f"dbt project read from {project_dir}"
    ((raw_folder, customers),) = query(
        warehouse, "select raw_folder, customers_in_scope from marts.build_runs"
    )
    assert Path(raw_folder).is_relative_to(installed), "the demo exports are the package's"
    assert customers > 0
    assert query(warehouse, "select count(*) from marts.segment_summary") == [(4,)]
    assert (work / "warehouse" / "report" / "index.html").is_file()
    assert (work / "warehouse" / "exports" / "manifest.json").is_file()
    after = snapshot(installed)
    changed = sorted(
        name for name in before.keys() | after.keys() if before.get(name) != after.get(name)
    )
    assert changed == [], f"the build wrote into the environment: {changed[:20]}"
    assert sorted(path.name for path in work.iterdir()) == ["warehouse"]

    # the closing hint names a DuckDB shell that is there, and it opens the file read-only
    hint = HINT.search(build.stdout)
    assert hint, build.stdout[-2000:]
    command = shlex.split(hint.group("command"))
    shell = subprocess.run(
        command,
        input="select count(*) as segments from marts.segment_summary;\n"
        "create table marts.written_by_the_shell as select 1 as one;\n",
        capture_output=True,
        text=True,
        cwd=work,
        env=environment,
        timeout=60,
        check=False,
    )
    assert re.search(r"\b4\b", shell.stdout), shell.stdout + shell.stderr
    assert "read-only" in (shell.stdout + shell.stderr).lower()
    assert query(
        warehouse,
        "select count(*) from duckdb_tables() where table_name = 'written_by_the_shell'",
    ) == [(0,)]
