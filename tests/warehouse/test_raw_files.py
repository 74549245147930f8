"""The raw-folder check: dialects are detected, and broken exports are refused in their words."""

from __future__ import annotations

import codecs
import shutil
from pathlib import Path

import pytest

from tests.support import read_rows, write_rows
from warehouse.raw_files import RawDataError, inspect_raw_folder, readable_folder


def rewrite(path: Path, delimiter: str = ",", source_delimiter: str = ",", **options) -> None:
    """Write an export again in another dialect (delimiter, decimal comma, line ends, encoding)."""
    rows = read_rows(path, delimiter=source_delimiter)
    if options.pop("decimal_comma", False):
        rows = [rows[0]] + [[value.replace(".", ",") for value in row] for row in rows[1:]]
    write_rows(path, rows, delimiter=delimiter, **options)


def test_the_real_format_is_detected_as_it_is(small_exports):
    exports = inspect_raw_folder(small_exports())

    assert exports.file("market_file.csv").delimiter == ","
    assert exports.file("market_file.csv").decimal_separator == "."
    assert exports.file("money.csv").delimiter == ";"
    assert exports.file("money.csv").decimal_separator == ","
    assert exports.file("market_time.csv").decimal_separator == ""
    assert {raw.encoding for raw in exports.files} == {"utf-8"}
    assert {raw.line_ending for raw in exports.files} == {"LF"}
    assert exports.warnings == ()


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_other_delimiters_are_detected(small_exports, delimiter):
    folder = small_exports()
    rewrite(folder / "market_file.csv", delimiter=delimiter)

    assert inspect_raw_folder(folder).file("market_file.csv").delimiter == delimiter


def test_decimal_commas_are_detected_beside_a_semicolon(small_exports):
    folder = small_exports()
    rewrite(folder / "market_file.csv", delimiter=";", decimal_comma=True)
    rewrite(folder / "money.csv", delimiter=",", source_delimiter=";")

    exports = inspect_raw_folder(folder)

    assert exports.file("market_file.csv").decimal_separator == ","
    assert exports.file("market_file.csv").delimiter == ";"
    # money.csv written comma-delimited: its decimal commas are quoted ("3,25"), still detected
    assert exports.file("money.csv").delimiter == ","
    assert exports.file("money.csv").decimal_separator == ","


def test_crlf_line_ends_and_a_bom_are_detected(small_exports):
    folder = small_exports()
    rewrite(folder / "market_money.csv", line_ending="\r\n", encoding="utf-8-sig")

    raw = inspect_raw_folder(folder).file("market_money.csv")

    assert raw.line_ending == "CRLF"
    assert raw.has_bom
    assert raw.encoding == "utf-8"
    assert raw.header == ("id", "Период", "Выручка")


def test_a_windows_1251_export_is_detected_and_transcoded(small_exports, tmp_path):
    folder = small_exports()
    original = (folder / "market_time.csv").read_text(encoding="utf-8")
    rewrite(folder / "market_time.csv", encoding="cp1251")

    exports = inspect_raw_folder(folder)
    readable = readable_folder(exports, tmp_path / "work")

    assert exports.file("market_time.csv").encoding == "cp1251"
    assert readable != exports.folder
    assert (readable / "market_time.csv").read_text(encoding="utf-8") == original
    # the UTF-8 files are linked, not copied
    assert (readable / "market_file.csv").resolve() == (folder / "market_file.csv").resolve()


def test_every_folder_is_read_through_links_at_the_same_path(small_exports, tmp_path):
    # dbt parses the sources with this path: the same one on every build keeps its partial parse
    work = tmp_path / "work"
    first = readable_folder(inspect_raw_folder(small_exports(tmp_path / "first")), work)
    shutil.rmtree(work)
    exports = inspect_raw_folder(small_exports(tmp_path / "second"))

    second = readable_folder(exports, work)

    assert second == first
    assert (second / "money.csv").resolve() == exports.file("money.csv").path


