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

{% set checks = [] %}
{% if primary_key is not none %}
    {% do checks.append(("primary_key", primary_key)) %}
{% endif %}
{% if unique_combination is not none %}
    {% do checks.append(("unique_combination", unique_combination)) %}
{% endif %}
{% for column in unique %}
    {% do checks.append(("unique", column)) %}
{% endfor %}
{% for column in not_null %}
    {% do checks.append(("not_null", column)) %}
{% endfor %}
{% for column in accepted_values %}
    {% do checks.append(("accepted_values", column)) %}
{% endfor %}
{% for column in values_between %}
    {% do checks.append(("values_between", column)) %}
{% endfor %}

{% for check, column in checks %}
{%- if not loop.first %}
union all
{% endif -%}
{%- if check == "primary_key" %}
select
    'primary_key' as check_name,
    '{{ column }}' as column_name,
    cast({{ column }} as varchar) as failing_value,
    count(*) as occurrences
from {{ model }}
group by {{ column }}
having {{ column }} is null or count(*) > 1
{%- elif check == "unique_combination" %}
select
    'unique_combination' as check_name,
    '{{ column | join(", ") }}' as column_name,
    cast(row({{ column | join(", ") }}) as varchar) as failing_value,
    count(*) as occurrences
from {{ model }}
group by {{ column | join(", ") }}
having count(*) > 1
{%- elif check == "unique" %}
select
    'unique' as check_name,
    '{{ column }}' as column_name,
    cast({{ column }} as varchar) as failing_value,
    count(*) as occurrences
from {{ model }}
where {{ column }} is not null
group by {{ column }}
having count(*) > 1
{%- elif check == "not_null" %}
select
    'not_null' as check_name,
    '{{ column }}' as column_name,
    cast(null as varchar) as failing_value,
    1 as occurrences
from {{ model }}
where {{ column }} is null
{%- elif check == "accepted_values" %}
select
    'accepted_values' as check_name,
    '{{ column }}' as column_name,
    cast({{ column }} as varchar) as failing_value,
    count(*) as occurrences
from {{ model }}
where {{ column }} not in (
    {%- for value in accepted_values[column] -%}
        '{{ value }}'{{ ", " if not loop.last }}
    {%- endfor -%}
)
group by {{ column }}
{%- elif check == "values_between" %}
{%- set min_value, max_value = values_between[column] %}
select
    'values_between' as check_name,
    '{{ column }}' as column_name,
    cast({{ column }} as varchar) as failing_value,
    1 as occurrences
from {{ model }}
where {{ column }} < {{ min_value }} or {{ column }} > {{ max_value }}
{%- endif %}
{% endfor %}
{% endmacro %}
