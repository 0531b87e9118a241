"""Driver-tree display: the DOT text (escaping, edges), snapshot numbers, captions, charts."""

import re

import polars as pl
import pytest
from test_drivers_tree import EVENTS

from nsm_core import drivers
from nsm_core.charts import drivers as charts

SPEC = drivers.TreeSpec("revenue", key_event="order_placed", segment="channel")
VALUES = drivers.compute(EVENTS, SPEC)
PERIOD = drivers.default_period(VALUES)

# A DOT quoted string: anything but an unescaped quote or backslash, or an escape pair.
QUOTED = r'"(?:[^"\\]|\\.)*"'


def test_dot_escapes_quotes_backslashes_and_newlines():
    snap = pl.DataFrame(
        {
            "key": ['a"b', "c\\d"],
            "label": ['Say "hi"', "back\\slash\nnew line"],
            "parent": [None, 'a"b'],
            "parent_op": [None, "product"],
            "display": ["1", "2"],
            "change_pct": [None, -0.5],
        }
    )
    dot = charts.tree_dot(snap, highlight="c\\d")
    node_lines = [line for line in dot.splitlines() if "[label=" in line and "->" not in line]
    for line in node_lines:
        assert re.fullmatch(rf"\s*{QUOTED} \[label={QUOTED}, fillcolor={QUOTED}.*\];", line)
    assert '"a\\"b" -> "c\\\\d" [label="×"];' in dot
    assert "penwidth=3" in node_lines[1]
    assert "\n" not in node_lines[1].split("label=")[1]
    assert charts.DOWN in node_lines[1]


def test_tree_dot_has_every_node_and_edge():
    snap = drivers.snapshot(VALUES, PERIOD)
    dot = charts.tree_dot(snap)
    nodes = [n for n, _, _ in drivers.walk(VALUES.root)]
    assert dot.count("->") == len(nodes) - 1
    assert dot.startswith("digraph")
    assert dot.endswith("}")
    for node in nodes:
        assert f'"{node.key}" [label="{node.label}' in dot


def test_snapshot_numbers_match_the_values():
    snap = drivers.snapshot(VALUES, PERIOD)
    prev = drivers.previous_period(VALUES, PERIOD)
    frame = VALUES.values
    for row in snap.iter_rows(named=True):
        now = frame.filter(pl.col("period_start") == PERIOD).get_column(row["key"]).item()
        before = frame.filter(pl.col("period_start") == prev).get_column(row["key"]).item()
        assert row["value"] == now
        assert row["previous"] == before
        if before:  # refunds are negative: the change is relative to their size
            assert row["change_pct"] == pytest.approx((now - before) / abs(before))


def test_segment_snapshot_sums_to_total():
    cut = drivers.segment_snapshot(VALUES, PERIOD, "payers")
    total = VALUES.values.filter(pl.col("period_start") == PERIOD).get_column("payers").item()
    assert cut.get_column("value").sum() == total
    assert charts.segment_chart(cut, label="Paying users").to_dict()["title"]["text"]


def test_waterfall_and_caption_and_sparklines():
    attribution = drivers.explain(VALUES, PERIOD, "lmdi")
    steps = drivers.waterfall_frame(attribution, "leaves")
    spec = charts.waterfall_chart(steps, title="Why", unit="money").to_dict()
    assert spec["encoding"]["y2"]["field"] == "end"
    caption = drivers.change_caption(attribution, VALUES.root, "the week")
    assert caption.startswith("Weekly net revenue went from $")
    history = drivers.history(VALUES, last=4)
    assert history.height == 4 * sum(1 for _ in drivers.walk(VALUES.root))
    assert "facet" in charts.sparklines_chart(history).to_dict()
