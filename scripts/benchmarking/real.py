"""The real export (../shared/data/practicum, 1,000 customers), as an analyst meets it: a new
warehouse's first build (dbt parses the project, the model is trained), then the same month built
again into it (dbt reuses its parse; the unchanged training sample and settings reuse the model),
and, measured in the same run, the hand-written baseline on the same files and dbt alone: a
project of the build's shape with trivial SQL (scripts/benchmarking/dbt_floor.py)."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import duckdb

from scripts.benchmarking.baseline import checksums, measure_baseline
from scripts.benchmarking.dbt_floor import Shape, measure_floor
from scripts.benchmarking.exports import project_vars
from scripts.benchmarking.process import run_build, wait_for_quiet
from scripts.benchmarking.report import markdown_grid, plain_grid, verdict
from scripts.benchmarking.sizes import build_facts
from scripts.benchmarking.steps import phase_times, read_nodes, slowest_nodes
from warehouse.paths import work_dir

# The targets for the real export (2 cores): seconds end to end, and the second build
# against the hand-written baseline measured in the same run.
FIRST_BUILD_SECONDS = 15.0
SECOND_BUILD_SECONDS = 8.0
SECOND_BUILD_RATIO = 4.0
BUILDS = ("first", "second")


def measure_real(
    raw: Path, work_root: Path, threads: int, tree: Path, quiet_wait: float = 0.0
) -> dict[str, object]:
    """The two builds and the baseline of the real export, as a JSON-ready dict."""
    variables = project_vars(tree)
    work_root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="real-", dir=work_root))
    warehouse = work / "warehouse" / "oneclick.duckdb"
    result: dict[str, object] = {
        "raw": str(raw),
        "raw_bytes": sum(path.stat().st_size for path in raw.glob("*.csv")),
    }
    dbt_target = work_dir(warehouse) / "dbt-target"
    try:
        for build in BUILDS:
            waited = wait_for_quiet(quiet_wait) if quiet_wait else 0.0
            print(f"real export, {build} build ({threads} threads) ...", flush=True)
            run = run_build(raw, warehouse, threads, tree, log=work / f"{build}.log")
            nodes = read_nodes(dbt_target)
            facts = build_facts(run, nodes) | {"waited_for_quiet_seconds": waited}
            facts["phases"] = phase_times(run, nodes)
            facts["slowest_nodes"] = slowest_nodes(nodes)
            result[build] = facts
            if run.return_code != 0:
                facts["output_tail"] = [line.rstrip() for line in run.output[-30:]]
                return result
            facts["model_source"] = _model_source(warehouse)
        if quiet_wait:
            wait_for_quiet(quiet_wait)
        print("real export, baseline ...", flush=True)
        data_seconds, baseline, ml = measure_baseline(
            raw, work / "baseline.duckdb", threads, variables
        )
        mart = checksums(warehouse, "marts.feature_mart")
        result["baseline"] = {
            "data_seconds": data_seconds,
            "ml_seconds": ml["total"],
            "ml": ml,
            "rows": int(baseline["rows"]),
            "mart_rows": int(mart["rows"]),
        }
        total = data_seconds + ml["total"]
        for build in BUILDS:
            result[build]["ratio"] = result[build]["seconds"] / total
        if quiet_wait:
            wait_for_quiet(quiet_wait)
        print("real export, dbt alone (a project of the same shape, trivial SQL) ...", flush=True)
        shape = Shape.of_manifest(json.loads((dbt_target / "manifest.json").read_text()))
        try:
            floor = measure_floor(shape, threads, work)
        except RuntimeError as error:  # dbt itself failed: the builds' numbers still stand
            result["dbt_floor"] = {"error": str(error)[-2000:]}
        else:
            result["dbt_floor"] = floor | {"ratio": floor["seconds"] / total}
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _model_source(warehouse: Path) -> str:
    """How the build got its model, as the warehouse records it: trained, reused or given."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        (source,) = connection.execute(
            "select model_source from marts.model_registry where is_current"
        ).fetchone()
    return source


def real_verdicts(real: dict) -> dict[str, str]:
    """PASS or MISS of the real export's targets."""
    if "baseline" not in real:
        return {"real export": "MISS: a build failed (see the JSON's output_tail)"}
    first, second = real["first"], real["second"]
    return {
        f"real export, first build ≤ {FIRST_BUILD_SECONDS:.0f} s": verdict(
            f"{first['seconds']:.1f} s", first["seconds"] <= FIRST_BUILD_SECONDS
        ),
        f"real export, second build ≤ {SECOND_BUILD_SECONDS:.0f} s": verdict(
            f"{second['seconds']:.1f} s{_floor_aside(real)}",
            second["seconds"] <= SECOND_BUILD_SECONDS,
        ),
        f"real export, second build ≤ {SECOND_BUILD_RATIO:.0f}× the baseline": verdict(
            f"{second['ratio']:.1f}×", second["ratio"] <= SECOND_BUILD_RATIO
        ),
    }


def _floor_aside(real: dict) -> str:
    """What dbt alone took, in brackets, where it was measured."""
    floor = real.get("dbt_floor") or {}
    if "seconds" not in floor:
        return ""
    return f" (dbt alone, a project of the same shape with trivial SQL: {floor['seconds']:.1f} s)"


COLUMNS = (
    "real export",
    "end to end",
    "model",
    "oneclick start-up",
    "raw-file checks",
    "dbt start-up and parse",
    "dbt nodes",
    "dbt wrap-up",
    "publish",
    "baseline",
    "build/base",
)


def real_rows(real: dict) -> list[list[str]]:
    if "baseline" not in real:
        return []
    baseline = real["baseline"]["data_seconds"] + real["baseline"]["ml_seconds"]
    rows = []
    for build in BUILDS:
        facts = real[build]
        phases = facts["phases"]
        rows.append(
            [
                f"{build} build",
                f"{facts['seconds']:.1f} s",
                facts["model_source"],
                *(
                    f"{phases.get(phase, 0.0):.1f} s"
                    for phase in (
                        "oneclick start-up",
                        "raw-file checks",
                        "dbt start-up and parse",
                        "dbt nodes",
                        "dbt wrap-up",
                        "publish and summary",
                    )
                ),
                f"{baseline:.1f} s",
                f"{facts['ratio']:.1f}×",
            ]
        )
    floor = real.get("dbt_floor") or {}
    if "seconds" in floor:
        label = f"dbt alone: {floor['models']} models, {floor['data_tests']} tests, trivial SQL"
        blank = [""] * (len(COLUMNS) - 4)
        rows.append(
            [
                label,
                f"{floor['seconds']:.1f} s",
                *blank,
                f"{baseline:.1f} s",
                f"{floor['ratio']:.1f}×",
            ]
        )
    return rows


def real_markdown(real: dict) -> str:
    return markdown_grid(COLUMNS, real_rows(real), first_left=True)


def real_plain(real: dict) -> str:
    return plain_grid(COLUMNS, real_rows(real))
