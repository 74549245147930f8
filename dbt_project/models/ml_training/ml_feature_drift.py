"""This month's drift: the population stability index of every feature of the in-scope customers
against the training data of the model that scores them (saved with it, so a --model build needs
no training export). A thin shell around models_ml; marts.feature_drift keeps the months."""

from models_ml.artifact import load_model
from models_ml.predict import relation_batches
from models_ml.tables import drift_rows


def model(dbt, session):
    dbt.config(materialized="table")
    registry = dbt.ref("ml_model_registration").df()
    return drift_rows(
        load_model(registry["artifact_path"].iloc[0]),
        relation_batches(dbt.ref("feature_mart")),
        watch_from=float(dbt.config.get("watch_from")),
        shifted_from=float(dbt.config.get("shifted_from")),
    )
