"""Node edits: a hand-worked edited tree, DuckDB for the same nodes, what is refused."""

from datetime import UTC, datetime

import duckdb
import polars as pl
import pytest

from nsm_core.drivers import (
    NodeEdit,
    TreeSpec,
    build_tree,
    compute,
    driver_baseline,
    edit_captions,
    editable,
    explain,
    filter_choices,
)
from nsm_core.drivers.model import walk
from nsm_core.metrics import Filter
from nsm_core.schema import DataError
from tests.test_drivers_tree import EVENTS, formula_holds

IOS = Filter("device", "in", ("ios",))
SAVE20 = Filter("coupon", "in", ("SAVE20",))


def day(d, hour=12):
    return datetime(2025, 1, d, hour, tzinfo=UTC)


# (user, event, day, revenue, coupon); weeks start Mon 6 Jan and Mon 13 Jan 2025.
ROWS = [
    ("a", "app_open", 6, 0.0, None),
    ("a", "view_menu", 6, 0.0, None),
    ("a", "order", 6, 10.0, "SAVE20"),
    ("a", "order", 7, 20.0, None),
    ("b", "app_open", 7, 0.0, None),
    ("b", "view_menu", 7, 0.0, None),
    ("c", "app_open", 8, 0.0, None),
    ("c", "order", 8, 15.0, None),
    ("a", "view_menu", 13, 0.0, None),
    ("a", "order", 14, 8.0, "SAVE20"),
    ("a", "refund", 15, -8.0, "SAVE20"),
    ("b", "app_open", 15, 0.0, None),
    ("d", "app_open", 16, 0.0, None),
    ("d", "view_menu", 16, 0.0, None),
    ("d", "order", 16, 30.0, None),
    ("d", "order", 17, 12.0, "SAVE20"),
    ("d", "order", 18, 5.0, None),
]
DEVICE = {"a": "ios", "b": "android", "c": "ios", "d": "ios"}
TINY = pl.DataFrame(
    {
        "user_id": [r[0] for r in ROWS],
        "event": [r[1] for r in ROWS],
        "ts": [day(r[2]) for r in ROWS],
        "revenue": [r[3] for r in ROWS],
        "coupon": [r[4] for r in ROWS],
        "device": [DEVICE[r[0]] for r in ROWS],
    }
)
VOLUME_EDITS = (
    NodeEdit("doer_share", "step", "view_menu", IOS),
    NodeEdit("per_doer", "part", where=SAVE20),
)


def test_edited_volume_tree_by_hand():
    # Week 1: active {a, b, c} (all new); 3 orders (a 2, c 1); users who viewed the menu on
    # iOS: {a} (b is on Android); SAVE20 orders: 1.
    # Week 2: active {a, b, d}: d new, a and b retained; 4 orders (a 1, d 3); iOS menu
    # viewers {a, d}; SAVE20 orders: 2.
    spec = TreeSpec("volume", key_event="order", edits=VOLUME_EDITS)
    values = compute(TINY, spec).values
    expected = {
        "volume": [3, 4],
        "active": [3, 3],
        "new": [3, 1],
        "retained": [0, 2],
        "resurrected": [0, 0],
        "per_active": [1, 4 / 3],
        "doer_share": [1 / 3, 2 / 3],
        "per_doer": [3, 2],
        "per_doer_part": [1, 1],
        "per_doer_rest": [2, 1],
    }
    for key, want in expected.items():
        assert values.get_column(key).to_list() == pytest.approx(want, rel=1e-12), key


def test_edited_volume_attribution_by_hand():
    # Root 3 -> 4 (+1): active is flat, so per active user takes all of it. per active user
    # 1 -> 4/3 = share (1/3 -> 2/3) × per doer (3 -> 2). Shapley: share 1/3 × (3 + 2)/2 =
    # 5/6, per doer -1 × (1/3 + 2/3)/2 = -1/2; scaled by 1 / (1/3) = 3: 2.5 and -1.5. Per
    # doer = part (1 -> 1) + rest (2 -> 1): the rest takes all of its -1.5.
    spec = TreeSpec("volume", key_event="order", edits=VOLUME_EDITS)
    result = compute(TINY, spec)
    table = explain(result, result.values.get_column("period_start")[1]).table
    parts = dict(table.select("key", "contribution").iter_rows())
    assert parts == pytest.approx(
        {
            "volume": 1.0,
            "active": 0.0,
            "new": 0.0,
            "retained": 0.0,
            "resurrected": 0.0,
            "per_active": 1.0,
            "doer_share": 2.5,
            "per_doer": -1.5,
            "per_doer_part": 0.0,
            "per_doer_rest": -1.5,
        },
        abs=1e-12,
    )
    assert not table.get_column("key").str.ends_with("unexplained").any()


def test_edited_revenue_tree_by_hand():
    # Week 1: gross 30 (a 10 + 20, c 15 -> 45 with c), paid orders 3, payers = menu
    # viewers {a, b}; week 2: gross 55, refunds -8, net 47, orders 4, viewers {a, d}.
    edits = (NodeEdit("payers", "step", "view_menu"), NodeEdit("aov", "part", where=SAVE20))
    values = compute(TINY, TreeSpec("revenue", key_event="order", edits=edits)).values
    expected = {
        "net": [45, 47],
        "gross": [45, 55],
        "refunds": [0, -8],
        "payers": [2, 2],
        "payers_new": [2, 1],
        "payers_retained": [0, 1],
        "per_payer": [3 / 2, 4 / 2],
        "aov": [15, 55 / 4],
        "aov_part": [10 / 3, 20 / 4],
        "aov_rest": [35 / 3, 35 / 4],
    }
    for key, want in expected.items():
        assert values.get_column(key).to_list() == pytest.approx(want, rel=1e-12), key


