with

source as (

    select * from {{ source('shop_export', 'money') }}

),

parsed as (

    select
        *,
        {{ parse_integer('"id"', max_id()) }} as customer_id,
        {{ parse_decimal('"Прибыль"') }} as profit
    from source

),

staged as (

    select
        ---------- ids
        customer_id,

        ---------- numerics
        profit,

        ---------- what did not parse
        {{ parse_problems([
            ('id', 'id', 'customer_id'),
            ('Прибыль', 'decimal', 'profit'),
        ]) }} as parse_problems

    from parsed

)

select * from staged
