"""Saved models: the round trip, the version, and refusing data the model cannot score."""

from __future__ import annotations

import dataclasses

import joblib
import numpy as np
import pandas as pd
import pytest

from models_ml.artifact import ModelMismatchError, load_model, model_version, save_model
from models_ml.predict import score_batches, score_frame
from models_ml.tables import metric_rows, score_rows
from tests.models_ml.conftest import synthetic_mart


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
    batched = pd.concat(score_batches(saved, batches), ignore_index=True)

    pd.testing.assert_frame_equal(batched, whole)


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
