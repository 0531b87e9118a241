"""Widgets of the Scenarios page: presets, JSON load/save, the scenario form, the URL link.

The plan in session (and in the link and the JSON file) carries how moments are valued, so
the widgets are keyed by the editor version and start from the plan: loading a file or a
link restores the value the comparison used, not only the typed numbers.
"""

from dataclasses import replace
from typing import Final

import streamlit as st

from components import cached, render, state
from components.state import DataSource
from nsm_core import fmt, scenarios
from nsm_core.scenarios import PRESETS, Plan, Valuation, ValueMode
from nsm_core.scenarios import value as values
from nsm_core.scenarios.value import ValueUsed
from nsm_core.schema import DataError

QUERY_KEY: Final = "scenarios"
DEFAULT_PRESET: Final = "a_vs_b"
VALUE_MODES: Final[dict[ValueMode, str]] = {
    "typed": "Typed in",
    "data": "Estimated from the data",
}
_MONEY_FMT: Final = "$%,.2f"
USED_COLUMN: Final = "value_used"
HORIZONS: Final = (1, 2, 3, 6, 9, 12, 18, 24, 36)


def current_plan() -> tuple[Plan, str | None]:
    """Return the plan to show and, when a shared link was damaged, why it was ignored.

    Order: what this session already chose, else the link's `?scenarios=` token, else the
    "Scenario A vs B" preset.
    """
    plan = state.scenario_plan()
    if plan is not None:
        return plan, None
    problem = None
    token = st.query_params.get(QUERY_KEY)
    if token:
        try:
            plan = scenarios.from_token(token)
        except DataError as err:
            problem = f"{err} The default preset is shown."
    plan = plan or PRESETS[DEFAULT_PRESET].plan
    state.set_scenario_plan(plan, reset_editor=True)
    return plan, problem


def use_plan(plan: Plan, *, refill: bool = True) -> None:
    """Make `plan` the one compared, put it in the page's link, and refill the widgets."""
    state.set_scenario_plan(plan, reset_editor=refill)
    st.query_params[QUERY_KEY] = scenarios.to_token(plan)


def _key(name: str) -> str:
    return f"scenario_{name}_{state.scenario_editor_version()}"


def load_controls(plan: Plan) -> None:
    """Draw the preset picker and JSON load/save; a successful load reruns the page."""
    left, middle, right = st.columns(3, vertical_alignment="bottom")
    with left:
        key = st.selectbox(
            "Preset",
            list(PRESETS),
            format_func=lambda k: PRESETS[k].title,
            key="scenario_preset",
            help="Ready-made comparisons; using one replaces the table below.",
        )
        st.caption(PRESETS[key].description)
        if st.button("Use this preset", key="scenario_use_preset", icon=":material/restart_alt:"):
            use_plan(PRESETS[key].plan)
            st.rerun()
    with middle:
        upload = st.file_uploader(
            "Scenario file (JSON)",
            type=["json"],
            key="scenario_json",
            help="A file saved from this page with the download button on the right.",
        )
        if st.button("Load file", key="scenario_load", disabled=upload is None):
            _load(upload.getvalue())
    with right:
        render.document(
            scenarios.to_json(plan),
            file_name="scenarios.json",
            label="Save scenarios (JSON)",
            help_text="Load it again here later, or send it to a colleague. The page's link "
            "(address bar) also carries these scenarios and how moments are valued.",
        )


def _load(raw: bytes) -> None:
    try:
        plan = scenarios.from_json(raw)
    except DataError as err:
        st.error(str(err), icon=":material/error:")
        return
    use_plan(plan)
    st.rerun()


def value_mode(plan: Plan) -> Plan:
    """Draw how moments are valued (outside the form: it changes the form); return the plan.

    A change is kept in the plan and the link at once, so a link copied now opens the
    same mode.
    """
    mode = st.segmented_control(
        "Value per moment",
        list(VALUE_MODES),
        default=plan.valuation.mode,
        required=True,
        format_func=VALUE_MODES.get,
        key=_key("value_mode"),
        help="Type what one high-value moment is worth, or estimate it from the loaded data "
        "(extra revenue per user who reaches the moment over the months after it, with its "
        "confidence interval).",
    )
    if mode == plan.valuation.mode:
        return plan
    plan = replace(plan, valuation=replace(plan.valuation, mode=mode))
    use_plan(plan, refill=False)
    return plan


