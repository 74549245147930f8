{{ config(materialized='ephemeral') }}

-- The published warehouse's customer history, with this version's columns (see
-- read_published).

{{ read_published('customer_history', customer_history_columns()) }}
