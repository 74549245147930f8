"""Segments, offers and campaign lists: one segment each, a summary that adds up, and nobody
mailed or called without consent."""

from __future__ import annotations

import copy
import csv
import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from scripts.generate_demo_data import generate
from tests.conftest import Build, build_or_fail
from tests.support import query, read_rows, run_oneclick, write_rows
from warehouse.paths import DBT_PROJECT_DIR
from warehouse.segmentation import SegmentationError, load_segmentation, parse_segmentation

pytestmark = pytest.mark.slow

SEGMENTS = {
    "high_risk_high_value",
    "high_risk_low_value",
    "low_risk_high_value",
    "low_risk_low_value",
}


def segment_sizes(warehouse: Path) -> dict[str, int]:
    return dict(query(warehouse, "select segment, customers from marts.segment_summary"))


def test_every_scored_customer_is_in_exactly_one_segment(demo_build: Build):
    scored = {
        row[0]
        for row in query(demo_build.warehouse, "select customer_id from marts.customer_scores")
    }
    segmented = query(
        demo_build.warehouse, "select customer_id, segment from marts.customer_segments"
    )

    assert len(segmented) == len(scored)
    assert {row[0] for row in segmented} == scored
    assert {row[1] for row in segmented} == SEGMENTS


def test_segments_follow_the_thresholds(demo_build: Build):
    (cut,) = query(
        demo_build.warehouse,
        "select quantile_cont(profit, 0.5) from marts.customer_segments",
    )[0]
    wrong = query(
        demo_build.warehouse,
        f"""
        select count(*) from marts.customer_segments
        where (decline_probability >= 0.5) != starts_with(segment, 'high_risk')
           or (profit >= {cut}) != ends_with(segment, 'high_value')
        """,
    )
    assert wrong == [(0,)]


def test_the_summary_reconciles_with_the_detail(demo_build: Build):
    summary = query(
        demo_build.warehouse,
        "select segment, customers, total_profit, profit_at_risk, mean_decline_probability "
        "from marts.segment_summary",
    )
    detail = {
        row[0]: row[1:]
        for row in query(
            demo_build.warehouse,
            "select segment, count(*), sum(profit), sum(decline_probability * profit), "
            "avg(decline_probability) from marts.customer_segments group by segment",
        )
    }

    assert len(summary) == 4
    for segment, customers, profit, at_risk, mean_risk in summary:
        # the summary rounds profits to 2 decimals and probabilities to 3 (see its column docs)
        assert customers == detail[segment][0]
        assert profit == pytest.approx(detail[segment][1], abs=0.005)
        assert at_risk == pytest.approx(detail[segment][2], abs=0.005)
        assert mean_risk == pytest.approx(detail[segment][3], abs=0.0005)


def test_the_summary_comes_back_in_segment_order_and_rounded(demo_build: Build):
    rows = query(
        demo_build.warehouse,
        "select segment_rank, mean_decline_probability, total_profit, mean_profit, "
        "profit_at_risk, share_with_consent from marts.segment_summary",
    )

    assert [row[0] for row in rows] == [1, 2, 3, 4]
    for _rank, mean_risk, total, mean, at_risk, consent in rows:
        assert mean_risk == round(mean_risk, 3) and consent == round(consent, 3)
        assert total == round(total, 2) and mean == round(mean, 2) and at_risk == round(at_risk, 2)


def test_the_key_segment_is_easy_to_find(demo_build: Build):
    key = query(
        demo_build.warehouse,
        "select segment, segment_rank from marts.segment_summary where is_key_segment",
    )
    assert key == [("high_risk_high_value", 1)]


