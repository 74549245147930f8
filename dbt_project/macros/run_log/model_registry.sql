{#- The columns of marts.model_registry, shared by the model and its history file. -#}
{% macro model_registry_columns() -%}
    {{ return({
        "model_version": "varchar",
        "artifact_path": "varchar",
        "trained_at": "timestamp",
        "chosen_candidate": "varchar",
        "chosen_params": "varchar",
        "training_rows": "bigint",
        "selection_rows": "bigint",
        "labelled_rows": "bigint",
        "data_fingerprint": "varchar",
        "cv_roc_auc": "double",
        "oof_roc_auc": "double",
        "brier": "double",
        "features": "varchar",
        "libraries": "varchar",
        "skipped_candidates": "varchar",
        "model_source": "varchar",
        "first_used_at": "timestamp",
        "last_used_at": "timestamp",
        "builds": "bigint",
        "is_current": "boolean",
    }) }}
{%- endmacro %}
