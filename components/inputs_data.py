"""Widgets of the Data page: how to read an upload, and the quality report."""

import streamlit as st

from components import cached, render, state
from components.state import DataSource, LoadOptions
from nsm_core import fmt, io, quality
from nsm_core.schema import QualityReport

AUTO = "(detect)"
ROLES = {
    "user_id": "User column",
    "event": "Event column",
    "ts": "Time column",
    "revenue": "Revenue column",
    "account_id": "Account column",
}


def _choice(label: str, options: list[str], current: str | None, help_text: str) -> str | None:
    """Return a select box's choice, None for "(detect)"."""
    values = [AUTO, *options]
    index = values.index(current) if current in values else 0
    picked = st.selectbox(label, values, index=index, help=help_text)
    return None if picked == AUTO else picked


def _mapping_inputs(columns: list[str], current: LoadOptions) -> dict[str, str]:
    mapped = dict(current.mapping)
    detected = io.detect_columns(columns, current.preset) if columns else {}
    picked = {}
    for slot, (role, label) in zip(st.columns(len(ROLES)), ROLES.items(), strict=True):
        with slot:
            guess = detected.get(role)
            help_text = f"Detected: {guess}" if guess else "Not detected in the file."
            choice = _choice(label, columns, mapped.get(role), help_text)
        if choice:
            picked[role] = choice
    return picked


def load_options_form(source: DataSource) -> None:
    """Draw the format / preset / column-mapping form; applying it reloads the file."""
    current = state.options()
    columns = cached.upload_columns(source.whole, current.format)
    if isinstance(columns, str):
        st.error(columns, icon=":material/error:")
        columns = []
    with st.form("load_options_form"):
        st.markdown("**How to read your file**")
        left, middle, right = st.columns(3)
        with left:
            file_format = _choice(
                "File format", list(io.FORMATS), current.format, "Detected from the contents."
            )
        with middle:
            preset = _choice(
                "Export preset",
                list(io.PRESETS),
                current.preset,
                "Column names of a known analytics export; detection works without one.",
            )
        with right:
            event_name = st.text_input(
                "Event name if there is no event column",
                value=current.event_name,
                help="A purchase log has no event column: every row becomes this event.",
            )
        mapping = _mapping_inputs(columns, current)
        if st.form_submit_button("Apply", type="primary", icon=":material/check:"):
            state.set_options(
                LoadOptions(
                    file_format, preset, tuple(sorted(mapping.items())), event_name or "purchase"
                )
            )
            st.rerun()


def quality_report(report: QualityReport, columns: tuple[tuple[str, str], ...]) -> None:
    """Show what loading did: rows read and kept, drops by reason, totals, notes."""
    st.subheader("Data quality")
    cols = st.columns(5)
    cols[0].metric("Rows read", fmt.count(report.rows_read))
    cols[1].metric(
        "Rows kept",
        fmt.count(report.rows_kept),
        help="Rows that passed cleaning; every dropped row is counted below by reason.",
    )
    cols[2].metric("Users", fmt.count(report.users))
    cols[3].metric("Revenue", fmt.money(report.revenue_total, compact=True), help="Net of refunds.")
    cols[4].metric(
        "Refunds",
        fmt.count(report.refunds),
        help=f"Rows with negative revenue, {fmt.money(report.refund_total)} in all.",
    )
    st.caption(
        f"{fmt.count(report.event_types)} event types from {fmt.day(report.first_ts)} to "
        f"{fmt.day(report.last_ts)} (UTC). Columns used: "
        + ", ".join(f"{role} ← {column}" for role, column in columns)
    )
    for note in report.notes:
        st.info(note, icon=":material/info:")
    st.info(quality.repeats_note(report.repeats), icon=":material/content_copy:")
    if report.drops:
        st.warning(
            f"{fmt.count(report.rows_dropped)} of {fmt.count(report.rows_read)} rows were dropped "
            "in cleaning:",
            icon=":material/filter_alt:",
        )
        render.table(quality.drops_table(report), name="rows dropped in cleaning")
    else:
        st.success("Every row was kept.", icon=":material/check_circle:")
