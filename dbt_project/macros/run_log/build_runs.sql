{#- The columns of marts.build_runs, shared by the model (history) and the hook (this run). -#}
{% macro build_run_columns() -%}
    {{ return({
        "run_id": "varchar",
        "export_month": "date",
        "started_at": "timestamp",
        "finished_at": "timestamp",
        "raw_folder": "varchar",
        "export_fingerprints": "varchar",
        "row_counts": "varchar",
        "customers_in_export": "bigint",
        "customers_in_scope": "bigint",
        "customers_scored": "bigint",
        "rejected_rows": "bigint",
        "models_built": "integer",
        "tests_passed": "integer",
        "tests_warned": "integer",
        "model_version": "varchar",
        "settings": "varchar",
        "audit_decision": "varchar",
        "audit_details": "varchar",
        "dbt_version": "varchar",
    }) }}
{%- endmacro %}

{#-
    on-run-end: adds this build to marts.build_runs when the whole build passed and rebuilt the
    run log (a partial `dbt build --select …` or a failed build records nothing: its file is
    never published). `oneclick build` passes the run's facts in the ONECLICK_BUILD_RUN
    environment variable. Not a var: they change every build, and a changed var makes dbt parse
    the whole project again. Read only at execution time, env_var() leaves dbt's parse alone.

    ONECLICK_BUILD_RUN, the JSON `oneclick build` writes (warehouse/run_log.py, BuildRunRecord):
      run_id      the build's id, `<UTC start>-<random>` (also read by macro build_run_id)
      started_at  when the build started, ISO 8601, UTC
      raw_folder  the folder the exports were read from
      files       per export file name: {sha256, bytes, dialect}
    A bare `dbt build` has none: the run is dbt's invocation, the folder the raw_dir var.
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
    {%- set marts = ["feature_mart", "customer_scope", "rejected_rows"] -%}
    {%- set built = {} -%}
    {%- for name in ["model_registry", "customer_scores", "publish_audit"] -%}
        {%- do built.update({name: adapter.get_relation(database=target.database, schema="marts", identifier=name) is not none}) -%}
    {%- endfor -%}
    {%- set settings = {} -%}
    {%- for name in var("setting_rules") -%}
        {%- do settings.update({name: var(name)}) -%}
    {%- endfor -%}
    insert into marts.build_runs by name
    select
        {{ build_run_id() }} as run_id,
        {{ export_month_date() }} as export_month,
        cast({{ sql_literal(started_at[:19]) }} as timestamp) as started_at,
        cast({{ sql_literal(finished_at.isoformat()[:19]) }} as timestamp) as finished_at,
        {{ sql_literal(run.get("raw_folder") or var("raw_dir")) }} as raw_folder,
        {{ sql_literal(tojson(run.get("files")) if run.get("files") else none) }}
            as export_fingerprints,
        json_object(
            {%- for file_name, model_name in staged_exports().items() %}
            '{{ file_name }}', (select count(*) from staging.{{ model_name }}),
            {%- endfor %}
            {%- for mart in marts %}
            'marts.{{ mart }}', (select count(*) from marts.{{ mart }}){{ "," if not loop.last }}
            {%- endfor %}
        )::varchar as row_counts,
        (select count(distinct customer_id) from staging.stg_shop_export__customers)
            as customers_in_export,
        (select count(*) from marts.feature_mart) as customers_in_scope,
        {% if built.customer_scores -%}
            (select count(*) from marts.customer_scores)
        {%- else -%}
            null
        {%- endif %} as customers_scored,
        (select count(*) from marts.rejected_rows) as rejected_rows,
        {{ models | length }} as models_built,
        {{ tests | selectattr("status", "equalto", "pass") | list | length }} as tests_passed,
        {{ tests | selectattr("status", "equalto", "warn") | list | length }} as tests_warned,
        {% if built.model_registry -%}
            (select max(model_version) from marts.model_registry where is_current)
        {%- else -%}
            null
        {%- endif %} as model_version,
        {{ sql_literal(tojson(settings)) }} as settings,
        {% if built.publish_audit -%}
            (
                select
                    case
                        when count(published_value) = 0 then 'first_build'
                        when bool_or(is_sharp_drop) then 'drop_accepted'
                        else 'passed'
                    end
                from marts.publish_audit
            ) as audit_decision,
            (
                select
                    to_json(list({
                        'measure': measure,
                        'published': published_value,
                        'this_build': this_build_value,
                        'relative_change': round(relative_change, 4),
                        'is_sharp_drop': is_sharp_drop
                    } order by measure))::varchar
                from marts.publish_audit
            ) as audit_details,
        {%- else %}
            null as audit_decision,
            null as audit_details,
        {%- endif %}
        {{ sql_literal(dbt_version) }} as dbt_version
{%- endmacro %}
