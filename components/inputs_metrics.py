"""Widgets that build a MetricSpec: a template picker and a custom-definition form."""

import re
from dataclasses import dataclass
from datetime import date
from typing import Final

import streamlit as st

from components import cached, render, state
from components.state import DataSource
from nsm_core import governance, metrics
from nsm_core.governance import GovernanceCard
from nsm_core.metrics import AGGREGATIONS, METRIC_TYPES, Exclusions, Filter, MetricSpec
from nsm_core.metrics.words import AGGREGATION_WORDS
from nsm_core.schema import ACCOUNT, REVENUE, DataError

GRAINS: Final = {"day": "Day", "week": "Week", "month": "Month"}
AGGREGATION_LABELS: Final = {
    "distinct_users": "Distinct users (or teams)",
    "events": "Number of events",
    "revenue": "Sum of revenue",
    "property_sum": "Sum of a numeric property",
    "users_reaching": "Users reaching a threshold",
    "days_to_value": "Days to first counted event",
}
FOCUS_LABELS: Final = {
    "north_star": "North Star",
    "breadth": "breadth",
    "depth": "depth",
    "frequency": "frequency",
    "efficiency": "efficiency",
}
OPS: Final = {
    "in": "is one of",
    "not_in": "is not one of",
    "ge": "≥",
    "gt": ">",
    "le": "≤",
    "lt": "<",
}
NONE: Final = "(none)"


@dataclass(frozen=True, slots=True)
class Properties:
    """The dataset's property columns: all of them, and the numeric ones."""

    names: tuple[str, ...]
    numeric: tuple[str, ...]
    has_accounts: bool = False


def properties(source: DataSource) -> Properties:
    """Return the property columns of the dataset (revenue counts as numeric)."""
    catalog = cached.property_catalog(source)
    names = catalog.get_column("property").to_list()
    kinds = catalog.get_column("type").to_list()
    numeric = [n for n, k in zip(names, kinds, strict=True) if re.match(r"U?Int|Float", k)]
    accounts = ACCOUNT in cached.events(source).columns
    return Properties((REVENUE, *names), (REVENUE, *numeric), accounts)


def template_label(fit: metrics.TemplateFit) -> str:
    """Return how a template reads in a picker: its name and what it is."""
    t = fit.template
    if t.focus == "north_star":
        return f"{t.spec.name} (North Star, like {t.example})"
    parent = metrics.TEMPLATES[t.parent].spec.name
    return f"{fit.spec.name if fit.spec else t.spec.name} ({FOCUS_LABELS[t.focus]} of {parent})"


def template_picker(source: DataSource, key: str, *, focus: bool = True) -> MetricSpec | None:
    """Return the spec of the template the user picks (None when none fits the data)."""
    fits = cached.metric_templates(source)
    usable = [f for f in fits if f.ok and (focus or f.template.focus == "north_star")]
    missing = [f for f in fits if not f.ok and f.template.focus == "north_star"]
    if missing:
        lacks = "; ".join(
            f"**{f.template.spec.name}** needs {' and '.join(f.missing)}" for f in missing
        )
        st.caption(f"Not available on this data: {lacks}.")
    if not usable:
        st.info("No template fits this dataset; define a custom metric instead.")
        return None
    chosen = st.selectbox(
        "Template",
        range(len(usable)),
        format_func=lambda i: template_label(usable[i]),
        key=key,
        help="Well-known North Stars and their breadth (how many), depth (how much), frequency "
        "(how often) and efficiency (how fast) focus metrics, mapped to your events.",
    )
    return usable[chosen].spec


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in re.split(r"[,\n]", text) if part.strip())


