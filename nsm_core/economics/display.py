"""Unit economics in words and display tables: captions, formula help texts, long frames.

Pure functions of a `UnitEconomics` result, so the page only renders and the wording is
tested.
"""

from typing import Final

import polars as pl

from nsm_core import fmt
from nsm_core.economics.ltv import Method, ltv_cac_verdict
from nsm_core.economics.margins import Contribution, RevenueRetention
from nsm_core.economics.payments import Amounts
from nsm_core.economics.probabilistic import CustomerModel
from nsm_core.economics.report import Acquisition, PaymentCounts, UnitEconomics
from nsm_core.economics.tables import EconomicsSpec
from nsm_core.schema import ACCOUNT

HELP: Final[dict[str, str]] = {
    "customers": "Users (or accounts) with at least one payment, as defined under 'What "
    "counts as a payment'.",
    "conversion": "Paying customers ÷ all users (or accounts) in the data.",
    "cac": "Blended CAC = all ad spend ÷ all new paying customers (first payment) in the "
    "months the spend table covers, organic ones included.",
    "ltv": "Lifetime gross profit per acquired customer, by the method chosen above; the "
    "three methods are compared in the LTV view.",
    "ltv_cac": "LTV ÷ CAC, with the LTV named in the label (chosen under 'LTV used for "
    "LTV:CAC'). Rule of thumb: 3:1 or more; below 1:1 each customer loses money.",
    "payback": "Months of a customer's life until cumulative gross profit per acquired customer "
    "reaches CAC, counting churn: on the cohort curve (customers who stopped paying included), "
    "else Σ ARPA × margin × (1 − churn)^t; 'not within N months' past the LTV horizon, over 12 "
    "flagged, undiscounted. CAC ÷ (ARPA × margin) assumes no churn and is not the headline.",
    "gross_margin": "Gross margin = (revenue − COGS) ÷ revenue.",
    "arpa": "ARPA = revenue ÷ paying customer-months (average revenue per paying customer "
    "per month).",
    "crr": "CRR = (E − N) ÷ S: customers paying at the start of a month (S) who still pay at its "
    "end, pooled over complete months; N = customers paying at the end who were not at the start.",
    "nrr": "NRR (DRR) = (start MRR + expansion − contraction − churn) ÷ start MRR, for customers "
    "paying at the start of each month, pooled over months.",
    "grr": "GRR = (start MRR − contraction − churn) ÷ start MRR (never above 100%).",
    "churn": "Monthly logo churn = 1 − CRR; revenue churn = 1 − GRR (the formula LTV uses it).",
    "recurring": "Share of revenue that is recurring; the rule used is stated under Margins.",
    "expansion": "Cross-sell / upsell share = expansion revenue (a paying customer paying more "
    "than the month before) ÷ all revenue.",
    "contribution": "Contribution per customer = (revenue − COGS − ad spend) ÷ paying customers; "
    "revenue is net of discounts.",
}
DEFINITIONS: Final = """
- **Customer**: a user (or account) with a payment. A payment is, by default, any event with
  revenue > 0 (refunds are negative revenue), or every event of the kind picked under *What
  counts as a payment*. Payments without an amount still give paying customers, conversion,
  CRR, churn and CAC; money numbers then need an amount per payment, typed as an assumption
  and marked on every number it feeds. New customers are counted in the month of their
  first payment, under the channel of their first event (first touch).
- **CAC** = ad spend ÷ new paying customers, per channel and month (Mixpanel's revenue
  analytics recipe). Amplitude and PostHog have no built-in CAC.
- **LTV, three ways** (docs/definitions/economics.md#ltv-formula): *formula* ARPA × gross
  margin ÷ monthly revenue churn (PostHog uses ARPU ÷ churn, without margin); *cohort
  curve*: cumulative gross profit per acquired customer by month of life (Amplitude N-day
  LTV, Mixpanel "on or before" retention with a property sum), extrapolated with a fitted
  decay; *model*: BG/NBD × Gamma-Gamma (lifetimes, PyMC-Marketing), monthly discount rate as
  set above.
- **LTV:CAC** = the LTV chosen under *LTV used for LTV:CAC* (cohort curve by default; the
  label names it) ÷ blended CAC. Health uses the cohort-curve LTV.
- **Payback** (the headline, also on Health): months of a customer's life until cumulative
  gross profit per acquired customer reaches CAC, counting churn. From the cohort curve
  (customers who stopped paying stay in the denominator), or, without one, the formula with
  churn: the sum over months t = 0 … n − 1 of ARPA × margin × (1 − c)^t ≥ CAC, c = monthly
  revenue churn, so
  n = ⌈log(1 − CAC·c ÷ (ARPA × margin)) ÷ log(1 − c)⌉, which never comes when CAC exceeds
  the formula LTV. "Not within N months" when it does not within the LTV horizon. The
  churn-free CAC ÷ (ARPA × margin) assumes every customer keeps paying; it is flagged when
  it disagrees.
- **Revenue retention** (PostHog revenue definitions): new, reactivation, expansion,
  contraction and churn per customer and calendar month; NRR, GRR, CRR and the MRR quick
  ratio pool the complete months.
- **Contribution margin** = gross sales − discounts − COGS − ad spend.
"""
METHOD_LABEL: Final[dict[Method, str]] = {
    "cohort": "Cohort curve",
    "simple": "Formula",
    "model": "BG/NBD model",
}


