"""The bundled samples: byte-identical rebuild, schema, and every planted truth visible in the
raw files through an independent computation (DuckDB SQL or plain polars on the parquet)."""

import gzip
import math
from collections import Counter
from datetime import UTC, datetime, timedelta

import duckdb
import polars as pl
import pytest

from nsm_core.samples import SAMPLE_DIR, SAMPLES
from nsm_core.schema import TS_DTYPE
from nsm_core.synth import PRODUCTS, TRUTHS, build, truths
from nsm_core.synth.build import BEGIN, END
from nsm_core.synth.cdnow import MASTER
from nsm_core.synth.truths import parse_truths, render_markdown, truths_json

SYNTHETIC = ("meals", "teams")
DATA_START = datetime(2025, 1, 1, tzinfo=UTC)
DATA_END = datetime(2026, 2, 1, tzinfo=UTC)
VOCAB = {
    "meals": {
        "signup", "app_open", "search", "view_menu", "add_to_cart", "order", "refund",
        "rate_order", "save_favorite", "share_dish", "enable_notifications", "change_address",
        "contact_support", "coupon_received",
    },
    "teams": {
        "signup", "accept_invite", "app_open", "create_channel", "send_message",
        "invite_teammate", "install_integration", "start_call", "upload_file", "update_profile",
        "plan_upgraded", "seats_added", "subscription_payment", "subscription_cancelled",
    },
}  # fmt: skip
SEGMENT = {"meals": "device", "teams": "company_size"}


def path(name: str) -> str:
    return str(SAMPLE_DIR / name)


@pytest.fixture(scope="module")
def con():
    db = duckdb.connect()
    for key in (*SYNTHETIC, "cdnow"):
        db.execute(
            f"create table {key} as select * from read_parquet('{path(key + '_events.parquet')}')"
        )
    return db


@pytest.fixture(scope="module")
def events() -> dict[str, pl.DataFrame]:
    return {key: pl.read_parquet(SAMPLES[key].events_path) for key in PRODUCTS}


FLAGS = {
    "meals": {
        "moment": ("save_favorite", 1),
        "proxy": ("share_dish", 1),
        "neutral": ("change_address", 1),
    },
    "teams": {
        "moment": ("install_integration", 1),
        "proxy": ("send_message", 50),
        "neutral": ("update_profile", 1),
    },
}


@pytest.fixture(scope="module")
def users(con) -> dict[str, pl.DataFrame]:
    """Per eligible user (SQL on the events): retained = any event on own days 8..35, and
    whether each early behaviour happened (event >= n times on own days 0..6)."""
    out = {}
    for key, flags in FLAGS.items():
        did = ", ".join(
            f"count(*) filter (where day < 7 and event = '{e}') >= {n} as {role}"
            for role, (e, n) in flags.items()
        )
        out[key] = con.sql(f"""
            with s as (select user_id, min(ts) t0 from {key} group by 1),
            d as (select e.*, floor(epoch(e.ts - s.t0) / 86400) as day, s.t0
                  from {key} e join s using (user_id))
            select user_id, bool_or(day between 8 and 35) as retained, {did}
            from d where t0 <= timestamptz '2025-12-27 00:00:00+00'
            group by 1 order by 1
        """).pl()
    return out


def naive_pp(frame: pl.DataFrame, flag: str) -> float:
    treated = frame.filter(pl.col(flag))["retained"].mean()
    control = frame.filter(~pl.col(flag))["retained"].mean()
    return 100 * (treated - control)


def stratified_pp(frame: pl.DataFrame, treat: str, keys: list[str]) -> float:
    """Size-weighted mean of within-stratum differences (strata with both arms only)."""
    cells = (
        frame.group_by(keys)
        .agg(
            n=pl.len(),
            t=pl.col(treat).sum(),
            yt=pl.col("retained").filter(pl.col(treat)).mean(),
            yc=pl.col("retained").filter(~pl.col(treat)).mean(),
        )
        .filter((pl.col("t") >= 3) & (pl.col("n") - pl.col("t") >= 3))
    )
    return 100 * float(((cells["yt"] - cells["yc"]) * cells["n"]).sum() / cells["n"].sum())


