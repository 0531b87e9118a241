"""What is in a dataset: the event catalog, the properties and the usable segments."""

from typing import Final

import polars as pl

from nsm_core._types import FrameT
from nsm_core.schema import CANONICAL, EVENT, TS, USER

MAX_SEGMENT_VALUES: Final = 30


def event_catalog(events: FrameT) -> FrameT:
    """Return one row per event type: how often, by how many users, first and last seen.

    events(user_id, event, ts) -> (event, events, users, user_share, first_seen, last_seen)
    user_share = users who did the event / all users; sorted by events, most first.

    Example:
        >>> from datetime import datetime
        >>> ev = pl.DataFrame(
        ...     {
        ...         "user_id": ["a", "a", "b"],
        ...         "event": ["open", "open", "pay"],
        ...         "ts": [datetime(2025, 1, d) for d in (1, 2, 3)],
        ...     }
        ... )
        >>> event_catalog(ev).select("event", "events", "users", "user_share").rows()
        [('open', 2, 1, 0.5), ('pay', 1, 1, 0.5)]
    """
    return (
        events.group_by(EVENT)
        .agg(
            events=pl.len(),
            users=pl.col(USER).n_unique(),
            first_seen=pl.col(TS).min(),
            last_seen=pl.col(TS).max(),
        )
        .join(events.select(all_users=pl.col(USER).n_unique()), how="cross")
        .select(
            EVENT,
            "events",
            "users",
            user_share=pl.col("users") / pl.col("all_users"),
            first_seen=pl.col("first_seen"),
            last_seen=pl.col("last_seen"),
        )
        .sort(["events", EVENT], descending=[True, False])
    )


def property_columns(schema: pl.Schema) -> list[str]:
    """Return the property columns of an event schema (everything not canonical).

    Example:
        >>> property_columns(pl.Schema({"user_id": pl.String, "plan": pl.String}))
        ['plan']
    """
    return [name for name in schema.names() if name not in CANONICAL]


def property_catalog(events: pl.DataFrame, top: int = 5) -> pl.DataFrame:
    """Return one row per property column: type, distinct values, missing share, top values.

    Example:
        >>> ev = pl.DataFrame({"user_id": ["a", "b", "c"], "plan": ["pro", "pro", None]})
        >>> property_catalog(ev).row(0)
        ('plan', 'String', 1, 0.3333333333333333, 'pro (2)')
    """
    rows = [
        {
            "property": name,
            "type": str(events.schema[name]),
            "distinct_values": events[name].drop_nulls().n_unique(),
            "missing_share": events[name].null_count() / max(events.height, 1),
            "top_values": ", ".join(
                f"{value} ({n:,})"
                for value, n in events[name].drop_nulls().value_counts(sort=True).head(top).rows()
            ),
        }
        for name in property_columns(events.schema)
    ]
    schema = {
        "property": pl.String,
        "type": pl.String,
        "distinct_values": pl.Int64,
        "missing_share": pl.Float64,
        "top_values": pl.String,
    }
    return pl.DataFrame(rows, schema=schema)


def segment_columns(events: pl.DataFrame, max_values: int = MAX_SEGMENT_VALUES) -> list[str]:
    """Return the properties that make good segments: text or integers with 2..max values.

    Example:
        >>> ev = pl.DataFrame({"user_id": ["a", "b"], "channel": ["ads", "seo"], "x": [1.5, 2]})
        >>> segment_columns(ev)
        ['channel']
    """
    candidates = [
        name
        for name in property_columns(events.schema)
        if events.schema[name] in (pl.String, pl.Categorical, pl.Boolean)
        or events.schema[name].is_integer()
    ]
    if not candidates:
        return []
    distinct = events.select(pl.col(candidates).drop_nulls().n_unique()).row(0)
    return [name for name, n in zip(candidates, distinct, strict=True) if 2 <= n <= max_values]
