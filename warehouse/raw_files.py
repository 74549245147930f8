"""Checks the raw export folder before dbt reads it, and says what is wrong in the export's words.

Real exports come in several dialects. This module *detects* each file's encoding (UTF-8 with or
without a BOM, or Windows-1251), delimiter (``,`` ``;`` tab ``|``), decimal separator and line
ends, rather than assuming them, and refuses, with the file, the column and the line, what no
loader should guess about: a missing file, an empty or header-only file, a missing or renamed
column, a row whose fields do not line up with the header, a file cut short (its last line
without a line break, or its last record short of fields, as an interrupted copy leaves it),
mixed line ends, a spreadsheet or archive saved under a .csv name, and a link that leads out of
the raw folder (refused without reading what it points to). An extra column is a warning.

Every file is read once (:func:`_read_through`): its fingerprint, the UTF-8 check, the line
ends and its last bytes come from the same pass. A file or folder the user cannot read is an
:class:`~warehouse.errors.EnvironmentFault`, not a data error. Values from an export are shown
with their control characters escaped (:func:`~warehouse.errors.printable`).

DuckDB's ``read_csv`` (in the dbt sources) sniffs the delimiter itself and staging parses both
decimal separators; what DuckDB cannot read, a Windows-1251 file, is transcoded to UTF-8 into the
build's work folder (:func:`readable_folder`).
"""

from __future__ import annotations

import codecs
import csv
import difflib
import hashlib
import io
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from warehouse.errors import EnvironmentFault, printable
from warehouse.exports import Export, declared_exports

SAMPLE_BYTES = 256 * 1024
CHUNK_BYTES = 4 * 1024 * 1024
TAIL_BYTES = 64 * 1024
CUT_SHORT = "the file looks cut short, as an interrupted copy leaves it; copy the export again"
# What a file that is not text starts with, and what to do about it.
BINARY_FORMATS = (
    (
        (b"PK\x03\x04", b"PK\x05\x06"),
        "a ZIP archive (an Excel .xlsx workbook is one), not CSV text; "
        "save the sheet as CSV UTF-8, or unpack the archive",
    ),
    ((b"\x1f\x8b",), "gzip-compressed, not CSV text; unpack it (gunzip) first"),
    (
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
        "an old Excel .xls workbook (OLE2), not CSV text; save the sheet as CSV UTF-8",
    ),
)
DELIMITERS = (",", ";", "\t", "|")
DECIMAL_COMMA = re.compile(r"^-?\d+,\d+$")
DECIMAL_POINT = re.compile(r"^-?\d+\.\d+$")


class RawDataError(Exception):
    """The exports cannot be built from; the message says which file, column and rows."""


@dataclass(frozen=True)
class RawFile:
    """What was detected about one export file."""

    spec: Export
    path: Path
    size_bytes: int
    sha256: str
    encoding: str
    has_bom: bool
    delimiter: str
    decimal_separator: str
    line_ending: str
    header: tuple[str, ...]
    extra_columns: tuple[str, ...]

    @property
    def dialect(self) -> str:
        """The detected dialect in a few words, e.g. ``utf-8, ';' delimited, ',' decimals, LF``."""
        delimiter = {"\t": "tab"}.get(self.delimiter, repr(self.delimiter))
        decimals = (
            f"{self.decimal_separator!r} decimals" if self.decimal_separator else "no decimals"
        )
        encoding = self.encoding + (" with BOM" if self.has_bom else "")
        return f"{encoding}, {delimiter} delimited, {decimals}, {self.line_ending}"

    @property
    def has_label(self) -> bool:
        """Whether the file has the label (an export that is only to be scored has none)."""
        labels = [column.header for column in self.spec.columns if column.has_role("label")]
        return any(header in self.header for header in labels)


@dataclass(frozen=True)
class RawExports:
    """The four checked exports of one folder, and the warnings about them."""

    folder: Path
    files: tuple[RawFile, ...]
    warnings: tuple[str, ...] = field(default=())

    def file(self, file_name: str) -> RawFile:
        return next(raw for raw in self.files if raw.spec.file_name == file_name)