def se_pp(frame: pl.DataFrame, treat: str) -> float:
    """Standard error (pp) of a difference in retention rates between the two arms."""
    p = frame["retained"].mean()
    n1 = frame[treat].sum()
    return 100 * math.sqrt(p * (1 - p) * (1 / n1 + 1 / (frame.height - n1)))


# --- rebuild ------------------------------------------------------------------------------


def test_rebuild_is_byte_identical(tmp_path):
    written = build(tmp_path, PRODUCTS, MASTER)
    names = {p.name for p in written}
    assert {f"{k}_events.parquet" for k in SYNTHETIC} <= names
    for file in written:
        assert file.read_bytes() == (SAMPLE_DIR / file.name).read_bytes(), file.name
    if not MASTER.exists():
        pytest.skip("CDNOW source not here: cdnow_events.parquet not rebuilt")
    assert "cdnow_events.parquet" in names


def test_truths_json_round_trips_and_readme_block_is_current():
    text = (SAMPLE_DIR / "truths.json").read_text(encoding="utf-8")
    parsed = parse_truths(text)
    assert truths_json(parsed) == text
    assert parsed == truths() == {k: TRUTHS[k] for k in SYNTHETIC}
    readme = (SAMPLE_DIR / "README.md").read_text(encoding="utf-8")
    block = readme.split(BEGIN, 1)[1].split(END, 1)[0]
    assert block == f"\n{render_markdown(parsed)}\n"


# --- schema -------------------------------------------------------------------------------


@pytest.mark.parametrize("key", PRODUCTS)
def test_canonical_schema_and_order(events, key):
    frame = events[key]
    assert frame.schema["user_id"] == pl.String
    assert frame.schema["event"] == pl.String
    assert frame.schema["ts"] == TS_DTYPE
    assert frame.schema["revenue"] == pl.Float64
    assert frame.select(pl.col("user_id", "event", "ts", "revenue").null_count()).row(0) == (0,) * 4
    assert frame.equals(frame.sort("ts", "user_id", "event", maintain_order=True))


@pytest.mark.parametrize("key", SYNTHETIC)
def test_synthetic_events_are_clean(events, key):
    frame = events[key]
    assert set(frame["event"].unique()) == VOCAB[key]
    assert frame["ts"].min() >= DATA_START
    assert frame["ts"].max() < DATA_END
    # Eligibility by T_end = last event agrees with the documented cutoff (no late signups).
    last = frame["ts"].max()
    assert last >= datetime(2026, 1, 31, 23, tzinfo=UTC)
    signups = frame.filter(pl.col("event") == "signup")["ts"]
    cutoff = datetime(2025, 12, 27, tzinfo=UTC)
    assert signups.filter((signups > last - timedelta(days=36)) & (signups <= cutoff)).is_empty()
    assert frame.is_duplicated().sum() == 0
    first = frame.group_by("user_id").agg(pl.col("event").first())
    assert set(first["event"]) == {"signup"}
    assert (frame["event"] == "signup").sum() == frame["user_id"].n_unique()
    assert frame.filter(pl.col("ts").dt.microsecond() != 0).is_empty()


def test_property_columns(events):
    meals, teams = events["meals"], events["teams"]
    assert {"channel", "device", "country", "order_id", "coupon", "discount", "cogs"} <= set(
        meals.columns
    )
    orders = meals.filter(pl.col("event") == "order")
    assert orders.select(pl.col("discount", "cogs", "order_id").null_count()).row(0) == (0, 0, 0)
    assert orders["discount"].min() >= 0
    assert (
        meals.filter(pl.col("event") != "order")["cogs"].null_count()
        == meals.height - orders.height
    )
    refunds = meals.filter(pl.col("event") == "refund")
    assert refunds["revenue"].max() < 0
    paid = refunds.join(orders, on="order_id", suffix="_order")
    assert paid.height == refunds.height
    assert (paid["ts"] > paid["ts_order"]).all()
    assert (paid["revenue"] == -paid["revenue_order"]).all()
    assert teams["account_id"].null_count() == 0
    assert teams.schema["seats"] == pl.Int64
    assert set(teams["plan"].unique()) == {"free", "team", "business"}
    assert teams.filter(pl.col("revenue") != 0)["event"].unique().to_list() == [
        "subscription_payment"
    ]


