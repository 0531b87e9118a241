"""Margins and revenue retention from the customer-month table (stage 2).

Revenue lifecycle per docs/definitions/economics.md#revenue-lifecycle: m0 = a customer's revenue in
the previous calendar month, m1 = this month (net of refunds, floored at 0). New: m0 = 0 < m1,
first paying month; reactivation: m0 = 0 < m1, paid before; expansion m1 - m0 when m1 > m0 > 0;
contraction m0 - m1 when 0 < m1 < m0; churn m0 when m1 = 0 < m0.
"""

from dataclasses import dataclass

import polars as pl

from nsm_core.periods import period_number, period_start


@dataclass(frozen=True, slots=True)
class RevenueRetention:
    """Month-over-month retention, pooled over complete months with paying customers at start.

    crr = Σ retained / Σ customers at start; nrr = Σ_S m1 / Σ_S m0; grr = (Σ_S m0 -
    contraction - churn) / Σ_S m0; logo churn = 1 - crr; revenue churn = 1 - grr;
    quick ratio = (new + reactivation + expansion) / (contraction + churn).
    """

    crr: float | None
    nrr: float | None
    grr: float | None
    logo_churn: float | None
    revenue_churn: float | None
    quick_ratio: float | None
    months: int
    customers_start: int


@dataclass(frozen=True, slots=True)
class RecurringSplit:
    """Recurring vs one-off revenue and the rule that decided which is which."""

    recurring: float
    one_off: float
    share: float | None
    rule: str


@dataclass(frozen=True, slots=True)
class Contribution:
    """Contribution margin = gross sales - discounts - COGS - ad spend, in total and per unit.

    `revenue` is what customers paid (net of discounts), so gross sales = revenue +
    discounts and the contribution equals revenue - COGS - ad spend: discounts are shown,
    never subtracted twice.
    """

    revenue: float
    cogs: float
    discounts: float
    ad_spend: float
    orders: int
    customers: int

    @property
    def gross_sales(self) -> float:
        """Revenue + discounts (list price of what was sold)."""
        return self.revenue + self.discounts

    @property
    def contribution(self) -> float:
        """Gross sales - discounts - COGS - ad spend."""
        return self.gross_sales - self.discounts - self.cogs - self.ad_spend

    @property
    def gross_margin(self) -> float | None:
        """(Revenue - COGS) / revenue."""
        return (self.revenue - self.cogs) / self.revenue if self.revenue else None

    @property
    def margin_pct(self) -> float | None:
        """Contribution / revenue."""
        return self.contribution / self.revenue if self.revenue else None

    @property
    def per_order(self) -> float | None:
        """Contribution / orders."""
        return self.contribution / self.orders if self.orders else None

    @property
    def per_customer(self) -> float | None:
        """Contribution / paying customers."""
        return self.contribution / self.customers if self.customers else None


def movement_rows(cm: pl.DataFrame, last_month: int, customer: str) -> pl.DataFrame:
    """Return one row per customer and month with m0, m1 and the movement kind.

    cm(customer, month, revenue, ...) -> (customer, month, m0, m1, kind); rows cover the
    months a customer paid and each following month, up to `last_month` (complete months);
    kind ∈ new, reactivation, expansion, contraction, churn, flat, none.

    Example:
        >>> cm = pl.DataFrame(
        ...     {"c": ["a", "a", "a"], "month": [1, 2, 4], "revenue": [10.0, 15.0, 5.0]}
        ... )
        >>> movement_rows(cm, 4, "c").sort("month")["kind"].to_list()
        ['new', 'expansion', 'churn', 'reactivation']
    """
    paid = cm.select(customer, "month", m1=pl.col("revenue").clip(lower_bound=0.0)).filter(
        pl.col("m1") > 0
    )
    previous = paid.select(customer, pl.col("month") + 1, m0=pl.col("m1"))
    rows = (
        paid.join(previous, on=[customer, "month"], how="full", coalesce=True)
        .filter(pl.col("month") <= last_month)
        .with_columns(pl.col("m0", "m1").fill_null(0.0))
        .with_columns(first=pl.col("month").filter(pl.col("m1") > 0).min().over(customer))
    )
    grew, shrank = pl.col("m1") > pl.col("m0"), pl.col("m1") < pl.col("m0")
    kind = (
        pl.when((pl.col("m0") == 0) & (pl.col("month") == pl.col("first")))
        .then(pl.lit("new"))
        .when(pl.col("m0") == 0)
        .then(pl.lit("reactivation"))
        .when(pl.col("m1") == 0)
        .then(pl.lit("churn"))
        .when(grew)
        .then(pl.lit("expansion"))
        .when(shrank)
        .then(pl.lit("contraction"))
        .otherwise(pl.lit("flat"))
    )
    return rows.with_columns(kind=kind).drop("first")