def inspect_raw_folder(folder: Path) -> RawExports:
    """Check every export in ``folder``; raise :class:`RawDataError` naming all that is wrong,
    or :class:`~warehouse.errors.EnvironmentFault` when a file or the folder cannot be read."""
    folder = Path(folder)
    try:
        return _inspect_folder(folder)
    except OSError as error:
        raise EnvironmentFault.from_os_error("read", error, error.filename or folder) from None


def _inspect_folder(folder: Path) -> RawExports:
    if not folder.is_dir():
        raise RawDataError(f"raw folder {folder} does not exist or is not a folder")
    problems: list[str] = []
    files: list[RawFile] = []
    warnings: list[str] = []
    for spec in declared_exports():
        path = folder / spec.file_name
        try:
            outside = _link_out_of(folder, path)
        except PermissionError as error:
            # The folder's own entries cannot be looked at: the folder is the fault.
            raise EnvironmentFault.from_os_error("read", error, folder) from None
        if outside:
            problems.append(outside)
            continue
        if not path.is_file():
            problems.append(_missing_file_message(folder, spec.file_name))
            continue
        try:
            raw = inspect_export(path, spec)
        except RawDataError as error:
            problems.append(str(error))
            continue
        files.append(raw)
        if raw.extra_columns:
            warnings.append(
                f"{spec.file_name}: ignoring column(s) the warehouse does not use: "
                + ", ".join(f"'{printable(column)}'" for column in raw.extra_columns)
            )
    if problems:
        raise RawDataError("\n".join(problems))
    return RawExports(folder=folder.resolve(), files=tuple(files), warnings=tuple(warnings))


def inspect_export(path: Path, spec: Export) -> RawFile:
    """Detect one file's dialect, check its header, first rows and end, and fingerprint it."""
    scan = _read_through(path)
    name = spec.file_name
    if scan.size == 0:
        raise RawDataError(f"{name}: the file is empty (0 bytes): expected a header and rows")
    sample = scan.sample
    for magic, what in BINARY_FORMATS:
        if sample.startswith(magic):
            raise RawDataError(f"{name}: the file is {what}")
    has_bom = sample.startswith(codecs.BOM_UTF8)
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise RawDataError(f"{name}: the file is UTF-16; save the export as UTF-8")
    encoding, text = _decode_sample(name, sample, has_bom, spec)
    lines = text.split("\n")  # the sample's lines; a CRLF file's keep their CR
    if scan.size > len(sample) and len(lines) > 1:
        lines.pop()  # cut where the sample ends
    if not lines[0].strip():
        raise RawDataError(f"{name}: the first line is blank: expected the header")
    line_ending = _line_ending(name, scan, lines[0])
    delimiter = detect_delimiter(name, lines[0].rstrip("\r"), spec)
    header = tuple(
        column.strip() for column in next(csv.reader([lines[0].rstrip("\r")], delimiter=delimiter))
    )
    _check_header(name, header, spec)
    _check_last_record(name, scan, encoding, delimiter, len(header))
    _check_line_ends(name, path, scan, line_ending)
    try:
        rows = list(
            csv.reader(io.StringIO("\n".join(lines[:200]), newline=""), delimiter=delimiter)
        )
    except csv.Error as error:
        raise RawDataError(f"{name}: the first lines cannot be read as CSV: {error}") from None
    data_rows = [row for row in rows[1:] if any(value.strip() for value in row)]
    if not data_rows and not scan.has_content_after_first_line:
        raise RawDataError(f"{name}: the file has a header but no rows")
    _check_field_counts(name, header, rows, delimiter)
    if encoding == "utf-8" and scan.utf8_error:
        line, byte = scan.utf8_error
        raise RawDataError(
            f"{name}: line {line} is not UTF-8 text (byte {byte:#04x}); "
            "the file mixes encodings: save the export as UTF-8"
        )
    return RawFile(
        spec=spec,
        path=path.resolve(),
        size_bytes=scan.size,
        sha256=scan.sha256,
        encoding=encoding,
        has_bom=has_bom,
        delimiter=delimiter,
        decimal_separator=_detect_decimal_separator(data_rows),
        line_ending=line_ending,
        header=header,
        extra_columns=tuple(column for column in header if column not in spec.known_columns),
    )


