"""The model's metrics, one row per candidate and metric with the spread over the folds, and
the metrics of this build's scores where the export has labels. A thin shell around models_ml."""

from models_ml.artifact import load_model
from models_ml.tables import metric_rows


def model(dbt, session):
    dbt.config(materialized="table")
    registry = dbt.ref("ml_model_registration").df()
    scores = (
        dbt.ref("customer_scores").filter("is_out_of_fold and activity_declined is not null").df()
    )
    return metric_rows(load_model(registry["artifact_path"].iloc[0]), scores)
