"""``oneclick report``: one static HTML page that tells the story of a build, from its tables.

The page reads only the warehouse (opened read-only) and needs nothing to be viewed: the plots
are PNG files beside ``index.html``, the styles are inline, there is no script. Sections: the
data's way from the exports to the feature mart, the model (candidates, ROC curve, calibration,
importance), the segments, and the segment that matters most.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import yaml
from sklearn.metrics import roc_auc_score, roc_curve

from models_ml.candidates import CANDIDATES
from warehouse.dbt_runner import Progress
from warehouse.paths import DBT_PROJECT_DIR

SEGMENT_COLOURS = {
    "high_risk_high_value": "#c0392b",
    "high_risk_low_value": "#e67e22",
    "low_risk_high_value": "#2980b9",
    "low_risk_low_value": "#95a5a6",
}
KEY_SEGMENT = "high_risk_high_value"
FLAGS = {
    "is_cart_abandoner": "cart abandoner",
    "is_promo_hunter": "promo hunter",
    "is_low_engagement": "low engagement",
    "is_service_error_victim": "service-error victim",
    "is_under_contacted": "under-contacted",
    "is_marketing_allowed": "consented to marketing",
}
# The export gives profit as a number without a unit: the report says so wherever it shows one.
PROFIT_UNIT = "per month, in the export's units"
PLOT_STYLE = {
    "figure.dpi": 110,
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
}


@dataclass(frozen=True)
class ReportData:
    """The tables the report is made of, read once from the warehouse."""

    run: dict
    scope: pd.DataFrame
    rejected: pd.DataFrame
    metrics: pd.DataFrame
    scores: pd.DataFrame
    calibration: pd.DataFrame
    importance: pd.DataFrame
    registry: dict
    segments: pd.DataFrame
    summary: pd.DataFrame
    # Monthly revenues the outlier rule replaced, and the threshold this build applied (None for
    # a warehouse built before the threshold was kept in the file).
    revenue_outliers: pd.DataFrame
    outlier_threshold: float | None
    # The project's vars as dbt_project.yml sets them (a build may override them with --var).
    project_vars: dict

    @property
    def is_newly_trained(self) -> bool:
        """True when this build trained its model; False when it scored with a saved one
        (``oneclick build --model``), whose metrics are from its own training."""
        trained_at, started_at = self.registry.get("trained_at"), self.run.get("started_at")
        if trained_at is None or started_at is None or pd.isna(trained_at) or pd.isna(started_at):
            return True
        return pd.Timestamp(trained_at) >= pd.Timestamp(started_at)


def read_report_data(warehouse: Path) -> ReportData:
    """Read what the report shows; the warehouse is opened read-only, as a BI tool opens it."""
    connection = duckdb.connect(str(warehouse), read_only=True)
    try:

        def frame(sql: str) -> pd.DataFrame:
            return connection.execute(sql).df()

        run = frame("select * from marts.build_runs order by finished_at desc limit 1")
        registry = frame("select * from marts.model_registry where is_current")
        return ReportData(
            run=run.iloc[0].to_dict() if len(run) else {},
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
            registry=registry.iloc[0].to_dict() if len(registry) else {},
            segments=frame("select * from marts.customer_segments"),
            summary=frame("select * from marts.segment_summary order by segment_rank"),
            revenue_outliers=frame(
                "select customer_id, period, reported_revenue, revenue "
                "from intermediate.int_revenues_outliers_replaced where is_revenue_replaced "
                "order by customer_id, period"
            ),
            outlier_threshold=_outlier_threshold(connection),
            project_vars=_project_vars(),
        )
    finally:
        connection.close()


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


def _project_vars() -> dict:
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    return project.get("vars", {})


def write_report(warehouse: Path, out_dir: Path, progress: Progress = print) -> Path:
    """Write ``out_dir/index.html`` and its PNG plots; return the page's path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    progress(f"reading {warehouse}")
    data = read_report_data(warehouse)
    plots = {
        "scope.png": plot_scope,
        "candidates.png": plot_candidates,
        "roc.png": plot_roc,
        "calibration.png": plot_calibration,
        "importance.png": plot_importance,
        "segments.png": plot_segments,
        "key_segment.png": plot_key_segment,
    }
    with plt.rc_context(PLOT_STYLE):
        for name, plot in plots.items():
            progress(f"plotting {name}")
            figure = plot(data)
            figure.savefig(out_dir / name, bbox_inches="tight")
            plt.close(figure)
    page = out_dir / "index.html"
    page.write_text(render_page(data), encoding="utf-8")
    return page