def readable_folder(exports: RawExports, work_folder: Path) -> Path:
    """The folder dbt's ``read_csv`` reads: ``work_folder/raw``, with a link to each export.

    dbt parses the sources with this path, so it stays the same from build to build whatever
    folder the exports come from (a new path would make dbt parse the whole project again), and
    it is a plain path even when the raw folder's name looks like a glob pattern. A file in
    Windows-1251 is transcoded to UTF-8 there instead of linked (DuckDB reads UTF-8). Quotes,
    spaces and Cyrillic letters need nothing: the dbt source escapes the path.
    """
    target = work_folder / "raw"
    target.mkdir(parents=True, exist_ok=True)
    for raw in exports.files:
        destination = target / raw.spec.file_name
        if raw.encoding == "utf-8":
            os.symlink(raw.path, destination)
        else:
            _transcode_to_utf8(raw.path, raw.encoding, destination)
    return target


@dataclass(frozen=True)
class _Pass:
    """What one read of a whole file tells."""

    size: int
    sha256: str
    sample: bytes  # the first SAMPLE_BYTES
    tail: bytes  # the last TAIL_BYTES
    newlines: int  # b"\n"
    carriage_returns: int  # b"\r", CRLF's included
    crlf: int  # b"\r\n"
    has_quotes: bool
    has_content_after_first_line: bool  # anything but blanks after the first line break
    utf8_error: tuple[int, int] | None  # (line, byte) of the first byte that is not UTF-8


def _read_through(path: Path) -> _Pass:
    """Read the file once: fingerprint, UTF-8 check, line ends, first and last bytes."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    size = newlines = carriage_returns = crlf = 0
    sample = tail = b""
    has_quotes = content = False
    utf8_error: tuple[int, int] | None = None
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK_BYTES):
            digest.update(chunk)
            if not size:
                sample = chunk[:SAMPLE_BYTES]
            if utf8_error is None:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as error:
                    line = newlines + chunk[: error.start].count(b"\n") + 1
                    utf8_error = (line, chunk[error.start])
            if not content:
                first_break = chunk.find(b"\n") if not newlines else -1
                if newlines or first_break >= 0:
                    content = bool(chunk[first_break + 1 :].strip())
            crlf += chunk.count(b"\r\n") + (tail.endswith(b"\r") and chunk.startswith(b"\n"))
            newlines += chunk.count(b"\n")
            carriage_returns += chunk.count(b"\r")
            has_quotes = has_quotes or b'"' in chunk
            tail = (tail + chunk[-TAIL_BYTES:])[-TAIL_BYTES:]
            size += len(chunk)
    if utf8_error is None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8_error = (newlines + 1, tail[-1])
    return _Pass(
        size=size,
        sha256=digest.hexdigest(),
        sample=sample,
        tail=tail,
        newlines=newlines,
        carriage_returns=carriage_returns,
        crlf=crlf,
        has_quotes=has_quotes,
        has_content_after_first_line=content,
        utf8_error=utf8_error,
    )


def _decode_sample(name: str, sample: bytes, has_bom: bool, spec: Export) -> tuple[str, str]:
    """The encoding, told by the header line (it always has Cyrillic), and the decoded sample."""
    body = sample[len(codecs.BOM_UTF8) :] if has_bom else sample
    header_line = body.split(b"\n", 1)[0]
    try:
        header_line.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        # Bytes further down that are not UTF-8 are found, with their line, by
        # _check_utf8_throughout; here the sample is decoded for its first rows only.
        return "utf-8", body.decode("utf-8", errors="replace")
    text = body.decode("cp1251", errors="replace")
    if any(column in text.splitlines()[0] for column in spec.known_columns if column != "id"):
        return "cp1251", text
    raise RawDataError(
        f"{name}: the file is neither UTF-8 nor Windows-1251 (cp1251) text; "
        "save the export as UTF-8"
    )


def detect_delimiter(name: str, header_line: str, spec: Export) -> str:
    """The delimiter that splits ``header_line`` into the most of the export's columns."""

    def known(delimiter: str) -> int:
        columns = {
            column.strip() for column in next(csv.reader([header_line], delimiter=delimiter))
        }
        return len(columns & set(spec.known_columns))

    # The delimiter that finds the most known columns; the header check then names any missing.
    best = max(DELIMITERS, key=known)
    if known(best) == 0:
        raise RawDataError(
            f"{name}: cannot find the export's columns in the header "
            f"'{printable(header_line.strip())}' "
            f"with any delimiter ({', '.join(map(repr, DELIMITERS))}); expected "
            + ", ".join(spec.required_columns)
        )
    return best


