"""Change attribution: how much of the North Star's change each driver accounts for.

For one node y with children x_1..x_k, between a base period 0 and a current period 1:

- sum (y = Σ x_i): part_i = x_i1 − x_i0, exact.
- product (y = Π x_i), Shapley: part_i = Σ_{S ⊆ N∖{i}} |S|!(k−|S|−1)!/k! · (f(S∪{i}) − f(S)),
  where f(S) is the product with the factors in S at their current value and the rest at
  their base value. Exact (Σ part_i = y1 − y0) for any values, including zeros and negatives.
- product, LMDI-I (log mean Divisia index, Ang 2004): part_i = L(y1, y0) · ln(x_i1 / x_i0),
  L(a, b) = (a − b) / (ln a − ln b), L(a, a) = a. Exact when every factor is positive; with a
  zero or negative factor it is undefined and Shapley is used instead (a warning says so).

Down the tree, a node's part is shared among its own children in proportion to their parts
of the node's change, so the leaves' parts add up to the root's change. When the data do not
satisfy a node's formula exactly, the gap is an extra "unexplained" part, never dropped.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import polars as pl

from nsm_core.drivers.model import UNEXPLAINED, Node, Op, walk

Method = Literal["shapley", "lmdi"]
METHODS: Final[dict[Method, str]] = {
    "shapley": "Shapley value (exact average over every order of changing the drivers)",
    "lmdi": "Log mean Divisia index (LMDI-I)",
}
MAX_SHAPLEY_FACTORS: Final = 12
_REL_TOL: Final = 1e-9
COLUMNS: Final = (
    "key", "label", "parent", "depth", "is_leaf", "before", "after", "change", "change_pct",
    "contribution", "share",
)  # fmt: skip

LMDI_FALLBACK: Final = (
    "{label}: a factor is zero or negative, so the log (LMDI) split is undefined; "
    "the Shapley split was used for it."
)
UNEXPLAINED_PART: Final = (
    "{label} is not exactly the {op} of its drivers in these periods; the gap "
    "({amount:+,.4g}) is shown as an unexplained part."
)
TOO_MANY_FACTORS: Final = "{label}: more than 12 factors, so the log (LMDI) split was used."


def sum_parts(before: Sequence[float], after: Sequence[float]) -> np.ndarray:
    """Return each term's part of the change of a sum: x_i1 − x_i0.

    Example:
        >>> sum_parts([10, 5], [12, 4]).tolist()
        [2.0, -1.0]
    """
    return np.asarray(after, dtype=float) - np.asarray(before, dtype=float)


def shapley_parts(before: Sequence[float], after: Sequence[float]) -> np.ndarray:
    """Return each factor's Shapley part of the change of a product (exact for ≤ 12 factors).

    part_i = Σ_{S ∌ i} |S|!(k−|S|−1)!/k! · (f(S∪{i}) − f(S)), f(S) = Π_{j∈S} x_j1 Π_{j∉S} x_j0.
    For two factors this is part_1 = Δx_1 · (x_20 + x_21)/2.

    Example:
        >>> shapley_parts([10, 2.0], [12, 2.5]).tolist()  # 20 -> 30
        [4.5, 5.5]
    """
    x0, x1 = np.asarray(before, dtype=float), np.asarray(after, dtype=float)
    k = x0.size
    if k > MAX_SHAPLEY_FACTORS:
        raise ValueError(f"Exact Shapley needs at most {MAX_SHAPLEY_FACTORS} factors, got {k}.")
    subsets = np.arange(2**k)
    # masks[s, j]: factor j is at its current value in subset s.
    masks = ((subsets[:, None] >> np.arange(k)) & 1).astype(bool)
    value = np.where(masks, x1, x0).prod(axis=1)
    size = masks.sum(axis=1)
    fact = np.array([math.factorial(n) for n in range(k + 1)], dtype=float)
    weight = fact[size] * fact[np.clip(k - size - 1, 0, None)] / fact[k]
    parts = np.empty(k)
    for i in range(k):
        without = ~masks[:, i]
        parts[i] = (weight[without] * (value[subsets[without] | (1 << i)] - value[without])).sum()
    return parts


def _log_mean(a: float, b: float) -> float:
    """Return the logarithmic mean L(a, b) = (a − b) / (ln a − ln b), L(a, a) = a."""
    return a if math.isclose(a, b, rel_tol=1e-12) else (a - b) / (math.log(a) - math.log(b))


def lmdi_parts(before: Sequence[float], after: Sequence[float]) -> np.ndarray:
    """Return each factor's LMDI-I part of the change of a product of positive factors.

    part_i = L(y1, y0) · ln(x_i1 / x_i0), y = Π x_i; raises ValueError if a factor is ≤ 0.

    Example:
        >>> [round(p, 4) for p in lmdi_parts([10, 2.0], [12, 2.5]).tolist()]
        [4.4966, 5.5034]
    """
    x0, x1 = np.asarray(before, dtype=float), np.asarray(after, dtype=float)
    if (x0 <= 0).any() or (x1 <= 0).any():
        raise ValueError("LMDI needs every factor to be positive in both periods.")
    return _log_mean(float(x1.prod()), float(x0.prod())) * np.log(x1 / x0)


def split_change(
    op: Op, before: Sequence[float], after: Sequence[float], method: Method = "shapley"
) -> tuple[np.ndarray, bool]:
    """Return the children's parts of a node's change, and whether the method fell back.

    sum -> sum_parts; product -> shapley_parts or lmdi_parts (Shapley when LMDI is undefined,
    LMDI when there are too many factors for exact Shapley).

    Example:
        >>> parts, fell_back = split_change("product", [10, 0.0], [12, 1.0], "lmdi")
        >>> parts.tolist(), fell_back
        ([1.0, 11.0], True)
    """
    if op == "sum":
        return sum_parts(before, after), False
    positive = min(min(before), min(after)) > 0
    if len(before) > MAX_SHAPLEY_FACTORS and positive:
        return lmdi_parts(before, after), method != "lmdi"
    if method == "lmdi" and positive:
        return lmdi_parts(before, after), False
    return shapley_parts(before, after), method == "lmdi"


@dataclass(frozen=True, slots=True)
class Attribution:
    """Who moved the North Star: every node's change and its part of the root's change.

    table columns: key, label, parent, depth, is_leaf, before, after, change, change_pct,
    contribution, share. Leaves' contributions (unexplained parts included) add up to
    `total` = root after − root before; share = contribution / total.
    """

    table: pl.DataFrame
    total: float
    method: Method
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Split:
    """One node's children's values and parts, the gap part included when there is one."""

    keys: tuple[str, ...]
    before: tuple[float, ...]
    after: tuple[float, ...]
    parts: tuple[float, ...]
    warnings: tuple[str, ...]


def _formula_gap(node: Node, y: float, xs: Sequence[float]) -> float:
    """Return y − op(xs): how far the data are from the node's formula (0 when it holds)."""
    return y - (math.fsum(xs) if node.op == "sum" else math.prod(xs))


