{#-
    The exports as the `shop_export` source declares them (_shop_export__sources.yml: every
    column's header, name, type, values, range and role in its `meta`), read from dbt's graph.

    The graph holds the declaration only while dbt executes. While it parses (or sqlfluff lints
    a model) these macros return a stand-in, a key and one value column, which keeps the SQL that
    calls them whole: dbt throws that SQL away, and only its ref() and source() calls count.
-#}

{#- The file of an export of the source: `market_file` is read from market_file.csv. -#}
{% macro export_file_name(table_name) -%}
    {{ return(table_name ~ '.csv') }}
{%- endmacro %}

{#-
    The declared columns of one export (a table of the shop_export source), in the file's order:
    dicts of header (the export's own), name (the staged column), type, values (canonical value:
    spellings), range, roles and required.
-#}
{% macro export_columns(table_name) -%}
    {%- if not execute -%}
        {{ return([
            {'header': 'id', 'name': 'customer_id', 'type': 'id', 'values': {}, 'range': {},
             'roles': ['key'], 'required': true},
            {'header': 'value', 'name': 'value', 'type': 'decimal', 'values': {}, 'range': {'min': 0},
             'roles': [], 'required': true},
        ]) }}
    {%- endif -%}
    {%- set unique_id = 'source.' ~ project_name ~ '.shop_export.' ~ table_name -%}
    {%- if unique_id not in graph.sources -%}
        {{ exceptions.raise_compiler_error(
            "export_columns: the shop_export source declares no table '" ~ table_name ~ "'"
        ) }}
    {%- endif -%}
    {%- set columns = [] -%}
    {%- for header, column in graph.sources[unique_id].columns.items() -%}
        {%- set meta = {} -%}
        {%- do meta.update(column.meta or {}) -%}
        {%- do meta.update((column.config or {}).get('meta') or {}) -%}
        {%- for key in ['column', 'type', 'role'] if key not in meta -%}
            {{ exceptions.raise_compiler_error(
                "shop_export." ~ table_name ~ ", column '" ~ header ~ "': its meta lacks '"
                ~ key ~ "' (see _shop_export__sources.yml)"
            ) }}
        {%- endfor -%}
        {%- do columns.append({
            'header': header,
            'name': meta['column'],
            'type': meta['type'],
            'values': meta.get('values') or {},
            'range': meta.get('range') or {},
            'roles': meta['role'],
            'required': meta.get('required', true),
        }) -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}

{#- The columns a row of the export is unique by (role key), in the file's order. -#}
{% macro export_key_columns(table_name) -%}
    {{ return(export_columns_of_roles(table_name, ['key'])) }}
{%- endmacro %}

{#- The declared columns of an export that have any of `roles`, in the file's order. -#}
{% macro export_columns_of_roles(table_name, roles) -%}
    {%- set found = [] -%}
    {%- for column in export_columns(table_name) if column.roles | select('in', roles) | list -%}
        {%- do found.append(column) -%}
    {%- endfor -%}
    {{ return(found) }}
{%- endmacro %}

{#- The SQL type a declared type is staged as. -#}
{% macro staged_type(declared_type) -%}
    {%- set types = {
        'id': 'bigint', 'integer': 'integer', 'decimal': 'double', 'text': 'varchar',
        'boolean': 'boolean',
    } -%}
    {%- if declared_type not in types -%}
        {{ exceptions.raise_compiler_error(
            "unknown declared type '" ~ declared_type ~ "': expected one of "
            ~ types.keys() | join(', ')
        ) }}
    {%- endif -%}
    {{ return(types[declared_type]) }}
{%- endmacro %}

{#-
    The range rules of an export's columns, in the file's order: (condition that is wrong,
    reason), for screen_rows. Bounds are numbers or settings (vars); the reason is the rule's
    `message`, else «<header> outside [min, max]» (below / above for one bound).
-#}
{% macro export_range_rules(table_name) -%}
    {%- set rules = [] -%}
    {%- for column in export_columns(table_name) if column.range -%}
        {%- set bounds = column.range -%}
        {%- set low = var(bounds.min_setting) if bounds.min_setting else bounds.get('min') -%}
        {%- set high = var(bounds.max_setting) if bounds.max_setting else bounds.get('max') -%}
        {%- if low is not none and high is not none -%}
            {%- set condition = column.name ~ ' not between ' ~ low ~ ' and ' ~ high -%}
            {%- set default = column.header ~ ' outside ' ~ (
                'the plausible range ' if bounds.min_setting else ''
            ) ~ '[' ~ low ~ ', ' ~ high ~ ']' ~ (
                ' (settings ' ~ bounds.min_setting ~ ', ' ~ bounds.max_setting ~ ')'
                if bounds.min_setting else ''
            ) -%}
        {%- elif low is not none -%}
            {%- set condition = column.name ~ ' < ' ~ low -%}
            {%- set default = column.header ~ ' below ' ~ low -%}
        {%- else -%}
            {%- set condition = column.name ~ ' > ' ~ high -%}
            {%- set default = column.header ~ ' above ' ~ high -%}
        {%- endif -%}
        {%- do rules.append((condition, bounds.get('message') or default)) -%}
    {%- endfor -%}
    {{ return(rules) }}
{%- endmacro %}