# ---------- plots ----------


def plot_scope(data: ReportData) -> plt.Figure:
    figure, axis = plt.subplots(figsize=(7, 2.4))
    labels = [
        f"{row.scope_status}" + (f": {row.scope_reason}" if row.scope_reason else "")
        for row in data.scope.itertuples()
    ]
    colours = [
        "#27ae60" if status == "in_scope" else "#95a5a6" for status in data.scope.scope_status
    ]
    axis.barh(labels[::-1], data.scope.customers[::-1], color=colours[::-1])
    for y, value in enumerate(data.scope.customers[::-1]):
        axis.text(value, y, f" {value:,}", va="center")
    axis.set_xlabel("customers of market_file.csv")
    axis.set_title("Who the model is for: purchases in each of the last three months")
    return figure


@dataclass(frozen=True)
class CandidateChoice:
    """How the one-standard-error rule chose among the candidates (from marts.model_metrics).

    ``table``: each candidate's best setting, in the order compared (simplest and cheapest to
    score first). The rule takes the first setting whose mean ROC-AUC is at least the best
    mean minus the best setting's standard error (its fold spread over √folds), so the chosen
    candidate is the first in this order whose best mean reaches ``threshold``.
    """

    table: pd.DataFrame
    best: str
    best_mean: float
    standard_error: float
    chosen: str | None

    @property
    def threshold(self) -> float:
        return self.best_mean - self.standard_error


def candidate_choice(metrics: pd.DataFrame) -> CandidateChoice | None:
    """The candidates' comparison and the rule's threshold; None when the table has none."""
    cv = metrics[(metrics.evaluation == "repeated_cv") & (metrics.metric == "roc_auc")]
    if cv.empty:
        return None
    order = {known.name: position for position, known in enumerate(CANDIDATES)}
    cv = (
        cv.assign(compared=cv.candidate.map(order).fillna(len(order)))
        .sort_values(["compared", "candidate"], kind="stable")
        .reset_index(drop=True)
    )
    best = cv.loc[cv["mean"].idxmax()]
    folds = max(float(best["n_folds"]) if pd.notna(best["n_folds"]) else 1.0, 1.0)
    chosen = cv[cv.is_chosen.astype(bool)].candidate
    return CandidateChoice(
        table=cv,
        best=str(best.candidate),
        best_mean=float(best["mean"]),
        standard_error=float(np.nan_to_num(best["std"])) / np.sqrt(folds),
        chosen=str(chosen.iloc[0]) if len(chosen) else None,
    )


def plot_candidates(data: ReportData) -> plt.Figure:
    choice = candidate_choice(data.metrics)
    figure, axis = plt.subplots(figsize=(7, 0.32 * len(choice.table) + 1.3 if choice else 2.6))
    if choice is None:
        axis.text(0.5, 0.5, "no candidates compared in this build", ha="center")
        return figure
    cv = choice.table
    positions = np.arange(len(cv))
    axis.axvspan(
        choice.threshold,
        choice.best_mean,
        color="#f5b7b1",
        alpha=0.5,
        label=f"within one standard error of the best (≥ {choice.threshold:.4f})",
    )
    colours = ["#c0392b" if chosen else "#34495e" for chosen in cv.is_chosen.astype(bool)]
    axis.errorbar(cv["mean"], positions, xerr=cv["std"], fmt="none", ecolor="#7f8c8d", capsize=4)
    axis.scatter(cv["mean"], positions, color=colours, zorder=3, s=40)
    axis.set_yticks(positions, cv.candidate)
    axis.invert_yaxis()  # the first compared at the top
    for position, row in zip(positions, cv.itertuples(), strict=True):
        # the value right of the plot, on its candidate's line: nothing near the title
        axis.annotate(
            f"{row.mean:.4f}" + (" chosen" if row.is_chosen else ""),
            xy=(1.01, position),
            xycoords=("axes fraction", "data"),
            va="center",
            fontsize=8,
            color="#c0392b" if row.is_chosen else "#2c3e50",
        )
    axis.set_xlabel("ROC-AUC over repeated stratified CV (dot: mean; bar: ± std of the folds)")
    axis.set_title("Candidates in the order compared, simplest first (red: chosen)", pad=10)
    axis.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), frameon=False, fontsize=8)
    return figure


