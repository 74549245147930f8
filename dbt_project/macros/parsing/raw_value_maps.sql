{#-
    Every spelling of a category the exports have ever used, mapped to its canonical value.
    Keys are lower-case and trimmed (see category_key). A value missing here is not guessed:
    the staging test `has_no_parse_problems` fails the build and names file, line and value.
    To accept a new spelling, add it here and to the unit tests in _staging__models.yml.
-#}
{% macro raw_value_map(map_name) -%}
    {%- set maps = {
        "activity_declined": {
            "снизилась": 1,
            "прежний уровень": 0,
        },
        "service_tier": {
            "стандарт": "стандарт",
            "стандартт": "стандарт",
            "премиум": "премиум",
        },
        "consent": {
            "да": true,
            "нет": false,
        },
        "category": {
            "товары для детей": "Товары для детей",
            "домашний текстиль": "Домашний текстиль",
            "косметика и аксесуары": "Косметика и аксессуары",
            "косметика и аксессуары": "Косметика и аксессуары",
            "техника для красоты и здоровья": "Техника для красоты и здоровья",
            "мелкая бытовая техника и электроника": "Мелкая бытовая техника и электроника",
            "кухонная посуда": "Кухонная посуда",
        },
        "revenue_period": {
            "препредыдущий_месяц": "two_months_ago",
            "предыдущий_месяц": "previous_month",
            "предыдцщий_месяц": "previous_month",
            "текущий_месяц": "current_month",
        },
        "minutes_period": {
            "предыдущий_месяц": "previous_month",
            "предыдцщий_месяц": "previous_month",
            "текущий_месяц": "current_month",
        },
    } -%}
    {%- if map_name not in maps -%}
        {{ exceptions.raise_compiler_error("raw_value_map: no map named '" ~ map_name ~ "'") }}
    {%- endif -%}
    {{ return(maps[map_name]) }}
{%- endmacro %}

{#- The canonical values of one map, without repeats, for accepted_values tests. -#}
{% macro canonical_values(map_name) -%}
    {{ return(raw_value_map(map_name).values() | unique | list) }}
{%- endmacro %}
