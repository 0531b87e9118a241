"""The planted ground truth of each sample product, as frozen dataclasses and JSON.

The generators compute these numbers while simulating (both potential outcomes of every user,
with common random numbers) and write them to sample_data/truths.json; `load_truths` reads
them back. Rates are shares in [0, 1]; effects on rates are percentage points (pp).
"""

import json
import types
from dataclasses import asdict, dataclass, fields, is_dataclass
from pathlib import Path
from typing import Any, Literal, get_args, get_origin, get_type_hints

Role = Literal["cause", "proxy", "neutral"]


@dataclass(frozen=True, slots=True)
class Outcome:
    """The retention outcome every moment is scored on, defined as the analyses define it.

    retained = any event on own days 8..35, own day = floor((ts - start) / 24 h), start = the
    unit's first event (a user's signup; an account's first event). Eligible units started on
    or before `eligible_cutoff` (= data_end - 36 days).
    """

    unit: Literal["user", "account"]
    window: tuple[int, int]
    eligible_cutoff: str
    eligible: int
    retention: float


@dataclass(frozen=True, slots=True)
class Moment:
    """An early behaviour (event >= min_count times on own days 0..window_days-1) and its truth.

    ate_pp: true average treatment effect on `retained` over eligible units, in pp:
        100 * mean(Y(1) - Y(0)), both potential outcomes simulated with the same random draws.
    expected_ate_pp: 100 * mean(p(1) - p(0)), the same without the outcome coin flips.
    att_pp: the ATE over the units that did it.
    naive_lift_pp: 100 * (rate(retained | did it) - rate(retained | did not)), as observed.
    phi: the observed correlation of the two indicators (docs/definitions/moments.md#phi).
    reach: share of eligible units that did it.
    logit_effect: its coefficient in the retention model (0 for proxies and neutral events).
    revenue_ate: true effect on revenue in own days 8..35, currency per unit (None if unset).
    """

    event: str
    min_count: int
    window_days: int
    role: Role
    ate_pp: float
    expected_ate_pp: float
    att_pp: float
    naive_lift_pp: float
    phi: float
    reach: float
    logit_effect: float
    revenue_ate: float | None = None


@dataclass(frozen=True, slots=True)
class Channel:
    """Acquisition channel economics and quality; retention is the `Outcome` rate."""

    channel: str
    ad_spend: float
    spend_per_month: float
    signups: int
    cost_per_signup: float
    customers: int
    cost_per_customer: float
    retention: float
    expected_retention: float


@dataclass(frozen=True, slots=True)
class Leak:
    """An onboarding change that made early activity and retention worse from `start` on.

    activation = active on any of own days 1..6 (= came back in the first week), among users
    whose first week ends before the data do.
    *_drop_pp are causal (same users and draws, with vs without the change) among the
    affected users; observed_* compare cohorts that started before and after `start`.
    """

    start: str
    return_logit_shift: float
    retention_logit_shift: float
    activation_drop_pp: float
    retention_drop_pp: float
    observed_activation_before: float
    observed_activation_after: float
    observed_retention_before: float
    observed_retention_after: float


@dataclass(frozen=True, slots=True)
class Discount:
    """Coupons lift order frequency (causal, randomised) but cut the margin per order.

    margin = revenue - cogs per order (revenue is after discount); rates are over revenue.
    """

    program_event: str
    program_share: float
    order_rate_multiplier: float
    orders_per_user_program: float
    orders_per_user_other: float
    orders_per_active_day_ratio: float
    coupon_order_share: float
    discount_per_coupon_order: float
    discount_rate: float
    margin_per_coupon_order: float
    margin_per_full_price_order: float
    margin_rate_coupon: float
    margin_rate_full_price: float


@dataclass(frozen=True, slots=True)
class Expansion:
    """Seat expansion and churn of paying accounts (docs/definitions/economics.md#nrr).

    nrr_6m = sum of MRR six months after each account's first paid month over the sum of
    MRR in that first month, for accounts first paying in 2025-01..2025-07; grr_6m caps each
    account's later MRR at its first-month MRR.
    """

    invite_threshold: int
    prices: tuple[tuple[str, float], ...]
    monthly_cancel_rate: float
    nrr_6m: float
    nrr_6m_inviters: float
    nrr_6m_others: float
    grr_6m: float
    expected_nrr_6m_inviters: tuple[float, float]
    paying_accounts: int
    cancelled_accounts: int


