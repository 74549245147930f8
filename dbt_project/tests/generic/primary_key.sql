{#-
    Fails on every value of the column that is null or occurs more than once: dbt's `unique`
    and `not_null` in one scan of the model, and one test node instead of two.
-#}
{% test primary_key(model, column_name) %}

select
    {{ column_name }},
    count(*) as occurrences
from {{ model }}
group by {{ column_name }}
having {{ column_name }} is null or count(*) > 1

{% endtest %}
