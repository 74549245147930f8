{#- The query of the column_checks test (tests/generic/column_checks.sql): a union of one
    select per check, each returning the rows that break it. -#}
{% macro column_checks_query(
    model,
    primary_key,
    unique_combination,
    unique,
    not_null,
    accepted_values,
    values_between
) %}
{% if primary_key is none and unique_combination is none %}
    {{ exceptions.raise_compiler_error(
        "column_checks on " ~ model ~ " needs the model's key: primary_key or unique_combination"
    ) }}
{% endif %}

{#- (check, column) pairs: the key first, then each column of each list or mapping. -#}
{% set checks = [] %}
{% for check, key in [("primary_key", primary_key), ("unique_combination", unique_combination)] %}
    {% if key is not none %}{% do checks.append((check, key)) %}{% endif %}
{% endfor %}
{% set listed = {
    "unique": unique,
    "not_null": not_null,
    "accepted_values": accepted_values,
    "values_between": values_between,
} %}
{% for check, columns in listed.items() %}
    {% for column in columns %}{% do checks.append((check, column)) %}{% endfor %}
{% endfor %}

{#- Each check is one select: what it shows of a failing row, which rows fail, and whether
    they are counted per value (grouped) as dbt's unique and accepted_values tests count them. -#}
{% for check, column in checks %}
    {% set columns = column | join(", ") if check == "unique_combination" else column %}
    {% set value, where, grouped, having = columns, none, true, "count(*) > 1" %}
    {% if check == "primary_key" %}
        {% set having = columns ~ " is null or count(*) > 1" %}
    {% elif check == "unique_combination" %}
        {% set value = "row(" ~ columns ~ ")" %}
    {% elif check == "unique" %}
        {% set where = columns ~ " is not null" %}
    {% elif check == "not_null" %}
        {% set value, where, grouped = "null", columns ~ " is null", false %}
    {% elif check == "accepted_values" %}
        {% set quoted = [] %}
        {% for accepted in accepted_values[column] %}
            {% do quoted.append("'" ~ accepted ~ "'") %}
        {% endfor %}
        {% set where, having = columns ~ " not in (" ~ quoted | join(", ") ~ ")", none %}
    {% elif check == "values_between" %}
        {% set min_value, max_value = values_between[column] %}
        {% set where = columns ~ " < " ~ min_value ~ " or " ~ columns ~ " > " ~ max_value %}
        {% set grouped = false %}
    {% endif %}
{%- if not loop.first %}
union all
{% endif %}
select
    '{{ check }}' as check_name,
    '{{ columns }}' as column_name,
    cast({{ value }} as varchar) as failing_value,
    {{ "count(*)" if grouped else "1" }} as occurrences
from {{ model }}
{% if where %}where {{ where }}{% endif %}
{% if grouped %}group by {{ columns }}{% endif %}
{% if grouped and having %}having {{ having }}{% endif %}
{% endfor %}
{% endmacro %}
