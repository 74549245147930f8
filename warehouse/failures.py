"""Turns a failed dbt build into a message a person can act on.

A failing data test's compiled query is run again on the candidate file (tests do not store
their rows: a table per test would cost every build a write per test); the explanation shows a
few of the rows it finds, so the message names the export file, the line and the value, not
only the test's name. A failed ``column_checks`` test (a model's column checks in one query) is
explained check by check, as the separate tests would be. When a staging model cannot read its
export (DuckDB's ``CSV Error on Line: N``, a failed sniff, a file it cannot split into the
header's columns), the message names the file, the physical line (:mod:`warehouse.line_map`)
and what is wrong with it instead of DuckDB's wall of text. A model whose rows break its
enforced contract (DuckDB's ``Constraint Error``: a null where a column's ``not_null``
constraint allows none, a value outside its ``check``) is explained as a failed test is: the
column, the constraint, how many rows and a few of them, found by running the model's compiled
query again on the candidate. Another model error (DuckDB's own message) is passed on, shortened
to its first meaningful lines. Values from an export are shown with their control characters
escaped.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

import duckdb

from warehouse.dbt_runner import DbtRun, NodeResult
from warehouse.errors import EnvironmentFault, printable
from warehouse.exports import declared_exports
from warehouse.line_map import first_misfit, physical_line
from warehouse.publish import attach_statement
from warehouse.raw_files import RawDataError, detect_delimiter

EXAMPLE_ROWS = 5
PYTHON_EXCEPTION = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Warning)\b:?")
# DuckDB's messages when read_csv cannot read an export, and what they say about it.
CSV_ERROR_LINE = re.compile(r"CSV Error on Line: (\d+)")
CSV_ORIGINAL_LINE = re.compile(r"^\s*Original Line: (.*)$", re.MULTILINE)
CSV_DELIMITER = re.compile(r"^\s*delimiter = (.) \(", re.MULTILINE)
CSV_READ_FAILURES = (
    "CSV Error on Line",
    "Error when sniffing file",
    "CSV Parser state machine reached an invalid state",
    # The sniffer gave up and read the file as one column: the staged columns are not found.
    "Binder Error: Referenced column",
)
SOURCE_PATH = re.compile(r"read_csv\('((?:[^']|'')*)'")
# DuckDB's message when a row breaks a constraint of the table dbt-duckdb creates for a
# contract-enforced model (named <model>__dbt_tmp until the build renames it).
CONSTRAINT_ERROR = "Constraint Error"
DBT_TEMPORARY_NAME = re.compile(r"__dbt_tmp\b")
# The project's test of a model's column checks in one query (tests/generic/column_checks.sql).
COLUMN_CHECKS_TEST = "column_checks"


def explain_failures(run: DbtRun, candidate: Path, published: Path | None = None) -> list[str]:
    """One paragraph per failed node: what failed, and example rows of a failed test (its query
    run again on the candidate, with the ``published`` warehouse attached as the build had it)."""
    failed = [result for result in run.results if result.failed]
    if not failed:
        messages = [line for line in run.error_messages if line.strip()]
        return messages[-10:] or [f"dbt exited with code {run.return_code} and said nothing more"]
    manifest = run.manifest()
    nodes = manifest.get("nodes", {})
    connection = _open_read_only(candidate, published)
    try:
        return [
            _explain(result, nodes.get(result.unique_id, {}), manifest, connection, run.working_dir)
            for result in failed
        ]
    finally:
        if connection is not None:
            connection.close()


def _explain(
    result: NodeResult,
    node: dict,
    manifest: dict,
    connection: duckdb.DuckDBPyConnection | None,
    working_dir: Path,
) -> str:
    if result.resource_type == "model":
        export = _export_read_by(node, manifest, working_dir)
        unreadable = _unreadable_export(result.message or "", export) if export else None
        return (
            unreadable
            or _contract_violation(result, node, connection)
            or f"model {result.name} failed: {_shorten(result.message)}"
        )
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
    if test_name == COLUMN_CHECKS_TEST:
        explained = _failed_column_checks(attached, result.compiled_code, connection)
        if explained:
            return explained
    count = result.failures or 0
    header = f"{what} failed: {count} row(s)"
    rows = _failing_rows(result.compiled_code, connection)
    if not rows:
        return header
    lines = [header + (", for example:" if count > len(rows) else ":")]
    lines += [f"    {_describe_row(row)}" for row in rows]
    return "\n".join(lines)


def _failed_column_checks(
    model: str, compiled_code: str | None, connection: duckdb.DuckDBPyConnection | None
) -> str | None:
    """A failed column_checks test as its checks would fail one by one: a paragraph per check
    and column, with its rows and a few of the values; None when the rows cannot be queried."""
    if not compiled_code or connection is None:
        return None
    failing = f"({compiled_code.strip().rstrip(';')}) as failing"
    try:
        found = connection.execute(
            "select check_name, column_name, count(*), "
            "list(row(failing_value, occurrences) order by failing_value, occurrences)"
            f"[:{EXAMPLE_ROWS}] from {failing} group by all order by all"
        ).fetchall()
    except duckdb.Error:
        return None
    paragraphs = []
    for check, column, count, failing_rows in found:
        header = f"test {check} on {model}.{column} failed: {count} row(s)"
        examples = [
            f"    {column}={printable(value)}" + (f" ({times} rows)" if times > 1 else "")
            for value, times in failing_rows
            if value is not None or check != "not_null"
        ]
        more = ", for example:" if count > len(examples) else ":"
        paragraphs.append("\n".join([header + more, *examples]) if examples else header)
    return "\n".join(paragraphs) or None


def _contract_violation(
    result: NodeResult, node: dict, connection: duckdb.DuckDBPyConnection | None
) -> str | None:
    """What breaks a model's enforced contract, one paragraph per column constraint its rows
    break: the column, the constraint, how many rows and a few of them (the model's first
    column, its key, beside the value), from one pass of the model's query over the candidate.
    DuckDB's message, without dbt's temporary table name, when the rows cannot be queried;
    None when the model's error is not a constraint error."""
    message = result.message or ""
    if CONSTRAINT_ERROR not in message:
        return None
    columns = list((node.get("columns") or {}).values())
    rules = [
        rule
        for column in columns
        for constraint in column.get("constraints") or []
        if (rule := _rule(column.get("name") or "", constraint))
    ]
    breaches = []
    if rules and result.compiled_code and connection is not None:
        model_rows = f"from ({result.compiled_code.strip().rstrip(';')}) as model_rows"
        counts = ", ".join(f"count(*) filter (where {condition})" for _, _, condition in rules)
        try:
            found = connection.execute(f"select {counts} {model_rows}").fetchone()
            for (name, words, condition), count in zip(rules, found, strict=True):
                if count:
                    shown = list(dict.fromkeys([columns[0].get("name") or name, name]))
                    cursor = connection.execute(
                        f"select {', '.join(map(_identifier, shown))} {model_rows} "
                        f"where {condition} limit {EXAMPLE_ROWS}"
                    )
                    rows = [dict(zip(shown, row, strict=True)) for row in cursor.fetchall()]
                    more = ", for example:" if count > len(rows) else ":"
                    lines = [f"{words}: {count} row(s){more}"]
                    breaches.append("\n".join(lines + [f"    {_describe_row(r)}" for r in rows]))
        except duckdb.Error:
            breaches = []
    if not breaches:
        breaches = [DBT_TEMPORARY_NAME.sub("", _shorten(message))]
    return "\n".join(f"model {result.name} breaks its contract: {breach}" for breach in breaches)


