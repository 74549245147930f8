{#-
    Typed values from the exports' text. Sources are read with all_varchar, so one parser
    accepts every dialect a real export comes in: "4,16" and "4.16", "3" and "3.0".
    A value that does not parse becomes null here and is reported by parse_problem().
-#}

{% macro parse_decimal(column) -%}
    case
        when isfinite(try_cast(replace(trim({{ column }}), ',', '.') as double))
            then try_cast(replace(trim({{ column }}), ',', '.') as double)
    end
{%- endmacro %}

{#- DuckDB casts '1.5' to the integer 2; a count must be whole, so check before casting. -#}
{% macro parse_integer(column) -%}
    case
        when {{ parse_decimal(column) }} = round({{ parse_decimal(column) }})
            then cast({{ parse_decimal(column) }} as bigint)
    end
{%- endmacro %}

{#- The key used to look a category up: case and surrounding spaces do not make a new value. -#}
{% macro category_key(column) -%}
    lower(trim({{ column }}))
{%- endmacro %}

{#- Canonical value of a category column by one of the maps in raw_value_maps.sql. -#}
{% macro map_raw_value(column, map_name) -%}
    {%- set value_map = raw_value_map(map_name) -%}
    case {{ category_key(column) }}
        {%- for raw_value, canonical_value in value_map.items() %}
            when {{ sql_literal(raw_value) }} then {{ sql_literal(canonical_value) }}
        {%- endfor %}
    end
{%- endmacro %}

{#- A SQL literal for a Python/Jinja value (strings are quoted, quotes doubled). -#}
{% macro sql_literal(value) -%}
    {%- if value is none -%}
        null
    {%- elif value is sameas true or value is sameas false -%}
        {{ value | string | lower }}
    {%- elif value is number -%}
        {{ value }}
    {%- else -%}
        '{{ value | replace("'", "''") }}'
    {%- endif -%}
{%- endmacro %}

{#-
    What is wrong with one raw value, as text for a person, or null when nothing is.
    column_name: the export's own header; kind: 'decimal', 'integer', or the name of a map in
    raw_value_maps.sql; parsed: the staged column holding the parsed value (null when the raw
    value did not parse), so nothing is parsed twice.
-#}
{% macro parse_problem(column_name, kind, parsed, required=true) -%}
    {%- set column = '"' ~ column_name ~ '"' -%}
    {%- set label = column_name | replace("'", "''") -%}
    {%- set problem = {
        'decimal': '" is not a number',
        'integer': '" is not a whole number',
    }.get(kind) -%}
    case
        {%- if required %}
            when {{ column }} is null or trim({{ column }}) = ''
                then '{{ label }}: empty'
        {%- else %}
            when {{ column }} is null or trim({{ column }}) = '' then null
        {%- endif %}
            when {{ parsed }} is null
                {%- if problem %}
                then '{{ label }}: "' || trim({{ column }}) || '{{ problem }}'
                {%- else %}
                then '{{ label }}: unknown value "' || trim({{ column }}) || '"'
                {%- endif %}
    end
{%- endmacro %}

{#- All problems of one row, joined, or null when the row parses cleanly. -#}
{% macro parse_problems(checks) -%}
    nullif(concat_ws(
        '; ',
        {%- for check in checks %}
        {{ parse_problem(*check) }}{{ "," if not loop.last }}
        {%- endfor %}
    ), '')
{%- endmacro %}
