"""``oneclick build``: raw exports in, a tested and published DuckDB warehouse out.

Steps: check the raw folder (:mod:`warehouse.raw_files`); run ``dbt build`` (every model, seed,
data test and unit test) into a candidate file in the build's own folder; if anything fails,
explain it in the export's words and leave the published file as it was; else rename the
candidate over the published file (:mod:`warehouse.publish`).
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from warehouse.dbt_runner import DbtRun, Progress, run_dbt
from warehouse.errors import EnvironmentFault, os_error_cause
from warehouse.failures import (
    COLUMN_CHECKS_TEST,
    ENVIRONMENT_MESSAGES,
    environment_fault_in,
    explain_failures,
)
from warehouse.months import export_month as month_of_exports
from warehouse.parse_cache import parse_cache_dir
from warehouse.paths import trained_models_dir, work_dir
from warehouse.publish import build_lock, new_build_folder, publish, remove_abandoned_builds
from warehouse.raw_files import RawExports, inspect_raw_folder, readable_folder
from warehouse.run_log import ENVIRONMENT_VARIABLE, build_run_record
from warehouse.settings import checked_overrides


class BuildFailedError(Exception):
    """The build did not pass; the published warehouse is unchanged. ``lines`` say why."""

    def __init__(self, lines: list[str]):
        super().__init__("\n".join(lines))
        self.lines = lines


@dataclass(frozen=True)
class BuildResult:
    """A published build."""

    warehouse: Path
    run_id: str
    export_month: str
    exports: RawExports
    dbt: DbtRun
    elapsed_seconds: float


def build_warehouse(
    raw_folder: Path,
    warehouse: Path,
    *,
    month: str | None = None,
    model_path: Path | None = None,
    progress: Progress = print,
    threads: int | None = None,
    dbt_vars: dict[str, object] | None = None,
    accept_drops: bool = False,
) -> BuildResult:
    """Build the warehouse for the exports in ``raw_folder`` and publish it at ``warehouse``.

    ``month`` (``YYYY-MM``) is the month the exports are of; by default the raw folder's name
    when it is one (see :func:`warehouse.months.export_month`). With ``model_path`` the saved
    model there scores the customers instead of a new training; ``dbt_vars`` override the
    project's settings (thresholds, sample size), checked first. ``accept_drops`` publishes a
    build that the audit finds has fallen sharply against the published warehouse.
    Raises :class:`~warehouse.raw_files.RawDataError` when the exports cannot be read,
    :class:`BuildFailedError` when a model or a test fails, :class:`~warehouse.months.MonthError`
    or :class:`~warehouse.settings.SettingsError` for a month or setting it cannot take, and
    :class:`~warehouse.errors.EnvironmentFault` when the machine stops it; in every case
    ``warehouse`` is left byte for byte as it was.
    """
    started = time.monotonic()
    started_at = datetime.now(UTC)
    log: list[str] = []
    progress = _logged(progress, log)
    warehouse = Path(warehouse).resolve()
    raw_folder = Path(raw_folder).resolve()
    export_month = month_of_exports(raw_folder, month)
    settings = checked_overrides(dict(dbt_vars or {}))
    if accept_drops:
        settings["audit_accept_drops"] = True
    if model_path is not None:
        model_path = Path(model_path).resolve()
        if not model_path.is_file():
            raise BuildFailedError([f"--model {model_path}: no such file"])

    progress(f"[1/3] checking the raw exports of {export_month} in {raw_folder}")
    exports = inspect_raw_folder(raw_folder)
    for raw in exports.files:
        progress(f"  {raw.spec.file_name:<17} {_size(raw.size_bytes):>9}  {raw.dialect}")
    for warning in exports.warnings:
        progress(f"  warning: {warning}")

    run_id = started_at.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    work = work_dir(warehouse)
    try:
        with build_lock(work):
            remove_abandoned_builds(work)
            build_folder = new_build_folder(work)
            progress(f"[2/3] dbt build into a candidate file (run {run_id})")
            try:
                run = _build_and_publish(
                    exports,
                    warehouse,
                    build_folder,
                    # Paths relative to the build folder, where dbt runs: the same for every
                    # warehouse, so a parse of the project fits them all (run_dbt).
                    dbt_vars={
                        **settings,
                        "raw_dir": os.path.relpath(
                            readable_folder(exports, build_folder), build_folder
                        ),
                        "trained_model_dir": os.path.relpath(
                            trained_models_dir(warehouse), build_folder
                        ),
                        "model_path": str(model_path) if model_path else "",
                    },
                    build_env={
                        ENVIRONMENT_VARIABLE: build_run_record(
                            exports, run_id, started_at
                        ).to_json(),
                        "ONECLICK_EXPORT_MONTH": export_month,
                    },
                    log=log,
                    progress=progress,
                    threads=threads,
                )
            finally:
                # Whatever ended the build (a failure, Ctrl-C, SIGTERM), no candidate stays behind.
                shutil.rmtree(build_folder, ignore_errors=True)
    except OSError as error:
        # The machine, not the data: a folder oneclick may not write, a full disk.
        raise EnvironmentFault.from_os_error("write", error) from error
    return BuildResult(
        warehouse=warehouse,
        run_id=run_id,
        export_month=export_month,
        exports=exports,
        dbt=run,
        elapsed_seconds=time.monotonic() - started,
    )


def _build_and_publish(
    exports: RawExports,
    warehouse: Path,
    build_folder: Path,
    *,
    dbt_vars: dict[str, object],
    build_env: dict[str, str],
    log: list[str],
    progress: Progress,
    threads: int | None,
) -> DbtRun:
    """dbt build into a candidate file in ``build_folder``; publish it only if all passed.

    dbt keeps its parse of the project (partial parsing) only while the --vars and the profile
    (the candidate's path) stay the same: the paths are the same on every build of a warehouse,
    and what changes per build (the run, the month) goes in environment variables that macros
    read at execution time only.
    """
    work = work_dir(warehouse)
    candidate = build_folder / warehouse.name
    run = run_dbt(
        ["build"],
        warehouse_path=candidate,
        published_path=warehouse,
        dbt_vars=dbt_vars,
        target_path=work / "dbt-target",
        log_path=build_folder / "logs",
        progress=progress,
        threads=threads,
        extra_env=build_env,
        working_dir=build_folder,
        parse_cache=parse_cache_dir(),
    )
    if not run.succeeded:
        fault = environment_fault_in(run, candidate)
        lines = [str(fault)] if fault is not None else explain_failures(run, candidate, warehouse)
        for line in ["the build failed:", *lines]:
            log.append(line)
        _keep_logs(build_folder, work / "last-failed-build", log, progress)
        if fault is not None:
            raise fault
        raise BuildFailedError(lines)
    month = build_env["ONECLICK_EXPORT_MONTH"]
    for line in audit_summary(candidate) + drift_summary(candidate, month):
        progress(line)
    progress(f"[3/3] all {_checks_passed(run)} passed; publishing {warehouse}")
    publish(candidate, warehouse)
    _keep_logs(build_folder, work / "last-build", log, progress)
    return run


def audit_summary(candidate: Path) -> list[str]:
    """The audit's decision and counts (marts.publish_audit of the candidate), as lines."""
    connection = duckdb.connect(str(candidate), read_only=True)
    try:
        rows = connection.execute(
            "select measure, published_value, this_build_value, relative_change, is_sharp_drop, "
            "published_run_id from marts.publish_audit"
        ).fetchall()
    finally:
        connection.close()
    if all(published is None for _, published, *_rest in rows):
        return ["  audit: nothing published yet to compare with (first build)"]
    dropped = any(row[4] for row in rows)
    decision = "sharp fall accepted (--accept-drop)" if dropped else "passed"
    lines = [f"  audit {decision}, against the published build {rows[0][5]}:"]
    for measure, published, this_build, change, _drop, _run in rows:
        shown_change = "" if change is None else f", {change:+.1%}"
        shown_published = "none" if published is None else f"{published:,}"
        lines.append(
            f"    {measure:<26} {this_build:>12,} (published {shown_published}{shown_change})"
        )
    return lines


def _logged(progress: Progress, log: list[str]) -> Progress:
    """``progress`` that also keeps every line in ``log``, for the build's log file."""

    def say(line: str) -> None:
        log.append(line)
        progress(line)

    return say


def drift_summary(candidate: Path, export_month: str) -> list[str]:
    """The features of ``export_month`` (YYYY-MM) that drifted away from the model's training
    data (marts.feature_drift of the candidate), as lines: a warning, never a refusal."""
    connection = duckdb.connect(str(candidate), read_only=True)
    try:
        rows = connection.execute(
            "select feature, psi, status, most_moved_bin, reference_share, current_share "
            "from marts.feature_drift where strftime(export_month, '%Y-%m') = ? "
            "and status != 'stable' order by psi desc",
            [export_month],
        ).fetchall()
    finally:
        connection.close()
    lines = []
    for feature, psi, status, moved, reference, current in rows:
        if status == "shifted":
            lines.append(
                f"  warning: {feature} has shifted from the model's training data (PSI "
                f"{psi:.2f}; {moved}: {reference:.0%} then, {current:.0%} now)"
            )
        else:
            lines.append(f"  drift to watch: {feature} (PSI {psi:.2f})")
    return lines


def _keep_logs(build_folder: Path, destination: Path, log: list[str], progress: Progress) -> None:
    """Keep the build's logs beside the warehouse, for reading after the build folder is gone:
    what oneclick printed (``oneclick.log``, with why a failed build failed) and dbt's log.

    Best effort: a log that cannot be kept (a full disk) is worth a warning, never worth hiding
    what the build itself found."""
    shutil.rmtree(destination, ignore_errors=True)
    logs = build_folder / "logs"
    try:
        destination.mkdir(parents=True)
        (destination / "oneclick.log").write_text("\n".join(log) + "\n", encoding="utf-8")
        if logs.exists():
            shutil.copytree(logs, destination / "logs")
    except (OSError, shutil.Error) as error:
        shutil.rmtree(destination, ignore_errors=True)
        progress(f"  warning: the build's log was not kept in {destination}: {_cause(error)}")


def _cause(error: OSError | shutil.Error) -> str:
    """Why a copy failed, in a few words (shutil.Error gathers the OSErrors of many files)."""
    if isinstance(error, OSError) and error.errno:
        return os_error_cause(error)
    text = str(error)
    for marker, cause in ENVIRONMENT_MESSAGES.items():
        if marker in text:
            return cause
    return (text.splitlines() or [type(error).__name__])[0]


def _checks_passed(run: DbtRun) -> str:
    """The data and unit tests that passed (a column_checks test counts each of its checks),
    and the constraints of the contract-enforced models built: DuckDB checked those on every
    row as it wrote the tables, with no test node."""
    nodes = run.manifest().get("nodes", {})
    tests = sum(
        checks_in_test(nodes.get(result.unique_id, {}))
        for result in run.results
        if result.resource_type in {"test", "unit_test"}
    )
    constraints = sum(
        len(column.get("constraints") or [])
        for result in run.results
        if result.resource_type == "model"
        for column in (nodes.get(result.unique_id, {}).get("columns") or {}).values()
    )
    return f"{tests} checks and {constraints} column constraints"


def checks_in_test(node: dict) -> int:
    """How many checks a test node makes: those a column_checks test lists (its key, each
    column of its lists and mappings), else one."""
    metadata = node.get("test_metadata") or {}
    if metadata.get("name") != COLUMN_CHECKS_TEST:
        return 1
    arguments = metadata.get("kwargs") or {}
    keys = sum(arguments.get(key) is not None for key in ("primary_key", "unique_combination"))
    listed = ("unique", "not_null", "accepted_values", "values_between")
    return keys + sum(len(arguments.get(name) or ()) for name in listed)


def _size(size_bytes: int) -> str:
    size = float(size_bytes)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"
