"""dbt's own cost, measured in the same run: a project of the same shape as the build's (as many
table models and data tests) whose SQL does next to nothing, built twice by the same dbt and
adapter with the same threads, the second build reusing the parse as a warehouse's second build
does. Its second build's time is what any `dbt build` of that many nodes costs on this machine
before the first row of real work: the floor under the real export's second build."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from warehouse.dbt_runner import dbt_executable

# Rows of the trivial models' table: enough for a test to have something to scan.
ROWS = 1000


@dataclass(frozen=True)
class Shape:
    """How many nodes of each kind a dbt build runs."""

    models: int
    data_tests: int

    @classmethod
    def of_manifest(cls, manifest: dict) -> Shape:
        """The shape of a build from its manifest.json: every model (SQL or Python) counts as
        a table model, every data test as a test."""
        kinds = [node.get("resource_type") for node in manifest.get("nodes", {}).values()]
        return cls(models=kinds.count("model"), data_tests=kinds.count("test"))


def write_project(folder: Path, shape: Shape) -> None:
    """A dbt project of ``shape``: a chain of table models over ``ROWS`` rows, and the data
    tests spread over them (not_null and unique on the key, then not_null on the value)."""
    models = folder / "models"
    models.mkdir(parents=True)
    (folder / "dbt_project.yml").write_text(
        "name: dbt_floor\nversion: '1.0.0'\nconfig-version: 2\nprofile: dbt_floor\n"
        "models:\n  dbt_floor:\n    +materialized: table\n"
    )
    tests = [("id", "not_null"), ("id", "unique"), ("value", "not_null")]
    per_model = [[] for _ in range(shape.models)]
    for index in range(shape.data_tests):
        kind, model = divmod(index, shape.models)
        if kind >= len(tests):
            raise ValueError(f"{shape}: more than {len(tests)} tests a model")
        per_model[model].append(tests[kind])
    schema = ["version: 2", "models:"]
    for index, model_tests in enumerate(per_model):
        parent = f"{{{{ ref('model_{index - 1}') }}}}" if index else f"range({ROWS})"
        columns = "range as id, range * 2 as value" if not index else "id, value"
        (models / f"model_{index}.sql").write_text(f"select {columns} from {parent}\n")
        schema += [f"  - name: model_{index}", "    columns:"]
        for column in ("id", "value"):
            names = [test for tested, test in model_tests if tested == column]
            schema.append(f"      - name: {column}")
            if names:
                schema.append(f"        data_tests: [{', '.join(names)}]")
    (models / "schema.yml").write_text("\n".join(schema) + "\n")


def write_profile(folder: Path, threads: int) -> None:
    (folder / "profiles.yml").write_text(
        "dbt_floor:\n  target: floor\n  outputs:\n    floor:\n      type: duckdb\n"
        f"      path: floor.duckdb\n      threads: {threads}\n"
        f"      settings:\n        threads: {threads}\n"
    )


def build(folder: Path) -> tuple[float, int]:
    """One `dbt build` of the project in ``folder``: its wall time and the nodes it ran."""
    started = time.monotonic()
    completed = subprocess.run(
        [*dbt_executable(), "build", "--profiles-dir", ".", "--log-level", "none"],
        cwd=folder,
        capture_output=True,
        text=True,
    )
    seconds = time.monotonic() - started
    if completed.returncode != 0:
        raise RuntimeError(f"dbt build of the floor project failed:\n{completed.stdout}")
    results = json.loads((folder / "target" / "run_results.json").read_text())
    return seconds, len(results["results"])


def measure_floor(shape: Shape, threads: int, work_root: Path) -> dict[str, object]:
    """Build a project of ``shape`` twice; the second build's time is the floor."""
    work_root.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="dbt-floor-", dir=work_root))
    try:
        write_project(folder, shape)
        write_profile(folder, threads)
        first_seconds, nodes = build(folder)
        second_seconds, _ = build(folder)
        return {
            "models": shape.models,
            "data_tests": shape.data_tests,
            "nodes": nodes,
            "first_seconds": first_seconds,
            "seconds": second_seconds,
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)
