"""What-if: move drivers by a percentage and see the projected North Star.

Projection runs bottom-up from the baseline, changing only what the shocks change:

    leaf      x' = x · (1 + s)
    sum       y' = (y + Σ (x_i' − x_i)) · (1 + s)
    product   y' = y · Π (x_i' / x_i) · (1 + s)       (y + Π x_i' − Π x_i when some x_i = 0)

s is the node's own shock (0 when none). Working with changes rather than recomputing
op(children) keeps any gap between the data and the formula as it is, and makes a zero
shock give back the baseline exactly.
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from nsm_core.drivers.model import Node, walk


def _project(
    node: Node, baseline: Mapping[str, float], shocks: Mapping[str, float], out: dict[str, float]
) -> float:
    base = baseline[node.key]
    value = base
    if node.children:
        old = [baseline[c.key] for c in node.children]
        new = [_project(c, baseline, shocks, out) for c in node.children]
        if node.op == "sum":
            value = base + math.fsum(n - o for n, o in zip(new, old, strict=True))
        elif all(o != 0 for o in old):
            value = base * math.prod(n / o for n, o in zip(new, old, strict=True))
        else:
            value = base + (math.prod(new) - math.prod(old))
    shock = shocks.get(node.key, 0.0)
    if shock:
        value *= 1 + shock
    out[node.key] = value
    return value


def project(
    root: Node, baseline: Mapping[str, float], shocks: Mapping[str, float]
) -> dict[str, float]:
    """Return every node's projected value after moving nodes by `shocks` (0.1 = +10%).

    Formulas in the module docstring. Zero shocks return the baseline exactly.

    Example:
        >>> from nsm_core.metrics import MetricSpec
        >>> m = MetricSpec("m")
        >>> tree = Node("y", "Y", m, op="product", children=(Node("a", "A", m), Node("b", "B", m)))
        >>> project(tree, {"y": 20.0, "a": 10.0, "b": 2.0}, {"a": 0.1})
        {'a': 11.0, 'b': 2.0, 'y': 22.0}
    """
    out: dict[str, float] = {}
    _project(root, baseline, shocks, out)
    return out


@dataclass(frozen=True, slots=True)
class Projection:
    """The what-if result: every node before and after, and the root's move.

    table columns: key, label, depth, baseline, projected, change, change_pct.
    """

    table: pl.DataFrame
    baseline: float
    projected: float

    @property
    def change_pct(self) -> float | None:
        """The root's relative change (None when its baseline is 0)."""
        return self.projected / self.baseline - 1 if self.baseline else None


def what_if(root: Node, baseline: Mapping[str, float], shocks: Mapping[str, float]) -> Projection:
    """Return the projection of `shocks` as a table, with the root before and after.

    Example:
        >>> from nsm_core.metrics import MetricSpec
        >>> m = MetricSpec("m")
        >>> tree = Node("y", "Y", m, children=(Node("a", "A", m), Node("b", "B", m)))
        >>> round(what_if(tree, {"y": 5.0, "a": 3.0, "b": 2.0}, {"b": 0.5}).change_pct, 3)
        0.2
    """
    projected = project(root, baseline, shocks)
    rows = [
        {
            "key": node.key,
            "label": node.label,
            "depth": depth,
            "baseline": float(baseline[node.key]),
            "projected": projected[node.key],
        }
        for node, _, depth in walk(root)
    ]
    table = pl.DataFrame(rows).with_columns(
        change=pl.col("projected") - pl.col("baseline"),
        change_pct=pl.when(pl.col("baseline") != 0).then(
            pl.col("projected") / pl.col("baseline") - 1
        ),
    )
    return Projection(table, float(baseline[root.key]), projected[root.key])
