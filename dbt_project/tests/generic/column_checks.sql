{#-
    A model's key and its other column checks in one test: one scan per check, one dbt node for
    them all (each test node costs dbt some 50 ms of its own Python on every build, more than
    DuckDB's scan of a model). Each check fails on the rows the project's or dbt's test of the
    same name would, so the test's failures are the sum of theirs, and each failing row says
    which check and column it breaks and the value (warehouse/failures.py explains them per
    check). The key is required, so that dbt Labs' checker may count the test as the model's key
    test (dbt_project.yml, primary_key_test_macros):
      primary_key: column             a value that is null or occurs more than once
      unique_combination: [columns]   a combination that occurs more than once
    and, as the model needs them:
      unique: [columns]                     a value that occurs more than once
      not_null: [columns]                   a row whose value is null
      accepted_values: {column: [values]}   a value not in the list (nulls pass, as in dbt's)
      values_between: {column: [min, max]}  a row whose value is outside [min, max]
-#}
{% test column_checks(
    model,
    primary_key=none,
    unique_combination=none,
    unique=[],
    not_null=[],
    accepted_values={},
    values_between={}
) %}

{{ column_checks_query(
    model, primary_key, unique_combination, unique, not_null, accepted_values, values_between
) }}

{% endtest %}
