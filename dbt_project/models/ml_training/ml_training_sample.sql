-- The labelled customers the model trains on: all of them up to the
-- `training_sample_max_rows` var, else a stratified sample of that size (each label keeps its
-- share). Deterministic: customers are ranked by a hash of their id and the
-- `training_sample_seed` var, so the same export gives the same sample. A bounded sample keeps
-- the model step's time and memory flat however many customers the shop has.

with

labelled as (

    select * from {{ ref('feature_mart') }}
    where activity_declined is not null

),

ranked as (

    select
        *,
        row_number() over (
            partition by activity_declined
            order by hash(customer_id, {{ var('training_sample_seed') }}), customer_id
        ) as rank_in_label,
        count(*) over (partition by activity_declined) as label_customers,
        count(*) over () as labelled_customers
    from labelled

),

sampled as (

    select * exclude (rank_in_label, label_customers, labelled_customers)
    from ranked
    where
        rank_in_label <= ceil(
            label_customers * least(
                1.0, {{ var('training_sample_max_rows') }} / labelled_customers
            )
        )

)

select * from sampled
