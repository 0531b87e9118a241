import streamlit as st

from components import cached, render, state
from components.inputs_data import load_options_form, quality_report
from nsm_core import fmt
from nsm_core import segments as nsm_segments

st.title("Data")
st.caption("What was loaded, what cleaning did, and which events and properties you have.")

source = state.source()
if source.kind == "upload":
    load_options_form(source)
elif not state.wants_upload():
    st.info(
        f"You are looking at the bundled sample **{source.name}**. Choose **Your own file** in "
        "the sidebar to upload an export (CSV, TSV, parquet, JSON Lines or RecBole, also "
        "gzipped).",
        icon=":material/dataset:",
    )

problem = cached.load_error(source)
if problem:
    st.stop()

data = cached.dataset(source)
quality_report(data.report, data.columns)
if data.spend_error:
    st.error(data.spend_error, icon=":material/error:")
if source.ranged:
    st.caption(
        "The quality report above covers the whole file; the preview and catalogs below, "
        "like every other page, only the dates chosen in the sidebar."
    )

st.subheader("Preview")
render.table(
    cached.events(source).head(200), name="events preview", caption="The first 200 clean events."
)

st.subheader("Event catalog")
render.table(
    cached.event_catalog(source),
    name="event catalog",
    caption="Every event type: how often, by how many users (and their share of all users), "
    "first and last seen.",
)

st.subheader("Properties")
properties = cached.property_catalog(source)
if properties.is_empty():
    render.empty("No property columns: only user, event, time and revenue were found.")
else:
    render.table(
        properties,
        name="properties",
        caption=f"{fmt.count(properties.height)} property columns, usable as segments and filters.",
    )

if data.bands:
    st.subheader("Banded segments")
    render.table(
        nsm_segments.bands_table(data.bands),
        name="banded segments",
        caption="Numeric properties with too many values to split by, cut into about equal "
        "groups of users (by each user's first value) with round edges; every page offers "
        "them as segments. Whole numbers: 18–29 means 18 to 29. Decimals: 5–20 means at "
        "least 5 and under 20.",
    )

if data.spend is not None:
    st.subheader("Marketing spend")
    render.table(data.spend, name="marketing spend", caption="Monthly spend per channel.")

render.definitions(
    """
- **Dropped rows**: a row with no user id (empty, `null`, `undefined`, ...), no event name,
  a time that cannot be read, or a time more than a day in the future; each row gets the
  first reason that applies, and every reason is counted above with examples.
- **Identical rows** (every column equal to an earlier row) depend on the time resolution:
  on dates only (or whole minutes or hours) they are repeat events, such as two same-day
  purchases of one amount, and are kept; once times carry seconds they are a double export
  and only one copy is kept.
- **Times** are UTC; a time without an offset is read as UTC, a date as midnight UTC.
- **Segments**: text or whole-number properties with 2 to 30 values, counted under each
  user's first-touch value (their earliest event that has one). Numbers with more values
  are cut into about five bands of users with round edges.
- **Event catalog**: Amplitude's *Events* in Data, Mixpanel's *Lexicon*, PostHog's *Data
  management*.
- **Dates** in the sidebar narrow the events of every page; the quality report covers the
  whole file.
""",
    docs="docs/definitions/data.md",
)
