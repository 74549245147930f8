-- One row per scored customer: the decline probability, the profit, a risk × value segment,
-- the behaviours that explain the risk, and the offer chosen by the rule table (seed
-- offer_rules). Thresholds are vars in dbt_project.yml; the segments and the behaviours are
-- declared there once (vars segments and behaviour_flags, see macros/segments).

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
        {%- for feature in behaviour_features() %}
            features.{{ feature }},
        {%- endfor %}
        features.is_marketing_allowed
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
    {%- for flag in var('behaviour_flags') %}
        {{ behaviour_condition(flag, 'scored_features') }}
            as is_{{ flag.name }}{{ ',' if not loop.last }}
    {%- endfor %}
    from scored_features
    cross join value_threshold

),

segmented as (

    select
        *,
        {{ segment_of('is_high_risk', 'is_high_value') }} as segment,
        decline_probability * profit as profit_at_risk,
        nullif(concat_ws(
            ', ',
            {%- for flag in var('behaviour_flags') %}
                case when is_{{ flag.name }} then '{{ flag.label }}' end
                {{- ',' if not loop.last }}
            {%- endfor %}
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
                {%- for flag in var('behaviour_flags') %}
                    or (
                        offer_rules.behaviour = '{{ flag.name }}'
                        and segmented.is_{{ flag.name }}
                    )
                {%- endfor %}
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
        {%- for flag in var('behaviour_flags') %}
            segmented.is_{{ flag.name }},
        {%- endfor %}
        segmented.is_marketing_allowed
    from segmented
    left join chosen_offers on segmented.customer_id = chosen_offers.customer_id

)

select * from final
