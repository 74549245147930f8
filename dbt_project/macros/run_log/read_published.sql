{#-
    The rows of a table of the previously published warehouse (catalog `published`, attached
    read-only by the profile), with the columns this version declares, typed.

    - Before a warehouse's first build nothing is published: the result is empty, typed.
    - A warehouse published by an earlier version may lack a column added since: it reads as
      null. A column it has and this version no longer declares is left out.
    The check runs at execution time (load_relation), so dbt's parse does not depend on the file.
-#}
{% macro read_published(table_name, columns) -%}
    {%- set relation = source('published', table_name) -%}
    {%- set published = load_relation(relation) if execute else none -%}
    {%- set present = [] -%}
    {%- if published is not none -%}
        {%- for column in adapter.get_columns_in_relation(published) -%}
            {%- do present.append(column.name | lower) -%}
        {%- endfor -%}
    {%- endif -%}
    select
        {%- for column, data_type in columns.items() %}
        {%- if column | lower in present %}
        cast({{ adapter.quote(column) }} as {{ data_type }}) as {{ column }}
        {%- else %}
        cast(null as {{ data_type }}) as {{ column }}
        {%- endif %}{{ "," if not loop.last }}
        {%- endfor %}
    {%- if published is not none %}
    from {{ relation }}
    {%- else %}
    where false
    {%- endif %}
{%- endmacro %}

{#- The columns of marts.customer_history, shared by the model and its published rows. -#}
{% macro customer_history_columns() -%}
    {{ return({
        "export_month": "date",
        "customer_id": "bigint",
        "is_in_scope": "boolean",
        "scope_status": "varchar",
        "decline_probability": "double",
        "is_high_risk": "boolean",
        "segment": "varchar",
        "profit": "double",
        "profit_at_risk": "double",
        "recommended_offer": "varchar",
        "model_version": "varchar",
        "activity_declined": "integer",
        "revenue_current_month": "double",
        "run_id": "varchar",
    }) }}
{%- endmacro %}

{#- The columns of marts.campaign_assignments, shared by the model and its published rows. -#}
{% macro campaign_assignment_columns() -%}
    {{ return({
        "export_month": "date",
        "customer_id": "bigint",
        "campaign": "varchar",
        "offer": "varchar",
        "channel": "varchar",
        "segment": "varchar",
        "decline_probability": "double",
        "profit_at_risk": "double",
        "is_control": "boolean",
        "run_id": "varchar",
    }) }}
{%- endmacro %}

{#- The columns of marts.feature_drift, shared by the model and its published rows. -#}
{% macro feature_drift_columns() -%}
    {{ return({
        "export_month": "date",
        "feature": "varchar",
        "psi": "double",
        "status": "varchar",
        "model_version": "varchar",
        "customers": "bigint",
        "bins": "bigint",
        "most_moved_bin": "varchar",
        "reference_share": "double",
        "current_share": "double",
        "run_id": "varchar",
    }) }}
{%- endmacro %}
