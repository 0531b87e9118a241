"""Scenario comparison: hand-computed totals, properties, uncertainty, JSON and URL tokens."""

import base64
import dataclasses
import json
import math
import zlib

import duckdb
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from nsm_core import scenarios
from nsm_core.moments.value import MomentValue
from nsm_core.samples import SAMPLES
from nsm_core.scenarios import (
    PRESETS,
    Plan,
    Scenario,
    SensitivitySpec,
    SimulationSpec,
    band,
    compare,
    from_json,
    from_token,
    monthly,
    sensitivity,
    simulate,
    to_json,
    to_token,
    typed_value,
)
from nsm_core.schema import DataError
from nsm_core.stats import Estimate

MONEY = st.floats(0, 1e7, allow_nan=False, allow_infinity=False)


def test_preset_a_vs_b_totals_are_exact():
    # hand-computed: A = 3 × $30,000; B = $80,000 + 2,000 × $20 = $120,000
    plan = PRESETS["a_vs_b"].plan
    table = compare(list(plan.scenarios), plan.months)
    rows = {r["scenario"]: r for r in table.iter_rows(named=True)}
    assert plan.months == 3
    assert rows["A"]["revenue"] == 90_000.0
    assert rows["A"]["moments"] == 0.0
    assert rows["B"]["base_revenue"] == 80_000.0
    assert rows["B"]["moments"] == 2_000.0
    assert rows["B"]["moment_revenue"] == 40_000.0
    assert rows["B"]["revenue"] == 120_000.0
    assert rows["B"]["revenue_diff"] == 30_000.0
    # B matches A when each moment is worth (90,000 − 80,000) / 2,000 = $5
    assert rows["B"]["break_even_value"] == pytest.approx(5.0)
    assert rows["A"]["break_even_value"] is None
    assert rows["B"]["roi"] is None  # no campaign cost, so no return on it


def test_paid_campaign_break_even_and_roi():
    # A: 6 × 30,000 = 180,000. B: 180,000 + 6 × 500 × 15 = 225,000, minus 25,000 cost.
    plan = PRESETS["paid_campaign"].plan
    b = compare(list(plan.scenarios), plan.months).row(1, named=True)
    assert b["revenue"] == 225_000.0
    assert b["net"] == 200_000.0
    assert b["net_diff"] == 20_000.0
    assert b["roi"] == pytest.approx(20_000 / 25_000)
    assert b["break_even_value"] == pytest.approx(25_000 / 3_000)


def test_compare_matches_plain_python():
    plan = [
        Scenario("base", 1_000.0, costs=50.0),
        Scenario("x", 900.0, 30, 4.5, costs=200.0),
        Scenario("y", 800.0, 0, 9.0),
    ]
    months = 4
    got = compare(plan, months)
    net0 = 1_000 * 4 - 50
    for s, row in zip(plan, got.iter_rows(named=True), strict=True):
        revenue = s.base_revenue_per_month * months + s.moments_per_month * months * (
            s.value_per_moment
        )
        assert row["revenue"] == pytest.approx(revenue)
        assert row["net"] == pytest.approx(revenue - s.costs)
        assert row["net_diff"] == pytest.approx(revenue - s.costs - net0)
    x = got.row(1, named=True)
    assert x["break_even_value"] == pytest.approx((net0 - 3_600 + 200) / 120)
    assert x["roi"] == pytest.approx(x["net_diff"] / 150)
    assert got.row(2, named=True)["break_even_value"] is None


def test_monthly_series_adds_up_to_totals():
    plan = PRESETS["paid_campaign"].plan
    series = monthly(list(plan.scenarios), plan.months)
    assert series.height == 12
    b = series.filter(series["scenario"] == "B")
    assert b["month"].to_list() == [1, 2, 3, 4, 5, 6]
    assert b["moment_revenue"].to_list() == [7_500.0] * 6
    assert b["cumulative_net"][-1] == pytest.approx(200_000.0)


