{#- The columns of marts.build_runs, shared by the model (history) and the hook (this run). -#}
{% macro build_run_columns() -%}
    {{ return({
        "run_id": "varchar",
        "started_at": "timestamp",
        "finished_at": "timestamp",
        "raw_folder": "varchar",
        "export_fingerprints": "varchar",
        "row_counts": "varchar",
        "customers_in_export": "bigint",
        "customers_in_scope": "bigint",
        "rejected_rows": "bigint",
        "models_built": "integer",
        "tests_passed": "integer",
        "tests_warned": "integer",
        "model_version": "varchar",
        "dbt_version": "varchar",
    }) }}
{%- endmacro %}

{#-
    on-run-end: adds this build to marts.build_runs when the whole build passed and rebuilt the
    run log (a partial `dbt build --select …` or a failed build records nothing: its file is
    never published). `oneclick build` passes the run's id, start, raw folder and the exports'
    fingerprints in the ONECLICK_BUILD_RUN environment variable (JSON). Not a var: they change
    every build, and a changed var makes dbt parse the whole project again. Read only here,
    at execution time, env_var() leaves dbt's parse alone.
-#}
{% macro record_build_run(results) -%}
    {%- if not execute -%}
        {{ return("") }}
    {%- endif -%}
    {%- set failed = results | selectattr("status", "in", ["error", "fail", "runtime error"]) | list -%}
    {%- set rebuilt = results | selectattr("node.unique_id", "equalto", "model.oneclick.build_runs") | list -%}
    {%- if failed or not rebuilt -%}
        {{ return("") }}
    {%- endif -%}
    {%- set run = fromjson(env_var("ONECLICK_BUILD_RUN", "{}")) -%}
    {%- set tests = results | selectattr("node.resource_type", "in", ["test", "unit_test"]) | list -%}
    {%- set models = results | selectattr("node.resource_type", "equalto", "model") | list -%}
    {%- set started_at = run.get("started_at") or run_started_at.isoformat() -%}
    {%- set finished_at = modules.datetime.datetime.now(modules.pytz.utc) -%}
    {%- set staged = {
        "market_file.csv": "staging.stg_shop_export__customers",
        "market_money.csv": "staging.stg_shop_export__monthly_revenues",
        "market_time.csv": "staging.stg_shop_export__monthly_minutes",
        "money.csv": "staging.stg_shop_export__profits",
    } -%}
    {%- set marts = ["feature_mart", "customer_scope", "rejected_rows"] -%}
    {%- set has_registry = adapter.get_relation(database=target.database, schema="marts", identifier="model_registry") is not none -%}
    insert into marts.build_runs
    select
        {{ sql_literal(run.get("run_id") or invocation_id) }},
        cast({{ sql_literal(started_at[:19]) }} as timestamp),
        cast({{ sql_literal(finished_at.isoformat()[:19]) }} as timestamp),
        {{ sql_literal(run.get("raw_folder") or var("raw_dir")) }},
        {{ sql_literal(tojson(run.get("files")) if run.get("files") else none) }},
        json_object(
            {%- for file_name, relation in staged.items() %}
            '{{ file_name }}', (select count(*) from {{ relation }}),
            {%- endfor %}
            {%- for mart in marts %}
            'marts.{{ mart }}', (select count(*) from marts.{{ mart }}){{ "," if not loop.last }}
            {%- endfor %}
        )::varchar,
        (select count(distinct customer_id) from staging.stg_shop_export__customers),
        (select count(*) from marts.feature_mart),
        (select count(*) from marts.rejected_rows),
        {{ models | length }},
        {{ tests | selectattr("status", "equalto", "pass") | list | length }},
        {{ tests | selectattr("status", "equalto", "warn") | list | length }},
        {% if has_registry -%}
            (select max(model_version) from marts.model_registry where is_current)
        {%- else -%}
            null
        {%- endif %},
        {{ sql_literal(dbt_version) }}
{%- endmacro %}

{#- on-run-end: a passed build keeps no empty failure tables (schema audit) in the file. -#}
{% macro drop_empty_audit_schema(results) -%}
    {%- if not execute -%}
        {{ return("") }}
    {%- endif -%}
    {%- set failed = results | selectattr("status", "in", ["error", "fail", "runtime error"]) | list -%}
    {%- if failed -%}
        {{ return("") }}
    {%- endif -%}
    drop schema if exists audit cascade
{%- endmacro %}
