-- Asserts that the control group is never contacted: no customer of this month's control group
-- (marts.campaign_assignments) is in marts.campaign_contacts, and every other eligible customer
-- is. Returns the offending customers with what is wrong.

with

assignments as (

    select
        customer_id,
        is_control
    from {{ ref('campaign_assignments') }}
    where export_month = {{ export_month_date() }}

),

contacts as (

    select customer_id from {{ ref('campaign_contacts') }}

),

controls_contacted as (

    select
        'control customer in campaign_contacts' as problem,
        assignments.customer_id
    from assignments
    inner join contacts on assignments.customer_id = contacts.customer_id
    where assignments.is_control

),

treated_not_contacted as (

    select
        'contacted customer missing from campaign_contacts' as problem,
        assignments.customer_id
    from assignments
    left join contacts on assignments.customer_id = contacts.customer_id
    where not assignments.is_control and contacts.customer_id is null

)

select * from controls_contacted
union all
select * from treated_not_contacted
