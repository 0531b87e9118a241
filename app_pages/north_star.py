import streamlit as st

from components import cached, north_star, render, state
from components import inputs_metrics as inputs
from nsm_core import governance as gov
from nsm_core.charts import metrics as charts
from nsm_core.metrics import MetricSpec, describe
from nsm_core.metrics.words import latest_words, series_caption
from nsm_core.schema import DataError

VIEWS = {"card": "The North Star", "define": "Define or change it"}
STARTS = {"template": "From a template", "custom": "Custom definition"}
STARTER = MetricSpec("Weekly active users", unit="users")

st.title("North Star")
st.caption(
    "Choose the one metric that captures the value customers get, and write it down so it "
    "cannot drift: definition, owner, version, guardrails and a change log."
)

source = state.source()
imported = inputs.card_import()
if imported is not None:
    state.set_north_star_card(imported)
    st.success(f"Imported the card of {imported.spec.name} (version {imported.version}).")
card = north_star.adopted(source)


def show_series(spec: MetricSpec) -> None:
    try:
        series = cached.metric(source, spec)
    except DataError as err:
        st.error(str(err), icon=":material/error:")
        st.stop()
    render.chart(
        charts.metric_chart(series, spec.name, spec.unit, spec.grain),
        series,
        name=spec.name,
        caption=series_caption(series, spec),
    )


view = st.segmented_control(
    "View",
    list(VIEWS) if card else ["define"],
    default="card" if card else "define",
    required=True,
    format_func=VIEWS.get,
    key="ns_view_card" if card else "ns_view_new",
    help="See the governed North Star, or define a new one / change its definition.",
)

if view == "define":
    start = st.segmented_control(
        "Start", list(STARTS), default="template", required=True, format_func=STARTS.get,
        key="ns_start", help="A well-known North Star mapped to your events, or your own.",
    )  # fmt: skip
    if start == "template":
        proposal = inputs.template_picker(source, "ns_template")
    else:
        base = state.north_star_draft() or (card.spec if card else STARTER)
        submitted = inputs.metric_form(source, base, "ns_custom", "Preview this definition")
        if submitted is not None:
            state.set_north_star_draft(submitted)
        proposal = state.north_star_draft() or base
    if proposal is None:
        st.stop()
    st.markdown(describe(proposal))
    show_series(proposal)
    if card is None:
        if st.button("Adopt as our North Star", type="primary", icon=":material/star:"):
            state.set_north_star_card(gov.new_card(proposal, dataset=source.name))
            st.rerun()
    elif proposal == card.spec:
        st.info("This is the current definition of the North Star.", icon=":material/check:")
    else:
        changed = inputs.change_form(card, proposal)
        if changed is not None:
            state.set_north_star_card(changed)
            st.success(f"Logged version {changed.version}. See it under “The North Star”.")
else:
    left, right = st.columns([3, 2])
    with left:
        show_series(card.spec)
        st.markdown(gov.to_markdown(card))
    with right:
        st.subheader("Guardrails")
        updated = inputs.guardrail_picker(source, card)
        if updated != card:
            state.set_north_star_card(updated)
            card = updated
        for guard in card.guardrails:
            if guard.spec is None:
                st.markdown(f"- {guard.name} (not computed from events)")
                continue
            shown, delta = latest_words(cached.metric(source, guard.spec))
            st.metric(guard.name, shown, delta=delta, help=describe(guard.spec), border=True)
    if card.changes:
        st.subheader("What each change did")
        labels = gov.change_labels(card)
        pick = st.selectbox(
            "Change",
            range(len(labels)),
            index=len(labels) - 1,
            format_func=labels.__getitem__,
            key="ns_change_pick",
            help="The metric recomputed under the old and the new definition.",
        )
        entry = card.changes[pick]
        both = cached.metric_both_ways(source, entry)
        render.chart(
            charts.both_ways_chart(both, entry.after.name, entry.after.unit),
            both,
            name=f"{entry.after.name} before and after {labels[pick]}",
            caption=gov.jump_caption(both, entry),
        )
    inputs.card_downloads(card)

render.definitions(
    """
- **North Star metric**: the one number that best captures the value customers get from the
  product and leads revenue (Amplitude's North Star Playbook). Amplitude, Mixpanel and
  PostHog have no governed metric object: the nearest are a saved chart or a "metric" in
  Mixpanel's Lexicon / PostHog's data warehouse; this card plays that role.
- **Counted per calendar period (UTC)**; the last period, which the data ends inside, is
  drawn hollow and never compared.
- **Distinct users** = Amplitude "Uniques", Mixpanel "Unique users", PostHog "Unique
  users"; **number of events** = "Event totals" / "Total events"; **users reaching a
  threshold** = PostHog's "minimum occurrences" / Amplitude's "Frequency".
- **Exclusions** remove excluded users from every period, not only the rows that match.
- **A change** is recomputed both ways on the same events, so the gap between the lines is
  the redefinition itself, not a change in behaviour.
""",
    docs="docs/definitions/metrics.md",
)
