"""Helpers the tests share: reading and writing exports in any dialect."""

from __future__ import annotations

import csv
from pathlib import Path

from warehouse.exports import LABEL_COLUMN

MARKET_FILE_HEADER = [
    "id",
    LABEL_COLUMN,
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
]


def read_rows(path: Path, delimiter: str = ",") -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as stream:
        return list(csv.reader(stream, delimiter=delimiter))


def write_rows(path: Path, rows: list[list[str]], delimiter: str = ",", **options) -> None:
    """Write rows as CSV; options: encoding, line_ending ('\\n' or '\\r\\n')."""
    encoding = options.get("encoding", "utf-8")
    with path.open("w", encoding=encoding, newline="") as stream:
        csv.writer(
            stream, delimiter=delimiter, lineterminator=options.get("line_ending", "\n")
        ).writerows(rows)
