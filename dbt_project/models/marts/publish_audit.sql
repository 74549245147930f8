-- The audit before publishing: this build's customers in scope, scored customers and rows of
-- each export against the published warehouse's latest build. A fall of more than the var
-- audit_max_drop_share (default 50 %) stops the build (test
-- assert_no_sharp_drop_against_published) unless audit_accept_drops is set
-- (`oneclick build --accept-drop`); the run log records the decision. Before a warehouse's first
-- build there is nothing to compare with: published_value is null and nothing can drop.

with

published_run as (

    select *
    from {{ ref('stg_published__build_runs') }}
    order by finished_at desc
    limit 1

),

this_build as (

    select
        'customers in scope' as measure,
        1 as measure_order,
        count(*) as this_build_value
    from {{ ref('feature_mart') }}

    union all

    select
        'customers scored' as measure,
        2 as measure_order,
        count(*) as this_build_value
    from {{ ref('customer_scores') }}

    {%- for file_name, staging_model in staged_exports().items() %}

        union all

        select
            'rows of {{ file_name }}' as measure,
            {{ loop.index + 2 }} as measure_order,
            count(*) as this_build_value
        from {{ ref(staging_model) }}
    {%- endfor %}

),

published_values as (

    select
        'customers in scope' as measure,
        customers_in_scope as published_value,
        run_id as published_run_id,
        export_month as published_export_month
    from published_run

    union all

    select
        'customers scored' as measure,
        customers_scored as published_value,
        run_id as published_run_id,
        export_month as published_export_month
    from published_run

    {%- for file_name in staged_exports() %}

        union all

        select
            'rows of {{ file_name }}' as measure,
            json_extract(row_counts, '$."{{ file_name }}"')::bigint as published_value,
            run_id as published_run_id,
            export_month as published_export_month
        from published_run
    {%- endfor %}

),

compared as (

    select
        this_build.measure,
        this_build.measure_order,
        published_values.published_value,
        this_build.this_build_value,
        published_values.published_run_id,
        published_values.published_export_month,
        (this_build.this_build_value - published_values.published_value)
        / nullif(published_values.published_value, 0) as relative_change
    from this_build
    left join published_values on this_build.measure = published_values.measure

),

judged as (

    select
        *,
        coalesce(
            relative_change < -{{ var('audit_max_drop_share') }}, false
        ) as is_sharp_drop
    from compared

),

explained as (

    select
        measure,
        measure_order,
        published_value,
        this_build_value,
        relative_change,
        is_sharp_drop,
        published_run_id,
        published_export_month,
        case
            when is_sharp_drop
                then measure || ' fell from ' || published_value || ' to '
                    || this_build_value || ' (' || round(100 * relative_change, 1)
                    || ' %) against the published build ' || published_run_id
                    || coalesce(' of ' || strftime(published_export_month, '%Y-%m'), '')
                    || ', more than the '
                    || round(100 * {{ var('audit_max_drop_share') }}, 1)
                    || ' % the audit allows: check the exports, or publish anyway with '
                    || 'oneclick build --accept-drop'
        end as finding
    from judged

),

final as (

    select * exclude (measure_order)
    from explained
    order by measure_order

)

select * from final
