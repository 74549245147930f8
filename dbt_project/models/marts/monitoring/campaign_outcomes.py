"""Do the offers work? Each campaign's contacted customers against its control group, per
assignment month, once a later export shows what they did. A thin shell around models_ml.uplift
(the statistics: statsmodels and scipy)."""

from models_ml.uplift import campaign_outcomes


def model(dbt, session):
    dbt.config(materialized="table")
    outcomes = dbt.ref("campaign_outcome_customers").df()
    table = campaign_outcomes(outcomes, min_customers=int(dbt.config.get("min_customers")))
    # Months are dates in the warehouse; pandas has no date type, so they are cast here.
    return session.from_df(table).project(
        "* replace (export_month::date as export_month, outcome_month::date as outcome_month)"
    )