def ltv_table(result: UnitEconomics) -> pl.DataFrame:
    """Return the three LTVs side by side: value, 95% interval, customers, formula, assumptions."""
    money = {"LTV": pl.Float64, "95% low": pl.Float64, "95% high": pl.Float64}
    return pl.DataFrame(
        {
            "Method": [e.label for e in result.ltvs],
            "LTV": [e.value for e in result.ltvs],
            "95% low": [e.ci_low for e in result.ltvs],
            "95% high": [e.ci_high for e in result.ltvs],
            "Customers": [e.n_customers for e in result.ltvs],
            "Formula": [e.formula for e in result.ltvs],
            "Assumptions": [e.assumptions for e in result.ltvs],
        },
        schema_overrides=money,
    ).with_columns(pl.col(list(money)).round(2))


def headline(result: UnitEconomics, method: Method) -> str:
    """Return the LTV:CAC story, saying which LTV it uses, and the payback counting churn."""
    est = result.ltv(method)
    if est.value is None:
        return f"No {METHOD_LABEL[method].lower()} LTV for this data: {' '.join(est.warnings)}"
    interval = (
        f" (95% interval {fmt.money(est.ci_low)} to {fmt.money(est.ci_high)})"
        if est.ci_low is not None
        else ""
    )
    worth = (
        f"An acquired customer brings {fmt.money(est.value)} of gross profit"
        f"{interval} by the {METHOD_LABEL[method].lower()} method, from "
        f"{fmt.count(est.n_customers)} customers."
    )
    if result.cac is None:
        return worth
    return (
        f"{worth} Acquiring one costs {fmt.money(result.cac)} (blended CAC): LTV:CAC with "
        f"the {METHOD_LABEL[method].lower()} LTV {ltv_cac_verdict(result.ltv_cac(method))}. "
        f"Payback, counting churn: {result.payback().text()}."
    )


def contribution_table(c: Contribution) -> pl.DataFrame:
    """Return the contribution margin as line items: total, per order, per customer.

    Example:
        >>> c = Contribution(
        ...     revenue=90.0, cogs=30.0, discounts=10.0, ad_spend=20.0, orders=3, customers=2
        ... )
        >>> contribution_table(c).filter(pl.col("Line") == "Contribution margin").row(0)
        ('Contribution margin', 40.0, 13.33, 20.0)
    """
    items = [
        ("Gross sales (list price)", c.gross_sales),
        ("− Discounts", -c.discounts),
        ("= Revenue (what customers paid)", c.revenue),
        ("− COGS", -c.cogs),
        ("= Gross profit", c.revenue - c.cogs),
        ("− Ad spend", -c.ad_spend),
        ("Contribution margin", c.contribution),
    ]
    return pl.DataFrame(
        {
            "Line": [name for name, _ in items],
            "Total": [v for _, v in items],
            "Per order": [v / c.orders if c.orders else None for _, v in items],
            "Per customer": [v / c.customers if c.customers else None for _, v in items],
        },
        schema_overrides={"Per order": pl.Float64, "Per customer": pl.Float64},
    ).with_columns(pl.exclude("Line").round(2))


