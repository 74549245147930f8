"""What is in a warehouse file: the analyst-facing relations, their rows and what they hold."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb


@dataclass(frozen=True)
class Relation:
    """One table or view of the ``marts`` schema."""

    name: str
    kind: str
    rows: int
    description: str


def marts_relations(warehouse: Path) -> list[Relation]:
    """The relations of schema ``marts`` with row counts and their dbt descriptions."""
    connection = duckdb.connect(str(warehouse), read_only=True)
    try:
        listed = _list(connection)
        return [
            Relation(
                name=f"marts.{name}",
                kind=kind,
                rows=connection.execute(f'select count(*) from marts."{name}"').fetchone()[0],
                description=" ".join(comment.split()),
            )
            for name, kind, comment in listed
        ]
    finally:
        connection.close()


def _list(connection: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    return connection.execute(
        """
        select table_name, 'table', coalesce(comment, '')
        from duckdb_tables() where schema_name = 'marts'
        union all
        select view_name, 'view', coalesce(comment, '')
        from duckdb_views() where schema_name = 'marts' and not internal
        order by 1
        """
    ).fetchall()


def describe(warehouse: Path, width: int = 100) -> list[str]:
    """Lines for a person: each marts relation, its kind, rows and the start of its description."""
    lines = []
    for relation in marts_relations(warehouse):
        head = f"  {relation.name:<28} {relation.kind:<5} {relation.rows:>10,} rows  "
        room = max(width - len(head), 20)
        text = relation.description
        lines.append(head + (text if len(text) <= room else text[: room - 1] + "…"))
    return lines


def current_model_path(warehouse: Path) -> Path:
    """The saved model that scored the warehouse's latest build (marts.model_registry)."""
    connection = duckdb.connect(str(warehouse), read_only=True)
    try:
        (path,) = connection.execute(
            "select artifact_path from marts.model_registry where is_current"
        ).fetchone()
    finally:
        connection.close()
    return Path(path)
