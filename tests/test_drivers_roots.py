"""The adopted North Star at the root: which tree fits, and every node on its own rows."""

import duckdb
import polars as pl
import pytest

from nsm_core.drivers import (
    NodeEdit,
    build_tree,
    compute,
    editable,
    fit_north_star,
    north_star_spec,
)
from nsm_core.metrics import Exclusions, Filter, MetricSpec, compute_metric
from nsm_core.schema import DataError
from tests.test_drivers_tree import EVENTS, formula_holds

PAID = Filter("revenue", "gt", number=0.0)
STAFF = Exclusions(
    user_ids=("u001", "u002", "u003"), user_filters=(Filter("channel", "in", ("friends",)),)
)
PAID_ORDERS = MetricSpec(
    "Paid orders", events=("order_placed",), filters=(PAID,), aggregation="events",
    unit="orders", exclusions=STAFF,
)  # fmt: skip
# SQL for the rows every node of a tree rooted in PAID_ORDERS may see: STAFF left out.
KEPT = """
kept AS (
  SELECT *, (CAST(epoch_us(ts) // 86400000000 AS BIGINT) + 3) // 7 AS w FROM events
  WHERE user_id NOT IN ('u001', 'u002', 'u003')
    AND user_id NOT IN (SELECT user_id FROM events WHERE lower(channel) = 'friends')
)"""
LIFECYCLE = """
act AS (SELECT DISTINCT {unit} AS u, w FROM kept WHERE {where}),
st AS (SELECT u, w, lag(w) OVER (PARTITION BY u ORDER BY w) AS prev FROM act),
life AS (
  SELECT w, count(*) AS active, count(*) FILTER (WHERE prev IS NULL) AS new,
    count(*) FILTER (WHERE prev = w - 1) AS retained,
    count(*) FILTER (WHERE prev < w - 1) AS resurrected
  FROM st GROUP BY w
)"""


def weekly(values):
    return values.with_columns(w=(pl.col("period_start").cast(pl.Int32) + 3) // 7)


def sql(query):
    events = EVENTS  # noqa: F841 (read by DuckDB)
    return duckdb.sql(query).pl()


@pytest.mark.parametrize(
    ("aggregation", "template"),
    [
        ("distinct_users", "active"),
        ("revenue", "revenue"),
        ("events", "volume"),
        ("property_sum", "volume"),
        ("users_reaching", "volume"),
    ],
)
def test_which_tree_each_north_star_roots(aggregation, template):
    spec = MetricSpec("NS", aggregation=aggregation, value_column="revenue")
    fit = fit_north_star(spec)
    assert fit.ok
    assert fit.template == template
    assert north_star_spec(spec).template == template


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        (MetricSpec("Days to value", aggregation="days_to_value"), "median of days"),
        (MetricSpec("Orders per user", aggregation="events", per_user=True), "ratio per user"),
    ],
)
def test_north_stars_no_tree_can_split(spec, words):
    fit = fit_north_star(spec)
    assert not fit.ok
    assert words in fit.reason
    with pytest.raises(DataError, match=words):
        north_star_spec(spec)


def test_volume_tree_on_the_north_stars_rows_matches_duckdb():
    spec = north_star_spec(PAID_ORDERS, activity_event="open")
    result = compute(EVENTS, spec)
    assert result.root.label == "Our North Star (Paid orders)"
    expected = sql(
        f"""WITH {KEPT}, {LIFECYCLE.format(unit="user_id", where="event = 'open'")},
        k AS (
          SELECT w, count(*) AS volume, count(DISTINCT user_id) AS doers FROM kept
          WHERE event = 'order_placed' AND revenue > 0 GROUP BY w
        )
        SELECT * FROM life FULL JOIN k USING (w) ORDER BY w"""
    )
    got = weekly(result.values).join(expected, on="w", suffix="_sql")
    assert got.height == expected.height
    for row in got.iter_rows(named=True):
        for key in ("active", "new", "retained", "resurrected", "volume"):
            assert row[key] == (row[f"{key}_sql"] or 0), (key, row["w"])
        if row["doers"]:
            assert row["per_doer"] == pytest.approx(row["volume"] / row["doers"])
        if row["active_sql"]:
            assert row["doer_share"] == pytest.approx((row["doers"] or 0) / row["active_sql"])
        formula_holds(result.root, row)
    # The root is the North Star itself, as the North Star page computes it.
    metric = compute_metric(EVENTS, PAID_ORDERS).get_column("value").to_list()
    assert result.values.get_column("volume").to_list() == metric


