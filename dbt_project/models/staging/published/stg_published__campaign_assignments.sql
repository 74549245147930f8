{{ config(materialized='ephemeral') }}

-- The published warehouse's campaign assignments, with this version's columns (see
-- read_published).

{{ read_published('campaign_assignments', campaign_assignment_columns()) }}