def _counting(spec: MetricSpec, events: list[str], props: Properties, key: str) -> dict:
    cols = st.columns(3)
    chosen = cols[0].multiselect(
        "Events counted",
        events,
        default=[e for e in spec.events if e in events],
        key=f"{key}_events",
        help="Leave empty to count every event.",
    )
    aggregation = cols[1].selectbox(
        "Aggregation",
        AGGREGATIONS,
        index=AGGREGATIONS.index(spec.aggregation),
        format_func=AGGREGATION_LABELS.get,
        key=f"{key}_aggregation",
        help="; ".join(f"{AGGREGATION_LABELS[a]}: {w}" for a, w in AGGREGATION_WORDS.items()),
    )
    numeric = list(props.numeric)
    column = cols[2].selectbox(
        "Numeric property (for sums)",
        numeric,
        index=numeric.index(spec.value_column) if spec.value_column in numeric else 0,
        key=f"{key}_column",
        help="Summed when the aggregation is 'Sum of a numeric property'.",
    )
    cols = st.columns(4)
    return {
        "events": tuple(chosen),
        "aggregation": aggregation,
        "value_column": column if aggregation == "property_sum" else None,
        "threshold": int(cols[0].number_input(
            "Threshold (events per period)", 1, 1000, spec.threshold, key=f"{key}_threshold",
            help="For 'Users reaching a threshold': e.g. 2 = ordered at least twice in the period.",
        )),
        "per_user": cols[1].toggle(
            "Per user", spec.per_user, key=f"{key}_per_user",
            help="Divide events or sums by the users (or teams) with a counted event.",
        ),
        "entity": "account" if cols[2].toggle(
            "Count teams (account_id)", spec.entity == "account" and props.has_accounts,
            key=f"{key}_entity", disabled=not props.has_accounts,
            help="Count accounts instead of users; needs an account_id column"
            + ("." if props.has_accounts else ", which this data does not have."),
        ) else "user",
        "grain": cols[3].segmented_control(
            "Time grain", list(GRAINS), default=spec.grain, required=True,
            format_func=GRAINS.get, key=f"{key}_grain", help="Calendar periods, UTC.",
        ),
    }  # fmt: skip


def _filter(spec: MetricSpec, props: Properties, key: str, *, exclusion: bool) -> Filter | None:
    current = (spec.exclusions.user_filters if exclusion else spec.filters)[:1]
    label = "Exclude users whose" if exclusion else "Only events where"
    cols = st.columns(3)
    names = [NONE, *props.names]
    first = current[0] if current else None
    column = cols[0].selectbox(
        label,
        names,
        index=names.index(first.column) if first and first.column in names else 0,
        key=f"{key}_col",
        help="A property column; (none) = no condition.",
    )
    op = cols[1].selectbox(
        "Condition",
        list(OPS),
        index=list(OPS).index(first.op) if first else 0,
        format_func=OPS.get,
        key=f"{key}_op",
        help="Text conditions ignore case.",
    )
    default = (
        ", ".join(first.values)
        if first and first.values
        else (f"{first.number:g}" if first and first.number is not None else "")
    )
    raw = cols[2].text_input(
        "Values (comma-separated) or number",
        default,
        key=f"{key}_values",
        help="e.g. internal, test — or 0 for a numeric condition.",
    )
    if column == NONE:
        return None
    if op in ("in", "not_in"):
        return Filter(column, op, _split(raw))
    try:
        return Filter(column, op, number=float(raw))
    except ValueError as err:
        raise DataError(f"The condition on {column!r} needs a number, not {raw!r}.") from err


def _exclusions(spec: MetricSpec, props: Properties, key: str) -> Exclusions:
    ex = spec.exclusions
    ids = st.text_area(
        "Exclude these user ids",
        ", ".join(ex.user_ids),
        key=f"{key}_ids",
        height=68,
        help="Staff, test and demo accounts; comma- or line-separated.",
    )
    user_filter = _filter(spec, props, f"{key}_ex", exclusion=True)
    cols = st.columns(2)
    refunds = cols[0].toggle(
        "Exclude refunds", ex.refunds, key=f"{key}_refunds", help="Drop rows with negative revenue."
    )
    bots = cols[1].number_input(
        "Bots: more than this many events in a day (0 = off)",
        0,
        1_000_000,
        ex.bot_events_per_day or 0,
        key=f"{key}_bots",
        help="A user above this on any one day is treated as a bot and left out.",
    )
    return Exclusions(
        _split(ids), (user_filter,) if user_filter else (), refunds, int(bots) or None
    )


def _about(spec: MetricSpec, key: str) -> dict:
    cols = st.columns(4)
    name = cols[0].text_input("Name", spec.name, key=f"{key}_name", help="What the team calls it.")
    kind = cols[1].selectbox(
        "Type",
        METRIC_TYPES,
        index=METRIC_TYPES.index(spec.kind),
        key=f"{key}_kind",
        help="Usage, outcome, revenue-adjacent or marketplace.",
    )
    unit = cols[2].text_input("Unit", spec.unit, key=f"{key}_unit", help="e.g. users, orders, $.")
    owner = cols[3].text_input(
        "Owner", spec.owner, key=f"{key}_owner", help="The person who answers for the metric."
    )
    return {"name": name, "kind": kind, "unit": unit, "owner": owner}


