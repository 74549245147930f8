with

source as (

    select * from {{ source('shop_export', 'money') }}

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
        {{ parse_decimal('"Прибыль"') }} as profit
    from numbered

),

staged as (

    select
        ---------- ids
        source_line_number,
        customer_id,

        ---------- numerics
        profit,

        ---------- what did not parse
        {{ parse_problems([
            ('id', 'integer', 'customer_id'),
            ('Прибыль', 'decimal', 'profit'),
        ]) }} as parse_problems

    from parsed

)

select * from staged
