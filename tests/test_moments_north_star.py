"""High-value moments with the North Star as the outcome.

Every expected number is computed independently: worked by hand in the comments, by a
plain-Python loop over rows, or by DuckDB SQL over the sample; the planted truths come from
the generator (sample_data/README.md, nsm_core.synth.TRUTHS).
"""

from datetime import UTC, date, datetime, timedelta

import duckdb
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nsm_core import moments
from nsm_core.metrics import Exclusions, Filter, MetricSpec
from nsm_core.moments import text, units
from nsm_core.samples import SAMPLES
from nsm_core.schema import DataError
from nsm_core.synth import TRUTHS

T0 = datetime(2025, 3, 3, 9, tzinfo=UTC)  # a Monday
ORDERERS = MetricSpec("Orderers", events=("order",), unit="users")
ORDERS = MetricSpec("Weekly orders", events=("order",), aggregation="events", unit="orders")


def _row(user: str, event: str, day: float, channel: str = "x", revenue: float = 0.0) -> dict:
    return {
        "user_id": user,
        "event": event,
        "ts": T0 + timedelta(days=day),
        "revenue": revenue,
        "channel": channel,
    }


def _frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema_overrides={"ts": pl.Datetime("us", "UTC")})


def _y(table: moments.UserTable) -> dict[str, float]:
    return dict(table.users.select("user_id", "y").iter_rows())


def orderers_world() -> pl.DataFrame:
    """Return 100 users in two channels plus one test user; "tip" is the moment.

    The outcome counts "order" on days 8..35 only. Everyone orders on day 2 (inside the
    moment window: it must not count) and users who do not order later browse on day 12
    (activity, but not an order: retained, yet not counted in the North Star).
    channel a: 40 users, 20 tipped (15 order later), 20 did not (10 order later);
    channel b: 60 users, 10 tipped (4 order later), 50 did not (10 order later).
    """
    plan = [("a", 20, 15, True), ("a", 20, 10, False), ("b", 10, 4, True), ("b", 50, 10, False)]
    rows, n = [], 0
    for channel, size, kept, tipped in plan:
        for i in range(size):
            user = f"{channel}{n:03d}"
            rows += [_row(user, "signup", 0, channel), _row(user, "order", 2, channel)]
            if tipped:
                rows.append(_row(user, "tip", 1.5, channel))
            later = "order" if i < kept else "browse"
            rows.append(_row(user, later, 12, channel))
            n += 1
    qa = [("signup", 0), ("tip", 1), *(("order", d) for d in (9, 10, 11, 12))]
    rows += [_row("qa", event, day, "a") for event, day in qa]
    rows.append(_row("b099", "later", 40, "b"))
    return _frame(rows)


def test_user_counting_north_star_by_hand():
    # Propensity by channel: a 20/40 tipped, b 10/60 -> two strata (as in test_moments.py).
    # ATE = (40·(15/20 − 10/20) + 60·(4/10 − 10/50)) / 100 = 0.22 (rate points).
    # Naive: (15 + 4)/30 − (10 + 10)/70. "qa" is excluded by id, so 100 users remain.
    metric = MetricSpec("Orderers", events=("order",), exclusions=Exclusions(user_ids=("qa",)))
    result = moments.analyse(
        orderers_world(),
        moments.MomentSpec(outcome=metric, confounders=("channel",), min_users=5),
    )
    tip = result.table.filter(pl.col("event") == "tip").row(0, named=True)
    assert result.users == 100
    assert result.outcome_mean == pytest.approx(39 / 100)
    assert tip["lift"] == pytest.approx(0.22)
    assert tip["naive_lift"] == pytest.approx(19 / 30 - 20 / 70)
    assert "1 user is left out, as Orderers excludes them" in " ".join(result.warnings)
    # Retention counts the browsers too: everyone is retained, so no lift at all.
    retained = moments.find_moments(orderers_world(), confounders=("channel",), min_users=5)
    tipped = (pl.col("event") == "tip") & (pl.col("threshold") == 1)
    assert retained.filter(tipped)["naive_lift"].item() == 0.0


def test_excluded_user_would_change_the_answer():
    # Without the exclusion "qa" (tipped, 4 later orders) joins channel a's tipped arm.
    result = moments.analyse(
        orderers_world(), moments.MomentSpec(outcome=ORDERS, confounders=(), min_users=5)
    )
    assert result.users == 101
    assert not any("left out" in w for w in result.warnings)


