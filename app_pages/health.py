import streamlit as st

from components import cached, render, state
from components import inputs_health as inputs
from nsm_core import health
from nsm_core.charts import health as charts

st.title("Health")
st.caption(
    "A scorecard of the numbers businesses track, and guardrails that must not get worse "
    "while the North Star grows."
)

source = state.source()
signals = inputs.signals(source)
card = cached.health_scorecard(source, signals)
render.warnings(card.warnings)

st.subheader("Scorecard")
st.caption(health.as_of_caption(card))
for family in (f for f in card.families if f.available):
    with st.container(border=True):
        st.markdown(f"**{family.title}**")
        cols = st.columns(4)
        for j, reading in enumerate(family.readings):
            cols[j % 4].metric(
                reading.label,
                reading.shown(),
                delta=health.delta(reading),
                delta_color="normal" if reading.higher_is_better else "inverse",
                help=health.reading_help(reading),
            )
        st.caption(f"From {family.basis}.")
missing = health.missing_families(card)
if missing:
    render.empty(missing)

st.subheader("Guardrails")
st.caption(
    "Set each limit; a guardrail is red past its limit, amber within 20% of it or when its "
    "6-month trend would cross it within 3 months, green otherwise."
)
guardrails = inputs.guardrail_limits()
series = cached.guardrail_series(source, signals)
statuses = tuple(health.evaluate(series, g) for g in guardrails)
st.markdown(" ".join(health.badge(s) for s in statuses))
render.table(
    health.status_table(statuses),
    name="guardrails",
    caption="Values are for complete calendar months; the trend is the least-squares slope "
    "over the last 6 of them.",
)

measured = [s for s in statuses if s.state != "unknown"]
if measured:
    key = st.segmented_control(
        "Guardrail to plot",
        [s.guardrail.key for s in measured],
        default=measured[0].guardrail.key,
        required=True,
        format_func=lambda k: health.GUARDRAILS[k].title,
        key="guardrail_plot",
        help="Its value per complete month against the limit you set.",
    )
    chosen = next(s for s in measured if s.guardrail.key == key)
    render.chart(
        charts.guardrail_chart(series, chosen.guardrail),
        series,
        name="guardrail series",
        caption=chosen.reason,
    )
else:
    render.empty(
        "No guardrail can be measured: they need negative revenue or refund events, "
        "payments over two months, ticket or unsubscribe events, or COGS."
    )
inputs.attach_control(statuses)

render.definitions(
    """
- **Scorecard families** are computed only from what the data holds; each missing one says
  which column or event would enable it. Monthly readings use the last complete calendar month
  (UTC) against the month before; revenue year to date is compared with the same months a year
  earlier.
- **WAU** = distinct users with any event in the week (Amplitude *Active users*, Mixpanel and
  PostHog *Unique users*). **Sessions** end after 30 minutes without an event (the Amplitude,
  Mixpanel and Google Analytics default).
- **NPS** = % promoters (9–10) − % detractors (0–6) over each user's latest answer in the last
  90 days, with a 95% CI from the multinomial variance.
- **CRR, NRR (DRR), GRR, CAC, LTV, ROI, payback** are the Unit economics page's numbers
  (docs/definitions/economics.md#crr, #nrr, #grr, #cac, #cohort-ltv, #roi) at its default
  assumptions, read from the same computation. LTV:CAC uses the cohort-curve LTV. Payback counts
  churn: months of a customer's life until cumulative gross profit per acquired customer reaches
  CAC ("not within 24 months" when it does not within the LTV horizon), not CAC ÷ monthly gross
  profit, which assumes no churn.
- **Guardrails** are kept out of multiple-testing families (as GrowthBook does); refund rate =
  refunded ÷ gross revenue; churn = 1 − retained ÷ paying customers at the start of the month;
  tickets and unsubscribes per 100 monthly active users; margin = (revenue − COGS) ÷ revenue.
"""
)
