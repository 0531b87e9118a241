"""Invariants of cohort retention on random event tables (hypothesis)."""

from datetime import datetime, timedelta

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from nsm_core import retention

START = datetime(2025, 1, 1)
rows = st.lists(
    st.tuples(
        st.sampled_from("abcdefghij"),
        st.sampled_from(["open", "order"]),
        st.integers(0, 24 * 100),
        st.sampled_from(["ads", "seo", None]),
    ),
    min_size=1,
    max_size=50,
)
options = st.fixed_dictionaries(
    {
        "period": st.sampled_from(["day", "week", "month"]),
        "anchor": st.sampled_from(["user", "calendar"]),
        "kind": st.sampled_from(["n_period", "unbounded"]),
    }
)


def frame(raw) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "user_id": [r[0] for r in raw],
            "event": [r[1] for r in raw],
            "ts": [START + timedelta(hours=r[2]) for r in raw],
            "channel": [r[3] for r in raw],
        }
    ).with_columns(pl.col("ts").dt.replace_time_zone("UTC"))


@settings(max_examples=40, deadline=None)
@given(rows, options)
def test_rates_bounded_and_period_zero_full(raw, opts):
    out = retention.cohort_retention(frame(raw), **opts)
    rates = out["rate"].drop_nulls()
    assert ((rates >= 0) & (rates <= 1)).all()
    assert out.filter(pl.col("period") == 0)["cohort_size"].sum() == len({r[0] for r in raw})
    first = out.filter(pl.col("period") == 0)["rate"].drop_nulls()
    assert (first == 1.0).all()


@settings(max_examples=40, deadline=None)
@given(rows, options)
def test_unbounded_never_increases(raw, opts):
    opts["kind"] = "unbounded"
    out = retention.cohort_retention(frame(raw), return_event="order", **opts)
    steps = out.drop_nulls("active").with_columns(
        step=pl.col("active").diff().over("cohort", order_by="period")
    )
    assert (steps["step"].drop_nulls() <= 0).all()


@settings(max_examples=40, deadline=None)
@given(rows, options)
def test_segments_add_up_to_the_total(raw, opts):
    events = frame(raw)
    total = retention.cohort_retention(events, **opts)
    split = retention.cohort_retention(events, segment="channel", **opts)
    summed = split.group_by("cohort", "period").agg(
        pl.col("cohort_size").sum().alias("size_sum"), pl.col("active").sum().alias("active_sum")
    )
    joined = total.join(summed, on=["cohort", "period"], how="left")
    sizes = total.filter(pl.col("period") == 0).join(summed, on=["cohort", "period"])
    assert (sizes["cohort_size"] == sizes["size_sum"]).all()
    mature = joined.drop_nulls("active")
    assert (mature["active"] == mature["active_sum"].fill_null(0)).all()


@settings(max_examples=30, deadline=None)
@given(rows, options, st.randoms(use_true_random=False))
def test_order_and_duplicates_do_not_matter(raw, opts, rnd):
    shuffled = list(raw) + list(raw[: len(raw) // 2])
    rnd.shuffle(shuffled)
    a = retention.cohort_retention(frame(raw), segment="channel", **opts)
    b = retention.cohort_retention(frame(shuffled), segment="channel", **opts)
    assert a.equals(b, null_equal=True)
