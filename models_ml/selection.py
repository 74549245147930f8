"""Model and hyper-parameter selection by repeated stratified cross-validation on ROC-AUC."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.model_selection import RepeatedStratifiedKFold, cross_validate

from models_ml.candidates import CANDIDATES, Candidate, Params, params_text, pipeline
from models_ml.config import TrainingConfig

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Selection:
    """The comparison's outcome: every grid point's fold scores and the winner."""

    fold_scores: pd.DataFrame  # candidate, params, fold, roc_auc
    chosen: Candidate
    chosen_params: Params

    def best_per_candidate(self) -> pd.DataFrame:
        """Each candidate's best grid point: params and the ROC-AUC spread over the folds."""
        summary = (
            self.fold_scores.groupby(["candidate", "params"], sort=False)["roc_auc"]
            .agg(["mean", "std", "min", "max", "count"])
            .reset_index()
        )
        best = summary.loc[summary.groupby("candidate", sort=False)["mean"].idxmax()]
        return best.rename(columns={"count": "n_folds"}).reset_index(drop=True)


def select_model(
    features: pd.DataFrame,
    target: np.ndarray,
    config: TrainingConfig,
    candidates: tuple[Candidate, ...] = CANDIDATES,
    progress: Progress | None = None,
) -> Selection:
    """Score every candidate's grid points on the same repeated stratified folds and pick the
    highest mean ROC-AUC (ties go to the earlier, simpler candidate)."""
    folds = RepeatedStratifiedKFold(
        n_splits=config.selection_splits,
        n_repeats=config.selection_repeats,
        random_state=config.seed,
    )
    rows = []
    for candidate in candidates:
        if progress:
            progress(f"comparing {candidate.name} ({len(candidate.grid)} settings)")
        for params in candidate.grid:
            scores = cross_validate(
                pipeline(candidate, params, config.seed),
                features,
                target,
                cv=folds,
                scoring="roc_auc",
                n_jobs=config.jobs,
            )["test_score"]
            rows += [
                {
                    "candidate": candidate.name,
                    "params": params_text(params),
                    "fold": fold,
                    "roc_auc": float(score),
                }
                for fold, score in enumerate(scores)
            ]
    fold_scores = pd.DataFrame(rows)
    means = fold_scores.groupby(["candidate", "params"], sort=False)["roc_auc"].mean()
    best_name, best_params = means.idxmax()
    chosen = next(c for c in candidates if c.name == best_name)
    params = next(p for p in chosen.grid if params_text(p) == best_params)
    return Selection(fold_scores=fold_scores, chosen=chosen, chosen_params=params)