def _node_split(
    node: Node, before: Mapping[str, float], after: Mapping[str, float], method: Method
) -> _Split:
    keys = [c.key for c in node.children]
    x0, x1 = [before[k] for k in keys], [after[k] for k in keys]
    y0, y1 = before[node.key], after[node.key]
    gaps = (_formula_gap(node, y0, x0), _formula_gap(node, y1, x1))
    scale = max(abs(y0), abs(y1), 1e-300)
    off = any(abs(g) > _REL_TOL * scale for g in gaps)
    if off and node.op == "product" and math.prod(x0) != 0 and math.prod(x1) != 0:
        # A constant-ratio gap (y = c·Πx) then takes no part of the change.
        keys.append(f"{node.key}.{UNEXPLAINED}")
        x0.append(y0 / math.prod(x0))
        x1.append(y1 / math.prod(x1))
    parts, fell_back = split_change(node.op, x0, x1, method)
    remainder = (y1 - y0) - math.fsum(parts)
    warnings = [LMDI_FALLBACK.format(label=node.label)] if fell_back else []
    if off:
        warnings.append(UNEXPLAINED_PART.format(label=node.label, op=node.op, amount=remainder))
    parts_list = parts.tolist()
    if keys[-1].endswith(UNEXPLAINED):
        parts_list[-1] += remainder
    elif off:
        keys.append(f"{node.key}.{UNEXPLAINED}")
        x0.append(gaps[0])
        x1.append(gaps[1])
        parts_list.append(remainder)
    return _Split(tuple(keys), tuple(x0), tuple(x1), tuple(parts_list), tuple(warnings))


def _rows(
    root: Node, before: Mapping[str, float], after: Mapping[str, float], method: Method
) -> tuple[list[dict[str, object]], list[str]]:
    """Return one row per node (and per unexplained gap) with its part of the root's change."""
    contribution = {root.key: after[root.key] - before[root.key]}
    rows: list[dict[str, object]] = []
    warnings: list[str] = []
    for node, parent, depth in walk(root):
        rows.append(
            _row(node.key, node.label, parent, depth, node.is_leaf)
            | {"before": before[node.key], "after": after[node.key]}
        )
        if node.is_leaf:
            continue
        split = _node_split(node, before, after, method)
        warnings += split.warnings
        change = after[node.key] - before[node.key]
        ratio = contribution[node.key] / change if change else 0.0
        for key, part in zip(split.keys, split.parts, strict=True):
            contribution[key] = ratio * part
        k = len(node.children)
        gaps = zip(split.keys[k:], split.before[k:], split.after[k:], strict=True)
        for key, b, a in gaps:
            label = f"{node.label}: unexplained"
            rows.append(_row(key, label, node, depth + 1, True) | {"before": b, "after": a})
    for row in rows:
        row["contribution"] = contribution[str(row["key"])]
    return rows, warnings


