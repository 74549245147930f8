"""Generate demo exports of "В один клик" in the exact raw format of the shop's four CSV files.

The files look like the real exports, quirks included: the typos ``стандартт``,
``Косметика и аксесуары`` and ``предыдцщий_месяц``; ``money.csv`` ``;``-separated with ``,``
decimals and trailing zeros dropped (``4,16``, ``4,1``, ``5``); floats written the way Python
writes them (``0.0``, ``0.3``); the period rows of each customer in a shuffled order; a few
customers with no revenue in the two earlier months and one revenue outlier above 100,000.

Behaviour is drawn per class (``Снизилась`` / ``Прежний уровень``) with roughly the real
class-conditional distributions, so a plain classifier learns the target about as well as on
the real data (ROC-AUC near 0.9), not perfectly.

Every random number is a pure function of (seed, customer, field): a counter-based generator
(SplitMix64 over ``seed`` and the counter) instead of a stateful one. The output therefore does
not depend on the chunk size, and customers are generated and written chunk by chunk with flat
memory, whatever their number::

    python scripts/generate_demo_data.py --customers 1300 --seed 42 --out warehouse/demo_data
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
from numpy.dtypes import StringDType

DEFAULT_CUSTOMERS = 1000
DEFAULT_SEED = 42
DEFAULT_CHUNK_SIZE = 100_000
PROGRESS_FROM = 100_000
FIRST_ID = 215348

MARKET_FILE = "market_file.csv"
MARKET_MONEY = "market_money.csv"
MARKET_TIME = "market_time.csv"
MONEY = "money.csv"
FILE_NAMES = (MARKET_FILE, MARKET_MONEY, MARKET_TIME, MONEY)

HEADERS = {
    MARKET_FILE: (
        "id,Покупательская активность,Тип сервиса,Разрешить сообщать,Маркет_актив_6_мес,"
        "Маркет_актив_тек_мес,Длительность,Акционные_покупки,Популярная_категория,"
        "Средний_просмотр_категорий_за_визит,Неоплаченные_продукты_штук_квартал,"
        "Ошибка_сервиса,Страниц_за_визит"
    ),
    MARKET_MONEY: "id,Период,Выручка",
    MARKET_TIME: "id,Период,минут",
    MONEY: "id;Прибыль",
}

KEPT, DECLINED = "Прежний уровень", "Снизилась"
STANDARD, STANDARD_TYPO, PREMIUM = "стандарт", "стандартт", "премиум"
YES, NO = "да", "нет"
# The real file always spells the cosmetics category with one "с": kept as it is.
CATEGORIES = (
    "Товары для детей",
    "Домашний текстиль",
    "Косметика и аксесуары",
    "Техника для красоты и здоровья",
    "Мелкая бытовая техника и электроника",
    "Кухонная посуда",
)
MONEY_PERIODS = ("препредыдущий_месяц", "предыдущий_месяц", "текущий_месяц")
# market_time.csv spells the previous month "предыдцщий": kept as it is.
TIME_PERIODS = ("предыдцщий_месяц", "текущий_месяц")

# --- Shares and class-conditional distributions, rounded from the real exports' summaries ---
# The per-class figures below are what the file shows for each value of the target. Behind
# them, each customer behaves after one of two profiles; most declined customers behave like
# decliners, but some look like loyal customers and a few loyal ones look like decliners, as in
# the real data, where this overlap keeps a classifier's ROC-AUC near 0.9. The profiles' means
# and shares are unmixed from the per-class figures (see _unmix) so the file shows the latter.
DECLINED_SHARE = 0.38
LOOKS_DECLINED = {KEPT: 0.04, DECLINED: 0.85}  # share of each class drawn from the declined profile
PREMIUM_SHARE = {KEPT: 0.26, DECLINED: 0.36}
STANDARD_TYPO_SHARE = 0.01  # of the standard-tier customers
ALLOW_SHARE = 0.75
CURRENT_MONTH_CONTACTS = ((3, 0.24), (4, 0.52), (5, 0.24))
CATEGORY_SHARES = {
    KEPT: (0.23, 0.19, 0.16, 0.16, 0.18, 0.08),
    DECLINED: (0.28, 0.21, 0.21, 0.11, 0.05, 0.14),
}
# Promo share: most customers buy 11-40 % on promotion, a cluster buys almost only on promotion.
PROMO_HEAVY_SHARE = {KEPT: 0.04, DECLINED: 0.26}
PROMO_ZERO_SHARE = {KEPT: 0.0, DECLINED: 0.008}
ZERO_REVENUE_SHARE = 0.003
OUTLIER_FROM_CUSTOMERS = 100
OUTLIER_REVENUE = (100_000.0, 115_000.0)
# Order of a customer's three revenue rows: the real file favours the rotations of the
# chronological order two to one over the rotations of the reverse order.
MONEY_ORDERS = np.array([[0, 1, 2], [1, 2, 0], [2, 0, 1], [1, 0, 2], [0, 2, 1], [2, 1, 0]])
MONEY_ORDER_WEIGHTS = np.array([2, 2, 2, 1, 1, 1]) / 9
TIME_CURRENT_FIRST_SHARE = 0.52


@dataclass(frozen=True)
class Normal:
    """A rounded, clipped normal whose mean and spread depend on the class."""

    kept: tuple[float, float]
    declined: tuple[float, float]
    low: float
    high: float


MARKET_6M = Normal(kept=(4.57, 0.85), declined=(3.70, 1.05), low=0.9, high=6.6)
CATEGORIES_PER_VISIT = Normal(kept=(3.70, 1.30), declined=(2.60, 1.25), low=1, high=6)
UNPAID_ITEMS = Normal(kept=(2.30, 1.55), declined=(3.65, 2.30), low=0, high=10)
SERVICE_ERRORS = Normal(kept=(4.30, 2.00), declined=(3.90, 1.90), low=0, high=9)
PAGES_PER_VISIT = Normal(kept=(9.85, 3.40), declined=(5.50, 3.30), low=1, high=20)
MINUTES_PREVIOUS = Normal(kept=(15.0, 3.40), declined=(10.9, 3.40), low=4, high=23)
MINUTES_CURRENT = Normal(kept=(14.5, 4.10), declined=(10.8, 3.40), low=4, high=23)
PROMO_USUAL = Normal(kept=(0.21, 0.055), declined=(0.26, 0.08), low=0.11, high=0.5)
PROMO_HEAVY = Normal(kept=(0.93, 0.03), declined=(0.93, 0.03), low=0.80, high=0.99)
REVENUE_BEFORE_PREVIOUS = Normal(kept=(4930, 315), declined=(4690, 290), low=4000, high=5800)
REVENUE_PREVIOUS = Normal(kept=(4925, 630), declined=(5005, 785), low=2500, high=7500)
REVENUE_CURRENT = Normal(kept=(5190, 800), declined=(5330, 865), low=2500, high=8500)
PROFIT = Normal(kept=(4.00, 1.00), declined=(4.00, 1.00), low=0.8, high=7.5)
DURATION_DAYS = (110, 1079)
# Correlations of the monthly revenues within a class (as in the real file: the previous and
# current months move together, the earliest month much less).
REVENUE_PREVIOUS_ON_BEFORE = 0.45
REVENUE_CURRENT_ON_PREVIOUS, REVENUE_CURRENT_ON_BEFORE = 0.85, -0.25
# Share of previous-month revenues ending in .5 (the others end in .0).
REVENUE_PREVIOUS_HALF_SHARE = 0.32

# --- The counter-based generator ---------------------------------------------------------------
# Uniform streams: a customer's value of field ``s`` is uniform number ``customer * STREAMS + s``.
(
    U_TARGET,
    U_PROFILE,
    U_PREMIUM,
    U_TYPO,
    U_ALLOW,
    U_CONTACTS,
    U_CATEGORY,
    U_DURATION_A,
    U_DURATION_B,
    U_PROMO_KIND,
    U_PREVIOUS_HALF,
    U_MONEY_ORDER,
    U_TIME_ORDER,
    U_OUTLIER,
    U_NORMALS,  # first of the pairs used by the normal draws, see N_* below
) = range(15)
(
    N_MARKET_6M,
    N_CATEGORIES,
    N_UNPAID,
    N_ERRORS,
    N_PAGES,
    N_MINUTES_PREVIOUS,
    N_MINUTES_CURRENT,
    N_PROMO,
    N_REVENUE_BEFORE,
    N_REVENUE_PREVIOUS,
    N_REVENUE_CURRENT,
    N_PROFIT,
) = range(12)
STREAMS = U_NORMALS + 2 * (N_PROFIT + 1)

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2 = np.uint64(0x94D049BB133111EB)


def _splitmix(values: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser: a well-mixed 64-bit hash of each value (uint64 wraps around)."""
    z = values.copy()
    z ^= z >> np.uint64(30)
    z *= _MIX_1
    z ^= z >> np.uint64(27)
    z *= _MIX_2
    z ^= z >> np.uint64(31)
    return z