@dataclass(frozen=True, slots=True)
class Truths:
    """Everything planted in one sample product."""

    product: str
    data_start: str
    data_end: str
    outcome: Outcome
    moment: Moment
    proxy: Moment
    neutral: Moment
    only_cause: str
    channels: tuple[Channel, ...]
    retention_order: tuple[str, ...]
    leak: Leak
    discount: Discount | None = None
    account_outcome: Outcome | None = None
    account_moment: Moment | None = None
    expansion: Expansion | None = None
    hidden_tables: tuple[str, ...] = ()


def _build(kind: Any, value: Any) -> Any:
    """Return `value` (parsed JSON) rebuilt as the annotated type `kind`."""
    if value is None:
        return None
    if isinstance(kind, types.UnionType):
        kind = next(k for k in get_args(kind) if k is not type(None))
    if is_dataclass(kind):
        hints = get_type_hints(kind)
        return kind(**{f.name: _build(hints[f.name], value[f.name]) for f in fields(kind)})
    if get_origin(kind) is tuple:
        args = get_args(kind)
        inner = args[:1] * len(value) if args[-1] is Ellipsis else args
        return tuple(_build(k, v) for k, v in zip(inner, value, strict=True))
    return value


def truths_json(truths: dict[str, Truths]) -> str:
    r"""Return the truths as indented JSON text (stable key order, trailing newline).

    Example:
        >>> truths_json({})
        '{}\n'
    """
    return json.dumps({k: asdict(v) for k, v in truths.items()}, indent=2) + "\n"


def parse_truths(text: str) -> dict[str, Truths]:
    """Return the truths parsed from `truths_json` output.

    Example:
        >>> parse_truths("{}")
        {}
    """
    return {key: _build(Truths, value) for key, value in json.loads(text).items()}


def load_truths(path: Path) -> dict[str, Truths]:
    """Return the truths stored in a truths.json file."""
    return parse_truths(path.read_text(encoding="utf-8"))


def _cell(value: Any) -> str:
    """Return a table cell: numbers as written in truths.json, tuples joined."""
    if isinstance(value, tuple):
        return ", ".join(_cell(v) for v in value)
    return "-" if value is None else str(value)


def _table(rows: list[Any]) -> list[str]:
    """Return a markdown table of dataclass instances (one column per field)."""
    names = [f.name for f in fields(rows[0])]
    head = ["| " + " | ".join(names) + " |", "|" + "---|" * len(names)]
    return head + ["| " + " | ".join(_cell(getattr(r, n)) for n in names) + " |" for r in rows]


def _pairs(item: Any) -> list[str]:
    """Return a two-column markdown table of one dataclass instance."""
    body = [f"| {f.name} | {_cell(getattr(item, f.name))} |" for f in fields(item)]
    return ["| field | value |", "|---|---|", *body]


def render_markdown(truths: dict[str, Truths]) -> str:
    """Return the truths as markdown tables (the generated block of sample_data/README.md).

    Example:
        >>> render_markdown({})
        ''
    """
    out: list[str] = []
    for key, tr in truths.items():
        moments = [tr.moment, tr.proxy, tr.neutral]
        out += [f"### {key}: planted truths (generated)", "", f"Data {tr.data_start} to"]
        out[-1] += f" {tr.data_end} (exclusive). Only cause of `retained`: `{tr.only_cause}`."
        out += ["", "Outcome (user level):", "", *_pairs(tr.outcome), ""]
        out += ["Early behaviours (own days 0..6) and their effect on `retained`:", ""]
        out += [*_table(moments), ""]
        if tr.account_outcome and tr.account_moment:
            out += ["Account level:", "", *_pairs(tr.account_outcome), ""]
            out += [*_table([tr.account_moment]), ""]
        out += ["Channels (retention = user-level `retained` among eligible users):", ""]
        out += [*_table(list(tr.channels)), "", f"Retention order: {_cell(tr.retention_order)}", ""]
        out += ["Leaky onboarding:", "", *_pairs(tr.leak), ""]
        for title, item in (("Coupons", tr.discount), ("Expansion and churn", tr.expansion)):
            if item is not None:
                out += [f"{title}:", "", *_pairs(item), ""]
    return "\n".join(out)