def movements_long(movements: pl.DataFrame) -> pl.DataFrame:
    """Return MRR movements long and signed (contraction and churn negative) for a bar chart.

    Example:
        >>> from datetime import date
        >>> m = pl.DataFrame(
        ...     {
        ...         "month_start": [date(2024, 1, 1)],
        ...         "new": [5.0],
        ...         "reactivation": [0.0],
        ...         "expansion": [1.0],
        ...         "contraction": [2.0],
        ...         "churn": [3.0],
        ...     }
        ... )
        >>> movements_long(m)["amount"].to_list()
        [5.0, 0.0, 1.0, -2.0, -3.0]
    """
    parts = ["new", "reactivation", "expansion", "contraction", "churn"]
    return (
        movements.select("month_start", *parts)
        .unpivot(parts, index="month_start", variable_name="movement", value_name="amount")
        .with_columns(
            amount=pl.when(pl.col("movement").is_in(["contraction", "churn"]))
            .then(-pl.col("amount"))
            .otherwise("amount")
        )
    )


def model_table(model: CustomerModel) -> pl.DataFrame:
    """Return the fitted BG/NBD and Gamma-Gamma parameters with what each means."""
    bg, gg = model.bgnbd, model.gamma_gamma
    rows = [
        ("BG/NBD", "r", bg.r, "shape of purchase rates across customers"),
        ("BG/NBD", "alpha", bg.alpha, "scale of purchase rates (mean rate = r ÷ alpha)"),
        ("BG/NBD", "a", bg.a, "dropout probability after a purchase ~ Beta(a, b)"),
        ("BG/NBD", "b", bg.b, "mean dropout probability = a ÷ (a + b)"),
        ("Gamma-Gamma", "p", gg.p, "shape of one customer's spend per order"),
        ("Gamma-Gamma", "q", gg.q, "shape of mean spends across customers"),
        ("Gamma-Gamma", "gamma", gg.gamma, "scale of mean spends"),
    ]
    table = pl.DataFrame(rows, schema=["Model", "Parameter", "Value", "Meaning"], orient="row")
    return table.with_columns(pl.col("Value").round(4))


def model_caption(model: CustomerModel, customers: pl.DataFrame, unit: str) -> str:
    """Return the customer model in words: fit size, log-likelihood, mean P(alive).

    customers = `customer_values(...)` of the model.
    """
    bg, gg = model.bgnbd, model.gamma_gamma
    alive = float(customers["p_alive"].mean())
    return (
        f"Fitted by maximum likelihood on {fmt.count(bg.n_customers)} customers "
        f"(log-likelihood {fmt.num(bg.log_likelihood, 1)}, time unit {unit}); spend model on "
        f"{fmt.count(gg.n_customers)} repeat buyers, mean spend per repeat order "
        f"{fmt.money(gg.mean_spend)}. On average a customer is {fmt.pct(alive)} likely to "
        "still be active."
    )


def top_customers(customers: pl.DataFrame, n: int = 100) -> pl.DataFrame:
    """Return the n customers with the highest model CLV and the predictions behind it.

    customers = `customer_values(...)`, sorted by CLV.
    """
    names = {
        "frequency": "Repeat purchase days",
        "recency": "Recency",
        "T": "Age (T)",
        "monetary_value": "Mean repeat spend",
        "p_alive": "P(alive)",
        "expected_purchases": "Expected purchases",
        "expected_spend": "Expected spend per purchase",
        "clv": "Predicted value",
    }
    first = customers.columns[0]
    return (
        customers.head(n)
        .select(first, *names)
        .with_columns(pl.col(list(names)).round(2).cast(pl.Float64))
        .rename(names)
    )


