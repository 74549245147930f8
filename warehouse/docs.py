"""``oneclick docs``: the dbt documentation site as one HTML file that opens without a server.

``dbt docs generate --static`` writes the manifest, the catalog (read from the warehouse) and
the site into a single ``static_index.html``. dbt-duckdb opens the database file read-write, so
the docs are generated from a copy of the published warehouse: the published file is never
opened for writing, and a BI tool that holds it keeps its lock.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import duckdb

from warehouse.dbt_runner import Progress, run_dbt


class DocsError(Exception):
    """dbt could not generate the documentation."""


def write_docs(out_dir: Path, warehouse: Path, progress: Progress = print) -> Path:
    """Write ``out_dir/index.html``, the static dbt docs of the project and the warehouse."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="oneclick-docs-") as scratch:
        scratch_dir = Path(scratch)
        copy = scratch_dir / warehouse.name
        shutil.copy(warehouse, copy)
        run = run_dbt(
            ["docs", "generate", "--static"],
            warehouse_path=copy,
            published_path=warehouse,
            dbt_vars={},
            target_path=scratch_dir / "target",
            log_path=scratch_dir / "logs",
            progress=progress,
            # The compiled SQL the docs show is that of the warehouse's latest build.
            extra_env={"ONECLICK_EXPORT_MONTH": _latest_export_month(copy)},
        )
        site = scratch_dir / "target" / "static_index.html"
        if not run.succeeded or not site.exists():
            raise DocsError("dbt docs generate failed: " + " | ".join(run.error_messages[-5:]))
        page = out_dir / "index.html"
        shutil.copy(site, page)
    return page


def _latest_export_month(warehouse: Path) -> str:
    """The export month (YYYY-MM) of the warehouse's latest build, or '' when it has none."""
    connection = duckdb.connect(str(warehouse), read_only=True)
    try:
        row = connection.execute(
            "select strftime(export_month, '%Y-%m') from marts.build_runs "
            "order by finished_at desc limit 1"
        ).fetchone()
    except duckdb.Error:
        row = None
    finally:
        connection.close()
    return row[0] if row and row[0] else ""
