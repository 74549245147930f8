with

source as (

    select * from {{ source('shop_export', 'market_time') }}

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
        {{ map_raw_value('"Период"', 'minutes_period') }} as period,

        ---------- numerics
        {{ parse_integer('"минут"') }}::integer as minutes,

        ---------- what did not parse
        {{ parse_problems([
            ('id', 'integer'),
            ('Период', 'minutes_period'),
            ('минут', 'integer'),
        ]) }} as parse_problems

    from numbered

)

select * from staged
