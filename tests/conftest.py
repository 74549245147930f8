"""Fixtures shared by every test: where the data is, and small exports written by the tests."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import (
    MARKET_FILE_HEADER,
    TEST_MONTH,
    built_once,
    query,
    run_folder,
    run_oneclick,
    write_rows,
)
from warehouse.parse_cache import ENVIRONMENT_VARIABLE as PARSE_CACHE_VARIABLE
from warehouse.paths import SHARED_PRACTICUM_DIR, latest_demo_month


@pytest.fixture(scope="session", autouse=True)
def dbt_parse_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One folder of dbt parses for every build of the test run, on every worker
    (warehouse.parse_cache): a new warehouse's first build starts from an earlier build's parse
    instead of parsing the whole project, some 5 s of CPU each. The builds it runs in child
    processes inherit it."""
    folder = run_folder(tmp_path_factory) / "dbt-parse-cache"
    before = os.environ.get(PARSE_CACHE_VARIABLE)
    os.environ[PARSE_CACHE_VARIABLE] = str(folder)
    yield folder
    if before is None:
        os.environ.pop(PARSE_CACHE_VARIABLE, None)
    else:
        os.environ[PARSE_CACHE_VARIABLE] = before


@pytest.fixture(scope="session")
def real_data_dir() -> Path:
    """The real exports, ../shared/data/practicum beside the repository; skip where absent."""
    if not (SHARED_PRACTICUM_DIR / "market_file.csv").is_file():
        pytest.skip(
            f"../shared/data/practicum not found ({SHARED_PRACTICUM_DIR}): no real data here"
        )
    return SHARED_PRACTICUM_DIR


@pytest.fixture
def demo_copy(tmp_path: Path) -> Path:
    """A private copy of the embedded demo exports, for a test to break."""
    target = tmp_path / "raw"
    shutil.copytree(latest_demo_month(), target)
    return target


@pytest.fixture
def small_exports(tmp_path: Path) -> Callable[..., Path]:
    """Write a small, valid set of the four exports (three customers) into a folder."""

    def write(folder: Path | None = None) -> Path:
        folder = folder or tmp_path / "small"
        folder.mkdir(parents=True, exist_ok=True)
        customers = [
            [
                "215348",
                "Снизилась",
                "премиум",
                "да",
                "3.4",
                "5",
                "121",
                "0.0",
                "Товары для детей",
                "6",
                "2",
                "1",
                "5",
            ],
            [
                "215349",
                "Прежний уровень",
                "стандартт",
                "нет",
                "4.4",
                "4",
                "819",
                "0.75",
                "Косметика и аксесуары",
                "4",
                "4",
                "2",
                "5",
            ],
            [
                "215350",
                "Снизилась",
                "стандарт",
                "да",
                "4.9",
                "3",
                "539",
                "0.14",
                "Домашний текстиль",
                "5",
                "2",
                "1",
                "5",
            ],
        ]
        write_rows(folder / "market_file.csv", [MARKET_FILE_HEADER, *customers])
        money = [["id", "Период", "Выручка"]]
        minutes = [["id", "Период", "минут"]]
        profit = [["id", "Прибыль"]]
        for index, (customer_id, *_rest) in enumerate(customers):
            money += [
                [customer_id, "препредыдущий_месяц", f"{4000 + index}.0"],
                [customer_id, "предыдущий_месяц", f"{4500 + index}.5"],
                [customer_id, "текущий_месяц", f"{5000 + index}.0"],
            ]
            minutes += [
                [customer_id, "текущий_месяц", "14"],
                [customer_id, "предыдцщий_месяц", "12"],
            ]
            profit.append([customer_id, f"{3 + index},25"])
        write_rows(folder / "market_money.csv", money)
        write_rows(folder / "market_time.csv", minutes)
        write_rows(folder / "money.csv", profit, delimiter=";")
        return folder

    return write


@dataclass(frozen=True)
class Build:
    """A published warehouse a test built, with what the command printed."""

    warehouse: Path
    raw: Path
    stdout: str

    @property
    def model_path(self) -> Path:
        """The saved model this build trained (from marts.model_registry)."""
        (path,) = query(
            self.warehouse, "select artifact_path from marts.model_registry where is_current"
        )[0]
        return Path(path)


def build_or_fail(
    raw: Path, warehouse: Path, *extra: str | Path, month: str | None = TEST_MONTH
) -> Build:
    """Build with the command line and fail the test, showing why, if the build fails.
    ``month`` is passed as --month (None: the raw folder's name says it)."""
    months = ("--month", month) if month else ()
    result = run_oneclick("build", "--raw", raw, "--warehouse", warehouse, *months, *extra)
    assert result.returncode == 0, f"build failed:\n{result.stdout}\n{result.stderr}"
    return Build(warehouse=warehouse, raw=raw, stdout=result.stdout)


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """The embedded demo data, built once per test run (model trained and saved)."""

    def build(folder: Path) -> Build:
        raw = folder / "raw"
        shutil.copytree(latest_demo_month(), raw)
        return build_or_fail(raw, folder / "warehouse" / "oneclick.duckdb")

    return built_once(tmp_path_factory, "demo", build)


@pytest.fixture(scope="session")
def real_build(tmp_path_factory: pytest.TempPathFactory, real_data_dir: Path) -> Build:
    """The real exports from ../shared, built once per test run."""
    return built_once(
        tmp_path_factory,
        "real",
        lambda folder: build_or_fail(real_data_dir, folder / "warehouse" / "oneclick.duckdb"),
    )


@pytest.fixture(scope="session")
def demo_months_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`oneclick demo`, as `make run` does: the embedded demo months built in order into one
    warehouse (the first trains the model, the later ones are scored by it). Built once per
    test run; tests only read it."""

    def build(folder: Path) -> Path:
        warehouse = folder / "warehouse" / "oneclick.duckdb"
        result = run_oneclick("demo", "--warehouse", warehouse, timeout=1800)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr
        return warehouse

    return built_once(tmp_path_factory, "demo-months", build)
