{#-
    Fails on every staged row with a value that does not parse or a category nobody mapped,
    and names the file, the line and what is wrong, so a person can find the row.
-#}
{% test has_no_parse_problems(model, source_file) %}

select
    '{{ source_file }}' as source_file,
    {{ source_line_number() }} as source_line_number,
    parse_problems
from {{ model }}
where parse_problems is not null
order by source_line_number

{% endtest %}
