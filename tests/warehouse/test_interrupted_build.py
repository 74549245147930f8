"""A build stopped while it trains the model leaves no process behind (issue 11, item 7).

Every process a build starts (dbt, and anything dbt starts) inherits the environment variable
ONECLICK_BUILD_RUN, which holds the run's id: a process carrying this build's id that outlives
the build is an orphan. The published warehouse must stay byte for byte as it was.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import Build
from tests.support import TEST_MONTH, fingerprint

pytestmark = pytest.mark.slow

# The model step's line when the candidate comparison starts (models_ml.selection).
TRAINING_STARTED = re.compile(r"comparing \d+ settings on \d+ folds each")
RUN_ID = re.compile(r"\(run (?P<run_id>[0-9T]+-[0-9a-f]+)\)")
# "Within a few seconds" of the signal (measured: 0.3-0.6 s). oneclick itself may wait up to
# 10 s for dbt to end before it kills it.
GRACE_SECONDS = 5.0
EXIT_SECONDS = 15.0


def processes_of_run(run_id: str) -> dict[int, str]:
    """Every live process whose environment carries this build's run id: pid → command line."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environment = (entry / "environ").read_bytes().split(b"\0")
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            status = (entry / "status").read_text()
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        if "State:\tZ" in status:  # a zombie has ended; only its parent has not reaped it yet
            continue
        for variable in environment:
            if variable.startswith(b"ONECLICK_BUILD_RUN="):
                value = variable.split(b"=", 1)[1].decode(errors="replace")
                try:
                    if json.loads(value).get("run_id") == run_id:
                        found[int(entry.name)] = command.strip()
                except json.JSONDecodeError:
                    pass
    return found


def as_from_a_terminal() -> None:
    """In the build's process before it starts: SIGINT and SIGQUIT as a terminal's foreground
    job has them. A process started with a signal ignored keeps it ignored (POSIX), and the
    test run may have them ignored: a shell ignores both for a job it starts in the background
    (``make test &``, or ``trap '' INT``). The build then rightly ignored the SIGINT this test
    sends, and the test failed for how it was started."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGQUIT, signal.SIG_DFL)


def parent_of(pid: int) -> int | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return None
    return int(re.search(r"^PPid:\s+(\d+)", status, re.MULTILINE).group(1))


def read_until(stream, pattern: re.Pattern, seen: list[str], timeout: float) -> re.Match:
    deadline = time.monotonic() + timeout
    for line in stream:
        seen.append(line)
        match = pattern.search(line)
        if match:
            return match
        if time.monotonic() > deadline:
            break
    raise AssertionError(f"{pattern.pattern!r} never appeared; the build said:\n{''.join(seen)}")


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL], ids=str)
def test_a_build_stopped_during_training_leaves_no_process_and_the_file_as_it_was(
    demo_build: Build, tmp_path: Path, stop: signal.Signals
):
    raw = tmp_path / "raw"
    shutil.copytree(demo_build.raw, raw)
    warehouse = tmp_path / "warehouse" / "oneclick.duckdb"
    warehouse.parent.mkdir()
    # The published file of an earlier build, without its saved models: this build trains.
    shutil.copy2(demo_build.warehouse, warehouse)
    before = fingerprint(warehouse)

    build = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "warehouse.cli",
            "build",
            "--raw",
            raw,
            "--warehouse",
            warehouse,
            "--month",
            TEST_MONTH,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # a signal to the test's group would not reach it
        preexec_fn=as_from_a_terminal,
    )
    seen: list[str] = []
    run_id = ""
    try:
        run_id = read_until(build.stdout, RUN_ID, seen, timeout=120)["run_id"]
        read_until(build.stdout, TRAINING_STARTED, seen, timeout=300)
        time.sleep(1.0)  # the fits are under way (a process pool, if any, has started)
        assert processes_of_run(run_id), "the build's dbt process should carry the marker"

        os.kill(build.pid, stop)
        stopped = time.monotonic()
        build.wait(timeout=EXIT_SECONDS)
        said = "".join(seen) + build.stdout.read()
        left = processes_of_run(run_id)
        while left and time.monotonic() - stopped < GRACE_SECONDS:
            time.sleep(0.2)
            left = processes_of_run(run_id)

        assert not left, (
            f"{len(left)} process(es) of the build outlived it after {stop.name} "
            f"({time.monotonic() - stopped:.1f} s):\n"
            + "\n".join(f"  {pid} (parent {parent_of(pid)}): {cmd}" for pid, cmd in left.items())
        )
        print(f"no process of the build left {time.monotonic() - stopped:.1f} s after {stop.name}")
        assert build.returncode != 0, said
        assert fingerprint(warehouse) == before
    finally:
        if build.poll() is None:
            build.kill()
            build.wait()
        # Never leave the orphans this test looks for on the machine.
        for pid in processes_of_run(run_id) if run_id else {}:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
