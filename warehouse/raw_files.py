"""Checks the raw export folder before dbt reads it, and says what is wrong in the export's words.

Real exports come in several dialects. This module *detects* each file's encoding (UTF-8 with or
without a BOM, or Windows-1251), delimiter (``,`` ``;`` tab ``|``), decimal separator and line
ends, rather than assuming them, and refuses, with the file, the column and the line, what no
loader should guess about: a missing file, an empty or header-only file, a missing or renamed
column, a row whose fields do not line up with the header. An extra column is a warning.

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

from warehouse.exports import EXPORTS, ExportSpec

SAMPLE_BYTES = 256 * 1024
CHUNK_BYTES = 4 * 1024 * 1024
DELIMITERS = (",", ";", "\t", "|")
DECIMAL_COMMA = re.compile(r"^-?\d+,\d+$")
DECIMAL_POINT = re.compile(r"^-?\d+\.\d+$")


class RawDataError(Exception):
    """The exports cannot be built from; the message says which file, column and rows."""


@dataclass(frozen=True)
class RawFile:
    """What was detected about one export file."""

    spec: ExportSpec
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
        return any(column in self.header for column in self.spec.optional_columns)


@dataclass(frozen=True)
class RawExports:
    """The four checked exports of one folder, and the warnings about them."""

    folder: Path
    files: tuple[RawFile, ...]
    warnings: tuple[str, ...] = field(default=())

    def file(self, file_name: str) -> RawFile:
        return next(raw for raw in self.files if raw.spec.file_name == file_name)


def inspect_raw_folder(folder: Path) -> RawExports:
    """Check every export in ``folder``; raise :class:`RawDataError` naming all that is wrong."""
    folder = Path(folder)
    if not folder.is_dir():
        raise RawDataError(f"raw folder {folder} does not exist or is not a folder")
    problems: list[str] = []
    files: list[RawFile] = []
    warnings: list[str] = []
    for spec in EXPORTS:
        path = folder / spec.file_name
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
                + ", ".join(repr(column) for column in raw.extra_columns)
            )
    if problems:
        raise RawDataError("\n".join(problems))
    return RawExports(folder=folder.resolve(), files=tuple(files), warnings=tuple(warnings))


def inspect_export(path: Path, spec: ExportSpec) -> RawFile:
    """Detect one file's dialect, check its header and first rows, and fingerprint it."""
    size_bytes, sha256 = _fingerprint(path)
    name = spec.file_name
    if size_bytes == 0:
        raise RawDataError(f"{name}: the file is empty (0 bytes): expected a header and rows")
    with path.open("rb") as stream:
        sample = stream.read(SAMPLE_BYTES)
    has_bom = sample.startswith(codecs.BOM_UTF8)
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise RawDataError(f"{name}: the file is UTF-16; save the export as UTF-8")
    encoding, text = _decode_sample(name, sample, has_bom, spec)
    lines = text.splitlines(keepends=True)
    if not lines or not lines[0].strip():
        raise RawDataError(f"{name}: the first line is blank: expected the header")
    line_ending = "CRLF" if lines[0].endswith("\r\n") else "LF"
    delimiter = _detect_delimiter(name, lines[0], spec)
    rows = list(csv.reader(io.StringIO("".join(lines[:200])), delimiter=delimiter))
    header = tuple(column.strip() for column in rows[0])
    _check_header(name, header, spec)
    data_rows = [row for row in rows[1:] if any(value.strip() for value in row)]
    header_bytes = len(lines[0].encode(encoding)) + (len(codecs.BOM_UTF8) if has_bom else 0)
    if not data_rows and not _has_content_after_header(path, header_bytes):
        raise RawDataError(f"{name}: the file has a header but no rows")
    _check_field_counts(name, header, rows, delimiter)
    if encoding == "utf-8":
        _check_utf8_throughout(path, name)
    return RawFile(
        spec=spec,
        path=path.resolve(),
        size_bytes=size_bytes,
        sha256=sha256,
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


def _fingerprint(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK_BYTES):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _decode_sample(name: str, sample: bytes, has_bom: bool, spec: ExportSpec) -> tuple[str, str]:
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


def _check_utf8_throughout(path: Path, name: str) -> None:
    """A file whose start is UTF-8 may still hold other bytes further down; find the line."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK_BYTES):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                line += chunk[: error.start].count(b"\n")
                raise RawDataError(
                    f"{name}: line {line} is not UTF-8 text (byte {chunk[error.start]:#04x}); "
                    "the file mixes encodings: save the export as UTF-8"
                ) from None
            line += chunk.count(b"\n")


def _detect_delimiter(name: str, header_line: str, spec: ExportSpec) -> str:
    def known(delimiter: str) -> int:
        columns = {
            column.strip() for column in next(csv.reader([header_line], delimiter=delimiter))
        }
        return len(columns & set(spec.known_columns))

    # The delimiter that finds the most known columns; the header check then names any missing.
    best = max(DELIMITERS, key=known)
    if known(best) == 0:
        raise RawDataError(
            f"{name}: cannot find the export's columns in the header {header_line.strip()!r} "
            f"with any delimiter ({', '.join(map(repr, DELIMITERS))}); expected "
            + ", ".join(spec.required_columns)
        )
    return best


def _check_header(name: str, header: tuple[str, ...], spec: ExportSpec) -> None:
    missing = [column for column in spec.required_columns if column not in header]
    if not missing:
        duplicated = sorted({column for column in header if header.count(column) > 1})
        if duplicated:
            raise RawDataError(
                f"{name}: column(s) {', '.join(duplicated)} appear twice in the header"
            )
        return
    unexpected = [column for column in header if column not in spec.known_columns]
    hints = []
    for column in missing:
        close = difflib.get_close_matches(column, unexpected, n=1, cutoff=0.6)
        hints.append(f"{column!r}" + (f" (renamed to {close[0]!r}?)" if close else ""))
    raise RawDataError(
        f"{name}: missing column(s) {', '.join(hints)}; the header has: " + ", ".join(header)
    )


def _has_content_after_header(path: Path, header_bytes: int) -> bool:
    with path.open("rb") as stream:
        stream.seek(header_bytes)
        while chunk := stream.read(CHUNK_BYTES):
            if chunk.strip():
                return True
    return False


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
                f"{len(header)}{hint}: {delimiter.join(row)!r}"
            )


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
    hint = f" (is {close[0]!r} it?)" if close else ""
    listing = ", ".join(present) if present else "nothing"
    return f"{file_name}: missing from {folder}{hint}; the folder has: {listing}"


def _transcode_to_utf8(source: Path, encoding: str, destination: Path) -> None:
    decoder = codecs.getincrementaldecoder(encoding)()
    with source.open("rb") as reader, destination.open("w", encoding="utf-8", newline="") as writer:
        while chunk := reader.read(CHUNK_BYTES):
            writer.write(decoder.decode(chunk))
        writer.write(decoder.decode(b"", final=True))
