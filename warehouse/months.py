"""Export months: every build is of one month of the shop's exports, written ``YYYY-MM``."""

from __future__ import annotations

import re
from pathlib import Path

MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")


class MonthError(ValueError):
    """No export month could be told, or the one given is not a month."""


def parse_month(text: str) -> str:
    """``text`` when it is a month ``YYYY-MM`` (``2026-11``); else :class:`MonthError`."""
    if not MONTH.fullmatch(text.strip()):
        raise MonthError(f"{text!r} is not a month: expected YYYY-MM, e.g. 2026-11")
    return text.strip()


def export_month(raw_folder: Path, given: str | None = None) -> str:
    """The month a build is of: ``given`` (``--month``) when there is one, else the raw folder's
    name when it is ``YYYY-MM`` (``exports/2026-11``). Never today's date: a month the files
    do not state is asked for."""
    if given:
        return parse_month(given)
    name = Path(raw_folder).name
    if MONTH.fullmatch(name):
        return name
    raise MonthError(
        f"which month are the exports in {raw_folder} of? Give it with --month YYYY-MM, "
        "or name the folder after the month (e.g. exports/2026-11)"
    )
