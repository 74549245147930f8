-- Is the model still right for the customers it scores? Per export month and feature, the
-- population stability index between the model's training data and that month's in-scope
-- customers, with a status. Earlier months come from the published warehouse unchanged; this
-- build's month is replaced by this build's (ml_feature_drift).

with

earlier_months as (

    select *
    from {{ ref('stg_published__feature_drift') }}
    where export_month != {{ export_month_date() }}

),

this_month as (

    select
        {{ export_month_date() }} as export_month,
        feature,
        psi,
        status,
        model_version,
        customers,
        bins,
        most_moved_bin,
        reference_share,
        current_share,
        {{ build_run_id() }} as run_id
    from {{ ref('ml_feature_drift') }}

),

drift as (

    select * from earlier_months
    union all by name
    select * from this_month

)

select * from drift
