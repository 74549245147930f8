{#-
    Screens the staged rows of one export and says, for every row, whether it is kept and if not
    why. Nothing is dropped here: a row comes out once, with rejection_reason null (kept) or set.

    - a row that does not parse (the build fails on it too, see has_no_parse_problems)
    - a conflicting duplicate: the same key with different values; no copy can be trusted,
      so every copy is set aside
    - an exact duplicate: the same key and values as an earlier line; the first copy is kept
    - a value out of its range (a rule from range_rules: (condition that is wrong, reason))

    The columns come from export_columns(source_file), keys first; key_count says how many of
    them make the key.
-#}
{% macro screen_rows(staged_relation, source_file, key_count, range_rules=[]) -%}
    {%- set columns = export_columns(source_file) -%}
    {%- set key_columns = columns[:key_count] | map(attribute=0) | list -%}
    {%- set value_columns = columns[key_count:] | map(attribute=0) | list -%}
    {%- set key_label = columns[:key_count] | map(attribute=1) | join(' + ') -%}

with

staged as (

    select * from {{ staged_relation }}

),

compared as (

    select
        *,
        count(distinct ({{ value_columns | join(', ') }})) over (
            partition by {{ key_columns | join(', ') }}
        ) as versions,
        row_number() over (
            partition by {{ key_columns | join(', ') }}
            order by source_line_number
        ) as copy_number,
        min(source_line_number) over (
            partition by {{ key_columns | join(', ') }}
        ) as first_line_number
    from staged

),

screened as (

    select
        * exclude (versions, copy_number, first_line_number),
        '{{ source_file }}' as source_file,
        case
            when parse_problems is not null
                then 'does not parse: ' || parse_problems
            when versions > 1
                then 'conflicting duplicate: ' || versions
                    || ' different rows for the same {{ key_label }}'
            when copy_number > 1
                then 'exact duplicate of line ' || first_line_number
            {%- for condition, reason in range_rules %}
            when {{ condition }}
                then '{{ reason | replace("'", "''") }}'
            {%- endfor %}
        end as rejection_reason
    from compared

)

select
    *,
    rejection_reason is null as is_kept
from screened
{%- endmacro %}