def _row(key: str, label: str, parent: Node | None, depth: int, leaf: bool) -> dict[str, object]:
    return {
        "key": key,
        "label": label,
        "parent": parent.key if parent else None,
        "depth": depth,
        "is_leaf": leaf,
    }


def attribute(
    root: Node,
    before: Mapping[str, float],
    after: Mapping[str, float],
    method: Method = "shapley",
) -> Attribution:
    """Return each node's change and its part of the root's change between two periods.

    before/after: node key -> value in the base and the current period (every node).
    contribution(root) = y1 − y0; a child's contribution = its parent's contribution ×
    (child's part of the parent's change / parent's change), parts as in `split_change`.
    Σ over leaves of contribution = root's change, exactly up to floating point.

    Example:
        >>> from nsm_core.metrics.spec import MetricSpec
        >>> m = MetricSpec("Users")
        >>> tree = Node(
        ...     "orders",
        ...     "Orders",
        ...     m,
        ...     op="product",
        ...     children=(Node("users", "Users", m), Node("freq", "Orders per user", m)),
        ... )
        >>> a = attribute(
        ...     tree,
        ...     {"orders": 20, "users": 10, "freq": 2},
        ...     {"orders": 30, "users": 12, "freq": 2.5},
        ... )
        >>> a.table.filter(pl.col("is_leaf")).select("key", "contribution").rows()
        [('users', 4.5), ('freq', 5.5)]
    """
    rows, warnings = _rows(root, before, after, method)
    total = after[root.key] - before[root.key]
    table = (
        pl.DataFrame(rows, infer_schema_length=None)
        .with_columns(
            change=pl.col("after") - pl.col("before"),
            share=pl.col("contribution") / total if total else pl.lit(None, pl.Float64),
        )
        .with_columns(
            change_pct=pl.when(pl.col("before") != 0).then(
                pl.col("change") / pl.col("before").abs()
            )
        )
        .select(COLUMNS)
    )
    return Attribution(table, total, method, tuple(dict.fromkeys(warnings)))


def waterfall_frame(attribution: Attribution, level: Literal["drivers", "leaves"]) -> pl.DataFrame:
    """Return waterfall steps: the root before, each part, the root after.

    level "drivers" = the root's direct children, "leaves" = the bottom of the tree.
    Columns: order, label, kind ("total" | "part"), amount, start, end (a bar spans start..end).

    Example:
        >>> from nsm_core.metrics.spec import MetricSpec
        >>> tree = Node(
        ...     "y",
        ...     "Y",
        ...     MetricSpec("Users"),
        ...     children=(Node("a", "A", MetricSpec("Users")), Node("b", "B", MetricSpec("Users"))),
        ... )
        >>> att = attribute(tree, {"y": 5, "a": 3, "b": 2}, {"y": 6, "a": 5, "b": 1})
        >>> waterfall_frame(att, "leaves").select("label", "start", "end").rows()
        [('Y (before)', 0.0, 5.0), ('A', 5.0, 7.0), ('B', 7.0, 6.0), ('Y (after)', 0.0, 6.0)]
    """
    table = attribution.table
    root = table.row(0, named=True)
    parts = table.filter(pl.col("is_leaf") if level == "leaves" else pl.col("depth") == 1)
    amounts = parts.get_column("contribution").cast(pl.Float64)
    ends = float(root["before"]) + amounts.cum_sum()
    steps = pl.DataFrame(
        {
            "label": parts.get_column("label"),
            "kind": "part",
            "amount": amounts,
            "start": ends - amounts,
            "end": ends,
        }
    )
    first = pl.DataFrame(
        {
            "label": [f"{root['label']} (before)"],
            "kind": ["total"],
            "amount": [float(root["before"])],
            "start": [0.0],
            "end": [float(root["before"])],
        }
    )
    last = first.with_columns(
        label=pl.lit(f"{root['label']} (after)"),
        amount=pl.lit(float(root["after"])),
        end=pl.lit(float(root["after"])),
    )
    return pl.concat([first, steps, last]).with_row_index("order")
