"""The measuring parts of scripts/benchmark, importable on their own (pure functions where
they can be): the cached exports, ``oneclick build`` timed in a child process with the memory of
its process tree, dbt's run_results.json split into steps, the hand-written baseline, and the
report (targets, plain and Markdown tables, machine facts).

A node's step is derived from the folder it lives in (``original_file_path`` in dbt's
manifest.json) and its kind, so a new model lands in the right step without editing this file:

    models/staging/…                      load+stage
    models/intermediate/…, models/marts/… features  (everything not matched below)
    models/ml_training/…, or ml_/train model train
    models/marts/model_results/…          scoring   (customer_scores and the model's tables)
    models/marts/segments/…, seeds        segments
    build_runs, on-run-end hooks          run log
    data tests, unit tests                tests
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import yaml

from models_ml.features import NUMERIC_FEATURES as MODEL_NUMERIC_FEATURES

REPO_ROOT = Path(__file__).resolve().parents[1]
ONECLICK = REPO_ROOT / ".venv" / "bin" / "oneclick"
BASELINE_SQL = REPO_ROOT / "scripts" / "baseline.sql"
GENERATOR = REPO_ROOT / "scripts" / "generate_demo_data.py"
# The timed build is of a month after the earlier build's, as next month's export would be.
EARLIER_MONTH, TIMED_MONTH = "2026-11", "2026-12"
SEED = 42
# The memory limit the build's DuckDB runs with (dbt_project/profiles.yml), given to the
# baseline too, so both work under the same ceiling.
MEMORY_LIMIT = os.environ.get("ONECLICK_MEMORY_LIMIT", "4GB")

STEPS = ("load+stage", "features", "model train", "scoring", "segments", "tests", "run log")
DATA_STEPS = ("load+stage", "features")
# What happens outside dbt's nodes, in order, between the marks `oneclick build` prints.
PHASES = (
    "oneclick start-up",  # interpreter and imports, until "[1/3]"
    "raw-file checks",  # "[1/3]" → "[2/3]": SHA-256 and dialect of every file, history carry-over
    "dbt start-up and parse",  # "[2/3]" → dbt's first node starts
    "dbt nodes",  # first node starts → last node (on-run-end hooks included) ends
    "dbt wrap-up",  # last node ends → "[3/3]": artifacts written, dbt exits, results read
    "publish and summary",  # "[3/3]" → exit: rename, the summary of tables
)
RUN_LOG_MODELS = {"build_runs"}
TARGETS = {"1M seconds": 60.0, "1M peak GiB": 4.0, "10M data ratio": 3.0}
# The model's numeric features except its flags: the bare fit reads them as plain floats.
NUMERIC_FEATURES = tuple(name for name in MODEL_NUMERIC_FEATURES if not name.startswith("is_"))
# Sums that must agree between the baseline's feature table and marts.feature_mart: the same
# customers with the same values, not only the same count.
CHECKSUMS = {
    "rows": "count(*)",
    "declined": "count(*) filter (where activity_declined = 1)",
    "revenue": "round(sum(revenue_two_months_ago + revenue_previous_month"
    " + revenue_current_month), 2)",
    "minutes": "sum(minutes_previous_month + minutes_current_month)",
    "profit": "round(sum(profit), 2)",
    "pages": "sum(pages_per_visit)",
    "consenting": "count(*) filter (where is_marketing_allowed)",
}


# ---------------------------------------------------------------- the exports and the source


def cached_exports(data_dir: Path, customers: int) -> tuple[Path, float | None]:
    """The exports of ``customers`` customers in ``data_dir/<customers>``, generated unless a
    complete copy by the same generator is there; their folder and the seconds generating took
    (None when reused)."""
    from scripts.generate_demo_data import generate

    folder = data_dir / str(customers)
    marker = folder / ".complete"
    stamp = json.dumps(
        {
            "customers": customers,
            "seed": SEED,
            "generator": hashlib.sha256(GENERATOR.read_bytes()).hexdigest(),
        }
    )
    if marker.is_file() and marker.read_text() == stamp:
        return folder, None
    for stale in folder.glob("*.csv"):
        stale.unlink()
    marker.unlink(missing_ok=True)
    print(f"generating {customers:,} customers into {folder} ...", flush=True)
    started = time.monotonic()
    generate(folder, customers=customers, seed=SEED)
    seconds = time.monotonic() - started
    marker.write_text(stamp)
    print(f"generated the exports in {seconds:.1f} s", flush=True)
    return folder, seconds


def source_tree(revision: str | None, trees_dir: Path) -> tuple[Path, dict[str, object]]:
    """The tree whose ``oneclick`` is measured: the working tree, or the files of a committed
    revision (``git archive``, cached in ``trees_dir/<sha>``) so a half-edited working tree
    does not get measured; and what it is, for the report."""
    head = _git("rev-parse", "HEAD")
    if revision is None:
        changed = [line[3:] for line in _git("status", "--porcelain").splitlines() if line]
        return REPO_ROOT, {"source": "working tree", "head": head, "uncommitted": changed}
    sha = _git("rev-parse", "--verify", f"{revision}^{{commit}}")
    tree = trees_dir / sha[:12]
    if not (tree / ".complete").is_file():
        archive = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "archive", "--format=tar", sha],
            check=True,
            capture_output=True,
        ).stdout
        tree.mkdir(parents=True, exist_ok=True)
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tree, filter="data")
        (tree / ".complete").touch()
    return tree, {"source": f"revision {revision}", "head": head, "revision": sha}


def _git(*arguments: str) -> str:
    completed = subprocess.run(
        ["git", "-C", str(REPO_ROOT), *arguments], check=True, capture_output=True, text=True
    )
    return completed.stdout.strip()


def project_vars(tree: Path) -> dict[str, object]:
    """The vars of the measured tree's dbt_project.yml."""
    return yaml.safe_load((tree / "dbt_project" / "dbt_project.yml").read_text())["vars"]


