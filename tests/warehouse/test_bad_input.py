"""Broken exports: a clear refusal that keeps the published warehouse, or a row set aside on record.

Each test breaks a copy of the demo data the way real exports break, builds it over a copy of a
published warehouse, and checks the exit code, the message, and either that the published file
is byte for byte unchanged or that the bad row is in marts.rejected_rows and counted in the run log.

A build takes a while, so breakages that do not hide one another share one: the values that do
not parse (the failed build names each, a line of its message apiece) and the rows set aside (a
customer of its own for each breakage; each test reads its customer's rows, and one test checks
that the build set aside nothing the breakages do not explain).
"""

from __future__ import annotations

import gzip
import io
import os
import shlex
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import Build
from tests.support import (
    TEST_MONTH,
    built_once,
    fingerprint,
    query,
    read_rows,
    run_oneclick,
    write_rows,
)
from warehouse.errors import EXIT_ENVIRONMENT
from warehouse.paths import REPO_ROOT, latest_demo_month

pytestmark = pytest.mark.slow


@dataclass
class Attempt:
    """A build of broken exports over a published warehouse."""

    returncode: int
    stdout: str
    stderr: str
    warehouse: Path
    published_before: str
    raw: Path

    @property
    def unchanged(self) -> bool:
        return fingerprint(self.warehouse) == self.published_before


def build_over_published(
    demo_build: Build, raw: Path, folder: Path, *breakers: Callable[[Path], None]
) -> Attempt:
    """Break the exports in ``raw`` with each breaker in turn, then build them over a copy of the
    published demo warehouse (in ``folder``) with its saved model."""
    warehouse = folder / "published" / "oneclick.duckdb"
    warehouse.parent.mkdir()
    shutil.copy(demo_build.warehouse, warehouse)
    before = fingerprint(warehouse)
    for breaker in breakers:
        breaker(raw)
    result = run_oneclick(
        "build",
        "--raw",
        raw,
        "--month",
        TEST_MONTH,
        "--warehouse",
        warehouse,
        "--model",
        demo_build.model_path,
    )
    return Attempt(result.returncode, result.stdout, result.stderr, warehouse, before, raw)


def build_of_breakages(
    demo_build: Build, tmp_path_factory: pytest.TempPathFactory, name: str, *breakers: Callable
) -> Attempt:
    """One build, for the whole test run (every worker), of a copy of the demo exports broken
    by every breaker; the tests only read it."""

    def build(folder: Path) -> Attempt:
        shutil.copytree(latest_demo_month(), folder / "raw")
        return build_over_published(demo_build, folder / "raw", folder, *breakers)

    return built_once(tmp_path_factory, f"bad-input-{name}", build)


@pytest.fixture
def build_broken(demo_build: Build, demo_copy: Path, tmp_path: Path) -> Callable[..., Attempt]:
    """Break the demo exports with ``breaker(raw_folder)``, then build over a published copy."""

    def attempt(breaker: Callable[[Path], None]) -> Attempt:
        return build_over_published(demo_build, demo_copy, tmp_path, breaker)

    return attempt


@pytest.fixture(scope="module")
def unparsed_build(demo_build: Build, tmp_path_factory: pytest.TempPathFactory) -> Attempt:
    """The values that do not parse, all in one build. dbt runs every export's
    has_no_parse_problems test, so the failed build's message names each value on a line of
    its own: each is on a line of the exports no other breaks (one line's problems would share
    a line of the message), and no export has more than the message's example rows (5)."""
    return build_of_breakages(
        demo_build,
        tmp_path_factory,
        "unparsed",
        WORD_IN_A_NUMBER_COLUMN,
        FRACTION_IN_A_COUNT_COLUMN,
        UNKNOWN_PERIOD,
        UNKNOWN_SERVICE_TIER,
        WHOLE_NUMBER_TOO_LARGE,
        latin_look_alike_letters,
    )


