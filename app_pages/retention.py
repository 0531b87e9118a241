import streamlit as st

from components import cached, render, state
from components import inputs_retention as inputs
from nsm_core.charts import retention as charts
from nsm_core.retention import display, penny, stickiness, summary
from nsm_core.schema import DataError

st.title("Retention")
st.caption(
    "Do users come back? Cohort retention, who is new, retained or resurrected, how sticky "
    "the product is, and how many take the step from a first to a second time."
)

source = state.source()
available = cached.retention_available(source)
segments = cached.segments(source)
view = inputs.view()
left, right = st.columns(2)
with right:
    count = inputs.unit(available)
with left:
    length = inputs.period() if view != "stickiness" else "day"


def show_cohorts() -> None:
    spec = inputs.retention_spec(available, segments, count, length)
    result = cached.retention(source, spec)
    render.warnings(result.warnings)
    if not display.has_cells(result):
        return
    if result.leak:
        st.warning(result.leak, icon=":material/water_drop:")
    k = summary.focus_period(result) or 0
    for col, (label, value, help_text) in zip(
        st.columns(4), display.headline(result, k), strict=True
    ):
        col.metric(label, value, help=help_text)
    shown = None
    if spec.segment:
        shown = st.selectbox(
            "Heatmap for",
            display.segment_values(result),
            key="retention_heatmap_segment",
            help=f"One matrix per value of {spec.segment}; the curves below compare them.",
        )
    value = display.value_column(result)
    render.chart(
        charts.heatmap(display.matrix_for(result, shown), spec.period, value, spec.unit),
        display.shown_columns(result.matrix, result),
        name="retention matrix",
        caption=summary.cohort_caption(result, k) + display.heatmap_note(result),
    )
    lines, by = display.curve_lines(result)
    average = display.shown_columns(result.average, result)
    render.chart(
        charts.curves(lines, average, spec.period, by, value),
        average,
        name="retention average",
        caption=summary.average_caption(result, k) + display.curve_note(result),
    )
    render.table(
        display.wide(result, value), name="retention table", caption=display.wide_caption(result)
    )
    if spec.segment:
        render.table(
            display.shown_columns(result.segments, result),
            name="retention by segment",
            caption=display.segment_caption(result),
        )


def show_lifecycle() -> None:
    event = inputs.event(
        "Activity event",
        available.events,
        "retention_lifecycle_event",
        "The event that makes a user active in a period.",
    )
    data = cached.lifecycle(source, length, event, count)
    render.chart(
        charts.lifecycle_chart(data, length),
        data,
        name="lifecycle",
        caption=display.lifecycle_caption(data, length, count),
    )
    render.chart(
        charts.quick_ratio_chart(data, length),
        data,
        name="quick ratio",
        caption="The user quick ratio (Amplitude Pulse); 'n/a' where nobody went dormant.",
    )


def show_stickiness() -> None:
    first, second = st.columns(2)
    with first:
        event = inputs.event(
            "Activity event",
            available.events,
            "retention_stickiness_event",
            "The event that makes a user active on a day.",
        )
    with second:
        window = inputs.window()
    result = cached.stickiness(source, window, event, count)
    if result.dau_mau is None:
        render.empty("DAU/MAU needs at least 31 days of data.")
    else:
        render.chart(
            charts.stickiness_chart(result.daily),
            result.daily,
            name="stickiness",
            caption=stickiness.stickiness_caption(result, count),
        )
    recent = display.recent_windows(result.power)
    render.chart(
        charts.power_chart(recent, window),
        result.power,
        name="power user curve",
        caption=stickiness.power_caption(result.power, window),
    )


def show_penny() -> None:
    spec = inputs.penny_spec(available, segments, count, length)
    result = cached.penny_gap(source, spec)
    table, by = display.penny_rows(result)
    render.chart(
        charts.penny_chart(table, by),
        table,
        name="penny gap",
        caption=penny.penny_caption(result.overall, display.penny_action(spec), count),
    )
    render.table(
        table,
        name="penny gap table",
        caption="Came back = did it twice or more / did it at least once (95% Wilson interval).",
    )


VIEWS = {
    "cohorts": show_cohorts,
    "lifecycle": show_lifecycle,
    "stickiness": show_stickiness,
    "penny": show_penny,
}
try:
    VIEWS[view]()
except DataError as err:
    st.error(str(err), icon=":material/error:")
render.definitions(display.DEFINITIONS[view], docs=display.DOCS[view])
