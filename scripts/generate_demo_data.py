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

    python scripts/generate_demo_data.py --customers 1300 --seed 42 --out DIR

**A sequence of monthly exports of one shop** (``--months``; generate_months, write_shop): a
folder per month (YYYY-MM), each a complete export with every quirk above. The shop (Shop) starts
two months before the first export with ``--customers`` customers; every month about 1 % of that
number arrive with new ids (a newcomer has no revenue before the month it arrives, so it is out
of the model's scope until it has bought in each of an export's three months) and a customer
leaves after a month with a chance of 0.5 % (2 % when declining), never to come back. Each month
a customer is declining or not, the label of that month's export: a Markov chain that stays
declining with 0.70 and starts declining with the chance that keeps 38 % declining. A customer's
behaviour in an export is drawn after that month's state as above (with a part that is its own
and stays from month to month); consent, tier and registration stay. Revenue, minutes and profit
are series per customer and calendar month, so the periods shift: the export of month m shows
revenue of m-2, m-1 and m and minutes of m-1 and m, and money.csv the mean monthly profit over
its months with a purchase. A declining month's revenue is lower (by 300 on average).

The offers: after each export the warehouse contacts consenting customers except its control
group (in_control_group, an md5 of "<id>:<YYYY-MM>"); ``--offer-effect`` lowers a contacted
customer's chance of declining the month after by that much (absolute, floored at 0), and
decline_probability tells that chance for any customer, contacted or not: the truth a test
compares the warehouse's uplift with. ``--drift MONTH:COLUMN:FACTOR`` scales one behaviour for
everyone in one month (a site redesign) and leaves every other number as it would have been.
Every random number is a pure function of (seed, customer, month, field), so a sequence, too, is
the same for any chunk size and streams with flat memory.

The embedded demo (warehouse/demo_data/, three months of about 1,300 customers; pages per visit
fall by a third in the last month, and a contact lowers the chance of declining by 0.2) was
written by::

    python scripts/generate_demo_data.py --months 2026-09..2026-11 --customers 1300 --seed 42 \\
        --offer-effect 0.2 --drift 2026-11:Страниц_за_визит:2/3 --out warehouse/demo_data
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from fractions import Fraction
from itertools import pairwise
from pathlib import Path
from typing import BinaryIO

import numpy as np
from numpy.dtypes import StringDType

from warehouse.exports import declared_export

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

# The headers and the values the exports write come from the dbt project's declaration of the
# exports (warehouse.exports): each file's columns in order, and each known value as the export
# spells it. money.csv is `;`-separated, as the real one.
EXPORTS = {name: declared_export(name) for name in FILE_NAMES}
DELIMITERS = {MARKET_FILE: ",", MARKET_MONEY: ",", MARKET_TIME: ",", MONEY: ";"}
HEADERS = {name: DELIMITERS[name].join(export.known_columns) for name, export in EXPORTS.items()}

_LABEL = EXPORTS[MARKET_FILE].column("activity_declined")
KEPT, DECLINED = _LABEL.spelling("0"), _LABEL.spelling("1")
# The standard tier's first spelling and the typo the export also writes; then the premium tier.
(STANDARD, STANDARD_TYPO), (PREMIUM,) = dict(
    EXPORTS[MARKET_FILE].column("service_tier").values
).values()
_CONSENT = EXPORTS[MARKET_FILE].column("is_marketing_allowed")
YES, NO = _CONSENT.spelling("true"), _CONSENT.spelling("false")
# As the export spells them: the real file always writes the cosmetics category with one "с".
_CATEGORY = EXPORTS[MARKET_FILE].column("favourite_category")
CATEGORIES = tuple(_CATEGORY.spelling(category) for category in _CATEGORY.canonical_values)
_MONEY_PERIOD = EXPORTS[MARKET_MONEY].column("period")
MONEY_PERIODS = tuple(
    _MONEY_PERIOD.spelling(period)
    for period in ("two_months_ago", "previous_month", "current_month")
)
# market_time.csv spells the previous month "предыдцщий": its declared spelling.
_TIME_PERIOD = EXPORTS[MARKET_TIME].column("period")
TIME_PERIODS = tuple(
    _TIME_PERIOD.spelling(period) for period in ("previous_month", "current_month")
)

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
if any(len(shares) != len(CATEGORIES) for shares in CATEGORY_SHARES.values()):
    raise ValueError(
        f"CATEGORY_SHARES gives {len(CATEGORY_SHARES[KEPT])} shares; the declaration of "
        f"{MARKET_FILE} has {len(CATEGORIES)} categories: {', '.join(CATEGORIES)}"
    )
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


def _declared_rows(name: str, values: dict[str, np.ndarray]) -> bytes:
    """The rows of export ``name``: its declared columns in the file's order, each from
    ``values`` by its staged name. A declared column the generator makes no values for is an
    error that names it."""
    columns = EXPORTS[name].columns
    missing = [column.header for column in columns if column.name not in values]
    if missing:
        raise ValueError(
            f"{name}: the generator makes no values for the declared column(s) "
            f"{', '.join(missing)}: add them to its formatter (FORMATTERS)"
        )
    parts: list[np.ndarray | str] = []
    for column in columns:
        parts += [values[column.name], DELIMITERS[name]]
    return _lines(_join(*parts[:-1]))


