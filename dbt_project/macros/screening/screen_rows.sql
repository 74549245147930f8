{#-
    Screens the staged rows of one export and says, for every row, whether it is kept and if not
    why. Nothing is dropped here: a row comes out once, with rejection_reason null (kept) or set.

    - a row that does not parse (the build fails on it too, see has_no_parse_problems)
    - a conflicting duplicate: the same key with different values; no copy can be trusted,
      so every copy is set aside
    - an exact duplicate: the same key and values as an earlier record; the first copy is kept,
      and the reason names its line in the file (through the line map, for these few rows)
    - a value out of its declared range (export_range_rules)

    Everything comes from the export's declaration (export_columns): the key is its columns of
    role key, and every other declared column is a value, so two rows are exact duplicates only
    when all the export's columns agree.
-#}
{% macro screen_rows(staged_relation, table_name) -%}
    {%- set source_file = export_file_name(table_name) -%}
    {%- set keys = export_key_columns(table_name) -%}
    {%- set key_columns = keys | map(attribute='name') | list -%}
    {%- set key_label = keys | map(attribute='header') | join(' + ') -%}
    {%- set value_columns = [] -%}
    {%- for column in export_columns(table_name) if column.name not in key_columns -%}
        {%- do value_columns.append(column.name) -%}
    {%- endfor -%}

with

staged as (

    select
        {{ source_record_number() }} as source_record_number,
        *,
        hash({{ value_columns | join(', ') }}) as values_hash
    from {{ staged_relation }}

),

-- The keys that occur more than once, few in a sound export: a hash aggregate, and a join
-- against what it finds, cost far less than windows over every row.
repeated_keys as (

    select
        {{ key_columns | join(',\n        ') }},
        count(*) as copies,
        min(values_hash) != max(values_hash) as has_conflicting_values,
        min(source_record_number) as first_record_number,
        '{{ source_file }}' as source_file
    from staged
    group by {{ key_columns | join(', ') }}
    having count(*) > 1

),

-- The line of each repeated key's first copy, for the message of its exact duplicates.
repeated_keys_located as (

    {{ with_source_line_numbers('repeated_keys', 'first_record_number') }}

),

compared as (

    select
        staged.* exclude (values_hash),
        repeated_keys.copies,
        repeated_keys.has_conflicting_values,
        repeated_keys.first_record_number,
        repeated_keys.source_line_number as first_line_number
    from staged
    left join repeated_keys_located as repeated_keys
        on
            {%- for key in key_columns %}
            staged.{{ key }} is not distinct from repeated_keys.{{ key }}
            {%- if not loop.last %} and{% endif %}
            {%- endfor %}

),

screened as (

    select
        * exclude (
            copies, has_conflicting_values, first_record_number, first_line_number
        ),
        '{{ source_file }}' as source_file,
        case
            when parse_problems is not null
                then 'does not parse: ' || parse_problems
            when has_conflicting_values
                then 'conflicting duplicate: ' || copies
                    || ' rows for the same {{ key_label }} with different values'
            when source_record_number != first_record_number
                then 'exact duplicate of line ' || first_line_number
            {%- for condition, reason in export_range_rules(table_name) %}
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
