{#-
    Fails when the model does not have as many rows as another relation: the reconciliation
    from one layer to the next. Both sides may be narrowed by a where clause.
-#}
{% test row_count_matches(model, compare_to, where_model=none, where_compare=none) %}

with

model_rows as (

    select count(*) as row_count
    from {{ model }}
    where {{ where_model or 'true' }}

),

compared_rows as (

    select count(*) as row_count
    from {{ compare_to }}
    where {{ where_compare or 'true' }}

)

select
    model_rows.row_count as model_row_count,
    compared_rows.row_count as compared_row_count
from model_rows
cross join compared_rows
where model_rows.row_count != compared_rows.row_count

{% endtest %}