def plot_roc(data: ReportData) -> plt.Figure:
    figure, axis = plt.subplots(figsize=(4, 4))
    target, probability = data.scores.activity_declined, data.scores.decline_probability
    if target.nunique() == 2:
        false_positive, true_positive, _ = roc_curve(target, probability)
        auc = roc_auc_score(target, probability)
        axis.plot(
            false_positive,
            true_positive,
            color="#c0392b",
            label=f"ROC-AUC {auc:.3f}, all {len(target):,} pooled",
        )
        axis.legend(loc="lower right")
    else:
        axis.text(0.5, 0.5, "no labelled, out-of-fold scores", ha="center")
    axis.plot([0, 1], [0, 1], linestyle="--", color="#95a5a6")
    axis.set_xlabel("share of loyal customers flagged")
    axis.set_ylabel("share of decliners found")
    if data.is_newly_trained:
        axis.set_title("ROC curve: every out-of-fold\nprobability, pooled", fontsize=9)
    else:
        axis.set_title("ROC curve: this export's labelled\ncustomers, saved model", fontsize=9)
    return figure


def plot_calibration(data: ReportData) -> plt.Figure:
    figure, axis = plt.subplots(figsize=(4, 4))
    table = data.calibration.dropna(subset=["predicted_mean"])
    axis.plot([0, 1], [0, 1], linestyle="--", color="#95a5a6", label="perfectly calibrated")
    axis.plot(table.predicted_mean, table.observed_rate, color="#2980b9", marker="o")
    sizes = 20 + 200 * table.customers / max(table.customers.max(), 1)
    axis.scatter(table.predicted_mean, table.observed_rate, s=sizes, color="#2980b9", alpha=0.4)
    axis.set_xlabel("predicted probability (bin mean)")
    axis.set_ylabel("observed share of decliners")
    axis.set_title("Calibration (dot size: customers)")
    axis.legend(loc="upper left")
    return figure


def plot_importance(data: ReportData) -> plt.Figure:
    table = data.importance.head(15).iloc[::-1]
    figure, axis = plt.subplots(figsize=(7, 4))
    axis.barh(
        table.feature,
        table.importance_mean,
        xerr=table.importance_std,
        color="#34495e",
        ecolor="#7f8c8d",
        capsize=3,
    )
    axis.set_xlabel("ROC-AUC lost when the feature is shuffled (held-out folds, mean ± std)")
    axis.set_title("What drives the risk")
    return figure


def plot_segments(data: ReportData) -> plt.Figure:
    figure, axis = plt.subplots(figsize=(7, 4.2))
    for segment, colour in SEGMENT_COLOURS.items():
        rows = data.segments[data.segments.segment == segment]
        axis.scatter(
            rows.decline_probability,
            rows.profit,
            s=10,
            alpha=0.6,
            color=colour,
            label=f"{segment} ({len(rows):,})",
        )
    high_risk = data.segments[data.segments.is_high_risk].decline_probability.min()
    high_value = data.segments[data.segments.is_high_value].profit.min()
    if pd.notna(high_risk):
        axis.axvline(high_risk, color="#7f8c8d", linestyle=":", linewidth=1)
    if pd.notna(high_value):
        axis.axhline(high_value, color="#7f8c8d", linestyle=":", linewidth=1)
    axis.set_xlabel("decline probability")
    axis.set_ylabel(f"profit ({PROFIT_UNIT})")
    axis.set_title("Risk against value, one dot per customer")
    axis.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    return figure


def plot_key_segment(data: ReportData) -> plt.Figure:
    key = data.segments[data.segments.segment == KEY_SEGMENT]
    shares = pd.DataFrame(
        {
            "key segment": [key[flag].mean() if len(key) else 0.0 for flag in FLAGS],
            "all scored customers": [data.segments[flag].mean() for flag in FLAGS],
        },
        index=list(FLAGS.values()),
    )
    figure, axis = plt.subplots(figsize=(7, 3))
    positions = np.arange(len(shares))
    axis.barh(
        positions + 0.2, shares["key segment"], height=0.4, color="#c0392b", label="key segment"
    )
    axis.barh(
        positions - 0.2,
        shares["all scored customers"],
        height=0.4,
        color="#95a5a6",
        label="all scored customers",
    )
    axis.set_yticks(positions, shares.index)
    axis.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    axis.set_title("Why the key segment is at risk: share of customers with each behaviour")
    axis.legend(loc="lower right")
    return figure


# ---------- page ----------


