-- Who moved: every customer of the latest export month in marts.customer_history, or of the
-- month before it, with its segment then and now. A customer absent from one of the two months'
-- exports has segment `not_in_export` there; one out of the model's scope, `out_of_scope`.
-- While the history holds one month only, there is no month before: its columns are null.

with

history as (

    select * from {{ ref('customer_history') }}

),

latest_month as (

    select max(export_month) as month_now
    from history

),

months as (

    select
        latest_month.month_now,
        max(history.export_month) filter (
            where history.export_month < latest_month.month_now
        ) as month_before
    from history
    cross join latest_month
    group by latest_month.month_now

),

now_rows as (

    select history.*
    from history
    inner join months on history.export_month = months.month_now

),

before_rows as (

    select history.*
    from history
    inner join months on history.export_month = months.month_before

),

compared as (

    select
        coalesce(now_rows.customer_id, before_rows.customer_id) as customer_id,
        months.month_before,
        months.month_now,
        case
            when months.month_before is not null
                then coalesce(before_rows.segment, 'not_in_export')
        end as segment_before,
        coalesce(now_rows.segment, 'not_in_export') as segment_now,
        before_rows.decline_probability as decline_probability_before,
        now_rows.decline_probability as decline_probability_now,
        now_rows.decline_probability
        - before_rows.decline_probability as decline_probability_change,
        now_rows.profit as profit_now,
        now_rows.profit_at_risk as profit_at_risk_now,
        now_rows.recommended_offer as recommended_offer_now,
        case
            when months.month_before is not null
                then
                    coalesce(now_rows.is_high_risk, false)
                    and not coalesce(before_rows.is_high_risk, false)
        end as is_newly_high_risk
    from now_rows
    full outer join before_rows on now_rows.customer_id = before_rows.customer_id
    cross join months

),

final as (

    select
        *,
        segment_before != segment_now as has_moved
    from compared

)

select * from final