def base_offer(source: DataSource, plan: Plan) -> None:
    """Offer the data's revenue per month as every scenario's base, with its period stated."""
    base = cached.base_revenue(source)
    if not cached.summary(source).paying_users:
        st.caption(
            "Base revenue from the data: none to offer, as no event carries revenue. Type "
            "each scenario's base revenue in the table."
        )
        return
    if base is None:
        st.caption(
            "Base revenue from the data needs at least one complete calendar month of events."
        )
        return
    left, right = st.columns([3, 1], vertical_alignment="center")
    left.caption(f"Base revenue in the data: {base.sentence()}")
    clicked = right.button(
        "Use as every scenario's base",
        key="scenario_use_base",
        icon=":material/input:",
        help="Sets every scenario's base revenue per month to this; edit the table after.",
    )
    if clicked:
        use_plan(scenarios.with_base(plan, round(base.per_month, 2)))
        st.rerun()


def _editor(plan: Plan, used: ValueUsed) -> object:
    money = st.column_config.NumberColumn
    frame = scenarios.to_frame(plan)
    order = ["name", "base_revenue_per_month", "moments_per_month", "value_per_moment", "costs"]
    if used.estimated:
        # The typed values stay in the plan (hidden) for the typed mode; the column shown
        # is the value every moment scenario is computed with.
        frame = frame.with_columns(scenarios.value_column(used.priced(plan)).alias(USED_COLUMN))
        order[3] = USED_COLUMN
    return st.data_editor(
        frame,
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        key=_key("table"),
        column_order=order,
        column_config={
            "name": st.column_config.TextColumn("Scenario", required=True, max_chars=60),
            "base_revenue_per_month": money(
                "Base revenue / month", format=_MONEY_FMT, help="Revenue without moments."
            ),
            "moments_per_month": money(
                "Moments / month",
                format="%,.2f",
                min_value=0,
                help="High-value moments the scenario adds each month (2,000 over 3 months "
                "is 666.67 a month).",
            ),
            "value_per_moment": money(
                "Value per moment",
                format=_MONEY_FMT,
                help="What one moment adds in revenue (typed in).",
            ),
            USED_COLUMN: money(
                "Value per moment (estimated)",
                format=_MONEY_FMT,
                disabled=True,
                help=f"The value used: {used.source}.",
            ),
            "costs": money(
                "Campaign cost (total)",
                format=_MONEY_FMT,
                min_value=0,
                help="What the campaign costs over the whole horizon.",
            ),
        },
    )


def _value_controls(source: DataSource, plan: Plan) -> Valuation:
    chosen = plan.valuation
    if chosen.mode == "typed":
        plus_minus = st.number_input(
            "Uncertainty of the value per moment (± $)",
            min_value=0.0,
            value=chosen.plus_minus,
            step=1.0,
            key=_key("plus_minus"),
            help="How far the true value could be from what you typed; sets the range of "
            "outcomes and the simulation.",
        )
        return replace(chosen, plus_minus=float(plus_minus))
    if not cached.summary(source).paying_users:
        return chosen  # nothing to estimate from: the page says why
    events = cached.event_catalog(source)["event"].to_list()
    cols = st.columns(4)
    event = cols[0].selectbox(
        "High-value moment (event)",
        events,
        index=events.index(chosen.event) if chosen.event in events else None,
        placeholder="Pick the event to value",
        key=_key("event"),
        help="The event whose early use is valued, most frequent first; the High-value "
        "moments page ranks them by what they do for retention.",
    )
    threshold = cols[1].number_input(
        "At least this many times",
        min_value=1,
        max_value=scenarios.MAX_THRESHOLD,
        value=chosen.threshold,
        key=_key("threshold"),
        help="A user reaches the moment after doing the event this often in the window.",
    )
    window = cols[2].number_input(
        "Within the first days",
        min_value=1,
        max_value=scenarios.MAX_WINDOW,
        value=chosen.window_days,
        key=_key("window"),
        help="Days after a user's first event in which the moment must happen; revenue is "
        "counted after them (from own day 8 for a week).",
    )
    horizons = [None, *sorted({*HORIZONS, chosen.horizon_months} - {None})]
    horizon = cols[3].selectbox(
        "Revenue counted over",
        horizons,
        index=horizons.index(chosen.horizon_months),
        format_func=lambda m: (
            f"the plan's {values.months_words(plan.months)}"
            if m is None
            else values.months_words(m)
        ),
        key=_key("horizon"),
        help="Months after the moment window (30 own days each) over which a user's extra "
        "revenue is counted; by default the months the plan compares. Only users observed "
        "through the whole horizon count, so a long one rests on fewer users.",
    )
    return replace(
        chosen,
        event=event,
        threshold=int(threshold),
        window_days=int(window),
        horizon_months=horizon,
    )


