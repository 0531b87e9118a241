"""Widgets of the Driver tree page: root, tree, node metrics, period, shocks, the brief."""

from dataclasses import replace
from datetime import date
from typing import Final

import streamlit as st

from components import cached, state
from components.state import DataSource
from nsm_core import drivers, fmt
from nsm_core.drivers import NEW_VS_RETURNING, TEMPLATES, Node, NodeEdit, TreeSpec, TreeValues
from nsm_core.governance import GovernanceCard
from nsm_core.metrics import Filter, MetricSpec
from nsm_core.metrics.words import filter_words
from nsm_core.schema import ACCOUNT

ANY_EVENT: Final = "(any event)"
NO_CUT: Final = "(no cut)"
UNCHANGED: Final = "(as the tree has it)"
NO_CONDITION: Final = "(no condition)"
PERIODS: Final = {"day": "Day", "week": "Week", "month": "Month"}
ENTITIES: Final = {"user": "Users", "account": "Accounts (teams)"}
LEVELS: Final = {"drivers": "Direct drivers", "leaves": "Every driver"}
METHOD_NAMES: Final = {"shapley": "Shapley", "lmdi": "Log (LMDI)"}
ROOTS: Final = ("north_star", "template")
PERIOD_PICK: Final = "drivers_period_pick"


def _names(source: DataSource) -> list[str]:
    return cached.event_catalog(source).get_column("event").to_list()


def _index(options: list, value: object) -> int:
    return options.index(value) if value in options else 0


def north_star_root(card: GovernanceCard | None) -> MetricSpec | None:
    """Return the adopted North Star when the user roots the tree in it (None: a template)."""
    if card is None:
        st.caption("Adopt a North Star on the North Star page to put it at the root of this tree.")
        return None
    fit = drivers.fit_north_star(card.spec)
    if not fit.ok:
        st.info(f"{fit.reason} Showing a standard tree instead.", icon=":material/info:")
        return None
    label = drivers.root_label(card.spec)
    root = st.segmented_control(
        "Root of the tree",
        ROOTS,
        default="north_star",
        required=True,
        format_func=lambda k: label if k == "north_star" else "A standard tree",
        key="drivers_root",
        help="Your adopted North Star, split into drivers measured on its own events, "
        "filters and exclusions; or a standard tree you pick.",
    )
    if root != "north_star":
        return None
    st.caption(fit.reason)
    return card.spec


def tree_spec(source: DataSource, north_star: MetricSpec | None = None) -> TreeSpec:
    """Return the tree the user picked: root, template, events, entity, period, segment."""
    if north_star is not None:
        return _north_star_spec(source, north_star)
    names = _names(source)
    columns = cached.events(source).columns
    has_revenue = cached.summary(source).revenue != 0
    suggested = drivers.suggest_spec(names, columns, has_revenue=has_revenue)
    top = st.columns([2, 2, 2, 2])
    template = top[0].selectbox(
        "Tree",
        list(TEMPLATES),
        index=_index(list(TEMPLATES), suggested.template),
        format_func=lambda k: TEMPLATES[k].title,
        key=f"drivers_template_{source.key}",
        help="The standard tree to build. " + " ".join(t.description for t in TEMPLATES.values()),
    )
    if template == "revenue" and not has_revenue:
        st.warning(
            "This data has no revenue (no amount column, or every amount is 0), so every "
            "node of the revenue tree reads $0. Pick another tree, or load data with amounts "
            "(map the column on the Data page).",
            icon=":material/money_off:",
        )
    # The revenue tree defaults to every paid row: the counted event may carry no revenue.
    key_default = ANY_EVENT if template == "revenue" and template != suggested.template else None
    key_event = top[1].selectbox(
        "Key event (counted)",
        [ANY_EVENT, *names],
        index=_index([ANY_EVENT, *names], key_default or suggested.key_event),
        key=f"drivers_key_{source.key}_{template}",
        help="The event the tree counts: orders, messages, purchases (the revenue tree "
        "counts its paid rows).",
    )
    activity = _activity(top[2], source, suggested.activity_event)
    entity_options = list(ENTITIES) if ACCOUNT in columns else ["user"]
    entity = top[3].selectbox(
        "Count",
        entity_options,
        index=_index(entity_options, suggested.entity),
        format_func=ENTITIES.get,
        key=f"drivers_entity_{source.key}",
        help="Count people, or teams/companies (needs an account_id column).",
    )
    left, right = st.columns([3, 2])
    period = left.segmented_control(
        "Period",
        list(PERIODS),
        default=suggested.period,
        required=True,
        format_func=PERIODS.get,
        key=f"drivers_period_{source.key}",
        help="Calendar periods (UTC; weeks start on Monday).",
    )
    return TreeSpec(
        template,
        key_event=None if key_event == ANY_EVENT else key_event,
        activity_event=activity,
        entity=entity,
        period=period,
        segment=_segment(right, source),
    )