def channel_table(by_channel: pl.DataFrame) -> pl.DataFrame:
    """Return CAC and ROI per channel with readable names; ROIs in percent.

    Example:
        >>> df = pl.DataFrame(
        ...     {
        ...         "channel": ["ads"],
        ...         "ad_spend": [100.0],
        ...         "new_customers": [2],
        ...         "revenue": [300.0],
        ...         "gross_profit": [150.0],
        ...         "cac": [50.0],
        ...         "marketing_roi": [2.0],
        ...         "customer_roi": [0.5],
        ...     }
        ... )
        >>> channel_table(df).row(0)
        ('ads', 100.0, 2, 50.0, 300.0, 150.0, 200.0, 50.0)
    """
    return by_channel.select(
        pl.col("channel").alias("Channel"),
        pl.col("ad_spend").round(2).alias("Ad spend"),
        pl.col("new_customers").alias("New customers"),
        pl.col("cac").round(2).alias("CAC"),
        pl.col("revenue").round(2).alias("Revenue in horizon"),
        pl.col("gross_profit").round(2).alias("Gross profit in horizon"),
        (pl.col("marketing_roi") * 100).round(1).alias("Marketing ROI (%)"),
        (pl.col("customer_roi") * 100).round(1).alias("Customer ROI (%)"),
    )


def missing_inputs(result: UnitEconomics) -> str:
    """Return what the data lacks for CAC and margins, naming the table or column to add."""
    missing = []
    if result.acquisition is None:
        missing.append("a spend table (month, channel, ad_spend) for CAC, ROI and payback")
    if result.costs.cogs.startswith("none"):
        missing.append("a `cogs` property on payments (or cogs in the spend table) for margins")
    return ("To complete this page, add " + " and ".join(missing) + ".") if missing else ""


def payment_labels(events: pl.DataFrame, suggested: list[str]) -> dict[str, str]:
    """Return each event's label in the payment picker: how often, and with what amounts.

    events = `payment_events` (event, events, priced), one row per event name.

    Example:
        >>> ev = pl.DataFrame({"event": ["pay", "open"], "events": [3, 9], "priced": [0, 0]})
        >>> payment_labels(ev, ["pay"])["pay"]
        'pay (suggested; 3 events, no amount)'
    """
    labels = {}
    for name, n, priced in events.select("event", "events", "priced").iter_rows():
        if not priced:
            money = "no amount"
        elif priced == n:
            money = "all with an amount"
        else:
            money = f"{fmt.count(priced)} with an amount"
        tag = "suggested; " if name in suggested else ""
        labels[name] = f"{name} ({tag}{fmt.count(n)} events, {money})"
    return labels


def _customer_noun(spec: EconomicsSpec) -> str:
    return "accounts" if spec.customer == ACCOUNT else "users"


def payment_caption(result: UnitEconomics | PaymentCounts) -> str:
    """Return what counted as a payment, what it was worth, and the conversion it gives.

    Example:
        >>> from nsm_core.economics.payments import Amounts
        >>> from nsm_core.economics.margins import RevenueRetention
        >>> r = RevenueRetention(0.6, None, None, 0.4, None, None, 3, 10)
        >>> c = PaymentCounts(
        ...     EconomicsSpec(payment_event="pay"),
        ...     4,
        ...     10,
        ...     r,
        ...     pl.DataFrame(),
        ...     None,
        ...     Amounts("none", 9, 0),
        ... )
        >>> print(payment_caption(c))
        Payments: every 'pay' event (9); amount: none recorded, so only counts are known. 4 of 10 users paid (40.0% conversion).
    """  # noqa: E501 - a doctest's expected output is one line
    spec, amounts = result.spec, result.amounts
    what = (
        "any event with revenue ≠ 0"
        if spec.payment_event is None
        else f"every {spec.payment_event!r} event"
    )
    return (
        f"Payments: {what} ({fmt.count(amounts.payments)}); amount: {amounts.words()}. "
        f"{fmt.count(result.customers)} of {fmt.count(result.users)} {_customer_noun(spec)} "
        f"paid ({fmt.pct(result.conversion, 1)} conversion)."
    )