def render_page(data: ReportData) -> str:
    """The report's HTML."""
    run, registry = data.run, data.registry
    counts = json.loads(run.get("row_counts") or "{}")
    key = data.summary[data.summary.is_key_segment]
    key_text = ""
    if len(key):
        key_row = key.iloc[0]
        share = key_row.profit_at_risk / max(data.summary.profit_at_risk.sum(), 1e-9)
        key_text = (
            f"{key_row.customers:,} customers, mean decline probability "
            f"{key_row.mean_decline_probability:.3f}, {key_row.profit_at_risk:,.2f} of profit at "
            f"risk ({PROFIT_UNIT}; {share:.0%} of all), {key_row.share_with_consent:.1%} "
            f"consented to marketing. Top categories: {key_row.top_categories}. "
            f"Offers: {key_row.top_offers}."
        )
    sections = [
        _section(
            "Data: from the exports to the feature mart",
            "Rows read from each export, customers in and out of scope, every row set aside "
            "with its reason (marts.customer_scope, marts.rejected_rows), and the revenues the "
            "outlier rule replaced.",
            _table(
                ["export or table", "rows"],
                [[name, f"{rows:,}"] for name, rows in counts.items()],
            )
            + _image("scope.png", "customers in and out of scope")
            + (
                _table(
                    ["file", "stage", "reason", "rows"],
                    data.rejected[["source_file", "rejection_stage", "rejection_reason", "rows_"]]
                    .astype(str)
                    .values.tolist(),
                )
                if len(data.rejected)
                else "<p>No row was set aside: no duplicates, no values out of range, every "
                "customer whole across the four exports.</p>"
            )
            + _outlier_html(data),
        ),
        _section(
            "The model",
            "Candidates are compared by ROC-AUC over repeated stratified cross-validation; the "
            "chosen one is calibrated and evaluated out of fold on another split. ROC-AUC: the "
            "chance a decliner is ranked above a loyal customer. Brier: mean squared error of the "
            "probabilities (0 is perfect).",
            _model_html(data)
            + _image("candidates.png", "candidates compared")
            + '<div class="pair">'
            + _image("roc.png", "ROC curve")
            + _image("calibration.png", "calibration plot")
            + "</div>"
            + _image("importance.png", "feature importance"),
        ),
        _section(
            "Segments",
            f"{_segment_rule(data)} Profit is each customer's average monthly profit over the "
            f"last three months as money.csv gives it ({PROFIT_UNIT}: the export names no "
            "currency); profit at risk = Σ probability × profit. Email and call offers go only to "
            "customers who consented; site offers reach everyone.",
            _table(
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
                        row.top_offers,
                    ]
                    for row in data.summary.itertuples()
                ],
            )
            + _image("segments.png", "risk against profit by segment"),
        ),
        _section(
            "The segment that matters most: high risk, high value",
            "Customers likely to buy less whose profit is at least the high-value cut-off: act "
            "on them first.",
            f"<p>{html.escape(key_text)}</p>" + _image("key_segment.png", "key segment profile"),
        ),
    ]
    title = "oneclick: regular customers at risk"
    header = (
        f"<h1>{title}</h1><p class='meta'>Build <b>{html.escape(str(run.get('run_id', '–')))}</b>"
        f" finished {html.escape(str(run.get('finished_at', '–')))} UTC from "
        f"<code>{html.escape(str(run.get('raw_folder', '–')))}</code>; model "
        f"<code>{html.escape(str(registry.get('model_version', '–')))}</code>.</p>"
    )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{title}</title><style>{STYLE}</style></head><body>"
        + header
        + "".join(sections)
        + "</body></html>\n"
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


def _model_html(data: ReportData) -> str:
    """Which model, why it was chosen, and its metrics, each labelled with what it measures."""
    registry, metrics = data.registry, data.metrics
    labelled = metrics[metrics.evaluation == "this_export"]
    labelled_customers = (
        f"{int(labelled.customers.iloc[0]):,}"
        if len(labelled) and pd.notna(labelled.customers.iloc[0])
        else "–"
    )
    trained_at = str(registry.get("trained_at", "–"))[:19]
    if data.is_newly_trained:
        intro = (
            f"This build trained the model on {registry.get('training_rows', 0):,} labelled "
            f"customers: chosen {registry.get('chosen_candidate', '–')} "
            f"{registry.get('chosen_params', '')}."
        )
        at_training = ""
        this_export = (
            "every out-of-fold probability pooled into one evaluation (the ROC curve below; "
            "not a mean of folds, so it differs a little from the row above)"
        )
    else:
        intro = (
            f"This build scored the customers with a saved model, "
            f"{registry.get('model_version', '–')}, trained on {trained_at} UTC on "
            f"{registry.get('training_rows', 0):,} customers ({registry.get('chosen_candidate')} "
            f"{registry.get('chosen_params', '')}). The rows marked «at training» are the "
            "numbers measured then, on that training data, not on these exports."
        )
        at_training = f"at training ({trained_at}): "
        this_export = (
            "these exports' labelled customers, scored by a model that never saw their labels "
            "(the ROC curve below)"
        )
    rows = [
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
    ]
    if len(labelled):
        rows.append(
            [
                f"{this_export}: {labelled_customers} customers",
                _metric(metrics, "this_export", "roc_auc", spread=False),
                _metric(metrics, "this_export", "brier", spread=False),
                _metric(metrics, "this_export", "log_loss", spread=False),
            ]
        )
    no_labels = (
        ""
        if len(labelled)
        else "<p>These exports have no labels (the column «Покупательская активность» is "
        "absent or empty), so the model could not be checked on them: every number here is "
        "from its training.</p>"
    )
    return (
        f"<p>{html.escape(intro)} {html.escape(_choice_text(data))}</p>"
        + _table(["evaluation", "ROC-AUC", "Brier", "log loss"], rows)
        + no_labels
    )


