import streamlit as st

from components import cached, render, state
from components import inputs_workshop as inputs
from nsm_core import workshop
from nsm_core.charts import metrics as charts
from nsm_core.metrics import describe

RATING_BADGE = {
    "strong": ":green-badge[strong lead]",
    "moderate": ":blue-badge[moderate lead]",
    "weak": ":orange-badge[weak lead]",
    "none": ":red-badge[no lead]",
    "n/a": ":gray-badge[cannot tell]",
}

st.title("Workshop")
st.caption(
    "For a facilitator: put 3 to 6 candidate North Stars side by side on the team's own data, "
    "check which ones lead retention and revenue, then score, vote and export the result."
)

source = state.source()
options = inputs.candidate_options(source)
specs = inputs.candidate_picker(source, options)
inputs.add_custom_candidate(source)
if len(specs) < 3:
    render.empty("Pick at least three candidates to compare (up to six).")
    st.stop()

found = inputs.reviews(source, specs)
if not found:
    st.stop()

st.subheader("Side by side")
for column, review in zip(st.columns(len(found)), found, strict=True):
    with column:
        st.markdown(f"**{review.spec.name}**  \n{RATING_BADGE[review.rating]}")
        st.caption(workshop.caption(review))
        for flag in review.flags:
            st.warning(flag, icon=":material/flag:")
        render.warnings(review.warnings)
        with st.popover("Definition", icon=":material/menu_book:"):
            st.markdown(describe(review.spec))

evidence = workshop.evidence_table(found)
render.chart(
    charts.lift_chart(evidence),
    evidence,
    name="candidate evidence",
    caption="A point right of the dashed line with its bar clear of it: users who reach the "
    "metric in their first week stay more than similar users who do not.",
)
weekly = workshop.weekly_series(found)
render.chart(
    charts.weekly_index_chart(weekly),
    weekly,
    name="candidates week to week",
    caption="Each line is scaled to its own average week, so candidates in different units "
    "compare: a North Star should move enough to show a team's work, but not swing wildly.",
)
render.table(evidence, name="candidate checks", caption="Every number behind the two charts.")

summary = cached.summary(source)
st.info(workshop.sequencing_hint(summary, found), icon=":material/route:")

st.subheader("Scoring matrix")
st.caption(
    "Scores start from the data (customer value, revenue, vanity) and the definitions; edit "
    "any score (1 to 5), the weights and the votes. The ranking updates as you type."
)
scores, weights = inputs.score_editors(found)
inputs.reset_scores()
result = workshop.workshop_result(found, scores, weights, summary)
render.table(
    result.ranking, name="workshop ranking", caption="Weighted mean score; votes break ties."
)
winner = workshop.winner(result)
if winner is not None and st.button(
    f"Make {winner.name} our North Star", type="primary", icon=":material/star:"
):
    state.set_north_star_draft(winner)
    st.switch_page("app_pages/north_star.py")
inputs.result_downloads(result)

render.definitions(
    """
- **Early value** of a user (or team): the candidate's amount over their counted events in
  their first 7 days (events, or the sum for revenue and property sums). **Reached early** =
  at least the metric's threshold (at least one event; more than 0 for sums).
- **Retained** = any event on days 8–35 after the first (Amplitude's 2nd-week-to-month
  retention; Mixpanel and PostHog "Retention" with a custom bracket). Only users whose
  days 0–35 are all in the data count.
- **Rank correlation**: Spearman's ρ of early value with retention and with revenue on days
  8–35, with a Fisher-z interval. Amplitude Compass and Mixpanel Signal rank by a
  correlation (phi) like this one.
- **Adjusted lift**: retention of those who reached it early minus the others, compared
  within groups of the same acquisition channel, number of active days in the first week
  and fifth of first-week event counts, weighted by group size, with a 95% interval. A
  metric that only tracks general engagement scores low here. Observational: confirm it
  with an experiment.
- **Rating**: none when the interval includes 0; then under 5 pp weak, 5–15 pp moderate,
  15 pp or more strong.
- **Candidates from your events**: users who did an event in a week, and users who did it
  k+ times a week (k = its median count in users' first week, rounded down to 2, 5, 10,
  20…). The first screen compares the two templates that count your own events with the
  three events whose first-week use goes most with staying (phi), reached by 5–90% of new
  users, views and opens left out.
- **Vanity flags**: running totals, raw views or opens, volume where the top 1% of users make
  over 20%, or a metric nearly every new user reaches at once.
"""
)
