{#-
    The staging model of one export, from its declaration (export_columns): every declared
    column typed and renamed, known values mapped to their canonical value, and parse_problems
    naming what does not parse. One row per record of the file, in file order (no window, no
    join: DuckDB reads the file on every thread and keeps its order, see source_record_number).

    - An optional declared column (required: false) the file lacks is added, empty (union by
      name): an export to be scored has no label. A required column is never made up: the file
      lacks it only where DuckDB reads its header otherwise than oneclick's raw-file check did
      (lines deep in the file that do not fit the header), and then the build stops on DuckDB's
      own error about the file, translated (warehouse/failures.py), instead of staging empty
      rows.
    - A number's text is cleaned and cast once (read_number), in a column of its own.
    - Columns go by their staged names from the start (raw_<name>): a header that is also a
      staged name cannot make a reference ambiguous.
-#}
{% macro stage_export(table_name) -%}
    {%- set columns = export_columns(table_name) -%}
    {%- set numbers = [] -%}
    {%- for column in columns if column.type in ('id', 'integer', 'decimal')
        and not column['values'] -%}
        {%- do numbers.append(column) -%}
    {%- endfor %}

with

source as (

    select * from {{ source('shop_export', table_name) }}

),

complete as (

    select * from source
    union all by name
    select
        {%- for column in columns if not column.required %}
        null::varchar as "{{ column.header }}",
        {%- endfor %}
        {%- for column in columns if column.required %}
        "{{ column.header }}"{{ "," if not loop.last }}
        {%- endfor %}
    from source
    where false

),

-- Each column under its staged name (raw_*), and each number's text read once (number_of_*).
texts as (

    {%- set texts = [] %}
    {%- for column in columns %}
        {%- do texts.append('"' ~ column.header ~ '" as ' ~ raw_column(column)) %}
        {%- if column in numbers %}
            {%- do texts.append(
                read_number('"' ~ column.header ~ '"') ~ ' as ' ~ number_column(column)
            ) %}
        {%- endif %}
    {%- endfor %}
    select
        {{ texts | join(',\n        ') }}
    from complete

),

parsed as (

    select
        *,
        {%- for column in columns %}
        {{ parse_declared(column) }} as {{ column.name }}{{ "," if not loop.last }}
        {%- endfor %}
    from texts

),

staged as (

    select
        {%- for kind, kind_columns in columns_by_kind(columns) %}

        ---------- {{ kind }}
        {%- for column in kind_columns %}
        {{ column.name }},
        {%- endfor %}
        {%- endfor %}

        ---------- what did not parse
        {%- set problems = [] %}
        {%- for column in columns %}
            {%- do problems.append(parse_problem(
                column, raw_column(column), number_column(column), column.name
            )) %}
        {%- endfor %}
        {{ parse_problems(problems) }} as parse_problems

    from parsed

)

select * from staged
{%- endmacro %}

{#- The column holding a declared column's text, and read_number's value of a number column. -#}
{% macro raw_column(column) -%}
    raw_{{ column.name }}
{%- endmacro %}

{% macro number_column(column) -%}
    number_of_{{ column.name }}
{%- endmacro %}

{#- The staged value of one declared column, typed. -#}
{% macro parse_declared(column) -%}
    {%- set sql_type = staged_type(column.type) -%}
    {%- if column['values'] -%}
        cast({{ map_declared_values(raw_column(column), column['values']) }} as {{ sql_type }})
    {%- elif column.type == 'id' -%}
        {{ parse_integer(number_column(column), max_id()) }}
    {%- elif column.type == 'integer' -%}
        cast({{ parse_integer(number_column(column)) }} as integer)
    {%- elif column.type == 'decimal' -%}
        {{ parse_decimal(number_column(column)) }}
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "column '" ~ column.header ~ "': a " ~ column.type ~ " column needs its values"
        ) }}
    {%- endif -%}
{%- endmacro %}

{#-
    The staged columns grouped by kind, in the order staging models list them: ids (keys that
    are not periods), the label, categories (text), numerics, booleans. Pairs of (kind, columns).
-#}
{% macro columns_by_kind(columns) -%}
    {%- set kinds = {'ids': [], 'label': [], 'categories': [], 'numerics': [], 'booleans': []} -%}
    {%- for column in columns -%}
        {%- if 'label' in column.roles -%}
            {%- do kinds['label'].append(column) -%}
        {%- elif column.type == 'id' -%}
            {%- do kinds['ids'].append(column) -%}
        {%- elif column.type == 'text' -%}
            {%- do kinds['categories'].append(column) -%}
        {%- elif column.type == 'boolean' -%}
            {%- do kinds['booleans'].append(column) -%}
        {%- else -%}
            {%- do kinds['numerics'].append(column) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set pairs = [] -%}
    {%- for kind in ['ids', 'label', 'categories', 'numerics', 'booleans'] if kinds[kind] -%}
        {%- do pairs.append((kind, kinds[kind])) -%}
    {%- endfor -%}
    {{ return(pairs) }}
{%- endmacro %}
