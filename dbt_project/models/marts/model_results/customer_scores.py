"""Every in-scope customer's probability of buying less in the next three months, scored in
batches by the model of this build (ml_model_registration). A thin shell around models_ml."""

from datetime import UTC, datetime

from models_ml.artifact import GIVEN, load_model
from models_ml.predict import relation_batches
from models_ml.tables import score_rows


def model(dbt, session):
    dbt.config(materialized="table")
    registry = dbt.ref("ml_model_registration").df()
    artifact = load_model(registry["artifact_path"].iloc[0])
    return score_rows(
        artifact,
        relation_batches(dbt.ref("feature_mart")),
        # a model trained on this build's training rows (now or by an earlier build) has
        # out-of-fold probabilities for them; one given with --model was trained on other data
        use_out_of_fold=registry["model_source"].iloc[0] != GIVEN,
        scored_at=datetime.now(UTC),
    )
