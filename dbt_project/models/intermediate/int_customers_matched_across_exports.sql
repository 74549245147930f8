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
        list(period) as periods
    from {{ ref('int_monthly_revenues_screened') }}
    where is_kept
    group by customer_id

),

minutes_periods as (

    select
        customer_id,
        list(period) as periods
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
        list_filter(
            ['two_months_ago', 'previous_month', 'current_month'],
            expected -> not list_contains(
                coalesce(revenue_periods.periods, []), expected
            )
        ) as missing_revenue_periods,
        list_filter(
            ['previous_month', 'current_month'],
            expected -> not list_contains(
                coalesce(minutes_periods.periods, []), expected
            )
        ) as missing_minutes_periods
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
        customer_id,
        is_in_market_file,
        has_profit,
        -- Lists are folded into text: a table that holds LIST columns does not open in
        -- DuckDB 1.0 clients (BI drivers), even with storage compatibility v1.0.0.
        nullif(array_to_string(missing_revenue_periods, ', '), '')
            as missing_revenue_periods,
        nullif(array_to_string(missing_minutes_periods, ', '), '')
            as missing_minutes_periods,
        nullif(concat_ws(
            '; ',
            case
                when not is_in_market_file then 'no row in market_file.csv'
            end,
            case
                when len(missing_revenue_periods) > 0
                    then 'no market_money.csv row for '
                        || array_to_string(missing_revenue_periods, ', ')
            end,
            case
                when len(missing_minutes_periods) > 0
                    then 'no market_time.csv row for '
                        || array_to_string(missing_minutes_periods, ', ')
            end,
            case when not has_profit then 'no row in money.csv' end
        ), '') as missing_data
    from matched

)

select * from described
