"""A model's column checks run as one test (tests/generic/column_checks.sql); when it fails, the
build explains it check by check, as the separate tests would have been. The queries here are
the ones dbt compiled for the demo build, run on a copy of its warehouse with rows broken."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from tests.conftest import Build
from warehouse.build import checks_in_test
from warehouse.failures import _failed_column_checks

pytestmark = pytest.mark.slow


def column_checks_of(build: Build, model: str) -> tuple[str, dict]:
    """The compiled query of ``model``'s column_checks test in ``build``, and its manifest node."""
    target = build.warehouse.parent / ".oneclick" / "dbt-target"
    prefix = f"test.oneclick.column_checks_{model}_"
    results = json.loads((target / "run_results.json").read_text())["results"]
    (result,) = [result for result in results if result["unique_id"].startswith(prefix)]
    assert result["status"] == "pass"
    node = json.loads((target / "manifest.json").read_text())["nodes"][result["unique_id"]]
    return result["compiled_code"], node


@pytest.fixture
def broken_copy(demo_build: Build, tmp_path: Path):
    """A writable copy of the demo warehouse."""
    copy = tmp_path / "oneclick.duckdb"
    shutil.copy(demo_build.warehouse, copy)
    connection = duckdb.connect(str(copy))
    yield connection
    connection.close()


def test_each_broken_check_is_named_with_its_column_and_values(
    demo_build: Build, broken_copy: duckdb.DuckDBPyConnection
):
    query, node = column_checks_of(demo_build, "offer_rules")
    assert broken_copy.execute(f"select count(*) from ({query})").fetchone() == (0,)
    broken_copy.execute("update marts.offer_rules set channel = 'fax' where priority = 10")
    broken_copy.execute("update marts.offer_rules set offer_code = null where priority = 20")
    broken_copy.execute(
        "insert into marts.offer_rules select * from marts.offer_rules where priority = 30"
    )

    # dbt counts the query's rows as the test's failures: one per broken check here.
    assert broken_copy.execute(f"select count(*) from ({query})").fetchone() == (3,)
    assert _failed_column_checks("offer_rules", query, broken_copy) == (
        "test accepted_values on offer_rules.channel failed: 1 row(s):\n"
        "    channel=fax\n"
        "test not_null on offer_rules.offer_code failed: 1 row(s)\n"
        "test primary_key on offer_rules.priority failed: 1 row(s):\n"
        "    priority=30 (2 rows)"
    )
    # The key, six columns that must have a value and three lists of accepted values.
    assert checks_in_test(node) == 10


def test_ranges_and_keys_of_several_columns_are_checked(
    demo_build: Build, broken_copy: duckdb.DuckDBPyConnection
):
    scores, _ = column_checks_of(demo_build, "customer_scores")
    broken_copy.execute(
        "update marts.customer_scores set decline_probability = 1.5 "
        "where customer_id = (select min(customer_id) from marts.customer_scores)"
    )
    assert _failed_column_checks("customer_scores", scores, broken_copy) == (
        "test values_between on customer_scores.decline_probability failed: 1 row(s):\n"
        "    decline_probability=1.5"
    )

    metrics, _ = column_checks_of(demo_build, "model_metrics")
    broken_copy.execute(
        "insert into marts.model_metrics select * from marts.model_metrics "
        "where evaluation = 'out_of_fold' and metric = 'brier'"
    )
    explained = _failed_column_checks("model_metrics", metrics, broken_copy)
    assert explained.startswith(
        "test unique_combination on model_metrics.evaluation, candidate, metric failed: 1 row(s):\n"
        "    evaluation, candidate, metric=(out_of_fold, "
    )
    assert explained.endswith(", brier) (2 rows)")
