-- Where the risk sits: customers, mean decline probability and profit at risk by favourite
-- category, the largest profit at risk first.

select
    favourite_category,
    count(*) as customers,
    avg(decline_probability) as mean_decline_probability,
    sum(profit_at_risk) as profit_at_risk
from {{ ref('customer_segments') }}
group by favourite_category
order by profit_at_risk desc
