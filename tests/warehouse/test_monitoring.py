"""Is the model still right, and do the offers work: drift, realised performance, control groups
and uplift, end to end through `oneclick`, on the demo months and on generated months whose
truth is known."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pytest

from scripts.generate_demo_data import Shop, decline_probability, write_shop
from tests.conftest import Build, build_or_fail
from tests.support import built_once, query, read_rows, run_oneclick, write_rows
from warehouse.summary import current_model_path

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    "table",
    [
        "customer_history",
        "segment_changes",
        "segment_flow",
        "feature_drift",
        "model_performance_history",
        "campaign_assignments",
        "campaign_outcome_customers",
        "campaign_outcomes",
    ],
)
def test_on_the_demo_months_every_monitoring_table_has_rows(demo_months_build: Path, table):
    assert query(demo_months_build, f"select count(*) from marts.{table}")[0][0] > 0


def test_the_demo_months_show_the_drift_the_generator_made(demo_months_build: Path):
    shifted = query(
        demo_months_build,
        "select strftime(export_month, '%Y-%m'), feature from marts.feature_drift "
        "where status = 'shifted' order by 1, 2",
    )
    # the demo's last month has its pages per visit cut by a third (see the generator)
    assert shifted == [("2026-11", "pages_per_visit")]


def test_control_customers_are_a_tenth_and_never_contacted(demo_months_build: Path, tmp_path: Path):
    ((assigned, controls),) = query(
        demo_months_build,
        "select count(*), count(*) filter (where is_control) from marts.campaign_assignments",
    )
    controls_now = {
        row[0]
        for row in query(
            demo_months_build,
            "select customer_id from marts.campaign_assignments where is_control "
            "and export_month = (select max(export_month) from marts.campaign_assignments)",
        )
    }
    contacted = {
        row[0]
        for row in query(demo_months_build, "select customer_id from marts.campaign_contacts")
    }
    exported = run_oneclick(
        "export", "--warehouse", demo_months_build, "--out", tmp_path / "lists", timeout=120
    )
    assert exported.returncode == 0, exported.stderr
    in_files = set()
    for path in (tmp_path / "lists").glob("campaign_*.csv"):
        with path.open(encoding="utf-8") as stream:
            in_files |= {int(row["customer_id"]) for row in csv.DictReader(stream)}

    assert 0.07 <= controls / assigned <= 0.13
    assert controls_now, "this month has a control group"
    assert not controls_now & contacted
    assert in_files and not controls_now & in_files


def test_halving_one_behaviour_shifts_that_feature_and_only_that_one(
    demo_build: Build, demo_copy: Path, tmp_path: Path
):
    rows = read_rows(demo_copy / "market_file.csv")
    pages = rows[0].index("Страниц_за_визит")
    for row in rows[1:]:
        row[pages] = str(int(row[pages]) // 2)
    write_rows(demo_copy / "market_file.csv", rows)
    warehouse = tmp_path / "published" / "oneclick.duckdb"
    warehouse.parent.mkdir()
    shutil.copy(demo_build.warehouse, warehouse)

    build = build_or_fail(demo_copy, warehouse, "--model", demo_build.model_path, month="2026-12")

    drift = dict(
        query(
            warehouse,
            "select feature, status from marts.feature_drift "
            "where export_month = date '2026-12-01'",
        )
    )
    assert drift.pop("pages_per_visit") == "shifted"
    assert set(drift.values()) == {"stable"}
    assert "warning: pages_per_visit has shifted from the model's training data" in build.stdout


GENERATED_MONTHS = ("2026-09", "2026-10")
EXPORT_FILES = ("market_file.csv", "market_money.csv", "market_time.csv", "money.csv")


def generated_shop(offer_effect: float) -> Shop:
    return Shop(months=GENERATED_MONTHS, customers=5000, seed=11, offer_effect=offer_effect)


@pytest.fixture(scope="module")
def first_generated_month(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The generated shop's first month built once per test run, the model trained on it: the
    offers act from the second month on (a contact changes the next month's chance), so the
    first month's exports are the same whatever the offers' effect (each test checks its own
    are, byte for byte). Tests copy the published file before building the next month on it.
    Returns the published file and the first month's exports."""

    def build(root: Path) -> tuple[Path, Path]:
        write_shop(root / "raw", generated_shop(offer_effect=0.0))
        warehouse = root / "warehouse" / "oneclick.duckdb"
        build_or_fail(root / "raw" / GENERATED_MONTHS[0], warehouse, month=None)
        return warehouse, root / "raw" / GENERATED_MONTHS[0]

    return built_once(tmp_path_factory, "generated-first-month", build)


