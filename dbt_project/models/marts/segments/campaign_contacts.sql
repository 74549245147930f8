-- Who to email or call, with what: one row per customer whose recommended offer goes out by
-- email or call. Only customers who consented to marketing (`Разрешить сообщать` = «да») are
-- here; the offer rules already skip contact offers for the others, and the filter below
-- makes sure of it. Within an offer, contact the largest profit at risk first.

with

segments as (

    select * from {{ ref('customer_segments') }}

),

contacts as (

    select
        customer_id,
        recommended_offer as offer_code,
        offer_name,
        offer_channel as channel,
        segment,
        decline_probability,
        profit,
        profit_at_risk,
        favourite_category,
        risk_reasons,
        row_number() over (
            partition by recommended_offer
            order by profit_at_risk desc, customer_id asc
        ) as contact_priority
    from segments
    where
        offer_channel in ('email', 'call')
        and is_marketing_allowed

)

select * from contacts
