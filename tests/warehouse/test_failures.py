"""Failure messages: a Python model's traceback is cut down to the exception a person needs;
DuckDB's own errors on an export become the file, the physical line and what is wrong; a model
whose rows break its contract names the column, the constraint and the rows; values show their
control characters escaped."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from warehouse.dbt_runner import NodeResult
from warehouse.failures import _contract_violation, _describe_row, _shorten, _unreadable_export


def test_a_python_traceback_is_shortened_to_its_exception():
    message = """Runtime Error in model customer_scores (models/marts/model/customer_scores.py)
  Python model failed:
  Traceback (most recent call last):
    File "/x/environments/__init__.py", line 286, in run_python_job
      df = module.model(dbt, con)
    File "/x/models_ml/artifact.py", line 170, in validate_frame
      raise ModelMismatchError(
  models_ml.artifact.ModelMismatchError: model dm-1 cannot score this data: favourite_category"""

    assert _shorten(message) == (
        "models_ml.artifact.ModelMismatchError: model dm-1 cannot score this data: "
        "favourite_category"
    )


def test_a_sql_error_keeps_its_first_lines():
    message = "Runtime Error in model x\n  Binder Error: column y not found\n\n  LINE 1: select y"

    assert (
        _shorten(message, lines=2)
        == "Runtime Error in model x\n    Binder Error: column y not found"
    )


def test_a_stored_failure_row_reads_as_file_line_and_problem():
    row = {"source_file": "money.csv", "source_line_number": 7, "parse_problems": "Прибыль: empty"}

    assert _describe_row(row) == "money.csv, line 7: Прибыль: empty"
    assert _describe_row({"model_row_count": 3, "compared_row_count": 4}) == (
        "model_row_count=3, compared_row_count=4"
    )


def test_control_characters_of_a_stored_row_are_shown_escaped():
    row = {
        "source_file": "market_file.csv",
        "source_line_number": 4,
        "parse_problems": 'Страниц_за_визит: "\x008" is not a whole number',
    }

    assert _describe_row(row) == (
        'market_file.csv, line 4: Страниц_за_визит: "\\x008" is not a whole number'
    )
    assert _describe_row({"value": "a\tb\x1b"}) == "value=a\\tb\\x1b"


def duckdb_error(path: Path, select: str = "*") -> str:
    """DuckDB's own message for reading ``path`` as a staging model reads its source."""
    with pytest.raises(duckdb.Error) as caught:
        duckdb.connect().sql(
            f"create table staged as select {select} from read_csv('{path}', "
            "all_varchar = true, header = true, quote = '\"', escape = '\"')"
        )
    return str(caught.value)


def test_a_deep_line_of_spaces_is_named_with_its_file_and_physical_line(tmp_path):
    # Beyond the sniffer's 20,480 lines DuckDB says "CSV Error on Line: N", counting the blank
    # line before it but not the line break inside the quoted value.
    rows = [f"{215348 + n},текущий_месяц,{n}.5" for n in range(21_000)]
    rows[10] = '215358,"текущий\nмесяц",1.5'
    rows.insert(20, "")
    rows.insert(21_000, "   ")
    path = tmp_path / "market_money.csv"
    path.write_text("id,Период,Выручка\n" + "\n".join(rows) + "\n", encoding="utf-8")
    message = duckdb_error(path)
    assert "CSV Error on Line: 21002" in message

    assert _unreadable_export(message, path) == (
        "market_money.csv: line 21003 has 1 field, the header has 3 (a line of spaces only): '   '"
    )


def test_a_line_the_sniffer_cannot_fit_is_named_with_its_file_and_line(tmp_path):
    # Within the sniffer's lines, a row with a field too many makes DuckDB read the file as
    # one column; staging then finds no "id".
    rows = [f"{215348 + n},текущий_месяц,{n}.5" for n in range(600)]
    rows[400] += ",7"
    path = tmp_path / "market_money.csv"
    path.write_text("id,Период,Выручка\n" + "\n".join(rows) + "\n", encoding="utf-8")
    message = duckdb_error(path, select='"id"')
    assert "Binder Error" in message

    assert _unreadable_export(message, path) == (
        "market_money.csv: line 402 has 4 fields, the header has 3: '215748,текущий_месяц,400.5,7'"
    )


def test_a_binder_error_on_a_sound_export_is_not_blamed_on_the_file(tmp_path):
    path = tmp_path / "money.csv"
    path.write_text("id;Прибыль\n1;2,5\n", encoding="utf-8")
    message = duckdb_error(path, select='"Выручка"')

    assert _unreadable_export(message, path) is None


def a_model_breaking_its_contract(message: str) -> tuple[NodeResult, dict]:
    """A failed contract-enforced model as the run results and the manifest describe it."""
    result = NodeResult(
        unique_id="model.oneclick.customer_scope",
        status="error",
        execution_time=0.1,
        message=f"Runtime Error in model customer_scope (models/marts/customer_scope.sql)\n  "
        f"{message}",
        failures=None,
        relation_name='"oneclick"."marts"."customer_scope"',
        compiled_code="select customer_id, scope_status from scoped",
    )
    node = {
        "columns": {
            "customer_id": {"name": "customer_id", "constraints": [{"type": "not_null"}]},
            "scope_status": {
                "name": "scope_status",
                "constraints": [
                    {"type": "not_null"},
                    {"type": "check", "expression": "scope_status in ('in_scope',\n 'out')"},
                ],
            },
        }
    }
    return result, node


def test_a_broken_contract_names_the_column_the_constraint_and_the_rows(tmp_path):
    connection = duckdb.connect(str(tmp_path / "candidate.duckdb"))
    connection.execute(
        "create table scoped as select * from (values (1, 'in_scope'), (2, null), (3, 'gone'), "
        "(4, null)) as v(customer_id, scope_status)"
    )
    result, node = a_model_breaking_its_contract(
        "Constraint Error: NOT NULL constraint failed: customer_scope__dbt_tmp.scope_status"
    )

    assert _contract_violation(result, node, connection) == (
        "model customer_scope breaks its contract: scope_status is null, where its not_null "
        "constraint allows none: 2 row(s):\n"
        "    customer_id=2, scope_status=None\n"
        "    customer_id=4, scope_status=None\n"
        "model customer_scope breaks its contract: scope_status breaks its check "
        "(scope_status in ('in_scope', 'out')): 1 row(s):\n"
        "    customer_id=3, scope_status=gone"
    )


def test_a_broken_contract_without_its_rows_passes_on_duckdbs_words():
    result, node = a_model_breaking_its_contract(
        "Constraint Error: NOT NULL constraint failed: customer_scope__dbt_tmp.scope_status"
    )

    assert _contract_violation(result, node, None) == (
        "model customer_scope breaks its contract: Runtime Error in model customer_scope "
        "(models/marts/customer_scope.sql)\n"
        "    Constraint Error: NOT NULL constraint failed: customer_scope.scope_status"
    )
    other, _ = a_model_breaking_its_contract("Binder Error: column x not found")
    assert _contract_violation(other, node, None) is None
