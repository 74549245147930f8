"""What the benchmark prints and writes: the machine, the targets (PASS or MISS, judged from the
measured numbers), the tables (plain and Markdown) and the notes under them."""

from __future__ import annotations

import itertools
import os
import platform
from pathlib import Path

import psutil

from scripts.benchmarking.steps import STEPS

# Issue 16's targets: 1M customers end to end within 4× the hand-written baseline measured in
# the same run, under 2 GiB at its peak; 10M customers' data steps within 2× the baseline's.
TARGETS = {"1M ratio": 4.0, "1M peak GiB": 2.0, "10M data ratio": 2.0}


def machine() -> dict[str, object]:
    from importlib.metadata import version

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = psutil.virtual_memory().total
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(memory / 2**30, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        **{
            package: version(package)
            for package in ("duckdb", "dbt-core", "dbt-duckdb", "scikit-learn", "numpy", "pandas")
        },
        "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE"),
    }


def ok(sizes: list[dict]) -> list[dict]:
    return [size for size in sizes if "baseline" in size]


def verdicts(sizes: list[dict]) -> dict[str, str]:
    """PASS or MISS for each target the measured sizes can tell."""
    by_size = {size["customers"]: size for size in ok(sizes)}
    found = {}
    if 1_000_000 in by_size:
        one = by_size[1_000_000]["build"]
        size = by_size[1_000_000]
        one = size["build"]
        found[f"1M end to end ≤ {TARGETS['1M ratio']:.0f}× the baseline"] = verdict(
            f"{one['seconds']:.1f} s, {size['ratio']:.1f}×", size["ratio"] <= TARGETS["1M ratio"]
        )
        found[f"1M peak memory < {TARGETS['1M peak GiB']:.0f} GiB"] = verdict(
            f"{one['peak_gib']:.2f} GiB", one["peak_gib"] < TARGETS["1M peak GiB"]
        )
    if 10_000_000 in by_size:
        ten = by_size[10_000_000]
        found[f"10M data steps within {TARGETS['10M data ratio']:.0f}× the baseline"] = verdict(
            f"{ten['data_ratio']:.2f}×", ten["data_ratio"] <= TARGETS["10M data ratio"]
        )
    ordered = sorted(by_size.values(), key=lambda size: size["customers"])
    for small, large in itertools.pairwise(ordered):
        growth = large["build"]["seconds"] / small["build"]["seconds"]
        scale = large["customers"] / small["customers"]
        marginal = (
            (large["build"]["seconds"] - small["build"]["seconds"])
            / (large["customers"] - small["customers"])
            * 1e6
        )
        found[f"{small['customers']:,} → {large['customers']:,}: no worse than linear"] = verdict(
            f"time ×{growth:.1f} for customers ×{scale:.0f}, "
            f"{small['us_per_customer']:.1f} → {large['us_per_customer']:.1f} µs a customer, "
            f"{marginal:.1f} µs each added one",
            growth <= scale,
        )
    return found


def verdict(value: str, passed: bool) -> str:
    return f"{value}: {'PASS' if passed else 'MISS'}"


COLUMNS = (
    "customers",
    "end to end",
    "peak mem",
    "load+stage",
    "features",
    "train",
    "scoring",
    "segments",
    "tests",
    "rest",
    "base data",
    "base ML",
    "build/base",
    "data/base",
    "µs/cust",
)


def rows(sizes: list[dict]) -> list[list[str]]:
    table = []
    for size in sizes:
        if "baseline" not in size:
            status = size.get("build", {}).get("status", "not measured")
            table.append([f"{size['customers']:,}", status] + [""] * (len(COLUMNS) - 2))
            continue
        build, steps, phases = size["build"], size["steps"], size["phases"]
        rest = build["seconds"] - phases["dbt nodes"]
        table.append(
            [
                f"{size['customers']:,}",
                f"{build['seconds']:.1f} s",
                f"{build['peak_gib']:.2f} GiB",
                *(f"{steps[step]['wall_seconds']:.1f} s" for step in STEPS[:-1]),
                f"{rest:.1f} s",
                f"{size['baseline']['data_seconds']:.1f} s",
                f"{size['baseline']['ml_seconds']:.1f} s",
                f"{size['ratio']:.1f}×",
                f"{size['data_ratio']:.1f}×",
                f"{size['us_per_customer']:.1f}",
            ]
        )
    return table


def plain_table(sizes: list[dict]) -> str:
    return plain_grid(COLUMNS, rows(sizes))


