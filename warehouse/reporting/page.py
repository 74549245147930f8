"""The report's page: what each section says, in words and tables, rendered with the Jinja2
template ``templates/report.html`` (autoescaped: a value from the data cannot become markup).

Every function here turns :class:`~warehouse.reporting.queries.ReportData` into text or a
:class:`Table` of text; the template only lays them out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import jinja2
import pandas as pd

from warehouse.reporting.choice import candidate_choice
from warehouse.reporting.plots import PROFIT_UNIT, flow_matrix, key_segment_shares
from warehouse.reporting.queries import GIVEN, REUSED, ReportData
from warehouse.segmentation import risk_rule, value_rule

TITLE = "oneclick: regular customers at risk"
# The newly high-risk customers listed by name; the rest are counted.
NEWLY_HIGH_RISK_SHOWN = 20
OUTLIERS_SHOWN = 20
ENVIRONMENT = jinja2.Environment(
    loader=jinja2.PackageLoader("warehouse.reporting", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class Table:
    """A table of text: its header and rows."""

    header: list[str]
    rows: list[list[str]] = field(default_factory=list)
    css_class: str = ""  # "matrix": headers may break anywhere (long segment names)


def render_page(data: ReportData, images: Iterable[str]) -> str:
    """The report's HTML; ``images`` are the PNG files written beside it."""
    return ENVIRONMENT.get_template("report.html").render(
        title=TITLE,
        profit_unit=PROFIT_UNIT,
        data=data,
        images=set(images),
        key_segment=data.segmentation.key_segment.name,
        data_section=data_section(data),
        model_section=model_section(data),
        segments_section=segments_section(data),
        key_section=key_section(data),
        months_section=month_over_month_section(data),
        monitoring_section=monitoring_section(data),
        settings_table=settings_table(data),
        settings_note=settings_note(data),
    )


# ---------- data


def data_section(data: ReportData) -> dict[str, object]:
    return {
        "counts": Table(
            ["export or table", "rows"],
            [[name, f"{rows:,}"] for name, rows in data.run.row_counts.items()],
        ),
        "rejected": Table(
            ["file", "stage", "reason", "rows"],
            data.rejected[["source_file", "rejection_stage", "rejection_reason", "rows_"]]
            .astype(str)
            .values.tolist(),
        ),
        "outliers": outlier_text(data),
        "outlier_table": outlier_table(data),
        "outliers_more": (
            f"{len(data.revenue_outliers) - OUTLIERS_SHOWN:,}"
            if len(data.revenue_outliers) > OUTLIERS_SHOWN
            else ""
        ),
    }


def outlier_text(data: ReportData) -> str:
    """The outlier rule, and how many revenues it replaced in this build."""
    threshold = (
        f"{data.outlier_threshold:,.0f} (the revenue_outlier_threshold setting)"
        if data.outlier_threshold is not None
        else "the revenue_outlier_threshold setting"
    )
    text = (
        f"The outlier rule: a monthly revenue above {threshold} is a data-entry error; it is "
        "replaced by the mean of the customer's other months and flagged (has_imputed_revenue "
        "in marts.feature_mart). "
    )
    replaced = data.revenue_outliers
    if replaced.empty:
        return text + "No revenue was above it in these exports."
    customers = replaced.customer_id.nunique()
    return text + (
        f"It replaced {len(replaced):,} revenue{'s' if len(replaced) != 1 else ''} of "
        f"{customers:,} customer{'s' if customers != 1 else ''} in these exports:"
    )


def outlier_table(data: ReportData) -> Table:
    return Table(
        ["customer", "month", "revenue reported", "replaced by"],
        [
            [
                str(row.customer_id),
                str(row.period),
                f"{row.reported_revenue:,.1f}",
                "– (no other month)" if pd.isna(row.revenue) else f"{row.revenue:,.1f}",
            ]
            for row in data.revenue_outliers.head(OUTLIERS_SHOWN).itertuples()
        ],
    )


# ---------- the model


def model_section(data: ReportData) -> dict[str, object]:
    metrics = data.metrics
    labelled = metrics[metrics.evaluation == "this_export"]
    return {
        "intro": model_intro(data),
        "choice": choice_text(data),
        "metrics": metrics_table(data),
        "has_labels": len(labelled) > 0,
    }


