{#-
    on-run-start: every setting has a value of its kind within its bounds (the rules are the var
    setting_rules in dbt_project.yml). `oneclick build` checks the same rules before dbt starts
    (warehouse/settings.py); this check makes a bare `dbt build --vars …` just as safe: a wrong
    value stops the run with the setting, the value and what is allowed, before any model runs.
-#}
{% macro check_settings() -%}
    {%- if execute -%}
        {%- set problems = [] -%}
        {%- for name, rule in var('setting_rules').items() -%}
            {%- set problem = setting_problem(name, var(name, none), rule) -%}
            {%- if problem -%}
                {%- do problems.append(problem) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if problems -%}
            {{ exceptions.raise_compiler_error("invalid settings: " ~ problems | join("; ")) }}
        {%- endif -%}
    {%- endif -%}
    select 1
{%- endmacro %}

{#- What is wrong with one setting's value, or an empty string. -#}
{% macro setting_problem(name, value, rule) -%}
    {%- set kind = rule.get('kind') -%}
    {%- set is_bool = value is sameas true or value is sameas false -%}
    {%- set bounds = [] -%}
    {%- if rule.get('min') is not none -%}{%- do bounds.append('at least ' ~ rule['min']) -%}{%- endif -%}
    {%- if rule.get('max') is not none -%}{%- do bounds.append('at most ' ~ rule['max']) -%}{%- endif -%}
    {%- set allowed = (('a whole number' if kind == 'integer' else 'a number') ~ (' ' ~ bounds | join(' and ') if bounds else '')) if kind != 'boolean' else 'true or false' -%}
    {%- if kind == 'boolean' -%}
        {%- set ok = is_bool -%}
    {%- elif kind == 'integer' -%}
        {%- set ok = value is number and not is_bool and value == (value | int) -%}
    {%- else -%}
        {%- set ok = value is number and not is_bool -%}
    {%- endif -%}
    {%- if ok and kind != 'boolean' -%}
        {%- if rule.get('min') is not none and value < rule['min'] -%}{%- set ok = false -%}{%- endif -%}
        {%- if rule.get('max') is not none and value > rule['max'] -%}{%- set ok = false -%}{%- endif -%}
    {%- endif -%}
    {{- '' if ok else name ~ ' = ' ~ (value | tojson) ~ ' is not allowed: expected ' ~ allowed -}}
{%- endmacro %}
