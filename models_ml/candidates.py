"""The estimators compared, each with a small hyper-parameter grid, behind the preprocessing.

Grids are small on purpose: the data has about twenty features and the comparison runs on a
bounded sample with repeated cross-validation, so the whole comparison costs seconds. They keep
the settings that mattered when the full grids were run on the real export and on generated
ones (regularisation strength and L1 vs L2; more neighbours; shallow boosting); settings that
never won (distance-weighted k-NN, a second SVC gamma, larger forest leaves) were dropped.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from itertools import product

from sklearn.base import BaseEstimator
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC

from models_ml.config import TrainingConfig
from models_ml.features import build_preprocessor

Params = dict[str, object]


@dataclass(frozen=True)
class Candidate:
    """One family of estimators: how to build it for given parameters, and its grid."""

    name: str
    needs_scaling: bool
    grid: tuple[Params, ...]
    build: Callable[[Params, int], BaseEstimator]
    is_linear: bool = False
    # An SVC keeps support vectors and k-NN keeps every training row: scoring one customer
    # costs a pass over the training rows, so scoring millions of customers gets expensive.
    scores_against_training_rows: bool = False


def _grid(**values: list) -> tuple[Params, ...]:
    names = list(values)
    return tuple(
        dict(zip(names, combination, strict=True)) for combination in product(*values.values())
    )


def _logistic(params: Params, seed: int) -> BaseEstimator:
    # scikit-learn ≥ 1.8: the penalty is set by l1_ratio (0: L2, 1: L1, between: elastic net).
    # L2 by L-BFGS: the same optimum as SAGA's, reached in a tenth of the time at C = 3 (SAGA
    # took 0.9 s of the comparison's 11 s of CPU there). An L1 penalty needs SAGA.
    solver = "lbfgs" if params.get("l1_ratio", 0.0) == 0.0 else "saga"
    return LogisticRegression(solver=solver, max_iter=5000, random_state=seed, **params)


def _svc(params: Params, seed: int) -> BaseEstimator:
    # No probability=True (deprecated in 1.9): the chosen model is calibrated with
    # CalibratedClassifierCV, and ROC-AUC needs only the decision function.
    return SVC(kernel="rbf", random_state=seed, **params)


def _hist_gradient_boosting(params: Params, seed: int) -> BaseEstimator:
    return HistGradientBoostingClassifier(max_iter=100, random_state=seed, **params)


def _random_forest(params: Params, seed: int) -> BaseEstimator:
    # One job while cross-validation runs folds in parallel; see train.predict_on_every_core.
    return RandomForestClassifier(n_estimators=100, random_state=seed, n_jobs=1, **params)


def _k_nearest_neighbours(params: Params, seed: int) -> BaseEstimator:
    return KNeighborsClassifier(**params)


# Simplest and cheapest to score first: selection.choose_setting prefers the earlier of two
# settings the folds cannot tell apart.
CANDIDATES: tuple[Candidate, ...] = (
    Candidate(
        "logistic_regression",
        needs_scaling=True,
        grid=_grid(C=[0.03, 0.3, 3.0], l1_ratio=[0.0, 1.0]),
        build=_logistic,
        is_linear=True,
    ),
    Candidate(
        "hist_gradient_boosting",
        needs_scaling=False,
        grid=_grid(learning_rate=[0.05, 0.1], max_depth=[3]),
        build=_hist_gradient_boosting,
    ),
    Candidate(
        "random_forest",
        needs_scaling=False,
        grid=_grid(min_samples_leaf=[3], max_features=["sqrt"]),
        build=_random_forest,
    ),
    Candidate(
        "svc_rbf",
        needs_scaling=True,
        grid=_grid(C=[0.3, 1.0, 3.0], gamma=["scale"]),
        build=_svc,
        scores_against_training_rows=True,
    ),
    Candidate(
        "k_nearest_neighbours",
        needs_scaling=True,
        grid=_grid(n_neighbors=[71, 51, 31], weights=["uniform"]),
        build=_k_nearest_neighbours,
        scores_against_training_rows=True,
    ),
)


def affordable_candidates(
    training_rows: int, customers_to_score: int | None, config: TrainingConfig
) -> tuple[tuple[Candidate, ...], dict[str, str]]:
    """The candidates worth comparing, and why the others are left out.

    A candidate that scores each customer against the training rows (SVC, k-NN) is left out
    when customers to score × training rows exceeds ``config.scoring_pairs_budget``: at a million
    customers it would take minutes to score where the others take seconds.
    """
    pairs = (customers_to_score or 0) * training_rows
    if pairs <= config.scoring_pairs_budget:
        return CANDIDATES, {}
    reason = (
        f"scoring {customers_to_score:,} customers against {training_rows:,} training rows "
        f"({pairs:.1e} pairs) exceeds the budget of {config.scoring_pairs_budget:.0e}"
    )
    kept = tuple(c for c in CANDIDATES if not c.scores_against_training_rows)
    return kept, {c.name: reason for c in CANDIDATES if c.scores_against_training_rows}


def candidate(name: str) -> Candidate:
    """The candidate of that name."""
    for known in CANDIDATES:
        if known.name == name:
            return known
    raise KeyError(f"no candidate named {name!r}")


def pipeline(chosen: Candidate, params: Params, seed: int) -> Pipeline:
    """Preprocessing and the estimator, unfitted."""
    return Pipeline(
        [
            ("preprocess", build_preprocessor(scale_numeric=chosen.needs_scaling)),
            ("estimator", chosen.build(params, seed)),
        ]
    )


def calibrated_pipeline(chosen: Candidate, params: Params, config: TrainingConfig) -> BaseEstimator:
    """The pipeline with calibrated probabilities: one model refit on all rows it is given,
    its scores mapped to probabilities by a calibrator fitted on internal out-of-fold scores
    (``ensemble=False``, the current scikit-learn API)."""
    return CalibratedClassifierCV(
        pipeline(chosen, params, config.seed),
        method=config.calibration_method,
        cv=StratifiedKFold(config.calibration_splits, shuffle=True, random_state=config.seed),
        ensemble=False,
    )


def params_text(params: Params) -> str:
    """Parameters as stable JSON, for tables and metadata."""
    return json.dumps(params, sort_keys=True)
