-- Asserts that the training sample is every labelled customer when they are no more than the
-- `training_sample_max_rows` var, and otherwise at most that many (plus one per label for
-- rounding up), with each label's share within one percentage point of the feature mart's.
-- Returns one row per label that breaks this.

with

labelled as (

    select
        activity_declined,
        count(*) as customers,
        count(*) / sum(count(*)) over () as label_share
    from {{ ref('feature_mart') }}
    where activity_declined is not null
    group by activity_declined

),

sampled as (

    select
        activity_declined,
        count(*) as customers,
        count(*) / sum(count(*)) over () as label_share
    from {{ ref('ml_training_sample') }}
    group by activity_declined

),

labelled_total as (

    select sum(customers) as customers
    from labelled

),

sampled_total as (

    select sum(customers) as customers
    from sampled

),

compared as (

    select
        labelled.activity_declined,
        labelled.customers as labelled_customers,
        sampled.customers as sampled_customers,
        labelled.label_share as labelled_share,
        sampled.label_share as sampled_share,
        labelled_total.customers as all_labelled,
        sampled_total.customers as all_sampled
    from labelled
    cross join labelled_total
    cross join sampled_total
    left join sampled on labelled.activity_declined = sampled.activity_declined

)

select * from compared
where
    sampled_customers is null
    or abs(sampled_share - labelled_share) > 0.01
    or (
        all_labelled <= {{ var('training_sample_max_rows') }}
        and all_sampled != all_labelled
    )
    or all_sampled > {{ var('training_sample_max_rows') }} + 2
