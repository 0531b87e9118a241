import streamlit as st

from components import cached, render, state
from nsm_core.views import overview as view

st.title("Overview")
st.caption("Your product at a glance: who is here, how many come back, what they do.")

source = state.source()
render.show(view.headlines(cached.summary(source)))

period = st.segmented_control(
    "Active users per",
    list(view.PERIOD_LABELS),
    default="week",
    required=True,
    format_func=view.PERIOD_LABELS.get,
    key="overview_period",
    help="Daily (DAU), weekly (WAU) or monthly (MAU) active users, in calendar periods (UTC).",
)
render.show(view.active_users(cached.active_users(source, period), period))

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
        render.show(view.new_users(cached.new_users(source, period, segment), period, segment))
    else:
        render.empty(view.NO_SEGMENT)
with right:
    render.show(view.top_events(cached.event_catalog(source)))

render.definitions(view.DEFINITIONS, docs=view.DOCS)