@pytest.fixture(scope="module")
def set_aside_build(demo_build: Build, tmp_path_factory: pytest.TempPathFactory) -> Attempt:
    """Every breakage whose row is set aside while the build goes on, in one build: each breaks
    rows of a customer of its own (the constants below), so none changes what another sets
    aside. The quirks come last: their lines count from the top of the files (no other breakage
    is above them), and market_money.csv ends with their duplicate."""
    return build_of_breakages(
        demo_build,
        tmp_path_factory,
        "set-aside",
        extra_column,
        negative_revenue,
        negative_minutes,
        share_outside_zero_to_one,
        conflicting_rows,
        exact_duplicate,
        customer_missing_from_money,
        customer_market_file_lacks,
        implausible_profit,
        quirks,
    )


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


def set_customer_value(
    file_name: str, customer: int, column: str, value: str, period: str | None = None
) -> Callable:
    """A breaker that sets one value in the row of ``customer`` (of that ``period``)."""

    def change(rows: list[list[str]]) -> list[list[str]]:
        (row,) = [row for row in rows[1:] if is_row_of(rows[0], row, customer, period)]
        row[rows[0].index(column)] = value
        return rows

    return edit(file_name, change)


def is_row_of(header: list[str], row: list[str], customer: int, period: str | None) -> bool:
    return (
        bool(row)
        and row[0] == str(customer)
        and (period is None or row[header.index("Период")] == period)
    )


def of_customers(rows: list[tuple], *customers: int) -> list[tuple]:
    """The rejected rows of these customers only."""
    return [row for row in rows if row[2] in customers]


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


# Values that do not parse: one build (unparsed_build) holds them all.
WORD_IN_A_NUMBER_COLUMN = set_value("market_money.csv", 5, "Выручка", "нет данных")
FRACTION_IN_A_COUNT_COLUMN = set_value("market_file.csv", 9, "Страниц_за_визит", "7.5")
UNKNOWN_PERIOD = set_value("market_time.csv", 3, "Период", "позапрошлый_месяц")
UNKNOWN_SERVICE_TIER = set_value("market_file.csv", 2, "Тип сервиса", "золотой")


def test_a_word_in_a_number_column(unparsed_build):
    refused(unparsed_build, 'market_money.csv, line 5: Выручка: "нет данных" is not a number')


def test_a_fraction_in_a_count_column(unparsed_build):
    refused(
        unparsed_build, 'market_file.csv, line 9: Страниц_за_визит: "7.5" is not a whole number'
    )


def test_an_unknown_period(unparsed_build):
    refused(unparsed_build, 'market_time.csv, line 3: Период: unknown value "позапрошлый_месяц"')


def test_an_unknown_service_tier(unparsed_build):
    refused(unparsed_build, 'market_file.csv, line 2: Тип сервиса: unknown value "золотой"')


def test_a_file_in_an_encoding_that_is_neither_utf8_nor_cp1251(build_broken):
    def utf16(raw: Path) -> None:
        text = (raw / "money.csv").read_text(encoding="utf-8")
        (raw / "money.csv").write_bytes(text.encode("utf-16"))

    refused(build_broken(utf16), "money.csv: the file is UTF-16")


# ---------- read anyway: a quirk the loader handles ----------


extra_column = edit("money.csv", lambda rows: [[*row, "x"] for row in rows])


def test_an_extra_column_is_ignored_with_a_warning(set_aside_build):
    attempt = set_aside_build

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
# One build (set_aside_build) holds every breakage of this section, each on a customer of its
# own, and the quirks (test_set_aside_rows_are_on_record_at_the_line_grep_shows) and the extra
# column; each test reads its own customer's rows.

NEGATIVE_REVENUE = 215400
NEGATIVE_MINUTES = 215410
SHARE_OUTSIDE_ZERO_TO_ONE = 215420
CONFLICTING_ROWS = 215430
EXACT_DUPLICATE = 215440
MISSING_FROM_MONEY = 215450
IMPLAUSIBLE_PROFIT = 215460
UNKNOWN_TO_MARKET_FILE = 999998  # market_time.csv rows of a customer market_file.csv lacks
# The quirks' customers (the rows their lines hold): market_money.csv's negative revenue and
# exact duplicate, market_time.csv's negative minutes, money.csv's customer market_file.csv lacks.
QUIRK_NEGATIVE_REVENUE = 215354
QUIRK_DUPLICATE = 215357
QUIRK_NEGATIVE_MINUTES = 215351
QUIRK_STRANGER = 999999
QUIRKS = (QUIRK_NEGATIVE_REVENUE, QUIRK_DUPLICATE, QUIRK_NEGATIVE_MINUTES, QUIRK_STRANGER)

