-- The run log: one row per published build, oldest first. The rows of earlier builds come from
-- the published warehouse (stg_published__build_runs); the on-run-end hook record_build_run adds
-- the row of the build that is running, once every model and test has passed.

with

published_runs as (

    select * from {{ ref('stg_published__build_runs') }}

)

select * from published_runs
