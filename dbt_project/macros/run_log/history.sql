{#-
    Tables that keep their rows across builds (marts.build_runs, marts.model_registry). Every
    build writes a new file, so `oneclick build` reads these tables from the published file
    first and hands them over as JSON files in the `history_dir` var (warehouse/history.py).
    A bare `dbt build` has no history and starts them empty.
-#}
{% macro read_history(table_name, columns) -%}
    {%- set history_dir = var('history_dir', '') -%}
    {%- if history_dir -%}
        select *
        from read_json(
            '{{ history_dir | replace("'", "''") }}/{{ table_name }}.json',
            format = 'array',
            columns = {
                {%- for column, data_type in columns.items() %}
                '{{ column }}': '{{ data_type }}'{{ "," if not loop.last }}
                {%- endfor %}
            }
        )
    {%- else -%}
        select
            {%- for column, data_type in columns.items() %}
            cast(null as {{ data_type }}) as {{ column }}{{ "," if not loop.last }}
            {%- endfor %}
        where false
    {%- endif -%}
{%- endmacro %}