def _activity(where: object, source: DataSource, default: str | None) -> str | None:
    names = _names(source)
    activity = where.selectbox(
        "Active means",
        [ANY_EVENT, *names],
        index=_index([ANY_EVENT, *names], default),
        key=f"drivers_activity_{source.key}",
        help="What makes a user active in a period: any event, or one event you choose.",
    )
    return None if activity == ANY_EVENT else activity


def _segment(where: object, source: DataSource) -> str | None:
    options = [NO_CUT, NEW_VS_RETURNING, *cached.segments(source)]
    segment = where.selectbox(
        "Cut every node by",
        options,
        key=f"drivers_segment_{source.key}",
        help="A property (each user counted under their first-touch value), or new vs "
        "returning users (new = first seen in that period).",
    )
    return None if segment == NO_CUT else segment


def _north_star_spec(source: DataSource, north_star: MetricSpec) -> TreeSpec:
    """Return the tree rooted in the North Star; only who is active and the cut are open."""
    template = drivers.fit_north_star(north_star).template
    left, right = st.columns(2)
    activity = _activity(left, source, None) if template == "volume" else None
    who = ENTITIES[north_star.entity].lower()
    st.caption(
        f"{TEMPLATES[template].title} tree per {north_star.grain}, counting {who}, as the "
        "North Star is defined."
    )
    return drivers.north_star_spec(
        north_star, activity_event=activity, segment=_segment(right, source)
    )


def _condition(label: str, key: str, choices: dict[str, Filter]) -> Filter | None:
    picked = st.selectbox(
        label,
        [NO_CONDITION, *choices],
        key=key,
        help="Only rows where this property has this value (or this amount is above 0).",
    )
    return choices.get(picked)


def _event(item: drivers.Editable, key: str, names: list[str]) -> str | None:
    options = list(item.events) if item.events else names
    if item.kind == "part" and len(options) < 2:
        return None
    picked = st.selectbox(
        "Who did" if item.kind == "step" else "Only the event",
        [UNCHANGED, *options],
        key=key,
        help="The event that puts a user in the group (steps), or the one event the part counts.",
    )
    return None if picked == UNCHANGED else picked


def edited(source: DataSource, base: TreeSpec) -> TreeSpec:
    """Return the tree with the metrics the user picked for nodes (a form: node → metric)."""
    items = drivers.editable(drivers.build_tree(base))
    if not items:
        return base
    names = _names(source)
    choices = {filter_words(f): f for f in cached.driver_filters(source)}
    prefix = f"drivers_edit_{source.key}_{base.template}_{base.key_event}"
    edits = []
    with (
        st.expander("Pick metrics for nodes", icon=":material/edit:"),
        st.form(f"{prefix}_form", border=False),
    ):
        st.caption(
            "**Who counts as doing it**: any group of users keeps the product exact. "
            "**Split off a part**: the part and everything else add up to the node."
        )
        for item in items:
            what = "who counts as doing it" if item.kind == "step" else "split off a part"
            st.markdown(f"**{item.label}**: {what}")
            left, right = st.columns(2)
            with left:
                event = _event(item, f"{prefix}_{item.key}_event", names)
            with right:
                where = _condition("Where", f"{prefix}_{item.key}_where", choices)
            if event or where:
                edits.append(NodeEdit(item.key, item.kind, event, where))
        st.form_submit_button("Apply", icon=":material/check:", key=f"{prefix}_apply")
    return replace(base, edits=tuple(edits))


