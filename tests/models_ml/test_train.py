"""Training: selection by repeated CV, out-of-fold probabilities, calibration, reproducibility."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.inspection import permutation_importance
from sklearn.metrics import get_scorer, roc_auc_score
from sklearn.model_selection import RepeatedStratifiedKFold

from models_ml.calibration import calibration_table
from models_ml.candidates import (
    CANDIDATES,
    calibrated_pipeline,
    candidate,
    params_text,
    pipeline,
)
from models_ml.config import TrainingConfig
from models_ml.features import feature_frame
from models_ml.importance import permutation_drops
from models_ml.selection import choose_setting, select_model
from models_ml.train import TrainingDataError, predict_on_every_core, train_decline_model
from tests.models_ml.conftest import FAST, synthetic_mart


def test_selection_scores_every_setting_on_the_same_repeated_folds(mart):
    selection = select_model(feature_frame(mart), mart["activity_declined"].to_numpy(), FAST)
    settings = sum(len(candidate.grid) for candidate in CANDIDATES)
    means = selection.fold_scores.groupby(["candidate", "params"])["roc_auc"].mean()

    assert len(selection.fold_scores) == settings * FAST.selection_splits * FAST.selection_repeats
    chosen = (selection.chosen.name, json.dumps(selection.chosen_params, sort_keys=True))
    assert chosen == choose_setting(selection.fold_scores)
    assert means[chosen] >= means.max() - 0.02
    assert set(selection.best_per_candidate()["candidate"]) == {c.name for c in CANDIDATES}


def test_shared_preprocessing_scores_like_each_settings_own_pipeline(mart):
    features, target = feature_frame(mart), mart["activity_declined"].to_numpy()
    selection = select_model(features, target, FAST)
    folds = list(
        RepeatedStratifiedKFold(
            n_splits=FAST.selection_splits, n_repeats=FAST.selection_repeats, random_state=FAST.seed
        ).split(features, target)
    )
    scorer = get_scorer("roc_auc")

    for compared in CANDIDATES:
        params = compared.grid[-1]
        own_pipeline = [
            scorer(
                pipeline(compared, params, FAST.seed).fit(features.iloc[train], target[train]),
                features.iloc[test],
                target[test],
            )
            for train, test in folds
        ]
        scores = selection.fold_scores
        shared = scores[
            (scores["candidate"] == compared.name) & (scores["params"] == params_text(params))
        ].sort_values("fold")["roc_auc"]
        assert list(shared) == own_pipeline, compared.name


def _fold_scores(settings: dict[tuple[str, str], list[float]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"candidate": name, "params": params, "fold": fold, "roc_auc": score}
            for (name, params), scores in settings.items()
            for fold, score in enumerate(scores)
        ]
    )


def test_a_simpler_setting_within_one_standard_error_of_the_best_is_chosen():
    # best: mean 0.90, fold std 0.016 over 4 folds → standard error 0.008; 0.895 is within it
    scores = _fold_scores(
        {
            ("logistic_regression", "{}"): [0.885, 0.895, 0.905, 0.895],
            ("random_forest", "{}"): [0.88, 0.90, 0.92, 0.90],
            ("k_nearest_neighbours", "{}"): [0.85, 0.85, 0.85, 0.85],
        }
    )
    assert choose_setting(scores) == ("logistic_regression", "{}")


def test_a_simpler_setting_clearly_worse_than_the_best_is_not_chosen():
    scores = _fold_scores(
        {
            ("logistic_regression", "{}"): [0.80, 0.81, 0.79, 0.80],
            ("random_forest", "{}"): [0.88, 0.90, 0.92, 0.90],
            ("k_nearest_neighbours", "{}"): [0.87, 0.91, 0.95, 0.91],
        }
    )
    # k-NN: mean 0.91, standard error 0.016; the forest (0.90) is within it, the logistic
    # regression (0.80) is not: the earliest setting within it wins
    assert choose_setting(scores) == ("random_forest", "{}")


def test_candidates_are_compared_simplest_first():
    names = [candidate.name for candidate in CANDIDATES]
    assert names.index("logistic_regression") == 0
    assert names.index("k_nearest_neighbours") > names.index("random_forest")
    assert [c.name for c in CANDIDATES if c.scores_against_training_rows] == names[-2:]


def test_every_customer_gets_one_out_of_fold_probability(mart, trained):
    oof = trained.out_of_fold

    assert sorted(oof["customer_id"]) == sorted(mart["customer_id"])
    assert oof["decline_probability"].between(0, 1).all()
    # out of fold is not in sample: the final model, which saw the labels, scores differently
    in_sample = trained.model.predict_proba(feature_frame(mart.sort_values("customer_id")))[:, 1]
    assert not np.allclose(oof.sort_values("customer_id")["decline_probability"], in_sample)


def test_the_model_learns_the_synthetic_relation(mart, trained):
    target = mart.set_index("customer_id").loc[
        trained.out_of_fold["customer_id"], "activity_declined"
    ]

    assert roc_auc_score(target, trained.out_of_fold["decline_probability"]) > 0.75
    assert trained.metric("out_of_fold", "brier") < 0.2


def test_metrics_have_every_candidate_and_the_chosen_models_scores_with_spread(trained):
    metrics = trained.metrics
    cv = metrics[metrics["evaluation"] == "repeated_cv"]
    oof = metrics[metrics["evaluation"] == "out_of_fold"]

    assert sorted(cv["candidate"]) == sorted(c.name for c in CANDIDATES)
    assert cv["is_chosen"].sum() == 1
    assert cv.loc[cv["is_chosen"], "candidate"].item() == trained.chosen_candidate
    assert set(oof["metric"]) == {"roc_auc", "brier", "log_loss", "average_precision"}
    assert (oof["n_folds"] == FAST.evaluation_splits).all()
    assert (metrics["min"] <= metrics["mean"]).all() and (metrics["mean"] <= metrics["max"]).all()
    assert (metrics["std"] > 0).all()


def test_the_calibration_table_covers_every_customer():
    target = np.array([0, 0, 1, 1, 1, 0])
    probability = np.array([0.05, 0.15, 0.95, 1.0, 0.55, 0.5])

    table = calibration_table(target, probability, bins=10)

    assert table["customers"].sum() == 6
    assert table.loc[9, "customers"] == 2 and table.loc[9, "observed_rate"] == 1.0
    assert table.loc[5, "predicted_mean"] == pytest.approx(0.525)
    assert table.loc[3, "customers"] == 0 and pd.isna(table.loc[3, "predicted_mean"])


def test_importance_has_a_spread_for_every_feature(trained):
    importance = trained.importance

    assert len(importance) == 18
    assert list(importance["importance_rank"]) == list(range(1, 19))
    assert (
        importance["importance_samples"] == FAST.evaluation_splits * FAST.importance_repeats
    ).all()
    # pages per visit drives the synthetic label most
    assert importance.iloc[0]["feature"] in {"pages_per_visit", "promo_purchase_share"}


def test_training_twice_gives_the_same_model(mart, trained):
    again = train_decline_model(mart, config=FAST)
    features = feature_frame(mart)

    pd.testing.assert_frame_equal(again.out_of_fold, trained.out_of_fold)
    np.testing.assert_array_equal(
        again.model.predict_proba(features), trained.model.predict_proba(features)
    )
    assert again.data_fingerprint == trained.data_fingerprint


def test_the_selection_runs_on_a_bounded_stratified_sample():
    mart = synthetic_mart(customers=900, seed=3)
    config = TrainingConfig(**{**FAST.as_dict(), "selection_max_rows": 300})

    trained = train_decline_model(mart, config=config)

    assert trained.selection_rows == 300
    assert trained.training_rows == 900
    folds = trained.metrics.query("evaluation == 'repeated_cv'")["n_folds"]
    assert (folds == config.selection_splits * config.selection_repeats).all()


def test_one_label_only_cannot_train(mart):
    with pytest.raises(TrainingDataError, match="found 0 declined"):
        train_decline_model(mart.assign(activity_declined=0), config=FAST)


def test_candidates_that_score_against_training_rows_are_left_out_at_scale(mart):
    few = train_decline_model(mart, config=FAST, customers_to_score=1_000)
    many = train_decline_model(mart, config=FAST, customers_to_score=10_000_000)

    assert few.skipped_candidates == {}
    assert set(many.skipped_candidates) == {"svc_rbf", "k_nearest_neighbours"}
    assert "exceeds the budget" in many.skipped_candidates["svc_rbf"]
    compared = set(many.metrics.query("evaluation == 'repeated_cv'")["candidate"])
    assert compared == {"logistic_regression", "hist_gradient_boosting", "random_forest"}


def test_scoring_parallelises_the_forest_not_the_preprocessing(mart):
    """A parallel ColumnTransformer would copy every scoring batch to worker processes."""
    forest = candidate("random_forest")
    model = calibrated_pipeline(forest, forest.grid[0], FAST).fit(
        feature_frame(mart), mart["activity_declined"].to_numpy()
    )
    predict_on_every_core(model, 3)
    pipelines = [calibrated.estimator for calibrated in model.calibrated_classifiers_]
    assert [p.named_steps["estimator"].n_jobs for p in pipelines] == [3] * len(pipelines)
    assert {p.named_steps["preprocess"].n_jobs for p in pipelines} == {None}


@pytest.mark.usefixtures("one_openmp_thread")
@pytest.mark.parametrize("candidate", CANDIDATES, ids=lambda c: c.name)
def test_permutation_drops_are_scikit_learns_permutation_importance(mart, candidate):
    """The batched shuffles give exactly what sklearn.inspection.permutation_importance gives."""
    features, target = feature_frame(mart), mart["activity_declined"].to_numpy()
    model = calibrated_pipeline(candidate, candidate.grid[0], FAST).fit(
        features.iloc[:300], target[:300]
    )
    held_out, held_out_target = features.iloc[300:], target[300:]

    drops = permutation_drops(model, held_out, held_out_target, repeats=3, seed=7)
    reference = permutation_importance(
        model, held_out, held_out_target, scoring="roc_auc", n_repeats=3, random_state=7
    )

    assert list(drops["feature"].unique()) == list(features.columns)
    assert list(drops["repeat"]) == [0, 1, 2] * len(features.columns)
    np.testing.assert_array_equal(drops["roc_auc_drop"].to_numpy(), reference.importances.ravel())
    assert drops["roc_auc_drop"].abs().max() > 0.01  # the shuffles did change something


def test_a_bare_classifier_is_ranked_by_its_decision_function(mart):
    svc = candidate("svc_rbf")
    features, target = feature_frame(mart), mart["activity_declined"].to_numpy()
    model = pipeline(svc, svc.grid[0], seed=0).fit(features.iloc[:300], target[:300])

    drops = permutation_drops(model, features.iloc[300:], target[300:], repeats=2, seed=1)
    reference = permutation_importance(
        model, features.iloc[300:], target[300:], scoring="roc_auc", n_repeats=2, random_state=1
    )

    np.testing.assert_array_equal(drops["roc_auc_drop"].to_numpy(), reference.importances.ravel())
