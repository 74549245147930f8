"""Saved models: the round trip, the version, and refusing data the model cannot score."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime

import joblib
import numpy as np
import pandas as pd
import pytest

from models_ml.artifact import (
    REUSED,
    TRAINED,
    ModelMismatchError,
    candidate_settings,
    load_model,
    model_version,
    planned_version,
    save_model,
    train_or_reuse,
)
from models_ml.config import TrainingConfig
from models_ml.predict import score_frame
from models_ml.tables import metric_rows, registry_rows, score_rows
from models_ml.train import data_fingerprint, training_rows
from tests.models_ml.conftest import FAST, synthetic_mart


@pytest.fixture(scope="module")
def saved(trained, tmp_path_factory):
    return load_model(save_model(trained, tmp_path_factory.mktemp("models"), labelled_rows=400))


def test_a_saved_model_comes_back_with_its_metadata(trained, saved):
    assert saved.path.name == f"{saved.version}.joblib"
    assert saved.version == model_version(trained)
    metadata = saved.metadata
    assert metadata["data_fingerprint"] == trained.data_fingerprint
    assert metadata["chosen_candidate"] == trained.chosen_candidate
    assert metadata["features"]["categorical"] == ["service_tier", "favourite_category"]
    assert metadata["categories"]["service_tier"] == ["премиум", "стандарт"]
    assert metadata["labelled_rows"] == 400 and metadata["training_rows"] == 400
    assert set(metadata["libraries"]) >= {"python", "scikit-learn", "pandas", "numpy"}
    assert metadata["summary"]["oof_roc_auc"] == trained.metric("out_of_fold", "roc_auc")
    pd.testing.assert_frame_equal(saved.tables["metrics"], trained.metrics)


def test_the_version_follows_the_training_data(trained, tmp_path):
    other_data = dataclasses.replace(trained, data_fingerprint="0" * 64)

    assert save_model(trained, tmp_path).name == f"{model_version(trained)}.joblib"
    assert model_version(other_data) != model_version(trained)


def test_scoring_needs_no_label_and_knows_whom_the_model_saw(saved, mart):
    new_month = synthetic_mart(customers=50, seed=9, first_id=900_000).drop(
        columns=["activity_declined"]
    )
    scores = score_frame(
        saved, pd.concat([new_month, mart.head(5).drop(columns="activity_declined")])
    )

    assert len(scores) == 55
    assert scores["decline_probability"].between(0, 1).all()
    assert scores["is_out_of_fold"].sum() == 50  # the five training customers were seen


def test_batches_score_like_one_frame(saved, mart):
    whole = score_frame(saved, mart)
    batches = [mart.iloc[start : start + 60] for start in range(0, len(mart), 60)]
    batched = score_rows(saved, batches, use_out_of_fold=False, scored_at=datetime.now(UTC))

    pd.testing.assert_frame_equal(batched[whole.columns], whole)


def test_an_unseen_category_is_refused_with_column_value_and_customers(saved, mart):
    frame = mart.copy()
    frame.loc[[3, 8], "favourite_category"] = "Садовая мебель"

    with pytest.raises(ModelMismatchError) as refused:
        score_frame(saved, frame)

    message = str(refused.value)
    assert "favourite_category" in message and "'Садовая мебель'" in message
    assert "2 customers" in message and str(frame.loc[3, "customer_id"]) in message


def test_a_missing_feature_or_wrong_kind_is_refused(saved, mart):
    with pytest.raises(ModelMismatchError, match=r"missing feature column.*tenure_days"):
        score_frame(saved, mart.drop(columns=["tenure_days"]))
    with pytest.raises(ModelMismatchError, match="pages_per_visit should be numeric"):
        score_frame(saved, mart.assign(pages_per_visit="many"))


def test_a_model_from_another_scikit_learn_is_refused(saved, tmp_path):
    payload = joblib.load(saved.path)
    payload["metadata"]["libraries"]["scikit-learn"] = "0.24.2"
    old = tmp_path / "old.joblib"
    joblib.dump(payload, old)

    with pytest.raises(ModelMismatchError, match=r"scikit-learn 0\.24\.2"):
        load_model(old)


def test_scores_use_out_of_fold_probabilities_for_training_customers(saved, trained, mart):
    scores = score_rows(saved, [mart], use_out_of_fold=True, scored_at=pd.Timestamp.now(tz="UTC"))
    merged = scores.merge(trained.out_of_fold, on="customer_id", suffixes=("", "_oof"))

    assert (scores["score_source"] == "cross_validation").all()
    assert scores["is_out_of_fold"].all()
    np.testing.assert_allclose(merged["decline_probability"], merged["decline_probability_oof"])

    in_sample = score_rows(
        saved, [mart], use_out_of_fold=False, scored_at=pd.Timestamp.now(tz="UTC")
    )
    assert not in_sample["is_out_of_fold"].any()
    evaluated = metric_rows(saved, in_sample)
    assert "this_export" not in set(evaluated["evaluation"])  # nothing honest to evaluate


# Reusing a saved model: the version is known before training.


def test_the_version_is_known_before_training(trained, mart):
    rows = training_rows(mart)

    assert planned_version(data_fingerprint(rows), FAST, []) == model_version(trained)
    assert planned_version(data_fingerprint(rows), FAST, ["svc_rbf"]) != model_version(trained)


def test_the_version_covers_every_parameter_of_the_compared_settings():
    forest = json.loads(candidate_settings(seed=42)["random_forest"][0])

    assert forest["estimator__n_estimators"] == 100  # fixed in the code, not in the grid
    assert forest["estimator__min_samples_leaf"] == 3  # from the grid
    assert forest["preprocess__categories__handle_unknown"] == "error"
    assert candidate_settings(seed=1) != candidate_settings(seed=42)


@pytest.fixture
def saved_folder(trained, tmp_path):
    """A folder holding the model of `trained`, as an earlier build saved it."""
    save_model(trained, tmp_path)
    return tmp_path


def said_by(call):
    messages = []
    return call(messages.append), messages


def test_a_saved_model_of_the_same_training_is_reused_without_training(saved_folder, trained, mart):
    (artifact, source), said = said_by(
        lambda progress: train_or_reuse(mart, saved_folder, config=FAST, progress=progress)
    )

    assert source == REUSED
    assert artifact.version == model_version(trained)
    assert artifact.path == saved_folder / f"{artifact.version}.joblib"
    pd.testing.assert_frame_equal(artifact.tables["out_of_fold"], trained.out_of_fold)
    assert [message.split()[0] for message in said] == ["reusing"]  # nothing was selected
    assert str(artifact.path) in said[0]


def test_changed_data_or_settings_train_a_new_model(saved_folder, trained, mart):
    changed_label = mart.copy()
    changed_label.loc[0, "activity_declined"] = 1 - changed_label.loc[0, "activity_declined"]
    other_settings = TrainingConfig(**{**FAST.as_dict(), "importance_repeats": 3})

    for frame, config in [(changed_label, FAST), (mart, other_settings)]:
        artifact, source = train_or_reuse(frame, saved_folder, config=config)
        assert source == TRAINED
        assert artifact.version != model_version(trained)
        assert artifact.path.parent == saved_folder


def test_a_damaged_saved_model_is_trained_again_and_said_so(saved_folder, trained, mart):
    path = saved_folder / f"{model_version(trained)}.joblib"
    path.write_bytes(path.read_bytes()[:1000])  # a copy cut short

    (artifact, source), said = said_by(
        lambda progress: train_or_reuse(mart, saved_folder, config=FAST, progress=progress)
    )

    assert source == TRAINED and artifact.path == path
    assert any("not reusing" in line and "cannot be read" in line for line in said)
    assert load_model(path).version == model_version(trained)  # replaced by a sound file
    pd.testing.assert_frame_equal(artifact.tables["out_of_fold"], trained.out_of_fold)


def test_a_saved_model_whose_metadata_differ_is_trained_again_and_said_so(
    saved_folder, trained, mart
):
    path = saved_folder / f"{model_version(trained)}.joblib"
    payload = joblib.load(path)
    payload["metadata"]["data_fingerprint"] = "0" * 64  # another model under this name
    joblib.dump(payload, path)

    (artifact, source), said = said_by(
        lambda progress: train_or_reuse(mart, saved_folder, config=FAST, progress=progress)
    )

    assert source == TRAINED and artifact.path == path
    assert any("does not match" in line and "data_fingerprint" in line for line in said)
    assert load_model(path).metadata["data_fingerprint"] == trained.data_fingerprint


def test_the_registry_row_says_how_the_model_was_obtained(saved):
    row = registry_rows(saved, model_source=REUSED).iloc[0]

    assert row["model_source"] == "reused" and row["model_version"] == saved.version
