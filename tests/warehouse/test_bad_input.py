"""Broken exports: a clear refusal that keeps the published warehouse, or a row set aside on record.

Each test breaks a copy of the demo data the way real exports break, builds it over a copy of a
published warehouse, and checks the exit code, the message, and either that the published file
is byte for byte unchanged or that the bad row is in marts.rejected_rows and counted in the run log.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import Build
from tests.support import TEST_MONTH, fingerprint, query, read_rows, run_oneclick, write_rows

pytestmark = pytest.mark.slow


@dataclass
class Attempt:
    """A build of broken exports over a published warehouse."""

    returncode: int
    stdout: str
    stderr: str
    warehouse: Path
    published_before: str

    @property
    def unchanged(self) -> bool:
        return fingerprint(self.warehouse) == self.published_before


@pytest.fixture
def build_broken(demo_build: Build, demo_copy: Path, tmp_path: Path) -> Callable[..., Attempt]:
    """Break the demo exports with ``breaker(raw_folder)``, then build over a published copy."""

    def attempt(breaker: Callable[[Path], None]) -> Attempt:
        warehouse = tmp_path / "published" / "oneclick.duckdb"
        warehouse.parent.mkdir()
        shutil.copy(demo_build.warehouse, warehouse)
        before = fingerprint(warehouse)
        breaker(demo_copy)
        result = run_oneclick(
            "build",
            "--raw",
            demo_copy,
            "--month",
            TEST_MONTH,
            "--warehouse",
            warehouse,
            "--model",
            demo_build.model_path,
        )
        return Attempt(result.returncode, result.stdout, result.stderr, warehouse, before)

    return attempt


def edit(file_name: str, change: Callable[[list[list[str]]], list[list[str]]]) -> Callable:
    """A breaker that rewrites one export's rows (header included) through ``change``."""
    delimiter = ";" if file_name == "money.csv" else ","

    def breaker(raw: Path) -> None:
        rows = read_rows(raw / file_name, delimiter=delimiter)
        write_rows(raw / file_name, change(rows), delimiter=delimiter)

    return breaker


def set_value(file_name: str, line: int, column: str, value: str) -> Callable:
    """A breaker that sets one value: ``line`` counts like an editor, the header is line 1."""

    def change(rows: list[list[str]]) -> list[list[str]]:
        rows[line - 1][rows[0].index(column)] = value
        return rows

    return edit(file_name, change)


def refused(attempt: Attempt, *expected: str) -> None:
    assert attempt.returncode == 1, attempt.stdout + attempt.stderr
    for text in expected:
        assert text in attempt.stderr, attempt.stderr
    assert "is unchanged" in attempt.stderr
    assert attempt.unchanged, "the published warehouse changed after a failed build"


def rejected(attempt: Attempt) -> list[tuple]:
    assert attempt.returncode == 0, attempt.stdout + attempt.stderr
    rows = query(
        attempt.warehouse,
        "select source_file, source_line_number, customer_id, rejection_stage, rejection_reason, "
        "raw_values from marts.rejected_rows order by source_file, source_line_number",
    )
    (counted,) = query(
        attempt.warehouse,
        "select rejected_rows from marts.build_runs order by finished_at desc limit 1",
    )[0]
    assert counted == len(rows), "the run log must count the rejected rows"
    return rows


# ---------- refused: the build stops, the published file stays ----------


def test_a_missing_file(build_broken):
    attempt = build_broken(lambda raw: (raw / "market_time.csv").unlink())

    refused(attempt, "market_time.csv: missing from")


def test_a_renamed_column(build_broken):
    def rename(rows):
        rows[0][rows[0].index("минут")] = "минуты"
        return rows

    attempt = build_broken(edit("market_time.csv", rename))

    refused(attempt, "market_time.csv: missing column(s) 'минут' (renamed to 'минуты'?)")


def test_a_missing_column(build_broken):
    attempt = build_broken(edit("money.csv", lambda rows: [row[:1] for row in rows]))

    refused(attempt, "money.csv: missing column(s) 'Прибыль'")


def test_an_empty_file(build_broken):
    attempt = build_broken(lambda raw: (raw / "market_money.csv").write_bytes(b""))

    refused(attempt, "market_money.csv: the file is empty")


def test_a_header_only_file(build_broken):
    attempt = build_broken(edit("market_file.csv", lambda rows: rows[:1]))

    refused(attempt, "market_file.csv: the file has a header but no rows")


def test_a_word_in_a_number_column(build_broken):
    attempt = build_broken(set_value("market_money.csv", 5, "Выручка", "нет данных"))

    refused(attempt, 'market_money.csv, line 5: Выручка: "нет данных" is not a number')


