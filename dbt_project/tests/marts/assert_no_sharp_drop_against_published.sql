-- Asserts that nothing this build publishes falls sharply against the published warehouse:
-- returns one row per measure (customers in scope, scored customers, rows of an export) that
-- fell by more than the var audit_max_drop_share, unless the var audit_accept_drops is set
-- (`oneclick build --accept-drop`). A failure stops the build before it publishes.

select
    measure,
    published_value,
    this_build_value,
    finding as problem
from {{ ref('publish_audit') }}
where
    is_sharp_drop
    and not {{ var('audit_accept_drops') }}
