"""The demo-data generator writes the four exports in the real files' raw format, quirks and
all, deterministically for any chunk size, with a target a classifier can learn but not ace."""

from __future__ import annotations

import hashlib
import io
import re
import shlex
from dataclasses import dataclass, replace
from datetime import date
from itertools import pairwise
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from scripts import generate_demo_data as gen

REPO_ROOT = Path(__file__).resolve().parents[2]
REAL_DIR = REPO_ROOT.parent / "shared" / "data" / "practicum"
DEMO_DIR = REPO_ROOT / "warehouse" / "demo_data"
FILES = ("market_file.csv", "market_money.csv", "market_time.csv", "money.csv")
# Written out here, not taken from the generator, so a change there shows up as a failure.
EXPECTED_HEADERS = {
    "market_file.csv": "id,Покупательская активность,Тип сервиса,Разрешить сообщать,"
    "Маркет_актив_6_мес,Маркет_актив_тек_мес,Длительность,Акционные_покупки,"
    "Популярная_категория,Средний_просмотр_категорий_за_визит,"
    "Неоплаченные_продукты_штук_квартал,Ошибка_сервиса,Страниц_за_визит",
    "market_money.csv": "id,Период,Выручка",
    "market_time.csv": "id,Период,минут",
    "money.csv": "id;Прибыль",
}
CATEGORIES = {
    "Товары для детей",
    "Домашний текстиль",
    "Косметика и аксесуары",
    "Техника для красоты и здоровья",
    "Мелкая бытовая техника и электроника",
    "Кухонная посуда",
}
CUSTOMERS = 1300
SEED = 42
DEMO_MONTHS = ("2026-09", "2026-10", "2026-11")
# A false failure of a statistical check below needs a deviation of 4 standard errors: a chance
# of 6e-5 (and the data are seeded, so a check that passes once passes always).
Z = 4.0


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    gen.generate(out, customers=CUSTOMERS, seed=SEED, chunk_size=500)
    return out


def _documented_demo_command() -> list[str]:
    """The arguments of the command the generator's docstring says wrote the embedded demo,
    without its --out."""
    text = (gen.__doc__ or "").replace("\\\n", " ")
    (line,) = [line for line in text.splitlines() if "generate_demo_data.py --months" in line]
    words = shlex.split(line)
    arguments = words[words.index("scripts/generate_demo_data.py") + 1 :]
    out = arguments.index("--out")
    assert arguments[out + 1] == "warehouse/demo_data"
    return arguments[:out] + arguments[out + 2 :]


@pytest.fixture(scope="module")
def months_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The embedded demo's months, written by the command the docstring documents."""
    out = tmp_path_factory.mktemp("months")
    gen.main([*_documented_demo_command(), "--out", str(out), "--chunk-size", "500"])
    return out


@pytest.fixture(scope="module", params=["single", *DEMO_MONTHS])
def export(request: pytest.FixtureRequest, demo: Path, months_demo: Path) -> Path:
    """One export: the single-export generator's, or a month of the demo sequence."""
    return demo if request.param == "single" else months_demo / request.param


def _bytes(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in FILES}


def _rows(folder: Path, name: str) -> list[list[str]]:
    text = (folder / name).read_text(encoding="utf-8")
    separator = ";" if name == "money.csv" else ","
    return [line.split(separator) for line in text.split("\n")[1:-1]]


def _read(folder: Path) -> tuple[pd.DataFrame, pd.Series]:
    """Features per customer (the four files joined, months pivoted) and the 0/1 target."""
    market = pd.read_csv(folder / "market_file.csv").set_index("id")
    money = pd.read_csv(folder / "market_money.csv").pivot(
        index="id", columns="Период", values="Выручка"
    )
    minutes = pd.read_csv(folder / "market_time.csv").pivot(
        index="id", columns="Период", values="минут"
    )
    profit = pd.read_csv(folder / "money.csv", sep=";", decimal=",").set_index("id")
    target = (market.pop("Покупательская активность") == "Снизилась").astype(int)
    categorical = ["Тип сервиса", "Разрешить сообщать", "Популярная_категория"]
    features = (
        pd.get_dummies(market, columns=categorical, dtype=float)
        .join(money.add_prefix("revenue_"))
        .join(minutes.add_prefix("minutes_"))
        .join(profit)
    )
    return features, target


# --- Format -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", FILES)
def test_header_is_the_real_header_byte_for_byte(export: Path, name: str) -> None:
    first_line = (export / name).read_bytes().split(b"\n", 1)[0]
    assert first_line == EXPECTED_HEADERS[name].encode("utf-8")


@pytest.mark.real_data
@pytest.mark.parametrize("name", FILES)
def test_header_matches_the_real_file(demo: Path, name: str) -> None:
    if not REAL_DIR.is_dir():
        pytest.skip("../shared/data/practicum not found")
    real_header = (REAL_DIR / name).read_bytes().split(b"\n", 1)[0]
    assert (demo / name).read_bytes().split(b"\n", 1)[0] == real_header


