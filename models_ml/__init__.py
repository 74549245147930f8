"""The decline-risk model: the probability that a regular customer buys less in the next 3 months.

Pure, seeded functions over pandas frames shaped like ``marts.feature_mart``; the dbt Python models
in ``dbt_project/models`` are thin shells that call them. One concern per module:

- :mod:`models_ml.features`: which columns are features, and their preprocessing;
- :mod:`models_ml.candidates`: the estimators and hyper-parameter grids compared;
- :mod:`models_ml.selection`: repeated stratified cross-validation on ROC-AUC;
- :mod:`models_ml.calibration`: calibrated out-of-fold probabilities and the calibration table;
- :mod:`models_ml.importance`: permutation importance on held-out folds, linear coefficients;
- :mod:`models_ml.train`: the whole training, from a frame to a :class:`TrainedModel`;
- :mod:`models_ml.artifact`: saving, loading and checking a model against new data;
- :mod:`models_ml.predict`: scoring, in batches.
"""
