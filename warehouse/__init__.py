"""oneclick's warehouse: builds, checks and publishes the DuckDB file from the shop's exports.

The transformations live in the dbt project (``dbt_project/``) and the model in ``models_ml``;
this package checks the raw files, drives ``dbt build`` into a candidate file, explains a failure
in the words of the export, and publishes a build only when every test passed.
"""
