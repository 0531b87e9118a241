import streamlit as st

from components import cached, render, state
from components import inputs_economics as inputs
from nsm_core import fmt
from nsm_core.charts import economics as charts
from nsm_core.economics import display
from nsm_core.economics.display import HELP
from nsm_core.economics.payback import disagreement, sentence
from nsm_core.schema import DataError

VIEWS = {
    "ltv": "LTV",
    "cac": "CAC & ROI",
    "margins": "Margins",
    "retention": "Revenue retention",
    "model": "Customer model",
}

st.title("Unit economics")
st.caption("What a customer costs, what they are worth, and how fast they pay it back.")

source = state.source()
payment = inputs.payment_choice(cached.payment_events(source))
if payment is None:
    render.empty(
        "This data records no revenue. Pick the event that marks a payment (a purchase, "
        "payment_done, order_completed, ...) under 'What counts as a payment'."
    )
    st.stop()
spec = inputs.economics_spec(cached.events(source).columns, payment)
try:
    amounts = cached.payment_amounts(source, spec)
    counted = None if amounts.has_money else cached.payment_counts(source, spec)
    result = cached.unit_economics(source, spec) if amounts.has_money else None
except DataError as err:
    st.error(str(err), icon=":material/error:")
    st.stop()

if counted is not None:
    r = counted.retention
    top = st.columns(5)
    top[0].metric("Paying customers", fmt.count(counted.customers), help=HELP["customers"])
    top[1].metric("Conversion", fmt.pct(counted.conversion, 1), help=HELP["conversion"])
    top[2].metric("CRR", fmt.pct(r.crr, 1), help=HELP["crr"])
    top[3].metric("Monthly churn", fmt.pct(r.logo_churn, 1), help=HELP["churn"])
    top[4].metric("CAC", fmt.money(counted.cac), help=HELP["cac"])
    st.caption(display.payment_caption(counted))
    st.markdown(display.counts_headline(r, spec))
    render.warnings(counted.warnings)
    render.chart(
        charts.customers_chart(display.customers_long(counted.months)),
        display.months_table(counted.months),
        name="paying customers by month",
        caption="Each complete month: customers paying for the first time, paying again after "
        "a gap, paying in both this month and the one before, and those who stopped.",
    )
    if counted.acquisition is not None:
        acq = counted.acquisition
        render.chart(
            charts.cac_chart(acq.by_month),
            acq.by_month,
            name="cac by month",
            caption=display.cac_caption(acq),
        )
    render.definitions(display.DEFINITIONS)
    st.stop()

method = inputs.ltv_method()
ltv = result.ltv(method)
payback = result.payback()
label = result.amounts.label
note = display.assumed_note(result.amounts)
top = st.columns(5)
top[0].metric("CAC", fmt.money(result.cac), help=HELP["cac"])
top[1].metric(
    label(f"LTV ({display.METHOD_LABEL[method]})"), fmt.money(ltv.value), help=HELP["ltv"]
)
top[2].metric(
    label(f"LTV:CAC ({display.METHOD_LABEL[method]})"),
    fmt.num(result.ltv_cac(method), 1),
    help=HELP["ltv_cac"],
)
top[3].metric(
    label("Payback"),
    payback.text(),
    delta="over 12 months" if payback.slow else None,
    delta_color="inverse",
    help=HELP["payback"],
)
top[4].metric("Gross margin", fmt.pct(result.contribution.gross_margin), help=HELP["gross_margin"])
r = result.retention
low = st.columns(6)
low[0].metric(label("ARPA / month"), fmt.money(result.arpa), help=HELP["arpa"])
low[1].metric("CRR", fmt.pct(r.crr, 1), help=HELP["crr"])
low[2].metric(label("NRR (DRR)"), fmt.pct(r.nrr, 1), help=HELP["nrr"])
low[3].metric(label("GRR"), fmt.pct(r.grr, 1), help=HELP["grr"])
low[4].metric("Monthly churn", fmt.pct(r.logo_churn, 1), help=HELP["churn"])
low[5].metric(label("Expansion share"), fmt.pct(result.expansion_share, 1), help=HELP["expansion"])
st.caption(display.payment_caption(result))
st.markdown(display.headline(result, method))
if note:
    st.warning(note.strip(), icon=":material/edit_note:")
