-- Revenue, one row per customer and month, turned into one row per customer with a column a
-- month. A month the export lacks stays null here; int_customers_scoped says so.

with

revenues as (

    select * from {{ ref('int_revenues_outliers_replaced') }}

),

pivoted as (

    select
        customer_id,
        max(revenue) filter (
            where period = 'two_months_ago'
        ) as revenue_two_months_ago,
        max(revenue) filter (
            where period = 'previous_month'
        ) as revenue_previous_month,
        max(revenue) filter (
            where period = 'current_month'
        ) as revenue_current_month,
        bool_or(is_revenue_replaced) as has_imputed_revenue
    from revenues
    group by customer_id

)

select * from pivoted