def test_a_fraction_in_a_count_column(build_broken):
    attempt = build_broken(set_value("market_file.csv", 7, "Страниц_за_визит", "7.5"))

    refused(attempt, 'market_file.csv, line 7: Страниц_за_визит: "7.5" is not a whole number')


def test_an_unknown_period(build_broken):
    attempt = build_broken(set_value("market_time.csv", 3, "Период", "позапрошлый_месяц"))

    refused(attempt, 'market_time.csv, line 3: Период: unknown value "позапрошлый_месяц"')


def test_an_unknown_service_tier(build_broken):
    attempt = build_broken(set_value("market_file.csv", 2, "Тип сервиса", "золотой"))

    refused(attempt, 'market_file.csv, line 2: Тип сервиса: unknown value "золотой"')


def test_a_file_in_an_encoding_that_is_neither_utf8_nor_cp1251(build_broken):
    def utf16(raw: Path) -> None:
        text = (raw / "money.csv").read_text(encoding="utf-8")
        (raw / "money.csv").write_bytes(text.encode("utf-16"))

    refused(build_broken(utf16), "money.csv: the file is UTF-16")


# ---------- read anyway: a quirk the loader handles ----------


def test_an_extra_column_is_ignored_with_a_warning(build_broken):
    attempt = build_broken(edit("money.csv", lambda rows: [[*row, "x"] for row in rows]))

    assert attempt.returncode == 0, attempt.stderr
    assert (
        "warning: money.csv: ignoring column(s) the warehouse does not use: 'x'" in attempt.stdout
    )
    assert not attempt.unchanged


def test_a_cp1251_file_is_detected_and_read(build_broken, demo_build: Build):
    def to_cp1251(raw: Path) -> None:
        text = (raw / "market_file.csv").read_text(encoding="utf-8")
        (raw / "market_file.csv").write_bytes(text.encode("cp1251"))

    attempt = build_broken(to_cp1251)

    assert attempt.returncode == 0, attempt.stderr
    assert "market_file.csv" in attempt.stdout and "cp1251" in attempt.stdout
    sql = "select * from marts.feature_mart order by customer_id"
    assert query(attempt.warehouse, sql) == query(demo_build.warehouse, sql)


# ---------- set aside: the row is quarantined, counted, and the build goes on ----------


def test_a_negative_revenue_is_set_aside(build_broken):
    rows = rejected(build_broken(set_value("market_money.csv", 4, "Выручка", "-120.0")))

    assert [(r[0], r[1], r[3], r[4]) for r in rows if r[0] == "market_money.csv"] == [
        ("market_money.csv", 4, "screening", "negative revenue")
    ]
    assert any("Выручка=-120.0" in r[5] for r in rows)
    customer = next(r[2] for r in rows if r[0] == "market_money.csv")
    # the customer lacks a month now, so its market_file.csv row is set aside too
    assert any(
        r[0] == "market_file.csv" and r[2] == customer and "no market_money.csv row" in r[4]
        for r in rows
    )


def test_negative_minutes_are_set_aside(build_broken):
    rows = rejected(build_broken(set_value("market_time.csv", 6, "минут", "-3")))

    assert ("market_time.csv", 6, "screening", "negative minutes") in [r[:2] + r[3:5] for r in rows]


def test_a_share_outside_zero_to_one_is_set_aside(build_broken):
    rows = rejected(build_broken(set_value("market_file.csv", 9, "Акционные_покупки", "1.7")))
    screened = [r for r in rows if r[3] == "screening"]
    matched = [r for r in rows if r[3] == "matching"]

    assert [r[:2] + r[3:5] for r in screened] == [
        ("market_file.csv", 9, "screening", "Акционные_покупки outside [0, 1]")
    ]
    assert "Акционные_покупки=1.7" in screened[0][5]
    # the customer's rows in the other exports are set aside with it: 3 months, 2, and profit
    assert sorted(r[0] for r in matched) == ["market_money.csv"] * 3 + ["market_time.csv"] * 2 + [
        "money.csv"
    ]
    assert {r[2] for r in matched} == {screened[0][2]}
    assert {r[4] for r in matched} == {"customer has no usable row in market_file.csv"}


def test_conflicting_rows_for_one_customer_and_month_are_set_aside(build_broken):
    def conflict(rows):
        duplicate = list(rows[1])
        duplicate[2] = str(float(duplicate[2]) + 1000)
        return [*rows, duplicate]

    rows = rejected(build_broken(edit("market_money.csv", conflict)))
    money = [r for r in rows if r[0] == "market_money.csv"]

    assert len(money) == 2
    assert all(
        r[4] == "conflicting duplicate: 2 rows for the same id + Период with different values"
        for r in money
    )