def value_used(source: DataSource, plan: Plan) -> ValueUsed:
    """Return the value per moment the plan's comparison uses, and where it came from.

    Typed: the first moment scenario's value ± the margin. From data: the adjusted revenue
    lift over the plan's horizon; when the data cannot give one (no revenue, no moment
    picked, too few users observed through the horizon), the typed values are used and
    `problem` says why.
    """
    chosen = plan.valuation
    if chosen.mode == "typed":
        return values.typed(plan)
    refusal = values.NO_REVENUE if not cached.summary(source).paying_users else None
    if refusal or chosen.event is None:
        return values.typed(plan, refusal or values.NO_EVENT)
    try:
        value = cached.moment_value(
            source, chosen.event, chosen.threshold, chosen.window_days, plan.value_window
        )
    except DataError as err:
        return values.typed(plan, f"{err} Until then the values typed in the table are used.")
    return values.estimated(value, plan)


def plan_form(plan: Plan, source: DataSource) -> tuple[Plan, ValueUsed]:
    """Draw the scenario form; return the plan in use and the value it uses.

    A submitted plan reruns the page, so the widgets drawn next carry the new editor
    version (a widget drawn with the old one would ignore the next click). A submitted
    table that cannot be a plan is shown with st.error and the previous plan stays in use.
    """
    with st.form("scenario_form", enter_to_submit=False):
        months = st.number_input(
            "Months to compare",
            min_value=1,
            max_value=scenarios.MAX_MONTHS,
            value=plan.months,
            key=_key("months"),
            help="The horizon: every scenario runs this many months.",
        )
        # The table is drawn above the moment's controls but after them, so it can show
        # the value those controls give.
        table_slot = st.container()
        valuation = _value_controls(source, plan)
        used = value_used(source, replace(plan, valuation=valuation))
        with table_slot:
            table = _editor(plan, used)
        submitted = st.form_submit_button("Compare scenarios", type="primary", key="scenario_go")
    if not submitted:
        return plan, used
    try:
        new = scenarios.from_frame(table, int(months), valuation)
    except DataError as err:
        st.error(str(err), icon=":material/error:")
        return plan, used
    use_plan(new)
    st.rerun()


def value_sentence(used: ValueUsed) -> str:
    """Return the value per moment used in words, with its interval and where it came from."""
    value = used.estimate
    if not used.estimated:
        half = fmt.money(value.ci_high - value.value)
        return f"Value per moment as typed in the table, ± {half} for the range of outcomes."
    return (
        f"Value per moment used for every scenario with moments: "
        f"{value.describe('money', 'users')}, {used.source}. {values.censoring(used)}"
    )


def horizon_offer(plan: Plan, used: ValueUsed) -> None:
    """Offer the longest horizon the data can value the moment over, when the plan's is longer."""
    if not used.offer:
        return
    months = values.months_words(used.offer)
    if st.button(
        f"Value it over {months}",
        key="scenario_use_horizon",
        icon=":material/history:",
        help="Counts the moment's revenue over the longest horizon the data follow enough "
        "users through; the scenarios keep their own months.",
    ):
        use_plan(replace(plan, valuation=replace(plan.valuation, horizon_months=used.offer)))
        st.rerun()
