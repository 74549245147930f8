"""Campaign lists out of the warehouse: files for the marketing tool, and the segment table.

Both read the published file read-only, as any BI tool does. An export replaces its whole
folder at once and describes itself in ``manifest.json`` (see :func:`export_campaigns`).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

FORMATS = ("csv", "parquet")
CONTACT_COLUMNS = (
    "customer_id, contact_priority, channel, offer_code, offer_name, segment, "
    "round(decline_probability, 4) as decline_probability, profit, "
    "round(profit_at_risk, 4) as profit_at_risk, favourite_category, risk_reasons"
)
SITE_COLUMNS = (
    "customer_id, offer_code, offer_name, segment, round(decline_probability, 4) as "
    "decline_probability, profit, favourite_category, risk_reasons"
)


MANIFEST = "manifest.json"
# What an export folder of earlier versions (before the manifest) held: such a folder is ours to
# replace. Any other file in --out makes the export refuse instead of deleting it.
EXPORT_FILE_PATTERN = re.compile(r"(campaign_[0-9A-Za-z_-]+|site_offers)\.(csv|parquet)")
RENAME_EXCHANGE = 2  # renameat2(2): swap two paths in one step (Linux)
AT_FDCWD = -100


class ExportFolderError(Exception):
    """--out is not a folder the export may replace (it holds files oneclick did not write)."""


@dataclass(frozen=True)
class ExportedList:
    """One file written for the marketing tool."""

    path: Path
    rows: int


def export_campaigns(
    warehouse: Path, out_dir: Path, file_format: str = "csv"
) -> list[ExportedList]:
    """Write one file per email/call offer (consenting customers only), one of site offers, and
    ``manifest.json``; replace the whole of ``out_dir`` with them at once.

    The files are written into a new folder beside ``out_dir``, which is then swapped in: the
    files of campaigns that are empty since the last export do not stay behind, and a reader of
    ``out_dir`` sees the previous export or this one, whole, never one being written. A failed
    export leaves ``out_dir`` as it was. Returns the files as they are in ``out_dir``.
    """
    if file_format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {file_format!r}")
    out_dir = Path(out_dir).resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with _export_lock(out_dir):
        _check_replaceable(out_dir)
        for leftover in out_dir.parent.glob(f".{out_dir.name}.new-*"):
            shutil.rmtree(leftover, ignore_errors=True)  # what a killed export left
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.new-", dir=out_dir.parent))
        try:
            # One read-only connection for the lists and the manifest: both describe the same
            # build, even if a new one is published meanwhile.
            connection = duckdb.connect(str(warehouse), read_only=True)
            try:
                written = _write_lists(connection, staging, file_format)
                _write_manifest(connection, staging, written, file_format)
            finally:
                connection.close()
            _sync_folder(staging)
            _swap_in(staging, out_dir)
        finally:
            shutil.rmtree(staging, ignore_errors=True)  # the previous export, or a failed one
    return [ExportedList(path=out_dir / item.path.name, rows=item.rows) for item in written]


def _write_lists(
    connection: duckdb.DuckDBPyConnection, folder: Path, file_format: str
) -> list[ExportedList]:
    offers = [
        code
        for (code,) in connection.execute(
            "select distinct offer_code from marts.campaign_contacts order by offer_code"
        ).fetchall()
    ]
    written = [
        _copy(
            connection,
            f"select {CONTACT_COLUMNS} from marts.campaign_contacts "
            f"where offer_code = {_literal(code)} order by contact_priority",
            folder / f"campaign_{_file_stem(code)}.{file_format}",
            file_format,
        )
        for code in offers
    ]
    written.append(
        _copy(
            connection,
            f"select {SITE_COLUMNS} from marts.site_offers order by offer_code, customer_id",
            folder / f"site_offers.{file_format}",
            file_format,
        )
    )
    return written


def _write_manifest(
    connection: duckdb.DuckDBPyConnection,
    folder: Path,
    written: list[ExportedList],
    file_format: str,
) -> None:
    """manifest.json: the build the lists come from, and each file with its rows and SHA-256."""
    columns = {
        name
        for (name,) in connection.execute(
            "select column_name from duckdb_columns() "
            "where schema_name = 'marts' and table_name = 'build_runs'"
        ).fetchall()
    }
    month = ", cast(export_month as varchar)" if "export_month" in columns else ""
    run = connection.execute(
        f"select run_id, cast(finished_at as varchar){month} from marts.build_runs "
        "order by finished_at desc limit 1"
    ).fetchone()
    manifest: dict[str, object] = {
        "build_run_id": run[0] if run else None,
        "build_finished_at": run[1] if run else None,
    }
    if month:
        manifest["export_month"] = run[2] if run else None
    manifest |= {
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "format": file_format,
        "files": {
            item.path.name: {"rows": item.rows, "sha256": _sha256(item.path)} for item in written
        },
    }
    (folder / MANIFEST).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )


def _sha256(path: Path) -> str:
    """SHA-256 of a written file's bytes, for the manifest."""
    with path.open("rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def _check_replaceable(out_dir: Path) -> None:
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise ExportFolderError(f"{out_dir} is a file, not a folder")
    foreign = sorted(
        entry.name
        for entry in out_dir.iterdir()
        if entry.name != MANIFEST and not EXPORT_FILE_PATTERN.fullmatch(entry.name)
    )
    if foreign:
        shown = ", ".join(foreign[:5]) + (" …" if len(foreign) > 5 else "")
        raise ExportFolderError(
            f"{out_dir} holds files oneclick export did not write ({shown}); an export "
            "replaces its whole folder, so give --out a new or empty folder, or the folder of "
            "an earlier export"
        )


@contextlib.contextmanager
def _export_lock(out_dir: Path) -> Iterator[None]:
    """One export into a folder at a time (a second one waits)."""
    with (out_dir.parent / f".{out_dir.name}.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _sync_folder(folder: Path) -> None:
    """Put the files and the folder on disk before the swap makes them the export."""
    for path in folder.iterdir():
        with path.open("rb") as handle:
            os.fsync(handle.fileno())
    _sync_directory(folder)


def _sync_directory(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _swap_in(new: Path, out_dir: Path) -> None:
    """Make ``new`` the folder at ``out_dir``; the previous export ends up at ``new``.

    Linux swaps the two in one step (renameat2 with RENAME_EXCHANGE): ``out_dir`` is always a
    whole export. Where that is not available, the previous folder is moved aside and the new
    one renamed in its place: for that instant ``out_dir`` is missing, but never half-written.
    """
    if out_dir.exists():
        if not _exchange(new, out_dir):
            aside = new.with_name(new.name + "-previous")
            os.rename(out_dir, aside)
            os.rename(new, out_dir)
            os.rename(aside, new)
    else:
        os.rename(new, out_dir)
    _sync_directory(out_dir.parent)


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths atomically; False where the system cannot (not Linux, old kernel or libc,
    a file system without it)."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    result = renameat2(AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second), RENAME_EXCHANGE)
    if result == 0:
        return True
    error = ctypes.get_errno()
    if error in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(error, os.strerror(error), str(second))


def segment_table(warehouse: Path) -> list[dict]:
    """The segments as rows, the most urgent first (from marts.segment_summary)."""
    connection = duckdb.connect(str(warehouse), read_only=True)
    try:
        cursor = connection.execute(
            """
            select
                summary.segment,
                summary.customers,
                summary.mean_decline_probability,
                summary.profit_at_risk,
                summary.total_profit,
                summary.share_with_consent,
                summary.top_offers,
                summary.top_categories
            from marts.segment_summary as summary
            order by summary.segment_rank
            """
        )
        columns = [description[0] for description in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    finally:
        connection.close()


def segment_markdown(warehouse: Path) -> str:
    """The segment table as Markdown, for the README and for a manager's message: the numbers
    exactly as marts.segment_summary rounds them (shown with fewer digits they would be rounded
    twice)."""
    lines = [
        "| segment | customers | mean risk | profit at risk | total profit | consent | offers "
        "(customers) |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for row in segment_table(warehouse):
        lines.append(
            f"| `{row['segment']}` | {row['customers']:,} | {row['mean_decline_probability']:.3f} "
            f"| {row['profit_at_risk']:,.2f} | {row['total_profit']:,.2f} "
            f"| {row['share_with_consent']:.1%} | {row['top_offers']} |"
        )
    return "\n".join(lines)


def _copy(
    connection: duckdb.DuckDBPyConnection, sql: str, path: Path, file_format: str
) -> ExportedList:
    options = "format csv, header true" if file_format == "csv" else "format parquet"
    # COPY answers with the number of rows it wrote.
    (rows,) = connection.execute(f"copy ({sql}) to {_literal(str(path))} ({options})").fetchone()
    return ExportedList(path=path, rows=rows)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _file_stem(offer_code: str) -> str:
    return re.sub(r"[^0-9A-Za-z_-]+", "_", offer_code).strip("_") or "offer"
