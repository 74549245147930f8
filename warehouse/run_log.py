"""The build's own facts that dbt's run log records: handed from ``oneclick build`` to dbt as the
JSON of the environment variable ONECLICK_BUILD_RUN.

Not a dbt var: they change on every build, and a changed var makes dbt parse the whole project
again; macros read the environment variable at execution time only (``build_run_id`` in
``macros/run_log/export_month.sql``, ``record_build_run`` in ``macros/run_log/build_runs.sql``,
whose comment lists these keys; a test holds the two to each other).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime

from warehouse.raw_files import RawExports

ENVIRONMENT_VARIABLE = "ONECLICK_BUILD_RUN"


@dataclass(frozen=True)
class ExportFingerprint:
    """One export file as the build read it: marts.build_runs.export_fingerprints."""

    sha256: str
    bytes: int
    dialect: str


@dataclass(frozen=True)
class BuildRunRecord:
    """What ONECLICK_BUILD_RUN holds."""

    run_id: str  # `<UTC start>-<random>`, as the build prints it
    started_at: str  # ISO 8601, UTC, to the second
    raw_folder: str  # the folder the exports were read from
    files: dict[str, ExportFingerprint]  # per export file name

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)


def build_run_record(exports: RawExports, run_id: str, started_at: datetime) -> BuildRunRecord:
    """This build's record, from the raw-file checks' results."""
    return BuildRunRecord(
        run_id=run_id,
        started_at=started_at.isoformat(timespec="seconds"),
        raw_folder=str(exports.folder),
        files={
            raw.spec.file_name: ExportFingerprint(
                sha256=raw.sha256, bytes=raw.size_bytes, dialect=raw.dialect
            )
            for raw in exports.files
        },
    )