@pytest.mark.parametrize("name", FILES)
def test_utf8_without_bom_lf_line_ends_and_a_final_newline(export: Path, name: str) -> None:
    content = (export / name).read_bytes()
    assert not content.startswith(b"\xef\xbb\xbf")
    assert b"\r" not in content
    assert content.endswith(b"\n") and not content.endswith(b"\n\n")
    content.decode("utf-8")


def test_money_is_semicolon_separated_with_decimal_commas(export: Path) -> None:
    rows = _rows(export, "money.csv")
    assert all(len(row) == 2 for row in rows)
    profits = [profit for _, profit in rows]
    # Up to two decimals after a comma, trailing zeros dropped as in the real file: 4,16 4,1 5.
    assert all(re.fullmatch(r"\d+(,\d?[1-9])?", profit) for profit in profits), profits[:10]
    assert any(re.fullmatch(r"\d+,\d\d", profit) for profit in profits)
    assert not any("." in profit for profit in profits)


def test_numbers_are_written_as_in_the_real_file(export: Path) -> None:
    market = _rows(export, "market_file.csv")
    assert all(re.fullmatch(r"\d{6}", row[0]) for row in market)
    assert all(re.fullmatch(r"\d\.\d", row[4]) for row in market)  # Маркет_актив_6_мес
    # Акционные_покупки: Python's float text, 0.0 / 0.3 / 0.24, never 0.30.
    assert all(re.fullmatch(r"[01]\.(0|\d?[1-9])", row[7]) for row in market)
    assert any(re.fullmatch(r"0\.\d", row[7]) for row in market)
    for column in (5, 6, 9, 10, 11, 12):
        assert all(re.fullmatch(r"\d+", row[column]) for row in market), column
    revenue = [row[2] for row in _rows(export, "market_money.csv")]
    assert all(re.fullmatch(r"\d+\.\d", value) for value in revenue)
    assert all(re.fullmatch(r"\d+", row[2]) for row in _rows(export, "market_time.csv"))


def test_typos_of_the_real_exports_are_present(export: Path) -> None:
    market = (export / "market_file.csv").read_text(encoding="utf-8")
    assert ",стандартт," in market
    assert "Косметика и аксесуары" in market
    assert "Косметика и аксессуары" not in market
    minutes = (export / "market_time.csv").read_text(encoding="utf-8")
    assert ",предыдцщий_месяц," in minutes
    assert "предыдущий_месяц" not in minutes


def test_categorical_columns_have_exactly_the_real_values(export: Path) -> None:
    market = _rows(export, "market_file.csv")
    assert {row[1] for row in market} == {"Снизилась", "Прежний уровень"}
    assert {row[2] for row in market} == {"стандарт", "стандартт", "премиум"}
    assert {row[3] for row in market} == {"да", "нет"}
    assert {row[8] for row in market} == CATEGORIES
    assert {row[5] for row in market} <= {"3", "4", "5"}
    assert {row[1] for row in _rows(export, "market_money.csv")} == {
        "препредыдущий_месяц",
        "предыдущий_месяц",
        "текущий_месяц",
    }
    assert {row[1] for row in _rows(export, "market_time.csv")} == {
        "предыдцщий_месяц",
        "текущий_месяц",
    }


# --- Shape --------------------------------------------------------------------------------------


def test_one_three_two_and_one_rows_per_customer(demo: Path) -> None:
    expected_ids = [str(215348 + offset) for offset in range(CUSTOMERS)]
    per_customer = {
        "market_file.csv": 1,
        "market_money.csv": 3,
        "market_time.csv": 2,
        "money.csv": 1,
    }
    for name, count in per_customer.items():
        ids = [row[0] for row in _rows(demo, name)]
        assert len(ids) == CUSTOMERS * count, name
        # Consecutive ids, each customer's rows together.
        assert ids == [i for i in expected_ids for _ in range(count)], name


def test_each_customer_has_every_period_once_in_a_shuffled_order(export: Path) -> None:
    rows = _rows(export, "market_money.csv")
    orders = [tuple(row[1] for row in rows[i : i + 3]) for i in range(0, len(rows), 3)]
    assert all(len(set(order)) == 3 for order in orders)
    assert len(set(orders)) == 6  # every order occurs: the rows are shuffled per customer
    rows = _rows(export, "market_time.csv")
    firsts = {rows[i][1] for i in range(0, len(rows), 2)}
    assert firsts == {"предыдцщий_месяц", "текущий_месяц"}


def test_zero_revenue_customers_and_exactly_one_outlier(demo: Path) -> None:
    money = pd.read_csv(demo / "market_money.csv")
    zero = money[money["Выручка"] == 0]
    assert 1 <= zero["id"].nunique() <= 0.01 * CUSTOMERS
    # As in the real file: nothing in the two earlier months.
    assert set(zero["Период"]) == {"препредыдущий_месяц", "предыдущий_месяц"}
    assert (zero.groupby("id").size() == 2).all()
    outliers = money[money["Выручка"] > 100_000]
    assert len(outliers) == 1
    assert money["Выручка"].drop(outliers.index).max() < 20_000


