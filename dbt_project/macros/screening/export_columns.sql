{#-
    The staged columns of each export beside the header the export gives them, key columns
    first. One list serves the screening (which columns make a duplicate) and the rejected-row
    record (which values to show a person).
-#}
{% macro export_columns(source_file) -%}
    {%- set exports = {
        "market_file.csv": [
            ("customer_id", "id"),
            ("activity_declined", "Покупательская активность"),
            ("service_tier", "Тип сервиса"),
            ("is_marketing_allowed", "Разрешить сообщать"),
            ("marketing_contacts_6m_avg", "Маркет_актив_6_мес"),
            ("marketing_contacts_current_month", "Маркет_актив_тек_мес"),
            ("tenure_days", "Длительность"),
            ("promo_purchase_share", "Акционные_покупки"),
            ("favourite_category", "Популярная_категория"),
            ("categories_per_visit", "Средний_просмотр_категорий_за_визит"),
            ("unpaid_cart_items_quarter", "Неоплаченные_продукты_штук_квартал"),
            ("service_errors", "Ошибка_сервиса"),
            ("pages_per_visit", "Страниц_за_визит"),
        ],
        "market_money.csv": [
            ("customer_id", "id"),
            ("period", "Период"),
            ("revenue", "Выручка"),
        ],
        "market_time.csv": [
            ("customer_id", "id"),
            ("period", "Период"),
            ("minutes", "минут"),
        ],
        "money.csv": [
            ("customer_id", "id"),
            ("profit", "Прибыль"),
        ],
    } -%}
    {{ return(exports[source_file]) }}
{%- endmacro %}

{#- A row's values as text for a person: `id=215348, Период=current_month, Выручка=-5.0`. -#}
{% macro describe_values(source_file, relation_alias) -%}
    concat_ws(
        ', ',
        {%- for column, header in export_columns(source_file) %}
        '{{ header }}=' || coalesce({{ relation_alias }}.{{ column }}::varchar, '∅')
        {{- "," if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}

{#- The staging model of each export file, in the order of the exports. -#}
{% macro staged_exports() -%}
    {{ return({
        "market_file.csv": "stg_shop_export__customers",
        "market_money.csv": "stg_shop_export__monthly_revenues",
        "market_time.csv": "stg_shop_export__monthly_minutes",
        "money.csv": "stg_shop_export__profits",
    }) }}
{%- endmacro %}
