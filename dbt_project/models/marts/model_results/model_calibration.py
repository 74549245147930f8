"""The calibration table: predicted probability against the observed share of decliners, by
bin, from the out-of-fold probabilities. A thin shell around models_ml."""

from models_ml.artifact import load_model
from models_ml.tables import calibration_rows


def model(dbt, session):
    dbt.config(materialized="table")
    registry = dbt.ref("ml_model_registration").df()
    return calibration_rows(load_model(registry["artifact_path"].iloc[0]))
