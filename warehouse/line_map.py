"""Where a record of an export is in its file: the physical line, as ``grep -n`` numbers it.

Staging numbers an export's records, not its lines: record k (the k-th after the header) is the
staging table's ``rowid + 1`` (DuckDB writes the table in file order). Record k sits on line
k + 1 unless something before it takes more lines than records: a blank line (DuckDB's
``read_csv`` skips it) or a quoted value with a line break in it. This module finds those
places: :func:`line_offsets` returns the breakpoints ``(first_record, line_offset)`` from which
record k is on line ``k + line_offset``, an empty list for an export that has neither (the
usual case, told by bytes searches without a loop over the lines).

Records are counted as DuckDB's reader counts them, with the options the dbt sources set
(``quote = '"'``, ``escape = '"'``): a line break ends a record unless it is inside a quoted
value; a ``"`` opens a quoted value only at the start of a field (or after one space there),
elsewhere it is a plain character; ``""`` inside a quoted value is one quote; a line that is
empty, or holds only the CR of a CRLF, is skipped; a UTF-8 BOM is no line. The tests compare
this with DuckDB itself.

:func:`physical_line` turns the line number in DuckDB's own errors (``CSV Error on Line: N``,
which counts line breaks outside quoted values) into the physical line, and
:func:`first_misfit` finds the first record whose number of fields differs from the header's.
"""

from __future__ import annotations

import io
import mmap
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

WINDOW_BYTES = 16 * 1024 * 1024
LEAD = 2  # bytes of the previous window kept before each window (a blank line may straddle)
BOM = b"\xef\xbb\xbf"
NEWLINE, CARRIAGE_RETURN, QUOTE, SPACE = 10, 13, 34, 32
# A quoted value from its opening quote to its closing one; "" inside it is an escaped quote.
QUOTED_VALUE = re.compile(rb'"[^"]*(?:""[^"]*)*"')


@dataclass(frozen=True)
class Misfit:
    """A record whose number of fields differs from the header's."""

    line: int
    fields: int
    header_fields: int
    text: str


def line_offsets(path: Path, delimiter: str) -> list[tuple[int, int]]:
    """``(first_record, line_offset)`` pairs: from data record ``first_record`` on (1 is the
    first record after the header), record k starts on physical line ``k + line_offset``, up to
    the next pair. Before the first pair the offset is 1. Empty when every record is one line
    and no blank line comes before one."""
    return _with_quote_rules(path, delimiter, _offsets_of)


def physical_line(path: Path, delimiter: str, duckdb_line: int) -> int | None:
    """The physical line of what DuckDB's errors call ``Line: duckdb_line`` (it counts the line
    breaks outside quoted values, blank lines included), or None past the end of the file."""

    def find(segments: Iterator[_Segments]) -> int | None:
        seen = 0
        for window in segments:
            if duckdb_line - 1 < seen + window.start_line.size:
                return int(window.start_line[duckdb_line - 1 - seen])
            seen += window.start_line.size
        return None

    return _with_quote_rules(path, delimiter, find) if duckdb_line >= 1 else None


def first_misfit(path: Path, delimiter: str, encoding: str = "utf-8") -> Misfit | None:
    """The first record (after the header) whose number of fields differs from the header's,
    with its physical line and text; None when every record lines up."""

    def find(segments: Iterator[_Segments]) -> Misfit | None:
        header_fields = None
        for window in segments:
            records = np.flatnonzero(~window.is_blank)
            if header_fields is None and records.size:
                header_fields = int(window.fields[records[0]])
            misfits = records[window.fields[records] != header_fields]
            if misfits.size:
                index = int(misfits[0])
                text = window.text(index).decode(encoding, errors="replace")
                line = int(window.start_line[index])
                return Misfit(line, int(window.fields[index]), header_fields, text)
        return None

    return _with_quote_rules(path, delimiter, find, count_fields=True)


# ---------- the scan ----------


@dataclass(frozen=True)
class _Segments:
    """The records and blank lines that end in one window of the file, in file order."""

    start_line: np.ndarray  # the physical line each starts on
    is_blank: np.ndarray  # empty, or only the CR of a CRLF: DuckDB skips it
    fields: np.ndarray | None = None  # delimiters outside quotes + 1 (when counted)
    bounds: tuple[np.ndarray, np.ndarray] | None = None  # first byte, end byte
    source: mmap.mmap | None = None

    def text(self, index: int) -> bytes:
        assert self.bounds is not None and self.source is not None
        first, end = self.bounds
        return self.source[int(first[index]) : int(end[index])].rstrip(b"\r")


class _IrregularQuotes(Exception):
    """A ``"`` stands where DuckDB takes it as a plain character: count quotes one by one."""