def test_a_folder_named_like_a_glob_is_linked_under_a_plain_path(small_exports, tmp_path):
    folder = small_exports(tmp_path / "exports [ноябрь]*")

    readable = readable_folder(inspect_raw_folder(folder), tmp_path / "work")

    assert "[" not in str(readable) and "*" not in str(readable)
    assert (readable / "money.csv").read_bytes() == (folder / "money.csv").read_bytes()


def test_an_extra_column_is_a_warning_not_an_error(small_exports):
    folder = small_exports()
    rows = read_rows(folder / "market_money.csv")
    write_rows(folder / "market_money.csv", [[*row, "x"] for row in rows])

    exports = inspect_raw_folder(folder)

    assert exports.file("market_money.csv").extra_columns == ("x",)
    assert exports.warnings == (
        "market_money.csv: ignoring column(s) the warehouse does not use: 'x'",
    )


def test_the_label_column_is_optional(small_exports):
    folder = small_exports()
    rows = read_rows(folder / "market_file.csv")
    write_rows(folder / "market_file.csv", [row[:1] + row[2:] for row in rows])

    assert not inspect_raw_folder(folder).file("market_file.csv").has_label


def refused(folder: Path) -> str:
    with pytest.raises(RawDataError) as caught:
        inspect_raw_folder(folder)
    return str(caught.value)


def test_a_missing_file_is_named_with_a_likely_candidate(small_exports):
    folder = small_exports()
    (folder / "market_time.csv").rename(folder / "market_time (1).csv")

    message = refused(folder)

    assert "market_time.csv: missing from" in message
    assert "'market_time (1).csv'" in message


def test_a_renamed_column_is_named_with_its_new_name(small_exports):
    folder = small_exports()
    rows = read_rows(folder / "market_money.csv")
    rows[0][2] = "Выручка_руб"
    write_rows(folder / "market_money.csv", rows)

    message = refused(folder)

    assert "market_money.csv: missing column(s) 'Выручка' (renamed to 'Выручка_руб'?)" in message


def test_an_empty_file_is_refused(small_exports):
    folder = small_exports()
    (folder / "money.csv").write_bytes(b"")

    assert "money.csv: the file is empty" in refused(folder)


def test_a_header_only_file_is_refused(small_exports):
    folder = small_exports()
    (folder / "money.csv").write_text("id;Прибыль\n\n", encoding="utf-8")

    assert "money.csv: the file has a header but no rows" in refused(folder)


def test_a_row_that_does_not_line_up_with_the_header_is_refused(small_exports):
    folder = small_exports()
    rows = read_rows(folder / "money.csv", delimiter=";")
    write_rows(
        folder / "money.csv",
        [row if i != 2 else [*row, "7"] for i, row in enumerate(rows)],
        delimiter=";",
    )

    assert "money.csv: line 3 has 3 fields, the header has 2" in refused(folder)


def test_a_decimal_comma_in_a_comma_file_is_explained(small_exports):
    folder = small_exports()
    text = (folder / "money.csv").read_text(encoding="utf-8").replace(";", ",")
    (folder / "money.csv").write_text(text, encoding="utf-8")

    message = refused(folder)

    assert "money.csv: line 2 has 3 fields" in message
    assert "decimal comma" in message


def test_mixed_encodings_are_refused_with_the_line(small_exports):
    folder = small_exports()
    good = (folder / "market_money.csv").read_bytes()
    (folder / "market_money.csv").write_bytes(good + "215351,текущий_месяц,1.0\n".encode("cp1251"))

    message = refused(folder)

    assert "market_money.csv: line 11 is not UTF-8 text" in message


def test_utf16_is_refused(small_exports):
    folder = small_exports()
    text = (folder / "money.csv").read_text(encoding="utf-8")
    (folder / "money.csv").write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))

    assert "money.csv: the file is UTF-16" in refused(folder)


def test_every_problem_is_reported_at_once(small_exports):
    folder = small_exports()
    (folder / "money.csv").unlink()
    (folder / "market_time.csv").write_bytes(b"")

    message = refused(folder)

    assert "money.csv: missing" in message
    assert "market_time.csv: the file is empty" in message
