"""The tables the warehouse keeps about a model, as frames the dbt Python models return.

Each function takes a loaded :class:`~models_ml.artifact.ModelArtifact` (and, for scores, the
customers to score) and returns one table, keyed and typed for DuckDB.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

import numpy as np
import pandas as pd

from models_ml.artifact import ModelArtifact
from models_ml.calibration import probability_scores
from models_ml.drift import drift_status, population_stability
from models_ml.features import ID_COLUMN, LABEL_COLUMN
from models_ml.predict import score_frame

CROSS_VALIDATION = "cross_validation"
FINAL_MODEL = "final_model"


def registry_rows(artifact: ModelArtifact, model_source: str) -> pd.DataFrame:
    """One row describing the model: version, file, when and on what it was trained, metrics,
    and how this build obtained it (``trained``, ``reused`` or ``given``: models_ml.artifact)."""
    metadata = artifact.metadata
    return pd.DataFrame(
        [
            {
                "model_version": artifact.version,
                "artifact_path": str(artifact.path),
                "trained_at": pd.Timestamp(metadata["trained_at"]).tz_convert(None),
                "model_source": model_source,
                "chosen_candidate": metadata["chosen_candidate"],
                "chosen_params": json.dumps(metadata["chosen_params"], sort_keys=True),
                "training_rows": metadata["training_rows"],
                "selection_rows": metadata["selection_rows"],
                "labelled_rows": metadata["labelled_rows"],
                "data_fingerprint": metadata["data_fingerprint"],
                "cv_roc_auc": metadata["summary"]["cv_roc_auc"],
                "oof_roc_auc": metadata["summary"]["oof_roc_auc"],
                "brier": metadata["summary"]["brier"],
                "features": json.dumps(metadata["features"], ensure_ascii=False),
                "libraries": json.dumps(metadata["libraries"]),
                "skipped_candidates": json.dumps(
                    metadata.get("skipped_candidates", {}), ensure_ascii=False
                ),
            }
        ]
    )


def score_rows(
    artifact: ModelArtifact,
    batches: Iterable[pd.DataFrame],
    use_out_of_fold: bool,
    scored_at: datetime,
) -> pd.DataFrame:
    """Every customer's decline probability. A customer the model trained on gets, where the
    model was trained on this build's training rows (``use_out_of_fold``: trained or reused),
    its out-of-fold probability instead of the model's own (which saw its label);
    ``is_out_of_fold`` says whether the probability comes from a model that never saw the
    customer's label."""
    out_of_fold = (
        artifact.tables["out_of_fold"].set_index(ID_COLUMN)["decline_probability"]
        if use_out_of_fold
        else pd.Series(dtype="float64")
    )

    frames = []
    for batch in batches:
        if not len(batch):
            continue
        scores = score_frame(artifact, batch)
        from_folds = scores[ID_COLUMN].map(out_of_fold).to_numpy(dtype="float64", na_value=np.nan)
        has_fold = ~np.isnan(from_folds)
        scores["decline_probability"] = np.where(
            has_fold, from_folds, scores["decline_probability"]
        )
        scores["is_out_of_fold"] = scores["is_out_of_fold"].to_numpy() | has_fold
        scores["score_source"] = np.where(has_fold, CROSS_VALIDATION, FINAL_MODEL)
        label = (
            batch[LABEL_COLUMN] if LABEL_COLUMN in batch else pd.Series(pd.NA, index=batch.index)
        )
        scores[LABEL_COLUMN] = label.astype("Int32").to_numpy()
        frames.append(scores)
    table = pd.concat(frames, ignore_index=True) if frames else _empty_scores()
    table["model_version"] = artifact.version
    table["scored_at"] = pd.Timestamp(scored_at).tz_convert(None)
    return table[
        [
            ID_COLUMN,
            "decline_probability",
            LABEL_COLUMN,
            "is_out_of_fold",
            "score_source",
            "model_version",
            "scored_at",
        ]
    ]


def metric_rows(artifact: ModelArtifact, scores: pd.DataFrame) -> pd.DataFrame:
    """The model's metrics from training (repeated CV per candidate, out of fold for the chosen
    one), plus, where this export has labels, the scores of this build against them
    (``evaluation = 'this_export'``: only probabilities from a model that never saw the label)."""
    table = artifact.tables["metrics"].copy()
    honest = scores[scores["is_out_of_fold"] & scores[LABEL_COLUMN].notna()]
    target = honest[LABEL_COLUMN].astype("int64").to_numpy()
    if len(np.unique(target)) == 2:
        for metric, value in probability_scores(
            target, honest["decline_probability"].to_numpy()
        ).items():
            table.loc[len(table)] = {
                "evaluation": "this_export",
                "candidate": artifact.metadata["chosen_candidate"],
                "is_chosen": True,
                "params": json.dumps(artifact.metadata["chosen_params"], sort_keys=True),
                "metric": metric,
                "mean": value,
                "std": np.nan,
                "min": value,
                "max": value,
                "n_folds": 1,
            }
    table.insert(0, "model_version", artifact.version)
    table["customers"] = np.where(table["evaluation"] == "this_export", len(honest), np.nan)
    return table


def importance_rows(artifact: ModelArtifact) -> pd.DataFrame:
    """Permutation importance of the model's features (with spread), coefficients if linear."""
    table = artifact.tables["importance"].copy()
    table.insert(0, "model_version", artifact.version)
    table["coefficient_sign"] = np.sign(table["coefficient"])
    return table


def calibration_rows(artifact: ModelArtifact) -> pd.DataFrame:
    """The calibration table of the model's out-of-fold probabilities."""
    table = artifact.tables["calibration"].copy()
    table.insert(0, "model_version", artifact.version)
    return table


def _empty_scores() -> pd.DataFrame:
    return pd.DataFrame(
        {
            ID_COLUMN: pd.Series(dtype="int64"),
            "decline_probability": pd.Series(dtype="float64"),
            "is_out_of_fold": pd.Series(dtype="bool"),
            "score_source": pd.Series(dtype="object"),
            LABEL_COLUMN: pd.Series(dtype="Int32"),
        }
    )


def drift_rows(
    artifact: ModelArtifact,
    batches: Iterable[pd.DataFrame],
    watch_from: float,
    shifted_from: float,
) -> pd.DataFrame:
    """The population stability of every feature of the customers in ``batches`` against the
    model's training data, with its status (``stable``, ``watch``, ``shifted``). Empty for a
    model saved before models carried their training distribution."""
    reference = artifact.metadata.get("reference_distribution") or {}
    table = population_stability(reference, batches) if reference else _empty_drift()
    table["status"] = [drift_status(psi, watch_from, shifted_from) for psi in table["psi"]]
    table.insert(0, "model_version", artifact.version)
    return table.astype({"model_version": "string", "feature": "string", "status": "string"})


def _empty_drift() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "feature": pd.Series(dtype="string"),
            "psi": pd.Series(dtype="float64"),
            "bins": pd.Series(dtype="int64"),
            "customers": pd.Series(dtype="int64"),
            "most_moved_bin": pd.Series(dtype="string"),
            "reference_share": pd.Series(dtype="float64"),
            "current_share": pd.Series(dtype="float64"),
        }
    )
