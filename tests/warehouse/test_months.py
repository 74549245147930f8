"""Month after month: the warehouse keeps history by dbt itself. Each build is of one export
month; earlier months are read from the published warehouse and never change; rebuilding a month
replaces only its rows; a failed build of a new month leaves the published file as it was."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import Build, build_or_fail
from tests.support import built_once, fingerprint, query, read_rows, run_oneclick, write_rows

pytestmark = pytest.mark.slow

MONTHS = ("2026-09", "2026-10", "2026-11")


def month_folder(demo: Path, root: Path, month: str, drop: int = 0) -> Path:
    """The demo exports as ``root/<month>``, without the first ``drop`` customers."""
    folder = root / month
    shutil.copytree(demo, folder)
    if drop:
        rows = read_rows(folder / "market_file.csv")
        dropped = {row[0] for row in rows[1 : drop + 1]}
        for name, delimiter in [
            ("market_file.csv", ","),
            ("market_money.csv", ","),
            ("market_time.csv", ","),
            ("money.csv", ";"),
        ]:
            kept = [
                row
                for row in read_rows(folder / name, delimiter=delimiter)
                if row[0] not in dropped
            ]
            write_rows(folder / name, kept, delimiter=delimiter)
    return folder


@dataclass(frozen=True)
class Sequence:
    warehouse: Path
    folders: dict[str, Path]
    run_ids: dict[str, str]
    model: Path


@pytest.fixture(scope="module")
def three_months(demo_build: Build, tmp_path_factory: pytest.TempPathFactory) -> Sequence:
    """Three months built in order with the demo's saved model; the second month lacks 40
    customers, who come back in the third."""

    def build(root: Path) -> Sequence:
        warehouse = root / "warehouse" / "oneclick.duckdb"
        folders = {
            month: month_folder(demo_build.raw, root / "raw", month, drop=40 if i == 1 else 0)
            for i, month in enumerate(MONTHS)
        }
        run_ids = {}
        for month, folder in folders.items():
            build_or_fail(folder, warehouse, "--model", demo_build.model_path, month=None)
            (run_ids[month],) = query(
                warehouse, "select run_id from marts.build_runs order by finished_at desc limit 1"
            )[0]
        return Sequence(warehouse, folders, run_ids, demo_build.model_path)

    return built_once(tmp_path_factory, "months", build)


def history_rows(warehouse: Path, month: str) -> list[tuple]:
    return query(
        warehouse,
        "select * from marts.customer_history where strftime(export_month, '%Y-%m') = ? "
        "order by customer_id",
        [month],
    )


def test_every_month_is_in_the_history_with_its_own_build(three_months: Sequence):
    runs = query(
        three_months.warehouse,
        "select strftime(export_month, '%Y-%m'), run_id, customers_in_export "
        "from marts.build_runs order by finished_at",
    )
    per_month = query(
        three_months.warehouse,
        "select strftime(export_month, '%Y-%m'), count(*), min(run_id), max(run_id) "
        "from marts.customer_history group by all order by 1",
    )

    assert [(month, run_id) for month, run_id, _ in runs] == list(three_months.run_ids.items())
    assert [row[0] for row in per_month] == list(MONTHS)
    for (month, customers, first_run, last_run), (_, _run_id, in_export) in zip(
        per_month, runs, strict=True
    ):
        assert customers == in_export, month
        assert first_run == last_run == three_months.run_ids[month]


def test_segment_changes_compare_the_latest_month_with_the_one_before(three_months: Sequence):
    changes = query(
        three_months.warehouse,
        "select strftime(month_before, '%Y-%m'), strftime(month_now, '%Y-%m'), "
        "segment_before, segment_now, has_moved, is_newly_high_risk from marts.segment_changes",
    )
    now = {
        row[0]: row[1]
        for row in query(
            three_months.warehouse,
            "select customer_id, segment from marts.customer_history "
            "where export_month = date '2026-11-01'",
        )
    }

    assert {(row[0], row[1]) for row in changes} == {("2026-10", "2026-11")}
    assert len(changes) == len(now)
    returned = [row for row in changes if row[2] == "not_in_export"]
    assert len(returned) == 40, "the 40 customers missing in October come back in November"
    assert all(row[4] for row in returned)
    assert all(row[5] == (row[3].startswith("high_risk")) for row in returned)
    flow = query(
        three_months.warehouse,
        "select from_segment, sum(customers) from marts.segment_flow group by all",
    )
    assert dict(flow)["not_in_export"] == 40


def test_rebuilding_a_month_replaces_its_rows_and_no_other(three_months: Sequence, tmp_path: Path):
    warehouse = tmp_path / "oneclick.duckdb"
    shutil.copy(three_months.warehouse, warehouse)
    before = {month: history_rows(warehouse, month) for month in MONTHS}

    build_or_fail(
        three_months.folders["2026-10"], warehouse, "--model", three_months.model, month=None
    )

    after = {month: history_rows(warehouse, month) for month in MONTHS}
    assert after["2026-09"] == before["2026-09"]
    assert after["2026-11"] == before["2026-11"]
    without_run = [row[:-1] for row in after["2026-10"]]
    assert without_run == [row[:-1] for row in before["2026-10"]], "same exports, same rows"
    assert {row[-1] for row in after["2026-10"]} != {three_months.run_ids["2026-10"]}
    assert len(query(warehouse, "select * from marts.build_runs")) == len(MONTHS) + 1


def test_a_failed_build_of_a_new_month_leaves_the_published_file_and_history(
    three_months: Sequence, tmp_path: Path
):
    warehouse = tmp_path / "oneclick.duckdb"
    shutil.copy(three_months.warehouse, warehouse)
    before = fingerprint(warehouse)
    broken = month_folder(three_months.folders["2026-11"], tmp_path, "2026-12")
    rows = read_rows(broken / "market_money.csv")
    rows[5][2] = "нет данных"
    write_rows(broken / "market_money.csv", rows)

    result = run_oneclick(
        "build", "--raw", broken, "--warehouse", warehouse, "--model", three_months.model
    )

    assert result.returncode == 1
    assert "market_money.csv, line 6" in result.stderr
    assert fingerprint(warehouse) == before


def test_realised_performance_is_what_scikit_learn_says_of_the_earlier_scores(
    three_months: Sequence,
):
    from sklearn.metrics import brier_score_loss, roc_auc_score

    performance = query(
        three_months.warehouse,
        "select strftime(scored_month, '%Y-%m'), strftime(label_month, '%Y-%m'), "
        "model_version, customers, roc_auc, brier, mean_predicted_probability, "
        "observed_decline_rate from marts.model_performance_history order by 1, 2",
    )
    pairs = query(
        three_months.warehouse,
        "select strftime(s.export_month, '%Y-%m'), strftime(l.export_month, '%Y-%m'), "
        "s.decline_probability, l.activity_declined "
        "from marts.customer_history as s join marts.customer_history as l "
        "on s.customer_id = l.customer_id and l.export_month > s.export_month "
        "where s.decline_probability is not null and l.activity_declined is not null",
    )

    assert [(row[0], row[1]) for row in performance] == [
        ("2026-09", "2026-10"),
        ("2026-09", "2026-11"),
        ("2026-10", "2026-11"),
    ]
    for scored, labelled, _version, customers, roc_auc, brier, mean_p, observed in performance:
        chosen = [(p, y) for s, later, p, y in pairs if (s, later) == (scored, labelled)]
        probabilities, outcomes = [p for p, _y in chosen], [y for _p, y in chosen]
        assert customers == len(outcomes)
        assert roc_auc == pytest.approx(roc_auc_score(outcomes, probabilities), abs=1e-12)
        assert brier == pytest.approx(brier_score_loss(outcomes, probabilities), abs=1e-12)
        assert mean_p == pytest.approx(sum(probabilities) / customers)
        assert observed == pytest.approx(sum(outcomes) / customers)
