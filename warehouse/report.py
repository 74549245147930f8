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
from sklearn.metrics import roc_auc_score, roc_curve

from warehouse.dbt_runner import Progress

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
        )
    finally:
        connection.close()


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


def plot_candidates(data: ReportData) -> plt.Figure:
    cv = data.metrics[
        (data.metrics.evaluation == "repeated_cv") & (data.metrics.metric == "roc_auc")
    ]
    cv = cv.sort_values("mean")
    figure, axis = plt.subplots(figsize=(7, 2.6))
    colours = ["#c0392b" if chosen else "#34495e" for chosen in cv.is_chosen]
    axis.errorbar(cv["mean"], cv.candidate, xerr=cv["std"], fmt="none", ecolor="#7f8c8d", capsize=4)
    axis.scatter(cv["mean"], cv.candidate, color=colours, zorder=3, s=40)
    for row in cv.itertuples():
        axis.annotate(
            f"{row.mean:.3f}",
            (row.mean, row.candidate),
            textcoords="offset points",
            xytext=(0, 7),
            ha="center",
            fontsize=8,
        )
    axis.set_xlabel("ROC-AUC over repeated stratified CV (mean ± std of the folds)")
    axis.set_title("Candidates compared (red: chosen)")
    return figure


def plot_roc(data: ReportData) -> plt.Figure:
    figure, axis = plt.subplots(figsize=(4, 4))
    target, probability = data.scores.activity_declined, data.scores.decline_probability
    if target.nunique() == 2:
        false_positive, true_positive, _ = roc_curve(target, probability)
        auc = roc_auc_score(target, probability)
        axis.plot(false_positive, true_positive, color="#c0392b", label=f"ROC-AUC {auc:.3f}")
        axis.legend(loc="lower right")
    else:
        axis.text(0.5, 0.5, "no labelled, out-of-fold scores", ha="center")
    axis.plot([0, 1], [0, 1], linestyle="--", color="#95a5a6")
    axis.set_xlabel("share of loyal customers flagged")
    axis.set_ylabel("share of decliners found")
    axis.set_title("ROC curve, out-of-fold probabilities")
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
    axis.set_ylabel("profit (monthly average, last 3 months)")
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
    chosen = data.metrics[data.metrics.is_chosen]

    def metric(evaluation: str, name: str) -> str:
        row = chosen[(chosen.evaluation == evaluation) & (chosen.metric == name)]
        if row.empty:
            return "–"
        std = row["std"].iloc[0]
        return f"{row['mean'].iloc[0]:.3f}" + (f" ± {std:.3f}" if pd.notna(std) else "")

    key = data.summary[data.summary.is_key_segment]
    key_text = ""
    if len(key):
        key_row = key.iloc[0]
        share = key_row.profit_at_risk / max(data.summary.profit_at_risk.sum(), 1e-9)
        key_text = (
            f"{key_row.customers:,} customers, mean decline probability "
            f"{key_row.mean_decline_probability:.2f}, {key_row.profit_at_risk:,.1f} of profit at "
            f"risk a month ({share:.0%} of all), {key_row.share_with_consent:.0%} consented to "
            f"marketing. Top categories: {key_row.top_categories}. Offers: {key_row.top_offers}."
        )
    sections = [
        _section(
            "Data: from the exports to the feature mart",
            "Rows read from each export, customers in and out of scope, and every row set aside "
            "with its reason (marts.customer_scope, marts.rejected_rows).",
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
            ),
        ),
        _section(
            "The model",
            "Candidates are compared by ROC-AUC over repeated stratified cross-validation; the "
            "chosen one is calibrated and evaluated out of fold on another split. ROC-AUC: the "
            "chance a decliner is ranked above a loyal customer. Brier: mean squared error of the "
            "probabilities (0 is perfect).",
            _table(
                [
                    "chosen",
                    "repeated-CV ROC-AUC",
                    "out-of-fold ROC-AUC",
                    "Brier",
                    "log loss",
                    "training customers",
                ],
                [
                    [
                        f"{registry.get('chosen_candidate', '–')} "
                        f"{registry.get('chosen_params', '')}",
                        metric("repeated_cv", "roc_auc"),
                        metric("out_of_fold", "roc_auc"),
                        metric("out_of_fold", "brier"),
                        metric("out_of_fold", "log_loss"),
                        f"{registry.get('training_rows', 0):,}",
                    ]
                ],
            )
            + _image("candidates.png", "candidates compared")
            + '<div class="pair">'
            + _image("roc.png", "ROC curve")
            + _image("calibration.png", "calibration plot")
            + "</div>"
            + _image("importance.png", "feature importance"),
        ),
        _section(
            "Segments",
            "Risk (probability ≥ the cut-off) × value (profit ≥ the median of scored customers). "
            "Profit at risk = Σ probability × profit. Email and call offers go only to customers "
            "who consented; site offers reach everyone.",
            _table(
                ["segment", "customers", "mean risk", "profit at risk", "consent", "top offers"],
                [
                    [
                        row.segment,
                        f"{row.customers:,}",
                        f"{row.mean_decline_probability:.2f}",
                        f"{row.profit_at_risk:,.1f}",
                        f"{row.share_with_consent:.0%}",
                        row.top_offers,
                    ]
                    for row in data.summary.itertuples()
                ],
            )
            + _image("segments.png", "risk against profit by segment"),
        ),
        _section(
            "The segment that matters most: high risk, high value",
            "Customers likely to buy less whose profit is above the median: act on them first.",
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
