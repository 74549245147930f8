"""Every in-scope customer's probability of buying less in the next three months, scored in
batches by the model of this build (ml_decline_model). A thin shell around models_ml."""

from datetime import UTC, datetime

from models_ml.artifact import load_model
from models_ml.predict import relation_batches
from models_ml.tables import score_rows


def model(dbt, session):
    dbt.config(materialized="table")
    registry = dbt.ref("ml_decline_model").df()
    artifact = load_model(registry["artifact_path"].iloc[0])
    return score_rows(
        artifact,
        relation_batches(dbt.ref("feature_mart")),
        use_out_of_fold=bool(registry["is_newly_trained"].iloc[0]),
        scored_at=datetime.now(UTC),
    )
