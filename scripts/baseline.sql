-- The benchmark's baseline: the warehouse's data work written by hand as one DuckDB script —
-- load the four exports (every dialect: all_varchar, then parse), map the typos, drop exact
-- duplicates, pivot revenue and minutes, keep customers buying every month, replace revenue
-- outliers, join the profit. No checks, no record of what was set aside, no tests: the floor
-- the dbt build is measured against. scripts/benchmark replaces `{raw_dir}` and
-- `{revenue_outlier_threshold}` (the var in dbt_project.yml).

create or replace table customers as
select distinct
    cast(id as bigint) as customer_id,
    case lower(trim("Покупательская активность"))
        when 'снизилась' then 1 when 'прежний уровень' then 0
    end as activity_declined,
    case lower(trim("Тип сервиса")) when 'стандартт' then 'стандарт' else lower(trim("Тип сервиса")) end
        as service_tier,
    replace(trim("Популярная_категория"), 'аксесуары', 'аксессуары') as favourite_category,
    cast(replace("Маркет_актив_6_мес", ',', '.') as double) as marketing_contacts_6m_avg,
    cast(cast(replace("Маркет_актив_тек_мес", ',', '.') as double) as integer) as marketing_contacts_current_month,
    cast(cast(replace("Длительность", ',', '.') as double) as integer) as tenure_days,
    cast(replace("Акционные_покупки", ',', '.') as double) as promo_purchase_share,
    cast(cast(replace("Средний_просмотр_категорий_за_визит", ',', '.') as double) as integer) as categories_per_visit,
    cast(cast(replace("Неоплаченные_продукты_штук_квартал", ',', '.') as double) as integer) as unpaid_cart_items_quarter,
    cast(cast(replace("Ошибка_сервиса", ',', '.') as double) as integer) as service_errors,
    cast(cast(replace("Страниц_за_визит", ',', '.') as double) as integer) as pages_per_visit,
    lower(trim("Разрешить сообщать")) = 'да' as is_marketing_allowed
from read_csv('{raw_dir}/market_file.csv', all_varchar = true, header = true);

create or replace table revenues as
select
    customer_id,
    max(revenue) filter (where period = 'препредыдущий_месяц') as revenue_two_months_ago,
    max(revenue) filter (where period = 'предыдущий_месяц') as revenue_previous_month,
    max(revenue) filter (where period = 'текущий_месяц') as revenue_current_month
from (
    select distinct
        cast(id as bigint) as customer_id,
        trim("Период") as period,
        cast(replace("Выручка", ',', '.') as double) as revenue
    from read_csv('{raw_dir}/market_money.csv', all_varchar = true, header = true)
)
group by customer_id;

create or replace table minutes as
select
    customer_id,
    max(minutes) filter (where period in ('предыдущий_месяц', 'предыдцщий_месяц')) as minutes_previous_month,
    max(minutes) filter (where period = 'текущий_месяц') as minutes_current_month
from (
    select distinct
        cast(id as bigint) as customer_id,
        trim("Период") as period,
        cast(cast(replace("минут", ',', '.') as double) as integer) as minutes
    from read_csv('{raw_dir}/market_time.csv', all_varchar = true, header = true)
)
group by customer_id;

create or replace table features as
with
profits as (
    select distinct cast(id as bigint) as customer_id, cast(replace("Прибыль", ',', '.') as double) as profit
    from read_csv('{raw_dir}/money.csv', all_varchar = true, header = true)
),
in_scope as (
    select
        customers.*,
        revenues.* exclude (customer_id),
        minutes.* exclude (customer_id),
        profits.profit
    from customers
    join revenues using (customer_id)
    join minutes using (customer_id)
    join profits using (customer_id)
    where revenues.revenue_two_months_ago > 0
      and revenues.revenue_previous_month > 0
      and revenues.revenue_current_month > 0
),
replaced as (
    select
        * replace (
            case when revenue_two_months_ago > {revenue_outlier_threshold}
                then (revenue_previous_month + revenue_current_month) / 2
                else revenue_two_months_ago end as revenue_two_months_ago,
            case when revenue_previous_month > {revenue_outlier_threshold}
                then (revenue_two_months_ago + revenue_current_month) / 2
                else revenue_previous_month end as revenue_previous_month,
            case when revenue_current_month > {revenue_outlier_threshold}
                then (revenue_two_months_ago + revenue_previous_month) / 2
                else revenue_current_month end as revenue_current_month
        )
    from in_scope
)
select
    *,
    revenue_current_month - revenue_previous_month as revenue_change,
    minutes_current_month - minutes_previous_month as minutes_change
from replaced;
