-- One row per customer id found in any export (kept rows only), with what each export
-- holds for it. A customer is complete when market_file.csv has it, market_money.csv has all
-- three months, market_time.csv both months and money.csv its profit.

with

-- Every kept row of the four exports, reduced to its customer and what it holds (union by
-- name leaves the other exports' columns null). One aggregate over them costs far less than
-- de-duplicating the ids and joining each export back.
export_rows as (

    select
        customer_id,
        true as is_market_file_row
    from {{ ref('int_customers_screened') }}
    where is_kept

    union all by name

    select
        customer_id,
        period as revenue_period
    from {{ ref('int_monthly_revenues_screened') }}
    where is_kept

    union all by name

    select
        customer_id,
        period as minutes_period
    from {{ ref('int_monthly_minutes_screened') }}
    where is_kept

    union all by name

    select
        customer_id,
        true as is_money_row
    from {{ ref('int_profits_screened') }}
    where is_kept

),

per_customer as (

    select
        customer_id,
        count(*) filter (where is_market_file_row) > 0 as is_in_market_file,
        count(*) filter (where is_money_row) > 0 as has_profit,
        count(*) filter (where revenue_period = 'two_months_ago') > 0 as has_revenue_two_months_ago,
        count(*) filter (where revenue_period = 'previous_month') > 0 as has_revenue_previous_month,
        count(*) filter (where revenue_period = 'current_month') > 0 as has_revenue_current_month,
        count(*) filter (where minutes_period = 'previous_month') > 0 as has_minutes_previous_month,
        count(*) filter (where minutes_period = 'current_month') > 0 as has_minutes_current_month
    from export_rows
    group by customer_id

),

matched as (

    select
        customer_id,
        is_in_market_file,
        has_profit,
        nullif(concat_ws(
            ', ',
            case when not has_revenue_two_months_ago then 'two_months_ago' end,
            case when not has_revenue_previous_month then 'previous_month' end,
            case when not has_revenue_current_month then 'current_month' end
        ), '') as missing_revenue_periods,
        nullif(concat_ws(
            ', ',
            case when not has_minutes_previous_month then 'previous_month' end,
            case when not has_minutes_current_month then 'current_month' end
        ), '') as missing_minutes_periods
    from per_customer

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
