"""How far the probabilities can be taken at their word: the calibration table and scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, brier_score_loss, log_loss, roc_auc_score


def calibration_table(target: np.ndarray, probability: np.ndarray, bins: int = 10) -> pd.DataFrame:
    """Customers grouped by predicted probability into equal-width bins: the mean prediction
    beside the observed share of decliners. A calibrated model has the two close in every bin."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    index = np.clip(np.digitize(probability, edges[1:-1], right=False), 0, bins - 1)
    frame = pd.DataFrame({"bin": index, "probability": probability, "target": target})
    table = (
        frame.groupby("bin")
        .agg(
            predicted_mean=("probability", "mean"),
            observed_rate=("target", "mean"),
            customers=("target", "size"),
        )
        .reindex(range(bins))
        .reset_index()
    )
    table["bin_lower"] = edges[:-1]
    table["bin_upper"] = edges[1:]
    table["customers"] = table["customers"].fillna(0).astype("int64")
    return table[["bin", "bin_lower", "bin_upper", "predicted_mean", "observed_rate", "customers"]]


def probability_scores(target: np.ndarray, probability: np.ndarray) -> dict[str, float]:
    """ROC-AUC, Brier score, log loss and average precision of probabilities against labels."""
    return {
        "roc_auc": float(roc_auc_score(target, probability)),
        "brier": float(brier_score_loss(target, probability)),
        "log_loss": float(log_loss(target, np.clip(probability, 1e-6, 1 - 1e-6))),
        "average_precision": float(average_precision_score(target, probability)),
    }
