-- market_money.csv's staged rows, screened as the export's declaration says (macro screen_rows).
{{ screen_rows(ref('stg_shop_export__monthly_revenues'), 'market_money') }}
