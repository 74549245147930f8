"""The DuckDB shell `oneclick build` names at its end: it is there, and it opens the warehouse
read-only, as BI tools should."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Build
from tests.support import query
from warehouse.shell import read_only_shell_command

HINT = re.compile(r"^Open it read-only, as BI tools do: (?P<command>.+)$", re.MULTILINE)


@pytest.mark.slow
def test_the_closing_hint_opens_the_warehouse_read_only(demo_build: Build):
    hint = HINT.search(demo_build.stdout)
    assert hint, demo_build.stdout[-2000:]
    command = shlex.split(hint.group("command"))
    assert Path(command[0]).name == "duckdb"

    # the command as printed, from the folder the build ran in (the tests' own)
    shell = subprocess.run(
        command,
        input="select count(*) as customers from marts.customer_segments;\n"
        "delete from marts.customer_segments;\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    (customers,) = query(demo_build.warehouse, "select count(*) from marts.customer_segments")[0]
    assert customers > 0
    assert re.search(rf"\b{customers}\b", shell.stdout), shell.stdout + shell.stderr
    assert "read-only" in (shell.stdout + shell.stderr).lower()


def test_the_shell_is_named_by_its_path_unless_path_finds_the_same_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    warehouse = tmp_path / "my warehouse" / "oneclick.duckdb"
    beside_python = Path(sys.executable).parent / "duckdb"
    assert os.access(beside_python, os.X_OK), "duckdb-cli is a dependency: its shell is there"

    monkeypatch.setenv("PATH", str(tmp_path))  # no duckdb on PATH
    by_path = shlex.split(read_only_shell_command(warehouse, str(warehouse)))
    monkeypatch.setenv("PATH", str(beside_python.parent))
    by_name = shlex.split(read_only_shell_command(warehouse, str(warehouse)))

    assert Path(by_path[0]).resolve() == beside_python.resolve()
    assert by_path[1:] == ["-readonly", str(warehouse)]
    assert by_name == ["duckdb", "-readonly", str(warehouse)]
