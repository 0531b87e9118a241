"""Widgets of the Unit economics page: the assumptions behind every number, as a Spec."""

from dataclasses import dataclass
from typing import Final

import polars as pl
import streamlit as st

from nsm_core.economics import EconomicsSpec, display, payment_candidates, suggested_payments
from nsm_core.economics.display import METHOD_LABEL
from nsm_core.economics.ltv import Method
from nsm_core.schema import ACCOUNT, USER

HORIZONS: Final = (6, 12, 18, 24, 36, 48, 60)
CURVES: Final = {"geometric": "Geometric (fixed monthly decay)", "power": "Power (long tail)"}
ANY_REVENUE: Final = ""  # the option "any event with revenue ≠ 0" (no event has an empty name)


@dataclass(frozen=True, slots=True)
class PaymentChoice:
    """What counts as a payment (None = any event with revenue ≠ 0) and its assumed amount."""

    event: str | None = None
    amount: float | None = None


def payment_choice(events: pl.DataFrame) -> PaymentChoice | None:
    """Draw "What counts as a payment" (and the amount per payment when payments carry none).

    events = `payment_events`. Data with revenue defaults to any event with revenue ≠ 0;
    data without offers only events, the payment-like names first and the likeliest chosen;
    refund-like events (only negative amounts) are not offered. Returns None while no
    event is chosen.
    """
    has_revenue = bool(events["positive"].sum())
    events = payment_candidates(events)
    names = events["event"].to_list()
    suggested = suggested_payments(names)
    options = [ANY_REVENUE] * has_revenue + suggested + [n for n in names if n not in suggested]
    labels = display.payment_labels(events, suggested)
    left, right = st.columns(2)
    picked = left.selectbox(
        "What counts as a payment",
        options,
        index=0 if options and (has_revenue or suggested) else None,
        format_func=lambda o: labels.get(o, "Any event with revenue ≠ 0"),
        placeholder="Pick the event that marks a payment",
        key="econ_payment",
        help="A payment makes its user a customer. By default any event carrying revenue; "
        "pick an event (purchase, payment_done, ...) when the data records payments without "
        "an amount, or to count one kind of payment only.",
    )
    if picked is None:
        return None
    event = None if picked == ANY_REVENUE else picked
    priced = dict(zip(names, events["priced"].to_list(), strict=True))
    if has_revenue if event is None else priced[event]:
        return PaymentChoice(event)
    amount = right.number_input(
        "Amount per payment ($, an assumption)",
        min_value=0.01,
        value=None,
        step=1.0,
        placeholder="None: counts only",
        key="econ_amount",
        help=f"{event!r} events carry no amount. Type what one is worth on average to get "
        "LTV, ARPA, NRR and payback, each marked as resting on this assumption; leave it "
        "empty to see what the counts alone tell.",
    )
    return PaymentChoice(event, amount)


def economics_spec(columns: list[str], payment: PaymentChoice) -> EconomicsSpec:
    """Return the spec from the assumption widgets (account toggle only with account_id)."""
    with st.expander("Assumptions", icon=":material/tune:"):
        left, mid, right = st.columns(3)
        horizon = left.select_slider(
            "LTV horizon (months)",
            HORIZONS,
            value=24,
            key="econ_horizon",
            help="How many months of a customer's life the cohort and model LTVs count.",
        )
        discount = mid.number_input(
            "Monthly discount rate (%)",
            min_value=0.0,
            max_value=5.0,
            value=1.0,
            step=0.25,
            key="econ_discount",
            help="Money next month is worth this much less than today (lifetimes uses 1%).",
        )
        margin = right.number_input(
            "Gross margin (%) if the data has no COGS",
            min_value=0.0,
            max_value=100.0,
            value=None,
            placeholder="100% (revenue LTV)",
            key="econ_margin",
            help="Used only when neither the events (`cogs`) nor the spend table carry COGS.",
        )
        curve = left.selectbox(
            "Cohort curve",
            list(CURVES),
            format_func=CURVES.get,
            key="econ_curve",
            help="How months not yet observed are extrapolated in the cohort LTV.",
        )
        net = mid.toggle(
            "Revenue is after discounts",
            value=True,
            key="econ_net",
            help="On: revenue is what customers paid. Off: revenue is list price and the "
            "`discount` property is taken off it.",
        )
        accounts = ACCOUNT in columns and right.toggle(
            "Count accounts, not users",
            key="econ_accounts",
            help="B2B: one customer = one account_id.",
        )
    return EconomicsSpec(
        customer=ACCOUNT if accounts else USER,
        payment_event=payment.event,
        amount_per_payment=payment.amount,
        revenue_net=net,
        gross_margin=None if margin is None else margin / 100,
        horizon_months=horizon,
        discount_rate=discount / 100,
        curve=curve,
    )


def ltv_method() -> Method:
    """Return the LTV method LTV:CAC uses (payback counts churn the same way whatever it is)."""
    return st.segmented_control(
        "LTV used for LTV:CAC",
        list(METHOD_LABEL),
        default="cohort",
        required=True,
        format_func=METHOD_LABEL.get,
        key="econ_method",
        help="Cohort curve: observed gross profit per customer, extrapolated. Formula: ARPA × "
        "margin ÷ churn. BG/NBD model: purchase and spend models fitted to each customer. "
        "Payback does not depend on this choice.",
    )
