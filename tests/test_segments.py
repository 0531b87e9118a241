"""segments.first_touch: tie rules by hand, a plain-Python oracle, row order, every page."""

import random
from datetime import UTC, datetime, timedelta

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from nsm_core import economics, moments, retention
from nsm_core.metrics import MetricSpec
from nsm_core.moments.candidates import window_frames
from nsm_core.segments import NO_SEGMENT, first_touch, first_touch_value
from nsm_core.workshop.checks import CheckSpec, unit_table

START = datetime(2025, 1, 1, tzinfo=UTC)
SCHEMA = {
    "user_id": pl.String,
    "event": pl.String,
    "ts": pl.Datetime("us", "UTC"),
    "channel": pl.String,
}

# Few users, events, instants and values, so that ties on ts (and on ts and event) are common.
rows = st.lists(
    st.tuples(
        st.sampled_from("abcd"),
        st.sampled_from(["open", "order", "view"]),
        st.integers(0, 3),
        st.sampled_from(["ads", "seo", "tv", None]),
    ),
    max_size=40,
)


def frame(raw: list[tuple]) -> pl.DataFrame:
    data = [(u, e, START + timedelta(minutes=m), v) for u, e, m, v in raw]
    return pl.DataFrame(data, schema=SCHEMA, orient="row")


def oracle(raw: list[tuple]) -> dict[str, str]:
    """Each user's value on their least (ts, event, value) row with a value, else "(none)"."""
    out = {}
    for user in {r[0] for r in raw}:
        carrying = [(m, e, v) for u, e, m, v in raw if u == user and v is not None]
        out[user] = min(carrying)[2] if carrying else NO_SEGMENT
    return out


def as_dict(touched: pl.DataFrame, column: str = "channel") -> dict[str, str]:
    return dict(touched.select("user_id", column).iter_rows())


def test_tie_rules_by_hand():
    raw = [
        # a: two events at the earliest instant: the event name decides (open < order)
        ("a", "order", 0, "ads"),
        ("a", "open", 0, "tv"),
        ("a", "open", 1, "seo"),
        # b: same instant, same event: the value decides (ads < seo)
        ("b", "open", 2, "seo"),
        ("b", "open", 2, "ads"),
        # c: the earliest row has no value, so the next one with a value counts
        ("c", "open", 0, None),
        ("c", "view", 1, "seo"),
        # d: no value at all
        ("d", "open", 0, None),
        # e: an earlier instant beats a smaller event name and value
        ("e", "view", 0, "tv"),
        ("e", "open", 1, "ads"),
    ]
    touched = first_touch(frame(raw), "channel")
    assert touched.columns == ["user_id", "channel"]
    assert touched.schema["channel"] == pl.String
    assert as_dict(touched) == {"a": "tv", "b": "ads", "c": "seo", "d": "(none)", "e": "tv"}


def test_values_compare_as_text_and_accounts_are_units():
    ev = pl.DataFrame(
        {
            "user_id": ["u1", "u2", "u3"],
            "account_id": ["x", "x", "y"],
            "event": "open",
            "ts": [START, START, START],
            "size": [9, 10, None],
        }
    )
    touched = first_touch(ev.lazy(), "size", unit="account_id")
    assert isinstance(touched, pl.LazyFrame)
    # "10" < "9" as text: ties on the value compare the String the column is returned as
    assert dict(touched.collect().iter_rows()) == {"x": "10", "y": "(none)"}


@settings(max_examples=50, deadline=None)
@given(rows)
def test_matches_plain_python(raw):
    assert as_dict(first_touch(frame(raw), "channel")) == oracle(raw)


@settings(max_examples=40, deadline=None)
@given(rows, st.randoms(use_true_random=False))
def test_row_order_does_not_matter(raw, rnd):
    shuffled = list(raw)
    rnd.shuffle(shuffled)
    ours = first_touch(frame(raw).lazy(), "channel").collect()
    theirs = first_touch(frame(shuffled).lazy(), "channel").collect()
    assert ours.sort("user_id").equals(theirs.sort("user_id"))


def test_every_page_gives_a_user_the_same_segment():
    rnd = random.Random(3)
    raw = [
        (f"u{rnd.randrange(30)}", rnd.choice(["open", "order", "view"]), rnd.randrange(3), v)
        for v in rnd.choices(["ads", "seo", "tv", None], k=300)
    ]
    rnd.shuffle(raw)
    ev = frame(raw).with_columns(revenue=pl.lit(1.0))
    expected = oracle(raw)
    lazy = ev.lazy()
    per_page = {
        "first_touch_value": ev.group_by("user_id").agg(first_touch_value("channel")),
        "retention": retention.penny_users(ev, retention.PennySpec(segment="channel")).select(
            "user_id", channel="segment"
        ),
        "moments": window_frames(lazy, moments.MomentSpec(), ("channel",))[0].collect(),
        "workshop": unit_table(ev, MetricSpec("m"), CheckSpec())
        .collect()
        .rename({"unit": "user_id"}),
        "economics": economics.customers(lazy, economics.EconomicsSpec()).collect(),
    }
    for page, touched in per_page.items():
        assert as_dict(touched) == expected, page
