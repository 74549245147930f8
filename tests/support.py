"""Helpers the tests share: reading and writing exports in any dialect."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import pickle
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import duckdb
import pandas as pd
from filelock import FileLock

from warehouse.dbt_runner import dbt_executable
from warehouse.paths import DBT_PROJECT_DIR

T = TypeVar("T")

# The month test builds are of, unless a test says otherwise (tests never depend on today).
TEST_MONTH = "2026-11"

# The exports' headers, written out here on purpose, not read from the project's declaration
# (warehouse.exports): a test that followed the declaration could not catch a wrong one.
LABEL_COLUMN = "Покупательская активность"

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


def compile_models(models: list[str], raw_dir: Path, target: Path) -> dict[str, str]:
    """The SQL dbt compiles for ``models`` (names) with the exports in ``raw_dir``, by model:
    the project's real SQL, to run on files a test writes. ``target`` holds dbt's output; a
    model reading another's table refers to it in the catalog ``compile``."""
    subprocess.run(
        [
            *dbt_executable(),
            "compile",
            "--select",
            *models,
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(target),
            "--log-path",
            str(target / "logs"),
            "--vars",
            json.dumps({"raw_dir": str(raw_dir)}),
        ],
        cwd=DBT_PROJECT_DIR,
        env={
            **os.environ,
            "ONECLICK_DEV_WAREHOUSE": str(target / "compile.duckdb"),
            "ONECLICK_PUBLISHED_WAREHOUSE": str(target / "nothing-published.duckdb"),
        },
        check=True,
        capture_output=True,
    )
    compiled = target / "compiled" / "oneclick" / "models"
    return {model: next(compiled.rglob(f"{model}.sql")).read_text("utf-8") for model in models}


def run_oneclick(*arguments: str | Path, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run the ``oneclick`` command line as a user would, in a child process."""
    return subprocess.run(
        [sys.executable, "-m", "warehouse.cli", *map(str, arguments)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def query(warehouse: Path, sql: str, parameters: list | None = None) -> list[tuple]:
    """Rows of a query on a warehouse file opened read-only, as a BI tool opens it."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.execute(sql, parameters or []).fetchall()


def query_frame(warehouse: Path, sql: str) -> pd.DataFrame:
    """:func:`query`'s rows as a pandas frame."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.execute(sql).df()


def fingerprint(path: Path) -> str:
    """SHA-256 of a file's bytes: proves a published warehouse was left untouched."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_folder(tmp_path_factory) -> Path:
    """The test run's temporary folder, the same for every pytest-xdist worker."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # every worker's folder is a child of the run's folder
    return base


def built_once(tmp_path_factory, name: str, build: Callable[[Path], T]) -> T:
    """``build(folder)`` once per test run, however many pytest-xdist workers ask for it.

    The first worker to ask builds into ``<run's temporary folder>/<name>`` under a file lock
    and saves what ``build`` returned; the others wait for the lock and read it back. Tests
    only read what it built (a test that changes it copies it first). A build that fails
    saves nothing: the next worker to ask builds again, and fails the same way."""
    base = run_folder(tmp_path_factory)
    folder = base / name
    saved = base / f"{name}.pickle"
    with FileLock(base / f"{name}.lock"):
        if saved.exists():
            return pickle.loads(saved.read_bytes())
        shutil.rmtree(folder, ignore_errors=True)  # what a failed attempt left
        folder.mkdir()
        value = build(folder)
        saved.write_bytes(pickle.dumps(value))
        return value
