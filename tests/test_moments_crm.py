"""The CRM list: its filters, counts and order on a hand-worked log, plain Python, DuckDB, teams.

Every expected number is computed independently: by hand in the comments, by a plain-Python
pass over the raw event rows, or by DuckDB SQL written from the definitions.
"""

import statistics
from datetime import UTC, datetime, timedelta

import duckdb
import polars as pl
import pytest

from bench.moments import world
from nsm_core import moments
from nsm_core.export import to_csv_bytes
from nsm_core.moments import crm
from nsm_core.samples import SAMPLES

T0 = datetime(2025, 3, 3, tzinfo=UTC)
CALL = "call in first 7 days"
INSTALL = "install ≥2× in first 7 days"


def _log(rows: list[tuple[str, str, float]]) -> pl.DataFrame:
    """Return events from (user, event, hours after T0) rows."""
    return pl.DataFrame(
        {
            "user_id": [u for u, _, _ in rows],
            "event": [e for _, e, _ in rows],
            "ts": [T0 + timedelta(hours=h) for _, _, h in rows],
        }
    )


def tiny_log() -> pl.DataFrame:
    """Return seven users; the data end on day 100 (user z), the "now" of the list.

    a: call at 1 h, install at 48 h and 72 h -> did both (install ≥2 reached at 72 h).
    b: install once at 24 h, last seen on day 95 (5 days before the end).
    c: install at 48 h and on day 20 (only 1 in the window: did it later); last seen day 20.
    d: first event on day 97: still inside their 7-day window (days 97..103), 4 days left.
    e: install at 5 h and 6 h, call at 10 h (install first); last seen at 10 h.
    f: call at 30 h, install at 40 h and 50 h.
    z: an open on day 0 and on day 100 (seen today).
    """
    day = 24.0
    rows = [(u, "open", 0.0) for u in "abcefz"]
    rows += [("a", "call", 1), ("a", "install", 48), ("a", "install", 72), ("a", "open", 50 * day)]
    rows += [("b", "install", 24), ("b", "open", 95 * day)]
    rows += [("c", "install", 48), ("c", "install", 20 * day)]
    rows += [("d", "open", 97 * day)]
    rows += [("e", "install", 5), ("e", "install", 6), ("e", "call", 10)]
    rows += [("f", "call", 30), ("f", "install", 40), ("f", "install", 50)]
    rows += [("z", "open", 100 * day)]
    return _log(rows)


def _result(table: moments.UserTable, chosen: list[tuple]) -> moments.MomentsResult:
    """Return a ranked result whose likely drivers are `chosen` (event, threshold, lift)."""
    ranked = pl.DataFrame(
        {
            "rank": list(range(1, len(chosen) + 1)),
            "moment": [moments.moment_label(e, k, table.spec.window_days) for e, k, _ in chosen],
            "event": [e for e, _, _ in chosen],
            "threshold": [k for _, k, _ in chosen],
            "lift": [lift for _, _, lift in chosen],
            "verdict": [moments.DRIVER] * len(chosen),
        },
        schema={
            "rank": pl.Int64,
            "moment": pl.String,
            "event": pl.String,
            "threshold": pl.Int64,
            "lift": pl.Float64,
            "verdict": pl.String,
        },
    )
    return moments.MomentsResult(ranked, table.spec, int(table.eligible.sum()), 0, 0.0, ())


def tiny_list(active_days: int = 30, order: crm.Order = "sequence") -> crm.CrmList:
    events = tiny_log()
    table = moments.user_table(events, moments.MomentSpec(thresholds=(1, 2)))
    # install has the larger lift, so a list ordered by lift would put it first.
    result = _result(table, [("install", 2, 0.10), ("call", 1, 0.05)])
    return moments.crm_list(events, table, result, moments.CrmSpec(active_days, order))


def test_tiny_log_counts_by_hand():
    steps = tiny_list().steps
    by_moment = {r["moment"]: r for r in steps.iter_rows(named=True)}
    # call: a, e, f did it; b (5 days ago), z (today) active; d inside the window; c last
    # seen 80 days ago is inactive for 30+ days. 3 + 3 + 1 = 7 users.
    call = by_moment[CALL]
    assert (call["already_did"], call["did_later"], call["listed"]) == (3, 0, 3)
    assert (call["in_window"], call["active"], call["inactive"], call["no_gain"]) == (1, 2, 1, 0)
    # install ≥2: a, e, f in the window and c later (day 20) did it; b, d, z listed.
    install = by_moment[INSTALL]
    assert (install["already_did"], install["did_later"], install["listed"]) == (4, 1, 3)
    assert (install["in_window"], install["active"], install["inactive"]) == (1, 2, 0)
    assert steps["users"].to_list() == [7, 7]


def test_tiny_log_sequence_by_hand():
    steps = tiny_list().steps
    # call achievers a, e, f at 1, 10, 30 h: median 10 h. install ≥2 achievers a, e, f at
    # 72, 6, 50 h: median 50 h. So call is step 1 although install has the larger lift.
    assert steps["moment"].to_list() == [CALL, INSTALL]
    assert steps["median_days"].to_list() == pytest.approx([10 / 24, 50 / 24])
    assert steps["achievers"].to_list() == [3, 3]
    # Of a, e, f (reached both), a and f called first: 2 of 3.
    assert steps["first_share"][0] == pytest.approx(2 / 3)
    assert steps["both"].to_list() == [3, None]