def test_small_files_have_a_zero_customer_and_no_outlier(tmp_path: Path) -> None:
    gen.generate(tmp_path, customers=10, seed=3, chunk_size=4)
    money = pd.read_csv(tmp_path / "market_money.csv")
    assert len(money) == 30
    assert (money["Выручка"] == 0).any()
    assert (money["Выручка"] < 100_000).all()


# --- Determinism and scale ----------------------------------------------------------------------


def test_same_seed_gives_byte_identical_files(demo: Path, tmp_path: Path) -> None:
    gen.generate(tmp_path, customers=CUSTOMERS, seed=SEED, chunk_size=500)
    assert _bytes(tmp_path) == _bytes(demo)


@pytest.mark.parametrize("chunk_size", [1, 7, 128, 1299, 100_000])
def test_chunk_size_does_not_change_a_byte(demo: Path, tmp_path: Path, chunk_size: int) -> None:
    gen.generate(tmp_path, customers=CUSTOMERS, seed=SEED, chunk_size=chunk_size)
    assert _bytes(tmp_path) == _bytes(demo)


def test_another_seed_gives_other_files(demo: Path, tmp_path: Path) -> None:
    gen.generate(tmp_path, customers=CUSTOMERS, seed=SEED + 1, chunk_size=500)
    other = _bytes(tmp_path)
    assert all(other[name] != content for name, content in _bytes(demo).items())


def test_progress_is_reported_about_every_tenth(tmp_path: Path) -> None:
    lines: list[str] = []
    gen.generate(tmp_path, customers=1000, seed=SEED, chunk_size=50, progress=lines.append)
    assert len(lines) == 10
    assert lines[-1].startswith("1,000 of 1,000 customers (100%)")


def test_cli_writes_the_four_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "nested" / "demo"
    code = gen.main(["--customers", "25", "--seed", "7", "--out", str(out), "--chunk-size", "10"])
    assert code == 0
    assert sorted(path.name for path in out.iterdir()) == sorted(FILES)
    assert len(_rows(out, "market_file.csv")) == 25
    assert "wrote 25 customers" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["--customers", "0"], ["--chunk-size", "0"], ["--seed", "-1"]])
def test_cli_refuses_nonsense(tmp_path: Path, argv: list[str]) -> None:
    with pytest.raises(SystemExit):
        gen.main(["--out", str(tmp_path), *argv])


# --- Content ------------------------------------------------------------------------------------


def test_target_is_learnable_but_not_trivially(tmp_path: Path) -> None:
    gen.generate(tmp_path, customers=2000, seed=SEED, chunk_size=700)
    features, target = _read(tmp_path)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    auc = cross_val_score(model, features, target, cv=folds, scoring="roc_auc").mean()
    assert 0.8 <= auc <= 0.97


def test_declined_customers_behave_as_in_the_real_data(demo: Path) -> None:
    features, target = _read(demo)
    declined, kept = features[target == 1].mean(), features[target == 0].mean()
    assert 0.3 <= target.mean() <= 0.46
    for lower in (
        "Страниц_за_визит",
        "Средний_просмотр_категорий_за_визит",
        "Маркет_актив_6_мес",
        "minutes_текущий_месяц",
        "minutes_предыдцщий_месяц",
    ):
        assert declined[lower] < kept[lower], lower
    for higher in ("Акционные_покупки", "Неоплаченные_продукты_штук_квартал"):
        assert declined[higher] > kept[higher], higher


@pytest.mark.real_data
def test_marginals_are_close_to_the_real_ones(demo: Path) -> None:
    if not REAL_DIR.is_dir():
        pytest.skip("../shared/data/practicum not found")
    generated, generated_target = _read(demo)
    real, real_target = _read(REAL_DIR)
    assert abs(generated_target.mean() - real_target.mean()) < 0.05
    columns = [
        "Маркет_актив_6_мес",
        "Длительность",
        "Акционные_покупки",
        "Средний_просмотр_категорий_за_визит",
        "Неоплаченные_продукты_штук_квартал",
        "Ошибка_сервиса",
        "Страниц_за_визит",
        "minutes_текущий_месяц",
        "minutes_предыдцщий_месяц",
        "Прибыль",
    ]
    for column in columns:
        real_mean, real_std = real[column].mean(), real[column].std()
        assert abs(generated[column].mean() - real_mean) < 0.2 * real_std, column
        assert 0.75 < generated[column].std() / real_std < 1.25, column


def test_counter_based_uniforms_look_uniform() -> None:
    u = gen.uniforms(SEED, np.arange(20_000))
    assert u.shape == (20_000, gen.STREAMS)
    assert u.min() >= 0.0 and u.max() < 1.0
    assert np.allclose(u.mean(axis=0), 0.5, atol=0.02)
    # Neighbouring streams and customers are not correlated.
    assert abs(np.corrcoef(u[:, 0], u[:, 1])[0, 1]) < 0.03
    assert abs(np.corrcoef(u[:-1, 0], u[1:, 0])[0, 1]) < 0.03
    assert np.array_equal(gen.uniforms(SEED, np.arange(5, 9)), u[5:9])


