{#-
    The rows of one export (a table of the shop_export source) that do not reach the customers, each with one reason:
    - stage 'screening': the row itself was set aside (see screen_rows);
    - stage 'matching': the row is sound but its customer is not whole across the exports
      (a market_file.csv customer another export lacks, or a row of a customer market_file.csv
      does not have).
    matched_relation holds rows of int_customers_matched_across_exports; only those with
    missing_data matter, so a caller may pass just those.
-#}
{% macro rejected_rows_of(table_name, screened_relation, matched_relation) -%}
    select
        screened.source_file,
        screened.source_record_number,
        screened.customer_id,
        case
            when not screened.is_kept then 'screening' else 'matching'
        end as rejection_stage,
        case
            when not screened.is_kept
                then screened.rejection_reason
            {%- if table_name == 'market_file' %}
            when matched.missing_data is not null
                then 'customer set aside: ' || matched.missing_data
            {%- else %}
            when not matched.is_in_market_file
                then 'customer has no usable row in market_file.csv'
            {%- endif %}
        end as reason,
        {{ describe_values(table_name, 'screened') }} as raw_values
    from {{ screened_relation }} as screened
    left join {{ matched_relation }} as matched
        on screened.customer_id = matched.customer_id
    where reason is not null
{%- endmacro %}
