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

{#-
    A whole number: DuckDB casts '1.5' to the integer 2, so the value is checked to be whole
    first; and one outside [-max_value, max_value] is refused rather than cast, so a value
    such as 99999999999999999999 is a parse problem with its file and line, not a conversion
    error. The default bound is the largest INTEGER; ids take up to 2^53, the largest whole
    number a double holds exactly.
-#}
{% macro parse_integer(column, max_value=2147483647) -%}
    case
        when
            {{ parse_decimal(column) }} = round({{ parse_decimal(column) }})
            and abs({{ parse_decimal(column) }}) <= {{ max_value }}
            then cast({{ parse_decimal(column) }} as bigint)
    end
{%- endmacro %}

{#- The bound parse_integer applies to ids. -#}
{% macro max_id() -%}
    9007199254740992
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
    column_name: the export's own header; kind: 'decimal', 'integer', 'id', or the name of a map
    in raw_value_maps.sql; parsed: the staged column holding the parsed value (null when the raw
    value did not parse), so nothing is parsed twice.
-#}
{% macro parse_problem(column_name, kind, parsed, required=true) -%}
    {%- set column = '"' ~ column_name ~ '"' -%}
    {%- set label = column_name | replace("'", "''") -%}
    {%- set shown = "'" ~ label ~ ": \"' || trim(" ~ column ~ ") || '\"" -%}
    case
        {%- if required %}
            when {{ column }} is null or trim({{ column }}) = ''
                then '{{ label }}: empty'
        {%- else %}
            when {{ column }} is null or trim({{ column }}) = '' then null
        {%- endif %}
        {%- if kind == 'decimal' %}
            when {{ parsed }} is null
                then {{ shown }} is not a number'
        {%- elif kind in ('integer', 'id') %}
            {%- set bound = max_id() if kind == 'id' else 2147483647 %}
            when {{ parsed }} is null and {{ parse_decimal(column) }} is null
                then {{ shown }} is not a number'
            when {{ parsed }} is null
                and {{ parse_decimal(column) }} != round({{ parse_decimal(column) }})
                then {{ shown }} is not a whole number'
            when {{ parsed }} is null
                then {{ shown }} is out of range: expected a whole number '
                    || 'from -{{ bound | trim }} to {{ bound | trim }}'
        {%- else %}
            {%- set lookalike = map_raw_value(latin_lookalikes_to_cyrillic(column), kind) %}
            when {{ parsed }} is null and {{ lookalike }} is not null
                then {{ shown }} has Latin letters that look Cyrillic ("'
                    || regexp_replace(trim({{ column }}), '[^A-Za-z]', '', 'g')
                    || '"); the known value is "' || {{ lookalike }} || '"'
            when {{ parsed }} is null
                then '{{ label }}: unknown value "' || trim({{ column }}) || '"'
        {%- endif %}
    end
{%- endmacro %}

{#-
    The value with each Latin letter that looks like a Cyrillic one replaced by it
    ("Дoмашний" with a Latin "o" becomes "Домашний"): a typist's slip that a category lookup
    would otherwise call an unknown value without a hint.
-#}
{% macro latin_lookalikes_to_cyrillic(column) -%}
    translate({{ column }}, 'aceopxykACEOPXYKHMTB', 'асеорхукАСЕОРХУКНМТВ')
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
