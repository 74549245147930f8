{#-
    References inside the warehouse leave out the catalog name. DuckDB names the catalog after the
    file, and a view that says "oneclick"."marts"."x" breaks when a BI tool opens a copy or when
    the build's candidate file is published under another name. Without the catalog, a view
    resolves in the file it lives in.
-#}
{% macro ref() -%}
    {%- set relation = builtins.ref(*varargs, **kwargs) -%}
    {%- if relation is not none and relation.database == target.database -%}
        {{ return(relation.include(database=false)) }}
    {%- endif -%}
    {{ return(relation) }}
{%- endmacro %}
