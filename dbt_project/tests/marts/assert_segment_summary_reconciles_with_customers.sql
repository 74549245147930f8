-- Asserts that the summary agrees with the detail: the segments' customers add up to the
-- scored customers, and their total profit and profit at risk to the detail's sums (to the
-- cent). Returns a row when they do not.

with

summary as (

    select
        sum(customers) as customers,
        sum(total_profit) as total_profit,
        sum(profit_at_risk) as profit_at_risk
    from {{ ref('segment_summary') }}

),

detail as (

    select
        count(*) as customers,
        sum(profit) as total_profit,
        sum(profit_at_risk) as profit_at_risk
    from {{ ref('customer_segments') }}

),

scored as (

    select count(*) as customers
    from {{ ref('customer_scores') }}

)

select
    summary.customers as summary_customers,
    detail.customers as detail_customers,
    scored.customers as scored_customers,
    summary.total_profit as summary_profit,
    detail.total_profit as detail_profit
from summary
cross join detail
cross join scored
where
    summary.customers != detail.customers
    or detail.customers != scored.customers
    or abs(summary.total_profit - detail.total_profit) > 0.01
    or abs(summary.profit_at_risk - detail.profit_at_risk) > 0.01
