-- Asserts what customer_history promises: this build's month holds exactly this build's
-- customers (customer_scope) with this build's segments, and every other month is the published
-- history unchanged. Returns the rows that differ, each with what is wrong.

with

history as (

    select * from {{ ref('customer_history') }}

),

this_month as (

    select
        customer_id,
        segment,
        decline_probability
    from history
    where export_month = {{ export_month_date() }}

),

built as (

    select
        scope.customer_id,
        coalesce(segments.segment, 'out_of_scope') as segment,
        segments.decline_probability
    from {{ ref('customer_scope') }} as scope
    left join {{ ref('customer_segments') }} as segments
        on scope.customer_id = segments.customer_id

),

earlier as (

    select * exclude (run_id)
    from history
    where export_month != {{ export_month_date() }}

),

published as (

    select * exclude (run_id)
    from {{ ref('stg_published__customer_history') }}
    where export_month != {{ export_month_date() }}

),

missing_from_history as (

    select customer_id from built
    except all
    select customer_id from this_month

),

not_built as (

    select customer_id from this_month
    except all
    select customer_id from built

),

earlier_changed as (

    select * from earlier
    except all
    select * from published

),

earlier_lost as (

    select * from published
    except all
    select * from earlier

),

differences as (

    select
        'built, not in this month' as problem,
        customer_id
    from missing_from_history

    union all

    select
        'this month, not built' as problem,
        customer_id
    from not_built

    union all

    select
        'segment or probability differs from customer_segments' as problem,
        this_month.customer_id
    from this_month
    inner join built on this_month.customer_id = built.customer_id
    where
        this_month.segment != built.segment
        or this_month.decline_probability is distinct from built.decline_probability

    union all

    select
        'earlier month changed or added' as problem,
        customer_id
    from earlier_changed

    union all

    select
        'earlier month lost' as problem,
        customer_id
    from earlier_lost

)

select * from differences