def amounts_world() -> pl.DataFrame:
    """Return 60 users: 20 tipped, 40 not, with orders and revenue in and out of the window.

    Outcome days 8..35 hold: tipped: 10 users × 2 orders, 10 × 4 orders (mean 3);
    not tipped: 20 × 0, 20 × 2 (mean 1). Each order pays $10. Everyone also orders on day 1
    (moment window) and on day 36 (after the outcome window); neither counts. Every user
    also has a $10 refund on day 20, inside the outcome window.
    """
    rows = []
    plan = [(10, 2, True), (10, 4, True), (20, 0, False), (20, 2, False)]
    n = 0
    for size, orders, tipped in plan:
        for _ in range(size):
            user = f"u{n:02d}"
            rows += [_row(user, "signup", 0), _row(user, "order", 1, revenue=10.0)]
            rows += [_row(user, "order", 8 + 3 * i, revenue=10.0) for i in range(orders)]
            rows += [_row(user, "order", 36, revenue=10.0), _row(user, "refund", 20, revenue=-10.0)]
            if tipped:
                rows.append(_row(user, "tip", 2))
            n += 1
    return _frame(rows)


@pytest.mark.parametrize(
    ("metric", "lift", "mean"),
    [
        # events: 3 − 1 = 2 orders; mean (20·3 + 40·1) / 60.
        (ORDERS, 2.0, 100 / 60),
        # revenue of orders and refunds, refunds left in: each user −$10 on day 20, so the
        # difference is $20 and the mean $100·10/60 − 10.
        (
            MetricSpec("Net revenue", events=("order", "refund"), aggregation="revenue"),
            20.0,
            1000 / 60 - 10,
        ),
        # refunds excluded: the refund rows leave the outcome only.
        (
            MetricSpec(
                "Gross revenue",
                events=("order", "refund"),
                aggregation="revenue",
                exclusions=Exclusions(refunds=True),
            ),
            20.0,
            1000 / 60,
        ),
    ],
)
def test_per_user_total_by_hand(metric, lift, mean):
    result = moments.analyse(
        amounts_world(), moments.MomentSpec(outcome=metric, confounders=(), min_users=5)
    )
    tip = result.table.filter(pl.col("event") == "tip").row(0, named=True)
    assert result.users == 60
    assert result.outcome_mean == pytest.approx(mean)
    assert tip["naive_lift"] == pytest.approx(lift)
    assert tip["lift"] == pytest.approx(lift)  # nothing to adjust for: lift = naive


def test_landmark_rule_nothing_inside_the_moment_window_counts():
    # Own day k = floor(days since the first event). Outcome days 8..35 only:
    # early: orders on k = 3 and k = 7 (the gap day) -> 0; edges: k = 8 and k = 35 -> 2;
    # late: k = 36 -> 0. Observation runs to day 40 through "tail".
    rows = [_row(u, "signup", 0) for u in ("early", "edges", "late", "tail")]
    rows += [_row("early", "order", 3), _row("early", "order", 7.99)]
    rows += [_row("edges", "order", 8.0), _row("edges", "order", 35.99)]
    rows += [_row("late", "order", 36.0), _row("tail", "browse", 40)]
    table = moments.user_table(_frame(rows), moments.MomentSpec(outcome=ORDERS))
    assert _y(table) == {"early": 0.0, "edges": 2.0, "late": 0.0, "tail": 0.0}


def test_users_reaching_counts_per_calendar_week_inside_the_window():
    # T0 is Monday 3 Mar 09:00; the calendar week of Mon 10 Mar holds own days 7..13.
    # x: orders on days 8 and 9 (same week, both in the window) -> 1;
    # y: days 12 and 14 (Sat 15 and Mon 17 Mar: two weeks) -> 0;
    # z: days 7.2 and 8 (same week, but k = 7 is before the outcome window) -> 0.
    rows = [_row(u, "signup", 0) for u in "xyz"]
    for user, days in (("x", (8, 9)), ("y", (12, 14)), ("z", (7.2, 8))):
        rows += [_row(user, "order", d) for d in days]
    rows.append(_row("x", "browse", 40))
    metric = MetricSpec(
        "Repeat orderers", events=("order",), aggregation="users_reaching", threshold=2
    )
    table = moments.user_table(_frame(rows), moments.MomentSpec(outcome=metric))
    assert _y(table) == {"x": 1.0, "y": 0.0, "z": 0.0}


