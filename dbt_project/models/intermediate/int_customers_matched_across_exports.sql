-- One row per customer id found in any export (kept rows only), with what each export
-- holds for it. A customer is complete when market_file.csv has it, market_money.csv has all
-- three months, market_time.csv both months and money.csv its profit.

with

customers as (

    select customer_id
    from {{ ref('int_customers_screened') }}
    where is_kept

),

revenue_periods as (

    select
        customer_id,
        bool_or(period = 'two_months_ago') as has_two_months_ago,
        bool_or(period = 'previous_month') as has_previous_month,
        bool_or(period = 'current_month') as has_current_month
    from {{ ref('int_monthly_revenues_screened') }}
    where is_kept
    group by customer_id

),

minutes_periods as (

    select
        customer_id,
        bool_or(period = 'previous_month') as has_previous_month,
        bool_or(period = 'current_month') as has_current_month
    from {{ ref('int_monthly_minutes_screened') }}
    where is_kept
    group by customer_id

),

profits as (

    select customer_id
    from {{ ref('int_profits_screened') }}
    where is_kept

),

customer_ids as (

    select customer_id from customers
    union
    select customer_id from revenue_periods
    union
    select customer_id from minutes_periods
    union
    select customer_id from profits

),

matched as (

    select
        customer_ids.customer_id,
        customers.customer_id is not null as is_in_market_file,
        profits.customer_id is not null as has_profit,
        nullif(concat_ws(
            ', ',
            case
                when not coalesce(revenue_periods.has_two_months_ago, false)
                    then 'two_months_ago'
            end,
            case
                when not coalesce(revenue_periods.has_previous_month, false)
                    then 'previous_month'
            end,
            case
                when not coalesce(revenue_periods.has_current_month, false)
                    then 'current_month'
            end
        ), '') as missing_revenue_periods,
        nullif(concat_ws(
            ', ',
            case
                when not coalesce(minutes_periods.has_previous_month, false)
                    then 'previous_month'
            end,
            case
                when not coalesce(minutes_periods.has_current_month, false)
                    then 'current_month'
            end
        ), '') as missing_minutes_periods
    from customer_ids
    left join customers on customer_ids.customer_id = customers.customer_id
    left join revenue_periods
        on customer_ids.customer_id = revenue_periods.customer_id
    left join minutes_periods
        on customer_ids.customer_id = minutes_periods.customer_id
    left join profits on customer_ids.customer_id = profits.customer_id

),

described as (

    select
        *,
        nullif(concat_ws(
            '; ',
            case when not is_in_market_file then 'no row in market_file.csv' end,
            'no market_money.csv row for ' || missing_revenue_periods,
            'no market_time.csv row for ' || missing_minutes_periods,
            case when not has_profit then 'no row in money.csv' end
        ), '') as missing_data
    from matched

)

select * from described
