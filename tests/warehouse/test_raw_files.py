"""The raw-folder check: dialects are detected, and broken exports are refused in their words."""

from __future__ import annotations

import codecs
import gzip
import io
import os
import shlex
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.support import read_rows, write_rows
from warehouse.paths import REPO_ROOT
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


def test_every_file_is_read_once(small_exports, monkeypatch):
    # The fingerprint, the UTF-8 check, the line ends and the last record come from one pass.
    folder = small_exports()
    opened: list[str] = []
    original_open = Path.open

    def counting_open(self, *arguments, **options):
        opened.append(self.name)
        return original_open(self, *arguments, **options)

    monkeypatch.setattr(Path, "open", counting_open)
    inspect_raw_folder(folder)

    assert sorted(opened) == ["market_file.csv", "market_money.csv", "market_time.csv", "money.csv"]


@pytest.mark.real_data
def test_the_real_exports_are_accepted(real_data_dir):
    exports = inspect_raw_folder(real_data_dir)

    assert {raw.line_ending for raw in exports.files} == {"LF"}


# ---------- a file cut short ----------


def test_a_last_line_without_a_line_break_is_refused_as_cut_short(small_exports):
    folder = small_exports()
    data = (folder / "market_money.csv").read_bytes()
    (folder / "market_money.csv").write_bytes(data[: -len(b"5002.0\n")] + b"50")

    assert refused(folder) == (
        "market_money.csv: line 10 ('215350,текущий_месяц,50') does not end with a line break: "
        "the file looks cut short, as an interrupted copy leaves it; copy the export again"
    )


def test_a_cut_through_a_letter_is_named_as_a_cut_not_as_mixed_encodings(small_exports):
    folder = small_exports()
    data = (folder / "market_money.csv").read_bytes()
    cut = data.rindex("текущий".encode()) + 3  # in the middle of the second letter
    (folder / "market_money.csv").write_bytes(data[:cut])

    message = refused(folder)

    assert message.startswith(
        "market_money.csv: line 10 ('215350,т\ufffd') does not end with a line break "
        "and has 2 of the header's 3 fields: the file looks cut short"
    )
    assert "UTF-8" not in message


def test_a_last_record_short_of_fields_is_refused_as_cut_short(small_exports):
    folder = small_exports()
    rows = read_rows(folder / "market_time.csv")
    write_rows(folder / "market_time.csv", [*rows[:-1], rows[-1][:2]], line_ending="\r\n")

    assert refused(folder) == (
        "market_time.csv: line 7 ('215350,предыдцщий_месяц'), the last, has 2 of the header's "
        "3 fields: the file looks cut short, as an interrupted copy leaves it; "
        "copy the export again"
    )


def test_a_crlf_file_cut_between_its_cr_and_lf_is_cut_short(small_exports):
    folder = small_exports()
    rewrite(folder / "money.csv", delimiter=";", source_delimiter=";", line_ending="\r\n")
    data = (folder / "money.csv").read_bytes()
    (folder / "money.csv").write_bytes(data[:-1])

    assert "money.csv: line 4 ('215350;5,25') does not end with a line break" in refused(folder)


def test_trailing_blank_lines_and_a_last_quoted_value_over_two_lines_are_whole(small_exports):
    folder = small_exports()
    rows = read_rows(folder / "market_time.csv")
    rows[0].append("комментарий")
    rows[1:] = [[*row, ""] for row in rows[1:]]
    rows[-1][-1] = "звонил\nдважды"
    write_rows(folder / "market_time.csv", rows)
    with (folder / "market_time.csv").open("a", encoding="utf-8") as stream:
        stream.write("\n\n")

    assert inspect_raw_folder(folder).file("market_time.csv").extra_columns == ("комментарий",)


# ---------- line ends ----------


def test_bare_cr_line_ends_are_refused(small_exports):
    folder = small_exports()
    rewrite(folder / "market_money.csv", line_ending="\r")

    assert "market_money.csv: lines end with a bare CR (classic Mac OS)" in refused(folder)


def test_a_crlf_file_with_one_lf_line_is_refused_with_the_line(small_exports):
    folder = small_exports()
    rewrite(folder / "market_money.csv", line_ending="\r\n")
    data = (folder / "market_money.csv").read_bytes()
    lines = data.split(b"\r\n")
    lines[5] += b"\n" + lines.pop(6)  # line 6 ends with LF only
    (folder / "market_money.csv").write_bytes(b"\r\n".join(lines))

    assert refused(folder).startswith(
        "market_money.csv: line 6 ends with LF only, where the header ends with CRLF: "
        "the file mixes line ends"
    )