def model_intro(data: ReportData) -> str:
    """Which model scored the build and how the build obtained it (model_source)."""
    model = data.model
    chosen = f"{model.candidate} {model.params}".strip()
    if model.source == GIVEN:
        return (
            f"This build scored the customers with a saved model, {model.version}, trained on "
            f"{model.trained_at} UTC on {model.training_rows:,} customers ({chosen}). The rows "
            "marked «at training» are the numbers measured then, on that training data, not on "
            "these exports."
        )
    if model.source == REUSED:
        return (
            f"This build reused the saved model {model.version}, trained on {model.trained_at} "
            f"UTC on the same {model.training_rows:,} labelled customers as this build's "
            f"training sample: chosen {chosen}."
        )
    return (
        f"This build trained the model on {model.training_rows:,} labelled customers: chosen "
        f"{chosen}."
    )


def _metric(metrics: pd.DataFrame, evaluation: str, name: str, spread: bool = True) -> str:
    """The chosen model's ``name`` in ``evaluation``, as «mean ± std», or «–»."""
    chosen = metrics[metrics.is_chosen.astype(bool)]
    row = chosen[(chosen.evaluation == evaluation) & (chosen.metric == name)]
    if row.empty:
        return "–"
    std = row["std"].iloc[0]
    return f"{row['mean'].iloc[0]:.3f}" + (f" ± {std:.3f}" if spread and pd.notna(std) else "")


def _folds(metrics: pd.DataFrame, evaluation: str) -> str:
    rows = metrics[(metrics.evaluation == evaluation) & metrics.is_chosen.astype(bool)]
    return f"{int(rows.n_folds.iloc[0])}" if len(rows) and pd.notna(rows.n_folds.iloc[0]) else "–"


def metrics_table(data: ReportData) -> Table:
    """The chosen model's metrics, each row saying which evaluation it is."""
    metrics = data.metrics
    labelled = metrics[metrics.evaluation == "this_export"]
    if data.model.is_given:
        at_training = f"at training ({data.model.trained_at}): "
        this_export = (
            "these exports' labelled customers, scored by a model that never saw their labels "
            "(the ROC curve below)"
        )
    else:
        at_training = ""
        this_export = (
            "every out-of-fold probability pooled into one evaluation (the ROC curve below; "
            "not a mean of folds, so it differs a little from the row above)"
        )
    table = Table(
        ["evaluation", "ROC-AUC", "Brier", "log loss"],
        [
            [
                f"{at_training}candidate comparison: repeated cross-validation, "
                f"{_folds(metrics, 'repeated_cv')} folds (mean ± std)",
                _metric(metrics, "repeated_cv", "roc_auc"),
                "–",
                "–",
            ],
            [
                f"{at_training}chosen model, calibrated: out of fold on another split, "
                f"{_folds(metrics, 'out_of_fold')} folds (mean ± std)",
                _metric(metrics, "out_of_fold", "roc_auc"),
                _metric(metrics, "out_of_fold", "brier"),
                _metric(metrics, "out_of_fold", "log_loss"),
            ],
        ],
    )
    if len(labelled):
        customers = labelled.customers.iloc[0]
        shown = f"{int(customers):,}" if pd.notna(customers) else "–"
        table.rows.append(
            [
                f"{this_export}: {shown} customers",
                _metric(metrics, "this_export", "roc_auc", spread=False),
                _metric(metrics, "this_export", "brier", spread=False),
                _metric(metrics, "this_export", "log_loss", spread=False),
            ]
        )
    return table


def choice_text(data: ReportData) -> str:
    """Why the chosen candidate, in the one-standard-error rule's numbers."""
    choice = candidate_choice(data.metrics)
    if choice is None or choice.chosen is None:
        return ""
    order = ", ".join(choice.table.candidate)
    rule = (
        f"The candidates were compared in this order, simplest and cheapest to score first: "
        f"{order}. The best mean ROC-AUC was {choice.best}'s, {choice.best_mean:.4f}; its "
        f"standard error (fold spread ÷ √folds) is {choice.standard_error:.4f}, so every "
        f"candidate at {choice.threshold:.4f} or more is as good as the folds can tell "
        "(the one-standard-error rule)"
    )
    if choice.chosen == choice.best:
        return f"{rule}; {choice.best} is the first of them in that order, so it is chosen."
    chosen_mean = float(choice.table.loc[choice.table.candidate == choice.chosen, "mean"].iloc[0])
    return (
        f"{rule}. {choice.chosen} ({chosen_mean:.4f}) is the first of them in that order, so "
        f"it is chosen over {choice.best}: a difference the folds cannot tell from noise does "
        "not buy a model that is slower to score or harder to explain."
    )


