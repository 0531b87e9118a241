"""High-value moments: discovery at 100k users, the CRM list, stage 1 vs DuckDB.

python -m bench --only moments
(The verdicts' false positives and the intervals' coverage: bench/calibration.py.)
"""

from typing import Final

import numpy as np
import polars as pl

from bench._harness import Row, best_of, duckdb_connection, events_parquet, isolated
from nsm_core import moments
from nsm_core.moments import candidates

# ~40 events per nominal user; the zipf draw leaves ~100k distinct users at this size.
EVENTS_100K_USERS: Final = 4_700_000
START: Final = np.datetime64("2025-01-01T00:00:00", "us")
DAY_S: Final = 86_400
TAU: Final = 0.10


def world(seed: int, n_users: int = 2_000, tau: float = TAU) -> pl.DataFrame:
    """Return events of a small product where "cause" lifts retention by exactly `tau`.

    Per user: channel c (observed), activity a ~ Poisson(2 + 2·[c = "ads"]) "browse" events
    on day 0 (observed early activity); P(cause) = σ(−1 + 0.4a − 0.8·[c = "ads"]);
    P(retained) = 0.15 + 0.05a' + 0.1·[c = "seo"] + tau·cause with a' = min(a, 6); a
    retained user has a "return" event on one of days 8..35. "noise" happens at random.
    Every confounder is observed, so the adjusted lift should cover `tau` 95% of the time.
    """
    rng = np.random.default_rng(seed)
    channel = rng.choice(np.array(["ads", "seo", "ref"]), n_users, p=[0.5, 0.3, 0.2])
    ads = channel == "ads"
    activity = rng.poisson(2 + 2 * ads)
    cause = rng.random(n_users) < 1 / (1 + np.exp(1 - 0.4 * activity + 0.8 * ads))
    p_base = 0.15 + 0.05 * np.minimum(activity, 6) + 0.1 * (channel == "seo")
    retained = rng.random(n_users) < p_base + tau * cause
    signup = rng.integers(0, 60 * DAY_S, n_users)
    users = np.arange(n_users)
    parts = [
        (users, "signup", signup),
        (np.repeat(users, activity), "browse", np.repeat(signup, activity) + 60),
        (users[cause], "cause", signup[cause] + rng.integers(1, 6 * DAY_S, cause.sum())),
        (users[retained], "return", signup[retained] + rng.integers(8, 35, retained.sum()) * DAY_S),
    ]
    noisy = rng.random(n_users) < 0.3
    parts.append((users[noisy], "noise", signup[noisy] + rng.integers(1, 6 * DAY_S, noisy.sum())))
    parts.append((np.array([0]), "tail", np.array([100 * DAY_S])))
    user = np.concatenate([p[0] for p in parts])
    return pl.DataFrame(
        {
            "user_id": pl.Series(user).cast(pl.String),
            "event": np.concatenate([np.full(p[0].size, p[1]) for p in parts]),
            "ts": pl.Series(
                START + np.concatenate([p[2] for p in parts]).astype("timedelta64[s]")
            ).dt.replace_time_zone("UTC"),
            "channel": channel[user],
        }
    )


def _spec() -> moments.MomentSpec:
    return moments.MomentSpec(confounders=("channel", *moments.ACTIVITY), segments=("channel",))


def find_100k() -> None:
    """Run the full discovery on ~100k users × 30 events × 5 thresholds."""
    moments.analyse(pl.read_parquet(events_parquet(EVENTS_100K_USERS)), _spec())


def _stage1_sql() -> str:
    return """
        WITH t AS (
            SELECT user_id, event, epoch_us(ts) AS t,
                   min(epoch_us(ts)) OVER (PARTITION BY user_id) AS t0
            FROM ev
        )
        SELECT user_id, event, count(*) AS n
        FROM t WHERE (t - t0) // 86400000000 < 7
        GROUP BY user_id, event
    """


def _stage1_polars(events: pl.DataFrame) -> pl.DataFrame:
    """Return the per user × event counts in each user's first 7 days (the SQL's result)."""
    return candidates.window_frames(events.lazy(), _spec(), ())[1].collect()


def run(sizes: list[int]) -> list[Row]:
    """Return the moments benchmark rows (the sizes of other modules do not apply)."""
    events = pl.read_parquet(events_parquet(EVENTS_100K_USERS))
    users = events["user_id"].n_unique()
    note = f"{users:,} users, 30 event types, 5 thresholds, 1000 bootstrap replicates"
    seconds, peak = isolated(find_100k, repeat=1)
    rows = [Row("moments: find_moments", events.height, seconds, None, peak, note)]
    table = moments.user_table(events, _spec())
    result = moments.discover(table)
    # Active in the last 10 years: every user who has not done a moment is listed, the
    # longest list the page can build.
    crm = moments.CrmSpec(active_days=3650, segment="channel")
    per_user = best_of(lambda: moments.crm_list(events, table, result, crm), repeat=2)
    listed = moments.crm_list(events, table, result, crm).rows.height
    rows.append(
        Row(
            "moments: next moments per user",
            events.height,
            per_user,
            note=f"{users:,} users, {listed:,} rows listed, lifts by channel",
        )
    )
    con = duckdb_connection()
    con.register("ev", events.to_arrow())
    ours = best_of(lambda: _stage1_polars(events), repeat=2)
    theirs = best_of(lambda: con.sql(_stage1_sql()).to_arrow_table(), repeat=2)
    rows.append(Row("moments: stage-1 window counts", events.height, ours, theirs))
    return rows