def _with_quote_rules(
    path: Path,
    delimiter: str,
    consume: Callable[[Iterator[_Segments]], object],
    count_fields: bool = False,
):
    """``consume`` the file's segments; quotes are first assumed to alternate open/close (true
    of every file whose quotes all delimit values, checked as the scan goes), and the scan
    starts again quote by quote if one does not."""
    if len(delimiter.encode()) != 1:
        raise ValueError(f"the delimiter must be one byte, got {delimiter!r}")
    with Path(path).open("rb", buffering=0) as stream:
        if not stream.seek(0, 2):
            return consume(iter(()))
        # Windows are read into one buffer; the map serves the quote-by-quote rule, which looks
        # ahead for a closing quote, and the text of a misfit record.
        source = mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ)
        try:
            try:
                return consume(_scan(stream, source, delimiter, _AlternatingQuotes, count_fields))
            except _IrregularQuotes:
                return consume(_scan(stream, source, delimiter, _QuotesOneByOne, count_fields))
        finally:
            source.close()


class _Quotes:
    """Tells, window by window, which bytes are inside a quoted value."""

    def __init__(self, source: mmap.mmap, data_start: int, delimiter: int):
        self.source = source
        self.data_start = data_start
        self.field_ends = {delimiter, NEWLINE, CARRIAGE_RETURN}

    def toggles(self, first: int, window: np.ndarray) -> tuple[bool, np.ndarray]:
        """``(inside at first, positions where a quoted value starts or stops)`` in the window
        ``window[LEAD:]``, which holds the bytes from ``first`` on."""
        raise NotImplementedError

    def is_open_at(self, position: int) -> bool:
        """Whether a quoted value is open just before ``position``."""
        raise NotImplementedError


class _AlternatingQuotes(_Quotes):
    """Every ``"`` opens or closes a quoted value: inside iff an odd number come before."""

    def __init__(self, source: mmap.mmap, data_start: int, delimiter: int):
        super().__init__(source, data_start, delimiter)
        self.count = 0
        self.opening = np.array(sorted(self.field_ends), dtype=np.uint8)

    def toggles(self, first: int, window: np.ndarray) -> tuple[bool, np.ndarray]:
        local = np.flatnonzero(window[LEAD:] == QUOTE) + LEAD
        inside = self.count % 2 == 1
        # Quotes at even places open a value: DuckDB agrees only at a field's start (after a
        # delimiter or a line break, or one space there), or right after a closing quote ("").
        opening = local[(self.count + np.arange(local.size)) % 2 == 0]
        if opening.size:
            position = opening - LEAD + first
            before = window[opening - 1]
            before2 = window[opening - 2]
            at_start = position == self.data_start
            after_space_at_start = (before == SPACE) & (
                (position - 1 == self.data_start) | np.isin(before2, self.opening)
            )
            valid = at_start | np.isin(before, self.opening) | (before == QUOTE)
            valid |= after_space_at_start
            if not valid.all():
                raise _IrregularQuotes
        self.count += local.size
        return inside, local - LEAD + first

    def is_open_at(self, position: int) -> bool:
        return self.count % 2 == 1


class _QuotesOneByOne(_Quotes):
    """DuckDB's rule quote by quote: a ``"`` opens a value only at a field's start."""

    def __init__(self, source: mmap.mmap, data_start: int, delimiter: int):
        super().__init__(source, data_start, delimiter)
        self.open_until: int | None = None  # the closing quote of a value open past a window

    def _opens(self, position: int) -> bool:
        if position == self.data_start:
            return True
        before = self.source[position - 1]
        if before in self.field_ends:
            return True
        return before == SPACE and (
            position - 1 == self.data_start or self.source[position - 2] in self.field_ends
        )

    def toggles(self, first: int, window: np.ndarray) -> tuple[bool, np.ndarray]:
        end = first + window.size - LEAD
        found: list[int] = []
        inside = self.open_until is not None
        position = first
        if self.open_until is not None:
            if self.open_until >= end:
                return True, np.empty(0, dtype=np.int64)
            found.append(self.open_until)
            position, self.open_until = self.open_until + 1, None
        while (quote := self.source.find(b'"', position, end)) >= 0:
            if not self._opens(quote):
                position = quote + 1
                continue
            match = QUOTED_VALUE.match(self.source, quote)
            # An unterminated quote runs to the end of the file (DuckDB stops there too).
            closing = match.end() - 1 if match else len(self.source)
            found.append(quote)
            if closing >= end:
                self.open_until = closing
                break
            found.append(closing)
            position = closing + 1
        return inside, np.array(found, dtype=np.int64)

    def is_open_at(self, position: int) -> bool:
        return self.open_until is not None and self.open_until >= position


