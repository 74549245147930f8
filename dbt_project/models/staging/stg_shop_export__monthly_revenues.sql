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

staged as (

    select
        ---------- ids
        source_line_number,
        {{ parse_integer('"id"') }} as customer_id,

        ---------- categories
        {{ map_raw_value('"Период"', 'revenue_period') }} as period,

        ---------- numerics
        {{ parse_decimal('"Выручка"') }} as revenue,

        ---------- what did not parse
        {{ parse_problems([
            ('id', 'integer'),
            ('Период', 'revenue_period'),
            ('Выручка', 'decimal'),
        ]) }} as parse_problems

    from numbered

)

select * from staged
