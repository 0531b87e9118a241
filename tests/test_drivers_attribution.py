"""Change attribution: hand-worked splits, a permutation-average oracle, exactness properties."""

import itertools
import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nsm_core.drivers import NodeEdit, TreeSpec, build_tree, compute, editable, north_star_spec
from nsm_core.drivers.attribution import (
    attribute,
    lmdi_parts,
    shapley_parts,
    split_change,
    sum_parts,
    waterfall_frame,
)
from nsm_core.drivers.model import Node, walk
from nsm_core.metrics.spec import Exclusions, Filter, MetricSpec

M = MetricSpec("m")


def shapley_by_orderings(before, after):
    """Shapley value as the mean marginal change over every order of switching factors."""
    k = len(before)
    totals = [0.0] * k
    orders = list(itertools.permutations(range(k)))
    for order in orders:
        current = list(before)
        for i in order:
            was = math.prod(current)
            current[i] = after[i]
            totals[i] += math.prod(current) - was
    return [t / len(orders) for t in totals]


def test_two_factor_shapley_by_hand():
    # 10 users x 2.0 orders -> 12 x 2.5: users' part = 2 x (2.0 + 2.5) / 2 = 4.5,
    # frequency's part = 0.5 x (10 + 12) / 2 = 5.5; total 30 - 20 = 10.
    assert shapley_parts([10, 2.0], [12, 2.5]).tolist() == pytest.approx([4.5, 5.5])


def test_lmdi_by_hand():
    # L(30, 20) = 10 / ln(1.5); parts = L x ln(1.2) and L x ln(1.25).
    log_mean = 10 / math.log(1.5)
    expected = [log_mean * math.log(1.2), log_mean * math.log(1.25)]
    assert lmdi_parts([10, 2.0], [12, 2.5]).tolist() == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("k", [2, 3, 4, 5])
def test_shapley_matches_permutation_average(k):
    rng = np.random.default_rng(k)
    before, after = rng.uniform(-3, 5, k).tolist(), rng.uniform(-3, 5, k).tolist()
    assert shapley_parts(before, after).tolist() == pytest.approx(
        shapley_by_orderings(before, after), rel=1e-9, abs=1e-12
    )


def test_unchanged_factor_gets_nothing_and_equal_changes_share_equally():
    parts = shapley_parts([2.0, 3.0, 5.0], [4.0, 3.0, 10.0])
    assert parts[1] == 0.0
    assert lmdi_parts([2.0, 5.0], [4.0, 10.0]).tolist() == pytest.approx([15.0, 15.0])


def test_lmdi_falls_back_to_shapley_on_zero():
    parts, fell_back = split_change("product", [0.0, 3.0], [2.0, 3.0], "lmdi")
    assert fell_back
    assert parts.tolist() == pytest.approx([6.0, 0.0])


finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)
positive = st.floats(0.01, 1e3, allow_nan=False, allow_infinity=False)


@given(st.lists(st.tuples(finite, finite), min_size=1, max_size=6))
def test_shapley_parts_add_up_to_the_change(pairs):
    before, after = [b for b, _ in pairs], [a for _, a in pairs]
    total = math.prod(after) - math.prod(before)
    scale = max(1.0, math.prod(abs(x) + 1 for x in before + after))
    assert math.fsum(shapley_parts(before, after)) == pytest.approx(total, abs=1e-9 * scale)


@given(st.lists(st.tuples(positive, positive), min_size=1, max_size=6))
def test_lmdi_parts_add_up_to_the_change(pairs):
    before, after = [b for b, _ in pairs], [a for _, a in pairs]
    total = math.prod(after) - math.prod(before)
    scale = max(math.prod(before), math.prod(after), 1.0)
    assert math.fsum(lmdi_parts(before, after)) == pytest.approx(total, abs=1e-9 * scale)


@st.composite
def trees(draw, depth=0, prefix="n"):
    """A random tree of sums and products, up to 3 levels and 4 children a node."""
    if depth == 3 or (depth > 0 and draw(st.booleans())):
        return Node(prefix, prefix, M)
    k = draw(st.integers(1, 4))
    children = tuple(draw(trees(depth + 1, f"{prefix}{i}")) for i in range(k))
    return Node(prefix, prefix, M, op=draw(st.sampled_from(["sum", "product"])), children=children)


def evaluate(node, leaf_values):
    """Node values bottom-up from leaf values, by each node's formula."""
    values = {}

    def value(n):
        if n.is_leaf:
            values[n.key] = leaf_values[n.key]
        else:
            xs = [value(c) for c in n.children]
            values[n.key] = math.fsum(xs) if n.op == "sum" else math.prod(xs)
        return values[n.key]

    value(node)
    return values