def counts_headline(retention: RevenueRetention, spec: EconomicsSpec) -> str:
    """Return what payment counts alone say: who keeps paying, and that money needs more.

    Example:
        >>> r = RevenueRetention(0.6, None, None, 0.4, None, None, 3, 10)
        >>> print(counts_headline(r, EconomicsSpec()))
        Of the users paying in a month, 60.0% paid again the next month (CRR), so 40.0% stop paying each month. Money numbers need an amount per payment.
    """  # noqa: E501 - a doctest's expected output is one line
    if retention.crr is None:
        kept = "No complete month with paying customers yet, so no CRR."
    else:
        kept = (
            f"Of the {_customer_noun(spec)} paying in a month, {fmt.pct(retention.crr, 1)} paid "
            f"again the next month (CRR), so {fmt.pct(retention.logo_churn, 1)} stop paying "
            "each month."
        )
    return f"{kept} Money numbers need an amount per payment."


def cac_caption(acq: Acquisition) -> str:
    """Return how CAC per month is computed and the blended CAC, in words.

    Example:
        >>> a = Acquisition(50.0, 4, 200.0, pl.DataFrame(), pl.DataFrame())
        >>> cac_caption(a)[-44:]
        'Blended: $200.00 ÷ 4 new customers = $50.00.'
    """
    return (
        "CAC = ad spend ÷ customers whose first payment fell in that month, by first-touch "
        f"channel. Blended: {fmt.money(acq.ad_spend)} ÷ {fmt.count(acq.new_customers)} new "
        f"customers = {fmt.money(acq.cac)}."
    )


def customers_long(months: pl.DataFrame) -> pl.DataFrame:
    """Return paying customers per month by where they came from, long, losses negative.

    months = `PaymentCounts.months`; returning = paying this month, not the one before,
    but earlier (reactivated); lost = paid the month before, not this one.

    Example:
        >>> from datetime import date
        >>> m = pl.DataFrame(
        ...     {
        ...         "month_start": [date(2024, 2, 1)],
        ...         "customers_start": [10],
        ...         "customers_new": [3],
        ...         "customers_retained": [6],
        ...         "customers_lost": [4],
        ...         "customers_end": [11],
        ...     }
        ... )
        >>> customers_long(m)["customers"].to_list()
        [3, 2, 6, -4]
    """
    parts = {
        "new": pl.col("customers_new"),
        "returning": pl.col("customers_end").cast(pl.Int64)
        - pl.col("customers_retained")
        - pl.col("customers_new"),
        "retained": pl.col("customers_retained"),
        "lost": -pl.col("customers_lost").cast(pl.Int64),
    }
    return months.select("month_start", **{k: v.cast(pl.Int64) for k, v in parts.items()}).unpivot(
        list(parts), index="month_start", variable_name="movement", value_name="customers"
    )


def months_table(months: pl.DataFrame) -> pl.DataFrame:
    """Return `PaymentCounts.months` with plain column names, for display and download.

    Example:
        >>> from datetime import date
        >>> m = pl.DataFrame(
        ...     {c: [1] for c in ("customers_start", "customers_new", "customers_retained")}
        ...     | {"month_start": [date(2024, 2, 1)], "customers_lost": [0]}
        ...     | {"customers_end": [2], "payments": [3]}
        ... )
        >>> months_table(m).columns[:2]
        ['Month', 'Paying at the start']
    """
    return months.select(
        pl.col("month_start").alias("Month"),
        pl.col("customers_start").alias("Paying at the start"),
        pl.col("customers_new").alias("New"),
        pl.col("customers_retained").alias("Paid again"),
        pl.col("customers_lost").alias("Stopped paying"),
        pl.col("customers_end").alias("Paying in the month"),
        pl.col("payments").alias("Payments"),
    )