def format_market_file(chunk: Chunk) -> bytes:
    return _declared_rows(
        MARKET_FILE,
        {
            "customer_id": _integers(chunk.ids),
            "activity_declined": _strings([KEPT, DECLINED])[chunk.declined.astype(np.int64)],
            "service_tier": _strings([STANDARD, STANDARD_TYPO, PREMIUM])[chunk.service],
            "is_marketing_allowed": _strings([NO, YES])[chunk.allow.astype(np.int64)],
            "marketing_contacts_6m_avg": _decimal_tenths(chunk.market_6m_tenths),
            "marketing_contacts_current_month": _integers(chunk.market_current),
            "tenure_days": _integers(chunk.duration),
            "promo_purchase_share": _decimal_hundredths(chunk.promo_hundredths),
            "favourite_category": _strings(CATEGORIES)[chunk.category],
            "categories_per_visit": _integers(chunk.categories_per_visit),
            "unpaid_cart_items_quarter": _integers(chunk.unpaid),
            "service_errors": _integers(chunk.errors),
            "pages_per_visit": _integers(chunk.pages),
        },
    )


def format_market_money(chunk: Chunk) -> bytes:
    order = chunk.money_order
    revenue = np.take_along_axis(chunk.revenue_tenths, order, axis=1).ravel()
    return _declared_rows(
        MARKET_MONEY,
        {
            "customer_id": _integers(np.repeat(chunk.ids, 3)),
            "period": _strings(MONEY_PERIODS)[order.ravel()],
            "revenue": _decimal_tenths(revenue),
        },
    )


def format_market_time(chunk: Chunk) -> bytes:
    # Column 1 of ``order`` is TIME_PERIODS' current month.
    order = np.where(chunk.time_current_first[:, None], [1, 0], [0, 1])
    minutes = np.take_along_axis(chunk.minutes, order, axis=1).ravel()
    return _declared_rows(
        MARKET_TIME,
        {
            "customer_id": _integers(np.repeat(chunk.ids, 2)),
            "period": _strings(TIME_PERIODS)[order.ravel()],
            "minutes": _integers(minutes),
        },
    )


