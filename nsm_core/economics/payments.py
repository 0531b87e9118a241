"""What counts as a payment, and what each payment is worth when the data records no amount.

A payment is any event with revenue ≠ 0, or every event of the name the user picks
(`EconomicsSpec.payment_event`). Data without money (a `purchase` log with no price) still
tells who pays and who keeps paying; its money numbers need an amount per payment, which
only the user can supply (`EconomicsSpec.amount_per_payment`, a stated assumption).
"""

import re
from dataclasses import dataclass
from typing import Final, Literal, TypeAlias

import polars as pl

from nsm_core import fmt
from nsm_core.economics.tables import EconomicsSpec, is_payment
from nsm_core.schema import EVENT, REVENUE, DataError

AmountKind: TypeAlias = Literal["revenue", "assumed", "none"]
# Event names that usually mark a payment, best first, matched case-insensitively.
PAYMENT_NAMES: Final = (
    r"payment_?(done|completed|succeeded|made)",
    r"purchase",
    r"order_?(completed|placed|paid)",
    r"payment|paid",
    r"checkout_?(completed|done)",
    r"subscri|renew",
    r"checkout|transaction|invoice|charge",
    r"order",
)
COUNT_UNIT: Final = 1.0  # what a payment weighs when only its occurrence is known


@dataclass(frozen=True, slots=True)
class Amounts:
    """Where the money of each payment comes from.

    kind: "revenue" (the revenue column), "assumed" (every payment is worth `per_payment`,
    typed by the user because the payments carry no amount) or "none" (no amount: only counts).
    payments: payment events found; priced: how many of them carry an amount ≠ 0.
    """

    kind: AmountKind
    payments: int
    priced: int
    per_payment: float | None = None

    @property
    def has_money(self) -> bool:
        """True when money numbers can be computed (measured or assumed amounts)."""
        return self.kind != "none"

    def words(self) -> str:
        """Return what each payment is worth, in words.

        Example:
            >>> Amounts("assumed", 10, 0, 12.0).words()
            'an assumed $12.00 each (typed in: the payments carry no amount)'
        """
        if self.kind == "revenue":
            return "the revenue recorded on each"
        if self.kind == "assumed":
            return (
                f"an assumed {fmt.money(self.per_payment)} each "
                "(typed in: the payments carry no amount)"
            )
        return "none recorded, so only counts are known"

    def label(self, name: str) -> str:
        """Return a metric's label, marked when the number rests on the assumed amount.

        Example:
            >>> Amounts("assumed", 10, 0, 12.0).label("ARPA")
            'ARPA at $12.00/payment'
        """
        return (
            f"{name} at {fmt.money(self.per_payment)}/payment" if self.kind == "assumed" else name
        )


def suggested_payments(names: list[str]) -> list[str]:
    """Return the event names that look like payments, most likely first.

    Example:
        >>> suggested_payments(["app_open", "order", "payment_done", "purchase"])
        ['payment_done', 'purchase', 'order']
    """
    rank = {}
    for name in names:
        hit = next((i for i, p in enumerate(PAYMENT_NAMES) if re.search(p, name, re.I)), None)
        if hit is not None:
            rank[name] = hit
    return sorted(rank, key=lambda n: (rank[n], n))


def payment_events(events: pl.LazyFrame) -> pl.LazyFrame:
    """Return each event name with how often it happens and how often it carries money.

    events -> (event, events, priced, positive, revenue), most frequent first; priced =
    events with revenue ≠ 0, positive = with revenue > 0, revenue = their net sum.

    Example:
        >>> ev = pl.LazyFrame({"event": ["pay", "pay", "open"], "revenue": [5.0, 0.0, 0.0]})
        >>> payment_events(ev).collect().rows()
        [('pay', 2, 1, 1, 5.0), ('open', 1, 0, 0, 0.0)]
    """
    revenue = pl.col(REVENUE).fill_null(0.0)
    return (
        events.group_by(EVENT)
        .agg(
            events=pl.len().cast(pl.Int64),
            priced=(revenue != 0).sum().cast(pl.Int64),
            positive=(revenue > 0).sum().cast(pl.Int64),
            revenue=revenue.sum(),
        )
        .sort("events", EVENT, descending=[True, False])
    )


