"""Do the offers work? Each campaign's contacted customers against its control group, per
assignment month, once a later export shows what they did. A thin shell around models_ml.uplift
(the statistics: statsmodels and scipy)."""

from models_ml.uplift import campaign_outcomes

MONTH_COLUMNS = ("export_month", "outcome_month")


def model(dbt, session):
    dbt.config(materialized="table")
    outcomes = dbt.ref("campaign_outcome_customers").df()
    table = campaign_outcomes(outcomes, min_customers=int(dbt.config.get("min_customers")))
    for column in MONTH_COLUMNS:  # months stay dates (pandas reads them as timestamps)
        table[column] = table[column].dt.date
    return table
