"""Faults of the machine, not of the data: one clear line naming the path and the cause, exit
code 3, nothing published, no traceback. A traceback is left only for a bug in oneclick itself,
with a line asking to report it (exit code 70)."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

import warehouse.cli
from tests.conftest import Build
from tests.support import TEST_MONTH, fingerprint
from warehouse.errors import BUG_REPORT, EXIT_BUG, EXIT_ENVIRONMENT

pytestmark = pytest.mark.slow


def run_without_root_powers(*arguments: str | Path) -> subprocess.CompletedProcess:
    """``oneclick`` as a user without root's power to ignore file permissions (tests run as
    root, who may write anywhere): capsh drops the capabilities that bypass them."""
    if shutil.which("capsh") is None:
        pytest.skip("capsh is not installed: cannot test 'permission denied' as root")
    command = shlex.join([sys.executable, "-m", "warehouse.cli", *map(str, arguments)])
    return subprocess.run(
        ["capsh", "--drop=cap_dac_override,cap_dac_read_search", "--", "-c", command],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def assert_one_clear_line(result: subprocess.CompletedProcess, *expected: str) -> str:
    assert result.returncode == EXIT_ENVIRONMENT, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for text in expected:
        assert text in lines[0], lines[0]
    return lines[0]


def test_a_read_only_warehouse_folder_is_named_and_the_published_file_kept(
    demo_build: Build, tmp_path: Path
):
    folder = tmp_path / "read-only"
    folder.mkdir()
    warehouse = folder / "oneclick.duckdb"
    shutil.copy(demo_build.warehouse, warehouse)
    before = fingerprint(warehouse)
    folder.chmod(0o555)
    try:
        result = run_without_root_powers(
            "build", "--raw", demo_build.raw, "--month", TEST_MONTH, "--warehouse", warehouse
        )
    finally:
        folder.chmod(0o755)

    line = assert_one_clear_line(result, "cannot write", str(folder), "permission denied")
    assert line.endswith(f"the warehouse {warehouse} is unchanged."), line
    assert fingerprint(warehouse) == before


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A folder on a 6 MB file system of its own: less than a build needs."""
    mount_point = tmp_path / f"disk-{uuid.uuid4().hex[:6]}"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small file system here: {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def test_a_full_disk_is_named_and_nothing_is_published(demo_build: Build, small_disk: Path):
    warehouse = small_disk / "oneclick.duckdb"

    result = warehouse_cli(
        "build", "--raw", demo_build.raw, "--month", TEST_MONTH, "--warehouse", warehouse
    )

    line = assert_one_clear_line(result, "no space left on the device", str(small_disk))
    assert line.endswith(f"the warehouse {warehouse} is not created."), line
    assert not warehouse.exists()
    assert not (small_disk / ".oneclick" / "build").exists(), "the candidate must be removed"


def warehouse_cli(*arguments: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "warehouse.cli", *map(str, arguments)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_a_bug_in_oneclick_shows_its_traceback_and_asks_for_a_report(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, tmp_path: Path
):
    def broken_build(*_arguments, **_options):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(warehouse.cli, "build_warehouse", broken_build)

    code = warehouse.cli.main(["build", "--month", TEST_MONTH, "--warehouse", str(tmp_path / "w")])

    stderr = capsys.readouterr().err
    assert code == EXIT_BUG
    assert "Traceback" in stderr and "ZeroDivisionError: a bug" in stderr
    assert BUG_REPORT in stderr