@given(base=MONEY, value=MONEY, costs=MONEY, months=st.integers(1, 120))
@settings(max_examples=40, deadline=None)
def test_zero_moments_is_base_exactly(base, value, costs, months):
    row = compare([Scenario("A", base, 0, value, costs)], months).row(0, named=True)
    assert row["revenue"] == base * months
    assert row["net"] == base * months - costs


@given(
    base=MONEY,
    moments=st.floats(0, 1e5),
    v1=st.floats(-1e4, 1e4),
    v2=st.floats(-1e4, 1e4),
    months=st.integers(1, 60),
)
@settings(max_examples=40, deadline=None)
def test_revenue_monotone_in_value_per_moment(base, moments, v1, v2, months):
    low, high = sorted((v1, v2))
    r_low = compare([Scenario("A", base, moments, low)], months)["revenue"][0]
    r_high = compare([Scenario("A", base, moments, high)], months)["revenue"][0]
    assert r_low <= r_high


@pytest.mark.parametrize(
    ("plan", "months", "message"),
    [
        ([], 3, "1 to 20 scenarios"),
        ([Scenario("A", 1.0)], 0, "horizon"),
        ([Scenario("A", 1.0), Scenario("A", 2.0)], 3, "same name"),
    ],
)
def test_compare_rejects_bad_plans(plan, months, message):
    with pytest.raises(DataError, match=message):
        compare(plan, months)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"name": " ", "base_revenue_per_month": 1.0},
        {"name": "A", "base_revenue_per_month": math.nan},
        {"name": "A", "base_revenue_per_month": 1.0, "moments_per_month": -1},
        {"name": "A", "base_revenue_per_month": 1.0, "costs": -5.0},
    ],
)
def test_scenario_rejects_impossible_values(kwargs):
    with pytest.raises(DataError):
        Scenario(**kwargs)


def test_band_uses_the_ci_ends():
    # B: 3 months × 100 moments × value in [12, 30] (point 20), base 1,000 a month.
    plan = [Scenario("A", 5_000.0), Scenario("B", 1_000.0, 100, 20.0)]
    value = Estimate(20.0, 12.0, 30.0, 400, "adjusted revenue lift")
    out = band(plan, 3, value).filter(band(plan, 3, value)["scenario"] == "B")
    assert out["case"].to_list() == ["low", "expected", "high"]
    assert out["revenue"].to_list() == [3_000 + 300 * 12, 3_000 + 300 * 20, 3_000 + 300 * 30]
    assert out["net_diff"].to_list() == [6_600 - 15_000, 9_000 - 15_000, 12_000 - 15_000]


def test_simulation_matches_normal_theory_and_is_seeded():
    # symmetric CI ±9.8 at 95% -> sd 5; B's monthly net = 100 × v, v ~ N(20, 5)
    plan = [Scenario("A", 1_900.0), Scenario("B", 0.0, 100, 20.0)]
    value = Estimate(20.0, 20 - 1.959964 * 5, 20 + 1.959964 * 5, 500, "test")
    spec = SimulationSpec(draws=20_000, seed=7, band=0.9)
    result = simulate(plan, 2, value, spec)
    b = result.summary.row(1, named=True)
    z = sps.norm.ppf(0.95)
    assert b["net_median"] == pytest.approx(4_000, rel=0.01)
    assert b["net_high"] == pytest.approx(2 * 100 * (20 + z * 5), rel=0.01)
    # P(200 v > 3,800 · ...) = P(v > 19) per month -> P(Z > -0.2)
    assert b["prob_better"] == pytest.approx(1 - sps.norm.cdf(-0.2), abs=0.01)
    assert result.summary.row(0, named=True)["net_low"] == pytest.approx(3_800)
    again = simulate(plan, 2, value, spec)
    assert again.summary.equals(result.summary)
    last = result.monthly.filter(result.monthly["scenario"] == "B").row(-1, named=True)
    assert last["month"] == 2
    assert last["high"] == pytest.approx(b["net_high"])


