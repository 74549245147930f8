"""Carries the run log and the model registry from the published warehouse into the next build.

A build writes a new file; the tables that keep history across builds (``marts.build_runs``,
``marts.model_registry``) are read from the published file before dbt runs and handed to the dbt
models that rebuild them, as JSON files in the build's folder.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from warehouse.dbt_runner import Progress

CARRIED_TABLES = ("build_runs", "model_registry")


def carry_over_history(published: Path, folder: Path, progress: Progress) -> Path:
    """Write each history table of ``published`` to ``folder/<table>.json`` (``[]`` if none)."""
    folder.mkdir(parents=True, exist_ok=True)
    tables = {key: [] for key in CARRIED_TABLES}
    if published.exists():
        try:
            tables = _read_tables(published)
        except duckdb.Error as error:
            first_line = str(error).splitlines()[0]
            progress(f"  warning: history of earlier builds not carried over ({first_line})")
    for table, rows in tables.items():
        (folder / f"{table}.json").write_text(
            json.dumps(rows, default=str, ensure_ascii=False), encoding="utf-8"
        )
    return folder


def _read_tables(published: Path) -> dict[str, list[dict]]:
    connection = duckdb.connect(str(published), read_only=True)
    try:
        present = {
            name
            for (name,) in connection.execute(
                "select table_name from duckdb_tables() where schema_name = 'marts'"
            ).fetchall()
        }
        tables = {}
        for table in CARRIED_TABLES:
            if table not in present:
                tables[table] = []
                continue
            cursor = connection.execute(f"select * from marts.{table}")
            columns = [description[0] for description in cursor.description]
            tables[table] = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
        return tables
    finally:
        connection.close()
