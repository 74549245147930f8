-- Every customer of market_file.csv that survived screening, in scope or not, and why not:
-- the reconciliation between the export and the feature mart, one row per customer.

select
    customer_id,
    scope_status,
    scope_reason,
    is_in_scope
from {{ ref('int_customers_scoped') }}