def test_tiny_log_rows_by_hand():
    rows = tiny_list().rows
    assert rows.columns[:5] == list(crm.KEY_COLUMNS)
    got = rows.select("user_id", "moment", "step", "reason", "score", "times_done").rows()
    b_reason = "past their 7-day window, last seen 5 days ago"
    d_reason = "inside their 7-day window, 4 days left"
    z_reason = "past their 7-day window, last seen today"
    assert got == [
        ("b", CALL, 1, b_reason, 5.0, 0),
        ("b", INSTALL, 2, b_reason, 10.0, 1),
        ("d", CALL, 1, d_reason, 5.0, 0),
        ("d", INSTALL, 2, d_reason, 10.0, 0),
        ("z", CALL, 1, z_reason, 5.0, 0),
        ("z", INSTALL, 2, z_reason, 10.0, 0),
    ]
    context = rows.filter(pl.col("user_id") == "b").row(0, named=True)
    assert context["last_seen"] == T0 + timedelta(days=95)
    assert (context["days_since_first_event"], context["days_since_last_seen"]) == (100, 5)
    assert "account_id" not in rows.columns


def test_order_by_lift_puts_the_larger_lift_first():
    rows = tiny_list(order="lift").rows
    assert rows.filter(pl.col("user_id") == "b").select("moment", "step").rows() == [
        (INSTALL, 1),
        (CALL, 2),
    ]
    # The steps keep the sequence achievers follow.
    assert tiny_list(order="lift").steps["moment"].to_list() == [CALL, INSTALL]


def test_fewer_active_days_move_users_to_inactive():
    # With 3 days, b (last seen 5 days ago) is inactive; d stays (inside the window).
    steps = tiny_list(active_days=3).steps
    assert steps["listed"].to_list() == [2, 2]
    assert steps["inactive"].to_list() == [2, 1]
    assert sorted(set(tiny_list(active_days=3).rows["user_id"])) == ["d", "z"]


def test_account_is_listed_when_the_data_has_one():
    events = tiny_log().with_columns(account_id=pl.lit("acme-") + pl.col("user_id"))
    table = moments.user_table(events, moments.MomentSpec(thresholds=(1,)))
    result = _result(table, [("call", 1, 0.05)])
    rows = moments.crm_list(events, table, result, moments.CrmSpec()).rows
    # c is inactive for 80 days; a, e, f called.
    assert rows.select("user_id", "account_id").rows() == [
        ("b", "acme-b"),
        ("d", "acme-d"),
        ("z", "acme-z"),
    ]


def test_csv_starts_with_what_a_crm_imports_and_is_formula_safe():
    events = tiny_log().with_columns(user_id=pl.lit("=HYPERLINK(") + pl.col("user_id"))
    table = moments.user_table(events, moments.MomentSpec(thresholds=(1, 2)))
    result = _result(table, [("call", 1, 0.05)])
    lines = to_csv_bytes(moments.crm_list(events, table, result, moments.CrmSpec()).rows)
    lines = lines.decode().splitlines()
    assert lines[0].startswith("user_id,moment,step,reason,score,")
    assert len(lines) == 4
    assert all(line.startswith("'=HYPERLINK(") for line in lines[1:])


