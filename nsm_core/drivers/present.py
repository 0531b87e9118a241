"""Tables and words for showing a driver tree: a period's snapshot, history, captions."""

import math
from collections.abc import Mapping
from datetime import date
from typing import Final

import polars as pl

from nsm_core import fmt
from nsm_core.drivers.attribution import Attribution, Method, attribute
from nsm_core.drivers.model import Node, Unit, walk
from nsm_core.drivers.tree import SEGMENT, TreeValues
from nsm_core.drivers.whatif import Projection, what_if

SNAPSHOT_COLUMNS: Final = (
    "key", "label", "parent", "parent_op", "depth", "unit", "theme", "value", "previous",
    "change", "change_pct", "display",
)  # fmt: skip


def format_value(unit: Unit, value: float | None) -> str:
    """Return a node value in words for its unit.

    Example:
        >>> format_value("money", 12345.6), format_value("share", 0.314), format_value("ratio", 1.5)
        ('$12.3k', '31.4%', '1.50')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if unit == "money":
        return fmt.money(value, compact=abs(value) >= 10_000)
    if unit == "share":
        return fmt.pct(value, 1)
    return fmt.num(value) if unit == "ratio" else fmt.count(value)


def periods(values: TreeValues) -> list[date]:
    """Return the periods that can be compared with the one before (every period but the first).

    Example:
        >>> from nsm_core.drivers.model import Node
        >>> from nsm_core.metrics import MetricSpec
        >>> df = pl.DataFrame({"period_start": [date(2025, 1, 6), date(2025, 1, 13)]})
        >>> periods(TreeValues(Node("a", "A", MetricSpec("a")), "week", df))
        [datetime.date(2025, 1, 13)]
    """
    return values.values.get_column("period_start").to_list()[1:]


def default_period(values: TreeValues) -> date | None:
    """Return the last complete period (the last one when none is complete), None if < 2."""
    frame = values.values.slice(1)
    if frame.is_empty():
        return None
    done = frame.filter(pl.col("complete"))
    return (done if not done.is_empty() else frame).get_column("period_start").to_list()[-1]


def row_values(frame: pl.DataFrame, period: date) -> dict[str, float]:
    """Return node key -> value in `period` (NaN for an empty ratio) from a values frame."""
    row = frame.filter(pl.col("period_start") == period).row(0, named=True)
    return {k: (float("nan") if v is None else float(v)) for k, v in row.items() if _is_node(k)}


def previous_period(values: TreeValues, period: date) -> date:
    """Return the period just before `period`."""
    starts = values.values.get_column("period_start").to_list()
    return starts[starts.index(period) - 1]


def _is_node(column: str) -> bool:
    return column not in ("period_start", "complete", SEGMENT)


def snapshot(values: TreeValues, period: date, frame: pl.DataFrame | None = None) -> pl.DataFrame:
    """Return one row per node: value in `period`, the period before, change, display text.

    change_pct = value / previous − 1 (null when previous is 0 or missing).
    """
    frame = values.values if frame is None else frame
    now = row_values(frame, period)
    before = row_values(frame, previous_period(values, period))
    rows = [
        {
            "key": node.key,
            "label": node.label,
            "parent": parent.key if parent else None,
            "parent_op": parent.op if parent else None,
            "depth": depth,
            "unit": node.unit,
            "theme": node.theme,
            "value": now[node.key],
            "previous": before[node.key],
            "display": format_value(node.unit, now[node.key]),
        }
        for node, parent, depth in walk(values.root)
    ]
    return (
        pl.DataFrame(rows)
        .with_columns(pl.col("value", "previous").fill_nan(None))
        .with_columns(change=pl.col("value") - pl.col("previous"))
        .with_columns(
            change_pct=pl.when(pl.col("previous") != 0).then(
                pl.col("change") / pl.col("previous").abs()
            )
        )
        .select(SNAPSHOT_COLUMNS)
    )


def outline(snapshot: pl.DataFrame) -> str:
    """Return the tree as nested Markdown bullets: value, change, and how the parts combine.

    The same tree as the drawing, readable at any screen width and by a screen reader.

    Example:
        >>> snap = pl.DataFrame(
        ...     {
        ...         "key": ["y", "a", "b"],
        ...         "label": ["Orders", "Users", "Orders per user"],
        ...         "parent": [None, "y", "y"],
        ...         "parent_op": [None, "product", "product"],
        ...         "depth": [0, 1, 1],
        ...         "display": ["10", "4", "2.50"],
        ...         "change_pct": [0.1, None, -0.05],
        ...     }
        ... )
        >>> print(outline(snap))
        - **Orders**: 10 (+10.0% on the period before) = Users × Orders per user
          - **Users**: 4 (no value the period before)
          - **Orders per user**: 2.50 (-5.0% on the period before)
    """
    rows = list(snapshot.iter_rows(named=True))
    lines = []
    for row in rows:
        pct = row["change_pct"]
        change = "no value the period before" if pct is None else f"{pct:+.1%} on the period before"
        parts = [r for r in rows if r["parent"] == row["key"]]
        formula = ""
        if parts:
            symbol = " × " if parts[0]["parent_op"] == "product" else " + "
            formula = " = " + symbol.join(r["label"] for r in parts)
        indent = "  " * int(row["depth"])
        lines.append(f"{indent}- **{row['label']}**: {row['display']} ({change}){formula}")
    return "\n".join(lines)


def history(values: TreeValues, last: int = 16) -> pl.DataFrame:
    """Return the last `last` periods of every node, long: period_start, key, label, value."""
    labels = pl.DataFrame(
        {
            "key": [n.key for n, _, _ in walk(values.root)],
            "label": [n.label for n, _, _ in walk(values.root)],
            "order": list(range(sum(1 for _ in walk(values.root)))),
        }
    )
    keys = labels.get_column("key").to_list()
    return (
        values.values.tail(last)
        .unpivot(keys, index=["period_start", "complete"], variable_name="key")
        .join(labels, on="key")
        .sort("order", "period_start")
        .drop("order")
    )


def segment_snapshot(values: TreeValues, period: date, key: str) -> pl.DataFrame:
    """Return one node per segment value: value now, the period before, change (%)."""
    if values.by_segment is None:
        return pl.DataFrame()
    prev = previous_period(values, period)
    frame = values.by_segment.filter(pl.col("period_start").is_in([prev, period]))
    wide = frame.pivot("period_start", index=SEGMENT, values=key).rename(
        {str(period): "value", str(prev): "previous"}, strict=False
    )
    return wide.with_columns(
        change_pct=pl.when(pl.col("previous") != 0).then(pl.col("value") / pl.col("previous") - 1)
    ).sort("value", descending=True, nulls_last=True)


def change_caption(attribution: Attribution, root: Node, period_words: str) -> str:
    """Return the root's change and its biggest mover in words.

    Example:
        >>> from nsm_core.drivers.attribution import attribute
        >>> from nsm_core.metrics import MetricSpec
        >>> m = MetricSpec("m")
        >>> tree = Node("y", "Orders", m, children=(Node("a", "New", m), Node("b", "Old", m)))
        >>> att = attribute(tree, {"y": 10, "a": 4, "b": 6}, {"y": 12, "a": 7, "b": 5})
        >>> change_caption(att, tree, "the week of 3 Mar 2025")
        'Orders went from 10 to 12 (+20.0%) in the week of 3 Mar 2025; the biggest mover was New (+3).'
    """  # noqa: E501
    table = attribution.table
    root_row = table.row(0, named=True)
    before, after = root_row["before"], root_row["after"]
    pct = f" ({after / before - 1:+.1%})" if before else ""
    text = (
        f"{root.label} went from {format_value(root.unit, before)} to "
        f"{format_value(root.unit, after)}{pct} in {period_words}"
    )
    leaves = table.filter(pl.col("is_leaf") & pl.col("contribution").is_not_null())
    if leaves.is_empty() or attribution.total == 0:
        return text + "."
    top = leaves.sort(pl.col("contribution").abs(), descending=True).row(0, named=True)
    sign = "+" if top["contribution"] >= 0 else "-"
    amount = format_value(root.unit, abs(top["contribution"]))
    return f"{text}; the biggest mover was {top['label']} ({sign}{amount})."


def explain(values: TreeValues, period: date, method: Method = "shapley") -> Attribution:
    """Return the attribution of the root's change from the period before `period` to it."""
    before = row_values(values.values, previous_period(values, period))
    return attribute(values.root, before, row_values(values.values, period), method)


def what_if_period(values: TreeValues, period: date, shocks: Mapping[str, float]) -> Projection:
    """Return the what-if projection of `shocks` from the values of `period`."""
    return what_if(values.root, row_values(values.values, period), shocks)
