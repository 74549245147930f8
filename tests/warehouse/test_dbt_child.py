"""The dbt child (warehouse.dbt_child) passes on, as dbt's JSON log lines, exactly the events
oneclick reads, with dbt's exit codes; dbt's file log keeps every event."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from dbt.adapters.events.types import SQLQuery
from dbt.events.types import LogModelResult, LogStartLine, MainEncounteredError
from dbt_common.events.base_types import msg_from_base_event
from dbt_common.events.functions import msg_to_dict

from warehouse.dbt_child import EventForwarder
from warehouse.dbt_runner import DbtRun, _report_event


def forwarded_lines(events, capsys: pytest.CaptureFixture[str]) -> tuple[list[dict], int]:
    """The JSON lines the forwarder writes for ``events`` (dbt events), and its error count."""
    forwarder = EventForwarder()
    for event in events:
        forwarder(msg_from_base_event(event))
    lines = capsys.readouterr().out.splitlines()
    return [json.loads(line) for line in lines], forwarder.errors


def test_only_start_result_and_error_events_are_written(capsys: pytest.CaptureFixture[str]):
    start = LogStartLine(description="sql table model marts.feature_mart", index=1, total=2)
    result = LogModelResult(
        description="sql table model marts.feature_mart", status="OK", index=1, total=2
    )
    query = SQLQuery(conn_name="model.oneclick.feature_mart", sql="select 1", node_info={})
    error = MainEncounteredError(exc="the profile has no target 'nowhere'")

    lines, errors = forwarded_lines([start, query, result, error], capsys)

    assert [line["info"]["name"] for line in lines] == [
        "LogStartLine",
        "LogModelResult",
        "MainEncounteredError",
    ]
    assert errors == 1
    # What dbt's JSON log writes of the event, so the parent reads it as before.
    as_dbt_logs_it = json.loads(json.dumps(msg_to_dict(msg_from_base_event(result))))
    assert lines[1]["data"] == as_dbt_logs_it["data"]
    assert lines[1]["info"].keys() == as_dbt_logs_it["info"].keys()


def test_an_error_event_reaches_the_build_s_error_messages(
    capsys: pytest.CaptureFixture[str], tmp_path
):
    lines, _ = forwarded_lines([MainEncounteredError(exc="Could not find profile")], capsys)
    run = DbtRun(
        command=["build"],
        return_code=2,
        elapsed_seconds=0.0,
        target_path=tmp_path,
        working_dir=tmp_path,
    )
    for line in lines:
        _report_event(json.dumps(line), run, progress=lambda _line: None)
    assert any("Could not find profile" in message for message in run.error_messages)


def test_a_bad_argument_exits_2_and_says_why(tmp_path):
    finished = subprocess.run(
        [sys.executable, "-m", "warehouse.dbt_child", "build", "--no-such-option"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert finished.returncode == 2
    assert "no-such-option" in finished.stdout


def test_the_child_ends_after_its_exit_handlers_with_its_output_flushed(tmp_path):
    handled = tmp_path / "handled"
    script = (
        "import atexit, pathlib, sys\n"
        "from warehouse.dbt_child import end_process\n"
        f"atexit.register(pathlib.Path({str(handled)!r}).write_text, 'closed')\n"
        "sys.stdout.write('last line, unflushed')\n"
        "end_process(3)\n"
    )
    finished = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert finished.returncode == 3
    assert finished.stdout == "last line, unflushed"
    assert handled.read_text() == "closed"