def metric_form(
    source: DataSource, initial: MetricSpec, key: str, submit: str
) -> MetricSpec | None:
    """Return the spec the user submits in a form (None until submitted, or if invalid)."""
    events = cached.event_catalog(source).get_column("event").to_list()
    props = properties(source)
    with st.form(key):
        about = _about(initial, key)
        counting = _counting(initial, events, props, key)
        try:
            only = _filter(initial, props, f"{key}_only", exclusion=False)
            with st.expander("Exclusions", icon=":material/block:"):
                excluded = _exclusions(initial, props, key)
        except DataError as err:
            st.form_submit_button(submit)
            st.error(str(err), icon=":material/error:")
            return None
        submitted = st.form_submit_button(submit, type="primary")
    if not submitted:
        return None
    try:
        filters = (only,) if only else ()
        return MetricSpec(**about, **counting, filters=filters, exclusions=excluded,
                          description=initial.description)  # fmt: skip
    except DataError as err:
        st.error(str(err), icon=":material/error:")
        return None


def guardrail_picker(source: DataSource, card: GovernanceCard) -> GovernanceCard:
    """Return the card with the guardrails the user picks (templates and named ones)."""
    fits = [f for f in cached.metric_templates(source) if f.ok and f.spec != card.spec]
    by_label = {template_label(f): f.spec for f in fits}
    current = [g for g in card.guardrails if g.spec is not None]
    chosen = st.multiselect(
        "Guardrail metrics",
        list(by_label),
        default=[label for label, spec in by_label.items() if spec in {g.spec for g in current}],
        key="ns_guardrails",
        help="Metrics that must not get worse while the North Star is pushed up "
        "(refund rate, support contacts, revenue). Shown beside the card.",
    )
    named = st.text_input(
        "Other guardrails (names, comma-separated)",
        ", ".join(g.name for g in card.guardrails if g.spec is None),
        key="ns_named_guardrails",
        help="Guardrails the data cannot compute, e.g. NPS or on-time delivery.",
    )
    picked = [governance.Guardrail(by_label[label].name, by_label[label]) for label in chosen]
    # Named guardrails keep their notes (the Health page writes limits there).
    existing = {g.name: g for g in card.guardrails if g.spec is None}
    picked += [existing.get(name, governance.Guardrail(name)) for name in _split(named)]
    return governance.with_guardrails(card, tuple(picked))


def change_form(card: GovernanceCard, after: MetricSpec) -> GovernanceCard | None:
    """Return the card with `after` logged as a change, once the user submits the form."""
    with st.form("ns_change"):
        st.markdown(f"**Log a change to version {card.version + 1}**")
        cols = st.columns([1, 2, 1])
        author = cols[0].text_input("Author", key="ns_author", help="Who made the change.")
        reason = cols[1].text_input(
            "Reason",
            key="ns_reason",
            help="Why the definition changes, e.g. 'exclude QA accounts'.",
        )
        when = cols[2].date_input("Date", date.today(), key="ns_when", help="When it takes effect.")
        submitted = st.form_submit_button("Record the change", type="primary")
    if not submitted:
        return None
    try:
        return governance.change(card, after, author=author, reason=reason, when=when)
    except DataError as err:
        st.error(str(err), icon=":material/error:")
        return None


def card_import() -> GovernanceCard | None:
    """Return the card in a newly uploaded JSON file (once); a broken file shows an error."""
    upload = st.file_uploader(
        "Import a governance card (JSON)",
        type=["json"],
        key="ns_import",
        help="A card exported from this page; it replaces the current card.",
    )
    if upload is None:
        return None
    try:
        card = governance.from_json(upload.getvalue())
    except DataError as err:
        st.error(f"{upload.name}: {err}", icon=":material/error:")
        return None
    if state.card_import_done(upload.file_id):
        return None
    state.mark_card_imported(upload.file_id)
    return card


def card_downloads(card: GovernanceCard) -> None:
    """Offer the card as Markdown and as JSON."""
    render.markdown_and_json(
        governance.to_markdown(card), governance.to_json(card), stem="north_star_card", what="card"
    )