def _stream_key(seed: int) -> np.uint64:
    return _splitmix(np.array([seed & 0xFFFFFFFFFFFFFFFF], dtype=np.uint64))[0]


def uniforms(seed: int, customers: np.ndarray) -> np.ndarray:
    """``(len(customers), STREAMS)`` uniforms in [0, 1), a pure function of seed and customer."""
    counters = customers.astype(np.uint64)[:, None] * np.uint64(STREAMS) + np.arange(
        1, STREAMS + 1, dtype=np.uint64
    )
    bits = _splitmix(_stream_key(seed) + counters * _GOLDEN)
    return (bits >> np.uint64(11)).astype(np.float64) * 2.0**-53


def _standard_normal(u: np.ndarray, pair: int) -> np.ndarray:
    """Box-Muller on the pair of uniform streams of normal draw ``pair``."""
    first = U_NORMALS + 2 * pair
    radius = np.sqrt(-2.0 * np.log1p(-u[:, first]))
    return radius * np.cos(2.0 * np.pi * u[:, first + 1])


def _unmix(kept: np.ndarray | float, declined: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """The (loyal, declining) profile means whose LOOKS_DECLINED mixtures have the class means
    ``kept`` and ``declined``: the class difference divided by the difference of the shares."""
    kept, declined = np.asarray(kept, dtype=float), np.asarray(declined, dtype=float)
    gap = (declined - kept) / (LOOKS_DECLINED[DECLINED] - LOOKS_DECLINED[KEPT])
    loyal = kept - LOOKS_DECLINED[KEPT] * gap
    return loyal, loyal + gap


def _unmix_shares(kept: tuple[float, ...], declined: tuple[float, ...]) -> np.ndarray:
    """Shares of the (loyal, declining) profiles, as a ``(2, k)`` array, from the class shares."""
    profiles = np.clip(np.stack(_unmix(np.array(kept), np.array(declined))), 0.0, None)
    return profiles / profiles.sum(axis=1, keepdims=True)


def _share(u: np.ndarray, looks_declined: np.ndarray, shares: dict[str, float]) -> np.ndarray:
    """Whether each uniform falls under the share of its profile (shares given per class)."""
    profiles = _unmix_shares(
        (1 - shares[KEPT], shares[KEPT]), (1 - shares[DECLINED], shares[DECLINED])
    )
    return u < profiles[looks_declined.astype(np.int64), 1]


def _by_profile(
    looks_declined: np.ndarray, spec: Normal, z: np.ndarray, scale: float = 1.0
) -> np.ndarray:
    """The profile's mean plus its class spread times ``z``, clipped, in units of ``scale``."""
    means = _unmix(spec.kept[0], spec.declined[0])
    mean = np.where(looks_declined, means[1], means[0])
    spread = np.where(looks_declined, spec.declined[1], spec.kept[1])
    value = np.clip(mean + spread * z, spec.low, spec.high)
    return np.rint(value / scale).astype(np.int64)


def _pick(u: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """Index of the share each uniform falls into (rows of ``shares`` sum to 1)."""
    return (u[:, None] >= np.cumsum(shares, axis=-1)[..., :-1]).sum(axis=1)


# --- One chunk of customers --------------------------------------------------------------------


@dataclass(frozen=True)
class Chunk:
    """The values of one run of consecutive customers, numbers as integers in their last unit."""

    ids: np.ndarray
    declined: np.ndarray
    service: np.ndarray  # 0 standard, 1 standard with the typo, 2 premium
    allow: np.ndarray
    market_6m_tenths: np.ndarray
    market_current: np.ndarray
    duration: np.ndarray
    promo_hundredths: np.ndarray
    category: np.ndarray
    categories_per_visit: np.ndarray
    unpaid: np.ndarray
    errors: np.ndarray
    pages: np.ndarray
    revenue_tenths: np.ndarray  # (n, 3) in MONEY_PERIODS order
    money_order: np.ndarray  # (n, 3) indices into MONEY_PERIODS, in file order
    minutes: np.ndarray  # (n, 2) in TIME_PERIODS order
    time_current_first: np.ndarray
    profit_hundredths: np.ndarray


def simulate(
    seed: int, start: int, stop: int, zero_revenue: np.ndarray, outlier: int | None
) -> Chunk:
    """Customers ``start``..``stop - 1`` (0-based), given the sorted zero-revenue customers and
    the outlier customer of the whole file."""
    customers = np.arange(start, stop, dtype=np.int64)
    n = len(customers)
    u = uniforms(seed, customers)
    zeros = zero_revenue[np.searchsorted(zero_revenue, start) : np.searchsorted(zero_revenue, stop)]
    is_zero = np.zeros(n, dtype=bool)
    is_zero[zeros - start] = True
    # Customers who bought nothing for two months count as declined, as in the real file.
    declined = (u[:, U_TARGET] < DECLINED_SHARE) | is_zero
    looks_declined = u[:, U_PROFILE] < np.where(
        declined, LOOKS_DECLINED[DECLINED], LOOKS_DECLINED[KEPT]
    )

    def normal(pair: int, spec: Normal, scale: float = 1.0) -> np.ndarray:
        return _by_profile(looks_declined, spec, _standard_normal(u, pair), scale)

    premium = _share(u[:, U_PREMIUM], looks_declined, PREMIUM_SHARE)
    typo = ~premium & (u[:, U_TYPO] < STANDARD_TYPO_SHARE)
    service = np.where(premium, 2, np.where(typo, 1, 0))

    contact_values = np.array([value for value, _ in CURRENT_MONTH_CONTACTS])
    contact_shares = np.array([share for _, share in CURRENT_MONTH_CONTACTS])
    category_shares = _unmix_shares(CATEGORY_SHARES[KEPT], CATEGORY_SHARES[DECLINED])[
        looks_declined.astype(np.int64)
    ]

    # Duration: a trapezoid over the real range, a little longer for the declined customers.
    low, high = DURATION_DAYS
    trapezoid = 0.15 * u[:, U_DURATION_A] + 0.85 * u[:, U_DURATION_B]
    trapezoid = np.where(looks_declined, trapezoid**0.85, trapezoid)
    duration = np.rint(low + (high - low) * trapezoid).astype(np.int64)

    promo_kind = u[:, U_PROMO_KIND]
    z_promo = _standard_normal(u, N_PROMO)
    promo = np.where(
        _share(promo_kind, looks_declined, PROMO_HEAVY_SHARE),
        _by_profile(looks_declined, PROMO_HEAVY, z_promo, 0.01),
        _by_profile(looks_declined, PROMO_USUAL, z_promo, 0.01),
    )
    promo = np.where(_share(1.0 - promo_kind, looks_declined, PROMO_ZERO_SHARE), 0, promo)

    z_before = _standard_normal(u, N_REVENUE_BEFORE)
    z_previous = REVENUE_PREVIOUS_ON_BEFORE * z_before + np.sqrt(
        1 - REVENUE_PREVIOUS_ON_BEFORE**2
    ) * _standard_normal(u, N_REVENUE_PREVIOUS)
    current_on = REVENUE_CURRENT_ON_PREVIOUS * z_previous + REVENUE_CURRENT_ON_BEFORE * z_before
    explained = (
        REVENUE_CURRENT_ON_PREVIOUS**2
        + REVENUE_CURRENT_ON_BEFORE**2
        + 2 * REVENUE_CURRENT_ON_PREVIOUS * REVENUE_CURRENT_ON_BEFORE * REVENUE_PREVIOUS_ON_BEFORE
    )
    z_current = current_on + np.sqrt(1 - explained) * _standard_normal(u, N_REVENUE_CURRENT)
    # The earliest month in whole roubles, the previous in halves, the current in tenths.
    before = _by_profile(looks_declined, REVENUE_BEFORE_PREVIOUS, z_before) * 10
    previous = _by_profile(looks_declined, REVENUE_PREVIOUS, z_previous) * 10 + np.where(
        u[:, U_PREVIOUS_HALF] < REVENUE_PREVIOUS_HALF_SHARE, 5, 0
    )
    current = _by_profile(looks_declined, REVENUE_CURRENT, z_current, 0.1)
    before[is_zero] = 0
    previous[is_zero] = 0
    if outlier is not None and start <= outlier < stop:
        fraction = u[outlier - start, U_OUTLIER]
        low_revenue, high_revenue = OUTLIER_REVENUE
        current[outlier - start] = round(
            (low_revenue + (high_revenue - low_revenue) * fraction) * 10
        )

    return Chunk(
        ids=customers + FIRST_ID,
        declined=declined,
        service=service,
        allow=u[:, U_ALLOW] < ALLOW_SHARE,
        market_6m_tenths=normal(N_MARKET_6M, MARKET_6M, 0.1),
        market_current=contact_values[_pick(u[:, U_CONTACTS], contact_shares)],
        duration=duration,
        promo_hundredths=promo,
        category=_pick(u[:, U_CATEGORY], category_shares),
        categories_per_visit=normal(N_CATEGORIES, CATEGORIES_PER_VISIT),
        unpaid=normal(N_UNPAID, UNPAID_ITEMS),
        errors=normal(N_ERRORS, SERVICE_ERRORS),
        pages=normal(N_PAGES, PAGES_PER_VISIT),
        revenue_tenths=np.stack([before, previous, current], axis=1),
        money_order=MONEY_ORDERS[_pick(u[:, U_MONEY_ORDER], MONEY_ORDER_WEIGHTS)],
        minutes=np.stack(
            [
                normal(N_MINUTES_PREVIOUS, MINUTES_PREVIOUS),
                normal(N_MINUTES_CURRENT, MINUTES_CURRENT),
            ],
            axis=1,
        ),
        time_current_first=u[:, U_TIME_ORDER] < TIME_CURRENT_FIRST_SHARE,
        profit_hundredths=normal(N_PROFIT, PROFIT, 0.01),
    )


# --- Formatting, vectorised over numpy strings -------------------------------------------------

_TEXT = StringDType()


def _strings(values: tuple[str, ...] | list[str]) -> np.ndarray:
    return np.array(values, dtype=_TEXT)


def _join(*parts: np.ndarray | str) -> np.ndarray:
    """Concatenate string arrays and separators element-wise."""
    result = parts[0]
    for part in parts[1:]:
        result = np.strings.add(result, part)
    return result


def _integers(values: np.ndarray) -> np.ndarray:
    return values.astype(_TEXT)


# Fraction digits the way Python writes a float: 0.5 -> "5", 0.25 -> "25", 0.05 -> "05", 0 -> "0".
_TENTHS = _strings([str(digit) for digit in range(10)])
_HUNDREDTHS = _strings([f"{k:02d}".rstrip("0") or "0" for k in range(100)])
# money.csv drops trailing zeros and a bare comma: 4.16 -> "4,16", 4.10 -> "4,1", 5.00 -> "5".
_MONEY_HUNDREDTHS = _strings([("," + f"{k:02d}".rstrip("0")).rstrip(",") for k in range(100)])


def _decimal_tenths(tenths: np.ndarray) -> np.ndarray:
    return _join(_integers(tenths // 10), ".", _TENTHS[tenths % 10])


def _decimal_hundredths(hundredths: np.ndarray) -> np.ndarray:
    return _join(_integers(hundredths // 100), ".", _HUNDREDTHS[hundredths % 100])


def _lines(rows: np.ndarray) -> bytes:
    return ("\n".join(rows.tolist()) + "\n").encode("utf-8")


def format_market_file(chunk: Chunk) -> bytes:
    target = _strings([KEPT, DECLINED])[chunk.declined.astype(np.int64)]
    service = _strings([STANDARD, STANDARD_TYPO, PREMIUM])[chunk.service]
    allow = _strings([NO, YES])[chunk.allow.astype(np.int64)]
    category = _strings(CATEGORIES)[chunk.category]
    columns = (
        _integers(chunk.ids),
        target,
        service,
        allow,
        _decimal_tenths(chunk.market_6m_tenths),
        _integers(chunk.market_current),
        _integers(chunk.duration),
        _decimal_hundredths(chunk.promo_hundredths),
        category,
        _integers(chunk.categories_per_visit),
        _integers(chunk.unpaid),
        _integers(chunk.errors),
        _integers(chunk.pages),
    )
    parts: list[np.ndarray | str] = []
    for column in columns:
        parts += [column, ","]
    return _lines(_join(*parts[:-1]))


def format_market_money(chunk: Chunk) -> bytes:
    order = chunk.money_order
    revenue = np.take_along_axis(chunk.revenue_tenths, order, axis=1).ravel()
    rows = _join(
        _integers(np.repeat(chunk.ids, 3)),
        ",",
        _strings(MONEY_PERIODS)[order.ravel()],
        ",",
        _decimal_tenths(revenue),
    )
    return _lines(rows)


def format_market_time(chunk: Chunk) -> bytes:
    # Column 1 of ``order`` is TIME_PERIODS' current month.
    order = np.where(chunk.time_current_first[:, None], [1, 0], [0, 1])
    minutes = np.take_along_axis(chunk.minutes, order, axis=1).ravel()
    rows = _join(
        _integers(np.repeat(chunk.ids, 2)),
        ",",
        _strings(TIME_PERIODS)[order.ravel()],
        ",",
        _integers(minutes),
    )
    return _lines(rows)


def format_money(chunk: Chunk) -> bytes:
    profit = chunk.profit_hundredths
    rows = _join(
        _integers(chunk.ids),
        ";",
        _integers(profit // 100),
        _MONEY_HUNDREDTHS[profit % 100],
    )
    return _lines(rows)


FORMATTERS: dict[str, Callable[[Chunk], bytes]] = {
    MARKET_FILE: format_market_file,
    MARKET_MONEY: format_market_money,
    MARKET_TIME: format_market_time,
    MONEY: format_money,
}


# --- The whole file ----------------------------------------------------------------------------


def special_customers(customers: int, seed: int) -> tuple[np.ndarray, int | None]:
    """The sorted zero-revenue customers (about 0.3 %, at least one) and the outlier customer
    (``None`` below OUTLIER_FROM_CUSTOMERS), 0-based; they depend on seed and size only."""
    zero_count = min(customers, max(1, round(customers * ZERO_REVENUE_SHARE)))
    has_outlier = customers >= OUTLIER_FROM_CUSTOMERS
    rng = np.random.default_rng([seed & 0xFFFFFFFF, seed >> 32, customers])
    picked = rng.choice(customers, size=zero_count + int(has_outlier), replace=False)
    outlier = int(picked[-1]) if has_outlier else None
    return np.sort(picked[:zero_count]), outlier


def generate(
    out_dir: Path,
    customers: int = DEFAULT_CUSTOMERS,
    seed: int = DEFAULT_SEED,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Path]:
    """Write the four exports for ``customers`` customers into ``out_dir``; return their paths.

    The same ``customers`` and ``seed`` give byte-identical files for any ``chunk_size``.
    ``progress`` receives a line about every tenth of the way.
    """
    if customers < 1:
        raise ValueError(f"customers must be at least 1, got {customers}")
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, got {chunk_size}")
    if seed < 0:
        raise ValueError(f"seed must not be negative, got {seed}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {name: out_dir / name for name in FILE_NAMES}
    zero_revenue, outlier = special_customers(customers, seed)
    started = time.perf_counter()
    next_report = 0.1
    streams: dict[str, BinaryIO] = {}
    try:
        for name, path in paths.items():
            streams[name] = path.open("wb")
            streams[name].write((HEADERS[name] + "\n").encode("utf-8"))
        for start in range(0, customers, chunk_size):
            stop = min(start + chunk_size, customers)
            chunk = simulate(seed, start, stop, zero_revenue, outlier)
            for name, stream in streams.items():
                stream.write(FORMATTERS[name](chunk))
            if progress is not None and stop / customers >= next_report:
                elapsed = time.perf_counter() - started
                progress(
                    f"{stop:,} of {customers:,} customers ({stop / customers:.0%}), {elapsed:.1f} s"
                )
                next_report = np.floor(stop / customers * 10 + 1) / 10
    finally:
        for stream in streams.values():
            stream.close()
    return paths


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {text}")
    return value


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Write demo exports (market_file, market_money, market_time, money .csv) "
        "in the raw format of the shop's real files.",
    )
    parser.add_argument(
        "--customers", type=_positive, default=DEFAULT_CUSTOMERS, help="default: %(default)s"
    )
    parser.add_argument(
        "--seed", type=_non_negative, default=DEFAULT_SEED, help="default: %(default)s"
    )
    parser.add_argument(
        "--out", type=Path, required=True, help="folder to write the four files into"
    )
    parser.add_argument(
        "--chunk-size",
        type=_positive,
        default=DEFAULT_CHUNK_SIZE,
        help="customers generated and written at a time; bounds memory, not the output "
        "(default: %(default)s)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    def report(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    started = time.perf_counter()
    paths = generate(
        args.out,
        customers=args.customers,
        seed=args.seed,
        chunk_size=args.chunk_size,
        progress=report if args.customers >= PROGRESS_FROM else None,
    )
    elapsed = time.perf_counter() - started
    report(f"wrote {args.customers:,} customers to {args.out} in {elapsed:.1f} s:")
    for path in paths.values():
        report(f"  {path.name}  {path.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