negative_revenue = set_customer_value(
    "market_money.csv", NEGATIVE_REVENUE, "Выручка", "-80.0", period="текущий_месяц"
)


def test_a_negative_revenue_is_set_aside(set_aside_build):
    rows = of_customers(rejected(set_aside_build), NEGATIVE_REVENUE)
    (line,) = grep_n(set_aside_build.raw / "market_money.csv", f"{NEGATIVE_REVENUE},текущий_месяц,")

    assert [(r[0], r[1], r[3], r[4]) for r in rows if r[0] == "market_money.csv"] == [
        ("market_money.csv", line, "screening", "negative revenue")
    ]
    assert any("Выручка=-80.0" in r[5] for r in rows)
    customer = next(r[2] for r in rows if r[0] == "market_money.csv")
    # the customer lacks a month now, so its market_file.csv row is set aside too
    assert any(
        r[0] == "market_file.csv" and r[2] == customer and "no market_money.csv row" in r[4]
        for r in rows
    )


negative_minutes = set_customer_value(
    "market_time.csv", NEGATIVE_MINUTES, "минут", "-7", period="текущий_месяц"
)


def test_negative_minutes_are_set_aside(set_aside_build):
    rows = of_customers(rejected(set_aside_build), NEGATIVE_MINUTES)
    (line,) = grep_n(set_aside_build.raw / "market_time.csv", f"{NEGATIVE_MINUTES},текущий_месяц,")

    assert ("market_time.csv", line, "screening", "negative minutes") in [
        r[:2] + r[3:5] for r in rows
    ]


share_outside_zero_to_one = set_customer_value(
    "market_file.csv", SHARE_OUTSIDE_ZERO_TO_ONE, "Акционные_покупки", "1.7"
)


def test_a_share_outside_zero_to_one_is_set_aside(set_aside_build):
    rows = of_customers(rejected(set_aside_build), SHARE_OUTSIDE_ZERO_TO_ONE)
    (line,) = grep_n(set_aside_build.raw / "market_file.csv", f"{SHARE_OUTSIDE_ZERO_TO_ONE},")
    screened = [r for r in rows if r[3] == "screening"]
    matched = [r for r in rows if r[3] == "matching"]

    assert [r[:2] + r[3:5] for r in screened] == [
        ("market_file.csv", line, "screening", "Акционные_покупки outside [0, 1]")
    ]
    assert "Акционные_покупки=1.7" in screened[0][5]
    # the customer's rows in the other exports are set aside with it: 3 months, 2, and profit
    assert sorted(r[0] for r in matched) == ["market_money.csv"] * 3 + ["market_time.csv"] * 2 + [
        "money.csv"
    ]
    assert {r[2] for r in matched} == {screened[0][2]}
    assert {r[4] for r in matched} == {"customer has no usable row in market_file.csv"}


def conflicting_rows(raw: Path) -> None:
    def conflict(rows):
        duplicate = next(list(row) for row in rows if row[0] == str(CONFLICTING_ROWS))
        duplicate[2] = str(float(duplicate[2]) + 1000)
        return [*rows, duplicate]

    edit("market_money.csv", conflict)(raw)


def test_conflicting_rows_for_one_customer_and_month_are_set_aside(set_aside_build):
    rows = of_customers(rejected(set_aside_build), CONFLICTING_ROWS)
    money = [r for r in rows if r[0] == "market_money.csv"]

    assert len(money) == 2
    assert all(
        r[4] == "conflicting duplicate: 2 rows for the same id + Период with different values"
        for r in money
    )


def exact_duplicate(raw: Path) -> None:
    def duplicate(rows):
        return [*rows, next(row for row in rows if row[0] == str(EXACT_DUPLICATE))]

    edit("market_money.csv", duplicate)(raw)