def test_reading_the_files_with_the_real_dialects_round_trips(export: Path) -> None:
    text = (export / "money.csv").read_text(encoding="utf-8")
    profit = pd.read_csv(io.StringIO(text), sep=";", decimal=",")["Прибыль"]
    assert profit.dtype == float
    assert profit.between(0, 10).all()


# --- A sequence of months of one shop -----------------------------------------------------------

LABEL = "Покупательская активность"
PAGES = "Страниц_за_визит"
# A period of market_money.csv and market_time.csv, as months before the export's month.
MONTHS_BACK = {"препредыдущий_месяц": 2, "предыдущий_месяц": 1, "предыдцщий_месяц": 1}
BEHAVIOURS = (
    "Маркет_актив_6_мес",
    "Маркет_актив_тек_мес",
    "Длительность",
    "Акционные_покупки",
    "Средний_просмотр_категорий_за_визит",
    "Неоплаченные_продукты_штук_квартал",
    "Ошибка_сервиса",
    PAGES,
)
SHOP_MONTHS = ("2026-08", "2026-09", "2026-10", "2026-11")
SHOP = gen.Shop(months=SHOP_MONTHS, customers=20_000, seed=7)


@dataclass(frozen=True)
class Export:
    """One month's export, read as the tests need it."""

    market: pd.DataFrame  # indexed by id
    revenue: pd.DataFrame  # id × period
    minutes: pd.DataFrame  # id × period
    profit: pd.Series  # by id

    @property
    def declined(self) -> pd.Series:
        return self.market[LABEL] == "Снизилась"


def _export(folder: Path) -> Export:
    return Export(
        market=pd.read_csv(folder / "market_file.csv").set_index("id"),
        revenue=pd.read_csv(folder / "market_money.csv").pivot(
            index="id", columns="Период", values="Выручка"
        ),
        minutes=pd.read_csv(folder / "market_time.csv").pivot(
            index="id", columns="Период", values="минут"
        ),
        profit=pd.read_csv(folder / "money.csv", sep=";", decimal=",").set_index("id")["Прибыль"],
    )


def _sequence(out: Path, shop: gen.Shop) -> dict[str, Export]:
    gen.write_shop(out, shop, chunk_size=7_000)
    return {month: _export(out / month) for month in shop.months}


@pytest.fixture(scope="module")
def shop_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four months of a shop of 20,000 customers, no offer effect, no drift."""
    out = tmp_path_factory.mktemp("shop")
    gen.write_shop(out, SHOP, chunk_size=7_000)
    return out


@pytest.fixture(scope="module")
def shop_exports(shop_dir: Path) -> dict[str, Export]:
    return {month: _export(shop_dir / month) for month in SHOP.months}


def _pairs(exports: dict[str, Export]) -> list[tuple[Export, Export]]:
    months = list(exports)
    return [(exports[a], exports[b]) for a, b in pairwise(months)]


def _revenue_by_calendar_month(exports: dict[str, Export]) -> pd.DataFrame:
    """Every revenue cell of every export: customer, calendar month, value, export."""
    frames = []
    for month, export in exports.items():
        long = export.revenue.stack().rename("revenue").reset_index()
        long["calendar_month"] = gen.month_number(month) - long["Период"].map(MONTHS_BACK).fillna(
            0
        ).astype(int)
        long["export"] = month
        frames.append(long)
    return pd.concat(frames, ignore_index=True)


def _psi(reference: pd.Series, current: pd.Series) -> float:
    """Population stability index: by value for a column of few values, else on the
    reference's deciles."""
    if reference.nunique() <= 20:
        expected = reference.value_counts(normalize=True)
        actual = current.value_counts(normalize=True).reindex(expected.index, fill_value=0)
    else:
        edges = np.unique(np.quantile(reference, np.linspace(0, 1, 11))[1:-1])
        expected = pd.Series(np.bincount(np.searchsorted(edges, reference), minlength=11))
        actual = pd.Series(np.bincount(np.searchsorted(edges, current), minlength=11))
        expected, actual = expected / expected.sum(), actual / actual.sum()
    expected, actual = expected.clip(lower=1e-4), actual.clip(lower=1e-4)
    return float(((actual - expected) * np.log(actual / expected)).sum())


def _tolerance(declined: pd.Series) -> float:
    """Z standard errors of a share of declining customers."""
    share = declined.mean()
    return Z * np.sqrt(share * (1 - share) / len(declined))


def test_the_embedded_demo_is_what_the_documented_command_writes(months_demo: Path) -> None:
    assert [path.name for path in sorted(DEMO_DIR.iterdir())] == list(DEMO_MONTHS)
    for month in DEMO_MONTHS:
        assert _bytes(DEMO_DIR / month) == _bytes(months_demo / month), month
    latest = _rows(DEMO_DIR / DEMO_MONTHS[-1], "market_file.csv")
    assert 1_250 <= len(latest) <= 1_350


