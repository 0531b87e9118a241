"""Widgets of the Workshop page: candidates, custom candidates, the scoring matrix, exports."""

from dataclasses import replace

import streamlit as st

from components import cached, render, state
from components.inputs_metrics import metric_form, template_label
from components.state import DataSource
from nsm_core import metrics, workshop
from nsm_core.metrics import MetricSpec
from nsm_core.workshop import CandidateReview


def candidate_options(source: DataSource) -> dict[str, MetricSpec]:
    """Return the candidates a workshop can pick: the North Star, custom ones, templates, events."""
    card = state.north_star_card()
    options = {f"{card.spec.name} (our North Star)": card.spec} if card else {}
    options |= {f"{spec.name} (custom)": spec for spec in state.workshop_session().custom}
    fits = cached.metric_templates(source)
    options |= {template_label(f): f.spec for f in fits if f.ok and f.spec is not None}
    names = cached.event_catalog(source).get_column("event").to_list()
    repeats = workshop.repeats(cached.event_usage(source))
    return options | {spec.name: spec for spec in metrics.event_metrics(names, repeats)}


def _first_screen(source: DataSource, options: dict[str, MetricSpec]) -> list[str]:
    """Return the labels compared before anything is picked: our North Star, then the data's."""
    card = state.north_star_card()
    labels = {spec: label for label, spec in reversed(options.items())}
    specs = workshop.first_screen(cached.metric_templates(source), cached.event_usage(source))
    first = [labels[card.spec]] if card else []
    return list(dict.fromkeys([*first, *(labels[s] for s in specs if s in labels)]))[:6]


def candidate_picker(source: DataSource, options: dict[str, MetricSpec]) -> list[MetricSpec]:
    """Return the 3 to 6 candidates the facilitator picks (names made unique)."""
    session = state.workshop_session()
    default = [c for c in session.chosen if c in options] or _first_screen(source, options)
    chosen = st.multiselect(
        "Candidate North Stars (3 to 6)",
        list(options),
        default=default,
        max_selections=6,
        help="Templates mapped to your events, candidates built from your own events (who "
        "did it, who did it often), custom metrics added below and the current North Star. "
        "The first screen compares the templates that name your events with the events "
        "whose first-week use goes most with staying. Each is checked on your data.",
    )
    state.set_workshop_session(replace(session, chosen=tuple(chosen)))
    specs, seen = [], set()
    for label in chosen:
        spec = options[label]
        name = spec.name if spec.name not in seen else f"{spec.name} ({len(seen) + 1})"
        seen.add(name)
        specs.append(spec if name == spec.name else replace(spec, name=name))
    return specs


def add_custom_candidate(source: DataSource) -> None:
    """Offer a form that adds a custom candidate to the workshop."""
    with st.expander("Add a custom candidate", icon=":material/add:"):
        spec = metric_form(source, MetricSpec("My candidate"), "ws_custom", "Add candidate")
    if spec is None:
        return
    session = state.workshop_session()
    label = f"{spec.name} (custom)"
    custom = (*(s for s in session.custom if s.name != spec.name), spec)
    chosen = (*(c for c in session.chosen if c != label), label)[-6:]
    state.set_workshop_session(replace(session, custom=custom, chosen=chosen))
    st.rerun()


def reviews(source: DataSource, specs: list[MetricSpec]) -> tuple[CandidateReview, ...]:
    """Return each candidate's data checks; one that cannot be computed shows a warning."""
    done = []
    for spec in specs:
        result = cached.candidate_review(source, spec)
        if isinstance(result, str):
            st.warning(f"{spec.name}: {result}", icon=":material/warning:")
        else:
            done.append(result)
    return tuple(done)


def _score_columns() -> dict:
    number = st.column_config.NumberColumn
    score = {c: number(c, min_value=1, max_value=5, step=1, help="1 = poor, 5 = excellent")
             for c in workshop.CRITERIA}  # fmt: skip
    votes = st.column_config.NumberColumn("Votes", min_value=0, step=1, help="Votes in the room.")
    return {**score, "Votes": votes}


def score_editors(found: tuple[CandidateReview, ...]) -> tuple[object, object]:
    """Return the (scores, weights) tables as the facilitator edits them (kept in the session)."""
    session = state.workshop_session()
    version = session.editor_version
    left, right = st.columns([3, 1])
    weights = right.data_editor(
        workshop.weights_from(session.weights),
        hide_index=True,
        disabled=["Criterion"],
        key=f"ws_weights_{version}",
        column_config={"Weight": st.column_config.NumberColumn(min_value=0.0, step=0.5)},
    )
    scores = left.data_editor(
        workshop.apply_saved(workshop.suggested_scores(found), session.scores),
        hide_index=True,
        disabled=["Candidate"],
        key=f"ws_scores_{version}",
        column_config=_score_columns(),
    )
    state.set_workshop_session(
        replace(session, scores=tuple(scores.rows()), weights=tuple(weights.rows()))
    )
    return scores, weights


def reset_scores() -> None:
    """Offer a button that puts the data's suggested scores and equal weights back."""
    if st.button("Reset scores to the data's suggestions", icon=":material/restart_alt:"):
        session = state.workshop_session()
        fresh = replace(session, scores=(), weights=(), editor_version=session.editor_version + 1)
        state.set_workshop_session(fresh)
        st.rerun()


def result_downloads(result: workshop.WorkshopResult) -> None:
    """Offer the session's result as Markdown and JSON."""
    render.markdown_and_json(
        workshop.result_markdown(result),
        workshop.result_json(result),
        stem="north_star_workshop",
        what="the session",
    )
