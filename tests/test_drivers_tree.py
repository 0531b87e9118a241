"""Driver-tree node values: DuckDB SQL for the same numbers, formula identities, segment cuts."""

import math
from datetime import UTC, datetime, timedelta

import duckdb
import numpy as np
import polars as pl
import pytest

from nsm_core.drivers.model import walk
from nsm_core.drivers.templates import NEW_VS_RETURNING, TreeSpec, build_tree, event_noun
from nsm_core.drivers.tree import compute
from nsm_core.schema import DataError


def make_events(n_users=80, n_rows=900, seed=3):
    rng = np.random.default_rng(seed)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    user = rng.integers(0, n_users, n_rows)
    offset = rng.integers(0, 50 * 24 * 3600, n_rows)
    kind = rng.choice(["open", "order_placed", "refund"], n_rows, p=[0.6, 0.35, 0.05])
    revenue = np.where(
        kind == "order_placed",
        np.round(rng.gamma(2.0, 12.0, n_rows), 2),
        np.where(kind == "refund", -np.round(rng.uniform(1, 20, n_rows), 2), 0.0),
    )
    # A few free orders: counted as orders, not as paid ones.
    revenue = np.where((kind == "order_placed") & (rng.random(n_rows) < 0.1), 0.0, revenue)
    channel = np.array(["ads", "seo", "friends"])[user % 3].astype(object)
    channel[rng.random(n_rows) < 0.2] = None
    return pl.DataFrame(
        {
            "user_id": [f"u{u:03d}" for u in user],
            "event": kind,
            "ts": [start + timedelta(seconds=int(s)) for s in offset],
            "revenue": revenue,
            "channel": channel,
            "account_id": [f"t{u % 9}" for u in user],
        }
    ).sort("ts")


EVENTS = make_events()

WEEKLY_SQL = """
WITH ev AS (
  SELECT *, (CAST(epoch_us(ts) // 86400000000 AS BIGINT) + 3) // 7 AS w FROM events
),
act AS (SELECT DISTINCT {unit} AS u, w FROM ev {where}),
firsts AS (SELECT u, min(w) AS f FROM act GROUP BY u),
st AS (
  SELECT a.u, a.w, f.f, lag(a.w) OVER (PARTITION BY a.u ORDER BY a.w) AS prev
  FROM act a JOIN firsts f USING (u)
)
SELECT w,
  count(*) AS active,
  count(*) FILTER (WHERE w = f) AS new,
  count(*) FILTER (WHERE prev = w - 1) AS retained,
  count(*) FILTER (WHERE prev < w - 1) AS resurrected
FROM st GROUP BY w ORDER BY w
"""


def sql_lifecycle(where="", unit="user_id"):
    events = EVENTS  # noqa: F841 (read by DuckDB)
    return duckdb.sql(WEEKLY_SQL.format(where=where, unit=unit)).pl()


def by_week(values):
    weeks = values.with_columns(
        w=(pl.col("period_start").cast(pl.Int32) + 3) // 7
    )  # Monday dates -> week numbers
    return {row["w"]: row for row in weeks.iter_rows(named=True)}


def test_volume_tree_matches_duckdb():
    values = by_week(compute(EVENTS, TreeSpec("volume", key_event="order_placed")).values)
    life = sql_lifecycle()
    events = EVENTS  # noqa: F841
    orders = duckdb.sql(
        """SELECT (CAST(epoch_us(ts) // 86400000000 AS BIGINT) + 3) // 7 AS w,
                  count(*) AS n, count(DISTINCT user_id) AS doers
           FROM events WHERE event = 'order_placed' GROUP BY w"""
    ).pl()
    for row in life.iter_rows(named=True):
        got = values[row["w"]]
        for key in ("active", "new", "retained", "resurrected"):
            assert got[key] == row[key], (key, row["w"])
    for row in orders.iter_rows(named=True):
        got = values[row["w"]]
        assert got["volume"] == row["n"]
        assert got["per_doer"] == pytest.approx(row["n"] / row["doers"])
        assert got["doer_share"] == pytest.approx(row["doers"] / got["active"])