def test_contact_lists_hold_only_consenting_customers(demo_build: Build, tmp_path: Path):
    consent = dict(
        query(
            demo_build.warehouse, "select customer_id, is_marketing_allowed from marts.feature_mart"
        )
    )
    contacts = query(
        demo_build.warehouse, "select customer_id, channel from marts.campaign_contacts"
    )
    site = query(
        demo_build.warehouse, "select customer_id, is_marketing_allowed from marts.site_offers"
    )

    assert contacts, "the demo should produce some email or call offers"
    assert all(consent[customer] for customer, _channel in contacts)
    assert {channel for _customer, channel in contacts} <= {"email", "call"}
    assert any(not allowed for _customer, allowed in site), "site offers reach non-consenting too"

    result = run_oneclick("export", "--warehouse", demo_build.warehouse, "--out", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    exported = list((tmp_path / "out").glob("campaign_*.csv"))
    assert exported
    for path in exported:
        with path.open(encoding="utf-8") as stream:
            for row in csv.DictReader(stream):
                assert consent[int(row["customer_id"])], f"{path.name}: {row['customer_id']}"


def test_flipping_consent_in_generated_data_empties_the_contact_lists(
    demo_build: Build, tmp_path: Path
):
    raw = tmp_path / "generated"
    generate(raw, customers=1500, seed=7)
    before = build_or_fail(
        raw, tmp_path / "before" / "oneclick.duckdb", "--model", demo_build.model_path
    )
    consenting = {
        row[0] for row in query(before.warehouse, "select customer_id from marts.campaign_contacts")
    }
    assert consenting

    header, *rows = read_rows(raw / "market_file.csv")
    column = header.index("Разрешить сообщать")
    flipped = [[*row[:column], "нет", *row[column + 1 :]] for row in rows]
    write_rows(raw / "market_file.csv", [header, *flipped])
    after = build_or_fail(
        raw, tmp_path / "after" / "oneclick.duckdb", "--model", demo_build.model_path
    )

    assert query(after.warehouse, "select count(*) from marts.campaign_contacts") == [(0,)]
    channels = dict(
        query(
            after.warehouse,
            "select offer_channel, count(*) from marts.customer_segments group by all",
        )
    )
    assert set(channels) <= {"site", "none"}
    # the customers who were contacted before still get an offer, on the site
    offered = {
        row[0] for row in query(after.warehouse, "select customer_id from marts.site_offers")
    }
    assert consenting <= offered


def test_changing_a_threshold_var_changes_the_segment_sizes(demo_build: Build, tmp_path: Path):
    # The demo build has the default settings. Beside its saved models the build of the same
    # exports reuses the model it trained (the thresholds are not training settings), so the
    # scores are the demo build's and only the thresholds differ.
    default = demo_build
    shutil.copytree(demo_build.model_path.parent, tmp_path / "strict" / "trained_models")
    stricter = build_or_fail(
        demo_build.raw,
        tmp_path / "strict" / "oneclick.duckdb",
        "--var",
        "high_risk_min_probability=0.8",
        "--var",
        "high_value_profit_quantile=0.75",
    )
    default_sizes, strict_sizes = (
        segment_sizes(default.warehouse),
        segment_sizes(stricter.warehouse),
    )
    high_risk = ("high_risk_high_value", "high_risk_low_value")

    assert sum(strict_sizes.values()) == sum(default_sizes.values())
    assert sum(strict_sizes[s] for s in high_risk) < sum(default_sizes[s] for s in high_risk)
    assert strict_sizes["high_risk_high_value"] < default_sizes["high_risk_high_value"]
    # the settings in force are on record, and the column comments say them
    (settings,) = query(
        stricter.warehouse,
        "select settings from marts.build_runs order by finished_at desc limit 1",
    )[0]
    assert json.loads(settings)["high_risk_min_probability"] == 0.8
    assert json.loads(settings)["cart_abandoner_min_unpaid_items"] == 5, "defaults are recorded"
    (comment,) = query(
        stricter.warehouse,
        "select comment from duckdb_columns() "
        "where table_name = 'customer_segments' and column_name = 'is_high_risk'",
    )[0]
    assert "(0.8 in this build)" in comment


def test_the_segments_and_flags_follow_their_declaration(demo_build: Build):
    """customer_segments and segment_summary are written from the vars segments and
    behaviour_flags (macros/segments): every flag is its declared rule under the settings the
    build recorded, every segment the one its two flags place it in, the reasons the flags'
    words, and the summary's order the declared one."""
    segmentation = load_segmentation()
    (recorded,) = query(demo_build.warehouse, "select settings from marts.build_runs")[0]
    settings = json.loads(recorded)
    features = sorted({c.feature for flag in segmentation.flags for c in flag.conditions})
    columns = [flag.column for flag in segmentation.flags]
    rows = query(
        demo_build.warehouse,
        f"select s.segment, s.is_high_risk, s.is_high_value, s.risk_reasons, "
        f"{', '.join(f's.{c}' for c in columns)}, {', '.join(f'f.{c}' for c in features)} "
        "from marts.customer_segments as s "
        "inner join marts.feature_mart as f on s.customer_id = f.customer_id",
    )
    ranked = query(
        demo_build.warehouse,
        "select segment, segment_rank, is_key_segment from marts.segment_summary",
    )

    assert rows
    for segment, is_high_risk, is_high_value, reasons, *values in rows:
        flags, feature_values = (
            values[: len(columns)],
            dict(zip(features, values[len(columns) :], strict=True)),
        )
        assert segment == segmentation.segment_of(is_high_risk, is_high_value)
        for flag, value in zip(segmentation.flags, flags, strict=True):
            expected = any(
                feature_values[c.feature] >= c.threshold(settings)
                if c.operator == ">="
                else feature_values[c.feature] <= c.threshold(settings)
                for c in flag.conditions
            )
            assert value == expected, (flag.name, feature_values)
        words = [flag.label for flag, value in zip(segmentation.flags, flags, strict=True) if value]
        assert reasons == (", ".join(words) or None)
    declared = {segment.name: segment for segment in segmentation.segments}
    assert {name for name, *_ in ranked} <= set(declared)
    for name, rank, is_key in ranked:
        assert (rank, is_key) == (declared[name].rank, declared[name].is_key)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda v: v["segments"].pop(), "each of high/low risk × high/low value once"),
        (lambda v: v["segments"][1].update(key=True), "exactly one segment"),
        (
            lambda v: v["behaviour_flags"][0]["when"][0].update(setting="no_such_setting"),
            "no_such_setting is not a setting",
        ),
        (lambda v: v["behaviour_flags"][0]["when"][0].update(op="=="), "is not >= or <="),
        (
            lambda v: v["behaviour_flags"].append(dict(v["behaviour_flags"][0])),
            "declared twice",
        ),
    ],
)
def test_a_declaration_the_sql_cannot_follow_is_refused(change, problem):
    project_vars = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text("utf-8"))["vars"]
    parse_segmentation(project_vars)  # the project's own declaration is one it can follow
    broken = copy.deepcopy(project_vars)
    change(broken)

    with pytest.raises(SegmentationError, match=re.escape(problem)):
        parse_segmentation(broken)
