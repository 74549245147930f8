"""dbt keeps its parse of the project from one build of a warehouse to the next (partial
parsing), and a build that reuses it still reads its own exports and records its own run. With
ONECLICK_PARSE_CACHE, a warehouse's first build starts from another warehouse's parse."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Build
from tests.support import TEST_MONTH, fingerprint, query, read_rows, write_rows
from warehouse.build import build_warehouse
from warehouse.parse_cache import ENVIRONMENT_VARIABLE

pytestmark = pytest.mark.slow


# What dbt's log says when it parses the project in full, and when it finds nothing to parse
# again (dbt's events UnableToPartialParse and PartialParsingSkipParsing).
FULL_PARSE = "Unable to do partial parsing"
NOTHING_TO_PARSE = "Partial parsing enabled, no changes found, skipping parsing"


def dbt_log(warehouse: Path) -> str:
    """The dbt log of the warehouse's last published build."""
    log = warehouse.parent / ".oneclick" / "last-build" / "logs" / "dbt.log"
    return log.read_text(encoding="utf-8")


def without_customers(source: Path, target: Path, customers: set[str]) -> Path:
    """A copy of the exports in ``source`` without the rows of ``customers``."""
    target.mkdir()
    for path in source.iterdir():
        delimiter = ";" if path.name == "money.csv" else ","
        header, *rows = read_rows(path, delimiter=delimiter)
        kept = [row for row in rows if row[0] not in customers]
        write_rows(target / path.name, [header, *kept], delimiter=delimiter)
    return target


def build_quietly(raw: Path, warehouse: Path, model: Path, **settings) -> str:
    """Build ``raw`` into ``warehouse``, scored by ``model``; the run's id."""
    return build_warehouse(
        raw,
        warehouse,
        month=TEST_MONTH,
        model_path=model,
        progress=lambda _line: None,
        dbt_vars=settings,
    ).run_id


def test_a_second_build_reuses_the_parse_and_reads_its_own_exports(
    demo_build: Build, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # Only the warehouse's own parse: none from the test run's other builds.
    monkeypatch.delenv(ENVIRONMENT_VARIABLE, raising=False)
    first_raw = demo_build.raw.resolve()
    customers = [row[0] for row in read_rows(first_raw / "market_file.csv")[1:]]
    second_raw = without_customers(first_raw, tmp_path / "second", set(customers[:100])).resolve()
    warehouse = tmp_path / "wh" / "oneclick.duckdb"

    first_run = build_quietly(first_raw, warehouse, demo_build.model_path)
    first_log = dbt_log(warehouse)
    second_run = build_quietly(second_raw, warehouse, demo_build.model_path)
    second_log = dbt_log(warehouse)

    # dbt logs why it parses the whole project; the first build has no earlier parse to reuse
    assert FULL_PARSE in first_log
    assert FULL_PARSE not in second_log
    assert NOTHING_TO_PARSE in second_log, "no file should need parsing again"
    runs = query(
        warehouse,
        "select run_id, raw_folder, customers_in_export, "
        "json_extract_string(export_fingerprints, '$.\"money.csv\".sha256') "
        "from marts.build_runs order by finished_at",
    )
    assert runs == [
        (first_run, str(first_raw), len(customers), fingerprint(first_raw / "money.csv")),
        (second_run, str(second_raw), len(customers) - 100, fingerprint(second_raw / "money.csv")),
    ]
    assert query(warehouse, "select count(*) from staging.stg_shop_export__customers") == [
        (len(customers) - 100,)
    ]


def test_a_first_build_starts_from_the_parse_another_warehouse_left(
    demo_build: Build, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv(ENVIRONMENT_VARIABLE, str(tmp_path / "parse-cache"))
    raw = demo_build.raw.resolve()
    customers = [row[0] for row in read_rows(raw / "market_file.csv")[1:]]
    other_raw = without_customers(raw, tmp_path / "other", set(customers[:50])).resolve()
    first, second, third = (tmp_path / name / "oneclick.duckdb" for name in ("a", "b", "c"))

    build_quietly(raw, first, demo_build.model_path)
    assert FULL_PARSE in dbt_log(first), "nothing was cached yet"
    build_quietly(other_raw, second, demo_build.model_path)
    second_log = dbt_log(second)
    # Another setting is another parse: dbt parses in full rather than take a wrong one.
    build_quietly(raw, third, demo_build.model_path, high_risk_min_probability=0.55)

    assert FULL_PARSE not in second_log
    assert NOTHING_TO_PARSE in second_log
    assert FULL_PARSE in dbt_log(third)
    # The reused parse read the second warehouse's own exports and wrote only its own file.
    assert query(second, "select count(*) from staging.stg_shop_export__customers") == [
        (len(customers) - 50,)
    ]
    assert query(second, "select raw_folder from marts.build_runs") == [(str(other_raw),)]
    assert query(first, "select count(*) from staging.stg_shop_export__customers") == [
        (len(customers),)
    ]
