{%- set low = var('profit_plausible_min') -%}
{%- set high = var('profit_plausible_max') -%}
{{ screen_rows(
    ref('stg_shop_export__profits'),
    source_file='money.csv',
    key_count=1,
    range_rules=[
        (
            'profit not between ' ~ low ~ ' and ' ~ high,
            'Прибыль outside the plausible range [' ~ low ~ ', ' ~ high
            ~ '] (settings profit_plausible_min, profit_plausible_max)',
        ),
    ],
) }}
