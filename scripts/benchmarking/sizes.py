"""One size, end to end: an earlier build of a demo month (so dbt reuses its parse, as on any
month after a warehouse's first), the timed build of the generated exports, then the baseline
on the same exports."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from scripts.benchmarking.baseline import CHECKSUMS, checksums, measure_baseline
from scripts.benchmarking.config import EARLIER_MONTH
from scripts.benchmarking.exports import cached_exports, demo_months, project_vars
from scripts.benchmarking.process import BuildRun, run_build, wait_for_quiet
from scripts.benchmarking.steps import (
    DATA_STEPS,
    Node,
    nodes_running_at,
    phase_times,
    read_nodes,
    slowest_nodes,
    step_times,
)


def measure(
    customers: int,
    data_dir: Path,
    work_root: Path,
    threads: int,
    tree: Path,
    keep: bool = False,
    quiet_wait: float = 0.0,
) -> dict[str, object]:
    """Everything measured for one size, as a JSON-ready dict."""
    raw, generate_seconds = cached_exports(data_dir, customers)
    variables = project_vars(tree)
    work_root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"{customers}-", dir=work_root))
    warehouse = work / "oneclick.duckdb"
    result: dict[str, object] = {
        "customers": customers,
        "raw_bytes": sum(p.stat().st_size for p in raw.glob("*.csv")),
        "generate_seconds": generate_seconds,
    }
    try:
        # A warehouse is built every month, and a build after the first reuses dbt's parse of
        # the project: a build of the small demo exports first makes the timed one such a build.
        print("earlier build of the demo exports (so dbt's parse is reused) ...", flush=True)
        earlier = run_build(demo_months(tree)[-1], warehouse, threads, tree, month=EARLIER_MONTH)
        result["earlier_build_seconds"] = earlier.seconds
        if earlier.return_code != 0:
            print("the earlier build failed: the timed build parses in full", file=sys.stderr)
        waited = wait_for_quiet(quiet_wait) if quiet_wait else 0.0
        print(f"oneclick build ({threads} threads) ...", flush=True)
        run = run_build(raw, warehouse, threads, tree, log=work / "build.log")
        nodes = read_nodes(work / ".oneclick" / "dbt-target")
        result["build"] = build_facts(run, nodes) | {"waited_for_quiet_seconds": waited}
        result["phases"] = phase_times(run, nodes)
        result["steps"] = step_times(nodes, run.memory)
        result["slowest_nodes"] = slowest_nodes(nodes)
        if run.return_code != 0:
            result["build"]["output_tail"] = [line.rstrip() for line in run.output[-30:]]
            print("".join(run.output[-30:]), file=sys.stderr)
            return result
        mart = checksums(warehouse, "marts.feature_mart")

        if quiet_wait:
            wait_for_quiet(quiet_wait)
        print("baseline ...", flush=True)
        data_seconds, baseline, ml = measure_baseline(
            raw, work / "baseline.duckdb", threads, variables
        )
        differences = {
            name: {"baseline": baseline[name], "feature_mart": mart[name]}
            for name in CHECKSUMS
            if abs(baseline[name] - mart[name]) > 1e-6 * max(abs(mart[name]), 1.0)
        }
        if differences:
            print(
                "warning: the baseline's feature table differs from marts.feature_mart: "
                + ", ".join(
                    f"{k} {v['baseline']:,} vs {v['feature_mart']:,}"
                    for k, v in differences.items()
                ),
                flush=True,
            )
        result["baseline"] = {
            "data_seconds": data_seconds,
            "ml_seconds": ml["total"],
            "ml": ml,
            "rows": int(baseline["rows"]),
            "matches_feature_mart": not differences,
            "differences": differences,
        }
        result["mart_rows"] = int(mart["rows"])
        result.update(derived(result))
        print(
            f"build {run.seconds:.1f} s, peak {result['build']['peak_gib']:.2f} GiB; "
            f"baseline data {data_seconds:.1f} s + ML {ml['total']:.1f} s",
            flush=True,
        )
        return result
    finally:
        if keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def derived(result: dict) -> dict[str, float]:
    """Ratios and per-customer costs of one measured size."""
    build, steps, baseline = result["build"], result["steps"], result["baseline"]
    data_seconds = sum(steps[step]["wall_seconds"] for step in DATA_STEPS)
    return {
        "data_seconds": data_seconds,
        "ratio": build["seconds"] / (baseline["data_seconds"] + baseline["ml_seconds"]),
        "data_ratio": data_seconds / baseline["data_seconds"],
        "us_per_customer": build["seconds"] / result["customers"] * 1e6,
    }


def build_facts(run: BuildRun, nodes: list[Node]) -> dict[str, object]:
    """What one timed build took: time, memory, CPU, and the machine's load meanwhile."""
    return {
        "status": "ok" if run.return_code == 0 else f"failed ({run.return_code})",
        "seconds": run.seconds,
        "peak_gib": run.memory.peak_bytes / 2**30,
        "peak_at_seconds": run.memory.peak_at - run.started_at,
        "peak_nodes": nodes_running_at(nodes, run.memory.peak_at),
        "peak_processes_gib": {
            name: rss / 2**30 for name, rss in run.memory.peak_processes.items()
        },
        "largest_process_gib": run.memory.largest_process_bytes / 2**30,
        "memory_samples": len(run.memory.samples),
        "cpu_seconds": run.cpu_seconds,
        "cpu_utilisation": run.cpu_seconds / run.seconds / (os.cpu_count() or 1),
        "other_cpu_seconds": run.other_cpu_seconds,
        "load_before": list(run.load_before),
    }
