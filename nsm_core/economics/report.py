"""Every unit-economics number of the page, from events and the spend table.

`unit_economics(events, spend, spec)` runs stage 1 (`payment_tables`: one lazy plan,
collected once) and stage 2 (`from_tables`: the pieces of the other modules) and returns a
frozen `UnitEconomics`. The stages are public so a cache can keep the tables while only the
stage-2 assumptions change. Payments without an amount give `PaymentCounts` instead
(`counts_from_tables`): who pays and keeps paying, with no money number.
"""

from dataclasses import dataclass, replace

import polars as pl

from nsm_core.economics import cac as cac_mod
from nsm_core.economics import ltv as ltv_mod
from nsm_core.economics import margins, payments
from nsm_core.economics.clv import BGNBD, GammaGamma
from nsm_core.economics.costs import CostSources, resolve_costs
from nsm_core.economics.ltv import LTVEstimate, Method
from nsm_core.economics.payback import Payback, cac_payback
from nsm_core.economics.payments import Amounts
from nsm_core.economics.probabilistic import CustomerModel, fit_models, model_ltv
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
NEEDS_AMOUNT = (
    "The payments carry no amount, so money numbers (LTV, ARPA, NRR, GRR, payback, margins) "
    "cannot be measured: type an amount per payment under 'What counts as a payment' (an "
    "assumption), or load events with a revenue column."
)
Models = tuple[BGNBD, GammaGamma]


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
    amounts: Amounts
    users: int  # users (or accounts) in the data, paying or not
    warnings: tuple[str, ...] = ()

    @property
    def conversion(self) -> float | None:
        """Paying customers ÷ users (or accounts) in the data."""
        return self.customers / self.users if self.users else None

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

    def payback(self) -> Payback:
        """Return CAC payback counting churn (the headline of every page) and without churn.

        From the cohort curve when there is one, else the formula with revenue churn; see
        `payback.cac_payback`.
        """
        curve = self.ltv_curve["cumulative"] if self.ltv("cohort").value is not None else None
        churn = self.retention.revenue_churn
        return cac_payback(
            self.cac, self.monthly_gross_profit, churn, curve, self.spec.horizon_months
        )


@dataclass(frozen=True, slots=True)
class PaymentTables:
    """Stage 1: the events reduced to compact tables (what the page's cache keeps).

    customer_months(customer, month, revenue, orders, cogs, discount, event_recurring),
    customers(customer, first_month, channel), rfm = the RFM summary; revenue is the
    payments' amounts (`amounts` says where they come from); users = distinct customer ids
    in all events, paying or not; columns = the event columns.
    """

    customer_months: pl.DataFrame
    customers: pl.DataFrame
    last_month: int
    rfm: pl.DataFrame
    users: int
    amounts: Amounts
    columns: frozenset[str]


def payment_tables(events: pl.LazyFrame, spec: EconomicsSpec) -> PaymentTables:
    """Return the stage-1 tables of unit economics (one pass to count payments, one plan).

    Raises:
        DataError: when nothing counts as a payment.
    """
    amounts = payments.amounts(events, spec)
    lazy = payments.priced(events, spec, amounts)
    rfm = RFMSpec(unit=spec.rfm_unit, purchase_event=spec.payment_event, customer=spec.customer)
    cm, who, last, summary, users = pl.collect_all(
        [
            customer_months(lazy, spec),
            customers(lazy, spec),
            last_complete_month(lazy),
            rfm_summary(lazy, rfm),
            lazy.select(pl.col(spec.customer).drop_nulls().n_unique()),
        ]
    )
    if cm.is_empty() or who.is_empty():
        raise DataError(
            "No payments found: unit economics needs payments with an amount above 0 "
            "(only refunds were found).",
            fix="Under 'What counts as a payment', pick the event that marks a payment.",
        )
    names = frozenset(events.collect_schema().names())
    return PaymentTables(cm, who, int(last.item()), summary, int(users.item()), amounts, names)


