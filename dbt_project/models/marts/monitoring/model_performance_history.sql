-- How earlier scores turned out: for every month whose customers were scored (scored_month) and
-- every later export that carries their label (label_month), per model version: the customers
-- scored then and labelled later, ROC-AUC, Brier score and calibration of the earlier
-- probabilities against the labels that arrived. ROC-AUC is the Mann–Whitney statistic (ties
-- take their mean rank), as scikit-learn's roc_auc_score computes it.

with

history as (

    select * from {{ ref('customer_history') }}

),

scored as (

    select
        export_month as scored_month,
        customer_id,
        model_version,
        decline_probability
    from history
    where decline_probability is not null

),

labelled as (

    select
        export_month as label_month,
        customer_id,
        activity_declined
    from history
    where activity_declined is not null

),

pairs as (

    select
        scored.scored_month,
        labelled.label_month,
        scored.model_version,
        scored.customer_id,
        scored.decline_probability,
        labelled.activity_declined
    from scored
    inner join labelled
        on
            scored.customer_id = labelled.customer_id
            and scored.scored_month < labelled.label_month

),

ranked as (

    select
        *,
        rank()
            over (
                partition by scored_month, label_month, model_version
                order by decline_probability
            )
        + (
            count(*) over (
                partition by scored_month, label_month, model_version, decline_probability
            ) - 1
        ) / 2.0 as probability_rank,
        least(floor(decline_probability * 10), 9) as calibration_bin
    from pairs

),

bins as (

    select
        scored_month,
        label_month,
        model_version,
        calibration_bin,
        count(*) as customers,
        abs(avg(decline_probability) - avg(activity_declined)) as calibration_gap
    from ranked
    group by all

),

calibration as (

    select
        scored_month,
        label_month,
        model_version,
        sum(customers * calibration_gap) / sum(customers) as expected_calibration_error
    from bins
    group by all

),

summarised as (

    select
        scored_month,
        label_month,
        model_version,
        count(*) as customers,
        sum(activity_declined) as declined_customers,
        avg(decline_probability) as mean_predicted_probability,
        avg(activity_declined) as observed_decline_rate,
        avg(power(decline_probability - activity_declined, 2)) as brier,
        (
            sum(probability_rank) filter (where activity_declined = 1)
            - sum(activity_declined) * (sum(activity_declined) + 1) / 2.0
        )
        / nullif(sum(activity_declined) * (count(*) - sum(activity_declined)), 0) as roc_auc
    from ranked
    group by all

),

final as (

    select
        summarised.scored_month,
        summarised.label_month,
        date_diff('month', summarised.scored_month, summarised.label_month) as months_later,
        summarised.model_version,
        summarised.customers,
        summarised.declined_customers,
        summarised.roc_auc,
        summarised.brier,
        summarised.mean_predicted_probability,
        summarised.observed_decline_rate,
        calibration.expected_calibration_error
    from summarised
    inner join calibration
        on
            summarised.scored_month = calibration.scored_month
            and summarised.label_month = calibration.label_month
            and summarised.model_version = calibration.model_version

)

select * from final
