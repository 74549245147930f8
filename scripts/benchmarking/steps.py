"""dbt's run_results.json and manifest.json, split into the benchmark's steps and phases.

A node's step is derived from the folder it lives in (``original_file_path`` in dbt's
manifest.json) and its kind, so a new model lands in the right step without editing this file
(the folders are named once, in FOLDER_STEPS and HISTORY_FOLDERS):

    models/staging/…                      load+stage
    models/intermediate/…, models/marts/… features  (everything not matched below)
    models/ml_training/…, or ml_/train   model train
    models/marts/model_results/…          scoring   (customer_scores and the model's tables)
    models/marts/segments/…, seeds        segments
    build_runs, on-run-end hooks          run log
    data tests, unit tests                tests

History (what a later month adds to) is counted apart, across steps: the published warehouse's
staging, the history and monitoring marts, and the models that carry rows from build to build.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scripts.benchmarking.process import BuildRun, TreeMemory

STEPS = ("load+stage", "features", "model train", "scoring", "segments", "tests", "run log")
DATA_STEPS = ("load+stage", "features")
# Folders of the dbt project and their step, the first that matches wins.
FOLDER_STEPS = {
    "models/staging/": "load+stage",
    "models/ml_training/": "model train",
    "models/marts/model_results/": "scoring",
    "models/marts/segments/": "segments",
}
RUN_LOG_MODELS = {"build_runs"}
# Nodes that keep or read the months' history: by folder, and the models elsewhere that carry
# their rows from the published warehouse to the next.
HISTORY_FOLDERS = (
    "models/staging/published/",
    "models/marts/history/",
    "models/marts/monitoring/",
)
HISTORY_MODELS = {"build_runs", "model_registry", "campaign_assignments"}
# What happens outside dbt's nodes, in order, between the marks `oneclick build` prints.
PHASES = (
    "oneclick start-up",  # interpreter and imports, until "[1/3]"
    "raw-file checks",  # "[1/3]" → "[2/3]": SHA-256 and dialect of every file
    "dbt start-up and parse",  # "[2/3]" → dbt's first node starts
    "dbt nodes",  # first node starts → last node (on-run-end hooks included) ends
    "dbt wrap-up",  # last node ends → "[3/3]": artifacts written, dbt exits, results read
    "publish and summary",  # "[3/3]" → exit: rename, the summary of tables
)


def step_of(unique_id: str, path: str) -> str:
    """The benchmark step of a dbt node, from its unique_id and its file in the project."""
    kind, name = unique_id.split(".")[0], unique_id.split(".")[-1]
    path = _project_path(path)
    if kind in {"test", "unit_test"}:
        return "tests"
    if kind == "operation" or name in RUN_LOG_MODELS:
        return "run log"
    if kind == "seed":
        return "segments"
    for folder, step in FOLDER_STEPS.items():
        if path.startswith(folder):
            return step
    if name.startswith("ml_") or "train" in name:
        return "model train"
    return "features"


def is_history(unique_id: str, path: str) -> bool:
    """Whether a dbt node keeps or reads the history of the months (what a later month adds
    to), from its folder or its name."""
    kind, name = unique_id.split(".")[0], unique_id.split(".")[-1]
    path = _project_path(path)
    return kind == "model" and (
        name in HISTORY_MODELS or any(path.startswith(folder) for folder in HISTORY_FOLDERS)
    )


def _project_path(path: str) -> str:
    return path.replace("\\", "/").removeprefix("./")


@dataclass
class Node:
    unique_id: str
    step: str
    seconds: float  # dbt's execution_time
    spans: list[tuple[float, float]]  # epoch seconds: compile and execute
    history: bool = False  # keeps or reads the months' history (is_history)


def read_nodes(target: Path) -> list[Node]:
    """The nodes of the last dbt invocation in ``target``, each with its step and times."""
    results = json.loads((target / "run_results.json").read_text())
    manifest = json.loads((target / "manifest.json").read_text())
    files = {
        unique_id: node.get("original_file_path", "")
        for section in ("nodes", "unit_tests")
        for unique_id, node in manifest.get(section, {}).items()
    }
    nodes = []
    for result in results["results"]:
        unique_id = result["unique_id"]
        spans = [
            (_epoch(timing["started_at"]), _epoch(timing["completed_at"]))
            for timing in result.get("timing", [])
            if timing.get("started_at") and timing.get("completed_at")
        ]
        nodes.append(
            Node(
                unique_id=unique_id,
                step=step_of(unique_id, files.get(unique_id, "")),
                seconds=float(result.get("execution_time") or 0.0),
                spans=spans,
                history=is_history(unique_id, files.get(unique_id, "")),
            )
        )
    return nodes


def _epoch(stamp: str) -> float:
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def union_length(spans: Iterable[tuple[float, float]]) -> float:
    """Seconds covered by at least one of the intervals."""
    total, current_end = 0.0, float("-inf")
    for begin, end in sorted(spans):
        if begin > current_end:
            total += end - begin
            current_end = end
        elif end > current_end:
            total += end - current_end
            current_end = end
    return total


def step_times(nodes: list[Node], memory: TreeMemory | None = None) -> dict[str, dict]:
    """Per step: wall seconds (the union of its nodes' intervals: dbt runs nodes on several
    threads), summed node seconds, node count, and the peak memory while it ran."""
    steps = {}
    for step in STEPS:
        mine = [node for node in nodes if node.step == step]
        spans = [span for node in mine for span in node.spans]
        steps[step] = {
            "wall_seconds": union_length(spans),
            "summed_seconds": sum(node.seconds for node in mine),
            "nodes": len(mine),
            "peak_gib": (memory.peak_between(spans) / 2**30) if memory and spans else 0.0,
        }
    return steps


def history_times(nodes: list[Node]) -> dict[str, float]:
    """The history nodes' wall seconds (union of their intervals), summed seconds and count."""
    mine = [node for node in nodes if node.history]
    return {
        "wall_seconds": union_length(span for node in mine for span in node.spans),
        "summed_seconds": sum(node.seconds for node in mine),
        "nodes": len(mine),
    }


def phase_times(run: BuildRun, nodes: list[Node]) -> dict[str, float]:
    """Seconds of each phase of PHASES (they add up to the end-to-end time)."""
    spans = [span for node in nodes for span in node.spans]
    first = min((b for b, _e in spans), default=run.marks.get("[2/3]", run.started_at))
    last = max((e for _b, e in spans), default=first)
    moments = [
        run.started_at,
        run.marks.get("[1/3]", run.started_at),
        run.marks.get("[2/3]", first),
        first,
        last,
        run.marks.get("[3/3]", run.ended_at),
        run.ended_at,
    ]
    return {
        phase: max(b - a, 0.0) for phase, a, b in zip(PHASES, moments, moments[1:], strict=False)
    }


def nodes_running_at(nodes: list[Node], moment: float) -> list[str]:
    return [n.unique_id.split(".")[-1] for n in nodes if any(b <= moment <= e for b, e in n.spans)]


def slowest_nodes(nodes: list[Node], count: int = 8) -> list[dict[str, object]]:
    ranked = sorted(nodes, key=lambda node: node.seconds, reverse=True)[:count]
    return [
        {"node": node.unique_id.split(".", 1)[1], "step": node.step, "seconds": node.seconds}
        for node in ranked
    ]
