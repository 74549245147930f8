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

staged as (

    select
        ---------- ids
        source_line_number,
        {{ parse_integer('"id"') }} as customer_id,

        ---------- numerics
        {{ parse_decimal('"Прибыль"') }} as profit,

        ---------- what did not parse
        {{ parse_problems([
            ('id', 'integer'),
            ('Прибыль', 'decimal'),
        ]) }} as parse_problems

    from numbered

)

select * from staged
