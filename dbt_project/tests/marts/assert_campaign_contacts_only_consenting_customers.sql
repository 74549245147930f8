-- Asserts that nobody is emailed or called without consent: every customer in
-- marts.campaign_contacts has `Разрешить сообщать` = «да» in the staged export itself (the
-- source of truth, not a column copied along the way), and no contact offer in
-- marts.customer_segments goes to a customer without consent.
-- Returns the offending customers.

with

consent as (

    select
        customer_id,
        is_marketing_allowed
    from {{ ref('int_customers_screened') }}
    where is_kept

),

contacts_without_consent as (

    select
        contacts.customer_id,
        'campaign_contacts' as found_in
    from {{ ref('campaign_contacts') }} as contacts
    left join consent on contacts.customer_id = consent.customer_id
    where not coalesce(consent.is_marketing_allowed, false)

),

offers_without_consent as (

    select
        segments.customer_id,
        'customer_segments' as found_in
    from {{ ref('customer_segments') }} as segments
    left join consent on segments.customer_id = consent.customer_id
    where
        segments.offer_channel in ('email', 'call')
        and not coalesce(consent.is_marketing_allowed, false)

)

select * from contacts_without_consent
union all
select * from offers_without_consent