def test_an_exact_duplicate_keeps_one_copy_and_records_the_other(set_aside_build):
    rows = of_customers(rejected(set_aside_build), EXACT_DUPLICATE)
    market_money = set_aside_build.raw / "market_money.csv"
    lines = market_money.read_text("utf-8").split("\n")
    duplicated = next(line for line in lines if line.startswith(f"{EXACT_DUPLICATE},"))
    first_copy, copy = grep_n(market_money, duplicated)

    assert len(rows) == 1
    assert rows[0][4] == f"exact duplicate of line {first_copy}"
    assert rows[0][1] == copy


customer_missing_from_money = edit(
    "money.csv", lambda rows: [row for row in rows if row[0] != str(MISSING_FROM_MONEY)]
)


def test_a_customer_missing_from_one_export_is_set_aside(set_aside_build):
    attempt = set_aside_build
    rows = of_customers(rejected(attempt), MISSING_FROM_MONEY)

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


customer_market_file_lacks = edit(
    "market_time.csv", lambda rows: [*rows, [str(UNKNOWN_TO_MARKET_FILE), "текущий_месяц", "10"]]
)


def test_rows_of_a_customer_market_file_lacks_are_set_aside(set_aside_build):
    rows = of_customers(rejected(set_aside_build), UNKNOWN_TO_MARKET_FILE)

    assert [r[2:5] for r in rows] == [
        (UNKNOWN_TO_MARKET_FILE, "matching", "customer has no usable row in market_file.csv")
    ]


# ---------- numbers checked where they are parsed ----------


WHOLE_NUMBER_TOO_LARGE = set_value("market_file.csv", 4, "Длительность", "99999999999999999999")


def test_a_whole_number_too_large_is_named_with_its_line_and_value(unparsed_build):
    attempt = unparsed_build

    refused(
        attempt,
        'market_file.csv, line 4: Длительность: "99999999999999999999" is out of range: '
        "expected a whole number from -2147483647 to 2147483647",
    )
    assert "Conversion Error" not in attempt.stderr


def latin_look_alike_letters(raw: Path) -> None:
    rows = read_rows(raw / "market_file.csv")
    column = rows[0].index("Популярная_категория")
    rows[6][column] = "Дoмашний текстиль"  # the first "o" is Latin
    write_rows(raw / "market_file.csv", rows)


def test_latin_look_alike_letters_in_a_category_are_named_with_the_known_value(unparsed_build):
    refused(
        unparsed_build,
        'market_file.csv, line 7: Популярная_категория: "Дoмашний текстиль" has Latin letters '
        'that look Cyrillic ("o"); the known value is "Домашний текстиль"',
    )


implausible_profit = set_customer_value("money.csv", IMPLAUSIBLE_PROFIT, "Прибыль", "1e308")


def test_an_implausible_profit_is_set_aside_with_its_value(set_aside_build):
    rows = of_customers(rejected(set_aside_build), IMPLAUSIBLE_PROFIT)
    (line,) = grep_n(set_aside_build.raw / "money.csv", f"{IMPLAUSIBLE_PROFIT};")

    (profit_row,) = [r for r in rows if r[0] == "money.csv"]
    assert profit_row[1] == line and profit_row[3] == "screening"
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


# ---------- the exports' own bytes: cut short, not text, out of reach ----------


def grep_n(path: Path, text: str) -> list[int]:
    """The lines of ``path`` that hold ``text``, numbered as ``grep -n`` numbers them."""
    lines = path.read_bytes().split(b"\n")
    return [number for number, line in enumerate(lines, start=1) if text.encode() in line]


def test_an_export_cut_short_by_an_interrupted_copy(build_broken, demo_copy: Path):
    lines = (demo_copy / "market_money.csv").read_text(encoding="utf-8").splitlines()
    # the copy stops inside the last value: two digits of it, no final line break
    last = lines[-1][: lines[-1].rindex(",") + 3]

    def cut(raw: Path) -> None:
        (raw / "market_money.csv").write_text("\n".join([*lines[:-1], last]), encoding="utf-8")

    attempt = build_broken(cut)

    refused(
        attempt,
        f"market_money.csv: line {len(lines)} ({last!r}) does not end with a line "
        "break: the file looks cut short, as an interrupted copy leaves it; copy the export again",
    )


