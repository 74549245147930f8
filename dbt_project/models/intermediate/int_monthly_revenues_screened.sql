{{ screen_rows(
    ref('stg_shop_export__monthly_revenues'),
    source_file='market_money.csv',
    key_count=2,
    range_rules=[('revenue < 0', 'negative revenue')],
) }}
