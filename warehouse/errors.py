"""What can go wrong, as the ``oneclick`` command tells it: one class per kind of fault, each
with its own exit code, and the way a value from an export is shown in a message.

- :class:`EnvironmentFault`: the machine, not the data or oneclick, stops the work (permission
  denied, a read-only or missing folder, a full disk). One line names the path and the cause.
- Data and test failures have their own classes where they are raised (``RawDataError``,
  ``BuildFailedError``); they exit with :data:`EXIT_FAILED`.
- Anything else is a bug in oneclick: the command prints the traceback and asks for a report.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

EXIT_FAILED = 1  # the exports or the build's tests refused the data; nothing was published
EXIT_USAGE = 2  # the command line is wrong (argparse's own code)
EXIT_ENVIRONMENT = 3  # permission denied, read-only or missing folder, disk full
EXIT_BUG = 70  # a bug in oneclick itself (sysexits' EX_SOFTWARE)
EXIT_INTERRUPTED = 130  # Ctrl-C or SIGTERM

BUG_REPORT = (
    "This is a bug in oneclick, not a fault of the data: please report it to the maintainers "
    "with the output above."
)

# The cause of an OSError in a few words, by errno; others fall back to os.strerror.
_CAUSES = {
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EROFS: "the file system is read-only",
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "disk quota exceeded",
    errno.ENOENT: "no such file or folder",
    errno.ENOTDIR: "not a folder",
    errno.EISDIR: "is a folder, not a file",
}


class EnvironmentFault(Exception):
    """The machine stops the work: ``path`` could not be used, for ``cause``."""

    def __init__(self, action: str, path: Path | str, cause: str):
        super().__init__(f"cannot {action} {path}: {cause}")
        self.action = action
        self.path = Path(path)
        self.cause = cause

    @classmethod
    def from_os_error(cls, action: str, error: OSError, path: Path | str | None = None):
        """The fault for an ``OSError`` met while trying to ``action`` (e.g. "read")."""
        where = path if path is not None else (error.filename or "?")
        return cls(action, where, os_error_cause(error))


def os_error_cause(error: OSError) -> str:
    """``permission denied``, ``no space left on the device``, … for an OSError."""
    if error.errno in _CAUSES:
        return _CAUSES[error.errno]
    if error.errno:
        return os.strerror(error.errno).lower()
    return str(error) or type(error).__name__


def printable(text: object, limit: int = 80) -> str:
    """A value from an export as a message shows it: control characters escaped (``\\x00``,
    ``\\t``), nothing else changed, cut at ``limit`` characters with an ellipsis."""
    escaped = "".join(
        character if character.isprintable() or character == " " else _escape(character)
        for character in str(text)
    )
    return escaped if len(escaped) <= limit else escaped[: limit - 1] + "…"


def _escape(character: str) -> str:
    named = {"\t": "\\t", "\n": "\\n", "\r": "\\r", "\x00": "\\x00"}
    if character in named:
        return named[character]
    code = ord(character)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
