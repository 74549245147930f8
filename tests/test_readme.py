"""The README is exact: every SQL query it shows runs on the warehouse `make run` builds and
returns rows, every claim of a *Checkpoint* that a query can check holds (each such claim has a
`<!-- check: … -->` query beside it that must return true), and every DuckDB shell command it
shows opens the warehouse."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.support import query
from warehouse.paths import DBT_PROJECT_DIR, REPO_ROOT
from warehouse.settings import parse_value

pytestmark = pytest.mark.slow

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
SQL_BLOCKS = re.findall(r"```sql\n(.*?)```", README, flags=re.DOTALL)
CHECKS = re.findall(r"<!-- check: (.*?) -->", README, flags=re.DOTALL)
SHELL_COMMANDS = [
    line.strip()
    for block in re.findall(r"```bash\n(.*?)```", README, flags=re.DOTALL)
    for line in block.splitlines()
    if line.strip().startswith(".venv/bin/duckdb ")
]


def test_the_readme_has_queries_checks_and_a_shell_command():
    assert len(SQL_BLOCKS) >= 10 and len(CHECKS) >= 5 and SHELL_COMMANDS


@pytest.mark.parametrize("sql", SQL_BLOCKS, ids=[f"query-{n}" for n in range(len(SQL_BLOCKS))])
def test_every_query_the_readme_shows_runs_and_returns_rows(demo_months_build: Path, sql: str):
    rows = query(demo_months_build, sql.strip().rstrip(";"))

    assert rows, f"the README's query returned nothing:\n{sql}"


@pytest.mark.parametrize("check", CHECKS, ids=[f"check-{n}" for n in range(len(CHECKS))])
def test_every_checkpoint_a_query_can_check_holds(demo_months_build: Path, check: str):
    rows = query(demo_months_build, check)

    assert rows == [(True,)], f"the README's checkpoint does not hold: {check} gave {rows}"


@pytest.mark.parametrize("command", SHELL_COMMANDS)
def test_the_duckdb_shell_commands_open_the_warehouse(demo_months_build: Path, command: str):
    arguments = shlex.split(command.replace("warehouse/oneclick.duckdb", str(demo_months_build)))
    arguments[0] = str(Path(sys.executable).parent / "duckdb")

    result = subprocess.run(arguments, capture_output=True, text=True, timeout=60, check=False)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()


def test_the_readme_lists_every_setting_with_its_default():
    """The table of settings is written by `make readme`; a setting added, or a default changed,
    in dbt_project.yml without it fails here."""
    table = README.split("<!-- settings:start -->")[1].split("<!-- settings:end -->")[0]
    rows = re.findall(r"^\| `(\w+)` \| ([^|]+) \|", table, flags=re.MULTILINE)
    project_vars = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text("utf-8"))["vars"]

    assert [name for name, _ in rows] == list(project_vars["setting_rules"])
    for name, default in rows:
        assert parse_value(default.strip()) == project_vars[name], name
