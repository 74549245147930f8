with

source as (

    select * from {{ source('shop_export', 'market_file') }}

),

-- The label is optional: an export that is only to be scored does not carry it.
-- Union by name adds the column, empty, where the file lacks it.
labelled as (

    select * from source
    union all by name
    select null::varchar as "Покупательская активность"
    where false

),

parsed as (

    select
        *,
        {{ parse_integer('"id"', max_id()) }} as customer_id,
        {{ map_raw_value('"Покупательская активность"', 'activity_declined') }}::integer
            as activity_declined,
        {{ map_raw_value('"Тип сервиса"', 'service_tier') }} as service_tier,
        {{ map_raw_value('"Популярная_категория"', 'category') }}
            as favourite_category,
        {{ parse_decimal('"Маркет_актив_6_мес"') }} as marketing_contacts_6m_avg,
        {{ parse_integer('"Маркет_актив_тек_мес"') }}::integer
            as marketing_contacts_current_month,
        {{ parse_integer('"Длительность"') }}::integer as tenure_days,
        {{ parse_decimal('"Акционные_покупки"') }} as promo_purchase_share,
        {{ parse_integer('"Средний_просмотр_категорий_за_визит"') }}::integer
            as categories_per_visit,
        {{ parse_integer('"Неоплаченные_продукты_штук_квартал"') }}::integer
            as unpaid_cart_items_quarter,
        {{ parse_integer('"Ошибка_сервиса"') }}::integer as service_errors,
        {{ parse_integer('"Страниц_за_визит"') }}::integer as pages_per_visit,
        {{ map_raw_value('"Разрешить сообщать"', 'consent') }}::boolean
            as is_marketing_allowed
    from labelled

),

staged as (

    select
        ---------- ids
        customer_id,

        ---------- label
        activity_declined,

        ---------- categories
        service_tier,
        favourite_category,

        ---------- numerics
        marketing_contacts_6m_avg,
        marketing_contacts_current_month,
        tenure_days,
        promo_purchase_share,
        categories_per_visit,
        unpaid_cart_items_quarter,
        service_errors,
        pages_per_visit,

        ---------- booleans
        is_marketing_allowed,

        ---------- what did not parse
        {{ parse_problems([
            ('id', 'id', 'customer_id'),
            ('Покупательская активность', 'activity_declined', 'activity_declined', false),
            ('Тип сервиса', 'service_tier', 'service_tier'),
            ('Разрешить сообщать', 'consent', 'is_marketing_allowed'),
            ('Маркет_актив_6_мес', 'decimal', 'marketing_contacts_6m_avg'),
            ('Маркет_актив_тек_мес', 'integer', 'marketing_contacts_current_month'),
            ('Длительность', 'integer', 'tenure_days'),
            ('Акционные_покупки', 'decimal', 'promo_purchase_share'),
            ('Популярная_категория', 'category', 'favourite_category'),
            ('Средний_просмотр_категорий_за_визит', 'integer', 'categories_per_visit'),
            ('Неоплаченные_продукты_штук_квартал', 'integer', 'unpaid_cart_items_quarter'),
            ('Ошибка_сервиса', 'integer', 'service_errors'),
            ('Страниц_за_визит', 'integer', 'pages_per_visit'),
        ]) }} as parse_problems

    from parsed

)

select * from staged