def test_an_exact_duplicate_keeps_one_copy_and_records_the_other(build_broken):
    rows = rejected(build_broken(edit("market_money.csv", lambda rows: [*rows, rows[1]])))

    assert len(rows) == 1
    assert rows[0][4] == "exact duplicate of line 2"


def test_a_customer_missing_from_one_export_is_set_aside(build_broken):
    def drop_customer(rows):
        return [rows[0], *rows[2:]]

    attempt = build_broken(edit("money.csv", drop_customer))
    rows = rejected(attempt)

    assert len(rows) == 1
    assert rows[0][0] == "market_file.csv"
    assert rows[0][3] == "matching"
    assert rows[0][4] == "customer set aside: no row in money.csv"
    scope = query(
        attempt.warehouse,
        "select scope_status from marts.customer_scope where customer_id = ?",
        [rows[0][2]],
    )
    assert scope == [("incomplete_data",)]


def test_rows_of_a_customer_market_file_lacks_are_set_aside(build_broken):
    def stranger(rows):
        return [*rows, ["999999", "текущий_месяц", "10"]]

    rows = rejected(build_broken(edit("market_time.csv", stranger)))

    assert [r[2:5] for r in rows] == [
        (999999, "matching", "customer has no usable row in market_file.csv")
    ]


# ---------- numbers checked where they are parsed ----------


def test_a_whole_number_too_large_is_named_with_its_line_and_value(build_broken):
    attempt = build_broken(set_value("market_file.csv", 4, "Длительность", "99999999999999999999"))

    refused(
        attempt,
        'market_file.csv, line 4: Длительность: "99999999999999999999" is out of range: '
        "expected a whole number from -2147483647 to 2147483647",
    )
    assert "Conversion Error" not in attempt.stderr


def test_latin_look_alike_letters_in_a_category_are_named_with_the_known_value(build_broken):
    def latin_o(raw: Path) -> None:
        rows = read_rows(raw / "market_file.csv")
        column = rows[0].index("Популярная_категория")
        rows[6][column] = "Дoмашний текстиль"  # the first "o" is Latin
        write_rows(raw / "market_file.csv", rows)

    refused(
        build_broken(latin_o),
        'market_file.csv, line 7: Популярная_категория: "Дoмашний текстиль" has Latin letters '
        'that look Cyrillic ("o"); the known value is "Домашний текстиль"',
    )


def test_an_implausible_profit_is_set_aside_with_its_value(build_broken):
    rows = rejected(build_broken(set_value("money.csv", 6, "Прибыль", "1e308")))

    (profit_row,) = [r for r in rows if r[0] == "money.csv"]
    assert profit_row[1] == 6 and profit_row[3] == "screening"
    assert profit_row[4].startswith("Прибыль outside the plausible range [-100, 100]")
    assert "Прибыль=1e+308" in profit_row[5]
    # the customer is then incomplete, and set aside with its other rows
    assert any(r[0] == "market_file.csv" and r[2] == profit_row[2] for r in rows)


# ---------- the audit before publishing ----------


def test_no_customer_in_scope_never_publishes_even_with_a_saved_model(build_broken):
    def no_current_revenue(rows):
        period = rows[0].index("Период")
        revenue = rows[0].index("Выручка")
        for row in rows[1:]:
            if row[period] == "текущий_месяц":
                row[revenue] = "0.0"
        return rows

    attempt = build_broken(edit("market_money.csv", no_current_revenue))

    refused(
        attempt,
        "test has_customers_in_scope on feature_mart failed",
        "no customer is in scope: ",
        "not_buying_every_month: no purchase in current_month",
    )


def test_a_sharp_fall_against_the_published_build_stops_unless_accepted(
    build_broken, demo_build: Build, demo_copy: Path
):
    def keep_a_third(rows):
        return rows[: len(rows) // 3]

    attempt = build_broken(edit("market_file.csv", keep_a_third))

    refused(
        attempt,
        "customers in scope fell from",
        "rows of market_file.csv fell from",
        "more than the 50.0 % the audit allows",
        "oneclick build --accept-drop",
    )
    accepted = run_oneclick(
        "build",
        "--raw",
        demo_copy,
        "--month",
        TEST_MONTH,
        "--warehouse",
        attempt.warehouse,
        "--model",
        demo_build.model_path,
        "--accept-drop",
    )
    assert accepted.returncode == 0, accepted.stderr
    decisions = query(
        attempt.warehouse,
        "select audit_decision, customers_in_scope from marts.build_runs order by finished_at",
    )
    assert decisions[-1][0] == "drop_accepted"
    assert decisions[-1][1] < decisions[-2][1] / 2
