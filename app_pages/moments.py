import streamlit as st

from components import cached, render, state
from components import inputs_moments as inputs
from components.north_star import adopted
from nsm_core import fmt, moments
from nsm_core.charts import moments as charts
from nsm_core.moments import text
from nsm_core.schema import DataError

CRM_PREVIEW = 500
VIEWS = {
    "segments": "By segment",
    "users": "Next moments per user",
    "tracking": "Tracking",
    "experiments": "Experiments",
}

st.title("High-value moments")
st.caption(
    "Which early actions make users stay and pay, and which only look like it because "
    "engaged users do everything more."
)

source = state.source()
segments = cached.segments(source)
catalog = cached.event_catalog(source)
card = adopted(source)
spec = inputs.moment_spec(segments, catalog, card, () if card else cached.metric_templates(source))
st.caption(text.outcome_caption(spec))
try:
    result = cached.moments(source, spec)
except DataError as err:
    st.error(str(err), icon=":material/error:")
    st.stop()

counts = text.verdict_counts(result)
cols = st.columns(5)
cols[0].metric(
    "Users analysed", fmt.count(result.users), help="Observed through the outcome window."
)
cols[1].metric("Too recent", fmt.count(result.excluded), help="Not yet observed long enough.")
cols[2].metric(
    "Average outcome",
    text.amount(result.outcome_mean, spec, signed=False),
    help=text.outcome_words(spec),
)
cols[3].metric("Likely drivers", counts[moments.DRIVER], help="q ≤ 0.05, adjusted CI above 0.")
cols[4].metric("Proxies", counts[moments.PROXY], help="Naive lift clear, adjusted lift not.")
st.markdown(text.headline(result))
render.warnings(result.warnings)
st.info(text.callout(result), icon=":material/science:")

render.table(
    text.display_table(result),
    name="high value moments",
    caption="Ranked by expected gain among moments whose adjusted 95% CI excludes 0, then "
    f"by p-value. Phi is the correlation other tools rank by. Method: {result.method}.",
)
data = text.chart_data(result)
if data.is_empty():
    render.empty("No candidate has enough users on both sides; lower 'Fewest users on each side'.")
else:
    render.chart(
        charts.lift_chart(data, text.unit(spec), x_title=text.axis_title(spec)),
        data,
        name="naive vs adjusted lift",
        caption=text.chart_caption(result),
    )

view = st.segmented_control(
    "Act on it",
    list(VIEWS),
    default="segments",
    required=True,
    format_func=VIEWS.get,
    key="moments_view",
    help="Who gains most, whom to nudge toward what, how completion moves, how to confirm.",
)
if view in ("segments", "users") and not text.default_choices(result):
    render.empty("No likely causal driver yet, so there is nothing to break down or suggest.")
elif view == "segments":
    segment = inputs.segment_choice(segments, key="moments_segment")
    if segment is None:
        render.empty("Add a property such as channel, device or plan to split moments by segment.")
    else:
        lifts = text.in_units(cached.moment_segments(source, spec, segment), spec)
        render.chart(
            charts.segment_chart(
                lifts, text.unit(spec), x_title=text.axis_title(spec, "Adjusted lift")
            ),
            lifts,
            name=f"moment lift by {segment}",
            caption=f"The top moments' adjusted lift within each {segment} (values with at "
            f"least {fmt.count(2 * spec.min_users)} users; {segment} itself is then constant).",
        )
elif view == "users":
    crm = cached.next_moments(source, spec, inputs.crm_spec(segments))
    st.markdown(text.crm_headline(crm))
    for line in text.crm_counts(crm):
        st.markdown(line)
    render.table(text.crm_steps(crm), name="crm steps", caption=text.crm_order_caption(crm))
    if crm.rows.is_empty():
        render.empty("Nobody can still act on these moments; raise 'Active in the last (days)'.")
    else:
        shown = crm.rows.head(CRM_PREVIEW)
        st.dataframe(shown, hide_index=True, width="stretch")
        st.caption(text.crm_list_caption(crm, shown.height))
        render.download(crm.rows, name="crm list", label="Download the CRM list (CSV)")
elif view == "tracking":
    options = text.choices(result)
    chosen = st.multiselect(
        "Moments to track",
        list(options),
        default=text.default_choices(result),
        key="moments_tracked",
        help="Completion by weekly cohort shows whether onboarding changes move a moment.",
    )
    if chosen:
        tracked = cached.moment_tracking(source, spec, tuple(options[m] for m in chosen))
        render.chart(
            charts.completion_chart(tracked.completion),
            tracked.completion,
            name="moment completion by cohort",
            caption="Share of each week's new users who reached the moment in their window.",
        )
        render.chart(
            charts.outcome_chart(
                tracked.outcomes, text.unit(spec), y_title=text.measure(spec).capitalize()
            ),
            tracked.outcomes,
            name="achievers vs others by cohort",
            caption="A gap that holds week after week is consistent with a driver; only an "
            "experiment shows it is one.",
        )
else:
    plans = cached.moment_experiments(source, spec)
    render.table(
        plans,
        name="moment experiments",
        caption="Users per arm for 80% power at 5% significance if the nudge gets 1 in 4 "
        "non-achievers to do the moment (users_per_arm_all: if it gets all of them); weeks at "
        "your current rate of new users.",
    )

render.definitions(text.definitions(spec))
