-- Every raw row that did not flow into the warehouse's customers, with why: rows that do
-- not parse, duplicates (exact ones, of which one copy is kept, and conflicting ones, of which
-- none is), values out of range, rows of customers another export lacks. Nothing is dropped
-- without a line here; the run log counts them.

{%- set matched = 'incomplete_customers' %}

with

-- Only the customers some export lacks: a small table to look every kept row up in.
incomplete_customers as (

    select *
    from {{ ref('int_customers_matched_across_exports') }}
    where missing_data is not null

),

market_file as (

    {{ rejected_rows_of('market_file', ref('int_customers_screened'), matched) }}

),

market_money as (

    {{ rejected_rows_of('market_money', ref('int_monthly_revenues_screened'), matched) }}

),

market_time as (

    {{ rejected_rows_of('market_time', ref('int_monthly_minutes_screened'), matched) }}

),

money as (

    {{ rejected_rows_of('money', ref('int_profits_screened'), matched) }}

),

unioned as (

    select * from market_file
    union all
    select * from market_money
    union all
    select * from market_time
    union all
    select * from money

),

-- A record's line in its file, through the line map, for these few rows only.
located as (

    {{ with_source_line_numbers('unioned') }}

),

renamed as (

    select
        source_file,
        source_line_number,
        customer_id,
        rejection_stage,
        reason as rejection_reason,
        raw_values
    from located

)

select * from renamed
