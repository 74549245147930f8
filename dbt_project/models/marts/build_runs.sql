-- The run log: one row per published build, oldest first, carried over from build to build.
-- This model rebuilds the history; the on-run-end hook record_build_run adds the row of the
-- build that is running, once every model and test has passed.

with

previous_runs as (

    {{ read_history('build_runs', build_run_columns()) }}

)

select * from previous_runs
