with

source as (

    select * from {{ source('shop_export', 'market_money') }}

),

numbered as (

    select
        row_number() over () + 1 as source_line_number,
        *
    from source

),

parsed as (

    select
        *,
        {{ parse_integer('"id"') }} as customer_id,
        {{ map_raw_value('"Период"', 'revenue_period') }} as period,
        {{ parse_decimal('"Выручка"') }} as revenue
    from numbered

),

staged as (

    select
        ---------- ids
        source_line_number,
        customer_id,

        ---------- categories
        period,

        ---------- numerics
        revenue,

        ---------- what did not parse
        {{ parse_problems([
            ('id', 'integer', 'customer_id'),
            ('Период', 'revenue_period', 'period'),
            ('Выручка', 'decimal', 'revenue'),
        ]) }} as parse_problems

    from parsed

)

select * from staged
