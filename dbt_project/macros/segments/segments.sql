{#-
    The segments and the behaviours that explain a risk are declared once, as the vars
    `segments` and `behaviour_flags` in dbt_project.yml. These macros write what follows from
    them: the segment of a customer and its rank (marts.customer_segments, segment_summary), the
    behaviour flags and their words, and the accepted values of the YAML tests (the check
    constraints of the marts' contracts read the var `segments` themselves: a constraint's
    expression is rendered before macros exist). Python reads the same vars
    (warehouse/segmentation.py).
-#}

{#- The segment names in segment_rank order, then `extra` (e.g. ['out_of_scope']). -#}
{% macro segment_names(extra=[]) -%}
    {{ return(var('segments') | map(attribute='name') | list + extra) }}
{%- endmacro %}

{#- The behaviour names as seed offer_rules uses them, then `extra` (e.g. ['any']). -#}
{% macro behaviour_names(extra=[]) -%}
    {{ return(var('behaviour_flags') | map(attribute='name') | list + extra) }}
{%- endmacro %}

{#- The one segment declared `key: true`, the segment that matters most. -#}
{% macro key_segment() -%}
    {%- set keys = var('segments') | selectattr('key') | map(attribute='name') | list -%}
    {%- if keys | length != 1 -%}
        {{ exceptions.raise_compiler_error(
            "the var segments must mark exactly one segment `key: true`; it marks "
            ~ (keys | join(', ') or 'none')
        ) }}
    {%- endif -%}
    {{ return(keys[0]) }}
{%- endmacro %}

{#- The segment of a customer, from its two flags (boolean columns). -#}
{% macro segment_of(high_risk_column, high_value_column) -%}
    case
    {%- for segment in var('segments') %}
        when {{ '' if segment.is_high_risk else 'not ' }}{{ high_risk_column }}
            and {{ '' if segment.is_high_value else 'not ' }}{{ high_value_column }}
            then '{{ segment.name }}'
    {%- endfor %}
    end
{%- endmacro %}

{#- 1 for the segment to act on first … n for the least urgent, from the declared order. -#}
{% macro segment_rank(segment_column) -%}
    case {{ segment_column }}
    {%- for segment in var('segments') %}
        when '{{ segment.name }}' then {{ loop.index }}
    {%- endfor %}
    end
{%- endmacro %}

{#- The features (columns of marts.feature_mart) the behaviour flags are decided on. -#}
{% macro behaviour_features() -%}
    {%- set features = [] -%}
    {%- for flag in var('behaviour_flags') -%}
        {%- for condition in flag.when if condition.feature not in features -%}
            {%- do features.append(condition.feature) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(features) }}
{%- endmacro %}

{#- True when any of the flag's conditions holds for the row of `relation` (an alias). -#}
{% macro behaviour_condition(flag, relation) -%}
    {%- for condition in flag.when -%}
        {%- if condition.op not in ['>=', '<='] -%}
            {{ exceptions.raise_compiler_error(
                "behaviour_flags: " ~ flag.name ~ " compares with " ~ condition.op
                ~ "; a condition's op is >= or <="
            ) }}
        {%- endif -%}
        {{- ' or ' if not loop.first -}}
        {{- relation }}.{{ condition.feature }} {{ condition.op }} {{ '-' if condition.negated -}}
        {{- var(condition.setting) -}}
    {%- endfor -%}
{%- endmacro %}
