"""The four CSV exports as the shop writes them: file names and the columns each must have."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ExportSpec:
    """One export file: its name, the columns it must have, and the ones it may lack."""

    file_name: str
    required_columns: tuple[str, ...]
    optional_columns: tuple[str, ...] = ()
    description: str = ""

    @property
    def known_columns(self) -> tuple[str, ...]:
        return self.required_columns + self.optional_columns


LABEL_COLUMN = "Покупательская активность"

EXPORTS: tuple[ExportSpec, ...] = (
    ExportSpec(
        file_name="market_file.csv",
        required_columns=(
            "id",
            "Тип сервиса",
            "Разрешить сообщать",
            "Маркет_актив_6_мес",
            "Маркет_актив_тек_мес",
            "Длительность",
            "Акционные_покупки",
            "Популярная_категория",
            "Средний_просмотр_категорий_за_визит",
            "Неоплаченные_продукты_штук_квартал",
            "Ошибка_сервиса",
            "Страниц_за_визит",
        ),
        # The label: absent from an export that is only to be scored.
        optional_columns=(LABEL_COLUMN,),
        description="one row per customer: label, tier, consent, behaviour",
    ),
    ExportSpec(
        file_name="market_money.csv",
        required_columns=("id", "Период", "Выручка"),
        description="revenue per customer per month",
    ),
    ExportSpec(
        file_name="market_time.csv",
        required_columns=("id", "Период", "минут"),
        description="minutes on the site per customer per month",
    ),
    ExportSpec(
        file_name="money.csv",
        required_columns=("id", "Прибыль"),
        description="average monthly profit per customer",
    ),
)

EXPORT_FILE_NAMES: tuple[str, ...] = tuple(spec.file_name for spec in EXPORTS)