def _sum_where(kind: str, value: pl.Expr) -> pl.Expr:
    return value.filter(pl.col("kind") == kind).sum()


def revenue_movements(rows: pl.DataFrame) -> pl.DataFrame:
    """Return the revenue lifecycle per month (docs/definitions/economics.md#revenue-lifecycle).

    rows(month, m0, m1, kind) -> (month, mrr_start, mrr_end, new, reactivation, expansion,
    contraction, churn, customers_start, customers_end, customers_new, customers_retained);
    mrr_end = mrr_start + new + reactivation + expansion - contraction - churn.

    Example:
        >>> cm = pl.DataFrame(
        ...     {"c": ["a", "a", "b"], "month": [1, 2, 2], "revenue": [10.0, 15.0, 4.0]}
        ... )
        >>> revenue_movements(movement_rows(cm, 2, "c")).select("month", "new", "expansion").rows()
        [(1, 10.0, 0.0), (2, 4.0, 5.0)]
    """
    m0, m1 = pl.col("m0"), pl.col("m1")
    return (
        rows.group_by("month")
        .agg(
            mrr_start=m0.sum(),
            mrr_end=m1.sum(),
            new=_sum_where("new", m1),
            reactivation=_sum_where("reactivation", m1),
            expansion=_sum_where("expansion", m1 - m0),
            contraction=_sum_where("contraction", m0 - m1),
            churn=_sum_where("churn", m0),
            customers_start=(m0 > 0).sum(),
            customers_end=(m1 > 0).sum(),
            customers_new=(pl.col("kind") == "new").sum(),
            customers_retained=((m0 > 0) & (m1 > 0)).sum(),
        )
        .sort("month")
        .with_columns(month_start=period_start("month", "month"))
    )


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def revenue_retention(movements: pl.DataFrame) -> RevenueRetention:
    """Return CRR, NRR (DRR), GRR, churn and the MRR quick ratio pooled over months.

    CRR = (E - N) / S per docs/definitions/economics.md#crr, where N counts every customer not
    paying at the start of the month (new and reactivated), so CRR = retained / S.

    Example:
        >>> cm = pl.DataFrame(
        ...     {"c": ["a", "a", "b", "b"], "month": [1, 2, 1, 3], "revenue": [10.0, 5.0, 4.0, 4.0]}
        ... )
        >>> r = revenue_retention(revenue_movements(movement_rows(cm, 3, "c")))
        >>> r.crr, r.nrr, r.grr
        (0.333..., 0.263..., 0.263...)
    """
    start = movements.filter(pl.col("mrr_start") > 0)
    t = start.select(pl.exclude("month_start").sum()).row(0, named=True) if start.height else {}
    mrr, lost = t.get("mrr_start", 0.0), t.get("contraction", 0.0) + t.get("churn", 0.0)
    crr = _ratio(t.get("customers_retained", 0), t.get("customers_start", 0))
    grr = _ratio(mrr - lost, mrr)
    gained = t.get("new", 0.0) + t.get("reactivation", 0.0) + t.get("expansion", 0.0)
    return RevenueRetention(
        crr=crr,
        nrr=_ratio(mrr + t.get("expansion", 0.0) - lost, mrr),
        grr=grr,
        logo_churn=None if crr is None else 1 - crr,
        revenue_churn=None if grr is None else 1 - grr,
        quick_ratio=_ratio(gained, lost),
        months=start.height,
        customers_start=int(t.get("customers_start", 0)),
    )


def recurring_split(rows: pl.DataFrame, cm: pl.DataFrame) -> RecurringSplit:
    """Return recurring vs one-off revenue, deciding by event name first.

    If any payment event's name looks like a subscription (subscription, renewal,
    recurring), recurring revenue = those events' revenue. Otherwise a customer's revenue in
    a month is recurring when they also paid in the previous calendar month (m0 > 0).

    Example:
        >>> cm = pl.DataFrame(
        ...     {
        ...         "c": ["a", "a"],
        ...         "month": [1, 2],
        ...         "revenue": [10.0, 10.0],
        ...         "event_recurring": [0.0, 0.0],
        ...     }
        ... )
        >>> recurring_split(movement_rows(cm, 2, "c"), cm).share
        0.5
    """
    total = float(cm["revenue"].sum())
    by_event = float(cm["event_recurring"].sum())
    if by_event > 0:
        recurring, rule = by_event, "revenue of subscription-like payment events (by event name)"
    else:
        recurring = float(rows.filter(pl.col("m0") > 0)["m1"].sum())
        rule = "revenue of customers who also paid in the previous calendar month"
    return RecurringSplit(recurring, total - recurring, _ratio(recurring, total), rule)


