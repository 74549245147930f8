"""Where the benchmark finds things, and what every measurement shares."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
ONECLICK = REPO_ROOT / ".venv" / "bin" / "oneclick"
BASELINE_SQL = REPO_ROOT / "scripts" / "baseline.sql"
GENERATOR = REPO_ROOT / "scripts" / "generate_demo_data.py"
SEED = 42
# A size's timed build is of a month after the earlier build's, as next month's export would be.
EARLIER_MONTH, TIMED_MONTH = "2026-11", "2026-12"
# The memory limit the build's DuckDB runs with (dbt_project/profiles.yml), given to the
# baseline too, so both work under the same ceiling.
MEMORY_LIMIT = os.environ.get("ONECLICK_MEMORY_LIMIT", "1GB")
