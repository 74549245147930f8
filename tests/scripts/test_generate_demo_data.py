"""The demo-data generator writes the four exports in the real files' raw format, quirks and
all, deterministically for any chunk size, with a target a classifier can learn but not ace."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from scripts import generate_demo_data as gen

REAL_DIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "practicum"
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


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    gen.generate(out, customers=CUSTOMERS, seed=SEED, chunk_size=500)
    return out


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
def test_header_is_the_real_header_byte_for_byte(demo: Path, name: str) -> None:
    first_line = (demo / name).read_bytes().split(b"\n", 1)[0]
    assert first_line == EXPECTED_HEADERS[name].encode("utf-8")


@pytest.mark.real_data
@pytest.mark.parametrize("name", FILES)
def test_header_matches_the_real_file(demo: Path, name: str) -> None:
    if not REAL_DIR.is_dir():
        pytest.skip("../shared/data/practicum not found")
    real_header = (REAL_DIR / name).read_bytes().split(b"\n", 1)[0]
    assert (demo / name).read_bytes().split(b"\n", 1)[0] == real_header


@pytest.mark.parametrize("name", FILES)
def test_utf8_without_bom_lf_line_ends_and_a_final_newline(demo: Path, name: str) -> None:
    content = (demo / name).read_bytes()
    assert not content.startswith(b"\xef\xbb\xbf")
    assert b"\r" not in content
    assert content.endswith(b"\n") and not content.endswith(b"\n\n")
    content.decode("utf-8")


def test_money_is_semicolon_separated_with_decimal_commas(demo: Path) -> None:
    rows = _rows(demo, "money.csv")
    assert all(len(row) == 2 for row in rows)
    profits = [profit for _, profit in rows]
    # Up to two decimals after a comma, trailing zeros dropped as in the real file: 4,16 4,1 5.
    assert all(re.fullmatch(r"\d+(,\d?[1-9])?", profit) for profit in profits), profits[:10]
    assert any(re.fullmatch(r"\d+,\d\d", profit) for profit in profits)
    assert not any("." in profit for profit in profits)


def test_numbers_are_written_as_in_the_real_file(demo: Path) -> None:
    market = _rows(demo, "market_file.csv")
    assert all(re.fullmatch(r"\d{6}", row[0]) for row in market)
    assert all(re.fullmatch(r"\d\.\d", row[4]) for row in market)  # Маркет_актив_6_мес
    # Акционные_покупки: Python's float text, 0.0 / 0.3 / 0.24, never 0.30.
    assert all(re.fullmatch(r"[01]\.(0|\d?[1-9])", row[7]) for row in market)
    assert any(re.fullmatch(r"0\.\d", row[7]) for row in market)
    for column in (5, 6, 9, 10, 11, 12):
        assert all(re.fullmatch(r"\d+", row[column]) for row in market), column
    revenue = [row[2] for row in _rows(demo, "market_money.csv")]
    assert all(re.fullmatch(r"\d+\.\d", value) for value in revenue)
    assert all(re.fullmatch(r"\d+", row[2]) for row in _rows(demo, "market_time.csv"))


def test_typos_of_the_real_exports_are_present(demo: Path) -> None:
    market = (demo / "market_file.csv").read_text(encoding="utf-8")
    assert ",стандартт," in market
    assert "Косметика и аксесуары" in market
    assert "Косметика и аксессуары" not in market
    minutes = (demo / "market_time.csv").read_text(encoding="utf-8")
    assert ",предыдцщий_месяц," in minutes
    assert "предыдущий_месяц" not in minutes


def test_categorical_columns_have_exactly_the_real_values(demo: Path) -> None:
    market = _rows(demo, "market_file.csv")
    assert {row[1] for row in market} == {"Снизилась", "Прежний уровень"}
    assert {row[2] for row in market} == {"стандарт", "стандартт", "премиум"}
    assert {row[3] for row in market} == {"да", "нет"}
    assert {row[8] for row in market} == CATEGORIES
    assert {row[5] for row in market} <= {"3", "4", "5"}
    assert {row[1] for row in _rows(demo, "market_money.csv")} == {
        "препредыдущий_месяц",
        "предыдущий_месяц",
        "текущий_месяц",
    }
    assert {row[1] for row in _rows(demo, "market_time.csv")} == {
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


def test_each_customer_has_every_period_once_in_a_shuffled_order(demo: Path) -> None:
    rows = _rows(demo, "market_money.csv")
    orders = [tuple(row[1] for row in rows[i : i + 3]) for i in range(0, len(rows), 3)]
    assert all(len(set(order)) == 3 for order in orders)
    assert len(set(orders)) == 6  # every order occurs: the rows are shuffled per customer
    rows = _rows(demo, "market_time.csv")
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


def test_reading_the_files_with_the_real_dialects_round_trips(demo: Path) -> None:
    text = (demo / "money.csv").read_text(encoding="utf-8")
    profit = pd.read_csv(io.StringIO(text), sep=";", decimal=",")["Прибыль"]
    assert profit.dtype == float
    assert profit.between(0, 10).all()
