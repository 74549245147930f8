-- The population the model is for: customers with purchases in each of the last three
-- months. One row per customer kept from market_file.csv, with whether it is in scope and,
-- if not, why: data missing from an export, or a month without a purchase.

with

customers as (

    select customer_id
    from {{ ref('int_customers_screened') }}
    where is_kept

),

matched as (

    select
        customer_id,
        missing_data
    from {{ ref('int_customers_matched_across_exports') }}

),

revenues as (

    select * from {{ ref('int_revenues_pivoted_to_customers') }}

),

months_without_purchase as (

    select
        customer_id,
        list_filter(
            [
                case when revenue_two_months_ago = 0 then 'two_months_ago' end,
                case when revenue_previous_month = 0 then 'previous_month' end,
                case when revenue_current_month = 0 then 'current_month' end
            ],
            period -> period is not null
        ) as periods,
        revenue_two_months_ago is null
        or revenue_previous_month is null
        or revenue_current_month is null as has_unknown_revenue
    from revenues

),

scoped as (

    select
        customers.customer_id,
        case
            when matched.missing_data is not null
                then 'incomplete_data'
            when months_without_purchase.has_unknown_revenue
                then 'incomplete_data'
            when len(months_without_purchase.periods) > 0
                then 'not_buying_every_month'
            else 'in_scope'
        end as scope_status,
        case
            when matched.missing_data is not null
                then matched.missing_data
            when months_without_purchase.has_unknown_revenue
                then 'revenue outlier with no other month to replace it by'
            when len(months_without_purchase.periods) > 0
                then 'no purchase in '
                    || array_to_string(months_without_purchase.periods, ', ')
        end as scope_reason
    from customers
    left join matched on customers.customer_id = matched.customer_id
    left join months_without_purchase
        on customers.customer_id = months_without_purchase.customer_id

),

flagged as (

    select
        *,
        scope_status = 'in_scope' as is_in_scope
    from scoped

)

select * from flagged
