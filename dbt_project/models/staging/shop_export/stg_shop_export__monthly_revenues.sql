-- market_money.csv typed: every column as the shop_export source declares it (macro stage_export).
{{ stage_export('market_money') }}
