"""The scorecard's money families, read from the unit economics result (never recomputed)."""

import polars as pl

from nsm_core.economics import UnitEconomics
from nsm_core.economics.payback import SOURCE_WORDS
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
    """Return CAC, cohort LTV, LTV:CAC and payback, as Unit economics shows them.

    Payback is `UnitEconomics.payback()`, the page's headline (churn counted), in its words.

    Example:
        >>> customer_roi(None).available
        False
    """
    if econ is None:
        return Family("customer_roi", needs=f"{NEEDS_REVENUE} and {NEEDS_SPEND}")
    if econ.cac is None:
        return Family("customer_roi", needs=NEEDS_SPEND)
    ltv = econ.ltv("cohort")
    payback = econ.payback()
    readings = (
        Reading(
            "CAC", econ.cac, "money", "ad spend ÷ new paying customers", higher_is_better=False
        ),
        Reading("LTV (cohort curve)", ltv.value, "money", ltv.formula),
        Reading(
            "LTV:CAC (cohort curve)",
            econ.ltv_cac("cohort"),
            "ratio",
            "cohort-curve LTV ÷ CAC; 3× is the rule of thumb",
        ),
        Reading(
            "Payback",
            payback.months,
            "months",
            "months of a customer's life until cumulative gross profit per acquired customer "
            f"reaches CAC, churn counted ({SOURCE_WORDS.get(payback.source, 'n/a')}), as on "
            "Unit economics",
            higher_is_better=False,
            text=payback.text(),
        ),
    )
    return Family("customer_roi", readings, basis=f"{econ.customers:,} paying customers")