# ---------- segments


def segments_section(data: ReportData) -> dict[str, object]:
    return {
        "rule": segment_rule(data),
        "summary": Table(
            [
                "segment",
                "customers",
                "mean risk",
                f"profit at risk ({PROFIT_UNIT})",
                "consent",
                "top offers",
            ],
            [
                [
                    row.segment,
                    f"{row.customers:,}",
                    f"{row.mean_decline_probability:.3f}",
                    f"{row.profit_at_risk:,.2f}",
                    f"{row.share_with_consent:.1%}",
                    str(row.top_offers),
                ]
                for row in data.summary.itertuples()
            ],
        ),
    }


def segment_rule(data: ReportData) -> str:
    """How a customer's segment is decided, with the settings in force for the build."""
    settings = data.settings
    high_value = data.segments[data.segments.is_high_value.astype(bool)].profit
    lowest = (
        f"; the lowest high-value profit here: {high_value.min():,.2f}" if len(high_value) else ""
    )
    return (
        f"Risk is high at a decline {risk_rule(settings)} (the high_risk_min_probability "
        f"setting); value is high at a profit {value_rule(settings)} (the "
        f"high_value_profit_quantile setting, {_shown(settings.get('high_value_profit_quantile'))}"
        f"{lowest}). The values are this build's (see the settings at the end)."
    )


# ---------- the key segment


def key_section(data: ReportData) -> dict[str, object]:
    key = data.summary[data.summary.is_key_segment.astype(bool)]
    text = ""
    if len(key):
        row = key.iloc[0]
        share = row.profit_at_risk / max(data.summary.profit_at_risk.sum(), 1e-9)
        text = (
            f"{row.customers:,} customers, mean decline probability "
            f"{row.mean_decline_probability:.3f}, {row.profit_at_risk:,.2f} of profit at "
            f"risk ({PROFIT_UNIT}; {share:.0%} of all), {row.share_with_consent:.1%} "
            f"consented to marketing. Top categories: {row.top_categories}. "
            f"Offers: {row.top_offers}."
        )
    shares = key_segment_shares(data)
    rules = {flag.label: flag.describe(data.settings) for flag in data.segmentation.flags}
    return {
        "text": text,
        "behaviours": Table(
            ["behaviour", "when (settings in force)", "key segment", "all scored customers"],
            [
                [
                    label,
                    rules.get(label, "consent column of market_file.csv"),
                    f"{row['key segment']:.0%}",
                    f"{row['all scored customers']:.0%}",
                ]
                for label, row in shares.iterrows()
            ],
        ),
    }


# ---------- month over month


def month_over_month_section(data: ReportData) -> dict[str, object]:
    history = data.history
    if not history.has_earlier_month:
        return {
            "earlier": False,
            "text": (
                f"There is no earlier month yet: the warehouse holds "
                f"{', '.join(history.months) or 'no month'} only. From the next month's build "
                "on, this section shows who moved between segments and who newly became "
                "high-risk."
            ),
        }
    newly = history.newly_high_risk
    key = data.segmentation.key_segment.name
    in_key = int((newly.segment_now == key).sum())
    at_risk = float(newly.profit_at_risk_now.sum())
    moved = history.flow[history.flow.from_segment != history.flow.to_segment].customers.sum()
    total = history.flow.customers.sum()
    return {
        "earlier": True,
        "text": (
            f"{history.month_now} against {history.month_before}: {moved:,} of {total:,} "
            f"customers changed segment (marts.segment_flow; a customer absent from one month's "
            "export is not_in_export there, one out of the model's scope out_of_scope)."
        ),
        "flow": flow_table(data),
        "sizes": sizes_table(data),
        "newly_text": (
            f"{len(newly):,} customers became high-risk in {history.month_now} (they were not "
            f"in {history.month_before}), with {at_risk:,.2f} of profit at risk ({PROFIT_UNIT}); "
            f"{in_key:,} of them are in {key} now. The {min(len(newly), NEWLY_HIGH_RISK_SHOWN)} "
            "with the most profit at risk (marts.segment_changes, is_newly_high_risk):"
            if len(newly)
            else f"Nobody became high-risk in {history.month_now}."
        ),
        "newly": Table(
            ["customer", "segment then → now", "probability then → now", "profit at risk", "offer"],
            [
                [
                    str(row.customer_id),
                    f"{row.segment_before} → {row.segment_now}",
                    f"{_probability(row.decline_probability_before)} → "
                    f"{_probability(row.decline_probability_now)}",
                    f"{row.profit_at_risk_now:,.2f}",
                    str(row.recommended_offer_now),
                ]
                for row in newly.head(NEWLY_HIGH_RISK_SHOWN).itertuples()
            ],
        ),
    }


