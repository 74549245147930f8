"""Turns a failed dbt build into a message a person can act on.

A failing data test stores the rows it found (``store_failures``, schema ``audit``) in the
candidate file; the explanation reads a few of them back, so the message names the export file,
the line and the value, not only the test's name. A model error (DuckDB's own message) is passed
on as it is, shortened to its first meaningful lines.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from warehouse.dbt_runner import DbtRun, NodeResult
from warehouse.errors import EnvironmentFault

EXAMPLE_ROWS = 5
PYTHON_EXCEPTION = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Warning)\b:?")


def explain_failures(run: DbtRun, candidate: Path) -> list[str]:
    """One paragraph per failed node: what failed, and example rows where a test stored them."""
    failed = [result for result in run.results if result.failed]
    if not failed:
        messages = [line for line in run.error_messages if line.strip()]
        return messages[-10:] or [f"dbt exited with code {run.return_code} and said nothing more"]
    nodes = run.manifest().get("nodes", {})
    connection = _open_read_only(candidate)
    try:
        return [_explain(result, nodes.get(result.unique_id, {}), connection) for result in failed]
    finally:
        if connection is not None:
            connection.close()


def _explain(result: NodeResult, node: dict, connection: duckdb.DuckDBPyConnection | None) -> str:
    if result.resource_type == "model":
        return f"model {result.name} failed: {_shorten(result.message)}"
    if result.resource_type == "unit_test":
        return f"unit test {result.name} failed: {_shorten(result.message, lines=12)}"
    if result.resource_type == "test":
        return _explain_test(result, node, connection)
    return f"{result.unique_id} {result.status}: {_shorten(result.message)}"


def _explain_test(
    result: NodeResult, node: dict, connection: duckdb.DuckDBPyConnection | None
) -> str:
    test_name = (node.get("test_metadata") or {}).get("name") or result.name
    attached = (node.get("attached_node") or "").split(".")[-1]
    column = node.get("column_name")
    subject = f"{attached}.{column}" if column else attached
    what = f"test {test_name} on {subject}" if subject else f"test {test_name}"
    if result.status == "error":
        return f"{what} could not run: {_shorten(result.message)}"
    count = result.failures or 0
    header = f"{what} failed: {count} row(s)"
    rows = _stored_rows(result.relation_name, connection)
    if not rows:
        return header
    lines = [header + (", for example:" if count > len(rows) else ":")]
    lines += [f"    {_describe_row(row)}" for row in rows]
    return "\n".join(lines)


def _stored_rows(
    relation_name: str | None, connection: duckdb.DuckDBPyConnection | None
) -> list[dict]:
    if not relation_name or connection is None:
        return []
    # The stored name carries the candidate's catalog; the file is open under its own.
    relation = ".".join(relation_name.split(".")[-2:])
    try:
        cursor = connection.execute(f"select * from {relation} limit {EXAMPLE_ROWS}")
    except duckdb.Error:
        return []
    columns = [description[0] for description in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _describe_row(row: dict) -> str:
    row = dict(row)
    if "problem" in row and "source_file" not in row:
        # A test that explains itself in a sentence (the audit, the scope check).
        return str(row["problem"])
    if "source_file" in row and "source_line_number" in row:
        where = f"{row.pop('source_file')}, line {row.pop('source_line_number')}"
        rest = "; ".join(
            str(value) if key in {"parse_problems", "problem"} else f"{key}={value}"
            for key, value in row.items()
        )
        return f"{where}: {rest}"
    return ", ".join(f"{key}={value}" for key, value in row.items())


def _shorten(message: str | None, lines: int = 4) -> str:
    """The first meaningful lines of a message; for a Python traceback, the exception itself."""
    if not message:
        return "no message"
    text = re.sub(r"\x1b\[[0-9;]*m", "", message)
    kept = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if any(line.startswith("Traceback") for line in kept):
        raised = [index for index, line in enumerate(kept) if PYTHON_EXCEPTION.match(line)]
        if raised:
            return "\n    ".join(kept[raised[-1] :][:lines])
    return "\n    ".join(kept[:lines])


def _open_read_only(candidate: Path) -> duckdb.DuckDBPyConnection | None:
    if not candidate.exists():
        return None
    try:
        return duckdb.connect(str(candidate), read_only=True)
    except duckdb.Error:
        return None


# What the operating system says, as DuckDB and Python pass it on, and the cause in a few words.
ENVIRONMENT_MESSAGES = {
    "No space left on device": "no space left on the device",
    "Disk quota exceeded": "disk quota exceeded",
    "Read-only file system": "the file system is read-only",
    "Permission denied": "permission denied",
}
_PATH_IN_MESSAGE = re.compile(r"""["']?(/[^"'\s:]+)["']?""")


def environment_fault_in(run: DbtRun, candidate: Path) -> EnvironmentFault | None:
    """The fault of the machine behind a failed dbt run (a full disk, a folder it may not write),
    or None when the data or the project failed it."""
    messages = [result.message or "" for result in run.results if result.failed]
    for text in [*messages, *run.error_messages]:
        for marker, cause in ENVIRONMENT_MESSAGES.items():
            if marker in text:
                line = next(line for line in text.splitlines() if marker in line)
                found = _PATH_IN_MESSAGE.search(line)
                path = found.group(1) if found else candidate.parent
                return EnvironmentFault("write", path, cause)
    return None
