"""Campaign lists out of the warehouse: files for the marketing tool, and the segment table.

Both read the published file read-only, as any BI tool does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

FORMATS = ("csv", "parquet")
CONTACT_COLUMNS = (
    "customer_id, contact_priority, channel, offer_code, offer_name, segment, "
    "round(decline_probability, 4) as decline_probability, profit, "
    "round(profit_at_risk, 4) as profit_at_risk, favourite_category, risk_reasons"
)
SITE_COLUMNS = (
    "customer_id, offer_code, offer_name, segment, round(decline_probability, 4) as "
    "decline_probability, profit, favourite_category, risk_reasons"
)


@dataclass(frozen=True)
class ExportedList:
    """One file written for the marketing tool."""

    path: Path
    rows: int


def export_campaigns(
    warehouse: Path, out_dir: Path, file_format: str = "csv"
) -> list[ExportedList]:
    """Write one file per email/call offer (consenting customers only) and one of site offers."""
    if file_format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {file_format!r}")
    out_dir.mkdir(parents=True, exist_ok=True)
    connection = duckdb.connect(str(warehouse), read_only=True)
    try:
        offers = [
            code
            for (code,) in connection.execute(
                "select distinct offer_code from marts.campaign_contacts order by offer_code"
            ).fetchall()
        ]
        written = [
            _copy(
                connection,
                f"select {CONTACT_COLUMNS} from marts.campaign_contacts "
                f"where offer_code = {_literal(code)} order by contact_priority",
                out_dir / f"campaign_{_file_stem(code)}.{file_format}",
                file_format,
            )
            for code in offers
        ]
        written.append(
            _copy(
                connection,
                f"select {SITE_COLUMNS} from marts.site_offers order by offer_code, customer_id",
                out_dir / f"site_offers.{file_format}",
                file_format,
            )
        )
        return written
    finally:
        connection.close()


def segment_table(warehouse: Path) -> list[dict]:
    """The segments as rows, the most urgent first (from marts.segment_summary)."""
    connection = duckdb.connect(str(warehouse), read_only=True)
    try:
        cursor = connection.execute(
            """
            select
                summary.segment,
                summary.customers,
                summary.mean_decline_probability,
                summary.profit_at_risk,
                summary.total_profit,
                summary.share_with_consent,
                summary.top_offers,
                summary.top_categories
            from marts.segment_summary as summary
            order by summary.segment_rank
            """
        )
        columns = [description[0] for description in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    finally:
        connection.close()


def segment_markdown(warehouse: Path) -> str:
    """The segment table as Markdown, for the README and for a manager's message."""
    lines = [
        "| segment | customers | mean risk | profit at risk | total profit | consent | offers "
        "(customers) |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for row in segment_table(warehouse):
        lines.append(
            f"| `{row['segment']}` | {row['customers']:,} | {row['mean_decline_probability']:.2f} "
            f"| {row['profit_at_risk']:,.1f} | {row['total_profit']:,.1f} "
            f"| {row['share_with_consent']:.0%} | {row['top_offers']} |"
        )
    return "\n".join(lines)


def _copy(
    connection: duckdb.DuckDBPyConnection, sql: str, path: Path, file_format: str
) -> ExportedList:
    options = "format csv, header true" if file_format == "csv" else "format parquet"
    connection.execute(f"copy ({sql}) to {_literal(str(path))} ({options})")
    rows = connection.execute(f"select count(*) from ({sql})").fetchone()[0]
    return ExportedList(path=path, rows=rows)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _file_stem(offer_code: str) -> str:
    return re.sub(r"[^0-9A-Za-z_-]+", "_", offer_code).strip("_") or "offer"
