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
