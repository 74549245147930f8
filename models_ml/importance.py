"""Which behaviours drive the risk: permutation importance and, for linear models, coefficients."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.calibration import CalibratedClassifierCV
from sklearn.inspection import permutation_importance

from models_ml.features import FEATURES, source_feature


def permutation_drops(
    model: BaseEstimator,
    features: pd.DataFrame,
    target: np.ndarray,
    repeats: int,
    seed: int,
) -> pd.DataFrame:
    """ROC-AUC lost when each feature is shuffled, one row per feature and repeat. Meant for
    rows the model did not train on (a held-out fold), where the drop is honest."""
    result = permutation_importance(
        model, features, target, scoring="roc_auc", n_repeats=repeats, random_state=seed, n_jobs=1
    )
    return pd.DataFrame(
        [
            {"feature": feature, "repeat": repeat, "roc_auc_drop": float(drop)}
            for feature, drops in zip(features.columns, result.importances, strict=True)
            for repeat, drop in enumerate(drops)
        ]
    )


def importance_table(drops: pd.DataFrame) -> pd.DataFrame:
    """Mean and spread of the drops per feature, most important first, with its rank."""
    table = (
        drops.groupby("feature")["roc_auc_drop"]
        .agg(importance_mean="mean", importance_std="std", importance_samples="size")
        .reindex(list(FEATURES))
        .reset_index()
        .sort_values("importance_mean", ascending=False, kind="stable")
        .reset_index(drop=True)
    )
    table["importance_rank"] = np.arange(1, len(table) + 1)
    return table


def linear_coefficients(model: BaseEstimator) -> pd.DataFrame:
    """Coefficients of a fitted linear model per mart column (summed over a category's one-hot
    columns by absolute size, sign of the largest), on scaled features; empty for other models."""
    estimator = model
    if isinstance(estimator, CalibratedClassifierCV):
        estimator = estimator.calibrated_classifiers_[0].estimator
    final = estimator.named_steps["estimator"] if hasattr(estimator, "named_steps") else estimator
    if not hasattr(final, "coef_"):
        return pd.DataFrame(columns=["feature", "coefficient"])
    names = estimator.named_steps["preprocess"].get_feature_names_out()
    per_column = pd.DataFrame({"column": names, "coefficient": final.coef_.ravel()})
    per_column["feature"] = per_column["column"].map(source_feature)
    per_column["size"] = per_column["coefficient"].abs()
    largest = per_column.sort_values("size", ascending=False).drop_duplicates("feature")
    return largest[["feature", "coefficient"]].reset_index(drop=True)