def test_part_baseline_counts_the_part_per_order():
    # Coupon revenue per paid order in week 2: orders 8 (SAVE20), 30, 12 (SAVE20), 5 ->
    # values 8, 0, 12, 0: mean 5, sample sd of (8, 0, 12, 0).
    edits = (NodeEdit("aov", "part", where=SAVE20),)
    spec = TreeSpec("revenue", key_event="order", edits=edits)
    result = compute(TINY, spec)
    week2 = result.values.get_column("period_start")[1]
    base = driver_baseline(TINY, result, spec, "aov_part", week2)
    assert (base.kind, base.units, base.value) == ("mean", 4, pytest.approx(5.0))
    assert base.sd == pytest.approx(pl.Series([8.0, 0.0, 12.0, 0.0]).std())
    assert driver_baseline(TINY, result, spec, "aov_rest", week2) is None


EDITED_SQL = """
WITH ev AS (
  SELECT *, (CAST(epoch_us(ts) // 86400000000 AS BIGINT) + 3) // 7 AS w FROM events
)
SELECT w,
  count(DISTINCT user_id) AS active,
  count(*) FILTER (WHERE event = 'order_placed') AS orders,
  count(*) FILTER (WHERE event = 'order_placed' AND lower(channel) = 'seo') AS seo_orders,
  count(DISTINCT user_id) FILTER (WHERE event = 'open' AND lower(channel) = 'ads') AS doers
FROM ev GROUP BY w ORDER BY w
"""


def test_edited_volume_tree_matches_duckdb():
    edits = (
        NodeEdit("doer_share", "step", "open", Filter("channel", "in", ("ads",))),
        NodeEdit("per_doer", "part", where=Filter("channel", "in", ("seo",))),
    )
    values = compute(EVENTS, TreeSpec("volume", key_event="order_placed", edits=edits)).values
    events = EVENTS  # noqa: F841 (read by DuckDB)
    sql = duckdb.sql(EDITED_SQL).pl()
    got = values.with_columns(w=(pl.col("period_start").cast(pl.Int32) + 3) // 7)
    joined = got.join(sql, on="w", how="inner")
    assert joined.height == sql.height
    for row in joined.iter_rows(named=True):
        assert row["doer_share"] == pytest.approx(row["doers"] / row["active"])
        if row["doers"]:
            assert row["per_doer"] == pytest.approx(row["orders"] / row["doers"])
            assert row["per_doer_part"] == pytest.approx(row["seo_orders"] / row["doers"])
            rest = (row["orders"] - row["seo_orders"]) / row["doers"]
            assert row["per_doer_rest"] == pytest.approx(rest)
        formula_holds(build_tree(TreeSpec("volume", "order_placed", edits=edits)), row)


def test_what_each_tree_lets_you_edit():
    volume = editable(build_tree(TreeSpec("volume", key_event="order")))
    assert [(e.key, e.kind, e.events) for e in volume] == [
        ("doer_share", "step", ()),
        ("per_doer", "part", ("order",)),
    ]
    revenue = editable(build_tree(TreeSpec("revenue", key_event="order")))
    assert [(e.key, e.kind) for e in revenue] == [
        ("payers", "step"),
        ("per_payer", "part"),
        ("aov", "part"),
        ("refunds", "part"),
    ]
    assert editable(build_tree(TreeSpec("active"))) == ()


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        (TreeSpec("active", edits=(NodeEdit("new", "part", where=IOS),)), "cannot take"),
        (TreeSpec("volume", edits=(NodeEdit("payers", "step", "open"),)), "cannot take"),
        (TreeSpec("volume", edits=(NodeEdit("per_active", "part", where=IOS),)), "cannot"),
        (
            TreeSpec("volume", "order", edits=(NodeEdit("per_doer", "part", "refund"),)),
            "not one of the events",
        ),
        (
            TreeSpec(
                "volume",
                edits=(NodeEdit("per_doer", "part", where=IOS), NodeEdit("per_doer", "part")),
            ),
            "two edits",
        ),
    ],
)
def test_edits_that_would_break_the_tree_are_refused(spec, match):
    with pytest.raises(DataError, match=match):
        build_tree(spec)


def test_captions_say_what_changed():
    tree = build_tree(TreeSpec("volume", key_event="order", edits=VOLUME_EDITS))
    step, part = edit_captions(tree, VOLUME_EDITS)
    assert "users who did view_menu where device is ios" in step
    assert "Orders per active user still equals the product" in step
    assert "coupon is SAVE20 + everything else" in part
    labels = [n.label for n, _, _ in walk(tree)]
    assert "Share of active users who did view_menu where device is ios" in labels
    assert "Orders per user who did view_menu where device is ios: everything else" in labels


def test_filter_choices():
    words = [(f.column, f.op, f.values, f.number) for f in filter_choices(TINY)]
    # Most common value first; then "more than 0" for revenue.
    assert words == [
        ("coupon", "in", ("SAVE20",), None),
        ("device", "in", ("ios",), None),
        ("device", "in", ("android",), None),
        ("revenue", "gt", (), 0.0),
    ]
