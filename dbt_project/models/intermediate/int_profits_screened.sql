{{ screen_rows(
    ref('stg_shop_export__profits'),
    source_file='money.csv',
    key_count=1,
) }}
