"""The DuckDB shell that comes with oneclick, and the command that opens a warehouse in it.

The shell is the ``duckdb-cli`` package (pinned with the DuckDB library, so both are one DuckDB):
its ``duckdb`` command is installed beside the Python that runs oneclick. That folder need not be
on PATH (``.venv/bin`` of a checkout, a pipx environment), so the command is named by its path
unless PATH finds the same file under its bare name.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path


def duckdb_shell() -> Path | None:
    """The ``duckdb`` command beside the running interpreter (not resolved: a venv's bin)."""
    beside_python = Path(sys.executable).parent / "duckdb"
    return beside_python if os.access(beside_python, os.X_OK) else None


def read_only_shell_command(warehouse: Path, shown: str) -> str:
    """A command a person can paste to open ``warehouse`` (written as ``shown``) read-only."""
    shell = duckdb_shell()
    if shell is None:
        code = (
            f"import duckdb; duckdb.connect({str(warehouse)!r}, read_only=True)"
            ".sql('show all tables').show()"
        )
        return shlex.join([sys.executable, "-c", code])
    on_path = shutil.which("duckdb")
    same = on_path is not None and Path(on_path).resolve() == shell.resolve()
    program = "duckdb" if same else _shown(shell)
    return shlex.join([program, "-readonly", shown])


def _shown(path: Path) -> str:
    """A program's path as it can be typed from here: relative ones start with ``./``, or a
    shell would look the name up on PATH."""
    try:
        relative = path.absolute().relative_to(Path.cwd())
    except ValueError:
        return str(path.absolute())
    return str(relative) if "/" in str(relative) else f"./{relative}"
