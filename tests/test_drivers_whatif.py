"""What-if projections: zero shock = baseline exactly, monotone response, hand-worked moves."""

import math

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_drivers_attribution import evaluate, leaf_keys, revenue_tree, trees

from nsm_core.drivers.model import walk
from nsm_core.drivers.whatif import project, what_if


def revenue_values(users=100.0, freq=2.0, aov=10.0, refunds=-50.0):
    values = {"users": users, "freq": freq, "aov": aov, "refunds": refunds}
    values["orders"] = users * freq
    values["gross"] = values["orders"] * aov
    values["net"] = values["gross"] + refunds
    return values


def test_hand_worked_moves():
    # +10% users: orders 200 -> 220, gross 2000 -> 2200, net 1950 -> 2150.
    moved = project(revenue_tree(), revenue_values(), {"users": 0.1})
    assert moved["net"] == pytest.approx(2150)
    # -20% refunds (-50 -> -40) adds 10 to net; AOV +5% adds 100.
    moved = project(revenue_tree(), revenue_values(), {"refunds": -0.2, "aov": 0.05})
    assert moved["net"] == pytest.approx(1950 + 10 + 100)
    # A shock on an inner node scales it after its children's moves.
    moved = project(revenue_tree(), revenue_values(), {"orders": 0.5, "users": 0.1})
    assert moved["orders"] == pytest.approx(330)


def test_product_with_a_zero_factor():
    values = revenue_values(freq=0.0)
    moved = project(revenue_tree(), values, {"freq": 0.5})
    assert moved["net"] == values["net"]  # 0 x 1.5 is still 0
    values = revenue_values()
    values["aov"] = 0.0
    values["gross"] = 0.0
    values["net"] = -50.0
    assert project(revenue_tree(), values, {"users": 0.3})["net"] == -50.0


@settings(max_examples=40)
@given(trees(), st.data())
def test_zero_shock_is_the_baseline_exactly(tree, data):
    values = evaluate(tree, {k: data.draw(st.floats(-50, 50)) for k in leaf_keys(tree)})
    values[tree.key] += data.draw(st.floats(-1, 1))  # off the formula: kept as it is
    zero = {node.key: 0.0 for node, _, _ in walk(tree)}
    assert project(tree, values, zero) == values
    assert project(tree, values, {}) == values


@settings(max_examples=40)
@given(trees(), st.data())
def test_root_is_monotone_in_every_driver(tree, data):
    values = evaluate(tree, {k: data.draw(st.floats(0.5, 50)) for k in leaf_keys(tree)})
    key = data.draw(st.sampled_from([n.key for n, _, _ in walk(tree)]))
    low, high = sorted(data.draw(st.floats(-0.9, 2.0)) for _ in range(2))
    root_low = project(tree, values, {key: low})[tree.key]
    root_high = project(tree, values, {key: high})[tree.key]
    assert root_high >= root_low - 1e-9 * max(1.0, abs(root_low))


def test_projection_table():
    result = what_if(revenue_tree(), revenue_values(), {"users": 0.1})
    assert result.baseline == 1950
    assert result.change_pct == pytest.approx(200 / 1950)
    users = result.table.row(by_predicate=pl.col("key") == "users", named=True)
    assert math.isclose(users["change_pct"], 0.1)
