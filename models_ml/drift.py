"""Is the model still right for this month's customers? The population stability index (PSI)
of each feature between the model's training data and the customers it scores now.

The reference distribution is taken when the model is trained and saved with it
(:func:`reference_distribution`): numbers binned on the training data's quantiles, categories by
level, with the training shares of each bin. Scoring with a saved model then needs no training
export to tell whether the customers have drifted away from those it learnt from
(:func:`population_stability`). PSI = Σ (current − reference) × ln(current / reference) over the
bins; common practice reads below 0.1 as stable, 0.1 to 0.25 as worth watching, above as shifted.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

import numpy as np
import pandas as pd

from models_ml.features import CATEGORICAL_FEATURES, NUMERIC_FEATURES

QUANTILE_BINS = 10
# A bin empty on one side would make the index infinite: shares are floored at this.
SHARE_FLOOR = 1e-4
MISSING = "(missing)"
OTHER = "(other)"


def reference_distribution(features: pd.DataFrame) -> dict[str, dict]:
    """Per feature of the training data: its bins and the share of training rows in each.

    Numeric features are binned on the training quantiles (edges are values the data holds,
    repeats dropped, so a feature with three values has three bins); a missing value has a bin
    of its own. Categories are binned by level, with one bin for levels never seen in training.
    """
    reference = {}
    for column in NUMERIC_FEATURES:
        values = features[column].astype("float64").to_numpy()
        present = values[~np.isnan(values)]
        quantiles = np.linspace(0, 1, QUANTILE_BINS + 1)[1:-1]
        edges = (
            np.unique(np.quantile(present, quantiles, method="inverted_cdf"))
            if len(present)
            else np.array([])
        )
        reference[column] = {
            "kind": "numeric",
            "edges": edges.tolist(),
            "shares": _shares(_numeric_bins(values, edges), len(edges) + 2).tolist(),
        }
    for column in CATEGORICAL_FEATURES:
        levels = sorted(features[column].dropna().astype(str).unique().tolist())
        reference[column] = {
            "kind": "categorical",
            "levels": levels,
            "shares": _shares(_category_bins(features[column], levels), len(levels) + 1).tolist(),
        }
    return reference


def population_stability(
    reference: dict[str, dict], frames: pd.DataFrame | Iterable[pd.DataFrame]
) -> pd.DataFrame:
    """One row per feature: the PSI of the customers in ``frames`` (one frame, or batches of a
    large table, counted as they come) against the reference, the customers compared, and the
    bin that moved most (its label, reference share and current share)."""
    batches = [frames] if isinstance(frames, pd.DataFrame) else frames
    counts = {column: np.zeros(len(spec["shares"])) for column, spec in reference.items()}
    customers = 0
    for batch in batches:
        customers += len(batch)
        for column, spec in reference.items():
            counts[column] += np.bincount(_bins(spec, batch[column]), minlength=len(counts[column]))
    rows = []
    for column, spec in reference.items():
        expected = np.asarray(spec["shares"], dtype="float64")
        actual = counts[column] / customers if customers else counts[column]
        moved = int(np.argmax(np.abs(actual - expected)))
        rows.append(
            {
                "feature": column,
                "psi": float(psi_terms(expected, actual).sum()),
                "bins": len(expected),
                "customers": customers,
                "most_moved_bin": _labels(spec)[moved],
                "reference_share": float(expected[moved]),
                "current_share": float(actual[moved]),
            }
        )
    return pd.DataFrame(rows)


def _bins(spec: dict, values: pd.Series) -> np.ndarray:
    if spec["kind"] == "numeric":
        edges = np.asarray(spec["edges"], dtype="float64")
        return _numeric_bins(values.astype("float64").to_numpy(), edges)
    return _category_bins(values, spec["levels"])


def _labels(spec: dict) -> list[str]:
    if spec["kind"] == "numeric":
        return _numeric_labels(np.asarray(spec["edges"], dtype="float64"))
    return [*spec["levels"], OTHER]


def psi_terms(expected: np.ndarray, actual: np.ndarray) -> np.ndarray:
    """(actual − expected) × ln(actual / expected) per bin, shares floored at SHARE_FLOOR."""
    expected = np.maximum(expected, SHARE_FLOOR)
    actual = np.maximum(actual, SHARE_FLOOR)
    return (actual - expected) * np.log(actual / expected)


def drift_status(psi: float, watch_from: float, shifted_from: float) -> str:
    """``stable``, ``watch`` or ``shifted`` for a PSI and the two thresholds."""
    if psi >= shifted_from:
        return "shifted"
    if psi >= watch_from:
        return "watch"
    return "stable"


def _numeric_bins(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Bin 0 for a missing value; 1 + the number of edges at or below the value otherwise."""
    bins = np.searchsorted(edges, values, side="right") + 1
    return np.where(np.isnan(values), 0, bins)


def _numeric_labels(edges: np.ndarray) -> list[str]:
    bounds = [f"{edge:g}" for edge in edges]
    if not bounds:
        return [MISSING, "all values"]
    middle = [f"[{low}, {high})" for low, high in itertools.pairwise(bounds)]
    return [MISSING, f"< {bounds[0]}", *middle, f"≥ {bounds[-1]}"]


def _category_bins(values: pd.Series, levels: list[str]) -> np.ndarray:
    """The level's index, or len(levels) for a level never seen in training (or missing)."""
    index = pd.Index(levels)
    codes = index.get_indexer(values.astype("string").fillna(""))
    return np.where(codes < 0, len(levels), codes).astype("int64")


def _shares(bins: np.ndarray, count: int) -> np.ndarray:
    counts = np.bincount(bins, minlength=count).astype("float64")
    return counts / counts.sum() if counts.sum() else counts
