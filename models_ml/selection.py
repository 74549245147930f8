"""Model and hyper-parameter selection by repeated stratified cross-validation on ROC-AUC."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from joblib import delayed
from sklearn.base import BaseEstimator
from sklearn.metrics import get_scorer
from sklearn.model_selection import RepeatedStratifiedKFold

from models_ml.candidates import CANDIDATES, Candidate, Params, params_text
from models_ml.config import Progress, TrainingConfig
from models_ml.features import build_preprocessor
from models_ml.parallel import run_side_by_side

# scikit-learn's scorer: the decision function where there is one, else the probabilities.
ROC_AUC = get_scorer("roc_auc")


@dataclass(frozen=True)
class Selection:
    """The comparison's outcome: every grid point's fold scores and the winner."""

    fold_scores: pd.DataFrame  # candidate, params, fold, roc_auc
    chosen: Candidate
    chosen_params: Params

    def best_per_candidate(self) -> pd.DataFrame:
        """Each candidate's best grid point: params and the ROC-AUC spread over the folds."""
        summary = setting_summary(self.fold_scores).reset_index()
        best = summary.loc[summary.groupby("candidate", sort=False)["mean"].idxmax()]
        return best.rename(columns={"count": "n_folds"}).reset_index(drop=True)


def select_model(
    features: pd.DataFrame,
    target: np.ndarray,
    config: TrainingConfig,
    candidates: tuple[Candidate, ...] = CANDIDATES,
    progress: Progress | None = None,
) -> Selection:
    """Score every candidate's grid points on the same repeated stratified folds and pick by
    the one-standard-error rule (see :func:`choose_setting`)."""
    splits = list(
        RepeatedStratifiedKFold(
            n_splits=config.selection_splits,
            n_repeats=config.selection_repeats,
            random_state=config.seed,
        ).split(features, target)
    )
    settings = [(candidate, params) for candidate in candidates for params in candidate.grid]
    if progress:
        names = ", ".join(f"{c.name} ({len(c.grid)})" for c in candidates)
        progress(f"comparing {len(settings)} settings on {len(splits)} folds each: {names}")
    fits = [
        (candidate, params, fold) for candidate, params in settings for fold in range(len(splits))
    ]
    # The preprocessing does not depend on the estimator: each fold's is fitted once for the
    # scaled candidates and once for the others, not once per setting (it was a quarter of
    # the comparison's time), and each setting fits its estimator on the prepared rows, which
    # is what its pipeline would do.
    kinds = sorted({candidate.needs_scaling for candidate, _params in settings})
    prepared = dict(
        zip(
            [(fold, scaled) for fold in range(len(splits)) for scaled in kinds],
            run_side_by_side(
                (
                    delayed(prepare_fold)(features, target, train, test, scaled)
                    for train, test in splits
                    for scaled in kinds
                ),
                config.jobs,
            ),
            strict=True,
        )
    )
    # One pool for every (setting, fold) fit: the threads stay busy across candidates instead
    # of waiting at the end of each setting's folds.
    scores = run_side_by_side(
        (
            delayed(_fold_roc_auc)(
                candidate.build(params, config.seed), prepared[(fold, candidate.needs_scaling)]
            )
            for candidate, params, fold in fits
        ),
        config.jobs,
    )
    rows = [
        {
            "candidate": candidate.name,
            "params": params_text(params),
            "fold": fold,
            "roc_auc": score,
        }
        for (candidate, params, fold), score in zip(fits, scores, strict=True)
    ]
    fold_scores = pd.DataFrame(rows)
    chosen_name, chosen_params = choose_setting(fold_scores)
    chosen = next(c for c in candidates if c.name == chosen_name)
    params = next(p for p in chosen.grid if params_text(p) == chosen_params)
    return Selection(fold_scores=fold_scores, chosen=chosen, chosen_params=params)


def choose_setting(fold_scores: pd.DataFrame) -> tuple[str, str]:
    """The (candidate, params) to use: the first setting, in the order the settings were
    compared, whose mean ROC-AUC is within one standard error of the best mean (Breiman's
    one-standard-error rule).

    Candidates are listed simplest and cheapest to score first (CANDIDATES), and each grid from
    the strongest regularisation, so a difference the folds cannot tell apart from noise does
    not buy a model that is slower to score a million customers or harder to explain. The
    standard error is the best setting's fold standard deviation over the square root of its
    fold count (repeated folds overlap, so it is a rough, conservative yardstick).
    """
    summary = setting_summary(fold_scores)
    best = summary.loc[summary["mean"].idxmax()]
    standard_error = float(np.nan_to_num(best["std"])) / np.sqrt(best["count"])
    good_enough = summary[summary["mean"] >= best["mean"] - standard_error]
    return good_enough.index[0]


def setting_summary(fold_scores: pd.DataFrame) -> pd.DataFrame:
    """Per (candidate, params), in the order compared: the ROC-AUC mean, spread and fold count."""
    return fold_scores.groupby(["candidate", "params"], sort=False)["roc_auc"].agg(
        ["mean", "std", "min", "max", "count"]
    )


@dataclass(frozen=True)
class PreparedFold:
    """One fold's rows after the preprocessing fitted on its training rows."""

    train_features: np.ndarray
    train_target: np.ndarray
    test_features: np.ndarray
    test_target: np.ndarray


def prepare_fold(
    features: pd.DataFrame,
    target: np.ndarray,
    train: np.ndarray,
    test: np.ndarray,
    scale_numeric: bool,
) -> PreparedFold:
    """Fit the preprocessing on the fold's training rows (as a pipeline's fit does) and apply
    it to both parts."""
    preprocessor = build_preprocessor(scale_numeric)
    return PreparedFold(
        train_features=preprocessor.fit_transform(features.iloc[train], target[train]),
        train_target=target[train],
        test_features=preprocessor.transform(features.iloc[test]),
        test_target=target[test],
    )


def _fold_roc_auc(estimator: BaseEstimator, fold: PreparedFold) -> float:
    """Fit on one fold's training rows; the ROC-AUC of its scores on the held-out rows."""
    estimator.fit(fold.train_features, fold.train_target)
    return float(ROC_AUC(estimator, fold.test_features, fold.test_target))
