-- What each campaign's customers did afterwards: every customer of marts.campaign_assignments
-- whose outcome a later export shows, with the first later month that carries its label
-- (outcome_month), whether it declined then, and its revenue change from the assignment month.
-- marts.campaign_outcomes compares the contacted customers with the control group on these.

with

assignments as (

    select
        export_month,
        customer_id,
        campaign,
        is_control
    from {{ ref('campaign_assignments') }}

),

history as (

    select
        export_month,
        customer_id,
        activity_declined,
        revenue_current_month
    from {{ ref('customer_history') }}

),

first_outcomes as (

    select
        assignments.export_month,
        assignments.customer_id,
        min(history.export_month) as outcome_month
    from assignments
    inner join history
        on
            assignments.customer_id = history.customer_id
            and assignments.export_month < history.export_month
    where history.activity_declined is not null
    group by assignments.export_month, assignments.customer_id

),

outcomes as (

    select
        assignments.export_month,
        assignments.campaign,
        assignments.customer_id,
        assignments.is_control,
        first_outcomes.outcome_month,
        later.activity_declined as declined,
        later.revenue_current_month - assigned.revenue_current_month as revenue_change
    from assignments
    inner join first_outcomes
        on
            assignments.export_month = first_outcomes.export_month
            and assignments.customer_id = first_outcomes.customer_id
    inner join history as later
        on
            first_outcomes.customer_id = later.customer_id
            and first_outcomes.outcome_month = later.export_month
    left join history as assigned
        on
            assignments.customer_id = assigned.customer_id
            and assignments.export_month = assigned.export_month

)

select * from outcomes
