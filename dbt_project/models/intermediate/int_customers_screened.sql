{{ screen_rows(
    ref('stg_shop_export__customers'),
    source_file='market_file.csv',
    key_count=1,
    range_rules=[
        (
            'promo_purchase_share not between 0 and 1',
            'Акционные_покупки outside [0, 1]',
        ),
        (
            'least(marketing_contacts_6m_avg, marketing_contacts_current_month,'
            ~ ' tenure_days, categories_per_visit, unpaid_cart_items_quarter,'
            ~ ' service_errors, pages_per_visit) < 0',
            'negative count',
        ),
    ],
) }}
