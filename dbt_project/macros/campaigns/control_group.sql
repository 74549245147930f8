{#-
    Whether a customer is in the control group of a month's campaigns: not contacted, so the
    offers' effect can be measured against it. Deterministic, seeded by the customer id and the
    month: the first 8 hex digits of md5('<customer_id>:<YYYY-MM>') as a fraction of 16^8, below
    the setting control_group_share (default 0.10). The same rule in Python:
    int(md5(f"{customer_id}:{month}").hexdigest()[:8], 16) / 16**8 < share.
-#}
{% macro is_control_group(customer_id, month) -%}
    (
        ('0x' || left(md5({{ customer_id }}::varchar || ':' || {{ month }}), 8))::bigint
        / 4294967296.0
    ) < {{ var('control_group_share') }}
{%- endmacro %}
