-- Who to call first: valuable customers at high risk, the largest expected loss first, with
-- why they are at risk and the offer the rule table chose. Compile with `dbt compile` or
-- paste into any SQL client that has the warehouse open read-only.

select
    customer_id,
    decline_probability,
    profit,
    profit_at_risk,
    risk_reasons,
    recommended_offer,
    offer_channel,
    is_marketing_allowed
from {{ ref('customer_segments') }}
where segment = 'high_risk_high_value'
order by profit_at_risk desc
limit 50
