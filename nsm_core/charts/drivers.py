"""Charts of the Driver tree page: the tree (Graphviz DOT), waterfall, sparklines, segments."""

from typing import Final

import altair as alt
import polars as pl

from nsm_core.charts._base import FORMAT, HOLLOW, IN_PROGRESS, NEUTRAL, PALETTE, titled, with_tail

UP: Final = "#d3f9d8"
DOWN: Final = "#ffe3e3"
FLAT: Final = "#f1f3f5"
OP_SYMBOL: Final = {"sum": "+", "product": "×"}
SPARK_WIDTH: Final = 125
_UNIT_FORMAT: Final = {"money": "money", "share": "pct1", "ratio": "num", "count": "count"}


def dot_escape(text: str) -> str:
    r"""Return `text` safe inside a double-quoted DOT string (quotes, backslashes, newlines).

    Example:
        >>> print(dot_escape('say "hi" \\ bye'))
        say \"hi\" \\ bye
    """
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "")


def _change_line(change_pct: float | None) -> str:
    if change_pct is None:
        return "no previous value"
    arrow = "▲" if change_pct > 0 else ("▼" if change_pct < 0 else "=")
    return f"{arrow} {change_pct:+.1%} vs previous"


def tree_dot(snapshot: pl.DataFrame, *, highlight: str | None = None) -> str:
    r"""Return the tree as a Graphviz DOT digraph: label, value and change on every node.

    snapshot(key, label, parent, parent_op, display, change_pct): one row per node, root
    first. Edges carry the parent's operator (+ or ×); nodes are green when up, red when
    down; `highlight` draws one node with a thick border.

    Example:
        >>> snap = pl.DataFrame(
        ...     {
        ...         "key": ["y", "a"],
        ...         "label": ['Orders "net"', "Users"],
        ...         "parent": [None, "y"],
        ...         "parent_op": [None, "sum"],
        ...         "display": ["10", "4"],
        ...         "change_pct": [0.1, None],
        ...     }
        ... )
        >>> print(tree_dot(snap).splitlines()[4])
          "y" [label="Orders \"net\"\n10\n▲ +10.0% vs previous", fillcolor="#d3f9d8"];
    """
    lines = [
        "digraph drivers {",
        "  rankdir=LR;",
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11];',
        '  edge [color="#868e96", fontname="Helvetica", fontsize=10];',
    ]
    for row in snapshot.iter_rows(named=True):
        pct = row["change_pct"]
        colour = FLAT if pct is None or pct == 0 else (UP if pct > 0 else DOWN)
        text = "\n".join((row["label"], row["display"], _change_line(pct)))
        extra = ", penwidth=3" if row["key"] == highlight else ""
        lines.append(
            f'  "{dot_escape(row["key"])}" [label="{dot_escape(text)}", '
            f'fillcolor="{colour}"{extra}];'
        )
    for row in snapshot.filter(pl.col("parent").is_not_null()).iter_rows(named=True):
        symbol = OP_SYMBOL[row["parent_op"]]
        lines.append(
            f'  "{dot_escape(row["parent"])}" -> "{dot_escape(row["key"])}" [label="{symbol}"];'
        )
    return "\n".join([*lines, "}"])


def waterfall_chart(frame: pl.DataFrame, *, title: str, unit: str = "count") -> alt.Chart:
    """Return a waterfall: the root before, each driver's part, the root after.

    frame(order, label, kind, amount, start, end) from drivers.waterfall_frame.

    Example:
        >>> df = pl.DataFrame(
        ...     {
        ...         "order": [0, 1, 2],
        ...         "label": ["Y (before)", "A", "Y (after)"],
        ...         "kind": ["total", "part", "total"],
        ...         "amount": [5.0, 1.0, 6.0],
        ...         "start": [0.0, 5.0, 0.0],
        ...         "end": [5.0, 6.0, 6.0],
        ...     }
        ... )
        >>> waterfall_chart(df, title="Why Y moved").to_dict()["mark"]["type"]
        'bar'
    """
    fmt = FORMAT[_UNIT_FORMAT.get(unit, "num")]
    data = frame.with_columns(
        colour=pl.when(pl.col("kind") == "total")
        .then(pl.lit("total"))
        .when(pl.col("amount") >= 0)
        .then(pl.lit("up"))
        .otherwise(pl.lit("down"))
    )
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X(
                "label:N", sort=alt.SortField("order"), title="Step", axis=alt.Axis(labelAngle=-30)
            ),
            y=alt.Y("start:Q", title="Value", axis=alt.Axis(format=fmt)),
            y2="end:Q",
            color=alt.Color(
                "colour:N",
                scale=alt.Scale(
                    domain=["total", "up", "down"], range=[PALETTE[0], PALETTE[2], PALETTE[3]]
                ),
                legend=None,
            ),
            tooltip=[
                alt.Tooltip("label:N", title="Step"),
                alt.Tooltip("amount:Q", title="Amount", format=fmt),
                alt.Tooltip("end:Q", title="Running total", format=fmt),
            ],
        )
    )
    return titled(chart, title, "Parts add up exactly to the change of the root")


