-- Asserts that the flow adds up: its customers sum to the rows of segment_changes, and per
-- to-segment to the customers in that segment now. Returns a row for each mismatch.

with

flow_by_segment as (

    select
        to_segment as segment,
        sum(customers) as customers
    from {{ ref('segment_flow') }}
    group by to_segment

),

changes_by_segment as (

    select
        segment_now as segment,
        count(*) as customers
    from {{ ref('segment_changes') }}
    group by segment_now

)

select
    coalesce(flow_by_segment.segment, changes_by_segment.segment) as segment,
    flow_by_segment.customers as flow_customers,
    changes_by_segment.customers as changed_customers
from flow_by_segment
full outer join changes_by_segment on flow_by_segment.segment = changes_by_segment.segment
where flow_by_segment.customers is distinct from changes_by_segment.customers
