"""Training, end to end: select, evaluate out of fold, calibrate, explain, refit.

:func:`train_decline_model` takes labelled rows shaped like ``marts.feature_mart`` (a bounded
stratified sample at scale: ``ml_training_sample``) and returns a :class:`TrainedModel` holding
the fitted model and every table the warehouse shows about it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from joblib import delayed
from sklearn.base import BaseEstimator, clone
from sklearn.model_selection import StratifiedKFold, train_test_split

from models_ml.calibration import calibration_table, probability_scores
from models_ml.candidates import (
    Candidate,
    Params,
    affordable_candidates,
    calibrated_pipeline,
    params_text,
)
from models_ml.config import Progress, TrainingConfig
from models_ml.drift import reference_distribution
from models_ml.features import (
    CATEGORICAL_FEATURES,
    FEATURES,
    ID_COLUMN,
    LABEL_COLUMN,
    feature_frame,
    labelled_rows,
    labels,
)
from models_ml.importance import importance_table, linear_coefficients, permutation_drops
from models_ml.parallel import run_side_by_side
from models_ml.selection import select_model

MIN_ROWS_PER_LABEL = 20


class TrainingDataError(ValueError):
    """The rows cannot train a model (too few, or one label only)."""


@dataclass(frozen=True)
class TrainedModel:
    """A fitted, calibrated model and what is known about it."""

    model: BaseEstimator
    chosen_candidate: str
    chosen_params: Params
    metrics: pd.DataFrame
    out_of_fold: pd.DataFrame
    calibration: pd.DataFrame
    importance: pd.DataFrame
    training_customer_ids: np.ndarray
    categories: dict[str, list[str]]
    data_fingerprint: str
    selection_rows: int
    config: TrainingConfig = field(default_factory=TrainingConfig)
    skipped_candidates: dict[str, str] = field(default_factory=dict)
    # The training features' distribution, saved with the model for the drift check.
    reference_distribution: dict[str, dict] = field(default_factory=dict)

    @property
    def training_rows(self) -> int:
        return len(self.training_customer_ids)

    def metric(self, evaluation: str, metric: str) -> float:
        """The chosen model's mean of a metric, e.g. ``metric("repeated_cv", "roc_auc")``."""
        rows = self.metrics[
            (self.metrics["evaluation"] == evaluation)
            & (self.metrics["metric"] == metric)
            & self.metrics["is_chosen"]
        ]
        return float(rows["mean"].iloc[0])


def train_decline_model(
    frame: pd.DataFrame,
    config: TrainingConfig | None = None,
    progress: Progress | None = None,
    customers_to_score: int | None = None,
) -> TrainedModel:
    """Train the decline-risk model on the labelled rows of ``frame``.

    ``customers_to_score`` (how many customers the model will score) leaves out candidates
    too slow to score that many (see candidates.affordable_candidates).
    """
    config = config or TrainingConfig()
    say = progress or (lambda _message: None)
    rows = training_rows(frame)
    _check_trainable(rows)
    features, target = feature_frame(rows), labels(rows)

    selection_features, selection_target = _stratified_subsample(
        features, target, config.selection_max_rows, config.seed
    )
    candidates, skipped = affordable_candidates(len(target), customers_to_score, config)
    for name, reason in skipped.items():
        say(f"leaving out {name}: {reason}")
    say(f"selecting among candidates on {len(selection_target):,} customers")
    selection = select_model(
        selection_features, selection_target, config, candidates=candidates, progress=say
    )
    say(f"chosen: {selection.chosen.name} {params_text(selection.chosen_params)}")

    say(
        f"out-of-fold probabilities for {len(target):,} customers; "
        "the calibrated model refit on all of them"
    )
    folds, model = _evaluate_out_of_fold_and_refit(
        selection.chosen, selection.chosen_params, features, target, config
    )
    probability = np.empty(len(target))
    for fold in folds:
        probability[fold["test_index"]] = fold["probability"]
    predict_on_every_core(model, config.jobs)
    importance = importance_table(pd.concat([fold["drops"] for fold in folds]))
    if selection.chosen.is_linear:
        importance = importance.merge(linear_coefficients(model), on="feature", how="left")
    else:
        importance["coefficient"] = np.nan
    return TrainedModel(
        model=model,
        chosen_candidate=selection.chosen.name,
        chosen_params=selection.chosen_params,
        metrics=_metrics_table(selection, folds),
        out_of_fold=pd.DataFrame(
            {ID_COLUMN: rows[ID_COLUMN].to_numpy(), "decline_probability": probability}
        ),
        calibration=calibration_table(target, probability, config.calibration_bins),
        importance=importance,
        training_customer_ids=rows[ID_COLUMN].to_numpy(),
        categories={
            column: sorted(features[column].dropna().unique().tolist())
            for column in CATEGORICAL_FEATURES
        },
        data_fingerprint=data_fingerprint(rows),
        selection_rows=len(selection_target),
        config=config,
        skipped_candidates=skipped,
        reference_distribution=reference_distribution(features),
    )


def predict_on_every_core(model: BaseEstimator, jobs: int) -> None:
    """Let a fitted model's estimators that can predict in parallel (a random forest) use every
    core: during training they ran one job each, beside the parallel folds. Predictions do not
    change, only how fast a million customers are scored."""
    for estimator in _fitted_estimators(model):
        if "n_jobs" in estimator.get_params(deep=False):
            estimator.set_params(n_jobs=jobs)