def test_exclusions_filters_and_bots():
    # u1 is flagged internal on one row: left out entirely. u2 does 30 events on day 9: a bot
    # at 25 a day. u3's order on day 9 is a "test" order: the filter plan = real leaves it out.
    def row(user: str, event: str, day: float, internal: str = "", plan: str = "") -> dict:
        return {**_row(user, event, day), "internal": internal, "plan": plan}

    rows = [row(u, "signup", 0) for u in ("u1", "u2", "u3", "u4")]
    rows += [row("u1", "order", 9, internal="true"), row("u1", "order", 10)]
    rows += [row("u2", "order", 9) for _ in range(30)]
    rows += [row("u3", "order", 9, plan="test"), row("u4", "order", 9, plan="real")]
    rows += [row("u4", "order", 10, plan="real"), row("u4", "browse", 40)]
    events = _frame(rows)
    metric = MetricSpec(
        "Real orders",
        events=("order",),
        filters=(Filter("plan", "not_in", ("test",)),),
        aggregation="events",
        exclusions=Exclusions(
            user_filters=(Filter("internal", "in", ("true",)),), bot_events_per_day=25
        ),
    )
    table = moments.user_table(events, moments.MomentSpec(outcome=metric))
    assert _y(table) == {"u3": 0.0, "u4": 2.0}
    assert "2 users are left out" in table.warnings[0]


def test_north_star_that_cannot_be_computed_is_explained():
    events = orderers_world()
    cases = [
        (MetricSpec("Bookings", events=("booking",), aggregation="events"), "does not have"),
        (
            MetricSpec("Pro orders", events=("order",), filters=(Filter("plan", "in", ("pro",)),)),
            "needs column\\(s\\) plan",
        ),
        (
            MetricSpec("Nights", events=("order",), aggregation="property_sum", value_column="n"),
            "needs column\\(s\\) n",
        ),
        (MetricSpec("Teams", entity="account"), "account_id"),
        (MetricSpec("Days to order", events=("order",), aggregation="days_to_value"), "fast"),
    ]
    for metric, message in cases:
        with pytest.raises(DataError, match=message):
            moments.find_moments(events, outcome=metric, min_users=5)
    no_revenue = events.drop("revenue")
    with pytest.raises(DataError, match="revenue column"):
        moments.find_moments(no_revenue, outcome=MetricSpec("Rev", aggregation="revenue"))


def test_partly_missing_events_and_account_north_star_are_noted():
    metric = MetricSpec("Orders", events=("order", "reorder"), aggregation="events")
    table = moments.user_table(orderers_world(), moments.MomentSpec(outcome=metric))
    assert table.warnings[0].startswith("Orders counts reorder events, which this dataset")
    teams = orderers_world().with_columns(account_id=pl.lit("t1"))
    table = moments.user_table(
        teams, moments.MomentSpec(outcome=MetricSpec("Active teams", entity="account"))
    )
    assert any("counts teams" in w for w in table.warnings)


def _oracle(rows: list[dict], metric: MetricSpec, window: tuple[int, int]) -> dict[str, float]:
    """Each user's part of `metric` in own days window, by a plain loop over rows."""
    start: dict[str, datetime] = {}
    for r in rows:
        start[r["user_id"]] = min(start.get(r["user_id"], r["ts"]), r["ts"])
    out = dict.fromkeys(start, 0.0)
    weeks: dict[tuple[str, date], int] = {}
    for r in rows:
        k = (r["ts"] - start[r["user_id"]]) // timedelta(days=1)
        if not window[0] <= k <= window[1] or r["event"] not in metric.events:
            continue
        user = r["user_id"]
        if metric.aggregation == "events":
            out[user] += 1
        elif metric.aggregation == "revenue":
            out[user] += r["revenue"]
        elif metric.aggregation == "distinct_users":
            out[user] = 1.0
        else:
            monday = r["ts"].date() - timedelta(days=r["ts"].weekday())
            weeks[user, monday] = weeks.get((user, monday), 0) + 1
            out[user] = max(out[user], float(weeks[user, monday] >= metric.threshold))
    return out


AGGREGATIONS = ("events", "revenue", "distinct_users", "users_reaching")


@settings(max_examples=40, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from("abcde"),
            st.sampled_from(["order", "open", "refund"]),
            st.floats(0, 45),
            st.sampled_from([-5.0, 0.0, 7.5]),
        ),
        min_size=1,
        max_size=60,
    ),
    aggregation=st.sampled_from(AGGREGATIONS),
    threshold=st.integers(1, 3),
    window=st.sampled_from([(8, 35), (7, 7), (10, 20)]),
)
def test_outcome_matches_a_plain_python_loop(rows, aggregation, threshold, window):
    records = [_row(u, e, round(d, 3), revenue=r) for u, e, d, r in rows]
    # z orders on day 0 (never in an outcome window), so the counted event always exists,
    # and is seen on day 60, so every outcome window is observed.
    records += [_row("z", "order", 0), _row("z", "open", 60)]
    metric = MetricSpec(
        "M",
        events=("order", "refund"),
        aggregation=aggregation,
        threshold=threshold if aggregation == "users_reaching" else 1,
    )
    spec = moments.MomentSpec(outcome=metric, window_days=min(window[0], 7), outcome_window=window)
    table = moments.user_table(_frame(records), spec)
    ours = _y(table)
    expected = _oracle(records, metric, window)
    assert ours.keys() == expected.keys()
    for user, value in expected.items():
        assert ours[user] == pytest.approx(value, abs=1e-9)


