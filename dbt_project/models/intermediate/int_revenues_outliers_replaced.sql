-- The stated outlier rule: a monthly revenue above the `revenue_outlier_threshold` var
-- (default 100,000, about twenty times a typical month) is a data-entry error, not a purchase.
-- It is replaced by the mean of the customer's other months and flagged; the reported value
-- is kept beside it. With no other month to take a mean of, the revenue becomes null and the
-- customer falls out of scope (see int_customers_scoped). The threshold is kept beside the rows,
-- so the report can say which rule this build applied.

with

revenues as (

    select
        customer_id,
        period,
        revenue
    from {{ ref('int_monthly_revenues_screened') }}
    where is_kept

),

measured as (

    select
        *,
        revenue > {{ var('revenue_outlier_threshold') }} as is_outlier,
        avg(revenue) filter (
            where revenue <= {{ var('revenue_outlier_threshold') }}
        ) over (partition by customer_id) as mean_of_other_months
    from revenues

),

replaced as (

    select
        customer_id,
        period,
        revenue as reported_revenue,
        case
            when is_outlier then mean_of_other_months else revenue
        end as revenue,
        is_outlier as is_revenue_replaced,
        cast({{ var('revenue_outlier_threshold') }} as double)
            as revenue_outlier_threshold
    from measured

)

select * from replaced
