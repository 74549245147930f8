"""Features: the columns the model reads, typed and encoded."""

from __future__ import annotations

import numpy as np
import pytest

from models_ml.candidates import CANDIDATES, calibrated_pipeline, pipeline
from models_ml.features import (
    CATEGORICAL_FEATURES,
    FEATURES,
    build_preprocessor,
    feature_frame,
    labelled_rows,
    source_feature,
)
from tests.models_ml.conftest import FAST


def test_feature_frame_types_every_feature(mart):
    features = feature_frame(mart)

    assert list(features.columns) == list(FEATURES)
    assert features["is_marketing_allowed"].dtype == np.float64
    assert features["favourite_category"].dtype == object
    assert "profit" not in features and "activity_declined" not in features


def test_a_missing_feature_is_named(mart):
    with pytest.raises(KeyError, match="pages_per_visit"):
        feature_frame(mart.drop(columns=["pages_per_visit"]))


def test_preprocessing_one_hot_encodes_categories_and_scales_numbers(mart):
    transformed = build_preprocessor(scale_numeric=True).fit(feature_frame(mart))
    names = list(transformed.get_feature_names_out())
    matrix = transformed.transform(feature_frame(mart))

    # the binary tier becomes one column, the six categories six
    assert sum(name.startswith("service_tier_") for name in names) == 1
    assert sum(name.startswith("favourite_category_") for name in names) == 6
    assert matrix.shape == (len(mart), 1 + 6 + len(FEATURES) - len(CATEGORICAL_FEATURES))
    pages = matrix[:, names.index("pages_per_visit")]
    assert abs(pages.mean()) < 1e-9 and abs(pages.std() - 1) < 1e-9
    assert source_feature("favourite_category_Кухонная посуда") == "favourite_category"


def test_unlabelled_rows_are_left_out_of_training(mart):
    frame = mart.astype({"activity_declined": "Int32"})
    frame.loc[:9, "activity_declined"] = None

    assert len(labelled_rows(frame)) == len(mart) - 10
    assert labelled_rows(frame.drop(columns=["activity_declined"])).empty


@pytest.mark.usefixtures("one_openmp_thread")
@pytest.mark.parametrize("candidate", CANDIDATES, ids=lambda c: c.name)
def test_every_candidate_fits_and_calibrates(mart, candidate):
    features, target = feature_frame(mart), mart["activity_declined"].to_numpy()

    plain = pipeline(candidate, candidate.grid[0], seed=0).fit(features, target)
    calibrated = calibrated_pipeline(candidate, candidate.grid[0], FAST).fit(features, target)
    probability = calibrated.predict_proba(features)[:, 1]

    assert plain.predict(features).shape == (len(mart),)
    assert ((probability >= 0) & (probability <= 1)).all()
    assert probability.std() > 0.05


def test_every_logistic_setting_reaches_its_penalised_optimum(mart):
    """Whichever solver a logistic setting uses (L-BFGS for L2, SAGA for L1), its fit is the
    minimum of its own objective: a nudge of any coefficient either way does not lower it."""
    (logistic,) = [c for c in CANDIDATES if c.name == "logistic_regression"]
    matrix = build_preprocessor(scale_numeric=True).fit_transform(feature_frame(mart))
    target = mart["activity_declined"].to_numpy()

    for params in logistic.grid:
        fitted = logistic.build(params, 0).fit(matrix, target)
        weights = np.append(fitted.coef_.ravel(), fitted.intercept_)

        def objective(w, params=params):
            # scikit-learn's: C × the summed log-loss + the penalty on the coefficients only
            scores = matrix @ w[:-1] + w[-1]
            loss = np.logaddexp(0, scores).sum() - scores[target == 1].sum()
            l1 = params["l1_ratio"]
            penalty = l1 * np.abs(w[:-1]).sum() + (1 - l1) * 0.5 * (w[:-1] ** 2).sum()
            return params["C"] * loss + penalty

        best = objective(weights)
        for index in range(len(weights)):
            for step in (-1e-3, 1e-3):
                nudged = weights.copy()
                nudged[index] += step
                assert objective(nudged) >= best - 1e-6 * abs(best), (params, index, step)
