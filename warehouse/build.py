"""``oneclick build``: raw exports in, a tested and published DuckDB warehouse out.

Steps: check the raw folder (:mod:`warehouse.raw_files`); run ``dbt build`` (every model, seed,
data test and unit test) into a candidate file in the build's own folder; if anything fails,
explain it in the export's words and leave the published file as it was; else rename the
candidate over the published file (:mod:`warehouse.publish`).
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from warehouse.dbt_runner import DbtRun, Progress, run_dbt
from warehouse.failures import explain_failures
from warehouse.history import carry_over_history
from warehouse.paths import models_dir, work_dir
from warehouse.publish import build_lock, new_build_folder, publish, remove_abandoned_builds
from warehouse.raw_files import RawExports, inspect_raw_folder, readable_folder


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
    exports: RawExports
    dbt: DbtRun
    elapsed_seconds: float


def build_warehouse(
    raw_folder: Path,
    warehouse: Path,
    *,
    model_path: Path | None = None,
    progress: Progress = print,
    threads: int | None = None,
    dbt_vars: dict[str, object] | None = None,
) -> BuildResult:
    """Build the warehouse for the exports in ``raw_folder`` and publish it at ``warehouse``.

    With ``model_path`` the saved model there scores the customers instead of a new training;
    ``dbt_vars`` override the project's vars (thresholds, sample size).
    Raises :class:`~warehouse.raw_files.RawDataError` when the exports cannot be read and
    :class:`BuildFailedError` when a model or a test fails; in both cases ``warehouse`` is left
    byte for byte as it was.
    """
    started = time.monotonic()
    started_at = datetime.now(UTC)
    warehouse = Path(warehouse).resolve()
    raw_folder = Path(raw_folder).resolve()
    if model_path is not None:
        model_path = Path(model_path).resolve()
        if not model_path.is_file():
            raise BuildFailedError([f"--model {model_path}: no such file"])

    progress(f"[1/3] checking the raw exports in {raw_folder}")
    exports = inspect_raw_folder(raw_folder)
    for raw in exports.files:
        progress(f"  {raw.spec.file_name:<17} {_size(raw.size_bytes):>9}  {raw.dialect}")
    for warning in exports.warnings:
        progress(f"  warning: {warning}")

    run_id = started_at.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    work = work_dir(warehouse)
    with build_lock(work):
        remove_abandoned_builds(work)
        build_folder = new_build_folder(work)
        candidate = build_folder / warehouse.name
        try:
            history = carry_over_history(warehouse, build_folder / "history", progress)
            progress(f"[2/3] dbt build into a candidate file (run {run_id})")
            # dbt keeps its parse of the project (partial parsing) only while the --vars and the
            # profile (the candidate's path) stay the same: the paths below are the same on every
            # build of this warehouse, and what changes per build goes in an environment
            # variable that only the run-log hook reads, at execution time.
            run = run_dbt(
                ["build"],
                warehouse_path=candidate,
                dbt_vars={
                    **(dbt_vars or {}),
                    "raw_dir": str(readable_folder(exports, build_folder)),
                    "history_dir": str(history),
                    "model_dir": str(models_dir(warehouse)),
                    "model_path": str(model_path) if model_path else "",
                },
                target_path=work / "dbt-target",
                log_path=build_folder / "logs",
                progress=progress,
                threads=threads,
                extra_env={"ONECLICK_BUILD_RUN": _build_run(exports, run_id, started_at)},
            )
            if not run.succeeded:
                lines = explain_failures(run, candidate)
                _keep_logs(build_folder, work / "last-failed-build")
                raise BuildFailedError(lines)
            progress(f"[3/3] all {_count_checks(run)} checks passed; publishing {warehouse}")
            publish(candidate, warehouse)
            _keep_logs(build_folder, work / "last-build")
        finally:
            # Whatever ended the build (a failure, Ctrl-C, SIGTERM), no candidate stays behind.
            shutil.rmtree(build_folder, ignore_errors=True)
    return BuildResult(
        warehouse=warehouse,
        run_id=run_id,
        exports=exports,
        dbt=run,
        elapsed_seconds=time.monotonic() - started,
    )


def _build_run(exports: RawExports, run_id: str, started_at: datetime) -> str:
    """This build's row of marts.build_runs as the hook record_build_run reads it (JSON)."""
    return json.dumps(
        {
            "run_id": run_id,
            "started_at": started_at.isoformat(timespec="seconds"),
            "raw_folder": str(exports.folder),
            "files": {
                raw.spec.file_name: {
                    "sha256": raw.sha256,
                    "bytes": raw.size_bytes,
                    "dialect": raw.dialect,
                }
                for raw in exports.files
            },
            "pid": os.getpid(),
        },
        ensure_ascii=False,
    )


def _keep_logs(build_folder: Path, destination: Path) -> None:
    """Keep the build's dbt log beside the warehouse, for reading after the build folder is gone."""
    shutil.rmtree(destination, ignore_errors=True)
    destination.mkdir(parents=True)
    logs = build_folder / "logs"
    if logs.exists():
        shutil.copytree(logs, destination / "logs")


def _count_checks(run: DbtRun) -> int:
    return sum(result.resource_type in {"test", "unit_test"} for result in run.results)


def _size(size_bytes: int) -> str:
    size = float(size_bytes)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"
