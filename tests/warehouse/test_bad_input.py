"""Broken exports: a clear refusal that keeps the published warehouse, or a row set aside on record.

Each test breaks a copy of the demo data the way real exports break, builds it over a copy of a
published warehouse, and checks the exit code, the message, and either that the published file
is byte for byte unchanged or that the bad row is in marts.rejected_rows and counted in the run log.
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
from tests.support import TEST_MONTH, fingerprint, query, read_rows, run_oneclick, write_rows
from warehouse.errors import EXIT_ENVIRONMENT
from warehouse.paths import REPO_ROOT

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


def test_set_aside_rows_are_on_record_at_the_line_grep_shows(build_broken, demo_copy):
    # Blank lines, a quoted value over two lines (in a column the warehouse ignores), CRLF line
    # ends and a BOM: none of them takes a record's line from it.
    def quirks(raw: Path) -> None:
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
        # money.csv: CRLF, a BOM, a blank line and a customer market_file.csv does not have
        profit = read_rows(raw / "money.csv", delimiter=";")
        profit = [*profit[:5], [], *profit[5:], ["999999", "1,5"]]
        write_rows(
            raw / "money.csv", profit, delimiter=";", line_ending="\r\n", encoding="utf-8-sig"
        )

    rows = rejected(build_broken(quirks))
    line_of = {(r[0], r[4]): r[1] for r in rows if r[3] == "screening" or r[2] == 999999}

    duplicated = (demo_copy / "market_money.csv").read_text("utf-8").rstrip("\n").split("\n")[-1]
    first_copy, copy = grep_n(demo_copy / "market_money.csv", duplicated)
    assert grep_n(demo_copy / "market_money.csv", ",-120.0") == [21]
    assert line_of[("market_money.csv", "negative revenue")] == 21
    assert first_copy == 30
    assert line_of[("market_money.csv", "exact duplicate of line 30")] == copy
    assert grep_n(demo_copy / "market_time.csv", ",-3,") == [10]
    assert line_of[("market_time.csv", "negative minutes")] == 10
    (stranger,) = grep_n(demo_copy / "money.csv", "999999;")
    assert line_of[("money.csv", "customer has no usable row in market_file.csv")] == stranger
