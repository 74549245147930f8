{{ screen_rows(
    ref('stg_shop_export__monthly_minutes'),
    source_file='market_time.csv',
    key_count=2,
    range_rules=[('minutes < 0', 'negative minutes')],
) }}
