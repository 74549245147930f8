"""`make test`'s time: lint and every test, as a developer and CI run them (its workers on every
core), in the measured tree."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from scripts.benchmarking.process import wait_for_quiet
from scripts.benchmarking.report import verdict

# The target on a 2-core machine.
SUITE_SECONDS = 300.0


def measure_suite(tree: Path, quiet_wait: float = 0.0) -> dict[str, object]:
    """Run `make test` in ``tree``; its time, exit code and pytest's summary line."""
    waited = wait_for_quiet(quiet_wait) if quiet_wait else 0.0
    started = time.monotonic()
    run = subprocess.run(
        ["make", "-C", str(tree), "test"], capture_output=True, text=True, check=False
    )
    seconds = time.monotonic() - started
    summary = next(
        (line.strip("= ") for line in reversed(run.stdout.splitlines()) if " in " in line),
        "",
    )
    print(f"make test: {seconds:.0f} s, exit {run.returncode} ({summary})", flush=True)
    return {
        "seconds": seconds,
        "return_code": run.returncode,
        "summary": summary,
        "waited_for_quiet_seconds": waited,
    }


def suite_verdicts(suite: dict) -> dict[str, str]:
    passed = suite["return_code"] == 0 and suite["seconds"] <= SUITE_SECONDS
    state = "" if suite["return_code"] == 0 else f", exit {suite['return_code']}"
    return {
        f"make test ≤ {SUITE_SECONDS / 60:.0f} minutes": verdict(
            f"{suite['seconds'] / 60:.1f} min{state}", passed
        )
    }
