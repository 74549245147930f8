"""The baseline: the same data work written by hand as one DuckDB script (scripts/baseline.sql),
and the bare scikit-learn fit and predict, timed; and the checksums that show the baseline's
feature table is the warehouse's."""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import numpy as np

from models_ml.features import NUMERIC_FEATURES as MODEL_NUMERIC_FEATURES
from scripts.benchmarking.config import BASELINE_SQL, MEMORY_LIMIT, SEED

# The model's numeric features except its flags: the bare fit reads them as plain floats.
NUMERIC_FEATURES = tuple(name for name in MODEL_NUMERIC_FEATURES if not name.startswith("is_"))
# Sums that must agree between the baseline's feature table and marts.feature_mart: the same
# customers with the same values, not only the same count.
CHECKSUMS = {
    "rows": "count(*)",
    "declined": "count(*) filter (where activity_declined = 1)",
    "revenue": "round(sum(revenue_two_months_ago + revenue_previous_month"
    " + revenue_current_month), 2)",
    "minutes": "sum(minutes_previous_month + minutes_current_month)",
    "profit": "round(sum(profit), 2)",
    "pages": "sum(pages_per_visit)",
    "consenting": "count(*) filter (where is_marketing_allowed)",
}


def baseline_data(
    raw: Path, database: Path, threads: int, threshold: float
) -> tuple[float, dict[str, float]]:
    """Run scripts/baseline.sql in this process (one DuckDB connection, the build's threads,
    memory limit and storage version); its seconds and the checksums of its feature table."""
    database.unlink(missing_ok=True)
    sql = (
        BASELINE_SQL.read_text()
        .replace("{raw_dir}", str(raw).replace("'", "''"))
        .replace("{revenue_outlier_threshold}", repr(float(threshold)))
    )
    started = time.monotonic()
    connection = duckdb.connect(
        str(database),
        config={
            "threads": threads,
            "memory_limit": MEMORY_LIMIT,
            "storage_compatibility_version": "v1.0.0",
        },
    )
    connection.execute(sql)
    connection.close()
    seconds = time.monotonic() - started
    return seconds, checksums(database, "main.features")


def measure_baseline(
    raw: Path, database: Path, threads: int, variables: dict
) -> tuple[float, dict[str, float], dict[str, float]]:
    """The whole baseline on ``raw`` with the build's settings (``variables``: the project's
    vars): the data script's seconds and the checksums of its feature table, and the ML laps."""
    threshold = float(variables.get("revenue_outlier_threshold", 100000))
    data_seconds, sums = baseline_data(raw, database, threads, threshold)
    ml = baseline_ml(
        database,
        int(variables.get("training_sample_max_rows", 5000)),
        int(variables.get("training_sample_seed", SEED)),
    )
    return data_seconds, sums, ml


def checksums(database: Path, table: str) -> dict[str, float]:
    connection = duckdb.connect(str(database), read_only=True)
    try:
        values = connection.execute(
            f"select {', '.join(CHECKSUMS.values())} from {table}"
        ).fetchone()
    finally:
        connection.close()
    return {name: float(value or 0) for name, value in zip(CHECKSUMS, values, strict=True)}


def baseline_ml(database: Path, sample_rows: int, seed: int) -> dict[str, float]:
    """The bare minimum model work, timed: read the features, fit a StandardScaler and a
    LogisticRegression on a stratified sample of the size the build trains on, predict every
    customer, write the probabilities back."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    times: dict[str, float] = {}
    clock = time.monotonic()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.monotonic()
        times[name] = now - clock
        clock = now

    connection = duckdb.connect(str(database))
    columns = connection.execute(
        f"select customer_id, activity_declined, {', '.join(NUMERIC_FEATURES)} from features"
    ).fetchnumpy()
    features = np.column_stack([np.asarray(columns[name], float) for name in NUMERIC_FEATURES])
    label = np.asarray(columns["activity_declined"], float)
    lap("read")
    labelled = ~np.isnan(label)
    size = min(sample_rows, int(labelled.sum()) - 2)
    sample, _rest, sample_label, _rest_label = train_test_split(
        features[labelled],
        label[labelled].astype(int),
        train_size=size,
        stratify=label[labelled].astype(int),
        random_state=seed,
    )
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    model.fit(sample, sample_label)
    lap("fit")
    probability = model.predict_proba(features)[:, 1]
    lap("predict")
    scores = {"customer_id": np.asarray(columns["customer_id"]), "probability": probability}
    connection.register("scores_frame", scores)
    connection.execute("create or replace table scores as select * from scores_frame")
    connection.close()
    lap("write")
    times["total"] = sum(times.values())
    times["training_rows"] = float(size)
    return times
