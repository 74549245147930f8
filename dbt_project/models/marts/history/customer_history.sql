-- Every customer of every export month, in scope or not: the probability, segment, profit and
-- offer the warehouse gave it that month. Earlier months come from the published warehouse
-- (stg_published__customer_history) unchanged; this build's month is replaced by this build's
-- rows, so rebuilding a month replaces its rows, a new month adds rows, and no other month
-- changes.

with

earlier_months as (

    select *
    from {{ ref('stg_published__customer_history') }}
    where export_month != {{ export_month_date() }}

),

scope as (

    select * from {{ ref('customer_scope') }}

),

segments as (

    select * from {{ ref('customer_segments') }}

),

-- The label and the month's revenue of every kept customer, in scope or not: what later months
-- compare earlier scores and offers against (model_performance_history, campaign_outcomes).
labels as (

    select
        customer_id,
        activity_declined
    from {{ ref('int_customers_screened') }}
    where is_kept

),

revenues as (

    select
        customer_id,
        revenue_current_month
    from {{ ref('int_revenues_pivoted_to_customers') }}

),

this_month as (

    select
        {{ export_month_date() }} as export_month,
        scope.customer_id,
        scope.is_in_scope,
        scope.scope_status,
        segments.decline_probability,
        segments.is_high_risk,
        coalesce(segments.segment, 'out_of_scope') as segment,
        segments.profit,
        segments.profit_at_risk,
        segments.recommended_offer,
        segments.model_version,
        labels.activity_declined,
        revenues.revenue_current_month,
        {{ build_run_id() }} as run_id
    from scope
    left join segments on scope.customer_id = segments.customer_id
    left join labels on scope.customer_id = labels.customer_id
    left join revenues on scope.customer_id = revenues.customer_id

),

history as (

    select * from earlier_months
    union all by name
    select * from this_month

)

select * from history
