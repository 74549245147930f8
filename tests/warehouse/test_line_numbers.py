"""A staged row's record in its export is the rowid of the staging table, plus 1; its line in the
file is that, plus the offset the line map (warehouse.line_map) gives.

The rowid holds only if DuckDB writes a staging model's table in file order even when it reads
the CSV file on several threads. These tests compile the real staging models for exports large
enough to be read in parallel pieces and check every row's record against a numbering made by
reading the file on one thread, and every row's line, through the line map, in an export with
blank lines and quoted line breaks. The line map itself is checked against DuckDB: generated
files whose every record holds the line it starts on, read by DuckDB as the sources read them.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import duckdb
import pytest

import warehouse.line_map
from scripts.generate_demo_data import generate
from tests.support import compile_models
from warehouse.line_map import Misfit, first_misfit, line_offsets, physical_line
from warehouse.paths import DBT_PROJECT_DIR, demo_months

CUSTOMERS = 200_000  # market_file.csv about 24 MB, market_money.csv about 28 MB
STAGING = {
    "market_file": "stg_shop_export__customers",
    "market_money": "stg_shop_export__monthly_revenues",
    "market_time": "stg_shop_export__monthly_minutes",
    "money": "stg_shop_export__profits",
}


@pytest.fixture(scope="module")
def large_exports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("large")
    generate(folder, customers=CUSTOMERS, seed=7)
    return folder


@pytest.fixture(scope="module")
def compiled_staging(large_exports: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The staging models' SQL as dbt compiles it for the large exports."""
    compiled = compile_models(
        list(STAGING.values()), large_exports, tmp_path_factory.mktemp("target")
    )
    return {export: compiled[model] for export, model in STAGING.items()}


def record_number_expression() -> str:
    macro = (DBT_PROJECT_DIR / "macros" / "parsing" / "source_line_number.sql").read_text("utf-8")
    return macro.split("{% macro source_record_number() -%}")[1].split("{%- endmacro %}")[0].strip()


def misnumbered_rows(folder: Path, export: str, staging_sql: str, **settings: object) -> int:
    """Staged rows whose rowid-based record holds another record's id than the file has."""
    connection = duckdb.connect(config={"threads": 2, **settings})
    connection.execute(f"create table staged as {staging_sql}")
    connection.execute(
        f"""
        create table records as
        select row_number() over () as record_number, trim(id) as id
        from read_csv('{folder / export}.csv', all_varchar = true, header = true)
        """
    )
    return connection.execute(
        f"""
        select count(*)
        from (
            select {record_number_expression()} as record_number, customer_id from staged
        ) as staged
        full join records using (record_number)
        where staged.customer_id::varchar is distinct from records.id
        """
    ).fetchone()[0]


@pytest.mark.parametrize("export", list(STAGING))
def test_every_staged_row_is_the_record_it_came_from(large_exports, compiled_staging, export):
    assert misnumbered_rows(large_exports, export, compiled_staging[export]) == 0


def test_the_exports_are_read_in_parallel_pieces_so_the_order_is_really_tested(
    large_exports, compiled_staging
):
    # Without DuckDB's insertion order the pieces land out of order: the files are large
    # enough for the check above to catch a staging model that does not keep file order.
    unordered = sum(
        misnumbered_rows(
            large_exports,
            export,
            compiled_staging[export],
            threads=8,
            preserve_insertion_order=False,
        )
        for export in ("market_file", "market_money")
    )
    assert unordered > 0


def test_the_profile_keeps_insertion_order():
    profile = (DBT_PROJECT_DIR / "profiles.yml").read_text("utf-8")
    assert "preserve_insertion_order" not in profile


