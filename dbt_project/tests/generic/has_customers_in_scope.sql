{#-
    Fails when the model (the feature mart) has no row: no customer is in scope, and a build
    with nothing to score never publishes, whatever option is given. The failing rows say why,
    from the scope of every customer (scope_relation): each reason and how many customers it
    left out, the largest first.
-#}
{% test has_customers_in_scope(model, scope_relation) %}

with

scope_reasons as (

    select
        scope_status,
        coalesce(scope_reason, scope_status) as scope_reason,
        count(*) as customers
    from {{ scope_relation }}
    group by all

),

explanations as (

    select
        customers,
        'no customer is in scope: ' || customers || ' customer(s) '
        || scope_status || ': ' || scope_reason as problem
    from scope_reasons

    union all

    select
        0 as customers,
        'no customer is in scope: the exports have no customer' as problem
    where not exists (select 1 from scope_reasons)

)

select problem
from explanations
where not exists (select 1 from {{ model }})
order by customers desc, problem

{% endtest %}