def test_cdnow_keeps_every_real_row(events):
    cd = events["cdnow"]
    assert cd.height == 69_659
    assert cd["user_id"].n_unique() == 23_570
    assert math.isclose(cd["revenue"].sum(), 2_500_315.63, abs_tol=0.005)
    assert (cd["revenue"] == 0).sum() == 80
    assert cd.height - cd.select("user_id", "ts").unique().height == 2_068
    assert set(cd["event"]) == {"purchase"}
    assert cd.schema["cds"] == pl.Int64
    if MASTER.exists():
        # Plain Python on the raw file: every (customer, date, cds, cents) record, with counts.
        lines = gzip.decompress(MASTER.read_bytes()).decode("ascii").splitlines()[1:]
        raw = Counter((u, d, int(n), round(float(v) * 100)) for u, d, n, v in map(str.split, lines))
        ours = cd.select(
            "user_id",
            pl.col("ts").dt.strftime("%Y%m%d"),
            "cds",
            (pl.col("revenue") * 100).round().cast(pl.Int64),
        ).rows()
        assert Counter(ours) == raw


def test_spend_tables(events):
    for key in SYNTHETIC:
        spend = pl.read_parquet(SAMPLES[key].spend_path)
        assert spend.schema == pl.Schema(
            {"month": pl.Date, "channel": pl.String, "ad_spend": pl.Float64}
        )
        assert spend.height == 48
        assert spend.filter(pl.col("channel") == "organic")["ad_spend"].sum() == 0
        assert set(spend["channel"]) == set(events[key]["channel"].unique())
    # Referral costs a $12 bonus per referred signup, month by month.
    meals_spend = pl.read_parquet(SAMPLES["meals"].spend_path)
    referred = (
        events["meals"]
        .filter((pl.col("event") == "signup") & (pl.col("channel") == "referral"))
        .group_by(month=pl.col("ts").dt.date().dt.truncate("1mo"))
        .agg(n=pl.len())
    )
    bonus = meals_spend.filter(pl.col("channel") == "referral").join(referred, on="month")
    assert (bonus["ad_spend"] == 12.0 * bonus["n"]).all()


# --- the outcome and the moments ----------------------------------------------------------


@pytest.mark.parametrize("key", SYNTHETIC)
def test_retained_in_the_data_is_the_simulated_outcome(users, key):
    ours = users[key].select("user_id", "retained")
    hidden = pl.read_parquet(path(f"{key}_users_truth.parquet")).filter("eligible")
    joined = ours.join(hidden.select("user_id", truth="retained"), on="user_id")
    assert joined.height == ours.height == hidden.height
    assert (joined["retained"] == joined["truth"]).all()
    outcome = TRUTHS[key].outcome
    assert outcome.eligible == ours.height
    assert outcome.retention == round(ours["retained"].mean(), 4)
    assert outcome.window == (8, 35)


@pytest.mark.parametrize("key", SYNTHETIC)
def test_moment_proxy_and_neutral_truths(users, key):
    tr = TRUTHS[key]
    hidden = pl.read_parquet(path(f"{key}_users_truth.parquet")).filter("eligible")
    frame = users[key]
    for role, (event, n) in FLAGS[key].items():
        truth = getattr(tr, role)
        assert (truth.event, truth.min_count) == (event, n)
        assert truth.role == ("cause" if role == "moment" else role)
        assert truth.naive_lift_pp == pytest.approx(naive_pp(frame, role), abs=1e-3)
        assert truth.reach == pytest.approx(frame[role].mean(), abs=1e-4)
        flags = frame.join(hidden.select("user_id", truth=role), on="user_id")
        assert (flags[role] == flags["truth"]).all()
    ate = 100 * (hidden["y1"].cast(int) - hidden["y0"].cast(int)).mean()
    assert tr.moment.ate_pp == pytest.approx(ate, abs=1e-3)
    assert 10 <= tr.moment.ate_pp <= 16
    # Confounded: the naive lift overstates the effect by a wide margin.
    assert tr.moment.naive_lift_pp > tr.moment.ate_pp + 8
    # The proxy looks great and does nothing; the neutral event looks like nothing.
    assert tr.proxy.ate_pp == 0
    assert tr.proxy.naive_lift_pp >= 20
    assert tr.proxy.phi >= 0.2
    assert tr.neutral.ate_pp == 0
    assert abs(tr.neutral.naive_lift_pp) < 5
    assert tr.only_cause == tr.moment.event