def _plain_list(events: pl.DataFrame, tops: list[dict], lifts: dict, spec: crm.CrmSpec) -> list:
    """Return the list by plain Python over the raw rows (see the crm module's definitions)."""
    end = events["ts"].max()
    times: dict = {}
    for user, event, ts in events.select("user_id", "event", "ts").iter_rows():
        times.setdefault(user, {}).setdefault(event, []).append(ts)
    window = timedelta(days=7)
    hours: dict = {}
    for top in tops:
        done = []
        for per_event in times.values():
            t0 = min(min(ts) for ts in per_event.values())
            mine = sorted(per_event.get(top["event"], []))
            inside = [t for t in mine if t - t0 < window]
            if len(inside) >= top["threshold"]:
                done.append((inside[top["threshold"] - 1] - t0).total_seconds() / 3600)
        hours[top["moment"]] = statistics.median(done)
    sequence = sorted(tops, key=lambda t: (hours[t["moment"]], -t["lift"]))
    expected = []
    for user, per_event in sorted(times.items()):
        t0 = min(min(ts) for ts in per_event.values())
        last = max(max(ts) for ts in per_event.values())
        seen = (end - last) // timedelta(days=1)
        inside = t0 + window > end
        todo = [
            (position, top)
            for position, top in enumerate(sequence)
            if len(per_event.get(top["event"], [])) < top["threshold"]
            and (inside or seen < spec.active_days)
            and lifts[user, top["moment"]] > 0
        ]
        for step, (_, top) in enumerate(todo, start=1):
            score = round(lifts[user, top["moment"]] * 100, 2)
            expected.append((user, top["moment"], step, score, (end - t0) // timedelta(days=1)))
    return expected


def test_list_matches_plain_python_on_a_world():
    events = world(8, n_users=3000)
    spec = moments.MomentSpec(min_users=30, segments=("channel",), thresholds=(1, 2, 3))
    table = moments.user_table(events, spec)
    result = moments.discover(table)
    crm_spec = moments.CrmSpec(active_days=45, segment="channel")
    got = moments.crm_list(events, table, result, crm_spec).rows
    tops = moments.top_moments(result.table).rows(named=True)
    own = {
        (r["moment"], r["segment"]): r["lift"]
        for r in moments.segment_lifts(table, result, "channel").rows(named=True)
        if r["lift"] is not None
    }
    channel = dict(table.users.select("user_id", "channel").iter_rows())
    lifts = {
        (user, top["moment"]): own.get((top["moment"], channel[user]), top["lift"])
        for user in channel
        for top in tops
    }
    expected = _plain_list(events, tops, lifts, crm_spec)
    assert len(expected) > 100
    columns = ("user_id", "moment", "step", "score", "days_since_first_event")
    assert got.select(columns).rows() == expected


def test_list_of_a_top_moment_holds_every_user_once_per_moment():
    events = world(3, n_users=2000)
    table = moments.user_table(events, moments.MomentSpec(min_users=30, thresholds=(1,)))
    listed = moments.crm_list(events, table, moments.discover(table), moments.CrmSpec())
    counts = listed.steps.select("listed", "already_did", "inactive", "no_gain").sum_horizontal()
    assert counts.to_list() == listed.steps["users"].to_list()
    assert listed.rows.group_by("moment").len().sort("moment")["len"].to_list() == (
        listed.steps.sort("moment")["listed"].to_list()
    )


def test_users_in_a_segment_the_moment_does_not_help_are_counted_not_listed():
    # Channel x gains 25 pp from "cause", channel y loses 15 pp: y's users are left out.
    helped = world(5, n_users=4000, tau=0.25).with_columns(channel=pl.lit("x"))
    hurt = world(6, n_users=2500, tau=-0.15).with_columns(
        channel=pl.lit("y"), user_id=pl.lit("y") + pl.col("user_id")
    )
    events = pl.concat([helped, hurt])
    spec = moments.MomentSpec(min_users=30, segments=("channel",), thresholds=(1,))
    table = moments.user_table(events, spec)
    result = moments.discover(table)
    listed = moments.crm_list(
        events, table, result, moments.CrmSpec(active_days=3650, segment="channel")
    )
    step = listed.steps.filter(pl.col("event") == "cause").row(0, named=True)
    cause = table.events.index("cause")
    y = table.users["channel"].to_numpy() == "y"
    never = table.counts[:, cause] == 0
    # world() has no later "cause" events, so not done = not done in the window.
    assert step["no_gain"] == int((y & never).sum())
    assert step["listed"] == int((~y & never).sum())
    assert set(listed.rows.filter(pl.col("event") == "cause")["channel"]) == {"x"}


def _teams() -> tuple[pl.DataFrame, moments.UserTable]:
    events = pl.read_parquet(SAMPLES["teams"].events_path)
    return events, moments.user_table(events, moments.MomentSpec())


def test_teams_users_start_a_call_before_they_install_an_integration():
    events, table = _teams()
    chosen = pl.DataFrame(
        {
            "moment": ["install_integration in first 7 days", "start_call in first 7 days"],
            "event": ["install_integration", "start_call"],
            "threshold": [1, 1],
            "lift": [0.17, 0.08],
        }
    )
    steps = crm.sequence(table, chosen, crm.user_facts(events, table, chosen))
    con = duckdb.connect()
    con.register("ev", events.to_arrow())
    medians = dict(
        con.sql(
            """
            WITH t AS (
                SELECT user_id, event, ts, min(ts) OVER (PARTITION BY user_id) AS t0 FROM ev
            ), firsts AS (
                SELECT user_id, event, min(epoch_us(ts) - epoch_us(t0)) / 3.6e9 AS hours
                FROM t WHERE epoch_us(ts) - epoch_us(t0) < 7 * 86400e6
                  AND event IN ('start_call', 'install_integration')
                GROUP BY user_id, event
            )
            SELECT event, median(hours) / 24 FROM firsts GROUP BY event
            """
        ).fetchall()
    )
    assert medians["start_call"] < medians["install_integration"]
    assert steps["event"].to_list() == ["start_call", "install_integration"]
    assert steps["median_days"].to_list() == pytest.approx(
        [medians["start_call"], medians["install_integration"]]
    )


def test_no_moment_gives_an_empty_list_with_no_steps():
    events = tiny_log()
    table = moments.user_table(events, moments.MomentSpec(thresholds=(1,)))
    listed = moments.crm_list(events, table, _result(table, []), moments.CrmSpec())
    assert listed.rows.is_empty()
    assert listed.steps.is_empty()
    assert listed.rows.columns[:5] == list(crm.KEY_COLUMNS)