@pytest.mark.parametrize(
    ("pack", "named"),
    [
        (
            lambda text: zip_of("sheet.csv", text),
            "market_file.csv: the file is a ZIP archive (an Excel .xlsx workbook is one)",
        ),
        (gzip.compress, "market_file.csv: the file is gzip-compressed, not CSV text"),
    ],
)
def test_an_archive_renamed_csv(build_broken, pack, named):
    def packed(raw: Path) -> None:
        (raw / "market_file.csv").write_bytes(pack((raw / "market_file.csv").read_bytes()))

    refused(build_broken(packed), named)


def zip_of(name: str, text: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, text)
    return buffer.getvalue()


def test_a_link_out_of_the_raw_folder(build_broken, tmp_path):
    outside = tmp_path / "private" / "notes.csv"

    def link(raw: Path) -> None:
        outside.parent.mkdir()
        outside.write_text("a private first line\n", encoding="utf-8")
        (raw / "money.csv").unlink()
        (raw / "money.csv").symlink_to(outside)

    attempt = build_broken(link)

    refused(attempt, f"money.csv: is a link to {outside}, outside the raw folder")
    assert "private first line" not in attempt.stderr


def test_an_unreadable_export_is_a_fault_of_the_machine(demo_build: Build, demo_copy, tmp_path):
    warehouse = tmp_path / "published" / "oneclick.duckdb"
    warehouse.parent.mkdir()
    shutil.copy(demo_build.warehouse, warehouse)
    before = fingerprint(warehouse)
    (demo_copy / "market_time.csv").chmod(0)

    result = run_without_read_override(
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

    assert result.returncode == EXIT_ENVIRONMENT, result.stdout + result.stderr
    assert f"cannot read {demo_copy / 'market_time.csv'}: permission denied" in result.stderr
    assert "Traceback" not in result.stderr
    assert fingerprint(warehouse) == before


def run_without_read_override(*arguments: str | Path) -> subprocess.CompletedProcess:
    """``oneclick`` in a child that file permissions apply to: as root, with the capabilities
    that bypass them dropped (capsh); skipped where that cannot be done."""
    command = [sys.executable, "-m", "warehouse.cli", *map(str, arguments)]
    if os.geteuid() == 0:
        capsh = shutil.which("capsh")
        if capsh is None:
            pytest.skip("running as root without capsh: permissions cannot be made to apply")
        drop = "--drop=cap_dac_override,cap_dac_read_search"
        command = [capsh, drop, "--", "-c", shlex.join(command)]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=600, check=False, cwd=REPO_ROOT
    )


# ---------- lines DuckDB cannot read, values it cannot parse: named at the true line ----------


def insert_line(raw: Path, file_name: str, before: int, line: bytes) -> None:
    """Insert ``line`` so that it becomes line ``before`` of the file."""
    lines = (raw / file_name).read_bytes().split(b"\n")
    lines.insert(before - 1, line)
    (raw / file_name).write_bytes(b"\n".join(lines))


def test_deep_lines_that_do_not_fit_the_header(build_broken):
    # Beyond the 200 lines the raw check reads: DuckDB stops on them; the message names the
    # file and the physical line (the blank line before the first counts) instead of its text.
    def break_deep(raw: Path) -> None:
        insert_line(raw, "market_money.csv", 500, b"")
        insert_line(raw, "market_money.csv", 1001, b"   ")
        insert_line(raw, "market_time.csv", 2000, b"215349,12")

    attempt = build_broken(break_deep)

    refused(
        attempt,
        "market_money.csv: line 1001 has 1 field, the header has 3 (a line of spaces only): '   '",
        "market_time.csv: line 2000 has 2 fields, the header has 3: '215349,12'",
    )
    assert "Possible fixes" not in attempt.stderr


