"""Do the offers work? Each campaign's contacted customers against its control group, once a
later export shows what they did: the decline rate in each group, the difference with a 95 %
confidence interval, and the difference in revenue change.

The statistics come from well-kept libraries, not from formulas written here: the interval for a
difference of two proportions is Newcombe's hybrid score interval (statsmodels), which keeps
its coverage for small groups and rates near 0 or 1; the interval for the difference in mean
revenue change is Welch's t interval (scipy), which does not assume equal variances.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep

CONFIDENCE = 0.95
GROUP_COLUMNS = ["export_month", "campaign", "outcome_month"]


def campaign_outcomes(outcomes: pd.DataFrame, min_customers: int) -> pd.DataFrame:
    """One row per campaign, assignment month and outcome month.

    ``outcomes`` holds one row per assigned customer with a later outcome: ``export_month``
    (when it was assigned), ``campaign``, ``is_control``, ``outcome_month``, ``declined`` (0/1:
    the label of the outcome month) and ``revenue_change`` (revenue in the outcome month minus
    revenue in the assignment month). Below ``min_customers`` in either group the numbers are
    left out and ``verdict`` says there are too few customers to tell.
    """
    rows = [
        _one_campaign(keys, group, min_customers)
        for keys, group in outcomes.groupby(GROUP_COLUMNS, sort=True, dropna=False)
    ]
    return pd.DataFrame(rows, columns=list(_COLUMNS)).astype(_COLUMNS)


# The table's columns and their types: typed even when there is no row yet (a warehouse's
# first month), so the table's schema never depends on the data.
_COLUMNS = {
    "export_month": "datetime64[s]",
    "campaign": "string",
    "outcome_month": "datetime64[s]",
    "contacted_customers": "Int64",
    "control_customers": "Int64",
    "contacted_decline_rate": "float64",
    "control_decline_rate": "float64",
    "decline_rate_difference": "float64",
    "decline_rate_difference_low": "float64",
    "decline_rate_difference_high": "float64",
    "contacted_mean_revenue_change": "float64",
    "control_mean_revenue_change": "float64",
    "revenue_change_difference": "float64",
    "revenue_change_difference_low": "float64",
    "revenue_change_difference_high": "float64",
    "has_enough_customers": "boolean",
    "verdict": "string",
}


def _one_campaign(keys: tuple, group: pd.DataFrame, min_customers: int) -> dict:
    contacted = group[~group["is_control"]]
    control = group[group["is_control"]]
    row: dict[str, object] = dict(zip(GROUP_COLUMNS, keys, strict=True))
    row |= {
        "contacted_customers": len(contacted),
        "control_customers": len(control),
        "has_enough_customers": min(len(contacted), len(control)) >= min_customers,
    }
    if not row["has_enough_customers"]:
        row["verdict"] = (
            f"too few customers to tell: {len(contacted)} contacted and {len(control)} in the "
            f"control group; at least {min_customers} in each are needed"
        )
        return row
    declines = (int(contacted["declined"].sum()), int(control["declined"].sum()))
    low, high = confint_proportions_2indep(
        declines[0],
        len(contacted),
        declines[1],
        len(control),
        method="newcomb",
        compare="diff",
        alpha=1 - CONFIDENCE,
    )
    difference = declines[0] / len(contacted) - declines[1] / len(control)
    row |= {
        "contacted_decline_rate": declines[0] / len(contacted),
        "control_decline_rate": declines[1] / len(control),
        "decline_rate_difference": difference,
        "decline_rate_difference_low": float(low),
        "decline_rate_difference_high": float(high),
    }
    row |= _revenue_difference(contacted["revenue_change"], control["revenue_change"])
    row["verdict"] = _verdict(difference, float(low), float(high))
    return row


def _revenue_difference(contacted: pd.Series, control: pd.Series) -> dict[str, float]:
    contacted, control = contacted.dropna(), control.dropna()
    result = {
        "contacted_mean_revenue_change": float(contacted.mean()),
        "control_mean_revenue_change": float(control.mean()),
        "revenue_change_difference": float(contacted.mean() - control.mean()),
    }
    if len(contacted) < 2 or len(control) < 2:
        return result
    test = stats.ttest_ind(contacted, control, equal_var=False)
    interval = test.confidence_interval(CONFIDENCE)
    if np.isfinite(interval.low):
        result |= {
            "revenue_change_difference_low": float(interval.low),
            "revenue_change_difference_high": float(interval.high),
        }
    return result


def _verdict(difference: float, low: float, high: float) -> str:
    shown = f"{difference:+.1%} ({CONFIDENCE:.0%} interval {low:+.1%} to {high:+.1%})"
    if high < 0:
        return f"fewer contacted customers declined: {shown}"
    if low > 0:
        return f"more contacted customers declined: {shown}"
    return f"no difference the data can tell from chance: {shown}"