def fit_customer_models(tables: PaymentTables) -> Models | str:
    """Return BG/NBD and Gamma-Gamma fitted to the tables' RFM summary, or why they cannot be.

    The fit depends on stage 1 only, so a cache keyed like the tables keeps it while the
    horizon, discount rate or margin change.
    """
    try:
        return fit_models(tables.rfm)
    except DataError as err:
        return str(err)


def _per_customer(gp: pl.DataFrame, rows: pl.DataFrame, customer: str) -> pl.DataFrame:
    lost = (pl.col("m0") - pl.col("m1")).clip(lower_bound=0.0)
    churn = rows.group_by(customer).agg(start_revenue=pl.col("m0").sum(), lost_revenue=lost.sum())
    active = gp.group_by(customer).agg(
        gross_profit=pl.col("gross_profit").sum(),
        active_months=(pl.col("revenue") > 0).sum(),
    )
    return active.join(churn, on=customer, how="left").fill_null(0.0)


def _acquisition(
    who: pl.DataFrame, value: pl.DataFrame, spend: pl.DataFrame
) -> tuple[Acquisition, tuple[str, ...]]:
    """CAC and ROI; `value` = revenue and gross profit per cohort (empty: counts only)."""
    table = cac_mod.cac_table(who, spend)
    blended, new = cac_mod.blended_cac(who, spend)
    spent = float(table["ad_spend"].sum())
    roi = cac_mod.channel_roi(table, value)
    missing = cac_mod.unmatched_channels(who, spend)
    warnings = (
        (f"Spend on channels no customer came through: {', '.join(missing)}.",) if missing else ()
    )
    return Acquisition(blended, new, spent, table, roi), warnings


def _model(
    rfm: pl.DataFrame, gm: float, spec: EconomicsSpec, models: Models | str | None
) -> tuple[LTVEstimate, CustomerModel | None]:
    try:
        if isinstance(models, str):
            raise DataError(models)
        return model_ltv(rfm, gm, spec, models)
    except DataError as err:
        label, n = "BG/NBD × Gamma-Gamma", rfm.height
        failed = LTVEstimate("model", label, None, None, None, n, "", "", (str(err),))
        return failed, None


