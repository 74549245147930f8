"""dbt-duckdb plugin: the published warehouse, attached read-only, as the catalog ``published``.

The warehouse keeps its history (earlier months, builds and models) by reading the previously
published file as a dbt source (``source('published', …)``, see
dbt_project/models/staging/published/). The profile attaches it through this plugin instead of
dbt-duckdb's ``attach:`` list because DuckDB cannot attach a file that does not exist read-only:
before a warehouse's first build there is nothing published, and the catalog is then an empty
in-memory database of the same name, so every history source reads as empty.

Attaching read-only takes no write lock: a BI tool holding the published file open, or a
``dbt build`` into the development file, leaves the published file byte for byte as it is.
"""

from __future__ import annotations

from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection

from warehouse.publish import attach_statement


class Plugin(BasePlugin):
    """Profile: ``plugins: [{module: warehouse.published_attach, config: {path: …}}]``."""

    def initialize(self, plugin_config: dict[str, Any]) -> None:
        self.path = plugin_config.get("path") or None

    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        conn.execute(attach_statement(self.path))