def comparison_period(values: TreeValues) -> date:
    """Return the period compared with the one before it (default: the last complete one)."""
    options = drivers.periods(values)
    state.forget_stale(PERIOD_PICK, options)
    return st.select_slider(
        "Period to explain",
        options,
        value=drivers.default_period(values),
        format_func=lambda d: fmt.period_name(d, values.period),
        key=PERIOD_PICK,
        help="Its values are compared with the period just before. The last period is "
        "usually still in progress.",
    )


def attribution_options() -> tuple[drivers.Method, str]:
    """Return how to split products (Shapley or LMDI) and which parts to show."""
    left, right = st.columns(2)
    method = left.segmented_control(
        "Split products by",
        list(drivers.METHODS),
        default="shapley",
        required=True,
        format_func=METHOD_NAMES.get,
        key="drivers_method",
        help=" ".join(drivers.METHODS.values()) + ". Both add up exactly to the change.",
    )
    level = right.segmented_control(
        "Parts",
        list(LEVELS),
        default="drivers",
        required=True,
        format_func=LEVELS.get,
        key="drivers_level",
        help="The root's direct drivers, or every driver at the bottom of the tree.",
    )
    return method, level


def shocks(root: Node) -> dict[str, float]:
    """Return driver key -> relative move (0.1 = +10%) from a form of sliders."""
    levers = [n for n, _, _ in drivers.walk(root) if n.is_leaf]
    moves: dict[str, float] = {}
    with st.form("drivers_what_if"):
        cols = st.columns(3)
        for i, node in enumerate(levers):
            moves[node.key] = cols[i % 3].slider(
                node.label,
                -50,
                50,
                0,
                step=1,
                format="%d%%",
                key=f"drivers_shock_{node.key}",
                help="Move this driver by this percentage; everything else stays as it was.",
            )
        st.form_submit_button("Project", icon=":material/play_arrow:")
    return {k: v / 100 for k, v in moves.items() if v}


def brief_spec(root: Node) -> drivers.BriefSpec:
    """Return the experiment the user wants a brief for: driver, hypothesis, lift, α, power."""
    nodes = [
        n
        for n, _, _ in drivers.walk(root)
        if n.key != root.key and not isinstance(n.measure, drivers.Remainder)
    ]
    labels = {n.key: n.label for n in nodes}
    left, mid, right = st.columns([3, 1, 1])
    driver = left.selectbox(
        "Driver to test",
        list(labels),
        format_func=labels.get,
        key="drivers_brief_driver",
        help="The driver the experiment tries to move.",
    )
    lift = mid.number_input(
        "Lift to detect (%)", 1.0, 100.0, 5.0, step=1.0, key="drivers_brief_lift",
        help="The relative change in the driver the test must be able to detect.",
    )  # fmt: skip
    power = right.select_slider(
        "Power", [0.7, 0.8, 0.9, 0.95], value=0.8, key="drivers_brief_power",
        format_func=lambda p: f"{p:.0%}", help="Chance of detecting the lift if it is real.",
    )  # fmt: skip
    hypothesis = st.text_area(
        "Hypothesis",
        placeholder=f"If we ... then {labels[driver].lower()} rises, because ...",
        key="drivers_brief_hypothesis",
        help="What you will change, what you expect, and why.",
    )
    return drivers.BriefSpec(driver, hypothesis, lift / 100, 0.05, power)
