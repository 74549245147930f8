"""Where each export's records sit in its file: from record first_record on, record k (a staging
table's rowid + 1) starts on line k + line_offset. A thin shell around warehouse.line_map, which
counts records as the sources' read_csv does (dbt cannot unit-test Python models:
tests/warehouse/test_line_numbers.py tests the function against DuckDB itself)."""

from pathlib import Path

import duckdb
import pandas as pd

from warehouse.exports import declared_exports
from warehouse.line_map import line_offsets

# The options the sources read the exports with (_shop_export__sources.yml), for the sniffer.
SNIFF = "select delimiter from sniff_csv(?, quote = '\"', escape = '\"')"


def model(dbt, session):
    dbt.config(materialized="table")
    raw_dir = Path(dbt.config.get("raw_dir"))
    rows = []
    for file_name in [export.file_name for export in declared_exports()]:
        path = raw_dir / file_name
        try:
            (delimiter,) = session.execute(SNIFF, [str(path)]).fetchone()
        except duckdb.Error:
            # A file DuckDB cannot read fails its staging model, which says why.
            continue
        rows += [(file_name, first, offset) for first, offset in line_offsets(path, delimiter)]
    return pd.DataFrame(
        {
            "source_file": pd.Series([row[0] for row in rows], dtype="str"),
            "first_record": pd.Series([row[1] for row in rows], dtype="int64"),
            "line_offset": pd.Series([row[2] for row in rows], dtype="int64"),
        }
    )
