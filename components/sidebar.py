"""The sidebar every page shares: which dataset the session analyses."""

import streamlit as st

from components import cached, state
from components.state import DataSource
from nsm_core import fmt
from nsm_core.samples import SAMPLES


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
    # No file-type filter: the format is read from the contents, so an export named
    # ml-100k.inter or events (no extension) is accepted and read, not refused by name.
    st.file_uploader(
        "Events file",
        key=state.UPLOAD,
        help="CSV, TSV, parquet, JSON Lines or RecBole .inter (also gzipped), e.g. an "
        "Amplitude, Mixpanel, PostHog, Segment or GA4 export; any file name, the format is "
        "read from the contents. One row per event: who, what, when (and revenue).",
    )
    st.file_uploader(
        "Marketing spend (optional)",
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


def notice(source: DataSource) -> None:
    """Say above the page when it shows the sample although the user chose their own file."""
    if state.wants_upload() and source.kind == "sample":
        st.warning(
            f"No file uploaded yet: this page shows the bundled sample **{source.name}**, "
            "not your data. Upload your events file in the sidebar.",
            icon=":material/dataset:",
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
