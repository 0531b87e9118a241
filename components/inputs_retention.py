"""Widgets of the Retention page: which view, and the settings that build each spec."""

from typing import Final

import streamlit as st

from nsm_core import retention
from nsm_core._types import Period

VIEWS: Final = {
    "cohorts": "Cohort retention",
    "lifecycle": "Lifecycle",
    "stickiness": "Stickiness",
    "penny": "Penny gap",
}
PERIODS: Final = {"day": "Day", "week": "Week", "month": "Month"}
KINDS: Final = {"n_period": "In period k", "unbounded": "In k or later"}
ANCHORS: Final = {"user": "Own start", "calendar": "Calendar"}
MEASURES: Final = {"users": "Users", "revenue": "Revenue"}
UNITS: Final = {"user": "Users", "account": "Accounts"}
WINDOWS: Final = {"month": "Month", "week": "Week"}
DEFAULT_PERIODS: Final = {"day": 30, "week": 12, "month": 12}
ANY: Final = "Any event"
PAYMENT: Final = "A payment (revenue > 0)"


def view() -> str:
    """Return the view the user picked (only that one is computed)."""
    return st.segmented_control(
        "View",
        list(VIEWS),
        default="cohorts",
        required=True,
        format_func=VIEWS.get,
        key="retention_view",
        help="Each view is computed only when you pick it.",
    )


def unit(available: retention.Available) -> retention.Unit:
    """Return whether users or accounts are counted (accounts only with an account_id)."""
    if not available.has_account:
        return "user"
    return st.segmented_control(
        "Count",
        list(UNITS),
        default="user",
        required=True,
        format_func=UNITS.get,
        key="retention_unit",
        help="Accounts: a team or company counts as one unit, active when any member is "
        "(account_id). Users: each person counts.",
    )


def period(label: str = "Period", key: str = "retention_period") -> Period:
    """Return the period length (also the cohort length)."""
    return st.segmented_control(
        label,
        list(PERIODS),
        default="week",
        required=True,
        format_func=PERIODS.get,
        key=key,
        help="Cohorts group users by the day, week (Monday to Sunday) or month of their start, "
        "in UTC; retention is counted in periods of the same length.",
    )


def event(label: str, events: tuple[str, ...], key: str, help_text: str) -> str | None:
    """Return an event name, or None for "any event"."""
    picked = st.selectbox(label, [ANY, *events], key=key, help=help_text)
    return None if picked == ANY else picked


def _segment(segments: list[str], key: str) -> str | None:
    picked = st.selectbox(
        "Split by",
        ["(no split)", *segments],
        key=key,
        help="A property such as channel or device. Each user counts under the value on their "
        "first event that has one (first touch); the splits add up to the total.",
    )
    return None if picked == "(no split)" else picked


def _kind(measure: retention.Measure) -> retention.Kind:
    """Return what counts as retained; revenue is always that of period k itself."""
    kind = st.segmented_control(
        "Counts as retained",
        list(KINDS),
        default="n_period",
        required=True,
        format_func=KINDS.get,
        key="retention_kind",
        disabled=measure == "revenue",
        help="In period k: came back in period k (Amplitude 'N-day', Mixpanel 'On'). "
        "In k or later: came back in k or any later period (Amplitude 'Unbounded', "
        "Mixpanel 'On or after'); it never rises with k. Revenue is always the revenue of "
        "period k itself.",
    )
    return "n_period" if measure == "revenue" else kind


def retention_spec(
    available: retention.Available, segments: list[str], count: retention.Unit, length: Period
) -> retention.RetentionSpec:
    """Return the cohort-retention spec from its settings widgets."""
    first, second, third = st.columns(3)
    with third:
        measures = list(MEASURES) if available.has_revenue else ["users"]
        measure = st.segmented_control(
            "Measure",
            measures,
            default="users",
            required=True,
            format_func=MEASURES.get,
            key="retention_measure",
            help="Revenue: every number becomes revenue retention, revenue in period k / the "
            "cohort's revenue in period 0 (net revenue retention, can exceed 100%). Needs a "
            "revenue column.",
        )
        segment = _segment(segments, "retention_segment")
    with first:
        kind = _kind(measure)
        anchor = st.segmented_control(
            "Periods counted from",
            list(ANCHORS),
            default="user",
            required=True,
            format_func=ANCHORS.get,
            key="retention_anchor",
            help="Own start: period k is 24 h / 7 d / 30 d windows from each user's first "
            "start event (Amplitude, Mixpanel). Calendar: whole calendar days, Monday weeks or "
            "months between the cohort's period and the activity (PostHog).",
        )
    with second:
        start = event(
            "Start event",
            available.events,
            "retention_start",
            "The event that puts a user into a cohort, at its first occurrence.",
        )
        back = event(
            "Return event",
            available.events,
            "retention_return",
            "The event that counts as coming back.",
        )
    periods = st.slider(
        "Periods shown",
        1,
        90 if length == "day" else 52,
        DEFAULT_PERIODS[length],
        key=f"retention_max_periods_{length}",
        help="Periods 0 to this number after each cohort's start.",
    )
    return retention.RetentionSpec(
        period=length,
        kind=kind,
        anchor=anchor,
        start_event=start,
        return_event=back,
        measure=measure,
        segment=segment,
        max_periods=periods,
        unit=count,
    )


def window() -> retention.Window:
    """Return the window of the power-user curve."""
    return st.segmented_control(
        "Power-user window",
        list(WINDOWS),
        default="month",
        required=True,
        format_func=WINDOWS.get,
        key="retention_window",
        help="Count each user's active days within each calendar month (or Monday week).",
    )


def penny_spec(
    available: retention.Available, segments: list[str], count: retention.Unit, length: Period
) -> retention.PennySpec:
    """Return the penny-gap spec from its settings widgets."""
    left, right = st.columns(2)
    with left:
        options = [PAYMENT, *available.events] if available.has_revenue else list(available.events)
        picked = st.selectbox(
            "Value event",
            options,
            key="retention_value_event",
            help="The event that delivers value (an order, a payment). With a revenue column "
            "the default is any event with revenue above zero.",
        )
    with right:
        segment = _segment(segments, "retention_penny_segment")
    value = None if picked == PAYMENT else picked
    return retention.PennySpec(value_event=value, period=length, segment=segment, unit=count)
