"""Widgets of the Unit economics page: the assumptions behind every number, as a Spec."""

from typing import Final

import streamlit as st

from nsm_core.economics import EconomicsSpec
from nsm_core.economics.display import METHOD_LABEL
from nsm_core.economics.ltv import Method
from nsm_core.schema import ACCOUNT, USER

HORIZONS: Final = (6, 12, 18, 24, 36, 48, 60)
CURVES: Final = {"geometric": "Geometric (fixed monthly decay)", "power": "Power (long tail)"}


def economics_spec(columns: list[str]) -> EconomicsSpec:
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
        revenue_net=net,
        gross_margin=None if margin is None else margin / 100,
        horizon_months=horizon,
        discount_rate=discount / 100,
        curve=curve,
    )


def ltv_method() -> Method:
    """Return the LTV method the headline LTV:CAC and payback use."""
    return st.segmented_control(
        "LTV used for LTV:CAC",
        list(METHOD_LABEL),
        default="cohort",
        required=True,
        format_func=METHOD_LABEL.get,
        key="econ_method",
        help="Cohort curve: observed gross profit per customer, extrapolated. Formula: ARPA × "
        "margin ÷ churn. BG/NBD model: purchase and spend models fitted to each customer.",
    )
