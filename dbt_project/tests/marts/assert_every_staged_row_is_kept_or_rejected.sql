-- Asserts the reconciliation from raw rows to the marts, export by export: every staged row
-- (and staging has as many rows as the CSV file, see row_count_matches) is either kept by
-- screening or listed in marts.rejected_rows at stage `screening`, never both, never neither;
-- and every customer kept from market_file.csv is in marts.customer_scope.
-- Returns one row per export whose numbers do not add up.

with

screened as (

    select
        source_file,
        count(*) as staged_rows,
        count(*) filter (where is_kept) as kept_rows
    from {{ ref('int_customers_screened') }}
    group by source_file
    union all
    select
        source_file,
        count(*) as staged_rows,
        count(*) filter (where is_kept) as kept_rows
    from {{ ref('int_monthly_revenues_screened') }}
    group by source_file
    union all
    select
        source_file,
        count(*) as staged_rows,
        count(*) filter (where is_kept) as kept_rows
    from {{ ref('int_monthly_minutes_screened') }}
    group by source_file
    union all
    select
        source_file,
        count(*) as staged_rows,
        count(*) filter (where is_kept) as kept_rows
    from {{ ref('int_profits_screened') }}
    group by source_file

),

rejected as (

    select
        source_file,
        count(*) as rejected_rows
    from {{ ref('rejected_rows') }}
    where rejection_stage = 'screening'
    group by source_file

),

scoped as (

    select count(*) as customers
    from {{ ref('customer_scope') }}

),

compared as (

    select
        screened.source_file,
        screened.staged_rows,
        screened.kept_rows,
        coalesce(rejected.rejected_rows, 0) as rejected_rows,
        case
            when screened.source_file = 'market_file.csv' then scoped.customers
        end as customers_in_scope_table
    from screened
    left join rejected on screened.source_file = rejected.source_file
    cross join scoped

)

select * from compared
where
    staged_rows != kept_rows + rejected_rows
    or customers_in_scope_table != kept_rows
