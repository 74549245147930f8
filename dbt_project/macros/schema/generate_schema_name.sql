{#-
    Schemas are exactly the names set in dbt_project.yml (staging, intermediate, ml, marts),
    not dbt's default "<target schema>_<custom schema>": analysts and BI tools look for `marts`.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
