{{ config(materialized='ephemeral') }}

-- The published warehouse's model registry, with this version's columns (see read_published).

{{ read_published('model_registry', model_registry_columns()) }}
