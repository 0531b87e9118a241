import streamlit as st

from components import cached, render, state
from nsm_core import fmt, overview
from nsm_core.charts import overview as charts

PERIOD_LABELS = {"day": "Day", "week": "Week", "month": "Month"}

st.title("Overview")
st.caption("Your product at a glance: who is here, how many come back, what they do.")

source = state.source()
totals = cached.summary(source)

cols = st.columns(5)
cols[0].metric("Users", fmt.count(totals.users), help="Distinct user_id values in the data.")
cols[1].metric("Events", fmt.count(totals.events), help="Rows kept after cleaning.")
cols[2].metric(
    "Revenue",
    fmt.money(totals.revenue, compact=True),
    help="Sum of the revenue column, net of refunds (negative revenue).",
)
cols[3].metric(
    "Paying users",
    fmt.count(totals.paying_users),
    help="Users whose revenue adds up to more than 0.",
)
cols[4].metric(
    "Date range",
    f"{fmt.count(totals.days)} days",
    help=f"{fmt.day(totals.first_ts)} – {fmt.day(totals.last_ts)} (UTC)",
)

period = st.segmented_control(
    "Active users per",
    list(PERIOD_LABELS),
    default="week",
    required=True,
    format_func=PERIOD_LABELS.get,
    key="overview_period",
    help="Daily (DAU), weekly (WAU) or monthly (MAU) active users, in calendar periods (UTC).",
)
active = cached.active_users(source, period)
render.chart(
    charts.active_users_chart(active, period),
    active,
    name=f"active users per {period}",
    caption=overview.active_users_caption(active, period),
)

left, right = st.columns(2)
with left:
    segments = cached.segments(source)
    if segments:
        segment = st.selectbox(
            "New users by",
            segments,
            index=segments.index("channel") if "channel" in segments else 0,
            key="overview_segment",
            help="A property of your events; a user counts under the value on their first event.",
        )
        fresh = cached.new_users(source, period, segment)
        render.chart(
            charts.new_users_chart(fresh, period, segment),
            fresh,
            name=f"new users by {segment}",
            caption=overview.new_users_caption(fresh, period, segment),
        )
    else:
        render.empty(
            "No property to split new users by. Add a column such as channel, device or "
            "country to your events to see where new users come from."
        )
with right:
    events_by_type = cached.event_catalog(source)
    render.chart(
        charts.top_events_chart(events_by_type),
        events_by_type,
        name="top events",
        caption=f"{fmt.count(events_by_type.height)} event types; bars count distinct users.",
    )

render.definitions(
    """
- **Active user**: a user with at least one event in the calendar period (UTC).
  Amplitude calls these DAU / WAU / MAU ("Active users"), Mixpanel "Unique users",
  PostHog "Unique users" in a trend.
- **New user**: counted in the period of their first event in the data.
- **Revenue** is net: refunds are negative revenue.
""",
    docs="docs/definitions/overview.md",
)