def expansion_share(movements: pl.DataFrame) -> float | None:
    """Return expansion revenue (cross-sell/upsell) as a share of all revenue.

    share = Σ expansion / Σ mrr_end over the complete months.

    Example:
        >>> expansion_share(pl.DataFrame({"expansion": [5.0], "mrr_end": [50.0]}))
        0.1
    """
    return _ratio(float(movements["expansion"].sum()), float(movements["mrr_end"].sum()))


def contribution(cm: pl.DataFrame, ad_spend: float, customer: str) -> Contribution:
    """Return the contribution margin of all payments in `cm` minus `ad_spend`.

    cm(customer, revenue, orders, cogs, discount) with costs already resolved.

    Example:
        >>> cm = pl.DataFrame(
        ...     {
        ...         "c": ["a", "b"],
        ...         "revenue": [100.0, 50.0],
        ...         "orders": [2, 1],
        ...         "cogs": [40.0, 20.0],
        ...         "discount": [5.0, 0.0],
        ...     }
        ... )
        >>> contribution(cm, 30.0, "c").per_order
        20.0
    """
    t = cm.select(pl.col("revenue", "cogs", "discount", "orders").sum()).row(0, named=True)
    return Contribution(
        revenue=float(t["revenue"]),
        cogs=float(t["cogs"]),
        discounts=float(t["discount"]),
        ad_spend=ad_spend,
        orders=int(t["orders"]),
        customers=cm[customer].n_unique(),
    )


def cohort_contribution(
    cm: pl.DataFrame, customers: pl.DataFrame, spend_by_month: pl.DataFrame, customer: str
) -> pl.DataFrame:
    """Return contribution margin per acquisition cohort (month of first payment).

    -> (cohort, customers, revenue, cogs, discount, ad_spend, contribution, per_customer);
    ad_spend = all spend in the cohort's month; contribution = revenue - cogs - ad_spend
    (revenue is net of the discount column), summed over every payment the cohort made.

    Example:
        >>> cm = pl.DataFrame({"c": ["a"], "revenue": [90.0], "cogs": [30.0], "discount": [0.0]})
        >>> cu = pl.DataFrame({"c": ["a"], "first_month": [24288]})
        >>> sp = pl.DataFrame({"month": [24288], "ad_spend": [20.0]})
        >>> cohort_contribution(cm, cu, sp, "c")["contribution"].to_list()
        [40.0]
    """
    per_cohort = (
        cm.join(customers.select(customer, "first_month"), on=customer)
        .group_by("first_month")
        .agg(
            pl.col(customer).n_unique().alias("customers"),
            pl.col("revenue", "cogs", "discount").sum(),
        )
    )
    spend = spend_by_month.select(pl.col("month").alias("first_month"), "ad_spend")
    return (
        per_cohort.join(spend, on="first_month", how="left")
        .with_columns(pl.col("ad_spend").fill_null(0.0))
        .with_columns(contribution=pl.col("revenue") - pl.col("cogs") - pl.col("ad_spend"))
        .with_columns(per_customer=pl.col("contribution") / pl.col("customers"))
        .sort("first_month")
        .select(period_start("first_month", "month").alias("cohort"), pl.exclude("first_month"))
    )


def spend_by_month(spend: pl.DataFrame | None) -> pl.DataFrame:
    """Return spend summed over channels per month number: (month, ad_spend, discounts, cogs).

    Missing optional columns count as 0; no spend table gives an empty frame.

    Example:
        >>> from datetime import date
        >>> sp = pl.DataFrame(
        ...     {"month": [date(2024, 1, 1)] * 2, "channel": ["a", "b"], "ad_spend": [1.0, 2.0]}
        ... )
        >>> spend_by_month(sp).rows()
        [(24288, 3.0, 0.0, 0.0)]
    """
    cols = ("ad_spend", "discounts", "cogs")
    if spend is None:
        return pl.DataFrame(schema={"month": pl.Int64, **dict.fromkeys(cols, pl.Float64)})
    values = [
        (pl.col(c).cast(pl.Float64).fill_null(0.0) if c in spend.columns else pl.lit(0.0))
        .sum()
        .alias(c)
        for c in cols
    ]
    return spend.group_by(period_number("month", "month").alias("month")).agg(values).sort("month")