def markdown_table(sizes: list[dict]) -> str:
    return markdown_grid(COLUMNS, rows(sizes))


def plain_grid(columns: tuple[str, ...], table: list[list[str]]) -> str:
    """A table for the console: a header line and a line a row, the cells right-aligned."""
    lines = [list(columns), *table]
    widths = [max(len(row[i]) for row in lines) for i in range(len(columns))]
    return "\n".join(
        "  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True))
        for row in lines
    )


def markdown_grid(
    columns: tuple[str, ...], table: list[list[str]], first_left: bool = False
) -> str:
    """A Markdown table, the cells right-aligned (the first left-aligned if ``first_left``)."""
    align = ["---"] + ["---:"] * (len(columns) - 1) if first_left else ["---:"] * len(columns)
    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in table]
    return "\n".join(lines)


def notes(report: dict) -> list[str]:
    info = report["machine"]
    lines = [
        f"Measured {report['measured_at']} on {info['cpu']}, {info['cores']} cores, "
        f"{info['memory_gib']} GiB ({info['os']}; Python {info['python']}, DuckDB "
        f"{info['duckdb']}, dbt {info['dbt-core']} with dbt-duckdb {info['dbt-duckdb']}, "
        f"scikit-learn {info['scikit-learn']}), {report['threads']} threads, "
        f"{report['source']['source']} at {report['source']['head'][:12]}.",
        "Steps are dbt's wall time (the union of their nodes' intervals; two threads run nodes "
        "side by side, so tests overlap the models). Rest: end to end minus dbt's nodes — "
        "start-up, the raw-file checks, dbt's start-up and parse, its wrap-up, publishing. "
        "Each timed build is a warehouse's second: a build of the demo exports runs first, as "
        "last month's would, so dbt reuses its parse of the project. "
        "Peak memory: the resident memory of the whole process tree "
        "(oneclick, dbt, joblib workers), sampled every 50 ms. Baseline: scripts/baseline.sql "
        "in one DuckDB process, and a scaled logistic regression fit on the build's training "
        "sample size and predicting every customer.",
    ]
    busy = [
        size["customers"]
        for size in report["sizes"]
        if "build" in size
        and size["build"]["other_cpu_seconds"]
        > 0.1 * size["build"]["seconds"] * (report["machine"]["cores"] or 1)
    ]
    if busy:
        lines.append(
            "Other processes used more than a tenth of the machine during the build of "
            + ", ".join(f"{n:,}" for n in busy)
            + " customers: those times are inflated."
        )
    if report["source"].get("uncommitted"):
        lines.append(
            "Measured with uncommitted changes in: " + ", ".join(report["source"]["uncommitted"])
        )
    return lines


def details(size: dict) -> list[str]:
    """Where the time and memory of one size went, for the console."""
    if "build" not in size:
        return []
    build = size["build"]
    lines = [
        f"{size['customers']:,} customers: {build['seconds']:.1f} s, "
        f"CPU {build['cpu_seconds']:.0f} s ({build['cpu_utilisation']:.0%} of the cores), "
        f"other processes {build['other_cpu_seconds']:.1f} CPU s",
        "  phases: " + ", ".join(f"{k} {v:.1f} s" for k, v in size["phases"].items()),
        "  steps (wall / summed / peak GiB): "
        + ", ".join(
            f"{step} {v['wall_seconds']:.1f}/{v['summed_seconds']:.1f}/{v['peak_gib']:.2f}"
            for step, v in size["steps"].items()
        ),
        f"  peak {build['peak_gib']:.2f} GiB at {build['peak_at_seconds']:.0f} s while "
        + (", ".join(build["peak_nodes"]) or "no node ran")
        + " ("
        + ", ".join(f"{name} {gib:.2f}" for name, gib in build["peak_processes_gib"].items())
        + f"); largest single process {build['largest_process_gib']:.2f} GiB",
        "  slowest nodes: "
        + ", ".join(
            f"{n['node'].split('.')[-1]} {n['seconds']:.1f} s" for n in size["slowest_nodes"][:6]
        ),
    ]
    if "baseline" in size:
        ml = size["baseline"]["ml"]
        lines.append(
            f"  baseline: data {size['baseline']['data_seconds']:.1f} s, ML "
            + ", ".join(f"{k} {ml[k]:.2f} s" for k in ("read", "fit", "predict", "write"))
            + f" ({int(ml['training_rows']):,} training rows); "
            + (
                "same rows and sums as feature_mart"
                if size["baseline"]["matches_feature_mart"]
                else "DIFFERS from feature_mart"
            )
        )
    return lines
