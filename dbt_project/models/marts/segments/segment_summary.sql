{{ config(materialized='view') }}

-- Per segment: its size, mean risk, profit, profit at risk (Σ probability × profit), the three
-- most common favourite categories and offers, and the share of customers who may be contacted.
-- A view over marts.customer_segments, so it always agrees with the detail. It comes back in
-- segment_rank order (the view ends with an order by); shares and probabilities are rounded to
-- 3 decimals, profits to 2 (the export's profit has 2), so a BI tool shows them as they are.

with

segments as (

    select * from {{ ref('customer_segments') }}

),

category_counts as (

    select
        segment,
        favourite_category,
        count(*) as customers,
        row_number() over (
            partition by segment order by count(*) desc, favourite_category
        ) as category_rank
    from segments
    group by segment, favourite_category

),

top_categories as (

    select
        segment,
        string_agg(
            favourite_category || ' (' || customers || ')', ', '
            order by category_rank
        ) as top_categories
    from category_counts
    where category_rank <= 3
    group by segment

),

offer_counts as (

    select
        segment,
        recommended_offer,
        count(*) as customers,
        row_number() over (
            partition by segment order by count(*) desc, recommended_offer
        ) as offer_rank
    from segments
    group by segment, recommended_offer

),

top_offers as (

    select
        segment,
        string_agg(
            recommended_offer || ' (' || customers || ')', ', '
            order by offer_rank
        ) as top_offers
    from offer_counts
    where offer_rank <= 3
    group by segment

),

summarised as (

    select
        segment,
        count(*) as customers,
        avg(decline_probability) as mean_decline_probability,
        sum(profit) as total_profit,
        avg(profit) as mean_profit,
        sum(profit_at_risk) as profit_at_risk,
        avg(case when is_marketing_allowed then 1.0 else 0.0 end)
            as share_with_consent
    from segments
    group by segment

),

final as (

    select
        summarised.segment,
        {{ segment_rank('summarised.segment') }} as segment_rank,
        summarised.segment = '{{ key_segment() }}' as is_key_segment,
        summarised.customers,
        round(summarised.mean_decline_probability, 3) as mean_decline_probability,
        round(summarised.total_profit, 2) as total_profit,
        round(summarised.mean_profit, 2) as mean_profit,
        round(summarised.profit_at_risk, 2) as profit_at_risk,
        round(summarised.share_with_consent, 3) as share_with_consent,
        top_categories.top_categories,
        top_offers.top_offers
    from summarised
    left join top_categories on summarised.segment = top_categories.segment
    left join top_offers on summarised.segment = top_offers.segment

)

select * from final
order by segment_rank
