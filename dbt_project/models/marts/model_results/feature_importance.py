"""Which behaviours drive the risk: the model's permutation importance with its spread, and the
coefficient and its sign for a linear model. A thin shell around models_ml."""

from models_ml.artifact import load_model
from models_ml.tables import importance_rows


def model(dbt, session):
    dbt.config(materialized="table")
    registry = dbt.ref("ml_model_registration").df()
    return importance_rows(load_model(registry["artifact_path"].iloc[0]))
