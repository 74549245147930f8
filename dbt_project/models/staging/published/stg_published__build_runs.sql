{{ config(materialized='ephemeral') }}

-- The published warehouse's run log, with this version's columns (see read_published).

{{ read_published('build_runs', build_run_columns()) }}
