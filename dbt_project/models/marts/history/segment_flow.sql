-- The segment flow between the month before and the latest month, for BI (a Sankey diagram or a
-- from × to table): how many customers went from each segment to each, and the profit at risk
-- they carry now.

with

changes as (

    select * from {{ ref('segment_changes') }}

),

flow as (

    select
        month_before,
        month_now,
        segment_before as from_segment,
        segment_now as to_segment,
        count(*) as customers,
        count(*) filter (where is_newly_high_risk) as newly_high_risk_customers,
        coalesce(sum(profit_at_risk_now), 0) as profit_at_risk_now
    from changes
    group by month_before, month_now, segment_before, segment_now

)

select * from flow
