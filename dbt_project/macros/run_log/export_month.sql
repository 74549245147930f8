{#-
    The month of the exports this build is of, as text YYYY-MM: every history row carries it.
    In order: the environment variable ONECLICK_EXPORT_MONTH (`oneclick build --month` sets it),
    the var export_month, the name of the raw_dir folder when it is YYYY-MM. Read at execution
    time only, so a new month does not make dbt parse the project again.
-#}
{% macro export_month() -%}
    {%- if not execute -%}
        {{ return('1970-01') }}
    {%- endif -%}
    {%- set pattern = '[0-9]{4}-(0[1-9]|1[0-2])' -%}
    {%- set given = env_var('ONECLICK_EXPORT_MONTH', '') or (var('export_month', '') | string) -%}
    {%- if given -%}
        {%- if not modules.re.fullmatch(pattern, given) -%}
            {{ exceptions.raise_compiler_error(
                "export month '" ~ given ~ "' is not a month: expected YYYY-MM, e.g. 2026-11"
            ) }}
        {%- endif -%}
        {{ return(given) }}
    {%- endif -%}
    {%- set folder_name = (var('raw_dir') | replace('\\', '/')).rstrip('/').split('/')[-1] -%}
    {%- if modules.re.fullmatch(pattern, folder_name) -%}
        {{ return(folder_name) }}
    {%- endif -%}
    {{ exceptions.raise_compiler_error(
        "which month are these exports of? Set it with --vars '{export_month: YYYY-MM}' "
        ~ "or name the raw_dir folder YYYY-MM; raw_dir is " ~ var('raw_dir')
    ) }}
{%- endmacro %}

{#- The export month as a SQL date, its first day: `date '2026-11-01'`. -#}
{% macro export_month_date() -%}
    date '{{ export_month() }}-01'
{%- endmacro %}

{#-
    This build's run id, as a SQL literal: `oneclick build` passes it in ONECLICK_BUILD_RUN
    (read at execution time only); a bare `dbt build` is known by dbt's invocation id.
-#}
{% macro build_run_id() -%}
    {%- set run = fromjson(env_var('ONECLICK_BUILD_RUN', '{}')) if execute else {} -%}
    '{{ run.get("run_id") or invocation_id }}'
{%- endmacro %}