def _fitted_estimators(model: BaseEstimator) -> list[BaseEstimator]:
    """The final estimators inside a calibrated pipeline. Not the preprocessing: a parallel
    ColumnTransformer would ship every batch to worker processes, slower than doing it here."""
    found = []
    for calibrated in getattr(model, "calibrated_classifiers_", []):
        found += _fitted_estimators(calibrated.estimator)
    if hasattr(model, "steps"):
        found.append(model.steps[-1][1])
    return found


def training_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The labelled rows of ``frame`` in the order training uses them (by customer id)."""
    return labelled_rows(frame).sort_values(ID_COLUMN, kind="stable").reset_index(drop=True)


def data_fingerprint(rows: pd.DataFrame) -> str:
    """A stable SHA-256 of the training rows' ids, features and labels, whatever their order."""
    columns = [ID_COLUMN, *FEATURES, LABEL_COLUMN]
    ordered = rows[columns].sort_values(ID_COLUMN, kind="stable").reset_index(drop=True)
    hashed = pd.util.hash_pandas_object(ordered, index=False).to_numpy()
    return hashlib.sha256(hashed.tobytes()).hexdigest()


def _check_trainable(rows: pd.DataFrame) -> None:
    counts = rows[LABEL_COLUMN].value_counts() if LABEL_COLUMN in rows else pd.Series(dtype=int)
    if counts.get(0, 0) < MIN_ROWS_PER_LABEL or counts.get(1, 0) < MIN_ROWS_PER_LABEL:
        raise TrainingDataError(
            f"cannot train: need at least {MIN_ROWS_PER_LABEL} labelled customers of each "
            f"label, found {int(counts.get(1, 0))} declined and {int(counts.get(0, 0))} kept; "
            "score this export with a saved model instead (oneclick build --model PATH)"
        )


def _stratified_subsample(
    features: pd.DataFrame, target: np.ndarray, max_rows: int, seed: int
) -> tuple[pd.DataFrame, np.ndarray]:
    if len(target) <= max_rows:
        return features, target
    sampled, _rest, sampled_target, _rest_target = train_test_split(
        features, target, train_size=max_rows, stratify=target, random_state=seed
    )
    return sampled, sampled_target


def _evaluate_out_of_fold_and_refit(
    chosen: Candidate,
    params: Params,
    features: pd.DataFrame,
    target: np.ndarray,
    config: TrainingConfig,
) -> tuple[list[dict], BaseEstimator]:
    """Fit the calibrated model on each fold's rest and predict the fold: every customer gets a
    probability from a model that never saw its label. The permutation importance is measured
    on the same held-out folds. A different seed than the selection's, so these numbers are
    not the ones the choice was made on.

    The final model, refit on every row, is one more task beside the folds: it needs nothing
    from them, and with five folds on two threads it takes the place the last round leaves free.
    """
    splits = StratifiedKFold(config.evaluation_splits, shuffle=True, random_state=config.seed + 1)
    template = calibrated_pipeline(chosen, params, config)

    def one_fold(number: int, train_index: np.ndarray, test_index: np.ndarray) -> dict:
        model = clone(template).fit(features.iloc[train_index], target[train_index])
        held_out = features.iloc[test_index]
        probability = model.predict_proba(held_out)[:, 1]
        return {
            "fold": number,
            "test_index": test_index,
            "probability": probability,
            "scores": probability_scores(target[test_index], probability),
            "drops": permutation_drops(
                model, held_out, target[test_index], config.importance_repeats, config.seed
            ),
        }

    def refit() -> BaseEstimator:
        return clone(template).fit(features, target)

    *folds, model = run_side_by_side(
        [
            *(
                delayed(one_fold)(number, train_index, test_index)
                for number, (train_index, test_index) in enumerate(splits.split(features, target))
            ),
            delayed(refit)(),
        ],
        config.jobs,
    )
    return folds, model


def _metrics_table(selection, folds: list[dict]) -> pd.DataFrame:
    """One row per candidate and metric: the selection's repeated-CV ROC-AUC of each candidate's
    best setting, and the chosen model's out-of-fold scores, each with its spread over folds."""
    rows = [
        {
            "evaluation": "repeated_cv",
            "candidate": best["candidate"],
            "is_chosen": best["candidate"] == selection.chosen.name,
            "params": best["params"],
            "metric": "roc_auc",
            "mean": best["mean"],
            "std": best["std"],
            "min": best["min"],
            "max": best["max"],
            "n_folds": int(best["n_folds"]),
        }
        for best in selection.best_per_candidate().to_dict("records")
    ]
    per_fold = pd.DataFrame([fold["scores"] for fold in folds])
    for metric in per_fold.columns:
        values = per_fold[metric]
        rows.append(
            {
                "evaluation": "out_of_fold",
                "candidate": selection.chosen.name,
                "is_chosen": True,
                "params": params_text(selection.chosen_params),
                "metric": metric,
                "mean": float(values.mean()),
                "std": float(values.std()),
                "min": float(values.min()),
                "max": float(values.max()),
                "n_folds": len(values),
            }
        )
    return pd.DataFrame(rows)
