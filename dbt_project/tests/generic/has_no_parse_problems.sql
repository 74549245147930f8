{#-
    Fails on every staged row with a value that does not parse or a category nobody mapped,
    and names the file, the line (as `grep -n` shows it, through the line map) and what is
    wrong, so a person can find the row.
-#}
{% test has_no_parse_problems(model, source_file) %}

with

problems as (

    select
        '{{ source_file }}' as source_file,
        {{ source_record_number() }} as source_record_number,
        parse_problems
    from {{ model }}
    where parse_problems is not null

),

located as (

    {{ with_source_line_numbers('problems') }}

)

select
    source_file,
    source_line_number,
    parse_problems
from located
order by source_line_number

{% endtest %}