def test_simulation_moments_noise_widens_the_band():
    plan = [Scenario("A", 0.0), Scenario("B", 0.0, 100, 20.0)]
    fixed = typed_value(20.0, 0.0)
    calm = simulate(plan, 1, fixed, SimulationSpec(draws=2_000))
    noisy = simulate(plan, 1, fixed, SimulationSpec(draws=2_000, moments_cv=0.2))
    assert calm.summary["net_low"][1] == calm.summary["net_high"][1] == 2_000.0
    assert calm.warnings
    assert noisy.summary["net_low"][1] < 2_000.0 < noisy.summary["net_high"][1]


def test_sensitivity_hand_worked():
    # target B vs A over 2 months; outcome = net_B − net_A = 2(500 + 10 v) − c − 2·1,000
    plan = [Scenario("A", 1_000.0), Scenario("B", 500.0, 10, 60.0, costs=100.0)]
    table = sensitivity(plan, 2, None, SensitivitySpec(swing=0.5))
    rows = {r["input"]: r for r in table.iter_rows(named=True)}
    assert rows["value"]["expected"] == 2 * (500 + 600) - 100 - 2_000  # 100
    assert rows["value"]["outcome_low"] == pytest.approx(2 * (500 + 300) - 100 - 2_000)
    assert rows["value"]["outcome_high"] == pytest.approx(2 * (500 + 900) - 100 - 2_000)
    assert rows["costs"]["outcome_low"] == pytest.approx(150)
    assert rows["reference_base"]["outcome_high"] == pytest.approx(2_200 - 100 - 3_000)
    assert rows["months"]["low_input"] == 1
    assert rows["months"]["outcome_high"] == pytest.approx(3 * 1_100 - 100 - 3_000)
    assert table["spread"].to_list() == sorted(table["spread"].to_list(), reverse=True)


def test_sensitivity_value_follows_ci():
    plan = [Scenario("A", 100.0), Scenario("B", 0.0, 10, 20.0)]
    table = sensitivity(plan, 1, Estimate(20.0, 15.0, 28.0, 9, "x"))
    row = table.filter(table["input"] == "value").row(0, named=True)
    assert (row["low_input"], row["high_input"]) == (15.0, 28.0)
    assert (row["outcome_low"], row["outcome_high"]) == (50.0, 180.0)


def test_json_round_trip_and_readable():
    plan = PRESETS["a_vs_b"].plan
    text = to_json(plan)
    assert json.loads(text)["scenarios"][1]["value_per_moment"] == 20
    assert from_json(text) == plan
    assert from_json(text.encode()) == plan


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "months"),
        ('{"months": 3, "scenarios": []}', "no scenarios"),
        ('{"months": "3", "scenarios": [["A", 1, 0, 0, 0]]}', "whole number"),
        ('{"months": 3, "scenarios": [{"name": "A", "base_revenue_per_month": "x"}]}', "number"),
        ('{"months": 3, "scenarios": [{"name": "A", "oops": 1}]}', "unknown fields"),
        ('{"months": 3, "scenarios": [{"base_revenue_per_month": 1}]}', "name must be text"),
        ('{"months": 3, "scenarios": [{"name": "A", "costs": -1}]}', "cannot be negative"),
        ('{"version": 9, "months": 3, "scenarios": [["A", 1, 0, 0, 0]]}', "version"),
        ("[" * 100_000, "not valid JSON"),
        (b"\xff\xfe", "not valid JSON"),
    ],
)
def test_broken_json_says_what_is_wrong(text, message):
    with pytest.raises(DataError, match=message):
        from_json(text)


def test_token_round_trip_is_exact_and_short():
    plan = PRESETS["a_vs_b"].plan
    token = to_token(plan)
    assert from_token(token) == plan  # 80,000 / 3 survives bit for bit
    assert len(token) < 120
    assert token.replace("-", "").replace("_", "").isalnum()


