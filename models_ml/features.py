"""The model's inputs: which columns of ``marts.feature_mart`` are features, and how they are
prepared. The mart's SQL makes every feature; here they are only encoded and scaled.

Which columns are features is declared, not listed here (warehouse.exports.model_columns): the
export columns of role ``feature`` (market_file.csv's, in _shop_export__sources.yml), then the
feature mart's derived columns of that role (its YAML), categories first, each in that order."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from warehouse.exports import model_columns

ID_COLUMN = "customer_id"
_DECLARED = model_columns()
LABEL_COLUMN: str = _DECLARED.label
CATEGORICAL_FEATURES: tuple[str, ...] = _DECLARED.categorical
NUMERIC_FEATURES: tuple[str, ...] = _DECLARED.numeric
FEATURES: tuple[str, ...] = CATEGORICAL_FEATURES + NUMERIC_FEATURES


def feature_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The feature columns of a mart frame, typed for scikit-learn (categories as text,
    everything else, booleans included, as floats). Raises KeyError naming missing columns."""
    missing = [column for column in FEATURES if column not in frame.columns]
    if missing:
        raise KeyError(f"the frame lacks feature column(s): {', '.join(missing)}")
    features = pd.DataFrame(index=frame.index)
    for column in CATEGORICAL_FEATURES:
        features[column] = frame[column].astype(object)
    for column in NUMERIC_FEATURES:
        features[column] = frame[column].astype("float64")
    return features


def labels(frame: pd.DataFrame) -> np.ndarray:
    """The 0/1 label as integers; the caller keeps only labelled rows."""
    return frame[LABEL_COLUMN].astype("int64").to_numpy()


def labelled_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows that carry a label (an export to be scored may carry none)."""
    if LABEL_COLUMN not in frame.columns:
        return frame.iloc[0:0]
    return frame[frame[LABEL_COLUMN].notna()]


def build_preprocessor(scale_numeric: bool) -> ColumnTransformer:
    """One-hot encoding for the categories, scaling for the numbers where the estimator needs it.

    An unknown category is an error, not a silent zero vector: new data is checked against
    the categories the model saw (see models_ml.artifact.validate_frame) before it is scored.
    """
    return ColumnTransformer(
        [
            (
                "categories",
                OneHotEncoder(drop="if_binary", handle_unknown="error", sparse_output=False),
                list(CATEGORICAL_FEATURES),
            ),
            (
                "numbers",
                StandardScaler() if scale_numeric else "passthrough",
                list(NUMERIC_FEATURES),
            ),
        ],
        verbose_feature_names_out=False,
    )


def source_feature(transformed_name: str) -> str:
    """The mart column a transformed column comes from (``favourite_category_Кухонная посуда``
    comes from ``favourite_category``)."""
    for column in CATEGORICAL_FEATURES:
        if transformed_name.startswith(column + "_"):
            return column
    return transformed_name
