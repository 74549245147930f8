{#-
    The record of the export a staged row came from: 1 for the first record after the header,
    read off a staging table (for use in a query over one of the stg_shop_export__ tables).

    A staging model only types the records of its CSV file, one row per record, so DuckDB
    writes the table in file order (it keeps insertion order) and a row's rowid counts the
    records after the header. Numbering them while reading, `row_number() over ()`, would make
    DuckDB parse each export on one thread; the rowid costs nothing.
    Unit tests, whose fixtures are not tables, override this macro: `row_number() over ()`
    numbers their fixture rows from 1.
-#}
{% macro source_record_number() -%}
    rowid + 1
{%- endmacro %}

{#-
    A record's line in its file is not always its number + 1: a blank line (DuckDB skips it)
    or a quoted value with a line break shifts the records after it. The line map
    stg_shop_export__line_offsets says by how much, from which record on; usually it is empty.
    This is the select that gives every row of `relation` (with a column source_file and the
    record number in `record_column`) its source_line_number, as `grep -n` shows it: meant for
    the few rows that need a line (set-aside rows, parse problems, the first copy of a
    duplicate), not for every staged row.
-#}
{% macro with_source_line_numbers(relation, record_column='source_record_number') -%}
    select
        located.*,
        located.{{ record_column }}
        + coalesce(line_offsets.line_offset, 1) as source_line_number
    from {{ relation }} as located
    asof left join {{ ref('stg_shop_export__line_offsets') }} as line_offsets
        on
            located.source_file = line_offsets.source_file
            and located.{{ record_column }} >= line_offsets.first_record
{%- endmacro %}
