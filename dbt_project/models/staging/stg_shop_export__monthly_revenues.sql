with

source as (

    select * from {{ source('shop_export', 'market_money') }}

),

parsed as (

    select
        *,
        {{ parse_integer('"id"', max_id()) }} as customer_id,
        {{ map_raw_value('"Период"', 'revenue_period') }} as period,
        {{ parse_decimal('"Выручка"') }} as revenue
    from source

),

staged as (

    select
        ---------- ids
        customer_id,

        ---------- categories
        period,

        ---------- numerics
        revenue,

        ---------- what did not parse
        {{ parse_problems([
            ('id', 'id', 'customer_id'),
            ('Период', 'revenue_period', 'period'),
            ('Выручка', 'decimal', 'revenue'),
        ]) }} as parse_problems

    from parsed

)

select * from staged
