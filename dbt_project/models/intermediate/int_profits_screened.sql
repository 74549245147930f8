-- money.csv's staged rows, screened as the export's declaration says (macro screen_rows); the
-- plausible profits are settings (profit_plausible_min, profit_plausible_max).
{{ screen_rows(ref('stg_shop_export__profits'), 'money') }}
