"""The report's plots: one matplotlib figure per PNG beside the page.

Each function takes the :class:`~warehouse.reporting.queries.ReportData` and returns a figure, or
None when there is nothing to draw (a warehouse with one month has no segment flow yet); the page
shows only the images that were written.
"""

from __future__ import annotations

from collections.abc import Callable

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score, roc_curve

from warehouse.reporting.choice import candidate_choice
from warehouse.reporting.queries import ReportData

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
# Segments take these colours in their declared order (the most urgent first); the two states
# of the history that are not segments, grey.
SEGMENT_PALETTE = ("#c0392b", "#e67e22", "#2980b9", "#95a5a6", "#8e44ad", "#16a085")
OTHER_STATES = {"out_of_scope": "#d5dbdb", "not_in_export": "#eaeded"}
STATUS_COLOURS = {"stable": "#27ae60", "watch": "#f39c12", "shifted": "#c0392b"}

Plot = Callable[[ReportData], plt.Figure | None]


def segment_colours(names: tuple[str, ...]) -> dict[str, str]:
    """A colour for each segment, by its declared order, and for the history's other states."""
    colours = {
        name: SEGMENT_PALETTE[index % len(SEGMENT_PALETTE)] for index, name in enumerate(names)
    }
    return colours | OTHER_STATES


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
    if data.model.is_given:
        axis.set_title("ROC curve: this export's labelled\ncustomers, saved model", fontsize=9)
    else:
        axis.set_title("ROC curve: every out-of-fold\nprobability, pooled", fontsize=9)
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
    colours = segment_colours(data.segmentation.names)
    for segment in data.segmentation.names:
        rows = data.segments[data.segments.segment == segment]
        axis.scatter(
            rows.decline_probability,
            rows.profit,
            s=10,
            alpha=0.6,
            color=colours[segment],
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


def key_segment_shares(data: ReportData) -> pd.DataFrame:
    """Per behaviour (and consent): the share of the key segment and of all scored customers
    who have it."""
    key = data.segments[data.segments.segment == data.segmentation.key_segment.name]
    columns = {flag.column: flag.label for flag in data.segmentation.flags}
    columns["is_marketing_allowed"] = "consented to marketing"
    return pd.DataFrame(
        {
            "key segment": [key[column].mean() if len(key) else 0.0 for column in columns],
            "all scored customers": [data.segments[column].mean() for column in columns],
        },
        index=list(columns.values()),
    )


def plot_key_segment(data: ReportData) -> plt.Figure:
    shares = key_segment_shares(data)
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


def flow_matrix(data: ReportData) -> pd.DataFrame:
    """Customers from each segment of the month before (rows) to each of the latest month
    (columns), segments in their declared order, then out of scope and not in the export."""
    flow = data.history.flow
    order = [*data.segmentation.names, *OTHER_STATES]
    matrix = flow.pivot_table(
        index="from_segment", columns="to_segment", values="customers", aggfunc="sum"
    )
    rows = [name for name in order if name in matrix.index]
    columns = [name for name in order if name in matrix.columns]
    return matrix.reindex(index=rows, columns=columns).fillna(0).astype(int)


def plot_flow(data: ReportData) -> plt.Figure | None:
    history = data.history
    if not history.has_earlier_month or history.flow.empty:
        return None
    matrix = flow_matrix(data)
    figure, axis = plt.subplots(figsize=(7, 0.45 * len(matrix) + 2.2))
    axis.imshow(matrix.to_numpy(), cmap="Blues", aspect="auto")
    axis.grid(False)
    axis.set_xticks(np.arange(len(matrix.columns)), matrix.columns, rotation=30, ha="right")
    axis.set_yticks(np.arange(len(matrix.index)), matrix.index)
    peak = max(int(matrix.to_numpy().max()), 1)
    for (row, column), value in np.ndenumerate(matrix.to_numpy()):
        if value:
            colour = "white" if value > peak / 2 else "#2c3e50"
            axis.text(column, row, f"{value:,}", ha="center", va="center", color=colour)
    axis.set_ylabel(f"segment in {history.month_before}")
    axis.set_xlabel(f"segment in {history.month_now}")
    axis.set_title(f"Where the customers went, {history.month_before} → {history.month_now}")
    return figure


def plot_drift(data: ReportData) -> plt.Figure | None:
    drift = data.monitoring.drift
    if drift.empty:
        return None
    table = drift.iloc[::-1]
    figure, axis = plt.subplots(figsize=(7, 0.28 * len(table) + 1.4))
    colours = [STATUS_COLOURS.get(status, "#7f8c8d") for status in table.status]
    axis.barh(table.feature, table.psi, color=colours)
    for name, colour, style in (
        ("drift_watch_psi", STATUS_COLOURS["watch"], "--"),
        ("drift_shifted_psi", STATUS_COLOURS["shifted"], "-"),
    ):
        value = data.settings.get(name)
        if isinstance(value, int | float):
            axis.axvline(value, color=colour, linestyle=style, linewidth=1, label=f"{name} {value}")
    axis.set_xscale("symlog", linthresh=0.01)
    axis.set_xlabel("population stability index against the training data (symmetric log)")
    axis.set_title(f"Drift of every feature in {data.monitoring.drift_month}")
    axis.legend(loc="lower right", fontsize=8)
    return figure


def plot_performance(data: ReportData) -> plt.Figure | None:
    performance = data.monitoring.performance.dropna(subset=["roc_auc"])
    if performance.empty:
        return None
    figure, axis = plt.subplots(figsize=(7, 3.2))
    for scored_month, rows in performance.groupby("scored_month", sort=True):
        axis.plot(rows.label_month, rows.roc_auc, marker="o", label=f"scored {scored_month}")
    if data.model.oof_roc_auc is not None and pd.notna(data.model.oof_roc_auc):
        axis.axhline(
            data.model.oof_roc_auc,
            color="#7f8c8d",
            linestyle="--",
            linewidth=1,
            label=f"at training, out of fold ({data.model.oof_roc_auc:.3f})",
        )
    axis.set_xlabel("month whose export brought the labels")
    axis.set_ylabel("ROC-AUC of the earlier scores")
    axis.set_title("Realised performance: earlier scores against the labels that arrived")
    axis.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, fontsize=8)
    return figure