def test_each_month_lists_the_same_customers_in_its_four_files_in_id_order(
    months_demo: Path,
) -> None:
    per_customer = {"market_file.csv": 1, "market_money.csv": 3, "market_time.csv": 2}
    for month in DEMO_MONTHS:
        ids = [int(row[0]) for row in _rows(months_demo / month, "money.csv")]
        assert ids == sorted(set(ids)), month
        for name, count in per_customer.items():
            listed = [int(row[0]) for row in _rows(months_demo / month, name)]
            assert listed == [i for i in ids for _ in range(count)], (month, name)


def test_each_month_has_newcomers_without_earlier_revenue_and_one_outlier(
    months_demo: Path,
) -> None:
    for month in DEMO_MONTHS:
        money = pd.read_csv(months_demo / month / "market_money.csv")
        zero = money[money["Выручка"] == 0]
        customers = money["id"].nunique()
        assert 1 <= zero["id"].nunique() <= 0.05 * customers, month
        assert set(zero["Период"]) == {"препредыдущий_месяц", "предыдущий_месяц"}, month
        outliers = money[money["Выручка"] > 100_000]
        assert len(outliers) == 1 and set(outliers["Период"]) == {"текущий_месяц"}, month
        # A customer with other months to replace it by (the warehouse's outlier rule).
        others = money[(money["id"] == outliers["id"].iloc[0]) & (money.index != outliers.index[0])]
        assert len(others) == 2 and (others["Выручка"] > 0).all(), month
        assert money["Выручка"].drop(outliers.index).max() < 20_000, month


def test_a_revenue_is_the_same_in_every_export_that_shows_its_month(
    shop_exports: dict[str, Export],
) -> None:
    cells = _revenue_by_calendar_month(shop_exports)
    # The outlier is a data-entry error of one file, not of the customer's series.
    outliers = cells[cells["revenue"] > 100_000]
    assert len(outliers) == len(SHOP_MONTHS)
    cells = cells[cells["revenue"] <= 100_000]
    shown = cells.groupby(["id", "calendar_month"])["revenue"].agg(["nunique", "size"])
    assert (shown["nunique"] == 1).all()
    assert (shown["size"] == 3).sum() > 10_000  # months shown by three exports
    # The next export shows the outlier's month as it is.
    for _, outlier in outliers.iterrows():
        later = cells[
            (cells["id"] == outlier["id"]) & (cells["calendar_month"] == outlier["calendar_month"])
        ]
        assert later.empty or later["revenue"].max() < 20_000


def test_the_current_month_of_one_export_is_the_previous_month_of_the_next(
    shop_exports: dict[str, Export],
) -> None:
    for before, after in _pairs(shop_exports):
        both = before.market.index.intersection(after.market.index)
        assert len(both) > 0.95 * len(before.market)
        current = before.revenue.loc[both, "текущий_месяц"]
        normal = current < 100_000
        assert (after.revenue.loc[both, "предыдущий_месяц"][normal] == current[normal]).all()
        assert (
            after.revenue.loc[both, "препредыдущий_месяц"]
            == before.revenue.loc[both, "предыдущий_месяц"]
        ).all()
        assert (
            after.minutes.loc[both, "предыдцщий_месяц"] == before.minutes.loc[both, "текущий_месяц"]
        ).all()


def test_customers_keep_their_consent_tier_and_registration(
    shop_exports: dict[str, Export],
) -> None:
    months = list(shop_exports)
    for (before, after), (first, second) in zip(
        _pairs(shop_exports), pairwise(months), strict=True
    ):
        both = before.market.index.intersection(after.market.index)
        for column in ("Разрешить сообщать", "Тип сервиса"):
            assert (before.market.loc[both, column] == after.market.loc[both, column]).all()
        days = (date.fromisoformat(f"{second}-01") - date.fromisoformat(f"{first}-01")).days
        grown = after.market.loc[both, "Длительность"] - before.market.loc[both, "Длительность"]
        assert (grown == days).all()
        # Behaviour is the month's: some customers change their favourite category.
        column = "Популярная_категория"
        assert (before.market.loc[both, column] != after.market.loc[both, column]).any()


def test_leavers_leave_for_good_and_newcomers_arrive_out_of_scope(
    shop_exports: dict[str, Export],
) -> None:
    exports = list(shop_exports.values())
    for position, (before, after) in enumerate(_pairs(shop_exports)):
        left = before.market.index.difference(after.market.index)
        assert 0 < len(left) < 0.05 * len(before.market)
        assert all(left.intersection(later.market.index).empty for later in exports[position + 1 :])

        arrived = after.market.index.difference(before.market.index)
        assert len(arrived) > 0
        known = max(export.market.index.max() for export in exports[: position + 1])
        assert arrived.min() > known, "a newcomer has a new id"
        revenue = after.revenue.loc[arrived]
        assert (revenue["препредыдущий_месяц"] == 0).all()
        assert (revenue["предыдущий_месяц"] == 0).all()
        assert (revenue["текущий_месяц"] > 0).all()
        if position + 2 < len(exports):  # a month later, still no purchase two months back
            still = arrived.intersection(exports[position + 2].market.index)
            revenue = exports[position + 2].revenue.loc[still]
            assert (revenue["препредыдущий_месяц"] == 0).all()
            assert (revenue[["предыдущий_месяц", "текущий_месяц"]] > 0).all().all()
        if position + 3 < len(exports):  # in scope once it bought in each of the three months
            still = arrived.intersection(exports[position + 3].market.index)
            assert len(still) > 0 and (exports[position + 3].revenue.loc[still] > 0).all().all()


