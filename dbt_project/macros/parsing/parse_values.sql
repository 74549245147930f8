{#-
    Typed values from the exports' text. Sources are read with all_varchar, so one parser
    accepts every dialect a real export comes in: "4,16" and "4.16", "3" and "3.0".
    A value that does not parse becomes null here and is reported by parse_problem().

    A number column's text is cleaned and cast once (read_number, in a column of its own); the
    decimal and the whole number are read off that value, and so is what is wrong with it.
-#}

{#- The text as a double: trimmed, a `,` decimal separator read as `.`; null when no number. -#}
{% macro read_number(column) -%}
    try_cast(replace(trim({{ column }}), ',', '.') as double)
{%- endmacro %}

{#- A decimal from read_number's value: null for NaN and infinity as for no number. -#}
{% macro parse_decimal(number) -%}
    case when isfinite({{ number }}) then {{ number }} end
{%- endmacro %}

{#-
    A whole number from read_number's value: DuckDB casts 1.5 to the integer 2, so the value is
    checked to be whole first; and one outside [-max_value, max_value] is refused rather than
    cast, so a value such as 99999999999999999999 is a parse problem with its file and line, not
    a conversion error. The default bound is the largest INTEGER; ids take up to 2^53, the
    largest whole number a double holds exactly.
-#}
{% macro parse_integer(number, max_value=2147483647) -%}
    case
        when
            isfinite({{ number }})
            and {{ number }} = round({{ number }})
            and abs({{ number }}) <= {{ max_value }}
            then cast({{ number }} as bigint)
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

{#-
    The canonical value of a column of known values, as text: `values` maps each canonical value
    to the spellings the exports use for it (a declared column's `values`); null for a spelling
    nobody listed. A spelling listed for two values is an error in the declaration.
-#}
{% macro map_declared_values(column, values) -%}
    {%- set seen = {} -%}
    case {{ category_key(column) }}
        {%- for canonical_value, spellings in values.items() %}
            {%- for spelling in spellings %}
                {%- set key = spelling | string | trim | lower -%}
                {%- if key in seen -%}
                    {{ exceptions.raise_compiler_error(
                        "the spelling '" ~ spelling ~ "' is declared for both '" ~ seen[key]
                        ~ "' and '" ~ canonical_value ~ "'"
                    ) }}
                {%- endif -%}
                {%- do seen.update({key: canonical_value}) %}
            when {{ sql_literal(key) }} then {{ sql_literal(canonical_value | string) }}
            {%- endfor %}
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
    What is wrong with one raw value of a declared column (see export_columns), as text for a
    person, or null when nothing is. raw: the column holding its text; number: the column holding
    read_number's value of it (for number types); parsed: the staged column (null when the raw
    value did not parse), so nothing is parsed twice.
-#}
{% macro parse_problem(column, raw, number, parsed) -%}
    {%- set label = column.header | replace("'", "''") -%}
    {%- set shown = "'" ~ label ~ ": \"' || trim(" ~ raw ~ ") || '\"" -%}
    case
        {#- Every problem below leaves the value null (an empty text does not parse either), so
            a value that parsed is looked at no further. DuckDB then trims and compares no text
            of a clean row here: the four staging models of a million customers take 6.7 s of
            DuckDB's time instead of 9.5 s. #}
            when {{ parsed }} is not null then null
        {%- if column.required %}
            when {{ raw }} is null or trim({{ raw }}) = ''
                then '{{ label }}: empty'
        {%- else %}
            when {{ raw }} is null or trim({{ raw }}) = '' then null
        {%- endif %}
        {%- if column['values'] %}
            {%- set lookalike = map_declared_values(
                latin_lookalikes_to_cyrillic(raw), column['values']
            ) %}
            when {{ parsed }} is null and {{ lookalike }} is not null
                then {{ shown }} has Latin letters that look Cyrillic ("'
                    || regexp_replace(trim({{ raw }}), '[^A-Za-z]', '', 'g')
                    || '"); the known value is "' || {{ lookalike }} || '"'
            when {{ parsed }} is null
                then '{{ label }}: unknown value "' || trim({{ raw }}) || '"'
        {%- elif column.type == 'decimal' %}
            when {{ parsed }} is null
                then {{ shown }} is not a number'
        {%- else %}
            {%- set bound = max_id() if column.type == 'id' else 2147483647 %}
            when {{ parsed }} is null and not coalesce(isfinite({{ number }}), false)
                then {{ shown }} is not a number'
            when {{ parsed }} is null and {{ number }} != round({{ number }})
                then {{ shown }} is not a whole number'
            when {{ parsed }} is null
                then {{ shown }} is out of range: expected a whole number '
                    || 'from -{{ bound | trim }} to {{ bound | trim }}'
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
{% macro parse_problems(problems) -%}
    nullif(concat_ws(
        '; ',
        {%- for problem in problems %}
        {{ problem }}{{ "," if not loop.last }}
        {%- endfor %}
    ), '')
{%- endmacro %}
