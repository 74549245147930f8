"""A staged row's line in its export is the rowid of the staging table, plus 2.

That holds only if DuckDB writes a staging model's table in file order even when it reads the
CSV file on several threads. These tests compile the real staging models for exports large
enough to be read in parallel pieces and check every row's line against a numbering made by
reading the file on one thread.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import duckdb
import pytest

from scripts.generate_demo_data import generate
from warehouse.dbt_runner import dbt_executable
from warehouse.paths import DBT_PROJECT_DIR

CUSTOMERS = 200_000  # market_file.csv about 24 MB, market_money.csv about 28 MB
STAGING = {
    "market_file": "stg_shop_export__customers",
    "market_money": "stg_shop_export__monthly_revenues",
    "market_time": "stg_shop_export__monthly_minutes",
    "money": "stg_shop_export__profits",
}


@pytest.fixture(scope="module")
def large_exports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("large")
    generate(folder, customers=CUSTOMERS, seed=7)
    return folder


@pytest.fixture(scope="module")
def compiled_staging(large_exports: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The staging models' SQL as dbt compiles it for the large exports."""
    target = tmp_path_factory.mktemp("target")
    subprocess.run(
        [
            *dbt_executable(),
            "compile",
            "--select",
            *STAGING.values(),
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(target),
            "--log-path",
            str(target / "logs"),
            "--vars",
            json.dumps({"raw_dir": str(large_exports)}),
        ],
        cwd=DBT_PROJECT_DIR,
        env={**os.environ, "ONECLICK_WAREHOUSE_PATH": str(target / "compile.duckdb")},
        check=True,
        capture_output=True,
    )
    compiled = target / "compiled" / "oneclick" / "models" / "staging"
    return {
        export: (compiled / f"{model}.sql").read_text("utf-8") for export, model in STAGING.items()
    }


def line_number_expression() -> str:
    macro = (DBT_PROJECT_DIR / "macros" / "parsing" / "source_line_number.sql").read_text("utf-8")
    return macro.split("{% macro source_line_number() -%}")[1].split("{%- endmacro %}")[0].strip()


def misnumbered_rows(folder: Path, export: str, staging_sql: str, **settings: object) -> int:
    """Staged rows whose rowid-based line holds another line's id than the file has there."""
    connection = duckdb.connect(config={"threads": 2, **settings})
    connection.execute(f"create table staged as {staging_sql}")
    connection.execute(
        f"""
        create table lines as
        select row_number() over () + 1 as line_number, trim(id) as id
        from read_csv('{folder / export}.csv', all_varchar = true, header = true)
        """
    )
    return connection.execute(
        f"""
        select count(*)
        from (select {line_number_expression()} as line_number, customer_id from staged) as staged
        full join lines using (line_number)
        where staged.customer_id::varchar is distinct from lines.id
        """
    ).fetchone()[0]


@pytest.mark.parametrize("export", list(STAGING))
def test_every_staged_row_is_on_the_line_it_came_from(large_exports, compiled_staging, export):
    assert misnumbered_rows(large_exports, export, compiled_staging[export]) == 0


def test_the_exports_are_read_in_parallel_pieces_so_the_order_is_really_tested(
    large_exports, compiled_staging
):
    # Without DuckDB's insertion order the pieces land out of order: the files are large
    # enough for the check above to catch a staging model that does not keep file order.
    unordered = sum(
        misnumbered_rows(
            large_exports,
            export,
            compiled_staging[export],
            threads=8,
            preserve_insertion_order=False,
        )
        for export in ("market_file", "market_money")
    )
    assert unordered > 0


def test_the_profile_keeps_insertion_order():
    profile = (DBT_PROJECT_DIR / "profiles.yml").read_text("utf-8")
    assert "preserve_insertion_order" not in profile
