"""Widgets of the Health page: which events count, guardrail limits, attach to the card."""

from typing import Final

import streamlit as st

from components import cached, state
from components.state import DataSource
from nsm_core import health
from nsm_core.health import GUARDRAILS, Guardrail, GuardrailStatus, Signals

_OVERRIDABLE: Final = ("ticket", "refund", "unsubscribe", "error", "lead", "mql", "sql", "customer")
_NONE: Final = "(none)"


def signals(source: DataSource) -> Signals:
    """Return the signals to use: as detected, with the user's corrections from an expander."""
    found = cached.health_signals(source)
    names = cached.event_catalog(source)["event"].to_list()
    columns = health.numeric_properties(cached.property_catalog(source))
    chosen = found
    with st.expander("Which events and columns count", icon=":material/tune:"):
        st.caption("Found by name; correct them when your events are named differently.")
        cols = st.columns(4)
        for i, key in enumerate(_OVERRIDABLE):
            picked = cols[i % 4].multiselect(
                health.SIGNAL_TITLES[key].capitalize(),
                names,
                default=[n for n in found.of(key) if n in names],
                key=f"health_signal_{key}",
                help=f"Events that count as {health.SIGNAL_TITLES[key]}.",
            )
            chosen = chosen.with_events(key, tuple(picked))
        nps = _column_choice(cols[0], "NPS score column (0–10)", columns, found.nps_column)
        latency = _column_choice(cols[1], "Latency column (ms)", columns, found.latency_column)
    return Signals(tuple((k, v) for k, v in chosen.events if v), nps, latency)


def _column_choice(
    where: object, label: str, columns: list[str], detected: str | None
) -> str | None:
    options = [_NONE, *columns]
    value = where.selectbox(
        label,
        options,
        index=options.index(detected) if detected in options else 0,
        key=f"health_{label.split()[0].lower()}_column",
        help="A numeric property of your events.",
    )
    return None if value == _NONE else value


def _limit_input(where: object, guardrail: Guardrail) -> float:
    info = guardrail.info
    word = "at most" if info.limit == "max" else "at least"
    if info.unit == "share":
        percent = where.number_input(
            f"{info.title} ({word}, %)",
            min_value=0.0,
            max_value=100.0,
            value=guardrail.threshold * 100,
            step=0.5,
            key=f"guardrail_{guardrail.key}",
            help=info.formula,
        )
        return percent / 100
    return where.number_input(
        f"{info.title} ({word}, per 100 active users)",
        min_value=0.0,
        value=guardrail.threshold,
        step=0.5,
        key=f"guardrail_{guardrail.key}",
        help=info.formula,
    )


def guardrail_limits() -> tuple[Guardrail, ...]:
    """Draw the limits form; return the guardrails with the limits last applied."""
    with st.form("guardrail_limits", enter_to_submit=False):
        cols = st.columns(len(GUARDRAILS))
        chosen = tuple(
            Guardrail(g.key, _limit_input(col, g))
            for col, g in zip(cols, health.default_guardrails(), strict=True)
        )
        st.form_submit_button("Apply limits", key="guardrail_apply")
    return chosen


def attach_control(statuses: tuple[GuardrailStatus, ...]) -> None:
    """Offer to attach measurable guardrails to the North Star's governance card."""
    card = state.north_star_card()
    if card is None:
        st.info(
            "Create the North Star's governance card on the North Star page to attach these "
            "guardrails to it.",
            icon=":material/info:",
        )
        return
    measurable = [s for s in statuses if s.state != "unknown"]
    picked = st.multiselect(
        "Guardrails to attach to the North Star's card",
        range(len(measurable)),
        default=range(len(measurable)),
        format_func=lambda i: measurable[i].guardrail.info.title,
        key="guardrail_attach_pick",
        help="Each is written on the card with its limit, formula and last value; one "
        "already on the card under the same name is replaced.",
    )
    if st.button("Attach to the card", key="guardrail_attach", icon=":material/add_link:"):
        updated = health.attach(card, tuple(measurable[i] for i in picked))
        state.set_north_star_card(updated)
        st.success(
            f"The card now lists {len(updated.guardrails)} guardrails.",
            icon=":material/check:",
        )
