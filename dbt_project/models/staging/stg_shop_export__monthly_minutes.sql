with

source as (

    select * from {{ source('shop_export', 'market_time') }}

),

parsed as (

    select
        *,
        {{ parse_integer('"id"', max_id()) }} as customer_id,
        {{ map_raw_value('"Период"', 'minutes_period') }} as period,
        {{ parse_integer('"минут"') }}::integer as minutes
    from source

),

staged as (

    select
        ---------- ids
        customer_id,

        ---------- categories
        period,

        ---------- numerics
        minutes,

        ---------- what did not parse
        {{ parse_problems([
            ('id', 'id', 'customer_id'),
            ('Период', 'minutes_period', 'period'),
            ('минут', 'integer', 'minutes'),
        ]) }} as parse_problems

    from parsed

)

select * from staged
