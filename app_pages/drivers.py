import streamlit as st

from components import cached, render, state
from components import inputs_drivers as inputs
from components.north_star import adopted
from nsm_core import drivers, fmt
from nsm_core.charts import drivers as charts
from nsm_core.schema import DataError

VIEWS = {
    "why": "Why it moved",
    "what_if": "What if",
    "segments": "Segments",
    "brief": "Experiment brief",
}

st.title("Driver tree")
st.caption(
    "Your North Star broken into the drivers that make it up, measured from your data: "
    "what moved it, what would move it, and how to test a driver."
)

source = state.source()
north_star = inputs.north_star_root(adopted(source))
spec = inputs.edited(source, inputs.tree_spec(source, north_star))
try:
    values = cached.driver_tree(source, spec)
except DataError as err:
    st.error(str(err), icon=":material/error:")
    st.stop()

if not drivers.periods(values):
    render.empty("The data cover a single period, so there is no change to explain yet.")
    st.stop()
period = inputs.comparison_period(values)
period_words = fmt.period_name(period, values.period)
snap = drivers.snapshot(values, period)

st.graphviz_chart(charts.tree_dot(snap), width="stretch")
st.caption(
    f"Each box: the driver's value in {period_words} and its change from the period "
    "before. + and × on the arrows say how drivers combine into the box above."
)
with st.expander("The tree as a list", icon=":material/format_list_bulleted:"):
    st.markdown(drivers.outline(snap))
render.download(snap, name="driver tree values")
for line in drivers.edit_captions(values.root, spec.edits):
    st.caption(line)
history = drivers.history(values)
render.chart(
    charts.sparklines_chart(history),
    history,
    name="driver history",
    caption="The last 16 periods of every driver; the dashed end is the period in progress.",
)
render.warnings(values.warnings)

view = st.segmented_control(
    "Show",
    list(VIEWS),
    default="why",
    required=True,
    format_func=VIEWS.get,
    key="drivers_view",
    help="Why the North Star moved, a what-if projection, the tree by segment, or an "
    "experiment brief for one driver.",
)

if view == "why":
    method, level = inputs.attribution_options()
    attribution = drivers.explain(values, period, method)
    steps = drivers.waterfall_frame(attribution, level)
    render.chart(
        charts.waterfall_chart(
            steps, title=f"Why {values.root.label.lower()} moved", unit=values.root.unit
        ),
        steps,
        name="driver waterfall",
        caption=drivers.change_caption(attribution, values.root, period_words),
    )
    render.table(attribution.table, name="driver attribution")
    render.warnings(attribution.warnings)
elif view == "what_if":
    moves = inputs.shocks(values.root)
    projection = drivers.what_if_period(values, period, moves)
    st.metric(
        f"Projected {values.root.label.lower()}",
        drivers.format_value(values.root.unit, projection.projected),
        delta=fmt.pct(projection.change_pct, 1) if projection.change_pct is not None else None,
        help=f"From its value in {period_words}, with the moves above and nothing else changed.",
    )
    render.table(projection.table, name="what if projection")
elif view == "segments":
    if values.by_segment is None:
        render.empty("Pick a property in 'Cut every node by' above to see every driver by segment.")
    else:
        nodes = {row["key"]: row["label"] for row in snap.iter_rows(named=True)}
        key = st.selectbox(
            "Driver",
            list(nodes),
            format_func=nodes.get,
            key="drivers_seg_node",
            help="The driver to show by segment.",
        )
        node = drivers.find(values.root, key)
        cut = drivers.segment_snapshot(values, period, key)
        render.chart(
            charts.segment_chart(cut, label=node.label, unit=node.unit),
            cut,
            name=f"{node.label} by segment",
            caption=f"{node.label} in {period_words} and the period before, by {spec.segment}.",
        )
else:
    brief_spec = inputs.brief_spec(values.root)
    baseline = cached.driver_baseline(source, spec, brief_spec.driver, period)
    brief = drivers.experiment_brief(values, baseline, brief_spec, period)
    st.markdown(brief.markdown())
    render.document(
        brief.markdown(), file_name="experiment_brief.md", label="Download brief (Markdown)"
    )

render.definitions(
    """
- **Driver tree**: the North Star as a sum or product of drivers, each measured from your
  events. Amplitude calls this a *North Star driver tree* (Playbook); Mixpanel and PostHog
  have no tree, you build each driver as an Insights / Trends metric. With a North Star
  adopted, the root is that metric, on its own events, filters and exclusions.
- **Metrics for nodes**: "who counts as doing it" may be any group of users (the share ×
  the ratio over that group still multiply to the node above); a part split off a node
  and "everything else" (the node minus the part) add up to it.
- **New / retained / resurrected**: growth accounting per calendar period (Amplitude
  *Lifecycle*, PostHog *Lifecycle*, Mixpanel *Retention → lifecycle*).
- **Why it moved**: sums split exactly; products split by Shapley value (the average
  effect of changing each driver, over every order of changes) or log-mean Divisia (LMDI).
  Parts always add up to the change. Where the data do not match a formula, the gap is an
  *unexplained* part.
- **What if**: moves drivers by a percentage, holding everything else at this period's value.
- **Experiment brief**: sample size per arm from the driver's baseline (two-proportion or
  two-mean z-test). The tree is observational: only an experiment shows cause and effect.
""",
    docs="docs/definitions/drivers.md",
)