def _choice_text(data: ReportData) -> str:
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


def _outlier_html(data: ReportData) -> str:
    """The outlier rule, and the revenues it replaced in this build."""
    threshold = (
        f"{data.outlier_threshold:,.0f} (the revenue_outlier_threshold var)"
        if data.outlier_threshold is not None
        else "the revenue_outlier_threshold var"
    )
    replaced = data.revenue_outliers
    text = (
        f"The outlier rule: a monthly revenue above {threshold} is a data-entry error; it is "
        "replaced by the mean of the customer's other months and "
        "flagged (has_imputed_revenue in marts.feature_mart). "
    )
    if replaced.empty:
        return f"<p>{html.escape(text)}No revenue was above it in these exports.</p>"
    customers = replaced.customer_id.nunique()
    text += (
        f"It replaced {len(replaced):,} revenue{'s' if len(replaced) != 1 else ''} of "
        f"{customers:,} customer{'s' if customers != 1 else ''} in these exports:"
    )
    shown = replaced.head(20)
    more = (
        f"<p>… and {len(replaced) - len(shown):,} more (intermediate."
        "int_revenues_outliers_replaced).</p>"
        if len(replaced) > len(shown)
        else ""
    )
    return (
        f"<p>{html.escape(text)}</p>"
        + _table(
            ["customer", "month", "revenue reported", "replaced by"],
            [
                [
                    str(row.customer_id),
                    str(row.period),
                    f"{row.reported_revenue:,.1f}",
                    "– (no other month)" if pd.isna(row.revenue) else f"{row.revenue:,.1f}",
                ]
                for row in shown.itertuples()
            ],
        )
        + more
    )


def _segment_rule(data: ReportData) -> str:
    """How a customer's segment is decided, with the project's settings."""
    settings = data.project_vars
    risk = settings.get("high_risk_min_probability", "–")
    quantile = settings.get("high_value_profit_quantile", "–")
    high_value = data.segments[data.segments.is_high_value.astype(bool)].profit
    lowest = (
        f"; the lowest high-value profit here: {high_value.min():,.2f}" if len(high_value) else ""
    )
    median = ", the median" if quantile == 0.5 else ""
    return (
        f"Risk is high at a decline probability of at least the high_risk_min_probability var "
        f"({risk} in dbt_project.yml); value is high at a profit of at least the "
        f"high_value_profit_quantile var's quantile of all scored customers' profit ({quantile}"
        f"{median}, in dbt_project.yml{lowest}). A build may set either with --var."
    )


STYLE = """
body { font-family: 'DejaVu Sans', Arial, sans-serif; max-width: 960px; margin: 2em auto;
       padding: 0 1em; color: #2c3e50; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { border-bottom: 2px solid #ecf0f1;
     padding-bottom: 0.2em; margin-top: 2em; }
.meta, .how { color: #7f8c8d; } .how { font-style: italic; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border-bottom: 1px solid #ecf0f1; padding: 0.3em 0.8em; text-align: left; }
th { background: #f7f9fa; } img { max-width: 100%; margin: 0.5em 0; }
.pair { display: flex; gap: 1em; flex-wrap: wrap; } .pair img { max-width: 48%; }
code { background: #f7f9fa; padding: 0 0.2em; }
"""


def _section(title: str, how_to_read: str, body: str) -> str:
    return (
        f"<section><h2>{html.escape(title)}</h2>"
        f"<p class='how'>{html.escape(how_to_read)}</p>{body}</section>"
    )


def _table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(str(cell))}</th>" for cell in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in row) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _image(name: str, alt: str) -> str:
    return f"<img src='{name}' alt='{html.escape(alt)}'>"
