"""Widgets of the High-value moments page: what a moment is and what it should lead to."""

from collections.abc import Sequence
from typing import Final

import polars as pl
import streamlit as st

from nsm_core import moments
from nsm_core.governance import GovernanceCard
from nsm_core.metrics import MetricSpec, TemplateFit
from nsm_core.moments import text

THRESHOLDS: Final = (1, 2, 3, 5, 10, 20)
NORTH_STAR: Final = "north_star"
OUTCOMES: Final = {"retained": "Retention", "revenue": "Revenue"}
NORTH_STAR_PAGE: Final = "app_pages/north_star.py"
CRM_ORDERS: Final = {"sequence": "Natural sequence", "lift": "Largest lift"}


def _outcome_window(window: int) -> tuple[int, int]:
    """Return the outcome window slider's value (it always starts after the moment window)."""
    low, high = max(8, window), max(35, window + 7)
    # The key follows the moment window so the slider resets instead of holding a range
    # that now overlaps the moment window.
    return st.slider(
        "Outcome measured on days",
        min_value=window,
        max_value=max(90, high),
        value=(low, high),
        key=f"moments_outcome_window_{window}",
        help="Own days after each user's first event (day 0). It starts after the moment "
        "window, so the outcome cannot cause the moment. Users not yet observed through its "
        "last day are left out.",
    )


def _confounders(segments: list[str]) -> tuple[str, ...]:
    """Return the confounders chosen (first-touch properties and early activity)."""
    options = [*segments, *moments.ACTIVITY]
    default = [p for p in moments.AUTO_PROPERTIES if p in segments] + list(moments.ACTIVITY)
    return tuple(
        st.multiselect(
            "Adjust for",
            options,
            default=default,
            format_func=lambda c: text.CONFOUNDER_LABELS.get(c, f"{c} (first touch)"),
            key="moments_confounders",
            help="What differs between users before the moment and also drives the outcome. "
            "Properties take each user's value on their first event; activity leaves out the "
            "moment's own event.",
        )
    )


def _templates(fits: Sequence[TemplateFit]) -> dict[str, MetricSpec]:
    """Return name -> spec of the North Star templates that fit the data and can be outcomes."""
    return {
        f.spec.name: f.spec
        for f in fits
        if f.ok and f.template.focus == "north_star" and not moments.north_star_problem(f.spec)
    }


def _north_star(card: GovernanceCard | None, fits: Sequence[TemplateFit]) -> MetricSpec | None:
    """Return the North Star to measure moments against: the adopted one, else a template."""
    if card is not None:
        return card.spec
    st.caption("No North Star adopted yet: try a well-known one that fits your data.")
    st.page_link(NORTH_STAR_PAGE, label="Adopt your own North Star", icon=":material/star:")
    stars = _templates(fits)
    if not stars:
        st.info("No North Star template fits this data, so the outcome stays retention.")
        return None
    name = st.selectbox(
        "North Star template",
        list(stars),
        key="moments_north_star_template",
        help="A well-known North Star mapped to your events; each user's outcome is their own "
        "part of it in the outcome window.",
    )
    return stars[name]


def _outcome_label(card: GovernanceCard | None) -> dict[str, str]:
    """Return the outcome choices in words (the North Star by name once one is adopted)."""
    star = f"Our North Star ({card.spec.name})" if card else "A North Star (template)"
    return {**OUTCOMES, NORTH_STAR: star}


def moment_spec(
    segments: list[str],
    catalog: pl.DataFrame,
    card: GovernanceCard | None = None,
    fits: Sequence[TemplateFit] = (),
) -> moments.MomentSpec:
    """Return the spec from the settings widgets.

    segments: properties fit to split by; catalog: the event catalog (its event names);
    card: the adopted North Star (None until one is); fits: the metric templates mapped to
    the data, offered as the North Star while none is adopted.
    """
    events = catalog["event"].to_list()
    labels = _outcome_label(card)
    with st.expander("Settings", icon=":material/tune:"):
        left, mid, right = st.columns(3)
        window = left.slider(
            "Moment window (days)",
            1,
            14,
            7,
            key="moments_window",
            help="A moment is something a user did in their first N days (day 0 = first event).",
        )
        outcome = mid.segmented_control(
            "Outcome",
            list(labels),
            default="retained",
            required=True,
            format_func=labels.get,
            key="moments_outcome",
            help="Retention: any activity (or the event below) in the outcome window. "
            "Revenue: revenue per user in the outcome window. North Star: each user's own "
            "part of it in the outcome window (counted or not, or their orders, revenue...).",
        )
        star = None
        if outcome == NORTH_STAR:
            with mid:
                star = _north_star(card, fits)
        back = right.selectbox(
            "Counts as retained",
            [None, *events],
            format_func=lambda e: "Any activity" if e is None else e,
            key="moments_return_event",
            disabled=outcome != "retained",
            help="Which event in the outcome window counts as staying.",
        )
        with left:
            outcome_window = _outcome_window(window)
        with mid:
            confounders = _confounders(segments)
        thresholds = right.multiselect(
            "Times done (thresholds)",
            THRESHOLDS,
            default=[1, 2, 3, 5, 10],
            key="moments_thresholds",
            help="Each event is tried as 'did it at least k times' for every k chosen.",
        )
        min_users = right.number_input(
            "Fewest users on each side",
            min_value=10,
            max_value=10_000,
            value=50,
            step=10,
            key="moments_min_users",
            help="Below this many users who did (or did not) reach a moment, it gets no verdict.",
        )
    return moments.MomentSpec(
        window_days=window,
        outcome=star if star is not None else ("revenue" if outcome == "revenue" else "retained"),
        outcome_window=outcome_window,
        return_event=back if outcome == "retained" else None,
        confounders=confounders,
        thresholds=tuple(sorted(thresholds)),
        min_users=int(min_users),
        segments=tuple(segments),
    )


def segment_choice(segments: list[str], key: str) -> str | None:
    """Return the property to split by (channel when there is one), None if there is none."""
    if not segments:
        return None
    return st.selectbox(
        "Split by",
        segments,
        index=segments.index("channel") if "channel" in segments else 0,
        key=key,
        help="A property of the user's first event (channel, device, plan...).",
    )


def crm_spec(segments: list[str]) -> moments.CrmSpec:
    """Return who the CRM list keeps and how it orders each user's moments."""
    left, mid, right = st.columns(3)
    with left:
        segment = segment_choice(segments, key="moments_users_segment")
    days = mid.number_input(
        "Active in the last (days)",
        min_value=1,
        max_value=3650,
        value=30,
        step=1,
        key="moments_crm_active_days",
        help="Users past their moment window stay on the list only if their last event is "
        "this recent; users still inside their window are always on it.",
    )
    order = right.segmented_control(
        "Order each user's moments by",
        list(CRM_ORDERS),
        default="sequence",
        required=True,
        format_func=CRM_ORDERS.get,
        key="moments_crm_order",
        help="Natural sequence: the order achievers reach the moments in. Largest lift: the "
        "moment with the largest lift in the user's segment first.",
    )
    return moments.CrmSpec(active_days=int(days), order=order, segment=segment)
