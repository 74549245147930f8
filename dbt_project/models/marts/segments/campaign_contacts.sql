-- Who to email or call, with what: one row per customer of this month's campaigns who is to be
-- contacted. Only customers who consented to marketing (is_marketing_allowed) are here,
-- and never a customer of the control group (marts.campaign_assignments): the offer rules skip
-- contact offers for customers without consent, and the filters below make sure of both.
-- Within an offer, contact the largest profit at risk first.

with

assignments as (

    select
        customer_id,
        is_control
    from {{ ref('campaign_assignments') }}
    where export_month = {{ export_month_date() }}

),

segments as (

    select * from {{ ref('customer_segments') }}

),

contacts as (

    select
        segments.customer_id,
        segments.recommended_offer as offer_code,
        segments.offer_name,
        segments.offer_channel as channel,
        segments.segment,
        segments.decline_probability,
        segments.profit,
        segments.profit_at_risk,
        segments.favourite_category,
        segments.risk_reasons,
        row_number() over (
            partition by segments.recommended_offer
            order by segments.profit_at_risk desc, segments.customer_id asc
        ) as contact_priority
    from segments
    inner join assignments on segments.customer_id = assignments.customer_id
    where
        segments.offer_channel in ('email', 'call')
        and segments.is_marketing_allowed
        and not assignments.is_control

)

select * from contacts
