"""Several months of one shop, built in order into one warehouse (issue 12: "History must not make
a build worse than linear in customers × months").

The exports come from the demo generator's ``generate_months`` (one shop: customers come and go,
behaviour moves, periods shift by a month). A build of a demo month, dated the month before the
first, comes first, so every timed month reuses dbt's parse as any month after a warehouse's
first does; each month then trains its model, as a build without ``--model`` does, so the months
differ by the history they carry and nothing else. Each month's end-to-end time, its history
nodes' time and the history tables' rows after it are kept; the last month's time against the
first's is judged against the growth of the history.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import duckdb

from scripts.benchmarking.exports import benchmark_months, cached_months, demo_months
from scripts.benchmarking.process import run_build, wait_for_quiet
from scripts.benchmarking.report import TARGETS, markdown_grid, plain_grid, verdict
from scripts.benchmarking.sizes import build_facts
from scripts.benchmarking.steps import history_times, phase_times, read_nodes, step_times

# The tables that keep every month (or read every month), counted after each build.
HISTORY_TABLES = (
    "customer_history",
    "segment_changes",
    "segment_flow",
    "feature_drift",
    "campaign_assignments",
    "campaign_outcome_customers",
    "campaign_outcomes",
    "model_performance_history",
    "build_runs",
    "model_registry",
)


def month_before(month: str) -> str:
    """The ``YYYY-MM`` before ``month``."""
    from scripts.generate_demo_data import month_number, month_text

    return month_text(month_number(month) - 1)


def history_sizes(warehouse: Path) -> dict[str, int]:
    """Rows of each history table of ``warehouse`` (read-only), and the file's bytes."""
    connection = duckdb.connect(str(warehouse), read_only=True)
    try:
        sizes = {
            table: connection.execute(f"select count(*) from marts.{table}").fetchone()[0]
            for table in HISTORY_TABLES
        }
    finally:
        connection.close()
    return sizes | {"file_bytes": warehouse.stat().st_size}


def measure_months(
    customers: int,
    months: int,
    data_dir: Path,
    work_root: Path,
    threads: int,
    tree: Path,
    keep: bool = False,
    quiet_wait: float = 0.0,
) -> dict[str, object]:
    """``months`` months of a shop of ``customers`` customers built in order into one
    warehouse: each month's build and the history after it, as a JSON-ready dict."""
    names = benchmark_months(months)
    folders, generate_seconds = cached_months(data_dir, customers, names)
    work_root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"months-{customers}x{months}-", dir=work_root))
    warehouse = work / "oneclick.duckdb"
    result: dict[str, object] = {
        "customers": customers,
        "months": list(names),
        "raw_bytes": sum(p.stat().st_size for f in folders.values() for p in f.glob("*.csv")),
        "generate_seconds": generate_seconds,
        "builds": [],
    }
    try:
        earlier_month = month_before(names[0])
        print(f"earlier build of a demo month as {earlier_month} (dbt's parse) ...", flush=True)
        earlier = run_build(demo_months(tree)[-1], warehouse, threads, tree, month=earlier_month)
        result["earlier_build_seconds"] = earlier.seconds
        for month, folder in folders.items():
            waited = wait_for_quiet(quiet_wait) if quiet_wait else 0.0
            print(f"=== {month}: oneclick build of {customers:,} customers ...", flush=True)
            run = run_build(
                folder, warehouse, threads, tree, log=work / f"{month}.log", month=month
            )
            nodes = read_nodes(work / ".oneclick" / "dbt-target")
            build = {
                "month": month,
                **build_facts(run, nodes),
                "waited_for_quiet_seconds": waited,
                "phases": phase_times(run, nodes),
                "steps": step_times(nodes, run.memory),
                "history": history_times(nodes),
            }
            result["builds"].append(build)
            if run.return_code != 0:
                build["output_tail"] = [line.rstrip() for line in run.output[-30:]]
                print("".join(run.output[-30:]), flush=True)
                break
            build["history_rows"] = history_sizes(warehouse)
            print(
                f"{month}: {run.seconds:.1f} s, history nodes "
                f"{build['history']['wall_seconds']:.1f} s, customer_history "
                f"{build['history_rows']['customer_history']:,} rows",
                flush=True,
            )
        return result
    finally:
        if keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def months_verdicts(result: dict) -> dict[str, str]:
    """The last month's build against the first's: no worse than linear in the history it
    carries (customer_history's rows), end to end and for the history nodes alone. At 1M
    customers, also the peak memory target, judged on the month that peaked highest: the
    history a later month carries must not take a build over it."""
    builds = [build for build in result.get("builds", []) if "history_rows" in build]
    if len(builds) < 2:
        return {}
    first, last = builds[0], builds[-1]
    scale = last["history_rows"]["customer_history"] / first["history_rows"]["customer_history"]
    found = {}
    if result["customers"] == 1_000_000:
        highest = max(builds, key=lambda build: build["peak_gib"])
        limit = TARGETS["1M peak GiB"]
        found[f"1M peak memory < {limit:.0f} GiB in every month"] = verdict(
            f"{highest['peak_gib']:.2f} GiB at its highest ({highest['month']})",
            highest["peak_gib"] < limit,
        )
    for label, seconds in (
        ("end to end", lambda build: build["seconds"]),
        ("history nodes", lambda build: build["history"]["wall_seconds"]),
    ):
        growth = seconds(last) / max(seconds(first), 1e-9)
        key = (
            f"{result['customers']:,} customers, month {len(builds)} against month 1, {label}: "
            "no worse than linear in the history"
        )
        found[key] = verdict(
            f"time ×{growth:.2f} for history ×{scale:.2f} "
            f"({seconds(first):.1f} → {seconds(last):.1f} s)",
            growth <= scale,
        )
    return found


MONTH_COLUMNS = (
    "month",
    "end to end",
    "peak mem",
    "history nodes",
    "model train",
    "tests",
    "customer_history rows",
    "all history rows",
    "file",
)


def month_rows(result: dict) -> list[list[str]]:
    rows = []
    for build in result.get("builds", []):
        if "history_rows" not in build:
            rows.append([build["month"], build["status"]] + [""] * (len(MONTH_COLUMNS) - 2))
            continue
        history = build["history_rows"]
        rows.append(
            [
                build["month"],
                f"{build['seconds']:.1f} s",
                f"{build['peak_gib']:.2f} GiB",
                f"{build['history']['wall_seconds']:.1f} s",
                f"{build['steps']['model train']['wall_seconds']:.1f} s",
                f"{build['steps']['tests']['wall_seconds']:.1f} s",
                f"{history['customer_history']:,}",
                f"{sum(v for k, v in history.items() if k != 'file_bytes'):,}",
                f"{history['file_bytes'] / 2**30:.2f} GiB",
            ]
        )
    return rows


def months_markdown(result: dict) -> str:
    title = (
        f"{result['customers']:,} customers × {len(result['months'])} months, built in order "
        "into one warehouse:"
    )
    return title + "\n\n" + markdown_grid(MONTH_COLUMNS, month_rows(result))


def months_plain(result: dict) -> str:
    return plain_grid(MONTH_COLUMNS, month_rows(result))