@pytest.mark.parametrize("key", SYNTHETIC)
def test_proxy_lift_vanishes_given_the_true_retention_probability(key):
    # Within strata of each user's realised retention probability the proxy carries no
    # information (it never enters the model); the moment's lift within strata of p0 stays.
    hidden = pl.read_parquet(path(f"{key}_users_truth.parquet")).filter("eligible")
    frame = hidden.with_columns(
        p_obs=pl.when("moment").then("p1").otherwise("p0"),
    ).with_columns(
        band=(pl.col("p_obs") * 40).floor(),
        base=(pl.col("p0") * 40).floor(),
        trait=(pl.col("engagement") * 4).floor(),
    )
    noise = 3 * se_pp(frame, "proxy")
    assert abs(stratified_pp(frame, "proxy", ["band"])) < noise
    assert abs(stratified_pp(frame, "proxy", ["trait", "channel", "leak", "moment"])) < noise
    tr = TRUTHS[key].moment
    assert stratified_pp(frame, "moment", ["base"]) == pytest.approx(
        tr.att_pp, abs=3 * se_pp(frame, "moment")
    )


@pytest.mark.parametrize("key", SYNTHETIC)
def test_adjusting_for_observable_early_activity_recovers_most_of_the_truth(con, key):
    # The confounders an analyst has: channel, device / company size, active days on own
    # days 0..6 and the (log) count of app_open events then.
    tr = TRUTHS[key]
    early = con.sql(f"""
        with s as (select user_id, min(ts) t0 from {key} group by 1)
        select user_id, any_value(channel) channel, any_value({SEGMENT[key]}) segment,
               count(distinct floor(epoch(e.ts - s.t0) / 86400)) as n_days,
               floor(log2(1 + count(*) filter (where event = 'app_open')) * 2) as opens
        from {key} e join s using (user_id)
        where epoch(e.ts - s.t0) < 7 * 86400
        group by 1
    """).pl()
    hidden = pl.read_parquet(path(f"{key}_users_truth.parquet")).filter("eligible")
    frame = hidden.select("user_id", "retained", "moment", "proxy").join(early, on="user_id")
    keys = ["channel", "segment", "n_days", "opens"]
    moment = stratified_pp(frame, "moment", keys)
    proxy = stratified_pp(frame, "proxy", keys)
    assert abs(moment - tr.moment.ate_pp) < 0.35 * (tr.moment.naive_lift_pp - tr.moment.ate_pp)
    assert abs(proxy) < 0.3 * tr.proxy.naive_lift_pp


# --- channels, leak, coupons, expansion -----------------------------------------------------


@pytest.mark.parametrize("key", SYNTHETIC)
def test_channels_differ_in_cost_and_retention(con, users, key):
    tr = TRUTHS[key]
    unit = "account_id" if key == "teams" else "user_id"
    by_channel = con.sql(f"""
        with firsts as (select {unit}, any_value(channel) channel from {key} group by 1),
        spend as (select channel, sum(ad_spend) spend
                  from '{path(key + "_spend.parquet")}' group by 1)
        select channel, spend, count(*) n, spend / count(*) cac
        from firsts join spend using (channel) group by channel, spend order by channel
    """).pl()
    retention = (
        users[key]
        .join(con.sql(f"select distinct user_id, channel from {key}").pl(), on="user_id")
        .group_by("channel")
        .agg(pl.col("retained").mean())
        .sort("retained", descending=True)
    )
    assert tuple(retention["channel"]) == tr.retention_order
    truth = {ch.channel: ch for ch in tr.channels}
    for channel, spend, n, cac in by_channel.iter_rows():
        assert truth[channel].signups == n
        assert truth[channel].ad_spend == pytest.approx(spend, abs=0.01)
        assert truth[channel].cost_per_signup == pytest.approx(cac, abs=0.01)
    rates = dict(retention.iter_rows())
    for channel in truth:
        assert truth[channel].retention == pytest.approx(rates[channel], abs=1e-4)
    paid = {k: v.cost_per_signup for k, v in truth.items() if v.ad_spend > 0}
    best, worst = tr.retention_order[0], tr.retention_order[-1]
    if key == "meals":
        assert (best, worst) == ("referral", "paid_social")
        assert min(paid, key=paid.get) == "referral"
        assert max(paid, key=paid.get) == "paid_social"
    else:
        assert (best, worst) == ("partner", "paid_search")
        assert max(paid, key=paid.get) == "outbound"


