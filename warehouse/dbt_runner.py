"""Runs dbt as a child process on the project-local profile and reports its progress.

dbt runs in its own process so that a build can be stopped at any moment without leaving a
connection open on the candidate file, and so that its memory is returned when it ends. The child
(:mod:`warehouse.dbt_child`) writes the events read here as dbt's JSON log would, and they are
turned into one progress line per model and a line per failing test; ``run_results.json`` and
``manifest.json`` say afterwards what ran and how long.
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from warehouse.dbt_child import RESULT_EVENTS, START_EVENT
from warehouse.parse_cache import keep_parse, parse_cache_entry, reuse_parse
from warehouse.paths import DBT_PROJECT_ENV, dbt_project_dir

Progress = Callable[[str], None]

# A Python model's own progress lines (the model step prints them as it trains:
# dbt_project/models/ml_training/ml_model_registration.py).
PROGRESS_PREFIX = "oneclick-progress:"
# A clause of a description that a start line shows: up to the first colon, full stop or dash.
CLAUSE_END = re.compile(r":\s|\.\s|\.$| — ")


@dataclass(frozen=True)
class NodeResult:
    """One node of a dbt run: a model, seed, data test or unit test."""

    unique_id: str
    status: str
    execution_time: float
    message: str | None
    failures: int | None
    relation_name: str | None
    compiled_code: str | None

    @property
    def resource_type(self) -> str:
        return self.unique_id.split(".", 1)[0]

    @property
    def name(self) -> str:
        return self.unique_id.split(".")[2]

    @property
    def failed(self) -> bool:
        return self.status in {"error", "fail", "runtime error"}


@dataclass
class DbtRun:
    """What a dbt invocation did."""

    command: list[str]
    return_code: int
    elapsed_seconds: float
    target_path: Path
    # The folder dbt ran in: relative paths in its results (an export's read_csv) start here.
    working_dir: Path
    results: list[NodeResult] = field(default_factory=list)
    error_messages: list[str] = field(default_factory=list)
    _python_models: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def succeeded(self) -> bool:
        return self.return_code == 0

    def manifest(self) -> dict:
        path = self.target_path / "manifest.json"
        return json.loads(path.read_text()) if path.exists() else {}

    def python_models(self) -> dict[str, str]:
        """{unique_id: description} of the project's Python models, from the manifest dbt
        writes after parsing, before the first node runs (read once)."""
        if not self._python_models:
            self._python_models.update(python_model_descriptions(self.manifest()))
        return self._python_models


def python_model_descriptions(manifest: Mapping[str, object]) -> dict[str, str]:
    """{unique_id: description} of every Python model in a dbt manifest."""
    nodes = manifest.get("nodes", {})
    return {
        unique_id: " ".join(str(node.get("description") or "").split())
        for unique_id, node in nodes.items()
        if node.get("resource_type") == "model" and node.get("language") == "python"
    }


def short_description(description: str, width: int = 80) -> str:
    """The first clause of a model's description, without asides in brackets, at most
    ``width`` characters: what a start line says the model does."""
    text = re.sub(r"\s*\([^()]*\)", "", description).strip()
    text = CLAUSE_END.split(text, maxsplit=1)[0].strip()
    if len(text) > width:
        text = text[: width - 1].rsplit(" ", 1)[0].rstrip(",;") + "…"
    return text


def dbt_child() -> list[str]:
    """The command that runs dbt for a build: :mod:`warehouse.dbt_child` in the interpreter
    running oneclick (its venv's dbt), followed by dbt's arguments."""
    return [sys.executable, "-m", "warehouse.dbt_child"]


def dbt_executable() -> list[str]:
    """The dbt of the interpreter running oneclick (its venv), whatever PATH says."""
    beside_python = Path(sys.executable).parent / "dbt"
    if beside_python.exists():
        return [str(beside_python)]
    found = shutil.which("dbt")
    if found:
        return [found]
    return [sys.executable, "-m", "dbt.cli.main"]


def run_dbt(
    command: Sequence[str],
    *,
    warehouse_path: Path,
    published_path: Path,
    dbt_vars: Mapping[str, object],
    target_path: Path,
    log_path: Path,
    progress: Progress,
    threads: int | None = None,
    extra_env: Mapping[str, str] | None = None,
    working_dir: Path | None = None,
    parse_cache: Path | None = None,
) -> DbtRun:
    """Run ``dbt <command>`` against the DuckDB file at ``warehouse_path`` (the profile's
    ``candidate`` target), with the published warehouse at ``published_path`` attached read-only
    as the catalog ``published`` (absent before the first build).

    dbt runs in ``working_dir`` (by default the project's folder) and is given both files'
    paths relative to it: with the paths in ``dbt_vars`` relative too, every warehouse laid out
    alike gives dbt the same profile and vars, so a parse of the project from one fits another
    (see :mod:`warehouse.parse_cache`, used when ``parse_cache`` names a folder)."""
    project_dir = dbt_project_dir()
    working_dir = working_dir or project_dir
    arguments = [
        *dbt_child(),
        "--no-use-colors",
        "--no-send-anonymous-usage-stats",
        *command,
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(project_dir),
        "--target",
        "candidate",
        "--target-path",
        str(target_path),
        "--log-path",
        str(log_path),
        "--vars",
        json.dumps(dict(dbt_vars), ensure_ascii=False),
    ]
    env = {
        **os.environ,
        "ONECLICK_WAREHOUSE_PATH": os.path.relpath(warehouse_path, working_dir),
        "ONECLICK_PUBLISHED_WAREHOUSE": os.path.relpath(published_path, working_dir),
        "ONECLICK_THREADS": str(threads or _threads_from_environment() or os.cpu_count() or 1),
        "DBT_PARTIAL_PARSE": "true",
        # The Python models read the declaration of the exports from the project dbt runs.
        DBT_PROJECT_ENV: str(project_dir),
        **(extra_env or {}),
    }
    (target_path / "run_results.json").unlink(missing_ok=True)
    cached_parse = parse_cache_entry(parse_cache, dbt_vars, env) if parse_cache else None
    if cached_parse is not None:
        reuse_parse(cached_parse, target_path)
    started = time.monotonic()
    run = DbtRun(
        command=list(command),
        return_code=-1,
        elapsed_seconds=0.0,
        target_path=target_path,
        working_dir=working_dir,
    )
    with subprocess.Popen(
        arguments,
        cwd=working_dir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        errors="replace",
        preexec_fn=_die_with_parent,
    ) as process:
        assert process.stdout is not None
        try:
            for line in process.stdout:
                _report_event(line, run, progress)
            run.return_code = process.wait()
        except BaseException:
            # Interrupted (Ctrl-C, SIGTERM): stop dbt before the candidate is cleaned up.
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
            raise
    run.elapsed_seconds = time.monotonic() - started
    run.results = _read_run_results(target_path)
    if cached_parse is not None and run.succeeded:
        keep_parse(target_path, cached_parse)
    return run


def _threads_from_environment() -> int | None:
    """$ONECLICK_THREADS when it is a positive whole number (a scheduler may set it)."""
    text = os.environ.get("ONECLICK_THREADS", "").strip()
    return int(text) if text.isdigit() and int(text) > 0 else None


def _die_with_parent() -> None:
    """In the dbt child: be terminated when oneclick dies, even by SIGKILL (Linux prctl)."""
    if sys.platform.startswith("linux"):
        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _report_event(line: str, run: DbtRun, progress: Progress) -> None:
    if line.startswith(PROGRESS_PREFIX):
        progress(f"        {line[len(PROGRESS_PREFIX) :].strip()}")
        return
    try:
        event = json.loads(line)
    except json.JSONDecodeError:
        if line.strip():
            run.error_messages.append(line.rstrip())
        return
    info = event.get("info", {})
    data = event.get("data", {})
    name = info.get("name")
    if info.get("level") == "error" and info.get("msg"):
        run.error_messages.append(info["msg"])
    node = data.get("node_info") or {}
    unique_id = node.get("unique_id", "")
    if (
        name == START_EVENT
        and unique_id.startswith("model.")
        and str(node.get("node_path", "")).endswith(".py")
    ):
        # A Python model runs long without a word from dbt: say what it does as it starts.
        schema = node.get("node_relation", {}).get("schema", "")
        label = f"{schema}.{node.get('node_name', '')}".strip(".")
        said = short_description(run.python_models().get(unique_id, ""))
        progress(
            f"  [{data.get('index', '?'):>3}/{data.get('total', '?')}] python {label}"
            + (f": {said}" if said else "")
            + " ..."
        )
    if name not in RESULT_EVENTS:
        return
    status = str(data.get("status") or node.get("node_status") or "").lower()
    seconds = float(data.get("execution_time") or 0.0)
    index, total = data.get("index", "?"), data.get("total", "?")
    kind = unique_id.split(".", 1)[0]
    label = f"{node.get('node_relation', {}).get('schema', '')}.{node.get('node_name', '')}"
    if kind in {"model", "seed"}:
        progress(
            f"  [{index:>3}/{total}] {kind:<5} {label.strip('.'):<52} {status:<6} {seconds:5.2f}s"
        )
    elif status not in {"pass", "success"}:
        what = "unit test" if kind == "unit_test" else "test"
        progress(
            f"  [{index:>3}/{total}] {what} {node.get('node_name', unique_id)}: {status.upper()}"
        )


def _read_run_results(target_path: Path) -> list[NodeResult]:
    path = target_path / "run_results.json"
    if not path.exists():
        return []
    payload = json.loads(path.read_text())
    return [
        NodeResult(
            unique_id=result["unique_id"],
            status=str(result.get("status", "")).lower(),
            execution_time=float(result.get("execution_time") or 0.0),
            message=result.get("message"),
            failures=result.get("failures"),
            relation_name=result.get("relation_name"),
            compiled_code=result.get("compiled_code"),
        )
        for result in payload.get("results", [])
    ]