def test_revenue_tree_on_the_north_stars_rows_matches_duckdb():
    north_star = MetricSpec(
        "Net revenue outside SEO",
        events=("order_placed", "refund"),
        filters=(Filter("channel", "not_in", ("seo",)),),
        aggregation="revenue",
        exclusions=STAFF,
    )
    result = compute(EVENTS, north_star_spec(north_star))
    expected = sql(
        f"""WITH {KEPT}, rows AS (
          SELECT * FROM kept WHERE event IN ('order_placed', 'refund')
            AND channel IS NOT NULL AND lower(channel) <> 'seo'
        )
        SELECT w, sum(revenue) AS net,
          coalesce(sum(revenue) FILTER (WHERE revenue > 0), 0) AS gross,
          coalesce(sum(revenue) FILTER (WHERE revenue < 0), 0) AS refunds,
          count(DISTINCT user_id) FILTER (WHERE revenue > 0) AS payers,
          count(*) FILTER (WHERE revenue > 0) AS orders
        FROM rows GROUP BY w ORDER BY w"""
    )
    got = weekly(result.values).join(expected, on="w", suffix="_sql")
    assert got.height == expected.height
    for row in got.iter_rows(named=True):
        for key in ("net", "gross", "refunds", "payers"):
            assert row[key] == pytest.approx(row[f"{key}_sql"]), (key, row["w"])
        if row["orders"]:
            assert row["aov"] == pytest.approx(row["gross_sql"] / row["orders"])
        formula_holds(result.root, row)
    metric = compute_metric(EVENTS, north_star).get_column("value").to_list()
    assert result.values.get_column("net").to_list() == pytest.approx(metric)


def test_active_teams_tree_matches_duckdb():
    north_star = MetricSpec(
        "Weekly active teams", events=("open",), entity="account", exclusions=STAFF
    )
    spec = north_star_spec(north_star)
    assert (spec.template, spec.entity) == ("active", "account")
    result = compute(EVENTS, spec)
    expected = sql(
        f"""WITH {KEPT}, {LIFECYCLE.format(unit="account_id", where="event = 'open'")}
        SELECT * FROM life ORDER BY w"""
    )
    got = weekly(result.values).join(expected, on="w", suffix="_sql")
    assert got.height == expected.height
    for row in got.iter_rows(named=True):
        for key in ("active", "new", "retained", "resurrected"):
            assert row[key] == row[f"{key}_sql"], (key, row["w"])
    assert editable(result.root) == ()


@pytest.mark.parametrize(
    "north_star",
    [
        MetricSpec(
            "Repeat buyers", events=("order_placed",), aggregation="users_reaching", threshold=2
        ),
        MetricSpec(
            "Order value",
            events=("order_placed",),
            aggregation="property_sum",
            value_column="revenue",
        ),
    ],
)
def test_other_counts_root_the_volume_tree_exactly(north_star):
    edits = (NodeEdit("doer_share", "step", "open"),)
    result = compute(EVENTS, north_star_spec(north_star, edits=edits))
    metric = compute_metric(EVENTS, north_star).get_column("value").to_list()
    assert result.values.get_column("volume").to_list() == pytest.approx(metric)
    for row in result.values.iter_rows(named=True):
        formula_holds(result.root, row)
    if north_star.aggregation == "users_reaching":
        # Users reaching 2 orders are a share of the users who ordered at all.
        share = result.values.get_column("per_active").drop_nulls()
        assert share.max() <= 1
        assert build_tree(north_star_spec(north_star)).children[1].unit == "share"
