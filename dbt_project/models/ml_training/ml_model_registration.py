"""The model step: train the decline-risk model on ml_training_sample and save it — or reuse the
model an earlier build saved from the same training rows and settings — or take the saved model
`oneclick build --model PATH` names; either way register it: return its row of the model
registry (the model itself is the saved file). A thin shell around
models_ml (dbt cannot unit-test Python models: tests/models_ml tests the package)."""

from pathlib import Path

from models_ml.artifact import GIVEN, TRAINED, load_model, train_or_reuse
from models_ml.tables import registry_rows


def progress(message):
    # Lines with this prefix are shown by `oneclick build` as the step's progress.
    print(f"oneclick-progress: {message}", flush=True)


def model(dbt, session):
    dbt.config(materialized="table")
    saved_model = dbt.config.get("model_path")
    if saved_model:
        progress(f"scoring with the saved model {Path(saved_model).name}")
        return registry_rows(load_model(Path(saved_model)), model_source=GIVEN)

    sample = dbt.ref("ml_training_sample").df()
    customers, labelled = (
        dbt.ref("feature_mart").aggregate("count(*), count(activity_declined)").fetchone()
    )
    artifact, source = train_or_reuse(
        sample,
        # Relative to the folder dbt runs in: the registry keeps the whole path.
        Path(dbt.config.get("trained_model_dir")).resolve(),
        labelled_rows=labelled,
        customers_to_score=customers,
        progress=progress,
    )
    if source == TRAINED:
        progress(f"saved model {artifact.version} to {artifact.path}")
    return registry_rows(artifact, model_source=source)