def test_states_change_month_to_month_with_the_stated_transition_probabilities(
    shop_exports: dict[str, Export],
) -> None:
    was_declining, now_declining = [], []
    for before, after in _pairs(shop_exports):
        both = before.market.index.intersection(after.market.index)
        was_declining.append(before.declined.loc[both])
        now_declining.append(after.declined.loc[both])
    was, now = pd.concat(was_declining), pd.concat(now_declining)
    stayed, started = now[was.to_numpy()], now[~was.to_numpy()]
    assert abs(stayed.mean() - SHOP.stay_declining) <= _tolerance(stayed)
    assert abs(started.mean() - SHOP.become_declining) <= _tolerance(started)
    # Without contacts the declining share stays where it starts (the chain's stationary share).
    for export in shop_exports.values():
        assert abs(export.declined.mean() - gen.DECLINED_SHARE) <= 0.02


def test_the_profit_is_the_mean_over_the_months_an_export_shows(
    shop_exports: dict[str, Export],
) -> None:
    low, high = gen.PROFIT_RANGE
    for before, after in _pairs(shop_exports):
        both = before.market.index.intersection(after.market.index)
        bought = (before.revenue.loc[both] > 0).all(axis=1) & (after.revenue.loc[both] > 0).all(
            axis=1
        )
        change = after.profit.loc[both][bought] - before.profit.loc[both][bought]
        # Two of the three months are the same: the change is a third of two months' difference.
        assert change.abs().max() <= (high - low) / 3 + 0.01
        assert (
            np.corrcoef(before.profit.loc[both][bought], after.profit.loc[both][bought])[0, 1] > 0.8
        )


def test_labels_and_behaviour_stay_learnable(
    shop_exports: dict[str, Export], tmp_path: Path
) -> None:
    gen.write_shop(tmp_path, gen.Shop(months=SHOP_MONTHS, customers=3_000, seed=SEED))
    features, target = _read(tmp_path / SHOP_MONTHS[-1])
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    auc = cross_val_score(model, features, target, cv=folds, scoring="roc_auc").mean()
    assert 0.8 <= auc <= 0.97
    for export in shop_exports.values():
        declined, kept = export.market[export.declined], export.market[~export.declined]
        assert declined[PAGES].mean() < kept[PAGES].mean()
        assert (
            declined["Неоплаченные_продукты_штук_квартал"].mean()
            > kept["Неоплаченные_продукты_штук_квартал"].mean()
        )
        current = export.revenue["текущий_месяц"].clip(upper=20_000)
        assert current[export.declined].mean() < current[~export.declined].mean()


@pytest.mark.parametrize("chunk_size", [7, 128, 100_000])
def test_chunk_size_does_not_change_a_byte_of_a_sequence(
    months_demo: Path, tmp_path: Path, chunk_size: int
) -> None:
    args = gen.parse_args([*_documented_demo_command(), "--out", str(tmp_path)])
    gen.write_shop(tmp_path, gen.shop_from_args(args), chunk_size=chunk_size)
    for month in DEMO_MONTHS:
        assert _bytes(tmp_path / month) == _bytes(months_demo / month), month


def test_a_seed_makes_its_own_sequence(months_demo: Path, tmp_path: Path) -> None:
    args = gen.parse_args([*_documented_demo_command(), "--out", str(tmp_path), "--seed", "43"])
    gen.write_shop(tmp_path, gen.shop_from_args(args))
    for month in DEMO_MONTHS:
        assert (
            _bytes(tmp_path / month)["market_file.csv"]
            != _bytes(months_demo / month)["market_file.csv"]
        )


def test_progress_of_a_sequence_is_reported_about_every_tenth(tmp_path: Path) -> None:
    shop = gen.Shop(customers=1_000, seed=SEED)
    lines: list[str] = []
    gen.write_shop(tmp_path, shop, chunk_size=50, progress=lines.append)
    assert len(lines) == 10
    assert lines[-1].startswith(f"{shop.total:,} of {shop.total:,} customers (100%)")


def test_a_customer_is_the_same_whichever_customers_are_simulated_with_it() -> None:
    shop = gen.Shop(customers=5_000, seed=SEED, offer_effect=0.2)
    every = gen.simulate_history(shop, np.arange(shop.total))
    some = np.array([3, 4_999, 5_000, shop.total - 1, 17])
    alone = gen.simulate_history(shop, some)
    for name in ("declining", "present", "treated", "looks_declined", "arrival"):
        assert np.array_equal(getattr(alone, name), getattr(every, name)[some]), name


