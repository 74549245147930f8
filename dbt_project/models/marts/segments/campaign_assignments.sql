-- Every campaign's eligible customers of every export month and whether each was contacted or
-- kept as the control group. Eligible: a consenting customer whose recommended offer goes out by
-- email or call; a campaign is one such offer. The split is deterministic (macro
-- is_control_group: seeded by customer id and month, share control_group_share). Earlier months
-- come from the published warehouse unchanged; this build's month is replaced by this build's.

with

earlier_months as (

    select *
    from {{ ref('stg_published__campaign_assignments') }}
    where export_month != {{ export_month_date() }}

),

segments as (

    select * from {{ ref('customer_segments') }}

),

this_month as (

    select
        {{ export_month_date() }} as export_month,
        customer_id,
        recommended_offer as campaign,
        offer_name as offer,
        offer_channel as channel,
        segment,
        decline_probability,
        profit_at_risk,
        {{ is_control_group('customer_id', "'" ~ export_month() ~ "'") }} as is_control,
        {{ build_run_id() }} as run_id
    from segments
    where
        offer_channel in ('email', 'call')
        and is_marketing_allowed

),

assignments as (

    select * from earlier_months
    union all by name
    select * from this_month

)

select * from assignments