@pytest.mark.parametrize("key", SYNTHETIC)
def test_leaky_onboarding_shows_in_recent_cohorts(con, users, key):
    leak = TRUTHS[key].leak
    cohorts = con.sql(f"""
        with s as (select user_id, min(ts) t0 from {key} group by 1)
        select user_id, t0 >= timestamptz '{leak.start} 00:00:00+00' as after,
               bool_or(floor(epoch(e.ts - s.t0) / 86400) between 1 and 6) as activated
        from {key} e join s using (user_id)
        where s.t0 <= timestamptz '2026-01-25 00:00:00+00'
        group by 1, 2
    """).pl()
    act = dict(cohorts.group_by("after").agg(pl.col("activated").mean()).iter_rows())
    assert leak.observed_activation_before == pytest.approx(act[False], abs=1e-4)
    assert leak.observed_activation_after == pytest.approx(act[True], abs=1e-4)
    ret = dict(
        users[key]
        .join(cohorts, on="user_id")
        .group_by("after")
        .agg(pl.col("retained").mean())
        .iter_rows()
    )
    assert leak.observed_retention_before == pytest.approx(ret[False], abs=1e-4)
    assert leak.observed_retention_after == pytest.approx(ret[True], abs=1e-4)
    assert ret[False] - ret[True] > 0.08
    assert act[False] - act[True] > 0.04
    assert leak.retention_drop_pp > 8
    assert leak.activation_drop_pp > 4


def test_coupons_lift_orders_but_cut_margin(events):
    meals, truth = events["meals"], TRUTHS["meals"].discount
    program = meals.filter(pl.col("event") == "coupon_received").select("user_id", program=True)
    per_user = (
        meals.group_by("user_id")
        .agg(orders=(pl.col("event") == "order").sum())
        .join(program, on="user_id", how="left")
        .group_by(pl.col("program").fill_null(False))
        .agg(pl.col("orders").mean(), n=pl.len())
    )
    rows = {r["program"]: r for r in per_user.iter_rows(named=True)}
    share = rows[True]["n"] / (rows[True]["n"] + rows[False]["n"])
    assert share == pytest.approx(truth.program_share, abs=0.03)  # randomised at signup
    ratio = rows[True]["orders"] / rows[False]["orders"]
    assert 1.4 < ratio < 1.9
    assert truth.orders_per_user_program == pytest.approx(rows[True]["orders"], abs=1e-4)
    assert truth.orders_per_user_other == pytest.approx(rows[False]["orders"], abs=1e-4)
    orders = meals.filter(pl.col("event") == "order").with_columns(
        margin=pl.col("revenue") - pl.col("cogs"), discounted=pl.col("discount") > 0
    )
    margin = dict(orders.group_by("discounted").agg(pl.col("margin").mean()).iter_rows())
    assert margin[True] == pytest.approx(truth.margin_per_coupon_order, abs=1e-3)
    assert margin[False] == pytest.approx(truth.margin_per_full_price_order, abs=1e-3)
    assert margin[False] - margin[True] > 3
    coupons = orders.filter("discounted")
    assert coupons["discount"].mean() == pytest.approx(truth.discount_per_coupon_order, abs=1e-3)
    assert set(coupons["coupon"]) == {"SAVE20", "FIVEOFF"}
    assert (coupons["discount"] <= 10).all()