def sparklines_chart(history: pl.DataFrame, *, columns: int = 2) -> alt.FacetChart:
    """Return one small line chart per node (own y scale), in tree order.

    history(period_start, complete, key, label, value) from drivers.history.

    Example:
        >>> from datetime import date
        >>> df = pl.DataFrame(
        ...     {
        ...         "period_start": [date(2025, 1, 6)],
        ...         "complete": [True],
        ...         "key": ["y"],
        ...         "label": ["Y"],
        ...         "value": [3.0],
        ...     }
        ... )
        >>> "facet" in sparklines_chart(df).to_dict()
        True
    """
    order = list(dict.fromkeys(history.get_column("label").to_list()))
    data = with_tail(history, x="period_start", series="key")
    base = alt.Chart(data).encode(
        x=alt.X(
            "period_start:T",
            title="Period",
            axis=alt.Axis(format="%b %y", labelAngle=0, tickCount=3),
            scale=alt.Scale(padding=4),
        ),
        # The y title sits level above the axis, not rotated beside it: beside it, two
        # columns of sparklines no longer fit a 390 px screen.
        y=alt.Y(
            "value:Q",
            scale=alt.Scale(zero=False),
            axis=alt.Axis(
                tickCount=3,
                title="Value",
                titleAngle=0,
                titleAlign="left",
                titleBaseline="bottom",
                titleX=0,
                titleY=-6,
                titleFontSize=10,
                titleFontWeight="normal",
                titleColor=NEUTRAL,
            ),
        ),
        tooltip=[
            alt.Tooltip("label:N", title="Driver"),
            alt.Tooltip("period_start:T", title="Period starting"),
            alt.Tooltip("value:Q", title="Value", format=",.4~g"),
            alt.Tooltip("complete:N", title="Period complete"),
        ],
    )
    hollow = alt.condition("datum.complete", alt.value(PALETTE[0]), HOLLOW)
    layers = alt.layer(
        base.transform_filter("datum.complete").mark_line(color=PALETTE[0]),
        base.transform_filter("datum._tail").mark_line(color=PALETTE[0], strokeDash=[3, 3]),
        base.mark_point(size=12, color=PALETTE[0], filled=False).encode(fill=hollow),
    ).properties(width=SPARK_WIDTH, height=60)
    # Two fixed-width columns fit a 390 px phone screen; a facet cannot follow the width.
    return (
        layers.facet(facet=alt.Facet("label:N", sort=order, title=None), columns=columns)
        .resolve_scale(y="independent")
        .properties(
            title=alt.TitleParams(
                "Every driver over time",
                subtitle=IN_PROGRESS,
                subtitleColor=NEUTRAL,
                anchor="start",
            )
        )
    )


def segment_chart(frame: pl.DataFrame, *, label: str, unit: str = "count") -> alt.Chart:
    """Return one driver's value by segment this period, biggest first.

    frame(segment, value, previous, change_pct) from drivers.segment_snapshot.

    Example:
        >>> df = pl.DataFrame(
        ...     {"segment": ["ads"], "value": [3.0], "previous": [2.0], "change_pct": [0.5]}
        ... )
        >>> segment_chart(df, label="Orders").to_dict()["mark"]["type"]
        'bar'
    """
    fmt = FORMAT[_UNIT_FORMAT.get(unit, "num")]
    chart = (
        alt.Chart(frame)
        .mark_bar(color=PALETTE[0])
        .encode(
            x=alt.X("value:Q", title=label, axis=alt.Axis(format=fmt)),
            y=alt.Y("segment:N", title="Segment", sort="-x"),
            tooltip=[
                alt.Tooltip("segment:N", title="Segment"),
                alt.Tooltip("value:Q", title="This period", format=fmt),
                alt.Tooltip("previous:Q", title="Previous period", format=fmt),
                alt.Tooltip("change_pct:Q", title="Change", format="+.1%"),
            ],
        )
    )
    return titled(chart, f"{label} by segment")