def two_generated_months(
    root: Path, offer_effect: float, first_month: tuple[Path, Path]
) -> tuple[Path, Shop]:
    """A shop's two months of exports with a known effect of the offers, built into one
    warehouse: the first month trains the model (``first_month``: that build, shared by the
    tests), the second is scored by it."""
    shop = generated_shop(offer_effect)
    write_shop(root / "raw", shop)
    first_warehouse, first_raw = first_month
    for name in EXPORT_FILES:
        own = (root / "raw" / GENERATED_MONTHS[0] / name).read_bytes()
        assert own == (first_raw / name).read_bytes(), f"{name} of the first month differs"
    warehouse = root / "warehouse" / "oneclick.duckdb"
    warehouse.parent.mkdir(parents=True)
    shutil.copy(first_warehouse, warehouse)
    build_or_fail(
        root / "raw" / GENERATED_MONTHS[1],
        warehouse,
        "--model",
        current_model_path(first_warehouse),
        month=None,
    )
    return warehouse, shop


def outcome_and_truth(warehouse: Path, shop: Shop, campaign: str) -> tuple[tuple, float]:
    """The warehouse's outcome of a campaign of 2026-09, and the true effect on its customers:
    the mean over them of the chance of declining in October if contacted minus if not."""
    outcome = query(
        warehouse,
        "select decline_rate_difference_low, decline_rate_difference_high, "
        "decline_rate_difference from marts.campaign_outcomes where campaign = ? "
        "and export_month = date '2026-09-01'",
        [campaign],
    )[0]
    customers = np.array(
        [
            row[0]
            for row in query(
                warehouse,
                "select customer_id from marts.campaign_outcome_customers "
                "where campaign = ? and export_month = date '2026-09-01'",
                [campaign],
            )
        ]
    )
    treated = decline_probability(shop, customers, "2026-10", True)
    untreated = decline_probability(shop, customers, "2026-10", False)
    return outcome, float(np.nanmean(treated - untreated))


def largest_campaign(warehouse: Path) -> str:
    return query(
        warehouse,
        "select campaign from marts.campaign_outcomes where has_enough_customers "
        "order by contacted_customers + control_customers desc limit 1",
    )[0][0]


def test_a_known_offer_effect_lies_inside_the_reported_interval(
    first_generated_month: tuple[Path, Path], tmp_path: Path
):
    warehouse, shop = two_generated_months(tmp_path, 0.2, first_generated_month)
    campaign = largest_campaign(warehouse)

    (low, high, estimate), truth = outcome_and_truth(warehouse, shop, campaign)

    assert truth < -0.1, "the generator's effect is a real reduction of the decline rate"
    assert low <= truth <= high
    assert high < 0, "an effect this large is told from chance"
    assert estimate == pytest.approx(truth, abs=high - low)


def test_with_no_offer_effect_the_interval_contains_zero(
    first_generated_month: tuple[Path, Path], tmp_path: Path
):
    warehouse, shop = two_generated_months(tmp_path, 0.0, first_generated_month)
    campaign = largest_campaign(warehouse)

    (low, high, _estimate), truth = outcome_and_truth(warehouse, shop, campaign)

    assert truth == 0
    assert low <= 0 <= high
