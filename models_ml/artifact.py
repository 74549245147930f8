"""A trained model on disk: the fitted estimator with everything needed to trust and reuse it.

Saved with joblib as ``<directory>/<version>.joblib``. The version is derived from the training
data's fingerprint, the training settings, every compared setting's parameters and the library
versions, so the same data trains the same model under the same name — and since all of these
are known before training, :func:`train_or_reuse` reuses a saved model of that version instead
of training it again. :func:`validate_frame` refuses data the model cannot score.
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

from models_ml.candidates import CANDIDATES, affordable_candidates, pipeline
from models_ml.config import Progress, TrainingConfig
from models_ml.features import CATEGORICAL_FEATURES, FEATURES, ID_COLUMN, NUMERIC_FEATURES
from models_ml.train import (
    TrainedModel,
    data_fingerprint,
    train_decline_model,
    training_rows,
)

# 2: the model carries the reference distribution of its training features (drift check).
FORMAT = 2
# Formats this version loads: a format-1 model scores as before, with no drift check.
READABLE_FORMATS = (1, 2)
EXAMPLES = 5

# How a build obtained its model (marts.model_registry.model_source).
TRAINED = "trained"  # this build trained it
REUSED = "reused"  # saved by an earlier build from the same training data and settings
GIVEN = "given"  # named by `oneclick build --model PATH`


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
    return planned_version(
        trained.data_fingerprint, trained.config, sorted(trained.skipped_candidates)
    )


def planned_version(data: str, config: TrainingConfig, skipped: list[str]) -> str:
    """The version a training will produce, known before it runs: a hash of the training data's
    fingerprint, the settings, every compared setting's parameters (the grid's and the fixed
    ones, e.g. a forest's 100 trees), the candidates left out and the library versions."""
    recipe = {
        "data": data,
        "config": config.as_dict(),
        "libraries": library_versions(),
        "candidates": candidate_settings(config.seed),
        "skipped": sorted(skipped),
        "format": FORMAT,
    }
    digest = hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()
    return f"dm-{digest[:12]}"


def candidate_settings(seed: int) -> dict[str, list[str]]:
    """Every setting the selection compares, with every parameter of its pipeline, as text."""
    return {
        candidate.name: [
            json.dumps(
                pipeline(candidate, params, seed).get_params(deep=True),
                sort_keys=True,
                default=lambda value: getattr(value, "__name__", type(value).__name__),
            )
            for params in candidate.grid
        ]
        for candidate in CANDIDATES
    }


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
        "reference_distribution": trained.reference_distribution,
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
    if metadata.get("format") not in READABLE_FORMATS:
        raise ModelMismatchError(
            f"{path} is not a oneclick model of a format this version reads "
            f"({', '.join(map(str, READABLE_FORMATS))})"
        )
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


def train_or_reuse(
    frame: pd.DataFrame,
    directory: Path,
    labelled_rows: int | None = None,
    customers_to_score: int | None = None,
    config: TrainingConfig | None = None,
    progress: Progress | None = None,
) -> tuple[ModelArtifact, str]:
    """The model for ``frame``'s labelled rows and how it was obtained (:data:`TRAINED` or
    :data:`REUSED`).

    Everything that decides the result is known before training (see :func:`planned_version`):
    when ``directory`` holds a model of that version whose metadata matches this training, it
    is the model training would produce, and it is reused. Otherwise the model is trained,
    saved in ``directory`` (over a saved file that could not be used) and loaded back; a saved
    file that cannot be read or does not match is never reused silently: ``progress`` says why.
    """
    config = config or TrainingConfig()
    say = progress or (lambda _message: None)
    rows = training_rows(frame)
    _kept, skipped = affordable_candidates(len(rows), customers_to_score, config)
    expected = {
        "format": FORMAT,
        "data_fingerprint": data_fingerprint(rows),
        "training_rows": len(rows),
        "labelled_rows": labelled_rows if labelled_rows is not None else len(rows),
        "config": config.as_dict(),
        "skipped_candidates": skipped,
        "libraries": library_versions(),
    }
    expected["version"] = planned_version(expected["data_fingerprint"], config, sorted(skipped))
    path = Path(directory) / f"{expected['version']}.joblib"
    if path.exists():
        saved, problem = _matching_saved_model(path, expected)
        if saved is not None:
            say(
                f"reusing the saved model {saved.version} ({path}): trained "
                f"{saved.metadata['trained_at']} on the same {len(rows):,} customers with the "
                "same settings and libraries"
            )
            return saved, REUSED
        say(f"not reusing the saved model {path}: {problem}; training it again")
    trained = train_decline_model(
        frame, config=config, progress=progress, customers_to_score=customers_to_score
    )
    return load_model(save_model(trained, directory, labelled_rows=labelled_rows)), TRAINED


def _matching_saved_model(
    path: Path, expected: dict[str, object]
) -> tuple[ModelArtifact | None, str]:
    """The saved model at ``path`` if its metadata is ``expected``'s, else why not."""
    try:
        saved = load_model(path)
    except Exception as error:  # whatever a damaged file raises (EOF, unpickling, zlib …)
        reason = str(error).splitlines()[0] if str(error) else ""
        return None, f"it cannot be read ({type(error).__name__}{': ' + reason if reason else ''})"
    differing = [key for key, value in expected.items() if saved.metadata.get(key) != value]
    if differing:
        return None, f"its metadata does not match this training ({', '.join(differing)})"
    return saved, ""
