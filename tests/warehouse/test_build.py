"""End to end: the raw exports become a reconciled feature mart, in every dialect they come in."""

from __future__ import annotations

import csv
import json
import shutil
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from tests.conftest import Build, build_or_fail
from tests.support import TEST_MONTH, fingerprint, query, read_rows, run_oneclick, write_rows

pytestmark = pytest.mark.slow

FEATURE_COLUMNS_SQL = "select * exclude (customer_id) from marts.feature_mart order by customer_id"


def raw_revenue(raw: Path) -> dict[str, dict[str, float]]:
    """Revenue by customer and period, read straight from market_money.csv."""
    revenue: dict[str, dict[str, float]] = defaultdict(dict)
    for customer_id, period, value in read_rows(raw / "market_money.csv")[1:]:
        revenue[customer_id][period] = float(value.replace(",", "."))
    return revenue


def data_rows(path: Path, delimiter: str = ",") -> int:
    return len(read_rows(path, delimiter=delimiter)) - 1


def test_real_exports_reconcile_with_the_feature_mart(real_build: Build):
    raw = real_build.raw
    revenue = raw_revenue(raw)
    customers = [row[0] for row in read_rows(raw / "market_file.csv")[1:]]
    buying_every_month = {
        customer for customer in customers if all(value > 0 for value in revenue[customer].values())
    }

    mart_ids = {
        row[0] for row in query(real_build.warehouse, "select customer_id from marts.feature_mart")
    }
    scope = dict(
        query(
            real_build.warehouse,
            "select scope_status, count(*) from marts.customer_scope group by all",
        )
    )
    (row_counts,) = query(
        real_build.warehouse,
        "select row_counts from marts.build_runs order by finished_at desc limit 1",
    )[0]
    counts = json.loads(row_counts)

    assert mart_ids == {int(customer) for customer in buying_every_month}
    assert sum(scope.values()) == len(customers)
    assert scope["in_scope"] == len(buying_every_month)
    assert scope["not_buying_every_month"] == len(customers) - len(buying_every_month)
    for file_name, delimiter in [
        ("market_file.csv", ","),
        ("market_money.csv", ","),
        ("market_time.csv", ","),
        ("money.csv", ";"),
    ]:
        assert counts[file_name] == data_rows(raw / file_name, delimiter), file_name
    assert counts["marts.feature_mart"] == len(buying_every_month)


def test_the_real_revenue_outlier_is_replaced_by_the_stated_rule(real_build: Build):
    revenue = raw_revenue(real_build.raw)
    outliers = {
        customer: periods
        for customer, periods in revenue.items()
        if any(value > 100_000 for value in periods.values())
    }
    assert len(outliers) == 1, "the real data has exactly one monthly revenue over 100,000"
    ((customer, periods),) = outliers.items()
    others = [value for value in periods.values() if value <= 100_000]
    columns = {
        "препредыдущий_месяц": "revenue_two_months_ago",
        "предыдущий_месяц": "revenue_previous_month",
        "текущий_месяц": "revenue_current_month",
    }
    (outlier_period,) = [period for period, value in periods.items() if value > 100_000]

    rows = query(
        real_build.warehouse,
        f"select {columns[outlier_period]}, has_imputed_revenue from marts.feature_mart "
        "where customer_id = ?",
        [int(customer)],
    )

    (replaced, imputed) = rows[0]
    assert imputed is True
    assert replaced == pytest.approx(sum(others) / len(others))
    flagged = query(
        real_build.warehouse, "select count(*) from marts.feature_mart where has_imputed_revenue"
    )
    assert flagged == [(1,)]


def test_demo_typos_are_mapped_to_canonical_values(demo_build: Build):
    rows = read_rows(demo_build.raw / "market_file.csv")
    header = rows[0]
    tiers = Counter(row[header.index("Тип сервиса")] for row in rows[1:])
    categories = Counter(row[header.index("Популярная_категория")] for row in rows[1:])
    assert tiers["стандартт"] > 0 and categories["Косметика и аксесуары"] > 0, "demo lacks typos"

    staged_tiers = dict(
        query(
            demo_build.warehouse,
            "select service_tier, count(*) from staging.stg_shop_export__customers group by all",
        )
    )
    staged_categories = dict(
        query(
            demo_build.warehouse,
            "select favourite_category, count(*) "
            "from staging.stg_shop_export__customers group by all",
        )
    )
    minute_periods = dict(
        query(
            demo_build.warehouse,
            "select period, count(*) from staging.stg_shop_export__monthly_minutes group by all",
        )
    )

    assert staged_tiers == {
        "стандарт": tiers["стандарт"] + tiers["стандартт"],
        "премиум": tiers["премиум"],
    }
    assert staged_categories["Косметика и аксессуары"] == categories["Косметика и аксесуары"]
    assert "Косметика и аксесуары" not in staged_categories
    assert minute_periods == {"previous_month": len(rows) - 1, "current_month": len(rows) - 1}