def format_money(chunk: Chunk) -> bytes:
    profit = chunk.profit_hundredths
    return _declared_rows(
        MONEY,
        {
            "customer_id": _integers(chunk.ids),
            "profit": _join(_integers(profit // 100), _MONEY_HUNDREDTHS[profit % 100]),
        },
    )


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


# --- A sequence of monthly exports of one shop -------------------------------------------------
# One shop over calendar months, from two months before the first export (the earliest period
# that export shows) to the last. The founders are there at the start; newcomers arrive every
# month with new ids; a customer may leave after any month and never comes back. In each month a
# customer is declining or not (the export's label), a Markov chain whose transition the offers
# change; its behaviour in a month's export is drawn after that month's state as simulate() draws
# a customer after its class, with a part of each behaviour that is the customer's own and stays
# from month to month. Revenue, minutes and profit are series per customer and calendar month:
# the export of month m shows revenue of m-2, m-1 and m and minutes of m-1 and m, so its current
# month is the next export's previous month.

DEFAULT_MONTHS = ("2026-09", "2026-10", "2026-11")
# The state's transition from one month to the next: a declining customer stays declining with
# STAY_DECLINING; a steady one starts declining with the probability that keeps the declining
# share at DECLINED_SHARE when nobody is contacted (the chain's stationary share).
STAY_DECLINING = 0.70
BECOME_DECLINING = DECLINED_SHARE * (1 - STAY_DECLINING) / (1 - DECLINED_SHARE)
# Newcomers each month, as a share of the shop's customers at the start; the chance of leaving
# after a month, by that month's state.
ARRIVAL_SHARE = 0.01
LEAVE_SHARE = {KEPT: 0.005, DECLINED: 0.02}
# The warehouse's control groups: this share of each month's consenting customers is not
# contacted (in_control_group).
CONTROL_SHARE = 0.10
# The part of a behaviour that is the customer's own: the share of a normal draw's variance that
# stays from month to month, and the chance that a month's favourite category and promotion habit
# are the customer's usual ones. Neither changes a month's distributions, only their persistence.
BEHAVIOUR_PERSISTENCE = 0.3
HABIT_KEPT_SHARE = 0.7
# Minutes on the site in a calendar month: between the real file's two months.
MINUTES = Normal(kept=(14.75, 3.75), declined=(10.85, 3.40), low=4, high=23)
# Revenue in a calendar month: the customer's own level, a monthly deviation that carries half
# over to the next month, less in a declining month (what the offers' effect shows in revenue).
# The real file's per-period roundings (whole roubles, halves, tenths) cannot survive periods that
# shift: every month is written in tenths.
REVENUE_LEVEL = (5000.0, 350.0)
REVENUE_MONTHLY_SPREAD = 550.0
REVENUE_AUTOCORRELATION = 0.5
REVENUE_DECLINE_DROP = 300.0
REVENUE_RANGE = (2500.0, 8500.0)
# Profit in a calendar month (the customer's level and a monthly deviation, as the real file:
# unrelated to revenue); money.csv holds the mean over the export's months with a purchase.
PROFIT_LEVEL = (4.0, 0.9)
PROFIT_MONTHLY_SPREAD = 0.8
PROFIT_RANGE = (0.5, 8.0)
# A newcomer's tenure in the month it arrives, in days (the real file's customers without
# earlier revenue have the shortest tenures, 110 to 154 days).
NEWCOMER_TENURE_DAYS = (110, 160)
# The behaviours a drift may scale: market_file.csv's column (its header, as the export writes
# it), the Chunk field that holds it (in its last unit) and the bounds a scaled value is kept
# within.
DRIFTABLE = {
    EXPORTS[MARKET_FILE].column(column).header: drift
    for column, drift in {
        "marketing_contacts_6m_avg": ("market_6m_tenths", 0, None),
        "promo_purchase_share": ("promo_hundredths", 0, 100),
        "categories_per_visit": ("categories_per_visit", 1, None),
        "unpaid_cart_items_quarter": ("unpaid", 0, None),
        "service_errors": ("errors", 0, None),
        "pages_per_visit": ("pages", 1, None),
    }.items()
}

# A random number of the sequence is uniform number (customer, slot, field): the slot is 0 for
# what a customer keeps (consent, tier, its usual behaviour) and the month's number + 1 for a
# month's draws, so every number is a pure function of (seed, customer, month, field).
(
    F_STATE,
    F_LEAVE,
    F_PROFILE,
    F_CONTACTS,
    F_CATEGORY,
    F_CATEGORY_HABIT,
    F_PROMO_KIND,
    F_PROMO_HABIT,
    F_MONEY_ORDER,
    F_TIME_ORDER,
    F_OUTLIER,
    F_ALLOW,
    F_PREMIUM,
    F_TYPO,
    F_TENURE_A,
    F_TENURE_B,
    F_NEWCOMER_TENURE,
    F_NORMALS,  # first of the pairs used by the normal draws, see Z_* below
) = range(18)
(
    Z_MARKET_6M,
    Z_CATEGORIES,
    Z_UNPAID,
    Z_ERRORS,
    Z_PAGES,
    Z_MINUTES,
    Z_PROMO,
    Z_REVENUE,
    Z_PROFIT,
) = range(9)
STATIC = 0
_FIELD_BITS, _SLOT_BITS = 7, 17
# Keeps the sequence's numbers apart from the single export's (uniforms()).
_SEQUENCE_SALT = 0x6D6F6E746873  # "months"


def month_number(text: str) -> int:
    """``YYYY-MM`` as a count of months (year × 12 + month − 1); ValueError otherwise."""
    year, dash, month = text.partition("-")
    if not (dash and len(year) == 4 and len(month) == 2 and year.isdigit() and month.isdigit()):
        raise ValueError(f"a month is YYYY-MM, got {text!r}")
    if not 1 <= int(month) <= 12:
        raise ValueError(f"a month is YYYY-MM with MM from 01 to 12, got {text!r}")
    return int(year) * 12 + int(month) - 1


def month_text(number: int) -> str:
    """The ``YYYY-MM`` of a month's number."""
    return f"{number // 12:04d}-{number % 12 + 1:02d}"


def month_span(text: str) -> tuple[str, ...]:
    """``2026-09..2026-11`` (both ends included) or ``2026-09,2026-11`` as the months' texts."""
    if ".." in text:
        first, _, last = text.partition("..")
        numbers = range(month_number(first.strip()), month_number(last.strip()) + 1)
        if not numbers:
            raise ValueError(f"the range {text!r} ends before it starts")
        return tuple(month_text(number) for number in numbers)
    return tuple(month_text(month_number(part.strip())) for part in text.split(","))


def _month_start_day(number: int) -> int:
    """The first day of month ``number``, as a proleptic Gregorian ordinal."""
    return date(number // 12, number % 12 + 1, 1).toordinal()


@dataclass(frozen=True)
class Drift:
    """In ``month`` every customer's ``feature`` (a market_file.csv column of DRIFTABLE) is
    ``factor`` times what it would be, rounded to the column's unit (2/3: falls by a third)."""

    month: str
    feature: str
    factor: float

    def __post_init__(self) -> None:
        month_number(self.month)
        if self.feature not in DRIFTABLE:
            raise ValueError(f"a drift scales one of {', '.join(DRIFTABLE)}; got {self.feature!r}")
        if not self.factor > 0:
            raise ValueError(f"a drift's factor must be positive, got {self.factor}")


@dataclass(frozen=True)
class Shop:
    """One shop over ``months`` (its exports, oldest first): ``customers`` customers two months
    before the first export, newcomers and leavers, the state's transitions, the offers' effect
    (an absolute reduction of the chance of declining the month after a contact, floored at 0)
    with the control share, and an optional drift."""

    months: tuple[str, ...] = DEFAULT_MONTHS
    customers: int = DEFAULT_CUSTOMERS
    seed: int = DEFAULT_SEED
    offer_effect: float = 0.0
    control_share: float = CONTROL_SHARE
    drift: Drift | None = None
    stay_declining: float = STAY_DECLINING
    become_declining: float = BECOME_DECLINING
    arrival_share: float = ARRIVAL_SHARE

    def __post_init__(self) -> None:
        object.__setattr__(self, "months", tuple(self.months))
        numbers = [month_number(month) for month in self.months]
        if not numbers or any(a >= b for a, b in pairwise(numbers)):
            raise ValueError(f"months must be one or more, oldest first, got {self.months}")
        if self.customers < 1:
            raise ValueError(f"customers must be at least 1, got {self.customers}")
        if self.seed < 0:
            raise ValueError(f"seed must not be negative, got {self.seed}")
        for name in ("offer_effect", "control_share", "stay_declining", "become_declining"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be within [0, 1], got {getattr(self, name)}")
        if self.arrival_share < 0.0:
            raise ValueError(f"arrival_share must not be negative, got {self.arrival_share}")
        if self.drift is not None and self.drift.month not in self.months:
            raise ValueError(f"the drift's month {self.drift.month} is not one of {self.months}")

    @property
    def start(self) -> int:
        """The number of the first simulated month: the first export's earliest period."""
        return month_number(self.months[0]) - 2

    @property
    def length(self) -> int:
        """Simulated months, from the start to the last export."""
        return month_number(self.months[-1]) - self.start + 1

    @property
    def arrivals_per_month(self) -> int:
        if self.arrival_share == 0:
            return 0
        return max(1, round(self.customers * self.arrival_share))

    @property
    def total(self) -> int:
        """Customers the shop ever has: the founders and every month's newcomers."""
        return self.customers + self.arrivals_per_month * (self.length - 1)

    def index(self, month: str) -> int:
        """The position of ``month`` among the simulated months (0: the start)."""
        return month_number(month) - self.start

    @property
    def contact_months(self) -> frozenset[int]:
        """Positions of the months whose customers are contacted: every export's month with a
        month after it (the warehouse contacts after building an export)."""
        return frozenset(self.index(month) for month in self.months) - {self.length - 1}


def _sequence_key(seed: int) -> np.uint64:
    return _splitmix(np.array([_stream_key(seed) ^ np.uint64(_SEQUENCE_SALT)], dtype=np.uint64))[0]


def _slot(number: int) -> int:
    """The slot of month ``number``'s draws (0 is the customer's own, kept across months)."""
    return number + 1


def _uniform(seed: int, customers: np.ndarray, slot: int, field: int) -> np.ndarray:
    """Uniforms in [0, 1), one per customer (0-based), a pure function of (seed, customer,
    slot, field)."""
    counter = np.uint64((slot << _FIELD_BITS) | field)
    counters = (customers.astype(np.uint64) << np.uint64(_FIELD_BITS + _SLOT_BITS)) | counter
    bits = _splitmix(_sequence_key(seed) + counters * _GOLDEN)
    return (bits >> np.uint64(11)).astype(np.float64) * 2.0**-53


def _normal(seed: int, customers: np.ndarray, slot: int, pair: int) -> np.ndarray:
    """Standard normals by Box-Muller on the pair of fields of normal draw ``pair``."""
    first = F_NORMALS + 2 * pair
    radius = np.sqrt(-2.0 * np.log1p(-_uniform(seed, customers, slot, first)))
    return radius * np.cos(2.0 * np.pi * _uniform(seed, customers, slot, first + 1))


def _persistent_normal(seed: int, customers: np.ndarray, slot: int, pair: int) -> np.ndarray:
    """Standard normals whose BEHAVIOUR_PERSISTENCE share of variance is the customer's own."""
    own = _normal(seed, customers, STATIC, pair)
    month = _normal(seed, customers, slot, pair)
    return np.sqrt(BEHAVIOUR_PERSISTENCE) * own + np.sqrt(1 - BEHAVIOUR_PERSISTENCE) * month


def _habitual_uniform(
    seed: int, customers: np.ndarray, slot: int, field: int, habit: int
) -> np.ndarray:
    """Uniforms that are the customer's usual one with HABIT_KEPT_SHARE, else the month's."""
    usual = _uniform(seed, customers, STATIC, field)
    month = _uniform(seed, customers, slot, field)
    return np.where(_uniform(seed, customers, slot, habit) < HABIT_KEPT_SHARE, usual, month)


def in_control_group(
    customer_ids: np.ndarray, month: str, control_share: float = CONTROL_SHARE
) -> np.ndarray:
    """Whether each customer is in the control group of ``month`` (YYYY-MM): the first 8 hex
    digits of md5("<customer_id>:<month>") over 16**8 fall below ``control_share``. DuckDB:
    ``('0x' || left(md5(customer_id::varchar || ':' || month), 8))::bigint / 16^8``, with
    ``month`` the text YYYY-MM."""
    fractions = [
        int(hashlib.md5(f"{customer_id}:{month}".encode()).hexdigest()[:8], 16) / 16**8
        for customer_id in np.asarray(customer_ids).tolist()
    ]
    return np.array(fractions, dtype=np.float64).reshape(np.shape(customer_ids)) < control_share


def transition_probability(shop: Shop, declining: np.ndarray, treated: np.ndarray) -> np.ndarray:
    """The chance of declining next month, given this month's state and contact."""
    base = np.where(declining, shop.stay_declining, shop.become_declining)
    return np.where(treated, np.maximum(base - shop.offer_effect, 0.0), base)


@dataclass(frozen=True)
class History:
    """The customers' course over the simulated months, each array ``(customers, months)``."""

    arrival: np.ndarray  # (customers,) position of the month each customer arrives in
    declining: np.ndarray
    present: np.ndarray
    treated: np.ndarray  # contacted: consenting, present, not in the month's control group
    looks_declined: np.ndarray  # the profile the month's behaviour is drawn from


def _arrival(shop: Shop, indices: np.ndarray) -> np.ndarray:
    """The position of the month each customer (0-based index) arrives in: 0 for founders."""
    newcomer = np.maximum(indices - shop.customers, 0)
    return np.where(
        indices < shop.customers, 0, 1 + newcomer // max(shop.arrivals_per_month, 1)
    ).astype(np.int64)


def simulate_history(shop: Shop, indices: np.ndarray) -> History:
    """The state, presence and contacts of customers ``indices`` (0-based) month by month; a
    pure function of the shop and each customer, whatever other customers are simulated."""
    n, length = len(indices), shop.length
    arrival = _arrival(shop, indices)
    ids = indices + FIRST_ID
    consenting = _uniform(shop.seed, indices, STATIC, F_ALLOW) < ALLOW_SHARE
    declining = np.zeros((n, length), dtype=bool)
    present = np.zeros((n, length), dtype=bool)
    treated = np.zeros((n, length), dtype=bool)
    looks_declined = np.zeros((n, length), dtype=bool)
    leave_share = (LEAVE_SHARE[KEPT], LEAVE_SHARE[DECLINED])
    for k in range(length):
        slot = _slot(shop.start + k)
        u_state = _uniform(shop.seed, indices, slot, F_STATE)
        # Before and in its first month, a customer's state is drawn at the shop's usual share.
        fresh = u_state < DECLINED_SHARE
        if k == 0:
            declining[:, 0] = fresh
            present[:, 0] = arrival == 0
        else:
            chance = transition_probability(shop, declining[:, k - 1], treated[:, k - 1])
            declining[:, k] = np.where(arrival >= k, fresh, u_state < chance)
            leaves = _uniform(shop.seed, indices, slot, F_LEAVE) < np.where(
                declining[:, k - 1], leave_share[1], leave_share[0]
            )
            present[:, k] = (present[:, k - 1] & ~leaves) | (arrival == k)
        looks_declined[:, k] = _uniform(shop.seed, indices, slot, F_PROFILE) < np.where(
            declining[:, k], LOOKS_DECLINED[DECLINED], LOOKS_DECLINED[KEPT]
        )
        if k in shop.contact_months:
            reachable = np.flatnonzero(present[:, k] & consenting)
            control = in_control_group(
                ids[reachable], month_text(shop.start + k), shop.control_share
            )
            treated[reachable[~control], k] = True
    return History(arrival, declining, present, treated, looks_declined)


def decline_probability(
    shop: Shop, customer_ids: np.ndarray, month: str, treated: bool | np.ndarray
) -> np.ndarray:
    """The truth about the offers: each customer's chance of declining in ``month``, had it been
    contacted (``treated``) in the month before or not, given its state then. NaN for a customer
    the shop did not have in the month before. The expected effect of contacting a group is the
    mean of ``decline_probability(..., False) - decline_probability(..., True)`` over it."""
    k = shop.index(month)
    if not 1 <= k <= shop.length:
        raise ValueError(
            f"{month} is not a month after one of the simulated months "
            f"{month_text(shop.start)}..{month_text(shop.start + shop.length - 1)}"
        )
    indices = np.asarray(customer_ids, dtype=np.int64) - FIRST_ID
    known = (indices >= 0) & (indices < shop.total)
    history = simulate_history(shop, np.where(known, indices, 0))
    chance = transition_probability(
        shop, history.declining[:, k - 1], np.broadcast_to(treated, indices.shape)
    )
    return np.where(known & history.present[:, k - 1], chance, np.nan)


def _revenue_series(shop: Shop, indices: np.ndarray, history: History) -> np.ndarray:
    """Revenue in tenths, ``(customers, months)``: 0 before a customer arrives."""
    level = REVENUE_LEVEL[0] + REVENUE_LEVEL[1] * _normal(shop.seed, indices, STATIC, Z_REVENUE)
    deviation = np.zeros(len(indices))
    revenue = np.zeros((len(indices), shop.length), dtype=np.int64)
    carried = REVENUE_AUTOCORRELATION
    for k in range(shop.length):
        z = _normal(shop.seed, indices, _slot(shop.start + k), Z_REVENUE)
        deviation = np.where(
            history.arrival >= k, z, carried * deviation + np.sqrt(1 - carried**2) * z
        )
        value = level + REVENUE_MONTHLY_SPREAD * deviation
        value = np.clip(value - REVENUE_DECLINE_DROP * history.declining[:, k], *REVENUE_RANGE)
        revenue[:, k] = np.where(history.arrival <= k, np.rint(value * 10), 0)
    return revenue


def _profit_series(shop: Shop, indices: np.ndarray) -> np.ndarray:
    """Profit in hundredths, ``(customers, months)``, whether the customer bought or not."""
    level = PROFIT_LEVEL[0] + PROFIT_LEVEL[1] * _normal(shop.seed, indices, STATIC, Z_PROFIT)
    profit = np.zeros((len(indices), shop.length), dtype=np.int64)
    for k in range(shop.length):
        z = _normal(shop.seed, indices, _slot(shop.start + k), Z_PROFIT)
        value = np.clip(level + PROFIT_MONTHLY_SPREAD * z, *PROFIT_RANGE)
        profit[:, k] = np.rint(value * 100)
    return profit


def _minutes_series(shop: Shop, indices: np.ndarray, history: History) -> np.ndarray:
    """Minutes on the site, ``(customers, months)``, after each month's profile."""
    minutes = np.zeros((len(indices), shop.length), dtype=np.int64)
    for k in range(shop.length):
        z = _persistent_normal(shop.seed, indices, _slot(shop.start + k), Z_MINUTES)
        minutes[:, k] = _by_profile(history.looks_declined[:, k], MINUTES, z)
    return minutes


def _tenure(
    shop: Shop, indices: np.ndarray, arrival: np.ndarray, looks: np.ndarray, k: int
) -> np.ndarray:
    """Days since registration in month ``k``: founders as simulate() draws them in the first
    export, newcomers NEWCOMER_TENURE_DAYS in the month they arrive; a month later, a month
    more."""
    low, high = DURATION_DAYS
    trapezoid = 0.15 * _uniform(shop.seed, indices, STATIC, F_TENURE_A) + 0.85 * _uniform(
        shop.seed, indices, STATIC, F_TENURE_B
    )
    trapezoid = np.where(looks, trapezoid**0.85, trapezoid)
    founder = np.rint(low + (high - low) * trapezoid)
    new_low, new_high = NEWCOMER_TENURE_DAYS
    newcomer = np.rint(
        new_low + (new_high - new_low) * _uniform(shop.seed, indices, STATIC, F_NEWCOMER_TENURE)
    )
    since = np.where(arrival == 0, shop.index(shop.months[0]), arrival)
    days = np.array([_month_start_day(shop.start + k) for k in range(shop.length)])
    return (np.where(arrival == 0, founder, newcomer) + days[k] - days[since]).astype(np.int64)


def _drifted(chunk: Chunk, drift: Drift) -> Chunk:
    """The chunk with the drift's feature scaled by its factor and rounded to its unit."""
    field, low, high = DRIFTABLE[drift.feature]
    value = np.rint(getattr(chunk, field) * drift.factor)
    return replace(chunk, **{field: np.clip(value, low, high).astype(np.int64)})


@dataclass(frozen=True)
class Series:
    """A chunk's monthly series, each ``(customers, months)``."""

    revenue_tenths: np.ndarray
    minutes: np.ndarray
    profit_hundredths: np.ndarray


def export_chunk(
    shop: Shop,
    indices: np.ndarray,
    history: History,
    series: Series,
    month: str,
    outlier: int | None,
) -> Chunk:
    """The rows of ``month``'s export for the customers ``indices`` the shop has that month."""
    k = shop.index(month)
    rows = np.flatnonzero(history.present[:, k])
    customers = indices[rows]
    slot = _slot(month_number(month))
    seed = shop.seed
    looks = history.looks_declined[rows, k]
    arrival = history.arrival[rows]
    # What a customer keeps follows the profile of the month it arrived in.
    looked_at_arrival = history.looks_declined[rows, arrival]

    def normal(pair: int, spec: Normal, scale: float = 1.0) -> np.ndarray:
        return _by_profile(looks, spec, _persistent_normal(seed, customers, slot, pair), scale)

    premium = _share(_uniform(seed, customers, STATIC, F_PREMIUM), looked_at_arrival, PREMIUM_SHARE)
    typo = ~premium & (_uniform(seed, customers, STATIC, F_TYPO) < STANDARD_TYPO_SHARE)
    contact_values = np.array([value for value, _ in CURRENT_MONTH_CONTACTS])
    contact_shares = np.array([share for _, share in CURRENT_MONTH_CONTACTS])
    category_shares = _unmix_shares(CATEGORY_SHARES[KEPT], CATEGORY_SHARES[DECLINED])[
        looks.astype(np.int64)
    ]
    category_u = _habitual_uniform(seed, customers, slot, F_CATEGORY, F_CATEGORY_HABIT)
    promo_kind = _habitual_uniform(seed, customers, slot, F_PROMO_KIND, F_PROMO_HABIT)
    z_promo = _persistent_normal(seed, customers, slot, Z_PROMO)
    promo = np.where(
        _share(promo_kind, looks, PROMO_HEAVY_SHARE),
        _by_profile(looks, PROMO_HEAVY, z_promo, 0.01),
        _by_profile(looks, PROMO_USUAL, z_promo, 0.01),
    )
    promo = np.where(_share(1.0 - promo_kind, looks, PROMO_ZERO_SHARE), 0, promo)

    revenue = series.revenue_tenths[rows, k - 2 : k + 1].copy()
    misstated = np.flatnonzero(customers == outlier)
    if len(misstated):
        fraction = _uniform(seed, customers[misstated], slot, F_OUTLIER)
        low_revenue, high_revenue = OUTLIER_REVENUE
        revenue[misstated, 2] = np.rint(
            (low_revenue + (high_revenue - low_revenue) * fraction) * 10
        )
    # money.csv: the mean monthly profit over the export's months with a purchase.
    bought = series.revenue_tenths[rows, k - 2 : k + 1] > 0
    profit_sum = (series.profit_hundredths[rows, k - 2 : k + 1] * bought).sum(axis=1)
    profit = np.rint(profit_sum / bought.sum(axis=1)).astype(np.int64)

    chunk = Chunk(
        ids=customers + FIRST_ID,
        declined=history.declining[rows, k],
        service=np.where(premium, 2, np.where(typo, 1, 0)),
        allow=_uniform(seed, customers, STATIC, F_ALLOW) < ALLOW_SHARE,
        market_6m_tenths=normal(Z_MARKET_6M, MARKET_6M, 0.1),
        market_current=contact_values[
            _pick(_uniform(seed, customers, slot, F_CONTACTS), contact_shares)
        ],
        duration=_tenure(shop, customers, arrival, looked_at_arrival, k),
        promo_hundredths=promo,
        category=_pick(category_u, category_shares),
        categories_per_visit=normal(Z_CATEGORIES, CATEGORIES_PER_VISIT),
        unpaid=normal(Z_UNPAID, UNPAID_ITEMS),
        errors=normal(Z_ERRORS, SERVICE_ERRORS),
        pages=normal(Z_PAGES, PAGES_PER_VISIT),
        revenue_tenths=revenue,
        money_order=MONEY_ORDERS[
            _pick(_uniform(seed, customers, slot, F_MONEY_ORDER), MONEY_ORDER_WEIGHTS)
        ],
        minutes=series.minutes[rows, k - 1 : k + 1],
        time_current_first=_uniform(seed, customers, slot, F_TIME_ORDER) < TIME_CURRENT_FIRST_SHARE,
        profit_hundredths=profit,
    )
    if shop.drift is not None and shop.drift.month == month:
        chunk = _drifted(chunk, shop.drift)
    return chunk


def outlier_customers(shop: Shop) -> dict[str, int | None]:
    """Per export month, the customer (0-based) whose current revenue the export misstates
    above 100,000 (a data-entry error of that file, not of the series): one in each export of a
    shop of at least OUTLIER_FROM_CUSTOMERS customers, picked among those it has that month that
    were there in the export's earliest month too (so the outlier rule has months to use)."""
    picked: dict[str, int | None] = dict.fromkeys(shop.months)
    if shop.customers < OUTLIER_FROM_CUSTOMERS:
        return picked
    for month in shop.months:
        k = shop.index(month)
        earlier = shop.customers + shop.arrivals_per_month * (k - 2)
        rng = np.random.default_rng([shop.seed & 0xFFFFFFFF, shop.seed >> 32, month_number(month)])
        order = rng.permutation(earlier)
        for first in range(0, earlier, 64):
            candidates = order[first : first + 64]
            present = simulate_history(shop, candidates).present[:, k]
            if present.any():
                picked[month] = int(candidates[np.argmax(present)])
                break
    return picked


def write_shop(
    out_dir: Path,
    shop: Shop,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: Callable[[str], None] | None = None,
) -> dict[str, dict[str, Path]]:
    """Write ``out_dir/<YYYY-MM>/`` with the four exports of each of the shop's months; return
    their paths by month and file. Byte-identical for any ``chunk_size``; memory is bounded by
    it. ``progress`` receives a line about every tenth of the way."""
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, got {chunk_size}")
    paths = {
        month: {name: Path(out_dir) / month / name for name in FILE_NAMES} for month in shop.months
    }
    outliers = outlier_customers(shop)
    started = time.perf_counter()
    next_report = 0.1
    streams: dict[tuple[str, str], BinaryIO] = {}
    try:
        for month, files in paths.items():
            files[MARKET_FILE].parent.mkdir(parents=True, exist_ok=True)
            for name, path in files.items():
                streams[month, name] = path.open("wb")
                streams[month, name].write((HEADERS[name] + "\n").encode("utf-8"))
        for start in range(0, shop.total, chunk_size):
            stop = min(start + chunk_size, shop.total)
            indices = np.arange(start, stop, dtype=np.int64)
            history = simulate_history(shop, indices)
            series = Series(
                revenue_tenths=_revenue_series(shop, indices, history),
                minutes=_minutes_series(shop, indices, history),
                profit_hundredths=_profit_series(shop, indices),
            )
            for month in shop.months:
                chunk = export_chunk(shop, indices, history, series, month, outliers[month])
                if len(chunk.ids) == 0:  # none of these customers is there that month
                    continue
                for name in FILE_NAMES:
                    streams[month, name].write(FORMATTERS[name](chunk))
            if progress is not None and stop / shop.total >= next_report:
                elapsed = time.perf_counter() - started
                progress(
                    f"{stop:,} of {shop.total:,} customers ({stop / shop.total:.0%}), "
                    f"{elapsed:.1f} s"
                )
                next_report = np.floor(stop / shop.total * 10 + 1) / 10
    finally:
        for stream in streams.values():
            stream.close()
    return paths


def generate_months(
    out_dir: Path,
    months: tuple[str, ...] | list[str] = DEFAULT_MONTHS,
    customers: int = DEFAULT_CUSTOMERS,
    seed: int = DEFAULT_SEED,
    offer_effect: float = 0.0,
    control_share: float = CONTROL_SHARE,
    drift: Drift | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: Callable[[str], None] | None = None,
) -> dict[str, dict[str, Path]]:
    """Write the exports of one shop for each of ``months`` into ``out_dir/<YYYY-MM>/``: see
    Shop for the parameters and write_shop for the output."""
    shop = Shop(
        months=tuple(months),
        customers=customers,
        seed=seed,
        offer_effect=offer_effect,
        control_share=control_share,
        drift=drift,
    )
    return write_shop(out_dir, shop, chunk_size=chunk_size, progress=progress)


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


def _months(text: str) -> tuple[str, ...]:
    try:
        return month_span(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _share_argument(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be within [0, 1], got {text}")
    return value


def _drift(text: str) -> Drift:
    """``MONTH:COLUMN:FACTOR``, the factor a number or a fraction (``2/3``)."""
    month, column, factor = [*text.split(":"), "", ""][:3]
    try:
        return Drift(month=month, feature=column, factor=float(Fraction(factor)))
    except (ValueError, ZeroDivisionError) as error:
        raise argparse.ArgumentTypeError(
            f"expected MONTH:COLUMN:FACTOR, e.g. 2026-11:Страниц_за_визит:2/3 ({error})"
        ) from None


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Write demo exports (market_file, market_money, market_time, money .csv) "
        "in the raw format of the shop's real files: one export, or with --months one export "
        "per month of the same shop in a folder per month.",
    )
    parser.add_argument(
        "--customers",
        type=_positive,
        default=DEFAULT_CUSTOMERS,
        help="customers of the export; with --months, of the shop two months before the first "
        "export (default: %(default)s)",
    )
    parser.add_argument(
        "--seed", type=_non_negative, default=DEFAULT_SEED, help="default: %(default)s"
    )
    parser.add_argument(
        "--out",
        type=Path,
        required=True,
        help="folder to write the four files into (with --months: a folder per month in it)",
    )
    parser.add_argument(
        "--chunk-size",
        type=_positive,
        default=DEFAULT_CHUNK_SIZE,
        help="customers generated and written at a time; bounds memory, not the output "
        "(default: %(default)s)",
    )
    months = parser.add_argument_group("a sequence of months of one shop")
    months.add_argument(
        "--months",
        type=_months,
        default=None,
        metavar="FIRST..LAST",
        help="write one export per month, e.g. 2026-09..2026-11 or 2026-09,2026-11",
    )
    months.add_argument(
        "--offer-effect",
        type=_share_argument,
        default=None,
        help="how much a contact lowers a consenting customer's chance of declining the month "
        "after, absolute (default: 0, no effect)",
    )
    months.add_argument(
        "--control-share",
        type=_share_argument,
        default=None,
        help=f"share of consenting customers not contacted each month (default: {CONTROL_SHARE})",
    )
    months.add_argument(
        "--drift",
        type=_drift,
        default=None,
        metavar="MONTH:COLUMN:FACTOR",
        help="scale one behaviour of market_file.csv for everyone in one month, e.g. "
        "2026-11:Страниц_за_визит:2/3 (pages per visit fall by a third)",
    )
    args = parser.parse_args(argv)
    if args.months is None:
        given = [
            option
            for option, value in (
                ("--offer-effect", args.offer_effect),
                ("--control-share", args.control_share),
                ("--drift", args.drift),
            )
            if value is not None
        ]
        if given:
            parser.error(f"{', '.join(given)} need --months")
    elif args.drift is not None and args.drift.month not in args.months:
        parser.error(f"--drift: {args.drift.month} is not one of the --months")
    return args


def _report(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def shop_from_args(args: argparse.Namespace) -> Shop:
    """The shop the command line describes (``--months`` given)."""
    return Shop(
        months=args.months,
        customers=args.customers,
        seed=args.seed,
        offer_effect=args.offer_effect or 0.0,
        control_share=CONTROL_SHARE if args.control_share is None else args.control_share,
        drift=args.drift,
    )


def _main_months(args: argparse.Namespace) -> int:
    shop = shop_from_args(args)
    started = time.perf_counter()
    paths = write_shop(
        args.out,
        shop,
        chunk_size=args.chunk_size,
        progress=_report if shop.total >= PROGRESS_FROM else None,
    )
    elapsed = time.perf_counter() - started
    _report(f"wrote {len(paths)} months of one shop to {args.out} in {elapsed:.1f} s:")
    for month, files in paths.items():
        with files[MARKET_FILE].open("rb") as stream:
            customers = sum(1 for _ in stream) - 1
        sizes = ", ".join(f"{path.name} {path.stat().st_size:,}" for path in files.values())
        _report(f"  {month}: {customers:,} customers; bytes: {sizes}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.months is not None:
        return _main_months(args)
    started = time.perf_counter()
    paths = generate(
        args.out,
        customers=args.customers,
        seed=args.seed,
        chunk_size=args.chunk_size,
        progress=_report if args.customers >= PROGRESS_FROM else None,
    )
    elapsed = time.perf_counter() - started
    _report(f"wrote {args.customers:,} customers to {args.out} in {elapsed:.1f} s:")
    for path in paths.values():
        _report(f"  {path.name}  {path.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
