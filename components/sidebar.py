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


def _date_range(source: DataSource) -> None:
    """Draw the date-range picker: it narrows the events of every page (default: all)."""
    whole = cached.summary(source.whole)
    if whole.first_ts is None or whole.last_ts is None:
        return
    first, last = whole.first_ts.date(), whole.last_ts.date()
    st.date_input(
        "Dates",
        value=(max(source.start or first, first), min(source.end or last, last)),
        min_value=first,
        max_value=last,
        key=state.date_range_key(source),
        on_change=state.remember_date_range,
        args=(source.whole, first, last),
        format="YYYY-MM-DD",
        help="Every page counts only the events on these days (UTC). A user whose first "
        "event is before the range is counted from their first event inside it: cohorts, "
        "new users and first touches start there. Clear it by picking the whole span.",
    )


def _status(source: DataSource) -> None:
    if isinstance(cached.dataset(source), str):
        st.error("This file could not be read; see the message on the page.")
        return
    whole = cached.summary(source.whole)
    totals = cached.summary(source) if source.ranged else whole
    events = fmt.count(totals.events)
    if source.ranged:
        events = f"{events} of {fmt.count(whole.events)}"
    lines = [f"**{source.name}**", f"{events} events · {fmt.count(totals.users)} users"]
    if source.ranged:
        left_out = whole.events - totals.events
        lines.append(
            f"{fmt.day(source.start)} – {fmt.day(source.end)} (date range: "
            f"{fmt.count(left_out)} events left out)"
        )
    else:
        lines.append(f"{fmt.day(totals.first_ts)} – {fmt.day(totals.last_ts)}")
    st.caption("  \n".join(lines))
    _date_range(source)


def notice(source: DataSource) -> None:
    """Say above the page what it shows when that is easy to miss (sample, date range).

    The sample although the user chose their own file, or only the events of a date range.
    """
    if state.wants_upload() and source.kind == "sample":
        st.warning(
            f"No file uploaded yet: this page shows the bundled sample **{source.name}**, "
            "not your data. Upload your events file in the sidebar.",
            icon=":material/dataset:",
        )
    if source.ranged and not isinstance(cached.dataset(source), str):
        shown, whole = cached.summary(source).events, cached.summary(source.whole).events
        st.info(
            f"Dates {fmt.day(source.start)} – {fmt.day(source.end)} (sidebar): "
            f"{fmt.count(shown)} of {fmt.count(whole)} events, {fmt.count(whole - shown)} "
            "left out.",
            icon=":material/date_range:",
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
