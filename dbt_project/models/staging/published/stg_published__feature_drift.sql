{{ config(materialized='ephemeral') }}

-- The published warehouse's feature drift, with this version's columns (see read_published).

{{ read_published('feature_drift', feature_drift_columns()) }}