def plot_uplift(data: ReportData) -> plt.Figure | None:
    outcomes = data.monitoring.outcomes
    told = outcomes[outcomes.has_enough_customers.astype(bool)]
    if told.empty:
        return None
    figure, axis = plt.subplots(figsize=(7, 0.45 * len(told) + 1.5))
    positions = np.arange(len(told))
    difference = told.decline_rate_difference.to_numpy()
    errors = np.vstack(
        [
            difference - told.decline_rate_difference_low.to_numpy(),
            told.decline_rate_difference_high.to_numpy() - difference,
        ]
    )
    axis.errorbar(difference, positions, xerr=errors, fmt="o", color="#2980b9", capsize=4)
    axis.axvline(0, color="#7f8c8d", linewidth=1)
    labels = [
        f"{row.campaign} ({row.export_month} → {row.outcome_month})" for row in told.itertuples()
    ]
    axis.set_yticks(positions, labels)
    axis.invert_yaxis()
    axis.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    axis.set_xlabel("decline rate, contacted − control (95% interval); below 0: the offer helped")
    axis.set_title("Do the offers work: contacted against the control group")
    return figure


# The page's images, in the order they appear; a plot that returns None is left out.
PLOTS: dict[str, Plot] = {
    "scope.png": plot_scope,
    "candidates.png": plot_candidates,
    "roc.png": plot_roc,
    "calibration.png": plot_calibration,
    "importance.png": plot_importance,
    "segments.png": plot_segments,
    "key_segment.png": plot_key_segment,
    "flow.png": plot_flow,
    "drift.png": plot_drift,
    "performance.png": plot_performance,
    "uplift.png": plot_uplift,
}