def test_values_that_do_not_parse_are_named_at_the_true_line_and_shown_escaped(
    build_broken, demo_copy
):
    def break_values(raw: Path) -> None:
        insert_line(raw, "market_money.csv", 3, b"")
        set_value("market_money.csv", 7, "Выручка", "нет данных")(raw)
        set_value("market_file.csv", 4, "Страниц_за_визит", "\x008")(raw)

    attempt = build_broken(break_values)

    assert grep_n(demo_copy / "market_money.csv", "нет данных") == [7]
    refused(
        attempt,
        'market_money.csv, line 7: Выручка: "нет данных" is not a number',
        'market_file.csv, line 4: Страниц_за_визит: "\\x008" is not a number',
    )
    assert "\x00" not in attempt.stderr


def quirks(raw: Path) -> None:
    # Blank lines, a quoted value over two lines (in a column the warehouse ignores), CRLF line
    # ends and a BOM: none of them takes a record's line from it.
    # market_money.csv: a blank line, a negative revenue after it, and an exact duplicate
    # (after another blank line) of a row that is itself after the first blank line
    insert_line(raw, "market_money.csv", 11, b"")
    set_value("market_money.csv", 21, "Выручка", "-120.0")(raw)
    lines = (raw / "market_money.csv").read_bytes().split(b"\n")
    (raw / "market_money.csv").write_bytes(b"\n".join([*lines[:-1], b"", lines[29], b""]))
    # market_time.csv: a comment column with a line break in one value, then negative minutes
    minutes = [[*row, ""] for row in read_rows(raw / "market_time.csv")]
    minutes[0][-1] = "комментарий"
    minutes[3][-1] = "звонил\nдважды"
    minutes[8][2] = "-3"
    write_rows(raw / "market_time.csv", minutes)
    # money.csv: CRLF, a BOM, a blank line and a customer market_file.csv does not have (with a
    # value for each column of the header, the extra column's too)
    profit = read_rows(raw / "money.csv", delimiter=";")
    stranger = ["999999", "1,5"]
    stranger += ["x"] * (len(profit[0]) - len(stranger))
    profit = [*profit[:5], [], *profit[5:], stranger]
    write_rows(raw / "money.csv", profit, delimiter=";", line_ending="\r\n", encoding="utf-8-sig")


def test_set_aside_rows_are_on_record_at_the_line_grep_shows(set_aside_build):
    raw = set_aside_build.raw
    rows = of_customers(rejected(set_aside_build), *QUIRKS)
    line_of = {(r[0], r[4]): r[1] for r in rows if r[3] == "screening" or r[2] == 999999}

    duplicated = (raw / "market_money.csv").read_text("utf-8").rstrip("\n").split("\n")[-1]
    first_copy, copy = grep_n(raw / "market_money.csv", duplicated)
    assert grep_n(raw / "market_money.csv", ",-120.0") == [21]
    assert line_of[("market_money.csv", "negative revenue")] == 21
    assert first_copy == 30
    assert line_of[("market_money.csv", "exact duplicate of line 30")] == copy
    assert grep_n(raw / "market_time.csv", ",-3,") == [10]
    assert line_of[("market_time.csv", "negative minutes")] == 10
    (stranger,) = grep_n(raw / "money.csv", "999999;")
    assert line_of[("money.csv", "customer has no usable row in market_file.csv")] == stranger