def test_demo_scope_leaves_out_customers_without_a_purchase_every_month(demo_build: Build):
    revenue = raw_revenue(demo_build.raw)
    not_buying = {int(c) for c, periods in revenue.items() if min(periods.values()) == 0}
    assert not_buying, "the demo data should hold customers with a month without revenue"

    out_of_scope = dict(
        query(
            demo_build.warehouse,
            "select customer_id, scope_reason from marts.customer_scope "
            "where scope_status = 'not_buying_every_month'",
        )
    )
    in_mart = {
        row[0] for row in query(demo_build.warehouse, "select customer_id from marts.feature_mart")
    }

    assert set(out_of_scope) == not_buying
    assert not in_mart & not_buying
    assert all(reason.startswith("no purchase in ") for reason in out_of_scope.values())


def rewrite_in_another_dialect(source: Path, target: Path) -> None:
    """The same exports, as another system would write them: semicolons, decimal commas, CRLF
    line ends, a BOM, and whole numbers written with a decimal part (``5.0``)."""
    target.mkdir(parents=True)
    for path in source.iterdir():
        delimiter = ";" if path.name == "money.csv" else ","
        rows = read_rows(path, delimiter=delimiter)
        converted = [rows[0]]
        for row in rows[1:]:
            converted.append(
                [
                    value
                    if index == 0 or not value.replace(".", "", 1).replace(",", "", 1).isdigit()
                    else (value if ("." in value or "," in value) else value + ".0").replace(
                        ".", ","
                    )
                    for index, value in enumerate(row)
                ]
            )
        write_rows(
            target / path.name, converted, delimiter=";", line_ending="\r\n", encoding="utf-8-sig"
        )


def test_another_dialect_builds_the_same_feature_mart(demo_build: Build, tmp_path: Path):
    raw = tmp_path / "dialect"
    rewrite_in_another_dialect(demo_build.raw, raw)
    assert (raw / "market_file.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in (raw / "market_time.csv").read_bytes()

    build = build_or_fail(
        raw, tmp_path / "wh" / "oneclick.duckdb", "--model", demo_build.model_path
    )

    assert "';' delimited, ',' decimals, CRLF" in build.stdout
    assert query(build.warehouse, FEATURE_COLUMNS_SQL) == query(
        demo_build.warehouse, FEATURE_COLUMNS_SQL
    )


def test_a_category_nobody_mapped_fails_the_build_and_keeps_the_published_file(
    demo_build: Build, demo_copy: Path, tmp_path: Path
):
    # The published file of these very exports (demo_copy is the demo build's month).
    warehouse = tmp_path / "wh" / "oneclick.duckdb"
    warehouse.parent.mkdir()
    shutil.copy(demo_build.warehouse, warehouse)
    published = fingerprint(warehouse)
    rows = read_rows(demo_copy / "market_file.csv")
    column = rows[0].index("Популярная_категория")
    rows[3][column] = "Садовая мебель"
    write_rows(demo_copy / "market_file.csv", rows)

    result = run_oneclick(
        "build", "--raw", demo_copy, "--month", TEST_MONTH, "--warehouse", warehouse
    )

    assert result.returncode == 1
    assert (
        'market_file.csv, line 4: Популярная_категория: unknown value "Садовая мебель"'
        in result.stderr
    )
    assert "is unchanged" in result.stderr
    assert fingerprint(warehouse) == published


def test_build_prints_where_the_warehouse_is_and_what_it_holds(demo_build: Build):
    assert f"Published {demo_build.warehouse}" in demo_build.stdout
    assert "marts.feature_mart" in demo_build.stdout
    (rows,) = query(demo_build.warehouse, "select count(*) from marts.feature_mart")[0]
    assert f"{rows:,} rows" in demo_build.stdout


def test_the_published_file_keeps_no_path_to_the_raw_files(demo_build: Build):
    views = query(demo_build.warehouse, "select sql from duckdb_views() where not internal")
    assert views, "expected at least one view (marts.segment_summary)"
    for (sql,) in views:
        assert "read_csv" not in sql and str(demo_build.raw) not in sql
        assert '"oneclick".' not in sql, "a view must not name the catalog (file name)"


def test_staged_rows_reconcile_with_the_demo_files(demo_build: Build):
    for file_name, model in [
        ("market_file.csv", "stg_shop_export__customers"),
        ("market_money.csv", "stg_shop_export__monthly_revenues"),
        ("market_time.csv", "stg_shop_export__monthly_minutes"),
        ("money.csv", "stg_shop_export__profits"),
    ]:
        with (demo_build.raw / file_name).open(encoding="utf-8") as stream:
            lines = sum(1 for _ in csv.reader(stream)) - 1
        assert query(demo_build.warehouse, f"select count(*) from staging.{model}") == [(lines,)]
