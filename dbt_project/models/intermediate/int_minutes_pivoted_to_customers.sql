-- Minutes on the site, one row per customer and month, turned into one row per customer.

with

minutes as (

    select
        customer_id,
        period,
        minutes
    from {{ ref('int_monthly_minutes_screened') }}
    where is_kept

),

pivoted as (

    select
        customer_id,
        max(minutes) filter (
            where period = 'previous_month'
        ) as minutes_previous_month,
        max(minutes) filter (
            where period = 'current_month'
        ) as minutes_current_month
    from minutes
    group by customer_id

)

select * from pivoted
