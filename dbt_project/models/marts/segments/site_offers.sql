-- Offers shown to the customer on the site (a cart discount, a banner): no message is sent, so
-- they need no consent to marketing and reach every customer whose rule chose the site.

with

segments as (

    select * from {{ ref('customer_segments') }}

),

site_offers as (

    select
        customer_id,
        recommended_offer as offer_code,
        offer_name,
        segment,
        decline_probability,
        profit,
        profit_at_risk,
        favourite_category,
        risk_reasons,
        is_marketing_allowed
    from segments
    where offer_channel = 'site'

)

select * from site_offers