def test_teams_subscriptions_expand_and_churn(con):
    truth = TRUTHS["teams"].expansion
    # docs/definitions/economics.md#nrr: per-account monthly MRR; 6-month NRR of the Jan-Jul
    # 2025 starters.
    nrr = con.sql("""
        with pay as (select account_id, date_trunc('month', ts) m, sum(revenue) mrr
                     from teams where event = 'subscription_payment' group by 1, 2),
        f as (select account_id, min(m) first from pay group by 1),
        s as (select account_id, min(ts) t0 from teams group by 1),
        inv as (select account_id, count(*) n from teams join s using (account_id)
                where event = 'invite_teammate' and epoch(ts - t0) < 7 * 86400 group by 1),
        pairs as (
            select f.account_id, p0.mrr m0, coalesce(p6.mrr, 0) m6, coalesce(inv.n, 0) >= 3 inviter
            from f join pay p0 on p0.account_id = f.account_id and p0.m = f.first
            left join pay p6 on p6.account_id = f.account_id and p6.m = f.first + interval 6 month
            left join inv on inv.account_id = f.account_id
            where f.first < date '2025-08-01')
        select inviter, sum(m6) / sum(m0) nrr, sum(least(m6, m0)) / sum(m0) grr from pairs
        group by rollup (inviter) order by inviter nulls first
    """).fetchall()
    (_, overall, grr), (_, others, _), (_, inviters, _) = nrr
    assert truth.nrr_6m == pytest.approx(overall, abs=1e-4)
    assert truth.nrr_6m_inviters == pytest.approx(inviters, abs=1e-4)
    assert truth.nrr_6m_others == pytest.approx(others, abs=1e-4)
    assert truth.grr_6m == pytest.approx(grr, abs=1e-4)
    assert inviters > 1.05 > 1 > others
    assert grr < 1
    lo, hi = truth.expected_nrr_6m_inviters
    assert 1 < lo < inviters < hi
    # No payment after a cancellation; every payment is seats x the plan's price.
    late = con.sql("""
        select count(*) from teams p join teams c using (account_id)
        where p.event = 'subscription_payment' and c.event = 'subscription_cancelled'
          and p.ts > c.ts
    """).fetchall()[0][0]
    assert late == 0
    wrong = con.sql("""
        select count(*) from teams where event = 'subscription_payment'
        and revenue <> seats * case plan when 'team' then 8 when 'business' then 15 end
    """).fetchall()[0][0]
    assert wrong == 0
    assert truth.cancelled_accounts > 5


def test_teams_account_level_truth(con):
    tr = TRUTHS["teams"]
    acc = con.sql("""
        with s as (select account_id, min(ts) t0 from teams group by 1)
        select account_id,
               bool_or(floor(epoch(ts - t0) / 86400) between 8 and 35) retained,
               bool_or(event = 'install_integration' and epoch(ts - t0) < 7 * 86400) moment
        from teams join s using (account_id)
        where t0 <= timestamptz '2025-12-27 00:00:00+00' group by 1 order by 1
    """).pl()
    hidden = pl.read_parquet(path("teams_accounts_truth.parquet")).filter("eligible")
    joined = acc.join(hidden, on="account_id", suffix="_truth")
    assert joined.height == acc.height == tr.account_outcome.eligible
    assert (joined["retained"] == joined["retained_truth"]).all()
    assert (joined["moment"] == joined["moment_truth"]).all()
    ate = 100 * (hidden["r1"].cast(int) - hidden["r0"].cast(int)).mean()
    assert tr.account_moment.ate_pp == pytest.approx(ate, abs=1e-3)
    assert tr.account_moment.naive_lift_pp == pytest.approx(naive_pp(acc, "moment"), abs=1e-3)
    assert 0 < tr.account_moment.ate_pp < tr.account_moment.naive_lift_pp - 10


# --- the upload CSV -----------------------------------------------------------------------


def test_csv_sample_is_a_faithful_raw_export(events):
    raw = pl.read_csv(SAMPLE_DIR / "meals_events_sample.csv", infer_schema=False)
    assert raw.columns[:4] == ["distinct_id", "event_name", "timestamp", "amount"]
    assert raw["distinct_id"].n_unique() == 400
    assert raw["timestamp"].str.contains(r"[+-]\d\d:\d\d$").all()
    parsed = raw.select(
        user_id="distinct_id",
        event="event_name",
        ts=pl.col("timestamp").str.to_datetime("%Y-%m-%dT%H:%M:%S%:z", time_unit="us"),
        revenue=pl.col("amount").str.replace_all(r"[$,]", "").cast(pl.Float64).fill_null(0.0),
    ).sort("ts", "user_id", "event", maintain_order=True)
    meals = events["meals"].select("user_id", "event", "ts", "revenue")
    expected = meals.join(parsed.select("user_id").unique(), on="user_id", how="semi").filter(
        pl.col("ts") <= parsed["ts"].max()
    )
    assert parsed.equals(expected)
