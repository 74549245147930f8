{#-
    The line of the export a staged row came from (the header is line 1), read off a staging
    table: for use in a query over one of the stg_shop_export__ tables.

    A staging model only types the lines of its CSV file, one row per line, so DuckDB writes
    the table in file order (it keeps insertion order) and a row's rowid counts the lines after
    the header. Numbering the lines while reading, `row_number() over ()`, would make DuckDB
    parse each export on one thread; the rowid costs nothing.
    Unit tests, whose fixtures are not tables, override this macro: `row_number() over () + 1`
    numbers their fixture rows from line 2.
-#}
{% macro source_line_number() -%}
    rowid + 2
{%- endmacro %}
