"""The dbt child process: ``python -m warehouse.dbt_child <dbt arguments>`` runs dbt in-process
(dbt's ``dbtRunner``) and writes to standard output, as JSON lines, only the events that
:mod:`warehouse.dbt_runner` reads: a node's start and result, and every error.

dbt's own JSON console log would do the same job at a cost: it formats every event it fires as
a JSON line (its debug ones too: each query a node runs, with its SQL) and only then drops those
below its level, and so does a JSON file log. A build fires some four thousand events; turning
each into JSON through protobuf costs dbt about a third of a millisecond of Python, the lock its
threads share, per log. Here the console log is off (``--log-level none``), the file log
(``dbt.log``, every event) is dbt's default plain text, and a callback formats only the few events
oneclick reads, the way dbt's JSON log would.

Exit codes are dbt's: 0 when every node passed, 1 when a node failed, 2 when dbt itself failed
(its error events say why). The process ends without tearing the interpreter down (see
:func:`end_process`).
"""

from __future__ import annotations

import atexit
import json
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

# The events oneclick reads (warehouse.dbt_runner): a node's start line, its result; and every
# event of level error, whatever its name.
START_EVENT = "LogStartLine"
RESULT_EVENTS = frozenset({"LogModelResult", "LogTestResult", "LogSeedResult", "LogNodeResult"})
FORWARDED_EVENTS = RESULT_EVENTS | {START_EVENT}
# dbt's console log off; its file log (dbt.log) as dbt writes it by default: every event, as text.
LOG_ARGUMENTS = ("--log-level", "none", "--log-level-file", "debug", "--log-format-file", "debug")


class EventForwarder:
    """dbt's callback: writes each event oneclick reads to standard output as dbt's JSON log
    would, and remembers whether dbt reported an error."""

    def __init__(self) -> None:
        self.errors = 0

    def __call__(self, msg) -> None:
        is_error = msg.info.level == "error"
        if msg.info.name not in FORWARDED_EVENTS and not is_error:
            return
        from dbt_common.events.functions import env_scrubber, msg_to_dict
        from dbt_common.utils.encoding import ForgivingJSONEncoder

        self.errors += is_error
        line = json.dumps(msg_to_dict(msg), sort_keys=True, cls=ForgivingJSONEncoder)
        sys.stdout.write(env_scrubber(line) + "\n")
        sys.stdout.flush()


def exit_code(result) -> int:
    """dbt's exit code for a dbtRunnerResult: 0 success, 1 a node failed, 2 dbt failed."""
    if result.success:
        return 0
    return 2 if result.exception is not None else 1


def main(arguments: Sequence[str]) -> int:
    from dbt.cli.main import dbtRunner

    forwarder = EventForwarder()
    result = dbtRunner(callbacks=[forwarder]).invoke([*LOG_ARGUMENTS, *arguments])
    if result.exception is not None and not forwarder.errors:
        # dbt stopped before it could log why (a bad argument): say it here.
        print(f"{type(result.exception).__name__}: {result.exception}", flush=True)
    return exit_code(result)


def end_process(code: int) -> NoReturn:
    """Run the exit handlers, then end the process at once: dbt-duckdb's handler closes the
    DuckDB file (which checkpoints it), logging's flushes dbt.log, multiprocessing's cleans up
    after itself. What is skipped is Python freeing, object by object, the modules and objects
    of dbt, pandas and scikit-learn: some 1.3 s at the end of every build, for memory the
    operating system takes back anyway. Should a write-ahead log still be beside the candidate,
    warehouse.publish checkpoints it before publishing."""
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    end_process(main(sys.argv[1:]))
