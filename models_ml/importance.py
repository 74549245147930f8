"""Which behaviours drive the risk: permutation importance and, for linear models, coefficients."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.calibration import CalibratedClassifierCV
from sklearn.metrics import roc_auc_score

from models_ml.features import FEATURES, source_feature


def permutation_drops(
    model: BaseEstimator,
    features: pd.DataFrame,
    target: np.ndarray,
    repeats: int,
    seed: int,
) -> pd.DataFrame:
    """ROC-AUC lost when each feature is shuffled, one row per feature and repeat. Meant for
    rows the model did not train on (a held-out fold), where the drop is honest.

    The same shuffles and drops as ``sklearn.inspection.permutation_importance`` (scoring
    ``roc_auc``; tests/models_ml checks it), but every shuffled copy of the rows is scored in one
    prediction instead of one per feature and repeat: a forest's prediction costs about the same
    for 200 rows as for 11,000, and the 55 calls of 18 features × 3 repeats were two thirds of
    the out-of-fold evaluation's time.
    """
    orders = shuffled_orders(len(features), repeats, seed)
    copies = [features]
    for column in features.columns:
        values = features[column].to_numpy()
        for order in orders:
            shuffled = features.copy()
            shuffled[column] = values[order]
            copies.append(shuffled)
    scores = positive_scores(model, pd.concat(copies, ignore_index=True))
    per_copy = scores.reshape(len(copies), len(features))
    baseline = roc_auc_score(target, per_copy[0])
    drops = baseline - np.array([roc_auc_score(target, copy) for copy in per_copy[1:]])
    return pd.DataFrame(
        {
            "feature": np.repeat(features.columns.to_numpy(), repeats),
            "repeat": np.tile(np.arange(repeats), len(features.columns)),
            "roc_auc_drop": drops.astype("float64"),
        }
    )


def shuffled_orders(rows: int, repeats: int, seed: int) -> list[np.ndarray]:
    """The row order of a shuffled column in each repeat, as permutation_importance draws them:
    one seed drawn from ``seed``; each repeat shuffles the previous repeat's column again."""
    random_seed = np.random.RandomState(seed).randint(np.iinfo(np.int32).max + 1)
    state = np.random.RandomState(random_seed)
    shuffle, order, orders = np.arange(rows), np.arange(rows), []
    for _repeat in range(repeats):
        state.shuffle(shuffle)
        order = order[shuffle]
        orders.append(order)
    return orders


def positive_scores(model: BaseEstimator, features: pd.DataFrame) -> np.ndarray:
    """What the ROC-AUC scorer ranks by: the decision function where there is one (a bare
    classifier), else the probability of the positive label (a calibrated model)."""
    if hasattr(model, "decision_function"):
        return np.asarray(model.decision_function(features), dtype="float64")
    return model.predict_proba(features)[:, 1]


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