# ---------------------------------------------------------------- the build and its memory


@dataclass
class TreeMemory:
    """Samples of the resident memory of a process and all its descendants."""

    root: int
    interval: float = 0.05
    samples: list[tuple[float, int]] = field(default_factory=list)  # (epoch seconds, bytes)
    peak_bytes: int = 0
    peak_at: float = 0.0
    peak_processes: dict[str, int] = field(default_factory=dict)
    high_water: dict[int, tuple[str, int]] = field(default_factory=dict)  # pid: (name, VmHWM)
    cpu_ticks: dict[int, int] = field(default_factory=dict)  # pid: utime + stime

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def sample(self) -> None:
        processes = _tree(self.root)
        total = sum(rss for _name, rss, _cpu in processes.values())
        now = time.time()
        self.samples.append((now, total))
        for pid, (name, _rss, cpu) in processes.items():
            self.cpu_ticks[pid] = cpu
            hwm = _high_water_mark(pid)
            if hwm:
                self.high_water[pid] = (name, max(hwm, self.high_water.get(pid, ("", 0))[1]))
        if total > self.peak_bytes:
            self.peak_bytes, self.peak_at = total, now
            self.peak_processes = {}
            for name, rss, _cpu in processes.values():
                self.peak_processes[name] = self.peak_processes.get(name, 0) + rss

    @property
    def cpu_seconds(self) -> float:
        """CPU time of every process seen in the tree, as of its last sample (this counts the
        joblib workers, which nobody waits for, so getrusage misses them)."""
        return sum(self.cpu_ticks.values()) / CLOCK_TICKS

    def peak_between(self, spans: Iterable[tuple[float, float]]) -> int:
        """The highest sample taken while any of ``spans`` (epoch seconds) was running."""
        return max(
            (total for at, total in self.samples if any(b <= at <= e for b, e in spans)),
            default=0,
        )


PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _tree(root: int) -> dict[int, tuple[str, int, int]]:
    """{pid: (name, resident bytes, CPU clock ticks)} of ``root`` and its descendants, from
    /proc/<pid>/stat."""
    children: dict[int, list[int]] = {}
    found: dict[int, tuple[str, int, int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as stat:
                text = stat.read().decode()
        except OSError:
            continue
        name = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        pid = int(entry.name)
        children.setdefault(int(fields[1]), []).append(pid)
        found[pid] = (name, int(fields[21]) * PAGE_SIZE, int(fields[11]) + int(fields[12]))
    tree, stack = {}, [root]
    while stack:
        pid = stack.pop()
        if pid in found:
            tree[pid] = found[pid]
        stack += children.get(pid, [])
    return tree


def _high_water_mark(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", "rb") as status:
            for line in status:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _busy_cpu_seconds() -> float:
    """CPU seconds the whole machine has spent busy since boot (all cores, /proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = values
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


def _children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def wait_for_quiet(max_seconds: float, idle_share: float = 0.1) -> float:
    """Wait until the other processes of the machine use less than ``idle_share`` of its
    cores (measured over 2 s), at most ``max_seconds``; the seconds waited."""
    cores = os.cpu_count() or 1
    started = time.monotonic()
    told = False
    while True:
        before = _busy_cpu_seconds()
        time.sleep(2.0)
        busy = (_busy_cpu_seconds() - before) / 2.0 / cores
        waited = time.monotonic() - started
        if busy < idle_share or waited >= max_seconds:
            if told:
                print(f"  waited {waited:.0f} s (machine {busy:.0%} busy)", flush=True)
            return waited
        if not told:
            print(
                f"the machine is {busy:.0%} busy with other processes: waiting up to "
                f"{max_seconds:.0f} s for it to go quiet ...",
                flush=True,
            )
            told = True


@dataclass
class BuildRun:
    """One ``oneclick build``: its time, memory, CPU and output."""

    seconds: float
    return_code: int
    started_at: float  # epoch
    ended_at: float
    marks: dict[str, float]  # "[1/3]" …: epoch seconds the line appeared
    memory: TreeMemory
    cpu_seconds: float
    other_cpu_seconds: float  # what other processes of the machine used meanwhile
    load_before: tuple[float, float, float]
    output: list[str]


def run_build(
    raw: Path,
    warehouse: Path,
    threads: int,
    tree: Path,
    log: Path | None = None,
    month: str = TIMED_MONTH,
) -> BuildRun:
    """Run ``oneclick build`` of ``month``'s exports in ``raw`` as a child process with the
    memory of its process tree sampled every 50 ms. With ``tree`` other than the repository,
    its packages are imported first."""
    command = [str(ONECLICK), "build", "--raw", str(raw), "--warehouse", str(warehouse)]
    command += ["--month", month]
    command += ["--threads", str(threads)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if tree != REPO_ROOT:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(tree), env.get("PYTHONPATH")]))
    load_before = os.getloadavg()
    busy_before, children_before = _busy_cpu_seconds(), _children_cpu_seconds()
    own_before = time.process_time()
    started, started_at = time.monotonic(), time.time()
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        errors="replace",
        env=env,
    )
    memory = TreeMemory(process.pid)
    memory.start()
    marks: dict[str, float] = {}
    output = []
    assert process.stdout is not None
    for line in process.stdout:
        output.append(line)
        match = re.match(r"(\[\d/3\])", line)
        if match and match.group(1) not in marks:
            marks[match.group(1)] = time.time()
    code = process.wait()
    seconds, ended_at = time.monotonic() - started, time.time()
    memory.stop()
    cpu = max(_children_cpu_seconds() - children_before, memory.cpu_seconds)
    own = time.process_time() - own_before
    other = max(_busy_cpu_seconds() - busy_before - cpu - own, 0.0)
    if log is not None:
        log.write_text("".join(output))
    return BuildRun(
        seconds=seconds,
        return_code=code,
        started_at=started_at,
        ended_at=ended_at,
        marks=marks,
        memory=memory,
        cpu_seconds=cpu,
        other_cpu_seconds=other,
        load_before=load_before,
        output=output,
    )


# ---------------------------------------------------------------- dbt's nodes into steps


def step_of(unique_id: str, path: str) -> str:
    """The benchmark step of a dbt node, from its unique_id and its file in the project."""
    kind, name = unique_id.split(".")[0], unique_id.split(".")[-1]
    path = path.replace("\\", "/").removeprefix("./")
    if kind in {"test", "unit_test"}:
        return "tests"
    if kind == "operation" or name in RUN_LOG_MODELS:
        return "run log"
    if kind == "seed" or path.startswith("models/marts/segments/"):
        return "segments"
    if path.startswith("models/staging/"):
        return "load+stage"
    if path.startswith("models/ml_training/") or name.startswith("ml_") or "train" in name:
        return "model train"
    if path.startswith("models/marts/model_results/"):
        return "scoring"
    return "features"


@dataclass
class Node:
    unique_id: str
    step: str
    seconds: float  # dbt's execution_time
    spans: list[tuple[float, float]]  # epoch seconds: compile and execute


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


# ---------------------------------------------------------------- the baseline


def baseline_data(
    raw: Path, database: Path, threads: int, threshold: float
) -> tuple[float, dict[str, float]]:
    """Run scripts/baseline.sql in this process (one DuckDB connection, the build's threads,
    memory limit and storage version); its seconds and the checksums of its feature table."""
    database.unlink(missing_ok=True)
    sql = (
        BASELINE_SQL.read_text()
        .replace("{raw_dir}", str(raw).replace("'", "''"))
        .replace("{revenue_outlier_threshold}", repr(float(threshold)))
    )
    started = time.monotonic()
    connection = duckdb.connect(
        str(database),
        config={
            "threads": threads,
            "memory_limit": MEMORY_LIMIT,
            "storage_compatibility_version": "v1.0.0",
        },
    )
    connection.execute(sql)
    connection.close()
    seconds = time.monotonic() - started
    return seconds, checksums(database, "main.features")


def checksums(database: Path, table: str) -> dict[str, float]:
    connection = duckdb.connect(str(database), read_only=True)
    try:
        values = connection.execute(
            f"select {', '.join(CHECKSUMS.values())} from {table}"
        ).fetchone()
    finally:
        connection.close()
    return {name: float(value or 0) for name, value in zip(CHECKSUMS, values, strict=True)}


def baseline_ml(database: Path, sample_rows: int, seed: int) -> dict[str, float]:
    """The bare minimum model work, timed: read the features, fit a StandardScaler and a
    LogisticRegression on a stratified sample of the size the build trains on, predict every
    customer, write the probabilities back."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    times: dict[str, float] = {}
    clock = time.monotonic()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.monotonic()
        times[name] = now - clock
        clock = now

    connection = duckdb.connect(str(database))
    columns = connection.execute(
        f"select customer_id, activity_declined, {', '.join(NUMERIC_FEATURES)} from features"
    ).fetchnumpy()
    features = np.column_stack([np.asarray(columns[name], float) for name in NUMERIC_FEATURES])
    label = np.asarray(columns["activity_declined"], float)
    lap("read")
    labelled = ~np.isnan(label)
    size = min(sample_rows, int(labelled.sum()) - 2)
    sample, _rest, sample_label, _rest_label = train_test_split(
        features[labelled],
        label[labelled].astype(int),
        train_size=size,
        stratify=label[labelled].astype(int),
        random_state=seed,
    )
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    model.fit(sample, sample_label)
    lap("fit")
    probability = model.predict_proba(features)[:, 1]
    lap("predict")
    scores = {"customer_id": np.asarray(columns["customer_id"]), "probability": probability}
    connection.register("scores_frame", scores)
    connection.execute("create or replace table scores as select * from scores_frame")
    connection.close()
    lap("write")
    times["total"] = sum(times.values())
    times["training_rows"] = float(size)
    return times


# ---------------------------------------------------------------- one size, end to end


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
        demo_months = sorted((tree / "warehouse" / "demo_data").iterdir())
        earlier = run_build(demo_months[-1], warehouse, threads, tree, month=EARLIER_MONTH)
        result["earlier_build_seconds"] = earlier.seconds
        if earlier.return_code != 0:
            print("the earlier build failed: the timed build parses in full", file=sys.stderr)
        waited = wait_for_quiet(quiet_wait) if quiet_wait else 0.0
        print(f"oneclick build ({threads} threads) ...", flush=True)
        run = run_build(raw, warehouse, threads, tree, log=work / "build.log")
        nodes = read_nodes(work / ".oneclick" / "dbt-target")
        result["build"] = {
            "status": "ok" if run.return_code == 0 else f"failed ({run.return_code})",
            "seconds": run.seconds,
            "peak_gib": run.memory.peak_bytes / 2**30,
            "peak_at_seconds": run.memory.peak_at - run.started_at,
            "peak_nodes": nodes_running_at(nodes, run.memory.peak_at),
            "peak_processes_gib": {
                name: rss / 2**30 for name, rss in run.memory.peak_processes.items()
            },
            "largest_process_gib": max(
                (hwm for _name, hwm in run.memory.high_water.values()), default=0
            )
            / 2**30,
            "memory_samples": len(run.memory.samples),
            "cpu_seconds": run.cpu_seconds,
            "cpu_utilisation": run.cpu_seconds / run.seconds / (os.cpu_count() or 1),
            "other_cpu_seconds": run.other_cpu_seconds,
            "load_before": list(run.load_before),
            "waited_for_quiet_seconds": waited,
        }
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
        threshold = float(variables.get("revenue_outlier_threshold", 100000))
        data_seconds, baseline = baseline_data(raw, work / "baseline.duckdb", threads, threshold)
        ml = baseline_ml(
            work / "baseline.duckdb",
            int(variables.get("training_sample_max_rows", 5000)),
            int(variables.get("training_sample_seed", SEED)),
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


# ---------------------------------------------------------------- the report


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
    memory = int(Path("/proc/meminfo").read_text().split()[1]) * 1024
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
        found["1M end to end < 60 s"] = _verdict(
            f"{one['seconds']:.1f} s", one["seconds"] < TARGETS["1M seconds"]
        )
        found["1M peak memory < 4 GiB"] = _verdict(
            f"{one['peak_gib']:.2f} GiB", one["peak_gib"] < TARGETS["1M peak GiB"]
        )
    if 10_000_000 in by_size:
        ten = by_size[10_000_000]
        found["10M data steps within 3× the baseline"] = _verdict(
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
        found[f"{small['customers']:,} → {large['customers']:,}: no worse than linear"] = _verdict(
            f"time ×{growth:.1f} for customers ×{scale:.0f}, "
            f"{small['us_per_customer']:.1f} → {large['us_per_customer']:.1f} µs a customer, "
            f"{marginal:.1f} µs each added one",
            growth <= scale,
        )
    return found


def _verdict(value: str, passed: bool) -> str:
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
    table = [list(COLUMNS), *rows(sizes)]
    widths = [max(len(row[i]) for row in table) for i in range(len(COLUMNS))]
    return "\n".join(
        "  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True))
        for row in table
    )


def markdown_table(sizes: list[dict]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---:|" * len(COLUMNS)]
    lines += ["| " + " | ".join(row) + " |" for row in rows(sizes)]
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
