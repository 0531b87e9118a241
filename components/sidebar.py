"""The sidebar every page shares: which dataset the session analyses."""

import streamlit as st

from components import cached, state
from components.state import DataSource
from nsm_core import fmt
from nsm_core.samples import SAMPLES

UPLOAD_TYPES = ["csv", "tsv", "txt", "parquet", "jsonl", "ndjson", "json", "gz"]


def _sample_picker() -> None:
    st.selectbox(
        "Sample product",
        list(SAMPLES),
        key=state.SAMPLE,
        format_func=lambda key: SAMPLES[key].title,
        help="Bundled datasets with known, documented effects (see sample_data/README.md).",
    )
    st.caption(SAMPLES[state.sample_key()].description)


def _upload_picker() -> None:
    st.file_uploader(
        "Events file",
        type=UPLOAD_TYPES,
        key=state.UPLOAD,
        help="CSV, TSV, parquet or JSON Lines (also .gz), e.g. an Amplitude, Mixpanel, "
        "PostHog, Segment or GA4 export. One row per event: who, what, when (and revenue).",
    )
    st.file_uploader(
        "Marketing spend (optional)",
        type=UPLOAD_TYPES,
        key=state.SPEND_UPLOAD,
        help="Monthly spend per channel: columns month (or date), channel, ad_spend; "
        "optional discounts and cogs. Enables CAC, payback and marketing ROI.",
    )
    if state.uploaded_events() is None:
        st.info("No file yet: pages show the sample until you upload one.")
    else:
        st.page_link(
            "app_pages/data.py", label="Check columns and data quality", icon=":material/tune:"
        )


def _status(source: DataSource) -> None:
    if cached.load_error(source):
        st.error("This file could not be read; see the message on the page.")
        return
    totals = cached.summary(source)
    st.caption(
        f"**{source.name}**  \n{fmt.count(totals.events)} events · {fmt.count(totals.users)} users"
        f"  \n{fmt.day(totals.first_ts)} – {fmt.day(totals.last_ts)}"
    )


def data_source() -> DataSource:
    """Draw the data-source controls in the sidebar and return the chosen dataset."""
    with st.sidebar:
        st.radio(
            "Data source",
            [state.KIND_SAMPLE, state.KIND_UPLOAD],
            key=state.KIND,
            help="Explore a bundled sample product, or analyse an export of your own.",
        )
        if state.wants_upload():
            _upload_picker()
        else:
            _sample_picker()
        source = state.source()
        _status(source)
    return source