def test_revenue_tree_matches_duckdb():
    values = by_week(compute(EVENTS, TreeSpec("revenue", key_event="order_placed")).values)
    life = sql_lifecycle("WHERE event = 'order_placed' AND revenue > 0")
    events = EVENTS  # noqa: F841
    money = duckdb.sql(
        """SELECT (CAST(epoch_us(ts) // 86400000000 AS BIGINT) + 3) // 7 AS w,
             sum(revenue) AS net,
             sum(revenue) FILTER (WHERE revenue < 0) AS refunds,
             sum(revenue) FILTER (WHERE event = 'order_placed' AND revenue > 0) AS gross,
             count(*) FILTER (WHERE event = 'order_placed' AND revenue > 0) AS paid
           FROM events GROUP BY w"""
    ).pl()
    for row in money.iter_rows(named=True):
        got = values[row["w"]]
        assert got["net"] == pytest.approx(row["net"])
        assert got["refunds"] == pytest.approx(row["refunds"] or 0.0)
        assert got["gross"] == pytest.approx(row["gross"] or 0.0)
        if row["paid"]:
            assert got["aov"] == pytest.approx(row["gross"] / row["paid"])
    for row in life.iter_rows(named=True):
        got = values[row["w"]]
        assert (got["payers"], got["payers_new"]) == (row["active"], row["new"])
        assert got["payers_resurrected"] == row["resurrected"]


def test_account_tree_counts_accounts():
    spec = TreeSpec("active", entity="account")
    values = by_week(compute(EVENTS, spec).values)
    for row in sql_lifecycle(unit="account_id").iter_rows(named=True):
        assert values[row["w"]]["active"] == row["active"]
        assert values[row["w"]]["new"] == row["new"]


def formula_holds(tree, row):
    for node, _, _ in walk(tree):
        if node.is_leaf or row[node.key] is None:
            continue
        xs = [row[c.key] for c in node.children]
        if any(x is None for x in xs):
            continue
        expected = math.fsum(xs) if node.op == "sum" else math.prod(xs)
        assert row[node.key] == pytest.approx(expected, rel=1e-9, abs=1e-9), node.key


@pytest.mark.parametrize("template", ["volume", "revenue", "active"])
def test_every_node_equals_the_formula_of_its_children(template):
    spec = TreeSpec(template, key_event="order_placed")
    result = compute(EVENTS, spec)
    for row in result.values.iter_rows(named=True):
        formula_holds(result.root, row)


def test_first_touch_segments_partition_the_counts():
    spec = TreeSpec("volume", key_event="order_placed", segment="channel")
    result = compute(EVENTS, spec)
    assert set(result.by_segment.get_column("segment")) <= {"ads", "seo", "friends", "(none)"}
    summed = result.by_segment.group_by("period_start").agg(
        pl.col("volume", "active", "new", "retained", "resurrected").sum()
    )
    joined = result.values.join(summed, on="period_start", suffix="_seg")
    for key in ("volume", "active", "new", "retained", "resurrected"):
        assert joined.get_column(key).to_list() == joined.get_column(f"{key}_seg").to_list()
    for row in result.by_segment.iter_rows(named=True):
        formula_holds(result.root, row)


def test_new_vs_returning_cut():
    spec = TreeSpec("volume", key_event="order_placed", segment=NEW_VS_RETURNING)
    result = compute(EVENTS, spec)
    seg = result.by_segment
    assert set(seg.get_column("segment")) == {"new", "returning"}
    new = seg.filter(pl.col("segment") == "new")
    # Users first seen in a period are all new: none retained or resurrected.
    assert new.get_column("retained").sum() == new.get_column("resurrected").sum() == 0
    joined = new.join(result.values, on="period_start", suffix="_total")
    assert joined.get_column("active").to_list() == joined.get_column("new_total").to_list()
    keys = ["volume", "active", "new", "retained", "resurrected"]
    summed = seg.group_by("period_start").agg(pl.col(keys).sum())
    both = result.values.join(summed, on="period_start", suffix="_seg")
    for key in keys:
        assert both.get_column(key).to_list() == both.get_column(f"{key}_seg").to_list()
    for row in seg.iter_rows(named=True):
        formula_holds(result.root, row)


def test_lazy_and_eager_agree_and_errors_are_data_errors():
    spec = TreeSpec("revenue")
    assert compute(EVENTS.lazy(), spec).values.equals(compute(EVENTS, spec).values)
    with pytest.raises(DataError):
        compute(EVENTS.head(0), spec)
    with pytest.raises(DataError, match="plan"):
        compute(EVENTS, TreeSpec(segment="plan"))


def test_labels():
    assert event_noun("order_placed") == "orders"
    tree = build_tree(TreeSpec("revenue", key_event="purchase", period="month"))
    assert tree.label == "Monthly net revenue"
    assert [c.key for c in tree.children[0].children] == ["payers", "per_payer", "aov"]
    assert build_tree(TreeSpec("revenue")).children[0].children[2].label == "Average payment value"
