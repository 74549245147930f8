"""Settings of a training run: seeds, folds, sizes. Fixed defaults make a result reproducible."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import asdict, dataclass

# Where a long step says how far it is (a line of text; the dbt model prints it for the build).
Progress = Callable[[str], None]


def default_jobs() -> int:
    """Parallel jobs for cross-validation: every core the machine has."""
    return max(os.cpu_count() or 1, 1)


@dataclass(frozen=True)
class TrainingConfig:
    """How a model is selected, calibrated and evaluated.

    ``selection_max_rows`` bounds the rows the candidate comparison runs on (a stratified
    subsample when the training sample is larger), so the search costs the same at any scale.
    ``scoring_pairs_budget`` bounds customers to score × training rows for the candidates that
    score against the training rows (see candidates.affordable_candidates).
    """

    seed: int = 42
    selection_splits: int = 5
    selection_repeats: int = 2
    selection_max_rows: int = 2000
    scoring_pairs_budget: float = 2e8
    evaluation_splits: int = 5
    calibration_method: str = "sigmoid"
    calibration_splits: int = 3
    calibration_bins: int = 10
    importance_repeats: int = 3
    n_jobs: int = 0  # 0: every core

    @property
    def jobs(self) -> int:
        return self.n_jobs or default_jobs()

    def as_dict(self) -> dict[str, object]:
        """The settings that change a result (not the number of jobs)."""
        settings = asdict(self)
        settings.pop("n_jobs")
        return settings