def leaf_keys(node):
    return [node.key] if node.is_leaf else [k for c in node.children for k in leaf_keys(c)]


@settings(max_examples=50)
@given(trees(), st.data(), st.sampled_from(["shapley", "lmdi"]))
def test_leaf_contributions_add_up_to_the_root_change(tree, data, method):
    keys = leaf_keys(tree)
    leaves_before = {k: data.draw(st.floats(0.1, 20)) for k in keys}
    leaves_after = {k: data.draw(st.floats(0.1, 20)) for k in keys}
    before, after = evaluate(tree, leaves_before), evaluate(tree, leaves_after)
    result = attribute(tree, before, after, method)
    leaves = result.table.filter(pl.col("is_leaf"))
    assert not leaves.get_column("key").str.ends_with("unexplained").any()
    total = after[tree.key] - before[tree.key]
    scale = max(abs(after[tree.key]), abs(before[tree.key]), 1.0)
    assert result.total == total
    assert math.fsum(leaves.get_column("contribution")) == pytest.approx(total, abs=1e-8 * scale)


@settings(max_examples=40)
@given(trees(), st.data())
def test_data_off_the_formula_still_adds_up(tree, data):
    keys = leaf_keys(tree)
    before = evaluate(tree, {k: data.draw(st.floats(0.1, 20)) for k in keys})
    after = evaluate(tree, {k: data.draw(st.floats(0.1, 20)) for k in keys})
    # Nudge the root off its formula by 1-5% (far above the rounding tolerance, whatever the
    # root's size): the gap must surface as an unexplained part.
    after[tree.key] *= 1 + data.draw(st.floats(0.01, 0.05))
    result = attribute(tree, before, after)
    leaves = result.table.filter(pl.col("is_leaf"))
    total = after[tree.key] - before[tree.key]
    scale = max(abs(after[tree.key]), abs(before[tree.key]), 1.0)
    assert math.fsum(leaves.get_column("contribution")) == pytest.approx(total, abs=1e-8 * scale)
    if not tree.is_leaf:
        assert leaves.get_column("key").str.ends_with("unexplained").any()
        assert result.warnings


def revenue_tree():
    orders = Node(
        "orders",
        "Orders",
        M,
        op="product",
        children=(Node("users", "Users", M), Node("freq", "Orders per user", M)),
    )
    gross = Node(
        "gross", "Gross revenue", M, op="product", children=(orders, Node("aov", "AOV", M))
    )
    return Node("net", "Net revenue", M, op="sum", children=(gross, Node("refunds", "Refunds", M)))


def test_nested_tree_by_hand():
    # users 100 -> 110, freq 2 -> 2, aov 10 -> 10, refunds -50 -> -80:
    # gross 2000 -> 2200 (+200, all users), net 1950 -> 2120 (+170).
    before = {"users": 100, "freq": 2, "aov": 10, "refunds": -50}
    after = {"users": 110, "freq": 2, "aov": 10, "refunds": -80}
    for values in (before, after):
        values["orders"] = values["users"] * values["freq"]
        values["gross"] = values["orders"] * values["aov"]
        values["net"] = values["gross"] + values["refunds"]
    table = attribute(revenue_tree(), before, after).table
    parts = dict(table.select("key", "contribution").iter_rows())
    assert parts == pytest.approx(
        {
            "net": 170,
            "gross": 200,
            "orders": 200,
            "users": 200,
            "freq": 0,
            "aov": 0,
            "refunds": -30,
        }
    )
    assert table.filter(pl.col("key") == "users").get_column("change_pct").item() == 0.1


def test_constant_ratio_gap_takes_no_part():
    # y = 2 x a x b in both periods: the gap factor (2) does not change, so it gets 0.
    tree = Node("y", "Y", M, op="product", children=(Node("a", "A", M), Node("b", "B", M)))
    result = attribute(tree, {"y": 12, "a": 2, "b": 3}, {"y": 24, "a": 4, "b": 3})
    parts = dict(result.table.select("key", "contribution").iter_rows())
    assert parts["y.unexplained"] == pytest.approx(0.0)
    assert parts["a"] == pytest.approx(12.0)


def test_sum_parts_are_plain_differences():
    assert sum_parts([1, 2, 3], [2, 2, 1]).tolist() == [1, 0, -2]


