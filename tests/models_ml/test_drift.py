"""Drift: the population stability index of each feature against the training data."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from models_ml.drift import (
    OTHER,
    drift_status,
    population_stability,
    psi_terms,
    reference_distribution,
)
from models_ml.features import FEATURES
from tests.models_ml.conftest import synthetic_mart


def psi_by_feature(reference: dict, frame: pd.DataFrame) -> dict[str, float]:
    table = population_stability(reference, frame)
    return dict(zip(table["feature"], table["psi"], strict=True))


def test_the_index_is_the_textbook_sum_over_bins():
    expected, actual = np.array([0.5, 0.5]), np.array([0.25, 0.75])

    by_hand = (0.25 - 0.5) * math.log(0.25 / 0.5) + (0.75 - 0.5) * math.log(0.75 / 0.5)
    assert psi_terms(expected, actual).sum() == pytest.approx(by_hand)
    assert psi_terms(expected, expected).sum() == 0


def test_the_training_data_itself_has_no_drift_in_any_feature():
    training = synthetic_mart(customers=2000, seed=1)
    reference = reference_distribution(training)

    psi = psi_by_feature(reference, training)

    assert set(psi) == set(FEATURES)
    assert max(psi.values()) < 1e-9


def test_another_sample_of_the_same_customers_is_stable():
    reference = reference_distribution(synthetic_mart(customers=4000, seed=1))

    psi = psi_by_feature(reference, synthetic_mart(customers=4000, seed=2))

    assert {drift_status(value, 0.1, 0.25) for value in psi.values()} == {"stable"}


def test_halving_one_behaviour_shifts_that_feature_and_only_that_one():
    training = synthetic_mart(customers=3000, seed=1)
    this_month = training.copy()
    this_month["pages_per_visit"] = (this_month["pages_per_visit"] // 2).astype("int32")

    psi = psi_by_feature(reference_distribution(training), this_month)

    assert drift_status(psi.pop("pages_per_visit"), 0.1, 0.25) == "shifted"
    assert max(psi.values()) < 1e-9


def test_a_category_never_seen_in_training_counts_as_other():
    training = synthetic_mart(customers=1000, seed=1)
    this_month = training.copy()
    this_month.loc[: len(this_month) // 2, "favourite_category"] = "Садовая мебель"

    table = population_stability(reference_distribution(training), this_month)
    row = table.set_index("feature").loc["favourite_category"]

    assert row["most_moved_bin"] == OTHER
    assert row["reference_share"] == 0
    assert row["current_share"] == pytest.approx(0.5, abs=0.01)
    assert row["psi"] > 0.25


def test_missing_numbers_have_a_bin_of_their_own():
    training = synthetic_mart(customers=1000, seed=1)
    this_month = training.copy()
    this_month["revenue_change"] = np.nan

    row = (
        population_stability(reference_distribution(training), this_month)
        .set_index("feature")
        .loc["revenue_change"]
    )

    assert row["most_moved_bin"] == "(missing)"
    assert row["current_share"] == 1.0


@pytest.mark.parametrize(
    ("psi", "status"),
    [(0.0, "stable"), (0.0999, "stable"), (0.1, "watch"), (0.2499, "watch"), (0.25, "shifted")],
)
def test_the_status_follows_the_two_thresholds(psi, status):
    assert drift_status(psi, watch_from=0.1, shifted_from=0.25) == status
