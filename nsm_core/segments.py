"""Segments: the one definition of a unit's first-touch value, and banded numeric segments.

A numeric property (age, seats, order value) with too many values to split by becomes a
segment once banded: `numeric_bandings` cuts it into bands of users with readable edges, and
`with_bands` adds them to the events as "<property> (bands)" text columns, which every page
then offers like any other segment (`catalog.segment_columns`).
"""

import bisect
import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import polars as pl

from nsm_core._types import FrameT
from nsm_core.catalog import MAX_SEGMENT_VALUES, property_columns
from nsm_core.schema import EVENT, TS, USER

NO_SEGMENT: Final = "(none)"
BANDS: Final = 5
# Rounding an edge may move users between bands, by at most this share of them per band.
SHARE_SLACK: Final = 0.05
# Significant digits tried for the edges, roundest first (1.5: multiples of 5, 50, ...).
PRECISIONS: Final = (1, 1.5, 2, 2.5, 3, 4, 5, 6)
BANDED: Final = " (bands)"
# Numbers that name things rather than measure them: ids, codes, row numbers, times.
_NOT_A_MEASURE: Final = re.compile(
    r"(?:^|[\s_.\-])(?:id|uuid|key|code|zip|zipcode|postcode|index|row|record|number|no|"
    r"ts|time|timestamp|date|at)$|[a-z](?:Id|ID|Key|Code|Number|At)$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Banding:
    """A numeric property cut into bands: value v is in band i when edges[i-1] <= v < edges[i].

    edges: the inner cut points, increasing; labels: one per band, lowest first
    ("18–29", or "under 5", "5–20", "20 or more" for decimals); integer: whole numbers.
    """

    column: str
    edges: tuple[float, ...]
    labels: tuple[str, ...]
    integer: bool

    @property
    def segment(self) -> str:
        """The name of the segment column: "age (bands)"."""
        return self.column + BANDED


def first_touch_value(column: str) -> pl.Expr:
    """Return the aggregation of a unit's first-touch value of `column`, as String.

    For `group_by(unit).agg(...)`, so a per-unit table can carry the first touch without a
    second pass and a join; `first_touch` is this expression on its own. The value of the
    least (ts, event, value) among the unit's rows, where a row without a value has its ts
    masked to null and sorts last; "(none)" when no row has a value.

    Example:
        >>> ev = pl.DataFrame(
        ...     {"user_id": "a", "event": ["y", "x"], "ts": [1, 1], "channel": ["ads", "seo"]}
        ... )
        >>> ev.group_by("user_id").agg(first_touch_value("channel")).rows()
        [('a', 'seo')]
    """
    return _first(pl.col(column).cast(pl.String)).fill_null(NO_SEGMENT).alias(column)


def _first(value: pl.Expr) -> pl.Expr:
    """Return the aggregation of the value on the unit's least (ts, event, value) row with one."""
    ts = pl.when(value.is_not_null()).then(pl.col(TS))
    # polars runs sort_by(...).first() per group as one linear min_by over row-encoded
    # keys, with no sort and no join: at 1M-10M events it took 0.5-0.75x the CPU time of a
    # window min over the unit, and no more than a group-by min followed by a semi-join.
    return value.sort_by(ts, EVENT, value, nulls_last=True).first()


def first_touch(events: FrameT, column: str, *, unit: str = USER) -> FrameT:
    """Return each unit's first-touch value of `column`: (unit, column as String).

    The value on the unit's earliest event that carries one (nulls skipped); ties on ts
    break by event name, then by the value itself, so the answer never depends on row
    order. Units with no value at all get "(none)". One group-by (`first_touch_value`).

    Example:
        >>> from datetime import datetime
        >>> ev = pl.DataFrame(
        ...     {
        ...         "user_id": ["a", "a", "a", "b"],
        ...         "event": ["y", "x", "z", "x"],
        ...         "ts": [datetime(2025, 1, d) for d in (1, 1, 2, 1)],
        ...         "channel": ["ads", "seo", "tv", None],
        ...     }
        ... )
        >>> first_touch(ev, "channel").sort("user_id").rows()
        [('a', 'seo'), ('b', '(none)')]
    """
    return events.group_by(unit).agg(first_touch_value(column))


def round_edge(x: float, digits: float, *, integer: bool) -> float:
    """Return `x` rounded half up to `digits` significant digits (up to a whole number).

    A half digit halves the step: 1.5 digits rounds 29 to a multiple of 5 (30), 2.5 digits
    rounds 1234 to a multiple of 50 (1250).

    Example:
        >>> round_edge(27.8, 1, integer=True), round_edge(53, 1.5, integer=True)
        (30, 55)
        >>> round_edge(1234.0, 2, integer=False), round_edge(0.0345, 1, integer=False)
        (1200.0, 0.03)
    """
    whole = math.floor(digits)
    step = 10.0 ** (math.floor(math.log10(abs(x))) - whole + 1) if x else 0.0
    step /= 2 if digits > whole else 1
    if not step:  # zero, or too small for a power of ten
        return math.ceil(x) if integer else x
    rounded = float(f"{math.floor(x / step + 0.5) * step:.12g}")
    return math.ceil(rounded) if integer else rounded


def _kept_edges(edges: Sequence[float], ordered: Sequence[float]) -> list[float]:
    """Return the distinct edges that leave no band empty, for sorted values `ordered`."""
    kept: list[float] = []
    for edge in sorted(set(edges)):
        start = bisect.bisect_left(ordered, kept[-1]) if kept else 0
        if start < bisect.bisect_left(ordered, edge) < len(ordered):
            kept.append(edge)
    return kept


def _shares(edges: Sequence[float], ordered: Sequence[float]) -> list[float]:
    """Return the share of the sorted values `ordered` in each band cut at `edges`."""
    cuts = [0, *(bisect.bisect_left(ordered, e) for e in edges), len(ordered)]
    return [(b - a) / len(ordered) for a, b in itertools.pairwise(cuts)]


def band_edges(values: pl.Series, bands: int = BANDS, *, integer: bool) -> tuple[float, ...]:
    """Return readable inner edges cutting `values` into up to `bands` bands of about equal size.

    The cut points are the quantiles k / bands (k = 1 .. bands - 1; the "higher" quantile,
    a value of the data, so that a tie stays in one band). Each is rounded to the fewest
    significant digits (PRECISIONS; `round_edge`, whole numbers for `integer`) for which
    no band is empty and every band's share of the values stays within SHARE_SLACK of its
    share under the exact quantiles.

    Example:
        >>> band_edges(pl.Series(list(range(18, 68)) * 2), integer=True)
        (30, 40, 50, 60)
    """
    ordered = values.drop_nulls().sort().to_list()
    if not ordered:
        return ()
    points = [values.quantile(k / bands, "higher") for k in range(1, bands)]
    exact = _kept_edges([math.ceil(q) if integer else q for q in points], ordered)
    target = _shares(exact, ordered)
    for digits in PRECISIONS:
        edges = _kept_edges([round_edge(q, digits, integer=integer) for q in points], ordered)
        shares = _shares(edges, ordered)
        if len(shares) == len(target) and all(
            abs(a - b) <= SHARE_SLACK for a, b in zip(shares, target, strict=True)
        ):
            return tuple(edges)
    return tuple(exact)


def _number(x: float) -> str:
    """Return a band edge in words, exactly: "1,200", "2.5", "0.03"."""
    return f"{int(x) if float(x).is_integer() else x:,}"


def band_labels(
    edges: Sequence[float], low: float, high: float, *, integer: bool
) -> tuple[str, ...]:
    """Return one label per band, lowest first, for data from `low` to `high`.

    Whole numbers name the values in each band ("18–29": 18 to 29 inclusive); decimals name
    the edges, lower one included ("under 5", "5–20" = at least 5 and under 20, "20 or more").

    Example:
        >>> band_labels((30, 40), 18, 67, integer=True)
        ('18–29', '30–39', '40–67')
        >>> band_labels((5, 20.5), 0.5, 99.9, integer=False)
        ('under 5', '5–20.5', '20.5 or more')
    """
    if not integer:
        middle = [f"{_number(a)}–{_number(b)}" for a, b in itertools.pairwise(edges)]
        return (f"under {_number(edges[0])}", *middle, f"{_number(edges[-1])} or more")
    lows, highs = (low, *edges), (*(e - 1 for e in edges), high)
    return tuple(
        _number(a) if a == b else f"{_number(a)}–{_number(b)}"
        for a, b in zip(lows, highs, strict=True)
    )


def banding(column: str, values: pl.Series, bands: int = BANDS) -> Banding | None:
    """Return the bands of a numeric property from its users' values (None: under two bands).

    Whole-number values (an integer column, or decimals that are all whole) get whole
    edges and inclusive labels.

    Example:
        >>> b = banding("age", pl.Series(list(range(18, 68)) * 2))
        >>> b.segment, b.labels
        ('age (bands)', ('18–29', '30–39', '40–49', '50–59', '60–67'))
    """
    values = values.cast(pl.Float64).fill_nan(None).drop_nulls()
    if values.is_empty():
        return None
    integer = bool((values == values.round()).all())
    edges = band_edges(values, bands, integer=integer)
    if not edges:
        return None
    labels = band_labels(edges, values.min(), values.max(), integer=integer)
    return Banding(column, edges, labels, integer)


def _bandable(events: pl.DataFrame, max_values: int) -> list[str]:
    """Return the numeric properties that measure something and are not segments already.

    Numeric, not named like an id, code or time, and more than `max_values` distinct values
    if whole numbers (fewer are segments as they are); decimals with two values or more.
    """
    numeric = [
        c
        for c in property_columns(events.schema)
        if events.schema[c].is_numeric() and not _NOT_A_MEASURE.search(c)
        if c + BANDED not in events.columns
    ]
    if not numeric:
        return []
    distinct = events.select(pl.col(numeric).drop_nulls().n_unique()).row(0, named=True)
    return [
        c
        for c in numeric
        if distinct[c] > max_values or (events.schema[c].is_float() and distinct[c] >= 2)
    ]


def numeric_bandings(
    events: pl.DataFrame, bands: int = BANDS, max_values: int = MAX_SEGMENT_VALUES
) -> tuple[Banding, ...]:
    """Return the bands of every numeric property that can only be a segment once banded.

    The edges come from each user's value at their earliest event that has one (their
    first touch, as for any segment), so each band holds about the same number of users.
    See `banding` for the edges and labels.

    Example:
        >>> users = [f"u{i}" for i in range(80)]
        >>> ev = pl.DataFrame({"user_id": users, "event": "e", "ts": 0, "age": range(80)})
        >>> ev = ev.with_columns(pl.col("age") // 2)
        >>> [(b.segment, b.labels) for b in numeric_bandings(ev)]
        [('age (bands)', ('0–7', '8–15', '16–23', '24–31', '32–39'))]
    """
    columns = _bandable(events, max_values)
    if not columns:
        return ()
    # Rows without any of the values change no one's first value: leave them out early.
    carrying = events.filter(pl.any_horizontal(pl.col(columns).is_not_null()))
    # The edges only need the spread of first values: the earliest time alone (one sort
    # key, a linear min_by) costs a third of first_touch's (ts, event, value) order.
    firsts = carrying.group_by(USER).agg(
        pl.col(c)
        .sort_by(pl.when(pl.col(c).is_not_null()).then(pl.col(TS)), nulls_last=True)
        .first()
        for c in columns
    )
    found = (banding(c, firsts.get_column(c), bands) for c in columns)
    return tuple(b for b in found if b is not None)


def band(banded: Banding) -> pl.Expr:
    """Return the band label of each row's value (null where the value is missing).

    Example:
        >>> b = Banding("age", (30, 40), ("18–29", "30–39", "40–67"), integer=True)
        >>> pl.DataFrame({"age": [18, 30, 39, 67, None]}).select(band(b)).to_series().to_list()
        ['18–29', '30–39', '30–39', '40–67', None]
    """
    value, labels = pl.col(banded.column).fill_nan(None), banded.labels
    label = pl.when(value.is_null()).then(pl.lit(None, pl.String))
    for edge, name in zip(banded.edges, labels, strict=False):
        label = label.when(value < edge).then(pl.lit(name))
    return label.otherwise(pl.lit(labels[-1])).alias(banded.segment)


def with_bands(events: pl.DataFrame, bandings: Sequence[Banding]) -> pl.DataFrame:
    """Return `events` with one "<property> (bands)" text column per banding."""
    return events.with_columns(band(b) for b in bandings) if bandings else events


def bands_table(bandings: Sequence[Banding]) -> pl.DataFrame:
    """Return the banded segments for the Data page: (segment, property, bands, how).

    Example:
        >>> b = Banding("age", (30, 40), ("18–29", "30–39", "40–67"), integer=True)
        >>> bands_table([b]).row(0)
        ('age (bands)', 'age', '18–29 · 30–39 · 40–67', "cut at 30, 40: quantiles of each user's first value, rounded")
    """  # noqa: E501
    return pl.DataFrame(
        {
            "segment": [b.segment for b in bandings],
            "property": [b.column for b in bandings],
            "bands": [" · ".join(b.labels) for b in bandings],
            "how": [
                f"cut at {', '.join(map(_number, b.edges))}: quantiles of each user's first "
                "value, rounded"
                for b in bandings
            ],
        },
        schema={"segment": pl.String, "property": pl.String, "bands": pl.String, "how": pl.String},
    )
