"""Adding a column to an export takes the two edits the README's "Add a column" names: declare it
in the shop_export source, and name it in the feature mart's contract. Here they are made in a
copy of the dbt project, which a build runs through ONECLICK_DBT_PROJECT, on the demo exports of
one month with a generated numeric column added; the column must come out in staging, in the
feature mart and among the model's features."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import build_or_fail
from tests.support import built_once, query, read_rows, write_rows
from warehouse.exports import model_columns
from warehouse.paths import DBT_PROJECT_DIR, latest_demo_month

pytestmark = pytest.mark.slow

HEADER = "Отзывы_за_квартал"
COLUMN = "reviews_quarter"
# Edit 1: the column's declaration, after the last column of market_file.csv.
DECLARATION = f"""\
          - name: {HEADER}
            description: Reviews the customer wrote over the last 3 months.
            config:
              meta: {{column: {COLUMN}, type: integer, range: {{min: 0}}, role: [feature]}}
"""
# Edit 2: the column in the feature mart's contract.
CONTRACT = f"""\
      - name: {COLUMN}
        data_type: integer
        description: Reviews the customer wrote over the last 3 months.
        constraints:
          - type: not_null
"""


def insert_before(path: Path, marker: str, text: str) -> None:
    """Insert ``text`` before the first line that is ``marker``, as a person editing would."""
    content = path.read_text(encoding="utf-8")
    assert content.count(marker + "\n") == 1, f"{path.name}: {marker!r} not found once"
    path.write_text(content.replace(marker + "\n", text + marker + "\n"), encoding="utf-8")


def reviews(customer_id: str) -> int:
    """The generated value of a customer: a whole number from 0 to 10."""
    return int(customer_id) * 7919 % 11


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[int, int], str]:

    def build_with_the_column(folder: Path) -> tuple[Path, dict[int, int], str]:
        raw = folder / "raw"
        shutil.copytree(latest_demo_month(), raw)
        rows = read_rows(raw / "market_file.csv")
        write_rows(
            raw / "market_file.csv",
            [[*rows[0], HEADER]] + [[*row, str(reviews(row[0]))] for row in rows[1:]],
        )
        project = folder / "dbt_project"
        shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
        insert_before(
            project / "models" / "staging" / "shop_export" / "_shop_export__sources.yml",
            "      - name: market_money",
            DECLARATION,
        )
        insert_before(
            project / "models" / "marts" / "_marts__models.yml",
            "      - name: revenue_two_months_ago",
            CONTRACT,
        )
        with pytest.MonkeyPatch.context() as environment:
            environment.setenv("ONECLICK_DBT_PROJECT", str(project))
            build = build_or_fail(raw, folder / "warehouse" / "oneclick.duckdb")
        expected = {int(row[0]): reviews(row[0]) for row in rows[1:]}
        return build.warehouse, expected, build.stdout

    return built_once(tmp_path_factory, "add_a_column", build_with_the_column)


def test_the_new_column_is_checked_and_staged(built):
    warehouse, expected, stdout = built

    staged = dict(
        query(warehouse, f"select customer_id, {COLUMN} from staging.stg_shop_export__customers")
    )

    assert "ignoring column" not in stdout, "the raw-file check must know the declared column"
    assert staged == expected


def test_the_new_column_is_in_the_feature_mart(built):
    warehouse, expected, _ = built

    rows = query(warehouse, f"select customer_id, {COLUMN} from marts.feature_mart")

    assert len(rows) > 1000
    assert all(expected[customer] == value for customer, value in rows)


def test_the_new_column_is_one_of_the_models_features(built):
    warehouse, _, _ = built

    (features,) = query(warehouse, "select features from marts.model_registry where is_current")[0]
    importance = {
        feature for (feature,) in query(warehouse, "select feature from marts.feature_importance")
    }

    packaged = model_columns(DBT_PROJECT_DIR)

    assert sorted(json.loads(features)["numeric"]) == sorted([*packaged.numeric, COLUMN])
    assert importance == {*packaged.categorical, *packaged.numeric, COLUMN}
