"""Every unit-economics number of the page, from events and the spend table, in one call.

`unit_economics(events, spend, spec)` runs stage 1 (one lazy plan, collected once) and the
stage-2 pieces of the other modules, and returns a frozen `UnitEconomics`.
"""

from dataclasses import dataclass

import polars as pl

from nsm_core.economics import cac as cac_mod
from nsm_core.economics import ltv as ltv_mod
from nsm_core.economics import margins
from nsm_core.economics.costs import CostSources, resolve_costs
from nsm_core.economics.ltv import LTVEstimate, Method
from nsm_core.economics.probabilistic import CustomerModel, model_ltv
from nsm_core.economics.rfm import RFMSpec, rfm_summary
from nsm_core.economics.tables import (
    EconomicsSpec,
    customer_months,
    customers,
    last_complete_month,
)
from nsm_core.schema import DataError

NO_SPEND = (
    "CAC, ROI and payback need a spend table with columns month, channel and ad_spend "
    "(load one beside the events)."
)


@dataclass(frozen=True, slots=True)
class Acquisition:
    """CAC and ROI, present only when there is a spend table."""

    cac: float | None  # blended: all spend ÷ all new customers in the spend months
    new_customers: int
    ad_spend: float
    by_month: pl.DataFrame  # month, channel, ad_spend, new_customers, cac
    by_channel: pl.DataFrame  # channel, ad_spend, ..., marketing_roi, customer_roi


@dataclass(frozen=True, slots=True)
class UnitEconomics:
    """The page's numbers; `ltv` is the estimate chosen by spec.ltv_method."""

    spec: EconomicsSpec
    customers: int
    arpa: float | None  # revenue per paying customer-month
    monthly_gross_profit: float | None  # ARPA × GM%
    ltvs: tuple[LTVEstimate, ...]
    ltv_curve: pl.DataFrame  # age, customers, observed, projected, cumulative
    acquisition: Acquisition | None
    retention: margins.RevenueRetention
    movements: pl.DataFrame
    recurring: margins.RecurringSplit
    expansion_share: float | None
    contribution: margins.Contribution
    cohorts: pl.DataFrame  # contribution per acquisition cohort
    costs: CostSources
    model: CustomerModel | None
    warnings: tuple[str, ...] = ()

    def ltv(self, method: Method) -> LTVEstimate:
        """Return the LTV estimate of one method."""
        return next(e for e in self.ltvs if e.method == method)

    @property
    def cac(self) -> float | None:
        """Blended CAC, or None without a spend table."""
        return self.acquisition.cac if self.acquisition else None

    def ltv_cac(self, method: Method) -> float | None:
        """Return LTV ÷ CAC for one LTV method."""
        value, cac = self.ltv(method).value, self.cac
        return value / cac if value is not None and cac else None

    def payback_months(self) -> float | None:
        """Return CAC ÷ (ARPA × GM%), in months."""
        return ltv_mod.payback_months(self.cac, self.monthly_gross_profit)

    def cohort_payback(self) -> int | None:
        """Return the first month of life where cumulative gross profit per customer ≥ CAC."""
        return ltv_mod.cohort_payback(self.ltv_curve["cumulative"], self.cac)


def _stage1(events: pl.LazyFrame, spec: EconomicsSpec) -> tuple[pl.DataFrame, ...]:
    rfm = RFMSpec(unit=spec.rfm_unit, purchase_event=spec.payment_event, customer=spec.customer)
    return tuple(
        pl.collect_all(
            [
                customer_months(events, spec),
                customers(events, spec),
                last_complete_month(events),
                rfm_summary(events, rfm),
            ]
        )
    )


def _per_customer(gp: pl.DataFrame, rows: pl.DataFrame, customer: str) -> pl.DataFrame:
    lost = (pl.col("m0") - pl.col("m1")).clip(lower_bound=0.0)
    churn = rows.group_by(customer).agg(start_revenue=pl.col("m0").sum(), lost_revenue=lost.sum())
    active = gp.group_by(customer).agg(
        gross_profit=pl.col("gross_profit").sum(),
        active_months=(pl.col("revenue") > 0).sum(),
    )
    return active.join(churn, on=customer, how="left").fill_null(0.0)


