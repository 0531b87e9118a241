"""Widgets of the Scenarios page: presets, JSON load/save, the scenario form, the URL link."""

import math
from dataclasses import dataclass
from typing import Final, Literal

import streamlit as st

from components import cached, render, state
from components.state import DataSource
from nsm_core import fmt, scenarios
from nsm_core.moments import MomentSpec
from nsm_core.scenarios import PRESETS, Plan
from nsm_core.schema import DataError
from nsm_core.stats import Estimate

QUERY_KEY: Final = "scenarios"
DEFAULT_PRESET: Final = "a_vs_b"
ValueMode = Literal["typed", "data"]
VALUE_MODES: Final[dict[ValueMode, str]] = {
    "typed": "Typed in",
    "data": "Estimated from the data",
}
_MONEY_FMT: Final = "$%,.2f"


@dataclass(frozen=True, slots=True)
class ValueChoice:
    """How each high-value moment is valued: typed in (± a margin) or estimated from data."""

    mode: ValueMode = "typed"
    plus_minus: float = 5.0
    event: str | None = None
    threshold: int = 1
    window_days: int = 7


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


def use_plan(plan: Plan) -> None:
    """Make `plan` the one compared, refill the table, and put it in the page's link."""
    state.set_scenario_plan(plan, reset_editor=True)
    st.query_params[QUERY_KEY] = scenarios.to_token(plan)


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
            "(address bar) also carries these scenarios.",
        )


def _load(raw: bytes) -> None:
    try:
        plan = scenarios.from_json(raw)
    except DataError as err:
        st.error(str(err), icon=":material/error:")
        return
    use_plan(plan)
    st.rerun()


def value_mode() -> ValueMode:
    """Return how moments are valued, from a control outside the form (it changes the form)."""
    return st.segmented_control(
        "Value per moment",
        list(VALUE_MODES),
        default="typed",
        required=True,
        format_func=VALUE_MODES.get,
        key="scenario_value_mode",
        help="Type what one high-value moment is worth, or estimate it from the loaded data "
        "(extra revenue per user who reaches the moment, with its confidence interval).",
    )


def _editor(plan: Plan, mode: ValueMode) -> object:
    money = st.column_config.NumberColumn
    return st.data_editor(
        scenarios.to_frame(plan),
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        key=f"scenario_table_{state.scenario_editor_version()}",
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
                disabled=mode == "data",
                help="What one moment adds in revenue. Estimated from the data in that mode.",
            ),
            "costs": money(
                "Campaign cost (total)",
                format=_MONEY_FMT,
                min_value=0,
                help="What the campaign costs over the whole horizon.",
            ),
        },
    )


def _value_controls(source: DataSource, mode: ValueMode) -> ValueChoice:
    if mode == "typed":
        plus_minus = st.number_input(
            "Uncertainty of the value per moment (± $)",
            min_value=0.0,
            value=5.0,
            step=1.0,
            key="scenario_plus_minus",
            help="How far the true value could be from what you typed; sets the range of "
            "outcomes and the simulation.",
        )
        return ValueChoice("typed", plus_minus)
    ranked = cached.moments(source, MomentSpec()).table
    events, best_threshold = scenarios.moment_options(
        ranked, cached.event_catalog(source)["event"].to_list()
    )
    cols = st.columns(3)
    event = cols[0].selectbox(
        "High-value moment (event)",
        events,
        key="scenario_event",
        help="The event whose early use is valued; the High-value moments page's best "
        "candidates come first.",
    )
    threshold = cols[1].number_input(
        "At least this many times",
        min_value=1,
        max_value=50,
        value=best_threshold,
        key="scenario_threshold",
        help="A user reaches the moment after doing the event this often in the window.",
    )
    window = cols[2].number_input(
        "Within the first days",
        min_value=1,
        max_value=30,
        value=7,
        key="scenario_window",
        help="Days after a user's first event in which the moment must happen.",
    )
    return ValueChoice("data", 0.0, event, int(threshold), int(window))


def plan_form(plan: Plan, source: DataSource, mode: ValueMode) -> tuple[Plan, ValueChoice]:
    """Draw the scenario form; return the plan and value choice as last submitted.

    A submitted table that cannot be a plan is shown with st.error and the previous plan
    stays in use.
    """
    with st.form("scenario_form", enter_to_submit=False):
        months = st.number_input(
            "Months to compare",
            min_value=1,
            max_value=scenarios.MAX_MONTHS,
            value=plan.months,
            key=f"scenario_months_{state.scenario_editor_version()}",
            help="The horizon: every scenario runs this many months.",
        )
        table = _editor(plan, mode)
        choice = _value_controls(source, mode)
        submitted = st.form_submit_button("Compare scenarios", type="primary", key="scenario_go")
    if not submitted:
        return plan, choice
    try:
        new = scenarios.from_frame(table, int(months))
    except DataError as err:
        st.error(str(err), icon=":material/error:")
        return plan, choice
    use_plan(new)
    return new, choice


def value_estimate(
    source: DataSource, plan: Plan, choice: ValueChoice
) -> tuple[Estimate, str | None]:
    """Return the value per moment with its interval, and a warning when data fell short.

    Typed: the first moment scenario's value ± the margin typed in. From data: the adjusted
    revenue lift; when the data cannot give one, the typed values are used and the warning
    says why.
    """
    typed = scenarios.typed_value(scenarios.reference_value(list(plan.scenarios)), 5.0)
    if choice.mode == "typed":
        return scenarios.typed_value(typed.value, choice.plus_minus), None
    estimate = cached.value_of_moment(source, choice.event, choice.threshold, choice.window_days)
    if math.isnan(estimate.value):
        return typed, (
            f"The data cannot value {choice.event!r} ({estimate.method}); the values typed in "
            "the table are used, ± $5."
        )
    return estimate, None


def value_sentence(value: Estimate) -> str:
    """Return the value per moment in words, with its interval and where it came from."""
    if value.method == "typed in":
        return (
            f"Value per moment as typed, ± {fmt.money(value.ci_high - value.value)} "
            "for the range of outcomes."
        )
    return "Estimated value per moment: " + value.describe("money", "users")


def priced(plan: Plan, choice: ValueChoice, value: Estimate) -> list[scenarios.Scenario]:
    """Return the scenarios to compute: as typed, or each moment valued at the data's estimate."""
    if choice.mode == "typed" or value.method == "typed in":
        return list(plan.scenarios)
    return scenarios.with_value(list(plan.scenarios), value.value)