def _rule(name: str, constraint: dict) -> tuple[str, str, str] | None:
    """(column, the constraint in words, the SQL condition of a row that breaks it)."""
    if constraint.get("type") == "not_null":
        words = f"{name} is null, where its not_null constraint allows none"
        return name, words, f"{_identifier(name)} is null"
    if constraint.get("type") == "check" and constraint.get("expression"):
        expression = " ".join(constraint["expression"].split())
        return name, f"{name} breaks its check ({expression})", f"not ({expression})"
    return None


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _failing_rows(
    compiled_code: str | None, connection: duckdb.DuckDBPyConnection | None
) -> list[dict]:
    """A few rows a failed test finds: its compiled query, run again."""
    if not compiled_code or connection is None:
        return []
    try:
        cursor = connection.execute(
            f"select * from ({compiled_code.strip().rstrip(';')}) as failing limit {EXAMPLE_ROWS}"
        )
    except duckdb.Error:
        return []
    columns = [description[0] for description in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _describe_row(row: dict) -> str:
    row = dict(row)
    if "problem" in row and "source_file" not in row:
        # A test that explains itself in a sentence (the audit, the scope check).
        return printable(row["problem"], limit=400)
    if "source_file" in row and "source_line_number" in row:
        where = f"{row.pop('source_file')}, line {row.pop('source_line_number')}"
        rest = "; ".join(
            printable(value, limit=300)
            if key in {"parse_problems", "problem"}
            else f"{key}={printable(value)}"
            for key, value in row.items()
        )
        return f"{where}: {rest}"
    return ", ".join(f"{key}={printable(value)}" for key, value in row.items())


def _export_read_by(node: dict, manifest: dict, working_dir: Path) -> Path | None:
    """The export file a (staging) model reads through its dbt source, if it reads one (a
    relative path in the source is taken from ``working_dir``, where dbt ran)."""
    sources = manifest.get("sources", {})
    for parent in (node.get("depends_on") or {}).get("nodes", []):
        found = SOURCE_PATH.search((sources.get(parent) or {}).get("relation_name") or "")
        if found:
            return working_dir / found.group(1).replace("''", "'")
    return None


def _unreadable_export(message: str, path: Path) -> str | None:
    """What DuckDB could not read in the export at ``path``, in the export's words: the file,
    the physical line and what is wrong; None when the message is not about reading it."""
    if not any(failure in message for failure in CSV_READ_FAILURES) or not path.is_file():
        return None
    name = path.name
    delimiter = _delimiter(message, path)
    misfit = first_misfit(path, delimiter) if delimiter else None
    if misfit is not None:
        spaces = " (a line of spaces only)" if misfit.text and not misfit.text.strip() else ""
        fields = f"{misfit.fields} field" + ("s" if misfit.fields != 1 else "")
        return (
            f"{name}: line {misfit.line} has {fields}, the header has "
            f"{misfit.header_fields}{spaces}: '{printable(misfit.text)}'"
        )
    if "Binder Error" in message:
        return None  # every record lines up: the binder error is about something else
    duckdb_line = CSV_ERROR_LINE.search(message)
    line = (
        physical_line(path, delimiter, int(duckdb_line.group(1)))
        if (duckdb_line and delimiter)
        else None
    )
    where = f"line {line}" if line else "a line"
    original = CSV_ORIGINAL_LINE.search(message)
    shown = f": '{printable(original.group(1).strip())}'" if original else ""
    if "unterminated quote" in message:
        return (
            f'{name}: {where}: a quoted value (") is not closed, or text follows its closing '
            f"quote{shown}"
        )
    if "invalid state" in message:
        return (
            f"{name}: DuckDB cannot read the file: a line end or a quote stands where the "
            "file's layout allows none (line ends mixed, CRLF and LF, or a CR inside a value?)"
        )
    return f"{name}: DuckDB cannot read {where}{shown}: {_shorten(message, lines=3)}"


def _delimiter(message: str, path: Path) -> str | None:
    """The delimiter DuckDB used (its message says), else the one the header line tells."""
    stated = CSV_DELIMITER.search(message)
    if stated:
        return stated.group(1)
    spec = next((spec for spec in declared_exports() if spec.file_name == path.name), None)
    if spec is None:
        return None
    with path.open("rb") as stream:
        header_line = stream.readline().decode("utf-8", errors="replace").lstrip("\ufeff")
    try:
        return detect_delimiter(spec.file_name, header_line, spec)
    except RawDataError:
        return None


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


def _open_read_only(candidate: Path, published: Path | None) -> duckdb.DuckDBPyConnection | None:
    """The candidate file, read-only, with the published warehouse attached as dbt had it (the
    history's tests read it)."""
    if not candidate.exists():
        return None
    try:
        connection = duckdb.connect(str(candidate), read_only=True)
    except duckdb.Error:
        return None
    # Without it, the tests that do not read the history still show their rows.
    with contextlib.suppress(duckdb.Error):
        connection.execute(attach_statement(published))
    return connection


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
