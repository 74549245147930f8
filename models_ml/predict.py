"""Scoring: the probability of a decline for each customer, frame by frame, and the frames of a
DuckDB relation in batches (models_ml.tables.score_rows scores them one at a time)."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

from models_ml.artifact import ModelArtifact, validate_frame
from models_ml.features import ID_COLUMN, feature_frame


def score_frame(artifact: ModelArtifact, frame: pd.DataFrame) -> pd.DataFrame:
    """``customer_id``, ``decline_probability`` and ``is_out_of_fold`` (True when the model
    did not train on the customer) for every row; the label is not needed."""
    validate_frame(artifact, frame)
    probability = artifact.model.predict_proba(feature_frame(frame))[:, 1]
    return pd.DataFrame(
        {
            ID_COLUMN: frame[ID_COLUMN].to_numpy(),
            "decline_probability": probability,
            "is_out_of_fold": ~frame[ID_COLUMN].isin(artifact.training_customer_ids).to_numpy(),
        }
    )


def relation_batches(relation, rows_per_batch: int = 100_000) -> Iterator[pd.DataFrame]:
    """Frames of at most about ``rows_per_batch`` rows from a DuckDB relation, streamed: the
    whole result is never one pandas frame."""
    vectors = max(rows_per_batch // 2048, 1)
    while True:
        batch = relation.fetch_df_chunk(vectors)
        if batch is None or batch.empty:
            return
        yield batch