def _check_header(name: str, header: tuple[str, ...], spec: Export) -> None:
    missing = [column for column in spec.required_columns if column not in header]
    if not missing:
        duplicated = sorted({column for column in header if header.count(column) > 1})
        if duplicated:
            raise RawDataError(
                f"{name}: column(s) {', '.join(map(printable, duplicated))} appear twice "
                "in the header"
            )
        return
    unexpected = [column for column in header if column not in spec.known_columns]
    hints = []
    for column in missing:
        close = difflib.get_close_matches(column, unexpected, n=1, cutoff=0.6)
        renamed = f" (renamed to '{printable(close[0])}'?)" if close else ""
        hints.append(f"'{printable(column)}'{renamed}")
    raise RawDataError(
        f"{name}: missing column(s) {', '.join(hints)}; the header has: "
        + ", ".join(printable(column) for column in header)
    )


def _check_field_counts(
    name: str, header: tuple[str, ...], rows: list[list[str]], delimiter: str
) -> None:
    for line_number, row in enumerate(rows[1:], start=2):
        if row and len(row) != len(header):
            hint = ""
            if delimiter == "," and len(row) > len(header):
                hint = " (a decimal comma in a comma-delimited file must be quoted)"
            raise RawDataError(
                f"{name}: line {line_number} has {len(row)} fields, the header has "
                f"{len(header)}{hint}: '{printable(delimiter.join(row))}'"
            )


def _link_out_of(folder: Path, path: Path) -> str | None:
    """Why a link in the raw folder is refused when it leads out of it (its target unread)."""
    if not path.is_symlink():
        return None
    target = Path(os.path.realpath(path))
    if target.is_relative_to(folder.resolve()):
        return None
    return (
        f"{path.name}: is a link to {printable(target, limit=200)}, outside the raw folder "
        f"{folder}; oneclick reads only files in the raw folder: copy the export into it"
    )


def _line_ending(name: str, scan: _Pass, first_line: str) -> str:
    """``LF`` or ``CRLF``, as the header line (without its LF) ends; bare CRs are refused."""
    if not scan.newlines and scan.carriage_returns:
        raise RawDataError(
            f"{name}: lines end with a bare CR (classic Mac OS), which no line-numbering tool "
            "counts; save the export with LF or CRLF line ends"
        )
    return "CRLF" if first_line.endswith("\r") else "LF"


def _check_line_ends(name: str, path: Path, scan: _Pass, line_ending: str) -> None:
    """Every line ends as the header does: DuckDB stops on a file that mixes LF and CRLF.

    Only a file without quotes can be judged by counts (a quoted value may hold any line
    break); the line is looked up in a second read, when there is one to name."""
    if scan.has_quotes:
        return
    if line_ending == "CRLF" and scan.crlf == scan.newlines == scan.carriage_returns:
        return
    if line_ending == "LF" and not scan.carriage_returns:
        return
    line = _first_stray_line_end(path, line_ending)
    what = "ends with LF only" if line_ending == "CRLF" else "holds a CR (carriage return)"
    others = "CRLF" if line_ending == "CRLF" else "LF only"
    raise RawDataError(
        f"{name}: line {line} {what}, where the header ends with {others}: the file mixes "
        "line ends, which DuckDB cannot read; save the export again with one kind"
    )