def _complete_rows(
    cm: pl.DataFrame, last_month: int, customer: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(complete customer-months, their movement rows): only complete months enter rates."""
    complete = cm.filter(pl.col("month") <= last_month)
    return complete, margins.movement_rows(complete, last_month, customer)


def from_tables(
    tables: PaymentTables,
    spend: pl.DataFrame | None,
    spec: EconomicsSpec,
    models: Models | str | None = None,
) -> UnitEconomics:
    """Return CAC, ROI, the three LTVs, payback, margins and revenue retention (stage 2).

    tables = `payment_tables(events, spec)`; spend = the spend table (month, channel,
    ad_spend, optional discounts, cogs) or None; models = the fitted customer models (or why
    they could not be fitted), None to fit them here.

    Raises:
        DataError: when the payments carry no amount and none is assumed.
    """
    if not tables.amounts.has_money:
        raise DataError(NEEDS_AMOUNT)
    last_month = tables.last_month
    monthly_spend = margins.spend_by_month(spend)
    gp, costs = resolve_costs(tables.customer_months, monthly_spend, set(tables.columns), spec)
    complete, rows = _complete_rows(gp, last_month, spec.customer)
    movements = margins.revenue_movements(rows)
    per_customer = _per_customer(complete, rows, spec.customer)
    totals = per_customer.select(pl.col("gross_profit", "active_months").sum()).row(0)
    revenue = float(complete["revenue"].sum())
    who = tables.customers
    cohort_est, curve = ltv_mod.cohort_ltv(
        ltv_mod.age_table(gp, who, last_month, spec.customer), spec
    )
    gm = (totals[0] / revenue) if revenue > 0 else 1.0
    model_est, model = _model(tables.rfm, gm, spec, models)
    acquisition, acq_warnings = None, (NO_SPEND,)
    if spend is not None:
        value = cac_mod.cohort_value(gp, who, spec.horizon_months, spec.customer)
        acquisition, acq_warnings = _acquisition(who, value, spend)
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
        amounts=tables.amounts,
        users=tables.users,
        warnings=costs.warnings + acq_warnings + payments.partly_priced(tables.amounts, spec),
    )


def unit_economics(
    events: pl.LazyFrame, spend: pl.DataFrame | None, spec: EconomicsSpec
) -> UnitEconomics:
    """Return CAC, ROI, the three LTVs, payback, margins and revenue retention.

    events = canonical events (lazy); spend = the spend table (month, channel, ad_spend,
    optional discounts, cogs) or None. Only complete calendar months enter rates.

    Raises:
        DataError: when nothing counts as a payment, or the payments carry no amount and
            none is assumed (`counts_from_tables` still gives the counts then).
    """
    return from_tables(payment_tables(events, spec), spend, spec)


@dataclass(frozen=True, slots=True)
class PaymentCounts:
    """What payments without an amount still tell: who pays, who keeps paying, CAC.

    retention carries CRR and logo churn only (its money ratios are None); months =
    (month_start, customers_start, customers_new, customers_retained, customers_lost,
    customers_end, payments) over complete months.
    """

    spec: EconomicsSpec
    customers: int
    users: int
    retention: margins.RevenueRetention
    months: pl.DataFrame
    acquisition: Acquisition | None
    amounts: Amounts
    warnings: tuple[str, ...] = ()

    @property
    def conversion(self) -> float | None:
        """Paying customers ÷ users (or accounts) in the data."""
        return self.customers / self.users if self.users else None

    @property
    def cac(self) -> float | None:
        """Blended CAC (spend ÷ new paying customers), or None without a spend table."""
        return self.acquisition.cac if self.acquisition else None


def counts_from_tables(
    tables: PaymentTables, spend: pl.DataFrame | None, spec: EconomicsSpec
) -> PaymentCounts:
    """Return paying customers, conversion, CRR, churn and CAC, using no payment amount.

    Each payment weighs one count unit (`payments.priced`), so a customer "pays" in a month
    when they made a payment in it; CRR = customers paying in both a month and the one
    before ÷ customers paying in the one before, pooled over complete months.
    """
    _, rows = _complete_rows(tables.customer_months, tables.last_month, spec.customer)
    movements = margins.revenue_movements(rows)
    counted = margins.revenue_retention(movements)
    months = movements.select(
        "month_start",
        "customers_start",
        "customers_new",
        "customers_retained",
        customers_lost=pl.col("customers_start") - pl.col("customers_retained"),
        customers_end="customers_end",
        payments=pl.col("mrr_end").round(0).cast(pl.Int64),
    )
    acquisition, acq_warnings = (
        _acquisition(tables.customers, _NO_VALUE, spend)
        if spend is not None
        else (None, (NO_SPEND,))
    )
    if acquisition is not None:
        by_channel = acquisition.by_channel.select("channel", "ad_spend", "new_customers", "cac")
        acquisition = replace(acquisition, by_channel=by_channel)
    return PaymentCounts(
        spec=spec,
        customers=tables.customers.height,
        users=tables.users,
        retention=replace(counted, nrr=None, grr=None, revenue_churn=None, quick_ratio=None),
        months=months,
        acquisition=acquisition,
        amounts=tables.amounts,
        warnings=(NEEDS_AMOUNT, *acq_warnings),
    )


_NO_VALUE = pl.DataFrame(
    schema={
        "month": pl.Date,
        "channel": pl.String,
        "revenue": pl.Float64,
        "gross_profit": pl.Float64,
    }
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