def roi_caption(by_channel: pl.DataFrame) -> str:
    """Return the channels' marketing ROI in words: the best and the worst.

    Example:
        >>> df = pl.DataFrame({"channel": ["ads", "seo"], "marketing_roi": [-0.2, 1.5]})
        >>> roi_caption(df)
        'seo returned the most: +150% on its spend; ads the least: -20% (below 0: it cost more than it brought in).'
    """  # noqa: E501 - a doctest's expected output is one line
    known = by_channel.filter(pl.col("marketing_roi").is_not_null()).sort("marketing_roi")
    if known.is_empty():
        return "No channel has both spend and revenue yet."
    best, worst = known.row(-1, named=True), known.row(0, named=True)
    text = f"{best['channel']} returned the most: {best['marketing_roi']:+.0%} on its spend"
    if known.height == 1:
        return text + "."
    loss = " (below 0: it cost more than it brought in)" if worst["marketing_roi"] < 0 else ""
    return text + f"; {worst['channel']} the least: {worst['marketing_roi']:+.0%}{loss}."


def cohort_margin_caption(cohorts: pl.DataFrame) -> str:
    """Return the acquisition cohorts' contribution per customer in words.

    Example:
        >>> from datetime import date
        >>> df = pl.DataFrame(
        ...     {"cohort": [date(2024, 1, 1), date(2024, 2, 1)], "per_customer": [-3.0, 5.0]}
        ... )
        >>> cohort_margin_caption(df)
        '1 of 2 acquisition cohorts lost money per customer; the best, Feb 2024, made $5.00 each.'
    """
    if cohorts.is_empty():
        return "No acquisition cohort yet."
    losing = cohorts.filter(pl.col("per_customer") < 0).height
    best = cohorts.sort("per_customer").row(-1, named=True)
    return (
        f"{losing} of {cohorts.height} acquisition cohorts lost money per customer; the best, "
        f"{best['cohort']:%b %Y}, made {fmt.money(best['per_customer'])} each."
    )


def p_alive_caption(bins: pl.DataFrame) -> str:
    """Return how many customers the model thinks are still active, in words.

    Example:
        >>> b = pl.DataFrame({"p_from": [0.0, 0.5], "p_to": [0.5, 1.0], "customers": [3, 1]})
        >>> p_alive_caption(b)
        '1 of 4 customers (25%) are more likely than not still active (P(alive) ≥ 50%).'
    """
    total = bins["customers"].sum()
    alive = bins.filter(pl.col("p_from") >= 0.5)["customers"].sum()
    share = fmt.pct(alive / total if total else 0)
    return (
        f"{fmt.count(alive)} of {fmt.count(total)} customers ({share}) are more likely than "
        "not still active (P(alive) ≥ 50%)."
    )


def p_alive_bins(customers: pl.DataFrame, bins: int = 20) -> pl.DataFrame:
    """Return the P(alive) histogram: (p_from, p_to, customers), every bin, empty ones too.

    Binned here so the chart sends `bins` rows to the browser, not one per customer.

    Example:
        >>> p_alive_bins(pl.DataFrame({"p_alive": [0.01, 0.02, 1.0]}), 4)["customers"].to_list()
        [2, 0, 0, 1]
    """
    edges = pl.DataFrame({"bin": pl.int_range(bins, eager=True)})
    counts = customers.group_by(
        bin=(pl.col("p_alive") * bins).floor().clip(0, bins - 1).cast(pl.Int64)
    ).agg(customers=pl.len().cast(pl.Int64))
    return (
        edges.join(counts, on="bin", how="left")
        .select(
            p_from=pl.col("bin") / bins,
            p_to=(pl.col("bin") + 1) / bins,
            customers=pl.col("customers").fill_null(0),
        )
        .sort("p_from")
    )


def assumed_note(amounts: Amounts) -> str:
    """Return the caption sentence marking money that rests on an assumed amount ("" if none).

    Example:
        >>> assumed_note(Amounts("assumed", 5, 0, 9.0))
        ' Money here rests on the assumed $9.00 per payment.'
    """
    if amounts.kind != "assumed":
        return ""
    return f" Money here rests on the assumed {fmt.money(amounts.per_payment)} per payment."