@given(
    names=st.lists(st.text(min_size=1, max_size=20).filter(str.strip), min_size=1, max_size=5),
    value=st.floats(-1e6, 1e6),
    months=st.integers(1, 120),
)
@settings(max_examples=30, deadline=None)
def test_token_round_trip_any_names(names, value, months):
    unique = list(dict.fromkeys(names))
    plan = Plan(tuple(Scenario(n, value, 1.5, value, 0.0) for n in unique), months)
    assert from_token(to_token(plan)) == plan


@pytest.mark.parametrize(
    "token",
    ["", "abc", "!!!!", "A" * 5_000, to_token(Plan((Scenario("A", 1.0),), 3))[:-4]],
)
def test_damaged_tokens_raise_data_error(token):
    with pytest.raises(DataError, match="damaged"):
        from_token(token)


def test_token_rejects_zip_bomb():
    import base64
    import zlib

    bomb = base64.urlsafe_b64encode(zlib.compress(b"[" + b" " * 1_000_000 + b"]", 9)).decode()
    assert len(bomb) < 4_000
    with pytest.raises(DataError, match="damaged"):
        from_token(bomb.rstrip("="))


def test_with_value_only_touches_moment_scenarios():
    plan = [Scenario("A", 1.0, 0, 3.0), Scenario("B", 1.0, 2, 3.0)]
    assert [s.value_per_moment for s in scenarios.with_value(plan, 7.0)] == [3.0, 7.0]


DATA_VALUE = scenarios.Valuation("data", 3.0, "save_favorite", 2, 10, 12)


def test_json_and_token_restore_how_moments_are_valued():
    plan = dataclasses.replace(PRESETS["a_vs_b"].plan, valuation=DATA_VALUE)
    saved = json.loads(to_json(plan))["value_per_moment"]
    assert saved == {
        "mode": "data",
        "plus_minus": 3.0,
        "event": "save_favorite",
        "threshold": 2,
        "window_days": 10,
        "horizon_months": 12,
    }
    assert from_json(to_json(plan)) == plan
    assert from_token(to_token(plan)) == plan
    assert len(to_token(plan)) < 200


def test_files_and_links_from_before_the_valuation_still_open():
    old_json = '{"version": 1, "months": 2, "scenarios": [["A", 5, 0, 0, 0]]}'
    assert from_json(old_json).valuation == scenarios.Valuation()
    raw = json.dumps([2, ["A", 5.0, 0.0, 0.0, 0.0]], separators=(",", ":")).encode()
    old_token = base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode().rstrip("=")
    assert from_token(old_token) == Plan((Scenario("A", 5.0),), 2)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"mode": "guess"}, "mode must be one of"),
        ({"threshold": 0}, "threshold must be 1 to 50"),
        ({"window_days": 31}, "window must be 1 to 30"),
        ({"horizon_months": 0}, "horizon must be 1 to 120 months"),
        ({"horizon_months": 2.5}, "whole numbers"),
        ({"threshold": 1.5}, "whole numbers"),
        ({"plus_minus": -1}, "0 or more"),
        ({"event": 7}, "must be text"),
        ({"colour": "red"}, "must list only"),
    ],
)
def test_a_broken_valuation_says_what_is_wrong(value, message):
    text = json.dumps({"months": 2, "scenarios": [["A", 5, 0, 0, 0]], "value_per_moment": value})
    with pytest.raises(DataError, match=message):
        from_json(text)


def test_the_outcome_window_always_follows_the_moment_window():
    for window in range(1, scenarios.MAX_WINDOW + 1):
        for months in (1, 3, 12):
            low, high = scenarios.Valuation(window_days=window).outcome_window(months)
            assert window <= low < high
            assert high - low + 1 == 30 * months  # the revenue counted spans the horizon
    assert scenarios.Valuation().outcome_window(3) == (8, 97)  # from day 8, as on Moments