def flow_table(data: ReportData) -> Table:
    """From each segment of the month before (rows) to each of the latest month (columns)."""
    matrix = flow_matrix(data)
    history = data.history
    return Table(
        [f"{history.month_before} ↓ / {history.month_now} →", *matrix.columns, "total"],
        [
            [name, *(f"{value:,}" for value in row), f"{sum(row):,}"]
            for name, row in zip(matrix.index, matrix.to_numpy().tolist(), strict=True)
        ],
        css_class="matrix",
    )


def sizes_table(data: ReportData) -> Table:
    """Customers in each segment of every month in the history (marts.customer_history)."""
    sizes = data.history.sizes
    order = [*data.segmentation.names, "out_of_scope"]
    table = sizes.pivot_table(
        index="segment", columns="export_month", values="customers", aggfunc="sum"
    )
    table = table.reindex([name for name in order if name in table.index]).fillna(0).astype(int)
    return Table(
        ["segment", *table.columns],
        [
            [name, *(f"{value:,}" for value in row)]
            for name, row in zip(table.index, table.to_numpy().tolist(), strict=True)
        ],
    )


# ---------- monitoring


def monitoring_section(data: ReportData) -> dict[str, object]:
    return {
        "drift_text": drift_text(data),
        "drift": drift_table(data),
        "performance_text": performance_text(data),
        "performance": performance_table(data),
        "uplift_text": uplift_text(data),
        "uplift": uplift_table(data),
    }


def drift_text(data: ReportData) -> str:
    monitoring, settings = data.monitoring, data.settings
    if monitoring.drift.empty:
        return (
            "No drift check: the model that scored this build was saved before models carried "
            "their training distribution."
        )
    rule = (
        f"Population stability index (PSI) of each feature of {monitoring.drift_month}'s "
        "in-scope customers against the model's training data: stable below "
        f"{_shown(settings.get('drift_watch_psi'))} (the drift_watch_psi setting), shifted from "
        f"{_shown(settings.get('drift_shifted_psi'))} (drift_shifted_psi), watch between."
    )
    shifted = monitoring.drift[monitoring.drift.status == "shifted"]
    if shifted.empty:
        return f"{rule} No feature has shifted."
    named = "; ".join(
        f"{row.feature} (PSI {row.psi:.2f}; {row.most_moved_bin}: {row.reference_share:.0%} at "
        f"training, {row.current_share:.0%} now)"
        for row in shifted.itertuples()
    )
    return (
        f"{rule} Shifted in {monitoring.drift_month}: {named}. A shifted feature means these "
        "customers are unlike those the model learnt from: its probabilities may be off until "
        "it is trained again."
    )


def drift_table(data: ReportData) -> Table:
    return Table(
        ["feature", "PSI", "status", "bin that moved most", "share at training", "share now"],
        [
            [
                row.feature,
                f"{row.psi:.3f}",
                row.status,
                str(row.most_moved_bin),
                f"{row.reference_share:.1%}",
                f"{row.current_share:.1%}",
            ]
            for row in data.monitoring.drift.itertuples()
        ],
    )


