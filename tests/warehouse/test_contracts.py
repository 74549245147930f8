"""The column checks DuckDB makes while it builds a table: every SQL table model with an enforced
contract declares its `not_null` and `check` constraints in its YAML (they replace the
`not_null` and `accepted_values` data tests, a dbt node each), and the built file must hold every
one of them, so DuckDB refuses a row that breaks one. A model whose contract stops being enforced,
or that stops being a table, keeps the YAML but loses the checks: this test fails then."""

from __future__ import annotations

import json

import duckdb
import pytest

from tests.conftest import Build
from tests.support import query
from warehouse.paths import work_dir

pytestmark = pytest.mark.slow

# The column constraints the YAML declares (70 not_null, 14 check; 60 of them were not_null
# and accepted_values data tests before): fewer is checking less. Raise it when adding one.
DECLARED_CONSTRAINTS = 84


def declared_constraints(build: Build) -> list[tuple[str, str, str, str, str]]:
    """(schema, model, column, type, expression) of every column constraint the build's dbt
    project declares, expressions as dbt rendered them."""
    manifest_path = work_dir(build.warehouse) / "dbt-target" / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    return [
        (node["schema"], node["name"], name, constraint["type"], constraint.get("expression") or "")
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        for name, column in node["columns"].items()
        for constraint in column.get("constraints") or []
    ]


def check_as_duckdb_writes_it(column: str, data_type: str, expression: str) -> str:
    """A CHECK expression as DuckDB stores it (duckdb_constraints()), from the YAML's text."""
    connection = duckdb.connect()
    try:
        connection.execute(f"create table t ({column} {data_type} check ({expression}))")
        ((stored,),) = connection.execute(
            "select expression from duckdb_constraints() where constraint_type = 'CHECK'"
        ).fetchall()
        return stored
    finally:
        connection.close()


def test_every_declared_constraint_is_in_the_built_file(demo_build: Build):
    declared = declared_constraints(demo_build)
    built = query(
        demo_build.warehouse,
        "select schema_name, table_name, constraint_column_names[1], constraint_type, "
        "coalesce(expression, '') from duckdb_constraints() "
        "where constraint_type in ('NOT NULL', 'CHECK') and len(constraint_column_names) = 1",
    )
    types = {
        (schema, table, column): data_type
        for schema, table, column, data_type in query(
            demo_build.warehouse,
            "select table_schema, table_name, column_name, data_type "
            "from information_schema.columns",
        )
    }
    missing = []
    for schema, model, column, kind, expression in declared:
        if kind == "not_null":
            expected = (schema, model, column, "NOT NULL", "")
        else:
            data_type = types[(schema, model, column)]
            stored = check_as_duckdb_writes_it(column, data_type, expression)
            expected = (schema, model, column, "CHECK", stored)
        if expected not in built:
            missing.append(f"{schema}.{model}.{column}: {kind} {expression}".strip())

    assert len(declared) >= DECLARED_CONSTRAINTS
    assert not missing, "declared in the YAML, not in the built file:\n" + "\n".join(missing)


@pytest.mark.parametrize(
    ("bad_row", "refusal"),
    [
        ("1, null, null, true", "NOT NULL constraint failed: customer_scope.scope_status"),
        ("1, 'in scope', null, true", "CHECK constraint failed on table customer_scope"),
    ],
)
def test_duckdb_refuses_a_row_that_breaks_a_constraint(
    demo_build: Build, tmp_path, bad_row, refusal
):
    """The constraints hold in the published file, not only while dbt builds it: a copy of it
    refuses a null scope_status and one outside the declared statuses."""
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(demo_build.warehouse.read_bytes())
    connection = duckdb.connect(str(copy))
    try:
        with pytest.raises(duckdb.ConstraintException, match=refusal):
            connection.execute(f"insert into marts.customer_scope values ({bad_row})")
    finally:
        connection.close()