# --- Drift ----------------------------------------------------------------------------------------

DRIFT = gen.Drift(month=SHOP_MONTHS[-1], feature=PAGES, factor=2 / 3)


@pytest.fixture(scope="module")
def drifted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shop of shop_dir, with the pages per visit of its last month falling by a third."""
    out = tmp_path_factory.mktemp("drifted")
    gen.write_shop(out, replace(SHOP, drift=DRIFT))
    return out


def test_a_drift_changes_that_feature_in_that_month_and_nothing_else(
    drifted: Path, shop_dir: Path
) -> None:
    for month in SHOP_MONTHS[:-1]:
        assert _bytes(drifted / month) == _bytes(shop_dir / month), month
    after, before = _bytes(drifted / DRIFT.month), _bytes(shop_dir / DRIFT.month)
    for name in ("market_money.csv", "market_time.csv", "money.csv"):
        assert after[name] == before[name], name
    changed = pd.read_csv(drifted / DRIFT.month / "market_file.csv")
    unchanged = pd.read_csv(shop_dir / DRIFT.month / "market_file.csv")
    assert changed.drop(columns=PAGES).equals(unchanged.drop(columns=PAGES))
    # A third fewer pages, rounded to whole pages, and never fewer than one.
    expected = np.maximum(np.rint(unchanged[PAGES] * DRIFT.factor), 1)
    assert (changed[PAGES] == expected).all()


def test_the_drift_month_shifts_that_feature_only(drifted: Path) -> None:
    before = _export(drifted / SHOP_MONTHS[-2])
    after = _export(drifted / DRIFT.month)
    # PSI: below 0.1 is stable, above 0.25 shifted (the usual thresholds).
    assert _psi(before.market[PAGES], after.market[PAGES]) > 0.25
    assert after.market[PAGES].mean() == pytest.approx(
        before.market[PAGES].mean() * DRIFT.factor, rel=0.05
    )
    for column in BEHAVIOURS:
        if column != PAGES:
            assert _psi(before.market[column], after.market[column]) < 0.1, column
    for period in ("препредыдущий_месяц", "предыдущий_месяц", "текущий_месяц"):
        revenue = before.revenue[period].clip(upper=20_000)
        assert _psi(revenue, after.revenue[period].clip(upper=20_000)) < 0.1, period
    for period in ("предыдцщий_месяц", "текущий_месяц"):
        assert _psi(before.minutes[period], after.minutes[period]) < 0.1, period
    assert _psi(before.profit, after.profit) < 0.1


# --- The offers' effect ---------------------------------------------------------------------------

OFFER_MONTHS = ("2026-10", "2026-11")
OFFER_CUSTOMERS = 60_000


@pytest.fixture(scope="module", params=[0.0, 0.1])
def offer_shop(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[gen.Shop, dict[str, Export]]:
    """Two months of 60,000 customers, contacted in the first with a known effect (or none)."""
    shop = gen.Shop(
        months=OFFER_MONTHS, customers=OFFER_CUSTOMERS, seed=11, offer_effect=request.param
    )
    return shop, _sequence(tmp_path_factory.mktemp("offers"), shop)


def test_contacts_lower_the_next_months_decline_rate_by_the_stated_effect(
    offer_shop: tuple[gen.Shop, dict[str, Export]],
) -> None:
    shop, exports = offer_shop
    contact_month, outcome_month = OFFER_MONTHS
    before, after = exports[contact_month], exports[outcome_month]
    both = before.market.index.intersection(after.market.index)
    consenting = both[before.market.loc[both, "Разрешить сообщать"] == "да"]
    control = gen.in_control_group(consenting.to_numpy(), contact_month, shop.control_share)
    declined = after.declined
    control_rate = declined.loc[consenting[control]]
    treated_rate = declined.loc[consenting[~control]]

    observed = control_rate.mean() - treated_rate.mean()
    truth = gen.decline_probability(shop, consenting.to_numpy(), outcome_month, False)
    truth -= gen.decline_probability(shop, consenting.to_numpy(), outcome_month, True)
    expected = truth.mean()
    tolerance = np.hypot(_tolerance(control_rate), _tolerance(treated_rate))

    # Sharp enough to tell an effect of 0.1 from none.
    assert tolerance < 0.1 / 3
    assert abs(observed - expected) <= tolerance
    # Below BECOME_DECLINING nothing is floored: the truth is the stated effect for everyone.
    assert expected == pytest.approx(shop.offer_effect)
    # The control group is not contacted: it declines as customers who never consented do.
    never = both[before.market.loc[both, "Разрешить сообщать"] == "нет"]
    gap = control_rate.mean() - declined.loc[never].mean()
    assert abs(gap) <= np.hypot(_tolerance(control_rate), _tolerance(declined.loc[never]))


def test_the_truth_function_tells_each_customers_chance(
    offer_shop: tuple[gen.Shop, dict[str, Export]],
) -> None:
    shop, exports = offer_shop
    contact_month, outcome_month = OFFER_MONTHS
    before, after = exports[contact_month], exports[outcome_month]
    both = before.market.index.intersection(after.market.index).to_numpy()
    consenting = before.market.loc[both, "Разрешить сообщать"].to_numpy() == "да"
    contacted = consenting & ~gen.in_control_group(both, contact_month, shop.control_share)
    chance = gen.decline_probability(shop, both, outcome_month, contacted)
    # The number of decliners is a sum of independent draws with these chances.
    declined = after.declined.loc[both].sum()
    assert abs(declined - chance.sum()) <= Z * np.sqrt((chance * (1 - chance)).sum())
    # The chance follows last month's label: the transition of a declining or steady customer.
    was = before.declined.loc[both].to_numpy()
    untreated = gen.decline_probability(shop, both, outcome_month, False)
    assert set(np.unique(untreated[was])) == {shop.stay_declining}
    assert set(np.unique(untreated[~was])) == {shop.become_declining}


def test_the_truth_function_floors_at_zero_and_knows_who_was_there() -> None:
    shop = gen.Shop(customers=2_000, seed=SEED, offer_effect=0.3)
    ids = np.arange(gen.FIRST_ID, gen.FIRST_ID + shop.total)
    untreated = gen.decline_probability(shop, ids, "2026-11", False)
    treated = gen.decline_probability(shop, ids, "2026-11", True)
    there = ~np.isnan(untreated)
    assert np.array_equal(there, ~np.isnan(treated))
    assert np.allclose(treated[there], np.maximum(untreated[there] - 0.3, 0.0))
    assert (treated[there] == 0).any() and (treated[there] > 0).any()
    # Customers who left before October, or arrive in November, had no October.
    history = gen.simulate_history(shop, ids - gen.FIRST_ID)
    assert np.array_equal(there, history.present[:, shop.index("2026-10")])
    assert not there.all()
    unknown = gen.decline_probability(
        shop, np.array([gen.FIRST_ID - 1, ids[-1] + 1]), "2026-11", True
    )
    assert np.isnan(unknown).all()
    with pytest.raises(ValueError, match="not a month after"):
        gen.decline_probability(shop, ids[:3], "2026-07", False)


def test_the_control_group_is_the_md5_rule_in_python_and_in_duckdb() -> None:
    ids = np.arange(215_348, 215_348 + 20_000)
    month = "2026-10"
    control = gen.in_control_group(ids, month, 0.10)
    by_hand = [
        int(hashlib.md5(f"{customer}:{month}".encode()).hexdigest()[:8], 16) / 16**8 < 0.10
        for customer in ids.tolist()
    ]
    assert control.tolist() == by_hand
    in_duckdb = duckdb.sql(
        f"select ('0x' || left(md5(customer_id::varchar || ':' || '{month}'), 8))::bigint "
        f"/ 16^8 < 0.10 from range({ids[0]}, {ids[-1] + 1}) as t(customer_id) "
        "order by customer_id"
    ).fetchall()
    assert control.tolist() == [row[0] for row in in_duckdb]
    assert abs(control.mean() - 0.10) <= Z * np.sqrt(0.10 * 0.90 / len(ids))
    # A new month draws a new control group.
    assert (gen.in_control_group(ids, "2026-11", 0.10) != control).sum() > 0.1 * len(ids)


# --- The command line ---------------------------------------------------------------------------


def test_cli_writes_a_folder_per_month(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = gen.main(
        [
            "--months",
            "2026-09..2026-11",
            "--customers",
            "200",
            "--offer-effect",
            "0.1",
            "--drift",
            "2026-11:Страниц_за_визит:2/3",
            "--out",
            str(tmp_path),
        ]
    )
    assert code == 0
    assert sorted(path.name for path in tmp_path.iterdir()) == list(DEMO_MONTHS)
    for month in DEMO_MONTHS:
        assert sorted(path.name for path in (tmp_path / month).iterdir()) == sorted(FILES)
    err = capsys.readouterr().err
    assert "wrote 3 months of one shop" in err and "2026-11:" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--months", "2026-11..2026-09"], "ends before it starts"),
        (["--months", "2026-13"], "MM from 01 to 12"),
        (["--months", "2026-10,2026-09"], "oldest first"),
        (["--offer-effect", "0.1"], "need --months"),
        (["--months", "2026-10", "--offer-effect", "1.5"], "within [0, 1]"),
        (["--months", "2026-10", "--drift", "2026-11:Страниц_за_визит:2/3"], "not one of"),
        (["--months", "2026-10", "--drift", "2026-10:Выручка:2"], "a drift scales one of"),
        (["--months", "2026-10", "--drift", "2026-10:Страниц_за_визит:0"], "positive"),
    ],
)
def test_cli_refuses_a_nonsense_sequence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    with pytest.raises((SystemExit, ValueError)) as raised:
        gen.main(["--out", str(tmp_path), *argv])
    shown = capsys.readouterr().err if raised.type is SystemExit else str(raised.value)
    assert message in shown
    assert not any(tmp_path.iterdir())