def test_waterfall_runs_from_before_to_after():
    before = {"users": 100, "freq": 2, "aov": 10, "refunds": -50, "orders": 200, "gross": 2000}
    after = {"users": 90, "freq": 3, "aov": 9, "refunds": -20, "orders": 270, "gross": 2430}
    before["net"], after["net"] = 1950, 2410
    frame = waterfall_frame(attribute(revenue_tree(), before, after), "leaves")
    assert frame.get_column("kind").to_list() == ["total", "part", "part", "part", "part", "total"]
    parts = frame.filter(pl.col("kind") == "part")
    assert parts.get_column("end").to_list()[-1] == pytest.approx(2410)
    assert frame.get_column("end").to_list()[-1] == 2410
    drivers = waterfall_frame(attribute(revenue_tree(), before, after), "drivers")
    assert drivers.get_column("label").to_list()[1:3] == ["Gross revenue", "Refunds"]


# Edited trees, measured from random events: whatever the user picks for a node, every node
# still equals the sum or product of its children, and the parts still add up.
KINDS = ("open", "view", "order", "refund")
AMOUNT = {"open": 0.0, "view": 0.0, "order": 20.0, "refund": -5.0}
CONDITIONS = (None, Filter("coupon", "in", ("a",)), Filter("device", "in", ("ios",)))
NORTH_STARS = (
    None,
    MetricSpec("Coupon orders", events=("order",), filters=(CONDITIONS[1],), aggregation="events"),
    MetricSpec("Net revenue", aggregation="revenue", exclusions=Exclusions(user_ids=("u0",))),
    MetricSpec("Repeat buyers", events=("order",), aggregation="users_reaching", threshold=2),
    MetricSpec("Viewers", events=("view",), exclusions=Exclusions(user_ids=("u1",))),
)


@st.composite
def event_tables(draw):
    rows = draw(
        st.lists(
            st.tuples(
                st.integers(0, 4),
                st.sampled_from(KINDS),
                st.integers(0, 15),
                st.sampled_from([None, "a", "b"]),
            ),
            min_size=30,
            max_size=80,
        )
    )
    start = datetime(2025, 1, 6, tzinfo=UTC)
    return pl.DataFrame(
        {
            "user_id": [f"u{u}" for u, _, _, _ in rows],
            "event": [e for _, e, _, _ in rows],
            "ts": [start + timedelta(days=d, hours=u) for u, _, d, _ in rows],
            "revenue": [AMOUNT[e] * (1.5 if c == "b" else 1.0) for _, e, _, c in rows],
            "coupon": [c for _, _, _, c in rows],
            "device": ["ios" if u % 2 else "web" for u, _, _, _ in rows],
        }
    )


@st.composite
def edited_specs(draw):
    north_star = draw(st.sampled_from(NORTH_STARS))
    if north_star is not None:
        base = north_star_spec(north_star, activity_event=draw(st.sampled_from([None, "open"])))
    else:
        template = draw(st.sampled_from(["volume", "revenue"]))
        base = TreeSpec(template, key_event="order" if template == "volume" else None)
    step = "payers" if base.template == "revenue" else "doer_share"
    edits = []
    if base.template != "active" and draw(st.booleans()):
        event = draw(st.sampled_from([None, "view", "order"]))
        where = draw(st.sampled_from(CONDITIONS))
        if event or where:
            edits.append(NodeEdit(step, "step", event, where))
    for item in editable_parts(base):
        where = draw(st.sampled_from(CONDITIONS))
        if where is not None:
            edits.append(NodeEdit(item, "part", where=where))
    return replace(base, edits=tuple(edits))


def editable_parts(base):
    return [e.key for e in editable(build_tree(base)) if e.kind == "part"]


def defined(row, tree):
    return all(row[n.key] is not None for n, _, _ in walk(tree))


@settings(max_examples=30, deadline=None)
@given(event_tables(), edited_specs(), st.sampled_from(["shapley", "lmdi"]))
def test_edited_trees_stay_exact_on_data(events, spec, method):
    result = compute(events, spec)
    rows = result.values.rows(named=True)
    for row, (node, _, _) in itertools.product(rows, walk(result.root)):
        xs = [row[c.key] for c in node.children]
        if xs and row[node.key] is not None and None not in xs:
            want = math.fsum(xs) if node.op == "sum" else math.prod(xs)
            assert row[node.key] == pytest.approx(want, rel=1e-9, abs=1e-9), node.key
    for before, after in itertools.pairwise(rows):
        if not (defined(before, result.root) and defined(after, result.root)):
            continue
        att = attribute(result.root, before, after, method)
        leaves = att.table.filter(pl.col("is_leaf"))
        assert not leaves.get_column("key").str.ends_with("unexplained").any()
        total = after[result.root.key] - before[result.root.key]
        scale = max(abs(after[result.root.key]), abs(before[result.root.key]), 1.0)
        assert math.fsum(leaves.get_column("contribution")) == pytest.approx(
            total, abs=1e-8 * scale
        )
