-- One row per scored customer: the decline probability, the profit, a risk × value segment,
-- the behaviours that explain the risk, and the offer chosen by the rule table (seed
-- offer_rules). Thresholds are vars in dbt_project.yml.

with

scores as (

    select
        customer_id,
        decline_probability,
        model_version
    from {{ ref('customer_scores') }}

),

features as (

    select * from {{ ref('feature_mart') }}

),

scored_features as (

    select
        scores.customer_id,
        scores.decline_probability,
        scores.model_version,
        features.profit,
        features.service_tier,
        features.favourite_category,
        features.is_marketing_allowed,
        features.unpaid_cart_items_quarter,
        features.promo_purchase_share,
        features.pages_per_visit,
        features.minutes_change,
        features.service_errors,
        features.marketing_contacts_6m_avg
    from scores
    inner join features on scores.customer_id = features.customer_id

),

value_threshold as (

    select
        quantile_cont(
            profit, {{ var('high_value_profit_quantile') }}
        ) as high_value_min_profit
    from scored_features

),

flagged as (

    select
        scored_features.*,
        scored_features.decline_probability
        >= {{ var('high_risk_min_probability') }} as is_high_risk,
        scored_features.profit
        >= value_threshold.high_value_min_profit as is_high_value,
        scored_features.unpaid_cart_items_quarter
        >= {{ var('cart_abandoner_min_unpaid_items') }} as is_cart_abandoner,
        scored_features.promo_purchase_share
        >= {{ var('promo_hunter_min_promo_share') }} as is_promo_hunter,
        scored_features.pages_per_visit
        <= {{ var('low_engagement_max_pages_per_visit') }}
        or scored_features.minutes_change
        <= -{{ var('low_engagement_min_minutes_drop') }} as is_low_engagement,
        scored_features.service_errors
        >= {{ var('service_error_victim_min_errors') }} as is_service_error_victim,
        scored_features.marketing_contacts_6m_avg
        <= {{ var('under_contacted_max_contacts_6m_avg') }} as is_under_contacted
    from scored_features
    cross join value_threshold

),

segmented as (

    select
        *,
        case
            when is_high_risk and is_high_value then 'high_risk_high_value'
            when is_high_risk then 'high_risk_low_value'
            when is_high_value then 'low_risk_high_value'
            else 'low_risk_low_value'
        end as segment,
        decline_probability * profit as profit_at_risk,
        nullif(concat_ws(
            ', ',
            case when is_cart_abandoner then 'cart abandoner' end,
            case when is_promo_hunter then 'promo hunter' end,
            case when is_low_engagement then 'low engagement' end,
            case when is_service_error_victim then 'service-error victim' end,
            case when is_under_contacted then 'under-contacted' end
        ), '') as risk_reasons
    from flagged

),

offer_rules as (

    select * from {{ ref('offer_rules') }}

),

-- Every rule that fits the customer's segment and behaviour and that the customer may receive:
-- email and call offers only with consent to marketing.
matching_rules as (

    select
        segmented.customer_id,
        offer_rules.priority
    from segmented
    inner join offer_rules
        on
            segmented.segment = offer_rules.segment
            and (
                offer_rules.behaviour = 'any'
                or (offer_rules.behaviour = 'cart_abandoner' and segmented.is_cart_abandoner)
                or (offer_rules.behaviour = 'promo_hunter' and segmented.is_promo_hunter)
                or (offer_rules.behaviour = 'low_engagement' and segmented.is_low_engagement)
                or (
                    offer_rules.behaviour = 'service_error_victim'
                    and segmented.is_service_error_victim
                )
                or (offer_rules.behaviour = 'under_contacted' and segmented.is_under_contacted)
            )
            and (
                offer_rules.channel not in ('email', 'call')
                or segmented.is_marketing_allowed
            )

),

-- The first of them by priority (priorities are unique, see the seed's tests).
first_matching_rules as (

    select
        customer_id,
        min(priority) as priority
    from matching_rules
    group by customer_id

),

chosen_offers as (

    select
        first_matching_rules.customer_id,
        offer_rules.offer_code,
        offer_rules.offer_name,
        offer_rules.channel,
        offer_rules.reason
    from first_matching_rules
    inner join offer_rules on first_matching_rules.priority = offer_rules.priority

),

final as (

    select
        ---------- ids
        segmented.customer_id,

        ---------- segment
        segmented.segment,
        segmented.decline_probability,
        segmented.profit,
        segmented.profit_at_risk,
        segmented.risk_reasons,

        ---------- offer
        chosen_offers.offer_code as recommended_offer,
        chosen_offers.offer_name,
        chosen_offers.channel as offer_channel,
        chosen_offers.reason as offer_reason,

        ---------- context
        segmented.service_tier,
        segmented.favourite_category,
        segmented.model_version,

        ---------- booleans
        segmented.is_high_risk,
        segmented.is_high_value,
        segmented.is_cart_abandoner,
        segmented.is_promo_hunter,
        segmented.is_low_engagement,
        segmented.is_service_error_victim,
        segmented.is_under_contacted,
        segmented.is_marketing_allowed
    from segmented
    left join chosen_offers on segmented.customer_id = chosen_offers.customer_id

)

select * from final
