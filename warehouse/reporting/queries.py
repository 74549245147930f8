"""What the report shows, read once from the warehouse (opened read-only, as a BI tool opens it)
into typed records and frames. No formatting here: :mod:`warehouse.reporting.page` says it in
words, :mod:`warehouse.reporting.plots` draws it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from warehouse.segmentation import Segmentation, load_segmentation
from warehouse.settings import load_settings

# How a build obtained its model (marts.model_registry.model_source, see models_ml.artifact).
TRAINED, REUSED, GIVEN = "trained", "reused", "given"


@dataclass(frozen=True)
class BuildRun:
    """The latest published build (marts.build_runs) and the settings in force for it."""

    run_id: str
    export_month: str | None  # YYYY-MM
    finished_at: str
    raw_folder: str
    row_counts: dict[str, int]
    # Every setting's value in that build, as it recorded them (defaults and --var alike);
    # empty when the build recorded none.
    settings: dict[str, object]


@dataclass(frozen=True)
class ModelInfo:
    """The model that scored the latest build (marts.model_registry, is_current)."""

    version: str
    source: str | None  # trained, reused or given
    trained_at: str  # UTC, to the second
    candidate: str
    params: str
    training_rows: int
    oof_roc_auc: float | None

    @property
    def is_given(self) -> bool:
        """Scored with a saved model (``oneclick build --model``): the model's metrics are
        from its own training, not from these exports."""
        return self.source == GIVEN


@dataclass(frozen=True)
class MonthOverMonth:
    """The latest export month against the one before (marts.segment_changes, segment_flow,
    customer_history); ``month_before`` is None while the history holds one month."""

    months: tuple[str, ...]  # every month in the history, oldest first
    month_before: str | None
    month_now: str | None
    flow: pd.DataFrame  # from_segment, to_segment, customers, newly_high_risk_customers, …
    newly_high_risk: pd.DataFrame  # one row per customer, largest profit at risk first
    sizes: pd.DataFrame  # export_month, segment, customers, profit_at_risk

    @property
    def has_earlier_month(self) -> bool:
        return self.month_before is not None


@dataclass(frozen=True)
class Monitoring:
    """Is the model still right, and do the offers work (marts.feature_drift,
    model_performance_history, campaign_outcomes)."""

    drift_month: str | None
    drift: pd.DataFrame  # the latest month's features, largest PSI first
    performance: pd.DataFrame  # per scored month, label month and model
    outcomes: pd.DataFrame  # per campaign, assignment month and outcome month

    @property
    def shifted(self) -> list[str]:
        return list(self.drift.loc[self.drift.status == "shifted", "feature"])


@dataclass(frozen=True)
class ReportData:
    """The tables the report is made of, read once from the warehouse."""

    run: BuildRun
    model: ModelInfo
    default_settings: dict[str, object]  # dbt_project.yml's, to tell what --var changed
    segmentation: Segmentation
    scope: pd.DataFrame
    rejected: pd.DataFrame
    metrics: pd.DataFrame
    scores: pd.DataFrame
    calibration: pd.DataFrame
    importance: pd.DataFrame
    segments: pd.DataFrame
    summary: pd.DataFrame
    # Monthly revenues the outlier rule replaced, and the threshold this build applied (None for
    # a warehouse built before the threshold was kept in the file).
    revenue_outliers: pd.DataFrame
    outlier_threshold: float | None
    history: MonthOverMonth
    monitoring: Monitoring

    @property
    def settings(self) -> dict[str, object]:
        """The settings in force for the build: as it recorded them, else the defaults."""
        return self.run.settings or self.default_settings


def read_report_data(warehouse: Path) -> ReportData:
    """Read what the report shows; the warehouse is opened read-only."""
    connection = duckdb.connect(str(warehouse), read_only=True)
    try:

        def frame(sql: str) -> pd.DataFrame:
            return connection.execute(sql).df()

        return ReportData(
            run=read_build_run(connection),
            model=read_model(connection),
            default_settings={name: s.default for name, s in load_settings().items()},
            segmentation=load_segmentation(),
            scope=frame(
                "select scope_status, coalesce(scope_reason, '') as scope_reason, count(*) as "
                "customers from marts.customer_scope group by all order by customers desc"
            ),
            rejected=frame(
                "select source_file, rejection_stage, rejection_reason, count(*) as rows_ "
                "from marts.rejected_rows group by all order by rows_ desc"
            ),
            metrics=frame("select * from marts.model_metrics"),
            scores=frame(
                "select decline_probability, activity_declined from marts.customer_scores "
                "where is_out_of_fold and activity_declined is not null"
            ),
            calibration=frame("select * from marts.model_calibration order by bin"),
            importance=frame("select * from marts.feature_importance order by importance_rank"),
            segments=frame("select * from marts.customer_segments"),
            summary=frame("select * from marts.segment_summary order by segment_rank"),
            revenue_outliers=frame(
                "select customer_id, period, reported_revenue, revenue "
                "from intermediate.int_revenues_outliers_replaced where is_revenue_replaced "
                "order by customer_id, period"
            ),
            outlier_threshold=_outlier_threshold(connection),
            history=read_month_over_month(connection),
            monitoring=read_monitoring(connection),
        )
    finally:
        connection.close()


def read_build_run(connection: duckdb.DuckDBPyConnection) -> BuildRun:
    """The latest build of marts.build_runs (a build that recorded nothing: empty values)."""
    row = connection.execute(
        "select run_id, strftime(export_month, '%Y-%m'), finished_at::varchar, raw_folder, "
        "row_counts, settings from marts.build_runs order by finished_at desc limit 1"
    ).fetchone()
    if row is None:
        return BuildRun("–", None, "–", "–", {}, {})
    run_id, month, finished_at, raw_folder, row_counts, settings = row
    return BuildRun(
        run_id=run_id,
        export_month=month,
        finished_at=finished_at or "–",
        raw_folder=raw_folder or "–",
        row_counts=json.loads(row_counts or "{}"),
        settings=json.loads(settings or "{}"),
    )


def read_model(connection: duckdb.DuckDBPyConnection) -> ModelInfo:
    """The current model of marts.model_registry."""
    row = connection.execute(
        "select model_version, model_source, strftime(trained_at, '%Y-%m-%d %H:%M:%S'), "
        "chosen_candidate, chosen_params, training_rows, oof_roc_auc "
        "from marts.model_registry where is_current"
    ).fetchone()
    if row is None:
        return ModelInfo("–", None, "–", "–", "", 0, None)
    version, source, trained_at, candidate, params, training_rows, oof_roc_auc = row
    return ModelInfo(
        version=version,
        source=source,
        trained_at=trained_at or "–",
        candidate=candidate or "–",
        params=params or "",
        training_rows=int(training_rows or 0),
        oof_roc_auc=oof_roc_auc,
    )


def read_month_over_month(connection: duckdb.DuckDBPyConnection) -> MonthOverMonth:
    """The latest month against the one before, from the history marts."""
    months = tuple(
        month
        for (month,) in connection.execute(
            "select distinct strftime(export_month, '%Y-%m') from marts.customer_history order by 1"
        ).fetchall()
    )
    bounds = connection.execute(
        "select strftime(max(month_before), '%Y-%m'), strftime(max(month_now), '%Y-%m') "
        "from marts.segment_changes"
    ).fetchone()
    month_before, month_now = bounds if bounds else (None, None)
    return MonthOverMonth(
        months=months,
        month_before=month_before,
        month_now=month_now,
        flow=connection.execute(
            "select from_segment, to_segment, customers, newly_high_risk_customers, "
            "profit_at_risk_now from marts.segment_flow where month_before is not null"
        ).df(),
        newly_high_risk=connection.execute(
            "select customer_id, segment_before, segment_now, decline_probability_before, "
            "decline_probability_now, profit_at_risk_now, recommended_offer_now "
            "from marts.segment_changes where is_newly_high_risk "
            "order by profit_at_risk_now desc, customer_id"
        ).df(),
        sizes=connection.execute(
            "select strftime(export_month, '%Y-%m') as export_month, segment, "
            "count(*) as customers, coalesce(sum(profit_at_risk), 0) as profit_at_risk "
            "from marts.customer_history group by all order by all"
        ).df(),
    )


def read_monitoring(connection: duckdb.DuckDBPyConnection) -> Monitoring:
    """The latest month's drift, the realised performance and the campaigns' outcomes."""
    (drift_month,) = connection.execute(
        "select strftime(max(export_month), '%Y-%m') from marts.feature_drift"
    ).fetchone()
    return Monitoring(
        drift_month=drift_month,
        drift=connection.execute(
            "select feature, psi, status, model_version, customers, most_moved_bin, "
            "reference_share, current_share from marts.feature_drift "
            "where export_month = (select max(export_month) from marts.feature_drift) "
            "order by psi desc, feature"
        ).df(),
        performance=connection.execute(
            "select strftime(scored_month, '%Y-%m') as scored_month, "
            "strftime(label_month, '%Y-%m') as label_month, months_later, model_version, "
            "customers, declined_customers, roc_auc, brier, mean_predicted_probability, "
            "observed_decline_rate, expected_calibration_error "
            "from marts.model_performance_history order by scored_month, label_month, "
            "model_version"
        ).df(),
        outcomes=connection.execute(
            "select strftime(export_month, '%Y-%m') as export_month, campaign, "
            "strftime(outcome_month, '%Y-%m') as outcome_month, contacted_customers, "
            "control_customers, contacted_decline_rate, control_decline_rate, "
            "decline_rate_difference, decline_rate_difference_low, "
            "decline_rate_difference_high, revenue_change_difference, "
            "revenue_change_difference_low, revenue_change_difference_high, "
            "has_enough_customers, verdict from marts.campaign_outcomes "
            "order by export_month, campaign, outcome_month"
        ).df(),
    )


def _outlier_threshold(connection: duckdb.DuckDBPyConnection) -> float | None:
    has_column = connection.execute(
        "select count(*) from duckdb_columns() where schema_name = 'intermediate' and "
        "table_name = 'int_revenues_outliers_replaced' and "
        "column_name = 'revenue_outlier_threshold'"
    ).fetchone()[0]
    if not has_column:
        return None
    (threshold,) = connection.execute(
        "select max(revenue_outlier_threshold) from intermediate.int_revenues_outliers_replaced"
    ).fetchone()
    return threshold