def payment_candidates(events: pl.DataFrame) -> pl.DataFrame:
    """Return the rows of `payment_events` that can be payments: not refund-like events.

    An event whose amounts are all negative (a refund) cannot make anyone a customer; one
    without any amount can, once the user says what it is worth or counts it.

    Example:
        >>> t = pl.DataFrame({"event": ["pay", "refund", "open"], "priced": [2, 1, 0]})
        >>> payment_candidates(t.with_columns(positive=pl.Series([2, 0, 0])))["event"].to_list()
        ['pay', 'open']
    """
    return events.filter((pl.col("priced") == 0) | (pl.col("positive") > 0))


def amounts(events: pl.LazyFrame, spec: EconomicsSpec) -> Amounts:
    """Return where the payments' money comes from, after counting them (one pass).

    Raises:
        DataError: when nothing counts as a payment (no revenue, or the event never occurs).

    Example:
        >>> ev = pl.LazyFrame({"event": ["pay", "open"], "revenue": [0.0, 0.0]})
        >>> amounts(ev, EconomicsSpec(payment_event="pay")).kind
        'none'
    """
    found = (
        events.filter(is_payment(spec))
        .select(
            payments=pl.len().cast(pl.Int64),
            priced=(pl.col(REVENUE).fill_null(0.0) != 0).sum().cast(pl.Int64),
        )
        .collect()
        .row(0, named=True)
    )
    if not found["payments"]:
        problem, fix = _no_payments(spec)
        raise DataError(problem, fix=fix)
    if found["priced"]:
        return Amounts("revenue", found["payments"], found["priced"])
    if spec.amount_per_payment is not None:
        return Amounts("assumed", found["payments"], 0, spec.amount_per_payment)
    return Amounts("none", found["payments"], 0)


def _no_payments(spec: EconomicsSpec) -> tuple[str, str]:
    if spec.payment_event is None:
        return (
            "No payments found: no event carries revenue (every amount is 0 or missing).",
            "Under 'What counts as a payment', pick the event that marks one (purchase, "
            "payment_done, ...), or load events with a revenue column.",
        )
    return (
        f"No {spec.payment_event!r} events in this data.",
        "Under 'What counts as a payment', pick an event that occurs.",
    )


def priced(events: pl.LazyFrame, spec: EconomicsSpec, source: Amounts) -> pl.LazyFrame:
    """Return the events with each payment's revenue set to its amount.

    Measured amounts are kept; payments without one are worth the assumed amount, or one
    count unit when there is none (so customers and retention can still be counted).

    Example:
        >>> ev = pl.LazyFrame({"event": ["pay", "open"], "revenue": [0.0, 0.0]})
        >>> spec = EconomicsSpec(payment_event="pay", amount_per_payment=7.0)
        >>> priced(ev, spec, Amounts("assumed", 1, 0, 7.0)).collect()["revenue"].to_list()
        [7.0, 0.0]
    """
    if source.kind == "revenue":
        return events
    unit = source.per_payment if source.kind == "assumed" else COUNT_UNIT
    return events.with_columns(
        pl.when(is_payment(spec)).then(pl.lit(unit)).otherwise(pl.col(REVENUE)).alias(REVENUE)
    )


def partly_priced(source: Amounts, spec: EconomicsSpec) -> tuple[str, ...]:
    """Return a warning when only some of the chosen payment events carry an amount.

    Example:
        >>> partly_priced(Amounts("revenue", 10, 7), EconomicsSpec(payment_event="order"))
        ("3 of 10 'order' events carry no amount and are left out of the payments.",)
    """
    missing = source.payments - source.priced
    if source.kind != "revenue" or spec.payment_event is None or not missing:
        return ()
    return (
        f"{fmt.count(missing)} of {fmt.count(source.payments)} {spec.payment_event!r} events "
        "carry no amount and are left out of the payments.",
    )
