import streamlit as st

from components import inputs_scenarios as inputs
from components import render, state
from nsm_core import fmt, scenarios
from nsm_core.charts import scenarios as charts

VIEWS = {
    "monthly": "Monthly revenue",
    "range": "Range of outcomes",
    "sensitivity": "What matters most",
}

st.title("Scenarios")
st.caption(
    "Compare revenue with and without a high-value-moment campaign, valuing a moment by hand "
    "or from your data, and see how sure the comparison is."
)

source = state.source()
plan, problem = inputs.current_plan()
if problem:
    st.warning(problem, icon=":material/link_off:")
inputs.load_controls(plan)
plan = inputs.value_mode(plan)
inputs.base_offer(source, plan)
plan, used = inputs.plan_form(plan, source)
if used.problem == scenarios.value.NO_EVENT:
    st.info(used.problem, icon=":material/touch_app:")
elif used.problem:
    st.warning(used.problem, icon=":material/warning:")
inputs.horizon_offer(plan, used)
st.caption(inputs.value_sentence(used))
value = used.estimate
priced = used.priced(plan)

table = scenarios.compare(priced, plan.months)
rows = table.rows(named=True)[:4]
for i, (col, row) in enumerate(zip(st.columns(len(rows)), rows, strict=True)):
    col.metric(
        f"Revenue, {row['scenario']}",
        fmt.money(row["revenue"]),
        delta=fmt.money(row["revenue_diff"]) if i else None,
        help=f"Over {plan.months} months: base revenue + moments × value per moment "
        f"({fmt.money(row['value_per_moment'])}, {used.source}).",
    )
render.table(
    scenarios.comparison_table(table, used),
    name="scenario comparison",
    caption=scenarios.comparison_caption(table),
)

view = st.segmented_control(
    "Show",
    list(VIEWS),
    default="monthly",
    required=True,
    format_func=VIEWS.get,
    key="scenario_view",
    help="Monthly revenue by source, the range of outcomes the value's uncertainty allows, "
    "or which input moves the result most.",
)
if view == "monthly":
    series = scenarios.monthly(priced, plan.months)
    render.chart(
        charts.monthly_revenue_chart(series),
        series,
        name="monthly revenue by scenario",
        caption="Each month: base revenue, with the moments' revenue stacked on top.",
    )
elif view == "range":
    cv = st.slider(
        "Uncertainty in moments delivered (±%, one standard deviation)",
        0,
        50,
        0,
        5,
        key="scenario_moments_cv",
        help="0 = every scenario delivers exactly its planned moments; the value per moment "
        "always varies within its interval.",
    )
    spec = scenarios.SimulationSpec(moments_cv=cv / 100)
    simulation = scenarios.simulate(priced, plan.months, value, spec)
    render.warnings(simulation.warnings)
    render.chart(
        charts.band_chart(simulation.monthly, spec.band),
        simulation.monthly,
        name="simulated cumulative net revenue",
        caption=scenarios.simulation_caption(simulation.summary, spec),
    )
    render.table(
        scenarios.band_table(scenarios.band(priced, plan.months, value)),
        name="outcomes at the ends of the value interval",
        caption="Revenue and net at the low end, the point and the high end of the value "
        "per moment's interval.",
    )
else:
    names = [s.name for s in priced]
    target = st.selectbox(
        "Scenario to examine",
        range(len(names)),
        index=len(names) - 1,
        format_func=names.__getitem__,
        key="scenario_target",
        help="Its net gain over the first scenario is the outcome (its net, for the first).",
    )
    swing = st.slider(
        "Move each input by (±%)",
        5,
        50,
        20,
        5,
        key="scenario_swing",
        help="Inputs without an interval move by this share; the value per moment moves "
        "across its interval.",
    )
    spec = scenarios.SensitivitySpec(target=target, swing=swing / 100)
    tornado = scenarios.sensitivity(priced, plan.months, value, spec)
    outcome = f"Net gain of {names[target]} over {names[0]}" if target else f"Net of {names[0]}"
    render.chart(
        charts.tornado_chart(tornado, outcome),
        tornado,
        name="sensitivity",
        caption=scenarios.tornado_caption(tornado, outcome),
    )

render.definitions(
    """
- **Scenario**: base revenue per month + high-value moments per month × value per moment,
  over the horizon; the campaign cost is a total, spread evenly over the months.
- **Net** = revenue − campaign cost. **Net vs the first** = net − the first scenario's net.
- **Break-even value per moment** = (first's net − base revenue + cost) ÷ moments: the value
  at which this scenario nets exactly what the first one does.
- **Return on extra cost** = net gain ÷ (cost − the first's cost).
- **Value per moment from the data**: the extra revenue per user who reached the moment
  (did the event at least *n* times in the first days), adjusted for acquisition channel
  and early activity, counted over the months after the moment window chosen under
  *Revenue counted over* (by default the plan's months; a month is 30 of the user's own
  days, so 3 months after a week are own days 8–97). Only users observed through the whole
  horizon count (first event at least that many days before the data end), and the page
  says how many; when too few are on either side, it says so and offers the longest
  horizon the data support. The table shows the value, its interval and the users behind
  it. Data without revenue cannot give one: the typed values are used and the page says
  so. Observational: confirm it with an experiment.
- **Base revenue from the data**: the mean net revenue of the last three complete calendar
  months (the period is stated), offered as every scenario's base.
  Amplitude (Compass), Mixpanel (Signal) and PostHog (correlation analysis) rank such
  moments by correlation only and give no money value.
- **Range of outcomes**: one value per moment drawn from a split normal matching its interval,
  shared by every scenario (it is the same moment), 4,000 seeded draws.
- **What matters most** (tornado): each input moved alone, the rest as planned.
"""
)
