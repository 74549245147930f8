"""How the one-standard-error rule chose among the candidates, from marts.model_metrics: what the
report's candidates plot and text, and the README's model line, say."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from models_ml.candidates import CANDIDATES


@dataclass(frozen=True)
class CandidateChoice:
    """How the one-standard-error rule chose among the candidates (from marts.model_metrics).

    ``table``: each candidate's best setting, in the order compared (simplest and cheapest to
    score first). The rule takes the first setting whose mean ROC-AUC is at least the best
    mean minus the best setting's standard error (its fold spread over √folds), so the chosen
    candidate is the first in this order whose best mean reaches ``threshold``.
    """

    table: pd.DataFrame
    best: str
    best_mean: float
    standard_error: float
    chosen: str | None

    @property
    def threshold(self) -> float:
        return self.best_mean - self.standard_error


def candidate_choice(metrics: pd.DataFrame) -> CandidateChoice | None:
    """The candidates' comparison and the rule's threshold; None when the table has none."""
    cv = metrics[(metrics.evaluation == "repeated_cv") & (metrics.metric == "roc_auc")]
    if cv.empty:
        return None
    order = {known.name: position for position, known in enumerate(CANDIDATES)}
    cv = (
        cv.assign(compared=cv.candidate.map(order).fillna(len(order)))
        .sort_values(["compared", "candidate"], kind="stable")
        .reset_index(drop=True)
    )
    best = cv.loc[cv["mean"].idxmax()]
    folds = max(float(best["n_folds"]) if pd.notna(best["n_folds"]) else 1.0, 1.0)
    chosen = cv[cv.is_chosen.astype(bool)].candidate
    return CandidateChoice(
        table=cv,
        best=str(best.candidate),
        best_mean=float(best["mean"]),
        standard_error=float(np.nan_to_num(best["std"])) / np.sqrt(folds),
        chosen=str(chosen.iloc[0]) if len(chosen) else None,
    )