def test_comparison_table_shows_the_value_used_and_where_it_came_from():
    plan = PRESETS["a_vs_b"].plan
    estimate = Estimate(2.5, 1.25, 3.75, 5_756, "propensity strata")
    used = scenarios.value.estimated(
        MomentValue(estimate, (8, 97), 5_840, 5_756),
        dataclasses.replace(plan, valuation=scenarios.Valuation("data", event="fav")),
    )
    priced = used.priced(plan)
    shown = scenarios.comparison_table(compare(priced, 3), used).row(1, named=True)
    assert shown["Value per moment"] == 2.5  # not the $20 typed in the table
    assert shown["Revenue"] == 80_000 + 2_000 * 2.5
    assert shown["Value source"].startswith("estimated from the data: 'fav' ≥ 1×")
    assert (shown["Value per moment, low end"], shown["Value per moment, high end"]) == (1.25, 3.75)
    assert shown["Users behind the value"] == 5_756
    typed = scenarios.value.typed(plan)
    row = scenarios.comparison_table(compare(list(plan.scenarios), 3), typed).row(1, named=True)
    assert (row["Value per moment"], row["Value source"]) == (20.0, "typed in (± $5.00)")
    assert (row["Value per moment, low end"], row["Users behind the value"]) == (15.0, None)


def test_an_estimate_the_data_cannot_give_falls_back_to_the_typed_values():
    plan = dataclasses.replace(
        PRESETS["a_vs_b"].plan, valuation=scenarios.Valuation("data", event="fav")
    )
    nan = float("nan")
    failed = Estimate(nan, nan, nan, 300, "not enough data: too little overlap")
    used = scenarios.value.estimated(MomentValue(failed, (8, 97), 900, 300), plan)
    assert not used.estimated
    assert "cannot value 'fav' (not enough data: too little overlap)" in used.problem
    assert [s.value_per_moment for s in used.priced(plan)] == [0.0, 20.0]
    assert used.source == "typed in (± $5.00), not from the data"


def test_base_revenue_is_the_mean_of_the_last_complete_months_like_duckdb():
    events = pl.read_parquet(SAMPLES["meals"].events_path)
    base = scenarios.base_revenue(events.lazy())
    con = duckdb.connect()
    con.register("ev", events.to_arrow())
    expected = con.execute(
        """
        WITH m AS (
            SELECT date_trunc('month', timezone('UTC', ts)) AS month, sum(revenue) AS revenue,
                   count(DISTINCT user_id) FILTER (revenue > 0) AS customers,
                   count(DISTINCT user_id) AS users
            FROM ev GROUP BY 1
        ), last AS (
            SELECT date_trunc('month', timezone('UTC', max(ts)) + INTERVAL 1 DAY) AS m FROM ev
        )
        SELECT avg(revenue), avg(customers), avg(users), min(month), max(month), count(*)
        FROM (SELECT * FROM m, last WHERE month < last.m ORDER BY month DESC LIMIT 3)
        """
    ).fetchone()
    assert base.per_month == pytest.approx(expected[0])
    assert (base.customers, base.users) == pytest.approx(expected[1:3])
    assert (base.first_month, base.last_month, base.months) == (
        expected[3].date(),
        expected[4].date(),
        3,
    )


def test_no_complete_month_gives_no_base_revenue():
    from datetime import UTC, datetime

    events = pl.LazyFrame(
        {
            "user_id": ["a"],
            "ts": [datetime(2025, 3, 5, tzinfo=UTC)],
            "revenue": [4.0],
        }
    )
    assert scenarios.base_revenue(events) is None


def test_with_base_sets_every_scenario_and_keeps_the_rest():
    plan = dataclasses.replace(PRESETS["paid_campaign"].plan, valuation=DATA_VALUE)
    new = scenarios.with_base(plan, 1_234.5)
    assert [s.base_revenue_per_month for s in new.scenarios] == [1_234.5, 1_234.5]
    assert [s.costs for s in new.scenarios] == [0.0, 25_000.0]
    assert (new.months, new.valuation) == (6, DATA_VALUE)