def test_the_line_map_numbers_every_staged_row_of_a_large_export_with_blank_lines(
    large_exports, compiled_staging, tmp_path
):
    # Blank lines and quoted line breaks throughout an export read in parallel pieces: each
    # staged row's record, moved by the line map, is the line its id is on in the file.
    lines = (large_exports / "market_money.csv").read_bytes().split(b"\n")
    for index in range(len(lines) - 2, 1, -40_000):
        customer, period, revenue = lines[index].split(b",")
        lines[index] = b",".join([customer, b'"' + period[:4] + b"\n" + period[4:] + b'"', revenue])
        lines.insert(index, b"")
    changed = tmp_path / "market_money.csv"
    changed.write_bytes(b"\n".join(lines))
    sql = compiled_staging["market_money"].replace(
        str(large_exports / "market_money"), str(tmp_path / "market_money")
    )
    connection = duckdb.connect(config={"threads": 2})
    connection.execute(f"create table staged as {sql}")
    staged = connection.execute(
        f"select {record_number_expression()}, customer_id from staged order by 1"
    ).fetchall()
    breakpoints = line_offsets(changed, ",")
    physical_lines = changed.read_bytes().split(b"\n")
    on_line = {
        number: line.split(b",", 1)[0].decode()
        for number, line in enumerate(physical_lines, start=1)
    }

    assert len(breakpoints) > 20
    assert all(
        on_line[record + offset_of(breakpoints, record)] == str(customer_id)
        for record, customer_id in staged
    )


def offset_of(breakpoints: list[tuple[int, int]], record: int) -> int:
    offset = 1
    for first_record, line_offset in breakpoints:
        if first_record > record:
            break
        offset = line_offset
    return offset


# ---------- the line map against DuckDB ----------


def export_holding_its_lines(rng: random.Random, delimiter: str) -> tuple[str, list[int]]:
    """A CSV text whose every record starts with the line it starts on (as grep -n counts), in
    one of the dialects and with the quirks DuckDB must agree on: BOM, CRLF, blank lines before
    the header and between records, quoted values with line breaks and doubled quotes, quotes
    that are plain characters, a space before an opening quote, no final line break."""
    end = rng.choice(["\n", "\r\n"])
    d = delimiter
    parts: list[str] = []
    line = 1

    def write(text: str) -> None:
        nonlocal line
        parts.append(text)
        line += text.count("\n")

    if rng.random() < 0.3:
        parts.append("\ufeff")
    if rng.random() < 0.2:
        write(end * rng.randint(1, 2))
    write(d.join(["id", rng.choice(["a", '"a"', ' "a"']), "b"]) + end)
    starts = []
    records = rng.randint(1, 60)
    for index in range(records):
        if rng.random() < 0.15:
            write(end * rng.randint(1, 3))
        starts.append(line)
        own_line = str(line) if rng.random() < 0.8 else f'"{line}"'
        value = rng.choice(
            [
                "x",
                "",
                f'"p{end}q"',
                f'"p{end}{end}q"',
                '"a""b"',
                f'"a""{end}""b"',
                'x"y',
                f'" {d} "',
                f' "s{end}t"',
                '  "lit',
                '"x"  ',
                '""',
                '""""',
                f'"{end}"',
                'a""b',
                "плюс",
            ]
        )
        last = rng.choice(["1", "", '"2"', f'"z{end}"'])
        is_last = index == records - 1
        write(d.join([own_line, value, last]) + (end if not is_last or rng.random() < 0.8 else ""))
    if parts[-1].endswith(end) and rng.random() < 0.3:
        write(end * rng.randint(1, 2))
    return "".join(parts), starts


def read_as_the_sources_do(path: Path, delimiter: str) -> list[int]:
    """The first field of every record, in order, as the dbt sources' read_csv reads the file
    (the delimiter given: on files this small the sniffer may guess; the dbt model passes the
    line map the delimiter DuckDB sniffed)."""
    escaped = {"\t": "\\t"}.get(delimiter, delimiter)
    rows = duckdb.sql(
        f"select * from read_csv('{path}', all_varchar = true, header = true, "
        f"delim = '{escaped}', quote = '\"', escape = '\"')"
    ).fetchall()
    return [int(row[0]) for row in rows]


def lines_by_the_map(path: Path, delimiter: str, records: int) -> list[int]:
    breakpoints = line_offsets(path, delimiter)
    return [record + offset_of(breakpoints, record) for record in range(1, records + 1)]