def _scan(
    stream: io.RawIOBase,
    source: mmap.mmap,
    delimiter: str,
    quote_rules: type[_Quotes],
    count_fields: bool,
) -> Iterator[_Segments]:
    """The file's segments (records and skipped blank lines), window by window."""
    size = len(source)
    data_start = len(BOM) if source[: len(BOM)] == BOM else 0
    separator = delimiter.encode()[0]
    quotes = quote_rules(source, data_start, separator)
    lines_before = 0  # line breaks before the window
    previous_end = data_start - 1  # the line break that ended the last segment
    next_line = 1  # the line the open segment starts on
    open_fields = 1  # fields of the open segment so far
    # The window's bytes come after the last two bytes before it (LEAD): before the data, as if
    # a line had just ended.
    buffer = bytearray(LEAD + WINDOW_BYTES)
    view = memoryview(buffer)
    buffer[:LEAD] = b"\0\n"
    first = data_start
    stream.seek(data_start)
    while read := stream.readinto(view[LEAD:]):
        end = first + read
        window = np.frombuffer(view[: LEAD + read], dtype=np.uint8)
        is_newline = window == NEWLINE
        plain = (
            not count_fields
            and buffer.find(b'"', LEAD, LEAD + read) < 0
            and not quotes.is_open_at(first)
            and not _may_hold_blank_lines(buffer, window, is_newline, read)
        )
        if plain:
            # No quote and no blank line: every line break ends a one-line record.
            count = int(np.count_nonzero(is_newline[LEAD:]))
            if count:
                starts = lines_before + 2 + np.arange(count - 1, dtype=np.int64)
                yield _Segments(
                    start_line=np.concatenate(([next_line], starts)),
                    is_blank=np.zeros(count, dtype=bool),
                )
                previous_end = first + buffer.rfind(b"\n", LEAD, LEAD + read) - LEAD
                next_line = lines_before + count + 1
                lines_before += count
        else:
            inside, toggles = quotes.toggles(first, window)
            newlines = np.flatnonzero(is_newline[LEAD:]) + first
            quoted = (inside + np.searchsorted(toggles, newlines)) % 2 == 1
            ending = np.flatnonzero(~quoted)
            ends = newlines[ending]
            fields = None
            if count_fields:
                fields, open_fields = _fields(
                    window, first, separator, inside, toggles, ends, open_fields
                )
            if ends.size:
                starts = np.concatenate(([previous_end + 1], ends[:-1] + 1))
                length = ends - starts
                before_end = window[ends - 1 - first + LEAD]
                is_blank = (length == 0) | ((length == 1) & (before_end == CARRIAGE_RETURN))
                yield _Segments(
                    start_line=np.concatenate(([next_line], lines_before + ending[:-1] + 2)),
                    is_blank=is_blank,
                    fields=fields,
                    bounds=(starts, ends) if count_fields else None,
                    source=source if count_fields else None,
                )
                previous_end = int(ends[-1])
                next_line = lines_before + int(ending[-1]) + 2
            lines_before += newlines.size
        del window, is_newline
        buffer[:LEAD] = buffer[read : read + LEAD]
        first = end
    last = size - previous_end - 1
    if last > 1 or (last == 1 and source[size - 1] != CARRIAGE_RETURN):
        # A last record without a line break: DuckDB reads it all the same.
        yield _Segments(
            start_line=np.array([next_line]),
            is_blank=np.zeros(1, dtype=bool),
            fields=np.array([open_fields]) if count_fields else None,
            bounds=(np.array([previous_end + 1]), np.array([size])) if count_fields else None,
            source=source if count_fields else None,
        )


def _may_hold_blank_lines(
    buffer: bytearray, window: np.ndarray, is_newline: np.ndarray, read: int
) -> bool:
    """Whether a line of the window (or the one it continues) may be empty or a lone CR: two
    line breaks in a row, or a CR right after one. Vectorised: '\\n\\n' is slow to search for
    in bytes where every line has a '\\n'."""
    follows_newline = is_newline[:-1]
    if np.logical_and(follows_newline, is_newline[1:]).any():
        return True
    if buffer.find(b"\r", 0, LEAD + read) < 0:
        return False
    return bool(np.logical_and(follows_newline, window[1:] == CARRIAGE_RETURN).any())


def _fields(
    window: np.ndarray,
    first: int,
    delimiter: int,
    inside: bool,
    toggles: np.ndarray,
    ends: np.ndarray,
    open_fields: int,
) -> tuple[np.ndarray, int]:
    """Fields of the segments ending at ``ends``, and of the one left open after them."""
    delimiters = np.flatnonzero(window[LEAD:] == delimiter) + first
    unquoted = delimiters[(inside + np.searchsorted(toggles, delimiters)) % 2 == 0]
    per_segment = np.bincount(np.searchsorted(ends, unquoted), minlength=ends.size + 1)
    fields = per_segment[: ends.size] + 1
    if ends.size:
        fields[0] += open_fields - 1
        return fields, int(per_segment[ends.size]) + 1
    return fields, open_fields + int(per_segment[0])


def _offsets_of(segments: Iterator[_Segments]) -> list[tuple[int, int]]:
    breakpoints: list[tuple[int, int]] = []
    records = 0  # records seen, the header included (record 0)
    current = 1
    for window in segments:
        lines = window.start_line[~window.is_blank]
        numbers = records + np.arange(lines.size, dtype=np.int64)
        records += lines.size
        offsets = (lines - numbers)[numbers >= 1]
        numbers = numbers[numbers >= 1]
        if not numbers.size:
            continue
        changes = np.flatnonzero(np.diff(offsets, prepend=current) != 0)
        breakpoints += zip(numbers[changes].tolist(), offsets[changes].tolist(), strict=True)
        current = int(offsets[-1])
    return breakpoints