def test_north_star_over_every_event_is_the_retained_outcome():
    events = pl.read_parquet(SAMPLES["meals"].events_path)
    active = moments.user_table(events, moments.MomentSpec(outcome=MetricSpec("WAU")))
    retained = moments.user_table(events, moments.MomentSpec())
    assert active.users["y"].to_list() == retained.users["y"].to_list()
    assert active.eligible.tolist() == retained.eligible.tolist()


@pytest.fixture(scope="module")
def meals_orders():
    events = pl.read_parquet(SAMPLES["meals"].events_path)
    return events, moments.analyse(events, moments.MomentSpec(outcome=ORDERS))


def test_meals_orders_outcome_matches_duckdb(meals_orders):
    events, result = meals_orders
    con = duckdb.connect()
    con.register("ev", events.to_arrow())
    # Eligible: first event + 36 days ≤ the last event; outcome: orders on own days 8..35.
    mean, users = con.execute(
        """
        WITH t AS (
            SELECT user_id, event, epoch_us(ts) AS t,
                   min(epoch_us(ts)) OVER (PARTITION BY user_id) AS t0,
                   max(epoch_us(ts)) OVER () AS t_end
            FROM ev
        ), per_user AS (
            SELECT user_id,
                   count(*) FILTER (WHERE event = 'order'
                                    AND (t - t0) // 86400000000 BETWEEN 8 AND 35) AS y
            FROM t GROUP BY user_id
            HAVING any_value(t0) + 36 * 86400000000 <= any_value(t_end)
        )
        SELECT avg(y), count(*) FROM per_user
        """
    ).fetchone()
    assert result.users == users == TRUTHS["meals"].outcome.eligible
    assert result.outcome_mean == pytest.approx(mean)


def test_meals_planted_cause_drives_orders_and_the_proxy_does_not(meals_orders):
    _, result = meals_orders
    truths = TRUTHS["meals"]

    def row(behaviour) -> dict:
        hit = (pl.col("event") == behaviour.event) & (pl.col("threshold") == behaviour.min_count)
        return result.table.filter(hit).row(0, named=True)

    cause, proxy = row(truths.moment), row(truths.proxy)
    assert cause["verdict"] == moments.DRIVER
    assert cause["lift"] < cause["naive_lift"]
    assert proxy["verdict"] != moments.DRIVER
    assert proxy["naive_lift"] > 0
    assert proxy["ci_low"] <= 0 <= proxy["ci_high"]
    drivers = result.table.filter(pl.col("verdict") == moments.DRIVER)["moment"].to_list()
    assert "save_favorite in first 7 days" in drivers[:5]


def test_words_and_units_of_a_north_star_outcome(meals_orders):
    _, result = meals_orders
    spec = result.spec
    assert units.kind(spec) == "amount"
    assert text.outcome_words(spec) == "orders per user on days 8–35 (North Star: Weekly orders)"
    shown = text.display_table(result)
    assert "Adjusted lift (orders)" in shown.columns
    top = result.table.filter(pl.col("lift").is_not_null()).row(0, named=True)
    assert shown.filter(pl.col("Moment") == top["moment"])["Adjusted lift (orders)"].item() == (
        pytest.approx(round(top["lift"], 2))
    )
    assert "Weekly orders per user" not in text.headline(result)
    assert "the average orders per user on days 8–35" in text.headline(result)
    assert "their number of counted events in the window" in text.definitions(spec)
    assert text.axis_title(spec) == "Lift in orders per user"
    rate = moments.MomentSpec(outcome=ORDERERS)
    assert text.amount(0.05, rate) == "+5.0 pp"
    assert text.outcome_words(rate) == "counted in Orderers (order events on days 8–35)"


def test_north_star_spec_is_a_cache_key():
    spec = moments.MomentSpec(outcome=ORDERS)
    assert hash(spec) == hash(moments.MomentSpec(outcome=ORDERS))
    assert spec != moments.MomentSpec(outcome=ORDERERS)