def _first_stray_line_end(path: Path, line_ending: str) -> int:
    """The first line that does not end as ``line_ending`` says (a refusal's second read)."""
    with path.open("rb") as stream:
        for number, line in enumerate(stream, start=1):
            body = line.removesuffix(b"\r\n") if line_ending == "CRLF" else line
            if b"\r" in body.removesuffix(b"\n") or (
                line_ending == "CRLF" and body.endswith(b"\n")
            ):
                return number
    return 1


def _check_last_record(
    name: str, scan: _Pass, encoding: str, delimiter: str, header_fields: int
) -> None:
    """An interrupted copy leaves the last line without its line break, or the last record
    short of fields: refuse either, naming the line (read off the file's last bytes)."""
    tail = scan.tail
    ends_with_break = tail.endswith(b"\n")
    body = tail.rstrip(b"\r\n") if ends_with_break else tail
    last_line = scan.newlines - tail[len(body) :].count(b"\n") + 1
    found = _last_record(body.split(b"\n"), scan.size == len(tail), delimiter, encoding)
    if found is None:
        return
    lines, text, fields = found
    first_line = last_line - lines + 1
    if first_line == 1:
        return  # the header is all there is: the header-only check says so
    shown = f"line {first_line} ('{printable(text)}')"
    short = f"{fields} of the header's {header_fields} fields"
    if not ends_with_break:
        has = f" and has {short}" if fields < header_fields else ""
        raise RawDataError(f"{name}: {shown} does not end with a line break{has}: {CUT_SHORT}")
    if fields < header_fields and text.strip():
        raise RawDataError(f"{name}: {shown}, the last, has {short}: {CUT_SHORT}")


def _last_record(
    lines: list[bytes], whole_file: bool, delimiter: str, encoding: str
) -> tuple[int, str, int] | None:
    """The last record of ``lines`` (a quoted value may span several): how many lines it takes,
    its text and its number of fields; None when it may start before them (the first of
    ``lines`` is then only the end of a line, unless they are the ``whole_file``)."""
    usable = len(lines) if whole_file else len(lines) - 1
    for count in range(1, usable + 1):
        raw = b"\n".join(lines[-count:])
        if raw.count(b'"') % 2 == 0:
            text = raw.decode(encoding, errors="replace").replace("\r\n", "\n").rstrip("\r")
            rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
            return count, text, len(rows[-1]) if rows else 1
    return None


def _detect_decimal_separator(rows: Iterable[list[str]]) -> str:
    commas = points = 0
    for row in rows:
        for value in row:
            value = value.strip()
            commas += bool(DECIMAL_COMMA.match(value))
            points += bool(DECIMAL_POINT.match(value))
    if not commas and not points:
        return ""
    return "," if commas > points else "."


def _missing_file_message(folder: Path, file_name: str) -> str:
    present = sorted(path.name for path in folder.iterdir() if path.is_file())
    close = difflib.get_close_matches(file_name, present, n=1, cutoff=0.6)
    hint = f" (is '{printable(close[0])}' it?)" if close else ""
    listing = ", ".join(map(printable, present)) if present else "nothing"
    return f"{file_name}: missing from {folder}{hint}; the folder has: {listing}"


def _transcode_to_utf8(source: Path, encoding: str, destination: Path) -> None:
    decoder = codecs.getincrementaldecoder(encoding)()
    with source.open("rb") as reader, destination.open("w", encoding="utf-8", newline="") as writer:
        while chunk := reader.read(CHUNK_BYTES):
            writer.write(decoder.decode(chunk))
        writer.write(decoder.decode(b"", final=True))
