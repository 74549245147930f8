"""Small synthetic feature marts for the model's tests: seeded, shaped like marts.feature_mart,
with a label that depends on behaviour the way the shop's data does (fewer pages and minutes,
more promotions and unpaid items: more likely to decline)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

from models_ml.config import TrainingConfig
from models_ml.train import TrainedModel, train_decline_model

CATEGORIES = (
    "Товары для детей",
    "Домашний текстиль",
    "Косметика и аксессуары",
    "Техника для красоты и здоровья",
    "Мелкая бытовая техника и электроника",
    "Кухонная посуда",
)


def synthetic_mart(customers: int = 400, seed: int = 0, first_id: int = 100_000) -> pd.DataFrame:
    """A frame like marts.feature_mart with a learnable, not trivial, label."""
    rng = np.random.default_rng(seed)
    pages = rng.integers(1, 20, customers)
    promo = rng.beta(2, 5, customers)
    unpaid = rng.poisson(3, customers)
    minutes_previous = rng.integers(5, 24, customers)
    minutes_current = rng.integers(5, 24, customers)
    risk = (
        -0.35 * (pages - 8)
        + 4.0 * (promo - 0.3)
        + 0.4 * (unpaid - 3)
        - 0.1 * (minutes_current - 13)
    )
    declined = (rng.random(customers) < 1 / (1 + np.exp(-risk))).astype("int32")
    revenue = rng.normal(5000, 600, (customers, 3)).round(1)
    return pd.DataFrame(
        {
            "customer_id": np.arange(first_id, first_id + customers, dtype="int64"),
            "activity_declined": declined,
            "service_tier": rng.choice(["стандарт", "премиум"], customers, p=[0.7, 0.3]),
            "favourite_category": rng.choice(CATEGORIES, customers),
            "marketing_contacts_6m_avg": rng.normal(4.2, 1.0, customers).round(1),
            "marketing_contacts_current_month": rng.integers(3, 6, customers).astype("int32"),
            "tenure_days": rng.integers(110, 1080, customers).astype("int32"),
            "promo_purchase_share": promo.round(2),
            "categories_per_visit": rng.integers(1, 7, customers).astype("int32"),
            "unpaid_cart_items_quarter": unpaid.astype("int32"),
            "service_errors": rng.integers(0, 10, customers).astype("int32"),
            "pages_per_visit": pages.astype("int32"),
            "revenue_two_months_ago": revenue[:, 0],
            "revenue_previous_month": revenue[:, 1],
            "revenue_current_month": revenue[:, 2],
            "minutes_previous_month": minutes_previous.astype("int32"),
            "minutes_current_month": minutes_current.astype("int32"),
            "revenue_change": revenue[:, 2] - revenue[:, 1],
            "minutes_change": (minutes_current - minutes_previous).astype("int32"),
            "profit": rng.normal(4, 1, customers).round(2),
            "is_marketing_allowed": rng.random(customers) < 0.75,
            "has_imputed_revenue": np.zeros(customers, dtype=bool),
        }
    )


# Few folds and repeats: the same code paths as the defaults, in seconds.
FAST = TrainingConfig(
    selection_splits=3,
    selection_repeats=1,
    evaluation_splits=3,
    calibration_splits=3,
    importance_repeats=2,
)


@pytest.fixture(scope="session")
def mart() -> pd.DataFrame:
    return synthetic_mart()


@pytest.fixture(scope="session")
def trained(mart: pd.DataFrame) -> TrainedModel:
    return train_decline_model(mart, config=FAST)


@pytest.fixture
def one_openmp_thread():
    """The test's fits and predictions on one OpenMP thread, as training runs each of its fits
    (models_ml.parallel). Nothing a test checks depends on it; on a few hundred rows
    HistGradientBoosting's and k-NN's OpenMP threads otherwise wait on each other, and on the
    other test worker's, for most of the test: 66 s instead of 1 s on two busy cores."""
    with threadpool_limits(limits=1, user_api="openmp"):
        yield