flag = disagreement(payback)
render.warnings(((flag,) if flag else ()) + result.warnings)
if missing := display.missing_inputs(result):
    render.empty(missing)

view = st.segmented_control(
    "Show",
    list(VIEWS),
    default="ltv",
    required=True,
    format_func=VIEWS.get,
    key="econ_view",
    help="Pick one view; only the chosen one is drawn.",
)
if view == "ltv":
    render.table(
        display.ltv_table(result),
        name="ltv three ways",
        caption="Three LTVs of gross profit per acquired customer, each with a 95% interval "
        "(bootstrap over customers; the model's from parameter uncertainty)." + note,
    )
    for estimate in result.ltvs:
        render.warnings(estimate.warnings)
    render.chart(
        charts.ltv_curve_chart(result.ltv_curve, result.cac),
        result.ltv_curve,
        name="ltv curve",
        caption=sentence(payback) + note,
    )
elif view == "cac":
    if result.acquisition is None:
        render.empty(
            "CAC and ROI need a spend table (month, channel, ad_spend). Upload one with your "
            "events in the sidebar."
        )
    else:
        acq = result.acquisition
        render.chart(
            charts.cac_chart(acq.by_month),
            acq.by_month,
            name="cac by month",
            caption=display.cac_caption(acq),
        )
        render.chart(
            charts.roi_chart(acq.by_channel),
            acq.by_channel,
            name="roi by channel",
            caption=display.roi_caption(acq.by_channel),
        )
        render.table(
            display.channel_table(acq.by_channel),
            name="channel roi",
            caption=f"Revenue and gross profit within {spec.horizon_months} months of each "
            "customer's first payment. Marketing ROI = (revenue − spend) ÷ spend; customer "
            "ROI = (gross profit per customer − CAC) ÷ CAC." + note,
        )
elif view == "margins":
    render.table(
        display.contribution_table(result.contribution),
        name="contribution margin",
        caption=f"COGS from {result.costs.cogs}; discounts from {result.costs.discounts}." + note,
    )
    render.chart(
        charts.cohort_margin_chart(result.cohorts),
        result.cohorts,
        name="cohort margin",
        caption=display.cohort_margin_caption(result.cohorts),
    )
    share = fmt.pct(result.recurring.share, 1)
    st.caption(f"Recurring revenue: {share} of all revenue ({result.recurring.rule}).{note}")
elif view == "retention":
    long = display.movements_long(result.movements)
    render.chart(
        charts.movements_chart(long),
        result.movements,
        name="revenue movements",
        caption=f"Pooled over {r.months} complete months: CRR {fmt.pct(r.crr, 1)}, "
        f"NRR {fmt.pct(r.nrr, 1)}, GRR {fmt.pct(r.grr, 1)}, MRR quick ratio "
        f"{fmt.num(r.quick_ratio, 2)} (> 4 strong, < 2 leaky).{note}",
    )
elif result.model is None:
    render.empty(" ".join(result.ltv("model").warnings))
else:
    customers = cached.customer_values(source, spec)
    st.caption(display.model_caption(result.model, customers, spec.rfm_unit) + note)
    render.table(display.model_table(result.model), name="customer model parameters")
    bins = display.p_alive_bins(customers)
    render.chart(
        charts.p_alive_chart(bins), bins, name="p alive", caption=display.p_alive_caption(bins)
    )
    render.table(
        display.top_customers(customers),
        name="customers by predicted value",
        caption=f"Highest predicted gross profit over the next {spec.horizon_months} months."
        + note,
    )

render.definitions(display.DEFINITIONS)
