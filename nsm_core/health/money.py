"""The scorecard's money families, read from the unit economics result (never recomputed)."""

import polars as pl

from nsm_core.economics import UnitEconomics
from nsm_core.health.families import NEEDS_REVENUE
from nsm_core.health.model import Family, Reading

NEEDS_SPEND = "a spend table (month, channel, ad_spend) loaded beside the events"


def cross_upsell(econ: UnitEconomics | None) -> Family:
    """Return expansion revenue (customers paying more than the month before) as a share.

    Example:
        >>> cross_upsell(None).needs.startswith("a revenue column")
        True
    """
    if econ is None or econ.expansion_share is None:
        return Family("cross_upsell", needs=f"{NEEDS_REVENUE}, with repeat payments")
    reading = Reading(
        "Expansion share of revenue",
        econ.expansion_share,
        "share",
        "Σ expansion (m1 − m0 when m1 > m0 > 0) ÷ Σ revenue, complete months",
    )
    return Family("cross_upsell", (reading,), basis="revenue lifecycle per customer-month")


def retention(econ: UnitEconomics | None) -> Family:
    """Return CRR, logo churn, NRR (DRR) and GRR pooled over complete months.

    Example:
        >>> retention(None).available
        False
    """
    r = None if econ is None else econ.retention
    if r is None or r.crr is None:
        return Family("retention", needs=f"{NEEDS_REVENUE}, over at least two months")
    readings = (
        Reading("Customer retention rate (CRR)", r.crr, "share", "(E − N) ÷ S per month, pooled"),
        Reading("Logo churn", r.logo_churn, "share", "1 − CRR", higher_is_better=False),
        Reading(
            "Dollar retention (NRR / DRR)",
            r.nrr,
            "share",
            "(MRR_S + expansion − contraction − churn) ÷ MRR_S",
        ),
        Reading(
            "Gross revenue retention (GRR)", r.grr, "share", "(MRR_S − contraction − churn) ÷ MRR_S"
        ),
    )
    return Family("retention", readings, basis=f"{r.months} complete months")


def marketing_roi(econ: UnitEconomics | None) -> Family:
    """Return blended marketing ROI and the best and worst channel.

    ROI = (revenue of the customers acquired − ad spend) ÷ ad spend, over the LTV horizon.

    Example:
        >>> marketing_roi(None).needs.startswith("a spend table")
        True
    """
    acq = None if econ is None else econ.acquisition
    if acq is None or acq.by_channel.is_empty():
        return Family("marketing_roi", needs=NEEDS_SPEND)
    table = acq.by_channel.filter(pl.col("marketing_roi").is_not_null())
    totals = table.select(pl.col("revenue", "ad_spend").sum()).row(0)
    blended = (totals[0] - totals[1]) / totals[1] if totals[1] else None
    readings = [
        Reading(
            "Marketing ROI, all channels",
            blended,
            "share",
            "(revenue of acquired customers − ad spend) ÷ ad spend",
        ),
    ]
    ranked = table.sort("marketing_roi", descending=True)
    if ranked.height > 1:
        for row, word in (
            (ranked.row(0, named=True), "best"),
            (ranked.row(-1, named=True), "worst"),
        ):
            readings.append(
                Reading(
                    f"ROI, {word} channel: {row['channel']}",
                    row["marketing_roi"],
                    "share",
                    "same, for one channel",
                )
            )
    horizon = econ.spec.horizon_months
    return Family("marketing_roi", tuple(readings), basis=f"{horizon}-month revenue horizon")


def customer_roi(econ: UnitEconomics | None) -> Family:
    """Return CAC, cohort LTV, LTV:CAC and payback months.

    Example:
        >>> customer_roi(None).available
        False
    """
    if econ is None:
        return Family("customer_roi", needs=f"{NEEDS_REVENUE} and {NEEDS_SPEND}")
    if econ.cac is None:
        return Family("customer_roi", needs=NEEDS_SPEND)
    ltv = econ.ltv("cohort")
    readings = (
        Reading(
            "CAC", econ.cac, "money", "ad spend ÷ new paying customers", higher_is_better=False
        ),
        Reading("LTV (cohort)", ltv.value, "money", ltv.formula),
        Reading("LTV : CAC", econ.ltv_cac("cohort"), "ratio", "LTV ÷ CAC; 3× is the rule of thumb"),
        Reading(
            "Payback",
            econ.payback_months(),
            "months",
            "CAC ÷ (ARPA × gross margin)",
            higher_is_better=False,
        ),
    )
    return Family("customer_roi", readings, basis=f"{econ.customers:,} paying customers")