def performance_text(data: ReportData) -> str:
    if data.monitoring.performance.empty:
        return (
            "No earlier month's scores have their labels yet: realised performance shows once "
            "a later month's export brings the labels of customers scored before "
            + (
                "(the warehouse holds one month only)."
                if not data.history.has_earlier_month
                else "(no later export carried labels)."
            )
        )
    training = data.model.oof_roc_auc
    reference = (
        f" At training the current model's out-of-fold ROC-AUC was {training:.3f}."
        if training is not None and pd.notna(training)
        else ""
    )
    return (
        "How the scores of earlier months turned out once later exports brought the labels "
        "(marts.model_performance_history): per scored month, label month and model." + reference
    )


def performance_table(data: ReportData) -> Table:
    return Table(
        [
            "scored",
            "labels from",
            "model",
            "customers",
            "declined",
            "ROC-AUC",
            "Brier",
            "mean probability",
            "observed rate",
            "calibration error",
        ],
        [
            [
                row.scored_month,
                row.label_month,
                row.model_version,
                f"{row.customers:,}",
                f"{int(row.declined_customers):,}",
                _probability(row.roc_auc),
                _probability(row.brier),
                _probability(row.mean_predicted_probability),
                _probability(row.observed_decline_rate),
                _probability(row.expected_calibration_error),
            ]
            for row in data.monitoring.performance.itertuples()
        ],
    )


def uplift_text(data: ReportData) -> str:
    outcomes, settings = data.monitoring.outcomes, data.settings
    control = settings.get("control_group_share")
    minimum = settings.get("campaign_outcome_min_customers")
    rule = (
        f"Each campaign's eligible, consenting customers are split: {_share(control)} are kept "
        "as a control group and not contacted (the control_group_share setting). Once a later "
        "export shows what they did, the decline rates of the two groups are compared, with a "
        f"95% interval; below {_shown(minimum)} customers in either group (the "
        "campaign_outcome_min_customers setting) there are too few customers to tell."
    )
    if outcomes.empty:
        return f"{rule} No campaign has an outcome yet: " + (
            "there is no earlier month yet."
            if not data.history.has_earlier_month
            else "no later export has shown what the customers did."
        )
    told = int(outcomes.has_enough_customers.astype(bool).sum())
    return f"{rule} {told} of {len(outcomes)} campaign outcomes have enough customers to tell."


def uplift_table(data: ReportData) -> Table:
    rows = []
    for row in data.monitoring.outcomes.itertuples():
        counts = [f"{row.contacted_customers:,}", f"{row.control_customers:,}"]
        head = [row.campaign, f"{row.export_month} → {row.outcome_month}", *counts]
        if not row.has_enough_customers:
            rows.append([*head, "–", "–", "too few customers to tell", "–"])
            continue
        rows.append(
            [
                *head,
                f"{row.contacted_decline_rate:.1%}",
                f"{row.control_decline_rate:.1%}",
                f"{row.decline_rate_difference:+.1%} ({row.decline_rate_difference_low:+.1%} "
                f"to {row.decline_rate_difference_high:+.1%})",
                f"{row.revenue_change_difference:+,.1f} ({row.revenue_change_difference_low:+,.1f}"
                f" to {row.revenue_change_difference_high:+,.1f})",
            ]
        )
    return Table(
        [
            "campaign",
            "assigned → outcome",
            "contacted",
            "control",
            "declined, contacted",
            "declined, control",
            "difference (95% interval)",
            "revenue change difference (95% interval)",
        ],
        rows,
    )


# ---------- settings


def settings_table(data: ReportData) -> Table:
    """Every setting in force for the build, with its default and whether --var changed it."""
    recorded = data.run.settings
    return Table(
        ["setting", "in force", "default (dbt_project.yml)", ""],
        [
            [
                name,
                _shown(recorded.get(name, default)) if recorded else _shown(default),
                _shown(default),
                "set with --var" if recorded and recorded.get(name, default) != default else "",
            ]
            for name, default in data.default_settings.items()
        ],
    )


def settings_note(data: ReportData) -> str:
    if data.run.settings:
        return f"The settings build {data.run.run_id} ran with (marts.build_runs.settings)."
    return (
        "This build recorded no settings (a warehouse built before builds recorded them): "
        "the defaults of dbt_project.yml are shown."
    )


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return f"{value:g}"
    return "–" if value is None else str(value)


def _share(value: object) -> str:
    return f"{value:.0%}" if isinstance(value, int | float) else "–"


def _probability(value: object) -> str:
    return "–" if value is None or pd.isna(value) else f"{value:.3f}"