def test_a_cr_inside_an_lf_file_is_refused_with_the_line(small_exports):
    folder = small_exports()
    data = (folder / "market_time.csv").read_bytes()
    (folder / "market_time.csv").write_bytes(data.replace(b"\n215349,", b"\n215349\r,", 1))

    assert refused(folder).startswith(
        "market_time.csv: line 4 holds a CR (carriage return), where the header ends with LF"
    )


# ---------- not CSV text ----------


def zipped(text: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/worksheets/sheet1.xml", text)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("pack", "named"),
    [
        (zipped, "a ZIP archive (an Excel .xlsx workbook is one), not CSV text"),
        (gzip.compress, "gzip-compressed, not CSV text; unpack it (gunzip) first"),
        (
            lambda text: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + text,
            "an old Excel .xls workbook (OLE2), not CSV text",
        ),
    ],
)
def test_a_workbook_or_an_archive_named_csv_is_named_as_what_it_is(small_exports, pack, named):
    folder = small_exports()
    (folder / "market_file.csv").write_bytes(pack((folder / "market_file.csv").read_bytes()))

    message = refused(folder)

    assert f"market_file.csv: the file is {named}" in message
    assert "UTF-8" not in message.replace("CSV UTF-8", "")


# ---------- links and permissions ----------


def test_a_link_out_of_the_raw_folder_is_refused_without_reading_it(small_exports, tmp_path):
    folder = small_exports()
    secret = tmp_path / "elsewhere" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("the first line of a file that is not an export\n", encoding="utf-8")
    (folder / "money.csv").unlink()
    (folder / "money.csv").symlink_to(secret)

    message = refused(folder)

    assert message == (
        f"money.csv: is a link to {secret}, outside the raw folder {folder}; oneclick reads "
        "only files in the raw folder: copy the export into it"
    )
    assert "first line" not in message


def test_a_link_to_a_file_in_the_raw_folder_is_read(small_exports):
    folder = small_exports()
    (folder / "money.csv").rename(folder / "money_2026_11.csv")
    (folder / "money.csv").symlink_to("money_2026_11.csv")

    assert inspect_raw_folder(folder).file("money.csv").delimiter == ";"


def without_read_override(code: str) -> subprocess.CompletedProcess:
    """Run Python ``code`` in a child that permissions apply to: as root, with the capabilities
    that bypass them dropped (capsh); skipped where that cannot be done."""
    command = [sys.executable, "-c", code]
    if os.geteuid() == 0:
        capsh = shutil.which("capsh")
        if capsh is None:
            pytest.skip("running as root without capsh: permissions cannot be made to apply")
        command = [
            capsh,
            "--drop=cap_dac_override,cap_dac_read_search",
            "--",
            "-c",
            shlex.join(command),
        ]
    return subprocess.run(command, capture_output=True, text=True, check=False, cwd=REPO_ROOT)


INSPECT = """
import sys
from warehouse.errors import EnvironmentFault
from warehouse.raw_files import inspect_raw_folder
try:
    inspect_raw_folder(sys.argv[1] if len(sys.argv) > 1 else {folder!r})
except EnvironmentFault as fault:
    print(f"{{type(fault).__name__}}: {{fault}}")
"""


def test_an_unreadable_export_is_an_environment_fault(small_exports):
    folder = small_exports()
    (folder / "market_time.csv").chmod(0)

    result = without_read_override(INSPECT.format(folder=str(folder)))

    assert result.stdout.strip() == (
        f"EnvironmentFault: cannot read {folder / 'market_time.csv'}: permission denied"
    ), result.stderr
    assert "Traceback" not in result.stderr


def test_an_unreadable_raw_folder_is_an_environment_fault(small_exports):
    folder = small_exports()
    folder.chmod(0)
    try:
        result = without_read_override(INSPECT.format(folder=str(folder)))
    finally:
        folder.chmod(0o755)

    assert result.stdout.strip() == f"EnvironmentFault: cannot read {folder}: permission denied"
    assert "Traceback" not in result.stderr


# ---------- what the messages show ----------


def test_control_characters_in_a_value_are_shown_escaped(small_exports):
    folder = small_exports()
    rows = read_rows(folder / "market_money.csv")
    rows[3] = [*rows[3], "\x00\x1b"]
    write_rows(folder / "market_money.csv", rows)

    message = refused(folder)

    assert "market_money.csv: line 4 has 4 fields, the header has 3" in message
    assert "\\x00\\x1b'" in message
    assert "\x00" not in message and "\x1b" not in message
