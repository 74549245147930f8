"""Uplift: contacted customers against the control group, with intervals that keep their word."""

from __future__ import annotations

import numpy as np
import pandas as pd

from models_ml.uplift import campaign_outcomes

MONTH, LATER = pd.Timestamp("2026-09-01"), pd.Timestamp("2026-10-01")


def simulated(
    customers: int, control_rate: float, contacted_rate: float, seed: int, control_share=0.1
) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    is_control = rng.random(customers) < control_share
    rate = np.where(is_control, control_rate, contacted_rate)
    return pd.DataFrame(
        {
            "export_month": MONTH,
            "campaign": "personal_promo_code",
            "outcome_month": LATER,
            "customer_id": np.arange(customers),
            "is_control": is_control,
            "declined": (rng.random(customers) < rate).astype("int64"),
            "revenue_change": rng.normal(np.where(is_control, -200.0, 0.0), 300.0),
        }
    )


def test_a_known_effect_lies_inside_the_interval_and_zero_outside():
    (row,) = campaign_outcomes(simulated(20_000, 0.60, 0.45, seed=1), 20).to_dict("records")

    assert row["has_enough_customers"]
    assert row["decline_rate_difference_low"] < -0.15 < row["decline_rate_difference_high"]
    assert row["decline_rate_difference_high"] < 0
    assert row["verdict"].startswith("fewer contacted customers declined")
    assert row["revenue_change_difference_low"] < 200 < row["revenue_change_difference_high"]


def test_with_no_effect_the_interval_holds_zero():
    (row,) = campaign_outcomes(simulated(5_000, 0.5, 0.5, seed=2), 20).to_dict("records")

    assert row["decline_rate_difference_low"] < 0 < row["decline_rate_difference_high"]
    assert row["verdict"].startswith("no difference the data can tell from chance")


def test_the_95_percent_interval_covers_the_truth_about_95_times_in_100():
    truth = 0.40 - 0.55
    covered = 0
    trials = 400
    for seed in range(trials):
        (row,) = campaign_outcomes(simulated(600, 0.55, 0.40, seed=seed), 20).to_dict("records")
        covered += (
            row["decline_rate_difference_low"] <= truth <= row["decline_rate_difference_high"]
        )
    # 95 % coverage; the binomial spread of 400 trials is about ±2.2 points (2 s.e. ≈ 2.2 %)
    assert 0.92 <= covered / trials <= 0.98


def test_too_few_customers_give_a_sentence_not_a_number():
    outcomes = simulated(100, 0.5, 0.5, seed=3, control_share=0.05)

    (row,) = campaign_outcomes(outcomes, min_customers=20).to_dict("records")

    assert not row["has_enough_customers"]
    assert pd.isna(row["decline_rate_difference"])
    assert row["verdict"] == (
        f"too few customers to tell: {row['contacted_customers']} contacted and "
        f"{row['control_customers']} in the control group; at least 20 in each are needed"
    )


def test_one_row_per_campaign_and_month():
    first = simulated(400, 0.5, 0.4, seed=4)
    second = simulated(400, 0.5, 0.4, seed=5).assign(campaign="early_access")
    third = simulated(400, 0.5, 0.4, seed=6).assign(
        export_month=LATER, outcome_month=pd.Timestamp("2026-11-01")
    )

    table = campaign_outcomes(pd.concat([first, second, third]), 20)

    assert len(table) == 3
    assert table["contacted_customers"].sum() + table["control_customers"].sum() == 1200
