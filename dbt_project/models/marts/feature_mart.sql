-- One row per in-scope customer: every feature the decline-risk model uses, the label where
-- the export has it, and the profit the segments weigh the risk by. market_file.csv's columns
-- are the ones its declaration gives the role label, feature or consent (a declared feature
-- comes here by itself; the contract in _marts__models.yml names it); the derived features are
-- written here and declared as features in _marts__models.yml.

with

scope as (

    select customer_id
    from {{ ref('int_customers_scoped') }}
    where is_in_scope

),

customers as (

    select * from {{ ref('int_customers_screened') }}
    where is_kept

),

revenues as (

    select * from {{ ref('int_revenues_pivoted_to_customers') }}

),

minutes as (

    select * from {{ ref('int_minutes_pivoted_to_customers') }}

),

profits as (

    select
        customer_id,
        profit
    from {{ ref('int_profits_screened') }}
    where is_kept

),

features as (

    select
        ---------- ids
        scope.customer_id,

        ---------- from market_file.csv: the label, the features and consent it declares
        {%- for column in export_columns_of_roles('market_file', ['label', 'feature', 'consent']) %}
        customers.{{ column.name }},
        {%- endfor %}

        ---------- numerics: revenue and minutes by month
        revenues.revenue_two_months_ago,
        revenues.revenue_previous_month,
        revenues.revenue_current_month,
        minutes.minutes_previous_month,
        minutes.minutes_current_month,
        revenues.revenue_current_month
        - revenues.revenue_previous_month as revenue_change,
        minutes.minutes_current_month
        - minutes.minutes_previous_month as minutes_change,

        ---------- value
        profits.profit,

        ---------- booleans
        revenues.has_imputed_revenue

    from scope
    inner join customers on scope.customer_id = customers.customer_id
    inner join revenues on scope.customer_id = revenues.customer_id
    inner join minutes on scope.customer_id = minutes.customer_id
    inner join profits on scope.customer_id = profits.customer_id

)

select * from features