def _acquisition(
    who: pl.DataFrame, gp: pl.DataFrame, spend: pl.DataFrame, spec: EconomicsSpec
) -> tuple[Acquisition, tuple[str, ...]]:
    table = cac_mod.cac_table(who, spend)
    value = cac_mod.cohort_value(gp, who, spec.horizon_months, spec.customer)
    blended, new = cac_mod.blended_cac(who, spend)
    spent = float(table["ad_spend"].sum())
    roi = cac_mod.channel_roi(table, value)
    missing = cac_mod.unmatched_channels(who, spend)
    warnings = (
        (f"Spend on channels no customer came through: {', '.join(missing)}.",) if missing else ()
    )
    return Acquisition(blended, new, spent, table, roi), warnings


def _model(
    rfm: pl.DataFrame, gm: float, spec: EconomicsSpec
) -> tuple[LTVEstimate, CustomerModel | None]:
    try:
        return model_ltv(rfm, gm, spec)
    except DataError as err:
        label, n = "BG/NBD × Gamma-Gamma", rfm.height
        failed = LTVEstimate("model", label, None, None, None, n, "", "", (str(err),))
        return failed, None


def unit_economics(
    events: pl.LazyFrame, spend: pl.DataFrame | None, spec: EconomicsSpec
) -> UnitEconomics:
    """Return CAC, ROI, the three LTVs, payback, margins and revenue retention.

    events = canonical events (lazy); spend = the spend table (month, channel, ad_spend,
    optional discounts, cogs) or None. Only complete calendar months enter rates.

    Raises:
        DataError: when no event carries revenue (nothing to price).
    """
    cm_raw, who, last, rfm = _stage1(events, spec)
    if cm_raw.is_empty() or who.is_empty():
        raise DataError(
            "No payments found: unit economics needs events with revenue > 0 "
            "(a `revenue` column, or the payment event chosen on this page)."
        )
    last_month = int(last.item())
    monthly_spend = margins.spend_by_month(spend)
    names = set(events.collect_schema().names())
    gp, costs = resolve_costs(cm_raw, monthly_spend, names, spec)
    complete = gp.filter(pl.col("month") <= last_month)
    rows = margins.movement_rows(complete, last_month, spec.customer)
    movements = margins.revenue_movements(rows)
    per_customer = _per_customer(complete, rows, spec.customer)
    totals = per_customer.select(pl.col("gross_profit", "active_months").sum()).row(0)
    revenue = float(complete["revenue"].sum())
    cohort_est, curve = ltv_mod.cohort_ltv(
        ltv_mod.age_table(gp, who, last_month, spec.customer), spec
    )
    gm = (totals[0] / revenue) if revenue > 0 else 1.0
    model_est, model = _model(rfm, gm, spec)
    acquisition, acq_warnings = (
        _acquisition(who, gp, spend, spec) if spend is not None else (None, (NO_SPEND,))
    )
    ad_spend = acquisition.ad_spend if acquisition else 0.0
    return UnitEconomics(
        spec=spec,
        customers=who.height,
        arpa=revenue / totals[1] if totals[1] else None,
        monthly_gross_profit=totals[0] / totals[1] if totals[1] else None,
        ltvs=(ltv_mod.simple_ltv(per_customer, spec), cohort_est, model_est),
        ltv_curve=curve,
        acquisition=acquisition,
        retention=margins.revenue_retention(movements),
        movements=movements,
        recurring=margins.recurring_split(rows, complete),
        expansion_share=margins.expansion_share(movements),
        contribution=margins.contribution(gp, ad_spend, spec.customer),
        cohorts=margins.cohort_contribution(gp, who, monthly_spend, spec.customer),
        costs=costs,
        model=model,
        warnings=costs.warnings + acq_warnings,
    )


def revenue_retention_of(
    events: pl.LazyFrame, spec: EconomicsSpec
) -> tuple[margins.RevenueRetention, pl.DataFrame]:
    """Return CRR, NRR (DRR), GRR, churn and the monthly movements, without the LTV models.

    The light path for pages that need only retention (Health): stage 1 plus
    `margins.revenue_movements` over complete months.

    Raises:
        DataError: when no event carries revenue.
    """
    cm, last = pl.collect_all([customer_months(events, spec), last_complete_month(events)])
    if cm.is_empty():
        raise DataError("No payments found: revenue retention needs events with revenue > 0.")
    last_month = int(last.item())
    rows = margins.movement_rows(
        cm.filter(pl.col("month") <= last_month), last_month, spec.customer
    )
    movements = margins.revenue_movements(rows)
    return margins.revenue_retention(movements), movements
