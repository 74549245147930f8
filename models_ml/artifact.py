"""A trained model on disk: the fitted estimator with everything needed to trust and reuse it.

Saved with joblib as ``<directory>/<version>.joblib``. The version is derived from the training
data's fingerprint, the training settings and the library versions, so the same data trains the
same model under the same name. :func:`validate_frame` refuses data the model cannot score.
"""

from __future__ import annotations

import hashlib
import json
import platform
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import sklearn

from models_ml.candidates import CANDIDATES, params_text
from models_ml.config import TrainingConfig
from models_ml.features import CATEGORICAL_FEATURES, FEATURES, ID_COLUMN, NUMERIC_FEATURES
from models_ml.train import Progress, TrainedModel, train_decline_model

FORMAT = 1
EXAMPLES = 5


class ModelMismatchError(ValueError):
    """The data does not fit the saved model: a feature is missing, of another kind, or holds a
    category the model never saw. The message names the column, the values and customers."""


@dataclass(frozen=True)
class ModelArtifact:
    """A model as loaded from disk."""

    path: Path
    model: object
    metadata: dict
    tables: dict[str, pd.DataFrame]
    training_customer_ids: np.ndarray

    @property
    def version(self) -> str:
        return self.metadata["version"]


def library_versions() -> dict[str, str]:
    """The versions a model depends on."""
    return {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "pandas": pd.__version__,
        "numpy": np.__version__,
        "joblib": joblib.__version__,
    }


def model_version(trained: TrainedModel) -> str:
    """``dm-<12 hex>``: the same data, settings and libraries give the same version."""
    recipe = {
        "data": trained.data_fingerprint,
        "config": trained.config.as_dict(),
        "libraries": library_versions(),
        "candidates": {c.name: [params_text(p) for p in c.grid] for c in CANDIDATES},
        "skipped": sorted(trained.skipped_candidates),
        "format": FORMAT,
    }
    digest = hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()
    return f"dm-{digest[:12]}"


def save_model(trained: TrainedModel, directory: Path, labelled_rows: int | None = None) -> Path:
    """Write the model and its metadata to ``directory/<version>.joblib``; return the path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    version = model_version(trained)
    path = directory / f"{version}.joblib"
    metadata = {
        "format": FORMAT,
        "version": version,
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "data_fingerprint": trained.data_fingerprint,
        "chosen_candidate": trained.chosen_candidate,
        "chosen_params": trained.chosen_params,
        "features": {
            "categorical": list(CATEGORICAL_FEATURES),
            "numeric": list(NUMERIC_FEATURES),
        },
        "categories": trained.categories,
        "training_rows": trained.training_rows,
        "selection_rows": trained.selection_rows,
        "labelled_rows": labelled_rows if labelled_rows is not None else trained.training_rows,
        "config": trained.config.as_dict(),
        "skipped_candidates": trained.skipped_candidates,
        "libraries": library_versions(),
        "summary": {
            "cv_roc_auc": trained.metric("repeated_cv", "roc_auc"),
            "oof_roc_auc": trained.metric("out_of_fold", "roc_auc"),
            "brier": trained.metric("out_of_fold", "brier"),
        },
    }
    payload = {
        "model": trained.model,
        "metadata": metadata,
        "tables": {
            "metrics": trained.metrics,
            "out_of_fold": trained.out_of_fold,
            "calibration": trained.calibration,
            "importance": trained.importance,
        },
        "training_customer_ids": trained.training_customer_ids,
    }
    temporary = path.with_suffix(".joblib.partial")
    joblib.dump(payload, temporary, compress=3)
    temporary.replace(path)
    return path


def load_model(path: Path) -> ModelArtifact:
    """Load a saved model; refuse one saved by another major scikit-learn version or format."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no saved model at {path}")
    payload = joblib.load(path)
    metadata = payload.get("metadata", {}) if isinstance(payload, dict) else {}
    if metadata.get("format") != FORMAT:
        raise ModelMismatchError(f"{path} is not a oneclick model (format {FORMAT})")
    saved, running = metadata["libraries"]["scikit-learn"], sklearn.__version__
    if saved.split(".")[:2] != running.split(".")[:2]:
        raise ModelMismatchError(
            f"{path.name} was saved with scikit-learn {saved}, this is {running}: "
            "retrain it (oneclick build without --model) or install the version it was saved with"
        )
    return ModelArtifact(
        path=path,
        model=payload["model"],
        metadata=metadata,
        tables=payload["tables"],
        training_customer_ids=np.asarray(payload["training_customer_ids"]),
    )


def validate_frame(artifact: ModelArtifact, frame: pd.DataFrame) -> None:
    """Raise :class:`ModelMismatchError` unless the model can score every row of ``frame``."""
    problems = []
    missing = [column for column in FEATURES if column not in frame.columns]
    if missing:
        problems.append(f"missing feature column(s): {', '.join(missing)}")
    for column in NUMERIC_FEATURES:
        if column in frame.columns and not (
            pd.api.types.is_numeric_dtype(frame[column])
            or pd.api.types.is_bool_dtype(frame[column])
        ):
            problems.append(f"{column} should be numeric, is {frame[column].dtype}")
    for column, known in artifact.metadata["categories"].items():
        if column not in frame.columns:
            continue
        unseen = ~frame[column].isin(known)
        if unseen.any():
            values = sorted(map(str, frame.loc[unseen, column].unique()))[:EXAMPLES]
            customers = frame.loc[unseen, ID_COLUMN].head(EXAMPLES).tolist()
            problems.append(
                f"{column} has value(s) the model never saw: {', '.join(map(repr, values))} "
                f"({int(unseen.sum())} customers, e.g. {customers}); it knows "
                + ", ".join(map(repr, known))
            )
    if problems:
        raise ModelMismatchError(
            f"model {artifact.version} ({artifact.path.name}) cannot score this data: "
            + "; ".join(problems)
        )


def train_and_save(
    frame: pd.DataFrame,
    directory: Path,
    labelled_rows: int | None = None,
    customers_to_score: int | None = None,
    config: TrainingConfig | None = None,
    progress: Progress | None = None,
) -> ModelArtifact:
    """Train on ``frame``'s labelled rows, save the model in ``directory`` and load it back."""
    trained = train_decline_model(
        frame, config=config, progress=progress, customers_to_score=customers_to_score
    )
    return load_model(save_model(trained, directory, labelled_rows=labelled_rows))
