{#-
    A row's values as text for a person, labelled with the export's own headers, in the order of
    its declaration (export_columns): `id=215348, …`.
-#}
{% macro describe_values(table_name, relation_alias) -%}
    concat_ws(
        ', ',
        {%- for column in export_columns(table_name) %}
        '{{ column.header | replace("'", "''") }}=' || coalesce({{ relation_alias }}.{{ column.name }}::varchar, '∅')
        {{- "," if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}

{#- The staging model of each export file, in the order of the exports. -#}
{% macro staged_exports() -%}
    {{ return({
        "market_file.csv": "stg_shop_export__customers",
        "market_money.csv": "stg_shop_export__monthly_revenues",
        "market_time.csv": "stg_shop_export__monthly_minutes",
        "money.csv": "stg_shop_export__profits",
    }) }}
{%- endmacro %}