@pytest.mark.parametrize("seeds", [range(0, 20), range(20, 40)])
def test_the_line_map_counts_records_as_duckdb_does(tmp_path, seeds):
    for seed in seeds:
        rng = random.Random(seed)
        delimiter = rng.choice([",", ";", "\t", "|"])
        text, starts = export_holding_its_lines(rng, delimiter)
        path = tmp_path / f"export_{seed}.csv"
        path.write_bytes(text.encode())

        read = read_as_the_sources_do(path, delimiter)

        assert read == starts, f"seed {seed}: the generator and DuckDB disagree"
        assert lines_by_the_map(path, delimiter, len(read)) == starts, f"seed {seed}: {text!r}"


def test_the_line_map_does_not_depend_on_where_its_windows_fall(tmp_path, monkeypatch):
    # Windows of a few bytes cut through line breaks, CRLFs, quotes and the BOM.
    for seed in range(40, 70):
        rng = random.Random(seed)
        delimiter = rng.choice([",", ";"])
        text, starts = export_holding_its_lines(rng, delimiter)
        path = tmp_path / f"export_{seed}.csv"
        path.write_bytes(text.encode())
        for window in (1, 2, 3, 7):
            monkeypatch.setattr(warehouse.line_map, "WINDOW_BYTES", window)
            assert lines_by_the_map(path, delimiter, len(starts)) == starts, (seed, window)


def test_a_blank_line_and_a_quoted_line_break_move_the_records_after_them(tmp_path):
    path = tmp_path / "market_money.csv"
    path.write_text('id,Период,Выручка\n1,a,2\n\n2,"b\nc",3\n3,d,4\n4,e,5\n', encoding="utf-8")

    # record 2 is on line 4 (after the blank line 3); record 3 on line 6 (record 2 takes two)
    assert line_offsets(path, ",") == [(2, 2), (3, 3)]


def test_exports_without_blank_lines_or_quotes_need_no_map():
    for month in demo_months():
        for export in ("market_file", "market_money", "market_time"):
            assert line_offsets(month / f"{export}.csv", ",") == []
        assert line_offsets(month / "money.csv", ";") == []


@pytest.mark.real_data
def test_the_real_exports_need_no_map(real_data_dir):
    for export in ("market_file", "market_money", "market_time"):
        assert line_offsets(real_data_dir / f"{export}.csv", ",") == []
    assert line_offsets(real_data_dir / "money.csv", ";") == []


@pytest.mark.parametrize("seed", range(70, 76))
def test_duckdb_error_lines_become_physical_lines(tmp_path, seed):
    # DuckDB numbers an error's line by the line breaks outside quoted values; the sniffer
    # reads 20,480 lines, so the broken line comes after more than that.
    rng = random.Random(seed)
    delimiter = rng.choice([",", ";"])
    text, _ = export_holding_its_lines(rng, delimiter)
    end = "\r\n" if "\r\n" in text else "\n"
    text += "" if text.endswith(end) else end
    text += "".join(f"{n}{delimiter}a{delimiter}b{end}" for n in range(21_000))
    text += end * rng.randint(0, 2)
    broken_line = text.count("\n") + 1
    broken = rng.choice(["   ", f"1{delimiter}2", f"1{delimiter}2{delimiter}3{delimiter}4"])
    path = tmp_path / "export.csv"
    path.write_bytes((text + broken + end + f"5{delimiter}a{delimiter}b{end}").encode())

    with pytest.raises(duckdb.Error) as caught:
        duckdb.connect().sql(
            f"create table t as select * from read_csv('{path}', all_varchar = true, "
            "header = true, quote = '\"', escape = '\"')"
        )
    duckdb_line = int(re.search(r"CSV Error on Line: (\d+)", str(caught.value)).group(1))

    assert physical_line(path, delimiter, duckdb_line) == broken_line
    assert first_misfit(path, delimiter) == Misfit(
        line=broken_line, fields=broken.count(delimiter) + 1, header_fields=3, text=broken
    )


def test_a_file_whose_records_all_line_up_has_no_misfit(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text('id;a\n1;"x;\ny"\n\n2;z\n', encoding="utf-8")

    assert first_misfit(path, ";") is None
    path.write_text('id,a\n1,"x,\ny"\n\n2\n', encoding="utf-8")
    assert first_misfit(path, ",") == Misfit(line=5, fields=1, header_fields=2, text="2")
