-- Asserts that the summary agrees with the detail, segment by segment: its customers add up to
-- the scored customers, and each segment's total profit and profit at risk equal the detail's
-- sums to the cent (the summary rounds them to 2 decimals, so half a cent is allowed). Returns
-- a row for each segment that does not agree, or a row when the customer counts do not.

with

summary as (

    select
        segment,
        customers,
        total_profit,
        profit_at_risk
    from {{ ref('segment_summary') }}

),

detail as (

    select
        segment,
        count(*) as customers,
        sum(profit) as total_profit,
        sum(profit_at_risk) as profit_at_risk
    from {{ ref('customer_segments') }}
    group by segment

),

scored as (

    select count(*) as customers
    from {{ ref('customer_scores') }}

),

summary_total as (

    select sum(summary.customers) as customers
    from summary

),

segment_mismatches as (

    select
        coalesce(summary.segment, detail.segment) as segment,
        summary.customers as summary_customers,
        detail.customers as detail_customers,
        summary.total_profit as summary_profit,
        detail.total_profit as detail_profit
    from summary
    full outer join detail on summary.segment = detail.segment
    where
        summary.segment is null
        or detail.segment is null
        or summary.customers != detail.customers
        or abs(summary.total_profit - detail.total_profit) > 0.005 + 1e-9
        or abs(summary.profit_at_risk - detail.profit_at_risk) > 0.005 + 1e-9

),

count_mismatches as (

    select
        'all segments' as segment,
        summary_total.customers as summary_customers,
        scored.customers as detail_customers,
        null as summary_profit,
        null as detail_profit
    from summary_total
    cross join scored
    where summary_total.customers != scored.customers

)

select * from segment_mismatches
union all
select * from count_mismatches
