"""``oneclick build`` in a child process: its time, the marks it prints, and the memory and CPU
of its whole process tree (oneclick, dbt, and anything dbt starts), sampled with psutil."""

from __future__ import annotations

import os
import re
import resource
import subprocess
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from scripts.benchmarking.config import ONECLICK, REPO_ROOT, TIMED_MONTH
from warehouse.parse_cache import ENVIRONMENT_VARIABLE as PARSE_CACHE_VARIABLE

MARK = re.compile(r"(\[\d/3\])")


@dataclass
class TreeMemory:
    """Samples of the resident memory of a process and all its descendants."""

    root: int
    interval: float = 0.05
    samples: list[tuple[float, int]] = field(default_factory=list)  # (epoch seconds, bytes)
    peak_bytes: int = 0
    peak_at: float = 0.0
    peak_processes: dict[str, int] = field(default_factory=dict)  # name: bytes at the peak
    largest: dict[int, tuple[str, int]] = field(default_factory=dict)  # pid: (name, top RSS)
    cpu: dict[int, float] = field(default_factory=dict)  # pid: user + system seconds

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
        """One sample of every process in the tree; a process that ends meanwhile is skipped."""
        processes = process_tree(self.root)
        now = time.time()
        total = sum(rss for _name, rss, _cpu in processes.values())
        self.samples.append((now, total))
        for pid, (name, rss, cpu) in processes.items():
            self.cpu[pid] = cpu
            if rss > self.largest.get(pid, ("", 0))[1]:
                self.largest[pid] = (name, rss)
        if total > self.peak_bytes:
            self.peak_bytes, self.peak_at = total, now
            self.peak_processes = {}
            for name, rss, _cpu in processes.values():
                self.peak_processes[name] = self.peak_processes.get(name, 0) + rss

    @property
    def cpu_seconds(self) -> float:
        """CPU time of every process seen in the tree, as of its last sample (this counts the
        processes nobody waits for, which getrusage misses)."""
        return sum(self.cpu.values())

    @property
    def largest_process_bytes(self) -> int:
        """The most memory one process of the tree held in a sample."""
        return max((rss for _name, rss in self.largest.values()), default=0)

    def peak_between(self, spans: Iterable[tuple[float, float]]) -> int:
        """The highest sample taken while any of ``spans`` (epoch seconds) was running."""
        spans = list(spans)
        return max(
            (total for at, total in self.samples if any(b <= at <= e for b, e in spans)),
            default=0,
        )


def process_tree(root: int) -> dict[int, tuple[str, int, float]]:
    """{pid: (name, resident bytes, CPU seconds)} of ``root`` and its descendants now."""
    try:
        parent = psutil.Process(root)
        processes = [parent, *parent.children(recursive=True)]
    except psutil.NoSuchProcess:
        return {}
    found = {}
    for process in processes:
        try:
            with process.oneshot():
                times = process.cpu_times()
                found[process.pid] = (
                    process.name(),
                    process.memory_info().rss,
                    times.user + times.system,
                )
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found


def busy_cpu_seconds() -> float:
    """CPU seconds the whole machine has spent busy since boot (all cores)."""
    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


def _children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def busy_share(seconds: float = 2.0) -> float:
    """The share of the machine's cores busy over ``seconds`` (0 to 1)."""
    return psutil.cpu_percent(interval=seconds) / 100.0


def wait_for_quiet(max_seconds: float, idle_share: float = 0.1) -> float:
    """Wait until the machine's processes use less than ``idle_share`` of its cores (measured
    over 2 s), at most ``max_seconds``; the seconds waited."""
    started = time.monotonic()
    told = False
    while True:
        busy = busy_share()
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


def build_command(raw: Path, warehouse: Path, month: str, threads: int) -> list[str]:
    """The ``oneclick build`` command line of one month's exports."""
    return [
        str(ONECLICK),
        "build",
        "--raw",
        str(raw),
        "--warehouse",
        str(warehouse),
        "--month",
        month,
        "--threads",
        str(threads),
    ]


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
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    # A first build measured is a first build: it parses the project itself.
    env.pop(PARSE_CACHE_VARIABLE, None)
    if tree != REPO_ROOT:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(tree), env.get("PYTHONPATH")]))
    load_before = os.getloadavg()
    busy_before, children_before = busy_cpu_seconds(), _children_cpu_seconds()
    own_before = time.process_time()
    started, started_at = time.monotonic(), time.time()
    process = subprocess.Popen(
        build_command(raw, warehouse, month, threads),
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
        match = MARK.match(line)
        if match and match.group(1) not in marks:
            marks[match.group(1)] = time.time()
    code = process.wait()
    seconds, ended_at = time.monotonic() - started, time.time()
    memory.stop()
    cpu = max(_children_cpu_seconds() - children_before, memory.cpu_seconds)
    own = time.process_time() - own_before
    other = max(busy_cpu_seconds() - busy_before - cpu - own, 0.0)
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