def test_the_set_aside_build_sets_aside_only_what_its_breakages_explain(set_aside_build):
    # Each breakage's rows, and no other: combining them in one build hides nothing.
    raw = set_aside_build.raw

    def lines(file_name: str, text: str) -> list[int]:
        return grep_n(raw / file_name, text)

    def at(file_name: str, text: str) -> int:
        (line,) = lines(file_name, text)
        return line

    def screened(file_name: str, line: int, customer: int, reason: str) -> tuple:
        return (file_name, line, customer, "screening", reason)

    def set_aside(customer: int, lacking: str) -> tuple:
        """The market_file.csv row of a customer whose row in another export is lacking."""
        line = at("market_file.csv", f"{customer},")
        return ("market_file.csv", line, customer, "matching", f"customer set aside: {lacking}")

    def unknown(file_name: str, line: int, customer: int) -> tuple:
        """A row of a customer with no usable market_file.csv row."""
        reason = "customer has no usable row in market_file.csv"
        return (file_name, line, customer, "matching", reason)

    share = SHARE_OUTSIDE_ZERO_TO_ONE
    conflict = lines("market_money.csv", f"{CONFLICTING_ROWS},")
    conflicting = "conflicting duplicate: 2 rows for the same id + Период with different values"
    duplicate = lines("market_money.csv", f"{EXACT_DUPLICATE},")
    quirk_duplicate = lines("market_money.csv", f"{QUIRK_DUPLICATE},")
    implausible = (
        "Прибыль outside the plausible range [-100, 100] "
        "(settings profit_plausible_min, profit_plausible_max)"
    )
    explained = [
        # a negative revenue: the row, and its customer's, who lacks that month now
        screened(
            "market_money.csv",
            at("market_money.csv", ",-80.0"),
            NEGATIVE_REVENUE,
            "negative revenue",
        ),
        set_aside(NEGATIVE_REVENUE, "no market_money.csv row for current_month"),
        # negative minutes: the row, and its customer's
        screened(
            "market_time.csv", at("market_time.csv", ",-7,"), NEGATIVE_MINUTES, "negative minutes"
        ),
        set_aside(NEGATIVE_MINUTES, "no market_time.csv row for current_month"),
        # a share outside [0, 1]: the row, then its customer's rows in the other exports
        screened(
            "market_file.csv",
            at("market_file.csv", f"{share},"),
            share,
            "Акционные_покупки outside [0, 1]",
        ),
        *[
            unknown("market_money.csv", line, share)
            for line in lines("market_money.csv", f"{share},")
        ],
        *[
            unknown("market_time.csv", line, share)
            for line in lines("market_time.csv", f"{share},")
        ],
        unknown("money.csv", at("money.csv", f"{share};"), share),
        # conflicting rows: the customer's first row and its changed copy at the end, and the
        # customer's, who lacks that month (the previous one) now
        screened("market_money.csv", conflict[0], CONFLICTING_ROWS, conflicting),
        screened("market_money.csv", conflict[-1], CONFLICTING_ROWS, conflicting),
        set_aside(CONFLICTING_ROWS, "no market_money.csv row for previous_month"),
        # an exact duplicate: the copy at the end of the customer's first row
        screened(
            "market_money.csv",
            duplicate[-1],
            EXACT_DUPLICATE,
            f"exact duplicate of line {duplicate[0]}",
        ),
        # a customer money.csv lacks
        set_aside(MISSING_FROM_MONEY, "no row in money.csv"),
        # a market_time.csv row of a customer market_file.csv lacks
        unknown(
            "market_time.csv",
            at("market_time.csv", f"{UNKNOWN_TO_MARKET_FILE},"),
            UNKNOWN_TO_MARKET_FILE,
        ),
        # an implausible profit: the row, and its customer's
        screened(
            "money.csv", at("money.csv", f"{IMPLAUSIBLE_PROFIT};"), IMPLAUSIBLE_PROFIT, implausible
        ),
        set_aside(IMPLAUSIBLE_PROFIT, "no row in money.csv"),
        # the quirks: a negative revenue (a previous month's), an exact duplicate, negative
        # minutes (a previous month's) and a money.csv row of a customer market_file.csv lacks
        screened(
            "market_money.csv",
            at("market_money.csv", ",-120.0"),
            QUIRK_NEGATIVE_REVENUE,
            "negative revenue",
        ),
        set_aside(QUIRK_NEGATIVE_REVENUE, "no market_money.csv row for previous_month"),
        screened(
            "market_money.csv",
            quirk_duplicate[-1],
            QUIRK_DUPLICATE,
            f"exact duplicate of line {quirk_duplicate[0]}",
        ),
        screened(
            "market_time.csv",
            at("market_time.csv", ",-3,"),
            QUIRK_NEGATIVE_MINUTES,
            "negative minutes",
        ),
        set_aside(QUIRK_NEGATIVE_MINUTES, "no market_time.csv row for previous_month"),
        unknown("money.csv", at("money.csv", f"{QUIRK_STRANGER};"), QUIRK_STRANGER),
    ]

    assert sorted(r[:5] for r in rejected(set_aside_build)) == sorted(explained)
