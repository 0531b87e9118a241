"""Tiny typed-in event tables for the retention tests (worked by hand in test_retention.py)."""

from datetime import datetime

import polars as pl


def events(
    rows: list[tuple], columns: tuple[str, ...] = ("user_id", "event", "ts")
) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=list(columns), orient="row").with_columns(
        pl.col("ts").dt.replace_time_zone("UTC")
    )


# Weeks start Monday: W0 = 6 Jan 2025, W1 = 13 Jan, ... W8 = 3 Mar. T_end = 5 Mar 12:00.
# (user, event, ts, revenue, channel, account)
WEEKLY = [
    ("a", "signup", datetime(2025, 1, 6, 10), 0.0, "ads", "x"),
    ("a", "open", datetime(2025, 1, 7, 9), 10.0, "ads", "x"),
    ("a", "open", datetime(2025, 1, 14, 11), 0.0, "ads", "x"),
    ("a", "open", datetime(2025, 2, 10, 8), 30.0, "ads", "x"),
    ("b", "signup", datetime(2025, 1, 8, 20), 5.0, None, "x"),
    ("b", "open", datetime(2025, 1, 16, 21), -2.0, "seo", "x"),
    ("c", "signup", datetime(2025, 1, 13, 12), 0.0, "ads", "y"),
    ("c", "open", datetime(2025, 2, 20, 12), 0.0, "ads", "y"),
    ("d", "open", datetime(2025, 1, 31, 23), 7.0, "seo", None),
    ("d", "signup", datetime(2025, 2, 3), 0.0, "ads", None),
    ("d", "open", datetime(2025, 2, 4), 20.0, "ads", None),
    ("d", "open", datetime(2025, 3, 5, 12), 0.0, "ads", None),
]
WEEKLY_COLUMNS = ("user_id", "event", "ts", "revenue", "channel", "account_id")

# Months: Jan = M0 ... May = M4. T_end = 30 May 12:00.
MONTHLY = [
    ("p", "open", datetime(2025, 1, 15)),
    ("p", "open", datetime(2025, 2, 20)),
    ("p", "open", datetime(2025, 4, 10)),
    ("q", "open", datetime(2025, 1, 31, 22)),
    ("q", "open", datetime(2025, 3, 1, 10)),
    ("r", "open", datetime(2025, 2, 1)),
    ("r", "open", datetime(2025, 3, 5)),
    ("s", "open", datetime(2025, 2, 27)),
    ("s", "open", datetime(2025, 5, 30, 12)),
]


def weekly() -> pl.DataFrame:
    return events(WEEKLY, WEEKLY_COLUMNS)


def monthly() -> pl.DataFrame:
    return events(MONTHLY)
