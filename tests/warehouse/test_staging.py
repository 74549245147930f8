"""The staging and screening SQL the project generates from its declaration of the exports,
run on small files: typos mapped, problems named in the export's words, duplicates and ranges
screened.

These models are written by macros that read the declaration from dbt's graph, which dbt's
unit tests do not have (they run on a manifest of their own, without the sources), so they are
tested here: dbt compiles the real models once, and each test writes its rows as an export and
runs the compiled SQL on them in DuckDB. The rows are this file's own copy of the exports'
headers and spellings: a test that read the declaration could not catch a wrong one.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.support import LABEL_COLUMN, MARKET_FILE_HEADER, compile_models, write_rows
from warehouse.line_map import line_offsets

pytestmark = pytest.mark.slow

STAGING = {
    "market_file": "stg_shop_export__customers",
    "market_money": "stg_shop_export__monthly_revenues",
    "market_time": "stg_shop_export__monthly_minutes",
}
SCREENING = "int_monthly_revenues_screened"


@pytest.fixture(scope="module")
def raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder the compiled models read their exports from; each test writes its own."""
    return tmp_path_factory.mktemp("raw")


@pytest.fixture(scope="module")
def compiled(raw: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return compile_models([*STAGING.values(), SCREENING], raw, tmp_path_factory.mktemp("target"))


def record(values: str) -> list[str]:
    """A row of an export from its values written ``a|b|c`` (a value may hold a comma)."""
    return values.split("|")


def staged(
    compiled: dict[str, str], raw: Path, export: str, rows: list[list[str]], columns: str
) -> list[tuple]:
    """``columns`` of the staging model of ``export`` after writing ``rows`` (header first)."""
    write_rows(raw / f"{export}.csv", rows)
    connection = duckdb.connect()
    try:
        return connection.execute(
            f"select {columns} from ({compiled[STAGING[export]]}) order by all"
        ).fetchall()
    finally:
        connection.close()


CUSTOMER_COLUMNS = (
    "customer_id, activity_declined, service_tier, is_marketing_allowed, favourite_category, "
    "marketing_contacts_6m_avg, marketing_contacts_current_month, tenure_days, "
    "promo_purchase_share, categories_per_visit, unpaid_cart_items_quarter, service_errors, "
    "pages_per_visit, parse_problems"
)


def test_customer_typos_map_to_canonical_values(compiled, raw):
    # Case and surrounding spaces make no new value; `,` and `.` decimals, a whole number
    # written 4.0; the label becomes 0/1 and consent a boolean.
    rows = staged(
        compiled,
        raw,
        "market_file",
        [
            MARKET_FILE_HEADER,
            record("1|Снизилась|стандартт|да|3.4|5|121|0.0|Косметика и аксесуары|6|2|1|5"),
            record("2|Прежний уровень| Премиум |нет|4,4|4.0|819|0,75|Товары для детей|4|4|2|5"),
            record("3|прежний уровень|стандарт|Да|4|3|539|1|Косметика и аксессуары|5|0|0|12"),
        ],
        CUSTOMER_COLUMNS,
    )

    assert rows == [
        (1, 1, "стандарт", True, "Косметика и аксессуары", 3.4, 5, 121, 0.0, 6, 2, 1, 5, None),
        (2, 0, "премиум", False, "Товары для детей", 4.4, 4, 819, 0.75, 4, 4, 2, 5, None),
        (3, 0, "стандарт", True, "Косметика и аксессуары", 4.0, 3, 539, 1.0, 5, 0, 0, 12, None),
    ]


def test_unknown_customer_values_are_problems_not_guesses(compiled, raw):
    # A category nobody mapped, a word in a number column and a fraction in a count are not
    # passed on: the value is null and parse_problems says what, in the export's words.
    rows = staged(
        compiled,
        raw,
        "market_file",
        [
            MARKET_FILE_HEADER,
            record("7|Снизилась|золотой|да|много|4.5|121|0.1|Садовая мебель|6|2|1|5"),
        ],
        "customer_id, service_tier, favourite_category, marketing_contacts_6m_avg, "
        "marketing_contacts_current_month, parse_problems",
    )

    assert rows == [
        (
            7,
            None,
            None,
            None,
            None,
            'Тип сервиса: unknown value "золотой"; Маркет_актив_6_мес: "много" is not a number; '
            'Маркет_актив_тек_мес: "4.5" is not a whole number; Популярная_категория: unknown '
            'value "Садовая мебель"',
        )
    ]


def test_customers_without_the_label_column_are_scored_not_refused(compiled, raw):
    header = [column for column in MARKET_FILE_HEADER if column != LABEL_COLUMN]
    row = ["9", "премиум", "да", "3.4", "5", "121", "0.2", "Кухонная посуда", "6", "2", "1", "5"]

    rows = staged(
        compiled,
        raw,
        "market_file",
        [header, row],
        "customer_id, activity_declined, service_tier, parse_problems",
    )

    assert rows == [(9, None, "премиум", None)]


@pytest.mark.parametrize(
    ("export", "rows", "expected"),
    [
        (
            "market_money",
            [
                ["id", "Период", "Выручка"],
                ["1", "препредыдущий_месяц", "0.0"],
                ["1", "предыдущий_месяц", "4472,0"],
                ["1", "текущий_месяц", "3293.1"],
            ],
            [("current_month", 3293.1), ("previous_month", 4472.0), ("two_months_ago", 0.0)],
        ),
        (
            # market_time.csv spells the previous month «предыдцщий».
            "market_time",
            [
                ["id", "Период", "минут"],
                ["1", "текущий_месяц", "14"],
                ["1", "предыдцщий_месяц", "13.0"],
            ],
            [("current_month", 14), ("previous_month", 13)],
        ),
    ],
)
def test_period_typos_map_to_canonical_periods(compiled, raw, export, rows, expected):
    value = "revenue" if export == "market_money" else "minutes"

    staged_rows = staged(compiled, raw, export, rows, f"period, {value}, parse_problems")

    assert staged_rows == [(*row, None) for row in expected]


def test_screening_keeps_one_exact_duplicate_and_no_conflicting_one(compiled, raw, tmp_path):
    # Two identical records: the first is kept, the second is an exact duplicate, named by the
    # first's line in the file (a blank line before record 1 puts it on line 3). Two records
    # with the same customer and month but different revenue: neither can be trusted. A
    # negative revenue is out of range.
    export = raw / "market_money.csv"
    write_rows(
        export,
        [
            ["id", "Период", "Выручка"],
            [],
            ["1", "текущий_месяц", "10.0"],
            ["1", "текущий_месяц", "10.0"],
            ["2", "текущий_месяц", "10.0"],
            ["2", "текущий_месяц", "12.0"],
            ["3", "текущий_месяц", "-1.0"],
            ["3", "предыдущий_месяц", "5.0"],
        ],
    )
    # The screening reads the staged table and the line map from the catalog `compile`.
    connection = duckdb.connect(str(tmp_path / "compile.duckdb"))
    try:
        connection.execute("create schema staging")
        connection.execute(
            "create table staging.stg_shop_export__monthly_revenues as "
            + compiled[STAGING["market_money"]]
        )
        connection.execute(
            "create table staging.stg_shop_export__line_offsets "
            "(source_file varchar, first_record bigint, line_offset bigint)"
        )
        connection.executemany(
            "insert into staging.stg_shop_export__line_offsets values ('market_money.csv', ?, ?)",
            line_offsets(export, ","),
        )
        rows = connection.execute(
            f"select source_record_number, is_kept, rejection_reason from ({compiled[SCREENING]}) "
            "order by source_record_number"
        ).fetchall()
    finally:
        connection.close()

    conflict = "conflicting duplicate: 2 rows for the same id + Период with different values"
    assert rows == [
        (1, True, None),
        (2, False, "exact duplicate of line 3"),
        (3, False, conflict),
        (4, False, conflict),
        (5, False, "negative revenue"),
        (6, True, None),
    ]
